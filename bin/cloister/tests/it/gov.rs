//! `cloister gov` against a `cloister node --dev` (governance contract predeployed, dev
//! accounts 0–2 members): dev account 0 proposes to grant a role, accounts 0 and 1 vote For
//! (two of three members decide), the proposal is Executed and `gov status` shows the role; a
//! non-member's proposal is refused with the contract's reason and nothing is sent.

use crate::node::{NodeProcess, binary};
use std::process::Command;

/// Dev account 5: not a member.
const OUTSIDER: &str = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

/// Runs `cloister gov ARGS…`; (success, stdout, stderr).
fn gov(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binary())
        .arg("gov")
        .args(args)
        .output()
        .expect("run cloister gov");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (success, stdout, stderr) = gov(args);
    assert!(success, "cloister gov {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_propose_and_vote_until_the_proposal_is_executed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = NodeProcess::start(&dir.path().join("data"), dir.path(), 0).await;
    let url = node.rpc.url().to_owned();
    // The commands are blocking processes: keep them off the runtime's workers.
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            ok(&args)
        })
    };
    let status = run(vec!["status".into(), "--rpc".into(), url.clone()])
        .await
        .unwrap();
    assert!(status.contains("members (3):"), "{status}");
    assert!(
        status.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        "{status}"
    );
    assert!(status.contains("proposals (0):"), "{status}");

    let grant = format!("{OUTSIDER}=auditor");
    let proposed = run([
        "propose",
        "--rpc",
        &url,
        "--dev-account",
        "0",
        "--description",
        "account 5 audits",
        "--grant-role",
        &grant,
    ]
    .map(String::from)
    .to_vec())
    .await
    .unwrap();
    assert!(proposed.contains("proposal: 1\n"), "{proposed}");
    assert!(
        proposed.contains("Active — for 0, against 0, abstain 0 (needs 2 of 3 members)"),
        "{proposed}"
    );
    assert!(
        proposed.contains(&format!("grant role `auditor` to {OUTSIDER}")),
        "{proposed}"
    );

    let first = run(["vote", "--rpc", &url, "--dev-account", "0", "1", "for"]
        .map(String::from)
        .to_vec())
    .await
    .unwrap();
    assert!(
        first.contains("proposal 1: Active — for 1, against 0"),
        "{first}"
    );
    let deciding = run(["vote", "--rpc", &url, "--dev-account", "1", "1", "for"]
        .map(String::from)
        .to_vec())
    .await
    .unwrap();
    assert!(
        deciding.contains("proposal 1: Executed — for 2, against 0"),
        "{deciding}"
    );

    let status = run(vec!["status".into(), "--rpc".into(), url.clone()])
        .await
        .unwrap();
    assert!(status.contains(&format!("{OUTSIDER} auditor")), "{status}");
    assert!(status.contains("proposal 1: Executed"), "{status}");

    // A non-member is refused before anything is sent; --print-calldata only prints.
    let outsider_try = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            gov(&[
                "propose",
                "--rpc",
                &url,
                "--dev-account",
                "5",
                "--description",
                "x",
                "--admit-node",
                OUTSIDER,
            ])
        })
        .await
        .unwrap()
    };
    assert!(!outsider_try.0, "a non-member's proposal must fail");
    assert!(
        outsider_try.2.contains("only a member can propose"),
        "{}",
        outsider_try.2
    );
    let printed = run([
        "propose",
        "--rpc",
        &url,
        "--print-calldata",
        "--description",
        "x",
        "--admit-node",
        OUTSIDER,
    ]
    .map(String::from)
    .to_vec())
    .await
    .unwrap();
    assert!(
        printed.starts_with("to:   0x000000000000000000000000000000000000C0C0\ndata: 0x815846df"),
        "{printed}"
    );
    let count = run(vec!["status".into(), "--rpc".into(), url.clone()])
        .await
        .unwrap();
    assert!(count.contains("proposals (1):"), "{count}");
}

//! End to end in simulation: `cloister node --dev --tee simulated` serves RPC over TLS with an
//! RA-TLS certificate; `cloister attest verify` against it passes only when simulation is
//! allowed and the measurement is the expected one; a node without a TEE has nothing to verify.

use crate::node::binary;
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a dev node with `tee` and waits until its port accepts connections.
fn start(tee: &str, dir: &std::path::Path) -> (Killed, u16) {
    let port = free_port();
    let child = Command::new(binary())
        .args([
            "node",
            "--dev",
            "--tee",
            tee,
            "--port",
            &port.to_string(),
            "--datadir",
        ])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Killed(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (node, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("node with --tee {tee} did not listen");
}

/// Runs `cloister attest verify` and returns (exit success, JSON report).
fn verify(port: u16, extra: &[&str]) -> (bool, serde_json::Value) {
    let output = Command::new(binary())
        .args(["attest", "verify", &format!("https://127.0.0.1:{port}")])
        .args(extra)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.success(), report)
}

#[test]
fn simulated_attestation_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, port) = start("simulated", dir.path());

    let (ok, report) = verify(port, &["--allow-simulated"]);
    assert!(ok, "{report}");
    assert_eq!(report["verified"], true);
    assert_eq!(report["kind"], "simulated");
    assert_eq!(report["report_data_binds_key"], true);
    let mrenclave = report["mrenclave"].as_str().unwrap().to_string();
    assert_eq!(mrenclave.len(), 64);

    // Simulation not allowed: refused.
    let (ok, report) = verify(port, &[]);
    assert!(!ok);
    assert_eq!(report["verified"], false);
    assert!(
        report["error"].as_str().unwrap().contains("SIMULATED"),
        "{report}"
    );

    // The expected measurement is the node's own: passes; another one: refused.
    let (ok, _) = verify(
        port,
        &["--allow-simulated", "--expect-mrenclave", &mrenclave],
    );
    assert!(ok);
    let other = "11".repeat(32);
    let (ok, report) = verify(port, &["--allow-simulated", "--expect-mrenclave", &other]);
    assert!(!ok);
    assert!(
        report["error"].as_str().unwrap().contains("MRENCLAVE"),
        "{report}"
    );
}

/// The dev genesis with `allowedMeasurements` set to `mrenclaves`, written into `dir`.
fn genesis_allowing(dir: &std::path::Path, mrenclaves: &[&str]) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../genesis/dev.json"
    ))
    .unwrap();
    let mut genesis: serde_json::Value = serde_json::from_str(&text).unwrap();
    genesis["cloister"]["allowedMeasurements"] = mrenclaves
        .iter()
        .map(|m| serde_json::json!({ "mrenclave": format!("0x{m}"), "isvSvn": 0 }))
        .collect();
    let path = dir.join(format!("genesis-{}.json", mrenclaves.len()));
    std::fs::write(&path, genesis.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn the_chain_allow_list_decides() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, port) = start("simulated", &dir.path().join("data"));
    let (ok, report) = verify(port, &["--allow-simulated"]);
    assert!(ok, "{report}");
    let own = report["mrenclave"].as_str().unwrap().to_string();

    // The dev chain allows simulation, and an empty list names no measurement.
    let open = genesis_allowing(dir.path(), &[]);
    assert!(verify(port, &["--genesis", &open]).0);
    let other = "22".repeat(32);
    let wrong = genesis_allowing(dir.path(), &[&other]);
    let (ok, report) = verify(port, &["--genesis", &wrong]);
    assert!(!ok);
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("allowedMeasurements"),
        "{report}"
    );
    let right = genesis_allowing(dir.path(), &[&other, &own]);
    assert!(verify(port, &["--genesis", &right]).0);
}

#[test]
fn plain_dev_node_has_no_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, port) = start("none", dir.path());
    let (ok, report) = verify(port, &["--allow-simulated"]);
    assert!(!ok, "a plain-HTTP node must not verify: {report}");
}

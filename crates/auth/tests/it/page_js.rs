//! Runs the page's own `buildMessage` JavaScript under Node (when installed) and checks its
//! text equals `message_text` and signs in.

use crate::common::*;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{handle, http::SIGN_IN_PAGE, message_text};
use http::Method;
use std::process::Command;

/// The `buildMessage` function, cut out of the page.
fn build_message_js() -> &'static str {
    let start = SIGN_IN_PAGE
        .find("function buildMessage")
        .expect("buildMessage in page");
    let length = SIGN_IN_PAGE[start..]
        .find("\n  }\n")
        .expect("end of buildMessage")
        + 4;
    &SIGN_IN_PAGE[start..start + length]
}

#[test]
fn page_javascript_builds_the_canonical_text() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not installed: skipping the page JavaScript check");
        return;
    }
    let (service, _store, _dir) = service();
    let signer = PrivateKeySigner::random();
    let lower = format!("{:x}", signer.address());
    let response = handle(
        &service,
        &Method::GET,
        &format!("/signin/nonce?address={lower}"),
        b"",
    )
    .expect("route");
    let challenge: serde_json::Value = serde_json::from_str(response.body()).expect("json");
    let script = format!(
        "{}\nconst c = JSON.parse(process.argv[1]);\n\
         process.stdout.write(buildMessage(c, c.address));",
        build_message_js()
    );
    let output = Command::new("node")
        .arg("-e")
        .arg(&script)
        .arg(challenge.to_string())
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let js_text = String::from_utf8(output.stdout).expect("utf8");

    let nonce = challenge["nonce"].as_str().expect("nonce");
    let mut expected = service.nonce().message_for(signer.address());
    expected.nonce = nonce.to_owned();
    expected.issued_at = challenge["issuedAt"].as_str().expect("issuedAt").to_owned();
    expected.expiration_time = challenge["expirationTime"].as_str().map(str::to_owned);
    assert_eq!(js_text, message_text(&expected));

    let signature = personal_sign(&signer, &js_text);
    let result = service
        .sign_in(&js_text, &signature)
        .expect("JS-built message signs in");
    assert_eq!(result.address, signer.address());
}

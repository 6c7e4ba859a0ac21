//! Confidentiality at rest and in logs: a random marker written into calldata, contract storage,
//! an event (data and topic) and a balance must appear nowhere in the datadir's files nor in the
//! node's own stdout/stderr at `RUST_LOG=trace`, though RPC reads it all back.

use crate::{
    node::binary,
    rpc::{Rpc, quantity_u128, wait_receipt},
};
use serde_json::{Value, json};
use std::{
    fs::File,
    io::Read,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The first dev account, which the node signs for with eth_sendTransaction.
const DEV: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// The data key of the key-file sealer, skipped by the scan: outside an enclave it is the sealing
/// seam's plaintext key (mode 0600); inside one it is sealed to the enclave and never on disk.
const KEY_FILE: &str = "data.key";

/// Init code (12 bytes) that returns the 20-byte runtime after it. The runtime, on any call:
/// SSTORE(0, CALLDATALOAD(0)); CALLDATACOPY(0, 0, CALLDATASIZE);
/// LOG1(0, CALLDATASIZE, topic = CALLDATALOAD(0)); STOP.
const INIT_CODE: &str = concat!(
    "0x6014600c60003960146000f3",
    "600035600055", // PUSH1 0 CALLDATALOAD PUSH1 0 SSTORE
    "3660006000",   // CALLDATASIZE PUSH1 0 PUSH1 0
    "37",           // CALLDATACOPY
    "6000353660",   // PUSH1 0 CALLDATALOAD CALLDATASIZE PUSH1 ..
    "00a100",       // .. 0 LOG1 STOP
);

/// A child node, killed and reaped on drop.
struct Killed(Option<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One byte string to look for, with a name for the failure message.
struct Needle {
    name: String,
    bytes: Vec<u8>,
}

/// Where a needle was found.
#[derive(Debug)]
struct Hit {
    needle: String,
    file: PathBuf,
    offset: usize,
    context: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The marker in every form looked for: raw, lower and upper hex; the balance bytes raw
/// (big- and little-endian), as hex and as a decimal number.
fn needles(marker: &[u8; 16], wei: u64) -> Vec<Needle> {
    let mut list = vec![
        Needle {
            name: "marker raw".into(),
            bytes: marker.to_vec(),
        },
        Needle {
            name: "marker hex".into(),
            bytes: hex(marker).into_bytes(),
        },
        Needle {
            name: "marker HEX".into(),
            bytes: hex(marker).to_uppercase().into_bytes(),
        },
        Needle {
            name: "balance raw BE".into(),
            bytes: wei.to_be_bytes().to_vec(),
        },
        Needle {
            name: "balance raw LE".into(),
            bytes: wei.to_le_bytes().to_vec(),
        },
        Needle {
            name: "balance hex".into(),
            bytes: format!("{wei:x}").into_bytes(),
        },
        Needle {
            name: "balance HEX".into(),
            bytes: format!("{wei:X}").into_bytes(),
        },
        Needle {
            name: "balance decimal".into(),
            bytes: wei.to_string().into_bytes(),
        },
    ];
    list.retain(|needle| !needle.bytes.is_empty());
    list
}

/// Every occurrence's first offset of each needle in `file`.
fn scan_file(file: &Path, needles: &[Needle], hits: &mut Vec<Hit>) {
    let mut content = Vec::new();
    File::open(file)
        .and_then(|mut f| f.read_to_end(&mut content))
        .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    for needle in needles {
        let mut from = 0;
        // At most a few hits per needle and file: enough to name every emitter without flooding.
        for _ in 0..5 {
            let Some(found) = content[from..]
                .windows(needle.bytes.len())
                .position(|w| w == needle.bytes)
            else {
                break;
            };
            let offset = from + found;
            from = offset + needle.bytes.len();
            // The whole log line (its start names the level and target), capped.
            let start = content[..offset]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let start = start.max(offset.saturating_sub(300));
            let end = content[offset..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(content.len(), |i| offset + i);
            let end = end.min(offset + needle.bytes.len() + 120);
            hits.push(Hit {
                needle: needle.name.clone(),
                file: file.to_path_buf(),
                offset,
                context: String::from_utf8_lossy(&content[start..end]).into_owned(),
            });
        }
    }
}

/// Scans every file under `dir` recursively except ones named `skip`.
fn scan_dir(dir: &Path, skip: &str, needles: &[Needle], hits: &mut Vec<Hit>) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scanned += scan_dir(&path, skip, needles, hits);
        } else if path.file_name().is_some_and(|name| name != skip) {
            scan_file(&path, needles, hits);
            scanned += 1;
        }
    }
    scanned
}

/// 16 bytes from the OS; the first has its top bit set so the 8-byte balance has no leading zero.
fn random_marker() -> [u8; 16] {
    let mut marker = [0u8; 16];
    File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut marker)
        .unwrap();
    marker[0] |= 0x80;
    marker
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends with eth_sendTransaction from the dev account and waits for a status-1 receipt.
async fn send(rpc: &Rpc, tx: Value) -> Value {
    let hash = rpc.ok("eth_sendTransaction", json!([tx])).await;
    let receipt = wait_receipt(rpc, hash.as_str().unwrap()).await;
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    receipt
}

#[test]
fn scanner_finds_a_plaintext_marker() {
    let dir = tempfile::tempdir().unwrap();
    let marker = random_marker();
    let wei = u64::from_be_bytes(marker[..8].try_into().unwrap());
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    let mut plain = b"some prefix ".to_vec();
    plain.extend_from_slice(&marker);
    std::fs::write(dir.path().join("nested/plain.bin"), &plain).unwrap();
    std::fs::write(
        dir.path().join("log.txt"),
        format!("x=0x{} y", hex(&marker).to_uppercase()),
    )
    .unwrap();
    std::fs::write(dir.path().join(KEY_FILE), marker).unwrap();
    let mut hits = Vec::new();
    let scanned = scan_dir(dir.path(), KEY_FILE, &needles(&marker, wei), &mut hits);
    assert_eq!(scanned, 2, "the key file is skipped, the rest scanned");
    let found: Vec<_> = hits.iter().map(|h| (h.needle.as_str(), h.offset)).collect();
    assert!(found.contains(&("marker raw", 12)), "{hits:?}");
    assert!(found.contains(&("balance raw BE", 12)), "{hits:?}");
    assert!(found.contains(&("marker HEX", 4)), "{hits:?}");
}

#[tokio::test]
async fn marker_never_reaches_disk_or_logs() {
    let datadir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (stdout_path, stderr_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let port = free_port();
    let mut node = Killed(Some(
        Command::new(binary())
            .args([
                "node",
                "--dev",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--datadir",
            ])
            .arg(datadir.path())
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).unwrap())
            .stderr(File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap(),
    ));
    let rpc = Rpc::new(port);
    let mut ready = false;
    for _ in 0..600 {
        if rpc.call("eth_chainId", json!([])).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ready,
        "node not up: {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );

    // Encrypted at rest: a fresh datadir gets a 0600 key file beside the database.
    let key_file = datadir.path().join(KEY_FILE);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "data.key mode");
    assert!(datadir.path().join("chain.redb").exists());

    let marker = random_marker();
    let marker_hex = hex(&marker);
    let word = format!("0x{marker_hex}{}", "00".repeat(16));
    let wei = u64::from_be_bytes(marker[..8].try_into().unwrap());
    let eoa = format!("0x{}", hex(&alloy_primitives::keccak256(marker)[12..]));
    let payee = format!(
        "0x{}",
        hex(&alloy_primitives::keccak256(&marker[..8])[12..])
    );

    // (1) Calldata to an EOA.
    send(
        &rpc,
        json!({"from": DEV, "to": eoa, "input": format!("0x{marker_hex}")}),
    )
    .await;
    // (2) Storage, event data and topic through a hand-written contract.
    let deployed = send(
        &rpc,
        json!({"from": DEV, "input": INIT_CODE, "gas": "0x30000"}),
    )
    .await;
    let contract = deployed["contractAddress"].as_str().unwrap().to_string();
    let called = send(
        &rpc,
        json!({"from": DEV, "to": contract, "input": word, "gas": "0x20000"}),
    )
    .await;
    // (3) A balance holding eight marker bytes.
    send(
        &rpc,
        json!({"from": DEV, "to": payee, "value": format!("0x{wei:x}")}),
    )
    .await;

    // Really there, read back over RPC.
    let stored = rpc
        .ok("eth_getStorageAt", json!([contract, "0x0", "latest"]))
        .await;
    assert_eq!(stored.as_str().unwrap(), word);
    let block = called["blockNumber"].clone();
    let logs_found = rpc
        .ok(
            "eth_getLogs",
            json!([{"address": contract, "fromBlock": block, "toBlock": block}]),
        )
        .await;
    assert_eq!(logs_found.as_array().unwrap().len(), 1, "{logs_found}");
    assert_eq!(logs_found[0]["data"].as_str().unwrap(), word);
    assert_eq!(logs_found[0]["topics"][0].as_str().unwrap(), word);
    let balance = rpc.ok("eth_getBalance", json!([payee, "latest"])).await;
    assert_eq!(quantity_u128(&balance), u128::from(wei));

    // Stop cleanly so everything buffered is on disk, then scan.
    let mut child = node.0.take().unwrap();
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let mut exited = false;
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            exited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node.0 = Some(child);
    assert!(exited, "node did not exit within ~60 s of SIGINT");
    drop(node);

    let needles = needles(&marker, wei);
    let mut hits = Vec::new();
    let scanned = scan_dir(datadir.path(), KEY_FILE, &needles, &mut hits);
    assert!(scanned >= 1, "the datadir holds the database");
    scan_file(&stdout_path, &needles, &mut hits);
    scan_file(&stderr_path, &needles, &mut hits);
    let log_len = std::fs::metadata(&stderr_path).unwrap().len();
    assert!(log_len > 0, "the node logged something at trace");
    let report: Vec<String> = hits
        .iter()
        .map(|h| {
            format!(
                "{} in {} at offset {}: …{}…",
                h.needle,
                h.file.display(),
                h.offset,
                h.context
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "marker {marker_hex} (wei {wei}) leaked:\n{}",
        report.join("\n")
    );
}

//! Floods must not stop the chain: an EVM-executing call is bounded in time (geth's
//! "execution aborted (timeout = …)"), a flood of infinite-loop calls leaves block production
//! going, and a flood of `/signin/nonce` requests leaves honest users' nonces usable. The
//! throughput ratio itself is measured by `examples/flood.rs`, not asserted here.

use alloy_signer::SignerSync as _;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{SignInChallenge, message_text};
use cloister_node::{NodeConfig, NodeHandle};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// `JUMPDEST PUSH1 0 JUMP` as creation code: loops until the gas runs out.
const LOOP: &str = "0x5b600056";
/// The dev chain's block gas limit: a loop this long takes seconds.
const BLOCK_GAS: u64 = 1_000_000_000;

async fn dev_node(dir: &std::path::Path, configure: impl FnOnce(&mut NodeConfig)) -> NodeHandle {
    // Port 0: nothing here needs the port before the node binds it (the sign-in domain reads
    // host:0, and the challenge carries it), and no other test can take it in between.
    let mut config = NodeConfig::dev(dir.to_path_buf(), 0);
    configure(&mut config);
    cloister_node::launch(config).await.expect("launch")
}

async fn rpc(http: &reqwest::Client, url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    http.post(url)
        .json(&body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

/// Mined transactions in blocks after `from`.
fn mined_since(node: &NodeHandle, from: u64) -> usize {
    let head = node.chain.head();
    (from + 1..=head.header.number)
        .map(|n| head.reader.transactions(n).expect("block").len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_stops_at_the_time_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = dev_node(dir.path(), |c| {
        c.rpc_evm_timeout = Duration::from_secs(1);
        c.rpc_gas_cap = BLOCK_GAS;
    })
    .await;
    let (http, url) = (reqwest::Client::new(), node.http_url());
    let call = json!({"data": LOOP, "gas": format!("{BLOCK_GAS:#x}")});
    let cases = [
        ("eth_call", json!([call, "latest"])),
        ("eth_createAccessList", json!([call, "latest"])),
        (
            "eth_simulateV1",
            json!([{"blockStateCalls": [{"calls": [call]}]}, "latest"]),
        ),
    ];
    for (method, params) in cases {
        let started = Instant::now();
        let answer = rpc(&http, &url, method, params).await;
        let took = started.elapsed();
        assert_eq!(answer["error"]["code"], -32000, "{method}: {answer}");
        assert_eq!(
            answer["error"]["message"], "execution aborted (timeout = 1s)",
            "{method}"
        );
        // The bound holds inside execution: the answer comes soon after it, not at the gas's
        // end (a billion gas of this loop runs for several seconds).
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(4),
            "{method} answered after {took:?}"
        );
    }
    // The turn was given back: a cheap call runs at once.
    let answer = rpc(&http, &url, "eth_call", json!([{"data": "0x00"}, "latest"])).await;
    assert_eq!(answer["result"], "0x", "{answer}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimates_and_traces_are_bounded_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    // These run at most 2^24 gas (Osaka's cap on a transaction): a loop that long runs far
    // longer than 1 ms, though not always longer than a second.
    let node = dev_node(dir.path(), |c| c.rpc_evm_timeout = Duration::from_millis(1)).await;
    let (http, url) = (reqwest::Client::new(), node.http_url());
    let call = json!({"data": LOOP});
    let cases = [
        ("eth_estimateGas", json!([call])),
        (
            "debug_traceCall",
            json!([call, "latest", {"tracer": "callTracer"}]),
        ),
    ];
    for (method, params) in cases {
        let answer = rpc(&http, &url, method, params).await;
        assert_eq!(answer["error"]["code"], -32000, "{method}: {answer}");
        assert_eq!(
            answer["error"]["message"], "execution aborted (timeout = 1ms)",
            "{method}"
        );
    }
    // A plain transfer sent without a gas limit does not queue for an EVM turn or run into
    // the bound: its 21000 gas are found at once.
    let from = format!("{:#x}", node.dev_accounts[1].address());
    let transfer =
        json!([{"from": from, "to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}]);
    let answer = rpc(&http, &url, "eth_sendTransaction", transfer).await;
    assert!(answer["result"].is_string(), "{answer}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_are_mined_under_a_flood_of_infinite_loops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = dev_node(dir.path(), |c| {
        c.rpc_evm_timeout = Duration::from_secs(1);
        c.rpc_evm_concurrency = 1;
        c.rpc_evm_queue = 4;
    })
    .await;
    let url = node.http_url();
    let running = Arc::new(AtomicBool::new(true));
    let (answered, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut flood = Vec::new();
    for _ in 0..8 {
        let (url, running) = (url.clone(), running.clone());
        let (answered, refused) = (answered.clone(), refused.clone());
        flood.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while running.load(Ordering::Relaxed) {
                let answer = rpc(&http, &url, "eth_call", json!([{"data": LOOP}, "latest"])).await;
                let message = answer["error"]["message"].as_str().unwrap_or_default();
                if message.starts_with("server busy") {
                    refused.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                } else {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = node.chain.head().header.number;
    let mut senders = Vec::new();
    for key in node.dev_accounts.iter().skip(1).take(2) {
        let (url, running, from) = (url.clone(), running.clone(), key.address());
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let transfer = json!([{"from": from, "to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}]);
            while running.load(Ordering::Relaxed) {
                rpc(&http, &url, "eth_sendTransaction", transfer.clone()).await;
            }
        }));
    }
    // A low bar, not a rate: before the fix, eight such clients left a few transfers a second.
    let deadline = Instant::now() + Duration::from_secs(60);
    while mined_since(&node, start) < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.store(false, Ordering::Relaxed);
    for task in flood.into_iter().chain(senders) {
        task.await.expect("client");
    }
    assert!(
        mined_since(&node, start) >= 200,
        "only {} transfers mined during the flood",
        mined_since(&node, start)
    );
    // The flood was served (timeouts and out-of-gas answers), and beyond the queue refused.
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "eight callers over one turn and a queue of four"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signin_nonce_flood_does_not_evict_honest_nonces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = dev_node(dir.path(), |_| {}).await;
    let (http, base) = (reqwest::Client::new(), node.http_url());
    let honest = PrivateKeySigner::random();
    let c: Value = http
        .get(format!("{base}/signin/nonce?address={}", honest.address()))
        .send()
        .await
        .expect("nonce")
        .json()
        .await
        .expect("json");
    // More requests than the 10,000 nonces the store used to keep before evicting the oldest.
    let mut flood = Vec::new();
    for _ in 0..8 {
        let (http, url) = (http.clone(), format!("{base}/signin/nonce"));
        flood.push(tokio::spawn(async move {
            for _ in 0..1_300 {
                let status = http.get(&url).send().await.expect("flood").status();
                assert_eq!(status, 200);
            }
        }));
    }
    for task in flood {
        task.await.expect("flooder");
    }
    let field = |name: &str| c[name].as_str().expect(name).to_string();
    let challenge = SignInChallenge {
        nonce: field("nonce"),
        domain: field("domain"),
        chain_id: c["chainId"].as_u64().expect("chainId"),
        uri: field("uri"),
        statement: field("statement"),
        issued_at: field("issuedAt"),
        expiration_time: field("expirationTime"),
    };
    let text = message_text(&challenge.message_for(honest.address()));
    let signature = honest.sign_message_sync(text.as_bytes()).expect("sign");
    let body =
        json!({"message": text, "signature": format!("0x{}", hex::encode(signature.as_bytes()))});
    let response = http
        .post(format!("{base}/signin"))
        .json(&body)
        .send()
        .await
        .expect("signin");
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    node.stop().await;
}

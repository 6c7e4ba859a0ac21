//! Seeing a node: `cloister_clusterStatus`, `GET /metrics` (Prometheus text format) and
//! `GET /health`, on a `--dev` node, on a confidential chain (the pages answer without
//! sign-in and show nothing of the callers), and (from `cluster_nodes`) on three validators.

use crate::common::{free_port, sign_in};
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_node::{NodeConfig, NodeHandle};
use cloister_policy::method::{MethodClass, classify};
use cloister_primitives::{Address, B256, U256, primitives::TxKind};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

/// One scrape of `/metrics`, checked line by line while parsed.
#[derive(Debug, Default)]
pub struct Scrape {
    /// `(name, labels, value)` of every sample line.
    pub samples: Vec<(String, BTreeMap<String, String>, f64)>,
    /// Family name → `# TYPE`.
    pub types: BTreeMap<String, String>,
}

impl Scrape {
    /// Parses `text`, panicking on any line that is not a comment or `name{labels} value`, and
    /// on any sample whose family has no `# HELP` and `# TYPE`.
    pub fn parse(text: &str) -> Self {
        let mut scrape = Self::default();
        let mut helped = BTreeSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').expect("HELP name and text");
                assert!(!help.is_empty(), "{line}");
                assert!(helped.insert(name.to_owned()), "second HELP: {line}");
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name and kind");
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                assert!(helped.contains(name), "TYPE before HELP: {line}");
                let previous = scrape.types.insert(name.to_owned(), kind.to_owned());
                assert!(previous.is_none(), "second TYPE: {line}");
                continue;
            }
            assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
            let (series, value) = line.rsplit_once(' ').expect("series and value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                other => other.parse().unwrap_or_else(|_| panic!("value of {line}")),
            };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (
                    name,
                    parse_labels(rest.strip_suffix('}').expect("closing brace")),
                ),
                None => (series, BTreeMap::new()),
            };
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "metric name in {line}"
            );
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .filter(|base| scrape.types.get(*base).is_some_and(|t| t == "histogram"))
                .unwrap_or(name);
            assert!(scrape.types.contains_key(family), "no TYPE for {line}");
            scrape.samples.push((name.to_owned(), labels, value));
        }
        scrape
    }

    /// The value of the sample `name` whose labels include `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, value)| *value)
    }

    /// Every sample of `name`.
    pub fn series(&self, name: &str) -> Vec<(&BTreeMap<String, String>, f64)> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, labels, value)| (labels, *value))
            .collect()
    }
}

/// `a="x",b="y\"z"` → a map, unescaping values.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "label {name} of {text}");
        let mut value = String::new();
        loop {
            match chars.next().expect("closing quote") {
                '"' => break,
                '\\' => match chars.next().expect("escaped character") {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                other => value.push(other),
            }
        }
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "label name {name:?}"
        );
        labels.insert(name, value);
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(other) => panic!("unexpected {other:?} in labels {text}"),
        }
    }
    labels
}

/// `GET url`: status, content type and body.
pub async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let response = http.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// Scrapes `base/metrics` and checks the format.
pub async fn scrape(http: &reqwest::Client, base: &str) -> (Scrape, String) {
    let (status, content_type, text) = get(http, &format!("{base}/metrics")).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    (Scrape::parse(&text), text)
}

/// `base/health`: status and JSON body.
pub async fn health(http: &reqwest::Client, base: &str) -> (u16, Value) {
    let (status, content_type, body) = get(http, &format!("{base}/health")).await;
    assert_eq!(content_type, "application/json");
    (status, serde_json::from_str(&body).expect("health JSON"))
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

/// Whether the policy classifies `cloister_clusterStatus` (in `crates/policy`). Until it does,
/// every gate refuses it like any unclassified method.
fn served() -> bool {
    classify("cloister_clusterStatus") != MethodClass::Unknown
}

/// `cloister_clusterStatus` of `node` through `url` when the policy serves it (otherwise the
/// refusal is checked and the node's in-process answer, the same code, is used).
pub async fn cluster_status(http: &reqwest::Client, url: &str, node: &NodeHandle) -> Value {
    let answer = rpc(http, url, "cloister_clusterStatus", json!([])).await;
    if served() {
        assert!(answer["error"].is_null(), "{answer}");
        return answer["result"].clone();
    }
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    serde_json::to_value(node.cluster_status().await).expect("status JSON")
}

fn hex_u64(value: &Value) -> u64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).expect("hex quantity")
}

fn transfer(key: &PrivateKeySigner, chain_id: u64, nonce: u64) -> (String, B256) {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(1u64),
        access_list: Default::default(),
        input: Default::default(),
    };
    let signature = key.sign_transaction_sync(&mut tx).expect("sign");
    let signed = tx.into_signed(signature);
    let hash = *signed.hash();
    (format!("0x{}", hex::encode(signed.encoded_2718())), hash)
}

async fn wait_receipt(http: &reqwest::Client, url: &str, hash: B256) -> Value {
    for _ in 0..200 {
        let answer = rpc(http, url, "eth_getTransactionReceipt", json!([hash])).await;
        if !answer["result"].is_null() {
            return answer["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no receipt for {hash}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dev_node_shows_metrics_health_and_itself_as_its_cluster() {
    let dir = tempfile::tempdir().expect("dir");
    let node = cloister_node::launch(NodeConfig::dev(dir.path().to_path_buf(), free_port()))
        .await
        .expect("launch");
    let base = node.http_url();
    let http = reqwest::Client::new();
    let validator = node.dev_accounts[0].address();

    let (status, body) = health(&http, &base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["role"], "single");
    assert_eq!(body["leader"]["address"], json!(validator));

    let (before, _) = scrape(&http, &base).await;
    let committed_before = before
        .value("cloister_transactions_committed_total", &[])
        .expect("tx counter");

    let sender = &node.dev_accounts[3];
    let (raw, hash) = transfer(sender, 7557, 0);
    let sent = rpc(&http, &base, "eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(sent["result"], json!(hash), "{sent}");
    let receipt = wait_receipt(&http, &base, hash).await;
    let mined = hex_u64(&receipt["blockNumber"]);
    let unknown = rpc(&http, &base, "nobody_knowsThis", json!([])).await;
    assert_eq!(unknown["error"]["code"], -32601);

    let (metrics, text) = scrape(&http, &base).await;
    let at_least = |name: &str, labels: &[(&str, &str)], min: f64| {
        let value = metrics
            .value(name, labels)
            .unwrap_or_else(|| panic!("{name} {labels:?} missing in\n{text}"));
        assert!(value >= min, "{name} {labels:?} = {value} < {min}");
    };
    at_least("cloister_head_block_number", &[], mined as f64);
    at_least(
        "cloister_transactions_committed_total",
        &[],
        committed_before + 1.0,
    );
    at_least(
        "cloister_rpc_requests_total",
        &[("method", "eth_sendRawTransaction")],
        1.0,
    );
    at_least(
        "cloister_rpc_requests_total",
        &[("method", "eth_getTransactionReceipt")],
        1.0,
    );
    at_least("cloister_rpc_requests_total", &[("method", "other")], 1.0);
    at_least(
        "cloister_rpc_request_duration_seconds_count",
        &[("method", "eth_sendRawTransaction")],
        1.0,
    );
    at_least(
        "cloister_rpc_request_duration_seconds_bucket",
        &[("method", "eth_sendRawTransaction"), ("le", "+Inf")],
        1.0,
    );
    at_least("cloister_block_build_seconds_count", &[], 1.0);
    at_least("cloister_block_commit_seconds_count", &[], 1.0);
    at_least("cloister_raft_is_leader", &[], 1.0);
    assert_eq!(metrics.value("cloister_raft_term", &[]), Some(0.0));
    assert_eq!(metrics.value("cloister_txpool_pending", &[]), Some(0.0));
    assert_eq!(metrics.value("cloister_txpool_queued", &[]), Some(0.0));
    assert!(metrics.series("cloister_raft_replication_lag").is_empty());
    let leader = metrics.series("cloister_raft_leader_id");
    assert_eq!(leader.len(), 1, "{text}");
    assert_eq!(leader[0].0.get("address"), Some(&format!("{validator:#x}")));
    for family in [
        "cloister_head_block_number",
        "cloister_transactions_committed_total",
        "cloister_txpool_pending",
        "cloister_txpool_queued",
        "cloister_raft_term",
        "cloister_raft_is_leader",
        "cloister_raft_leader_id",
        "cloister_raft_last_log_index",
        "cloister_raft_commit_index",
        "cloister_raft_applied_index",
        "cloister_raft_replication_lag",
        "cloister_rpc_requests_total",
        "cloister_rpc_request_duration_seconds",
        "cloister_block_build_seconds",
        "cloister_block_commit_seconds",
    ] {
        assert!(metrics.types.contains_key(family), "{family} missing");
    }
    // Nothing of the transaction or its sender.
    let lower = text.to_lowercase();
    assert!(!lower.contains(&hex::encode(hash)), "tx hash in metrics");
    assert!(
        !lower.contains(&hex::encode(sender.address())),
        "sender in metrics"
    );
    assert!(
        !text.contains("nobody_knowsThis"),
        "unknown names are not labels"
    );

    let status = cluster_status(&http, &base, &node).await;
    let head = rpc(&http, &base, "eth_blockNumber", json!([])).await["result"].clone();
    assert_eq!(status["role"], "single", "{status}");
    assert_eq!(status["nodeAddress"], json!(validator));
    assert_eq!(status["term"], "0x0");
    assert_eq!(status["isLeader"], true);
    assert_eq!(status["leader"]["address"], json!(validator));
    assert_eq!(status["head"]["number"], head);
    assert_eq!(status["committedIndex"], head);
    assert_eq!(status["lastApplied"]["blockNumber"], head);
    let members = status["members"].as_array().expect("members");
    assert_eq!(members.len(), 1, "{status}");
    assert_eq!(members[0]["address"], json!(validator));
    assert_eq!(members[0]["voter"], true);
    assert_eq!(members[0]["lag"], "0x0");
    assert_eq!(status["refusals"], json!([]));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_confidential_chain_the_pages_need_no_sign_in_and_show_no_caller() {
    let validator_key = B256::with_last_byte(0x19);
    let validator = PrivateKeySigner::from_bytes(&validator_key).expect("key");
    let caller = PrivateKeySigner::from_bytes(&B256::with_last_byte(0x7a)).expect("key");
    let mut genesis: Value =
        serde_json::from_str(cloister_chainspec::DEV_GENESIS_JSON).expect("dev genesis");
    genesis["cloister"]["validators"] = json!([validator.address()]);
    // Not governed: its validators are its own, not the dev genesis contract's.
    genesis["cloister"]
        .as_object_mut()
        .expect("cloister")
        .remove("members");
    genesis["cloister"]["policy"] = json!({"version": 1, "mode": "confidential"});
    let dir = tempfile::tempdir().expect("dir");
    let node = crate::common::start(dir.path(), &genesis.to_string(), validator_key).await;
    let base = node.http_url();
    let http = reqwest::Client::new();

    // Anonymous JSON-RPC is refused beyond chain metadata...
    let refused = rpc(
        &http,
        &base,
        "eth_getBalance",
        json!([caller.address(), "latest"]),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32601, "{refused}");
    let anonymous_status = rpc(&http, &base, "cloister_clusterStatus", json!([])).await;
    assert_eq!(anonymous_status["error"]["code"], -32601);
    // ...but the pages answer without a token.
    let (status, body) = health(&http, &base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "single");

    let token = sign_in(&http, &base, &caller).await;
    let personal = format!("{base}/rpc/{token}");
    let balance = rpc(
        &http,
        &personal,
        "eth_getBalance",
        json!([caller.address(), "latest"]),
    )
    .await;
    assert!(balance["error"].is_null(), "{balance}");
    let status = cluster_status(&http, &personal, &node).await;
    assert_eq!(
        status["nodeAddress"],
        json!(validator.address()),
        "{status}"
    );

    let (metrics, text) = scrape(&http, &base).await;
    assert!(
        metrics
            .value(
                "cloister_rpc_requests_total",
                &[("method", "eth_getBalance")]
            )
            .is_some_and(|calls| calls >= 2.0),
        "{text}"
    );
    let lower = text.to_lowercase();
    assert!(
        !lower.contains(&hex::encode(caller.address())),
        "caller in metrics"
    );
    assert!(!text.contains(&token), "token in metrics");
    assert!(!body.to_string().contains(&hex::encode(caller.address())));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transparent_chain_serves_cluster_status_to_anyone() {
    // No `cloister` section: no policy gate, so the method is reached whatever its class.
    let mut genesis: Value =
        serde_json::from_str(cloister_chainspec::DEV_GENESIS_JSON).expect("dev genesis");
    genesis.as_object_mut().expect("object").remove("cloister");
    let dir = tempfile::tempdir().expect("dir");
    cloister_node::init(dir.path(), &genesis.to_string()).expect("init");
    let mut config = NodeConfig::dev(dir.path().to_path_buf(), free_port());
    config.dev = false;
    config.plain_http = true;
    let node = cloister_node::launch(config).await.expect("launch");
    let base = node.http_url();
    let http = reqwest::Client::new();

    let answer = rpc(&http, &base, "cloister_clusterStatus", json!([])).await;
    let status = &answer["result"];
    assert_eq!(status["role"], "single", "{answer}");
    // Nobody seals here (blocks come from import or the engine API): no key, no leader.
    assert_eq!(status["nodeAddress"], Value::Null);
    assert_eq!(status["leader"], Value::Null);
    assert_eq!(status["isLeader"], false);
    assert_eq!(status["members"], json!([]));
    assert_eq!(status["head"]["number"], "0x0");
    assert_eq!(
        *status,
        serde_json::to_value(node.cluster_status().await).expect("json")
    );

    let (code, body) = health(&http, &base).await;
    assert_eq!((code, &body["leader"]), (200, &Value::Null), "{body}");
    let (metrics, _) = scrape(&http, &base).await;
    assert_eq!(metrics.value("cloister_raft_is_leader", &[]), Some(0.0));
    assert!(
        metrics
            .value(
                "cloister_rpc_requests_total",
                &[("method", "cloister_clusterStatus")]
            )
            .is_some_and(|calls| calls >= 1.0)
    );
    node.stop().await;
}

/// Polls every running node's `cloister_clusterStatus` until all agree on term and leader
/// (at most 10 s), then checks what the three-validator cluster shows: three voters, lags on
/// the leader only, `/health` 200 everywhere, and the leader's lag gauges per peer.
pub async fn check_three_validators(
    http: &reqwest::Client,
    urls: &[String],
    nodes: &[Option<NodeHandle>],
    validators: &[Address],
) {
    let mut last = Vec::new();
    for _ in 0..100 {
        let mut statuses = Vec::new();
        for (url, node) in urls.iter().zip(nodes) {
            let node = node.as_ref().expect("running");
            statuses.push(cluster_status(http, url, node).await);
        }
        let agreed = statuses
            .windows(2)
            .all(|w| w[0]["term"] == w[1]["term"] && w[0]["leader"] == w[1]["leader"])
            && !statuses[0]["leader"].is_null()
            && statuses.iter().filter(|s| s["isLeader"] == true).count() == 1
            && statuses.iter().all(|s| {
                s["members"].as_array().is_some_and(|m| m.len() == 3)
                    && (s["isLeader"] != true
                        || s["members"]
                            .as_array()
                            .is_some_and(|m| m.iter().all(|x| !x["lag"].is_null())))
            });
        if agreed {
            check_agreed(http, urls, &statuses, validators).await;
            return;
        }
        last = statuses;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cluster status never agreed: {last:#?}");
}

async fn check_agreed(
    http: &reqwest::Client,
    urls: &[String],
    statuses: &[Value],
    validators: &[Address],
) {
    let expected: BTreeSet<String> = validators.iter().map(|v| format!("{v:#x}")).collect();
    let leader = statuses[0]["leader"]["address"]
        .as_str()
        .expect("leader")
        .to_lowercase();
    assert!(hex_u64(&statuses[0]["term"]) >= 1);
    for status in statuses {
        assert_eq!(status["role"], "validator", "{status}");
        let members = status["members"].as_array().expect("members");
        let addresses: BTreeSet<String> = members
            .iter()
            .map(|m| m["address"].as_str().expect("address").to_lowercase())
            .collect();
        assert_eq!(addresses, expected, "{status}");
        assert!(members.iter().all(|m| m["voter"] == true), "{status}");
        assert!(status["refusals"].is_array());
        let leads = status["isLeader"] == true;
        assert_eq!(
            leads,
            status["nodeAddress"].as_str().map(str::to_lowercase) == Some(leader.clone())
        );
        for member in members {
            // matched and lag are the leader's knowledge only.
            assert_eq!(!member["lag"].is_null(), leads, "{status}");
            if leads {
                assert!(!member["matched"].is_null(), "{status}");
            }
        }
    }
    for url in urls {
        let (code, body) = health(http, url).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["role"], "validator");
        assert_eq!(
            body["leader"]["address"].as_str().map(str::to_lowercase),
            Some(leader.clone())
        );
    }
    let leader_url = statuses
        .iter()
        .zip(urls)
        .find(|(s, _)| s["isLeader"] == true)
        .map(|(_, url)| url)
        .expect("leader URL");
    let (metrics, text) = scrape(http, leader_url).await;
    assert_eq!(metrics.value("cloister_raft_is_leader", &[]), Some(1.0));
    let lags = metrics.series("cloister_raft_replication_lag");
    let peers: BTreeSet<String> = lags
        .iter()
        .map(|(labels, _)| labels.get("peer").expect("peer label").clone())
        .collect();
    let others: BTreeSet<String> = expected.iter().filter(|a| **a != leader).cloned().collect();
    assert_eq!(peers, others, "{text}");
    assert!(
        metrics
            .value("cloister_raft_term", &[])
            .is_some_and(|term| term >= 1.0)
    );
}

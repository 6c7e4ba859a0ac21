//! What the confidentiality policy costs on reads: two nodes built from one genesis shape, one
//! with `{"mode":"permissive"}` (no checks) and one with a confidential policy (every read
//! checked), the same ~200 log-emitting transactions on each, then `eth_getBalance` and
//! `eth_getLogs` hammered over keep-alive HTTP by the same signed-in caller on both.
//!
//! `cargo run -p cloister-node --example policy_overhead -- [--requests N] [--rounds R]
//! [--concurrency C]`
//!
//! Runs alternate (permissive, confidential, permissive, …) so drift hits both; the table shows
//! the median requests/s of the rounds and how much slower the confidential node is.

use alloy_consensus::{SignableTransaction as _, TxEip1559, TxEnvelope};
use alloy_eips::Encodable2718 as _;
use alloy_signer::SignerSync as _;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{SignInChallenge, message_text};
use cloister_node::{NodeConfig, NodeHandle, init, launch};
use cloister_primitives::primitives::TxKind;
use cloister_primitives::{Address, B256, Bytes, U256};
use serde_json::{Value, json};
use std::{
    error::Error,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

type AnyResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The dev genesis the two chains are shaped after.
const DEV_GENESIS: &str = include_str!("../../../genesis/dev.json");
/// Where the log-emitting contract lives (put there by genesis, no deployment needed).
const EMITTER: Address = Address::new([0xe1; 20]);
/// Runtime code: `LOG2(0, 0, topic0 = 0xee…ee, topic1 = calldata word 0)`, then stop. The
/// caller passes the party (an address, left-padded) the log names.
const EMITTER_CODE: &str = concat!(
    "600035",
    "7feeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "60006000a200"
);
/// Senders of the workload (dev accounts 1..=4); the first is also the measuring caller.
const SENDERS: usize = 4;
/// Transactions per sender.
const TXS_PER_SENDER: u64 = 50;

/// Command-line knobs.
struct Options {
    requests: usize,
    rounds: usize,
    concurrency: usize,
}

fn options() -> AnyResult<Options> {
    let mut parsed = Options {
        requests: 20_000,
        rounds: 3,
        concurrency: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: usize = args.next().ok_or("flag without a value")?.parse()?;
        match flag.as_str() {
            "--requests" => parsed.requests = value,
            "--rounds" => parsed.rounds = value.max(1),
            "--concurrency" => parsed.concurrency = value.max(1),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(parsed)
}

/// The dev genesis with `policy` and the emitter contract.
fn genesis_with(policy: Value) -> AnyResult<String> {
    let mut genesis: Value = serde_json::from_str(DEV_GENESIS)?;
    genesis["cloister"]["policy"] = policy;
    genesis["alloc"][format!("{EMITTER:#x}")] = json!({
        "balance": "0x0",
        "code": format!("0x{EMITTER_CODE}"),
    });
    Ok(genesis.to_string())
}

/// A non-dev node on plain loopback HTTP, sealing with dev account 0 (the genesis validator)
/// as transactions arrive.
async fn start(dir: &std::path::Path, genesis: &str, validator: B256) -> AnyResult<NodeHandle> {
    init(dir, genesis)?;
    Ok(launch(NodeConfig {
        dev: false,
        plain_http: true,
        validator_key: Some(validator),
        // Caps blocks at 20 transactions so both chains get about the same block count.
        max_txs_per_block: 20,
        ..NodeConfig::dev(dir.to_path_buf(), 0)
    })
    .await?)
}

/// Signs in as `key` through `/signin/nonce` and `/signin`; returns the bearer token.
async fn sign_in(http: &reqwest::Client, base: &str, key: &PrivateKeySigner) -> AnyResult<String> {
    let address = key.address();
    let nonce: Value = http
        .get(format!("{base}/signin/nonce?address={address:#x}"))
        .send()
        .await?
        .json()
        .await?;
    let field = |name: &str| -> AnyResult<String> {
        Ok(nonce[name]
            .as_str()
            .ok_or("nonce answer lacks a field")?
            .to_owned())
    };
    let challenge = SignInChallenge {
        nonce: field("nonce")?,
        domain: field("domain")?,
        chain_id: nonce["chainId"]
            .as_u64()
            .ok_or("nonce answer lacks chainId")?,
        uri: field("uri")?,
        statement: field("statement")?,
        issued_at: field("issuedAt")?,
        expiration_time: field("expirationTime")?,
    };
    let text = message_text(&challenge.message_for(address));
    let signature = key.sign_message_sync(text.as_bytes())?;
    let answer: Value = http
        .post(format!("{base}/signin"))
        .json(&json!({
            "message": text,
            "signature": format!("0x{}", hex::encode(signature.as_bytes())),
        }))
        .send()
        .await?
        .json()
        .await?;
    Ok(answer["token"]
        .as_str()
        .ok_or_else(|| format!("sign-in refused: {answer}"))?
        .to_owned())
}

/// One JSON-RPC call with a bearer token; the `result`, or the error as text.
async fn rpc(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    params: &Value,
) -> AnyResult<Value> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer: Value = http
        .post(base)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    match answer.get("result") {
        Some(result) => Ok(result.clone()),
        None => Err(format!("{method}: {answer}").into()),
    }
}

/// A signed call of the emitter naming `party` in its log.
fn emit_tx(key: &PrivateKeySigner, chain_id: u64, nonce: u64, party: Address) -> AnyResult<Bytes> {
    let mut input = [0u8; 32];
    input[12..].copy_from_slice(party.as_slice());
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 60_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(EMITTER),
        value: U256::ZERO,
        access_list: Default::default(),
        input: Bytes::copy_from_slice(&input),
    };
    let signature = key.sign_hash_sync(&tx.signature_hash())?;
    Ok(TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into())
}

/// Sends the workload: senders 0 and 1 name the measuring caller (sender 0) in their logs,
/// senders 2 and 3 name themselves, so the caller sees half of the logs — a quarter as sender,
/// a quarter only through a log party (the path that needs the receipt).
async fn send_workload(
    http: &reqwest::Client,
    base: &str,
    senders: &[(PrivateKeySigner, String)],
    chain_id: u64,
) -> AnyResult<()> {
    let caller = senders[0].0.address();
    for nonce in 0..TXS_PER_SENDER {
        for (index, (key, token)) in senders.iter().enumerate() {
            let party = if index < 2 { caller } else { key.address() };
            let raw = emit_tx(key, chain_id, nonce, party)?;
            rpc(http, base, token, "eth_sendRawTransaction", &json!([raw])).await?;
        }
    }
    // Instant sealing: wait until every sender's nonce shows all its transactions mined.
    for (key, token) in senders {
        let want = format!("{TXS_PER_SENDER:#x}");
        let params = json!([key.address(), "latest"]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while rpc(http, base, token, "eth_getTransactionCount", &params).await? != json!(want) {
            if Instant::now() > deadline {
                return Err("workload not mined within 60s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

/// `requests` calls of one request body spread over `concurrency` tasks; requests per second.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: &Value,
    requests: usize,
    concurrency: usize,
) -> AnyResult<f64> {
    let body = Arc::new(serde_json::to_vec(body)?);
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
        let (body, issued) = (body.clone(), issued.clone());
        tasks.push(tokio::spawn(async move {
            while issued.fetch_add(1, Ordering::Relaxed) < requests {
                let response = http
                    .post(&base)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.as_ref().clone())
                    .send()
                    .await?;
                if !response.status().is_success() {
                    return Err(format!("HTTP {}", response.status()).into());
                }
                // Read the whole answer: serialising it is part of the cost.
                response.bytes().await?;
            }
            AnyResult::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(requests as f64 / started.elapsed().as_secs_f64())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One node under test with its caller's token.
struct Subject {
    name: &'static str,
    node: NodeHandle,
    base: String,
    token: String,
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let options = options()?;
    let accounts = cloister_chainspec::dev_accounts()?;
    let validator = accounts.first().ok_or("no dev accounts")?.1;
    let keys: Vec<PrivateKeySigner> = accounts
        .iter()
        .skip(1)
        .take(SENDERS)
        .map(|(_, key)| PrivateKeySigner::from_bytes(key))
        .collect::<Result<_, _>>()?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency * 2)
        .build()?;

    let policies = [
        ("permissive", json!({"mode": "permissive"})),
        (
            "confidential",
            json!({"version": 1, "mode": "confidential"}),
        ),
    ];
    let mut dirs = Vec::new();
    let mut subjects = Vec::new();
    for (name, policy) in policies {
        let dir = tempfile::tempdir()?;
        let node = start(dir.path(), &genesis_with(policy)?, validator).await?;
        let base = node.http_url();
        let mut senders = Vec::new();
        for key in &keys {
            senders.push((key.clone(), sign_in(&http, &base, key).await?));
        }
        let chain_id = rpc(&http, &base, &senders[0].1, "eth_chainId", &json!([])).await?;
        let chain_id = u64::from_str_radix(
            chain_id
                .as_str()
                .ok_or("chain id")?
                .trim_start_matches("0x"),
            16,
        )?;
        send_workload(&http, &base, &senders, chain_id).await?;
        let token = senders[0].1.clone();
        subjects.push(Subject {
            name,
            node,
            base,
            token,
        });
        dirs.push(dir);
    }

    let caller = keys[0].address();
    let methods = [
        ("eth_getBalance", json!([caller, "latest"])),
        (
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "latest"}]),
        ),
        // Same answer on both nodes (the 100 logs naming the caller), so the difference is
        // the checks alone and not a shorter answer.
        (
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "latest", "topics": [null, caller.into_word()]}]),
        ),
    ];
    for subject in &subjects {
        let head = rpc(
            &http,
            &subject.base,
            &subject.token,
            "eth_blockNumber",
            &json!([]),
        )
        .await?;
        let count = |logs: Value| logs.as_array().map_or(0, Vec::len);
        let all = rpc(
            &http,
            &subject.base,
            &subject.token,
            "eth_getLogs",
            &methods[1].1,
        )
        .await?;
        let named = rpc(
            &http,
            &subject.base,
            &subject.token,
            "eth_getLogs",
            &methods[2].1,
        )
        .await?;
        println!(
            "{:<12} head {head}: eth_getLogs gives {caller:#x} {} logs, {} naming it",
            subject.name,
            count(all),
            count(named)
        );
    }
    println!(
        "{} requests x {} rounds per method and node, {} concurrent keep-alive clients",
        options.requests, options.rounds, options.concurrency
    );

    println!(
        "{:<22} {:>13} {:>15} {:>9}",
        "method", "permissive/s", "confidential/s", "overhead"
    );
    for (row, (method, params)) in methods.iter().enumerate() {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut rates = [Vec::new(), Vec::new()];
        // Warm both nodes once (page cache, connection pool) before timing.
        for subject in &subjects {
            measure(
                &http,
                &subject.base,
                &subject.token,
                &body,
                500,
                options.concurrency,
            )
            .await?;
        }
        for _ in 0..options.rounds {
            for (slot, subject) in subjects.iter().enumerate() {
                let rate = measure(
                    &http,
                    &subject.base,
                    &subject.token,
                    &body,
                    options.requests,
                    options.concurrency,
                )
                .await?;
                rates[slot].push(rate);
            }
        }
        let [open, checked] = rates.map(median);
        let label = match row {
            1 => format!("{method} (all)"),
            2 => format!("{method} (topic1)"),
            _ => method.to_string(),
        };
        println!(
            "{label:<22} {open:>13.0} {checked:>15.0} {:>8.1}%",
            (open - checked) / open * 100.0
        );
    }

    for subject in subjects {
        subject.node.stop().await;
    }
    drop(dirs);
    Ok(())
}

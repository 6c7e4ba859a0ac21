//! JSON-RPC to one cluster node, every call bounded in time (a SIGSTOPped node accepts TCP
//! connections and never answers). Plain HTTP goes through reqwest; a `--tee simulated` node
//! serves HTTPS with an RA-TLS certificate, which this test binary's reqwest (built without
//! TLS) cannot speak, so those calls go through `curl -k` (the certificate is not what these
//! tests check).

use serde_json::{Value, json};
use std::{
    io::Write as _,
    process::{Command, Stdio},
    time::Duration,
};

/// Bound of one ordinary call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Bound of one batch chunk.
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Calls per HTTP batch.
const BATCH_CHUNK: usize = 100;

/// Why a call produced no result.
#[derive(Debug, Clone)]
pub enum CallError {
    /// No answer: refused, reset, timed out, unreadable.
    Transport(String),
    /// The node answered with a JSON-RPC error.
    Node(Value),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Node(e) => write!(f, "node error: {e}"),
        }
    }
}

/// Client of one node's RPC port.
#[derive(Clone, Debug)]
pub struct Client {
    url: String,
    tls: bool,
    http: reqwest::Client,
}

/// A node's head: number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Block number.
    pub number: u64,
    /// Block hash, `0x` lower-case hex.
    pub hash: String,
}

impl Client {
    /// Client of `127.0.0.1:port`, over HTTPS when `tls`.
    pub fn new(port: u16, tls: bool) -> Self {
        let scheme = if tls { "https" } else { "http" };
        Self {
            url: format!("{scheme}://127.0.0.1:{port}"),
            tls,
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(4)
                .build()
                .expect("http client"),
        }
    }

    async fn post(&self, body: &Value, timeout: Duration) -> Result<Value, CallError> {
        if self.tls {
            return curl(self.url.clone(), body, timeout).await;
        }
        let response = self
            .http
            .post(&self.url)
            .timeout(timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        response
            .json::<Value>()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))
    }

    /// One call within `timeout`.
    pub async fn call_within(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply = self.post(&body, timeout).await?;
        match (reply.get("result"), reply.get("error")) {
            (_, Some(error)) => Err(CallError::Node(error.clone())),
            (Some(result), None) => Ok(result.clone()),
            (None, None) => Err(CallError::Transport(format!("malformed reply {reply}"))),
        }
    }

    /// One call within [`CALL_TIMEOUT`].
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, CallError> {
        self.call_within(method, params, CALL_TIMEOUT).await
    }

    /// Many calls, in HTTP batches; results in call order. Any error fails the whole.
    pub async fn batch(&self, calls: &[(&str, Value)]) -> Result<Vec<Value>, CallError> {
        self.batch_within(calls, BATCH_TIMEOUT).await
    }

    /// [`Self::batch`] with each chunk bounded by `timeout`.
    pub async fn batch_within(
        &self,
        calls: &[(&str, Value)],
        timeout: Duration,
    ) -> Result<Vec<Value>, CallError> {
        let mut results = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(BATCH_CHUNK) {
            let body: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(id, (method, params))| {
                    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
                })
                .collect();
            let reply = self.post(&Value::Array(body), timeout).await?;
            let Value::Array(items) = reply else {
                return Err(CallError::Transport(format!(
                    "batch reply is not an array: {reply}"
                )));
            };
            let mut ordered = vec![None; chunk.len()];
            for item in items {
                if let Some(error) = item.get("error") {
                    return Err(CallError::Node(error.clone()));
                }
                let id = item.get("id").and_then(Value::as_u64).map(|id| id as usize);
                match (id, item.get("result")) {
                    (Some(id), Some(result)) if id < ordered.len() => {
                        ordered[id] = Some(result.clone())
                    }
                    _ => {
                        return Err(CallError::Transport(format!("malformed batch item {item}")));
                    }
                }
            }
            for result in ordered {
                results
                    .push(result.ok_or_else(|| CallError::Transport("batch lost a call".into()))?);
            }
        }
        Ok(results)
    }

    /// The latest block's number and hash, within `timeout`.
    pub async fn head_within(&self, timeout: Duration) -> Result<Head, CallError> {
        let block = self
            .call_within("eth_getBlockByNumber", json!(["latest", false]), timeout)
            .await?;
        parse_head(&block).ok_or_else(|| CallError::Transport(format!("bad block {block}")))
    }

    /// The latest block's number and hash.
    pub async fn head(&self) -> Result<Head, CallError> {
        self.head_within(CALL_TIMEOUT).await
    }

    /// `eth_blockNumber`.
    pub async fn block_number(&self) -> Result<u64, CallError> {
        let value = self.call("eth_blockNumber", json!([])).await?;
        quantity(&value).ok_or_else(|| CallError::Transport(format!("bad quantity {value}")))
    }
}

/// Number and hash of a block object.
pub fn parse_head(block: &Value) -> Option<Head> {
    Some(Head {
        number: quantity(&block["number"])?,
        hash: block["hash"].as_str()?.to_ascii_lowercase(),
    })
}

/// A hex quantity as u64.
pub fn quantity(value: &Value) -> Option<u64> {
    u64::from_str_radix(value.as_str()?.trim_start_matches("0x"), 16).ok()
}

/// `n` as a hex quantity.
pub fn hex_quantity(n: u64) -> String {
    format!("{n:#x}")
}

/// One POST through `curl -k` (HTTPS with a certificate no public root signs).
async fn curl(url: String, body: &Value, timeout: Duration) -> Result<Value, CallError> {
    let body = serde_json::to_vec(body).map_err(|e| CallError::Transport(e.to_string()))?;
    let seconds = format!("{:.1}", timeout.as_secs_f64().max(0.5));
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("curl")
            .args(["-sk", "--max-time", &seconds])
            .args(["-H", "content-type: application/json"])
            .args(["--data-binary", "@-", &url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(&body)?;
        }
        child.wait_with_output()
    })
    .await
    .map_err(|e| CallError::Transport(e.to_string()))?
    .map_err(|e| CallError::Transport(format!("curl: {e}")))?;
    if !output.status.success() {
        return Err(CallError::Transport(format!(
            "curl exited {}",
            output.status
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| CallError::Transport(e.to_string()))
}

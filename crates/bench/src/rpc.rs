//! Minimal JSON-RPC 2.0 over HTTP: single calls and batches, nothing node-specific.
//! Each [`RpcClient`] owns its own connection pool, so one client used sequentially is one
//! connection: that is how the bench controls its number of concurrent connections.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::BenchError;

/// A JSON-RPC error object returned for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcFailure {
    pub(crate) code: i64,
    pub(crate) message: String,
}

/// One call of a batch.
#[derive(Debug, Clone)]
pub(crate) struct RpcCall {
    pub(crate) method: &'static str,
    pub(crate) params: Value,
}

/// The outcome of each call of a batch, in the order the calls were given.
pub(crate) type BatchOutcome = Vec<Result<Value, RpcFailure>>;

/// An HTTP JSON-RPC client with its own connection pool.
#[derive(Debug)]
pub(crate) struct RpcClient {
    http: reqwest::Client,
    url: String,
    next_id: AtomicU64,
}

impl RpcClient {
    /// A client for `url` whose requests give up after `request_timeout`.
    pub(crate) fn new(url: &str, request_timeout: Duration) -> Result<Self, BenchError> {
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .tcp_nodelay(true)
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|source| BenchError::Http {
                method: "connect",
                source,
            })?;
        Ok(Self {
            http,
            url: url.to_owned(),
            next_id: AtomicU64::new(1),
        })
    }

    /// Calls `method` and decodes its result (`null` decodes into `Option::None`).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        params: Value,
    ) -> Result<T, BenchError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let answer = self.post(method, &body).await?;
        let result = single_result(answer).map_err(|failure| BenchError::Rpc {
            method,
            code: failure.code,
            message: failure.message,
        })?;
        serde_json::from_value(result).map_err(|source| BenchError::Decode { method, source })
    }

    /// Sends `calls` as one JSON-RPC batch; a failed call does not fail the others.
    pub(crate) async fn batch(&self, calls: &[RpcCall]) -> Result<BatchOutcome, BenchError> {
        let Some(first) = calls.first() else {
            return Ok(Vec::new());
        };
        let first_id = self
            .next_id
            .fetch_add(calls.len() as u64, Ordering::Relaxed);
        let body: Vec<Value> = calls
            .iter()
            .zip(first_id..)
            .map(|(call, id)| {
                json!({ "jsonrpc": "2.0", "id": id, "method": call.method, "params": call.params })
            })
            .collect();
        let answer = self.post(first.method, &Value::Array(body)).await?;
        order_batch_answer(first.method, first_id, calls.len(), answer)
    }

    async fn post(&self, method: &'static str, body: &Value) -> Result<Value, BenchError> {
        let response = self
            .http
            .post(&self.url)
            .json(body)
            .send()
            .await
            .map_err(|source| BenchError::Http { method, source })?;
        response
            .json::<Value>()
            .await
            .map_err(|source| BenchError::Http { method, source })
    }
}

/// Extracts `result` (or the error object) from a single-call answer.
fn single_result(mut answer: Value) -> Result<Value, RpcFailure> {
    if let Some(error) = answer.get("error") {
        return Err(failure_of(error));
    }
    Ok(answer
        .get_mut("result")
        .map(Value::take)
        .unwrap_or(Value::Null))
}

fn failure_of(error: &Value) -> RpcFailure {
    RpcFailure {
        code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    }
}

/// Puts a batch answer back in call order; answers may come in any order (JSON-RPC 2.0 §6).
fn order_batch_answer(
    method: &'static str,
    first_id: u64,
    len: usize,
    answer: Value,
) -> Result<BatchOutcome, BenchError> {
    let items = match answer {
        Value::Array(items) => items,
        // A whole-batch refusal (e.g. batch too large) comes back as one error object.
        other => {
            let failure = single_result(other).err().unwrap_or(RpcFailure {
                code: 0,
                message: "batch answered with a single result".to_owned(),
            });
            return Err(BenchError::Rpc {
                method,
                code: failure.code,
                message: failure.message,
            });
        }
    };
    let mut ordered: Vec<Option<Result<Value, RpcFailure>>> = vec![None; len];
    for item in items {
        let slot = item
            .get("id")
            .and_then(Value::as_u64)
            .and_then(|id| id.checked_sub(first_id))
            .and_then(|offset| usize::try_from(offset).ok())
            .filter(|&offset| offset < len)
            .ok_or(BenchError::Malformed {
                method,
                detail: "batch answer with an unknown id",
            })?;
        ordered[slot] = Some(single_result(item));
    }
    ordered
        .into_iter()
        .map(|slot| {
            slot.ok_or(BenchError::Malformed {
                method,
                detail: "batch answer missing an id",
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn batch_answers_are_reordered_by_id_and_keep_per_call_errors() {
        let answer = json!([
            { "jsonrpc": "2.0", "id": 12, "result": "0x2" },
            { "jsonrpc": "2.0", "id": 10, "result": "0x0" },
            { "jsonrpc": "2.0", "id": 11, "error": { "code": -32000, "message": "nonce too low" } },
        ]);
        let ordered = order_batch_answer("eth_sendRawTransaction", 10, 3, answer).unwrap();
        assert_eq!(ordered[0], Ok(json!("0x0")));
        assert_eq!(
            ordered[1],
            Err(RpcFailure {
                code: -32000,
                message: "nonce too low".into()
            })
        );
        assert_eq!(ordered[2], Ok(json!("0x2")));
    }

    #[test]
    fn batch_answers_with_missing_or_foreign_ids_are_malformed() {
        let missing = json!([{ "jsonrpc": "2.0", "id": 10, "result": "0x0" }]);
        assert!(order_batch_answer("m", 10, 2, missing).is_err());
        let foreign = json!([{ "jsonrpc": "2.0", "id": 99, "result": "0x0" }]);
        assert!(order_batch_answer("m", 10, 1, foreign).is_err());
    }

    #[test]
    fn whole_batch_refusal_is_an_rpc_error() {
        let refusal = json!({ "jsonrpc": "2.0", "id": null,
            "error": { "code": -32600, "message": "batch too large" } });
        match order_batch_answer("m", 1, 3, refusal) {
            Err(BenchError::Rpc { code, message, .. }) => {
                assert_eq!(code, -32600);
                assert_eq!(message, "batch too large");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn null_result_is_kept_as_null() {
        assert_eq!(
            single_result(json!({ "id": 1, "result": null })),
            Ok(Value::Null)
        );
    }
}

//! The few `eth_*` methods the bench needs, typed, with batched variants for bulk reads.

use alloy_primitives::{Address, B256, Bytes, U64, U128, U256};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::BenchError;
use crate::rpc::{RpcCall, RpcClient, RpcFailure};

/// Calls per batch for bulk reads; small enough for nodes that cap batch sizes.
pub(crate) const READ_BATCH: usize = 100;
/// Gas offered to `eth_call` reads (view functions of the bench token need far less).
const CALL_GAS: u64 = 1_000_000;

/// The parts of a block (hashes only) that the bench reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BlockSummary {
    pub(crate) number: U64,
    #[serde(default)]
    pub(crate) transactions: Vec<B256>,
    pub(crate) base_fee_per_gas: Option<U128>,
}

/// The parts of a receipt that the bench reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReceiptSummary {
    pub(crate) status: Option<U64>,
    #[serde(default)]
    pub(crate) logs: Vec<LogSummary>,
}

/// The topics of one receipt log.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LogSummary {
    #[serde(default)]
    pub(crate) topics: Vec<B256>,
}

impl ReceiptSummary {
    /// Post-Byzantium success flag; receipts without a status are counted as failed.
    pub(crate) fn succeeded(&self) -> bool {
        self.status == Some(U64::from(1))
    }
}

pub(crate) async fn chain_id(client: &RpcClient) -> Result<u64, BenchError> {
    Ok(client.call::<U64>("eth_chainId", json!([])).await?.to())
}

pub(crate) async fn block_number(client: &RpcClient) -> Result<u64, BenchError> {
    Ok(client.call::<U64>("eth_blockNumber", json!([])).await?.to())
}

pub(crate) async fn gas_price(client: &RpcClient) -> Result<u128, BenchError> {
    Ok(client.call::<U128>("eth_gasPrice", json!([])).await?.to())
}

pub(crate) async fn latest_block(client: &RpcClient) -> Result<BlockSummary, BenchError> {
    client
        .call::<Option<BlockSummary>>("eth_getBlockByNumber", json!(["latest", false]))
        .await?
        .ok_or(BenchError::Malformed {
            method: "eth_getBlockByNumber",
            detail: "no latest block",
        })
}

pub(crate) async fn balance(client: &RpcClient, address: Address) -> Result<U256, BenchError> {
    client
        .call("eth_getBalance", json!([address, "latest"]))
        .await
}

/// `eth_call` of `input` on `to` at the latest block, returning the raw output.
pub(crate) async fn call_latest(
    client: &RpcClient,
    to: Address,
    input: &Bytes,
) -> Result<Bytes, BenchError> {
    // An explicit gas keeps nodes whose default call gas exceeds the EIP-7825 cap happy.
    let request = json!({ "to": to, "input": input, "data": input, "gas": U64::from(CALL_GAS) });
    client.call("eth_call", json!([request, "latest"])).await
}

pub(crate) async fn client_version(client: &RpcClient) -> Result<String, BenchError> {
    client.call::<String>("web3_clientVersion", json!([])).await
}

pub(crate) async fn receipt(
    client: &RpcClient,
    hash: B256,
) -> Result<Option<ReceiptSummary>, BenchError> {
    client
        .call("eth_getTransactionReceipt", json!([hash]))
        .await
}

/// Submits one signed transaction; a refusal is returned, not raised.
pub(crate) async fn send_raw(
    client: &RpcClient,
    raw: &Bytes,
) -> Result<Result<(), RpcFailure>, BenchError> {
    match client
        .call::<B256>("eth_sendRawTransaction", json!([raw]))
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(BenchError::Rpc { code, message, .. }) => Ok(Err(RpcFailure { code, message })),
        Err(other) => Err(other),
    }
}

/// Submits signed transactions as one batch; refusals are returned per transaction.
pub(crate) async fn send_raw_batch(
    client: &RpcClient,
    raws: &[&Bytes],
) -> Result<Vec<Result<(), RpcFailure>>, BenchError> {
    let calls: Vec<RpcCall> = raws
        .iter()
        .map(|raw| RpcCall {
            method: "eth_sendRawTransaction",
            params: json!([raw]),
        })
        .collect();
    Ok(client
        .batch(&calls)
        .await?
        .into_iter()
        .map(|outcome| outcome.map(drop))
        .collect())
}

/// `eth_getTransactionCount(address, "pending")` for each address.
pub(crate) async fn pending_nonces(
    client: &RpcClient,
    addresses: &[Address],
) -> Result<Vec<u64>, BenchError> {
    let calls = addresses.iter().map(|address| RpcCall {
        method: "eth_getTransactionCount",
        params: json!([address, "pending"]),
    });
    let nonces: Vec<U64> = batched_reads(client, calls.collect()).await?;
    Ok(nonces.into_iter().map(|nonce| nonce.to()).collect())
}

/// Blocks `first..=last` with transaction hashes only; `None` where the node has none yet.
pub(crate) async fn blocks(
    client: &RpcClient,
    first: u64,
    last: u64,
) -> Result<Vec<Option<BlockSummary>>, BenchError> {
    let calls = (first..=last).map(|number| RpcCall {
        method: "eth_getBlockByNumber",
        params: json!([U64::from(number), false]),
    });
    batched_reads(client, calls.collect()).await
}

/// Receipts of `hashes`, `None` for those not mined yet.
pub(crate) async fn receipts(
    client: &RpcClient,
    hashes: &[B256],
) -> Result<Vec<Option<ReceiptSummary>>, BenchError> {
    let calls = hashes.iter().map(|hash| RpcCall {
        method: "eth_getTransactionReceipt",
        params: json!([hash]),
    });
    batched_reads(client, calls.collect()).await
}

/// Runs read calls in batches of [`READ_BATCH`]; any per-call error fails the whole read.
async fn batched_reads<T: DeserializeOwned>(
    client: &RpcClient,
    calls: Vec<RpcCall>,
) -> Result<Vec<T>, BenchError> {
    let mut decoded = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(READ_BATCH) {
        let method = chunk.first().map_or("batch", |call| call.method);
        for outcome in client.batch(chunk).await? {
            let value: Value = outcome.map_err(|failure| BenchError::Rpc {
                method,
                code: failure.code,
                message: failure.message,
            })?;
            decoded.push(
                serde_json::from_value(value)
                    .map_err(|source| BenchError::Decode { method, source })?,
            );
        }
    }
    Ok(decoded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn block_and_receipt_summaries_decode_from_node_json() {
        let block: BlockSummary = serde_json::from_value(json!({
            "number": "0x1a", "hash": "0x00", "baseFeePerGas": "0x3b9aca00",
            "transactions": ["0x1111111111111111111111111111111111111111111111111111111111111111"]
        }))
        .unwrap();
        assert_eq!(block.number.to::<u64>(), 26);
        assert_eq!(
            block.base_fee_per_gas.map(|fee| fee.to::<u128>()),
            Some(1_000_000_000)
        );
        assert_eq!(block.transactions.len(), 1);

        let ok: ReceiptSummary =
            serde_json::from_value(json!({ "status": "0x1", "blockNumber": "0x2" })).unwrap();
        let reverted: ReceiptSummary =
            serde_json::from_value(json!({ "status": "0x0", "blockNumber": "0x2" })).unwrap();
        assert!(ok.succeeded());
        assert!(!reverted.succeeded());
    }
}

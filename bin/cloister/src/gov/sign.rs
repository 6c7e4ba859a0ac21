//! Sending one call to the governance contract as the member: the key (a key file as
//! `cloister devnet init` writes, or a dev account), an EIP-1559 transaction whose gas comes
//! from `eth_estimateGas` (so a refused action shows the contract's revert reason before
//! anything is sent), signed here, submitted raw, and its receipt awaited (bounded).

use super::rpc::{Rpc, RpcError, quantity};
use alloy_consensus::{SignableTransaction as _, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718 as _;
use alloy_network::TxSignerSync as _;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use std::{path::PathBuf, time::Duration};

/// Who signs: one of these, or `--print-calldata` (where the command allows it).
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// File holding a hex private key (as `cloister devnet init` writes `nodeI/node.key`).
    #[arg(long, value_name = "FILE", conflicts_with = "dev_account")]
    pub key_file: Option<PathBuf>,
    /// Dev account N (0–9) of the well-known test mnemonic; only for dev chains.
    #[arg(long, value_name = "N")]
    pub dev_account: Option<u32>,
    /// Print the transaction's `to` and `data` (and a `cast send` line) for a wallet instead
    /// of signing and sending it.
    #[arg(long, conflicts_with_all = ["key_file", "dev_account"])]
    pub print_calldata: bool,
    /// Longest wait for the receipt, e.g. 30s, 2m.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub receipt_timeout: Duration,
}

impl KeyArgs {
    /// The signer the flags name; `None` with `--print-calldata`.
    pub fn signer(&self) -> eyre::Result<Option<PrivateKeySigner>> {
        if self.print_calldata {
            return Ok(None);
        }
        if let Some(path) = &self.key_file {
            let key = cloister_node::read_key(path)?;
            return Ok(Some(PrivateKeySigner::from_bytes(&key)?));
        }
        if let Some(index) = self.dev_account {
            let accounts = cloister_chainspec::dev_accounts()?;
            let (_, key) = accounts.get(index as usize).ok_or_else(|| {
                eyre::eyre!("--dev-account is 0 to {}", accounts.len().saturating_sub(1))
            })?;
            return Ok(Some(PrivateKeySigner::from_bytes(key)?));
        }
        eyre::bail!("say who signs: --key-file FILE, --dev-account N or --print-calldata")
    }
}

/// What the chain recorded for a sent transaction.
#[derive(Debug, Clone)]
pub struct Sent {
    pub hash: B256,
    pub block: u64,
    pub receipt: Value,
}

/// Prints what a wallet needs to send `data` to `to` itself.
pub fn print_calldata(rpc: &Rpc, to: Address, data: &Bytes) {
    println!("to:   {to}");
    println!("data: {data}");
    println!(
        "cast send {to} {data} --rpc-url '{}' --private-key …",
        rpc.shown_url()
    );
}

/// Estimates, signs, sends `data` to `to` as `signer`, and waits for the receipt.
pub async fn send(
    rpc: &Rpc,
    signer: &PrivateKeySigner,
    to: Address,
    data: Bytes,
    receipt_timeout: Duration,
) -> eyre::Result<Sent> {
    let from = signer.address();
    let request = json!({ "from": from, "to": to, "data": data });
    let estimate = match rpc.quantity("eth_estimateGas", json!([request])).await {
        Ok(gas) => gas,
        Err(error) => {
            return Err(match error.downcast::<RpcError>() {
                Ok(refusal) => eyre::eyre!("the contract refuses this call: {refusal}"),
                Err(other) => other,
            });
        }
    };
    // A margin over the estimate: the state may move between estimate and inclusion.
    let gas_limit = u64::try_from(estimate)? * 6 / 5 + 10_000;
    let chain_id = u64::try_from(rpc.quantity("eth_chainId", json!([])).await?)?;
    let nonce = u64::try_from(
        rpc.quantity("eth_getTransactionCount", json!([from, "pending"]))
            .await?,
    )?;
    let (max_fee_per_gas, max_priority_fee_per_gas) = fees(rpc).await?;
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas,
        max_priority_fee_per_gas,
        to: TxKind::Call(to),
        value: U256::ZERO,
        access_list: Default::default(),
        input: data,
    };
    let signature = signer.sign_transaction_sync(&mut tx)?;
    let envelope = TxEnvelope::from(tx.into_signed(signature));
    let hash = *envelope.tx_hash();
    let raw = Bytes::from(envelope.encoded_2718());
    rpc.call("eth_sendRawTransaction", json!([raw])).await?;
    let receipt = wait_receipt(rpc, hash, receipt_timeout).await?;
    let block = u64::try_from(quantity(&receipt["blockNumber"])?)?;
    if receipt["status"].as_str() != Some("0x1") {
        eyre::bail!("transaction {hash} failed in block {block}");
    }
    Ok(Sent {
        hash,
        block,
        receipt,
    })
}

/// (max fee, priority fee): twice the next base fee plus the tip, from eth_feeHistory and
/// eth_maxPriorityFeePerGas; eth_gasPrice for both where those are missing.
async fn fees(rpc: &Rpc) -> eyre::Result<(u128, u128)> {
    let history = rpc
        .call("eth_feeHistory", json!(["0x1", "latest", []]))
        .await
        .ok();
    let next_base = history
        .as_ref()
        .and_then(|h| h["baseFeePerGas"].as_array()?.last().cloned())
        .and_then(|fee| quantity(&fee).ok());
    let tip = rpc
        .quantity("eth_maxPriorityFeePerGas", json!([]))
        .await
        .ok();
    let (base, tip) = match (next_base, tip) {
        (Some(base), Some(tip)) => (base, tip),
        _ => {
            let price = rpc.quantity("eth_gasPrice", json!([])).await?;
            (price, U256::ZERO)
        }
    };
    let tip = u128::try_from(tip)?;
    let max_fee = u128::try_from(base)?.saturating_mul(2).saturating_add(tip);
    Ok((max_fee, tip))
}

/// Polls for the receipt of `hash` until `timeout`.
async fn wait_receipt(rpc: &Rpc, hash: B256, timeout: Duration) -> eyre::Result<Value> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let receipt = rpc.call("eth_getTransactionReceipt", json!([hash])).await?;
        if !receipt.is_null() {
            return Ok(receipt);
        }
        if tokio::time::Instant::now() >= deadline {
            eyre::bail!(
                "transaction {hash} was sent but has no receipt after {}",
                humantime::format_duration(timeout)
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

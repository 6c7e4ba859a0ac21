//! Setup phase: fresh sender keys, funding from the funder, and for ERC-20 runs the token
//! deployment and distribution. Nothing here is measured.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use tracing::info;

use crate::config::{BenchConfig, BenchKind};
use crate::eth;
use crate::rpc::RpcClient;
use crate::sign::{FeePlan, SignedTx, TxRequest, sign_eip1559};
use crate::{BenchError, erc20};

/// Setup transactions submitted before waiting for them to be mined, so that nodes limiting
/// pending transactions per sender still take them.
const SETUP_CHUNK: usize = 128;
/// How often setup checks whether its transactions are mined.
const SETUP_POLL: Duration = Duration::from_millis(50);
/// Token units each sender moves per measured transfer.
pub(crate) const TOKENS_PER_TRANSFER: u64 = 1;
/// Wei each measured ETH transfer moves.
pub(crate) const WEI_PER_TRANSFER: u64 = 1;

/// What the measured phase starts from.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) chain_id: u64,
    pub(crate) fees: FeePlan,
    pub(crate) senders: Vec<PrivateKeySigner>,
    /// The deployed token, for ERC-20 runs.
    pub(crate) token: Option<Address>,
}

/// Gas limit of one measured transaction of `kind`.
pub(crate) fn measured_gas(kind: BenchKind) -> u64 {
    match kind {
        BenchKind::EthTransfer => 21_000,
        BenchKind::Erc20Transfer => erc20::TRANSFER_GAS,
    }
}

/// Creates and funds the senders (and the token), waiting until everything is mined.
pub(crate) async fn prepare(
    config: &BenchConfig,
    client: &RpcClient,
) -> Result<Prepared, BenchError> {
    let chain_id = match config.chain_id {
        Some(id) => id,
        None => eth::chain_id(client).await?,
    };
    let funder = PrivateKeySigner::from_bytes(&config.funder_key)
        .map_err(|_| BenchError::InvalidFunderKey)?;
    let gas_price = eth::gas_price(client).await?;
    let base_fee = eth::latest_block(client)
        .await?
        .base_fee_per_gas
        .map(|fee| fee.to());
    let fees = FeePlan::from_node(gas_price, base_fee);
    let senders: Vec<PrivateKeySigner> = (0..config.senders)
        .map(|_| PrivateKeySigner::random())
        .collect();

    let txs_per_sender = U256::from(config.txs_per_sender);
    let per_tx_value = match config.kind {
        BenchKind::EthTransfer => U256::from(WEI_PER_TRANSFER),
        BenchKind::Erc20Transfer => U256::ZERO,
    };
    let per_tx_cost = fees.max_fee_cost(measured_gas(config.kind)) + per_tx_value;
    let funding = per_tx_cost.saturating_mul(txs_per_sender);
    let needed = funding.saturating_mul(U256::from(config.senders))
        + fees.max_fee_cost(erc20::DEPLOY_GAS + 200_000 * config.senders as u64);
    let available = eth::balance(client, funder.address()).await?;
    if available < needed {
        return Err(BenchError::Underfunded { needed, available });
    }

    let mut nonce = *eth::pending_nonces(client, &[funder.address()])
        .await?
        .first()
        .ok_or(BenchError::Malformed {
            method: "eth_getTransactionCount",
            detail: "no answer",
        })?;
    let mut requests: Vec<TxRequest> = Vec::with_capacity(2 * senders.len() + 1);
    for sender in &senders {
        requests.push(TxRequest {
            to: TxKind::Call(sender.address()),
            value: funding,
            input: Default::default(),
            gas_limit: 21_000,
            nonce,
        });
        nonce += 1;
    }
    let token = match config.kind {
        BenchKind::EthTransfer => None,
        BenchKind::Erc20Transfer => {
            let tokens_each = U256::from(TOKENS_PER_TRANSFER).saturating_mul(txs_per_sender);
            let supply = tokens_each.saturating_mul(U256::from(config.senders));
            let token = funder.address().create(nonce);
            requests.push(TxRequest {
                to: TxKind::Create,
                value: U256::ZERO,
                input: erc20::deploy_input(supply)?,
                gas_limit: erc20::DEPLOY_GAS,
                nonce,
            });
            nonce += 1;
            for sender in &senders {
                requests.push(TxRequest {
                    to: TxKind::Call(token),
                    value: U256::ZERO,
                    input: erc20::transfer_call(sender.address(), tokens_each),
                    gas_limit: erc20::TRANSFER_GAS,
                    nonce,
                });
                nonce += 1;
            }
            Some(token)
        }
    };
    info!(target: "cloister::bench", chain_id, senders = senders.len(), setup_txs = requests.len(),
        "setup: funding senders");
    let signed = requests
        .into_iter()
        .map(|request| sign_eip1559(&funder, chain_id, fees, request))
        .collect::<Result<Vec<_>, _>>()?;
    for chunk in signed.chunks(SETUP_CHUNK) {
        submit_and_wait(client, chunk, config.timeout).await?;
    }
    if let (Some(token), Some(first)) = (token, senders.first()) {
        let expected = U256::from(TOKENS_PER_TRANSFER).saturating_mul(txs_per_sender);
        check_token_balance(client, token, first.address(), expected).await?;
    }
    Ok(Prepared {
        chain_id,
        fees,
        senders,
        token,
    })
}

/// Reads `balanceOf(owner)` and fails unless it equals `expected`.
pub(crate) async fn check_token_balance(
    client: &RpcClient,
    token: Address,
    owner: Address,
    expected: U256,
) -> Result<(), BenchError> {
    let output = eth::call_latest(client, token, &erc20::balance_of_call(owner)).await?;
    let found = U256::try_from_be_slice(&output).ok_or(BenchError::Malformed {
        method: "eth_call",
        detail: "balanceOf did not return one word",
    })?;
    if found != expected {
        return Err(BenchError::TokenBalance {
            owner,
            expected,
            found,
        });
    }
    Ok(())
}

/// Submits one sender's transactions in nonce order, then waits until all are mined and
/// successful.
async fn submit_and_wait(
    client: &RpcClient,
    txs: &[SignedTx],
    timeout: Duration,
) -> Result<(), BenchError> {
    for batch in txs.chunks(eth::READ_BATCH) {
        let raws: Vec<_> = batch.iter().map(|tx| &tx.raw).collect();
        let outcomes = eth::send_raw_batch(client, &raws).await?;
        let mut failures = outcomes.into_iter().filter_map(Result::err);
        if let Some(first) = failures.next() {
            return Err(BenchError::Rejected {
                count: 1 + failures.count(),
                first: first.message,
            });
        }
    }
    let Some(last) = txs.last() else {
        return Ok(());
    };
    // Nonces are mined in order, so the last one mined means all are.
    let deadline = Instant::now() + timeout;
    while eth::receipt(client, last.hash).await?.is_none() {
        if Instant::now() >= deadline {
            return Err(BenchError::Timeout {
                phase: "setup",
                done: 0,
                expected: txs.len(),
                after: timeout,
            });
        }
        tokio::time::sleep(SETUP_POLL).await;
    }
    let hashes: Vec<_> = txs.iter().map(|tx| tx.hash).collect();
    let receipts = eth::receipts(client, &hashes).await?;
    let failed = receipts
        .iter()
        .filter(|receipt| !receipt.as_ref().is_some_and(|r| r.succeeded()));
    match failed.count() {
        0 => Ok(()),
        count => Err(BenchError::Reverted {
            phase: "setup",
            count,
        }),
    }
}

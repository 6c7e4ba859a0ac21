//! The measured load: every transaction signed up front, then dealt out to connections so that
//! each sender's transactions travel in nonce order on a single connection.

use alloy_primitives::{Address, Bytes, TxKind, U256};
use rayon::prelude::*;

use crate::config::{BenchConfig, BenchKind};
use crate::setup::{Prepared, TOKENS_PER_TRANSFER, WEI_PER_TRANSFER, measured_gas};
use crate::sign::{SignedTx, TxRequest, sign_eip1559};
use crate::{BenchError, erc20};

/// One measured transaction as a connection sends it: its place in the run and its bytes.
#[derive(Debug, Clone)]
pub(crate) struct QueuedTx {
    /// `sender * txs_per_sender + k`: the index used for send and commit times.
    pub(crate) index: usize,
    pub(crate) raw: Bytes,
}

/// Signs `txs_per_sender` transactions per sender starting at its `nonces` entry; the result is
/// indexed by `sender * txs_per_sender + k`.
pub(crate) fn sign_load(
    config: &BenchConfig,
    prepared: &Prepared,
    nonces: &[u64],
) -> Result<Vec<SignedTx>, BenchError> {
    let per_sender: Vec<Vec<SignedTx>> = prepared
        .senders
        .par_iter()
        .zip(nonces.par_iter())
        .map(|(signer, &first_nonce)| {
            (0..config.txs_per_sender as u64)
                .map(|k| {
                    let request = measured_request(config.kind, prepared.token, first_nonce + k);
                    sign_eip1559(signer, prepared.chain_id, prepared.fees, request)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    Ok(per_sender.into_iter().flatten().collect())
}

/// A transfer to a fresh random recipient, as a plain ETH transfer or a token call.
fn measured_request(kind: BenchKind, token: Option<Address>, nonce: u64) -> TxRequest {
    let recipient = Address::random();
    let gas_limit = measured_gas(kind);
    match (kind, token) {
        (BenchKind::Erc20Transfer, Some(token)) => TxRequest {
            to: TxKind::Call(token),
            value: U256::ZERO,
            input: erc20::transfer_call(recipient, U256::from(TOKENS_PER_TRANSFER)),
            gas_limit,
            nonce,
        },
        _ => TxRequest {
            to: TxKind::Call(recipient),
            value: U256::from(WEI_PER_TRANSFER),
            input: Bytes::new(),
            gas_limit,
            nonce,
        },
    }
}

/// Deals the load to `connections` queues: sender `s` goes to queue `s % connections`, and a
/// queue alternates between its senders (k-th tx of each, then the (k+1)-th), keeping every
/// sender's nonces in order while spreading consecutive requests over many senders.
pub(crate) fn deal_to_connections(
    txs: &[SignedTx],
    senders: usize,
    txs_per_sender: usize,
    connections: usize,
) -> Vec<Vec<QueuedTx>> {
    let queue_count = connections.min(senders).max(1);
    let mut queues: Vec<Vec<QueuedTx>> = vec![Vec::new(); queue_count];
    for k in 0..txs_per_sender {
        for sender in 0..senders {
            let index = sender * txs_per_sender + k;
            if let Some(tx) = txs.get(index) {
                queues[sender % queue_count].push(QueuedTx {
                    index,
                    raw: tx.raw.clone(),
                });
            }
        }
    }
    queues
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use alloy_primitives::B256;

    use super::*;

    fn fake_txs(count: usize) -> Vec<SignedTx> {
        (0..count)
            .map(|i| SignedTx {
                hash: B256::with_last_byte(i as u8),
                raw: Bytes::from(vec![i as u8]),
            })
            .collect()
    }

    #[test]
    fn every_tx_is_dealt_once_and_each_sender_stays_on_one_queue_in_nonce_order() {
        let (senders, per_sender, connections) = (5, 3, 2);
        let queues = deal_to_connections(&fake_txs(15), senders, per_sender, connections);
        assert_eq!(queues.len(), 2);
        let mut seen: Vec<usize> = queues.iter().flatten().map(|tx| tx.index).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..15).collect::<Vec<_>>());
        for sender in 0..senders {
            let holding: Vec<usize> = queues
                .iter()
                .enumerate()
                .filter(|(_, queue)| queue.iter().any(|tx| tx.index / per_sender == sender))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(holding.len(), 1, "sender {sender} split over queues");
            let order: Vec<usize> = queues[holding[0]]
                .iter()
                .filter(|tx| tx.index / per_sender == sender)
                .map(|tx| tx.index % per_sender)
                .collect();
            assert_eq!(order, vec![0, 1, 2]);
        }
    }

    #[test]
    fn more_connections_than_senders_leaves_no_empty_queue() {
        let queues = deal_to_connections(&fake_txs(4), 2, 2, 16);
        assert_eq!(queues.len(), 2);
        assert!(queues.iter().all(|queue| queue.len() == 2));
    }

    #[test]
    fn measured_erc20_request_calls_the_token_and_eth_request_moves_value() {
        let token = Address::repeat_byte(7);
        let erc20 = measured_request(BenchKind::Erc20Transfer, Some(token), 3);
        assert_eq!(erc20.to, TxKind::Call(token));
        assert_eq!(erc20.value, U256::ZERO);
        assert_eq!(erc20.input.len(), 68);
        assert_eq!(erc20.nonce, 3);
        let eth = measured_request(BenchKind::EthTransfer, None, 0);
        assert_eq!(eth.gas_limit, 21_000);
        assert_eq!(eth.value, U256::from(WEI_PER_TRANSFER));
        assert!(eth.input.is_empty());
    }
}

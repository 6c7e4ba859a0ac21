//! The measured phase: start the block follower, release every connection's queue at once,
//! then wait for all commits; afterwards check every receipt.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::config::{BenchConfig, BenchKind};
use crate::eth;
use crate::load::deal_to_connections;
use crate::rpc::RpcClient;
use crate::sign::SignedTx;
use crate::watch::{CommitLog, follow_commits};
use crate::{BenchError, erc20, send};

/// Send and commit times of the measured load.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) sent_at: Vec<Option<Instant>>,
    pub(crate) commits: CommitLog,
}

/// Sends `txs` as `config` says and follows blocks until all of them are committed.
pub(crate) async fn measure(
    config: &BenchConfig,
    watch_client: RpcClient,
    txs: &[SignedTx],
    request_timeout: Duration,
) -> Result<Measured, BenchError> {
    let index_of: HashMap<_, _> = txs.iter().enumerate().map(|(i, tx)| (tx.hash, i)).collect();
    let start_block = eth::block_number(&watch_client).await?;
    let queues = deal_to_connections(
        txs,
        config.senders,
        config.txs_per_sender,
        config.connections,
    );
    // Connections are opened before the clock starts so that handshakes are not measured.
    let mut clients = Vec::with_capacity(queues.len());
    for _ in &queues {
        let client = RpcClient::new(&config.rpc_url, request_timeout)?;
        eth::block_number(&client).await?;
        clients.push(client);
    }

    let deadline = Instant::now() + config.timeout;
    let follower = tokio::spawn(follow_commits(
        watch_client,
        start_block,
        index_of,
        config.poll_interval,
        deadline,
        config.timeout,
    ));
    let mut senders = JoinSet::new();
    for (client, queue) in clients.into_iter().zip(queues) {
        senders.spawn(send::send_queue(client, queue, config.batch_size));
    }

    let mut sent_at = vec![None; txs.len()];
    let mut rejected = Vec::new();
    while let Some(joined) = senders.join_next().await {
        let log = match joined.map_err(BenchError::from).and_then(|outcome| outcome) {
            Ok(log) => log,
            Err(error) => {
                follower.abort();
                return Err(error);
            }
        };
        for (index, at) in log.sent_at {
            sent_at[index] = Some(at);
        }
        rejected.extend(log.rejected);
    }
    if let Some((_, first)) = rejected.first() {
        follower.abort();
        return Err(BenchError::Rejected {
            count: rejected.len(),
            first: first.message.clone(),
        });
    }
    let commits = follower.await??;
    Ok(Measured { sent_at, commits })
}

/// Checks that every measured transaction succeeded (and, for tokens, logged a transfer).
pub(crate) async fn verify_receipts(
    client: &RpcClient,
    kind: BenchKind,
    txs: &[SignedTx],
) -> Result<(), BenchError> {
    let hashes: Vec<_> = txs.iter().map(|tx| tx.hash).collect();
    let receipts = eth::receipts(client, &hashes).await?;
    let failed = receipts
        .iter()
        .filter(|receipt| {
            let Some(receipt) = receipt else { return true };
            let logged_transfer = receipt
                .logs
                .iter()
                .any(|log| log.topics.first() == Some(&erc20::TRANSFER_TOPIC));
            !receipt.succeeded() || (kind == BenchKind::Erc20Transfer && !logged_transfer)
        })
        .count();
    match failed {
        0 => Ok(()),
        count => Err(BenchError::Reverted {
            phase: "measure",
            count,
        }),
    }
}

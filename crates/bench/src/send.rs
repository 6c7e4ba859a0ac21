//! Submission: one task per connection sends its queue, a single call or one JSON-RPC batch
//! at a time, and notes when each transaction left.

use std::time::Instant;

use crate::BenchError;
use crate::eth;
use crate::load::QueuedTx;
use crate::rpc::{RpcClient, RpcFailure};

/// What one connection did.
#[derive(Debug, Default)]
pub(crate) struct SendLog {
    /// `(tx index, moment its request started)`.
    pub(crate) sent_at: Vec<(usize, Instant)>,
    /// `(tx index, the node's refusal)`.
    pub(crate) rejected: Vec<(usize, RpcFailure)>,
}

/// Sends `queue` in order over `client`, `batch_size` transactions per request.
pub(crate) async fn send_queue(
    client: RpcClient,
    queue: Vec<QueuedTx>,
    batch_size: usize,
) -> Result<SendLog, BenchError> {
    let mut log = SendLog {
        sent_at: Vec::with_capacity(queue.len()),
        rejected: Vec::new(),
    };
    for request in queue.chunks(batch_size.max(1)) {
        let started = Instant::now();
        let outcomes = match request {
            [single] => vec![eth::send_raw(&client, &single.raw).await?],
            many => {
                let raws: Vec<_> = many.iter().map(|tx| &tx.raw).collect();
                eth::send_raw_batch(&client, &raws).await?
            }
        };
        for (tx, outcome) in request.iter().zip(outcomes) {
            log.sent_at.push((tx.index, started));
            if let Err(failure) = outcome {
                log.rejected.push((tx.index, failure));
            }
        }
    }
    Ok(log)
}

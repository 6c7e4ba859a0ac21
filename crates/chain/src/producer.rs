//! The block producer of a validator: waits for executable transactions (or the next tick),
//! builds a block from the pool, hands it to its [`BlockSink`] (committed here, or proposed to
//! consensus), and tells the pool. Runs the heavy work on the blocking pool so RPC keeps
//! answering while a block executes and commits. A gate pauses it (a validator that is not the
//! consensus leader does not produce).

use crate::{Chain, ChainError, CommittedBlock, SealedBlock};
use cloister_evm::TxSource;
use cloister_primitives::{Address, RecoveredTx, U256};
use cloister_storage::StoreReader;
use cloister_txpool::{AccountReader, BestTransactions, StateReadError, TxPool};
use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::watch;

/// When blocks are sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealMode {
    /// As soon as the pool holds executable transactions; never an empty block.
    Instant,
    /// Every interval, empty or not.
    Interval(Duration),
}

/// Producer settings.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// When to seal.
    pub mode: SealMode,
    /// Most transactions in one block (bounds a block's latency under load).
    pub max_txs_per_block: usize,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        Self {
            mode: SealMode::Instant,
            max_txs_per_block: 20_000,
        }
    }
}

/// Pool transactions as a block's candidate source: best first, a sender's later transactions
/// dropped when one of its transactions does not fit.
#[derive(Debug)]
pub struct PoolSource {
    best: BestTransactions,
}

impl PoolSource {
    /// Candidates from a pool's best-transactions iterator.
    pub fn new(best: BestTransactions) -> Self {
        Self { best }
    }
}

impl TxSource for PoolSource {
    fn next_tx(&mut self) -> Option<RecoveredTx> {
        self.best.next().map(|pooled| pooled.tx.clone())
    }
    fn skip_sender(&mut self, sender: Address) {
        self.best.mark_invalid(sender);
    }
}

/// Account nonces and balances of a state snapshot, for the pool.
#[derive(Debug, Clone)]
pub struct SnapshotAccounts(pub Arc<StoreReader>);

impl AccountReader for SnapshotAccounts {
    fn nonce_and_balance(&self, address: Address) -> Result<(u64, U256), StateReadError> {
        match self.0.account(&address) {
            Ok(Some(account)) => Ok((account.nonce, account.balance)),
            Ok(None) => Ok((0, U256::ZERO)),
            Err(err) => Err(StateReadError(err.to_string())),
        }
    }
}

/// Where a built block goes.
pub trait BlockSink: Send + Sync + std::fmt::Debug {
    /// Commits `block` on `chain`, or has it committed (blocking until it is, or is refused).
    fn commit(&self, chain: &Chain, block: SealedBlock) -> Result<Arc<CommittedBlock>, ChainError>;
}

/// A single validator: commit on this node's chain at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalCommit;

impl BlockSink for LocalCommit {
    fn commit(&self, chain: &Chain, block: SealedBlock) -> Result<Arc<CommittedBlock>, ChainError> {
        chain.commit_block(block)
    }
}

/// The hook of [`BlockProducer::with_timer`].
#[derive(Clone)]
struct BlockTimer(Arc<dyn Fn(Duration, Duration) + Send + Sync>);

impl std::fmt::Debug for BlockTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockTimer")
    }
}

/// Produces blocks until told to stop.
#[derive(Debug)]
pub struct BlockProducer {
    chain: Arc<Chain>,
    pool: Arc<TxPool>,
    config: ProducerConfig,
    sink: Arc<dyn BlockSink>,
    gate: Option<watch::Receiver<bool>>,
    timer: Option<BlockTimer>,
}

impl BlockProducer {
    /// A producer for `chain` fed by `pool`, committing locally.
    pub fn new(chain: Arc<Chain>, pool: Arc<TxPool>, config: ProducerConfig) -> Self {
        Self {
            chain,
            pool,
            config,
            sink: Arc::new(LocalCommit),
            gate: None,
            timer: None,
        }
    }

    /// Calls `timer(build, commit)` after each block it commits: how long building took
    /// (execution, state root, seal) and how long committing took (the local write, or the
    /// consensus round).
    pub fn with_timer(mut self, timer: Arc<dyn Fn(Duration, Duration) + Send + Sync>) -> Self {
        self.timer = Some(BlockTimer(timer));
        self
    }

    /// Hands blocks to `sink` instead of committing them here.
    pub fn with_sink(mut self, sink: Arc<dyn BlockSink>) -> Self {
        self.sink = sink;
        self
    }

    /// Produces only while `gate` holds `true`.
    pub fn with_gate(mut self, gate: watch::Receiver<bool>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Builds and commits one block now, from whatever the pool holds (possibly empty).
    pub fn produce_one(&self) -> Result<Arc<CommittedBlock>, ChainError> {
        produce(
            &self.chain,
            &self.pool,
            self.sink.as_ref(),
            self.config.max_txs_per_block,
            self.timer.as_ref(),
        )
    }

    /// Waits until the gate opens (or shutdown); false on shutdown.
    async fn gate_open(&mut self, shutdown: &mut watch::Receiver<bool>) -> bool {
        let Some(gate) = self.gate.as_mut() else {
            return true;
        };
        loop {
            if *gate.borrow_and_update() {
                return true;
            }
            tokio::select! {
                changed = gate.changed() => if changed.is_err() { return false },
                _ = shutdown.changed() => return false,
            }
        }
    }

    /// On a Cloister chain, waits while the configuration in force does not list this node's
    /// key as a validator (removed by a vote, or not yet added); false on shutdown.
    async fn sealer_in_force(&self, shutdown: &mut watch::Receiver<bool>) -> bool {
        if self.chain.spec().cloister().is_none() {
            return true;
        }
        let mut consortium = self.chain.watch_consortium();
        let mut said = false;
        loop {
            if self.chain.may_seal() {
                return true;
            }
            if !said {
                tracing::info!(target: "cloister::chain", "not a validator in the configuration in force; not sealing");
                said = true;
            }
            tokio::select! {
                changed = consortium.changed() => if changed.is_err() { return false },
                _ = shutdown.changed() => return false,
            }
        }
    }

    /// Runs until `shutdown` turns true. Errors are logged and retried after a pause, since a
    /// validator that stops producing stops the chain.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let notify = self.pool.executable_notify();
        loop {
            if *shutdown.borrow() || !self.gate_open(&mut shutdown).await {
                return;
            }
            if !self.sealer_in_force(&mut shutdown).await {
                return;
            }
            match self.config.mode {
                SealMode::Interval(every) => {
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = shutdown.changed() => return,
                    }
                }
                SealMode::Instant => {
                    let wake = notify.notified();
                    if !self.pool.has_executable() {
                        // The timeout only guards against a missed wake-up.
                        tokio::select! {
                            _ = wake => {}
                            _ = tokio::time::sleep(Duration::from_millis(250)) => continue,
                            _ = shutdown.changed() => return,
                        }
                    }
                }
            }
            let (chain, pool, sink, max, timer) = (
                self.chain.clone(),
                self.pool.clone(),
                self.sink.clone(),
                self.config.max_txs_per_block,
                self.timer.clone(),
            );
            match tokio::task::spawn_blocking(move || {
                produce(&chain, &pool, sink.as_ref(), max, timer.as_ref())
            })
            .await
            {
                Ok(Ok(block)) => tracing::debug!(
                    target: "cloister::chain",
                    number = block.header.number,
                    txs = block.transactions.len(),
                    "block committed"
                ),
                Ok(Err(err)) => {
                    tracing::error!(target: "cloister::chain", %err, "block production failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(err) => {
                    tracing::error!(target: "cloister::chain", %err, "block production task failed");
                    return;
                }
            }
        }
    }
}

fn produce(
    chain: &Chain,
    pool: &TxPool,
    sink: &dyn BlockSink,
    max_txs: usize,
    timer: Option<&BlockTimer>,
) -> Result<Arc<CommittedBlock>, ChainError> {
    let started = Instant::now();
    let head = chain.head();
    let base_fee = head
        .header
        .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
        .unwrap_or_default();
    let mut source = PoolSource::new(pool.best_transactions(base_fee));
    let sealed = chain.build_block(&mut source, unix_now(), max_txs)?;
    // Senders of left-out transactions are refreshed too, so their later nonces do not stick.
    let mut senders: Vec<Address> = sealed.skipped.iter().map(|s| s.tx.signer()).collect();
    for skipped in &sealed.skipped {
        tracing::debug!(target: "cloister::chain", hash = %skipped.tx.inner().tx_hash(), reason = %skipped.reason, "left out of block");
    }
    let built = started.elapsed();
    let block = sink.commit(chain, sealed)?;
    if let Some(timer) = timer {
        (timer.0)(built, started.elapsed().saturating_sub(built));
    }
    senders.extend(block.transactions.iter().map(|tx| tx.signer()));
    pool.on_block_committed(&senders, &SnapshotAccounts(chain.head().reader.clone()));
    Ok(block)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

//! `TxPool`: the shared, internally locked pool. Stateless checks and account reads run
//! outside the lock; each batch then takes the write lock once; notifications go out after
//! the lock is released.

use crate::{
    best::BestTransactions,
    config::PoolConfig,
    content::PoolContent,
    error::{PoolError, StateReadError},
    inner::{AccountState, PoolInner},
    pooled::PooledTx,
    validate::{AdmissionContext, check_stateless},
};
use cloister_primitives::{Address, RecoveredTx, TxHash, U256};
use parking_lot::RwLock;
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::sync::{Notify, broadcast};

/// Room for subscribers to fall behind by about one second at the target throughput.
const PENDING_EVENTS_CAPACITY: usize = 16_384;

/// What the pool needs from the chain state at the current head.
pub trait AccountReader {
    /// The account's nonce and balance (zero for an account that does not exist).
    fn nonce_and_balance(&self, address: Address) -> Result<(u64, U256), StateReadError>;
}

type AccountReads = HashMap<Address, Result<AccountState, StateReadError>>;

/// The transaction pool. `Send + Sync`; share it through an `Arc`.
#[derive(Debug)]
pub struct TxPool {
    config: PoolConfig,
    inner: RwLock<PoolInner>,
    /// Bumped when a new head is announced, so a batch that read accounts before it re-reads.
    head_generation: AtomicU64,
    next_submission_id: AtomicU64,
    pending_events: broadcast::Sender<Arc<PooledTx>>,
    executable: Arc<Notify>,
}

impl TxPool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        let (pending_events, _) = broadcast::channel(PENDING_EVENTS_CAPACITY);
        Self {
            config,
            inner: RwLock::new(PoolInner::default()),
            head_generation: AtomicU64::new(0),
            next_submission_id: AtomicU64::new(0),
            pending_events,
            executable: Arc::new(Notify::new()),
        }
    }

    /// The configuration the pool runs with.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Admits already-recovered transactions (recovery is done by the caller, in parallel).
    /// One lock acquisition for the whole batch; results are in input order.
    pub fn add_transactions(
        &self,
        txs: Vec<RecoveredTx>,
        state: &dyn AccountReader,
        ctx: &AdmissionContext,
    ) -> Vec<Result<TxHash, PoolError>> {
        let generation = self.head_generation.load(Ordering::Acquire);
        let first_id = self
            .next_submission_id
            .fetch_add(txs.len() as u64, Ordering::Relaxed);
        let candidates: Vec<Result<Arc<PooledTx>, PoolError>> = txs
            .into_iter()
            .zip(first_id..)
            .map(|(tx, submission_id)| {
                let pooled = PooledTx::new(tx, submission_id);
                check_stateless(&self.config, ctx, &pooled)?;
                Ok(Arc::new(pooled))
            })
            .collect();
        let mut accounts = read_accounts(candidates.iter().flatten().map(|tx| tx.sender()), state);

        let mut became_pending = Vec::new();
        let results: Vec<Result<TxHash, PoolError>> = {
            let mut inner = self.inner.write();
            if self.head_generation.load(Ordering::Acquire) != generation {
                // A block committed meanwhile: what we read may predate it.
                let senders: Vec<Address> = accounts.keys().copied().collect();
                accounts = read_accounts(senders.into_iter(), state);
            }
            candidates
                .into_iter()
                .map(|candidate| {
                    let tx = candidate?;
                    let account = match accounts.get(&tx.sender()) {
                        Some(Ok(account)) => *account,
                        Some(Err(error)) => return Err(PoolError::StateRead(error.clone())),
                        None => return Err(missing_account_read()),
                    };
                    inner.add(tx, account, &self.config, &mut became_pending)
                })
                .collect()
        };
        if tracing::enabled!(target: "cloister::txpool", tracing::Level::DEBUG) {
            let accepted = results.iter().filter(|result| result.is_ok()).count();
            tracing::debug!(
                target: "cloister::txpool",
                accepted,
                rejected = results.len() - accepted,
                became_pending = became_pending.len(),
                "admitted a batch"
            );
        }
        self.announce(became_pending);
        results
    }

    /// After a block commits: drops mined and now-stale transactions of `mined_senders`,
    /// drops ones their balance no longer covers, and promotes queued ones whose nonce gap
    /// closed. `state` reads the new head. Include EIP-7702 authorities and senders whose
    /// transactions failed in block building: their nonces may have moved too.
    pub fn on_block_committed(&self, mined_senders: &[Address], state: &dyn AccountReader) {
        self.head_generation.fetch_add(1, Ordering::AcqRel);
        let tracked: Vec<Address> = {
            let inner = self.inner.read();
            mined_senders
                .iter()
                .copied()
                .filter(|sender| inner.is_tracked(sender))
                .collect()
        };
        let accounts = read_accounts(tracked.into_iter(), state);
        let mut became_pending = Vec::new();
        let has_pending = {
            let mut inner = self.inner.write();
            for (sender, account) in accounts {
                match account {
                    Ok(account) => inner.on_account_changed(sender, account, &mut became_pending),
                    Err(error) => {
                        tracing::warn!(target: "cloister::txpool", %error, "cannot refresh a sender after a block");
                    }
                }
            }
            inner.pending_count() > 0
        };
        self.announce(became_pending);
        if has_pending {
            self.executable.notify_one();
        }
    }

    /// Removes transactions (e.g. found invalid while building a block); later nonces of
    /// their senders become queued. Returns the removed transactions.
    pub fn remove_transactions(&self, hashes: &[TxHash]) -> Vec<Arc<PooledTx>> {
        let mut inner = self.inner.write();
        hashes
            .iter()
            .filter_map(|hash| inner.remove_by_hash(hash))
            .collect()
    }

    /// Executable transactions for the next block, best effective tip at `base_fee` first,
    /// always in nonce order per sender. Copies the pending set under the lock (one `Arc`
    /// clone per transaction) and iterates without it.
    pub fn best_transactions(&self, base_fee: u64) -> BestTransactions {
        let (txs, runs) = self.inner.read().pending_snapshot();
        BestTransactions::new(base_fee, txs, runs)
    }

    /// The pooled transaction with this hash.
    pub fn get(&self, hash: &TxHash) -> Option<Arc<PooledTx>> {
        self.inner.read().get(hash)
    }

    /// Whether the pool holds this hash.
    pub fn contains(&self, hash: &TxHash) -> bool {
        self.inner.read().contains(hash)
    }

    /// Transactions executable in nonce order.
    pub fn pending_count(&self) -> usize {
        self.inner.read().pending_count()
    }

    /// Transactions waiting behind a nonce gap.
    pub fn queued_count(&self) -> usize {
        self.inner.read().queued_count()
    }

    /// The next nonce for `sender` counting its contiguous pending transactions
    /// (`eth_getTransactionCount` at "pending"); `None` if the pool holds nothing for it.
    pub fn pending_nonce(&self, sender: Address) -> Option<u64> {
        self.inner.read().pending_nonce(&sender)
    }

    /// Every pooled transaction, split pending / queued.
    pub fn content(&self) -> PoolContent {
        self.inner.read().content()
    }

    /// One sender's pooled transactions, split pending / queued.
    pub fn content_from(&self, sender: Address) -> PoolContent {
        self.inner.read().content_from(&sender)
    }

    /// Transactions as they become pending (for `newPendingTransactions` subscriptions).
    /// A receiver that falls more than 16,384 transactions behind gets `Lagged`.
    pub fn subscribe_pending(&self) -> broadcast::Receiver<Arc<PooledTx>> {
        self.pending_events.subscribe()
    }

    /// Whether any transaction is pending.
    pub fn has_executable(&self) -> bool {
        self.pending_count() > 0
    }

    /// Fires (one stored permit, `notify_one`) when new executable transactions arrive, so a
    /// single block producer awaiting it never misses a wake-up.
    pub fn executable_notify(&self) -> Arc<Notify> {
        Arc::clone(&self.executable)
    }

    fn announce(&self, became_pending: Vec<Arc<PooledTx>>) {
        if became_pending.is_empty() {
            return;
        }
        self.executable.notify_one();
        if self.pending_events.receiver_count() == 0 {
            return;
        }
        for tx in became_pending {
            // Only fails when every receiver has gone meanwhile.
            let _ = self.pending_events.send(tx);
        }
    }
}

/// Reads each distinct sender once.
fn read_accounts(
    senders: impl Iterator<Item = Address>,
    state: &dyn AccountReader,
) -> AccountReads {
    let mut accounts = AccountReads::new();
    for sender in senders {
        accounts.entry(sender).or_insert_with(|| {
            state
                .nonce_and_balance(sender)
                .map(|(nonce, balance)| AccountState { nonce, balance })
        });
    }
    accounts
}

fn missing_account_read() -> PoolError {
    PoolError::StateRead(StateReadError("sender account was not read".to_owned()))
}

//! Installed filters (`eth_newFilter` and friends): what each one has delivered so far, and
//! its expiry when nobody polls it. Block and log filters remember the next block to report and
//! read new blocks from storage when polled, so they need no task of their own; pending-
//! transaction filters hold a receiver on the pool's broadcast, drained at each poll.
//!
//! Each filter belongs to the caller that installed it: to anyone else its id behaves exactly
//! like an unknown one, so filter ids reveal nothing across callers.

use crate::{
    criteria::LogCriteria,
    error::{FilterError, FilterResult},
};
use cloister_policy::Caller;
use cloister_rpc::new_id;
use cloister_txpool::PooledTx;
use parking_lot::Mutex;
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::broadcast::{self, error::TryRecvError};

/// What a filter watches.
#[derive(Debug)]
pub enum FilterKind {
    /// New block hashes.
    Blocks {
        /// First block not yet reported.
        next_block: u64,
    },
    /// Transactions entering the pending set.
    PendingTransactions {
        /// The pool's announcements since install (or the last poll).
        receiver: broadcast::Receiver<Arc<PooledTx>>,
        /// Report whole transactions rather than hashes.
        full: bool,
    },
    /// Logs of new blocks.
    Logs {
        /// Which logs.
        criteria: LogCriteria,
        /// First block not yet reported.
        next_block: u64,
    },
}

/// What `eth_getFilterChanges` has to report, taken from a filter under its lock.
#[derive(Debug)]
pub enum NewSincePoll {
    /// Blocks `first..=last` are new (none when `first > last`).
    Blocks {
        /// First new block.
        first: u64,
        /// Last new block.
        last: u64,
    },
    /// Transactions that became pending.
    PendingTransactions {
        /// In announcement order.
        txs: Vec<Arc<PooledTx>>,
        /// Report whole transactions.
        full: bool,
    },
    /// New blocks `first..=last` to search for `criteria`.
    Logs {
        /// Which logs.
        criteria: LogCriteria,
        /// First new block.
        first: u64,
        /// Last new block.
        last: u64,
    },
}

#[derive(Debug)]
struct Installed {
    kind: FilterKind,
    owner: Caller,
    last_poll: Instant,
}

impl Installed {
    /// Whether `caller` is the one who installed it (same proven address, or both anonymous).
    fn belongs_to(&self, caller: &Caller) -> bool {
        self.owner.address == caller.address
    }
}

/// Every installed filter of one server.
#[derive(Debug)]
pub struct FilterStore {
    filters: Mutex<HashMap<String, Installed>>,
    timeout: Duration,
}

impl FilterStore {
    /// An empty store whose filters expire after `timeout` without a poll.
    pub fn new(timeout: Duration) -> Self {
        Self {
            filters: Mutex::new(HashMap::new()),
            timeout,
        }
    }

    /// How long an unpolled filter lives.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Installs a filter of `owner` and returns its id.
    pub fn install(&self, kind: FilterKind, owner: Caller, now: Instant) -> String {
        let id = new_id();
        let mut filters = self.filters.lock();
        self.sweep_locked(&mut filters, now);
        filters.insert(
            id.clone(),
            Installed {
                kind,
                owner,
                last_poll: now,
            },
        );
        id
    }

    /// Removes `caller`'s filter `id`; false when `caller` has none with this id.
    pub fn uninstall(&self, id: &str, caller: &Caller, now: Instant) -> bool {
        let mut filters = self.filters.lock();
        self.sweep_locked(&mut filters, now);
        if !filters.get(id).is_some_and(|f| f.belongs_to(caller)) {
            return false;
        }
        filters.remove(id).is_some()
    }

    /// Removes every filter not polled within the timeout; returns how many.
    pub fn sweep(&self, now: Instant) -> usize {
        self.sweep_locked(&mut self.filters.lock(), now)
    }

    /// Number of live filters.
    pub fn len(&self) -> usize {
        self.filters.lock().len()
    }

    /// Whether no filter is installed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes what `caller`'s filter `id` has to report given head block `head`, and restarts
    /// its timeout.
    pub fn poll(
        &self,
        id: &str,
        caller: &Caller,
        head: u64,
        now: Instant,
    ) -> FilterResult<NewSincePoll> {
        let mut filters = self.filters.lock();
        self.sweep_locked(&mut filters, now);
        let filter = filters
            .get_mut(id)
            .filter(|f| f.belongs_to(caller))
            .ok_or(FilterError::FilterNotFound)?;
        filter.last_poll = now;
        Ok(match &mut filter.kind {
            FilterKind::Blocks { next_block } => {
                let first = *next_block;
                *next_block = (*next_block).max(head + 1);
                NewSincePoll::Blocks { first, last: head }
            }
            FilterKind::Logs {
                criteria,
                next_block,
            } => {
                let first = *next_block;
                *next_block = (*next_block).max(head + 1);
                NewSincePoll::Logs {
                    criteria: criteria.clone(),
                    first,
                    last: head,
                }
            }
            FilterKind::PendingTransactions { receiver, full } => {
                let mut txs = Vec::new();
                loop {
                    match receiver.try_recv() {
                        Ok(tx) => txs.push(tx),
                        // An unpolled filter that fell behind loses the oldest announcements.
                        Err(TryRecvError::Lagged(_)) => continue,
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                NewSincePoll::PendingTransactions { txs, full: *full }
            }
        })
    }

    /// The criteria of `caller`'s log filter `id` (`eth_getFilterLogs`; like geth, this does
    /// not count as a poll).
    pub fn log_criteria(
        &self,
        id: &str,
        caller: &Caller,
        now: Instant,
    ) -> FilterResult<LogCriteria> {
        let mut filters = self.filters.lock();
        self.sweep_locked(&mut filters, now);
        match filters
            .get(id)
            .filter(|f| f.belongs_to(caller))
            .map(|f| &f.kind)
        {
            Some(FilterKind::Logs { criteria, .. }) => Ok(criteria.clone()),
            _ => Err(FilterError::FilterNotFound),
        }
    }

    fn sweep_locked(&self, filters: &mut HashMap<String, Installed>, now: Instant) -> usize {
        let before = filters.len();
        filters.retain(|_, f| now.saturating_duration_since(f.last_poll) <= self.timeout);
        before - filters.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(300);
    const ANY: Caller = Caller::ANONYMOUS;

    #[test]
    fn block_filters_report_each_block_once() {
        let store = FilterStore::new(TIMEOUT);
        let now = Instant::now();
        let id = store.install(FilterKind::Blocks { next_block: 6 }, ANY, now);
        assert!(matches!(
            store.poll(&id, &ANY, 5, now).unwrap(),
            NewSincePoll::Blocks { first: 6, last: 5 }
        ));
        assert!(matches!(
            store.poll(&id, &ANY, 8, now).unwrap(),
            NewSincePoll::Blocks { first: 6, last: 8 }
        ));
        assert!(matches!(
            store.poll(&id, &ANY, 8, now).unwrap(),
            NewSincePoll::Blocks { first: 9, last: 8 }
        ));
    }

    #[test]
    fn unpolled_filters_expire_and_polling_keeps_them() {
        let store = FilterStore::new(TIMEOUT);
        let start = Instant::now();
        let polled = store.install(FilterKind::Blocks { next_block: 1 }, ANY, start);
        let idle = store.install(FilterKind::Blocks { next_block: 1 }, ANY, start);
        let halfway = start + TIMEOUT / 2;
        store.poll(&polled, &ANY, 0, halfway).unwrap();
        let later = start + TIMEOUT + Duration::from_secs(1);
        assert_eq!(store.sweep(later), 1);
        assert!(matches!(
            store.poll(&idle, &ANY, 0, later),
            Err(FilterError::FilterNotFound)
        ));
        assert!(store.poll(&polled, &ANY, 0, later).is_ok());
        // Lazy expiry: even without a sweep, a stale filter is not found.
        let much_later = later + TIMEOUT * 2;
        assert!(matches!(
            store.poll(&polled, &ANY, 0, much_later),
            Err(FilterError::FilterNotFound)
        ));
        assert!(store.is_empty());
    }

    #[test]
    fn uninstall_and_filter_logs_need_the_right_kind() {
        let store = FilterStore::new(TIMEOUT);
        let now = Instant::now();
        let blocks = store.install(FilterKind::Blocks { next_block: 1 }, ANY, now);
        let logs = store.install(
            FilterKind::Logs {
                criteria: LogCriteria::default(),
                next_block: 1,
            },
            ANY,
            now,
        );
        assert!(matches!(
            store.log_criteria(&blocks, &ANY, now),
            Err(FilterError::FilterNotFound)
        ));
        assert_eq!(
            store.log_criteria(&logs, &ANY, now).unwrap(),
            LogCriteria::default()
        );
        assert!(store.uninstall(&logs, &ANY, now));
        assert!(!store.uninstall(&logs, &ANY, now));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn another_callers_filter_looks_unknown() {
        let store = FilterStore::new(TIMEOUT);
        let now = Instant::now();
        let owner = Caller {
            address: Some(cloister_primitives::Address::repeat_byte(0xa1)),
            ..Caller::ANONYMOUS
        };
        let stranger = Caller {
            address: Some(cloister_primitives::Address::repeat_byte(0xb2)),
            ..Caller::ANONYMOUS
        };
        let id = store.install(
            FilterKind::Logs {
                criteria: LogCriteria::default(),
                next_block: 1,
            },
            owner.clone(),
            now,
        );
        for caller in [stranger, ANY] {
            assert!(matches!(
                store.poll(&id, &caller, 3, now),
                Err(FilterError::FilterNotFound)
            ));
            assert!(matches!(
                store.log_criteria(&id, &caller, now),
                Err(FilterError::FilterNotFound)
            ));
            assert!(!store.uninstall(&id, &caller, now));
        }
        assert!(matches!(
            store.poll(&id, &owner, 3, now).unwrap(),
            NewSincePoll::Logs {
                first: 1,
                last: 3,
                ..
            }
        ));
        assert!(store.uninstall(&id, &owner, now));
    }
}

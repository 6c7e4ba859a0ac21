//! Single-use sign-in nonces, in memory. Anyone may ask for a nonce, so the store is bounded:
//! past its capacity the oldest nonce is forgotten, and every nonce dies after its lifetime.

use crate::time::unix_now;
use parking_lot::Mutex;
use rand::{Rng as _, distributions::Alphanumeric, rngs::OsRng};
use std::collections::{HashMap, VecDeque};

/// How long an issued nonce stays usable, in seconds.
pub const NONCE_LIFETIME_SECS: u64 = 600;
/// Nonces kept at most; beyond this the oldest are evicted.
pub const DEFAULT_NONCE_CAPACITY: usize = 10_000;
/// Length of an issued nonce: 22 alphanumerics carry about 131 bits.
pub const NONCE_LEN: usize = 22;

/// Outstanding nonces and when each was issued.
#[derive(Debug)]
pub struct NonceStore {
    capacity: usize,
    lifetime_secs: u64,
    inner: Mutex<Outstanding>,
}

#[derive(Debug, Default)]
struct Outstanding {
    issued_at: HashMap<String, u64>,
    /// Issue order, oldest first; may hold nonces already taken (skipped when met).
    order: VecDeque<(String, u64)>,
}

impl Default for NonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_NONCE_CAPACITY, NONCE_LIFETIME_SECS)
    }
}

impl NonceStore {
    /// A store holding at most `capacity` nonces (at least one), each valid `lifetime_secs`.
    pub fn new(capacity: usize, lifetime_secs: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            lifetime_secs,
            inner: Mutex::new(Outstanding::default()),
        }
    }

    /// Seconds a nonce stays usable.
    pub fn lifetime_secs(&self) -> u64 {
        self.lifetime_secs
    }

    /// Issues a fresh random nonce.
    pub fn issue(&self) -> String {
        self.issue_at(unix_now())
    }

    /// Issues a fresh random nonce as if the time were `now` (Unix seconds).
    pub fn issue_at(&self, now: u64) -> String {
        let nonce: String = (0..NONCE_LEN)
            .map(|_| char::from(OsRng.sample(Alphanumeric)))
            .collect();
        let mut inner = self.inner.lock();
        inner.forget_expired(now, self.lifetime_secs);
        while inner.issued_at.len() >= self.capacity {
            if !inner.evict_oldest() {
                break;
            }
        }
        inner.issued_at.insert(nonce.clone(), now);
        inner.order.push_back((nonce.clone(), now));
        // Taken nonces leave stale entries in `order`; compact so it stays bounded too.
        if inner.order.len() > 2 * self.capacity {
            let Outstanding { issued_at, order } = &mut *inner;
            order.retain(|(nonce, _)| issued_at.contains_key(nonce));
        }
        nonce
    }

    /// Consumes `nonce`: `true` exactly once for a nonce issued here and not yet expired.
    pub fn take(&self, nonce: &str) -> bool {
        self.take_at(nonce, unix_now())
    }

    /// [`Self::take`] as if the time were `now`.
    pub fn take_at(&self, nonce: &str, now: u64) -> bool {
        let mut inner = self.inner.lock();
        match inner.issued_at.remove(nonce) {
            Some(issued) => now.saturating_sub(issued) < self.lifetime_secs,
            None => false,
        }
    }

    /// Nonces currently outstanding.
    pub fn len(&self) -> usize {
        self.inner.lock().issued_at.len()
    }

    /// Whether no nonce is outstanding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Outstanding {
    fn forget_expired(&mut self, now: u64, lifetime_secs: u64) {
        while let Some((_, issued)) = self.order.front() {
            if now.saturating_sub(*issued) < lifetime_secs {
                break;
            }
            self.evict_oldest();
        }
    }

    /// Drops the oldest entry of `order` (and its nonce if still outstanding).
    fn evict_oldest(&mut self) -> bool {
        match self.order.pop_front() {
            Some((nonce, issued)) => {
                if self.issued_at.get(&nonce) == Some(&issued) {
                    self.issued_at.remove(&nonce);
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_random_alphanumeric_and_single_use() {
        let store = NonceStore::default();
        let first = store.issue_at(1000);
        let second = store.issue_at(1000);
        assert_ne!(first, second);
        assert!(first.len() >= 16 && first.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(store.take_at(&first, 1001));
        assert!(!store.take_at(&first, 1001), "second use refused");
        assert!(!store.take_at("neverIssued12345", 1001));
        assert!(store.take_at(&second, 1001));
    }

    #[test]
    fn nonces_expire() {
        let store = NonceStore::new(100, 600);
        let nonce = store.issue_at(1000);
        assert!(!store.take_at(&nonce, 1600));
        let nonce = store.issue_at(1000);
        assert!(store.take_at(&nonce, 1599));
    }

    #[test]
    fn expired_nonces_are_forgotten_on_issue() {
        let store = NonceStore::new(100, 600);
        for _ in 0..50 {
            store.issue_at(1000);
        }
        store.issue_at(2000);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_flood_evicts_the_oldest_and_stays_bounded() {
        let store = NonceStore::new(8, 600);
        let oldest = store.issue_at(1000);
        let mut newest = String::new();
        for _ in 0..1000 {
            newest = store.issue_at(1000);
        }
        assert_eq!(store.len(), 8);
        assert!(store.inner.lock().order.len() <= 16);
        assert!(!store.take_at(&oldest, 1000), "oldest was evicted");
        assert!(store.take_at(&newest, 1000));
    }

    #[test]
    fn taken_nonces_do_not_accumulate() {
        let store = NonceStore::new(8, 600);
        let kept = store.issue_at(1000);
        for _ in 0..1000 {
            let nonce = store.issue_at(1000);
            assert!(store.take_at(&nonce, 1000));
        }
        assert_eq!(store.len(), 1);
        assert!(store.inner.lock().order.len() <= 16);
        assert!(
            store.take_at(&kept, 1000),
            "an outstanding nonce survives compaction"
        );
    }
}

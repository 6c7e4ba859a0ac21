//! Filter and subscription ids shaped like geth's (`rpc.NewID`): 128 random bits as `0x` hex
//! with leading zeros trimmed. Unpredictable, so one client cannot poll another's filter.

use jsonrpsee::{core::traits::IdProvider, types::SubscriptionId};
use std::{
    hash::{BuildHasher, RandomState},
    sync::{
        LazyLock,
        atomic::{AtomicU64, Ordering},
    },
};

/// Keys drawn once from the OS; SipHash of a counter under them is unpredictable without them.
static KEYS: LazyLock<(RandomState, RandomState)> =
    LazyLock::new(|| (RandomState::new(), RandomState::new()));
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh id, e.g. `0x9cef478923ff08bf67fde6c64013158d`.
pub fn new_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let high = KEYS.0.hash_one(n);
    let low = KEYS.1.hash_one(n);
    let value = (u128::from(high) << 64) | u128::from(low);
    format!("{value:#x}")
}

/// Subscription ids in geth's shape, for the server builder's `set_id_provider`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GethIdProvider;

impl IdProvider for GethIdProvider {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Str(new_id().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_hex_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let digits = id.strip_prefix("0x").unwrap();
            assert!(!digits.is_empty() && digits.len() <= 32);
            assert!(!digits.starts_with('0') || digits == "0");
            assert!(
                digits
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
    }
}

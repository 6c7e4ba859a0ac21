//! Single-use sign-in nonces that cost nothing to hand out. Anyone may ask for a nonce, as
//! often as they like, so issuing one stores nothing: a nonce is its issue time and 64 random
//! bits, authenticated with a key that lives only in this process's memory (HMAC-SHA256,
//! 128-bit tag), all in hex. A flood of `GET /signin/nonce` therefore cannot evict, or even
//! touch, the nonces honest users are holding; there is no per-client quota to exhaust and no
//! client address to trust.
//!
//! What is remembered is the *used* nonces, each until it would have expired anyway, so that a
//! signed message cannot be replayed. A nonce is used only by a sign-in whose signature checked
//! out (see `siwe_check`), and the memory is bounded: when it is full, sign-ins are refused
//! until room frees up ([`NonceError::Full`]); forgetting a used nonce early would allow a
//! replay, so the store fails closed instead of evicting.
//!
//! Nonces die with the process (a restart hands out a new key), as the in-memory nonces before
//! them did.

use crate::time::unix_now;
use hmac::{Hmac, Mac as _, digest::KeyInit};
use parking_lot::Mutex;
use rand::{RngCore as _, rngs::OsRng};
use sha2::Sha256;
use std::collections::BTreeSet;
use zeroize::Zeroizing;

/// How long an issued nonce stays usable, in seconds.
pub const NONCE_LIFETIME_SECS: u64 = 600;
/// Used nonces remembered at most (each for the rest of its lifetime); beyond this, sign-ins
/// are refused until the oldest expire.
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;
/// Bytes of a nonce: issue time (8), random part (8), tag (16).
const NONCE_BYTES: usize = 32;
/// Length of an issued nonce: its bytes in hex.
pub const NONCE_LEN: usize = 2 * NONCE_BYTES;
/// Bytes of the truncated HMAC tag.
const TAG_BYTES: usize = 16;

type HmacSha256 = Hmac<Sha256>;

/// Why a nonce was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    /// Not issued by this store, expired, or already used.
    #[error("nonce unknown, expired or already used")]
    Unknown,
    /// As many used nonces as the store remembers are still unexpired.
    #[error("too many sign-ins; try again later")]
    Full,
}

/// Issues authenticated nonces and remembers the used ones.
pub struct NonceStore {
    /// The HMAC key, one SHA-256 block long.
    key: Zeroizing<[u8; 64]>,
    capacity: usize,
    lifetime_secs: u64,
    /// Used nonces as (issue time, random part): ordered by issue time, so the expired ones
    /// are at the front.
    used: Mutex<BTreeSet<(u64, u64)>>,
}

impl std::fmt::Debug for NonceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceStore")
            .field("capacity", &self.capacity)
            .field("lifetime_secs", &self.lifetime_secs)
            .field("used", &self.used.lock().len())
            .finish_non_exhaustive()
    }
}

impl Default for NonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_NONCE_CAPACITY, NONCE_LIFETIME_SECS)
    }
}

impl NonceStore {
    /// A store with a fresh random key, remembering at most `capacity` used nonces (at least
    /// one), each nonce valid `lifetime_secs`.
    pub fn new(capacity: usize, lifetime_secs: u64) -> Self {
        let mut key = Zeroizing::new([0u8; 64]);
        OsRng.fill_bytes(key.as_mut());
        Self {
            key,
            capacity: capacity.max(1),
            lifetime_secs,
            used: Mutex::new(BTreeSet::new()),
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

    /// Issues a fresh random nonce as if the time were `now` (Unix seconds). Stores nothing.
    pub fn issue_at(&self, now: u64) -> String {
        let random = OsRng.next_u64();
        let mut bytes = [0u8; NONCE_BYTES];
        bytes[..8].copy_from_slice(&now.to_be_bytes());
        bytes[8..16].copy_from_slice(&random.to_be_bytes());
        bytes[16..].copy_from_slice(&self.tag(now, random)[..TAG_BYTES]);
        hex::encode(bytes)
    }

    /// Consumes `nonce`: `Ok` exactly once for a nonce issued here and not yet expired.
    pub fn take(&self, nonce: &str) -> Result<(), NonceError> {
        self.take_at(nonce, unix_now())
    }

    /// [`Self::take`] as if the time were `now`.
    pub fn take_at(&self, nonce: &str, now: u64) -> Result<(), NonceError> {
        let (issued, random) = self.open(nonce).ok_or(NonceError::Unknown)?;
        if now.saturating_sub(issued) >= self.lifetime_secs {
            return Err(NonceError::Unknown);
        }
        let mut used = self.used.lock();
        // Expired nonces are refused above, so they need not be remembered.
        while let Some(&(oldest, _)) = used.first() {
            if now.saturating_sub(oldest) < self.lifetime_secs {
                break;
            }
            used.pop_first();
        }
        if used.contains(&(issued, random)) {
            return Err(NonceError::Unknown);
        }
        if used.len() >= self.capacity {
            return Err(NonceError::Full);
        }
        used.insert((issued, random));
        Ok(())
    }

    /// Used nonces currently remembered.
    pub fn len(&self) -> usize {
        self.used.lock().len()
    }

    /// Whether no used nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Issue time and random part of a nonce this store issued (its tag checked in constant
    /// time), or `None`.
    fn open(&self, nonce: &str) -> Option<(u64, u64)> {
        if nonce.len() != NONCE_LEN {
            return None;
        }
        let mut bytes = [0u8; NONCE_BYTES];
        hex::decode_to_slice(nonce, &mut bytes).ok()?;
        let (head, tag) = bytes.split_at(16);
        let issued = u64::from_be_bytes(head[..8].try_into().ok()?);
        let random = u64::from_be_bytes(head[8..].try_into().ok()?);
        self.mac(issued, random).verify_truncated_left(tag).ok()?;
        Some((issued, random))
    }

    fn mac(&self, issued: u64, random: u64) -> HmacSha256 {
        // A key of exactly one block: HMAC uses it as it is.
        let mut mac = <HmacSha256 as KeyInit>::new(&(*self.key).into());
        mac.update(b"cloister-signin-nonce-v1");
        mac.update(&issued.to_be_bytes());
        mac.update(&random.to_be_bytes());
        mac
    }

    fn tag(&self, issued: u64, random: u64) -> [u8; 32] {
        self.mac(issued, random).finalize().into_bytes().into()
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
        assert_eq!(store.take_at(&first, 1001), Ok(()));
        assert_eq!(
            store.take_at(&first, 1001),
            Err(NonceError::Unknown),
            "second use refused"
        );
        assert_eq!(
            store.take_at("neverIssued12345", 1001),
            Err(NonceError::Unknown)
        );
        assert_eq!(store.take_at(&second, 1001), Ok(()));
    }

    #[test]
    fn nonces_expire() {
        let store = NonceStore::new(100, 600);
        let nonce = store.issue_at(1000);
        assert_eq!(store.take_at(&nonce, 1600), Err(NonceError::Unknown));
        let nonce = store.issue_at(1000);
        assert_eq!(store.take_at(&nonce, 1599), Ok(()));
    }

    #[test]
    fn forged_and_foreign_nonces_are_refused() {
        let store = NonceStore::default();
        let nonce = store.issue_at(1000);
        // Another store (another process, another key) did not issue it.
        assert_eq!(
            NonceStore::default().take_at(&nonce, 1000),
            Err(NonceError::Unknown)
        );
        // Moving the issue time forward (to stretch the lifetime) breaks the tag.
        let mut bytes = hex::decode(&nonce).unwrap();
        bytes[7] = bytes[7].wrapping_add(100);
        assert_eq!(
            store.take_at(&hex::encode(&bytes), 1000),
            Err(NonceError::Unknown)
        );
        // Truncated, it is not a nonce; in upper case it is the same nonce, used once.
        assert_eq!(
            store.take_at(&nonce[..NONCE_LEN - 2], 1000),
            Err(NonceError::Unknown)
        );
        assert_eq!(store.take_at(&nonce.to_uppercase(), 1000), Ok(()));
        assert_eq!(store.take_at(&nonce, 1000), Err(NonceError::Unknown));
    }

    #[test]
    fn a_flood_of_requests_leaves_earlier_nonces_usable() {
        // Issuing stores nothing: 100,000 nonces asked for after an honest user got one (ten
        // times the old store's capacity) do not displace it.
        let store = NonceStore::new(8, 600);
        let honest = store.issue_at(1000);
        let mut last = String::new();
        for _ in 0..100_000 {
            last = store.issue_at(1000);
        }
        assert!(store.is_empty());
        assert_eq!(store.take_at(&honest, 1001), Ok(()));
        assert_eq!(store.take_at(&last, 1001), Ok(()));
    }

    #[test]
    fn used_nonces_are_bounded_and_forgotten_once_expired() {
        let store = NonceStore::new(8, 600);
        let early = store.issue_at(1000);
        assert_eq!(store.take_at(&early, 1000), Ok(()));
        for _ in 0..7 {
            let nonce = store.issue_at(1100);
            assert_eq!(store.take_at(&nonce, 1100), Ok(()));
        }
        assert_eq!(store.len(), 8);
        // Full: a good nonce is refused (and stays good), a replay is still a replay.
        let waiting = store.issue_at(1200);
        assert_eq!(store.take_at(&waiting, 1200), Err(NonceError::Full));
        assert_eq!(store.take_at(&early, 1200), Err(NonceError::Unknown));
        // Once the earliest used nonce has expired it is forgotten, and there is room.
        assert_eq!(store.take_at(&waiting, 1600), Ok(()));
        assert_eq!(store.len(), 8);
        assert_eq!(store.take_at(&early, 1600), Err(NonceError::Unknown));
    }
}

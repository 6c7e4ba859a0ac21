//! Bearer tokens: 256 random bits shown once as `clst_<64 hex>`, stored only as their
//! SHA-256 (the key of the `auth_tokens` table) with owner, issue time, expiry and a label.
//! A token with 256 bits of entropy needs no salt or slow hash: SHA-256 cannot be reversed.
//!
//! A token may stand for several addresses: its holder signs in again with each further
//! address, presenting the token ([`TokenStore::add_address_at`]). Record layout 1 (one
//! address) is still read and still written for single-address tokens; layout 2 adds the list.

use crate::time::unix_now;
use cloister_primitives::Address;
use cloister_storage::{StorageError, Store};
use rand::{RngCore as _, rngs::OsRng};
use sha2::{Digest as _, Sha256};
use std::time::Duration;
use zeroize::{Zeroize as _, Zeroizing};

/// Prefix of every token, so leaked tokens are easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "clst_";
/// Length of a token as text: the prefix and 32 bytes of lower-case hex.
pub const TOKEN_TEXT_LEN: usize = TOKEN_PREFIX.len() + 64;
/// Longest label kept with a token, in bytes.
pub const MAX_LABEL_LEN: usize = 128;
/// Most addresses one token may stand for (the first included).
pub const MAX_TOKEN_ADDRESSES: usize = 16;
/// Layout of a record with one address: version ‖ address ‖ issued_at ‖ expires_at ‖ label.
const RECORD_VERSION_SINGLE: u8 = 1;
/// Layout of a record with more: version ‖ address ‖ issued_at ‖ expires_at ‖ count (one
/// byte) ‖ count further addresses ‖ label.
const RECORD_VERSION_MANY: u8 = 2;
/// version ‖ address ‖ issued_at ‖ expires_at, common to both layouts.
const RECORD_FIXED_LEN: usize = 1 + 20 + 8 + 8;

/// SHA-256 of a token's 32 secret bytes: the only form that is stored.
pub type TokenHash = [u8; 32];

/// A freshly issued token. The secret is shown to its owner once and never stored.
pub struct IssuedToken {
    /// `clst_` + 64 hex digits; wiped from memory when dropped.
    pub token: Zeroizing<String>,
    /// What the store keeps in its place.
    pub token_hash: TokenHash,
    /// Unix seconds after which the token stops working.
    pub expires_at: u64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<secret>")
            .field("token_hash", &hex::encode(self.token_hash))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    /// The address that signed in first (the default `from` of its calls).
    pub address: Address,
    /// Further addresses added to the token, each proven by its own signature.
    pub also: Vec<Address>,
    /// Unix seconds after which the token stops working.
    pub expires_at: u64,
    /// Identifies the token (for logs, revocation) without revealing it.
    pub token_hash: TokenHash,
}

impl TokenOwner {
    /// Every address of the token, the first one first.
    pub fn addresses(&self) -> Vec<Address> {
        std::iter::once(self.address)
            .chain(self.also.iter().copied())
            .collect()
    }
}

/// One stored token, as an admin or its owner may list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Identifies the token without revealing it.
    pub token_hash: TokenHash,
    /// The address that signed in first.
    pub address: Address,
    /// Further addresses added to the token.
    pub also: Vec<Address>,
    /// Unix seconds it was issued.
    pub issued_at: u64,
    /// Unix seconds it stops working.
    pub expires_at: u64,
    /// Free text given at issue (e.g. "MetaMask on laptop").
    pub label: Option<String>,
}

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored record does not decode: corruption or a newer layout.
    #[error("stored token record does not decode")]
    CorruptRecord,
    /// The label is longer than [`MAX_LABEL_LEN`] bytes or holds control characters.
    #[error("token label too long or not printable")]
    BadLabel,
    /// The token already stands for [`MAX_TOKEN_ADDRESSES`] addresses.
    #[error("this token already holds {MAX_TOKEN_ADDRESSES} addresses")]
    TooManyAddresses,
}

impl TokenInfo {
    /// Whether `address` is one of the token's.
    pub fn holds(&self, address: &Address) -> bool {
        self.address == *address || self.also.contains(address)
    }
}

/// Issues, resolves and revokes tokens over the node's [`Store`].
#[derive(Debug, Clone)]
pub struct TokenStore {
    store: Store,
}

impl TokenStore {
    /// Tokens kept in `store`'s `auth_tokens` table.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Issues a token for `owner`, valid for `lifetime` from now.
    pub fn issue(&self, owner: Address, lifetime: Duration) -> Result<IssuedToken, TokenError> {
        self.issue_at(owner, lifetime, None, unix_now())
    }

    /// Issues a token for `owner` as if the time were `now`, with an optional `label`.
    pub fn issue_at(
        &self,
        owner: Address,
        lifetime: Duration,
        label: Option<&str>,
        now: u64,
    ) -> Result<IssuedToken, TokenError> {
        let label = label.filter(|label| !label.is_empty());
        if label
            .is_some_and(|label| label.len() > MAX_LABEL_LEN || label.contains(char::is_control))
        {
            return Err(TokenError::BadLabel);
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(secret.as_mut());
        let token_hash = hash_secret(&secret);
        let info = TokenInfo {
            token_hash,
            address: owner,
            also: Vec::new(),
            issued_at: now,
            expires_at: now.saturating_add(lifetime.as_secs()),
            label: label.map(str::to_owned),
        };
        self.store
            .put_auth_token(&token_hash, &encode_record(&info))?;
        let mut token = Zeroizing::new(String::with_capacity(TOKEN_TEXT_LEN));
        token.push_str(TOKEN_PREFIX);
        let mut digits = hex::encode(secret.as_ref());
        token.push_str(&digits);
        digits.zeroize();
        Ok(IssuedToken {
            token,
            token_hash,
            expires_at: info.expires_at,
        })
    }

    /// The owner of `token` if it is well formed, known and unexpired. An expired token is
    /// deleted on sight. Malformed input gives `None`, never an error quoting it.
    pub fn resolve(&self, token: &str) -> Result<Option<TokenOwner>, TokenError> {
        self.resolve_at(token, unix_now())
    }

    /// [`Self::resolve`] as if the time were `now`.
    pub fn resolve_at(&self, token: &str, now: u64) -> Result<Option<TokenOwner>, TokenError> {
        let Some(token_hash) = token_hash(token) else {
            return Ok(None);
        };
        let Some(record) = self.store.auth_token(&token_hash)? else {
            return Ok(None);
        };
        let info = decode_record(token_hash, &record)?;
        if info.expires_at <= now {
            self.store.delete_auth_token(&token_hash)?;
            return Ok(None);
        }
        Ok(Some(owner_of(info)))
    }

    /// Adds `address` to the valid token `token` as if the time were `now` (its holder proved
    /// `address` separately). Adding an address the token holds already changes nothing.
    /// `None`: the token is malformed, unknown or expired. The read and the write are one
    /// store transaction, so concurrent additions to one token all land.
    pub fn add_address_at(
        &self,
        token: &str,
        address: Address,
        now: u64,
    ) -> Result<Option<TokenOwner>, TokenError> {
        let Some(token_hash) = token_hash(token) else {
            return Ok(None);
        };
        self.store.update_auth_token(&token_hash, |record| {
            let Some(record) = record else {
                return (None, Ok(None));
            };
            let mut info = match decode_record(token_hash, record) {
                Ok(info) => info,
                Err(err) => return (None, Err(err)),
            };
            if info.expires_at <= now {
                return (None, Ok(None));
            }
            if info.holds(&address) {
                return (None, Ok(Some(owner_of(info))));
            }
            if 1 + info.also.len() >= MAX_TOKEN_ADDRESSES {
                return (None, Err(TokenError::TooManyAddresses));
            }
            info.also.push(address);
            let record = encode_record(&info);
            (Some(record), Ok(Some(owner_of(info))))
        })?
    }

    /// Revokes `token` (presenting it proves ownership). `false` if it was not known.
    pub fn revoke(&self, token: &str) -> Result<bool, TokenError> {
        match token_hash(token) {
            Some(token_hash) => self.revoke_hash(&token_hash),
            None => Ok(false),
        }
    }

    /// Revokes the token with this hash (from [`Self::tokens_of`], for admins).
    pub fn revoke_hash(&self, token_hash: &TokenHash) -> Result<bool, TokenError> {
        Ok(self.store.delete_auth_token(token_hash)?)
    }

    /// Revokes every token holding `owner` (whole tokens, every address of each); returns how
    /// many there were.
    pub fn revoke_all(&self, owner: &Address) -> Result<usize, TokenError> {
        let owned = self.tokens_of(owner)?;
        let mut revoked = 0;
        for info in owned {
            if self.store.delete_auth_token(&info.token_hash)? {
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    /// Every stored token holding `owner` (first or added), expired ones included, oldest first.
    pub fn tokens_of(&self, owner: &Address) -> Result<Vec<TokenInfo>, TokenError> {
        let mut owned: Vec<TokenInfo> = self
            .all()?
            .into_iter()
            .filter(|info| info.holds(owner))
            .collect();
        owned.sort_by_key(|info| info.issued_at);
        Ok(owned)
    }

    /// Deletes every token expired at `now`; returns how many.
    pub fn sweep_expired(&self, now: u64) -> Result<usize, TokenError> {
        let mut swept = 0;
        for info in self.all()? {
            if info.expires_at <= now && self.store.delete_auth_token(&info.token_hash)? {
                swept += 1;
            }
        }
        Ok(swept)
    }

    fn all(&self) -> Result<Vec<TokenInfo>, TokenError> {
        self.store
            .auth_tokens()?
            .into_iter()
            .map(|(token_hash, record)| decode_record(token_hash, &record))
            .collect()
    }
}

/// The stored hash of `token`, if it is exactly `clst_` followed by 64 lower-case hex digits.
pub fn token_hash(token: &str) -> Option<TokenHash> {
    let digits = token.strip_prefix(TOKEN_PREFIX)?;
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if digits.len() != 64 || !digits.bytes().all(lower_hex) {
        return None;
    }
    let mut secret = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(digits, secret.as_mut()).ok()?;
    Some(hash_secret(&secret))
}

fn hash_secret(secret: &[u8; 32]) -> TokenHash {
    Sha256::digest(secret).into()
}

fn owner_of(info: TokenInfo) -> TokenOwner {
    TokenOwner {
        address: info.address,
        also: info.also,
        expires_at: info.expires_at,
        token_hash: info.token_hash,
    }
}

fn encode_record(info: &TokenInfo) -> Vec<u8> {
    let label = info.label.as_deref().unwrap_or_default();
    let mut record = Vec::with_capacity(RECORD_FIXED_LEN + 1 + 20 * info.also.len() + label.len());
    // One byte holds the count: MAX_TOKEN_ADDRESSES keeps it far below 256.
    let count = u8::try_from(info.also.len()).ok().filter(|n| *n > 0);
    record.push(match count {
        Some(_) => RECORD_VERSION_MANY,
        None => RECORD_VERSION_SINGLE,
    });
    record.extend_from_slice(info.address.as_slice());
    record.extend_from_slice(&info.issued_at.to_be_bytes());
    record.extend_from_slice(&info.expires_at.to_be_bytes());
    if let Some(count) = count {
        record.push(count);
        for address in &info.also {
            record.extend_from_slice(address.as_slice());
        }
    }
    record.extend_from_slice(label.as_bytes());
    record
}

fn decode_record(token_hash: TokenHash, record: &[u8]) -> Result<TokenInfo, TokenError> {
    let (fixed, tail) = record
        .split_at_checked(RECORD_FIXED_LEN)
        .ok_or(TokenError::CorruptRecord)?;
    let (version, rest) = fixed.split_first().ok_or(TokenError::CorruptRecord)?;
    let (also, label) = match *version {
        RECORD_VERSION_SINGLE => (Vec::new(), tail),
        RECORD_VERSION_MANY => {
            let (count, after) = tail.split_first().ok_or(TokenError::CorruptRecord)?;
            let (list, label) = after
                .split_at_checked(20 * usize::from(*count))
                .ok_or(TokenError::CorruptRecord)?;
            let also: Vec<Address> = list.chunks_exact(20).map(Address::from_slice).collect();
            if also.is_empty() {
                return Err(TokenError::CorruptRecord);
            }
            (also, label)
        }
        _ => return Err(TokenError::CorruptRecord),
    };
    let (address, times) = rest.split_at(20);
    let (issued_at, expires_at) = times.split_at(8);
    let be_u64 = |bytes: &[u8]| {
        <[u8; 8]>::try_from(bytes)
            .map(u64::from_be_bytes)
            .map_err(|_| TokenError::CorruptRecord)
    };
    let label = match label {
        [] => None,
        bytes => Some(String::from_utf8(bytes.to_vec()).map_err(|_| TokenError::CorruptRecord)?),
    };
    Ok(TokenInfo {
        token_hash,
        address: Address::from_slice(address),
        also,
        issued_at: be_u64(issued_at)?,
        expires_at: be_u64(expires_at)?,
        label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips() {
        let info = TokenInfo {
            token_hash: [7; 32],
            address: Address::repeat_byte(0xab),
            also: Vec::new(),
            issued_at: 1_700_000_000,
            expires_at: 1_700_086_400,
            label: Some("laptop".into()),
        };
        assert_eq!(
            decode_record([7; 32], &encode_record(&info)).expect("decodes"),
            info
        );
        let unlabelled = TokenInfo {
            label: None,
            ..info
        };
        assert_eq!(
            decode_record([7; 32], &encode_record(&unlabelled)).expect("decodes"),
            unlabelled
        );
        assert!(decode_record([7; 32], &[1, 2, 3]).is_err());
        let mut future = encode_record(&unlabelled);
        future[0] = 3;
        assert!(decode_record([7; 32], &future).is_err());
    }

    #[test]
    fn records_with_more_addresses_round_trip_and_single_ones_keep_layout_1() {
        let single = TokenInfo {
            token_hash: [9; 32],
            address: Address::repeat_byte(0x01),
            also: Vec::new(),
            issued_at: 10,
            expires_at: 20,
            label: Some("phone".into()),
        };
        let encoded = encode_record(&single);
        assert_eq!(encoded[0], RECORD_VERSION_SINGLE);
        // A record written before tokens could hold more addresses reads as before.
        let mut old = vec![1u8];
        old.extend_from_slice(Address::repeat_byte(0x01).as_slice());
        old.extend_from_slice(&10u64.to_be_bytes());
        old.extend_from_slice(&20u64.to_be_bytes());
        old.extend_from_slice(b"phone");
        assert_eq!(old, encoded);
        assert_eq!(decode_record([9; 32], &old).expect("decodes"), single);

        let many = TokenInfo {
            also: vec![Address::repeat_byte(0x02), Address::repeat_byte(0x03)],
            ..single.clone()
        };
        let encoded = encode_record(&many);
        assert_eq!(encoded[0], RECORD_VERSION_MANY);
        assert_eq!(decode_record([9; 32], &encoded).expect("decodes"), many);
        let unlabelled = TokenInfo {
            label: None,
            ..many.clone()
        };
        assert_eq!(
            decode_record([9; 32], &encode_record(&unlabelled)).expect("decodes"),
            unlabelled
        );
        // A count running past the end, or a layout-2 record listing nothing, is corrupt.
        let mut short = encode_record(&unlabelled);
        short.truncate(short.len() - 1);
        assert!(decode_record([9; 32], &short).is_err());
        let mut empty_list = encode_record(&single);
        empty_list[0] = RECORD_VERSION_MANY;
        empty_list.truncate(RECORD_FIXED_LEN);
        empty_list.push(0);
        assert!(decode_record([9; 32], &empty_list).is_err());
        assert!(many.holds(&Address::repeat_byte(0x03)) && !many.holds(&Address::ZERO));
    }

    #[test]
    fn token_text_is_parsed_strictly() {
        let good = format!("{TOKEN_PREFIX}{}", "ab".repeat(32));
        assert!(token_hash(&good).is_some());
        for bad in [
            String::new(),
            "ab".repeat(32),
            format!("clst-{}", "ab".repeat(32)),
            format!("{TOKEN_PREFIX}{}", "AB".repeat(32)),
            format!("{TOKEN_PREFIX}{}", "ab".repeat(31)),
            format!("{TOKEN_PREFIX}{}0", "ab".repeat(32)),
            format!("{TOKEN_PREFIX}{}zz", "ab".repeat(31)),
            format!("{good} "),
        ] {
            assert_eq!(token_hash(&bad), None, "{bad}");
        }
    }

    #[test]
    fn issued_token_debug_hides_the_secret() {
        let issued = IssuedToken {
            token: Zeroizing::new(format!("{TOKEN_PREFIX}{}", "cd".repeat(32))),
            token_hash: [1; 32],
            expires_at: 5,
        };
        let shown = format!("{issued:?}");
        assert!(!shown.contains("cdcd") && shown.contains("<secret>"));
    }
}

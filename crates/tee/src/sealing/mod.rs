//! The data key of encryption at rest, and how it is kept across restarts: sealed with the
//! SGX seal key inside an enclave ([`SgxSealer`]), or in a mode-0600 key file when simulating
//! ([`KeyFileSealer`]). File formats and the rollback threat: docs/tee.md.

mod files;
mod key_file;
mod sgx;

use std::fmt;
use std::path::Path;

use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

pub use key_file::{DATA_KEY_FILE, KeyFileSealer};
pub use sgx::{
    SEALED_DATA_KEY_FILE, SealKeyRequest, SealKeySource, SealPolicy, SecurityVersions, SgxSealer,
};

use crate::error::SealError;

/// The 32-byte key that encrypts the node's data at rest. Zeroed when dropped; its `Debug`
/// never shows the bytes.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// The key bytes, e.g. to build the storage cipher.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }

    /// A fresh key from the OS random source.
    pub(crate) fn random() -> Result<Self, SealError> {
        Ok(Self(random_bytes()?))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// Gives the node its data key for a data directory: the same key on every start.
pub trait Sealer: Send + Sync + fmt::Debug {
    /// Loads the data key kept in `dir`, creating (and persisting) one on first use.
    fn data_key(&self, dir: &Path) -> Result<DataKey, SealError>;
}

/// `N` bytes from the OS random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>, SealError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    OsRng
        .try_fill_bytes(bytes.as_mut())
        .map_err(SealError::Random)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let key = DataKey::from_bytes(Zeroizing::new([0xab; 32]));
        let shown = format!("{key:?}");
        assert!(!shown.contains("ab") && !shown.contains("171"), "{shown}");
    }

    #[test]
    fn random_keys_differ() {
        let a = DataKey::random().unwrap();
        let b = DataKey::random().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
    }
}

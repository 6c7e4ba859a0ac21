//! Opening the datadir's database: encrypted at rest with the data key from the sealing seam
//! (a 0600 key file outside an enclave, the SGX seal key inside), except a datadir that an
//! older version wrote in plaintext, which still opens (with a warning) so nothing is lost.

use crate::{NodeError, config::TeeMode};
use cloister_storage::{DB_FILE, StorageError, Store};
use cloister_tee::{DataKey, KeyFileSealer, SealPolicy, Sealer, SgxSealer};
use std::path::Path;

/// The sealer for `tee`.
fn sealer(tee: TeeMode) -> Result<Box<dyn Sealer>, NodeError> {
    match tee {
        TeeMode::Occlum => Ok(Box::new(
            SgxSealer::occlum(SealPolicy::MrSigner).map_err(|e| NodeError::Tee(e.to_string()))?,
        )),
        TeeMode::None | TeeMode::Simulated => Ok(Box::new(KeyFileSealer::new())),
    }
}

/// Opens (or creates) the store in `datadir`.
pub fn open_store(datadir: &Path, tee: TeeMode) -> Result<Store, NodeError> {
    open_store_with_key(datadir, tee).map(|(store, _)| store)
}

/// Opens (or creates) the store in `datadir`, with the data key it is encrypted under (`None`
/// for an old plaintext datadir), so the node's other files can use the same key.
pub fn open_store_with_key(
    datadir: &Path,
    tee: TeeMode,
) -> Result<(Store, Option<DataKey>), NodeError> {
    std::fs::create_dir_all(datadir).map_err(|e| NodeError::Storage(StorageError::Io(e)))?;
    if datadir.join(DB_FILE).exists() {
        match Store::open(datadir) {
            Ok(store) => {
                tracing::warn!(
                    target: "cloister::node",
                    datadir = %datadir.display(),
                    "this datadir was written without encryption at rest; it stays readable on disk"
                );
                return Ok((store, None));
            }
            Err(StorageError::Encrypted) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let key = sealer(tee)?
        .data_key(datadir)
        .map_err(|e| NodeError::Tee(e.to_string()))?;
    let store = Store::open_encrypted(datadir, key.as_bytes())?;
    Ok((store, Some(key)))
}

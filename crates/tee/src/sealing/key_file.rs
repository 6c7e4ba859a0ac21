//! The simulation sealer: the data key in plain form in `data.key`, mode 0600. It protects
//! against other local users, not against the host: use it only where no enclave is.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use zeroize::Zeroizing;

use super::files::{io_error, write_secret_file};
use super::{DataKey, Sealer};
use crate::error::SealError;

/// File name of the plain data key inside the data directory.
pub const DATA_KEY_FILE: &str = "data.key";
const KEY_LEN: u64 = 32;

/// Keeps the data key in `dir/data.key` (32 raw bytes, mode 0600).
#[derive(Clone, Debug, Default)]
pub struct KeyFileSealer;

impl KeyFileSealer {
    /// The sealer (it holds no state: everything is in the data directory).
    pub fn new() -> Self {
        Self
    }
}

impl Sealer for KeyFileSealer {
    fn data_key(&self, dir: &Path) -> Result<DataKey, SealError> {
        let path = dir.join(DATA_KEY_FILE);
        match File::open(&path) {
            Ok(file) => load(&path, file),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let key = DataKey::random()?;
                write_secret_file(&path, key.as_bytes())?;
                Ok(key)
            }
            Err(err) => Err(io_error(&path)(err)),
        }
    }
}

/// Reads the key, refusing a file others could have read (the key may have leaked) or of the
/// wrong size. Checks the opened file itself, so a swapped path cannot slip through.
fn load(path: &Path, mut file: File) -> Result<DataKey, SealError> {
    let metadata = file.metadata().map_err(io_error(path))?;
    if !metadata.is_file() {
        return Err(SealError::Malformed {
            path: path.to_owned(),
            what: "not a regular file",
        });
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SealError::InsecurePermissions {
            path: path.to_owned(),
            mode,
        });
    }
    if metadata.len() != KEY_LEN {
        return Err(SealError::WrongLength {
            path: path.to_owned(),
            found: metadata.len(),
            expected: KEY_LEN,
        });
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    file.read_exact(bytes.as_mut()).map_err(io_error(path))?;
    Ok(DataKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn creates_0600_key_then_reloads_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyFileSealer::new().data_key(dir.path()).unwrap();
        let path = dir.path().join(DATA_KEY_FILE);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read(&path).unwrap(), first.as_bytes());
        let second = KeyFileSealer::new().data_key(dir.path()).unwrap();
        assert_eq!(first.as_bytes(), second.as_bytes());
    }

    #[test]
    fn refuses_a_key_readable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        KeyFileSealer::new().data_key(dir.path()).unwrap();
        let path = dir.path().join(DATA_KEY_FILE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = KeyFileSealer::new().data_key(dir.path()).unwrap_err();
        assert!(
            matches!(err, SealError::InsecurePermissions { mode: 0o640, .. }),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_key_of_wrong_length() {
        let dir = tempfile::tempdir().unwrap();
        KeyFileSealer::new().data_key(dir.path()).unwrap();
        let path = dir.path().join(DATA_KEY_FILE);
        fs::write(&path, [0u8; 31]).unwrap();
        let err = KeyFileSealer::new().data_key(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                SealError::WrongLength {
                    found: 31,
                    expected: 32,
                    ..
                }
            ),
            "{err}"
        );
    }
}

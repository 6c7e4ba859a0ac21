//! The enclave sealer: a random data key wrapped (ChaCha20-Poly1305) under a key derived from
//! the SGX seal key, persisted in `data.key.sealed` with the key request's metadata so that
//! the same seal key can be derived again after a restart.
//!
//! File layout (integers little-endian), 140 bytes:
//! `magic (25) | version u8 | key_policy u16 | isv_svn u16 | config_svn u16 | cpu_svn (16) |
//!  key_id (32) | nonce (12) | ciphertext (32) + tag (16)`; the 80-byte header before the
//! nonce is the AEAD's associated data, so altered metadata fails to unseal.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::files::{io_error, write_secret_file};
use super::{DataKey, Sealer, random_bytes};
use crate::error::{AttestError, SealError};

/// File name of the sealed data key inside the data directory.
pub const SEALED_DATA_KEY_FILE: &str = "data.key.sealed";
const MAGIC: &[u8; 25] = b"CLOISTER-SEALED-DATA-KEY\0";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 25 + 1 + 2 + 2 + 2 + 16 + 32;
const NONCE_LEN: usize = 12;
const CIPHERTEXT_LEN: usize = 32 + 16;
const FILE_LEN: usize = HEADER_LEN + NONCE_LEN + CIPHERTEXT_LEN;
/// Domain tag of the wrapping-key derivation from the 128-bit seal key.
const WRAP_KEY_TAG: &[u8] = b"cloister-seal-wrap-v1\0";

/// What the SGX seal key is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealPolicy {
    /// This exact enclave build: a new build cannot unseal (data must be re-synced).
    MrEnclave,
    /// The enclave signer and product: upgrades signed by the same key keep the data.
    MrSigner,
}

impl SealPolicy {
    /// The SGX `KEYPOLICY` bit, as recorded in the sealed file.
    fn key_policy_bits(self) -> u16 {
        match self {
            SealPolicy::MrEnclave => 0x0001,
            SealPolicy::MrSigner => 0x0002,
        }
    }

    fn from_key_policy_bits(bits: u16) -> Option<Self> {
        match bits {
            0x0001 => Some(SealPolicy::MrEnclave),
            0x0002 => Some(SealPolicy::MrSigner),
            _ => None,
        }
    }

    /// Lowercase name, as in config.
    pub fn as_str(self) -> &'static str {
        match self {
            SealPolicy::MrEnclave => "mrenclave",
            SealPolicy::MrSigner => "mrsigner",
        }
    }
}

/// The platform and enclave security versions a seal key is derived at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityVersions {
    /// CPUSVN of the platform.
    pub cpu_svn: [u8; 16],
    /// ISVSVN of the enclave.
    pub isv_svn: u16,
    /// CONFIGSVN of the enclave.
    pub config_svn: u16,
}

/// Everything needed to derive the same seal key again: recorded in the sealed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealKeyRequest {
    /// Key policy.
    pub policy: SealPolicy,
    /// Versions at sealing time (EGETKEY derives keys for these or older versions).
    pub versions: SecurityVersions,
    /// Random key id, chosen when sealing.
    pub key_id: [u8; 32],
}

/// Where seal keys come from: EGETKEY in an enclave, or a fake in tests.
pub trait SealKeySource: Send + Sync + fmt::Debug {
    /// The versions the enclave runs at now.
    fn current_versions(&self) -> Result<SecurityVersions, SealError>;
    /// The 128-bit seal key for `request`.
    fn seal_key(&self, request: &SealKeyRequest) -> Result<Zeroizing<[u8; 16]>, SealError>;
}

/// Keeps the data key sealed to the enclave in `dir/data.key.sealed`.
#[derive(Debug)]
pub struct SgxSealer {
    source: Box<dyn SealKeySource>,
    policy: SealPolicy,
}

impl SgxSealer {
    /// A sealer deriving seal keys from `source` under `policy`.
    pub fn new(source: Box<dyn SealKeySource>, policy: SealPolicy) -> Self {
        Self { source, policy }
    }

    /// A sealer on Occlum's `/dev/sgx`; fails cleanly outside an enclave.
    pub fn occlum(policy: SealPolicy) -> Result<Self, AttestError> {
        Ok(Self::new(
            Box::new(crate::occlum::OcclumSealKeySource::open()?),
            policy,
        ))
    }

    fn seal_new(&self, path: &Path) -> Result<DataKey, SealError> {
        let data_key = DataKey::random()?;
        let request = SealKeyRequest {
            policy: self.policy,
            versions: self.source.current_versions()?,
            key_id: *random_bytes::<32>()?,
        };
        let header = encode_header(&request);
        let nonce = random_bytes::<NONCE_LEN>()?;
        let cipher = wrapping_cipher(&*self.source.seal_key(&request)?);
        let payload = Payload {
            msg: data_key.as_bytes(),
            aad: &header,
        };
        let ciphertext =
            cipher
                .encrypt(&Nonce::from(*nonce), payload)
                .map_err(|_| SealError::Malformed {
                    path: path.to_owned(),
                    what: "encryption failed",
                })?;
        let mut file = Vec::with_capacity(FILE_LEN);
        file.extend_from_slice(&header);
        file.extend_from_slice(&*nonce);
        file.extend_from_slice(&ciphertext);
        write_secret_file(path, &file)?;
        Ok(data_key)
    }

    fn unseal(&self, path: &Path, sealed: &[u8]) -> Result<DataKey, SealError> {
        let malformed = |what| SealError::Malformed {
            path: path.to_owned(),
            what,
        };
        if sealed.len() != FILE_LEN {
            return Err(malformed("wrong length"));
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (nonce, ciphertext) = rest
            .split_first_chunk::<NONCE_LEN>()
            .ok_or_else(|| malformed("wrong length"))?;
        let request = decode_header(header).map_err(malformed)?;
        if request.policy != self.policy {
            return Err(SealError::PolicyMismatch {
                path: path.to_owned(),
                found: request.policy.as_str(),
                configured: self.policy.as_str(),
            });
        }
        let cipher = wrapping_cipher(&*self.source.seal_key(&request)?);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &Nonce::from(*nonce),
                    Payload {
                        msg: ciphertext,
                        aad: header,
                    },
                )
                .map_err(|_| SealError::Unseal {
                    path: path.to_owned(),
                })?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| malformed("wrong key length"))?;
        Ok(DataKey::from_bytes(Zeroizing::new(bytes)))
    }
}

impl Sealer for SgxSealer {
    fn data_key(&self, dir: &Path) -> Result<DataKey, SealError> {
        let path = dir.join(SEALED_DATA_KEY_FILE);
        match File::open(&path) {
            Ok(mut file) => {
                // Read one byte more than expected so that an overlong file is detected.
                let mut sealed = Vec::with_capacity(FILE_LEN + 1);
                file.by_ref()
                    .take(FILE_LEN as u64 + 1)
                    .read_to_end(&mut sealed)
                    .map_err(io_error(&path))?;
                self.unseal(&path, &sealed)
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => self.seal_new(&path),
            Err(err) => Err(io_error(&path)(err)),
        }
    }
}

/// ChaCha20-Poly1305 under SHA-256(tag ‖ seal key): the seal key is 128 bits, the AEAD
/// wants 256, and the tag keeps this use of the seal key apart from any other.
fn wrapping_cipher(seal_key: &[u8; 16]) -> ChaCha20Poly1305 {
    let mut hasher = Sha256::new();
    hasher.update(WRAP_KEY_TAG);
    hasher.update(seal_key);
    let wrapping_key = Zeroizing::new(<[u8; 32]>::from(hasher.finalize()));
    ChaCha20Poly1305::new(&Key::from(*wrapping_key))
}

fn encode_header(request: &SealKeyRequest) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.push(FORMAT_VERSION);
    header.extend_from_slice(&request.policy.key_policy_bits().to_le_bytes());
    header.extend_from_slice(&request.versions.isv_svn.to_le_bytes());
    header.extend_from_slice(&request.versions.config_svn.to_le_bytes());
    header.extend_from_slice(&request.versions.cpu_svn);
    header.extend_from_slice(&request.key_id);
    header
}

fn decode_header(header: &[u8]) -> Result<SealKeyRequest, &'static str> {
    let body = header.strip_prefix(MAGIC.as_slice()).ok_or("bad magic")?;
    let (&version, body) = body.split_first().ok_or("truncated")?;
    if version != FORMAT_VERSION {
        return Err("unknown format version");
    }
    let (policy, body) = body.split_first_chunk::<2>().ok_or("truncated")?;
    let (isv_svn, body) = body.split_first_chunk::<2>().ok_or("truncated")?;
    let (config_svn, body) = body.split_first_chunk::<2>().ok_or("truncated")?;
    let (cpu_svn, body) = body.split_first_chunk::<16>().ok_or("truncated")?;
    let key_id: [u8; 32] = body.try_into().map_err(|_| "wrong header length")?;
    let policy = SealPolicy::from_key_policy_bits(u16::from_le_bytes(*policy))
        .ok_or("unknown key policy")?;
    Ok(SealKeyRequest {
        policy,
        versions: SecurityVersions {
            cpu_svn: *cpu_svn,
            isv_svn: u16::from_le_bytes(*isv_svn),
            config_svn: u16::from_le_bytes(*config_svn),
        },
        key_id,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// Derives a "seal key" from a platform secret and every request field, as EGETKEY does
    /// from the CPU's fuse key: another secret is another enclave or CPU.
    #[derive(Debug)]
    struct FakeSealKeySource {
        platform_secret: [u8; 32],
        versions: SecurityVersions,
    }

    impl FakeSealKeySource {
        fn boxed(platform_secret: u8) -> Box<dyn SealKeySource> {
            Box::new(Self {
                platform_secret: [platform_secret; 32],
                versions: SecurityVersions {
                    cpu_svn: [3; 16],
                    isv_svn: 2,
                    config_svn: 1,
                },
            })
        }
    }

    impl SealKeySource for FakeSealKeySource {
        fn current_versions(&self) -> Result<SecurityVersions, SealError> {
            Ok(self.versions)
        }

        fn seal_key(&self, request: &SealKeyRequest) -> Result<Zeroizing<[u8; 16]>, SealError> {
            let digest = Sha256::new()
                .chain_update(self.platform_secret)
                .chain_update(encode_header(request))
                .finalize();
            let mut key = Zeroizing::new([0u8; 16]);
            key.copy_from_slice(&digest[..16]);
            Ok(key)
        }
    }

    fn sealer(platform_secret: u8, policy: SealPolicy) -> SgxSealer {
        SgxSealer::new(FakeSealKeySource::boxed(platform_secret), policy)
    }

    #[test]
    fn seals_then_unseals_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = sealer(1, SealPolicy::MrSigner)
            .data_key(dir.path())
            .unwrap();
        let path = dir.path().join(SEALED_DATA_KEY_FILE);
        let sealed = fs::read(&path).unwrap();
        assert_eq!(sealed.len(), FILE_LEN);
        assert!(sealed.starts_with(MAGIC));
        assert!(!sealed.windows(32).any(|window| window == first.as_bytes()));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let header = decode_header(&sealed[..HEADER_LEN]).unwrap();
        assert_eq!(header.policy, SealPolicy::MrSigner);
        assert_eq!(header.versions.isv_svn, 2);
        let again = sealer(1, SealPolicy::MrSigner)
            .data_key(dir.path())
            .unwrap();
        assert_eq!(first.as_bytes(), again.as_bytes());
    }

    #[test]
    fn another_enclave_cannot_unseal() {
        let dir = tempfile::tempdir().unwrap();
        sealer(1, SealPolicy::MrEnclave)
            .data_key(dir.path())
            .unwrap();
        let err = sealer(2, SealPolicy::MrEnclave)
            .data_key(dir.path())
            .unwrap_err();
        assert!(matches!(err, SealError::Unseal { .. }), "{err}");
    }

    #[test]
    fn any_altered_byte_fails_to_unseal() {
        let dir = tempfile::tempdir().unwrap();
        sealer(1, SealPolicy::MrEnclave)
            .data_key(dir.path())
            .unwrap();
        let path = dir.path().join(SEALED_DATA_KEY_FILE);
        let original = fs::read(&path).unwrap();
        // A byte of the metadata (key id), of the nonce, and of the ciphertext.
        for index in [HEADER_LEN - 1, HEADER_LEN, FILE_LEN - 20, FILE_LEN - 1] {
            let mut altered = original.clone();
            altered[index] ^= 0x01;
            fs::write(&path, &altered).unwrap();
            let err = sealer(1, SealPolicy::MrEnclave)
                .data_key(dir.path())
                .unwrap_err();
            assert!(
                matches!(err, SealError::Unseal { .. }),
                "byte {index}: {err}"
            );
        }
        fs::write(&path, &original[..FILE_LEN - 1]).unwrap();
        let err = sealer(1, SealPolicy::MrEnclave)
            .data_key(dir.path())
            .unwrap_err();
        assert!(
            matches!(
                err,
                SealError::Malformed {
                    what: "wrong length",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn policy_change_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        sealer(1, SealPolicy::MrEnclave)
            .data_key(dir.path())
            .unwrap();
        let err = sealer(1, SealPolicy::MrSigner)
            .data_key(dir.path())
            .unwrap_err();
        assert!(
            matches!(
                err,
                SealError::PolicyMismatch {
                    found: "mrenclave",
                    configured: "mrsigner",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn occlum_sealer_fails_cleanly_without_sgx() {
        assert!(matches!(
            SgxSealer::occlum(SealPolicy::MrSigner),
            Err(AttestError::DeviceUnavailable { .. })
        ));
    }
}

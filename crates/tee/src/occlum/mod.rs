//! The Occlum backend: DCAP quotes, reports and seal keys from Occlum's `/dev/sgx`.
//!
//! Occlum's LibOS implements `/dev/sgx` inside the enclave: a quote request becomes an
//! EREPORT targeted at the quoting enclave plus an OCALL to the host's DCAP quote library.

mod abi;
mod ioctl;
mod retry;
mod seal_key;

use std::path::Path;

pub use seal_key::OcclumSealKeySource;

use crate::attester::{Attester, AttesterKind};
use crate::error::AttestError;
use ioctl::SgxDevice;

/// Where Occlum exposes its SGX device.
pub const SGX_DEVICE_PATH: &str = "/dev/sgx";
/// Largest quote size believed: a DCAP quote with its PCK chain is a few KiB.
const MAX_QUOTE_SIZE: u32 = 1 << 20;

/// Produces Intel DCAP quotes through Occlum's `/dev/sgx`.
#[derive(Debug)]
pub struct OcclumAttester {
    device: SgxDevice,
    quote_size: u32,
}

impl OcclumAttester {
    /// Opens [`SGX_DEVICE_PATH`] and asks it for the DCAP quote size, so that a node outside
    /// Occlum (or on a platform without DCAP) fails here, at startup, with a clear error.
    pub fn open() -> Result<Self, AttestError> {
        Self::open_at(Path::new(SGX_DEVICE_PATH))
    }

    /// As [`OcclumAttester::open`], with another device path (for tests).
    pub fn open_at(path: &Path) -> Result<Self, AttestError> {
        let device = SgxDevice::open(path)?;
        let quote_size = device.dcap_quote_size()?;
        if quote_size == 0 || quote_size > MAX_QUOTE_SIZE {
            return Err(AttestError::QuoteSize { size: quote_size });
        }
        Ok(Self { device, quote_size })
    }
}

impl Attester for OcclumAttester {
    fn kind(&self) -> AttesterKind {
        AttesterKind::Occlum
    }

    fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AttestError> {
        self.device.gen_dcap_quote(report_data, self.quote_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_fails_cleanly_without_sgx() {
        // This machine has no Occlum: /dev/sgx does not exist (or, on a host with the
        // out-of-tree driver, is a directory).
        let err = OcclumAttester::open().unwrap_err();
        assert!(
            matches!(err, AttestError::DeviceUnavailable { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("/dev/sgx"));
    }

    #[test]
    fn regular_file_is_not_a_device() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = OcclumAttester::open_at(file.path()).unwrap_err();
        assert!(
            matches!(err, AttestError::DeviceUnavailable { .. }),
            "{err}"
        );
    }

    #[test]
    fn other_character_device_refuses_the_ioctl() {
        // /dev/null is a character device that knows no SGX ioctl: ENOTTY, not a crash.
        let err = OcclumAttester::open_at(Path::new("/dev/null")).unwrap_err();
        assert!(
            matches!(
                err,
                AttestError::Ioctl {
                    request: "GET_DCAP_QUOTE_SIZE",
                    ..
                }
            ),
            "{err}"
        );
        let err = OcclumSealKeySource::open_at(Path::new("/dev/null"))
            .and_then(|source| source.self_report_svns())
            .unwrap_err();
        assert!(
            matches!(
                err,
                AttestError::Ioctl {
                    request: "CREATE_REPORT",
                    ..
                }
            ),
            "{err}"
        );
    }
}

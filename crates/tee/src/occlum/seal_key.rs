//! SGX seal keys through Occlum's `/dev/sgx`: the current security versions from the
//! enclave's own report, and EGETKEY for a recorded key request.

use std::path::Path;

use zeroize::Zeroizing;

use super::SGX_DEVICE_PATH;
use super::abi::{
    SGX_KEYPOLICY_MRENCLAVE, SGX_KEYPOLICY_MRSIGNER, SGX_KEYSELECT_SEAL, SgxAttributes,
    SgxKeyRequest, TSEAL_DEFAULT_FLAGSMASK, TSEAL_DEFAULT_MISCMASK,
};
use super::ioctl::SgxDevice;
use crate::error::{AttestError, SealError};
use crate::sealing::{SealKeyRequest, SealKeySource, SealPolicy, SecurityVersions};

/// Derives seal keys inside an Occlum enclave.
#[derive(Debug)]
pub struct OcclumSealKeySource {
    device: SgxDevice,
}

impl OcclumSealKeySource {
    /// Opens [`SGX_DEVICE_PATH`]; fails cleanly outside Occlum.
    pub fn open() -> Result<Self, AttestError> {
        Self::open_at(Path::new(SGX_DEVICE_PATH))
    }

    /// As [`OcclumSealKeySource::open`], with another device path (for tests).
    pub fn open_at(path: &Path) -> Result<Self, AttestError> {
        Ok(Self {
            device: SgxDevice::open(path)?,
        })
    }

    pub(crate) fn self_report_svns(&self) -> Result<SecurityVersions, AttestError> {
        let body = self.device.self_report()?.body;
        Ok(SecurityVersions {
            cpu_svn: body.cpu_svn,
            isv_svn: body.isv_svn,
            config_svn: body.config_svn,
        })
    }
}

impl SealKeySource for OcclumSealKeySource {
    fn current_versions(&self) -> Result<SecurityVersions, SealError> {
        Ok(self.self_report_svns()?)
    }

    fn seal_key(&self, request: &SealKeyRequest) -> Result<Zeroizing<[u8; 16]>, SealError> {
        let key_request = SgxKeyRequest {
            key_name: SGX_KEYSELECT_SEAL,
            key_policy: match request.policy {
                SealPolicy::MrEnclave => SGX_KEYPOLICY_MRENCLAVE,
                SealPolicy::MrSigner => SGX_KEYPOLICY_MRSIGNER,
            },
            isv_svn: request.versions.isv_svn,
            cpu_svn: request.versions.cpu_svn,
            config_svn: request.versions.config_svn,
            // The SDK's sealing defaults: bind DEBUG/INITTED and security MISCSELECT bits,
            // not XFRM (so a CPU feature change does not lose the key).
            attribute_mask: SgxAttributes {
                flags: TSEAL_DEFAULT_FLAGSMASK,
                xfrm: 0,
            },
            misc_mask: TSEAL_DEFAULT_MISCMASK,
            key_id: request.key_id,
            ..SgxKeyRequest::ZERO
        };
        Ok(self.device.get_key(&key_request)?)
    }
}

//! Proof-of-authority seal, in the manner of Clique: `extra_data` is up to 32 bytes of vanity
//! followed by a 65-byte secp256k1 signature over the header with the signature removed, so
//! any client can check from the header alone which validator produced a block.

use crate::ChainError;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{Address, B256, Bytes, Header, keccak256, primitives::Signature};

/// Length of the signature at the end of `extra_data`.
pub const SEAL_LEN: usize = 65;
/// Largest vanity prefix before the seal.
pub const MAX_VANITY: usize = 32;

/// The hash a validator signs: keccak of the RLP header whose `extra_data` is the vanity only.
pub fn seal_hash(header: &Header) -> B256 {
    let mut unsealed = header.clone();
    let keep = unsealed.extra_data.len().saturating_sub(SEAL_LEN);
    unsealed.extra_data = Bytes::copy_from_slice(&header.extra_data[..keep]);
    keccak256(alloy_rlp::encode(&unsealed))
}

/// Appends the validator's seal to a header whose `extra_data` holds only the vanity.
pub(crate) fn seal(header: &mut Header, key: &PrivateKeySigner) -> Result<(), ChainError> {
    if header.extra_data.len() > MAX_VANITY {
        return Err(ChainError::Seal(format!(
            "vanity longer than {MAX_VANITY} bytes"
        )));
    }
    let mut extra = header.extra_data.to_vec();
    extra.extend_from_slice(&[0u8; SEAL_LEN]);
    header.extra_data = extra.into();
    let signature = key
        .sign_hash_sync(&seal_hash(header))
        .map_err(|e| ChainError::Seal(e.to_string()))?;
    let mut extra = header.extra_data.to_vec();
    let at = extra.len() - SEAL_LEN;
    extra[at..].copy_from_slice(&signature.as_bytes());
    header.extra_data = extra.into();
    Ok(())
}

/// The validator that sealed `header`.
pub fn seal_signer(header: &Header) -> Result<Address, ChainError> {
    let extra = &header.extra_data;
    if extra.len() < SEAL_LEN {
        return Err(ChainError::Seal("extra data holds no seal".into()));
    }
    let signature = Signature::try_from(&extra[extra.len() - SEAL_LEN..])
        .map_err(|e| ChainError::Seal(e.to_string()))?;
    signature
        .recover_address_from_prehash(&seal_hash(header))
        .map_err(|e| ChainError::Seal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_recovers_the_validator_and_detects_tampering() {
        let key = PrivateKeySigner::random();
        let mut header = Header {
            number: 5,
            extra_data: Bytes::from_static(b"cloister"),
            ..Default::default()
        };
        seal(&mut header, &key).unwrap();
        assert_eq!(header.extra_data.len(), 8 + SEAL_LEN);
        assert_eq!(seal_signer(&header).unwrap(), key.address());
        header.gas_used += 1;
        assert_ne!(seal_signer(&header).unwrap(), key.address());
    }
}

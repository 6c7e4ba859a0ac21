//! The block seal: the producing validator's secp256k1 signature over the block hash. It is kept,
//! replicated and served beside the block, never inside the header, so `extraData` stays within
//! Ethereum's 32 bytes and every client reads Cloister blocks unchanged (a 65-byte signature in
//! `extraData`, as Clique does, makes web3.py refuse every block). The header's `beneficiary`
//! (`miner`) names the sealer, so anyone holding a header and its seal can check who produced it.

use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{Address, B256, Header, primitives::Signature};

/// Length of a seal: r, s and the recovery byte.
pub const SEAL_LEN: usize = 65;

/// Why a seal could not be made or does not hold.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The signer failed.
    #[error("signing the block hash failed: {0}")]
    Sign(#[from] alloy_signer::Error),
    /// The signature does not recover to any address.
    #[error("the seal does not recover a signer: {0}")]
    Recover(#[from] cloister_primitives::primitives::SignatureError),
    /// Not 65 bytes, or a bad recovery byte.
    #[error("a seal is {SEAL_LEN} bytes (r, s, v); got {len}")]
    Malformed {
        /// Bytes given.
        len: usize,
    },
    /// A block of a Cloister chain came without its seal.
    #[error("block has no seal")]
    Missing,
    /// The seal was made by someone other than the header's beneficiary.
    #[error("sealed by {signer}, but the header names {beneficiary} as its miner")]
    NotBeneficiary {
        /// Who signed.
        signer: Address,
        /// Who the header names.
        beneficiary: Address,
    },
    /// The sealer is not a validator of the chain at that height.
    #[error("sealed by {signer}, which is not a validator")]
    NotValidator {
        /// Who signed.
        signer: Address,
    },
    /// This node holds no validator key.
    #[error("this node is not a validator")]
    NoKey,
}

/// Signs the hash of a finished header (keccak256 of its RLP) with the validator's key.
pub fn seal_block(hash: B256, key: &PrivateKeySigner) -> Result<Signature, SealError> {
    Ok(key.sign_hash_sync(&hash)?)
}

/// The address that made `seal` over the block `hash`.
pub fn seal_signer(hash: B256, seal: &Signature) -> Result<Address, SealError> {
    Ok(seal.recover_address_from_prehash(&hash)?)
}

/// Checks that `seal` over `hash` was made by the header's beneficiary and that it is one of
/// `validators`; returns the sealer.
pub fn verify_seal(
    header: &Header,
    hash: B256,
    seal: &Signature,
    validators: &[Address],
) -> Result<Address, SealError> {
    let signer = seal_signer(hash, seal)?;
    if signer != header.beneficiary {
        return Err(SealError::NotBeneficiary {
            signer,
            beneficiary: header.beneficiary,
        });
    }
    if !validators.contains(&signer) {
        return Err(SealError::NotValidator { signer });
    }
    Ok(signer)
}

/// A seal from its 65 stored or transmitted bytes.
pub fn seal_from_bytes(bytes: &[u8]) -> Result<Signature, SealError> {
    if bytes.len() != SEAL_LEN {
        return Err(SealError::Malformed { len: bytes.len() });
    }
    Signature::try_from(bytes).map_err(|_| SealError::Malformed { len: bytes.len() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    fn header_of(key: &PrivateKeySigner) -> Header {
        Header {
            number: 5,
            beneficiary: key.address(),
            ..Default::default()
        }
    }

    #[test]
    fn seal_recovers_the_validator_and_round_trips_as_bytes() {
        let key = PrivateKeySigner::random();
        let header = header_of(&key);
        let hash = header.hash_slow();
        let seal = seal_block(hash, &key).unwrap();
        assert_eq!(seal_signer(hash, &seal).unwrap(), key.address());
        let again = seal_from_bytes(&seal.as_bytes()).unwrap();
        assert_eq!(
            verify_seal(&header, hash, &again, &[key.address()]).unwrap(),
            key.address()
        );
        assert!(header.extra_data.is_empty());
    }

    #[test]
    fn tampered_header_stranger_and_wrong_miner_are_refused() {
        let key = PrivateKeySigner::random();
        let header = header_of(&key);
        let hash = header.hash_slow();
        let seal = seal_block(hash, &key).unwrap();

        let mut tampered = header.clone();
        tampered.gas_used += 1;
        let err = verify_seal(&tampered, tampered.hash_slow(), &seal, &[key.address()]);
        assert!(
            matches!(err, Err(SealError::NotBeneficiary { .. })),
            "{err:?}"
        );

        let err = verify_seal(&header, hash, &seal, &[Address::repeat_byte(1)]);
        assert!(
            matches!(err, Err(SealError::NotValidator { .. })),
            "{err:?}"
        );

        let mut other_miner = header.clone();
        other_miner.beneficiary = Address::repeat_byte(9);
        let hash = other_miner.hash_slow();
        let seal = seal_block(hash, &key).unwrap();
        let err = verify_seal(&other_miner, hash, &seal, &[key.address()]);
        assert!(
            matches!(err, Err(SealError::NotBeneficiary { .. })),
            "{err:?}"
        );

        assert!(matches!(
            seal_from_bytes(&[0u8; 64]),
            Err(SealError::Malformed { len: 64 })
        ));
    }
}

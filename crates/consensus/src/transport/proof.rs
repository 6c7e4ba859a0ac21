//! The node key's proof on a connection: a secp256k1 signature over both TLS certificates and
//! the signer's role. Binding both certificates stops a proof from being replayed on another
//! connection or relayed by a man in the middle (who would present a different certificate);
//! the role byte stops a listener from echoing the dialler's proof back.

use super::error::RefusalReason;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use cloister_primitives::{Address, B256, Bytes, keccak256, primitives::Signature};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain tag of the proof, so the signature means nothing anywhere else.
pub const PROOF_DOMAIN: &[u8] = b"cloister-peer-v1";

/// Which end of the connection signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The side that dialled (TLS client).
    Dialler,
    /// The side that accepted (TLS server).
    Listener,
}

impl Role {
    fn byte(self) -> u8 {
        match self {
            Self::Dialler => 0x01,
            Self::Listener => 0x02,
        }
    }
}

/// A key proof: who the sender claims to be, and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The sender's node key address.
    pub address: Address,
    /// 65-byte signature (r ‖ s ‖ v) over [`proof_hash`].
    pub signature: Bytes,
}

/// The digest a proof signs: keccak256(domain ‖ sha256(client cert) ‖ sha256(server cert) ‖
/// role).
pub fn proof_hash(client_cert_der: &[u8], server_cert_der: &[u8], role: Role) -> B256 {
    let mut preimage = Vec::with_capacity(PROOF_DOMAIN.len() + 65);
    preimage.extend_from_slice(PROOF_DOMAIN);
    preimage.extend_from_slice(&Sha256::digest(client_cert_der));
    preimage.extend_from_slice(&Sha256::digest(server_cert_der));
    preimage.push(role.byte());
    keccak256(preimage)
}

impl Hello {
    /// `key`'s proof for the connection between these certificates.
    pub fn sign(
        key: &PrivateKeySigner,
        client_cert_der: &[u8],
        server_cert_der: &[u8],
        role: Role,
    ) -> Result<Self, alloy_signer::Error> {
        let signature = key.sign_hash_sync(&proof_hash(client_cert_der, server_cert_der, role))?;
        Ok(Self {
            address: key.address(),
            signature: Bytes::from(signature.as_bytes().to_vec()),
        })
    }

    /// The address that signed this proof for these certificates, required to be the one
    /// claimed.
    pub fn verify(
        &self,
        client_cert_der: &[u8],
        server_cert_der: &[u8],
        role: Role,
    ) -> Result<Address, RefusalReason> {
        let signature = Signature::from_raw(&self.signature)
            .map_err(|e| RefusalReason::BadProof(format!("malformed signature: {e}")))?;
        let recovered = signature
            .recover_address_from_prehash(&proof_hash(client_cert_der, server_cert_der, role))
            .map_err(|e| RefusalReason::BadProof(format!("unrecoverable signature: {e}")))?;
        if recovered != self.address {
            return Err(RefusalReason::BadProof(format!(
                "signed by {recovered}, claims {}",
                self.address
            )));
        }
        Ok(recovered)
    }
}

//! Verifies a signed EIP-4361 message: bound to our domain, chain id and time window, signed
//! (EIP-191 `personal_sign`) by the address it names, with a nonce we issued and nobody used.

use crate::{
    message::{MessageFormatError, SiweMessage},
    nonce::{NonceError, NonceStore},
    time::parse_rfc3339,
};
use cloister_primitives::primitives::Signature;

/// Clock difference tolerated between the wallet's machine and ours, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// Longest message accepted; real ones are a few hundred bytes.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// What a message must be bound to.
#[derive(Debug, Clone, Copy)]
pub struct SignInRules<'a> {
    /// `host[:port]` exactly as the browser sees this node.
    pub domain: &'a str,
    /// Our chain id.
    pub chain_id: u64,
}

/// Why a sign-in was refused. Messages are fixed: nothing from the request is echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SiweError {
    /// The text is not a well-formed EIP-4361 message.
    #[error(transparent)]
    Format(#[from] MessageFormatError),
    /// The message is longer than [`MAX_MESSAGE_LEN`].
    #[error("sign-in message too long")]
    TooLong,
    /// The message is for another site.
    #[error("message domain does not match this node")]
    DomainMismatch,
    /// The message is for another chain.
    #[error("message chain id does not match this chain")]
    ChainIdMismatch,
    /// The version is not `1`.
    #[error("unsupported message version")]
    UnsupportedVersion,
    /// A timestamp is not RFC 3339.
    #[error("message timestamp is not RFC 3339")]
    BadTimestamp,
    /// `Issued At` is later than now (beyond the clock skew).
    #[error("message issued in the future")]
    IssuedInFuture,
    /// `Expiration Time` has passed.
    #[error("message expired")]
    Expired,
    /// `Not Before` has not come yet.
    #[error("message not yet valid")]
    NotYetValid,
    /// The signature is not 65 bytes of hex.
    #[error("signature is not 65 hex-encoded bytes")]
    MalformedSignature,
    /// The signature recovers to no key.
    #[error("signature does not recover")]
    InvalidSignature,
    /// The signature is valid but made by another account.
    #[error("signer is not the message address")]
    SignerMismatch,
    /// The nonce was never issued here, has expired or was already used.
    #[error("nonce unknown, expired or already used")]
    UnknownNonce,
    /// The memory of used nonces is full (an unusual burst of sign-ins): try again later.
    #[error("too many sign-ins; try again later")]
    TooManySignIns,
}

/// Checks `text` signed with `signature_hex` against `rules` at `now` (Unix seconds), and
/// consumes its nonce. The nonce is taken last, so a bad request cannot burn someone's nonce.
pub fn verify_sign_in(
    text: &str,
    signature_hex: &str,
    rules: SignInRules<'_>,
    nonces: &NonceStore,
    now: u64,
) -> Result<SiweMessage, SiweError> {
    if text.len() > MAX_MESSAGE_LEN {
        return Err(SiweError::TooLong);
    }
    let message = SiweMessage::parse(text)?;
    if message.domain != rules.domain {
        return Err(SiweError::DomainMismatch);
    }
    if message.chain_id != rules.chain_id {
        return Err(SiweError::ChainIdMismatch);
    }
    if message.version != "1" {
        return Err(SiweError::UnsupportedVersion);
    }
    check_time_window(&message, now)?;
    let signature = parse_signature(signature_hex)?;
    let signer = signature
        .recover_address_from_msg(text.as_bytes())
        .map_err(|_| SiweError::InvalidSignature)?;
    if signer != message.address {
        return Err(SiweError::SignerMismatch);
    }
    nonces
        .take_at(&message.nonce, now)
        .map_err(|refused| match refused {
            NonceError::Unknown => SiweError::UnknownNonce,
            NonceError::Full => SiweError::TooManySignIns,
        })?;
    Ok(message)
}

fn check_time_window(message: &SiweMessage, now: u64) -> Result<(), SiweError> {
    let instant = |text: &str| parse_rfc3339(text).ok_or(SiweError::BadTimestamp);
    if instant(&message.issued_at)? > now + CLOCK_SKEW_SECS {
        return Err(SiweError::IssuedInFuture);
    }
    if let Some(expiration) = &message.expiration_time
        && instant(expiration)? <= now
    {
        return Err(SiweError::Expired);
    }
    if let Some(not_before) = &message.not_before
        && instant(not_before)? > now + CLOCK_SKEW_SECS
    {
        return Err(SiweError::NotYetValid);
    }
    Ok(())
}

/// 65 bytes `r ‖ s ‖ v` as hex, `0x` optional, `v` in {0, 1, 27, 28}.
fn parse_signature(signature_hex: &str) -> Result<Signature, SiweError> {
    let digits = signature_hex.strip_prefix("0x").unwrap_or(signature_hex);
    let mut raw = [0u8; 65];
    hex::decode_to_slice(digits, &mut raw).map_err(|_| SiweError::MalformedSignature)?;
    if !matches!(raw[64], 0 | 1 | 27 | 28) {
        return Err(SiweError::MalformedSignature);
    }
    Signature::from_raw_array(&raw).map_err(|_| SiweError::MalformedSignature)
}

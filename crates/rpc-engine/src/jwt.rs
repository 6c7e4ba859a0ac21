//! The engine API's JWT (HS256 with a shared 32-byte secret, `iat` within ±60 s of now), as the
//! execution-apis authentication spec defines it: checking a bearer token, and making one (for
//! tests and the hive replayer).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use cloister_primitives::hex;
use hmac::{Hmac, Mac, digest::KeyInit};
use sha2::Sha256;
use std::path::Path;

/// How far `iat` may be from the node's clock, either way.
pub const IAT_LEEWAY_SECS: u64 = 60;

/// Why a secret or a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The secret is not 32 bytes of hex.
    #[error("JWT secret must be 32 bytes of hex (64 hex digits, 0x optional)")]
    BadSecret,
    /// The secret file cannot be read.
    #[error("cannot read JWT secret file {path}: {reason}")]
    SecretFile {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    MissingToken,
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than HS256.
    #[error("unsupported algorithm (only HS256)")]
    Algorithm,
    /// The signature does not match the secret.
    #[error("bad signature")]
    Signature,
    /// The claims hold no `iat`.
    #[error("missing iat claim")]
    MissingIat,
    /// `iat` is too far from now.
    #[error("stale token: iat {iat} is more than {IAT_LEEWAY_SECS}s from now ({now})")]
    Stale {
        /// The token's issue time.
        iat: u64,
        /// The node's clock.
        now: u64,
    },
}

/// The shared secret of the engine API.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret([u8; 32]);

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("JwtSecret(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl JwtSecret {
    /// The secret from its hex text (surrounding whitespace and `0x` allowed).
    pub fn from_hex(text: &str) -> Result<Self, JwtError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
        let bytes = hex::decode(digits).map_err(|_| JwtError::BadSecret)?;
        let secret: [u8; 32] = bytes.try_into().map_err(|_| JwtError::BadSecret)?;
        Ok(Self(secret))
    }

    /// The secret held in `path`.
    pub fn from_file(path: &Path) -> Result<Self, JwtError> {
        let text = std::fs::read_to_string(path).map_err(|err| JwtError::SecretFile {
            path: path.display().to_string(),
            reason: err.to_string(),
        })?;
        Self::from_hex(&text)
    }

    /// A token issued at `iat` (seconds since the epoch).
    pub fn token(&self, iat: u64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"iat":{iat}}}"#));
        let signing_input = format!("{header}.{claims}");
        let signature = URL_SAFE_NO_PAD.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }

    /// Checks a token's algorithm, signature and freshness against `now`.
    pub fn validate(&self, token: &str, now: u64) -> Result<(), JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header: serde_json::Value = decode_json(header)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(JwtError::Algorithm);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Malformed)?;
        let signing_input = &token[..header_and_claims_len(token)];
        let mut mac = self.hmac();
        mac.update(signing_input.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature)
            .map_err(|_| JwtError::Signature)?;
        let claims: serde_json::Value = decode_json(claims)?;
        let iat = claims
            .get("iat")
            .and_then(|v| v.as_u64())
            .ok_or(JwtError::MissingIat)?;
        if iat.abs_diff(now) > IAT_LEEWAY_SECS {
            return Err(JwtError::Stale { iat, now });
        }
        Ok(())
    }

    fn hmac(&self) -> HmacSha256 {
        // HMAC zero-pads keys shorter than SHA-256's 64-byte block, so padding here is the same
        // key, and the fixed-size constructor cannot fail.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        <HmacSha256 as KeyInit>::new(&block.into())
    }

    fn mac(&self, input: &[u8]) -> Vec<u8> {
        let mut mac = self.hmac();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }
}

/// Length of `header.claims` in a token already known to hold two dots.
fn header_and_claims_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_json(part: &str) -> Result<serde_json::Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIVE_SECRET: &str = "0x7365637265747365637265747365637265747365637265747365637265747365";

    #[test]
    fn parses_hex_with_and_without_prefix() {
        let with = JwtSecret::from_hex(HIVE_SECRET).unwrap();
        let without = JwtSecret::from_hex(&format!("{}\n", &HIVE_SECRET[2..])).unwrap();
        assert_eq!(with, without);
        assert_eq!(JwtSecret::from_hex("0x1234"), Err(JwtError::BadSecret));
        assert_eq!(JwtSecret::from_hex("zz"), Err(JwtError::BadSecret));
    }

    #[test]
    fn accepts_fresh_token_and_refuses_stale_or_forged() {
        let secret = JwtSecret::from_hex(HIVE_SECRET).unwrap();
        let token = secret.token(1_000);
        assert_eq!(secret.validate(&token, 1_000), Ok(()));
        assert_eq!(secret.validate(&token, 1_060), Ok(()));
        assert_eq!(secret.validate(&token, 940), Ok(()));
        assert_eq!(
            secret.validate(&token, 1_061),
            Err(JwtError::Stale {
                iat: 1_000,
                now: 1_061
            })
        );
        let other = JwtSecret::from_hex(&format!("0x{}", "11".repeat(32))).unwrap();
        assert_eq!(other.validate(&token, 1_000), Err(JwtError::Signature));
        assert_eq!(secret.validate("a.b", 1_000), Err(JwtError::Malformed));
    }

    #[test]
    fn refuses_other_algorithms() {
        let secret = JwtSecret::from_hex(HIVE_SECRET).unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"iat":1000}"#);
        let token = format!("{header}.{claims}.");
        assert_eq!(secret.validate(&token, 1_000), Err(JwtError::Algorithm));
    }

    #[test]
    fn matches_a_token_made_by_another_implementation() {
        // HS256 over {"alg":"HS256","typ":"JWT"}.{"iat":1700000000} with the hive secret,
        // computed independently (python hmac) so that our encoding is checked, not echoed.
        let secret = JwtSecret::from_hex(HIVE_SECRET).unwrap();
        let token = secret.token(1_700_000_000);
        assert_eq!(token, EXTERNAL_TOKEN);
    }

    const EXTERNAL_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDB9.M2nY84VaM-AUfRGDPC_vdyUsN1rvFs8UaGBU76h2vK4";
}

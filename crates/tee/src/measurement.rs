//! Fixed-size measurement digests (MRENCLAVE, MRSIGNER, MRTD, ...) with hex text form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A measurement of `N` bytes, written as lowercase hex (an optional `0x` prefix is accepted).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest<const N: usize>(pub [u8; N]);

/// A 32-byte SGX measurement: MRENCLAVE or MRSIGNER.
pub type Mr256 = Digest<32>;
/// A 48-byte TDX measurement: MRTD, RTMRn, MRSEAM.
pub type Mr384 = Digest<48>;

/// Why a hex measurement did not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseDigestError {
    /// The text is not hexadecimal.
    #[error("measurement is not hex: {0}")]
    NotHex(#[from] hex::FromHexError),
    /// The text decodes to the wrong number of bytes.
    #[error("measurement has {found} bytes, expected {expected}")]
    WrongLength {
        /// Bytes decoded.
        found: usize,
        /// Bytes required.
        expected: usize,
    },
}

impl<const N: usize> Digest<N> {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> From<[u8; N]> for Digest<N> {
    fn from(bytes: [u8; N]) -> Self {
        Self(bytes)
    }
}

impl<const N: usize> FromStr for Digest<N> {
    type Err = ParseDigestError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let bytes = hex::decode(digits)?;
        let found = bytes.len();
        let array: [u8; N] = bytes
            .try_into()
            .map_err(|_| ParseDigestError::WrongLength { found, expected: N })?;
        Ok(Self(array))
    }
}

impl<const N: usize> fmt::Display for Digest<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl<const N: usize> fmt::Debug for Digest<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl<const N: usize> Serialize for Digest<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de, const N: usize> Deserialize<'de> for Digest<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_with_and_without_prefix() {
        let text = "11".repeat(32);
        let plain: Mr256 = text.parse().unwrap();
        let prefixed: Mr256 = format!("0x{text}").parse().unwrap();
        assert_eq!(plain, prefixed);
        assert_eq!(plain.to_string(), text);
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(serde_json::from_str::<Mr256>(&json).unwrap(), plain);
    }

    #[test]
    fn wrong_length_is_refused() {
        let err = "11".repeat(31).parse::<Mr256>().unwrap_err();
        assert_eq!(
            err,
            ParseDigestError::WrongLength {
                found: 31,
                expected: 32
            }
        );
        assert!("zz".parse::<Mr384>().is_err());
    }
}

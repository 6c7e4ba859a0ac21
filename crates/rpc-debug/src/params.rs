//! Parameter types stricter than alloy's, where geth is: a hash must carry its `0x` prefix
//! (alloy also accepts bare hex, geth answers -32602).

use cloister_primitives::B256;
use serde::{Deserialize, Deserializer, de::Error as _};

/// A 32-byte hash written as `0x` followed by 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixedHash(pub B256);

impl<'de> Deserialize<'de> for PrefixedHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .ok_or_else(|| D::Error::custom("hex string without 0x prefix"))?;
        if digits.len() != 64 {
            return Err(D::Error::custom(format!(
                "hex string has length {}, want 64 for common.Hash",
                digits.len()
            )));
        }
        digits
            .parse::<B256>()
            .map(Self)
            .map_err(|_| D::Error::custom("invalid hex string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_the_prefix_and_the_length() {
        let hash = format!("0x{}", "ab".repeat(32));
        let parsed: PrefixedHash = serde_json::from_str(&format!("\"{hash}\"")).unwrap();
        assert_eq!(parsed.0, hash.parse::<B256>().unwrap());
        let bare = format!("\"{}\"", "ab".repeat(32));
        let err = serde_json::from_str::<PrefixedHash>(&bare).unwrap_err();
        assert!(err.to_string().contains("without 0x prefix"), "{err}");
        assert!(serde_json::from_str::<PrefixedHash>("\"0xabcd\"").is_err());
        assert!(
            serde_json::from_str::<PrefixedHash>(&format!("\"0x{}\"", "zz".repeat(32))).is_err()
        );
    }
}

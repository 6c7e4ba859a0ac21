//! Serde helpers writing fixed-size byte arrays as lowercase hex strings (an optional `0x`
//! prefix is accepted when reading), so that JSON reports stay readable.

use serde::{Deserialize, Deserializer, Serializer};

/// Serializes `bytes` as a hex string.
pub(crate) fn serialize<S: Serializer, const N: usize>(
    bytes: &[u8; N],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

/// Reads a hex string of exactly `N` bytes.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    let text = String::deserialize(deserializer)?;
    let digits = text.strip_prefix("0x").unwrap_or(&text);
    let bytes = hex::decode(digits).map_err(serde::de::Error::custom)?;
    let found = bytes.len();
    bytes.try_into().map_err(|_| {
        serde::de::Error::custom(format_args!("expected {N} bytes of hex, found {found}"))
    })
}

//! Store keys for node paths: one byte per nibble, so keys are unambiguous and sort in trie
//! order (a node's key is a prefix of its descendants' keys), and the storage crate never
//! needs to know about nibbles.

use crate::TrieError;
use alloy_trie::Nibbles;

/// Longest path a node of a 32-byte-key trie can have.
const MAX_PATH_NIBBLES: usize = 64;

/// The store key of the node at `path` (empty for the root).
pub fn encode_path(path: &Nibbles) -> Vec<u8> {
    path.to_vec()
}

/// The path whose store key is `bytes`; rejects bytes above 0x0f and paths over 64 nibbles.
pub fn decode_path(bytes: &[u8]) -> Result<Nibbles, TrieError> {
    if bytes.len() > MAX_PATH_NIBBLES || bytes.iter().any(|nibble| *nibble > 0x0f) {
        return Err(TrieError::InvalidPath);
    }
    Ok(Nibbles::from_nibbles_unchecked(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_at_every_length() {
        for len in 0..=64usize {
            let nibbles: Vec<u8> = (0..len).map(|i| ((i * 7 + len) % 16) as u8).collect();
            let path = Nibbles::from_nibbles(&nibbles);
            let key = encode_path(&path);
            assert_eq!(key, nibbles);
            assert_eq!(decode_path(&key).unwrap(), path);
        }
    }

    #[test]
    fn keys_sort_in_trie_order() {
        let parent = encode_path(&Nibbles::from_nibbles([1]));
        let child = encode_path(&Nibbles::from_nibbles([1, 0]));
        let sibling = encode_path(&Nibbles::from_nibbles([2]));
        assert!(parent < child && child < sibling);
        assert!(encode_path(&Nibbles::new()).is_empty());
    }

    #[test]
    fn invalid_keys_are_rejected() {
        assert!(matches!(decode_path(&[0x10]), Err(TrieError::InvalidPath)));
        assert!(matches!(decode_path(&[0; 65]), Err(TrieError::InvalidPath)));
    }
}

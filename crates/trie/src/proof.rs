//! Merkle proofs for `eth_getProof`: the nodes on the path to a key, as Ethereum clients return
//! them.

use crate::{
    StoredNode, TrieError, TrieNodeReader,
    reader::{KEY_NIBBLES, load_child, load_node},
};
use alloy_trie::Nibbles;
use cloister_primitives::{B256, Bytes};

/// Merkle proof for `key`: the RLP of every node on its path, root first. Nodes shorter than
/// 32 bytes (other than the root) are left out because they are embedded in their parent.
/// Works for absent keys (proof of exclusion); an empty trie gives an empty proof.
pub fn proof<R: TrieNodeReader>(reader: &R, key: B256) -> Result<Vec<Bytes>, TrieError> {
    let target = Nibbles::unpack_array(&key.0);
    let mut path = Nibbles::new();
    let mut nodes = Vec::new();
    let Some(mut node) = load_node(reader, &path)? else {
        return Ok(nodes);
    };
    loop {
        let encoded = node.encode();
        if path.is_empty() || encoded.len() >= 32 {
            nodes.push(Bytes::from(encoded));
        }
        let depth = path.len();
        match &node {
            StoredNode::Leaf { .. } => break,
            StoredNode::Extension { key, .. } => {
                // Stored nodes were checked to end within the 64-nibble key.
                if depth + key.len() > KEY_NIBBLES || target.slice(depth..depth + key.len()) != *key
                {
                    break;
                }
                path = path.join(key);
            }
            StoredNode::Branch { children } => {
                let nibble = target.get_unchecked(depth);
                if children[usize::from(nibble)].is_none() {
                    break;
                }
                path.push_unchecked(nibble);
            }
        }
        node = load_child(reader, &path)?;
    }
    Ok(nodes)
}

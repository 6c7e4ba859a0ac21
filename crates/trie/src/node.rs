//! The stored form of a trie node. It is the node's own Ethereum RLP, so a stored node is also
//! its proof element, and a branch keeps each child's reference (hash or inline RLP): enough to
//! re-hash a parent without loading children that did not change.

use crate::TrieError;
use alloy_rlp::{BufMut, Decodable, EMPTY_STRING_CODE, Encodable, Header};
use alloy_trie::{
    Nibbles,
    nodes::{ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode},
};
use cloister_primitives::{B256, keccak256};

/// Children of a branch, indexed by nibble.
pub type BranchChildren = [Option<RlpNode>; 16];

/// A trie node as held in the store, keyed by its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredNode {
    /// The end of one key: `key` is what remains of it below this node's path.
    Leaf {
        /// Remaining key nibbles.
        key: Nibbles,
        /// The leaf value (RLP of an account or of a storage slot).
        value: Vec<u8>,
    },
    /// A run of nibbles shared by every key below; the child sits at `path + key`.
    Extension {
        /// Shared nibbles (never empty).
        key: Nibbles,
        /// The child's reference: its hash, or its RLP when shorter than 32 bytes.
        child: RlpNode,
    },
    /// A fork on the next nibble; the child for nibble `n` sits at `path + n`.
    Branch {
        /// Each child's reference by nibble (boxed: it is large). Branch values are never
        /// used: secure-trie keys all have the same length.
        children: Box<BranchChildren>,
    },
}

impl StoredNode {
    /// A branch with no children, to be filled in.
    pub fn empty_branch_children() -> Box<BranchChildren> {
        Box::new(std::array::from_fn(|_| None))
    }

    /// The node's Ethereum RLP encoding (also its stored form).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_length_hint());
        self.encode_into(&mut out);
        out
    }

    /// Appends the node's Ethereum RLP encoding to `out`.
    pub fn encode_into(&self, out: &mut dyn BufMut) {
        match self {
            Self::Leaf { key, value } => LeafNodeRef::new(key, value).encode(out),
            Self::Extension { key, child } => ExtensionNodeRef::new(key, child).encode(out),
            Self::Branch { children } => {
                // Each present child is already RLP; an absent one and the unused value are 0x80.
                let payload_length = 1 + children
                    .iter()
                    .map(|child| child.as_ref().map_or(1, |rlp| rlp.len()))
                    .sum::<usize>();
                Header {
                    list: true,
                    payload_length,
                }
                .encode(out);
                for child in children.iter() {
                    match child {
                        Some(rlp) => out.put_slice(rlp),
                        None => out.put_u8(EMPTY_STRING_CODE),
                    }
                }
                out.put_u8(EMPTY_STRING_CODE);
            }
        }
    }

    /// Parses a stored node; rejects trailing bytes, branch values and the empty-trie marker.
    pub fn decode(bytes: &[u8]) -> Result<Self, TrieError> {
        let mut rest = bytes;
        let node = TrieNode::decode(&mut rest)?;
        if !rest.is_empty() {
            return Err(alloy_rlp::Error::UnexpectedLength.into());
        }
        match node {
            TrieNode::Leaf(leaf) => Ok(Self::Leaf {
                key: leaf.key,
                value: leaf.value,
            }),
            TrieNode::Extension(extension) => Ok(Self::Extension {
                key: extension.key,
                child: extension.child,
            }),
            TrieNode::Branch(branch) => {
                let mut children = Self::empty_branch_children();
                let mut stack = branch.stack.into_iter();
                for (nibble, slot) in children.iter_mut().enumerate() {
                    if branch.state_mask.is_bit_set(nibble as u8) {
                        *slot = stack.next();
                    }
                }
                Ok(Self::Branch { children })
            }
            TrieNode::EmptyRoot => Err(alloy_rlp::Error::Custom("empty trie is not a node").into()),
        }
    }

    /// How the parent refers to this node: its RLP if shorter than 32 bytes, else its hash.
    pub fn rlp_node(&self) -> RlpNode {
        RlpNode::from_rlp(&self.encode())
    }

    /// Keccak of the node's RLP: the trie root when this node is the root.
    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }

    fn encoded_length_hint(&self) -> usize {
        match self {
            Self::Leaf { value, .. } => value.len() + 40,
            Self::Extension { .. } => 72,
            Self::Branch { .. } => 532,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cloister_primitives::hex;

    #[test]
    fn leaf_and_extension_use_hex_prefix_keys() {
        // Vectors from alloy-trie's own node tests: "do" + "verb" as a leaf and as an extension.
        let key = Nibbles::from_nibbles([0x6, 0x4, 0x6, 0xf]);
        let leaf = StoredNode::Leaf {
            key,
            value: b"verb".to_vec(),
        };
        assert_eq!(leaf.encode(), hex!("c98320646f8476657262"));
        let child = RlpNode::from_raw(&hex!("8476657262")).unwrap();
        let extension = StoredNode::Extension { key, child };
        assert_eq!(extension.encode(), hex!("c98300646f8476657262"));
        let odd = StoredNode::Leaf {
            key: Nibbles::from_nibbles([0xf, 0x1]),
            value: vec![1],
        };
        assert_eq!(odd.encode(), hex!("c48220f101"));
        let odd = StoredNode::Leaf {
            key: Nibbles::from_nibbles([0x1]),
            value: vec![1],
        };
        assert_eq!(odd.encode(), hex!("c23101"));
    }

    #[test]
    fn branch_encodes_seventeen_items() {
        let mut children = StoredNode::empty_branch_children();
        children[3] = Some(RlpNode::word_rlp(&B256::repeat_byte(0xab)));
        children[15] = Some(RlpNode::from_raw(&hex!("c23101")).unwrap());
        let branch = StoredNode::Branch { children };
        let encoded = branch.encode();
        let mut expected = vec![0xc0 + 14 + 33 + 3 + 1];
        expected.extend([0x80; 3]);
        expected.push(0xa0);
        expected.extend([0xab; 32]);
        expected.extend([0x80; 11]);
        expected.extend(hex!("c23101"));
        expected.push(0x80);
        assert_eq!(encoded, expected);
        assert_eq!(StoredNode::decode(&encoded).unwrap(), branch);
        assert!(branch.rlp_node().is_hash());
    }

    #[test]
    fn decode_round_trips_and_rejects_garbage() {
        let leaf = StoredNode::Leaf {
            key: Nibbles::from_nibbles([1, 2, 3]),
            value: vec![7; 40],
        };
        assert_eq!(StoredNode::decode(&leaf.encode()).unwrap(), leaf);
        let mut trailing = leaf.encode();
        trailing.push(0);
        assert!(StoredNode::decode(&trailing).is_err());
        assert!(StoredNode::decode(&[0x80]).is_err());
        assert!(StoredNode::decode(&[]).is_err());
    }

    #[test]
    fn small_nodes_are_inlined_and_large_ones_hashed() {
        let small = StoredNode::Leaf {
            key: Nibbles::from_nibbles([1]),
            value: vec![1; 28],
        };
        assert_eq!(small.encode().len(), 31);
        assert_eq!(small.rlp_node().as_slice(), small.encode().as_slice());
        let large = StoredNode::Leaf {
            key: Nibbles::from_nibbles([1]),
            value: vec![1; 29],
        };
        assert_eq!(large.encode().len(), 32);
        assert_eq!(large.rlp_node().as_hash(), Some(keccak256(large.encode())));
    }
}

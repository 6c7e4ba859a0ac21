//! Blocks from outside (a chain file, a peer's log entry, a snapshot) decoded strictly: one
//! block, nothing after it, in its canonical encoding. alloy-eips 2.5's `network_decode` skips
//! its length check on a typed transaction's string header (it tests the type byte instead of
//! the header byte), so a block body whose header lies about a transaction's length decodes
//! to the same block; re-encoding and comparing refuses it, as geth does.

use alloy_consensus::Block;
use alloy_rlp::{Decodable, Encodable};

use crate::TxEnvelope;

/// Decodes `rlp`, which must be exactly one block in canonical RLP.
pub fn decode_block(rlp: &[u8]) -> Result<Block<TxEnvelope>, alloy_rlp::Error> {
    let mut input = rlp;
    let block = Block::<TxEnvelope>::decode(&mut input)?;
    if !input.is_empty() {
        return Err(alloy_rlp::Error::Custom("trailing bytes after the block"));
    }
    let mut canonical = Vec::with_capacity(rlp.len());
    block.encode(&mut canonical);
    if canonical != rlp {
        return Err(alloy_rlp::Error::Custom("block is not in canonical RLP"));
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{BlockBody, Header, Signed, TxLegacy};
    use alloy_primitives::Signature;

    fn typed_block() -> Vec<u8> {
        let tx = alloy_consensus::TxEip2930 {
            chain_id: 1,
            gas_limit: 21_000,
            ..Default::default()
        };
        let legacy = TxLegacy::default();
        let sig = Signature::test_signature();
        let block = Block {
            header: Header::default(),
            body: BlockBody {
                transactions: vec![
                    TxEnvelope::from(Signed::new_unhashed(tx, sig)),
                    TxEnvelope::from(Signed::new_unhashed(legacy, sig)),
                ],
                ommers: Vec::new(),
                withdrawals: None,
            },
        };
        alloy_rlp::encode(&block)
    }

    #[test]
    fn canonical_block_decodes() {
        assert!(decode_block(&typed_block()).is_ok());
    }

    #[test]
    fn refuses_a_typed_transaction_whose_string_header_lies_about_its_length() {
        let rlp = typed_block();
        // The typed transaction's string header is the first 0xb8/0xb9 after the header list;
        // claim more bytes than the transaction has (found by the block_import fuzz target).
        let at = rlp
            .iter()
            .enumerate()
            .skip(4)
            .find(|(i, b)| **b == 0xb8 && rlp.get(i + 2) == Some(&0x01))
            .map(|(i, _)| i + 1)
            .expect("a typed transaction");
        let mut lying = rlp.clone();
        lying[at] += 2;
        assert!(
            Block::<TxEnvelope>::decode(&mut lying.as_slice()).is_ok(),
            "alloy accepts it"
        );
        assert!(decode_block(&lying).is_err());
        assert!(decode_block(&[rlp.as_slice(), &[0x80]].concat()).is_err());
    }
}

//! A sealed block as a log entry: the RLP block (what any Ethereum tool can decode) and the
//! 65-byte seal beside it.

use crate::{ClusterRequest, ConsensusError};
use alloy_consensus::{Block, BlockBody};
use cloister_chain::{SealedBlock, seal_from_bytes};
use cloister_primitives::{Bytes, TxEnvelope, primitives::Signature};

/// The log entry for a block this node built and sealed.
pub fn block_entry(block: &SealedBlock) -> Result<ClusterRequest, ConsensusError> {
    let seal = block
        .seal
        .ok_or_else(|| ConsensusError::decode("block entry", "block has no seal"))?;
    let rlp_block = Block {
        header: block.header.clone(),
        body: BlockBody {
            transactions: block
                .transactions
                .iter()
                .map(|tx| tx.inner().clone())
                .collect::<Vec<TxEnvelope>>(),
            ommers: block.ommers.clone(),
            withdrawals: block.withdrawals.clone().map(Into::into),
        },
    };
    Ok(ClusterRequest::Block {
        rlp: Bytes::from(alloy_rlp::encode(&rlp_block)),
        seal: Bytes::copy_from_slice(&seal.as_bytes()),
    })
}

/// The block and seal of an entry.
pub fn decode_block_entry(
    request: &ClusterRequest,
) -> Result<(Block<TxEnvelope>, Signature), ConsensusError> {
    let ClusterRequest::Block { rlp, seal } = request;
    let block = cloister_primitives::decode_block(rlp)
        .map_err(|e| ConsensusError::decode("block entry", e))?;
    let seal = seal_from_bytes(seal).map_err(|e| ConsensusError::decode("block seal", e))?;
    Ok((block, seal))
}

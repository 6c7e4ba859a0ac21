//! Stored data to the RPC shapes of the execution-apis spec (alloy's RPC types serialise them
//! with the exact field names and hex formats).

use alloy_consensus::Transaction as _;
use alloy_rpc_types_eth::{
    Block, BlockTransactions, Header as RpcHeader, Log, Transaction, TransactionInfo,
    TransactionReceipt,
};
use cloister_primitives::{B256, Bytes, Header, ReceiptEnvelope, RecoveredTx, primitives::TxKind};
use cloister_storage::{StorageError, StoreReader, StoredReceipt, TxLocation};

/// An RPC transaction included at `index` of the block `header`/`hash`.
pub fn rpc_transaction(tx: RecoveredTx, header: &Header, hash: B256, index: u64) -> Transaction {
    Transaction::from_transaction(
        tx,
        TransactionInfo {
            hash: None,
            index: Some(index),
            block_hash: Some(hash),
            block_number: Some(header.number),
            base_fee: header.base_fee_per_gas,
            block_timestamp: Some(header.timestamp),
        },
    )
}

/// An RPC receipt for the transaction at `at`.
pub fn rpc_receipt(
    tx: &RecoveredTx,
    stored: StoredReceipt,
    header: &Header,
    hash: B256,
    at: TxLocation,
) -> TransactionReceipt {
    rpc_receipt_with_blob_fee(tx, stored, header, hash, at, None)
}

/// An RPC receipt for the transaction at `at`; a blob transaction's receipt carries its blob
/// gas and `blob_fee`, the blob base fee of its block.
pub fn rpc_receipt_with_blob_fee(
    tx: &RecoveredTx,
    stored: StoredReceipt,
    header: &Header,
    hash: B256,
    at: TxLocation,
    blob_fee: Option<u128>,
) -> TransactionReceipt {
    let tx_hash = *tx.inner().tx_hash();
    let index = u64::from(at.index);
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let effective_gas_price =
        tx.effective_tip_per_gas(base_fee).unwrap_or_default() + u128::from(base_fee);
    let from = tx.signer();
    let contract_address = matches!(tx.kind(), TxKind::Create).then(|| from.create(tx.nonce()));
    let first_log = stored.first_log_index;
    let mut next_log = first_log;
    let inner: ReceiptEnvelope<Log> = stored.receipt.map_logs(|log| {
        let rpc = Log {
            inner: log,
            block_hash: Some(hash),
            block_number: Some(header.number),
            block_timestamp: Some(header.timestamp),
            transaction_hash: Some(tx_hash),
            transaction_index: Some(index),
            log_index: Some(next_log),
            removed: false,
        };
        next_log += 1;
        rpc
    });
    TransactionReceipt {
        inner,
        transaction_hash: tx_hash,
        transaction_index: Some(index),
        block_hash: Some(hash),
        block_number: Some(header.number),
        gas_used: stored.gas_used,
        effective_gas_price,
        blob_gas_used: tx.blob_gas_used(),
        blob_gas_price: tx.blob_gas_used().and(blob_fee),
        from,
        to: tx.to(),
        contract_address,
    }
}

/// A block as served by `eth_getBlockBy*`: the execution-apis block object, plus, on a Cloister
/// chain, `sealSignature`: the sealing validator's 65-byte signature over the block hash (the
/// header's `miner` is that validator). Clients ignore the extra field; `extraData` stays
/// within 32 bytes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServedBlock {
    /// The block object.
    #[serde(flatten)]
    pub block: Block,
    /// The seal (absent on plain Ethereum chains and for genesis).
    #[serde(rename = "sealSignature", skip_serializing_if = "Option::is_none")]
    pub seal_signature: Option<Bytes>,
}

impl ServedBlock {
    /// `block` with the seal stored beside block `number`.
    pub fn with_seal(
        reader: &StoreReader,
        number: u64,
        block: Block,
    ) -> Result<Self, StorageError> {
        let seal_signature = reader
            .block_seal(number)?
            .map(|seal| Bytes::copy_from_slice(&seal.as_bytes()));
        Ok(Self {
            block,
            seal_signature,
        })
    }
}

/// An RPC block; `full` includes transaction objects, otherwise only their hashes.
pub fn rpc_block(
    reader: &StoreReader,
    number: u64,
    full: bool,
) -> Result<Option<Block>, StorageError> {
    let Some(header) = reader.header(number)? else {
        return Ok(None);
    };
    let Some(hash) = reader.canonical_hash(number)? else {
        return Ok(None);
    };
    let txs = reader.transactions(number)?;
    let (ommers, withdrawals) = reader.body_extras(number)?;
    let size = block_size(&header, &txs, &ommers, withdrawals.as_deref());
    let uncles = ommers.iter().map(|o| o.hash_slow()).collect();
    let transactions = if full {
        BlockTransactions::Full(
            txs.into_iter()
                .enumerate()
                .map(|(i, tx)| rpc_transaction(tx, &header, hash, i as u64))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(txs.iter().map(|tx| *tx.inner().tx_hash()).collect())
    };
    let header = RpcHeader {
        hash,
        inner: header,
        total_difficulty: None,
        size: Some(cloister_primitives::U256::from(size)),
    };
    Ok(Some(Block {
        header,
        uncles,
        transactions,
        withdrawals: withdrawals.map(Into::into),
    }))
}

fn block_size(
    header: &Header,
    txs: &[RecoveredTx],
    ommers: &[Header],
    withdrawals: Option<&[alloy_eips::eip4895::Withdrawal]>,
) -> usize {
    let block = alloy_consensus::Block {
        header: header.clone(),
        body: alloy_consensus::BlockBody {
            transactions: txs.iter().map(|tx| tx.inner().clone()).collect::<Vec<_>>(),
            ommers: ommers.to_vec(),
            withdrawals: withdrawals.map(|w| w.to_vec().into()),
        },
    };
    alloy_rlp::Encodable::length(&block)
}

/// An uncle as geth shows it: its header as a block with no transactions and no uncles.
pub fn rpc_uncle(header: Header) -> Block {
    let size = block_size(&header, &[], &[], None);
    let hash = header.hash_slow();
    Block {
        header: RpcHeader {
            hash,
            inner: header,
            total_difficulty: None,
            size: Some(cloister_primitives::U256::from(size)),
        },
        uncles: Vec::new(),
        transactions: BlockTransactions::Hashes(Vec::new()),
        withdrawals: None,
    }
}

//! The chain itself: the head, block building, and committing a block in one storage
//! transaction. One writer at a time (the commit lock); readers use snapshots and never wait.

use crate::{ChainError, StateChanges, assemble, consortium, genesis, seal};
use alloy_signer_local::PrivateKeySigner;
use cloister_chainspec::ChainSpec;
use cloister_evm::{BlockInput, ExecutedBlock, SkippedTx, StateDb, TxSource};
use cloister_governance::Consortium;
use cloister_primitives::{
    Address, B256, Bytes, Header, ReceiptEnvelope, RecoveredTx, primitives::Signature,
};
use cloister_storage::{BlockRecord, StorageError, Store, StoreReader, StoreWriter, StoredReceipt};
use parking_lot::{Mutex, RwLock};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// The newest committed block and a snapshot of the state after it.
#[derive(Debug)]
pub struct ChainHead {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// State and history as of this block.
    pub reader: Arc<StoreReader>,
}

/// A block that is built and sealed but not yet committed.
#[derive(Debug)]
pub struct SealedBlock {
    /// The sealed header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Included transactions.
    pub transactions: Vec<RecoveredTx>,
    /// Their receipts.
    pub receipts: Vec<StoredReceipt>,
    /// State rows to write.
    pub state: StateChanges,
    /// Candidates that were left out, and why.
    pub skipped: Vec<SkippedTx>,
    /// Uncle headers (imported pre-merge blocks only).
    pub ommers: Vec<Header>,
    /// Withdrawals (from Shanghai; `None` before).
    pub withdrawals: Option<Vec<alloy_eips::eip4895::Withdrawal>>,
    /// The validator's signature over `hash` (Cloister chains; `None` on plain chains).
    pub seal: Option<Signature>,
}

/// A committed block, as published to subscribers.
#[derive(Debug)]
pub struct CommittedBlock {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its transactions.
    pub transactions: Vec<RecoveredTx>,
    /// Their receipts.
    pub receipts: Vec<StoredReceipt>,
    /// The validator's signature over `hash` (Cloister chains).
    pub seal: Option<Signature>,
}

/// How many committed blocks a slow subscriber may fall behind before it misses some.
const BLOCK_CHANNEL_CAPACITY: usize = 1024;

/// The chain of one node.
pub struct Chain {
    spec: Arc<ChainSpec>,
    store: Store,
    head: RwLock<Arc<ChainHead>>,
    validator: Option<PrivateKeySigner>,
    commit_lock: Mutex<()>,
    blocks: broadcast::Sender<Arc<CommittedBlock>>,
    /// The consortium configuration in force for the block after the head.
    consortium: watch::Sender<Arc<Consortium>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("head", &self.head.read().header.number)
            .finish_non_exhaustive()
    }
}

impl Chain {
    /// Writes the genesis of `spec` into an empty store, or checks the store already holds it.
    pub fn init(store: &Store, spec: &ChainSpec, genesis_json: &str) -> Result<B256, ChainError> {
        genesis::init_genesis(store, spec, genesis_json)
    }

    /// Opens the chain held by `store`. `validator` seals produced blocks.
    pub fn open(
        store: Store,
        spec: Arc<ChainSpec>,
        validator: Option<PrivateKeySigner>,
    ) -> Result<Self, ChainError> {
        let reader = store.reader()?;
        let stored = reader.genesis_hash()?.ok_or(ChainError::NotInitialised)?;
        let expected = spec.genesis_hash();
        if stored != expected {
            return Err(ChainError::GenesisMismatch { stored, expected });
        }
        let head = load_head(reader)?;
        let (blocks, _) = broadcast::channel(BLOCK_CHANNEL_CAPACITY);
        let in_force = consortium::read(&spec, &head)?;
        if head.header.number == 0 {
            consortium::check_genesis(&spec, &in_force)?;
        }
        let (consortium, _) = watch::channel(Arc::new(in_force));
        Ok(Self {
            spec,
            store,
            head: RwLock::new(Arc::new(head)),
            validator,
            commit_lock: Mutex::new(()),
            blocks,
            consortium,
        })
    }

    /// The chain spec.
    pub fn spec(&self) -> &Arc<ChainSpec> {
        &self.spec
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The newest committed block with its state snapshot.
    pub fn head(&self) -> Arc<ChainHead> {
        self.head.read().clone()
    }

    /// Address that seals blocks produced here, if this node is a validator.
    pub fn validator(&self) -> Option<Address> {
        self.validator.as_ref().map(|k| k.address())
    }

    /// Addresses whose seals the next block may carry (empty on a plain Ethereum chain).
    pub fn validators(&self) -> Vec<Address> {
        self.consortium.borrow().validators.clone()
    }

    /// The consortium configuration in force for the block after the head.
    pub fn consortium(&self) -> Arc<Consortium> {
        self.consortium.borrow().clone()
    }

    /// The configuration in force, told of every change (after the block that made it).
    pub fn watch_consortium(&self) -> watch::Receiver<Arc<Consortium>> {
        self.consortium.subscribe()
    }

    /// Whether this node may seal the next block: it has a validator key that the
    /// configuration in force lists.
    pub fn may_seal(&self) -> bool {
        self.validator
            .as_ref()
            .is_some_and(|key| self.consortium.borrow().is_validator(&key.address()))
    }

    /// Committed blocks, as they commit.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommittedBlock>> {
        self.blocks.subscribe()
    }

    /// Builds and seals the child of the current head from `source`. Does not commit.
    pub fn build_block(
        &self,
        source: &mut dyn TxSource,
        timestamp: u64,
        max_txs: usize,
    ) -> Result<SealedBlock, ChainError> {
        let key = self.validator.as_ref().ok_or(seal::SealError::NoKey)?;
        if self.spec.cloister().is_some() && !self.may_seal() {
            return Err(seal::SealError::NotValidator {
                signer: key.address(),
            }
            .into());
        }
        let head = self.head();
        let timestamp = timestamp.max(head.header.timestamp);
        let mut header = assemble::next_header(
            &self.spec,
            &head.header,
            head.hash,
            timestamp,
            key.address(),
            Bytes::new(),
        );
        let withdrawals: Option<Vec<_>> = header.withdrawals_root.map(|_| Vec::new());
        let input = BlockInput {
            header: &header,
            ommers: &[],
            withdrawals: withdrawals.as_deref(),
        };
        let db = StateDb::new(head.reader.clone());
        let (executed, skipped) =
            cloister_evm::build_block(&self.spec, db, input, source, max_txs)?;
        let (state, receipts) = self.state_and_receipts(&head.reader, &executed)?;
        assemble::finish_header(&mut header, &executed, state.state_root);
        let hash = header.hash_slow();
        let seal = seal::seal_block(hash, key)?;
        Ok(SealedBlock {
            header,
            hash,
            transactions: executed.transactions,
            receipts,
            state,
            skipped,
            ommers: Vec::new(),
            withdrawals,
            seal: Some(seal),
        })
    }

    /// Commits a sealed block in one durable transaction, makes it the head and publishes it.
    pub fn commit_block(&self, block: SealedBlock) -> Result<Arc<CommittedBlock>, ChainError> {
        self.commit_block_with(block, |_| Ok(()))
    }

    /// [`Chain::commit_block`], with `extra` written in the same durable transaction (consensus
    /// records which log entry the block came from, so both survive a crash together).
    pub fn commit_block_with(
        &self,
        block: SealedBlock,
        extra: impl FnOnce(&mut StoreWriter) -> Result<(), StorageError>,
    ) -> Result<Arc<CommittedBlock>, ChainError> {
        let _writer = self.commit_lock.lock();
        let head = self.head();
        if block.header.number != head.header.number + 1 || block.header.parent_hash != head.hash {
            return Err(ChainError::NotOnHead {
                number: block.header.number,
                head: head.header.number,
            });
        }
        let mut writer = self.store.writer()?;
        block.state.write(&mut writer, block.header.number)?;
        let record = BlockRecord {
            withdrawals: block.withdrawals,
            header: block.header,
            hash: block.hash,
            transactions: block.transactions,
            receipts: block.receipts,
            ommers: block.ommers,
            seal: block.seal,
        };
        writer.put_block(&record)?;
        extra(&mut writer)?;
        writer.commit()?;

        let reader = Arc::new(self.store.reader()?);
        let head = Arc::new(ChainHead {
            header: record.header.clone(),
            hash: record.hash,
            reader,
        });
        *self.head.write() = head.clone();
        if consortium::touched(&record.receipts) {
            self.reload_consortium(&head);
        }
        let committed = Arc::new(CommittedBlock {
            header: record.header,
            hash: record.hash,
            transactions: record.transactions,
            receipts: record.receipts,
            seal: record.seal,
        });
        // No subscriber is not an error.
        let _ = self.blocks.send(committed.clone());
        Ok(committed)
    }

    /// Writes named values durably without a block (under the commit lock, so never between a
    /// block's rows and its commit).
    pub fn write_meta(&self, values: &[(&str, &[u8])]) -> Result<(), ChainError> {
        let _writer = self.commit_lock.lock();
        let mut writer = self.store.writer()?;
        for (name, value) in values {
            writer.put_meta(name, value)?;
        }
        writer.commit()?;
        Ok(())
    }

    /// Reads the configuration after `head` and puts it in force. A configuration that cannot
    /// be read leaves the one in force (the contract refuses what would not parse, so this is
    /// a node fault, logged loudly, not a chain fault).
    fn reload_consortium(&self, head: &ChainHead) {
        match consortium::read(&self.spec, head) {
            Ok(next) => {
                let changed = **self.consortium.borrow() != next;
                if changed {
                    tracing::info!(
                        target: "cloister::governance",
                        block = head.header.number,
                        config_version = next.config_version,
                        validators = next.validators.len(),
                        members = next.members.len(),
                        policy_version = next.policy_version,
                        "consortium configuration changed"
                    );
                    self.consortium.send_replace(Arc::new(next));
                }
            }
            Err(err) => tracing::error!(
                target: "cloister::governance",
                block = head.header.number,
                %err,
                "reading the governance configuration failed; the previous one stays in force"
            ),
        }
    }

    fn state_and_receipts(
        &self,
        reader: &StoreReader,
        executed: &ExecutedBlock,
    ) -> Result<(StateChanges, Vec<StoredReceipt>), ChainError> {
        let state = StateChanges::from_executed(reader, executed)?;
        Ok((state, stored_receipts(&executed.receipts)))
    }
}

/// Receipts with each transaction's own gas and the block index of its first log.
pub(crate) fn stored_receipts(receipts: &[ReceiptEnvelope]) -> Vec<StoredReceipt> {
    let mut previous_cumulative = 0;
    let mut next_log = 0u64;
    receipts
        .iter()
        .map(|receipt| {
            let cumulative = receipt.cumulative_gas_used();
            let stored = StoredReceipt {
                receipt: receipt.clone(),
                gas_used: cumulative - previous_cumulative,
                first_log_index: next_log,
            };
            previous_cumulative = cumulative;
            next_log += receipt.logs().len() as u64;
            stored
        })
        .collect()
}

fn load_head(reader: StoreReader) -> Result<ChainHead, ChainError> {
    let number = reader.head_number()?.ok_or(ChainError::NotInitialised)?;
    let header = reader.header(number)?.ok_or(ChainError::NotInitialised)?;
    let hash = reader
        .canonical_hash(number)?
        .ok_or(ChainError::NotInitialised)?;
    Ok(ChainHead {
        header,
        hash,
        reader: Arc::new(reader),
    })
}

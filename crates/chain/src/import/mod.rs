//! Importing a block made elsewhere (a chain file, later a peer): header rules against the head,
//! body roots, uncles, sender recovery, strict execution, then every commitment of the header
//! checked before the block is committed. A refused block leaves the chain as it was.

mod body;
mod difficulty;
mod error;
mod header;
mod ommers;
mod post;

pub use error::{BlockError, ImportError, OmmerError};

use crate::{
    AccountChange, Chain, CommittedBlock, SealError, SealedBlock, StateChanges,
    chain::stored_receipts, verify_seal,
};
use alloy_consensus::Block;
use cloister_chainspec::EthereumHardforks;
use cloister_evm::{
    BlockInput, BundleState, ExecutionError, StateDb, execute_block, execute_block_pre_byzantium,
};
use cloister_primitives::{B256, RecoveredTx, TxEnvelope, primitives::Signature, recover_parallel};
use cloister_storage::{StorageError, StoreReader, StoreWriter};
use std::sync::Arc;

impl Chain {
    /// Validates, executes and commits `block` as the child of the head.
    ///
    /// The parent must be the head: side chains and reorgs are refused ([`ImportError::NotOnHead`]).
    /// A Cloister chain's block needs its `seal`, made by the header's beneficiary, a validator;
    /// a plain Ethereum chain's blocks have none (a given seal is ignored).
    pub fn import_block(
        &self,
        block: Block<TxEnvelope>,
        seal: Option<Signature>,
    ) -> Result<Arc<CommittedBlock>, ImportError> {
        self.import_block_with(block, seal, |_| Ok(()))
    }

    /// [`Chain::import_block`], with `extra` written in the block's commit (see
    /// [`Chain::commit_block_with`]).
    pub fn import_block_with(
        &self,
        block: Block<TxEnvelope>,
        seal: Option<Signature>,
        extra: impl FnOnce(&mut StoreWriter) -> Result<(), StorageError>,
    ) -> Result<Arc<CommittedBlock>, ImportError> {
        let hash = block.header.hash_slow();
        let number = block.header.number;
        let invalid = |reason| ImportError::Invalid {
            number,
            hash,
            reason: Box::new(reason),
        };
        let failed = |source| ImportError::Chain {
            number,
            hash,
            source: Box::new(source),
        };
        let head = self.head();
        if block.header.parent_hash != head.hash {
            return Err(ImportError::NotOnHead {
                number,
                hash,
                parent: block.header.parent_hash,
                head_number: head.header.number,
                head_hash: head.hash,
            });
        }
        let spec = self.spec();
        let seal = match (spec.cloister(), seal) {
            // The validators in force after the parent (the head): a validator removed by a
            // vote in block N seals nothing from N+1 on.
            (Some(_), Some(seal)) => {
                verify_seal(&block.header, hash, &seal, &self.validators())
                    .map_err(|e| invalid(BlockError::Seal(e)))?;
                Some(seal)
            }
            (Some(_), None) => return Err(invalid(BlockError::Seal(SealError::Missing))),
            (None, _) => None,
        };
        header::check_header(spec, &block.header, &head.header).map_err(invalid)?;
        body::check_body(spec, &block).map_err(invalid)?;
        ommers::check_ommers(spec, &head.reader, &block.header, hash, &block.body.ommers)
            .map_err(failed)?
            .map_err(invalid)?;

        let Block { header, body } = block;
        let transactions = recover_senders(body.transactions).map_err(invalid)?;
        let withdrawals = body.withdrawals.map(|w| w.into_inner());
        let input = BlockInput {
            header: &header,
            ommers: &body.ommers,
            withdrawals: withdrawals.as_deref(),
        };
        let db = StateDb::new(head.reader.clone());
        let executed = if spec.is_byzantium_active_at_block(number) {
            execute_block(spec, db, input, transactions)
        } else {
            let reader = head.reader.clone();
            let mut root_of = |bundle: &BundleState| intermediate_root(&reader, bundle);
            execute_block_pre_byzantium(spec, db, input, transactions, &mut root_of)
        };
        let executed = match executed {
            Ok(executed) => executed,
            Err(ExecutionError::State(reason)) => {
                return Err(failed(ExecutionError::State(reason).into()));
            }
            Err(err) => return Err(invalid(BlockError::Execution(err))),
        };
        post::check_outcome(&header, &executed).map_err(invalid)?;

        let codes = executed
            .bundle
            .contracts
            .iter()
            .map(|(code_hash, code)| (*code_hash, code.original_bytes()))
            .collect();
        let changes = AccountChange::from_bundle(&executed.bundle);
        let state = StateChanges::compute(&head.reader, changes, codes).map_err(failed)?;
        body::root("state root", header.state_root, state.state_root).map_err(invalid)?;

        let sealed = SealedBlock {
            receipts: stored_receipts(&executed.receipts),
            header,
            hash,
            transactions: executed.transactions,
            state,
            skipped: Vec::new(),
            ommers: body.ommers,
            withdrawals,
            seal,
        };
        self.commit_block_with(sealed, extra).map_err(failed)
    }
}

/// Recovers every sender in parallel; the first bad signature refuses the block.
fn recover_senders(transactions: Vec<TxEnvelope>) -> Result<Vec<RecoveredTx>, BlockError> {
    recover_parallel(transactions)
        .into_iter()
        .enumerate()
        .map(|(index, recovered)| recovered.map_err(|source| BlockError::Sender { index, source }))
        .collect()
}

/// The state root after the changes so far (pre-Byzantium receipts carry it).
fn intermediate_root(reader: &StoreReader, bundle: &BundleState) -> Result<B256, ExecutionError> {
    StateChanges::compute(reader, AccountChange::from_bundle(bundle), Vec::new())
        .map(|state| state.state_root)
        .map_err(|err| ExecutionError::State(err.to_string()))
}

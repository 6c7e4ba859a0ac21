//! Re-execution of a mined block on the state its transactions originally saw: the parent's
//! state, then the block's pre-execution system calls (EIP-2935 history, EIP-4788 beacon root),
//! then each transaction committed in order. Transaction `i` is traced on exactly the state
//! after transactions `0..i`.

use crate::DebugError;
use alloy_evm::{Evm, EvmEnv, FromRecoveredTx, block::SystemCaller};
use cloister_evm::{CloisterEvmFactory, State, StateDb, evm_env};
use cloister_primitives::{B256, Header, RecoveredTx};
use cloister_rpc::RpcContext;
use cloister_rpc_call::Deadline;
use revm::{
    DatabaseCommit,
    context::{TxEnv, result::ResultAndState},
    database::WrapDatabaseRef,
};
use revm_inspectors::tracing::{DebugInspector, TransactionContext};

/// The in-memory state a replay or a call accumulates on top of stored state.
pub(crate) type ReplayState = State<WrapDatabaseRef<StateDb>>;

/// A cache over `db` for one replay or call.
pub(crate) fn replay_state(db: StateDb) -> ReplayState {
    State::builder().with_database_ref(db).build()
}

/// A mined block, replayed transaction by transaction.
pub(crate) struct BlockReplay {
    /// The block's header.
    pub header: Header,
    /// The block's hash.
    pub hash: B256,
    /// Its transactions, in block order.
    pub transactions: Vec<RecoveredTx>,
    env: EvmEnv,
    /// The chain's EVMs (Cloister's precompiles on a Cloister chain).
    factory: CloisterEvmFactory,
    state: ReplayState,
    /// Index of the next transaction to run: all before it are committed to `state`.
    next: usize,
}

impl BlockReplay {
    /// Prepares block `number` for replay: parent state plus the block's system calls.
    pub(crate) fn open(ctx: &RpcContext, number: u64) -> Result<Self, DebugError> {
        if number == 0 {
            return Err(DebugError::GenesisNotTraceable);
        }
        let head = ctx.chain.head();
        if number > head.header.number {
            return Err(DebugError::BlockNumberNotFound(number));
        }
        let block = ctx.state_after(&head, number)?;
        let parent = ctx.state_after(&head, number - 1)?;
        let transactions = head.reader.transactions(number)?;
        let spec = ctx.chain.spec();
        let env = evm_env(spec, &block.header);
        let factory = CloisterEvmFactory::for_spec(spec);
        let mut state = replay_state(parent.db);
        {
            let mut evm = factory.create_evm(&mut state, env.clone());
            SystemCaller::new(spec.as_ref())
                .apply_pre_execution_changes(&block.header, &mut evm)
                .map_err(|err| DebugError::Replay {
                    block: number,
                    reason: err.to_string(),
                })?;
        }
        Ok(Self {
            header: block.header,
            hash: block.hash,
            transactions,
            env,
            factory,
            state,
            next: 0,
        })
    }

    /// Runs and commits, untraced, every transaction before `index`, by `deadline`.
    pub(crate) fn skip_to(&mut self, index: usize, deadline: &Deadline) -> Result<(), DebugError> {
        while self.next < index.min(self.transactions.len()) {
            let tx_env = self.tx_env(self.next);
            let block = self.header.number;
            let mut bound = deadline.inspector();
            let mut evm = self.factory.create_evm_with_inspector(
                &mut self.state,
                self.env.clone(),
                &mut bound,
            );
            evm.transact_commit(tx_env)
                .map_err(|err| replay_error(block, err))?;
            drop(evm);
            bound.check()?;
            self.next += 1;
        }
        Ok(())
    }

    /// Runs the next transaction under `inspector` (halted at `deadline`), commits it, and
    /// returns the tracer's answer with the transaction's hash.
    pub(crate) fn trace_next(
        &mut self,
        inspector: &mut DebugInspector,
        deadline: &Deadline,
    ) -> Result<(B256, alloy_rpc_types_trace::geth::GethTrace), DebugError> {
        let index = self.next;
        let tx_env = self.tx_env(index);
        let tx_hash = self
            .transactions
            .get(index)
            .map(|tx| *tx.inner().tx_hash())
            .unwrap_or_default();
        let block = self.header.number;
        let mut bound = deadline.inspector();
        let outcome: ResultAndState = {
            let mut evm = self.factory.create_evm_with_inspector(
                &mut self.state,
                self.env.clone(),
                (&mut *inspector, &mut bound),
            );
            evm.transact(tx_env.clone())
                .map_err(|err| replay_error(block, err))?
        };
        bound.check()?;
        let context = TransactionContext {
            block_hash: Some(self.hash),
            tx_index: Some(index),
            tx_hash: Some(tx_hash),
        };
        let trace = crate::tracer::finish(
            inspector,
            context,
            &tx_env,
            &self.env,
            &outcome,
            &mut self.state,
        )?;
        self.state.commit(outcome.state);
        self.next += 1;
        Ok((tx_hash, trace))
    }

    /// Whether transactions remain to run.
    pub(crate) fn has_next(&self) -> bool {
        self.next < self.transactions.len()
    }

    fn tx_env(&self, index: usize) -> TxEnv {
        match self.transactions.get(index) {
            Some(tx) => TxEnv::from_recovered_tx(tx.inner(), tx.signer()),
            None => TxEnv::default(),
        }
    }
}

/// A mined transaction that no longer executes: the store and the EVM disagree.
fn replay_error(block: u64, err: impl std::fmt::Display) -> DebugError {
    DebugError::Replay {
        block,
        reason: err.to_string(),
    }
}

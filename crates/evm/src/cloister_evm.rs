//! The EVM every Cloister execution path runs: alloy-evm's Ethereum EVM (same context,
//! instructions and per-fork precompiles) driven by [`CollisionHandler`], so EIP-7610's
//! storage collision rule holds for blocks, state tests, calls, simulation and tracing alike.
//! Built by [`CloisterEvmFactory`], whose databases must answer [`HasStorage`].

use crate::{
    HasStorage,
    collision::CollisionHandler,
    policy_check::{POLICY_CHECK_ADDRESS, policy_check_precompile},
};
use alloy_evm::{
    Database, Evm, EvmEnv,
    eth::{EthEvmBuilder, EthEvmContext},
    precompiles::PrecompilesMap,
};
use cloister_chainspec::ChainSpec;
use cloister_primitives::{Address, Bytes};
use revm::{
    Context, Inspector,
    context::{BlockEnv, CfgEnv, ContextSetters, Evm as RevmEvm, JournalTr, TxEnv},
    context_interface::result::{EVMError, HaltReason, InvalidTransaction, ResultAndState},
    handler::{
        EthFrame, Handler, PrecompileProvider, instructions::EthInstructions,
        system_call::SystemCallTx,
    },
    inspector::{InspectorHandler, NoOpInspector},
    interpreter::{InterpreterResult, interpreter::EthInterpreter},
    precompile::{PrecompileSpecId, Precompiles},
    primitives::hardfork::SpecId,
};
use std::ops::{Deref, DerefMut};

/// revm's EVM as alloy-evm's `EthEvm` holds it.
pub type RevmEthEvm<DB, I, P = PrecompilesMap> =
    RevmEvm<EthEvmContext<DB>, I, EthInstructions<EthInterpreter, EthEvmContext<DB>>, P, EthFrame>;

type Error<DB> = EVMError<<DB as revm::Database>::Error, InvalidTransaction>;

/// alloy-evm's Ethereum EVM with the EIP-7610 storage check on every contract creation.
/// `P`: the precompiles (alloy-evm's per-fork map unless a caller brings its own).
pub struct CloisterEvm<DB: Database, I, P = PrecompilesMap> {
    inner: RevmEthEvm<DB, I, P>,
    /// Whether transactions run the inspector (as alloy-evm's `EthEvm`).
    inspect: bool,
}

impl<DB: Database, I, P> CloisterEvm<DB, I, P> {
    /// Wraps a revm EVM (e.g. [`CloisterEvm::into_inner`] with other precompiles);
    /// `inspect`: whether transactions run the inspector.
    pub fn new(inner: RevmEthEvm<DB, I, P>, inspect: bool) -> Self {
        Self { inner, inspect }
    }

    /// The revm EVM inside.
    pub fn into_inner(self) -> RevmEthEvm<DB, I, P> {
        self.inner
    }
}

impl<DB: Database, I, P> std::fmt::Debug for CloisterEvm<DB, I, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloisterEvm")
            .field("inspect", &self.inspect)
            .finish_non_exhaustive()
    }
}

impl<DB: Database, I, P> Deref for CloisterEvm<DB, I, P> {
    type Target = EthEvmContext<DB>;

    fn deref(&self) -> &Self::Target {
        &self.inner.ctx
    }
}

impl<DB: Database, I, P> DerefMut for CloisterEvm<DB, I, P> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner.ctx
    }
}

impl<DB, I, P> Evm for CloisterEvm<DB, I, P>
where
    DB: Database + HasStorage,
    I: Inspector<EthEvmContext<DB>>,
    P: PrecompileProvider<EthEvmContext<DB>, Output = InterpreterResult>,
{
    type DB = DB;
    type Tx = TxEnv;
    type Error = Error<DB>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = P;
    type Inspector = I;

    fn block(&self) -> &BlockEnv {
        &self.inner.ctx.block
    }

    fn cfg_env(&self) -> &CfgEnv<SpecId> {
        &self.inner.ctx.cfg
    }

    fn chain_id(&self) -> u64 {
        self.inner.ctx.cfg.chain_id
    }

    fn transact_raw(&mut self, tx: TxEnv) -> Result<ResultAndState<HaltReason>, Self::Error> {
        self.inner.ctx.set_tx(tx);
        let mut handler = CollisionHandler::<_, Error<DB>>::default();
        let outcome = if self.inspect {
            handler.inspect_run(&mut self.inner)
        } else {
            handler.run(&mut self.inner)
        };
        // Finalised on error too, so no warm set or state leaks into the next transaction.
        let state = self.inner.ctx.journaled_state.finalize();
        Ok(ResultAndState::new(outcome?, state))
    }

    fn transact_system_call(
        &mut self,
        caller: Address,
        contract: Address,
        data: Bytes,
    ) -> Result<ResultAndState<HaltReason>, Self::Error> {
        self.inner
            .ctx
            .set_tx(TxEnv::new_system_tx_with_caller(caller, contract, data));
        let result =
            CollisionHandler::<_, Error<DB>>::default().run_system_call(&mut self.inner)?;
        let state = self.inner.ctx.journaled_state.finalize();
        Ok(ResultAndState::new(result, state))
    }

    fn finish(self) -> (DB, EvmEnv<SpecId>) {
        let Context {
            block: block_env,
            cfg: cfg_env,
            journaled_state,
            ..
        } = self.inner.ctx;
        (journaled_state.database, EvmEnv { block_env, cfg_env })
    }

    fn set_inspector_enabled(&mut self, enabled: bool) {
        self.inspect = enabled;
    }

    fn components(&self) -> (&DB, &I, &P) {
        (
            &self.inner.ctx.journaled_state.database,
            &self.inner.inspector,
            &self.inner.precompiles,
        )
    }

    fn components_mut(&mut self) -> (&mut DB, &mut I, &mut P) {
        (
            &mut self.inner.ctx.journaled_state.database,
            &mut self.inner.inspector,
            &mut self.inner.precompiles,
        )
    }
}

/// Builds [`CloisterEvm`]s; the drop-in for alloy-evm's `EthEvmFactory` (same method names),
/// except that the database must implement [`HasStorage`] and that the factory is made for a
/// chain: on a Cloister chain (a spec with a `cloister` section) the EVMs also have the policy
/// check precompile at [`POLICY_CHECK_ADDRESS`]; any other chain sees Ethereum's precompiles
/// only, so conformance and hive runs are unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub struct CloisterEvmFactory {
    /// Whether the EVMs get Cloister's own precompiles.
    cloister: bool,
}

impl CloisterEvmFactory {
    /// The factory for `spec`'s chain.
    pub fn for_spec(spec: &ChainSpec) -> Self {
        Self {
            cloister: spec.cloister().is_some(),
        }
    }

    /// Whether EVMs from this factory have Cloister's own precompiles.
    pub fn is_cloister(&self) -> bool {
        self.cloister
    }

    /// The precompiles of fork `spec` on this factory's chain: Ethereum's, plus Cloister's own
    /// on a Cloister chain. Every EVM this factory makes starts with these.
    pub fn precompiles(&self, spec: SpecId) -> PrecompilesMap {
        let ethereum =
            PrecompilesMap::from_static(Precompiles::new(PrecompileSpecId::from_spec_id(spec)));
        if self.cloister {
            ethereum.with_extended_precompiles([(POLICY_CHECK_ADDRESS, policy_check_precompile())])
        } else {
            ethereum
        }
    }

    /// An EVM over `db` in `env`, without an inspector.
    pub fn create_evm<DB: Database + HasStorage>(
        &self,
        db: DB,
        env: EvmEnv,
    ) -> CloisterEvm<DB, NoOpInspector> {
        let precompiles = self.precompiles(env.cfg_env.spec);
        CloisterEvm {
            inner: EthEvmBuilder::new(db, env)
                .precompiles(precompiles)
                .build()
                .into_inner(),
            inspect: false,
        }
    }

    /// An EVM over `db` in `env` whose transactions run `inspector`.
    pub fn create_evm_with_inspector<DB, I>(
        &self,
        db: DB,
        env: EvmEnv,
        inspector: I,
    ) -> CloisterEvm<DB, I>
    where
        DB: Database + HasStorage,
        I: Inspector<EthEvmContext<DB>>,
    {
        let precompiles = self.precompiles(env.cfg_env.spec);
        CloisterEvm {
            inner: EthEvmBuilder::new(db, env)
                .precompiles(precompiles)
                .activate_inspector(inspector)
                .build()
                .into_inner(),
            inspect: true,
        }
    }
}

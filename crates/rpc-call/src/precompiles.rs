//! Precompiles as geth runs them under state overrides. Overrides may remove a precompile (its
//! address gets code) or move it (`movePrecompileToAddress`), which changes what a call reaches;
//! but the addresses every transaction starts with warm stay the fork's own precompile
//! addresses (geth's `Prepare` with `ActivePrecompiles(rules)`): an overridden precompile's
//! address is still warm, and the address a precompile was moved to is cold until touched.
//! revm warms whatever its precompile map holds, hence this provider. On a Cloister chain the
//! fork's precompiles include Cloister's own (the policy check), as in block execution.

use alloy_evm::{Database, EvmEnv, precompiles::PrecompilesMap};
use cloister_chainspec::ChainSpec;
use cloister_evm::{CloisterEvm, CloisterEvmFactory, HasStorage};
use revm::{
    Inspector,
    context::{Cfg, ContextTr},
    handler::PrecompileProvider,
    interpreter::{CallInputs, InterpreterResult},
    primitives::{Address, AddressSet},
};

/// Cloister's EVM (EIP-7610 included) over `DB` with `I` watching, precompiles as geth has them.
pub(crate) type CallEvm<DB, I> = CloisterEvm<DB, I, GethPrecompiles>;

/// The precompiles calls reach (overridable), and the fork's own addresses, warm at the start
/// of every transaction whatever the overrides did.
#[derive(Debug)]
pub(crate) struct GethPrecompiles {
    reachable: PrecompilesMap,
    warm: AddressSet,
}

impl GethPrecompiles {
    /// The precompiles of the fork `spec` on `factory`'s chain, none overridden yet.
    fn new(factory: CloisterEvmFactory, spec: revm::primitives::hardfork::SpecId) -> Self {
        let reachable = factory.precompiles(spec);
        let warm = reachable.addresses().copied().collect();
        Self { reachable, warm }
    }

    /// The precompiles calls reach, for overrides to remove or move.
    pub(crate) fn reachable_mut(&mut self) -> &mut PrecompilesMap {
        &mut self.reachable
    }
}

impl<CTX> PrecompileProvider<CTX> for GethPrecompiles
where
    CTX: ContextTr,
    PrecompilesMap: PrecompileProvider<CTX, Output = InterpreterResult>,
{
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        // The set is fixed when the EVM is made for a block's environment, as the map's is.
        self.reachable.set_spec(spec)
    }

    fn run(
        &mut self,
        context: &mut CTX,
        inputs: &CallInputs,
    ) -> Result<Option<Self::Output>, String> {
        self.reachable.run(context, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }

    fn contains(&self, address: &Address) -> bool {
        PrecompileProvider::<CTX>::contains(&self.reachable, address)
    }
}

/// An EVM of `spec`'s chain for `env` over `db`, with `inspector` invoked, precompiles as geth
/// has them.
pub(crate) fn create_evm<DB, I>(
    spec: &ChainSpec,
    db: DB,
    env: EvmEnv,
    inspector: I,
) -> CallEvm<DB, I>
where
    DB: Database + HasStorage,
    I: Inspector<alloy_evm::eth::EthEvmContext<DB>>,
{
    let factory = CloisterEvmFactory::for_spec(spec);
    let precompiles = GethPrecompiles::new(factory, env.cfg_env.spec);
    let inner = factory
        .create_evm_with_inspector(db, env, inspector)
        .into_inner()
        .with_precompiles(precompiles);
    CloisterEvm::new(inner, true)
}

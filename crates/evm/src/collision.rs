//! EIP-7610: a contract creation (transaction, CREATE, CREATE2) whose target has non-empty
//! storage fails as a collision, like one whose target has code or a nonce (EIP-684).
//!
//! revm checks code hash and nonce only. [`CollisionHandler`] is revm's mainnet handler with
//! one change in the frame loop: before a create frame is initialised, a target with no code,
//! nonce 0 and storage gets its nonce shown as 1 for the length of that one initialisation, so
//! revm's own EIP-684 check refuses it with everything revm does on a collision (caller nonce
//! bumped, target warm, frame gas consumed, inspector hooks). The nonce is written without a
//! journal entry and put back right after, before anything else can read it.

use crate::HasStorage;
use cloister_primitives::Address;
use revm::{
    context::{ContextTr, JournalTr},
    context_interface::result::HaltReason,
    handler::{
        EthFrame, EvmTr, EvmTrError, FrameResult, Handler, ItemOrResult,
        evm::{ContextDbError, ContextTrDbError},
    },
    inspector::{Inspector, InspectorEvmTr, InspectorHandler},
    interpreter::{FrameInput, interpreter::EthInterpreter, interpreter_action::FrameInit},
    primitives::{KECCAK_EMPTY, constants::CALL_STACK_LIMIT},
    state::EvmState,
};
use std::marker::PhantomData;

/// revm's mainnet handler plus the EIP-7610 storage check on every create frame.
pub(crate) struct CollisionHandler<EVM, ERROR> {
    _types: PhantomData<(EVM, ERROR)>,
}

impl<EVM, ERROR> Default for CollisionHandler<EVM, ERROR> {
    fn default() -> Self {
        Self {
            _types: PhantomData,
        }
    }
}

impl<EVM, ERROR> Handler for CollisionHandler<EVM, ERROR>
where
    EVM: EvmTr<
            Context: ContextTr<Journal: JournalTr<State = EvmState>, Db: HasStorage>,
            Frame = EthFrame<EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn run_exec_loop(
        &mut self,
        evm: &mut EVM,
        first_frame_input: FrameInit,
    ) -> Result<FrameResult, ERROR> {
        exec_loop(
            evm,
            first_frame_input,
            |evm, init| evm.frame_init(init).map(|res| res.map_item(|_| ())),
            |evm| evm.frame_run(),
        )
    }
}

impl<EVM, ERROR> InspectorHandler for CollisionHandler<EVM, ERROR>
where
    EVM: InspectorEvmTr<
            Context: ContextTr<Journal: JournalTr<State = EvmState>, Db: HasStorage>,
            Frame = EthFrame<EthInterpreter>,
            Inspector: Inspector<EVM::Context, EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    type IT = EthInterpreter;

    fn inspect_run_exec_loop(
        &mut self,
        evm: &mut EVM,
        first_frame_input: FrameInit,
    ) -> Result<FrameResult, ERROR> {
        exec_loop(
            evm,
            first_frame_input,
            |evm, init| evm.inspect_frame_init(init).map(|res| res.map_item(|_| ())),
            |evm| evm.inspect_frame_run(),
        )
    }
}

/// revm's frame loop (`Handler::run_exec_loop`), with every frame initialisation going through
/// [`init_checked`]. `init` and `run` are revm's plain or inspected frame steps.
fn exec_loop<EVM, ERROR>(
    evm: &mut EVM,
    first_frame_input: FrameInit,
    init: impl Fn(
        &mut EVM,
        FrameInit,
    ) -> Result<ItemOrResult<(), FrameResult>, ContextDbError<EVM::Context>>,
    run: impl Fn(&mut EVM) -> Result<ItemOrResult<FrameInit, FrameResult>, ContextDbError<EVM::Context>>,
) -> Result<FrameResult, ERROR>
where
    EVM: EvmTr<
            Context: ContextTr<Journal: JournalTr<State = EvmState>, Db: HasStorage>,
            Frame = EthFrame<EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    if let ItemOrResult::Result(result) = init_checked::<_, ERROR>(evm, first_frame_input, &init)? {
        return Ok(result);
    }
    loop {
        let result = match run(evm)? {
            ItemOrResult::Item(frame) => match init_checked::<_, ERROR>(evm, frame, &init)? {
                // A new frame was pushed: run it.
                ItemOrResult::Item(()) => continue,
                ItemOrResult::Result(result) => result,
            },
            ItemOrResult::Result(result) => result,
        };
        if let Some(result) = evm.frame_return_result(result)? {
            return Ok(result);
        }
    }
}

/// Runs `init` (revm's frame initialisation, plain or inspected) with the EIP-7610 check armed
/// when the frame is a create onto an account with storage.
fn init_checked<EVM, ERROR>(
    evm: &mut EVM,
    frame: FrameInit,
    init: impl FnOnce(
        &mut EVM,
        FrameInit,
    ) -> Result<ItemOrResult<(), FrameResult>, ContextDbError<EVM::Context>>,
) -> Result<ItemOrResult<(), FrameResult>, ERROR>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>, Db: HasStorage>>,
    ERROR: EvmTrError<EVM>,
{
    let armed = arm(evm.ctx_mut(), &frame)?;
    let result = init(evm, frame).map_err(ERROR::from);
    if let Some(target) = armed
        && let Some(account) = evm.ctx_mut().journal_mut().evm_state_mut().get_mut(&target)
    {
        account.info.nonce = 0;
    }
    result
}

/// When `frame` creates onto an account that has storage but no code and nonce 0, shows the
/// account's nonce as 1 (no journal entry) and returns its address.
///
/// revm refuses a create before looking at the target when the depth is exceeded, the caller
/// cannot pay the value or its nonce would overflow; the target is not touched then, so it is
/// not touched here either (loading it would warm it).
fn arm<CTX>(ctx: &mut CTX, frame: &FrameInit) -> Result<Option<Address>, ContextTrDbError<CTX>>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Db: HasStorage>,
{
    let FrameInput::Create(inputs) = &frame.frame_input else {
        return Ok(None);
    };
    if frame.depth > CALL_STACK_LIMIT as usize {
        return Ok(None);
    }
    let journal = ctx.journal_mut();
    let caller = journal.load_account(inputs.caller())?.data;
    if caller.info.balance < inputs.value() || caller.info.nonce == u64::MAX {
        return Ok(None);
    }
    // The address revm derives from the same (not yet bumped) nonce.
    let target = inputs.created_address(caller.info.nonce);
    let account = journal.load_account(target)?.data;
    if account.info.nonce != 0 || account.info.code_hash != KECCAK_EMPTY {
        // revm's EIP-684 check refuses it already.
        return Ok(None);
    }
    let storage_in_tx = account
        .storage
        .values()
        .any(|slot| !slot.present_value.is_zero());
    // Created earlier in this transaction: its storage lives in the journal only.
    let created_in_tx = account.is_created();
    let has_storage = storage_in_tx || (!created_in_tx && ctx.db_mut().has_storage(target)?);
    if !has_storage {
        return Ok(None);
    }
    match ctx.journal_mut().evm_state_mut().get_mut(&target) {
        Some(account) => {
            account.info.nonce = 1;
            Ok(Some(target))
        }
        None => Ok(None),
    }
}

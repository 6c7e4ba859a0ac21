//! Checks that need no account state, in geth's `ValidateTransaction` order, so the first
//! failing rule (and so the error a client sees) is the one geth would report. They run
//! before the pool lock is taken.

use crate::{
    config::PoolConfig,
    error::{PoolError, TxTypeRejection},
    pooled::PooledTx,
};
use cloister_primitives::{Transaction, TxEnvelope, TxType};
use revm::{
    interpreter::gas::calculate_initial_tx_gas,
    primitives::{eip3860, eip7825, eip7954, hardfork::SpecId},
};

/// Facts about the next block that admission checks depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionContext {
    /// Base fee of the next block: transactions whose fee cap is below it are refused.
    pub base_fee: u64,
    /// Gas limit of the next block.
    pub block_gas_limit: u64,
    /// Fork rules of the next block (intrinsic gas, which types exist, EIP-7825 cap).
    pub spec: SpecId,
}

/// Runs every state-independent check on `tx`.
pub(crate) fn check_stateless(
    config: &PoolConfig,
    ctx: &AdmissionContext,
    pooled: &PooledTx,
) -> Result<(), PoolError> {
    let tx = pooled.envelope();
    check_type(config, ctx.spec, tx.tx_type())?;
    if pooled.encoded_len > config.max_tx_bytes {
        return Err(PoolError::OversizedData {
            size: pooled.encoded_len,
            limit: config.max_tx_bytes,
        });
    }
    check_initcode_size(ctx.spec, tx)?;
    let gas = tx.gas_limit();
    if ctx.spec.is_enabled_in(SpecId::OSAKA) && gas > eip7825::TX_GAS_LIMIT_CAP {
        return Err(PoolError::GasLimitTooHigh {
            cap: eip7825::TX_GAS_LIMIT_CAP,
            gas,
        });
    }
    if gas > ctx.block_gas_limit {
        return Err(PoolError::ExceedsBlockGasLimit);
    }
    if pooled.max_priority_fee_per_gas() > pooled.max_fee_per_gas() {
        return Err(PoolError::TipAboveFeeCap);
    }
    check_chain_id(config, tx)?;
    if pooled.nonce() == u64::MAX {
        return Err(PoolError::NonceMax);
    }
    check_intrinsic_gas(ctx.spec, tx)?;
    if pooled.max_fee_per_gas() < u128::from(ctx.base_fee) {
        return Err(PoolError::FeeCapBelowBaseFee {
            sender: pooled.sender(),
            max_fee: pooled.max_fee_per_gas(),
            base_fee: ctx.base_fee,
        });
    }
    if tx.tx_type() == TxType::Eip4844 {
        crate::blob::check_blob_tx(ctx.spec, tx, pooled.sidecar.as_deref())?;
    }
    if tx.tx_type() == TxType::Eip7702 && tx.authorization_list().is_none_or(<[_]>::is_empty) {
        return Err(PoolError::EmptyAuthorizationList);
    }
    Ok(())
}

/// Refuses types the pool does not take, or that the fork does not know yet.
fn check_type(config: &PoolConfig, spec: SpecId, ty: TxType) -> Result<(), PoolError> {
    let ty_byte = u8::from(ty);
    if ty == TxType::Eip4844 && !config.accept_blob_txs {
        return Err(PoolError::TxTypeNotSupported(TxTypeRejection::NotAccepted(
            ty_byte,
        )));
    }
    let introduced_by = match ty {
        TxType::Legacy => None,
        TxType::Eip2930 => Some((SpecId::BERLIN, "Berlin")),
        TxType::Eip1559 => Some((SpecId::LONDON, "London")),
        TxType::Eip4844 => Some((SpecId::CANCUN, "Cancun")),
        TxType::Eip7702 => Some((SpecId::PRAGUE, "Prague")),
    };
    match introduced_by {
        Some((fork, fork_name)) if !spec.is_enabled_in(fork) => Err(PoolError::TxTypeNotSupported(
            TxTypeRejection::ForkNotActive {
                ty: ty_byte,
                fork: fork_name,
            },
        )),
        _ => Ok(()),
    }
}

/// EIP-3860 (Shanghai) limits contract-creation code; Amsterdam raises the limit.
fn check_initcode_size(spec: SpecId, tx: &TxEnvelope) -> Result<(), PoolError> {
    if !tx.is_create() || !spec.is_enabled_in(SpecId::SHANGHAI) {
        return Ok(());
    }
    let limit = if spec.is_enabled_in(SpecId::AMSTERDAM) {
        eip7954::MAX_INITCODE_SIZE
    } else {
        eip3860::MAX_INITCODE_SIZE
    };
    let size = tx.input().len();
    if size > limit {
        return Err(PoolError::MaxInitCodeSizeExceeded { size, limit });
    }
    Ok(())
}

/// Transactions must be signed for this chain; unprotected legacy ones only when allowed.
fn check_chain_id(config: &PoolConfig, tx: &TxEnvelope) -> Result<(), PoolError> {
    match tx.chain_id() {
        Some(have) if have != config.chain_id => Err(PoolError::InvalidChainId {
            have,
            want: config.chain_id,
        }),
        Some(_) => Ok(()),
        None if config.allow_unprotected_txs => Ok(()),
        None => Err(PoolError::UnprotectedTransaction),
    }
}

/// Intrinsic gas from revm (access list, EIP-7702 authorizations, initcode), and from Prague
/// the EIP-7623 calldata floor.
fn check_intrinsic_gas(spec: SpecId, tx: &TxEnvelope) -> Result<(), PoolError> {
    let (accounts, storage_keys) = tx.access_list().map_or((0, 0), |list| {
        list.iter().fold((0u64, 0u64), |(accounts, keys), item| {
            (accounts + 1, keys + item.storage_keys.len() as u64)
        })
    });
    let authorizations = tx.authorization_list().map_or(0, |list| list.len() as u64);
    let gas = calculate_initial_tx_gas(
        spec,
        tx.input(),
        tx.is_create(),
        accounts,
        storage_keys,
        authorizations,
        None,
    );
    let limit = tx.gas_limit();
    let intrinsic = gas.initial_total_gas();
    if limit < intrinsic {
        return Err(PoolError::IntrinsicGasTooLow {
            gas: limit,
            minimum: intrinsic,
        });
    }
    if spec.is_enabled_in(SpecId::PRAGUE) && limit < gas.floor_gas() {
        return Err(PoolError::FloorDataGas {
            gas: limit,
            minimum: gas.floor_gas(),
        });
    }
    Ok(())
}

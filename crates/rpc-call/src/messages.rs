//! geth's wording for transaction-validation failures and EVM halts, so that error messages read
//! as geth's do (tools match on some of them, e.g. "insufficient funds", "out of gas").

use cloister_primitives::Address;
use revm::context::result::{HaltReason, InvalidTransaction, OutOfGasError};

/// geth's message for a transaction refused before execution, as its RPC layer wraps it.
pub fn invalid_tx(err: &InvalidTransaction, from: Address, gas: u64) -> String {
    let inner = match err {
        InvalidTransaction::NonceTooHigh { tx, state } => {
            format!("nonce too high: address {from}, tx: {tx} state: {state}")
        }
        InvalidTransaction::NonceTooLow { tx, state } => {
            format!("nonce too low: address {from}, tx: {tx} state: {state}")
        }
        InvalidTransaction::NonceOverflowInTransaction => {
            format!("nonce has max value: address {from}, nonce: {}", u64::MAX)
        }
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => format!(
            "insufficient funds for gas * price + value: address {from} have {balance} want {fee}"
        ),
        InvalidTransaction::GasPriceLessThanBasefee => {
            format!("max fee per gas less than block base fee: address {from}")
        }
        InvalidTransaction::CallGasCostMoreThanGasLimit {
            initial_gas,
            gas_limit,
        } => format!("intrinsic gas too low: have {gas_limit}, want {initial_gas}"),
        InvalidTransaction::GasFloorMoreThanGasLimit {
            gas_floor,
            gas_limit,
        } => {
            format!("insufficient gas for floor data gas cost: have {gas_limit}, want {gas_floor}")
        }
        InvalidTransaction::PriorityFeeGreaterThanMaxFee => {
            format!("max priority fee per gas higher than max fee per gas: address {from}")
        }
        InvalidTransaction::RejectCallerWithCode => {
            format!("sender not an eoa: address {from}")
        }
        InvalidTransaction::CreateInitCodeSizeLimit => "max initcode size exceeded".to_string(),
        other => other.to_string(),
    };
    format!("err: {inner} (supplied gas {gas})")
}

/// geth's message for an execution that halted.
pub fn halt(reason: &HaltReason) -> String {
    match reason {
        HaltReason::OutOfGas(OutOfGasError::InvalidOperand) => "invalid operand".into(),
        HaltReason::OutOfGas(_) => "out of gas".into(),
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode | HaltReason::NotActivated => {
            "invalid opcode".into()
        }
        HaltReason::InvalidJump => "invalid jump destination".into(),
        HaltReason::StackUnderflow => "stack underflow".into(),
        HaltReason::StackOverflow => "stack limit reached 1024 (1023)".into(),
        HaltReason::OutOfOffset => "return data out of bounds".into(),
        HaltReason::CreateCollision => "contract address collision".into(),
        HaltReason::PrecompileError | HaltReason::PrecompileErrorWithContext(_) => {
            "precompiled contract failed".into()
        }
        HaltReason::NonceOverflow => "nonce uint64 overflow".into(),
        HaltReason::CreateContractSizeLimit => "max code size exceeded".into(),
        HaltReason::CreateContractStartingWithEF => "invalid code: must not begin with 0xef".into(),
        HaltReason::CreateInitCodeSizeLimit => "max initcode size exceeded".into(),
        HaltReason::StateChangeDuringStaticCall | HaltReason::CallNotAllowedInsideStatic => {
            "write protection".into()
        }
        HaltReason::OutOfFunds => "insufficient balance for transfer".into(),
        HaltReason::CallTooDeep => "max call depth exceeded".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_funds_reads_as_geth() {
        let msg = invalid_tx(
            &InvalidTransaction::LackOfFundForMaxFee {
                fee: Box::new(cloister_primitives::U256::from(1000)),
                balance: Box::new(cloister_primitives::U256::ZERO),
            },
            Address::ZERO,
            50_000_000,
        );
        assert!(msg.starts_with("err: insufficient funds for gas * price + value"));
        assert!(msg.ends_with("(supplied gas 50000000)"));
    }

    #[test]
    fn out_of_gas_reads_as_geth() {
        assert_eq!(
            halt(&HaltReason::OutOfGas(OutOfGasError::Basic)),
            "out of gas"
        );
    }
}

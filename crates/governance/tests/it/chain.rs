//! A tiny chain for the tests: an in-memory state with the governance contract installed from
//! its genesis account, transactions from any address at a settable timestamp.

use alloy_sol_types::{SolCall, SolEvent};
use cloister_chainspec::ChainSpec;
use cloister_evm::{CloisterEvmFactory, Evm, evm_env};
use cloister_governance::{
    GOVERNANCE_ADDRESS, GenesisContract, GovernanceState, InitialGovernance, abi, genesis_account,
    read_state, revert_reason,
};
use cloister_primitives::{Address, B256, Bytes, Header, Log, U256, primitives::TxKind};
use revm::{
    DatabaseCommit,
    bytecode::Bytecode,
    context::{TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};

/// Gas of each test transaction (below Osaka's per-transaction cap).
const GAS: u64 = 16_000_000;

pub fn addr(n: u8) -> Address {
    Address::with_last_byte(n)
}

/// A permissive policy document the node accepts.
pub const POLICY: &str = r#"{"mode":"permissive"}"#;

/// Members 1, 2, 3; validators 10, 11; thresholds as given.
pub fn initial(add_bps: u16, remove_bps: u16) -> InitialGovernance {
    let mut initial = InitialGovernance::new(
        vec![addr(1), addr(2), addr(3)],
        vec![addr(10), addr(11)],
        Bytes::from_static(POLICY.as_bytes()),
    );
    initial.add_bps = add_bps;
    initial.remove_bps = remove_bps;
    initial.voting_period = 100;
    initial
}

pub fn spec() -> ChainSpec {
    ChainSpec::dev().unwrap()
}

/// What a transaction did.
#[derive(Debug)]
pub enum Outcome {
    Success { output: Bytes, logs: Vec<Log> },
    Revert(String),
    Halt(String),
}

impl Outcome {
    #[track_caller]
    pub fn logs(&self) -> &[Log] {
        match self {
            Outcome::Success { logs, .. } => logs,
            other => panic!("expected success, got {other:?}"),
        }
    }

    #[track_caller]
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Revert(reason) => reason,
            other => panic!("expected a revert, got {other:?}"),
        }
    }

    /// The decoded events of type `E` among the logs.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.logs()
            .iter()
            .filter(|log| log.topics().first() == Some(&E::SIGNATURE_HASH))
            .map(|log| E::decode_log_data(&log.data).unwrap())
            .collect()
    }
}

pub struct Chain {
    pub spec: ChainSpec,
    pub db: CacheDB<EmptyDB>,
    pub timestamp: u64,
}

impl Chain {
    pub fn new(initial: &InitialGovernance) -> Self {
        let spec = spec();
        let contract = genesis_account(initial, &spec).unwrap();
        Self::with_contract(spec, &contract)
    }

    pub fn with_contract(spec: ChainSpec, contract: &GenesisContract) -> Self {
        let mut db = CacheDB::new(EmptyDB::new());
        let code = Bytecode::new_raw(contract.code.clone());
        db.insert_account_info(
            GOVERNANCE_ADDRESS,
            AccountInfo {
                nonce: 1,
                code_hash: code.hash_slow(),
                code: Some(code),
                ..Default::default()
            },
        );
        for (slot, value) in &contract.storage {
            db.insert_account_storage(GOVERNANCE_ADDRESS, (*slot).into(), (*value).into())
                .unwrap();
        }
        Self {
            spec,
            db,
            timestamp: 1_000,
        }
    }

    pub fn header(&self) -> Header {
        Header {
            number: 1,
            timestamp: self.timestamp,
            gas_limit: 60_000_000,
            base_fee_per_gas: Some(0),
            excess_blob_gas: Some(0),
            blob_gas_used: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            ..Default::default()
        }
    }

    fn run(&mut self, from: Address, data: Vec<u8>, gas: u64, commit: bool) -> Outcome {
        let mut env = evm_env(&self.spec, &self.header());
        env.cfg_env.disable_nonce_check = true;
        env.cfg_env.disable_balance_check = true;
        let tx = TxEnv {
            caller: from,
            kind: TxKind::Call(GOVERNANCE_ADDRESS),
            data: data.into(),
            gas_limit: gas,
            gas_price: 0,
            gas_priority_fee: None,
            chain_id: Some(self.spec.chain_id()),
            ..Default::default()
        };
        let outcome = {
            let mut evm = CloisterEvmFactory::for_spec(&self.spec).create_evm(&mut self.db, env);
            evm.transact(tx).unwrap()
        };
        if commit {
            self.db.commit(outcome.state);
        }
        match outcome.result {
            ExecutionResult::Success { output, logs, .. } => Outcome::Success {
                output: output.into_data(),
                logs,
            },
            ExecutionResult::Revert { output, .. } => Outcome::Revert(revert_reason(&output)),
            ExecutionResult::Halt { reason, .. } => Outcome::Halt(format!("{reason:?}")),
        }
    }

    /// Sends (and commits) a transaction calling `call` from `from`.
    pub fn send<C: SolCall>(&mut self, from: Address, call: C) -> Outcome {
        self.run(from, call.abi_encode(), GAS, true)
    }

    /// Runs `call` from `from` with `gas`, without committing (as `eth_estimateGas` probes).
    pub fn try_with_gas<C: SolCall>(&mut self, from: Address, call: C, gas: u64) -> Outcome {
        self.run(from, call.abi_encode(), gas, false)
    }

    /// Calls a view; `Err` with the revert reason.
    pub fn view<C: SolCall>(&mut self, call: C) -> Result<C::Return, String> {
        match self.run(Address::ZERO, call.abi_encode(), GAS, false) {
            Outcome::Success { output, .. } => Ok(C::abi_decode_returns(&output).unwrap()),
            Outcome::Revert(reason) => Err(reason),
            Outcome::Halt(reason) => Err(reason),
        }
    }

    /// Proposes `actions` from `from`; the new id, or the revert reason.
    pub fn propose(&mut self, from: Address, actions: Vec<Vec<u8>>) -> Result<U256, String> {
        let call = abi::ICloisterGovernance::proposeCall {
            actions: actions.into_iter().map(Bytes::from).collect(),
            description: "test".into(),
        };
        match self.send(from, call) {
            Outcome::Success { output, .. } => {
                Ok(abi::ICloisterGovernance::proposeCall::abi_decode_returns(&output).unwrap())
            }
            Outcome::Revert(reason) => Err(reason),
            Outcome::Halt(reason) => Err(reason),
        }
    }

    pub fn vote(&mut self, from: Address, id: U256, support: u8) -> Outcome {
        self.send(
            from,
            abi::ICloisterGovernance::castVoteCall {
                proposalId: id,
                support,
            },
        )
    }

    pub fn state_of(&mut self, id: U256) -> u8 {
        self.view(abi::ICloisterGovernance::stateCall { proposalId: id })
            .unwrap()
    }

    pub fn read(&self) -> GovernanceState {
        read_state(&self.db, &self.spec, &self.header())
            .unwrap()
            .unwrap()
    }
}

/// ABI calldata of an action.
pub fn action<C: SolCall>(call: C) -> Vec<u8> {
    call.abi_encode()
}

//! A creation onto an address with storage but no code and nonce 0 fails as a collision
//! (EIP-7610): for a creating transaction and for CREATE2, through `transact` (state tests)
//! and through an inspected EVM (the RPC paths), and the same creations onto an address
//! without storage succeed.

use cloister_chainspec::ChainSpec;
use cloister_evm::{CloisterEvmFactory, Evm, State, evm_env, transact};
use cloister_primitives::{
    Address, B256, Bytes, Header, RecoveredTx, Signed, TxEnvelope, U256, address,
    consensus::TxLegacy, keccak256, primitives::Signature, primitives::TxKind,
};
use revm::{
    bytecode::Bytecode,
    context::result::{ExecutionResult, HaltReason},
    database::{CacheDB, EmptyDB},
    inspector::NoOpInspector,
    state::AccountInfo,
};

const SENDER: Address = address!("0x00000000000000000000000000000000000a11ce");
const FACTORY: Address = address!("0x000000000000000000000000000000000000fac7");
/// Enough that the 1/64 a CREATE2 collision leaves behind still pays for an SSTORE.
const GAS: u64 = 2_000_000;

/// CREATE2 with value 0, empty init code and salt 0; stores the result (0 on failure) in slot 0.
const FACTORY_CODE: [u8; 13] = [
    0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0xf5, 0x60, 0x00, 0x55, 0x00,
];

fn spec() -> ChainSpec {
    ChainSpec::dev().unwrap()
}

fn header() -> Header {
    Header {
        number: 1,
        timestamp: 1,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(0),
        excess_blob_gas: Some(0),
        blob_gas_used: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Default::default()
    }
}

fn tx(to: TxKind, input: &[u8]) -> RecoveredTx {
    let tx = TxLegacy {
        chain_id: None,
        nonce: 0,
        gas_price: 1,
        gas_limit: GAS,
        to,
        value: U256::ZERO,
        input: Bytes::copy_from_slice(input),
    };
    let signed = Signed::new_unchecked(tx, Signature::test_signature(), B256::repeat_byte(1));
    RecoveredTx::new_unchecked(TxEnvelope::Legacy(signed), SENDER)
}

/// The sender, the factory, and `target` holding one storage slot when `with_storage`.
fn db(target: Address, with_storage: bool) -> CacheDB<EmptyDB> {
    let mut db = CacheDB::new(EmptyDB::default());
    db.insert_account_info(
        SENDER,
        AccountInfo {
            balance: U256::from(10u128.pow(18)),
            ..Default::default()
        },
    );
    let code = Bytecode::new_raw(Bytes::copy_from_slice(&FACTORY_CODE));
    db.insert_account_info(
        FACTORY,
        AccountInfo {
            nonce: 1,
            code_hash: code.hash_slow(),
            code: Some(code),
            ..Default::default()
        },
    );
    db.insert_account_info(target, AccountInfo::default());
    if with_storage {
        db.insert_account_storage(target, U256::from(1), U256::from(7))
            .unwrap();
    }
    db
}

fn create2_target() -> Address {
    FACTORY.create2(B256::ZERO, keccak256([]))
}

#[test]
fn creating_transaction_onto_storage_collides() {
    let target = SENDER.create(0);
    let outcome = transact(
        &spec(),
        db(target, true),
        &header(),
        &tx(TxKind::Create, &[0x00]),
    )
    .unwrap();
    assert!(
        matches!(
            outcome.result,
            ExecutionResult::Halt {
                reason: HaltReason::CreateCollision,
                ..
            }
        ),
        "{:?}",
        outcome.result
    );
    assert_eq!(
        outcome.result.tx_gas_used(),
        GAS,
        "a collision consumes all gas"
    );
    let sender = outcome.bundle.account(&SENDER).unwrap();
    assert_eq!(sender.info.as_ref().unwrap().nonce, 1);
    // The target is not touched: its storage stays.
    assert!(
        outcome
            .bundle
            .account(&target)
            .is_none_or(|account| account.storage.is_empty() && !account.was_destroyed())
    );
}

#[test]
fn creating_transaction_onto_empty_account_succeeds() {
    let target = SENDER.create(0);
    let outcome = transact(
        &spec(),
        db(target, false),
        &header(),
        &tx(TxKind::Create, &[0x00]),
    )
    .unwrap();
    assert!(outcome.result.is_success(), "{:?}", outcome.result);
    let created = outcome.bundle.account(&target).unwrap();
    assert_eq!(created.info.as_ref().unwrap().nonce, 1);
}

/// Slot 0 of the factory after one call: the CREATE2 result.
fn create2_result(outcome: &cloister_evm::TransactOutcome) -> U256 {
    let factory = outcome.bundle.account(&FACTORY).unwrap();
    factory
        .storage
        .get(&U256::ZERO)
        .map(|slot| slot.present_value)
        .unwrap_or_default()
}

#[test]
fn create2_onto_storage_collides() {
    let target = create2_target();
    let outcome = transact(
        &spec(),
        db(target, true),
        &header(),
        &tx(TxKind::Call(FACTORY), &[]),
    )
    .unwrap();
    assert!(outcome.result.is_success(), "{:?}", outcome.result);
    assert_eq!(create2_result(&outcome), U256::ZERO, "CREATE2 pushed 0");
    let factory = outcome.bundle.account(&FACTORY).unwrap();
    assert_eq!(
        factory.info.as_ref().unwrap().nonce,
        2,
        "the creator's nonce is bumped even on a collision"
    );
}

#[test]
fn create2_onto_empty_account_succeeds() {
    let target = create2_target();
    let outcome = transact(
        &spec(),
        db(target, false),
        &header(),
        &tx(TxKind::Call(FACTORY), &[]),
    )
    .unwrap();
    assert_eq!(
        create2_result(&outcome),
        U256::from_be_slice(target.as_slice())
    );
}

/// The RPC paths run an inspected EVM over revm's `State`: the same rule holds there.
#[test]
fn inspected_evm_sees_the_collision_too() {
    let target = create2_target();
    for (with_storage, expected) in [
        (true, U256::ZERO),
        (false, U256::from_be_slice(target.as_slice())),
    ] {
        let mut state = State::builder()
            .with_database(db(target, with_storage))
            .build();
        let env = evm_env(&spec(), &header());
        let mut evm = CloisterEvmFactory::for_spec(&spec()).create_evm_with_inspector(
            &mut state,
            env,
            NoOpInspector,
        );
        let result = evm.transact(tx(TxKind::Call(FACTORY), &[])).unwrap();
        assert!(result.result.is_success(), "{:?}", result.result);
        let slot = result.state[&FACTORY]
            .storage
            .get(&U256::ZERO)
            .map(|slot| slot.present_value)
            .unwrap_or_default();
        assert_eq!(slot, expected, "storage: {with_storage}");
    }
}

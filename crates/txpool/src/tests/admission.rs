//! Every admission rule, checked against geth's exact error text.

use super::*;
use crate::{PoolError, TxTypeRejection};

fn signer() -> PrivateKeySigner {
    PrivateKeySigner::random()
}

#[test]
fn accepts_every_supported_type() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    add_one(&pool, &state, legacy(&key, spec(0))).unwrap();
    add_one(&pool, &state, eip2930(&key, spec(1))).unwrap();
    add_one(&pool, &state, eip1559(&key, spec(2))).unwrap();
    add_one(&pool, &state, eip7702(&key, spec(3).gas(46_000), 1)).unwrap();
    assert_eq!(pool.pending_count(), 4);
}

#[test]
fn nonce_too_low() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    state.set(key.address(), 5, U256::from(RICH));
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(3))),
        "nonce too low: next nonce 5, tx nonce 3"
    );
}

#[test]
fn nonce_has_max_value() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(u64::MAX))),
        "nonce has max value"
    );
}

#[test]
fn insufficient_funds_for_one_transaction() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    state.set(key.address(), 0, U256::from(1000));
    // cost = 21_000 gas * 100 fee cap + 1 value
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(0))),
        "insufficient funds for gas * price + value: balance 1000, tx cost 2100001, overshot 2099001"
    );
}

#[test]
fn insufficient_funds_counting_pooled_transactions() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    state.set(key.address(), 0, U256::from(3_000_000));
    add_one(&pool, &state, eip1559(&key, spec(0))).unwrap();
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(1))),
        "insufficient funds for gas * price + value: balance 3000000, queued cost 2100001, \
         tx cost 2100001, overshot 1200002"
    );
}

#[test]
fn intrinsic_gas_too_low_for_plain_access_list_create_and_authorizations() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let plain = eip1559(&key, spec(0).gas(20_999));
    assert_eq!(
        rejection(&pool, &state, plain),
        "intrinsic gas too low: gas 20999, minimum needed 21000"
    );

    let mut with_list = spec(0).gas(27_199);
    with_list.access_list = access_list(1, 2); // 21_000 + 2_400 + 2 * 1_900
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, with_list)),
        "intrinsic gas too low: gas 27199, minimum needed 27200"
    );

    let mut create = spec(0).gas(52_999);
    create.to = TxKind::Create;
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, create)),
        "intrinsic gas too low: gas 52999, minimum needed 53000"
    );

    // EIP-7702: 25_000 per authorization on top of the base 21_000.
    assert_eq!(
        rejection(&pool, &state, eip7702(&key, spec(0).gas(70_999), 2)),
        "intrinsic gas too low: gas 70999, minimum needed 71000"
    );
}

#[test]
fn eip7623_floor_applies_from_prague_only() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    // 100 non-zero bytes: intrinsic 21_000 + 1_600, floor 21_000 + 100 * 4 * 10.
    let calldata_heavy = spec(0).gas(24_000).input(vec![0xFF; 100]);
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, calldata_heavy.clone())),
        "insufficient gas for floor data gas cost: gas 24000, minimum needed 25000"
    );
    let cancun = AdmissionContext {
        spec: SpecId::CANCUN,
        ..ctx()
    };
    add_with(&pool, &state, &cancun, eip1559(&key, calldata_heavy)).unwrap();
}

#[test]
fn fee_cap_below_base_fee() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let expensive_block = AdmissionContext {
        base_fee: 200,
        ..ctx()
    };
    let message = add_with(&pool, &state, &expensive_block, eip1559(&key, spec(0)))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("max fee per gas less than block base fee: address "),
        "{message}"
    );
    assert!(
        message.ends_with("maxFeePerGas: 100, baseFee: 200"),
        "{message}"
    );
}

#[test]
fn tip_above_fee_cap() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(0).fees(100, 101))),
        "max priority fee per gas higher than max fee per gas"
    );
}

#[test]
fn wrong_chain_id() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let mut other_chain = spec(0);
    other_chain.chain_id = Some(2);
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, other_chain.clone())),
        "invalid sender: invalid chain id for signer: have 2 want 7"
    );
    assert_eq!(
        rejection(&pool, &state, legacy(&key, other_chain)),
        "invalid sender: invalid chain id for signer: have 2 want 7"
    );
}

#[test]
fn unprotected_legacy_only_when_allowed() {
    let (state, key) = (MemoryState::default(), signer());
    let mut unprotected = spec(0);
    unprotected.chain_id = None;
    assert_eq!(
        rejection(&pool(), &state, legacy(&key, unprotected.clone())),
        "only replay-protected (EIP-155) transactions allowed over RPC"
    );
    let permissive = TxPool::new(PoolConfig {
        allow_unprotected_txs: true,
        ..config()
    });
    add_one(&permissive, &state, legacy(&key, unprotected)).unwrap();
}

#[test]
fn oversized_data() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let message = rejection(
        &pool,
        &state,
        eip1559(&key, spec(0).gas(5_000_000).input(vec![1; 131_072])),
    );
    assert!(
        message.starts_with("oversized data: transaction size 131"),
        "{message}"
    );
    assert!(message.ends_with(", limit 131072"), "{message}");
}

#[test]
fn max_initcode_size() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let mut create = spec(0).gas(10_000_000).input(vec![1; 49_153]);
    create.to = TxKind::Create;
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, create)),
        "max initcode size exceeded: code size 49153 limit 49152"
    );
}

#[test]
fn already_known_across_and_within_batches() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let tx = eip1559(&key, spec(0));
    add_one(&pool, &state, tx.clone()).unwrap();
    assert_eq!(rejection(&pool, &state, tx), "already known");

    let other = eip1559(&key, spec(1));
    let results = pool.add_transactions(vec![other.clone(), other], &state, &ctx());
    assert!(results[0].is_ok());
    assert_eq!(results[1], Err(PoolError::AlreadyKnown));
}

#[test]
fn exceeds_block_gas_limit() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    assert_eq!(
        rejection(&pool, &state, eip1559(&key, spec(0).gas(30_000_001))),
        "exceeds block gas limit"
    );
}

#[test]
fn eip7825_gas_cap_from_osaka() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let osaka = AdmissionContext {
        spec: SpecId::OSAKA,
        block_gas_limit: 60_000_000,
        ..ctx()
    };
    let message = add_with(
        &pool,
        &state,
        &osaka,
        eip1559(&key, spec(0).gas(16_777_217)),
    )
    .unwrap_err();
    assert_eq!(
        message.to_string(),
        "transaction gas limit too high (cap: 16777216, tx: 16777217)"
    );
    let prague = AdmissionContext {
        block_gas_limit: 60_000_000,
        ..ctx()
    };
    add_with(
        &pool,
        &state,
        &prague,
        eip1559(&key, spec(0).gas(16_777_217)),
    )
    .unwrap();
}

#[test]
fn blob_transactions_refused_when_disabled_or_before_cancun() {
    let (state, key) = (MemoryState::default(), signer());
    let no_blob_pool = TxPool::new(PoolConfig {
        accept_blob_txs: false,
        ..config()
    });
    let error = add_one(&no_blob_pool, &state, blob(&key, spec(0))).unwrap_err();
    assert_eq!(
        error,
        PoolError::TxTypeNotSupported(TxTypeRejection::NotAccepted(3))
    );
    assert_eq!(
        error.to_string(),
        "transaction type not supported: tx type 3 not supported by this pool"
    );

    let shanghai = AdmissionContext {
        spec: SpecId::SHANGHAI,
        ..ctx()
    };
    assert_eq!(
        add_with(&pool(), &state, &shanghai, blob(&key, spec(1)))
            .unwrap_err()
            .to_string(),
        "transaction type not supported: type 3 rejected, pool not yet in Cancun"
    );
}

#[test]
fn types_refused_before_their_fork() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    let cancun = AdmissionContext {
        spec: SpecId::CANCUN,
        ..ctx()
    };
    assert_eq!(
        add_with(
            &pool,
            &state,
            &cancun,
            eip7702(&key, spec(0).gas(46_000), 1)
        )
        .unwrap_err()
        .to_string(),
        "transaction type not supported: type 4 rejected, pool not yet in Prague"
    );
    let berlin = AdmissionContext {
        spec: SpecId::BERLIN,
        base_fee: 0,
        ..ctx()
    };
    assert_eq!(
        add_with(&pool, &state, &berlin, eip1559(&key, spec(0)))
            .unwrap_err()
            .to_string(),
        "transaction type not supported: type 2 rejected, pool not yet in London"
    );
    let istanbul = AdmissionContext {
        spec: SpecId::ISTANBUL,
        base_fee: 0,
        ..ctx()
    };
    assert_eq!(
        add_with(&pool, &state, &istanbul, eip2930(&key, spec(0)))
            .unwrap_err()
            .to_string(),
        "transaction type not supported: type 1 rejected, pool not yet in Berlin"
    );
    add_with(&pool, &state, &istanbul, legacy(&key, spec(0))).unwrap();
}

#[test]
fn set_code_without_authorizations() {
    let (pool, state, key) = (pool(), MemoryState::default(), signer());
    assert_eq!(
        rejection(&pool, &state, eip7702(&key, spec(0), 0)),
        "set code tx must have at least one authorization tuple"
    );
}

#[test]
fn state_read_failure_is_reported_per_transaction() {
    let (pool, state) = (pool(), MemoryState::default());
    let (broken, fine) = (signer(), signer());
    state.fail_for(broken.address());
    let results = pool.add_transactions(
        vec![eip1559(&broken, spec(0)), eip1559(&fine, spec(0))],
        &state,
        &ctx(),
    );
    assert_eq!(
        results[0].clone().unwrap_err().to_string(),
        "failed to read account state: disk on fire"
    );
    assert!(results[1].is_ok());
}

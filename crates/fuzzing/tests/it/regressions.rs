//! Inputs that once broke a target's invariant, kept as tests (each also sits in the target's
//! corpus as `regression-*`). Each names the bug and the fix.

use cloister_fuzzing::block_import;

/// Found by the block_import smoke run: a block whose EIP-1559 transaction sits in a string
/// header claiming 245 bytes for a 127-byte transaction decoded (alloy-eips 2.5's
/// `network_decode` never checks that length) to the canonical block. Fixed by
/// `cloister_primitives::decode_block` (canonical RLP only), used by every block import path.
#[test]
fn typed_transaction_with_a_lying_length_is_refused() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/block_import/regression-lying-tx-length"
    ))
    .unwrap();
    let rlp = &input[1..input.len() - 65];
    assert!(block_import::decode(rlp).is_none());
    block_import::run(&input);
}

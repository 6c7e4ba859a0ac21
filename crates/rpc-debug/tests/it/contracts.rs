//! Hand-assembled contracts.

use crate::client::{DevNode, quantity};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_signer::SignerSync;
use cloister_primitives::{Bytes, primitives::TxKind};
use serde_json::json;

/// Runtime of the "swap" contract: returns the old value of slot 0, stores calldata word 0 in
/// slot 0 and logs it with topic 0x2a.
///   SLOAD(0); MSTORE(0, old); v = CALLDATALOAD(0); SSTORE(0, v); MSTORE(0x20, v);
///   LOG1(0x20, 32, 0x2a); RETURN(0, 32)
pub const SWAP: &str = "60005460005260003580600055602052602a60206020a160206000f3";

/// Runtime of a contract that writes slot 1 and then reverts with no data.
pub const REVERTER: &str = "600160015560006000fd";

/// Init code that deploys `runtime` (hex, without 0x; under 256 bytes).
pub fn init_code(runtime: &str) -> String {
    let len = runtime.len() / 2;
    // PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN, then the runtime.
    format!("0x60{len:02x}80600b6000396000f3{runtime}")
}

/// Runtime of a proxy that forwards its calldata to `target` and returns 32 bytes of its answer.
///   CALLDATACOPY(0, 0, CALLDATASIZE); CALL(GAS, target, 0, 0, CALLDATASIZE, 0, 32); POP;
///   RETURN(0, 32)
pub fn proxy(target: &str) -> String {
    let target = target.trim_start_matches("0x");
    format!("366000600037602060003660006000 73{target}5af15060206000f3").replace(' ', "")
}

/// Deploys `runtime` from the first dev account (`from`); returns the contract address.
/// Signed here and sent raw: a creation through eth_sendTransaction is another crate's concern.
pub async fn deploy(node: &DevNode, from: &str, runtime: &str) -> String {
    let signer = node.node.dev_accounts[0].clone();
    assert_eq!(
        signer.address().to_string().to_lowercase(),
        from.to_lowercase()
    );
    let nonce = quantity(
        &node
            .call("eth_getTransactionCount", json!([from, "pending"]))
            .await,
    );
    let chain_id = quantity(&node.call("eth_chainId", json!([])).await);
    let gas_price = quantity(&node.call("eth_gasPrice", json!([])).await);
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 0x100000,
        max_fee_per_gas: u128::from(gas_price) * 2,
        max_priority_fee_per_gas: 1,
        to: TxKind::Create,
        input: init_code(runtime).parse::<Bytes>().unwrap(),
        ..Default::default()
    };
    let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    let envelope = TxEnvelope::from(tx.into_signed(signature));
    let raw = format!("0x{}", hex(&envelope.encoded_2718()));
    let hash = node.call("eth_sendRawTransaction", json!([raw])).await;
    let receipt = node.receipt(hash.as_str().unwrap()).await;
    assert_eq!(receipt["status"], "0x1", "deployment failed: {receipt}");
    receipt["contractAddress"].as_str().unwrap().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

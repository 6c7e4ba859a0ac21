//! Every RPC method the node serves, classified once. A name missing here is
//! [`MethodClass::Unknown`] and is denied to everyone: new methods fail closed until someone
//! decides who may call them.

/// How a method is gated before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodClass {
    /// Chain metadata: anyone, anonymous included.
    Metadata,
    /// Any authenticated caller; the answer holds nothing confidential.
    Open,
    /// Any authenticated caller; the method filters each item by the policy itself.
    Filtered,
    /// Auditors only (each call is written to the audit log).
    Auditor,
    /// Not served to anyone.
    Unknown,
}

/// Methods answering with chain metadata only.
const METADATA: &[&str] = &[
    "eth_chainId",
    "eth_blockNumber",
    "eth_syncing",
    "net_version",
    "net_listening",
    "net_peerCount",
    "web3_clientVersion",
    "web3_sha3",
    "cloister_policy",
    "cloister_attestation",
    "cloister_whoami",
];

/// Methods whose answers are the same for every caller and hold nothing confidential.
const OPEN: &[&str] = &[
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_blobBaseFee",
    "eth_baseFee",
    "eth_getCode",
    "eth_config",
    "eth_capabilities",
    "eth_coinbase",
    "eth_getUncleCountByBlockHash",
    "eth_getUncleCountByBlockNumber",
    "eth_getUncleByBlockHashAndIndex",
    "eth_getUncleByBlockNumberAndIndex",
    "eth_newBlockFilter",
    "eth_unsubscribe",
    "eth_uninstallFilter",
    "cloister_revokeToken",
    // Header-level evidence (who sealed a block), like the headers every caller sees.
    "cloister_getBlockSeal",
    "cloister_clusterStatus",
];

/// Methods that apply the policy to each item they return.
const FILTERED: &[&str] = &[
    // Reward percentiles over the transactions the caller may see.
    "eth_feeHistory",
    // Refusals quote the sender's nonce or balance only to callers who may see that account.
    "eth_sendRawTransaction",
    "eth_accounts",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getAccountInfo",
    "eth_getStorageAt",
    "eth_getStorageValues",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getHeaderByHash",
    "eth_getHeaderByNumber",
    "eth_getBlockReceipts",
    "eth_getBlockTransactionCountByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getTransactionByHash",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionReceipt",
    "eth_getLogs",
    "eth_newFilter",
    "eth_newPendingTransactionFilter",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_subscribe",
    "eth_call",
    "eth_estimateGas",
    "eth_createAccessList",
    "eth_simulateV1",
    "eth_sendTransaction",
    "eth_sign",
    "eth_signTransaction",
    "eth_signTypedData_v4",
    "personal_sign",
    "txpool_status",
    "txpool_content",
    "txpool_contentFrom",
    "txpool_inspect",
    "cloister_auditLog",
    "cloister_revokeTokensOf",
];

/// Methods for auditors only: whole-state reads and traces.
const AUDITOR: &[&str] = &[
    "eth_getProof",
    "debug_traceTransaction",
    "debug_traceBlockByNumber",
    "debug_traceBlockByHash",
    "debug_traceCall",
    "debug_getRawBlock",
    "debug_getRawHeader",
    "debug_getRawReceipts",
    "debug_getRawTransaction",
    "testing_buildBlockV1",
];

/// The class of `method`.
pub fn classify(method: &str) -> MethodClass {
    if METADATA.contains(&method) {
        MethodClass::Metadata
    } else if OPEN.contains(&method) {
        MethodClass::Open
    } else if FILTERED.contains(&method) {
        MethodClass::Filtered
    } else if AUDITOR.contains(&method) {
        MethodClass::Auditor
    } else {
        MethodClass::Unknown
    }
}

/// Every classified method (for coverage checks against the served module).
pub fn all() -> impl Iterator<Item = &'static str> {
    METADATA
        .iter()
        .chain(OPEN)
        .chain(FILTERED)
        .chain(AUDITOR)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn no_method_in_two_classes() {
        let mut seen = HashSet::new();
        for name in all() {
            assert!(seen.insert(name), "{name} classified twice");
        }
        assert_eq!(classify("eth_getBalance"), MethodClass::Filtered);
        assert_eq!(classify("engine_forkchoiceUpdatedV3"), MethodClass::Unknown);
        assert_eq!(classify("admin_peers"), MethodClass::Unknown);
    }
}

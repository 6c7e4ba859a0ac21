//! What every RPC method reads from: the chain, the pool and (in dev mode) the keys it may sign
//! with. Also the resolution of block parameters to a stored block.

use crate::{BlockState, RpcError, RpcResult, access::AuditLog};
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag};
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{Chain, ChainHead, SnapshotAccounts};
use cloister_evm::StateDb;
use cloister_policy::Policy;
use cloister_primitives::{Address, Header};
use cloister_txpool::{AdmissionContext, TxPool};
use std::{
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};
use tokio::sync::Semaphore;

/// Shared state of the RPC server.
#[derive(Debug)]
pub struct RpcContext {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The transaction pool.
    pub pool: Arc<TxPool>,
    /// Keys the node signs with for eth_sendTransaction and friends (dev mode only).
    pub signers: Vec<PrivateKeySigner>,
    /// Largest gas an eth_call or eth_estimateGas may use.
    pub gas_cap: u64,
    /// The confidentiality policy in force.
    pub policy: Arc<Policy>,
    /// Where auditors' reads are recorded.
    pub audit: AuditLog,
    /// Longest an EVM-executing call (eth_call, eth_estimateGas, debug_traceCall...) may take
    /// from its arrival, waiting included (geth's `--rpc.evmtimeout`); zero: no bound.
    pub evm_timeout: Duration,
    /// Turns of EVM-executing calls: at most this many run at once, block production aside.
    pub evm_slots: Arc<Semaphore>,
    /// Most EVM-executing calls waiting for a turn; more are refused at once.
    pub evm_queue: usize,
    /// EVM-executing calls waiting for a turn now.
    pub evm_waiting: AtomicUsize,
}

impl RpcContext {
    /// A context with the permissive policy (everything visible: dev and transparent chains);
    /// set `policy` for a confidential chain.
    pub fn new(
        chain: Arc<Chain>,
        pool: Arc<TxPool>,
        signers: Vec<PrivateKeySigner>,
        gas_cap: u64,
    ) -> Self {
        let audit = AuditLog::new(chain.store().clone());
        Self {
            chain,
            pool,
            signers,
            gas_cap,
            policy: Arc::new(Policy::permissive()),
            audit,
            evm_timeout: Self::DEFAULT_EVM_TIMEOUT,
            evm_slots: Arc::new(Semaphore::new(Self::default_evm_concurrency())),
            evm_queue: Self::DEFAULT_EVM_QUEUE,
            evm_waiting: AtomicUsize::new(0),
        }
    }

    /// geth's default bound on one EVM-executing call.
    pub const DEFAULT_EVM_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default most EVM-executing calls waiting for a turn.
    pub const DEFAULT_EVM_QUEUE: usize = 128;

    /// Default most EVM-executing calls at once: every core but one (at least one), so that
    /// block production and the rest of RPC keep a core.
    pub fn default_evm_concurrency() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
    }

    /// Bounds EVM-executing calls: `timeout` from arrival (zero: none), `concurrency` at once
    /// (at least one), `queue` waiting.
    pub fn set_evm_limits(&mut self, timeout: Duration, concurrency: usize, queue: usize) {
        self.evm_timeout = timeout;
        self.evm_slots = Arc::new(Semaphore::new(concurrency.max(1)));
        self.evm_queue = queue;
    }

    /// The signer for `address`, if the node holds its key.
    pub fn signer(&self, address: &Address) -> Option<&PrivateKeySigner> {
        self.signers.iter().find(|s| &s.address() == address)
    }

    /// The block a parameter names (default latest) with the state after it. Tags other
    /// than earliest and numbers name the head: finality is immediate and no pending block is
    /// exposed. Hashes are looked up among canonical blocks only (this node keeps no side
    /// chains), so EIP-1898's requireCanonical holds either way.
    pub fn state_at(&self, block: Option<BlockId>) -> RpcResult<BlockState> {
        let head = self.chain.head();
        let number = match block {
            None => head.header.number,
            Some(BlockId::Number(tag)) => self.block_number(tag).ok_or(RpcError::HeaderNotFound)?,
            Some(BlockId::Hash(hash)) => head
                .reader
                .block_number(&hash.block_hash)?
                .ok_or(RpcError::HeaderNotFound)?,
        };
        self.state_after(&head, number)
    }

    /// The state after block `number`, read through `head`'s snapshot.
    pub fn state_after(&self, head: &ChainHead, number: u64) -> RpcResult<BlockState> {
        if number == head.header.number {
            return Ok(BlockState {
                header: head.header.clone(),
                hash: head.hash,
                reader: head.reader.clone(),
                db: StateDb::new(head.reader.clone()),
            });
        }
        let header = head
            .reader
            .header(number)?
            .ok_or(RpcError::HeaderNotFound)?;
        let hash = head
            .reader
            .canonical_hash(number)?
            .ok_or(RpcError::HeaderNotFound)?;
        Ok(BlockState {
            header,
            hash,
            reader: head.reader.clone(),
            db: StateDb::at_block(head.reader.clone(), number),
        })
    }

    /// Number of the block a tag names, if it exists.
    pub fn block_number(&self, tag: BlockNumberOrTag) -> Option<u64> {
        let head = self.chain.head().header.number;
        match tag {
            BlockNumberOrTag::Earliest => Some(0),
            BlockNumberOrTag::Number(n) if n <= head => Some(n),
            BlockNumberOrTag::Number(_) => None,
            // Finality is immediate: safe = finalized = latest; no pending block is exposed.
            _ => Some(head),
        }
    }

    /// Admission facts for the block after the head.
    pub fn admission(&self, head: &ChainHead) -> AdmissionContext {
        let next = next_block_fields(&head.header);
        AdmissionContext {
            base_fee: next.0,
            block_gas_limit: head.header.gas_limit,
            spec: self.chain.spec().spec_id_at(head.header.number + 1, next.1),
        }
    }

    /// Nonces and balances at the head, for the pool.
    pub fn accounts(&self, head: &ChainHead) -> SnapshotAccounts {
        SnapshotAccounts(head.reader.clone())
    }
}

/// Base fee and timestamp of the block after `parent`.
pub fn next_block_fields(parent: &Header) -> (u64, u64) {
    let base_fee = parent
        .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
        .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    (base_fee, now.max(parent.timestamp))
}

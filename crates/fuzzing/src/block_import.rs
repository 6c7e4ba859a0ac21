//! Blocks from outside (`cloister import`, a peer's log entry, a snapshot): RLP decoding, then
//! `Chain::import_block` on the dev chain — header rules, seal, body roots, sender recovery,
//! execution and every commitment of the header.
//!
//! Input: one mode byte, then the block's RLP. Mode bit 0 set: the harness seals the block with
//! the dev validator's key (so the rules after the seal see the hostile block); clear: the last
//! 65 bytes are the seal. Bit 1 set: the parent hash is set to the head's, so the block is not
//! refused for being off the chain. One chain per process; a block that imports resets it.

use crate::setup::{fail, temp_dir, violated};
use alloy_consensus::{Block, BlockBody};
use alloy_rlp::Encodable;
use alloy_signer_local::PrivateKeySigner;
use cloister_chain::{Chain, SEAL_LEN, seal_block, seal_from_bytes};
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON, dev_accounts};
use cloister_primitives::{TxEnvelope, primitives::Signature};
use cloister_storage::Store;
use std::{cell::RefCell, sync::Arc};

/// The dev chain at genesis, in a temporary directory.
pub(crate) struct DevChain {
    pub(crate) chain: Arc<Chain>,
    pub(crate) validator: PrivateKeySigner,
    _dir: tempfile::TempDir,
}

impl DevChain {
    pub(crate) fn new() -> Self {
        let spec = ChainSpec::dev().unwrap_or_else(|err| fail("the dev chain spec", err));
        let validator = dev_key(0);
        let dir = temp_dir("the dev chain");
        let store = Store::open(dir.path()).unwrap_or_else(|err| fail("the dev store", err));
        Chain::init(&store, &spec, DEV_GENESIS_JSON)
            .unwrap_or_else(|err| fail("the dev genesis", err));
        let chain = Chain::open(store, Arc::new(spec), Some(validator.clone()))
            .unwrap_or_else(|err| fail("the dev chain", err));
        Self {
            chain: Arc::new(chain),
            validator,
            _dir: dir,
        }
    }
}

/// Dev account `index`'s key.
pub(crate) fn dev_key(index: usize) -> PrivateKeySigner {
    let accounts = dev_accounts().unwrap_or_else(|err| fail("the dev accounts", err));
    let (_, key) = accounts
        .get(index)
        .copied()
        .unwrap_or_else(|| fail("the dev accounts", "too few"));
    PrivateKeySigner::from_bytes(&key).unwrap_or_else(|err| fail("a dev key", err))
}

thread_local! {
    static CHAIN: RefCell<Option<DevChain>> = const { RefCell::new(None) };
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let (rlp, seal) = if mode & 1 == 1 {
        (rest, None)
    } else {
        let Some(split) = rest.len().checked_sub(SEAL_LEN) else {
            return;
        };
        let (rlp, seal) = rest.split_at(split);
        let Ok(seal) = seal_from_bytes(seal) else {
            return;
        };
        (rlp, Some(seal))
    };
    let Some(block) = decode(rlp) else { return };
    with_chain(|dev| {
        let mut block = block;
        if mode & 2 == 2 {
            block.header.parent_hash = dev.chain.head().hash;
        }
        let seal = match seal {
            Some(seal) => seal,
            None => match seal_block(block.header.hash_slow(), &dev.validator) {
                Ok(seal) => seal,
                Err(err) => fail("a seal", err),
            },
        };
        import(dev, block, seal)
    });
}

/// The import path's decoding (one block, canonical RLP); what it accepts re-encodes the same.
pub fn decode(rlp: &[u8]) -> Option<Block<TxEnvelope>> {
    let block = cloister_primitives::decode_block(rlp).ok()?;
    let mut again = Vec::with_capacity(rlp.len());
    block.encode(&mut again);
    if again != rlp {
        violated("a decoded block re-encodes differently");
    }
    Some(block)
}

/// Runs `f` on the process's dev chain; `f` returns whether the chain moved (then it is reset).
pub(crate) fn with_chain(f: impl FnOnce(&DevChain) -> bool) {
    CHAIN.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dev = slot.get_or_insert_with(DevChain::new);
        if f(dev) {
            *slot = Some(DevChain::new());
        }
    });
}

/// Imports `block`; returns whether it was accepted (the head moved to it).
pub(crate) fn import(dev: &DevChain, block: Block<TxEnvelope>, seal: Signature) -> bool {
    let before = dev.chain.head();
    let hash = block.header.hash_slow();
    match dev.chain.import_block(block, Some(seal)) {
        Ok(committed) => {
            if committed.hash != hash || dev.chain.head().hash != hash {
                violated("an imported block is not the head");
            }
            true
        }
        Err(_) => {
            if dev.chain.head().hash != before.hash {
                violated("a refused block moved the head");
            }
            false
        }
    }
}

/// Blocks the dev chain builds, as `mode ‖ rlp` seeds (mode 1: the harness seals).
pub fn seed_blocks(txs: Vec<cloister_primitives::RecoveredTx>) -> Vec<Vec<u8>> {
    let dev = DevChain::new();
    let mut source = VecSource(txs.into_iter().collect());
    let mut seeds = Vec::new();
    for timestamp in [12, 24] {
        let Ok(sealed) = dev.chain.build_block(&mut source, timestamp, 64) else {
            break;
        };
        let block = Block {
            header: sealed.header.clone(),
            body: BlockBody {
                transactions: sealed
                    .transactions
                    .iter()
                    .map(|tx| tx.inner().clone())
                    .collect(),
                ommers: sealed.ommers.clone(),
                withdrawals: sealed.withdrawals.clone().map(Into::into),
            },
        };
        let mut seed = vec![1u8];
        block.encode(&mut seed);
        seeds.push(seed.clone());
        if let Some(seal) = sealed.seal {
            seed[0] = 0;
            seed.extend_from_slice(&seal.as_bytes());
            seeds.push(seed);
        }
        if dev.chain.commit_block(sealed).is_err() {
            break;
        }
    }
    seeds
}

/// Transactions handed to block building in order.
pub(crate) struct VecSource(
    pub(crate) std::collections::VecDeque<cloister_primitives::RecoveredTx>,
);

impl cloister_evm::TxSource for VecSource {
    fn next_tx(&mut self) -> Option<cloister_primitives::RecoveredTx> {
        self.0.pop_front()
    }

    fn skip_sender(&mut self, sender: cloister_primitives::Address) {
        self.0.retain(|tx| tx.signer() != sender);
    }
}

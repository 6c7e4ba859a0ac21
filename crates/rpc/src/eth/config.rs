//! `eth_config` (EIP-7910): the fork in force at the head, the next scheduled one and the last
//! one, each with its blob schedule, EIP-2124 fork id, precompiles and system contracts.

use crate::RpcContext;
use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
use alloy_evm::eth::spec::EthExecutorSpec;
use cloister_chainspec::{ChainSpec, ForkCondition};
use cloister_primitives::{Address, B256, primitives::FixedBytes};
use revm::primitives::hardfork::SpecId;
use serde::Serialize;
use std::collections::BTreeMap;

/// The answer of `eth_config`.
#[derive(Debug, Clone, Serialize)]
pub struct EthConfig {
    /// The fork in force at the head.
    pub current: ForkConfig,
    /// The next scheduled fork, if any.
    pub next: Option<ForkConfig>,
    /// The last scheduled fork, when it is not the current one.
    pub last: Option<ForkConfig>,
}

/// One fork's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForkConfig {
    /// Its activation timestamp (0 for a chain with no timestamp-activated fork).
    pub activation_time: u64,
    /// Its blob parameters; `None` before Cancun.
    pub blob_schedule: Option<BlobConfig>,
    /// The chain id, as a quantity.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: u64,
    /// EIP-2124 fork hash with this fork active.
    pub fork_id: FixedBytes<4>,
    /// Precompile name → address.
    pub precompiles: BTreeMap<&'static str, Address>,
    /// System contract name → address.
    pub system_contracts: BTreeMap<&'static str, Address>,
}

/// Blob parameters, as EIP-7910 names them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobConfig {
    /// Target blobs per block.
    pub target: u64,
    /// Most blobs per block.
    pub max: u64,
    /// Blob base fee update fraction.
    pub base_fee_update_fraction: u128,
}

/// Every precompile by its EIP-7910 name, with the fork that introduced it.
const PRECOMPILES: [(&str, u16, SpecId); 18] = [
    ("ECREC", 0x01, SpecId::FRONTIER),
    ("SHA256", 0x02, SpecId::FRONTIER),
    ("RIPEMD160", 0x03, SpecId::FRONTIER),
    ("ID", 0x04, SpecId::FRONTIER),
    ("MODEXP", 0x05, SpecId::BYZANTIUM),
    ("BN254_ADD", 0x06, SpecId::BYZANTIUM),
    ("BN254_MUL", 0x07, SpecId::BYZANTIUM),
    ("BN254_PAIRING", 0x08, SpecId::BYZANTIUM),
    ("BLAKE2F", 0x09, SpecId::ISTANBUL),
    ("KZG_POINT_EVALUATION", 0x0a, SpecId::CANCUN),
    ("BLS12_G1ADD", 0x0b, SpecId::PRAGUE),
    ("BLS12_G1MSM", 0x0c, SpecId::PRAGUE),
    ("BLS12_G2ADD", 0x0d, SpecId::PRAGUE),
    ("BLS12_G2MSM", 0x0e, SpecId::PRAGUE),
    ("BLS12_PAIRING_CHECK", 0x0f, SpecId::PRAGUE),
    ("BLS12_MAP_FP_TO_G1", 0x10, SpecId::PRAGUE),
    ("BLS12_MAP_FP2_TO_G2", 0x11, SpecId::PRAGUE),
    ("P256VERIFY", 0x100, SpecId::OSAKA),
];

/// The `eth_config` answer at the current head.
pub(super) fn eth_config(ctx: &RpcContext) -> EthConfig {
    let spec = ctx.chain.spec();
    let head = ctx.chain.head();
    let genesis_time = spec.genesis_header().timestamp;
    // Timestamp forks after genesis, distinct and ascending (EIP-2124 and EIP-7910 skip
    // forks active at genesis).
    let mut times: Vec<u64> = spec
        .forks()
        .iter()
        .filter_map(|(_, condition)| match condition {
            ForkCondition::Timestamp(t) => Some(*t),
            _ => None,
        })
        .collect();
    times.sort_unstable();
    times.dedup();
    let current_time = times
        .iter()
        .copied()
        .filter(|t| *t <= head.header.timestamp)
        .max()
        .unwrap_or(0);
    let later: Vec<u64> = times
        .iter()
        .copied()
        .filter(|t| *t > head.header.timestamp && *t > genesis_time)
        .collect();
    let at = |time: u64| fork_config(spec, head.header.number, time);
    EthConfig {
        current: at(current_time),
        next: later.first().map(|t| at(*t)),
        last: later.last().map(|t| at(*t)),
    }
}

fn fork_config(spec: &ChainSpec, head_number: u64, time: u64) -> ForkConfig {
    let spec_id = spec.spec_id_at(head_number, time);
    let precompiles = PRECOMPILES
        .iter()
        .filter(|(_, _, since)| spec_id.is_enabled_in(*since))
        .map(|(name, address, _)| (*name, precompile_address(*address)))
        .collect();
    let mut system_contracts = BTreeMap::new();
    if spec_id.is_enabled_in(SpecId::CANCUN) {
        system_contracts.insert("BEACON_ROOTS_ADDRESS", eip4788::BEACON_ROOTS_ADDRESS);
    }
    if spec_id.is_enabled_in(SpecId::PRAGUE) {
        system_contracts.insert(
            "CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS",
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        );
        system_contracts.insert(
            "DEPOSIT_CONTRACT_ADDRESS",
            spec.deposit_contract_address().unwrap_or_default(),
        );
        system_contracts.insert("HISTORY_STORAGE_ADDRESS", eip2935::HISTORY_STORAGE_ADDRESS);
        system_contracts.insert(
            "WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS",
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        );
    }
    ForkConfig {
        activation_time: time,
        blob_schedule: spec
            .blob_params_at_timestamp(time)
            .map(|params| BlobConfig {
                target: params.target_blob_count,
                max: params.max_blob_count,
                base_fee_update_fraction: params.update_fraction,
            }),
        chain_id: spec.chain_id(),
        fork_id: fork_hash(spec, time),
        precompiles,
        system_contracts,
    }
}

/// The address of precompile number `n`.
fn precompile_address(n: u16) -> Address {
    let mut bytes = [0u8; 20];
    bytes[18..].copy_from_slice(&n.to_be_bytes());
    Address::from(bytes)
}

/// EIP-2124 fork hash: CRC-32 of the genesis hash then of every distinct activation block and
/// timestamp (big-endian u64) after genesis, up to the fork active at `time`.
fn fork_hash(spec: &ChainSpec, time: u64) -> FixedBytes<4> {
    let genesis_time = spec.genesis_header().timestamp;
    let mut blocks = Vec::new();
    let mut times = Vec::new();
    for (_, condition) in spec.forks() {
        match condition {
            ForkCondition::Block(n) => blocks.push(*n),
            ForkCondition::TTD {
                fork_block: Some(n),
                ..
            } => blocks.push(*n),
            ForkCondition::Timestamp(t) if *t > genesis_time && *t <= time => times.push(*t),
            _ => {}
        }
    }
    blocks.retain(|n| *n > 0);
    blocks.sort_unstable();
    blocks.dedup();
    times.sort_unstable();
    times.dedup();
    let mut crc = Crc32::new(spec.genesis_hash());
    for activation in blocks.into_iter().chain(times) {
        crc.update(&activation.to_be_bytes());
    }
    FixedBytes(crc.finish().to_be_bytes())
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as EIP-2124 uses.
struct Crc32(u32);

impl Crc32 {
    fn new(genesis: B256) -> Self {
        let mut crc = Self(!0);
        crc.update(genesis.as_slice());
        crc
    }

    fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u32::from(*byte);
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }

    fn finish(&self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloister_primitives::b256;

    #[test]
    fn crc32_matches_eip2124_mainnet_vectors() {
        // EIP-2124: mainnet genesis alone is 0xfc64ec04; with Homestead (1150000) 0x97c2c34c.
        let genesis = b256!("d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3");
        let crc = Crc32::new(genesis);
        assert_eq!(crc.finish(), 0xfc64_ec04);
        let mut crc = Crc32::new(genesis);
        crc.update(&1_150_000u64.to_be_bytes());
        assert_eq!(crc.finish(), 0x97c2_c34c);
    }
}

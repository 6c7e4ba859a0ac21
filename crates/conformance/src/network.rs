//! Test network names ("Cancun", "PragueToOsakaAtTime15k", "BerlinToLondonAt5") turned into a
//! geth-style chain config: every fork up to the first one active at genesis, the second one
//! (if any) at block 5 or timestamp 15000, blob parameters from the fixture's `blobSchedule`.

use alloy_eips::eip7840::BlobParams;
use alloy_genesis::ChainConfig;
use cloister_primitives::U256;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Forks in protocol order, by the names the fixtures use.
const FORKS: [&str; 20] = [
    "Frontier",
    "Homestead",
    "EIP150",
    "EIP158",
    "Byzantium",
    "Constantinople",
    "ConstantinopleFix",
    "Istanbul",
    "Berlin",
    "London",
    "Paris",
    "Shanghai",
    "Cancun",
    "Prague",
    "Osaka",
    "BPO1",
    "BPO2",
    "BPO3",
    "BPO4",
    "BPO5",
];

/// Block of the second fork in `XToYAt5` networks.
const TRANSITION_BLOCK: u64 = 5;
/// Timestamp of the second fork in `XToYAtTime15k` networks.
const TRANSITION_TIME: u64 = 15_000;

/// A network this runner cannot express.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// Not a fork or transition name known here.
    #[error("unknown network {0}")]
    Unknown(String),
    /// geth's config cannot say it (Constantinople without Petersburg).
    #[error("network {0} cannot be expressed in a geth config")]
    Inexpressible(String),
}

/// One fork's blob parameters as the fixtures write them (hex quantities).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBlobParams {
    target: U256,
    max: U256,
    base_fee_update_fraction: U256,
}

/// `config.blobSchedule` of a fixture: fork name ("Cancun", "BPO1") to parameters.
pub type FixtureBlobSchedule = BTreeMap<String, FixtureBlobParams>;

/// When the forks of a network activate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    Genesis,
    Block(u64),
    Time(u64),
}

/// The chain config (chain id 1) for a fixture network.
pub fn chain_config(
    network: &str,
    blob_schedule: Option<&FixtureBlobSchedule>,
) -> Result<ChainConfig, NetworkError> {
    let unknown = || NetworkError::Unknown(network.to_string());
    let (first, second) = match network.split_once("To") {
        Some((first, rest)) => {
            let (second, activation) = if let Some(second) = rest.strip_suffix("AtTime15k") {
                (second, Activation::Time(TRANSITION_TIME))
            } else if let Some(second) = rest.strip_suffix("At5") {
                (second, Activation::Block(TRANSITION_BLOCK))
            } else {
                return Err(unknown());
            };
            (
                first,
                Some((fork_index(second).ok_or_else(unknown)?, activation)),
            )
        }
        None => (network, None),
    };
    let first = fork_index(first).ok_or_else(unknown)?;
    if FORKS[first] == "Constantinople" {
        return Err(NetworkError::Inexpressible(network.to_string()));
    }
    let mut config = ChainConfig {
        chain_id: 1,
        ..Default::default()
    };
    for index in 1..=first {
        activate(&mut config, index, Activation::Genesis);
    }
    if let Some((second, activation)) = second {
        for index in first + 1..=second {
            activate(&mut config, index, activation);
        }
    }
    if let Some(schedule) = blob_schedule {
        config.blob_schedule = schedule
            .iter()
            .map(|(fork, params)| (fork.to_lowercase(), blob_params(fork, params)))
            .collect();
    }
    Ok(config)
}

fn fork_index(name: &str) -> Option<usize> {
    let name = match name {
        "Merge" => "Paris",
        "Petersburg" => "ConstantinopleFix",
        "Tangerine" | "TangerineWhistle" => "EIP150",
        "SpuriousDragon" => "EIP158",
        other => other,
    };
    FORKS.iter().position(|fork| *fork == name)
}

/// Sets the config field(s) of fork `index` (in [`FORKS`]).
fn activate(config: &mut ChainConfig, index: usize, activation: Activation) {
    let block = match activation {
        Activation::Genesis | Activation::Time(_) => Some(0),
        Activation::Block(at) => Some(at),
    };
    let time = match activation {
        Activation::Genesis | Activation::Block(_) => Some(0),
        Activation::Time(at) => Some(at),
    };
    match FORKS[index] {
        "Homestead" => config.homestead_block = block,
        "EIP150" => config.eip150_block = block,
        "EIP158" => {
            config.eip155_block = block;
            config.eip158_block = block;
        }
        "Byzantium" => config.byzantium_block = block,
        "Constantinople" => config.constantinople_block = block,
        "ConstantinopleFix" => config.petersburg_block = block,
        "Istanbul" => config.istanbul_block = block,
        "Berlin" => config.berlin_block = block,
        "London" => config.london_block = block,
        "Paris" => {
            // Merged from genesis; a block-number merge transition is not a network here.
            config.terminal_total_difficulty = Some(U256::ZERO);
            config.terminal_total_difficulty_passed = true;
        }
        "Shanghai" => config.shanghai_time = time,
        "Cancun" => config.cancun_time = time,
        "Prague" => config.prague_time = time,
        "Osaka" => config.osaka_time = time,
        "BPO1" => config.bpo1_time = time,
        "BPO2" => config.bpo2_time = time,
        "BPO3" => config.bpo3_time = time,
        "BPO4" => config.bpo4_time = time,
        "BPO5" => config.bpo5_time = time,
        _ => {}
    }
}

fn blob_params(fork: &str, params: &FixtureBlobParams) -> BlobParams {
    let base = match fork {
        "Cancun" => BlobParams::cancun(),
        "Prague" => BlobParams::prague(),
        _ => BlobParams::osaka(),
    };
    let max = params.max.saturating_to::<u64>();
    BlobParams {
        target_blob_count: params.target.saturating_to(),
        max_blob_count: max,
        update_fraction: params.base_fee_update_fraction.saturating_to(),
        // Before Osaka a transaction may carry as many blobs as a block.
        max_blobs_per_tx: if matches!(fork, "Cancun" | "Prague") {
            max
        } else {
            base.max_blobs_per_tx
        },
        ..base
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use cloister_chainspec::{ChainSpec, EthereumHardforks, Genesis};

    fn spec(network: &str) -> ChainSpec {
        let genesis = Genesis {
            config: chain_config(network, None).unwrap(),
            gas_limit: 30_000_000,
            ..Default::default()
        };
        ChainSpec::from_genesis(genesis, None).unwrap()
    }

    #[test]
    fn single_forks_activate_everything_before_them() {
        let cancun = spec("Cancun");
        assert!(cancun.is_cancun_active_at_timestamp(0));
        assert!(!cancun.is_prague_active_at_timestamp(u64::MAX));
        assert!(cancun.is_paris_active_at_block(0));
        let berlin = spec("Berlin");
        assert!(berlin.is_berlin_active_at_block(0));
        assert!(!berlin.is_london_active_at_block(100));
        assert!(!berlin.is_paris_active_at_block(100));
    }

    #[test]
    fn transitions_activate_the_second_fork_later() {
        let t = spec("CancunToPragueAtTime15k");
        assert!(!t.is_prague_active_at_timestamp(14_999));
        assert!(t.is_prague_active_at_timestamp(15_000));
        let b = spec("BerlinToLondonAt5");
        assert!(!b.is_london_active_at_block(4));
        assert!(b.is_london_active_at_block(5));
        let bpo = spec("OsakaToBPO1AtTime15k");
        assert!(bpo.is_bpo1_active_at_timestamp(15_000));
    }

    #[test]
    fn unknown_and_inexpressible_networks_are_errors() {
        assert!(matches!(
            chain_config("Amsterdam", None),
            Err(NetworkError::Unknown(_))
        ));
        assert!(matches!(
            chain_config("CancunToPragueAt7", None),
            Err(NetworkError::Unknown(_))
        ));
        assert!(matches!(
            chain_config("Constantinople", None),
            Err(NetworkError::Inexpressible(_))
        ));
    }
}

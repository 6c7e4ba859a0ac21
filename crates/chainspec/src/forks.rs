//! The fork schedule: geth `config` fields mapped to alloy's `EthereumHardfork` activations,
//! and the ordering rules a schedule must satisfy (the same rules geth applies at `init`).

use crate::ChainSpecError;
use alloy_genesis::ChainConfig;
use alloy_hardforks::{EthereumHardfork, ForkCondition};

/// Builds the activation of every fork the config schedules, in fork order.
///
/// Call [`check_fork_order`] first: this assumes the merge block is known when TTD is set.
pub(crate) fn fork_schedule(config: &ChainConfig) -> Vec<(EthereumHardfork, ForkCondition)> {
    let mut forks = vec![(EthereumHardfork::Frontier, ForkCondition::ZERO_BLOCK)];
    // geth treats a missing Petersburg as coinciding with Constantinople.
    let petersburg_block = config.petersburg_block.or(config.constantinople_block);
    // The DAO fork's irregular state change applies only to chains that opted in.
    let dao_block = config.dao_fork_block.filter(|_| config.dao_fork_support);
    let block_forks = [
        (EthereumHardfork::Homestead, config.homestead_block),
        (EthereumHardfork::Dao, dao_block),
        (EthereumHardfork::Tangerine, config.eip150_block),
        (EthereumHardfork::SpuriousDragon, config.eip158_block),
        (EthereumHardfork::Byzantium, config.byzantium_block),
        (
            EthereumHardfork::Constantinople,
            config.constantinople_block,
        ),
        (EthereumHardfork::Petersburg, petersburg_block),
        (EthereumHardfork::Istanbul, config.istanbul_block),
        (EthereumHardfork::MuirGlacier, config.muir_glacier_block),
        (EthereumHardfork::Berlin, config.berlin_block),
        (EthereumHardfork::London, config.london_block),
        (EthereumHardfork::ArrowGlacier, config.arrow_glacier_block),
        (EthereumHardfork::GrayGlacier, config.gray_glacier_block),
    ];
    forks.extend(
        block_forks
            .into_iter()
            .filter_map(|(fork, block)| Some((fork, ForkCondition::Block(block?)))),
    );
    if let Some(total_difficulty) = config.terminal_total_difficulty {
        let activation_block_number = config.merge_netsplit_block.unwrap_or_default();
        forks.push((
            EthereumHardfork::Paris,
            ForkCondition::TTD {
                activation_block_number,
                fork_block: config.merge_netsplit_block,
                total_difficulty,
            },
        ));
    }
    let time_forks = [
        (EthereumHardfork::Shanghai, config.shanghai_time),
        (EthereumHardfork::Cancun, config.cancun_time),
        (EthereumHardfork::Prague, config.prague_time),
        (EthereumHardfork::Osaka, config.osaka_time),
        (EthereumHardfork::Bpo1, config.bpo1_time),
        (EthereumHardfork::Bpo2, config.bpo2_time),
        (EthereumHardfork::Bpo3, config.bpo3_time),
        (EthereumHardfork::Bpo4, config.bpo4_time),
        (EthereumHardfork::Bpo5, config.bpo5_time),
    ];
    forks.extend(
        time_forks
            .into_iter()
            .filter_map(|(fork, time)| Some((fork, ForkCondition::Timestamp(time?)))),
    );
    forks
}

/// When a fork activates, as written in the config.
#[derive(Clone, Copy)]
enum Activation {
    Block(Option<u64>),
    Time(Option<u64>),
}

impl Activation {
    const fn value(self) -> Option<u64> {
        match self {
            Self::Block(at) | Self::Time(at) => at,
        }
    }
}

/// One entry of the ordering check: geth field name, activation, and whether it may be skipped.
struct OrderedFork {
    field: &'static str,
    activation: Activation,
    optional: bool,
}

const fn required(field: &'static str, activation: Activation) -> OrderedFork {
    OrderedFork {
        field,
        activation,
        optional: false,
    }
}

const fn optional(field: &'static str, activation: Activation) -> OrderedFork {
    OrderedFork {
        field,
        activation,
        optional: true,
    }
}

/// Checks that forks are scheduled in protocol order and that the merge is well defined.
///
/// Follows geth's `CheckConfigForkOrder`, except that Cancun, Prague and Osaka may not be
/// skipped (a later fork without them cannot be executed), and forks Cloister cannot run
/// (Amsterdam and later) are refused instead of silently ignored.
pub(crate) fn check_fork_order(config: &ChainConfig) -> Result<(), ChainSpecError> {
    use Activation::{Block, Time};
    if config.amsterdam_time.is_some() {
        return Err(ChainSpecError::UnsupportedFork {
            fork: "Amsterdam",
            field: "amsterdamTime",
        });
    }
    if config.bogota_time.is_some() {
        return Err(ChainSpecError::UnsupportedFork {
            fork: "Bogota",
            field: "bogotaTime",
        });
    }
    let ordered = [
        required("homesteadBlock", Block(config.homestead_block)),
        optional("daoForkBlock", Block(config.dao_fork_block)),
        required("eip150Block", Block(config.eip150_block)),
        required("eip155Block", Block(config.eip155_block)),
        required("eip158Block", Block(config.eip158_block)),
        required("byzantiumBlock", Block(config.byzantium_block)),
        required("constantinopleBlock", Block(config.constantinople_block)),
        required("petersburgBlock", Block(config.petersburg_block)),
        required("istanbulBlock", Block(config.istanbul_block)),
        optional("muirGlacierBlock", Block(config.muir_glacier_block)),
        required("berlinBlock", Block(config.berlin_block)),
        required("londonBlock", Block(config.london_block)),
        optional("arrowGlacierBlock", Block(config.arrow_glacier_block)),
        optional("grayGlacierBlock", Block(config.gray_glacier_block)),
        optional("mergeNetsplitBlock", Block(config.merge_netsplit_block)),
        required("shanghaiTime", Time(config.shanghai_time)),
        required("cancunTime", Time(config.cancun_time)),
        required("pragueTime", Time(config.prague_time)),
        required("osakaTime", Time(config.osaka_time)),
        optional("bpo1Time", Time(config.bpo1_time)),
        optional("bpo2Time", Time(config.bpo2_time)),
        optional("bpo3Time", Time(config.bpo3_time)),
        optional("bpo4Time", Time(config.bpo4_time)),
        optional("bpo5Time", Time(config.bpo5_time)),
    ];
    let mut previous: Option<&OrderedFork> = None;
    for current in &ordered {
        if let (Some(previous), Some(current_at)) = (previous, current.activation.value()) {
            check_pair(previous, current, current_at)?;
        }
        if !current.optional || current.activation.value().is_some() {
            previous = Some(current);
        }
    }
    check_merge(config)
}

/// Checks one fork against the last required-or-scheduled fork before it.
fn check_pair(
    previous: &OrderedFork,
    current: &OrderedFork,
    current_at: u64,
) -> Result<(), ChainSpecError> {
    let Some(previous_at) = previous.activation.value() else {
        return Err(ChainSpecError::ForkNotEnabled {
            missing: previous.field,
            enabled: current.field,
            enabled_at: current_at,
        });
    };
    // A block number and a timestamp cannot be compared; only same-kind pairs are ordered.
    let same_kind = matches!(
        (previous.activation, current.activation),
        (Activation::Block(_), Activation::Block(_)) | (Activation::Time(_), Activation::Time(_))
    );
    if same_kind && previous_at > current_at {
        return Err(ChainSpecError::ForkOrder {
            earlier: previous.field,
            earlier_at: previous_at,
            later: current.field,
            later_at: current_at,
        });
    }
    Ok(())
}

/// The merge needs London before it and must have a known first block; post-merge forks
/// need the merge.
fn check_merge(config: &ChainConfig) -> Result<(), ChainSpecError> {
    match config.terminal_total_difficulty {
        Some(ttd) => {
            if config.london_block.is_none() {
                return Err(ChainSpecError::MergeNeedsLondon);
            }
            if !ttd.is_zero() && config.merge_netsplit_block.is_none() {
                return Err(ChainSpecError::UnknownMergeBlock { ttd });
            }
            Ok(())
        }
        None if config.shanghai_time.is_some() => Err(ChainSpecError::ForkNeedsMerge {
            fork: "shanghaiTime",
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use alloy_hardforks::{EthereumChainHardforks, EthereumHardforks};
    use cloister_primitives::U256;

    fn all_at_zero() -> ChainConfig {
        ChainConfig {
            chain_id: 7,
            homestead_block: Some(0),
            eip150_block: Some(0),
            eip155_block: Some(0),
            eip158_block: Some(0),
            byzantium_block: Some(0),
            constantinople_block: Some(0),
            petersburg_block: Some(0),
            istanbul_block: Some(0),
            berlin_block: Some(0),
            london_block: Some(0),
            terminal_total_difficulty: Some(U256::ZERO),
            shanghai_time: Some(0),
            cancun_time: Some(0),
            prague_time: Some(0),
            osaka_time: Some(0),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_everything_at_genesis() {
        check_fork_order(&all_at_zero()).unwrap();
    }

    #[test]
    fn rejects_reversed_blocks() {
        let config = ChainConfig {
            berlin_block: Some(10),
            london_block: Some(5),
            ..all_at_zero()
        };
        let err = check_fork_order(&config).unwrap_err();
        assert!(
            matches!(
                err,
                ChainSpecError::ForkOrder {
                    earlier: "berlinBlock",
                    earlier_at: 10,
                    later: "londonBlock",
                    later_at: 5
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_reversed_timestamps() {
        let config = ChainConfig {
            cancun_time: Some(20),
            prague_time: Some(10),
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::ForkOrder {
                earlier: "cancunTime",
                later: "pragueTime",
                ..
            })
        ));
    }

    #[test]
    fn rejects_gap() {
        let config = ChainConfig {
            cancun_time: None,
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::ForkNotEnabled {
                missing: "cancunTime",
                enabled: "pragueTime",
                ..
            })
        ));
        let config = ChainConfig {
            london_block: None,
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::ForkNotEnabled {
                missing: "londonBlock",
                ..
            })
        ));
    }

    #[test]
    fn optional_forks_may_be_skipped_but_not_reversed() {
        let config = ChainConfig {
            bpo2_time: Some(5),
            ..all_at_zero()
        };
        check_fork_order(&config).unwrap();
        let config = ChainConfig {
            bpo1_time: Some(9),
            bpo2_time: Some(5),
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::ForkOrder {
                earlier: "bpo1Time",
                later: "bpo2Time",
                ..
            })
        ));
    }

    #[test]
    fn merge_rules() {
        let config = ChainConfig {
            terminal_total_difficulty: None,
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::ForkNeedsMerge {
                fork: "shanghaiTime"
            })
        ));
        let config = ChainConfig {
            terminal_total_difficulty: Some(U256::from(100)),
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::UnknownMergeBlock { .. })
        ));
        let config = ChainConfig {
            terminal_total_difficulty: Some(U256::from(100)),
            merge_netsplit_block: Some(3),
            ..all_at_zero()
        };
        check_fork_order(&config).unwrap();
    }

    #[test]
    fn refuses_amsterdam() {
        let config = ChainConfig {
            amsterdam_time: Some(0),
            ..all_at_zero()
        };
        assert!(matches!(
            check_fork_order(&config),
            Err(ChainSpecError::UnsupportedFork {
                fork: "Amsterdam",
                ..
            })
        ));
    }

    #[test]
    fn schedule_maps_geth_fields() {
        let config = ChainConfig {
            constantinople_block: Some(12),
            petersburg_block: None,
            dao_fork_block: Some(3),
            dao_fork_support: false,
            merge_netsplit_block: Some(36),
            terminal_total_difficulty: Some(U256::from(99)),
            bpo1_time: Some(510),
            ..all_at_zero()
        };
        let forks = EthereumChainHardforks::new(fork_schedule(&config));
        assert_eq!(
            forks.ethereum_fork_activation(EthereumHardfork::Petersburg),
            ForkCondition::Block(12)
        );
        assert_eq!(
            forks.ethereum_fork_activation(EthereumHardfork::Dao),
            ForkCondition::Never
        );
        assert!(forks.is_paris_active_at_block(36));
        assert!(!forks.is_paris_active_at_block(35));
        assert!(forks.is_bpo1_active_at_timestamp(510));
        assert!(!forks.is_bpo2_active_at_timestamp(u64::MAX));
    }
}

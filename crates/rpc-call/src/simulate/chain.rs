//! The chain of blocks a simulation runs, as geth's `sanitizeChain` lays it out: numbers and
//! timestamps default to the previous block's plus one and plus 12 seconds, must increase, and
//! gaps in numbers are filled with empty blocks; at most 256 blocks past the base.

use super::SimulateError;
use alloy_rpc_types_eth::{
    BlockOverrides, TransactionRequest, simulate::SimBlock, state::StateOverride,
};
use cloister_primitives::{Header, U256};

/// Most blocks a simulation may span past its base block.
pub const MAX_BLOCKS: u64 = 256;
/// Seconds between blocks whose timestamp is not given.
const TIMESTAMP_INCREMENT: u64 = 12;

/// One block to simulate, its number and timestamp settled.
#[derive(Debug, Clone, Default)]
pub struct PlannedBlock {
    /// Number of the block.
    pub number: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// Block overrides as given (number and time are the fields above).
    pub overrides: BlockOverrides,
    /// State overrides applied before its calls.
    pub state_overrides: Option<StateOverride>,
    /// Its calls.
    pub calls: Vec<TransactionRequest>,
}

/// Lays out the blocks to simulate on top of `base`.
pub fn plan(base: &Header, blocks: Vec<SimBlock>) -> Result<Vec<PlannedBlock>, SimulateError> {
    let mut planned = Vec::with_capacity(blocks.len());
    let mut previous_number = base.number;
    let mut previous_time = base.timestamp;
    for block in blocks {
        let overrides = block.block_overrides.unwrap_or_default();
        let number = match overrides.number {
            Some(n) if n > U256::from(u64::MAX) => u64::MAX,
            Some(n) => n.saturating_to::<u64>(),
            None => previous_number.saturating_add(1),
        };
        if number <= previous_number {
            return Err(SimulateError::BlockNumberOrder {
                number,
                previous: previous_number,
            });
        }
        if number - base.number > MAX_BLOCKS {
            return Err(SimulateError::TooMany("too many blocks".into()));
        }
        for filler in previous_number + 1..number {
            previous_time = previous_time.saturating_add(TIMESTAMP_INCREMENT);
            planned.push(PlannedBlock {
                number: filler,
                timestamp: previous_time,
                ..Default::default()
            });
        }
        previous_number = number;
        let timestamp = match overrides.time {
            None => previous_time.saturating_add(TIMESTAMP_INCREMENT),
            Some(time) if time <= previous_time => {
                return Err(SimulateError::TimestampOrder {
                    time,
                    previous: previous_time,
                });
            }
            Some(time) => time,
        };
        previous_time = timestamp;
        planned.push(PlannedBlock {
            number,
            timestamp,
            overrides,
            state_overrides: block.state_overrides,
            calls: block.calls,
        });
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Header {
        Header {
            number: 54,
            timestamp: 540,
            ..Default::default()
        }
    }

    fn block(number: Option<u64>, time: Option<u64>) -> SimBlock {
        SimBlock {
            block_overrides: Some(BlockOverrides {
                number: number.map(U256::from),
                time,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_follow_the_previous_block() {
        let planned = plan(&base(), vec![SimBlock::default(), SimBlock::default()]).unwrap();
        assert_eq!((planned[0].number, planned[0].timestamp), (55, 552));
        assert_eq!((planned[1].number, planned[1].timestamp), (56, 564));
    }

    #[test]
    fn gaps_are_filled_with_empty_blocks() {
        let planned = plan(&base(), vec![block(Some(59), Some(600))]).unwrap();
        assert_eq!(planned.len(), 5);
        assert_eq!(planned[3].timestamp, 588);
        assert_eq!((planned[4].number, planned[4].timestamp), (59, 600));
    }

    #[test]
    fn timestamps_must_increase() {
        let err = plan(&base(), vec![block(Some(59), Some(550))]).unwrap_err();
        assert!(matches!(
            err,
            SimulateError::TimestampOrder {
                time: 550,
                previous: 588
            }
        ));
    }

    #[test]
    fn numbers_must_increase() {
        let err = plan(&base(), vec![block(Some(60), None), block(Some(58), None)]).unwrap_err();
        assert!(matches!(
            err,
            SimulateError::BlockNumberOrder {
                number: 58,
                previous: 60
            }
        ));
    }

    #[test]
    fn too_far_ahead_is_refused() {
        let err = plan(&base(), vec![block(Some(54 + 257), None)]).unwrap_err();
        assert!(matches!(err, SimulateError::TooMany(_)));
    }
}

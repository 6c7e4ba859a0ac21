//! The ethash-era difficulty of a block from its parent, per fork (Frontier, Homestead,
//! Byzantium and the later bomb delays), as geth's `CalcDifficulty` defines it. No proof of work
//! is checked anywhere: only the number a header must carry.

use cloister_chainspec::{ChainSpec, EthereumHardfork, EthereumHardforks};
use cloister_primitives::{Header, U256, consensus::EMPTY_OMMER_ROOT_HASH};

/// No block's difficulty may fall below this.
const MINIMUM_DIFFICULTY: u64 = 131_072;
/// Blocks per doubling of the difficulty bomb.
const BOMB_PERIOD: u64 = 100_000;

/// The difficulty a pre-merge child of `parent` with `timestamp` must have.
pub(crate) fn expected_difficulty(spec: &ChainSpec, parent: &Header, timestamp: u64) -> U256 {
    let number = parent.number + 1;
    let elapsed = timestamp.saturating_sub(parent.timestamp);
    // Adjustment factor x, applied as parent / 2048 * x (x may be negative).
    let (factor, bomb_block) = if spec.is_byzantium_active_at_block(number) {
        let parent_has_uncles = parent.ommers_hash != EMPTY_OMMER_ROOT_HASH;
        let base = if parent_has_uncles { 2 } else { 1 };
        let factor = (base - i128::from(elapsed / 9)).max(-99);
        (
            factor,
            parent.number.saturating_sub(bomb_delay(spec, number) - 1),
        )
    } else if spec.is_homestead_active_at_block(number) {
        ((1 - i128::from(elapsed / 10)).max(-99), number)
    } else {
        (if elapsed < 13 { 1 } else { -1 }, number)
    };
    let step = parent.difficulty / U256::from(2048);
    let adjustment = step * U256::from(factor.unsigned_abs());
    let mut difficulty = if factor >= 0 {
        parent.difficulty.saturating_add(adjustment)
    } else {
        parent.difficulty.saturating_sub(adjustment)
    };
    difficulty = difficulty.max(U256::from(MINIMUM_DIFFICULTY));
    let periods = bomb_block / BOMB_PERIOD;
    if periods > 1 {
        difficulty = difficulty.saturating_add(U256::from(1) << (periods - 2) as usize);
    }
    difficulty
}

/// How many blocks the bomb is pushed back by the forks active at `number` (Byzantium on).
fn bomb_delay(spec: &ChainSpec, number: u64) -> u64 {
    let active = |fork: EthereumHardfork| spec.is_ethereum_fork_active_at_block(fork, number);
    if active(EthereumHardfork::GrayGlacier) {
        11_400_000
    } else if active(EthereumHardfork::ArrowGlacier) {
        10_700_000
    } else if spec.is_london_active_at_block(number) {
        9_700_000
    } else if active(EthereumHardfork::MuirGlacier) {
        9_000_000
    } else if spec.is_constantinople_active_at_block(number) {
        5_000_000
    } else {
        3_000_000
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    fn spec(config: &str) -> ChainSpec {
        ChainSpec::from_genesis_json(&format!(r#"{{"config":{{"chainId":1{config}}}}}"#)).unwrap()
    }

    fn parent(number: u64, difficulty: u64, timestamp: u64) -> Header {
        Header {
            number,
            difficulty: U256::from(difficulty),
            timestamp,
            ..Default::default()
        }
    }

    #[test]
    fn frontier_rises_on_fast_blocks_and_falls_on_slow_ones() {
        let spec = spec("");
        let p = parent(10, 2_048_000, 100);
        assert_eq!(expected_difficulty(&spec, &p, 112), U256::from(2_049_000));
        assert_eq!(expected_difficulty(&spec, &p, 113), U256::from(2_047_000));
        // Never below the minimum.
        let p = parent(10, MINIMUM_DIFFICULTY, 100);
        assert_eq!(
            expected_difficulty(&spec, &p, 200),
            U256::from(MINIMUM_DIFFICULTY)
        );
    }

    #[test]
    fn homestead_scales_with_elapsed_time_and_bomb_applies() {
        let spec = spec(r#","homesteadBlock":0"#);
        let p = parent(10, 2_048_000, 100);
        // 25 seconds: x = 1 - 2 = -1.
        assert_eq!(expected_difficulty(&spec, &p, 125), U256::from(2_047_000));
        // Block 200000: two bomb periods, +2^0.
        let p = parent(199_999, 2_048_000, 100);
        assert_eq!(expected_difficulty(&spec, &p, 105), U256::from(2_049_001));
    }

    #[test]
    fn byzantium_counts_parent_uncles_and_delays_the_bomb() {
        let spec = spec(
            r#","homesteadBlock":0,"eip150Block":0,"eip155Block":0,"eip158Block":0,"byzantiumBlock":0"#,
        );
        let mut p = parent(3_199_999, 2_048_000, 100);
        // Delay 3M: fake number 200000 -> +1.
        assert_eq!(expected_difficulty(&spec, &p, 105), U256::from(2_049_001));
        p.ommers_hash = cloister_primitives::B256::repeat_byte(1);
        assert_eq!(expected_difficulty(&spec, &p, 105), U256::from(2_050_001));
    }
}

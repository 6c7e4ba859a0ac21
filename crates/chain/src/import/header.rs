//! Header rules against the parent, per fork: number, timestamp, extra data, gas limit, base
//! fee, difficulty (ethash era; no proof of work) or the merge's fixed fields, which optional
//! fields exist, and EIP-4844 blob gas. Also used for uncles.

use super::{BlockError, difficulty::expected_difficulty};
use cloister_chainspec::{ChainSpec, EthereumHardfork, EthereumHardforks};
use cloister_primitives::{
    Header, U256, consensus::EMPTY_OMMER_ROOT_HASH, eips::eip4844::DATA_GAS_PER_BLOB,
    primitives::B64,
};

/// Longest extra data a header may carry.
const MAX_EXTRA_DATA: usize = 32;
/// A gas limit may move by less than parent / this per block.
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
/// Smallest gas limit.
const MIN_GAS_LIMIT: u64 = 5000;
/// Largest gas limit (geth: 2^63 - 1).
const MAX_GAS_LIMIT: u64 = i64::MAX as u64;
/// EIP-1559: the gas limit is this multiple of the gas target.
const ELASTICITY_MULTIPLIER: u64 = 2;
/// Extra data the DAO fork block and the nine after it must carry (chains that support it).
const DAO_EXTRA_DATA: &[u8] = b"dao-hard-fork";
/// Blocks after the DAO fork that must carry its extra data.
const DAO_EXTRA_RANGE: u64 = 10;

/// Checks `header` as the child of `parent` under `spec`.
pub(crate) fn check_header(
    spec: &ChainSpec,
    header: &Header,
    parent: &Header,
) -> Result<(), BlockError> {
    if header.number != parent.number + 1 {
        return Err(BlockError::Number {
            number: header.number,
            parent: parent.number,
        });
    }
    // Cloister keeps its seal beside the block, so its headers obey Ethereum's limit too.
    if header.extra_data.len() > MAX_EXTRA_DATA {
        return Err(BlockError::ExtraDataTooLong {
            len: header.extra_data.len(),
        });
    }
    check_dao_extra_data(spec, header)?;
    // Cloister's producer seals several blocks per second, so its chains allow equal times.
    let too_early = if spec.cloister().is_some() {
        header.timestamp < parent.timestamp
    } else {
        header.timestamp <= parent.timestamp
    };
    if too_early {
        return Err(BlockError::Timestamp {
            timestamp: header.timestamp,
            parent: parent.timestamp,
        });
    }
    check_gas(spec, header, parent)?;
    let expected_base_fee = spec.next_block_base_fee(parent, header.timestamp);
    if header.base_fee_per_gas != expected_base_fee {
        return Err(BlockError::BaseFee {
            header: header.base_fee_per_gas,
            expected: expected_base_fee,
        });
    }
    if spec.is_paris_active_at_block(header.number) {
        check_merged(header)?;
    } else {
        let expected = expected_difficulty(spec, parent, header.timestamp);
        if header.difficulty != expected {
            return Err(BlockError::Difficulty {
                header: header.difficulty,
                expected,
            });
        }
    }
    check_field_presence(spec, header)?;
    check_blob_gas(spec, header, parent)
}

fn check_dao_extra_data(spec: &ChainSpec, header: &Header) -> Result<(), BlockError> {
    let Some(dao_block) = spec
        .ethereum_fork_activation(EthereumHardfork::Dao)
        .block_number()
    else {
        return Ok(());
    };
    let in_range = header.number >= dao_block && header.number < dao_block + DAO_EXTRA_RANGE;
    if in_range && header.extra_data.as_ref() != DAO_EXTRA_DATA {
        return Err(BlockError::DaoExtraData);
    }
    Ok(())
}

fn check_gas(spec: &ChainSpec, header: &Header, parent: &Header) -> Result<(), BlockError> {
    if header.gas_used > header.gas_limit {
        return Err(BlockError::GasUsedAboveLimit {
            gas_used: header.gas_used,
            gas_limit: header.gas_limit,
        });
    }
    // The first London block may double the limit: the gas target stays the same.
    let parent_limit = if spec.is_london_active_at_block(header.number)
        && !spec.is_london_active_at_block(parent.number)
    {
        parent.gas_limit.saturating_mul(ELASTICITY_MULTIPLIER)
    } else {
        parent.gas_limit
    };
    let bound = parent_limit / GAS_LIMIT_BOUND_DIVISOR;
    let in_bounds = header.gas_limit.abs_diff(parent_limit) < bound
        && header.gas_limit >= MIN_GAS_LIMIT
        && header.gas_limit <= MAX_GAS_LIMIT;
    if !in_bounds {
        return Err(BlockError::GasLimit {
            gas_limit: header.gas_limit,
            parent: parent_limit,
        });
    }
    Ok(())
}

/// After the merge the consensus layer decides: no difficulty, nonce or uncles.
fn check_merged(header: &Header) -> Result<(), BlockError> {
    if !header.difficulty.is_zero() {
        return Err(BlockError::Difficulty {
            header: header.difficulty,
            expected: U256::ZERO,
        });
    }
    if header.nonce != B64::ZERO {
        return Err(BlockError::PostMergeNonce);
    }
    if header.ommers_hash != EMPTY_OMMER_ROOT_HASH {
        return Err(BlockError::PostMergeOmmers);
    }
    Ok(())
}

/// Optional header fields exist exactly from the fork that introduced them.
fn check_field_presence(spec: &ChainSpec, header: &Header) -> Result<(), BlockError> {
    let time = header.timestamp;
    let shanghai = spec.is_shanghai_active_at_timestamp(time);
    let cancun = spec.is_cancun_active_at_timestamp(time);
    let prague = spec.is_prague_active_at_timestamp(time);
    let fields = [
        (
            "withdrawalsRoot",
            header.withdrawals_root.is_some(),
            shanghai,
        ),
        ("blobGasUsed", header.blob_gas_used.is_some(), cancun),
        ("excessBlobGas", header.excess_blob_gas.is_some(), cancun),
        (
            "parentBeaconBlockRoot",
            header.parent_beacon_block_root.is_some(),
            cancun,
        ),
        ("requestsHash", header.requests_hash.is_some(), prague),
    ];
    for (field, present, required) in fields {
        if present != required {
            return Err(BlockError::FieldPresence { field, present });
        }
    }
    Ok(())
}

/// EIP-4844 (with EIP-7918 from Osaka): excess blob gas follows the parent, with the blob
/// parameters of the child's fork; blob gas used is whole blobs within the block maximum.
fn check_blob_gas(spec: &ChainSpec, header: &Header, parent: &Header) -> Result<(), BlockError> {
    let (Some(params), Some(used), Some(excess)) = (
        spec.blob_params_at_timestamp(header.timestamp),
        header.blob_gas_used,
        header.excess_blob_gas,
    ) else {
        return Ok(());
    };
    let max = params.max_blob_gas_per_block();
    if used > max || used % DATA_GAS_PER_BLOB != 0 {
        return Err(BlockError::BlobGasUsed { used, max });
    }
    // A pre-Cancun parent counts as zero excess and zero used.
    let expected = params.next_block_excess_blob_gas_osaka(
        parent.excess_blob_gas.unwrap_or_default(),
        parent.blob_gas_used.unwrap_or_default(),
        parent.base_fee_per_gas.unwrap_or_default(),
    );
    if excess != expected {
        return Err(BlockError::ExcessBlobGas {
            header: excess,
            expected,
        });
    }
    Ok(())
}

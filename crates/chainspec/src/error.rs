//! Errors raised while reading, checking or building a chain specification.

use cloister_primitives::Address;
use std::path::PathBuf;

/// Everything that can be wrong with a genesis file or the chain it describes.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The genesis file could not be read from disk.
    #[error("cannot read genesis file {path}: {source}")]
    Read {
        /// Path that was read.
        path: PathBuf,
        /// Underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON, or a field has the wrong shape.
    #[error("invalid genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An allowed measurement names neither MRENCLAVE nor MRSIGNER (it would allow anything).
    #[error("`cloister.allowedMeasurements` entries need mrenclave or mrsigner")]
    EmptyMeasurement,
    /// The top-level JSON value is not an object.
    #[error("genesis JSON must be an object")]
    NotAnObject,
    /// The `cloister` section does not parse (unknown field, wrong type).
    #[error("invalid `cloister` section: {0}")]
    CloisterSection(#[source] serde_json::Error),
    /// `config` or `config.chainId` is missing; alloy would silently default it to mainnet's 1.
    #[error("genesis `config.chainId` is missing")]
    MissingChainId,
    /// `config.chainId` is zero, which no signer accepts.
    #[error("genesis `config.chainId` must not be 0")]
    ZeroChainId,
    /// A fork is scheduled although a fork that must precede it is not.
    #[error(
        "unsupported fork ordering: {missing} not enabled, but {enabled} enabled at {enabled_at}"
    )]
    ForkNotEnabled {
        /// Genesis field of the earlier fork that is absent.
        missing: &'static str,
        /// Genesis field of the later fork that is present.
        enabled: &'static str,
        /// Block number or timestamp of the later fork.
        enabled_at: u64,
    },
    /// Two forks are scheduled in the wrong order.
    #[error(
        "unsupported fork ordering: {earlier} enabled at {earlier_at}, but {later} enabled at {later_at}"
    )]
    ForkOrder {
        /// Genesis field of the fork that must come first.
        earlier: &'static str,
        /// Its block number or timestamp.
        earlier_at: u64,
        /// Genesis field of the fork that must come later.
        later: &'static str,
        /// Its block number or timestamp.
        later_at: u64,
    },
    /// A post-merge (timestamp) fork is scheduled without `terminalTotalDifficulty`.
    #[error(
        "{fork} is scheduled but `terminalTotalDifficulty` is not set (post-merge forks need the merge)"
    )]
    ForkNeedsMerge {
        /// Genesis field of the post-merge fork.
        fork: &'static str,
    },
    /// The merge is configured but London, which it builds on, is not.
    #[error("`terminalTotalDifficulty` is set but `londonBlock` is not")]
    MergeNeedsLondon,
    /// A non-zero TTD without `mergeNetsplitBlock`: the merge block cannot be known statically.
    #[error(
        "`terminalTotalDifficulty` is {ttd} (not 0) but `mergeNetsplitBlock` is not set; the first post-merge block must be given"
    )]
    UnknownMergeBlock {
        /// The configured terminal total difficulty.
        ttd: cloister_primitives::U256,
    },
    /// A fork Cloister cannot execute or build a genesis header for is scheduled.
    #[error("fork {fork} is not supported by this node (field `{field}`)")]
    UnsupportedFork {
        /// Fork name.
        fork: &'static str,
        /// Genesis field that schedules it.
        field: &'static str,
    },
    /// A blob-parameter-only fork has no `blobSchedule` entry and no protocol default.
    #[error("`{field}` is set but `blobSchedule.{key}` is missing")]
    MissingBlobSchedule {
        /// Genesis field of the fork.
        field: &'static str,
        /// Expected `blobSchedule` key.
        key: &'static str,
    },
    /// A `blobSchedule` entry has a target above its maximum.
    #[error("`blobSchedule.{key}`: target {target} exceeds max {max}")]
    BlobTargetAboveMax {
        /// `blobSchedule` key.
        key: String,
        /// Target blobs per block.
        target: u64,
        /// Maximum blobs per block.
        max: u64,
    },
    /// `baseFeePerGas` does not fit the header's 64-bit field.
    #[error("genesis `baseFeePerGas` {0} does not fit in 64 bits")]
    BaseFeeOverflow(u128),
    /// The `cloister` section lists members, but genesis has no governance contract.
    #[error(
        "`cloister.members` is set but genesis `alloc` has no governance contract at 0x000000000000000000000000000000000000C0C0: write it with `cloister gov genesis`"
    )]
    NoGovernanceContract,
    /// The `cloister` section names no validator, so no block could ever be sealed.
    #[error("`cloister.validators` is empty: at least one sealer is required")]
    NoValidators,
    /// A validator is listed twice in the `cloister` section.
    #[error("`cloister.validators` lists {0} more than once")]
    DuplicateValidator(Address),
    /// Deriving the dev accounts from the mnemonic failed.
    #[error("cannot derive dev account {index}: {source}")]
    DevAccount {
        /// Derivation index.
        index: u32,
        /// Signer error.
        #[source]
        source: alloy_signer_local::LocalSignerError,
    },
}

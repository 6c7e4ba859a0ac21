//! Uncle rules (ethash era): at most two, each a child of one of the last seven ancestors but
//! not of the parent, not an ancestor, not included before, and a valid header itself.

use super::{BlockError, OmmerError, header::check_header};
use crate::ChainError;
use cloister_chainspec::ChainSpec;
use cloister_primitives::{B256, Header, consensus::EMPTY_OMMER_ROOT_HASH};
use cloister_storage::StoreReader;
use std::collections::{HashMap, HashSet};

/// Most uncles a block may include.
const MAX_OMMERS: usize = 2;
/// How many generations back an uncle's parent may be.
const OMMER_GENERATIONS: u64 = 7;

/// Checks the uncles of the block `hash` (header `header`) against the canonical chain.
/// `Ok(Err(..))` is an invalid block; the outer error is a storage failure.
pub(crate) fn check_ommers(
    spec: &ChainSpec,
    reader: &StoreReader,
    header: &Header,
    hash: B256,
    ommers: &[Header],
) -> Result<Result<(), BlockError>, ChainError> {
    if ommers.is_empty() {
        return Ok(Ok(()));
    }
    let invalid = |index, reason| Ok(Err(BlockError::Ommer { index, reason }));
    if ommers.len() > MAX_OMMERS {
        return invalid(
            0,
            OmmerError::TooMany {
                count: ommers.len(),
            },
        );
    }
    // The last seven ancestors, and every uncle they already included.
    let mut ancestors: HashMap<B256, Header> = HashMap::new();
    let mut seen: HashSet<B256> = HashSet::new();
    let first = header.number.saturating_sub(OMMER_GENERATIONS);
    for number in (first..header.number).rev() {
        let (Some(ancestor), Some(ancestor_hash)) =
            (reader.header(number)?, reader.canonical_hash(number)?)
        else {
            break;
        };
        if ancestor.ommers_hash != EMPTY_OMMER_ROOT_HASH {
            let (included, _) = reader.body_extras(number)?;
            seen.extend(included.iter().map(Header::hash_slow));
        }
        ancestors.insert(ancestor_hash, ancestor);
    }
    seen.insert(hash);
    for (index, ommer) in ommers.iter().enumerate() {
        let ommer_hash = ommer.hash_slow();
        if !seen.insert(ommer_hash) {
            return invalid(index, OmmerError::Duplicate(ommer_hash));
        }
        if ancestors.contains_key(&ommer_hash) {
            return invalid(index, OmmerError::IsAncestor(ommer_hash));
        }
        let Some(ommer_parent) = ancestors.get(&ommer.parent_hash) else {
            return invalid(index, OmmerError::Dangling(ommer_hash));
        };
        if ommer.parent_hash == header.parent_hash {
            return invalid(index, OmmerError::Dangling(ommer_hash));
        }
        if let Err(reason) = check_header(spec, ommer, ommer_parent) {
            return invalid(index, OmmerError::Header(Box::new(reason)));
        }
    }
    Ok(Ok(()))
}

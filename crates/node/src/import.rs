//! `cloister import`: validates and executes the blocks of an RLP file on top of a datadir's
//! chain, in order, stopping at the first refused block.

use crate::NodeError;
use std::path::Path;

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Blocks imported.
    pub imported: u64,
    /// Number of the head afterwards.
    pub head: u64,
}

/// Imports every block of `file` (concatenated RLP blocks) into the chain in `datadir`.
pub fn import_file(_datadir: &Path, _file: &Path) -> Result<ImportSummary, NodeError> {
    Err(NodeError::Import("block import is not built yet".into()))
}

//! `cloister import`: validates and executes the blocks of an RLP file on top of a datadir's
//! chain, in order, stopping at the first refused block. Blocks the datadir already holds (same
//! number and hash) are skipped, so an interrupted import can simply be run again.

use crate::NodeError;
use cloister_chain::{Chain, ImportError};
use cloister_chainspec::ChainSpec;
use cloister_primitives::{TxEnvelope, consensus::Block};
use std::{
    fs::File,
    io::Read,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Blocks imported.
    pub imported: u64,
    /// Blocks skipped because the datadir already held them.
    pub skipped: u64,
    /// Number of the head afterwards.
    pub head: u64,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
enum ImportFileError {
    #[error("datadir {0} is not initialised: run `cloister init` first")]
    NotInitialised(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("block {index} of the file (byte {offset}) is not valid RLP: {source}")]
    Decode {
        index: u64,
        offset: u64,
        #[source]
        source: alloy_rlp::Error,
    },
    #[error("file ends inside block {index} (byte {offset})")]
    Truncated { index: u64, offset: u64 },
    #[error(transparent)]
    Refused(#[from] ImportError),
}

impl From<ImportFileError> for NodeError {
    fn from(err: ImportFileError) -> Self {
        Self::Import(err.to_string())
    }
}

/// How often progress is logged.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Bytes read from the file at a time.
const READ_CHUNK: usize = 1 << 20;

/// Imports every block of `file` (concatenated RLP blocks) into the chain in `datadir`.
pub fn import_file(datadir: &Path, file: &Path) -> Result<ImportSummary, NodeError> {
    let store = crate::open_store(datadir, crate::TeeMode::None)?;
    let genesis_json = store
        .reader()?
        .genesis_json()?
        .ok_or_else(|| ImportFileError::NotInitialised(datadir.to_path_buf()))?;
    let spec = Arc::new(ChainSpec::from_genesis_json(&genesis_json)?);
    let chain = Chain::open(store, spec, None)?;
    let read_err = |source| ImportFileError::Read {
        path: file.to_path_buf(),
        source,
    };
    let mut blocks = BlockStream::new(File::open(file).map_err(read_err)?);
    let total_bytes = std::fs::metadata(file).map_err(read_err)?.len();

    let mut summary = ImportSummary::default();
    let mut progress = Progress::new(total_bytes);
    while let Some(block) = blocks.next_block().map_err(|err| match err {
        StreamError::Io(source) => read_err(source),
        StreamError::Decode {
            index,
            offset,
            source,
        } => ImportFileError::Decode {
            index,
            offset,
            source,
        },
        StreamError::Truncated { index, offset } => ImportFileError::Truncated { index, offset },
    })? {
        let reader = chain.head().reader.clone();
        let known = reader.canonical_hash(block.header.number)?;
        if known == Some(block.header.hash_slow()) {
            summary.skipped += 1;
            continue;
        }
        let gas = block.header.gas_used;
        chain
            .import_block(block, None)
            .map_err(ImportFileError::from)?;
        summary.imported += 1;
        progress.block_done(gas, blocks.offset, chain.head().header.number);
    }
    summary.head = chain.head().header.number;
    tracing::info!(
        target: "cloister::import",
        imported = summary.imported,
        skipped = summary.skipped,
        head = summary.head,
        "import done"
    );
    Ok(summary)
}

/// Logs blocks, Mgas/s and an estimate of the time left, every few seconds.
struct Progress {
    total_bytes: u64,
    started: Instant,
    last_log: Instant,
    blocks: u64,
    gas: u64,
}

impl Progress {
    fn new(total_bytes: u64) -> Self {
        let now = Instant::now();
        Self {
            total_bytes,
            started: now,
            last_log: now,
            blocks: 0,
            gas: 0,
        }
    }

    fn block_done(&mut self, gas: u64, bytes_read: u64, head: u64) {
        self.blocks += 1;
        self.gas += gas;
        if self.last_log.elapsed() < PROGRESS_EVERY {
            return;
        }
        self.last_log = Instant::now();
        let seconds = self.started.elapsed().as_secs_f64().max(f64::EPSILON);
        let mgas_per_second = self.gas as f64 / 1e6 / seconds;
        let done = bytes_read as f64 / self.total_bytes.max(1) as f64;
        let eta_seconds = if done > 0.0 {
            seconds * (1.0 - done) / done
        } else {
            0.0
        };
        tracing::info!(
            target: "cloister::import",
            blocks = self.blocks,
            head,
            mgas_per_second = format!("{mgas_per_second:.1}"),
            eta_seconds = eta_seconds.round() as u64,
            "importing"
        );
    }
}

#[derive(Debug)]
enum StreamError {
    Io(std::io::Error),
    Decode {
        index: u64,
        offset: u64,
        source: alloy_rlp::Error,
    },
    Truncated {
        index: u64,
        offset: u64,
    },
}

/// Reads RLP blocks one after the other without holding the whole file in memory.
struct BlockStream<R> {
    source: R,
    buffer: Vec<u8>,
    start: usize,
    eof: bool,
    index: u64,
    /// Bytes of the file consumed so far.
    offset: u64,
}

impl<R: Read> BlockStream<R> {
    fn new(source: R) -> Self {
        Self {
            source,
            buffer: Vec::new(),
            start: 0,
            eof: false,
            index: 0,
            offset: 0,
        }
    }

    fn next_block(&mut self) -> Result<Option<Block<TxEnvelope>>, StreamError> {
        loop {
            let pending = &self.buffer[self.start..];
            if pending.is_empty() && self.eof {
                return Ok(None);
            }
            if let Some(len) = self.item_len(pending)?
                && pending.len() >= len
            {
                let block =
                    cloister_primitives::decode_block(&pending[..len]).map_err(|source| {
                        StreamError::Decode {
                            index: self.index,
                            offset: self.offset,
                            source,
                        }
                    })?;
                self.start += len;
                self.offset += len as u64;
                self.index += 1;
                return Ok(Some(block));
            }
            if self.eof {
                return Err(StreamError::Truncated {
                    index: self.index,
                    offset: self.offset,
                });
            }
            self.fill()?;
        }
    }

    /// Length of the next item (header and payload), once its header has been read.
    fn item_len(&self, pending: &[u8]) -> Result<Option<usize>, StreamError> {
        let mut cursor = pending;
        match alloy_rlp::Header::decode(&mut cursor) {
            Ok(header) => Ok(Some(pending.len() - cursor.len() + header.payload_length)),
            Err(alloy_rlp::Error::InputTooShort) => Ok(None),
            Err(source) => Err(StreamError::Decode {
                index: self.index,
                offset: self.offset,
                source,
            }),
        }
    }

    fn fill(&mut self) -> Result<(), StreamError> {
        self.buffer.drain(..self.start);
        self.start = 0;
        let old_len = self.buffer.len();
        self.buffer.resize(old_len + READ_CHUNK, 0);
        let read = self
            .source
            .read(&mut self.buffer[old_len..])
            .map_err(StreamError::Io)?;
        self.buffer.truncate(old_len + read);
        if read == 0 {
            self.eof = true;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use alloy_rlp::Encodable;
    use cloister_primitives::Header;

    fn encoded_blocks(count: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for number in 0..count {
            let block = Block::<TxEnvelope> {
                header: Header {
                    number,
                    ..Default::default()
                },
                body: Default::default(),
            };
            block.encode(&mut out);
        }
        out
    }

    /// Hands out at most 7 bytes per read, so blocks straddle reads.
    struct Dribble(std::io::Cursor<Vec<u8>>);

    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn streams_blocks_across_short_reads() {
        let mut stream = BlockStream::new(Dribble(std::io::Cursor::new(encoded_blocks(5))));
        let mut numbers = Vec::new();
        while let Some(block) = stream.next_block().unwrap() {
            numbers.push(block.header.number);
        }
        assert_eq!(numbers, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_truncated_file_is_an_error() {
        let mut bytes = encoded_blocks(2);
        bytes.pop();
        let mut stream = BlockStream::new(std::io::Cursor::new(bytes));
        assert!(stream.next_block().unwrap().is_some());
        assert!(matches!(
            stream.next_block(),
            Err(StreamError::Truncated { index: 1, .. })
        ));
    }
}

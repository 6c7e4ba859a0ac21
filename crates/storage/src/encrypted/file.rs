//! [`EncryptedFile`]: a byte-addressed file whose every 4096-byte block is sealed on disk. Reads
//! of blocks 1.. are lock-free `pread`s of whole sealed blocks; writes, resizes and block 0 go
//! through one mutex (redb has a single writer, and its page flushes come from that writer).

use super::{
    block_zero::BlockZero,
    error::{EncryptionError, invalid_input},
    header::FileHeader,
    layout::{
        BLOCK_LEN, SEALED_LEN, block_offset, blocks_for, blocks_in, logical_len, physical_len,
        tail_of,
    },
    sealer::{BlockSealer, random_bytes},
};
use parking_lot::Mutex;
use std::{
    fs::{File, OpenOptions},
    io,
    os::unix::fs::{FileExt, OpenOptionsExt},
    path::Path,
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
};

const BLOCK: u64 = BLOCK_LEN as u64;
/// Most blocks moved by one `pread`/`pwrite` (about 1 MiB), bounding the buffer of a large page.
const RUN_BLOCKS: u64 = 256;

/// A file of sealed blocks: see the module documentation for layout and guarantees.
pub struct EncryptedFile {
    pub(super) file: File,
    sealer: BlockSealer,
    /// Logical length, for lock-free bounds checks on reads.
    len: AtomicU64,
    state: Mutex<WriteState>,
    pub(super) whole_file_locked: AtomicBool,
}

/// What only writers change.
struct WriteState {
    len: u64,
    tail: u32,
    /// Present while the file holds at least one block.
    block_zero: Option<BlockZero>,
}

impl std::fmt::Debug for EncryptedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFile")
            .field("len", &self.len.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl EncryptedFile {
    /// Opens `path` read-write, creating it with mode 0600 (and a fresh header) if missing.
    pub fn open_path(path: &Path, key: &[u8; 32]) -> Result<Self, EncryptionError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        Self::open(file, key)
    }

    /// Takes over `file`: an empty file gets a fresh header; otherwise the magic and the key
    /// check are verified (`NotEncrypted`, `WrongKey`) and block 0 is loaded.
    pub fn open(file: File, key: &[u8; 32]) -> Result<Self, EncryptionError> {
        let physical = file.metadata()?.len();
        if physical == 0 {
            let file_id = random_bytes()?;
            let sealer = BlockSealer::new(key, file_id)?;
            let header = FileHeader {
                file_id,
                key_check: sealer.key_check()?,
                tail: 0,
            };
            file.write_all_at(&header.encode(), 0)?;
            file.sync_data()?;
            return Ok(Self::assemble(file, sealer, 0, 0, None));
        }
        let mut header = [0u8; super::layout::HEADER_LEN as usize];
        match file.read_exact_at(&mut header, 0) {
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(EncryptionError::NotEncrypted);
            }
            other => other?,
        }
        let header = FileHeader::decode(&header)?;
        let sealer = BlockSealer::new(key, header.file_id)?;
        if !sealer.verify_key_check(&header.key_check) {
            return Err(EncryptionError::WrongKey);
        }
        let blocks = blocks_in(physical);
        if physical != physical_len(blocks) {
            // A crash while the file grew left a partial block; redb never referenced it.
            file.set_len(physical_len(blocks))?;
        }
        let tail = if blocks == 0 || header.tail >= BLOCK as u32 {
            0
        } else {
            header.tail
        };
        let block_zero = match blocks {
            0 => None,
            _ => Some(BlockZero::load(&file, &sealer)?),
        };
        Ok(Self::assemble(
            file,
            sealer,
            logical_len(blocks, tail),
            tail,
            block_zero,
        ))
    }

    fn assemble(
        file: File,
        sealer: BlockSealer,
        len: u64,
        tail: u32,
        block_zero: Option<BlockZero>,
    ) -> Self {
        Self {
            file,
            sealer,
            len: AtomicU64::new(len),
            state: Mutex::new(WriteState {
                len,
                tail,
                block_zero,
            }),
            whole_file_locked: AtomicBool::new(false),
        }
    }

    /// Logical length in bytes.
    pub fn len(&self) -> u64 {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the file holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `out.len()` bytes at logical `offset`; any block that fails authentication is an
    /// `InvalidData` error carrying [`IntegrityError`], and `out` must then be discarded.
    pub fn read_at(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(out.len() as u64)
            .ok_or_else(|| invalid_input("read range overflows"))?;
        if end > self.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of the encrypted file",
            ));
        }
        let mut pos = offset;
        let mut rest = out;
        while !rest.is_empty() {
            let index = pos / BLOCK;
            let within = (pos % BLOCK) as usize;
            if index == 0 {
                let take = (BLOCK_LEN - within).min(rest.len());
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
                let state = self.state.lock();
                let block_zero = state.block_zero.as_ref().ok_or_else(past_end)?;
                block_zero.read(within, head);
                rest = tail;
                pos += take as u64;
                continue;
            }
            let last = (pos + rest.len() as u64 - 1) / BLOCK;
            let count = (last - index + 1).min(RUN_BLOCKS);
            let mut sealed = vec![0u8; count as usize * SEALED_LEN];
            self.file.read_exact_at(&mut sealed, block_offset(index))?;
            let mut plain = [0u8; BLOCK_LEN];
            for (block, chunk) in (index..).zip(sealed.chunks_exact(SEALED_LEN)) {
                let within = (pos % BLOCK) as usize;
                let take = (BLOCK_LEN - within).min(rest.len());
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
                if take == BLOCK_LEN {
                    self.sealer.open(block, chunk, head)?;
                } else {
                    self.sealer.open(block, chunk, &mut plain)?;
                    head.copy_from_slice(&plain[within..within + take]);
                }
                rest = tail;
                pos += take as u64;
            }
        }
        Ok(())
    }

    /// Writes `data` at logical `offset`, growing the file if it ends past the end. Whole blocks
    /// are sealed directly; a partly covered block is read, patched and sealed again.
    pub fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or_else(|| invalid_input("write range overflows"))?;
        let mut state = self.state.lock();
        if end > state.len {
            self.resize(&mut state, end)?;
        }
        let mut pos = offset;
        let mut rest = data;
        while !rest.is_empty() {
            let index = pos / BLOCK;
            let within = (pos % BLOCK) as usize;
            if index == 0 {
                let take = (BLOCK_LEN - within).min(rest.len());
                let (head, tail) = rest.split_at(take);
                let block_zero = state.block_zero.as_mut().ok_or_else(past_end)?;
                block_zero.write(&self.file, &self.sealer, |plain| {
                    plain[within..within + take].copy_from_slice(head);
                })?;
                rest = tail;
                pos += take as u64;
                continue;
            }
            let last = (pos + rest.len() as u64 - 1) / BLOCK;
            let count = (last - index + 1).min(RUN_BLOCKS);
            let mut sealed = vec![0u8; count as usize * SEALED_LEN];
            for (block, chunk) in (index..).zip(sealed.chunks_exact_mut(SEALED_LEN)) {
                let within = (pos % BLOCK) as usize;
                let take = (BLOCK_LEN - within).min(rest.len());
                let (head, tail) = rest.split_at(take);
                if take == BLOCK_LEN {
                    self.sealer.seal(block, 0, Some(head), chunk)?;
                } else {
                    let mut plain = self.read_block(block)?;
                    plain[within..within + take].copy_from_slice(head);
                    self.sealer.seal(block, 0, Some(&plain), chunk)?;
                }
                rest = tail;
                pos += take as u64;
            }
            self.file.write_all_at(&sealed, block_offset(index))?;
        }
        Ok(())
    }

    /// Sets the logical length. New bytes read as zeros: growing writes an authenticated
    /// all-zeros marker into every new block (never leaving holes, which would not
    /// authenticate); shrinking zeroes what is cut from a partial last block.
    pub fn set_len(&self, len: u64) -> io::Result<()> {
        let mut state = self.state.lock();
        self.resize(&mut state, len)
    }

    /// `fdatasync` of the underlying file.
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn resize(&self, state: &mut WriteState, len: u64) -> io::Result<()> {
        let old_blocks = blocks_for(state.len);
        let new_blocks = blocks_for(len);
        if new_blocks > old_blocks {
            if old_blocks == 0 {
                state.block_zero = Some(BlockZero::create(&self.file, &self.sealer)?);
            }
            let mut block = old_blocks.max(1);
            while block < new_blocks {
                let count = (new_blocks - block).min(RUN_BLOCKS);
                let mut sealed = vec![0u8; count as usize * SEALED_LEN];
                for (index, chunk) in (block..).zip(sealed.chunks_exact_mut(SEALED_LEN)) {
                    self.sealer.seal(index, 0, None, chunk)?;
                }
                self.file.write_all_at(&sealed, block_offset(block))?;
                block += count;
            }
        } else if new_blocks < old_blocks {
            self.file.set_len(physical_len(new_blocks))?;
            if new_blocks == 0 {
                state.block_zero = None;
            }
        }
        let tail = tail_of(len);
        if len < state.len && tail != 0 {
            // Keep "bytes past the end of the last block are zero", which growing relies on.
            self.zero_from(state, len)?;
        }
        if tail != state.tail {
            FileHeader::write_tail(&self.file, tail)?;
            state.tail = tail;
        }
        state.len = len;
        self.len.store(len, Ordering::Release);
        Ok(())
    }

    /// Zeroes block `offset / 4096` from `offset` to its end.
    fn zero_from(&self, state: &mut WriteState, offset: u64) -> io::Result<()> {
        let index = offset / BLOCK;
        let within = (offset % BLOCK) as usize;
        if index == 0 {
            let block_zero = state.block_zero.as_mut().ok_or_else(past_end)?;
            return block_zero.write(&self.file, &self.sealer, |plain| plain[within..].fill(0));
        }
        let mut plain = self.read_block(index)?;
        plain[within..].fill(0);
        let mut sealed = vec![0u8; SEALED_LEN];
        self.sealer.seal(index, 0, Some(&plain), &mut sealed)?;
        self.file.write_all_at(&sealed, block_offset(index))
    }

    /// Plaintext of block `index` (not block 0).
    fn read_block(&self, index: u64) -> io::Result<[u8; BLOCK_LEN]> {
        let mut sealed = vec![0u8; SEALED_LEN];
        self.file.read_exact_at(&mut sealed, block_offset(index))?;
        let mut plain = [0u8; BLOCK_LEN];
        self.sealer
            .open(index, &sealed, &mut plain)
            .map_err(io::Error::from)?;
        Ok(plain)
    }

    /// The random id bound into every block of this file.
    pub fn file_id(&self) -> &[u8; 16] {
        self.sealer.file_id()
    }
}

fn past_end() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "block 0 is past the end")
}

//! Logical block 0 (redb's database header and god byte) kept in two physical slots written
//! alternately, newest sequence number wins. redb's commit point is a 320-byte header write at
//! offset 0; sealed, that becomes a 4152-byte write which a power cut can tear. A torn slot
//! fails authentication, and the other slot still holds the previous header, which redb then
//! treats like a crash just before that header write. Every other block is written only by
//! copy-on-write commits that redb makes durable (two-phase commit) before any header points
//! at them, so only this block needs two copies.
//!
//! The plaintext is cached: redb reads the header at open and rewrites it every commit, so the
//! read-modify-write of those 320 bytes costs no decryption.

use super::{
    error::{EncryptionError, IntegrityError},
    layout::{BLOCK_LEN, SEALED_LEN, physical_offset},
    sealer::BlockSealer,
};
use std::{fs::File, io, os::unix::fs::FileExt};

/// Block 0's cached plaintext and where its newest copy lives.
pub(crate) struct BlockZero {
    plaintext: Box<[u8; BLOCK_LEN]>,
    /// Sequence number of the newest copy.
    seq: u64,
    /// Physical slot (0 or 1) holding the newest copy.
    slot: usize,
}

impl BlockZero {
    /// Loads block 0 from both slots. Fails only if neither authenticates.
    pub(crate) fn load(file: &File, sealer: &BlockSealer) -> Result<Self, EncryptionError> {
        let mut copies = [None, None];
        for (slot, copy) in copies.iter_mut().enumerate() {
            let mut sealed = vec![0u8; SEALED_LEN];
            file.read_exact_at(&mut sealed, physical_offset(slot as u64))?;
            let mut plaintext = Box::new([0u8; BLOCK_LEN]);
            if let Ok(seq) = sealer.open(0, &sealed, plaintext.as_mut_slice()) {
                *copy = Some((seq, plaintext));
            }
        }
        let [first, second] = copies;
        let newest = match (first, second) {
            (Some(a), Some(b)) if b.0 > a.0 => (1, b),
            (Some(a), Some(_)) => (0, a),
            (Some(a), None) => {
                tracing::warn!(target: "storage::encrypted", "block 0 slot 1 failed authentication (torn write or tampering); using slot 0");
                (0, a)
            }
            (None, Some(b)) => {
                tracing::warn!(target: "storage::encrypted", "block 0 slot 0 failed authentication (torn write or tampering); using slot 1");
                (1, b)
            }
            (None, None) => return Err(IntegrityError { block: 0 }.into()),
        };
        let (slot, (seq, plaintext)) = newest;
        Ok(Self {
            plaintext,
            seq,
            slot,
        })
    }

    /// Creates block 0 as zeros in both slots (the file grows from no blocks).
    pub(crate) fn create(file: &File, sealer: &BlockSealer) -> io::Result<Self> {
        let mut sealed = vec![0u8; SEALED_LEN];
        sealer.seal(0, 0, None, &mut sealed)?;
        file.write_all_at(&sealed, physical_offset(1))?;
        sealer.seal(0, 1, None, &mut sealed)?;
        file.write_all_at(&sealed, physical_offset(0))?;
        Ok(Self {
            plaintext: Box::new([0u8; BLOCK_LEN]),
            seq: 1,
            slot: 0,
        })
    }

    /// Copies `out.len()` bytes from `within` of the cached plaintext.
    pub(crate) fn read(&self, within: usize, out: &mut [u8]) {
        out.copy_from_slice(&self.plaintext[within..within + out.len()]);
    }

    /// Applies `patch` to the plaintext and writes it to the older slot with the next sequence
    /// number; the newer copy is untouched until this write completes.
    pub(crate) fn write(
        &mut self,
        file: &File,
        sealer: &BlockSealer,
        patch: impl FnOnce(&mut [u8; BLOCK_LEN]),
    ) -> io::Result<()> {
        let mut next = self.plaintext.clone();
        patch(&mut next);
        let seq = self.seq.saturating_add(1);
        let slot = 1 - self.slot;
        let mut sealed = vec![0u8; SEALED_LEN];
        sealer.seal(0, seq, Some(next.as_slice()), &mut sealed)?;
        file.write_all_at(&sealed, physical_offset(slot as u64))?;
        self.plaintext = next;
        self.seq = seq;
        self.slot = slot;
        Ok(())
    }
}

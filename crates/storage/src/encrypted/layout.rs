//! Where things live in an encrypted file: the file header, the two slots of logical block 0
//! and the run of every other block, and the arithmetic between logical and physical offsets.
//!
//! ```text
//! [file header: HEADER_LEN][block 0, slot A][block 0, slot B][block 1][block 2]...
//! sealed block: seq u64 LE (8) ‖ kind (1) ‖ zero (7) ‖ nonce (24) ‖ tag (16) ‖ ciphertext (4096)
//! ```

/// Bytes of plaintext per block: redb's page size, so a page write seals whole blocks.
pub const BLOCK_LEN: usize = 4096;
/// Bytes of the file header in front of the first sealed block.
pub const HEADER_LEN: u64 = 128;
/// Bytes before the nonce: sequence number, kind and padding.
pub(crate) const PREFIX_LEN: usize = 16;
/// XChaCha20-Poly1305 nonce length.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;
/// Offset of the nonce inside a sealed block.
pub(crate) const NONCE_AT: usize = PREFIX_LEN;
/// Offset of the tag inside a sealed block.
pub(crate) const TAG_AT: usize = NONCE_AT + NONCE_LEN;
/// Offset of the ciphertext inside a sealed block.
pub(crate) const CIPHERTEXT_AT: usize = TAG_AT + TAG_LEN;
/// Bytes of one sealed (physical) block.
pub const SEALED_LEN: usize = CIPHERTEXT_AT + BLOCK_LEN;

const BLOCK: u64 = BLOCK_LEN as u64;
const SEALED: u64 = SEALED_LEN as u64;

/// Physical byte offset of the sealed block at physical index `physical`.
pub(crate) fn physical_offset(physical: u64) -> u64 {
    HEADER_LEN + physical * SEALED
}

/// Physical byte offset of logical block `index` >= 1 (block 0 has two slots, physical 0 and 1,
/// so every later block sits one place further).
pub(crate) fn block_offset(index: u64) -> u64 {
    physical_offset(index + 1)
}

/// Physical file length that holds `blocks` logical blocks.
pub(crate) fn physical_len(blocks: u64) -> u64 {
    if blocks == 0 {
        HEADER_LEN
    } else {
        physical_offset(blocks + 1)
    }
}

/// Whole logical blocks held by a file of `physical` bytes; a torn trailing block (a crash while
/// the file grew) and a lone slot of block 0 do not count.
pub(crate) fn blocks_in(physical: u64) -> u64 {
    let sealed = physical.saturating_sub(HEADER_LEN) / SEALED;
    sealed.saturating_sub(1)
}

/// Logical blocks needed to hold `len` bytes.
pub(crate) fn blocks_for(len: u64) -> u64 {
    len.div_ceil(BLOCK)
}

/// Bytes used in the last block of a `len`-byte file (0: the last block is full or absent).
pub(crate) fn tail_of(len: u64) -> u32 {
    // Below BLOCK_LEN, so it fits.
    (len % BLOCK) as u32
}

/// Logical length of `blocks` blocks whose last one holds `tail` bytes (0: full).
pub(crate) fn logical_len(blocks: u64, tail: u32) -> u64 {
    if blocks == 0 || tail == 0 || u64::from(tail) >= BLOCK {
        blocks * BLOCK
    } else {
        (blocks - 1) * BLOCK + u64::from(tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0, 1, 4095, 4096, 4097, 8192, 10 * 4096 + 7] {
            let blocks = blocks_for(len);
            assert_eq!(logical_len(blocks, tail_of(len)), len, "len {len}");
            assert_eq!(blocks_in(physical_len(blocks)), blocks, "len {len}");
        }
    }

    #[test]
    fn torn_tail_and_lone_slot_do_not_count() {
        assert_eq!(blocks_in(physical_len(3) + 100), 3);
        assert_eq!(blocks_in(physical_offset(1)), 0);
        assert_eq!(blocks_in(physical_offset(1) + 17), 0);
    }

    #[test]
    fn block_zero_has_two_slots_and_others_follow() {
        assert_eq!(physical_offset(1), HEADER_LEN + SEALED);
        assert_eq!(block_offset(1), HEADER_LEN + 2 * SEALED);
        assert_eq!(physical_len(2), block_offset(1) + SEALED);
    }
}

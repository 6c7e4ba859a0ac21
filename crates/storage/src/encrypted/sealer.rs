//! Sealing and opening single blocks with XChaCha20-Poly1305. Every seal takes a fresh 24-byte
//! nonce: 16 random bytes drawn when the file is opened ‖ a 64-bit counter. Within one open the
//! counter never repeats; across opens two nonces collide only if two 128-bit random prefixes
//! do. This is as safe as fully random nonces without a getrandom call per 4 KiB block (which
//! inside an enclave is not free). The associated data
//! binds each block to this file and its position (file id ‖ block index ‖ seq ‖ kind), so a
//! block copied to another place or another file fails authentication.

use super::{
    error::IntegrityError,
    layout::{BLOCK_LEN, CIPHERTEXT_AT, NONCE_AT, NONCE_LEN, SEALED_LEN, TAG_AT, TAG_LEN},
};
use chacha20poly1305::{
    AeadInPlace, KeyInit, Tag, XChaCha20Poly1305, XNonce,
    aead::{OsRng, rand_core::RngCore},
};
use std::{
    io,
    sync::atomic::{AtomicU64, Ordering},
};

/// Length of the random file id bound into every block.
pub(crate) const FILE_ID_LEN: usize = 16;
/// Length of the key check value: nonce ‖ ciphertext of 32 zero bytes ‖ tag.
pub(crate) const KEY_CHECK_LEN: usize = NONCE_LEN + 32 + TAG_LEN;

/// What a sealed block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// 4096 bytes of ciphertext.
    Data = 1,
    /// An authenticated "all zeros" marker: written when the file grows, so that new blocks
    /// read as zeros without encrypting 4 KiB of zeros each, while a zeroed-out (hole or
    /// tampered) block still fails.
    Zeros = 2,
}

/// The key and file id that seal and open this file's blocks.
pub(crate) struct BlockSealer {
    aead: XChaCha20Poly1305,
    file_id: [u8; FILE_ID_LEN],
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    nonce_counter: AtomicU64,
}

const NONCE_PREFIX_LEN: usize = NONCE_LEN - 8;

impl BlockSealer {
    /// A sealer for the file `file_id`, with a fresh random nonce prefix.
    pub(crate) fn new(key: &[u8; 32], file_id: [u8; FILE_ID_LEN]) -> io::Result<Self> {
        Ok(Self {
            aead: XChaCha20Poly1305::new(key.into()),
            file_id,
            nonce_prefix: random_bytes()?,
            nonce_counter: AtomicU64::new(0),
        })
    }

    fn next_nonce(&self) -> [u8; NONCE_LEN] {
        let count = self.nonce_counter.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..NONCE_PREFIX_LEN].copy_from_slice(&self.nonce_prefix);
        nonce[NONCE_PREFIX_LEN..].copy_from_slice(&count.to_le_bytes());
        nonce
    }

    pub(crate) fn file_id(&self) -> &[u8; FILE_ID_LEN] {
        &self.file_id
    }

    fn associated_data(&self, index: u64, seq: u64, kind: u8) -> [u8; FILE_ID_LEN + 17] {
        let mut aad = [0u8; FILE_ID_LEN + 17];
        aad[..FILE_ID_LEN].copy_from_slice(&self.file_id);
        aad[FILE_ID_LEN..FILE_ID_LEN + 8].copy_from_slice(&index.to_le_bytes());
        aad[FILE_ID_LEN + 8..FILE_ID_LEN + 16].copy_from_slice(&seq.to_le_bytes());
        aad[FILE_ID_LEN + 16] = kind;
        aad
    }

    /// Seals logical block `index` into `out` (`SEALED_LEN` bytes); `plaintext: None` seals the
    /// all-zeros marker.
    pub(crate) fn seal(
        &self,
        index: u64,
        seq: u64,
        plaintext: Option<&[u8]>,
        out: &mut [u8],
    ) -> io::Result<()> {
        if out.len() != SEALED_LEN || plaintext.is_some_and(|p| p.len() != BLOCK_LEN) {
            return Err(super::error::invalid_input(
                "block buffer of the wrong size",
            ));
        }
        let kind = if plaintext.is_some() {
            Kind::Data
        } else {
            Kind::Zeros
        };
        let nonce = self.next_nonce();
        out[..TAG_AT].fill(0);
        out[..8].copy_from_slice(&seq.to_le_bytes());
        out[8] = kind as u8;
        out[NONCE_AT..TAG_AT].copy_from_slice(&nonce);
        let (head, body) = out.split_at_mut(CIPHERTEXT_AT);
        let body: &mut [u8] = match plaintext {
            Some(plaintext) => {
                body.copy_from_slice(plaintext);
                body
            }
            None => {
                body.fill(0);
                &mut []
            }
        };
        let aad = self.associated_data(index, seq, kind as u8);
        let tag = self
            .aead
            .encrypt_in_place_detached(&XNonce::from(nonce), &aad, body)
            .map_err(|_| io::Error::other("block encryption failed"))?;
        head[TAG_AT..CIPHERTEXT_AT].copy_from_slice(&tag);
        Ok(())
    }

    /// Opens the sealed block `sealed` as logical block `index` into `out` (`BLOCK_LEN` bytes)
    /// and returns its sequence number. On failure `out` holds nothing meaningful.
    pub(crate) fn open(
        &self,
        index: u64,
        sealed: &[u8],
        out: &mut [u8],
    ) -> Result<u64, IntegrityError> {
        let failed = IntegrityError { block: index };
        if sealed.len() != SEALED_LEN || out.len() != BLOCK_LEN {
            return Err(failed);
        }
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&sealed[..8]);
        let seq = u64::from_le_bytes(seq);
        let kind = sealed[8];
        let aad = self.associated_data(index, seq, kind);
        let nonce = XNonce::from(array::<NONCE_LEN>(&sealed[NONCE_AT..TAG_AT]));
        let tag = Tag::from(array::<TAG_LEN>(&sealed[TAG_AT..CIPHERTEXT_AT]));
        let opened = if kind == Kind::Data as u8 {
            out.copy_from_slice(&sealed[CIPHERTEXT_AT..]);
            self.aead.decrypt_in_place_detached(&nonce, &aad, out, &tag)
        } else if kind == Kind::Zeros as u8 {
            out.fill(0);
            self.aead
                .decrypt_in_place_detached(&nonce, &aad, &mut [], &tag)
        } else {
            return Err(failed);
        };
        opened.map(|()| seq).map_err(|_| failed)
    }

    /// A fresh key check value: 32 zero bytes sealed under the file id, so that a wrong key is
    /// told apart from tampering at open.
    pub(crate) fn key_check(&self) -> io::Result<[u8; KEY_CHECK_LEN]> {
        let nonce = self.next_nonce();
        let mut zeros = [0u8; 32];
        let tag = self
            .aead
            .encrypt_in_place_detached(&XNonce::from(nonce), &self.file_id, &mut zeros)
            .map_err(|_| io::Error::other("key check encryption failed"))?;
        let mut out = [0u8; KEY_CHECK_LEN];
        out[..NONCE_LEN].copy_from_slice(&nonce);
        out[NONCE_LEN..NONCE_LEN + 32].copy_from_slice(&zeros);
        out[NONCE_LEN + 32..].copy_from_slice(&tag);
        Ok(out)
    }

    /// Whether `check` (from [`Self::key_check`]) was sealed with this key for this file.
    pub(crate) fn verify_key_check(&self, check: &[u8; KEY_CHECK_LEN]) -> bool {
        let mut body = [0u8; 32];
        body.copy_from_slice(&check[NONCE_LEN..NONCE_LEN + 32]);
        let nonce = XNonce::from(array::<NONCE_LEN>(&check[..NONCE_LEN]));
        let tag = Tag::from(array::<TAG_LEN>(&check[NONCE_LEN + 32..]));
        self.aead
            .decrypt_in_place_detached(&nonce, &self.file_id, &mut body, &tag)
            .is_ok()
            && body == [0u8; 32]
    }
}

/// The first `N` bytes of `bytes` (callers pass exactly `N`; shorter input is zero-padded).
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = bytes.len().min(N);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    OsRng.try_fill_bytes(&mut bytes).map_err(io::Error::other)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(key: u8, id: u8) -> BlockSealer {
        BlockSealer::new(&[key; 32], [id; FILE_ID_LEN]).unwrap()
    }

    #[test]
    fn data_and_zero_blocks_round_trip() {
        let s = sealer(1, 2);
        let plain: Vec<u8> = (0..BLOCK_LEN).map(|i| (i % 251) as u8).collect();
        let mut sealed = vec![0u8; SEALED_LEN];
        s.seal(7, 3, Some(&plain), &mut sealed).unwrap();
        assert_ne!(&sealed[CIPHERTEXT_AT..], plain.as_slice());
        let mut out = vec![0u8; BLOCK_LEN];
        assert_eq!(s.open(7, &sealed, &mut out).unwrap(), 3);
        assert_eq!(out, plain);

        s.seal(9, 0, None, &mut sealed).unwrap();
        out.fill(0xee);
        assert_eq!(s.open(9, &sealed, &mut out).unwrap(), 0);
        assert!(out.iter().all(|b| *b == 0));
    }

    #[test]
    fn moved_copied_or_rekeyed_blocks_fail() {
        let s = sealer(1, 2);
        let plain = vec![5u8; BLOCK_LEN];
        let mut sealed = vec![0u8; SEALED_LEN];
        s.seal(7, 0, Some(&plain), &mut sealed).unwrap();
        let mut out = vec![0u8; BLOCK_LEN];
        assert_eq!(
            s.open(8, &sealed, &mut out),
            Err(IntegrityError { block: 8 })
        );
        assert!(sealer(1, 3).open(7, &sealed, &mut out).is_err());
        assert!(sealer(4, 2).open(7, &sealed, &mut out).is_err());
        let mut seq_changed = sealed.clone();
        seq_changed[0] ^= 1;
        assert!(s.open(7, &seq_changed, &mut out).is_err());
        let mut kind_changed = sealed.clone();
        kind_changed[8] = Kind::Zeros as u8;
        assert!(s.open(7, &kind_changed, &mut out).is_err());
        assert!(s.open(7, &vec![0u8; SEALED_LEN], &mut out).is_err());
    }

    #[test]
    fn nonces_never_repeat_within_an_open_nor_across_opens() {
        let (a, b) = (sealer(1, 2), sealer(1, 2));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            assert!(seen.insert(a.next_nonce()));
            assert!(seen.insert(b.next_nonce()));
        }
    }

    #[test]
    fn key_check_tells_keys_apart() {
        let check = sealer(1, 2).key_check().unwrap();
        assert!(sealer(1, 2).verify_key_check(&check));
        assert!(!sealer(9, 2).verify_key_check(&check));
        assert!(!sealer(1, 3).verify_key_check(&check));
    }
}

//! A small deterministic mutator (splitmix64): bit flips, byte sets, interesting integers,
//! inserted, deleted and duplicated ranges, and splices from another corpus input. Far weaker
//! than libFuzzer's, and without coverage feedback: it is the smoke run, not the fuzzing.

/// A seeded generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const INTERESTING: &[u64] = &[0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x7fff_ffff, u64::MAX];

/// `input` changed one to four times.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = out.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                out[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                out[at] = rng.next() as u8;
            }
            2 if len > 0 => {
                let value = INTERESTING[rng.below(INTERESTING.len())].to_be_bytes();
                let width = [1, 2, 4, 8][rng.below(4)];
                let at = rng.below(len);
                for (i, byte) in value[8 - width..].iter().enumerate() {
                    if let Some(slot) = out.get_mut(at + i) {
                        *slot = *byte;
                    }
                }
            }
            3 => {
                let at = rng.below(len + 1);
                let count = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..count).map(|_| rng.next() as u8).collect();
                out.splice(at..at, bytes);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let count = 1 + rng.below((len - at).min(64));
                out.drain(at..at + count);
            }
            5 if len > 0 => {
                let at = rng.below(len);
                let count = 1 + rng.below((len - at).min(64));
                let copy = out[at..at + count].to_vec();
                let to = rng.below(len + 1);
                out.splice(to..to, copy);
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let count = 1 + rng.below((other.len() - from).min(256));
                let to = rng.below(len + 1);
                out.splice(to..to, other[from..from + count].iter().copied());
            }
            _ if len > 1 => out.truncate(rng.below(len)),
            _ => out.push(rng.next() as u8),
        }
    }
    out
}

//! A seeded RNG and the byte and text mutators every target shares.

/// xorshift64*: small, seeded, good enough for mutation choices.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value; 0 is mapped to a fixed odd one).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// True with probability 1 / `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// A length skewed towards small values, below `max`.
    pub fn size(&mut self, max: usize) -> usize {
        match self.below(4) {
            0 => self.below(8.min(max)),
            1 => self.below(64.min(max)),
            2 => self.below(512.min(max)),
            _ => self.below(max),
        }
    }
    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
}

/// Bytes that often matter to parsers.
const INTERESTING: [u8; 12] = [
    0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x0f, 0xf0, b'{', b'"', b'/', b'%',
];

/// One of `seeds` (or nothing) mutated 1 to 4 times: bit flips, interesting
/// bytes, truncation, insertion, deletion, duplication, splicing with
/// another seed, or fresh random bytes; cut to `max` bytes.
pub fn mutate_bytes(rng: &mut Rng, seeds: &[Vec<u8>], max: usize) -> Vec<u8> {
    let mut b = if seeds.is_empty() {
        Vec::new()
    } else {
        rng.pick(seeds).clone()
    };
    for _ in 0..1 + rng.below(4) {
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = *rng.pick(&INTERESTING);
            }
            2 => b.truncate(rng.below(b.len() + 1)),
            3 => {
                let i = rng.below(b.len() + 1);
                let n = 1 + rng.size(16);
                let ins = rng.bytes(n);
                b.splice(i..i, ins);
            }
            4 if !b.is_empty() => {
                let i = rng.below(b.len());
                let j = (i + 1 + rng.size(16)).min(b.len());
                b.drain(i..j);
            }
            5 if !b.is_empty() => {
                // Repeat a slice: runs and repeated structures.
                let i = rng.below(b.len());
                let j = (i + 1 + rng.size(32)).min(b.len());
                let part = b[i..j].to_vec();
                for _ in 0..1 + rng.size(16) {
                    b.splice(i..i, part.iter().copied());
                }
            }
            6 if !seeds.is_empty() => {
                let other = rng.pick(seeds);
                let cut = rng.below(b.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[rng.below(other.len() + 1)..]);
            }
            7 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = b[i].wrapping_add(rng.below(5) as u8).wrapping_sub(2);
            }
            _ => {
                let n = rng.size(max.min(1024));
                b = rng.bytes(n);
            }
        }
    }
    b.truncate(max);
    b
}

/// Fragments worth inserting into text inputs.
const TEXT_BITS: [&str; 24] = [
    "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", "%", "%zz", "%00", "%ff", "&",
    "=", "?", "#", "+", "/", "\u{202e}", "\u{fffd}", "é", "𝄞",
];

/// Numbers worth substituting into JSON.
pub const NUMBERS: [&str; 16] = [
    "0",
    "-1",
    "1e999",
    "-1e999",
    "1e-400",
    "0.5",
    "65536",
    "4096",
    "255",
    "256",
    "16",
    "\"NaN\"",
    "\"12\"",
    "null",
    "true",
    "18446744073709551616",
];

/// One of `seeds` mutated as text, on character boundaries: numbers
/// replaced, ranges deleted or repeated, fragments inserted, spliced with
/// another seed; cut to `max` bytes.
pub fn mutate_text(rng: &mut Rng, seeds: &[String], max: usize) -> String {
    let mut s = rng.pick(seeds).clone();
    for _ in 0..1 + rng.below(3) {
        let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let at = *rng.pick(&cuts);
        match rng.below(5) {
            0 => {
                if let Some(off) = s[at..].find(|c: char| c.is_ascii_digit() || c == '-') {
                    let start = at + off;
                    let end = s[start..]
                        .find(|c: char| {
                            !(c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
                        })
                        .map_or(s.len(), |e| start + e);
                    let n: &&str = rng.pick(&NUMBERS);
                    s.replace_range(start..end, n);
                }
            }
            1 => {
                let end = (*rng.pick(&cuts)).max(at);
                s.replace_range(at..end, "");
            }
            2 => {
                let bit: &&str = rng.pick(&TEXT_BITS);
                s.insert_str(at, bit);
            }
            3 => {
                let end = (*rng.pick(&cuts)).max(at);
                let part = s[at..end].to_string();
                if !part.is_empty() {
                    let times = 1 + rng.size(32);
                    s.insert_str(at, &part.repeat(times));
                }
            }
            _ => {
                let other = rng.pick(seeds);
                let ocuts: Vec<usize> = other
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([other.len()])
                    .collect();
                s.truncate(at);
                s.push_str(&other[*rng.pick(&ocuts)..]);
            }
        }
    }
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

//! SplitMix64: the simulator's only source of randomness.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the variant published by Sebastiano Vigna as
//! the seeding generator of the xoshiro family) keeps a 64-bit counter that
//! advances by the odd constant `0x9E3779B97F4A7C15` (2^64 / golden ratio)
//! on every call and returns a bijective mix of it:
//!
//! ```text
//! state += 0x9E3779B97F4A7C15
//! z = state
//! z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//! z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//! return z ^ (z >> 31)
//! ```
//!
//! It has a period of 2^64, passes BigCrush, needs no allocation, no
//! operating system entropy and no floating point, so it runs identically on
//! every target (including `wasm32-unknown-unknown`, where `getrandom` is not
//! available). It is not cryptographic, which a simulator does not need.

/// A SplitMix64 generator. The same seed always yields the same sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)` (the top 53 bits of [`Self::next_u64`]).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `[lo, hi)`.
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// A uniform integer in `[lo, hi]` (inclusive; `lo` when `hi <= lo`).
    pub fn range_u64(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo + 1;
        // Multiply-shift reduction (Lemire); the bias is below 2^-40 for the
        // small spans used here.
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64
    }

    /// `true` with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// A standard normal deviate (Box-Muller, one of the pair).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.next_f64().max(1e-300);
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (core::f64::consts::TAU * u2).cos()
    }

    /// A generator for a sub-stream, derived from this one's next output and
    /// a label, so that adding draws to one component does not shift another.
    pub fn fork(&mut self, label: u64) -> SplitMix64 {
        let mut s = SplitMix64::new(self.next_u64() ^ label.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        s.next_u64();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // First outputs for seed 1234567 as published with the reference C code.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(r.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn ranges() {
        let mut r = SplitMix64::new(7);
        for _ in 0..10_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            let i = r.range_u64(3, 9);
            assert!((3..=9).contains(&i));
        }
        assert_eq!(r.range_u64(5, 5), 5);
    }
}

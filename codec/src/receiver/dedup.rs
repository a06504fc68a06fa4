//! The `{station, sequence}` de-duplication ring (spec Appendix G,
//! "Duplicate suppression").
//!
//! Every frame the receiver processes (a sensor packet or a mesh packet,
//! heard directly or unwrapped from a FORWARD) is looked up by its
//! [`DedupKey`]: origin station, sequence, and whether it is a mesh packet
//! (a dual-role relay may number its sensor and mesh packets with separate
//! counters, so the two never collide). The ring remembers the most recent
//! `capacity` distinct keys, FIFO: when full, inserting a new key evicts the
//! oldest.
//!
//! Each key also remembers a 32-bit content hash of the frame
//! ([`content_hash`]). Relays copy sensor packets verbatim, so a real copy
//! has the same bytes; a frame with a known key but different bytes is not a
//! copy but a new packet reusing the sequence number (typically a device
//! that restarted), reported as [`DedupCheck::Reused`] for the sequence
//! tracker to judge. A hash of [`HASH_UNKNOWN`] (content not available)
//! matches anything.
//!
//! Cost: one hash-map probe per lookup with a multiplicative hasher; memory
//! is fixed at construction (`capacity` keys, at most
//! [`MAX_DEDUP_CAPACITY`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Default ring size (distinct keys remembered).
pub const DEFAULT_DEDUP_CAPACITY: usize = 4096;
/// Largest accepted ring size; larger requests are clamped to it.
pub const MAX_DEDUP_CAPACITY: usize = 65_536;
/// The content hash meaning "content unknown": matches any content.
pub const HASH_UNKNOWN: u32 = 0;

/// A de-duplication key: `mesh(1) | station(12) | sequence(16)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey(pub u32);

impl DedupKey {
    /// The key of a sensor (`mesh == false`) or mesh packet from `station`
    /// (12 bits; higher bits are masked off) with `sequence`.
    pub fn new(mesh: bool, station: u16, sequence: u16) -> DedupKey {
        DedupKey(
            (u32::from(mesh) << 28) | (u32::from(station & 0x0FFF) << 16) | u32::from(sequence),
        )
    }

    /// Whether the key is for a mesh packet.
    pub fn is_mesh(self) -> bool {
        self.0 >> 28 != 0
    }

    /// The origin station.
    pub fn station(self) -> u16 {
        ((self.0 >> 16) & 0x0FFF) as u16
    }

    /// The sequence number.
    pub fn sequence(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }
}

/// FNV-1a (32-bit) of the frame bytes, with 0 mapped to 1 so that it never
/// equals [`HASH_UNKNOWN`].
pub fn content_hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    if h == HASH_UNKNOWN {
        1
    } else {
        h
    }
}

/// Whether two content hashes may be the same content.
pub fn hashes_match(a: u32, b: u32) -> bool {
    a == b || a == HASH_UNKNOWN || b == HASH_UNKNOWN
}

/// Result of [`DedupRing::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupCheck {
    /// The key is not in the ring.
    New,
    /// The key is in the ring with the same content: a copy.
    Duplicate,
    /// The key is in the ring with different content: the sequence number
    /// was reused (not a copy).
    Reused,
}

/// Multiplicative hasher for the 29-bit keys (folds the high half of the
/// product down so that keys differing only in the station spread too).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        self.0 ^= self.0 >> 32;
    }

    fn write_u32(&mut self, n: u32) {
        let h = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// The FIFO de-duplication ring. See the module documentation.
#[derive(Debug, Clone)]
pub struct DedupRing {
    /// Keys in insertion order (circular, `len() <= capacity`).
    order: Vec<DedupKey>,
    /// Index in `order` of the oldest key once the ring is full.
    next: usize,
    capacity: usize,
    /// Key -> content hash.
    hashes: HashMap<DedupKey, u32, BuildHasherDefault<KeyHasher>>,
    evictions: u64,
}

impl DedupRing {
    /// A ring remembering `capacity` keys (clamped to
    /// `1..=`[`MAX_DEDUP_CAPACITY`]).
    pub fn new(capacity: usize) -> DedupRing {
        let capacity = capacity.clamp(1, MAX_DEDUP_CAPACITY);
        DedupRing {
            order: Vec::with_capacity(capacity),
            next: 0,
            capacity,
            hashes: HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            evictions: 0,
        }
    }

    /// The ring size.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keys currently remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Keys evicted so far (FIFO, because the ring was full).
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// Whether `key` with content `hash` is new, a copy, or a reused key.
    pub fn check(&self, key: DedupKey, hash: u32) -> DedupCheck {
        match self.hashes.get(&key) {
            None => DedupCheck::New,
            Some(&h) if hashes_match(h, hash) => DedupCheck::Duplicate,
            Some(_) => DedupCheck::Reused,
        }
    }

    /// Whether `key` is remembered (whatever its content).
    pub fn contains(&self, key: DedupKey) -> bool {
        self.hashes.contains_key(&key)
    }

    /// Remembers `key` with content `hash`. A key already present keeps its
    /// place in the FIFO order and takes the new hash (unless it is
    /// [`HASH_UNKNOWN`]); a new key evicts the oldest when the ring is full.
    pub fn insert(&mut self, key: DedupKey, hash: u32) {
        if let Some(h) = self.hashes.get_mut(&key) {
            if hash != HASH_UNKNOWN {
                *h = hash;
            }
            return;
        }
        if self.order.len() < self.capacity {
            self.order.push(key);
        } else if let Some(slot) = self.order.get_mut(self.next) {
            let old = std::mem::replace(slot, key);
            self.hashes.remove(&old);
            self.evictions += 1;
            self.next = (self.next + 1) % self.capacity;
        }
        self.hashes.insert(key, hash);
    }

    /// Forgets everything (the capacity is kept).
    pub fn clear(&mut self) {
        self.order.clear();
        self.hashes.clear();
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_packing() {
        let k = DedupKey::new(true, 0x0ABC, 0xFFFF);
        assert!(k.is_mesh());
        assert_eq!((k.station(), k.sequence()), (0x0ABC, 0xFFFF));
        let s = DedupKey::new(false, 0x0ABC, 0xFFFF);
        assert!(!s.is_mesh());
        assert_ne!(k, s);
        assert_eq!(DedupKey::new(false, 0xFFFF, 1).station(), 0x0FFF);
    }

    #[test]
    fn copies_reuse_and_fifo_eviction() {
        let mut r = DedupRing::new(3);
        let k = |s: u16| DedupKey::new(false, 7, s);
        assert_eq!(r.check(k(1), 10), DedupCheck::New);
        r.insert(k(1), 10);
        assert_eq!(r.check(k(1), 10), DedupCheck::Duplicate);
        assert_eq!(r.check(k(1), 11), DedupCheck::Reused);
        assert_eq!(r.check(k(1), HASH_UNKNOWN), DedupCheck::Duplicate);
        r.insert(k(2), 20);
        r.insert(k(3), 30);
        assert_eq!(r.len(), 3);
        // Re-inserting a present key does not move it or evict anything.
        r.insert(k(1), 12);
        assert_eq!((r.len(), r.evictions()), (3, 0));
        assert_eq!(r.check(k(1), 12), DedupCheck::Duplicate);
        // A 4th key evicts the oldest (k1), then k2, ...
        r.insert(k(4), 40);
        assert_eq!((r.len(), r.evictions()), (3, 1));
        assert!(!r.contains(k(1)) && r.contains(k(2)) && r.contains(k(4)));
        r.insert(k(5), 50);
        assert!(!r.contains(k(2)) && r.contains(k(3)));
        r.insert(k(1), 10);
        assert!(!r.contains(k(3)) && r.contains(k(1)));
        r.clear();
        assert!(r.is_empty() && r.check(k(1), 10) == DedupCheck::New);
    }

    #[test]
    fn capacity_is_clamped() {
        assert_eq!(DedupRing::new(0).capacity(), 1);
        assert_eq!(DedupRing::new(usize::MAX).capacity(), MAX_DEDUP_CAPACITY);
        let mut r = DedupRing::new(1);
        r.insert(DedupKey(1), 1);
        r.insert(DedupKey(2), 1);
        assert!(!r.contains(DedupKey(1)) && r.contains(DedupKey(2)));
    }

    #[test]
    fn many_keys_stay_bounded() {
        let mut r = DedupRing::new(DEFAULT_DEDUP_CAPACITY);
        for seq in 0..4u16 {
            for station in 0..4096u16 {
                r.insert(DedupKey::new(false, station, seq), 1);
            }
        }
        assert_eq!(r.len(), DEFAULT_DEDUP_CAPACITY);
        assert_eq!(r.evictions(), 3 * 4096);
        // The newest 4096 keys (sequence 3 of every station) remain.
        assert!((0..4096).all(|s| r.contains(DedupKey::new(false, s, 3))));
    }

    #[test]
    fn content_hash_is_never_unknown() {
        assert_ne!(content_hash(&[]), HASH_UNKNOWN);
        assert_ne!(content_hash(&[1, 2, 3]), content_hash(&[1, 2, 4]));
    }
}

//! Station keys across sources. Every source (a broker connection of the
//! settings, the demo feed) has a small number; a station is known by its
//! key, `source << 12 | id` (ids are 12 bits), so the same station id from
//! two sources stays two stations, and keys stay `u16`s that cost nothing
//! per packet. Broker sources are `0..MAX_SOURCES` (their place in the
//! settings), the demo feed is [`DEMO_SOURCE`], and station ids the user
//! merged are heard as one station of [`MERGED_SOURCE`].

use crate::settings::MAX_SOURCES;

/// The demo feed's source number (after the broker sources).
pub const DEMO_SOURCE: u8 = MAX_SOURCES as u8;
/// The source number of merged station ids (frames of a merged id from any
/// source feed this one station).
pub const MERGED_SOURCE: u8 = DEMO_SOURCE + 1;
/// Source numbers in all (brokers, demo, merged); at most 16 fit a key.
pub const SOURCE_SLOTS: usize = MERGED_SOURCE as usize + 1;

/// The key of station `id` (12 bits) heard from source `src`.
pub fn station_key(src: u8, id: u16) -> u16 {
    (u16::from(src & 0x0F) << 12) | (id & 0x0FFF)
}

/// The source of a station key.
pub fn key_source(key: u16) -> u8 {
    (key >> 12) as u8
}

/// The station id of a station key.
pub fn key_id(key: u16) -> u16 {
    key & 0x0FFF
}

/// Station ids merged across sources (a 4096-bit set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSet([u64; 64]);

impl Default for MergeSet {
    fn default() -> Self {
        MergeSet([0; 64])
    }
}

impl MergeSet {
    /// The set of `ids` (ids above 4095 are left out).
    pub fn of(ids: &[u16]) -> MergeSet {
        let mut s = MergeSet::default();
        for &id in ids.iter().filter(|id| **id <= 0x0FFF) {
            let id = usize::from(id);
            if let Some(w) = s.0.get_mut(id / 64) {
                *w |= 1 << (id % 64);
            }
        }
        s
    }

    /// The ids in the set, ascending.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        (0..4096u16).filter(|&id| self.contains(id))
    }

    /// Whether station `id` is merged.
    pub fn contains(&self, id: u16) -> bool {
        let id = usize::from(id & 0x0FFF);
        self.0
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
}

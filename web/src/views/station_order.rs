//! The stations table's order, kept incrementally: each station's sort
//! value is cached, and a station that changed is moved from its old place
//! to its new one by binary search, instead of sorting every station on
//! every packet. The filter is parsed once and tests a station without
//! allocating.

use std::cmp::Ordering;

use iotdata::receiver::Station;

use crate::store::{battery_level, key_id, key_source, Store, SOURCE_SLOTS};

/// Station keys: 12-bit ids of every source.
const ID_SLOTS: usize = 4096 * SOURCE_SLOTS;
/// Above this many changed stations at once, one full sort is cheaper than
/// moving each.
const RESORT_ABOVE: usize = 512;

/// Sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Station id.
    Id,
    /// Variant.
    Variant,
    /// Last heard.
    LastHeard,
    /// Packet count.
    Packets,
    /// Loss percentage.
    Loss,
    /// Battery.
    Battery,
}

/// A station's value under one sort key (a number, then the variant name
/// for [`SortKey::Variant`]; a missing loss or battery sorts as -1).
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    num: f64,
    text: String,
}

impl Rank {
    /// The order of two values (numbers by `total_cmp`, then the text).
    pub fn compare(&self, other: &Rank) -> Ordering {
        self.num
            .total_cmp(&other.num)
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// The value of `st` under `key`.
pub fn rank(store: &Store, st: &Station, key: SortKey) -> Rank {
    let num = |o: Option<f64>| o.unwrap_or(-1.0);
    let (num, text) = match key {
        SortKey::Id => (f64::from(st.id), String::new()),
        SortKey::Variant => (f64::from(st.variant), store.variant_name(st)),
        SortKey::LastHeard => (st.last_heard_ms as f64, String::new()),
        SortKey::Packets => (st.sequence_stats().received as f64, String::new()),
        SortKey::Loss => (num(st.loss_pct()), String::new()),
        SortKey::Battery => (num(battery_level(st)), String::new()),
    };
    Rank { num, text }
}

/// Station keys in table order under one sort key and direction (ties by
/// key, ascending in both directions), updated one station at a time.
#[derive(Debug, Clone)]
pub struct SortedStations {
    key: SortKey,
    ascending: bool,
    ranks: Vec<Option<Rank>>,
    order: Vec<u16>,
}

impl SortedStations {
    /// An empty order.
    pub fn new(key: SortKey, ascending: bool) -> SortedStations {
        SortedStations {
            key,
            ascending,
            ranks: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Every station of `store`, sorted.
    pub fn build(store: &Store, key: SortKey, ascending: bool) -> SortedStations {
        let mut s = SortedStations::new(key, ascending);
        for (k, st) in store.keyed_stations() {
            if let Some(slot) = s.slot(k) {
                *slot = Some(rank(store, st, key));
                s.order.push(k);
            }
        }
        s.resort();
        s
    }

    /// The sort key and direction.
    pub fn key(&self) -> (SortKey, bool) {
        (self.key, self.ascending)
    }

    /// Station ids in order.
    pub fn order(&self) -> &[u16] {
        &self.order
    }

    /// Number of stations.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// No station at all.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The rank slot of key `id` (the table grows up to the highest key).
    fn slot(&mut self, id: u16) -> Option<&mut Option<Rank>> {
        let i = usize::from(id);
        if i >= self.ranks.len() && i < ID_SLOTS {
            self.ranks.resize(i + 1, None);
        }
        self.ranks.get_mut(i)
    }

    fn rank_of(&self, id: u16) -> Option<&Rank> {
        self.ranks.get(usize::from(id)).and_then(Option::as_ref)
    }

    /// Order of `(ra, a)` against `(rb, b)` under the direction, ties by id.
    fn cmp_ranks(&self, ra: &Rank, a: u16, rb: &Rank, b: u16) -> Ordering {
        let o = ra.compare(rb);
        let o = if self.ascending { o } else { o.reverse() };
        o.then(a.cmp(&b))
    }

    fn resort(&mut self) {
        let mut order = std::mem::take(&mut self.order);
        crate::vecmap::sort_by(&mut order, |&a, &b| {
            match (self.rank_of(a), self.rank_of(b)) {
                (Some(ra), Some(rb)) => self.cmp_ranks(ra, a, rb, b),
                _ => a.cmp(&b),
            }
        });
        self.order = order;
    }

    /// Where `(r, id)` belongs in the order.
    fn position(&self, r: &Rank, id: u16) -> usize {
        self.order
            .partition_point(|&other| match self.rank_of(other) {
                Some(ro) => self.cmp_ranks(ro, other, r, id) == Ordering::Less,
                None => other < id,
            })
    }

    /// Sets the value of station `id` (`None`: the station is gone) and
    /// moves it to its place: O(log n) to find, one memmove to shift.
    pub fn update(&mut self, id: u16, new: Option<Rank>) {
        let slot = usize::from(id);
        if slot >= ID_SLOTS {
            return;
        }
        if let Some(old) = self.ranks.get(slot).cloned().flatten() {
            if new.as_ref() == Some(&old) {
                return;
            }
            let at = self.position(&old, id);
            if self.order.get(at) == Some(&id) {
                self.order.remove(at);
            } else if let Some(i) = self.order.iter().position(|&x| x == id) {
                self.order.remove(i);
            }
        }
        if let Some(r) = self.slot(id) {
            *r = new;
        }
        if let Some(r) = self.rank_of(id).cloned() {
            let at = self.position(&r, id);
            self.order.insert(at, id);
        }
    }

    /// Re-ranks the stations `ids` from `store` (gone ones removed, new
    /// ones inserted); many at once fall back to one full sort.
    pub fn refresh(&mut self, store: &Store, ids: &[u16]) {
        if ids.len() > RESORT_ABOVE {
            *self = SortedStations::build(store, self.key, self.ascending);
            return;
        }
        for &id in ids {
            let r = store.station(id).map(|st| rank(store, st, self.key));
            self.update(id, r);
        }
    }
}

/// A parsed filter: decimal id, hex id with or without `0x`, variant name
/// or number (case-insensitive substring match).
#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    text: String,
    hex: String,
    source: Option<u8>,
}

impl StationFilter {
    /// Parses the text typed in the filter box.
    pub fn new(filter: &str) -> StationFilter {
        let text = filter.trim().to_ascii_lowercase();
        let hex = text.strip_prefix("0x").unwrap_or(&text).to_string();
        StationFilter {
            text,
            hex,
            source: None,
        }
    }

    /// This filter, also keeping only the stations of source `src` (`None`:
    /// every source).
    pub fn with_source(mut self, src: Option<u8>) -> StationFilter {
        self.source = src;
        self
    }

    /// Matches everything.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.source.is_none()
    }

    /// Whether the station with key `key` and variant name `variant_name`
    /// matches (source, then id and variant).
    pub fn matches_key(&self, key: u16, variant_name: &str) -> bool {
        self.source.is_none_or(|s| s == key_source(key)) && self.matches(key_id(key), variant_name)
    }

    /// Whether a station `id` with variant name `variant_name` matches.
    pub fn matches(&self, id: u16, variant_name: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let mut buf = [0u8; 8];
        contains(decimal(id, &mut buf), &self.text)
            || contains(hex3(id, &mut buf), &self.hex)
            || contains_ignore_case(variant_name, &self.text)
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty() || hay.windows(n.len()).any(|w| w == n)
}

fn contains_ignore_case(hay: &str, lower_needle: &str) -> bool {
    let n = lower_needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// `id` in decimal, written into `buf`.
fn decimal(id: u16, buf: &mut [u8; 8]) -> &[u8] {
    let mut v = id;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

/// `id` as at least three lowercase hex digits (`{:03x}`), written into
/// `buf`.
fn hex3(id: u16, buf: &mut [u8; 8]) -> &[u8] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut v = id;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[usize::from(v & 0xF)];
        v >>= 4;
        if (v == 0 && buf.len() - i >= 3) || i == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Variant names by `(variant, decoded with its own layout)`, looked up
/// once per variant while filtering thousands of stations.
#[derive(Default)]
pub struct VariantNames {
    names: Vec<((u8, bool), String)>,
}

impl VariantNames {
    /// The name [`Store::variant_name`] gives `st`.
    pub fn get(&mut self, store: &Store, st: &Station) -> &str {
        let key = (st.variant, st.layout_variant == st.variant);
        let i = match self.names.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.names.push((key, store.variant_name(st)));
                self.names.len() - 1
            }
        };
        self.names.get(i).map_or("", |(_, n)| n.as_str())
    }
}

/// The station keys of `order` that pass `filter`, in order.
pub fn filtered(store: &Store, order: &[u16], filter: &StationFilter) -> Vec<u16> {
    if filter.is_empty() {
        return order.to_vec();
    }
    let mut names = VariantNames::default();
    order
        .iter()
        .copied()
        .filter(|&id| {
            store
                .station(id)
                .is_some_and(|st| filter.matches_key(id, names.get(store, st)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_without_allocating() {
        let mut b = [0u8; 8];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(4095, &mut b), b"4095");
        assert_eq!(decimal(u16::MAX, &mut b), b"65535");
        assert_eq!(hex3(9, &mut b), b"009");
        assert_eq!(hex3(0xabc, &mut b), b"abc");
        assert_eq!(hex3(0xffff, &mut b), b"ffff");
        for id in [0u16, 7, 42, 255, 4095] {
            assert_eq!(hex3(id, &mut b), format!("{id:03x}").as_bytes());
            assert_eq!(decimal(id, &mut b), id.to_string().as_bytes());
        }
    }

    #[test]
    fn filter_text() {
        let f = StationFilter::new(" 0x02A ");
        assert!(f.matches(42, "x"));
        assert!(!f.matches(43, "x"));
        let f = StationFilter::new("Weather");
        assert!(f.matches(1, "weather_station"));
        assert!(!f.matches(1, "soil"));
        assert!(StationFilter::new("12").matches(4012, ""));
        assert!(StationFilter::new("").matches(1, ""));
    }
}

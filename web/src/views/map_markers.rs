//! The station markers of the map as plain data, and the difference between
//! two sets of them.
//!
//! Each animation frame the map takes the markers the store calls for
//! ([`marker_states`]: one per station with a valid position, with its
//! freshness and whether its popup is open), compares them with the markers
//! it has drawn ([`marker_changes`]) and hands Leaflet only the changes:
//! a station that moved is moved, one whose colour changed is restyled, and
//! nothing else is touched. At most [`MAX_MARKER_CHANGES_PER_FRAME`] changes
//! are applied in one frame ([`apply_changes`] tells what is then drawn);
//! the rest follow in the next frames, so a burst (the first 4,095 stations,
//! every station turning stale at once) is spread out instead of blocking
//! the page.

use crate::store::{freshness, Freshness, Store};

/// Most marker changes (add, move, restyle, remove) applied to Leaflet in one
/// animation frame; the others follow in the next frames.
pub const MAX_MARKER_CHANGES_PER_FRAME: usize = 250;

/// One station marker as drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerState {
    /// Station key ([`crate::store::station_key`]).
    pub id: u16,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Freshness (the marker's colour).
    pub fresh: Freshness,
    /// The station's popup is open (the marker is drawn larger, outlined).
    pub selected: bool,
}

/// One change to the drawn markers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MarkerChange {
    /// A new marker.
    Add(MarkerState),
    /// The station moved.
    Move {
        /// Station id.
        id: u16,
        /// New latitude.
        lat: f64,
        /// New longitude.
        lon: f64,
    },
    /// The station's colour or selection changed.
    Restyle {
        /// Station id.
        id: u16,
        /// New freshness.
        fresh: Freshness,
        /// Newly selected or not.
        selected: bool,
    },
    /// The station has no marker any more.
    Remove(u16),
}

impl MarkerChange {
    /// The station the change is about.
    pub fn id(&self) -> u16 {
        match *self {
            MarkerChange::Add(m) => m.id,
            MarkerChange::Move { id, .. }
            | MarkerChange::Restyle { id, .. }
            | MarkerChange::Remove(id) => id,
        }
    }
}

/// Whether `(lat, lon)` can be drawn (finite, on the globe).
pub fn drawable(lat: f64, lon: f64) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// The markers the store calls for at `now_ms`: one per station with a
/// drawable position, ascending by id, `selected` on the one whose popup is
/// open.
pub fn marker_states(s: &Store, now_ms: f64, selected: Option<u16>) -> Vec<MarkerState> {
    let mut out: Vec<MarkerState> = s
        .keyed_stations()
        .filter_map(|(key, st)| {
            let p = st.position?;
            let (lat, lon) = (p.position.latitude, p.position.longitude);
            drawable(lat, lon).then(|| MarkerState {
                id: key,
                lat,
                lon,
                fresh: freshness(st, now_ms),
                selected: selected == Some(key),
            })
        })
        .collect();
    if !out.windows(2).all(|w| w[0].id < w[1].id) {
        crate::vecmap::sort_by(&mut out, |a, b| a.id.cmp(&b.id));
        out.dedup_by_key(|m| m.id);
    }
    out
}

/// The changes that turn the markers `prev` into `next` (both ascending by
/// id, one marker per id): ascending by id, a move before a restyle of the
/// same station. Unchanged markers give nothing. O(`prev` + `next`).
pub fn marker_changes(prev: &[MarkerState], next: &[MarkerState]) -> Vec<MarkerChange> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        match (prev.get(i), next.get(j)) {
            (Some(a), Some(b)) if a.id == b.id => {
                if a.lat != b.lat || a.lon != b.lon {
                    out.push(MarkerChange::Move {
                        id: b.id,
                        lat: b.lat,
                        lon: b.lon,
                    });
                }
                if a.fresh != b.fresh || a.selected != b.selected {
                    out.push(MarkerChange::Restyle {
                        id: b.id,
                        fresh: b.fresh,
                        selected: b.selected,
                    });
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.id < b.id => {
                out.push(MarkerChange::Remove(a.id));
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                out.push(MarkerChange::Add(*b));
                j += 1;
            }
            (Some(a), None) => {
                out.push(MarkerChange::Remove(a.id));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The markers `prev` after `changes` (ascending by id, as
/// [`marker_changes`] gives them, or any prefix of those). O(`prev` +
/// `changes`).
pub fn apply_changes(prev: &[MarkerState], changes: &[MarkerChange]) -> Vec<MarkerState> {
    let mut out = Vec::with_capacity(prev.len() + changes.len());
    let mut rest = prev.iter().copied().peekable();
    // The marker the current run of changes is about (None once removed).
    let mut current: Option<(u16, Option<MarkerState>)> = None;
    for ch in changes {
        let id = ch.id();
        if current.is_some_and(|(c, _)| c != id) {
            if let Some((_, Some(m))) = current.take() {
                out.push(m);
            }
        }
        while let Some(m) = rest.next_if(|m| m.id < id) {
            out.push(m);
        }
        let slot = match &mut current {
            Some((_, slot)) => slot,
            None => &mut current.insert((id, rest.next_if(|m| m.id == id))).1,
        };
        match *ch {
            MarkerChange::Add(m) => *slot = Some(m),
            MarkerChange::Move { lat, lon, .. } => {
                if let Some(m) = slot {
                    m.lat = lat;
                    m.lon = lon;
                }
            }
            MarkerChange::Restyle {
                fresh, selected, ..
            } => {
                if let Some(m) = slot {
                    m.fresh = fresh;
                    m.selected = selected;
                }
            }
            MarkerChange::Remove(_) => *slot = None,
        }
    }
    if let Some((_, Some(m))) = current {
        out.push(m);
    }
    out.extend(rest);
    out
}

//! [`Live`]: the store as the UI sees it, with revision signals bumped at
//! most once per animation frame.

use iotdata::VariantMap;
use leptos::prelude::*;

use super::{Change, Store};
use crate::alerts::Engine;
use crate::vecmap::VecMap;

/// The store as the UI sees it: data plus revision signals bumped at most once
/// per animation frame. `Copy`, so views can capture it freely.
#[derive(Clone, Copy)]
pub struct Live {
    store: StoredValue<Store>,
    /// Bumped when the set of stations (or any station) changed.
    pub stations_rev: RwSignal<u64>,
    /// Bumped when the log changed.
    pub log_rev: RwSignal<u64>,
    /// Bumped when the topology's structure changed (parents, neighbours,
    /// roles, orphans, route errors).
    pub topology_rev: RwSignal<u64>,
    /// Bumped on any mesh activity (node counters, last heard, deliveries).
    pub mesh_rev: RwSignal<u64>,
    /// Bumped when a thumbnail was added.
    pub gallery_rev: RwSignal<u64>,
    /// Bumped when the variant map was replaced.
    pub map_rev: RwSignal<u64>,
    /// Bumped when alert rules or alerts changed.
    pub alerts_rev: RwSignal<u64>,
    alerts: StoredValue<Engine>,
    station_revs: StoredValue<VecMap<u16, RwSignal<u64>>>,
    pending: StoredValue<Pending>,
    published: StoredValue<Published>,
    /// The owner the per-station signals belong to (the store's own), so a
    /// view that asks first does not take them down when it unmounts.
    owner: StoredValue<Option<Owner>>,
}

/// The stations that changed at the latest [`Live::stations_rev`] bump.
#[derive(Default)]
struct Published {
    /// The value `stations_rev` took.
    rev: u64,
    /// Every station may have changed (cleared, map replaced).
    all: bool,
    /// The stations that changed.
    ids: Vec<u16>,
}

#[derive(Default)]
struct Pending {
    scheduled: bool,
    log: bool,
    stations: bool,
    topology: bool,
    mesh: bool,
    gallery: bool,
    alerts: bool,
    all_stations: bool,
    dirty: Vec<u16>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// An empty live store (built-in default map).
    pub fn new() -> Live {
        Live::with_map(VariantMap::default_map())
    }

    /// An empty live store decoding with `map`.
    pub fn with_map(map: VariantMap) -> Live {
        Live {
            store: StoredValue::new(Store::with_map(map)),
            stations_rev: RwSignal::new(0),
            log_rev: RwSignal::new(0),
            topology_rev: RwSignal::new(0),
            mesh_rev: RwSignal::new(0),
            gallery_rev: RwSignal::new(0),
            map_rev: RwSignal::new(0),
            alerts_rev: RwSignal::new(0),
            alerts: StoredValue::new(Engine::new()),
            station_revs: StoredValue::new(VecMap::new()),
            pending: StoredValue::new(Pending::default()),
            published: StoredValue::new(Published::default()),
            owner: StoredValue::new(Owner::current()),
        }
    }

    /// Reads the store.
    pub fn with<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        self.store.with_value(f)
    }

    /// The revision signal of one station (created on first use).
    pub fn station_rev(&self, id: u16) -> RwSignal<u64> {
        if let Some(s) = self.station_revs.with_value(|m| m.get(&id).copied()) {
            return s;
        }
        let s = match self.owner.get_value() {
            Some(owner) => owner.with(|| RwSignal::new(0)),
            None => RwSignal::new(0),
        };
        self.station_revs.update_value(|m| {
            m.insert(id, s);
        });
        s
    }

    /// A memo of `f` over the store, recomputed when station `id` changes
    /// (its [`Live::station_rev`]); what a station view reads.
    pub fn station_memo<T>(
        &self,
        id: u16,
        f: impl Fn(&Store) -> T + Send + Sync + 'static,
    ) -> Memo<T>
    where
        T: PartialEq + Send + Sync + 'static,
    {
        let rev = self.station_rev(id);
        let this = *self;
        Memo::new(move |_| {
            rev.track();
            this.with(&f)
        })
    }

    /// The stations that changed after `stations_rev` was `rev`, for a view
    /// that keeps its own index up to date: empty when `rev` is current,
    /// the changed ids when `rev` is one bump behind, `None` (rebuild from
    /// the store) when further behind or when every station may have
    /// changed.
    pub fn stations_changed_since(&self, rev: u64) -> Option<Vec<u16>> {
        self.published.with_value(|p| {
            if p.rev == rev {
                Some(Vec::new())
            } else if p.rev == rev.wrapping_add(1) && !p.all {
                Some(p.ids.clone())
            } else {
                None
            }
        })
    }

    /// The whole pipeline for one message (see [`Store::ingest`]); the UI
    /// updates at the next animation frame.
    pub fn ingest(&self, rx_ms: f64, topic: &str, payload: &[u8]) {
        self.ingest_from(0, rx_ms, topic, payload);
    }

    /// [`Live::ingest`] for a message from source `src`.
    pub fn ingest_from(&self, src: u8, rx_ms: f64, topic: &str, payload: &[u8]) {
        let change = self
            .store
            .try_update_value(|s| s.ingest_from(src, rx_ms, topic, payload))
            .unwrap_or_default();
        self.evaluate_alerts(&change, rx_ms);
        self.mark(change);
    }

    /// Records an oversize MQTT message from source `src` (see
    /// [`Store::record_oversize`]).
    pub fn record_oversize(&self, src: u8, rx_ms: f64, topic: &str, size: usize) {
        self.store
            .try_update_value(|s| s.record_oversize_from(src, rx_ms, topic, size));
        self.mark(Change::default());
    }

    /// Sets the station ids merged across sources (see
    /// [`Store::set_merged`]).
    pub fn set_merged(&self, ids: &[u16]) {
        self.store.update_value(|s| s.set_merged(ids));
    }

    /// Shows the mesh of source `src` (see [`Store::set_mesh_source`]).
    pub fn set_mesh_source(&self, src: Option<u8>) {
        self.store.update_value(|s| s.set_mesh_source(src));
        self.pending.update_value(|p| {
            p.topology = true;
            p.mesh = true;
        });
        self.schedule();
    }

    /// The alert rules in scope of what one ingest changed (nothing
    /// without rules; see [`Engine::on_change`]).
    fn evaluate_alerts(&self, change: &Change, rx_ms: f64) {
        let store = self.store;
        let changed = self
            .alerts
            .try_update_value(|a| {
                let before = a.revision();
                store.with_value(|s| a.on_change(s, change, rx_ms));
                a.revision() != before
            })
            .unwrap_or(false);
        if changed {
            self.pending.update_value(|p| p.alerts = true);
        }
    }

    /// Raises the silent alerts due at `now_ms` (the 1 s clock).
    pub fn tick_alerts(&self, now_ms: f64) {
        self.update_alerts(&mut |a, s| a.tick(s, now_ms));
    }

    /// Reads the alert engine.
    pub fn with_alerts<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        self.alerts.with_value(f)
    }

    /// Changes the alert engine (rules, fresh alerts) with the store at
    /// hand; [`Live::alerts_rev`] bumps when rules or alerts changed.
    pub fn update_alerts(&self, f: &mut dyn FnMut(&mut Engine, &Store)) {
        let store = self.store;
        let changed = self.alerts.try_update_value(|a| {
            let before = a.revision();
            store.with_value(|s| f(a, s));
            a.revision() != before
        });
        if changed == Some(true) {
            self.alerts_rev.update(|r| *r += 1);
        }
    }

    fn mark(&self, change: Change) {
        self.pending.update_value(|p| {
            p.log = true;
            p.stations |= !change.stations.is_empty();
            p.topology |= change.topology;
            p.mesh |= change.mesh || change.topology;
            p.gallery |= change.gallery;
            for id in change.stations {
                if !p.dirty.contains(&id) {
                    p.dirty.push(id);
                }
            }
        });
        self.schedule();
    }

    /// Replaces the variant map (messages from now on decode with it).
    pub fn set_map(&self, map: VariantMap) {
        self.store.update_value(|s| s.set_map(map));
        self.map_rev.update(|r| *r += 1);
        self.pending.update_value(|p| {
            p.stations = true;
            p.all_stations = true;
        });
        self.schedule();
    }

    /// Records known node positions (see [`Store::set_known_position`]).
    pub fn set_known_positions(&self, nodes: &[(u16, f64, f64)]) {
        self.store.update_value(|s| {
            for &(id, lat, lon) in nodes {
                s.set_known_position(id, lat, lon);
            }
        });
        self.pending.update_value(|p| p.topology = true);
        self.schedule();
    }

    /// Clears all data.
    pub fn clear(&self) {
        self.store.update_value(Store::clear);
        self.alerts.update_value(Engine::forget_stations);
        self.touch_all();
    }

    /// Restores broker source `src` from what the browser saved (see
    /// [`Store::restore`]); returns the frames replayed.
    pub fn restore(&self, src: u8, snap: &crate::memory::snapshot::Snapshot) -> usize {
        let n = self
            .store
            .try_update_value(|s| s.restore(src, snap))
            .unwrap_or(0);
        self.touch_all();
        n
    }

    /// Forgets source `src`'s data (see [`Store::forget_source`]).
    pub fn forget_source(&self, src: u8) {
        self.store.update_value(|s| s.forget_source(src));
        self.touch_all();
    }

    /// Every view re-reads the store at the next animation frame.
    fn touch_all(&self) {
        self.pending.update_value(|p| {
            p.log = true;
            p.stations = true;
            p.topology = true;
            p.mesh = true;
            p.gallery = true;
            p.all_stations = true;
        });
        self.schedule();
    }

    fn schedule(&self) {
        let already = self
            .pending
            .try_update_value(|p| std::mem::replace(&mut p.scheduled, true))
            .unwrap_or(true);
        if already {
            return;
        }
        let this = *self;
        #[cfg(target_arch = "wasm32")]
        request_animation_frame(move || this.flush());
        #[cfg(not(target_arch = "wasm32"))]
        this.flush();
    }

    /// Publishes pending changes to the signals (once per animation frame;
    /// tests may call it directly).
    pub fn flush(&self) {
        let Some(p) = self.pending.try_update_value(std::mem::take) else {
            return;
        };
        let mut dirty = p.dirty;
        if p.all_stations {
            dirty = self
                .station_revs
                .with_value(|m| m.keys().copied().collect());
        }
        for id in &dirty {
            let rev = self.station_rev(*id);
            rev.update(|r| *r += 1);
        }
        if p.stations {
            let rev = self.stations_rev.get_untracked().wrapping_add(1);
            self.published.set_value(Published {
                rev,
                all: p.all_stations,
                ids: dirty,
            });
            self.stations_rev.set(rev);
        }
        if p.log {
            self.log_rev.update(|r| *r += 1);
        }
        if p.topology {
            self.topology_rev.update(|r| *r += 1);
        }
        if p.mesh {
            self.mesh_rev.update(|r| *r += 1);
        }
        if p.gallery {
            self.gallery_rev.update(|r| *r += 1);
        }
        if p.alerts {
            self.alerts_rev.update(|r| *r += 1);
        }
    }
}

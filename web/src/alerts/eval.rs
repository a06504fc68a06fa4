//! The alert engine: incremental evaluation with hysteresis.
//!
//! - A station update evaluates only the rules whose scope matches that
//!   station ([`Engine::on_station`]); a mesh packet only the mesh rules of
//!   its sender ([`Engine::on_node`]). Nothing scans all stations per packet.
//! - "Silent" is a deadline per (rule, station) in a min-heap of due
//!   times; [`Engine::tick`] (the 1 s clock) pops only what is due:
//!   O(due items × log n). A packet that moves a deadline later only
//!   updates the (rule, station) entry (the heap entry is re-queued when it
//!   comes due); one that moves it earlier queues a new entry and the old
//!   one is skipped when popped.
//! - Thresholds raise past the line and clear only past the line ∓ the
//!   rule's margin, so a value on the line does not flap; silent clears
//!   when the station is heard again, orphan / ROUTE_ERROR when the node
//!   has a parent again.
//! - Bounded: [`MAX_RULES`], [`MAX_ACTIVE_ALERTS`], [`MAX_RESOLVED_ALERTS`],
//!   [`LOSS_SAMPLES`] per station.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use iotdata::receiver::Station;

use super::rules::{Kind, Rule};
use super::{
    LOSS_MIN_PACKETS, LOSS_SAMPLES, LOSS_SAMPLE_MS, LOSS_WINDOW_MS, MAX_ACTIVE_ALERTS,
    MAX_FRESH_TEXTS, MAX_RESOLVED_ALERTS, MAX_RULES,
};
use crate::fmt::format_number as num;
use crate::store::{
    battery_level, key_id, key_source, Change, Store, DEFAULT_INTERVAL_MS, DEMO_SOURCE,
};
use crate::vecmap::VecMap;

/// One alert, active or resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Unique, increasing id (the key).
    pub id: u64,
    /// The rule's id ([`Engine::rules`]).
    pub rule: u32,
    /// The station or mesh node id.
    pub subject: u16,
    /// A mesh node (links to the mesh view) rather than a station.
    pub node: bool,
    /// The rule's kind name ([`Kind::name`]).
    pub kind: &'static str,
    /// What happened, as shown and announced.
    pub text: String,
    /// When it was raised, ms since the epoch.
    pub raised_ms: f64,
    /// When it cleared (`None` while active).
    pub resolved_ms: Option<f64>,
}

/// How an alert names the station with key `key`
/// ([`crate::store::station_key`]): `station 42`, `station 42 (demo)`,
/// `station 42 (source 2)`.
pub fn station_text(key: u16) -> String {
    let id = key_id(key);
    match key_source(key) {
        0 => format!("station {id}"),
        DEMO_SOURCE => format!("station {id} (demo)"),
        src => format!("station {id} (source {})", u16::from(src) + 1),
    }
}

impl Alert {
    /// The page it concerns: `#/station/<id>`, or `#/mesh` for a node.
    pub fn href(&self) -> String {
        if self.node {
            "#/mesh".into()
        } else {
            crate::router::station_href(self.subject)
        }
    }
}

/// `(receive time, received, missing)` of a station's sequence counters.
type LossSample = (i64, u64, u64);

/// Rules, active and resolved alerts, and the evaluation state.
#[derive(Debug, Default)]
pub struct Engine {
    rules: Vec<(u32, Rule)>,
    next_rule: u32,
    active: VecMap<(u32, u16), Alert>,
    resolved: VecDeque<Alert>,
    /// Queued silent deadlines: (due ms, rule, station), earliest first.
    deadlines: BinaryHeap<Reverse<(i64, u32, u16)>>,
    /// Per (rule, station): the deadline in force and the one queued.
    due: VecMap<(u32, u16), (i64, i64)>,
    loss: VecMap<u16, VecDeque<LossSample>>,
    fresh: Vec<String>,
    fresh_count: usize,
    next_alert: u64,
    evaluations: u64,
    revision: u64,
    overflow: u64,
}

impl Engine {
    /// An engine without rules.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// The rules with their ids, in the order added.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &(u32, Rule)> {
        self.rules.iter()
    }

    /// Active alerts by (rule, subject).
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.active.values()
    }

    /// Number of active alerts.
    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    /// Resolved alerts, newest first, at most [`MAX_RESOLVED_ALERTS`].
    pub fn resolved(&self) -> impl ExactSizeIterator<Item = &Alert> {
        self.resolved.iter()
    }

    /// Rule evaluations since start (one per rule and subject looked at).
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// Bumps whenever rules or alerts change.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Alerts not raised because [`MAX_ACTIVE_ALERTS`] were active.
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Silent deadlines in force (at most rules × stations).
    pub fn deadline_count(&self) -> usize {
        self.due.len()
    }

    /// Alerts raised since the last call: how many, and the first
    /// [`MAX_FRESH_TEXTS`] texts (for announcing and notifying).
    pub fn take_fresh(&mut self) -> (usize, Vec<String>) {
        let n = std::mem::take(&mut self.fresh_count);
        (n, std::mem::take(&mut self.fresh))
    }

    /// Adds a rule (at most [`MAX_RULES`]; `false` when full) and
    /// evaluates it once against every station or node `store` knows.
    pub fn add_rule(&mut self, rule: Rule, store: &Store, now_ms: f64) -> bool {
        if self.rules.len() >= MAX_RULES {
            return false;
        }
        let id = self.next_rule;
        self.next_rule = self.next_rule.wrapping_add(1);
        let mesh = rule.kind.is_mesh();
        self.rules.push((id, rule));
        self.revision += 1;
        let i = self.rules.len() - 1;
        let rules = std::mem::take(&mut self.rules);
        if let Some((id, rule)) = rules.get(i) {
            if mesh {
                for n in store.receiver().topology().nodes() {
                    self.eval_node(*id, rule, store, n.id, now_ms);
                }
            } else {
                for (key, st) in store.keyed_stations() {
                    if rule.scope.matches(key_id(key), Some(st.variant), "") {
                        self.eval_station(*id, rule, key, st, now_ms);
                    }
                }
            }
        }
        self.rules = rules;
        true
    }

    /// Removes the rule `id`; its active alerts are resolved now.
    pub fn remove_rule(&mut self, id: u32, now_ms: f64) {
        self.rules.retain(|(r, _)| *r != id);
        let keys: Vec<(u32, u16)> = self.active.keys().filter(|k| k.0 == id).copied().collect();
        for k in keys {
            self.resolve(k, now_ms);
        }
        // Queued heap entries without a `due` entry are skipped when popped.
        self.due.retain(|k, _| k.0 != id);
        self.revision += 1;
    }

    /// Replaces every rule (resolving the old rules' alerts).
    pub fn set_rules(&mut self, rules: Vec<Rule>, store: &Store, now_ms: f64) {
        let ids: Vec<u32> = self.rules.iter().map(|(id, _)| *id).collect();
        for id in ids {
            self.remove_rule(id, now_ms);
        }
        for r in rules {
            self.add_rule(r, store, now_ms);
        }
    }

    /// Forgets the per-station state (the store was cleared); alerts stay.
    pub fn forget_stations(&mut self) {
        self.deadlines.clear();
        self.due.clear();
        self.loss.clear();
    }

    /// Evaluates what one ingest changed: its stations and mesh senders.
    /// Costs nothing without rules.
    pub fn on_change(&mut self, store: &Store, change: &Change, now_ms: f64) {
        if self.rules.is_empty() {
            return;
        }
        for &id in &change.stations {
            self.on_station(store, id, change.format, now_ms);
        }
        for &id in &change.nodes {
            self.on_node(store, id, now_ms);
        }
    }

    /// Evaluates the rules in scope of station `id`, whose latest packet
    /// came as `format` (`binary`, `hex`, `json`).
    pub fn on_station(&mut self, store: &Store, id: u16, format: &str, now_ms: f64) {
        let Some(st) = store.station(id) else {
            return;
        };
        let rules = std::mem::take(&mut self.rules);
        for (rid, rule) in &rules {
            if !rule.kind.is_mesh() && rule.scope.matches(key_id(id), Some(st.variant), format) {
                self.eval_station(*rid, rule, id, st, now_ms);
            }
        }
        self.rules = rules;
    }

    /// Evaluates the mesh rules in scope of node `id`.
    pub fn on_node(&mut self, store: &Store, id: u16, now_ms: f64) {
        let rules = std::mem::take(&mut self.rules);
        for (rid, rule) in &rules {
            if rule.kind.is_mesh() && rule.scope.matches(id, None, "") {
                self.eval_node(*rid, rule, store, id, now_ms);
            }
        }
        self.rules = rules;
    }

    /// Raises the silent alerts that are due at `now_ms`: O(due + log n).
    pub fn tick(&mut self, store: &Store, now_ms: f64) {
        let now = now_ms as i64;
        while let Some(&Reverse((due, rid, id))) = self.deadlines.peek() {
            if due > now {
                break;
            }
            self.deadlines.pop();
            match self.due.get_mut(&(rid, id)) {
                // Stale: removed, or re-queued earlier.
                None => continue,
                Some(e) if e.1 != due => continue,
                // Moved later by packets since: queue it again.
                Some(e) if e.0 > now => {
                    e.1 = e.0;
                    let next = e.0;
                    self.deadlines.push(Reverse((next, rid, id)));
                    continue;
                }
                Some(_) => {}
            }
            self.due.remove(&(rid, id));
            self.evaluations += 1;
            let factor = match self.rules.iter().find(|(r, _)| *r == rid) {
                Some((
                    _,
                    Rule {
                        kind: Kind::Silent { factor },
                        ..
                    },
                )) => *factor,
                _ => continue,
            };
            let last = store.station(id).map_or(due, |s| s.last_heard_ms);
            let quiet = crate::fmt::human_duration((now.saturating_sub(last).max(0) / 1000) as u64);
            let text = format!(
                "{}: silent for {quiet} (> {}× its interval)",
                station_text(id),
                num(factor)
            );
            self.raise((rid, id), "silent", now_ms, text);
        }
    }

    fn eval_station(&mut self, rid: u32, rule: &Rule, id: u16, st: &Station, now_ms: f64) {
        self.evaluations += 1;
        let key = (rid, id);
        let label = station_text(id);
        let kind = rule.kind.name();
        match &rule.kind {
            Kind::Silent { factor } => {
                if self.active.contains_key(&key) {
                    self.resolve(key, now_ms);
                }
                let interval = st.interval_ms().map_or(DEFAULT_INTERVAL_MS, |i| i as f64);
                let due = st.last_heard_ms.saturating_add((factor * interval) as i64);
                let queue = match self.due.get_mut(&key) {
                    Some(e) => {
                        e.0 = due;
                        let earlier = due < e.1;
                        if earlier {
                            e.1 = due;
                        }
                        earlier
                    }
                    None => {
                        self.due.insert(key, (due, due));
                        true
                    }
                };
                if queue {
                    self.deadlines.push(Reverse((due, rid, id)));
                }
            }
            Kind::BatteryBelow { percent, margin } => {
                if let Some(v) = battery_level(st) {
                    self.threshold(key, kind, v, false, *percent, *margin, now_ms, || {
                        format!("{label}: battery {} % below {} %", num(v), num(*percent))
                    });
                }
            }
            Kind::Field {
                key: field,
                above,
                value,
                margin,
            } => {
                if let Some(v) = field_value(st, field) {
                    self.threshold(key, kind, v, *above, *value, *margin, now_ms, || {
                        let side = if *above { "above" } else { "below" };
                        format!("{label}: {field} {} {side} {}", num(v), num(*value))
                    });
                }
            }
            Kind::LossAbove { percent, margin } => {
                if let Some(v) = self.loss_pct(id, st) {
                    self.threshold(key, kind, v, true, *percent, *margin, now_ms, || {
                        format!(
                            "{label}: {} % of packets lost in the last hour (above {} %)",
                            num(v.round()),
                            num(*percent)
                        )
                    });
                }
            }
            Kind::Orphan | Kind::RouteError => {}
        }
    }

    fn eval_node(&mut self, rid: u32, rule: &Rule, store: &Store, id: u16, now_ms: f64) {
        self.evaluations += 1;
        let Some(node) = store.receiver().topology().node(id) else {
            return;
        };
        let key = (rid, id);
        let text = match (&rule.kind, node.route_error) {
            (Kind::Orphan, _) if node.orphan => format!("mesh node {id}: orphaned (no parent)"),
            (Kind::RouteError, Some(e)) => {
                format!("mesh node {id}: ROUTE_ERROR ({})", e.reason_name)
            }
            _ => {
                if self.active.contains_key(&key) {
                    self.resolve(key, now_ms);
                }
                return;
            }
        };
        if !self.active.contains_key(&key) {
            self.raise(key, rule.kind.name(), now_ms, text);
        }
    }

    /// Raises past `limit`, clears past `limit ∓ margin`.
    #[allow(clippy::too_many_arguments)]
    fn threshold(
        &mut self,
        key: (u32, u16),
        kind: &'static str,
        v: f64,
        above: bool,
        limit: f64,
        margin: f64,
        now_ms: f64,
        text: impl FnOnce() -> String,
    ) {
        let active = self.active.contains_key(&key);
        let (beyond, clear) = if above {
            (v > limit, v < limit - margin)
        } else {
            (v < limit, v > limit + margin)
        };
        if !active && beyond {
            self.raise(key, kind, now_ms, text());
        } else if active && clear {
            self.resolve(key, now_ms);
        }
    }

    /// Sequence loss over the last [`LOSS_WINDOW_MS`], in %, once at least
    /// [`LOSS_MIN_PACKETS`] were expected in it.
    fn loss_pct(&mut self, key: u16, st: &Station) -> Option<f64> {
        let s = st.sequence_stats();
        let now = st.last_heard_ms;
        let w = self.loss.entry(key).or_default();
        while w.len() >= 2
            && w.get(1)
                .is_some_and(|b| b.0 <= now.saturating_sub(LOSS_WINDOW_MS))
        {
            w.pop_front();
        }
        if w.back()
            .is_none_or(|b| now.saturating_sub(b.0) >= LOSS_SAMPLE_MS)
        {
            w.push_back((now, s.received, s.missing));
            if w.len() > LOSS_SAMPLES {
                w.pop_front();
            }
        }
        let &(_, r0, m0) = w.front()?;
        let missing = s.missing.saturating_sub(m0);
        let expected = s.received.saturating_sub(r0) + missing;
        (expected >= LOSS_MIN_PACKETS).then(|| missing as f64 * 100.0 / expected as f64)
    }

    fn raise(&mut self, key: (u32, u16), kind: &'static str, now_ms: f64, text: String) {
        if self.active.len() >= MAX_ACTIVE_ALERTS {
            self.overflow += 1;
            return;
        }
        self.fresh_count += 1;
        if self.fresh.len() < MAX_FRESH_TEXTS {
            self.fresh.push(text.clone());
        }
        self.next_alert += 1;
        self.active.insert(
            key,
            Alert {
                id: self.next_alert,
                rule: key.0,
                subject: key.1,
                node: matches!(kind, "orphan" | "route_error"),
                kind,
                text,
                raised_ms: now_ms,
                resolved_ms: None,
            },
        );
        self.revision += 1;
    }

    fn resolve(&mut self, key: (u32, u16), now_ms: f64) {
        if let Some(mut a) = self.active.remove(&key) {
            a.resolved_ms = Some(now_ms);
            self.resolved.push_front(a);
            self.resolved.truncate(MAX_RESOLVED_ALERTS);
            self.revision += 1;
        }
    }
}

/// The latest value of a station's numeric field `key` as the station page
/// names it: `environment.temperature`, or a bare label (`soil_temperature`).
pub fn field_value(st: &Station, key: &str) -> Option<f64> {
    let (label, comp) = match key.split_once('.') {
        Some((l, c)) => (l, Some(c)),
        None => (key, None),
    };
    let f = st.fields.iter().find(|f| &*f.label == label)?;
    let mut comps = f.value.components();
    match comp {
        None => comps.next(),
        Some(c) => comps.find(|x| x.spec.key == c),
    }
    .map(|c| c.value.as_f64())
}

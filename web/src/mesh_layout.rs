//! A deterministic, stable, layered layout of the mesh topology (pure: no
//! Leptos, no browser, no clock).
//!
//! # Shape
//!
//! * One **tree per gateway**, side by side, gateways ordered by id, each on
//!   row 0 of its band. Relays sit on the row of their **cost** (cost 1 on
//!   row 1, cost 2 on row 2, …), never above their parent's row + 1; a relay
//!   with no known cost is placed one row below its parent.
//! * **Orphans** (a ROUTE_ERROR, or a report with no parent) go to a separate
//!   [`Band::Orphaned`] band on the right, on row 1. Relays whose parent is
//!   orphaned (and that still claim the same tree) and sensors delivered by
//!   them **follow** it there, flagged [`Placed::follows_orphan`]. Relays
//!   whose tree is unknown are put there too, as roots, without the flag.
//! * **Sensors** (optional, [`Layout::set_sensors`]) are leaves one row below
//!   the relay or gateway that delivers them: among the deliverers heard in
//!   the last [`VIA_WINDOW_MS`] (of the sensor's newest delivery), the one
//!   with the most first arrivals, preferring deliverers that are not
//!   orphaned. A sensor keeps its deliverer while that one still has at
//!   least half the best count (hysteresis), so a sensor heard by two
//!   nodes does not hop between them.
//! * Within a row, nodes are ordered by their parent's x, then by id (a
//!   tidy tree: leaves one column apart, parents centred over their
//!   children).
//!
//! # Stability
//!
//! [`Layout`] remembers each node's slot (band, row, layout parent and
//! column). On [`Layout::update`] a node whose band, row and parent did not
//! change keeps its column, whatever else happened (new RSSI values, sensor
//! packets, new nodes elsewhere). Only nodes that are new or whose structure
//! changed are placed, as close as possible to where the tidy layout wants
//! them (relative to their parent's actual position) in a free column of
//! their row. Each band keeps its allocated width (with
//! [`BAND_SLACK`] spare columns), so a tree that grows a little does not push
//! the trees to its right; only outgrowing the allocation does.
//!
//! A band whose structure changed wholesale is laid out afresh (tidy
//! again): when a quarter of its nodes (and at least [`RETIDY_MOVED`]) are
//! new or moved, or when it has become more than [`COMPACT_WASTE`] columns
//! wider than its tidy layout (nodes left it, or arrived one at a time where
//! there was no room: after a failover, say). The trees to its right then
//! shift as a whole.
//! [`Layout::reset`] forgets everything (a fresh, tidy layout), and so does
//! showing or hiding sensors.
//!
//! # Sensor groups
//!
//! Past [`SENSOR_GROUP_LIMIT`] sensors, the sensors of each node that
//! delivers at least [`GROUP_MIN_SENSORS`] of them are placed as one node,
//! a [`SensorGroup`] (id [`group_node_id`] of the anchor), unless that
//! anchor is expanded ([`Layout::set_expanded`]).
//!
//! # Cost
//!
//! An update is O(n log n) in the number of nodes: nodes are indexed
//! densely by id, each row's occupied columns are kept as merged runs (the
//! nearest free column is found by jumping over whole runs, not by testing
//! every occupied column), and sorting is done once per phase.
//! [`Layout::steps`] counts the elementary steps of the last update.
//!
//! The result is a pure function of the sequence of inputs: the same input
//! twice gives identical positions, and a fresh layout depends only on the
//! topology's content, not on the order in which it was learnt.

use crate::vecmap::{VecMap, VecSet};
use std::cmp::Reverse;

use iotdata::receiver::{Role, Topology};

/// Deepest row a relay is put on (costs above it are clamped).
pub const MAX_ROW: u32 = 16;
/// Deliverers of a sensor considered when choosing its parent: those heard
/// within this time of the sensor's newest delivery (ms).
pub const VIA_WINDOW_MS: i64 = 10 * 60_000;
/// Spare columns a band gets when it has to grow.
pub const BAND_SLACK: f64 = 1.0;
/// Empty columns between two bands.
pub const BAND_GAP: f64 = 1.0;
/// A band in which at least this many nodes are new or moved, and at least
/// a quarter of all its nodes, is laid out afresh.
pub const RETIDY_MOVED: usize = 3;
/// A band that has become wider than its tidy layout would be (with
/// [`BAND_SLACK`]) by more than this many columns (nodes left it, or
/// arrived one by one where there was no room) is laid out afresh.
pub const COMPACT_WASTE: f64 = 2.0;

/// Sensors placed one by one at most; past this, sensors are grouped
/// under the node that delivers them ([`SensorGroup`]).
pub const SENSOR_GROUP_LIMIT: usize = 256;
/// Fewest sensors under one node that are drawn as a group.
pub const GROUP_MIN_SENSORS: usize = 2;
/// Sensor groups are placed with ids from here ([`group_node_id`]), above
/// every 12-bit station id.
pub const GROUP_BASE: u16 = 0x1000;
/// Size of the id space the layout indexes (stations and groups).
const ID_SPACE: usize = 0x2000;

/// The band (a side-by-side column group) a node is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// The tree of this gateway.
    Tree(u16),
    /// Orphaned relays, the nodes under them and relays of unknown tree.
    Orphaned,
}

/// A node that delivered another's packets (layout input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViaInput {
    /// The deliverer (FORWARD sender or gateway).
    pub id: u16,
    /// First arrivals it delivered.
    pub first_arrivals: u64,
    /// Its last delivery (unix ms).
    pub last_ms: i64,
}

/// What the layout needs to know about one node (built from a topology
/// [`iotdata::receiver::Node`] by [`LayoutNode::from_topology`], or by hand
/// in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutNode {
    /// Station id.
    pub id: u16,
    /// Role.
    pub role: Role,
    /// Cost to the gateway, when known.
    pub cost: Option<u8>,
    /// Reported parent.
    pub parent: Option<u16>,
    /// Tree the node claims to belong to.
    pub gateway_id: Option<u16>,
    /// Orphaned.
    pub orphan: bool,
    /// Nodes that delivered its packets.
    pub via: Vec<ViaInput>,
    /// Deliverer of its newest first arrival.
    pub attached_to: Option<u16>,
}

impl LayoutNode {
    /// The layout inputs of every node of `topology`, by id.
    pub fn from_topology(topology: &Topology) -> Vec<LayoutNode> {
        topology
            .nodes()
            .map(|n| LayoutNode {
                id: n.id,
                role: n.role,
                cost: n.cost,
                parent: n.parent,
                gateway_id: n.gateway_id,
                orphan: n.orphan,
                via: n
                    .via
                    .iter()
                    .map(|v| ViaInput {
                        id: v.id,
                        first_arrivals: v.first_arrivals,
                        last_ms: v.last_ms,
                    })
                    .collect(),
                attached_to: n.attached_to,
            })
            .collect()
    }
}

/// Where one node is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Station id.
    pub id: u16,
    /// Its band.
    pub band: Band,
    /// Row (0 = gateways).
    pub row: u32,
    /// Absolute column (band origin included), in column units; multiples
    /// of 0.25.
    pub col: f64,
    /// The node it hangs under in the drawing (relay parent or a sensor's
    /// deliverer), when any.
    pub parent: Option<u16>,
    /// The node is in the orphaned band because a node above it is.
    pub follows_orphan: bool,
}

/// One band's extent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandInfo {
    /// The band.
    pub band: Band,
    /// First column.
    pub col0: f64,
    /// Columns allocated (at least the occupied ones).
    pub cols: f64,
    /// Nodes in it.
    pub nodes: usize,
}

/// The layout's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Positions {
    /// Placed nodes, by id.
    pub nodes: VecMap<u16, Placed>,
    /// Bands, left to right (trees by gateway id, then the orphaned band).
    pub bands: Vec<BandInfo>,
    /// Total width in columns.
    pub cols: f64,
    /// Total height in rows.
    pub rows: u32,
    /// Sensor groups, by their node id ([`group_node_id`]).
    pub groups: VecMap<u16, SensorGroup>,
    /// Sensors that are in a group (not placed one by one).
    pub grouped: usize,
}

impl Positions {
    /// The placement of `id`.
    pub fn get(&self, id: u16) -> Option<&Placed> {
        self.nodes.get(&id)
    }

    /// `(column, row)` of every node, by id (what the stability tests
    /// compare).
    pub fn coords(&self) -> VecMap<u16, (f64, u32)> {
        self.nodes
            .iter()
            .map(|(&id, p)| (id, (p.col, p.row)))
            .collect()
    }
}

/// A remembered slot.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    band: Band,
    row: u32,
    parent: Option<u16>,
    /// Column relative to the band origin.
    x: f64,
}

/// Band, row and layout parent of a node (before columns are assigned).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Resolved {
    band: Band,
    row: u32,
    parent: Option<u16>,
    follows_orphan: bool,
}

/// A sensor group: the sensors one node delivers, drawn as one node
/// ([`Layout::set_group_limit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorGroup {
    /// The node the sensors hang under.
    pub anchor: u16,
    /// The sensors, by id.
    pub sensors: Vec<u16>,
}

/// The id a sensor group is placed under in [`Positions::nodes`]:
/// [`GROUP_BASE`] plus its anchor's id (never a station id).
pub fn group_node_id(anchor: u16) -> u16 {
    GROUP_BASE | (anchor & 0x0FFF)
}

/// Values by node id (or band index) in a dense vector: O(1) access,
/// iteration in ascending id order (as a sorted map would).
#[derive(Debug, Clone)]
struct Dense<T> {
    v: Vec<Option<T>>,
}

impl<T> Dense<T> {
    fn new(len: usize) -> Dense<T> {
        Dense {
            v: std::iter::repeat_with(|| None).take(len).collect(),
        }
    }

    fn get(&self, id: usize) -> Option<&T> {
        self.v.get(id).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, id: usize) -> Option<&mut T> {
        self.v.get_mut(id).and_then(Option::as_mut)
    }

    fn contains(&self, id: usize) -> bool {
        self.get(id).is_some()
    }

    fn set(&mut self, id: usize, t: T) {
        if let Some(slot) = self.v.get_mut(id) {
            *slot = Some(t);
        }
    }

    fn take(&mut self, id: usize) -> Option<T> {
        self.v.get_mut(id).and_then(Option::take)
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        self.v
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.as_ref().map(|t| (i, t)))
    }
}

/// Number of band indices: one per gateway id, then the orphaned band.
const BANDS: usize = 0x1000 + 1;

/// A band's dense index, in the order of [`Band`] (trees by gateway id,
/// then the orphaned band).
fn band_index(b: Band) -> usize {
    match b {
        Band::Tree(g) => usize::from(g & 0x0FFF),
        Band::Orphaned => BANDS - 1,
    }
}

/// The occupied columns of one row, as the sorted, disjoint, open
/// intervals they block (a column `o` blocks everything closer than one
/// column): finding the nearest free column jumps over whole runs of
/// nodes instead of testing each.
#[derive(Debug, Default)]
struct Occupancy {
    runs: Vec<(f64, f64)>,
}

/// Tolerance of "at least one column apart".
const EPS: f64 = 1e-9;

impl Occupancy {
    /// From occupied columns sorted ascending.
    fn from_sorted(cols: impl Iterator<Item = f64>, steps: &mut u64) -> Occupancy {
        let mut runs: Vec<(f64, f64)> = Vec::new();
        for o in cols {
            *steps += 1;
            let (lo, hi) = (o - 1.0 + EPS, o + 1.0 - EPS);
            match runs.last_mut() {
                Some(last) if lo < last.1 => last.1 = last.1.max(hi),
                _ => runs.push((lo, hi)),
            }
        }
        Occupancy { runs }
    }

    /// The run that blocks column `c`, if any.
    fn blocking(&self, c: f64, steps: &mut u64) -> Option<(f64, f64)> {
        *steps += 1 + u64::from(usize::BITS - self.runs.len().leading_zeros());
        let i = self.runs.partition_point(|r| r.0 < c);
        let r = *self.runs.get(i.checked_sub(1)?)?;
        (c < r.1).then_some(r)
    }

    /// Marks column `o` occupied.
    fn insert(&mut self, o: f64, steps: &mut u64) {
        let (mut lo, mut hi) = (o - 1.0 + EPS, o + 1.0 - EPS);
        *steps += 1 + u64::from(usize::BITS - self.runs.len().leading_zeros());
        // Runs overlapping (lo, hi): those starting before hi and ending
        // after lo; they are contiguous in the sorted list.
        let start = self.runs.partition_point(|r| r.1 <= lo);
        let mut end = start;
        while let Some(r) = self.runs.get(end).filter(|r| r.0 < hi) {
            *steps += 1;
            lo = lo.min(r.0);
            hi = hi.max(r.1);
            end += 1;
        }
        self.runs.splice(start..end, std::iter::once((lo, hi)));
    }

    /// The free column nearest to `desired` (at least one column from every
    /// occupied one, not negative), on the half-column grid around it,
    /// preferring the right at equal distance.
    fn nearest_free(&self, desired: f64, steps: &mut u64) -> f64 {
        let desired = desired.max(0.0);
        // Smallest k with desired + k/2 free.
        let mut kr: u64 = 0;
        while let Some((_, hi)) = self.blocking(desired + kr as f64 * 0.5, steps) {
            kr = (kr + 1).max(((hi - desired) * 2.0).ceil().max(0.0) as u64);
        }
        // Smallest k (< kr) with desired - k/2 free and not negative.
        let mut kl: u64 = 1;
        while kl < kr {
            let c = desired - kl as f64 * 0.5;
            if c < 0.0 {
                break;
            }
            match self.blocking(c, steps) {
                None => return c,
                Some((lo, _)) => kl = (kl + 1).max(((desired - lo) * 2.0).ceil().max(0.0) as u64),
            }
        }
        desired + kr as f64 * 0.5
    }
}

/// The stateful layout: remembers slots between updates (see the module
/// documentation).
#[derive(Debug, Clone)]
pub struct Layout {
    sensors: bool,
    group_limit: usize,
    expanded: VecSet<u16>,
    slots: VecMap<u16, Slot>,
    anchors: VecMap<u16, u16>,
    alloc: VecMap<Band, f64>,
    positions: Positions,
    steps: u64,
}

impl Default for Layout {
    fn default() -> Self {
        Layout::new(true)
    }
}

impl Layout {
    /// An empty layout; `sensors`: whether sensors are placed. Sensors are
    /// grouped past [`SENSOR_GROUP_LIMIT`].
    pub fn new(sensors: bool) -> Layout {
        Layout {
            sensors,
            group_limit: SENSOR_GROUP_LIMIT,
            expanded: VecSet::new(),
            slots: VecMap::new(),
            anchors: VecMap::new(),
            alloc: VecMap::new(),
            positions: Positions::default(),
            steps: 0,
        }
    }

    /// Whether sensors are placed.
    pub fn sensors(&self) -> bool {
        self.sensors
    }

    /// Shows or hides sensors (takes effect at the next update). A change
    /// starts a fresh layout: the picture is a different one, and toggling
    /// twice gives back a tidy layout.
    pub fn set_sensors(&mut self, sensors: bool) {
        if sensors != self.sensors {
            self.sensors = sensors;
            self.reset();
        }
    }

    /// Groups sensors when more than `limit` are placed: the sensors of
    /// each node delivering at least [`GROUP_MIN_SENSORS`] become one
    /// [`SensorGroup`] node, unless that node is expanded
    /// ([`Layout::set_expanded`]). Takes effect at the next update.
    pub fn set_group_limit(&mut self, limit: usize) {
        self.group_limit = limit;
    }

    /// The anchors whose sensor groups are shown sensor by sensor.
    pub fn set_expanded(&mut self, expanded: VecSet<u16>) {
        self.expanded = expanded;
    }

    /// Forgets all remembered slots: the next update is a fresh, tidy
    /// layout.
    pub fn reset(&mut self) {
        self.slots.clear();
        self.anchors.clear();
        self.alloc.clear();
        self.positions = Positions::default();
    }

    /// The last result.
    pub fn positions(&self) -> &Positions {
        &self.positions
    }

    /// Elementary steps the last update took (node visits, column probes,
    /// run merges, binary-search levels): what the complexity tests bound.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Lays out `topology`.
    pub fn update(&mut self, topology: &Topology) -> &Positions {
        let nodes = LayoutNode::from_topology(topology);
        self.update_nodes(&nodes)
    }

    /// Lays out `nodes` (any order; duplicates of an id: the last wins; ids
    /// above 0xFFF are not station ids and are ignored).
    pub fn update_nodes(&mut self, nodes: &[LayoutNode]) -> &Positions {
        self.steps = 0;
        let mut by_id: Dense<&LayoutNode> = Dense::new(ID_SPACE);
        for n in nodes.iter().filter(|n| n.id <= 0x0FFF) {
            by_id.set(usize::from(n.id), n);
        }
        self.steps += nodes.len() as u64;
        let (resolved, groups) = self.resolve(&by_id);
        let ideal = ideal_columns(&resolved, &mut self.steps);
        self.place(&resolved, &ideal);
        self.positions.grouped = groups.values().map(|g| g.sensors.len()).sum();
        self.positions.groups = groups;
        &self.positions
    }

    /// Band, row and parent of every node that is drawn, and the sensor
    /// groups.
    fn resolve(
        &mut self,
        nodes: &Dense<&LayoutNode>,
    ) -> (Dense<Resolved>, VecMap<u16, SensorGroup>) {
        let mut out: Dense<Resolved> = Dense::new(ID_SPACE);
        let mut on_path: Vec<u32> = vec![0; ID_SPACE];
        let mut walk: u32 = 0;
        // Gateways and relays, walking up parent chains iteratively.
        for (id, n) in nodes.iter() {
            if n.role == Role::Sensor || out.contains(id) {
                continue;
            }
            walk += 1;
            let mut path: Vec<u16> = Vec::new();
            let mut cur = n.id;
            loop {
                self.steps += 1;
                let c = usize::from(cur);
                if out.contains(c) || on_path.get(c).is_none_or(|&w| w == walk) {
                    break;
                }
                if let Some(w) = on_path.get_mut(c) {
                    *w = walk;
                }
                path.push(cur);
                match nodes.get(c).and_then(|c| mesh_parent(nodes, c)) {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            for &x in path.iter().rev() {
                if let Some(node) = nodes.get(usize::from(x)) {
                    let r = resolve_mesh_node(nodes, &out, node);
                    out.set(usize::from(x), r);
                }
            }
        }
        let mut groups = VecMap::new();
        if !self.sensors {
            return (out, groups);
        }
        // Sensors, under their deliverer.
        let mut sensors: Vec<u16> = Vec::new();
        for (id, n) in nodes.iter() {
            if n.role != Role::Sensor {
                continue;
            }
            self.steps += 1 + n.via.len() as u64;
            let anchor = self.sensor_anchor(nodes, &out, n);
            let r = match anchor.and_then(|a| out.get(usize::from(a)).map(|r| (a, *r))) {
                Some((a, ar)) => Resolved {
                    band: ar.band,
                    row: ar.row + 1,
                    parent: Some(a),
                    follows_orphan: ar.band == Band::Orphaned,
                },
                None => Resolved {
                    band: Band::Orphaned,
                    row: 1,
                    parent: None,
                    follows_orphan: false,
                },
            };
            sensors.push(n.id);
            out.set(id, r);
        }
        self.anchors = sensors
            .iter()
            .filter_map(|&s| Some((s, out.get(usize::from(s))?.parent?)))
            .collect();
        if sensors.len() > self.group_limit {
            let mut under: Dense<Vec<u16>> = Dense::new(ID_SPACE);
            for &s in &sensors {
                if let Some(a) = out.get(usize::from(s)).and_then(|r| r.parent) {
                    match under.get_mut(usize::from(a)) {
                        Some(v) => v.push(s),
                        None => under.set(usize::from(a), vec![s]),
                    }
                }
            }
            for a in 0..ID_SPACE {
                let Some(members) = under.take(a) else {
                    continue;
                };
                let Ok(anchor) = u16::try_from(a) else {
                    continue;
                };
                if members.len() < GROUP_MIN_SENSORS || self.expanded.contains(&anchor) {
                    continue;
                }
                self.steps += members.len() as u64;
                let Some(first) = members
                    .first()
                    .and_then(|s| out.get(usize::from(*s)))
                    .copied()
                else {
                    continue;
                };
                for &s in &members {
                    out.take(usize::from(s));
                }
                let gid = group_node_id(anchor);
                out.set(usize::from(gid), first);
                groups.insert(
                    gid,
                    SensorGroup {
                        anchor,
                        sensors: members,
                    },
                );
            }
        }
        (out, groups)
    }

    /// The node a sensor hangs under (see the module documentation).
    fn sensor_anchor(
        &self,
        nodes: &Dense<&LayoutNode>,
        placed: &Dense<Resolved>,
        n: &LayoutNode,
    ) -> Option<u16> {
        let candidates: Vec<&ViaInput> = n
            .via
            .iter()
            .filter(|v| v.id != n.id && placed.contains(usize::from(v.id)))
            .collect();
        if let Some(newest) = candidates.iter().map(|v| v.last_ms).max() {
            let recent = |v: &&&ViaInput| v.last_ms >= newest.saturating_sub(VIA_WINDOW_MS);
            let in_tree = |v: &&&ViaInput| {
                placed
                    .get(usize::from(v.id))
                    .is_some_and(|r| matches!(r.band, Band::Tree(_)))
            };
            let mut pool: Vec<&ViaInput> = candidates
                .iter()
                .filter(recent)
                .filter(in_tree)
                .copied()
                .collect();
            if pool.is_empty() {
                pool = candidates.iter().filter(recent).copied().collect();
            }
            let best = pool
                .iter()
                .max_by_key(|v| (v.first_arrivals, Reverse(v.id)))
                .copied();
            if let Some(best) = best {
                let keep = self.anchors.get(&n.id).and_then(|prev| {
                    pool.iter()
                        .find(|v| v.id == *prev)
                        .filter(|v| v.first_arrivals.saturating_mul(2) >= best.first_arrivals)
                });
                return Some(keep.unwrap_or(&best).id);
            }
        }
        if let Some(a) = n.attached_to.filter(|a| placed.contains(usize::from(*a))) {
            return Some(a);
        }
        n.gateway_id.filter(|g| {
            nodes
                .get(usize::from(*g))
                .is_some_and(|g| g.role == Role::Gateway)
        })
    }

    /// Assigns columns: kept slots stay, the rest go to the nearest free
    /// column of their row; then band origins.
    fn place(&mut self, resolved: &Dense<Resolved>, ideal: &Dense<f64>) {
        let mut steps = 0u64;
        let mut x: Dense<f64> = Dense::new(ID_SPACE);
        let mut moved: Dense<()> = Dense::new(ID_SPACE);
        // A remembered slot is a candidate to keep when the structure is
        // the same.
        let mut keep: Vec<(Band, u32, f64, u16)> = Vec::new();
        let mut pending: Vec<(Band, u32, f64, u16)> = Vec::new();
        for (i, r) in resolved.iter() {
            steps += 1 + u64::from(usize::BITS - self.slots.len().leading_zeros());
            let Ok(id) = u16::try_from(i) else { continue };
            match self
                .slots
                .get(&id)
                .filter(|s| s.band == r.band && s.row == r.row && s.parent == r.parent)
            {
                Some(s) => keep.push((r.band, r.row, s.x, id)),
                None => pending.push((r.band, r.row, 0.0, id)),
            }
        }
        let by_place = |a: &(Band, u32, f64, u16), b: &(Band, u32, f64, u16)| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        };
        crate::vecmap::sort_by(&mut keep, by_place);
        steps += keep.len() as u64 * u64::from(usize::BITS - keep.len().leading_zeros());
        // Kept slots stay unless their column is taken: then the node with
        // the lower id keeps it (only a stale slot can clash).
        let mut occupied: Vec<((Band, u32), Occupancy)> = Vec::new();
        let mut i = 0;
        while let Some(&(band, row, _, _)) = keep.get(i) {
            let mut j = i;
            while keep.get(j).is_some_and(|k| (k.0, k.1) == (band, row)) {
                j += 1;
            }
            let group = keep.get(i..j).unwrap_or(&[]);
            let clash = group
                .windows(2)
                .any(|w| matches!(w, [a, b] if b.2 - a.2 < 1.0 - EPS));
            let mut cols: Vec<f64> = Vec::with_capacity(group.len());
            if clash {
                let mut by_id: Vec<(u16, f64)> = group.iter().map(|k| (k.3, k.2)).collect();
                crate::vecmap::sort_by(&mut by_id, |a, b| a.0.cmp(&b.0));
                for (id, c) in by_id {
                    steps += cols.len() as u64;
                    if cols.iter().all(|&o| (o - c).abs() >= 1.0 - EPS) {
                        cols.push(c);
                        x.set(usize::from(id), c);
                    } else {
                        pending.push((band, row, 0.0, id));
                    }
                }
                crate::vecmap::sort_by(&mut cols, |a, b| a.total_cmp(b));
            } else {
                for k in group {
                    cols.push(k.2);
                    x.set(usize::from(k.3), k.2);
                }
            }
            occupied.push((
                (band, row),
                Occupancy::from_sorted(cols.into_iter(), &mut steps),
            ));
            i = j;
        }
        for p in &mut pending {
            p.2 = ideal.get(usize::from(p.3)).copied().unwrap_or(0.0);
            moved.set(usize::from(p.3), ());
        }
        // Parents before children (rows ascending), then tidy order.
        crate::vecmap::sort_by(&mut pending, by_place);
        steps += pending.len() as u64 * u64::from(usize::BITS - pending.len().leading_zeros());
        let mut row_occ = Occupancy::default();
        let mut row_key: Option<(Band, u32)> = None;
        for (band, row, ix, id) in pending {
            if row_key != Some((band, row)) {
                row_key = Some((band, row));
                let at = occupied.binary_search_by(|o| o.0.cmp(&(band, row)));
                row_occ = match at {
                    Ok(k) => occupied
                        .get_mut(k)
                        .map(|o| std::mem::take(&mut o.1))
                        .unwrap_or_default(),
                    Err(_) => Occupancy::default(),
                };
            }
            let desired = resolved
                .get(usize::from(id))
                .and_then(|r| r.parent)
                .and_then(|p| {
                    let px = x.get(usize::from(p))?;
                    let pix = ideal.get(usize::from(p))?;
                    Some(px + (ix - pix))
                })
                .unwrap_or(ix);
            let col = row_occ.nearest_free(desired, &mut steps);
            row_occ.insert(col, &mut steps);
            x.set(usize::from(id), col);
        }
        // Bands that changed wholesale are laid out afresh: most of their
        // nodes are new or moved, or nodes left and their allocation is
        // mostly empty.
        let mut stats: Dense<BandStats> = Dense::new(BANDS);
        for (id, r) in resolved.iter() {
            steps += 1;
            let b = band_index(r.band);
            if !stats.contains(b) {
                stats.set(
                    b,
                    BandStats {
                        band: r.band,
                        max: f64::NEG_INFINITY,
                        tidy: 0.0,
                        kept: 0,
                        moved: 0,
                        count: 0,
                    },
                );
            }
            let Some(st) = stats.get_mut(b) else { continue };
            let c = x.get(id).copied().unwrap_or(0.0);
            st.max = st.max.max(c);
            st.tidy = st.tidy.max(ideal.get(id).copied().unwrap_or(0.0) + 1.0);
            st.count += 1;
            if moved.contains(id) {
                st.moved += 1;
            } else {
                st.kept += 1;
            }
        }
        let mut fresh: Dense<()> = Dense::new(BANDS);
        for (b, st) in stats.iter() {
            let prev = self.alloc.get(&st.band).copied().unwrap_or(0.0);
            let width = prev.max(st.max + 1.0);
            let tidy = st.tidy + BAND_SLACK;
            let wholesale = st.moved >= RETIDY_MOVED && 3 * st.moved >= st.kept;
            if wholesale || width - tidy > COMPACT_WASTE {
                fresh.set(b, ());
            }
        }
        // Band extents and origins.
        let mut needed: Dense<f64> = Dense::new(BANDS);
        for (id, r) in resolved.iter() {
            let b = band_index(r.band);
            if fresh.contains(b) {
                x.set(id, ideal.get(id).copied().unwrap_or(0.0));
            }
            let c = x.get(id).copied().unwrap_or(0.0) + 1.0;
            let w = needed.get(b).copied().unwrap_or(0.0).max(c);
            needed.set(b, w);
        }
        let mut alloc = Vec::new();
        let mut infos = Vec::new();
        let mut origin: Dense<f64> = Dense::new(BANDS);
        let mut running = 0.0;
        for (b, st) in stats.iter() {
            let need = needed.get(b).copied().unwrap_or(1.0);
            let prev = self.alloc.get(&st.band).copied().unwrap_or(0.0);
            let cols = if need <= prev && !fresh.contains(b) {
                prev
            } else {
                need + BAND_SLACK
            };
            alloc.push((st.band, cols));
            origin.set(b, running);
            infos.push(BandInfo {
                band: st.band,
                col0: running,
                cols,
                nodes: st.count,
            });
            running += cols + BAND_GAP;
        }
        let mut placed = Vec::new();
        let mut slots = Vec::new();
        let mut rows = 0;
        for (i, r) in resolved.iter() {
            let Ok(id) = u16::try_from(i) else { continue };
            let rx = x.get(i).copied().unwrap_or(0.0);
            let o = origin.get(band_index(r.band)).copied().unwrap_or(0.0);
            rows = rows.max(r.row + 1);
            placed.push((
                id,
                Placed {
                    id,
                    band: r.band,
                    row: r.row,
                    col: o + rx,
                    parent: r.parent,
                    follows_orphan: r.follows_orphan,
                },
            ));
            slots.push((
                id,
                Slot {
                    band: r.band,
                    row: r.row,
                    parent: r.parent,
                    x: rx,
                },
            ));
        }
        self.steps += steps + placed.len() as u64;
        self.slots = slots.into_iter().collect();
        self.alloc = alloc.into_iter().collect();
        self.positions = Positions {
            nodes: placed.into_iter().collect(),
            bands: infos,
            cols: (running - BAND_GAP).max(0.0),
            rows,
            groups: VecMap::new(),
            grouped: 0,
        };
    }
}

/// Extent, width and kept / moved counts of a band during placement.
struct BandStats {
    band: Band,
    max: f64,
    tidy: f64,
    kept: usize,
    moved: usize,
    count: usize,
}

/// The reported parent of a relay, if it can be followed (exists, is not a
/// sensor, is not the node itself; gateways and orphans have none).
fn mesh_parent(nodes: &Dense<&LayoutNode>, n: &LayoutNode) -> Option<u16> {
    if n.role != Role::Relay || n.orphan {
        return None;
    }
    let p = n.parent.filter(|&p| p != n.id)?;
    nodes
        .get(usize::from(p))
        .filter(|pn| pn.role != Role::Sensor)
        .map(|_| p)
}

/// Band, row and parent of a gateway or relay whose parent (if any) is
/// already resolved.
fn resolve_mesh_node(
    nodes: &Dense<&LayoutNode>,
    done: &Dense<Resolved>,
    n: &LayoutNode,
) -> Resolved {
    let root = |band, row| Resolved {
        band,
        row,
        parent: None,
        follows_orphan: false,
    };
    if n.role == Role::Gateway {
        return root(Band::Tree(n.id), 0);
    }
    if n.orphan {
        return root(Band::Orphaned, 1);
    }
    let cost_row = n.cost.map(|c| u32::from(c).clamp(1, MAX_ROW));
    if let Some(p) = mesh_parent(nodes, n) {
        if let (Some(pr), Some(pn)) = (done.get(usize::from(p)), nodes.get(usize::from(p))) {
            let parent_tree = match pr.band {
                Band::Tree(g) => Some(g),
                Band::Orphaned => pn.gateway_id,
            };
            let compatible = match (n.gateway_id, parent_tree) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
            };
            if compatible {
                let below = (pr.row + 1).min(MAX_ROW);
                let row = match pr.band {
                    Band::Orphaned => below,
                    Band::Tree(_) => cost_row.unwrap_or(below).max(below),
                };
                return Resolved {
                    band: pr.band,
                    row,
                    parent: Some(p),
                    follows_orphan: pr.band == Band::Orphaned,
                };
            }
        }
    }
    match n.gateway_id.filter(|g| {
        nodes
            .get(usize::from(*g))
            .is_some_and(|g| g.role == Role::Gateway)
    }) {
        Some(g) => root(Band::Tree(g), cost_row.unwrap_or(1)),
        None => root(Band::Orphaned, 1),
    }
}

/// The tidy layout of every band on its own (column relative to the band):
/// leaves one column apart in depth-first order (children by id), parents
/// centred over their children, roots (the gateway first) side by side.
fn ideal_columns(resolved: &Dense<Resolved>, steps: &mut u64) -> Dense<f64> {
    let mut children: Vec<Vec<u16>> = vec![Vec::new(); ID_SPACE];
    let mut roots: Vec<(Band, u32, u16)> = Vec::new();
    for (i, r) in resolved.iter() {
        *steps += 1;
        let Ok(id) = u16::try_from(i) else { continue };
        match r.parent.filter(|p| {
            resolved
                .get(usize::from(*p))
                .is_some_and(|pr| pr.band == r.band)
        }) {
            // Ids ascend, so children lists are sorted.
            Some(p) => {
                if let Some(c) = children.get_mut(usize::from(p)) {
                    c.push(id);
                }
            }
            None => roots.push((r.band, r.row, id)),
        }
    }
    crate::vecmap::sort_by(&mut roots, |a, b| a.cmp(b));
    *steps += roots.len() as u64 * u64::from(usize::BITS - roots.len().leading_zeros());
    let mut out: Dense<f64> = Dense::new(ID_SPACE);
    let mut next = 0.0_f64;
    let mut band: Option<Band> = None;
    for (b, _, root) in roots {
        if band != Some(b) {
            band = Some(b);
            next = 0.0;
        }
        // Post-order walk with an explicit stack: (node, next child).
        let mut stack: Vec<(u16, usize)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            *steps += 1;
            let (id, i) = *top;
            let kids = children
                .get(usize::from(id))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if let Some(&child) = kids.get(i) {
                top.1 += 1;
                if !out.contains(usize::from(child)) {
                    stack.push((child, 0));
                }
                continue;
            }
            stack.pop();
            let col = match (kids.first(), kids.last()) {
                (Some(f), Some(l)) => {
                    let (fx, lx) = (
                        out.get(usize::from(*f)).copied().unwrap_or(next),
                        out.get(usize::from(*l)).copied().unwrap_or(next),
                    );
                    (fx + lx) / 2.0
                }
                _ => {
                    let c = next;
                    next += 1.0;
                    c
                }
            };
            out.set(usize::from(id), col);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest_free(occupied: &[f64], desired: f64) -> f64 {
        let mut v = occupied.to_vec();
        v.sort_by(f64::total_cmp);
        let mut steps = 0;
        Occupancy::from_sorted(v.into_iter(), &mut steps).nearest_free(desired, &mut steps)
    }

    /// The plain definition: half-column steps, right first.
    fn nearest_free_scan(occupied: &[f64], desired: f64) -> f64 {
        let desired = desired.max(0.0);
        let free = |c: f64| c >= 0.0 && occupied.iter().all(|&o| (o - c).abs() >= 1.0 - 1e-9);
        for k in 0.. {
            let step = k as f64 * 0.5;
            if free(desired + step) {
                return desired + step;
            }
            if k > 0 && free(desired - step) {
                return desired - step;
            }
        }
        unreachable!()
    }

    #[test]
    fn nearest_free_prefers_desired_then_right() {
        assert_eq!(nearest_free(&[], 2.0), 2.0);
        assert_eq!(nearest_free(&[2.0], 2.0), 3.0);
        assert_eq!(nearest_free(&[2.0, 3.0], 2.5), 4.0);
        assert_eq!(nearest_free(&[0.0], -3.0), 1.0);
    }

    #[test]
    fn nearest_free_matches_the_scan() {
        let mut x: u32 = 7;
        for round in 0..400 {
            let mut occ: Vec<f64> = Vec::new();
            let n = round % 23;
            for _ in 0..n {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let c = f64::from((x >> 16) % 60) * 0.25;
                if occ.iter().all(|&o| (o - c).abs() >= 1.0) {
                    occ.push(c);
                }
            }
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let d = f64::from((x >> 16) % 64) * 0.25 - 1.0;
            assert_eq!(
                nearest_free(&occ, d),
                nearest_free_scan(&occ, d),
                "{occ:?} {d}"
            );
            // Incremental inserts agree with building from scratch.
            let mut steps = 0;
            let mut inc = Occupancy::default();
            for &o in &occ {
                inc.insert(o, &mut steps);
            }
            let mut sorted = occ.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(
                inc.runs,
                Occupancy::from_sorted(sorted.into_iter(), &mut steps).runs
            );
        }
    }
}

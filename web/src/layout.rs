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

/// The stateful layout: remembers slots between updates (see the module
/// documentation).
#[derive(Debug, Clone)]
pub struct Layout {
    sensors: bool,
    slots: VecMap<u16, Slot>,
    anchors: VecMap<u16, u16>,
    alloc: VecMap<Band, f64>,
    positions: Positions,
}

impl Default for Layout {
    fn default() -> Self {
        Layout::new(true)
    }
}

impl Layout {
    /// An empty layout; `sensors`: whether sensors are placed.
    pub fn new(sensors: bool) -> Layout {
        Layout {
            sensors,
            slots: VecMap::new(),
            anchors: VecMap::new(),
            alloc: VecMap::new(),
            positions: Positions::default(),
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

    /// Lays out `topology`.
    pub fn update(&mut self, topology: &Topology) -> &Positions {
        let nodes = LayoutNode::from_topology(topology);
        self.update_nodes(&nodes)
    }

    /// Lays out `nodes` (any order; duplicates of an id: the last wins).
    pub fn update_nodes(&mut self, nodes: &[LayoutNode]) -> &Positions {
        let by_id: VecMap<u16, &LayoutNode> = nodes.iter().map(|n| (n.id, n)).collect();
        let resolved = self.resolve(&by_id);
        let ideal = ideal_columns(&resolved);
        self.place(&resolved, &ideal);
        &self.positions
    }

    /// Band, row and parent of every node that is drawn.
    fn resolve(&mut self, nodes: &VecMap<u16, &LayoutNode>) -> VecMap<u16, Resolved> {
        let mut out: VecMap<u16, Resolved> = VecMap::new();
        // Gateways and relays, walking up parent chains iteratively.
        for (&id, n) in nodes {
            if n.role == Role::Sensor || out.contains_key(&id) {
                continue;
            }
            let mut path: Vec<u16> = Vec::new();
            let mut on_path: VecSet<u16> = VecSet::new();
            let mut cur = id;
            loop {
                if out.contains_key(&cur) || !on_path.insert(cur) {
                    break;
                }
                path.push(cur);
                match nodes.get(&cur).and_then(|c| mesh_parent(nodes, c)) {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            for &x in path.iter().rev() {
                if let Some(node) = nodes.get(&x) {
                    let r = resolve_mesh_node(nodes, &out, node);
                    out.insert(x, r);
                }
            }
        }
        // Sensors, under their deliverer.
        if self.sensors {
            for (&id, n) in nodes {
                if n.role != Role::Sensor {
                    continue;
                }
                let anchor = self.sensor_anchor(nodes, &out, n);
                let r = match anchor.and_then(|a| out.get(&a).map(|r| (a, *r))) {
                    Some((a, ar)) => {
                        self.anchors.insert(id, a);
                        Resolved {
                            band: ar.band,
                            row: ar.row + 1,
                            parent: Some(a),
                            follows_orphan: ar.band == Band::Orphaned,
                        }
                    }
                    None => {
                        self.anchors.remove(&id);
                        Resolved {
                            band: Band::Orphaned,
                            row: 1,
                            parent: None,
                            follows_orphan: false,
                        }
                    }
                };
                out.insert(id, r);
            }
        }
        out
    }

    /// The node a sensor hangs under (see the module documentation).
    fn sensor_anchor(
        &self,
        nodes: &VecMap<u16, &LayoutNode>,
        placed: &VecMap<u16, Resolved>,
        n: &LayoutNode,
    ) -> Option<u16> {
        let candidates: Vec<&ViaInput> = n
            .via
            .iter()
            .filter(|v| v.id != n.id && placed.contains_key(&v.id))
            .collect();
        if let Some(newest) = candidates.iter().map(|v| v.last_ms).max() {
            let recent = |v: &&&ViaInput| v.last_ms >= newest.saturating_sub(VIA_WINDOW_MS);
            let in_tree = |v: &&&ViaInput| {
                placed
                    .get(&v.id)
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
        if let Some(a) = n.attached_to.filter(|a| placed.contains_key(a)) {
            return Some(a);
        }
        n.gateway_id
            .filter(|g| nodes.get(g).is_some_and(|g| g.role == Role::Gateway))
    }

    /// Assigns columns: kept slots stay, the rest go to the nearest free
    /// column of their row; then band origins.
    fn place(&mut self, resolved: &VecMap<u16, Resolved>, ideal: &VecMap<u16, f64>) {
        let mut x: VecMap<u16, f64> = VecMap::new();
        let mut occupied: VecMap<(Band, u32), Vec<f64>> = VecMap::new();
        let mut pending: Vec<(Band, u32, f64, u16)> = Vec::new();
        let mut moved: VecSet<u16> = VecSet::new();
        for (&id, r) in resolved {
            let row_occ = occupied.entry((r.band, r.row)).or_default();
            // A remembered slot is kept when the structure is the same and
            // the column is still free (a hidden sensor's may have been
            // taken meanwhile).
            let kept = self.slots.get(&id).filter(|s| {
                s.band == r.band
                    && s.row == r.row
                    && s.parent == r.parent
                    && row_occ.iter().all(|&o| (o - s.x).abs() >= 1.0 - 1e-9)
            });
            match kept {
                Some(s) => {
                    x.insert(id, s.x);
                    row_occ.push(s.x);
                }
                None => {
                    let ix = ideal.get(&id).copied().unwrap_or(0.0);
                    pending.push((r.band, r.row, ix, id));
                    moved.insert(id);
                }
            }
        }
        // Parents before children (rows ascending), then tidy order.
        crate::vecmap::sort_by(&mut pending, |a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        for (band, row, ix, id) in pending {
            let desired = resolved
                .get(&id)
                .and_then(|r| r.parent)
                .and_then(|p| {
                    let px = x.get(&p)?;
                    let pix = ideal.get(&p)?;
                    Some(px + (ix - pix))
                })
                .unwrap_or(ix);
            let row_occ = occupied.entry((band, row)).or_default();
            let col = nearest_free(row_occ, desired);
            row_occ.push(col);
            x.insert(id, col);
        }
        // Bands that changed wholesale are laid out afresh: most of their
        // nodes are new or moved, or nodes left and their allocation is
        // mostly empty.
        let mut stats: VecMap<Band, BandStats> = VecMap::new();
        for (id, r) in resolved {
            let st = stats.entry(r.band).or_insert(BandStats {
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
                kept: 0,
                moved: 0,
            });
            let c = x.get(id).copied().unwrap_or(0.0);
            st.min = st.min.min(c);
            st.max = st.max.max(c);
            if moved.contains(id) {
                st.moved += 1;
            } else {
                st.kept += 1;
            }
        }
        let mut tidy_width: VecMap<Band, f64> = VecMap::new();
        for (id, r) in resolved {
            let w = tidy_width.entry(r.band).or_insert(0.0);
            *w = w.max(ideal.get(id).copied().unwrap_or(0.0) + 1.0);
        }
        let mut fresh: VecSet<Band> = VecSet::new();
        for (band, st) in &stats {
            let prev = self.alloc.get(band).copied().unwrap_or(0.0);
            let width = prev.max(st.max + 1.0);
            let tidy = tidy_width.get(band).copied().unwrap_or(1.0) + BAND_SLACK;
            let wholesale = st.moved >= RETIDY_MOVED && 3 * st.moved >= st.kept;
            if wholesale || width - tidy > COMPACT_WASTE {
                fresh.insert(*band);
            }
        }
        if !fresh.is_empty() {
            for (id, r) in resolved {
                if fresh.contains(&r.band) {
                    x.insert(*id, ideal.get(id).copied().unwrap_or(0.0));
                }
            }
        }
        // Band extents and origins.
        let mut bands: VecMap<Band, (f64, usize)> = VecMap::new();
        for (id, r) in resolved {
            let e = bands.entry(r.band).or_insert((0.0, 0));
            e.0 = e.0.max(x.get(id).copied().unwrap_or(0.0) + 1.0);
            e.1 += 1;
        }
        let mut alloc = VecMap::new();
        let mut infos = Vec::new();
        let mut running = 0.0;
        for (&band, &(needed, count)) in &bands {
            let prev = self.alloc.get(&band).copied().unwrap_or(0.0);
            let cols = if needed <= prev && !fresh.contains(&band) {
                prev
            } else {
                needed + BAND_SLACK
            };
            alloc.insert(band, cols);
            infos.push(BandInfo {
                band,
                col0: running,
                cols,
                nodes: count,
            });
            running += cols + BAND_GAP;
        }
        let origin: VecMap<Band, f64> = infos.iter().map(|b| (b.band, b.col0)).collect();
        let mut placed = VecMap::new();
        let mut slots = VecMap::new();
        let mut rows = 0;
        for (&id, r) in resolved {
            let rx = x.get(&id).copied().unwrap_or(0.0);
            let o = origin.get(&r.band).copied().unwrap_or(0.0);
            rows = rows.max(r.row + 1);
            placed.insert(
                id,
                Placed {
                    id,
                    band: r.band,
                    row: r.row,
                    col: o + rx,
                    parent: r.parent,
                    follows_orphan: r.follows_orphan,
                },
            );
            slots.insert(
                id,
                Slot {
                    band: r.band,
                    row: r.row,
                    parent: r.parent,
                    x: rx,
                },
            );
        }
        self.slots = slots;
        self.alloc = alloc;
        self.positions = Positions {
            nodes: placed,
            bands: infos,
            cols: (running - BAND_GAP).max(0.0),
            rows,
        };
    }
}

/// Occupied span and kept / moved counts of a band during placement.
struct BandStats {
    min: f64,
    max: f64,
    kept: usize,
    moved: usize,
}

/// The reported parent of a relay, if it can be followed (exists, is not a
/// sensor, is not the node itself; gateways and orphans have none).
fn mesh_parent(nodes: &VecMap<u16, &LayoutNode>, n: &LayoutNode) -> Option<u16> {
    if n.role != Role::Relay || n.orphan {
        return None;
    }
    let p = n.parent.filter(|&p| p != n.id)?;
    nodes
        .get(&p)
        .filter(|pn| pn.role != Role::Sensor)
        .map(|_| p)
}

/// Band, row and parent of a gateway or relay whose parent (if any) is
/// already resolved.
fn resolve_mesh_node(
    nodes: &VecMap<u16, &LayoutNode>,
    done: &VecMap<u16, Resolved>,
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
        if let (Some(pr), Some(pn)) = (done.get(&p), nodes.get(&p)) {
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
    match n
        .gateway_id
        .filter(|g| nodes.get(g).is_some_and(|g| g.role == Role::Gateway))
    {
        Some(g) => root(Band::Tree(g), cost_row.unwrap_or(1)),
        None => root(Band::Orphaned, 1),
    }
}

/// The tidy layout of every band on its own (column relative to the band):
/// leaves one column apart in depth-first order (children by id), parents
/// centred over their children, roots (the gateway first) side by side.
fn ideal_columns(resolved: &VecMap<u16, Resolved>) -> VecMap<u16, f64> {
    let mut children: VecMap<u16, Vec<u16>> = VecMap::new();
    let mut roots: VecMap<Band, Vec<(u32, u16)>> = VecMap::new();
    for (&id, r) in resolved {
        match r
            .parent
            .filter(|p| resolved.get(p).is_some_and(|pr| pr.band == r.band))
        {
            Some(p) => children.entry(p).or_default().push(id),
            None => roots.entry(r.band).or_default().push((r.row, id)),
        }
    }
    // VecMap iteration is by id, so children lists are sorted already.
    let mut out = VecMap::new();
    for (_, mut band_roots) in roots {
        band_roots.sort_unstable();
        let mut next = 0.0_f64;
        for (_, root) in band_roots {
            // Post-order walk with an explicit stack: (node, next child).
            let mut stack: Vec<(u16, usize)> = vec![(root, 0)];
            while let Some(top) = stack.last_mut() {
                let (id, i) = *top;
                let kids = children.get(&id).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(&child) = kids.get(i) {
                    top.1 += 1;
                    if !out.contains_key(&child) {
                        stack.push((child, 0));
                    }
                    continue;
                }
                stack.pop();
                let col = match (kids.first(), kids.last()) {
                    (Some(f), Some(l)) => {
                        let (fx, lx) = (
                            out.get(f).copied().unwrap_or(next),
                            out.get(l).copied().unwrap_or(next),
                        );
                        (fx + lx) / 2.0
                    }
                    _ => {
                        let c = next;
                        next += 1.0;
                        c
                    }
                };
                out.insert(id, col);
            }
        }
    }
    out
}

/// The free column of a row nearest to `desired` (at least one column from
/// every occupied one, not negative), trying half-column steps right first.
fn nearest_free(occupied: &[f64], desired: f64) -> f64 {
    let desired = desired.max(0.0);
    let free = |c: f64| c >= 0.0 && occupied.iter().all(|&o| (o - c).abs() >= 1.0 - 1e-9);
    let limit = 2 * occupied.len() + 4;
    for k in 0..=limit {
        let step = k as f64 * 0.5;
        if free(desired + step) {
            return desired + step;
        }
        if k > 0 && free(desired - step) {
            return desired - step;
        }
    }
    // Unreachable in practice: right of everything is always free.
    occupied.iter().copied().fold(desired, f64::max) + 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_free_prefers_desired_then_right() {
        assert_eq!(nearest_free(&[], 2.0), 2.0);
        assert_eq!(nearest_free(&[2.0], 2.0), 3.0);
        assert_eq!(nearest_free(&[2.0, 3.0], 2.5), 4.0);
        assert_eq!(nearest_free(&[0.0], -3.0), 1.0);
    }
}

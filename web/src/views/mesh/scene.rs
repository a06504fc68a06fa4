//! What the mesh graph draws, built once per topology change (pure: no
//! Leptos, no clock).
//!
//! A [`Scene`] holds the geometry: nodes and sensor groups where the
//! [`Layout`] put them, and the links to draw with their SVG paths. Up to
//! [`LINK_DETAIL_LIMIT`] links every link the options ask for is drawn;
//! past it the scene is **summarised**: the parent tree, the link each
//! drawn sensor hangs under, and each reporter's [`STRONGEST_LINKS`]
//! strongest neighbour links (by RSSI, then lowest cost, then id), never
//! more than [`MAX_DRAWN_EDGES`] in all. Sensors are grouped by the layout
//! past [`crate::mesh_layout::SENSOR_GROUP_LIMIT`]. The counts
//! ([`Scene::counts`], [`Scene::links_total`], [`Scene::grouped`]) are
//! exact whatever is drawn.
//!
//! Ageing (opacity) and RSSI colours are not part of the scene: they follow
//! the clock ([`node_fades`], [`edge_looks`]) without rebuilding it.

use std::sync::atomic::{AtomicU64, Ordering};

use iotdata::receiver::topology::MAX_NODES;
use iotdata::receiver::{EdgeKind, Role, Topology};

use super::{age_opacity, hex_id, role_name, rssi_hue};
use crate::mesh_layout::{Band, Layout, Positions};
use crate::vecmap::VecMap;

/// Width of a layout column, px.
pub const COL_W: f64 = 52.0;
/// Height of a layout row, px.
pub const ROW_H: f64 = 70.0;
const PAD_X: f64 = 12.0;
const PAD_TOP: f64 = 52.0;
const PAD_BOTTOM: f64 = 34.0;
/// Links (neighbour and delivery links the options ask for) drawn one by
/// one at most; past this the scene is summarised (see the module
/// documentation).
pub const LINK_DETAIL_LIMIT: usize = 2_000;
/// Neighbour links drawn per reporting node in a summarised scene: its
/// strongest.
pub const STRONGEST_LINKS: usize = 2;
/// Most links a scene draws (parent tree, delivery links, neighbour
/// links, in that priority); the rest are counted as hidden.
pub const MAX_DRAWN_EDGES: usize = 12_288;
/// Most links drawn as one SVG element each (with a tooltip and test
/// hooks); past this, links are drawn as one `<path>` per class (kind,
/// colour, fading), each listing its links in `data-edges`.
pub const EDGE_ELEMENT_LIMIT: usize = 1_500;
/// Most nodes drawn as one element group each (with its label, tooltip,
/// badge and test hooks); past this, nodes are drawn as one `<path>` per
/// class (role, state, fading), each listing its nodes in `data-nodes`,
/// and a click picks the nearest node ([`node_at`]).
pub const NODE_ELEMENT_LIMIT: usize = 800;
/// How far from a node's centre a click still picks it, px.
pub const HIT_RADIUS: f64 = 16.0;
/// Opacity steps the fading is quantised to (a node's or link's look only
/// changes when it crosses one).
pub const FADE_STEPS: u8 = 16;
/// RSSI colour steps of merged links.
pub const HUE_STEPS: u8 = 7;

static BUILDS: AtomicU64 = AtomicU64::new(0);

/// Scenes built so far (what the tests check a clock tick does not do).
pub fn scene_builds() -> u64 {
    BUILDS.load(Ordering::Relaxed)
}

/// A node as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneNode {
    /// Station id.
    pub id: u16,
    /// Role.
    pub role: Role,
    /// Centre, px.
    pub x: f64,
    /// Centre, px.
    pub y: f64,
    /// Cost, when known.
    pub cost: Option<u8>,
    /// Orphaned.
    pub orphan: bool,
    /// Placed under an orphaned node.
    pub follows_orphan: bool,
    /// Reason of the ROUTE_ERROR it sent (until a report clears it).
    pub route_error: Option<&'static str>,
    /// Tooltip (structure only; times are in the side panel).
    pub title: String,
}

/// A sensor group as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneGroup {
    /// The node the sensors hang under.
    pub anchor: u16,
    /// Sensors in it.
    pub count: usize,
    /// Centre, px.
    pub x: f64,
    /// Centre, px.
    pub y: f64,
    /// SVG path of its link to the anchor.
    pub link: String,
}

/// A link as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneEdge {
    /// Kind.
    pub kind: EdgeKind,
    /// From (child, reporter, origin).
    pub from: u16,
    /// To (parent, neighbour, deliverer).
    pub to: u16,
    /// SVG path.
    pub d: String,
    /// Tooltip (structure only).
    pub title: String,
}

/// A band's header and background.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneBand {
    /// Header text.
    pub label: String,
    /// Left edge, px.
    pub x: f64,
    /// Width, px.
    pub w: f64,
    /// The orphaned band.
    pub orphaned: bool,
}

/// What the graph shows besides nodes and parent links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshOptions {
    /// Neighbour links (other than parent links).
    pub neighbours: bool,
    /// Every delivery ("via") link; otherwise only the one each sensor
    /// hangs under.
    pub all_via: bool,
}

impl Default for MeshOptions {
    fn default() -> Self {
        MeshOptions {
            neighbours: true,
            all_via: false,
        }
    }
}

/// The geometry of the graph (see the module documentation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scene {
    /// Drawn nodes by id.
    pub nodes: VecMap<u16, SceneNode>,
    /// Sensor groups, by anchor id.
    pub groups: VecMap<u16, SceneGroup>,
    /// Drawn links, by (kind, from, to).
    pub edges: Vec<SceneEdge>,
    /// Bands, left to right.
    pub bands: Vec<SceneBand>,
    /// SVG width, px.
    pub width: f64,
    /// SVG height, px.
    pub height: f64,
    /// Gateways, relays, sensors, orphans in the topology.
    pub counts: [usize; 4],
    /// Links in the topology (parent, neighbour and delivery links).
    pub links_total: usize,
    /// Sensors drawn in groups rather than one by one.
    pub grouped: usize,
    /// Whether only the strongest links are drawn.
    pub summarised: bool,
}

impl Scene {
    /// Whether nodes are drawn as merged paths ([`NODE_ELEMENT_LIMIT`]).
    pub fn compact(&self) -> bool {
        self.nodes.len() > NODE_ELEMENT_LIMIT
    }

    /// Whether links are drawn as merged paths ([`EDGE_ELEMENT_LIMIT`]).
    pub fn merged(&self) -> bool {
        self.edges.len() > EDGE_ELEMENT_LIMIT
    }

    /// "showing 4,160 of 258,000 links; 3,900 sensors grouped", when the
    /// drawing leaves anything out (summarised links or grouped sensors).
    pub fn hidden_note(&self) -> Option<String> {
        if !self.summarised && self.grouped == 0 {
            return None;
        }
        let mut t = format!(
            "showing {} of {} links",
            thousands(self.edges.len()),
            thousands(self.links_total)
        );
        if self.summarised {
            t.push_str(" (parent tree, delivery links and the strongest neighbour links)");
        }
        if self.grouped > 0 {
            t.push_str(&format!(
                "; {} sensors grouped (click a group to expand it)",
                thousands(self.grouped)
            ));
        }
        Some(t)
    }
}

/// `258000` → `"258,000"`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Centre of a layout slot, px.
pub fn node_xy(col: f64, row: u32) -> (f64, f64) {
    (
        PAD_X + (col + 0.5) * COL_W,
        PAD_TOP + f64::from(row) * ROW_H,
    )
}

/// A coordinate rounded to whole pixels (integers format fast; paths of
/// thousands of links are built from them).
fn px(v: f64) -> i64 {
    v.round() as i64
}

/// A straight SVG path.
pub fn line(a: (f64, f64), b: (f64, f64)) -> String {
    format!("M{},{} L{},{}", px(a.0), px(a.1), px(b.0), px(b.1))
}

/// A curve bowed to the left of the direction a → b, so that the two
/// directions of a mutual link are drawn apart.
pub fn bow(a: (f64, f64), b: (f64, f64)) -> String {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = dx.hypot(dy);
    if len < 1.0 {
        return line(a, b);
    }
    let k = (len * 0.12).clamp(6.0, 36.0);
    let (cx, cy) = (
        (a.0 + b.0) / 2.0 + dy / len * k,
        (a.1 + b.1) / 2.0 - dx / len * k,
    );
    format!(
        "M{},{} Q{},{} {},{}",
        px(a.0),
        px(a.1),
        px(cx),
        px(cy),
        px(b.0),
        px(b.1)
    )
}

/// Per station id: its parent and whether it is drawn (O(1) lookups for
/// the hundreds of thousands of links of a full mesh).
struct Index {
    parent: Vec<Option<u16>>,
    drawn: Vec<bool>,
}

impl Index {
    fn new(topology: &Topology, nodes: &VecMap<u16, SceneNode>) -> Index {
        let len = MAX_NODES;
        let mut parent = vec![None; len];
        let mut drawn = vec![false; len];
        for n in topology.nodes() {
            if let Some(p) = parent.get_mut(usize::from(n.id)) {
                *p = n.parent;
            }
        }
        for id in nodes.keys() {
            if let Some(d) = drawn.get_mut(usize::from(*id)) {
                *d = true;
            }
        }
        Index { parent, drawn }
    }

    fn drawn(&self, id: u16) -> bool {
        self.drawn.get(usize::from(id)).copied().unwrap_or(false)
    }

    /// Whether `a` and `b` are linked as child and parent.
    fn parent_pair(&self, a: u16, b: u16) -> bool {
        let p = |x: u16| self.parent.get(usize::from(x)).copied().flatten();
        p(a) == Some(b) || p(b) == Some(a)
    }
}

/// Lays out `topology` (updating `layout`) and builds the scene.
pub fn build(topology: &Topology, layout: &mut Layout, opts: MeshOptions) -> Scene {
    BUILDS.fetch_add(1, Ordering::Relaxed);
    let pos: &Positions = layout.update(topology);
    let xy = |id: u16| pos.get(id).map(|p| node_xy(p.col, p.row));
    let mut counts = [0usize; 4];
    let mut links_total = 0usize;
    let mut neighbour_links = 0usize;
    let mut via_links = 0usize;
    let mut nodes = Vec::new();
    for n in topology.nodes() {
        match n.role {
            Role::Gateway => counts[0] += 1,
            Role::Relay => counts[1] += 1,
            Role::Sensor => counts[2] += 1,
        }
        if n.orphan {
            counts[3] += 1;
        }
        links_total += usize::from(n.parent.is_some()) + n.neighbours.len() + n.via.len();
        neighbour_links += n.neighbours.len();
        via_links += n.via.len();
        let Some(p) = pos.get(n.id) else { continue };
        let (x, y) = node_xy(p.col, p.row);
        let mut title = format!("{} {} ({})", role_name(n.role), hex_id(n.id), n.id);
        if let Some(c) = n.cost {
            title.push_str(&format!(" · cost {c}"));
        }
        if n.orphan {
            title.push_str(" · ORPHANED");
        }
        if let Some(e) = n.route_error {
            title.push_str(&format!(" · ROUTE_ERROR {}", e.reason_name));
        }
        if p.follows_orphan {
            title.push_str(" · under an orphaned node");
        }
        nodes.push((
            n.id,
            SceneNode {
                id: n.id,
                role: n.role,
                x,
                y,
                cost: n.cost,
                orphan: n.orphan,
                follows_orphan: p.follows_orphan,
                route_error: n.route_error.map(|e| e.reason_name),
                title,
            },
        ));
    }
    let nodes: VecMap<u16, SceneNode> = nodes.into_iter().collect();
    let index = Index::new(topology, &nodes);
    let drawn_sensors = nodes.values().filter(|n| n.role == Role::Sensor).count();
    let asked = if opts.neighbours { neighbour_links } else { 0 }
        + if opts.all_via {
            via_links
        } else {
            drawn_sensors
        };
    let summarised = asked > LINK_DETAIL_LIMIT;
    let hangs_under = |from: u16, to: u16| {
        nodes.get(&from).is_some_and(|n| n.role == Role::Sensor)
            && pos.get(from).and_then(|p| p.parent) == Some(to)
    };

    // Candidates in priority order: tree links, neighbour links, other
    // delivery links.
    let mut tree: Vec<(EdgeKind, u16, u16)> = Vec::new();
    let mut neighbours: Vec<(EdgeKind, u16, u16)> = Vec::new();
    let mut extra: Vec<(EdgeKind, u16, u16)> = Vec::new();
    for n in topology.nodes() {
        if !index.drawn(n.id) {
            continue;
        }
        if let Some(p) = n.parent.filter(|p| index.drawn(*p)) {
            tree.push((EdgeKind::Parent, n.id, p));
        }
        if opts.neighbours {
            let mut picked: Vec<(i32, std::cmp::Reverse<u8>, std::cmp::Reverse<u16>)> = Vec::new();
            for l in &n.neighbours {
                if !index.drawn(l.id) || index.parent_pair(n.id, l.id) {
                    continue;
                }
                if !summarised {
                    neighbours.push((EdgeKind::Neighbour, n.id, l.id));
                    continue;
                }
                let key = (
                    l.rssi_dbm,
                    std::cmp::Reverse(l.cost),
                    std::cmp::Reverse(l.id),
                );
                if picked.len() < STRONGEST_LINKS {
                    picked.push(key);
                } else if let Some(weakest) = picked.iter_mut().min().filter(|w| **w < key) {
                    *weakest = key;
                }
            }
            neighbours.extend(picked.iter().map(|k| (EdgeKind::Neighbour, n.id, (k.2).0)));
        }
        for v in &n.via {
            if !index.drawn(v.id) || index.parent_pair(n.id, v.id) {
                continue;
            }
            if hangs_under(n.id, v.id) {
                tree.push((EdgeKind::Via, n.id, v.id));
            } else if opts.all_via {
                extra.push((EdgeKind::Via, n.id, v.id));
            }
        }
    }
    let mut keys: Vec<(EdgeKind, u16, u16)> = tree
        .into_iter()
        .chain(neighbours)
        .chain(extra)
        .take(MAX_DRAWN_EDGES)
        .collect();
    crate::vecmap::sort_by(&mut keys, |a, b| a.cmp(b));
    // Merged links have no tooltips of their own.
    let titled = keys.len() <= EDGE_ELEMENT_LIMIT;
    let edges = keys
        .into_iter()
        .filter_map(|(kind, from, to)| {
            let (a, b) = (xy(from)?, xy(to)?);
            let d = match kind {
                EdgeKind::Neighbour => bow(a, b),
                _ => line(a, b),
            };
            if !titled {
                return Some(SceneEdge {
                    kind,
                    from,
                    to,
                    d,
                    title: String::new(),
                });
            }
            let mut title = format!("{} → {} · {}", hex_id(from), hex_id(to), kind.as_str());
            let node = topology.node(from);
            if let Some(l) = node.and_then(|n| n.neighbour(to)) {
                title.push_str(&format!(" · cost {}", l.cost));
            }
            if kind == EdgeKind::Via {
                if let Some(v) = node.and_then(|n| n.via.iter().find(|v| v.id == to)) {
                    title.push_str(&format!(
                        " · {} packets",
                        v.first_arrivals.saturating_add(v.duplicates)
                    ));
                }
            }
            Some(SceneEdge {
                kind,
                from,
                to,
                d,
                title,
            })
        })
        .collect();
    let groups = pos
        .groups
        .values()
        .filter_map(|g| {
            let p = pos.get(crate::mesh_layout::group_node_id(g.anchor))?;
            let (x, y) = node_xy(p.col, p.row);
            let link = line((x, y), xy(g.anchor)?);
            Some((
                g.anchor,
                SceneGroup {
                    anchor: g.anchor,
                    count: g.sensors.len(),
                    x,
                    y,
                    link,
                },
            ))
        })
        .collect();
    let bands = pos
        .bands
        .iter()
        .map(|b| SceneBand {
            label: match b.band {
                Band::Tree(g) => format!("Gateway {} tree", hex_id(g)),
                Band::Orphaned => "Orphaned".to_string(),
            },
            x: PAD_X + b.col0 * COL_W + 2.0,
            w: (b.cols * COL_W - 4.0).max(COL_W - 4.0),
            orphaned: b.band == Band::Orphaned,
        })
        .collect();
    let rows = pos.rows.max(1);
    Scene {
        nodes,
        groups,
        edges,
        bands,
        width: (2.0 * PAD_X + pos.cols * COL_W).max(320.0),
        height: PAD_TOP + f64::from(rows - 1) * ROW_H + PAD_BOTTOM,
        counts,
        links_total,
        grouped: pos.grouped,
        summarised,
    }
}

/// Opacity step (0 = fresh … [`FADE_STEPS`] - 1 = oldest) of something
/// last confirmed `age_ms` ago; `None` (never heard) is drawn half faded.
pub fn fade_step(age_ms: Option<f64>) -> u8 {
    let o = age_ms.map_or(0.5, age_opacity);
    let t = ((1.0 - o) / (1.0 - super::MIN_OPACITY)).clamp(0.0, 1.0);
    (t * f64::from(FADE_STEPS - 1)).round() as u8
}

/// The opacity of a [`fade_step`].
pub fn step_opacity(step: u8) -> f64 {
    let t = f64::from(step.min(FADE_STEPS - 1)) / f64::from(FADE_STEPS - 1);
    1.0 - t * (1.0 - super::MIN_OPACITY)
}

/// The fade step of every drawn node at `now_ms`, indexed by station id
/// (4096 entries).
pub fn node_fades(topology: &Topology, scene: &Scene, now_ms: f64) -> Vec<u8> {
    let mut out = vec![0u8; MAX_NODES];
    for id in scene.nodes.keys() {
        if let (Some(n), Some(slot)) = (topology.node(*id), out.get_mut(usize::from(*id))) {
            *slot = fade_step(n.last_heard_ms.map(|t| now_ms - t as f64));
        }
    }
    out
}

/// How a drawn link looks at one instant: its fade step and, for
/// neighbour links, its RSSI colour step (0 red … [`HUE_STEPS`] - 1 green)
/// and dBm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeLook {
    /// Fade step.
    pub fade: u8,
    /// RSSI colour step.
    pub hue: u8,
    /// RSSI, dBm.
    pub rssi: Option<i32>,
}

/// The look of every link of `scene` at `now_ms`, in scene order.
pub fn edge_looks(topology: &Topology, scene: &Scene, now_ms: f64) -> Vec<EdgeLook> {
    scene
        .edges
        .iter()
        .map(|e| {
            let node = topology.node(e.from);
            let (last, rssi) = match e.kind {
                EdgeKind::Parent => (
                    node.and_then(|n| n.parent_ms.or(Some(n.first_seen_ms))),
                    node.and_then(|n| n.neighbour(e.to)).map(|l| l.rssi_dbm),
                ),
                EdgeKind::Neighbour => {
                    let l = node.and_then(|n| n.neighbour(e.to));
                    (l.map(|l| l.last_ms), l.map(|l| l.rssi_dbm))
                }
                EdgeKind::Via => (
                    node.and_then(|n| n.via.iter().find(|v| v.id == e.to))
                        .map(|v| v.last_ms),
                    None,
                ),
            };
            let hue = rssi.map_or(0, |r| {
                (rssi_hue(r) / 120.0 * f64::from(HUE_STEPS - 1)).round() as u8
            });
            EdgeLook {
                fade: fade_step(Some(last.map_or(0.0, |t| now_ms - t as f64))),
                hue,
                rssi,
            }
        })
        .collect()
}

/// One merged path: every link of a class.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedPath {
    /// `parent`, `neighbour` or `via`.
    pub kind: EdgeKind,
    /// RSSI colour step (neighbour links).
    pub hue: u8,
    /// Fade step.
    pub fade: u8,
    /// The SVG path of all its links.
    pub d: String,
    /// `from-to` of each of its links, space separated.
    pub edges: String,
}

/// The links of `scene` merged into one path per (kind, colour, fade).
pub fn merge(scene: &Scene, looks: &[EdgeLook]) -> Vec<MergedPath> {
    let mut keyed: Vec<((EdgeKind, u8, u8), usize)> = scene
        .edges
        .iter()
        .zip(looks)
        .enumerate()
        .map(|(i, (e, l))| {
            let hue = if e.kind == EdgeKind::Neighbour {
                l.hue
            } else {
                0
            };
            ((e.kind, hue, l.fade), i)
        })
        .collect();
    crate::vecmap::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0));
    let mut out: Vec<MergedPath> = Vec::new();
    for ((kind, hue, fade), i) in keyed {
        let Some(e) = scene.edges.get(i) else {
            continue;
        };
        let fresh = !matches!(out.last(), Some(m) if (m.kind, m.hue, m.fade) == (kind, hue, fade));
        if fresh {
            out.push(MergedPath {
                kind,
                hue,
                fade,
                d: String::new(),
                edges: String::new(),
            });
        }
        if let Some(m) = out.last_mut() {
            if !m.d.is_empty() {
                m.d.push(' ');
                m.edges.push(' ');
            }
            m.d.push_str(&e.d);
            m.edges.push_str(&format!("{}-{}", e.from, e.to));
        }
    }
    out
}

/// The drawn node nearest to `(x, y)` (px) within [`HIT_RADIUS`].
pub fn node_at(scene: &Scene, x: f64, y: f64) -> Option<u16> {
    scene
        .nodes
        .values()
        .map(|n| ((n.x - x).hypot(n.y - y), n.id))
        .filter(|(d, _)| *d <= HIT_RADIUS)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// Nodes of one class merged into one path.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedNodes {
    /// Role.
    pub role: Role,
    /// `""`, `"orphan"` or `"follows-orphan"`.
    pub state: &'static str,
    /// Fade step.
    pub fade: u8,
    /// The SVG path of all their shapes.
    pub d: String,
    /// Their station ids, space separated.
    pub ids: String,
}

/// The outline of a node's shape at `(x, y)`.
fn shape(role: Role, x: f64, y: f64) -> String {
    match role {
        Role::Gateway => format!("M{},{}h26v26h-26z", px(x - 13.0), px(y - 13.0)),
        Role::Relay => format!(
            "M{},{}a12,12 0 1,0 24,0a12,12 0 1,0 -24,0",
            px(x - 12.0),
            px(y)
        ),
        Role::Sensor => format!("M{},{}a6,6 0 1,0 12,0a6,6 0 1,0 -12,0", px(x - 6.0), px(y)),
    }
}

/// The nodes of `scene` merged into one path per (role, state, fade step);
/// `fades` by station id ([`node_fades`]).
pub fn merge_nodes(scene: &Scene, fades: &[u8]) -> Vec<MergedNodes> {
    let state = |n: &SceneNode| {
        if n.orphan {
            "orphan"
        } else if n.follows_orphan {
            "follows-orphan"
        } else {
            ""
        }
    };
    let mut keyed: Vec<((Role, &'static str, u8), &SceneNode)> = scene
        .nodes
        .values()
        .map(|n| {
            let fade = fades.get(usize::from(n.id)).copied().unwrap_or(0);
            ((n.role, state(n), fade), n)
        })
        .collect();
    crate::vecmap::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0));
    let mut out: Vec<MergedNodes> = Vec::new();
    for ((role, state, fade), n) in keyed {
        let same =
            matches!(out.last(), Some(m) if (m.role, m.state, m.fade) == (role, state, fade));
        if !same {
            out.push(MergedNodes {
                role,
                state,
                fade,
                d: String::new(),
                ids: String::new(),
            });
        }
        if let Some(m) = out.last_mut() {
            if !m.ids.is_empty() {
                m.ids.push(' ');
            }
            m.d.push_str(&shape(role, n.x, n.y));
            m.ids.push_str(&n.id.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_numbers() {
        assert_eq!(fade_step(Some(0.0)), 0);
        assert_eq!(fade_step(Some(1e9)), FADE_STEPS - 1);
        assert_eq!(step_opacity(0), 1.0);
        assert_eq!(step_opacity(FADE_STEPS - 1), super::super::MIN_OPACITY);
        assert_eq!(thousands(258_000), "258,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_ne!(bow((0.0, 0.0), (100.0, 0.0)), bow((100.0, 0.0), (0.0, 0.0)));
        assert!(bow((0.0, 0.0), (0.0, 0.0)).contains('L'));
    }
}

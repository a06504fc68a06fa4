//! `#/mesh`: the mesh topology graph, from the receiver's [`Topology`]
//! (BEACONs, NEIGHBOUR_REPORTs, FORWARDs, ROUTE_ERRORs).
//!
//! An SVG drawn from [`crate::layout`]: one tree per gateway, side by side,
//! rows by cost, orphans in their own band, positions stable between
//! updates. Gateways are squares, relays circles (their cost inside),
//! sensors dots. Parent links are solid and thick; other neighbour links
//! dashed, thin and coloured by RSSI (legend); "via" links (a node's packets
//! delivered by another) light. Nodes and links fade with age. Orphans get a
//! red dashed ring, nodes that sent ROUTE_ERROR a badge with the reason,
//! nodes under an orphan an amber ring. A click on a node opens a side panel
//! (cost, parent, gateway, neighbour table with RSSI, last report, packets
//! forwarded, route error, delivery paths). Toggles: sensors, neighbour
//! links, all delivery paths (by default only the one each sensor hangs
//! under); "Re-layout" forgets the remembered positions. The selection is
//! kept in the URL: `#/mesh?node=<decimal id>` opens with that node's panel. The SVG scales down
//! to fit the page (to 60 %), then scrolls.
//!
//! The graph is rebuilt only when the topology revision, the clock tick
//! (every second, for ageing) or a toggle changes; nodes and edges are keyed
//! `<For>` rows, so they never flicker and move smoothly when they must.
//!
//! Test hooks: `data-testid="mesh-node"` with `data-node="<station id>"`,
//! `data-role` (`gateway`, `relay`, `sensor`), `data-orphan="true"` when
//! orphaned (and `data-route-error="<reason>"`, `data-follows-orphan`);
//! `data-testid="mesh-edge"` with `data-from`, `data-to` (station ids) and
//! `data-kind` (`parent`, `neighbour`, `via`); `data-testid="mesh-panel"`
//! for the side panel.

use crate::vecmap::{VecMap, VecSet};

use iotdata::receiver::{EdgeKind, Node, Role, Topology};
use leptos::prelude::*;

use crate::app::use_ctx;
use crate::layout::{Band, Layout, Positions};
use crate::views::{clock_time, relative_time};

/// Width of a layout column, px.
pub const COL_W: f64 = 52.0;
/// Height of a layout row, px.
pub const ROW_H: f64 = 70.0;
const PAD_X: f64 = 12.0;
const PAD_TOP: f64 = 52.0;
const PAD_BOTTOM: f64 = 34.0;
/// Weakest RSSI of the colour scale (red), dBm.
pub const RSSI_MIN: i32 = -120;
/// Strongest RSSI of the colour scale (green), dBm.
pub const RSSI_MAX: i32 = -60;
/// Age up to which a node or link is drawn fully opaque, ms.
pub const FADE_START_MS: f64 = 180_000.0;
/// Age from which a node or link is drawn at [`MIN_OPACITY`], ms.
pub const FADE_END_MS: f64 = 900_000.0;
/// Opacity of the oldest nodes and links.
pub const MIN_OPACITY: f64 = 0.25;

/// Opacity for something last confirmed `age_ms` ago: 1 while fresh, fading
/// linearly to [`MIN_OPACITY`] between [`FADE_START_MS`] and
/// [`FADE_END_MS`].
pub fn age_opacity(age_ms: f64) -> f64 {
    if !age_ms.is_finite() || age_ms <= FADE_START_MS {
        return 1.0;
    }
    let t = ((age_ms - FADE_START_MS) / (FADE_END_MS - FADE_START_MS)).min(1.0);
    1.0 - t * (1.0 - MIN_OPACITY)
}

/// Hue (0 red … 120 green) of an RSSI on the [`RSSI_MIN`]..[`RSSI_MAX`]
/// scale, clamped.
pub fn rssi_hue(dbm: i32) -> f64 {
    let t = f64::from(dbm.clamp(RSSI_MIN, RSSI_MAX) - RSSI_MIN) / f64::from(RSSI_MAX - RSSI_MIN);
    (t * 120.0).round()
}

/// `0x101`.
pub fn hex_id(id: u16) -> String {
    format!("0x{id:03X}")
}

/// A node as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
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
    /// Opacity from its last-heard age.
    pub opacity: f64,
    /// Tooltip.
    pub title: String,
}

/// An edge as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeView {
    /// Kind.
    pub kind: EdgeKind,
    /// From (child, reporter, origin).
    pub from: u16,
    /// To (parent, neighbour, deliverer).
    pub to: u16,
    /// SVG path.
    pub d: String,
    /// RSSI of `to` as `from` hears it, dBm.
    pub rssi: Option<i32>,
    /// Opacity from its age.
    pub opacity: f64,
    /// Tooltip.
    pub title: String,
}

/// A band's header and background.
#[derive(Debug, Clone, PartialEq)]
pub struct BandView {
    /// Header text.
    pub label: String,
    /// Left edge, px.
    pub x: f64,
    /// Width, px.
    pub w: f64,
    /// The orphaned band.
    pub orphaned: bool,
}

/// Everything the graph draws at one instant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeshSnapshot {
    /// Nodes by id.
    pub nodes: VecMap<u16, NodeView>,
    /// Edges by (kind, from, to).
    pub edges: VecMap<(EdgeKind, u16, u16), EdgeView>,
    /// Bands, left to right.
    pub bands: Vec<BandView>,
    /// SVG width, px.
    pub width: f64,
    /// SVG height, px.
    pub height: f64,
    /// Gateways, relays, sensors, orphans in the topology.
    pub counts: [usize; 4],
}

fn node_xy(col: f64, row: u32) -> (f64, f64) {
    (
        PAD_X + (col + 0.5) * COL_W,
        PAD_TOP + f64::from(row) * ROW_H,
    )
}

fn line(a: (f64, f64), b: (f64, f64)) -> String {
    format!("M{:.1},{:.1} L{:.1},{:.1}", a.0, a.1, b.0, b.1)
}

/// A curve bowed to the left of the direction a → b, so that the two
/// directions of a mutual link are drawn apart.
fn bow(a: (f64, f64), b: (f64, f64)) -> String {
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
        "M{:.1},{:.1} Q{:.1},{:.1} {:.1},{:.1}",
        a.0, a.1, cx, cy, b.0, b.1
    )
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Gateway => "Gateway",
        Role::Relay => "Relay",
        Role::Sensor => "Sensor",
    }
}

/// The node selected by a `#/mesh?node=<decimal id>` hash.
pub fn selected_from_hash(hash: &str) -> Option<u16> {
    let (_, query) = hash.split_once('?')?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("node="))
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|&id| id < 4096)
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

/// Lays out `topology` (updating `layout`) and builds what the graph draws
/// at `now_ms`. Pure apart from the layout's memory.
pub fn snapshot(
    topology: &Topology,
    layout: &mut Layout,
    now_ms: f64,
    opts: MeshOptions,
) -> MeshSnapshot {
    let pos: &Positions = layout.update(topology);
    let age = |t: i64| now_ms - t as f64;
    let mut counts = [0usize; 4];
    let mut nodes = VecMap::new();
    for n in topology.nodes() {
        match n.role {
            Role::Gateway => counts[0] += 1,
            Role::Relay => counts[1] += 1,
            Role::Sensor => counts[2] += 1,
        }
        if n.orphan {
            counts[3] += 1;
        }
        let Some(p) = pos.get(n.id) else { continue };
        let (x, y) = node_xy(p.col, p.row);
        let heard = n
            .last_heard_ms
            .map_or("never heard (only named by others)".to_string(), |t| {
                format!("last heard {}", relative_time(age(t)))
            });
        let mut title = format!(
            "{} {} ({}) · {heard}",
            role_name(n.role),
            hex_id(n.id),
            n.id
        );
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
        nodes.insert(
            n.id,
            NodeView {
                id: n.id,
                role: n.role,
                x,
                y,
                cost: n.cost,
                orphan: n.orphan,
                follows_orphan: p.follows_orphan,
                route_error: n.route_error.map(|e| e.reason_name),
                opacity: n.last_heard_ms.map_or(0.5, |t| age_opacity(age(t))),
                title,
            },
        );
    }
    let all = topology.edges();
    let parent_pairs: VecSet<(u16, u16)> = all
        .iter()
        .filter(|e| e.kind == EdgeKind::Parent)
        .map(|e| (e.from.min(e.to), e.from.max(e.to)))
        .collect();
    let hangs_under = |from: u16, to: u16| {
        nodes.get(&from).is_some_and(|n| n.role == Role::Sensor)
            && pos.get(from).and_then(|p| p.parent) == Some(to)
    };
    let mut edges = VecMap::new();
    for e in &all {
        let (Some(a), Some(b)) = (nodes.get(&e.from), nodes.get(&e.to)) else {
            continue;
        };
        let pair = (e.from.min(e.to), e.from.max(e.to));
        let d = match e.kind {
            EdgeKind::Parent => line((a.x, a.y), (b.x, b.y)),
            // Parent links already say it; the RSSI is in their tooltip.
            _ if parent_pairs.contains(&pair) => continue,
            EdgeKind::Neighbour if !opts.neighbours => continue,
            EdgeKind::Neighbour => bow((a.x, a.y), (b.x, b.y)),
            // By default only the link a sensor hangs under.
            EdgeKind::Via if !opts.all_via && !hangs_under(e.from, e.to) => continue,
            EdgeKind::Via => line((a.x, a.y), (b.x, b.y)),
        };
        let mut title = format!(
            "{} → {} · {}",
            hex_id(e.from),
            hex_id(e.to),
            e.kind.as_str()
        );
        if let Some(r) = e.rssi_dbm {
            title.push_str(&format!(" · {r} dBm"));
        }
        if let Some(c) = e.cost {
            title.push_str(&format!(" · cost {c}"));
        }
        if e.kind == EdgeKind::Via {
            title.push_str(&format!(" · {} packets", e.count));
        }
        title.push_str(&format!(" · {}", relative_time(age(e.last_ms))));
        edges.insert(
            (e.kind, e.from, e.to),
            EdgeView {
                kind: e.kind,
                from: e.from,
                to: e.to,
                d,
                rssi: e.rssi_dbm,
                opacity: age_opacity(age(e.last_ms)),
                title,
            },
        );
    }
    let bands = pos
        .bands
        .iter()
        .map(|b| BandView {
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
    MeshSnapshot {
        nodes,
        edges,
        bands,
        width: (2.0 * PAD_X + pos.cols * COL_W).max(320.0),
        height: PAD_TOP + f64::from(rows - 1) * ROW_H + PAD_BOTTOM,
        counts,
    }
}

/// The `#/mesh` page.
#[component]
pub fn MeshView() -> impl IntoView {
    let ctx = use_ctx();
    let live = ctx.live;
    let clock = ctx.clock;
    let show_sensors = RwSignal::new(true);
    let show_neighbours = RwSignal::new(true);
    let all_via = RwSignal::new(false);
    let initial = window()
        .location()
        .hash()
        .ok()
        .and_then(|h| selected_from_hash(&h));
    let selected: RwSignal<Option<u16>> = RwSignal::new(initial);
    // Keep the selection in the URL (shareable), without a history entry.
    Effect::new(move |_| {
        let hash = match selected.get() {
            Some(id) => format!("#/mesh?node={id}"),
            None => "#/mesh".to_string(),
        };
        crate::router::replace_hash(&hash);
    });
    let relayout = RwSignal::new(0u32);
    let layout = StoredValue::new(Layout::new(true));

    let snap = Memo::new(move |_| {
        live.topology_rev.track();
        relayout.track();
        let now = clock.get();
        let sensors = show_sensors.get();
        let opts = MeshOptions {
            neighbours: show_neighbours.get(),
            all_via: all_via.get(),
        };
        live.with(|s| {
            layout
                .try_update_value(|l| {
                    l.set_sensors(sensors);
                    snapshot(s.receiver().topology(), l, now, opts)
                })
                .unwrap_or_default()
        })
    });

    let node_keys =
        move || snap.with(|s| s.nodes.values().map(|n| (n.id, n.role)).collect::<Vec<_>>());
    let edge_keys = move || snap.with(|s| s.edges.keys().copied().collect::<Vec<_>>());
    let counts = move || {
        let [g, r, s, o] = snap.with(|s| s.counts);
        let mut t = format!("{g} gateways · {r} relays · {s} sensors");
        if o > 0 {
            t.push_str(&format!(" · {o} orphaned"));
        }
        t
    };
    let empty = move || snap.with(|s| s.counts.iter().take(3).sum::<usize>() == 0);

    view! {
        <div class="mesh-page" class:with-panel=move || selected.get().is_some()>
            <section class="panel mesh-graph-panel">
                <div class="panel-head">
                    <h2>"Mesh topology " <span class="count">{counts}</span></h2>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="mesh-toggle-sensors"
                            prop:checked=move || show_sensors.get()
                            on:change=move |e| show_sensors.set(event_target_checked(&e))
                        />
                        "Sensors"
                    </label>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="mesh-toggle-neighbours"
                            prop:checked=move || show_neighbours.get()
                            on:change=move |e| show_neighbours.set(event_target_checked(&e))
                        />
                        "Neighbour links"
                    </label>
                    <label class="check" title="Every node that delivered a sensor's packets, not only the one it hangs under">
                        <input
                            type="checkbox"
                            data-testid="mesh-toggle-via"
                            prop:checked=move || all_via.get()
                            on:change=move |e| all_via.set(event_target_checked(&e))
                        />
                        "All delivery paths"
                    </label>
                    <button
                        class="btn small"
                        title="Forget the remembered positions and lay the graph out afresh"
                        on:click=move |_| {
                            layout.update_value(Layout::reset);
                            relayout.update(|r| *r += 1);
                        }
                    >
                        "Re-layout"
                    </button>
                </div>
                <Legend />
                <Show
                    when=move || !empty()
                    fallback=|| {
                        view! {
                            <p class="empty muted">
                                "No mesh traffic yet. Gateways, relays and the sensors they deliver appear here as BEACONs, NEIGHBOUR_REPORTs and FORWARDs arrive."
                            </p>
                        }
                    }
                >
                    <div class="mesh-scroll">
                        <svg
                            class="mesh-svg"
                            data-testid="mesh-graph"
                            width="100%"
                            style=move || {
                                snap.with(|s| {
                                    format!(
                                        "max-width:{:.0}px;min-width:{:.0}px",
                                        s.width,
                                        s.width * 0.6,
                                    )
                                })
                            }
                            viewBox=move || snap.with(|s| format!("0 0 {} {}", s.width, s.height))
                            role="img"
                            aria-label="Mesh topology graph"
                        >
                            <g class="mesh-bands">
                                {move || {
                                    snap.with(|s| {
                                        s.bands
                                            .iter()
                                            .map(|b| {
                                                let cls = if b.orphaned {
                                                    "mesh-band orphaned"
                                                } else {
                                                    "mesh-band"
                                                };
                                                view! {
                                                    <g class=cls>
                                                        <rect
                                                            x=b.x
                                                            y=4
                                                            width=b.w
                                                            height=s.height - 8.0
                                                            rx=6
                                                        ></rect>
                                                        <text x=b.x + 8.0 y=20>
                                                            {b.label.clone()}
                                                        </text>
                                                    </g>
                                                }
                                            })
                                            .collect_view()
                                    })
                                }}
                            </g>
                            <g class="mesh-edges">
                                <For each=edge_keys key=|k| *k let:k>
                                    <EdgeShape snap=snap k=k />
                                </For>
                            </g>
                            <g class="mesh-nodes">
                                <For each=node_keys key=|k| *k let:k>
                                    <NodeShape snap=snap id=k.0 role=k.1 selected=selected />
                                </For>
                            </g>
                        </svg>
                    </div>
                </Show>
            </section>
            {move || {
                selected.get().map(|id| view! { <NodePanel id=id selected=selected /> })
            }}
        </div>
    }
}

/// One edge (keyed: its attributes follow the snapshot).
#[component]
fn EdgeShape(snap: Memo<MeshSnapshot>, k: (EdgeKind, u16, u16)) -> impl IntoView {
    let (kind, from, to) = k;
    let get =
        move |f: fn(&EdgeView) -> String| snap.with(|s| s.edges.get(&k).map(f).unwrap_or_default());
    let style = move || {
        snap.with(|s| {
            s.edges
                .get(&k)
                .and_then(|e| e.rssi)
                .filter(|_| kind == EdgeKind::Neighbour)
                .map(|r| format!("--rssi-h:{}", rssi_hue(r)))
        })
    };
    view! {
        <path
            class=format!("mesh-edge {}", kind.as_str())
            data-testid="mesh-edge"
            data-from=from.to_string()
            data-to=to.to_string()
            data-kind=kind.as_str()
            d=move || get(|e| e.d.clone())
            style=style
            opacity=move || get(|e| format!("{:.2}", e.opacity))
        >
            <title>{move || get(|e| e.title.clone())}</title>
        </path>
    }
}

/// One node (keyed by id and role: its shape depends on the role).
#[component]
fn NodeShape(
    snap: Memo<MeshSnapshot>,
    id: u16,
    role: Role,
    selected: RwSignal<Option<u16>>,
) -> impl IntoView {
    let node = move || snap.with(|s| s.nodes.get(&id).cloned());
    let field =
        move |f: fn(&NodeView) -> Option<String>| snap.with(|s| s.nodes.get(&id).and_then(f));
    let transform = move || {
        snap.with(|s| {
            s.nodes
                .get(&id)
                .map(|n| format!("transform:translate({:.1}px,{:.1}px)", n.x, n.y))
        })
    };
    let class = move || {
        let mut c = format!("mesh-node {}", role.as_str());
        if let Some(n) = node() {
            if n.orphan {
                c.push_str(" orphan");
            }
            if n.follows_orphan {
                c.push_str(" follows-orphan");
            }
            if n.route_error.is_some() {
                c.push_str(" route-error");
            }
        }
        if selected.get() == Some(id) {
            c.push_str(" selected");
        }
        c
    };
    let select = move || selected.update(|s| *s = if *s == Some(id) { None } else { Some(id) });
    let shape = match role {
        Role::Gateway => view! {
            <rect class="mesh-shape" x=-13 y=-13 width=26 height=26 rx=4></rect>
            <text class="mesh-glyph" text-anchor="middle" dy="0.35em">"GW"</text>
        }
        .into_any(),
        Role::Relay => view! {
            <circle class="mesh-shape" r=12></circle>
            <text class="mesh-glyph" text-anchor="middle" dy="0.35em">
                {move || {
                    snap.with(|s| {
                        s.nodes
                            .get(&id)
                            .and_then(|n| n.cost)
                            .map_or("?".to_string(), |c| c.to_string())
                    })
                }}
            </text>
        }
        .into_any(),
        Role::Sensor => view! { <circle class="mesh-shape" r=6></circle> }.into_any(),
    };
    let label_y = if role == Role::Sensor { 17 } else { 25 };
    view! {
        <g
            class=class
            style=transform
            opacity=move || field(|n| Some(format!("{:.2}", n.opacity)))
            data-testid="mesh-node"
            data-node=id.to_string()
            data-role=role.as_str()
            data-orphan=move || field(|n| n.orphan.then(|| "true".to_string()))
            data-follows-orphan=move || field(|n| n.follows_orphan.then(|| "true".to_string()))
            data-route-error=move || field(|n| n.route_error.map(str::to_string))
            tabindex="0"
            role="button"
            aria-label=move || field(|n| Some(n.title.clone()))
            on:click=move |_| select()
            on:keydown=move |e| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    select();
                }
            }
        >
            <title>{move || field(|n| Some(n.title.clone()))}</title>
            <circle class="mesh-ring" r=if role == Role::Sensor { 10 } else { 18 }></circle>
            {shape}
            <text class="mesh-label" text-anchor="middle" y=label_y>
                {hex_id(id)}
            </text>
            {move || {
                field(|n| n.route_error.map(str::to_string))
                    .map(|reason| {
                        let w = 10.0 + 6.2 * reason.len() as f64;
                        view! {
                            <g class="mesh-badge" transform="translate(0,-27)">
                                <rect x=-w / 2.0 y=-8 width=w height=15 rx=7></rect>
                                <text text-anchor="middle" dy="0.32em">
                                    {reason}
                                </text>
                            </g>
                        }
                    })
            }}
        </g>
    }
}

/// The legend: shapes, line kinds, the RSSI scale, rings and badges.
#[component]
fn Legend() -> impl IntoView {
    let stops = (0..=6)
        .map(|i| {
            let dbm = RSSI_MIN + i * (RSSI_MAX - RSSI_MIN) / 6;
            format!("hsl({} var(--rssi-s) var(--rssi-l))", rssi_hue(dbm))
        })
        .collect::<Vec<_>>()
        .join(",");
    view! {
        <div class="mesh-legend small muted" data-testid="mesh-legend">
            <span class="lg"><svg width="16" height="16"><rect class="lg-gw" x="2" y="2" width="12" height="12" rx="2"></rect></svg>"gateway"</span>
            <span class="lg"><svg width="16" height="16"><circle class="lg-relay" cx="8" cy="8" r="6"></circle></svg>"relay (cost)"</span>
            <span class="lg"><svg width="16" height="16"><circle class="lg-sensor" cx="8" cy="8" r="4"></circle></svg>"sensor"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge parent" x1="1" y1="5" x2="27" y2="5"></line></svg>"parent"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge neighbour" style="--rssi-h:60" x1="1" y1="5" x2="27" y2="5"></line></svg>"neighbour"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge via" x1="1" y1="5" x2="27" y2="5"></line></svg>"delivered via"</span>
            <span class="lg rssi-scale">
                {RSSI_MIN}
                <span class="rssi-bar" style=format!("background:linear-gradient(to right,{stops})")></span>
                {format!("{RSSI_MAX} dBm")}
            </span>
            <span class="lg"><svg width="18" height="18"><circle class="lg-orphan" cx="9" cy="9" r="7"></circle></svg>"orphaned"</span>
            <span class="lg"><svg width="18" height="18"><circle class="lg-follows" cx="9" cy="9" r="7"></circle></svg>"under an orphan"</span>
            <span class="lg"><span class="mesh-badge-html">"reason"</span>"route error"</span>
            <span class="lg" title="Nodes and links fade when not heard or confirmed for 3 to 15 minutes">"faded: silent"</span>
        </div>
    }
}

/// The side panel of one node.
#[component]
fn NodePanel(id: u16, selected: RwSignal<Option<u16>>) -> impl IntoView {
    let ctx = use_ctx();
    let live = ctx.live;
    let clock = ctx.clock;
    let node: Memo<Option<Node>> = Memo::new(move |_| {
        live.topology_rev.track();
        live.mesh_rev.track();
        clock.track();
        live.with(|s| s.receiver().topology().node(id).cloned())
    });
    let has_station = move || {
        live.stations_rev.track();
        live.with(|s| s.station(id).is_some())
    };
    let ago = move |t: i64| {
        let t = t as f64;
        format!("{} ({})", relative_time(clock.get() - t), clock_time(t))
    };
    let pick = move |other: u16| {
        view! {
            <a
                href="#/mesh"
                class="mono"
                on:click=move |e| {
                    e.prevent_default();
                    selected.set(Some(other));
                }
            >
                {hex_id(other)}
            </a>
        }
    };
    let body = move || {
        let Some(n) = node.get() else {
            return view! { <p class="muted">"This node is no longer in the topology."</p> }
                .into_any();
        };
        let cost = n.cost.map_or("unknown".to_string(), |c| c.to_string());
        let parent = match (n.parent, n.orphan) {
            (Some(p), _) => pick(p).into_any(),
            (None, true) => view! { <span class="bad-text">"none (orphaned)"</span> }.into_any(),
            (None, false) => view! { <span class="muted">"—"</span> }.into_any(),
        };
        let gateway = match n.gateway_id {
            Some(g) if g == n.id => view! { <span>"itself"</span> }.into_any(),
            Some(g) => pick(g).into_any(),
            None => view! { <span class="muted">"unknown"</span> }.into_any(),
        };
        let last_heard = n.last_heard_ms;
        let last_report = n.parent_ms;
        let route_error = n.route_error.map(|e| {
            view! {
                <tr>
                    <th>"Route error"</th>
                    <td class="bad-text">
                        {format!("{} (reason {}) ", e.reason_name, e.reason)}
                        {move || ago(e.at_ms)}
                    </td>
                </tr>
            }
        });
        let beacon = n.beacon.map(|b| {
            view! {
                <tr>
                    <th>"Last beacon"</th>
                    <td>
                        {format!("round {} · cost {} · ", b.generation, b.cost)}
                        {move || ago(b.at_ms)}
                    </td>
                </tr>
            }
        });
        let neighbours = n.neighbours.clone();
        let via = n.via.clone();
        view! {
            <table class="kv mesh-kv">
                <tbody>
                    <tr><th>"Role"</th><td>{n.role.as_str()}</td></tr>
                    <tr><th>"Cost"</th><td>{cost}</td></tr>
                    <tr><th>"Parent"</th><td>{parent}</td></tr>
                    <tr><th>"Gateway"</th><td>{gateway}</td></tr>
                    <tr>
                        <th>"Orphaned"</th>
                        <td>{if n.orphan { "yes" } else { "no" }}</td>
                    </tr>
                    {route_error}
                    <tr>
                        <th>"Last heard"</th>
                        <td>
                            {move || last_heard.map_or("never (only named by others)".to_string(), ago)}
                        </td>
                    </tr>
                    <tr>
                        <th>"Last report"</th>
                        <td>{move || last_report.map_or("—".to_string(), ago)}</td>
                    </tr>
                    {beacon}
                    <tr><th>"Forwarded"</th><td>{n.forwarded}" packets"</td></tr>
                    <tr><th>"Mesh packets"</th><td>{n.mesh_packets}</td></tr>
                    <tr><th>"Sensor packets"</th><td>{n.sensor_packets}</td></tr>
                    <tr><th>"Copies"</th><td>{n.duplicates}</td></tr>
                    <tr><th>"Stale reports"</th><td>{n.stale_reports}</td></tr>
                </tbody>
            </table>
            <h3>"Neighbours " <span class="count">{neighbours.len()}</span></h3>
            {if neighbours.is_empty() {
                view! { <p class="muted small">"None reported."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table data-testid="mesh-neighbours">
                            <thead>
                                <tr><th>"Node"</th><th>"Cost"</th><th>"RSSI"</th><th>"Reported"</th></tr>
                            </thead>
                            <tbody>
                                {neighbours
                                    .into_iter()
                                    .map(|l| {
                                        let t = l.last_ms as f64;
                                        view! {
                                            <tr>
                                                <td>{pick(l.id)}</td>
                                                <td class="num">{l.cost}</td>
                                                <td class="num">
                                                    <span
                                                        class="rssi-chip"
                                                        style=format!("--rssi-h:{}", rssi_hue(l.rssi_dbm))
                                                    ></span>
                                                    {format!("{} dBm", l.rssi_dbm)}
                                                </td>
                                                <td>{move || relative_time(clock.get() - t)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            <h3>"Delivered via " <span class="count">{via.len()}</span></h3>
            {if via.is_empty() {
                view! { <p class="muted small">"No deliveries recorded."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <thead>
                                <tr><th>"Node"</th><th>"First"</th><th>"Copies"</th><th>"Last"</th></tr>
                            </thead>
                            <tbody>
                                {via
                                    .into_iter()
                                    .map(|v| {
                                        let t = v.last_ms as f64;
                                        view! {
                                            <tr>
                                                <td>{pick(v.id)}</td>
                                                <td class="num">{v.first_arrivals}</td>
                                                <td class="num">{v.duplicates}</td>
                                                <td>{move || relative_time(clock.get() - t)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        }
        .into_any()
    };
    let title = move || {
        node.with(|n| {
            n.as_ref().map_or_else(
                || format!("Node {}", hex_id(id)),
                |n| format!("{} {} ({})", role_name(n.role), hex_id(id), id),
            )
        })
    };
    view! {
        <aside class="panel mesh-side" data-testid="mesh-panel" data-node=id.to_string()>
            <div class="panel-head">
                <h2>{title}</h2>
                <Show when=has_station>
                    <a class="small" href=format!("#/station/{id}")>"Station page"</a>
                </Show>
                <button class="btn small" title="Close" on:click=move |_| selected.set(None)>
                    "×"
                </button>
            </div>
            {body}
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fading_and_colours() {
        assert_eq!(age_opacity(0.0), 1.0);
        assert_eq!(age_opacity(FADE_START_MS), 1.0);
        assert_eq!(age_opacity(FADE_END_MS), MIN_OPACITY);
        assert_eq!(age_opacity(10.0 * FADE_END_MS), MIN_OPACITY);
        let mid = age_opacity((FADE_START_MS + FADE_END_MS) / 2.0);
        assert!(mid > MIN_OPACITY && mid < 1.0);
        assert_eq!(rssi_hue(-130), 0.0);
        assert_eq!(rssi_hue(-90), 60.0);
        assert_eq!(rssi_hue(-40), 120.0);
        assert_eq!(hex_id(0x101), "0x101");
        assert_eq!(selected_from_hash("#/mesh?node=257"), Some(257));
        assert_eq!(selected_from_hash("#/mesh?x=1&node=2"), Some(2));
        assert_eq!(selected_from_hash("#/mesh?node=5000"), None);
        assert_eq!(selected_from_hash("#/mesh"), None);
    }

    #[test]
    fn bowed_links_go_apart() {
        assert_ne!(bow((0.0, 0.0), (100.0, 0.0)), bow((100.0, 0.0), (0.0, 0.0)));
        assert!(bow((0.0, 0.0), (0.0, 0.0)).contains('L'));
    }
}

//! `#/mesh`: the mesh topology graph, from the receiver's [`Topology`]
//! (BEACONs, NEIGHBOUR_REPORTs, FORWARDs, ROUTE_ERRORs).
//!
//! An SVG drawn from [`crate::mesh_layout`]: one tree per gateway, side by side,
//! rows by cost, orphans in their own band, positions stable between
//! updates. Gateways are squares, relays circles (their cost inside),
//! sensors dots, sensor groups pills ("412 sensors", a click expands them).
//! Parent links are solid and thick; other neighbour links dashed, thin
//! and coloured by RSSI (legend); "via" links (a node's packets delivered
//! by another) light. Nodes and links fade with age. Orphans get a red
//! dashed ring, nodes that sent ROUTE_ERROR a badge with the reason, nodes
//! under an orphan an amber ring. A click on a node opens a side panel
//! ([`panel`]: cost, parent, gateway, neighbour table with RSSI, last
//! report, packets forwarded, route error, delivery paths). Toggles:
//! sensors, neighbour links, all delivery paths (by default only the one
//! each sensor hangs under); "Re-layout" forgets the remembered positions.
//! The selection is kept in the URL: `#/mesh?node=<decimal id>` opens with
//! that node's panel. The SVG scales down to fit the page (to 60 %), then
//! scrolls.
//!
//! # Cost
//!
//! The geometry ([`scene::Scene`]: layout, chosen links, paths) is rebuilt
//! only when the topology's structure (its revision), a toggle, the
//! expanded groups or "Re-layout" change, never on a clock tick. Each
//! second the clock only recomputes fade and colour steps
//! ([`scene::node_fades`], [`scene::edge_looks`]); an element is touched
//! only when its step changed. Past [`scene::LINK_DETAIL_LIMIT`] links the
//! scene is summarised and past [`crate::mesh_layout::SENSOR_GROUP_LIMIT`]
//! sensors they are grouped, with a note saying what is not drawn; the
//! counts and the side panel stay exact. Past [`scene::EDGE_ELEMENT_LIMIT`]
//! links, links are drawn as one `<path>` per class, and past
//! [`scene::NODE_ELEMENT_LIMIT`] nodes, nodes too (without labels; a click
//! picks the nearest node). So the SVG holds at most
//! [`scene::NODE_ELEMENT_LIMIT`] node element groups,
//! [`scene::EDGE_ELEMENT_LIMIT`] link elements, one element group per
//! sensor group and a bounded number of merged paths (classes).
//!
//! Test hooks: `data-testid="mesh-node"` with `data-node="<station id>"`,
//! `data-role` (`gateway`, `relay`, `sensor`), `data-orphan="true"` when
//! orphaned (and `data-route-error="<reason>"`, `data-follows-orphan`);
//! `data-testid="mesh-edge"` with `data-from`, `data-to` (station ids) and
//! `data-kind` (`parent`, `neighbour`, `via`) for links drawn one by one;
//! merged links: `data-testid="mesh-edges"` with `data-kind` and
//! `data-edges` (`from-to` pairs, space separated); `data-testid="mesh-group"`
//! with `data-anchor` and `data-count`; merged nodes:
//! `data-testid="mesh-nodes"` with `data-role`, `data-orphan` and
//! `data-nodes` (station ids, space separated); `data-testid="mesh-summary"` with
//! `data-links-shown`, `data-links-total`, `data-sensors-grouped`;
//! `data-testid="mesh-panel"` for the side panel.

pub mod legend;
pub mod panel;
pub mod scene;

use crate::vecmap::VecSet;

use iotdata::receiver::{EdgeKind, Role};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ctx::use_ctx;
use crate::mesh_layout::Layout;
use crate::views::widgets::{PanelHead, Toggle};
use legend::Legend;
use panel::NodePanel;
use scene::{EdgeLook, MeshOptions, Scene};

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

/// `Gateway`, `Relay` or `Sensor`.
pub fn role_name(role: Role) -> &'static str {
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

/// The `#/mesh` page.
#[component]
pub fn MeshView() -> impl IntoView {
    let ctx = use_ctx();
    let live = ctx.live;
    let clock = ctx.clock;
    let show_sensors = RwSignal::new(true);
    let show_neighbours = RwSignal::new(true);
    let all_via = RwSignal::new(false);
    let expanded: RwSignal<VecSet<u16>> = RwSignal::new(VecSet::new());
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

    // The geometry: topology structure, toggles, groups; not the clock.
    let scene = Memo::new(move |_| {
        live.topology_rev.track();
        relayout.track();
        let sensors = show_sensors.get();
        let open = expanded.get();
        let opts = MeshOptions {
            neighbours: show_neighbours.get(),
            all_via: all_via.get(),
        };
        live.with(|s| {
            layout
                .try_update_value(|l| {
                    l.set_sensors(sensors);
                    l.set_expanded(open);
                    scene::build(s.receiver().topology(), l, opts)
                })
                .unwrap_or_default()
        })
    });
    // Fading and colours: every clock tick, apart from the geometry.
    let fades = Memo::new(move |_| {
        let now = clock.get();
        scene.with(|sc| live.with(|s| scene::node_fades(s.receiver().topology(), sc, now)))
    });
    let looks = Memo::new(move |_| {
        let now = clock.get();
        scene.with(|sc| live.with(|s| scene::edge_looks(s.receiver().topology(), sc, now)))
    });

    let counts = move || {
        let [g, r, s, o] = scene.with(|s| s.counts);
        let mut t = format!("{g} gateways · {r} relays · {s} sensors");
        if o > 0 {
            t.push_str(&format!(" · {o} orphaned"));
        }
        t
    };
    let empty = move || scene.with(|s| s.counts.iter().take(3).sum::<usize>() == 0);
    view! {
        <div class="mesh-page" class:with-panel=move || selected.get().is_some()>
            <section class="panel mesh-graph-panel">
                <PanelHead title="Mesh topology" count=counts>
                    <Toggle testid="mesh-toggle-sensors" label="Sensors" value=show_sensors />
                    <Toggle testid="mesh-toggle-neighbours" label="Neighbour links" value=show_neighbours />
                    <Toggle
                        testid="mesh-toggle-via"
                        label="All delivery paths"
                        value=all_via
                        title="Every node that delivered a sensor's packets, not only the one it hangs under"
                    />
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
                </PanelHead>
                <Legend />
                <Summary scene=scene expanded=expanded />
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
                    <MeshGraph scene=scene fades=fades looks=looks selected=selected expanded=expanded />
                </Show>
            </section>
            {move || {
                selected.get().map(|id| view! { <NodePanel id=id selected=selected /> })
            }}
        </div>
    }
}

/// The SVG drawing: bands, links, nodes and groups. In a compact drawing
/// a click picks the nearest node.
#[component]
fn MeshGraph(
    scene: Memo<Scene>,
    fades: Memo<Vec<u8>>,
    looks: Memo<Vec<EdgeLook>>,
    selected: RwSignal<Option<u16>>,
    expanded: RwSignal<VecSet<u16>>,
) -> impl IntoView {
    let merged = Memo::new(move |_| scene.with(Scene::merged));
    let compact = Memo::new(move |_| scene.with(Scene::compact));
    let pick_at = move |e: leptos::ev::MouseEvent| {
        if !compact.get_untracked() {
            return;
        }
        let Some(target) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if target.closest(".mesh-group").ok().flatten().is_some() {
            return;
        }
        let Some(svg) = target.closest("svg").ok().flatten() else {
            return;
        };
        let r = svg.get_bounding_client_rect();
        let hit = scene.with_untracked(|s| {
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return None;
            }
            let x = (f64::from(e.client_x()) - r.left()) * s.width / r.width();
            let y = (f64::from(e.client_y()) - r.top()) * s.height / r.height();
            scene::node_at(s, x, y)
        });
        if let Some(id) = hit {
            selected.update(|s| *s = if *s == Some(id) { None } else { Some(id) });
        }
    };

    view! {
        <div class="mesh-scroll">
            <svg
                class="mesh-svg"
                data-testid="mesh-graph"
                width="100%"
                style=move || {
                    scene.with(|s| {
                        format!(
                            "max-width:{:.0}px;min-width:{:.0}px",
                            s.width,
                            s.width * 0.6,
                        )
                    })
                }
                viewBox=move || scene.with(|s| format!("0 0 {} {}", s.width, s.height))
                role="img"
                aria-label="Mesh topology graph"
                on:click=pick_at
            >
                <Bands scene=scene />
                <g class="mesh-edges">
                    <Show
                        when=move || merged.get()
                        fallback=move || view! { <EdgeList scene=scene looks=looks /> }
                    >
                        <MergedEdges scene=scene looks=looks />
                    </Show>
                    <GroupLinks scene=scene />
                </g>
                <g class="mesh-nodes">
                    <Show when=move || compact.get()>
                        <CompactNodes scene=scene fades=fades selected=selected />
                    </Show>
                    <For
                        each=move || {
                            if compact.get() {
                                return Vec::new();
                            }
                            scene.with(|s| s.nodes.values().map(|n| (n.id, n.role)).collect::<Vec<_>>())
                        }
                        key=|k| *k
                        let:k
                    >
                        <NodeShape scene=scene fades=fades id=k.0 role=k.1 selected=selected />
                    </For>
                    <For
                        each=move || scene.with(|s| s.groups.keys().copied().collect::<Vec<_>>())
                        key=|k| *k
                        let:anchor
                    >
                        <GroupShape scene=scene anchor=anchor expanded=expanded />
                    </For>
                </g>
            </svg>
        </div>
    }
}

/// What the drawing leaves out, with exact numbers, and a way to fold the
/// expanded groups back.
#[component]
fn Summary(scene: Memo<Scene>, expanded: RwSignal<VecSet<u16>>) -> impl IntoView {
    let note = move || scene.with(Scene::hidden_note);
    view! {
        <p
            class="mesh-summary small muted"
            data-testid="mesh-summary"
            data-links-shown=move || scene.with(|s| s.edges.len().to_string())
            data-links-total=move || scene.with(|s| s.links_total.to_string())
            data-sensors-grouped=move || scene.with(|s| s.grouped.to_string())
            hidden=move || note().is_none() && expanded.with(VecSet::is_empty)
        >
            {note}
            <Show when=move || !expanded.with(VecSet::is_empty)>
                " "
                <button class="btn small" on:click=move |_| expanded.set(VecSet::new())>
                    "Group sensors again"
                </button>
            </Show>
        </p>
    }
}

/// Band backgrounds and headers.
#[component]
fn Bands(scene: Memo<Scene>) -> impl IntoView {
    view! {
        <g class="mesh-bands">
            {move || {
                scene
                    .with(|s| {
                        s.bands
                            .iter()
                            .map(|b| {
                                let cls = if b.orphaned { "mesh-band orphaned" } else { "mesh-band" };
                                view! {
                                    <g class=cls>
                                        <rect x=b.x y=4 width=b.w height=s.height - 8.0 rx=6></rect>
                                        <text x=b.x + 8.0 y=20>{b.label.clone()}</text>
                                    </g>
                                }
                            })
                            .collect_view()
                    })
            }}
        </g>
    }
}

/// Links one element each (up to [`scene::EDGE_ELEMENT_LIMIT`]), keyed.
#[component]
fn EdgeList(scene: Memo<Scene>, looks: Memo<Vec<EdgeLook>>) -> impl IntoView {
    view! {
        <For
            each=move || {
                scene.with(|s| {
                    s.edges.iter().enumerate().map(|(i, e)| (e.kind, e.from, e.to, i)).collect::<Vec<_>>()
                })
            }
            key=|k| (k.0, k.1, k.2)
            let:k
        >
            <EdgeShape scene=scene looks=looks k=(k.0, k.1, k.2) />
        </For>
    }
}

/// One link (keyed: its path follows the scene, its look the clock).
#[component]
fn EdgeShape(
    scene: Memo<Scene>,
    looks: Memo<Vec<EdgeLook>>,
    k: (EdgeKind, u16, u16),
) -> impl IntoView {
    let (kind, from, to) = k;
    let index = Memo::new(move |_| {
        scene.with(|s| {
            s.edges
                .binary_search_by(|e| (e.kind, e.from, e.to).cmp(&k))
                .ok()
        })
    });
    let edge = Memo::new(move |_| {
        index
            .get()
            .and_then(|i| scene.with(|s| s.edges.get(i).map(|e| (e.d.clone(), e.title.clone()))))
    });
    let look = Memo::new(move |_| {
        index
            .get()
            .and_then(|i| looks.with(|l| l.get(i).copied()))
            .unwrap_or_default()
    });
    let title = move || {
        let mut t = edge.with(|e| e.as_ref().map(|e| e.1.clone()).unwrap_or_default());
        if let Some(r) = look.get().rssi {
            t.push_str(&format!(" · {r} dBm"));
        }
        t
    };
    view! {
        <path
            class=format!("mesh-edge {}", kind.as_str())
            data-testid="mesh-edge"
            data-from=from.to_string()
            data-to=to.to_string()
            data-kind=kind.as_str()
            d=move || edge.with(|e| e.as_ref().map(|e| e.0.clone()).unwrap_or_default())
            style=move || {
                let l = look.get();
                l.rssi
                    .filter(|_| kind == EdgeKind::Neighbour)
                    .map(|r| format!("--rssi-h:{}", rssi_hue(r)))
            }
            opacity=move || format!("{:.2}", scene::step_opacity(look.get().fade))
        >
            <title>{title}</title>
        </path>
    }
}

/// Links merged into one path per class (past
/// [`scene::EDGE_ELEMENT_LIMIT`]).
#[component]
fn MergedEdges(scene: Memo<Scene>, looks: Memo<Vec<EdgeLook>>) -> impl IntoView {
    let paths = Memo::new(move |_| scene.with(|s| looks.with(|l| scene::merge(s, l))));
    view! {
        <For
            each=move || paths.with(|p| p.iter().map(|m| (m.kind, m.hue, m.fade)).collect::<Vec<_>>())
            key=|k| *k
            let:k
        >
            {
                let (kind, hue, fade) = k;
                let field = move |f: fn(&scene::MergedPath) -> String| {
                    paths.with(|p| {
                        p.iter()
                            .find(|m| (m.kind, m.hue, m.fade) == k)
                            .map(f)
                            .unwrap_or_default()
                    })
                };
                let h = f64::from(hue) * 120.0 / f64::from(scene::HUE_STEPS - 1);
                view! {
                    <path
                        class=format!("mesh-edge {}", kind.as_str())
                        data-testid="mesh-edges"
                        data-kind=kind.as_str()
                        data-edges=move || field(|m| m.edges.clone())
                        d=move || field(|m| m.d.clone())
                        style=(kind == EdgeKind::Neighbour).then(|| format!("--rssi-h:{h:.0}"))
                        opacity=format!("{:.2}", scene::step_opacity(fade))
                    ></path>
                }
            }
        </For>
    }
}

/// The links of sensor groups to their anchors (one path).
#[component]
fn GroupLinks(scene: Memo<Scene>) -> impl IntoView {
    let d = move || {
        scene.with(|s| {
            s.groups
                .values()
                .map(|g| g.link.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! { <path class="mesh-edge via group" d=d></path> }
}

/// One node (keyed by id and role: its shape depends on the role). Its
/// geometry follows the scene, its opacity the fade steps; it is touched
/// only when those of its own change.
#[component]
fn NodeShape(
    scene: Memo<Scene>,
    fades: Memo<Vec<u8>>,
    id: u16,
    role: Role,
    selected: RwSignal<Option<u16>>,
) -> impl IntoView {
    let node = Memo::new(move |_| scene.with(|s| s.nodes.get(&id).cloned()));
    let is_selected = Memo::new(move |_| selected.get() == Some(id));
    let fade = Memo::new(move |_| fades.with(|f| f.get(usize::from(id)).copied().unwrap_or(0)));
    let field =
        move |f: fn(&scene::SceneNode) -> Option<String>| node.with(|n| n.as_ref().and_then(f));
    let transform =
        move || field(|n| Some(format!("transform:translate({:.1}px,{:.1}px)", n.x, n.y)));
    let class = move || {
        let mut c = format!("mesh-node {}", role.as_str());
        node.with(|n| {
            if let Some(n) = n {
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
        });
        if is_selected.get() {
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
                {move || node.with(|n| n.as_ref().and_then(|n| n.cost).map_or("?".to_string(), |c| c.to_string()))}
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
            opacity=move || format!("{:.2}", scene::step_opacity(fade.get()))
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

/// Nodes merged into one path per class (past
/// [`scene::NODE_ELEMENT_LIMIT`]), and a ring around the selected one.
#[component]
fn CompactNodes(
    scene: Memo<Scene>,
    fades: Memo<Vec<u8>>,
    selected: RwSignal<Option<u16>>,
) -> impl IntoView {
    let paths = Memo::new(move |_| scene.with(|s| fades.with(|f| scene::merge_nodes(s, f))));
    let ring = move || {
        let id = selected.get()?;
        scene.with(|s| {
            s.nodes
                .get(&id)
                .map(|n| format!("transform:translate({:.1}px,{:.1}px)", n.x, n.y))
        })
    };
    view! {
        <For
            each=move || paths.with(|p| p.iter().map(|m| (m.role, m.state, m.fade)).collect::<Vec<_>>())
            key=|k| *k
            let:k
        >
            {
                let (role, state, fade) = k;
                let field = move |f: fn(&scene::MergedNodes) -> String| {
                    paths.with(|p| {
                        p.iter()
                            .find(|m| (m.role, m.state, m.fade) == k)
                            .map(f)
                            .unwrap_or_default()
                    })
                };
                view! {
                    <path
                        class=format!("mesh-dots {} {state}", role.as_str())
                        data-testid="mesh-nodes"
                        data-role=role.as_str()
                        data-orphan=(state == "orphan").then_some("true")
                        data-nodes=move || field(|m| m.ids.clone())
                        d=move || field(|m| m.d.clone())
                        opacity=format!("{:.2}", scene::step_opacity(fade))
                    ></path>
                }
            }
        </For>
        <Show when=move || ring().is_some()>
            <circle class="mesh-pick" r=19 style=ring></circle>
        </Show>
    }
}

/// A sensor group ("412 sensors"); a click shows its sensors one by one.
#[component]
fn GroupShape(scene: Memo<Scene>, anchor: u16, expanded: RwSignal<VecSet<u16>>) -> impl IntoView {
    let group =
        Memo::new(move |_| scene.with(|s| s.groups.get(&anchor).map(|g| (g.x, g.y, g.count))));
    let count = move || group.get().map_or(0, |g| g.2);
    let expand = move || {
        expanded.update(|e| {
            e.insert(anchor);
        })
    };
    view! {
        <g
            class="mesh-group"
            style=move || group.get().map(|(x, y, _)| format!("transform:translate({x:.1}px,{y:.1}px)"))
            data-testid="mesh-group"
            data-anchor=anchor.to_string()
            data-count=move || count().to_string()
            tabindex="0"
            role="button"
            aria-label=move || format!("{} sensors delivered by {}: show them", count(), hex_id(anchor))
            on:click=move |_| expand()
            on:keydown=move |e| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    expand();
                }
            }
        >
            <title>{move || format!("{} sensors delivered by {} (click to show them)", count(), hex_id(anchor))}</title>
            <rect class="mesh-shape" x=-24 y=-9 width=48 height=18 rx=9></rect>
            <text class="mesh-glyph" text-anchor="middle" dy="0.35em">{move || scene::thousands(count())}</text>
            <text class="mesh-label" text-anchor="middle" y=21>"sensors"</text>
        </g>
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
}

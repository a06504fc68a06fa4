//! The mesh page's SVG drawing of a [`Scene`]: band backgrounds, links
//! (one element each, or merged into one path per class), nodes (one group
//! each, or merged), sensor groups; panned by a drag, zoomed by a pinch,
//! the wheel or the +/−/Fit buttons ([`super::zoom`]).

use iotdata::receiver::{EdgeKind, Role};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::pan_zoom::{PanZoom, ZoomButtons};
use super::scene::{self, EdgeLook, Scene};
use super::{hex_id, rssi_hue};
use crate::vecmap::VecSet;

/// The SVG drawing: bands, links, nodes and groups. In a compact drawing
/// a click picks the nearest node.
#[component]
pub fn MeshGraph(
    scene: Memo<Scene>,
    fades: Memo<Vec<u8>>,
    looks: Memo<Vec<EdgeLook>>,
    selected: RwSignal<Option<u16>>,
    expanded: RwSignal<VecSet<u16>>,
) -> impl IntoView {
    let merged = Memo::new(move |_| scene.with(Scene::merged));
    let compact = Memo::new(move |_| scene.with(Scene::compact));
    let pz = PanZoom::new(scene);
    pz.listen();
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
        let hit = pz
            .at(f64::from(e.client_x()), f64::from(e.client_y()))
            .and_then(|(_, (x, y), ..)| scene.with_untracked(|s| scene::node_at(s, x, y)));
        if let Some(id) = hit {
            selected.update(|s| *s = if *s == Some(id) { None } else { Some(id) });
        }
    };

    view! {
        <ZoomButtons pz=pz />
        <div class="mesh-scroll" tabindex="0" role="region" aria-label="Mesh graph (drag to pan; pinch, wheel or the buttons to zoom)">
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
                viewBox=move || pz.view_box()
                role="group"
                aria-label="Mesh topology graph"
                node_ref=pz.svg
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
    let ctx = crate::ctx::use_ctx();
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
            data-restored=move || {
                ctx.live.mesh_rev.track();
                ctx.live.with(|s| s.node_restored(id)).then_some("true")
            }
            data-follows-orphan=move || field(|n| n.follows_orphan.then(|| "true".to_string()))
            data-route-error=move || field(|n| n.route_error.map(str::to_string))
            tabindex="0"
            role="button"
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

//! `#/mesh`: the mesh topology graph, from the receiver's [`Topology`]
//! (BEACONs, NEIGHBOUR_REPORTs, FORWARDs, ROUTE_ERRORs).
//!
//! An SVG ([`graph`]) drawn from [`crate::mesh_layout`]: one tree per gateway, side by side,
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
//! The drawing pans (drag) and zooms (pinch, wheel, the +/−/Fit buttons;
//! [`zoom`]). "Node table" shows every node as a table ([`table`]: the
//! keyboard and screen reader alternative to the drawing).
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
//! `data-testid="mesh-panel"` for the side panel; `data-testid="mesh-zoom-in"`,
//! `mesh-zoom-out`, `mesh-zoom-fit` (buttons), `mesh-toggle-table` (the
//! node table's checkbox), the table's hooks ([`table`]), and
//! `data-testid="mesh-source"` the source picker.
//!
//! Each source has its own mesh (its own receiver: node ids of two sites
//! would collide in one graph), so the page shows one source's mesh at a
//! time: the first that delivered anything, or the one picked in the
//! source picker (shown when several sources delivered). The map's mesh
//! links follow the same choice.

pub mod graph;
pub mod legend;
pub mod pan_zoom;
pub mod panel;
pub mod scene;
pub mod table;
pub mod zoom;

use crate::vecmap::VecSet;

use iotdata::receiver::Role;
use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::mesh_layout::Layout;
use crate::views::widgets::{PanelHead, SourceSelect, Toggle};
use graph::MeshGraph;
use legend::Legend;
use panel::NodePanel;
use scene::{MeshOptions, Scene};
use table::NodeTable;

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
    let show_table = RwSignal::new(false);
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
    // Each source has its own mesh (its own receiver): the graph shows one.
    let source = RwSignal::new(None::<u8>);
    Effect::new(move |first: Option<()>| {
        let src = source.get();
        if first.is_some() {
            layout.update_value(Layout::reset);
            live.set_mesh_source(src);
        }
    });

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
                    <SourceSelect value=source label="Source" testid="mesh-source" all="first to deliver" />
                    <Toggle testid="mesh-toggle-sensors" label="Sensors" value=show_sensors />
                    <Toggle testid="mesh-toggle-neighbours" label="Neighbour links" value=show_neighbours />
                    <Toggle
                        testid="mesh-toggle-via"
                        label="All delivery paths"
                        value=all_via
                        title="Every node that delivered a sensor's packets, not only the one it hangs under"
                    />
                    <Toggle
                        testid="mesh-toggle-table"
                        label="Node table"
                        value=show_table
                        title="Every node as a table: role, parent, links, last heard"
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
                <Show when=move || show_table.get()>
                    <NodeTable selected=selected />
                </Show>
            </section>
            {move || {
                selected.get().map(|id| view! { <NodePanel id=id selected=selected /> })
            }}
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

//! The map (Leaflet through leptos-leaflet): one marker per sensor station
//! with a known (cached by the receiver) position, coloured by freshness; a
//! click opens a popup with the latest readings and a link to the station.
//! It fits to the data as positions appear until the user pans or zooms
//! (then only the Fit button does). The tile URL comes from the settings
//! (default OpenStreetMap; an invalid template draws no tiles:
//! [`crate::tiles`]). Markers are drawn above a plain background, so
//! they still show when tiles cannot load (offline, blocked).
//!
//! The station markers are circles on one canvas ([`super::map_layer`]),
//! updated once per animation frame with only what changed
//! ([`super::map_markers`]): 4,095 stations cost one `<canvas>`, and a
//! packet touches at most its own station's marker.
//!
//! A toggle ("mesh links", remembered) draws the receiver's topology edges
//! where both ends have a position (received, or the node's known
//! installation position: see [`crate::store::Store::node_position`]):
//! parent links solid, neighbour links dashed, deliveries (via) dotted, and
//! gateways / relays as small squares.
//!
//! Test hooks: `data-testid="map-marker-count"` holds the number of drawn
//! station markers (its `data-positioned` the number of stations with a
//! position in the store); the hidden `data-testid="map-markers"` list has
//! one `data-testid="station-marker"` entry per drawn marker (see
//! [`super::map_layer`]); the open popup is `data-testid="map-popup"` with
//! `data-station`. Mesh node markers have `data-testid="map-node"`, mesh
//! link paths the class `map-link <kind>`.

use leptos::html::Div;
use leptos::prelude::*;
use leptos_leaflet::leaflet;
use leptos_leaflet::prelude::*;
use wasm_bindgen::JsValue;

use super::map_layer::MarkerLayer;
use super::map_markers::{drawable, marker_states, MAX_MARKER_CHANGES_PER_FRAME};
use super::widgets::Toggle;
use crate::ctx::{use_ctx, Ctx};
use crate::fmt::format_number;
use crate::store::{battery_level, headline, Store};
use iotdata::receiver::{EdgeKind, Role};

/// localStorage key of the "mesh links" toggle.
pub const LINKS_KEY: &str = "iotdata.map.links";

/// Positions of the stations that have one (drawable ones only).
fn positions(s: &Store) -> impl Iterator<Item = (f64, f64)> + '_ {
    s.stations()
        .filter_map(|st| st.position)
        .map(|p| (p.position.latitude, p.position.longitude))
        .filter(|&(lat, lon)| drawable(lat, lon))
}

/// Number of stations with a (drawable) position.
pub fn positioned_count(s: &Store) -> usize {
    positions(s).count()
}

type Bounds = ((f64, f64), (f64, f64));

/// The bounding box of stations with a position.
pub fn bounds_of(s: &Store) -> Option<Bounds> {
    let mut it = positions(s);
    let first = it.next()?;
    Some(it.fold((first, first), |((a, b), (c, d)), (lat, lon)| {
        ((a.min(lat), b.min(lon)), (c.max(lat), d.max(lon)))
    }))
}

fn fit(map: &leaflet::Map, b: Bounds) {
    // The container may have been resized by the layout since Leaflet
    // measured it; fitting with a stale size puts markers off-screen.
    map.invalidate_size(false);
    let ((s, w), (n, e)) = b;
    let bounds =
        leaflet::LatLngBounds::new(&leaflet::LatLng::new(s, w), &leaflet::LatLng::new(n, e));
    let opts = js_sys::Object::new();
    // More room at the bottom: the overlay and the attribution sit there.
    let tl = js_sys::Array::of2(&JsValue::from(30), &JsValue::from(30));
    let br = js_sys::Array::of2(&JsValue::from(30), &JsValue::from(80));
    let _ = js_sys::Reflect::set(&opts, &"paddingTopLeft".into(), &tl);
    let _ = js_sys::Reflect::set(&opts, &"paddingBottomRight".into(), &br);
    let _ = js_sys::Reflect::set(&opts, &"maxZoom".into(), &JsValue::from(13));
    // Repeated fits while data streams in must not fight an animation.
    let _ = js_sys::Reflect::set(&opts, &"animate".into(), &JsValue::FALSE);
    map.fit_bounds_with_options(&bounds, &opts);
}

/// Most mesh links drawn on the map (parent links first, then neighbour,
/// then delivery links); the legend says how many more there are.
pub const MAX_MAP_LINKS: usize = 2_000;

/// A mesh link to draw: `(kind, from, to, from position, to position)`.
pub type MapLink = (EdgeKind, u16, u16, (f64, f64), (f64, f64));

/// The links drawn, and how many more are not.
type DrawnLinks = (Vec<MapLink>, usize);

/// A relay or gateway to draw: `(id, role, position)`.
pub type MapNode = (u16, Role, (f64, f64));

/// Topology edges whose ends both have a position (one per unordered pair
/// and kind: a parent edge hides the neighbour edges of the same pair).
pub fn map_links(s: &Store) -> Vec<MapLink> {
    let mut seen = crate::vecmap::VecSet::new();
    let mut edges = s.receiver().edges();
    crate::vecmap::sort_by(&mut edges, |a, b| {
        (a.kind, a.from, a.to).cmp(&(b.kind, b.from, b.to))
    });
    let mut out = Vec::new();
    for e in edges {
        let pair = (e.from.min(e.to), e.from.max(e.to));
        if !seen.insert(pair) {
            continue;
        }
        if let (Some(a), Some(b)) = (s.node_position(e.from), s.node_position(e.to)) {
            out.push((e.kind, e.from, e.to, a, b));
        }
    }
    out
}

/// Gateways and relays with a position: `(id, role, position)`.
pub fn map_nodes(s: &Store) -> Vec<MapNode> {
    s.receiver()
        .topology()
        .nodes()
        .filter(|n| n.role != Role::Sensor)
        .filter_map(|n| Some((n.id, n.role, s.node_position(n.id)?)))
        .collect()
}

fn load_links_toggle() -> bool {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|st| st.get_item(LINKS_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

fn save_links_toggle(on: bool) {
    if let Some(st) = window().local_storage().ok().flatten() {
        let _ = st.set_item(LINKS_KEY, if on { "1" } else { "0" });
    }
}

/// The map with station markers (and mesh links behind a toggle).
#[component]
pub fn StationMap(#[prop(into, optional)] class: String) -> impl IntoView {
    let ctx = use_ctx();
    let (map, set_map) = signal_local::<Option<leaflet::Map>>(None);
    let user_moved = StoredValue::new(false);
    let links_on = RwSignal::new(load_links_toggle());
    // The station whose popup is open.
    let selected = RwSignal::new(None::<u16>);
    let list = NodeRef::<leptos::html::Ul>::new();
    let popup = NodeRef::<Div>::new();
    // Stations with a position (store).
    let positioned = Memo::new(move |_| {
        ctx.live.stations_rev.track();
        ctx.live.with(positioned_count)
    });
    let (drawn, placed) = marker_layer(ctx, map, list, popup, selected);
    auto_fit(ctx, map, drawn, user_moved);
    let touched = move || user_moved.set_value(true);
    let fit_now = move |_| {
        map.with_untracked(|m| {
            if let (Some(m), Some(b)) = (m, ctx.live.with(bounds_of)) {
                fit(m, b);
            }
        })
    };
    let (links, nodes) = mesh_links(ctx, links_on, placed);

    view! {
        <div
            class=format!("map-wrap {class}")
            on:pointerdown=move |_| touched()
            on:wheel=move |_| touched()
        >
            <MapContainer
                class="leaflet-host"
                center=Position::new(48.0, 8.0)
                zoom=4.0
                set_view=true
                map=set_map
            >
                <crate::tiles::Tiles />
                <For
                    each=move || links.with(|l| l.0.clone())
                    key=|l| (l.0, l.1, l.2, (l.3.0 * 1e6) as i64, (l.4.0 * 1e6) as i64)
                    let:l
                >
                    <MapLinkLine link=l />
                </For>
                <For each=move || nodes.get() key=|n| (n.0, n.1.as_str()) let:n>
                    <NodeMarker id=n.0 role=n.1 at=n.2 />
                </For>
            </MapContainer>
            <crate::tiles::TilesProblem />
            <ul class="map-marker-list" hidden data-testid="map-markers" node_ref=list></ul>
            <StationPopup selected=selected node=popup />
            <div class="map-overlay">
                <span
                    class="muted small"
                    title="station markers drawn"
                    data-testid="map-marker-count"
                    data-positioned=move || positioned.get().to_string()
                >
                    {move || drawn.get()}
                </span>
                <span class="muted small">" with a position"</span>
                <Toggle
                    label="mesh links"
                    value=links_on
                    testid="map-links-toggle"
                    title="draw the mesh topology where both ends have a position"
                    small=true
                    on_change=save_links_toggle
                />
                <button class="btn small" on:click=fit_now>
                    "Fit"
                </button>
            </div>
            <Show when=move || links_on.get()>
                <LinksLegend hidden=Signal::derive(move || links.with(|l| l.1)) />
            </Show>
        </div>
    }
}

/// The map's leaflet handle (set once the map is mounted).
type MapHandle = ReadSignal<Option<leaflet::Map>, LocalStorage>;

/// The station markers: a [`MarkerLayer`] created once the map and the
/// hidden list exist, synced with the store at most once per animation
/// frame ([`MAX_MARKER_CHANGES_PER_FRAME`] changes each), its popup
/// following `selected`. Returns the markers drawn and a count bumped
/// whenever markers are added, moved or removed.
fn marker_layer(
    ctx: Ctx,
    map: MapHandle,
    list: NodeRef<leptos::html::Ul>,
    popup: NodeRef<Div>,
    selected: RwSignal<Option<u16>>,
) -> (RwSignal<usize>, RwSignal<u64>) {
    let layer = StoredValue::new_local(None::<MarkerLayer>);
    let drawn = RwSignal::new(0usize);
    let placed = RwSignal::new(0u64);
    // Bumped by an animation frame while changes remain over the budget.
    let again = RwSignal::new(0u64);
    let frame_asked = StoredValue::new(false);
    // The layer, once the map and the hidden list exist.
    Effect::new(move |_| {
        let (Some(list), true) = (list.get(), layer.with_value(Option::is_none)) else {
            return;
        };
        map.with(|m| {
            let Some(m) = m else { return };
            let select = move |id: Option<u16>| {
                if id.is_some() || selected.try_get_untracked().flatten().is_some() {
                    selected.try_set(id);
                }
            };
            match MarkerLayer::new(m, list.into(), select) {
                Ok(l) => layer.set_value(Some(l)),
                Err(e) => leptos::logging::warn!("map markers: {e:?}"),
            }
        });
    });
    // Once per animation frame at most (the store's revisions are): the
    // markers the store calls for, applied as changes within the budget.
    Effect::new(move |_| {
        ctx.live.stations_rev.track();
        again.track();
        let now = ctx.clock.get();
        let sel = selected.get();
        map.track();
        let next = ctx.live.with(|s| marker_states(s, now, sel));
        let Some((more, n, p)) = layer
            .try_update_value(|l| {
                l.as_mut().map(|l| {
                    let more = l.sync(next, MAX_MARKER_CHANGES_PER_FRAME);
                    (more, l.count(), l.placements())
                })
            })
            .flatten()
        else {
            return;
        };
        if drawn.get_untracked() != n {
            drawn.set(n);
        }
        if placed.get_untracked() != p {
            placed.set(p);
        }
        if more && !frame_asked.get_value() {
            frame_asked.set_value(true);
            request_animation_frame(move || {
                frame_asked.try_set_value(false);
                again.try_update(|v| *v += 1);
            });
        }
    });
    // The popup follows the selection.
    Effect::new(move |_| {
        let sel = selected.get();
        let Some(content) = popup.get() else { return };
        let content: JsValue = content.into();
        layer.update_value(|l| {
            if let Some(l) = l {
                l.show_popup(sel, &content);
            }
        });
    });
    on_cleanup(move || {
        // Removes the markers from the map.
        layer.try_update_value(Option::take);
    });
    (drawn, placed)
}

/// Fits the map to the stations as positions appear (and once more after
/// the layout settled), until the user moves the map.
fn auto_fit(ctx: Ctx, map: MapHandle, drawn: RwSignal<usize>, user_moved: StoredValue<bool>) {
    let auto_fit = move || {
        // (May run after the view is gone: `try_` everything.)
        let _ = map.try_with_untracked(|m| {
            if let (Some(m), Some(false)) = (m, user_moved.try_get_value()) {
                if let Some(b) = ctx.live.with(bounds_of) {
                    fit(m, b);
                }
            }
        });
    };
    let bounds = Memo::new(move |_| {
        drawn.track();
        ctx.live.with(bounds_of)
    });
    Effect::new(move |_| {
        let b = bounds.get();
        if map.with(Option::is_some) && b.is_some() {
            auto_fit();
            set_timeout(auto_fit, std::time::Duration::from_millis(400));
        }
    });
}

/// The mesh links to draw (at most [`MAX_MAP_LINKS`]: parent links
/// first) with how many more there are, and the relays and gateways, while
/// `links_on`.
fn mesh_links(
    ctx: Ctx,
    links_on: RwSignal<bool>,
    placed: RwSignal<u64>,
) -> (Memo<DrawnLinks>, Memo<Vec<MapNode>>) {
    let links = Memo::new(move |_| {
        if !links_on.get() {
            return (Vec::new(), 0);
        }
        ctx.live.topology_rev.track();
        placed.track();
        let mut all = ctx.live.with(map_links);
        let hidden = all.len().saturating_sub(MAX_MAP_LINKS);
        all.truncate(MAX_MAP_LINKS);
        (all, hidden)
    });
    let nodes = Memo::new(move |_| {
        if !links_on.get() {
            return Vec::new();
        }
        ctx.live.topology_rev.track();
        ctx.live.with(map_nodes)
    });
    (links, nodes)
}

/// The key of the link lines, and how many links are not drawn.
#[component]
fn LinksLegend(hidden: Signal<usize>) -> impl IntoView {
    view! {
        <div class="map-legend small">
            <span class="lg parent">"parent"</span>
            <span class="lg neighbour">"neighbour"</span>
            <span class="lg via">"delivered via"</span>
            {move || {
                let hidden = hidden.get();
                (hidden > 0)
                    .then(|| {
                        view! {
                            <span class="muted" data-testid="map-links-hidden">
                                {format!("{hidden} more links not drawn")}
                            </span>
                        }
                    })
            }}
        </div>
    }
}

/// One mesh link.
#[component]
fn MapLinkLine(link: MapLink) -> impl IntoView {
    let (kind, from, to, a, b) = link;
    let (color, weight, dash) = match kind {
        EdgeKind::Parent => ("#2b6cb0", 3.5, ""),
        EdgeKind::Neighbour => ("#718096", 1.5, "6 5"),
        EdgeKind::Via => ("#38a169", 1.5, "2 5"),
    };
    let positions = vec![Position::new(a.0, a.1), Position::new(b.0, b.1)];
    view! {
        <Polyline
            positions=positions
            color=color
            weight=weight
            opacity=0.85
            dash_array=dash
            interactive=false
            class_name=format!("map-link {} l-{from}-{to}", kind.as_str())
        />
    }
}

// leaflet 0.5 binds `DivIcon::new` to `new L.Icon(...)` (needs an iconUrl),
// so the div icon comes from Leaflet's own factory here.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    fn div_icon(options: &JsValue) -> leaflet::Icon;
}

fn icon(class: &str, size: i32) -> leaflet::Icon {
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    };
    set("className", JsValue::from_str(class));
    set(
        "iconSize",
        js_sys::Array::of2(&size.into(), &size.into()).into(),
    );
    set(
        "iconAnchor",
        js_sys::Array::of2(&(size / 2).into(), &(size / 2).into()).into(),
    );
    set("html", JsValue::from_str(""));
    div_icon(&opts.into())
}

fn marker_element(marker: &leaflet::Marker) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(marker, &"_icon".into())
        .ok()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// A gateway or relay at its known position (drawn with the mesh links).
#[component]
fn NodeMarker(id: u16, role: Role, at: (f64, f64)) -> impl IntoView {
    let map_ctx = use_leaflet_context().expect("NodeMarker inside MapContainer");
    let marker = StoredValue::new_local(None::<leaflet::Marker>);
    Effect::new(move |_| {
        let Some(map) = map_ctx.map() else {
            return;
        };
        if marker.with_value(Option::is_some) {
            return;
        }
        let opts = leaflet::MarkerOptions::new();
        opts.set_icon(icon(&format!("map-node {}", role.as_str()), 10));
        opts.set_title(format!("{} {id} (0x{id:03x})", role.as_str()));
        opts.set_z_index_offset(-1000.0);
        let m = leaflet::Marker::new_with_options(&leaflet::LatLng::new(at.0, at.1), &opts);
        m.add_to(&map);
        if let Some(el) = marker_element(&m) {
            let _ = el.set_attribute("data-testid", "map-node");
            let _ = el.set_attribute("data-node", &id.to_string());
            let _ = el.set_attribute("data-role", role.as_str());
        }
        marker.set_value(Some(m));
    });
    on_cleanup(move || {
        marker.with_value(|m| {
            if let Some(m) = m {
                m.remove();
            }
        });
    });
}

/// Popup lines of a station: variant, battery, readings.
fn popup_lines(ctx: Ctx, id: u16) -> Vec<String> {
    ctx.live.with(|s| {
        let Some(st) = s.station(id) else {
            return Vec::new();
        };
        let mut v = vec![s.variant_name(st)];
        if let Some(b) = battery_level(st) {
            v.push(format!("battery: {} %", format_number(b)));
        }
        v.extend(
            headline(st, 6)
                .into_iter()
                .map(|(k, val)| format!("{k}: {val}")),
        );
        v
    })
}

/// The content of the station popup (the selected station's readings and a
/// link to its page), rendered in a hidden holder until the marker layer
/// moves it into Leaflet's popup.
#[component]
fn StationPopup(selected: RwSignal<Option<u16>>, node: NodeRef<Div>) -> impl IntoView {
    let ctx = use_ctx();
    let lines = move || {
        let id = selected.get()?;
        ctx.live.station_rev(id).track();
        Some((id, popup_lines(ctx, id)))
    };
    view! {
        <div class="map-popup-holder" hidden>
            <div
                class="popup"
                data-testid="map-popup"
                data-station=move || selected.get().map(|k| crate::store::key_id(k).to_string())
                node_ref=node
            >
                {move || {
                    lines()
                        .map(|(key, lines)| {
                            let id = crate::store::key_id(key);
                            view! {
                                <strong>{format!("Station {id} (0x{id:03x})")}</strong>
                                <ul>{lines.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                                <a href=crate::router::station_href(key)>"Open station"</a>
                            }
                        })
                }}
            </div>
        </div>
    }
}

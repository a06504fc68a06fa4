//! The map (Leaflet through leptos-leaflet): one marker per station with a
//! known (cached) position, coloured by freshness, a popup with the latest
//! readings and a link to the station; fits to the data once, and on demand.
//! The tile URL comes from the settings (default OpenStreetMap). Markers live
//! in Leaflet's marker pane above a plain background, so they still show when
//! tiles cannot load (offline, blocked).
//!
//! Test hook: each station's marker element (`.leaflet-marker-icon`) has
//! `data-testid="station-marker"`, `data-station="<decimal id>"`,
//! `data-freshness` and the classes `station-marker st-<id>
//! <fresh|late|stale>`; its title is `Station <id>`.

use leptos::prelude::*;
use leptos_leaflet::leaflet;
use leptos_leaflet::prelude::*;
use wasm_bindgen::JsValue;

use crate::app::use_ctx;
use crate::settings::DEFAULT_TILE_URL;

/// Ids of stations with a position.
fn positioned(ctx: crate::app::Ctx) -> Vec<u16> {
    ctx.live.stations_rev.track();
    ctx.live.with(|s| {
        s.stations()
            .filter(|st| st.position.is_some())
            .map(|st| st.id)
            .collect()
    })
}

fn bounds_of(ctx: crate::app::Ctx) -> Option<((f64, f64), (f64, f64))> {
    ctx.live.with(|s| {
        let mut it = s.stations().filter_map(|st| st.position);
        let first = it.next()?;
        Some(it.fold((first, first), |((a, b), (c, d)), (lat, lon)| {
            ((a.min(lat), b.min(lon)), (c.max(lat), d.max(lon)))
        }))
    })
}

fn fit(map: &leaflet::Map, b: ((f64, f64), (f64, f64))) {
    // The container may have been resized by the layout since Leaflet
    // measured it; fitting with a stale size puts markers off-screen.
    map.invalidate_size(false);
    let ((s, w), (n, e)) = b;
    let bounds =
        leaflet::LatLngBounds::new(&leaflet::LatLng::new(s, w), &leaflet::LatLng::new(n, e));
    let opts = js_sys::Object::new();
    let pad = js_sys::Array::of2(&JsValue::from(40), &JsValue::from(40));
    let _ = js_sys::Reflect::set(&opts, &"padding".into(), &pad);
    let _ = js_sys::Reflect::set(&opts, &"maxZoom".into(), &JsValue::from(13));
    // Repeated fits while data streams in must not fight an animation.
    let _ = js_sys::Reflect::set(&opts, &"animate".into(), &JsValue::FALSE);
    map.fit_bounds_with_options(&bounds, &opts);
}

/// The map with station markers.
#[component]
pub fn StationMap(#[prop(into, optional)] class: String) -> impl IntoView {
    let ctx = use_ctx();
    let (map, set_map) = signal_local::<Option<leaflet::Map>>(None);
    // Fit to the data whenever stations with a position appear, until the
    // user pans or zooms the map themselves (then only the Fit button does).
    let user_moved = StoredValue::new(false);
    let count = Memo::new(move |_| positioned(ctx).len());
    Effect::new(move |_| {
        let n = count.get();
        map.with(|m| {
            if let (Some(m), false, true) = (m, user_moved.get_value(), n > 0) {
                if let Some(b) = bounds_of(ctx) {
                    fit(m, b);
                }
            }
        });
    });
    let touched = move || user_moved.set_value(true);
    let fit_now = move |_| {
        map.with_untracked(|m| {
            if let (Some(m), Some(b)) = (m, bounds_of(ctx)) {
                fit(m, b);
            }
        })
    };

    view! {
        <div class=format!("map-wrap {class}") on:pointerdown=move |_| touched() on:wheel=move |_| touched()>
            <MapContainer
                class="leaflet-host"
                center=Position::new(48.0, 8.0)
                zoom=4.0
                set_view=true
                map=set_map
            >
                {move || {
                    let url = ctx.settings.with(|s| s.tile_url.clone());
                    let attribution = if url == DEFAULT_TILE_URL {
                        "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
                    } else {
                        ""
                    };
                    view! { <TileLayer url=url attribution=attribution /> }
                }}
                <For each=move || positioned(ctx) key=|id| *id let:id>
                    <StationMarker id=id />
                </For>
            </MapContainer>
            <div class="map-overlay">
                <span class="muted small">{move || format!("{} with a position", count.get())}</span>
                <button class="btn small" on:click=fit_now>
                    "Fit"
                </button>
            </div>
        </div>
    }
}

// leaflet 0.5 binds `DivIcon::new` to `new L.Icon(...)` (needs an iconUrl),
// so the div icon comes from Leaflet's own factory here.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    fn div_icon(options: &JsValue) -> leaflet::Icon;
}

fn station_icon(id: u16) -> leaflet::Icon {
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    };
    set(
        "className",
        JsValue::from_str(&format!("station-marker st-{id}")),
    );
    set(
        "iconSize",
        js_sys::Array::of2(&14.into(), &14.into()).into(),
    );
    set(
        "iconAnchor",
        js_sys::Array::of2(&7.into(), &7.into()).into(),
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

/// A station marker: a Leaflet div-icon marker whose element carries
/// `data-testid="station-marker"`, `data-station` and the freshness class;
/// its child `Popup` binds to it through leptos-leaflet's overlay context.
#[component]
fn StationMarker(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let pos = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| s.station(id).and_then(|st| st.position))
    });
    let freshness = Memo::new(move |_| {
        let now = ctx.clock.get();
        rev.track();
        ctx.live
            .with(|s| s.station(id).map(|st| st.freshness(now).as_str()))
            .unwrap_or("stale")
    });
    let readings = move || {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .map(|st| {
                    st.headline(6)
                        .into_iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    let map_ctx = use_leaflet_context().expect("StationMarker inside MapContainer");
    let overlay = extend_context_with_overlay();
    let marker = StoredValue::new_local(None::<leaflet::Marker>);

    // Create the marker once the map exists.
    Effect::new(move |_| {
        let Some(map) = map_ctx.map() else {
            return;
        };
        if marker.with_value(Option::is_some) {
            return;
        }
        let Some((lat, lon)) = pos.get_untracked() else {
            return;
        };
        let opts = leaflet::MarkerOptions::new();
        opts.set_icon(station_icon(id));
        opts.set_title(format!("Station {id}"));
        opts.set_keyboard(true);
        let m = leaflet::Marker::new_with_options(&leaflet::LatLng::new(lat, lon), &opts);
        m.add_to(&map);
        if let Some(el) = marker_element(&m) {
            let _ = el.set_attribute("data-testid", "station-marker");
            let _ = el.set_attribute("data-station", &id.to_string());
        }
        overlay.set_container(&m);
        marker.set_value(Some(m));
    });
    // Follow position and freshness without re-creating the element.
    Effect::new(move |_| {
        let p = pos.get();
        let f = freshness.get();
        marker.with_value(|m| {
            let Some(m) = m else { return };
            if let Some((lat, lon)) = p {
                m.set_lat_lng(&leaflet::LatLng::new(lat, lon));
            }
            if let Some(el) = marker_element(m) {
                let cl = el.class_list();
                for c in ["fresh", "late", "stale"] {
                    let _ = if c == f { cl.add_1(c) } else { cl.remove_1(c) };
                }
                let _ = el.set_attribute("data-freshness", f);
            }
        });
    });
    on_cleanup(move || {
        marker.with_value(|m| {
            if let Some(m) = m {
                m.remove();
            }
        });
    });

    view! {
        <Popup>
            <div class="popup">
                <strong>{format!("Station {id}")}</strong>
                <ul>
                    {move || readings().into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
                <a href=format!("#/station/{id}")>"Open station"</a>
            </div>
        </Popup>
    }
}

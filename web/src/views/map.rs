//! The map (Leaflet through leptos-leaflet): one marker per station with a
//! known (cached) position, coloured by freshness, a popup with the latest
//! readings and a link to the station; fits to the data once, and on demand.
//! The tile URL comes from the settings (default OpenStreetMap). Markers live
//! in Leaflet's marker pane above a plain background, so they still show when
//! tiles cannot load (offline, blocked).
//!
//! Test hook: each station's marker element has the classes
//! `leaflet-marker-icon station-marker st-<id> <fresh|late|stale>` and the
//! title `Station <id>`.

use leptos::prelude::*;
use leptos_leaflet::leaflet;
use leptos_leaflet::prelude::*;
use wasm_bindgen::JsValue;

use crate::app::use_ctx;
use crate::settings::DEFAULT_TILE_URL;

/// Ids of stations with a position.
fn positioned(ctx: crate::app::Ctx) -> Vec<u16> {
    ctx.live.stations_rev.track();
    ctx.live
        .with(|s| s.stations().filter(|st| st.position.is_some()).map(|st| st.id).collect())
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
    let ((s, w), (n, e)) = b;
    let bounds = leaflet::LatLngBounds::new(&leaflet::LatLng::new(s, w), &leaflet::LatLng::new(n, e));
    let opts = js_sys::Object::new();
    let pad = js_sys::Array::of2(&JsValue::from(40), &JsValue::from(40));
    let _ = js_sys::Reflect::set(&opts, &"padding".into(), &pad);
    let _ = js_sys::Reflect::set(&opts, &"maxZoom".into(), &JsValue::from(13));
    map.fit_bounds_with_options(&bounds, &opts);
}

/// The map with station markers.
#[component]
pub fn StationMap(#[prop(into, optional)] class: String) -> impl IntoView {
    let ctx = use_ctx();
    let (map, set_map) = signal_local::<Option<leaflet::Map>>(None);
    let fitted = StoredValue::new(false);
    let count = Memo::new(move |_| positioned(ctx).len());

    // Fit to the data the first time positions are known.
    Effect::new(move |_| {
        let n = count.get();
        map.with(|m| {
            if let (Some(m), false, true) = (m, fitted.get_value(), n > 0) {
                if let Some(b) = bounds_of(ctx) {
                    fit(m, b);
                    fitted.set_value(true);
                }
            }
        });
    });
    let fit_now = move |_| {
        map.with_untracked(|m| {
            if let (Some(m), Some(b)) = (m, bounds_of(ctx)) {
                fit(m, b);
            }
        })
    };

    view! {
        <div class=format!("map-wrap {class}")>
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

#[component]
fn StationMarker(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let pos = Memo::new(move |_| {
        rev.track();
        ctx.live
            .with(|s| s.station(id).and_then(|st| st.position))
            .unwrap_or((0.0, 0.0))
    });
    let class = Memo::new(move |_| {
        let now = ctx.clock.get();
        rev.track();
        let f = ctx
            .live
            .with(|s| s.station(id).map(|st| st.freshness(now).as_str()))
            .unwrap_or("stale");
        Some(format!("station-marker st-{id} {f}"))
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
    let position = Signal::derive_local(move || {
        let (lat, lon) = pos.get();
        Position::new(lat, lon)
    });
    view! {
        <Marker
            position=position
            icon_class=class
            icon_size=Some((14.0, 14.0))
            icon_anchor=Some((7.0, 7.0))
            title=format!("Station {id}")
        >
            <Popup>
                <div class="popup">
                    <strong>{format!("Station {id}")}</strong>
                    <ul>
                        {move || readings().into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                    <a href=format!("#/station/{id}")>"Open station"</a>
                </div>
            </Popup>
        </Marker>
    }
}

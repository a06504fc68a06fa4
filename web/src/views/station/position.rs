//! The station page's position panel: the last reported position and a
//! small Leaflet map following it.

use leptos_leaflet::leaflet;
use leptos_leaflet::prelude::{MapContainer, Position};
use wasm_bindgen::JsValue;

use super::*;

/// The last reported position, with the map when there is one.
#[component]
pub(super) fn PositionPanel(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let now = ctx.clock;
    let position = ctx.live.station_memo(id, move |s| {
        s.station(id).and_then(|st| {
            st.position
                .map(|p| (p.position.latitude, p.position.longitude, p.at_ms as f64))
        })
    });
    view! {
        <div class="panel st-map-panel">
            <h3>"Position"</h3>
            {move || match position.get() {
                Some((lat, lon, at)) => view! {
                    <p class="small">
                        <span class="mono">{format!("{lat:.5}, {lon:.5}")}</span>
                        <span class="muted">{move || format!(" · reported {}", relative_time(now.get() - at))}</span>
                    </p>
                }.into_any(),
                None => view! { <p class="muted small">"No position reported."</p> }.into_any(),
            }}
            <Show when=move || position.with(Option::is_some)>
                <StationMiniMap id=id />
            </Show>
        </div>
    }
}

// leaflet 0.5 binds circle markers; options go in as a plain object.
fn circle_marker(lat: f64, lon: f64) -> leaflet::CircleMarker {
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    };
    set("radius", 8.into());
    set("color", "#ffffff".into());
    set("weight", 2.into());
    set("fillColor", "#2f6fdb".into());
    set("fillOpacity", JsValue::from_f64(0.9));
    set("className", "st-position-marker".into());
    leaflet::CircleMarker::new_with_options(&leaflet::LatLng::new(lat, lon), &opts.into())
}

/// A small map centred on the station's last known position, following it.
#[component]
fn StationMiniMap(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let pos = ctx.live.station_memo(id, move |s| {
        s.station(id)
            .and_then(|st| st.position)
            .map(|p| (p.position.latitude, p.position.longitude))
    });
    let (lat0, lon0) = pos.get_untracked().unwrap_or((0.0, 0.0));
    let (map, set_map) = signal_local::<Option<leaflet::Map>>(None);
    let marker = StoredValue::new_local(None::<leaflet::CircleMarker>);
    Effect::new(move |_| {
        let p = pos.get();
        map.with(|m| {
            let (Some(m), Some((lat, lon))) = (m, p) else {
                return;
            };
            let ll = leaflet::LatLng::new(lat, lon);
            marker.update_value(|mk| match mk {
                Some(mk) => mk.set_lat_lng(&ll),
                None => {
                    let c = circle_marker(lat, lon);
                    c.add_to(m);
                    *mk = Some(c);
                }
            });
            m.invalidate_size(false);
            m.pan_to(&ll);
        });
    });
    on_cleanup(move || {
        marker.with_value(|m| {
            if let Some(m) = m {
                m.remove();
            }
        })
    });
    view! {
        <div class="st-map">
            <MapContainer
                class="leaflet-host"
                center=Position::new(lat0, lon0)
                zoom=13.0
                set_view=true
                map=set_map
            >
                <crate::tiles::Tiles />
            </MapContainer>
            <crate::tiles::TilesProblem />
        </div>
    }
}

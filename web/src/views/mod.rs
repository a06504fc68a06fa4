//! Views, one file each. They read the store through [`crate::store::Live`]
//! and render untrusted strings (topics, TLV text, JSON) only as text nodes.

pub mod alerts;
pub mod bitgrid;
pub mod chart;
pub mod connection_bar;
pub mod gallery;
pub mod inspector;
pub mod link_note;
pub mod map;
pub mod map_layer;
pub mod map_markers;
pub mod memory_panel;
pub mod mesh;
pub mod packet_log;
pub mod settings_panel;
pub mod station;
pub mod station_order;
pub mod stations;
pub mod thumbnail;
pub mod tlv_panel;
pub mod virtual_list;
pub mod widgets;

use leptos::prelude::*;

/// `#/`: the stations table beside the map, the latest packets below.
pub fn overview() -> impl IntoView {
    view! {
        <div class="overview">
            <section class="panel stations-panel">
                <stations::StationsTable />
            </section>
            <section class="panel map-panel">
                <map::StationMap class="map" />
            </section>
            <section class="panel log-panel">
                <packet_log::PacketLog limit=100 compact=true />
            </section>
        </div>
    }
}

/// "12 s ago", "3 min ago", "2 h ago", "4 d ago".
pub fn relative_time(age_ms: f64) -> String {
    let s = (age_ms / 1000.0).max(0.0) as u64;
    let (n, unit) = match s {
        0..60 => (s, "s"),
        60..3600 => (s / 60, "min"),
        3600..86_400 => (s / 3600, "h"),
        _ => (s / 86_400, "d"),
    };
    format!("{n} {unit} ago")
}

/// Local wall-clock time `HH:MM:SS` of a timestamp (browser only).
pub fn clock_time(t_ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t_ms));
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel() {
        assert_eq!(relative_time(1500.0), "1 s ago");
        assert_eq!(relative_time(125_000.0), "2 min ago");
        assert_eq!(relative_time(-5.0), "0 s ago");
    }
}

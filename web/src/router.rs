//! Hash routes: `#/` (overview), `#/map`, `#/log`, `#/inspector`,
//! `#/station/42`, `#/mesh`, `#/gallery`, `#/alerts`, and `#hex=…` (the inspector with a
//! frame: shareable).
//!
//! Hash routing keeps the app a set of static files (`trunk serve`, any file
//! server) with no server-side rewrites.

use leptos::prelude::*;

/// Longest `hex=` value taken from a link, in characters (before
/// percent-decoding): the inspector's 4,096 bytes with room for a
/// separator per byte. The rest of a longer value is ignored, unread; the
/// inspector then says the frame was cut.
pub const MAX_LINK_HEX_CHARS: usize = 16 * 1024;

/// The first [`MAX_LINK_HEX_CHARS`] characters of a link's hex value,
/// percent-decoded (a `%xx` escape split by the cut is dropped).
pub fn link_hex(raw: &str) -> String {
    let mut end = raw.len().min(MAX_LINK_HEX_CHARS);
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = &raw[..end];
    if end < raw.len() {
        if let Some(p) = cut
            .get(cut.len().saturating_sub(2)..)
            .and_then(|t| t.rfind('%'))
        {
            cut = &cut[..cut.len().saturating_sub(2) + p];
        }
    }
    crate::settings::percent_decode(cut)
}

/// A page of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Stations table and map.
    Overview,
    /// Full-size map.
    Map,
    /// Packet log.
    Log,
    /// Hex inspector, optionally with a frame.
    Inspector {
        /// Hex from `#hex=…` / `#/inspector?hex=…`.
        hex: Option<String>,
    },
    /// One station: `#/station/<decimal id>` (the first source that has
    /// it) or `#/station/<source number>/<decimal id>`.
    Station(Option<u8>, u16),
    /// Mesh topology graph.
    Mesh,
    /// Latest image thumbnails.
    Gallery,
    /// Alerts and their rules.
    Alerts,
    /// Anything else.
    NotFound(String),
}

impl Route {
    /// The hash for this route.
    pub fn href(&self) -> String {
        match self {
            Route::Overview => "#/".into(),
            Route::Map => "#/map".into(),
            Route::Log => "#/log".into(),
            Route::Inspector { hex: None } => "#/inspector".into(),
            Route::Inspector { hex: Some(h) } => format!("#hex={h}"),
            Route::Station(None, id) => format!("#/station/{id}"),
            Route::Station(Some(src), id) => format!("#/station/{src}/{id}"),
            Route::Mesh => "#/mesh".into(),
            Route::Gallery => "#/gallery".into(),
            Route::Alerts => "#/alerts".into(),
            Route::NotFound(s) => format!("#{s}"),
        }
    }

    /// Which nav entry is active.
    pub fn nav_key(&self) -> &'static str {
        match self {
            Route::Overview | Route::Station(..) | Route::NotFound(_) => "overview",
            Route::Map => "map",
            Route::Log => "log",
            Route::Inspector { .. } => "inspector",
            Route::Mesh => "mesh",
            Route::Gallery => "gallery",
            Route::Alerts => "alerts",
        }
    }
}

/// Parses `location.hash` (with or without the `#`).
pub fn parse_hash(hash: &str) -> Route {
    let h = hash.strip_prefix('#').unwrap_or(hash);
    if let Some(hex) = h.strip_prefix("hex=") {
        return Route::Inspector {
            hex: Some(link_hex(hex)),
        };
    }
    let (path, query) = h.split_once('?').unwrap_or((h, ""));
    let path = path.trim_end_matches('/');
    match path {
        "" => Route::Overview,
        "/map" => Route::Map,
        "/log" => Route::Log,
        "/mesh" => Route::Mesh,
        "/gallery" => Route::Gallery,
        "/alerts" => Route::Alerts,
        "/inspector" => {
            let q = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("hex="))
                .map(link_hex);
            Route::Inspector { hex: q }
        }
        p => match p.strip_prefix("/station/").and_then(station_path) {
            Some((src, id)) => Route::Station(src, id),
            None => Route::NotFound(h.to_string()),
        },
    }
}

/// `<id>` or `<source>/<id>` of a station route (id below 4096, source
/// number below [`crate::store::SOURCE_SLOTS`]).
fn station_path(p: &str) -> Option<(Option<u8>, u16)> {
    let (src, id) = match p.split_once('/') {
        Some((s, id)) => (Some(s.parse::<u8>().ok()?), id),
        None => (None, p),
    };
    let id = id.parse::<u16>().ok().filter(|id| *id < 4096)?;
    match src {
        Some(s) if usize::from(s) >= crate::store::SOURCE_SLOTS => None,
        _ => Some((src, id)),
    }
}

/// The link of the station with key `key` ([`crate::store::station_key`]):
/// `#/station/<id>` for the first source, `#/station/<source>/<id>` else.
pub fn station_href(key: u16) -> String {
    let (src, id) = (crate::store::key_source(key), crate::store::key_id(key));
    Route::Station((src != 0).then_some(src), id).href()
}

/// The current route as a signal, following `hashchange`.
pub fn use_route() -> ReadSignal<Route> {
    let current = || {
        window()
            .location()
            .hash()
            .map(|h| parse_hash(&h))
            .unwrap_or(Route::Overview)
    };
    let (route, set_route) = signal(current());
    let handle = window_event_listener(leptos::ev::hashchange, move |_| set_route.set(current()));
    on_cleanup(move || handle.remove());
    route
}

/// Replaces the hash without adding a history entry or firing `hashchange`.
pub fn replace_hash(hash: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(parse_hash(""), Route::Overview);
        assert_eq!(parse_hash("#/"), Route::Overview);
        assert_eq!(parse_hash("#/station/42"), Route::Station(None, 42));
        assert_eq!(parse_hash("#/station/1/42"), Route::Station(Some(1), 42));
        assert!(matches!(parse_hash("#/station/99/42"), Route::NotFound(_)));
        assert!(matches!(parse_hash("#/station/x/42"), Route::NotFound(_)));
        assert_eq!(
            station_href(crate::store::station_key(2, 7)),
            "#/station/2/7"
        );
        assert_eq!(station_href(7), "#/station/7");
        assert_eq!(
            parse_hash("#/station/5000"),
            Route::NotFound("/station/5000".into())
        );
        assert_eq!(
            parse_hash("#hex=00%202a"),
            Route::Inspector {
                hex: Some("00 2a".into())
            }
        );
        assert_eq!(parse_hash("#/inspector"), Route::Inspector { hex: None });
        assert_eq!(parse_hash("#/map"), Route::Map);
        assert_eq!(parse_hash("#/mesh"), Route::Mesh);
        assert_eq!(parse_hash("#/gallery/"), Route::Gallery);
        assert_eq!(Route::Mesh.href(), "#/mesh");
    }

    #[test]
    fn link_hex_is_bounded() {
        let long = format!("#hex={}", "ab".repeat(200_000));
        let Route::Inspector { hex: Some(h) } = parse_hash(&long) else {
            panic!("inspector route");
        };
        assert_eq!(h.len(), MAX_LINK_HEX_CHARS);
        let q = format!("#/inspector?hex={}&map=x", "0".repeat(50_000));
        let Route::Inspector { hex: Some(h) } = parse_hash(&q) else {
            panic!("inspector route");
        };
        assert_eq!(h.len(), MAX_LINK_HEX_CHARS);
        // A split escape at the cut is dropped, not decoded as text.
        let pad = "a".repeat(MAX_LINK_HEX_CHARS - 2);
        assert_eq!(link_hex(&format!("{pad}%20bb")), pad);
        assert_eq!(link_hex(&format!("{pad}b%20b")), format!("{pad}b"));
        assert_eq!(link_hex("00%202a"), "00 2a");
    }
}

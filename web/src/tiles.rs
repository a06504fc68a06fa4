//! Map tile URL templates: validation, and the tile layer that uses only a
//! valid one.
//!
//! A template is `http://` or `https://` with placeholders from
//! [`TILE_PLACEHOLDERS`] only (Leaflet throws on any other placeholder, from
//! inside its own event handlers, for every tile it asks for). An invalid
//! template draws no tiles: the map keeps its plain background and says why
//! ([`TilesProblem`]); it is never persisted (see
//! [`crate::settings::Settings::to_persisted`]).
//!
//! Test hook: `data-testid="tiles-problem"` holds the message.

use leptos::prelude::*;
use leptos_leaflet::prelude::TileLayer;

use crate::ctx::use_ctx;
use crate::settings::DEFAULT_TILE_URL;

/// Longest tile URL template accepted, bytes.
pub const MAX_TILE_URL_BYTES: usize = 2048;
/// The placeholders a template may use: subdomain, zoom, column, row,
/// retina suffix.
pub const TILE_PLACEHOLDERS: [&str; 5] = ["s", "z", "x", "y", "r"];

/// Checks a tile URL template. The error is a plain sentence for the user.
pub fn check_tile_template(template: &str) -> Result<(), String> {
    let t = template.trim();
    if t.len() > MAX_TILE_URL_BYTES {
        return Err(format!(
            "the tile URL is longer than {MAX_TILE_URL_BYTES} bytes"
        ));
    }
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &t[8..]
    } else if lower.starts_with("http://") {
        &t[7..]
    } else {
        return Err("the tile URL must start with http:// or https://".into());
    };
    if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
        return Err("the tile URL has no host".into());
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the tile URL contains a space or a control character".into());
    }
    let allowed = || {
        TILE_PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut tail = rest;
    while let Some(i) = tail.find(['{', '}']) {
        if tail[i..].starts_with('}') {
            return Err("the tile URL has a '}' without a '{'".into());
        }
        let after = &tail[i + 1..];
        let Some(end) = after
            .find(['{', '}'])
            .filter(|&e| after[e..].starts_with('}'))
        else {
            return Err("the tile URL has a '{' without a '}'".into());
        };
        let name = &after[..end];
        if !TILE_PLACEHOLDERS.contains(&name) {
            let shown: String = name.chars().take(40).collect();
            return Err(format!(
                "the tile URL has the placeholder {{{shown}}}; only {} are allowed",
                allowed()
            ));
        }
        tail = &after[end + 1..];
    }
    Ok(())
}

/// The map's tile layer from the settings: drawn only for a valid template
/// (nothing otherwise; [`TilesProblem`] says why). Place inside a
/// `MapContainer`.
#[component]
pub fn Tiles() -> impl IntoView {
    let ctx = use_ctx();
    let url = Memo::new(move |_| ctx.settings.with(|s| s.tile_url.trim().to_string()));
    move || {
        let url = url.get();
        check_tile_template(&url).ok().map(|()| {
            let attribution = if url == DEFAULT_TILE_URL {
                "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
            } else {
                ""
            };
            view! { <TileLayer url=url attribution=attribution /> }
        })
    }
}

/// A plain line saying why the map draws no tiles (nothing when the
/// template is valid).
#[component]
pub fn TilesProblem() -> impl IntoView {
    let ctx = use_ctx();
    let problem = Memo::new(move |_| {
        ctx.settings
            .with(|s| check_tile_template(&s.tile_url).err())
    });
    move || {
        problem.get().map(|p| {
            view! {
                <p class="tiles-problem warn small" data-testid="tiles-problem" role="status">
                    {format!("Map tiles off: {p}. Showing the plain background; fix the tile URL in Settings.")}
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_templates() {
        assert_eq!(check_tile_template(DEFAULT_TILE_URL), Ok(()));
        assert_eq!(
            check_tile_template("https://{s}.tile.example/{z}/{x}/{y}{r}.png?k=1"),
            Ok(())
        );
        assert!(check_tile_template("https://host/{foo}/{z}/{x}/{y}.png")
            .unwrap_err()
            .contains("{foo}"));
        assert!(check_tile_template("javascript:alert(1)//{z}").is_err());
        assert!(check_tile_template("ftp://host/{z}/{x}/{y}").is_err());
        assert!(check_tile_template("https:///{z}").is_err());
        assert!(check_tile_template("https://h/{z").is_err());
        assert!(check_tile_template("https://h/z}").is_err());
        assert!(check_tile_template("https://h/{{z}}").is_err());
        assert!(check_tile_template("https://h/{ z }").is_err());
        assert!(check_tile_template("https://h/{-y}").is_err());
        assert!(check_tile_template("https://h/a b/{z}").is_err());
        let long = format!("https://h/{}", "a".repeat(MAX_TILE_URL_BYTES));
        assert!(check_tile_template(&long).is_err());
        // Multi-byte text never splits a character.
        assert!(check_tile_template("ü").is_err());
        assert!(check_tile_template("https://hé/{ü}").is_err());
    }
}

//! The inspector: paste a frame as hex and it decodes as you type.
//!
//! Hex is read by the codec's tolerant rule ([`iotdata::hex`]: whitespace,
//! `:` `,` `-` `_` `;` separators, `0x` prefixes). The output: a header (variant and its name, station in decimal
//! and hex, sequence, size, warnings), every field in native units, the TLVs
//! as structured data, image thumbnails, mesh control packets (a FORWARD's
//! inner packet decoded too), the canonical JSON (pretty-printed, with a
//! Copy button), the bit-level dump as a table and a bit grid with linked
//! hover ([`super::bitgrid`]), and errors explained with their kind, bit
//! offset and field, the dump shown up to the error.
//!
//! The typed text is never rewritten or cleared by the page. The shareable
//! URL follows it (debounced): `#hex=<lowercase hex>` (the router also reads
//! `#/inspector?hex=…`); an empty or non-hex text gives `#/inspector`.
//!
//! Test hooks: `data-testid="inspector-input"` (the textarea),
//! `data-testid="inspector-json"` (the canonical JSON text, present only when
//! the frame decoded), `data-testid="inspector-error"` (present only on
//! error, with the kind in `data-kind`: the codec's `short`, `truncated`,
//! `variant_reserved`, `variant_unknown`, `malformed`, or `hex` for text that
//! is not hex).
//!
//! Everything untrusted (TLV text, labels from loaded maps) is rendered as
//! text nodes, never as HTML.
//!
//! Files: `mod.rs` (the page, the map choice, the share link),
//! `model.rs` (the display model), `analyse.rs` (text → model),
//! `frame_view.rs` (header, error, fields, dump), `tlvs.rs` and
//! `mesh_packet.rs` (their rows and views), `json.rs` (the JSON box).

use std::time::Duration;

use iotdata::frame::{self, Frame};
use iotdata::image::Image;
use iotdata::mesh::{self, MeshBody, MeshPacket};
use iotdata::tlv::{self, KvContent, Tlv, TlvData, TlvValue};
use iotdata::{DecodeOptions, DumpEntry, FieldValue, Packet, VariantMap};
use leptos::prelude::*;

use super::bitgrid::BitDump;
use super::thumbnail::{describe, Thumbnail};
use crate::decode::Failure;
use crate::fmt;
use crate::maps::{builtin_choices, MapChoice, Maps};
use crate::router::replace_hash;

mod analyse;
mod frame_view;
mod json;
mod mesh_packet;
mod model;
#[cfg(test)]
mod tests;
mod tlvs;

use analyse::*;
pub use analyse::{analyse, inspect};
use frame_view::*;
pub use json::pretty_json;
use json::*;
use mesh_packet::*;
pub use model::*;
use tlvs::*;

/// Decoding mode: lenient, like the dashboard (an unknown variant is
/// decoded with variant 0's layout and flagged).
pub const OPTIONS: DecodeOptions = DecodeOptions::LENIENT;
/// How long typing must pause before the URL follows the text.
pub const URL_DEBOUNCE_MS: u64 = 300;
/// FORWARD packets nested deeper than this are not expanded.
const MAX_DEPTH: usize = frame::MAX_FORWARD_DEPTH;
/// Longest frame the inspector reads, in bytes: longer input is cut to its
/// first bytes and said plainly ([`limit_text`]); the rest of the text is
/// not parsed.
pub const MAX_INSPECT_BYTES: usize = 4096;
/// TLV entries shown (a 255-byte frame holds at most this many); the
/// rest are counted.
pub const MAX_TLV_ROWS: usize = iotdata::tlv::MAX_JSON_TLVS;

/// "frame longer than 4096 bytes: first 4096 shown".
pub fn limit_text() -> String {
    format!("frame longer than {MAX_INSPECT_BYTES} bytes: first {MAX_INSPECT_BYTES} shown")
}

/// The first [`MAX_INSPECT_BYTES`] bytes of hex text, and whether more
/// followed.
pub fn parse_bounded(text: &str) -> Result<(Vec<u8>, bool), iotdata::hex::HexError> {
    iotdata::hex::decode_prefix(text, MAX_INSPECT_BYTES)
}

/// The `map=` parameter of the current URL's hash (`#/inspector?hex=…&map=…`).
fn map_from_url() -> String {
    let hash = window().location().hash().unwrap_or_default();
    hash.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("map="))
        .map(crate::settings::percent_decode)
        .unwrap_or_default()
}

/// The map to decode with: the one picked by `key`, or the active map
/// (empty key, or a key that is not there).
fn resolve_map(maps: Option<Maps>, builtins: &[MapChoice], key: &str) -> VariantMap {
    let find = |c: &[MapChoice]| c.iter().find(|c| c.key == key).map(|c| c.map.clone());
    match maps {
        Some(m) => (!key.is_empty())
            .then(|| m.choices.with(|c| find(c)))
            .flatten()
            .unwrap_or_else(|| m.current.get()),
        None => find(builtins).unwrap_or_else(|| builtins[0].map.clone()),
    }
}

/// The inspector page; `initial` is the text to start with (from the URL).
/// The variant map is the dashboard's active map unless another one is
/// picked here (`map=<key>` in the URL).
#[component]
pub fn Inspector(#[prop(into, optional)] initial: String) -> impl IntoView {
    let maps = use_context::<crate::ctx::Ctx>().map(|c| c.maps);
    let builtins = StoredValue::new(if maps.is_some() {
        Vec::new()
    } else {
        builtin_choices()
    });
    // "" = follow the dashboard's active map.
    let pick = RwSignal::new(map_from_url());
    let map = Memo::new(move |_| {
        let key = pick.get();
        builtins.with_value(|b| resolve_map(maps, b, &key))
    });
    let text = RwSignal::new(initial.clone());
    let result = Memo::new(move |_| map.with(|m| text.with(|t| inspect(t, m))));

    // The URL follows the text and the map, debounced; a pending update is
    // dropped when the page goes away (it must not overwrite the next route).
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(h) = pending.try_get_value().flatten() {
            h.clear();
        }
    });
    let schedule_url = move || {
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let h = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                let hash = text.with_untracked(|t| pick.with_untracked(|k| share_hash(t, k)));
                replace_hash(&hash);
            },
            Duration::from_millis(URL_DEBOUNCE_MS),
        );
        pending.set_value(h.ok());
    };
    let on_input = move |e: leptos::ev::Event| {
        text.set(event_target_value(&e));
        schedule_url();
    };
    let on_map = move |e: leptos::ev::Event| {
        pick.set(event_target_value(&e));
        schedule_url();
    };
    let options = move || {
        let key = pick.get();
        let (active_label, choices) = match maps {
            Some(m) => {
                let active = m.active.get();
                let choices = m.choices.get();
                let label = choices
                    .iter()
                    .find(|c| c.key == active)
                    .map(|c| c.label.clone())
                    .unwrap_or_default();
                (Some(label), choices)
            }
            None => (None, builtins.get_value()),
        };
        let active = active_label.map(|l| {
            view! { <option value="" selected=key.is_empty()>{format!("active: {l}")}</option> }
        });
        let rest = choices
            .into_iter()
            .map(|c| {
                let selected = c.key == key;
                view! { <option value=c.key selected=selected>{c.label}</option> }
            })
            .collect_view();
        view! {
            {active}
            {rest}
        }
    };

    let size_note = move || {
        result.with(|r| match r {
            Inspection::Frame(a) => format!(
                "{}{} bytes · {} bits",
                if a.cut { "first " } else { "" },
                a.bytes.len(),
                a.bytes.len() * 8
            ),
            Inspection::Hex { .. } => "not hex".into(),
            Inspection::Empty => String::new(),
        })
    };

    let body = move || {
        result.with(|r| match r {
            Inspection::Empty => view! {
                <p class="muted insp-empty">
                    "Paste a frame as hex to decode it: sensor packets and mesh control packets. "
                    "Spaces, 0x prefixes, colons and newlines are fine."
                </p>
            }
            .into_any(),
            Inspection::Hex { message } => view! {
                <div class="error-box" data-testid="inspector-error" data-kind="hex">
                    <span class="badge error">"hex"</span>
                    " "
                    <strong>"Not hex: "</strong>
                    {message.clone()}
                </div>
            }
            .into_any(),
            Inspection::Frame(a) => analysis_view(a).into_any(),
        })
    };

    view! {
        <section class="panel inspector">
            <div class="panel-head">
                <h2>"Inspector"</h2>
                <span class="muted small mono">{size_note}</span>
                <label class="muted small insp-map">
                    "Variant map "
                    <select on:change=on_map data-testid="inspector-map">
                        {options}
                    </select>
                </label>
            </div>
            <textarea
                data-testid="inspector-input"
                class="hex-input mono"
                rows="3"
                spellcheck="false"
                autocomplete="off"
                placeholder="Paste a frame as hex, e.g. 00 2a c3 50 bf …  (spaces, 0x, colons and newlines are fine)"
                prop:value=initial
                on:input=on_input
            ></textarea>
            {body}
        </section>
    }
}

/// The hash that shares `text` decoded with map `map_key` ("" = the active
/// map): `#hex=<hex>`, or `#/inspector?hex=<hex>&map=<key>` when a map is
/// picked; the bare inspector route when the text is not a frame.
pub fn share_hash(text: &str, map_key: &str) -> String {
    match parse_bounded(text).map(|(b, _)| b) {
        Ok(b) if !b.is_empty() && map_key.is_empty() => {
            format!("#hex={}", iotdata::hex::encode(&b))
        }
        Ok(b) if !b.is_empty() => format!(
            "#/inspector?hex={}&map={}",
            iotdata::hex::encode(&b),
            crate::settings::percent_encode(map_key)
        ),
        _ if map_key.is_empty() => "#/inspector".to_string(),
        _ => format!(
            "#/inspector?map={}",
            crate::settings::percent_encode(map_key)
        ),
    }
}

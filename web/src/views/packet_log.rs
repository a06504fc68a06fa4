//! The packet log: newest first, bounded (the store keeps 2,000 entries),
//! pause, filter by station and kind, export as NDJSON or CSV
//! ([`crate::export`]). Clicking a row with a frame opens it
//! in the inspector (`#hex=…`). Topics and summaries are rendered as text.
//!
//! Test hook: `data-testid="packet-row"` with `data-kind` = `sensor`, `mesh`,
//! `unrecognised`, `error` or `oversize` (and `data-station` when known).

use leptos::prelude::*;

use crate::app::use_ctx;
use crate::decode::EntryKind;
use crate::router::Route;
use crate::store::LogEntry;
use crate::views::clock_time;

/// Whether an entry passes the filters (`station` is decimal or `0x` hex and
/// matches the outer station or a FORWARDed origin; other text matches the
/// topic; empty = any; `kind` empty = any).
pub fn entry_matches(e: &LogEntry, station: &str, kind: &str) -> bool {
    if !kind.is_empty() && e.kind.as_str() != kind {
        return false;
    }
    let station = station.trim();
    if station.is_empty() {
        return true;
    }
    let wanted = match station.strip_prefix("0x") {
        Some(h) => u16::from_str_radix(h, 16).ok(),
        None => station.parse::<u16>().ok(),
    };
    match wanted {
        Some(w) => e.concerns(w),
        None => e.topic.contains(station),
    }
}

/// The log table. `limit` caps the rows shown (the overview shows 100).
#[component]
pub fn PacketLog(
    #[prop(optional)] limit: Option<usize>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let ctx = use_ctx();
    let paused = RwSignal::new(false);
    let station = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let frozen = StoredValue::new(Vec::<LogEntry>::new());
    let limit = limit.unwrap_or(crate::store::LOG_CAPACITY);

    let rows = Memo::new(move |_| {
        let st = station.get();
        let k = kind.get();
        if paused.get() {
            // Filters still apply to what was on screen when paused.
            return frozen.with_value(|v| {
                v.iter()
                    .filter(|e| entry_matches(e, &st, &k))
                    .cloned()
                    .collect::<Vec<_>>()
            });
        }
        ctx.live.log_rev.track();
        let v: Vec<LogEntry> = ctx.live.with(|s| {
            s.log()
                .filter(|e| entry_matches(e, &st, &k))
                .take(limit)
                .cloned()
                .collect()
        });
        frozen.set_value(ctx.live.with(|s| s.log().take(limit).cloned().collect()));
        v
    });
    let total = move || {
        ctx.live.log_rev.track();
        ctx.live.with(|s| s.log_len())
    };
    let pending = move || {
        if !paused.get() {
            return None;
        }
        ctx.live.log_rev.track();
        let newest = frozen.with_value(|v| v.first().map(|e| e.id));
        let n = ctx
            .live
            .with(|s| s.log().take_while(|e| Some(e.id) != newest).count());
        Some(format!("paused · {n} new"))
    };

    view! {
        <div class="panel-head">
            <h2>"Packets " <span class="count">{total}</span></h2>
            <input
                class="filter small-input"
                type="search"
                placeholder="station or topic"
                aria-label="filter by station or topic"
                data-testid="log-filter-station"
                prop:value=station
                on:input=move |e| station.set(event_target_value(&e))
            />
            <select
                class="filter"
                aria-label="filter by kind"
                data-testid="log-filter-kind"
                on:change=move |e| kind.set(event_target_value(&e))
            >
                <option value="">"all kinds"</option>
                {EntryKind::ALL
                    .iter()
                    .map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> })
                    .collect_view()}
            </select>
            <button
                class="btn small"
                class:active=move || paused.get()
                data-testid="log-pause"
                aria-pressed=move || paused.get().to_string()
                on:click=move |_| paused.update(|p| *p = !*p)
            >
                {move || if paused.get() { "Resume" } else { "Pause" }}
            </button>
            <span class="muted small">{pending}</span>
            <Show when=move || !compact>
                <button
                    class="btn small"
                    data-testid="log-export-ndjson"
                    title="the log as NDJSON: canonical JSON + receive time + topic, one line per packet"
                    on:click=move |_| crate::export::download_log_ndjson(&ctx)
                >
                    "NDJSON"
                </button>
                <button
                    class="btn small"
                    data-testid="log-export-csv"
                    title="the log as CSV"
                    on:click=move |_| crate::export::download_log_csv(&ctx)
                >
                    "CSV"
                </button>
                <button class="btn small" on:click=move |_| ctx.live.clear()>
                    "Clear"
                </button>
            </Show>
        </div>
        <div class="table-wrap">
            <table class="log">
                <thead>
                    <tr>
                        <th>"Time"</th>
                        <th>"Kind"</th>
                        <th>"Station"</th>
                        <th>"Topic"</th>
                        <th class="num">"Size"</th>
                        <th>"Summary"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|e| e.id let:e>
                        <LogRow entry=e />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn LogRow(entry: LogEntry) -> impl IntoView {
    let kind = entry.kind.as_str();
    let station = entry.station.map(|s| s.to_string()).unwrap_or_default();
    let href = entry
        .frame_hex()
        .map(|h| Route::Inspector { hex: Some(h) }.href());
    let clickable = href.is_some();
    let open = {
        let href = href.clone();
        move |ev: leptos::ev::MouseEvent| {
            // Links inside the row (station) keep their own target.
            let on_link = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .and_then(|el| el.closest("a").ok().flatten())
                .is_some();
            if let (Some(h), false) = (&href, on_link) {
                let _ = window().location().set_hash(h);
            }
        }
    };
    let origin = entry
        .origin
        .filter(|o| Some(*o) != entry.station)
        .map(|o| view! { " → " <a href=format!("#/station/{o}")>{o}</a> });
    let title = if clickable {
        "open in the inspector"
    } else {
        ""
    };
    view! {
        <tr
            data-testid="packet-row"
            data-kind=kind
            data-station=station
            class=format!("kind-{kind}")
            class:clickable=clickable
            class:dup=entry.duplicate
            title=title
            on:click=open
        >
            <td class="mono">{clock_time(entry.rx_ms)}</td>
            <td>
                <span class=format!("badge {kind}")>{kind}</span>
            </td>
            <td class="num">
                {entry.station.map(|s| {
                    // Mesh packets come from relays and gateways: their
                    // node in the mesh graph; sensor packets: the station.
                    let href = if entry.kind == EntryKind::Mesh {
                        format!("#/mesh?node={s}")
                    } else {
                        format!("#/station/{s}")
                    };
                    view! { <a href=href>{s}</a> }
                })}
                {origin}
            </td>
            <td class="topic mono">{entry.topic.to_string()}</td>
            <td class="num">{entry.size}</td>
            <td class="summary">
                {entry.summary}
                {href.map(|h| view! { " " <a class="inspect" href=h>"inspect"</a> })}
            </td>
        </tr>
    }
}

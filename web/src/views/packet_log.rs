//! The packet log: newest first, bounded (the store keeps 2,000 entries),
//! pause, filter by station and kind, export as NDJSON or CSV
//! ([`crate::export`]). Clicking a row with a frame opens it
//! in the inspector (`#hex=…`). Topics and summaries are rendered as text.
//!
//! Only the rows in view (plus a margin, at least
//! [`crate::views::virtual_list::MIN_WINDOW_ROWS`], or [`COMPACT_LOG_ROWS`]
//! in the overview's compact log) are in the DOM.
//!
//! Test hook: `data-testid="packet-row"` (the rendered rows) with
//! `data-kind` = `sensor`, `mesh`, `unrecognised`, `error` or `oversize`
//! (and `data-station` when known).

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::decode::EntryKind;
use crate::router::{station_href, Route};
use crate::store::{station_key, LogEntry};
use crate::views::clock_time;
use crate::views::virtual_list::{SpacerRow, Viewport};
use crate::views::widgets::{PanelHead, SearchBox};

/// The log filters, parsed once: a station (decimal or `0x` hex; matches
/// the outer station or a FORWARDed origin) or else topic text, and a kind
/// (empty = any).
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    kind: String,
    station: Option<u16>,
    topic: String,
}

impl LogFilter {
    /// Parses the filter box (`station`) and the kind select (`kind`).
    pub fn new(station: &str, kind: &str) -> LogFilter {
        let text = station.trim();
        let wanted = match text.strip_prefix("0x") {
            Some(h) => u16::from_str_radix(h, 16).ok(),
            None => text.parse::<u16>().ok(),
        };
        LogFilter {
            kind: kind.to_string(),
            station: wanted,
            topic: if wanted.is_some() {
                String::new()
            } else {
                text.to_string()
            },
        }
    }

    /// Whether `e` passes.
    pub fn matches(&self, e: &LogEntry) -> bool {
        if !self.kind.is_empty() && e.kind.as_str() != self.kind {
            return false;
        }
        match self.station {
            Some(w) => e.concerns(w),
            None => self.topic.is_empty() || e.topic.contains(self.topic.as_str()),
        }
    }
}

/// Whether an entry passes the filters (`station` is decimal or `0x` hex and
/// matches the outer station or a FORWARDed origin; other text matches the
/// topic; empty = any; `kind` empty = any).
pub fn entry_matches(e: &LogEntry, station: &str, kind: &str) -> bool {
    LogFilter::new(station, kind).matches(e)
}

/// The table follows the log at most this often (ms): at thousands of
/// packets a second every row would be new at every frame, faster than
/// anyone reads; the count in the heading follows every frame.
pub const LOG_REFRESH_MS: f64 = 200.0;

/// Rows the overview's compact log renders at least: its scroll container
/// is at most 340 px high (`.log-panel .table-wrap` in `style/main.css`),
/// 13 rows of [`crate::views::virtual_list::ROW_HEIGHT_PX`], plus the
/// overscan on both sides. Every refresh replaces these rows at thousands
/// of packets a second, so fewer rows cost less layout and paint.
pub const COMPACT_LOG_ROWS: usize = 32;

/// A revision that follows `source` at most every [`LOG_REFRESH_MS`]: at
/// once after a quiet spell, else when the interval is up.
fn throttled(source: RwSignal<u64>) -> RwSignal<u64> {
    let out = RwSignal::new(source.get_untracked());
    let last = StoredValue::new(f64::NEG_INFINITY);
    let waiting = StoredValue::new(false);
    Effect::new(move |_| {
        source.track();
        let now = js_sys::Date::now();
        let due = last.get_value() + LOG_REFRESH_MS;
        if now >= due {
            last.set_value(now);
            out.set(source.get_untracked());
        } else if !waiting.get_value() {
            waiting.set_value(true);
            let wait = std::time::Duration::from_millis((due - now).max(0.0) as u64);
            set_timeout(
                move || {
                    // The view may be gone by now: every access is `try_`.
                    waiting.try_update_value(|w| *w = false);
                    last.try_update_value(|l| *l = js_sys::Date::now());
                    if let Some(rev) = source.try_get_untracked() {
                        out.try_set(rev);
                    }
                },
                wait,
            );
        }
    });
    out
}

/// The log table. `limit` caps the rows (the overview shows 100); only the
/// rows in view are in the DOM ([`crate::views::virtual_list`]).
#[component]
pub fn PacketLog(
    #[prop(optional)] limit: Option<usize>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let ctx = use_ctx();
    let paused = RwSignal::new(false);
    let station = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    // What was on screen when paused, newest first.
    let frozen = StoredValue::new(Vec::<LogEntry>::new());
    let limit = limit.unwrap_or(crate::store::LOG_CAPACITY);
    let vp = if compact {
        Viewport::with_min_rows(COMPACT_LOG_ROWS)
    } else {
        Viewport::new()
    };
    let log_rev = throttled(ctx.live.log_rev);

    let ids = Memo::new(move |_| {
        let f = station.with(|st| kind.with(|k| LogFilter::new(st, k)));
        if paused.get() {
            // Filters still apply to what was on screen when paused.
            return frozen.with_value(|v| {
                v.iter()
                    .filter(|e| f.matches(e))
                    .map(|e| e.id)
                    .collect::<Vec<_>>()
            });
        }
        log_rev.track();
        ctx.live.with(|s| {
            s.log()
                .filter(|e| f.matches(e))
                .take(limit)
                .map(|e| e.id)
                .collect()
        })
    });
    let win = Memo::new(move |_| ids.with(|v| vp.shown(v)));
    // The entries of the window (from the snapshot while paused).
    let entries = move || {
        let ids = win.with(|w| w.ids.clone());
        if paused.get_untracked() {
            frozen.with_value(|v| {
                ids.iter()
                    .filter_map(|id| {
                        let i = v.binary_search_by(|e| id.cmp(&e.id)).ok()?;
                        v.get(i).cloned()
                    })
                    .collect::<Vec<_>>()
            })
        } else {
            ctx.live.with(|s| {
                ids.iter()
                    .filter_map(|id| s.log_entry(*id).cloned())
                    .collect::<Vec<_>>()
            })
        }
    };
    let toggle_pause = move |_: leptos::ev::MouseEvent| {
        if !paused.get_untracked() {
            frozen.set_value(ctx.live.with(|s| s.log().take(limit).cloned().collect()));
        }
        paused.update(|p| *p = !*p);
    };
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
            .with(|s| s.log().take_while(|e| Some(e.id) > newest).count());
        Some(format!("paused · {n} new"))
    };

    view! {
        <PanelHead title="Packets" count=total>
            <LogFilters station=station kind=kind />
            <button
                class="btn small"
                class:active=move || paused.get()
                data-testid="log-pause"
                aria-pressed=move || paused.get().to_string()
                on:click=toggle_pause
            >
                {move || if paused.get() { "Resume" } else { "Pause" }}
            </button>
            <span class="muted small">{pending}</span>
            {(!compact).then(|| view! { <LogActions /> })}
        </PanelHead>
        <div class="table-wrap vlist" tabindex="0" role="region" aria-label="packets" node_ref=vp.node on:scroll=vp.on_scroll()>
            <table class="log">
                <thead>
                    <tr>
                        <th class="c-time">"Time"</th>
                        <th class="c-kind">"Kind"</th>
                        <th class="c-station">"Station"</th>
                        <th class="c-topic">"Topic"</th>
                        <th class="num c-size">"Size"</th>
                        <th>"Summary"</th>
                    </tr>
                </thead>
                <tbody>
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.above)) cols=6 />
                    <For each=entries key=|e| e.id let:e>
                        <LogRow entry=e />
                    </For>
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.below)) cols=6 />
                </tbody>
            </table>
        </div>
    }
}

/// The station/topic and kind filters.
#[component]
fn LogFilters(station: RwSignal<String>, kind: RwSignal<String>) -> impl IntoView {
    view! {
        <SearchBox
            value=station
            placeholder="station or topic"
            label="filter by station or topic"
            testid="log-filter-station"
            narrow=true
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
    }
}

/// Export the log (NDJSON, CSV) and clear it.
#[component]
fn LogActions() -> impl IntoView {
    let ctx = use_ctx();
    /// (label, `data-testid`, tooltip, writer) of each export.
    type Export = (
        &'static str,
        &'static str,
        &'static str,
        fn(&crate::ctx::Ctx),
    );
    const EXPORTS: [Export; 2] = [
        (
            "NDJSON",
            "log-export-ndjson",
            "the log as NDJSON: canonical JSON + receive time + topic, one line per packet",
            crate::export::download_log_ndjson,
        ),
        (
            "CSV",
            "log-export-csv",
            "the log as CSV",
            crate::export::download_log_csv,
        ),
    ];
    view! {
        {EXPORTS
            .into_iter()
            .map(|(label, testid, title, save)| {
                view! {
                    <button
                        class="btn small"
                        data-testid=testid
                        title=title
                        on:click=move |_| save(&ctx)
                    >
                        {label}
                    </button>
                }
            })
            .collect_view()}
        <button class="btn small" on:click=move |_| ctx.live.clear()>
            "Clear"
        </button>
    }
}

/// One log entry; a click opens its frame in the inspector.
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
    let origin = entry.origin.filter(|o| Some(*o) != entry.station).map(|o| {
        let href = station_href(station_key(entry.source, o));
        view! { " → " <a href=href>{o}</a> }
    });
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
                        station_href(station_key(entry.source, s))
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

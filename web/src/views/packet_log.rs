//! The packet log: newest first, bounded (the store keeps 2,000 entries),
//! pause, filter by station and kind; frames open in the inspector.
//!
//! Test hook: `data-testid="packet-row"` with `data-kind` = `sensor`, `mesh`,
//! `unrecognised` or `error`.

use leptos::prelude::*;

use crate::app::use_ctx;
use crate::decode::EntryKind;
use crate::store::LogEntry;
use crate::views::clock_time;

/// Whether an entry passes the filters (`station` is decimal or `0x` hex;
/// empty = any; `kind` empty = any).
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
        Some(w) => e.station == Some(w),
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

    let rows = move || {
        if paused.get() {
            return frozen.get_value();
        }
        ctx.live.log_rev.track();
        let st = station.get();
        let k = kind.get();
        let v: Vec<LogEntry> = ctx.live.with(|s| {
            s.log()
                .filter(|e| entry_matches(e, &st, &k))
                .take(limit)
                .cloned()
                .collect()
        });
        frozen.set_value(v.clone());
        v
    };
    let total = move || {
        ctx.live.log_rev.track();
        ctx.live.with(|s| s.log_len())
    };

    view! {
        <div class="panel-head">
            <h2>"Packets " <span class="count">{total}</span></h2>
            <input
                class="filter small-input"
                type="search"
                placeholder="station or topic"
                data-testid="log-filter-station"
                prop:value=station
                on:input=move |e| station.set(event_target_value(&e))
            />
            <select
                class="filter"
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
                on:click=move |_| paused.update(|p| *p = !*p)
            >
                {move || if paused.get() { "Resume" } else { "Pause" }}
            </button>
            <Show when=move || !compact>
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
                        <th>"Size"</th>
                        <th>"Summary"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=rows key=|e| e.id let:e>
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
    let inspect = entry.frame_hex.clone().map(|h| {
        view! {
            <a class="inspect" href=format!("#hex={h}") title="open in the inspector">
                "inspect"
            </a>
        }
    });
    view! {
        <tr data-testid="packet-row" data-kind=kind data-station=station.clone() class=format!("kind-{kind}")>
            <td class="mono">{clock_time(entry.t_ms)}</td>
            <td>
                <span class=format!("badge {kind}")>{kind}</span>
            </td>
            <td class="num">
                {entry.station.map(|s| view! { <a href=format!("#/station/{s}")>{s}</a> })}
            </td>
            <td class="topic mono">{entry.topic}</td>
            <td class="num">{entry.size}</td>
            <td class="summary">{entry.summary} " " {inspect}</td>
        </tr>
    }
}

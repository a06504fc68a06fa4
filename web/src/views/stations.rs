//! The stations table: one keyed row per station, filter box, sortable
//! columns, greyed when stale. While the pointer is over the rows the order
//! is frozen (new stations are appended), so rows never jump under it.
//!
//! Test hook: `data-testid="station-row"` with `data-station="<decimal id>"`.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::app::use_ctx;
use crate::store::{format_number, Station, Store};
use crate::views::relative_time;

/// Sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Station id.
    Id,
    /// Variant.
    Variant,
    /// Last heard.
    LastHeard,
    /// Packet count.
    Packets,
    /// Battery.
    Battery,
}

/// Whether a station matches the filter text (decimal id, hex id, variant).
pub fn matches_filter(st: &Station, filter: &str) -> bool {
    let f = filter.trim().to_ascii_lowercase();
    if f.is_empty() {
        return true;
    }
    let f = f.strip_prefix("0x").unwrap_or(&f);
    st.id.to_string().contains(f)
        || format!("{:03x}", st.id).contains(f)
        || st
            .variant_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().contains(f))
}

/// Station ids, filtered and sorted.
pub fn sorted_ids(store: &Store, filter: &str, key: SortKey, ascending: bool) -> Vec<u16> {
    let mut v: Vec<&Station> = store
        .stations()
        .filter(|s| matches_filter(s, filter))
        .collect();
    v.sort_by(|a, b| {
        let o = match key {
            SortKey::Id => a.id.cmp(&b.id),
            SortKey::Variant => a.variant.cmp(&b.variant),
            SortKey::LastHeard => a.last_heard_ms.total_cmp(&b.last_heard_ms),
            SortKey::Packets => a.packets.cmp(&b.packets),
            SortKey::Battery => a
                .battery
                .unwrap_or(-1.0)
                .total_cmp(&b.battery.unwrap_or(-1.0)),
        };
        o.then(a.id.cmp(&b.id))
    });
    if !ascending {
        v.reverse();
    }
    v.into_iter().map(|s| s.id).collect()
}

/// Keeps `previous` order for ids still present, appending new ones.
pub fn stable_order(previous: &[u16], fresh: &[u16]) -> Vec<u16> {
    let present: HashSet<u16> = fresh.iter().copied().collect();
    let mut out: Vec<u16> = previous
        .iter()
        .copied()
        .filter(|id| present.contains(id))
        .collect();
    let seen: HashSet<u16> = out.iter().copied().collect();
    out.extend(fresh.iter().copied().filter(|id| !seen.contains(id)));
    out
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    variant: String,
    last_heard_ms: f64,
    interval_ms: Option<f64>,
    packets: u64,
    loss: String,
    battery: String,
    readings: String,
}

fn row_of(st: &Station) -> Row {
    Row {
        variant: match &st.variant_name {
            Some(n) => format!("{} ({})", n, st.variant),
            None => st.variant.to_string(),
        },
        last_heard_ms: st.last_heard_ms,
        interval_ms: st.interval_ms,
        packets: st.packets,
        loss: st
            .loss_pct
            .map(|l| format!("{l:.1} %"))
            .unwrap_or_else(|| "—".into()),
        battery: st
            .battery
            .map(|b| format!("{} %", format_number(b)))
            .unwrap_or_else(|| "—".into()),
        readings: st
            .headline(4)
            .into_iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// The table.
#[component]
pub fn StationsTable() -> impl IntoView {
    let ctx = use_ctx();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new((SortKey::Id, true));
    let hovering = RwSignal::new(false);
    let last_order = StoredValue::new(Vec::<u16>::new());
    let count = move || {
        ctx.live.stations_rev.get();
        ctx.live.with(Store::station_count)
    };

    let ids = move || {
        ctx.live.stations_rev.track();
        let f = filter.get();
        let (key, asc) = sort.get();
        let fresh = ctx.live.with(|s| sorted_ids(s, &f, key, asc));
        let out = if hovering.get() {
            last_order.with_value(|prev| stable_order(prev, &fresh))
        } else {
            fresh
        };
        last_order.set_value(out.clone());
        out
    };

    let header = move |key: SortKey, label: &'static str| {
        let arrow = move || match sort.get() {
            (k, true) if k == key => " ▲",
            (k, false) if k == key => " ▼",
            _ => "",
        };
        view! {
            <th
                class="sortable"
                on:click=move |_| {
                    sort.update(|(k, asc)| {
                        if *k == key {
                            *asc = !*asc;
                        } else {
                            *k = key;
                            *asc = key != SortKey::LastHeard && key != SortKey::Packets;
                        }
                    })
                }
            >
                {label}
                {arrow}
            </th>
        }
    };

    view! {
        <div class="panel-head">
            <h2>"Stations " <span class="count">{count}</span></h2>
            <input
                class="filter"
                type="search"
                placeholder="filter: id, hex id or variant"
                data-testid="station-filter"
                prop:value=filter
                on:input=move |e| filter.set(event_target_value(&e))
            />
        </div>
        <div class="table-wrap">
            <table class="stations">
                <thead>
                    <tr>
                        {header(SortKey::Id, "Station")}
                        {header(SortKey::Variant, "Variant")}
                        {header(SortKey::LastHeard, "Last heard")}
                        {header(SortKey::Packets, "Packets")}
                        <th>"Loss"</th>
                        {header(SortKey::Battery, "Battery")}
                        <th>"Readings"</th>
                    </tr>
                </thead>
                <tbody
                    on:mouseenter=move |_| hovering.set(true)
                    on:mouseleave=move |_| hovering.set(false)
                >
                    <For each=ids key=|id| *id let:id>
                        <StationRow id=id />
                    </For>
                </tbody>
            </table>
            <Show when=move || count() == 0>
                <p class="empty muted">
                    {move || {
                        if ctx.status.with(|s| s.word() == "idle") {
                            "No stations yet. Set a broker (ws:// or wss://) under Settings, or open a link with ?broker=…"
                        } else {
                            "No stations yet. Packets from the broker appear here as they arrive."
                        }
                    }}
                </p>
            </Show>
        </div>
    }
}

#[component]
fn StationRow(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let row = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| s.station(id).map(row_of))
    });
    let field =
        move |f: fn(&Row) -> String| move || row.with(|r| r.as_ref().map(f).unwrap_or_default());
    let fresh_class = move || {
        let now = ctx.clock.get();
        row.with(|r| {
            r.as_ref().map(|r| {
                let interval = r
                    .interval_ms
                    .unwrap_or(crate::store::DEFAULT_INTERVAL_MS)
                    .max(1000.0);
                if now - r.last_heard_ms > 3.0 * interval {
                    "stale"
                } else {
                    "fresh"
                }
            })
        })
        .unwrap_or("stale")
    };
    let last_heard = move || {
        let now = ctx.clock.get();
        row.with(|r| r.as_ref().map(|r| relative_time(now - r.last_heard_ms)))
            .unwrap_or_default()
    };
    view! {
        <tr data-testid="station-row" data-station=id.to_string() class=fresh_class>
            <td class="num">
                <a href=format!("#/station/{id}")>{id}</a>
                " "
                <span class="muted mono">{format!("0x{id:03x}")}</span>
            </td>
            <td>{field(|r| r.variant.clone())}</td>
            <td class="num">{last_heard}</td>
            <td class="num">{field(|r| r.packets.to_string())}</td>
            <td class="num">{field(|r| r.loss.clone())}</td>
            <td class="num">{field(|r| r.battery.clone())}</td>
            <td class="readings" title=field(|r| r.readings.clone())>
                {field(|r| r.readings.clone())}
            </td>
        </tr>
    }
}

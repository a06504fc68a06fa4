//! The stations table: one keyed row per sensor station (the receiver's),
//! filter box, sortable columns (stable: ties broken by id), greyed when
//! stale (silent for 3 × the station's usual interval, per the receiver).
//! While the pointer is over the rows the order is frozen (stations that
//! appear are appended), so rows never jump under it. A row click opens
//! `#/station/<id>`.
//!
//! Test hook: `data-testid="station-row"` with `data-station="<decimal id>"`.

use crate::vecmap::VecSet;

use leptos::prelude::*;

use crate::app::use_ctx;
use crate::store::{battery_level, format_number, freshness, headline, Store};
use crate::views::relative_time;
use iotdata::receiver::Station;

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
    /// Loss percentage.
    Loss,
    /// Battery.
    Battery,
}

/// Whether a station matches the filter text (decimal id, hex id with or
/// without `0x`, variant name or number).
pub fn matches_filter(st: &Station, variant_name: &str, filter: &str) -> bool {
    let f = filter.trim().to_ascii_lowercase();
    if f.is_empty() {
        return true;
    }
    let hex = f.strip_prefix("0x").unwrap_or(&f);
    st.id.to_string().contains(&f)
        || format!("{:03x}", st.id).contains(hex)
        || variant_name.to_ascii_lowercase().contains(&f)
}

/// Station ids, filtered and sorted (stable: ties by id).
pub fn sorted_ids(store: &Store, filter: &str, key: SortKey, ascending: bool) -> Vec<u16> {
    let mut v: Vec<(&Station, String)> = store
        .stations()
        .map(|s| (s, store.variant_name(s)))
        .filter(|(s, n)| matches_filter(s, n, filter))
        .collect();
    let num = |o: Option<f64>| o.unwrap_or(-1.0);
    crate::vecmap::sort_by(&mut v, |(a, an), (b, bn)| {
        let o = match key {
            SortKey::Id => a.id.cmp(&b.id),
            SortKey::Variant => a.variant.cmp(&b.variant).then_with(|| an.cmp(bn)),
            SortKey::LastHeard => a.last_heard_ms.cmp(&b.last_heard_ms),
            SortKey::Packets => a
                .sequence_stats()
                .received
                .cmp(&b.sequence_stats().received),
            SortKey::Loss => num(a.loss_pct()).total_cmp(&num(b.loss_pct())),
            SortKey::Battery => num(battery_level(a)).total_cmp(&num(battery_level(b))),
        };
        let o = if ascending { o } else { o.reverse() };
        o.then(a.id.cmp(&b.id))
    });
    v.into_iter().map(|(s, _)| s.id).collect()
}

/// Keeps `previous` order for ids still present, appending new ones.
pub fn stable_order(previous: &[u16], fresh: &[u16]) -> Vec<u16> {
    let present: VecSet<u16> = fresh.iter().copied().collect();
    let mut out: Vec<u16> = previous
        .iter()
        .copied()
        .filter(|id| present.contains(id))
        .collect();
    let seen: VecSet<u16> = out.iter().copied().collect();
    out.extend(fresh.iter().copied().filter(|id| !seen.contains(id)));
    out
}

/// What one row shows (recomputed when its station changes).
#[derive(Debug, Clone, PartialEq)]
pub struct RowData {
    /// `weather_station (0)`.
    pub variant: String,
    /// Last heard, ms since the epoch.
    pub last_heard_ms: f64,
    /// Packets received (first arrivals).
    pub packets: u64,
    /// `1.2 %` or `—`.
    pub loss: String,
    /// `80 %` or `—`.
    pub battery: String,
    /// `temperature 21.5 °C · humidity 40 %`.
    pub readings: String,
}

/// The row of a station.
pub fn row_of(store: &Store, st: &Station) -> RowData {
    RowData {
        variant: format!("{} ({})", store.variant_name(st), st.variant),
        last_heard_ms: st.last_heard_ms as f64,
        packets: st.sequence_stats().received,
        loss: st
            .loss_pct()
            .map(|l| format!("{l:.1} %"))
            .unwrap_or_else(|| "—".into()),
        battery: battery_level(st)
            .map(|b| format!("{} %", format_number(b)))
            .unwrap_or_else(|| "—".into()),
        readings: headline(st, 4)
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
        ctx.live.stations_rev.track();
        ctx.live.with(Store::station_count)
    };

    let ids = Memo::new(move |_| {
        ctx.live.stations_rev.track();
        let f = filter.get();
        let (key, asc) = sort.get();
        // Sorting by last heard changes with every packet: only the
        // pointer-freeze keeps it still.
        let fresh = ctx.live.with(|s| sorted_ids(s, &f, key, asc));
        let out = if hovering.get() {
            last_order.with_value(|prev| stable_order(prev, &fresh))
        } else {
            fresh
        };
        last_order.set_value(out.clone());
        out
    });
    let shown = move || ids.with(Vec::len);

    let header = move |key: SortKey, label: &'static str, numeric: bool| {
        let arrow = move || match sort.get() {
            (k, true) if k == key => " ▲",
            (k, false) if k == key => " ▼",
            _ => "",
        };
        let aria = move || match sort.get() {
            (k, true) if k == key => "ascending",
            (k, false) if k == key => "descending",
            _ => "none",
        };
        view! {
            <th
                class="sortable"
                class:num=numeric
                aria-sort=aria
                title="sort"
                on:click=move |_| {
                    sort.update(|(k, asc)| {
                        if *k == key {
                            *asc = !*asc;
                        } else {
                            *k = key;
                            // Most recent / most packets / worst first.
                            *asc = !matches!(
                                key,
                                SortKey::LastHeard | SortKey::Packets | SortKey::Loss
                            );
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
                aria-label="filter stations"
                data-testid="station-filter"
                prop:value=filter
                on:input=move |e| filter.set(event_target_value(&e))
            />
            <Show when=move || !filter.with(String::is_empty)>
                <span class="muted small">{move || format!("{} shown", shown())}</span>
            </Show>
        </div>
        <div class="table-wrap">
            <table class="stations">
                <thead>
                    <tr>
                        {header(SortKey::Id, "Station", false)}
                        {header(SortKey::Variant, "Variant", false)}
                        {header(SortKey::LastHeard, "Last heard", true)}
                        {header(SortKey::Packets, "Packets", true)}
                        {header(SortKey::Loss, "Loss", true)}
                        {header(SortKey::Battery, "Battery", true)}
                        <th>"Readings"</th>
                    </tr>
                </thead>
                <tbody
                    on:mouseenter=move |_| hovering.set(true)
                    on:mouseleave=move |_| hovering.set(false)
                >
                    <For each=move || ids.get() key=|id| *id let:id>
                        <StationRow id=id />
                    </For>
                </tbody>
            </table>
            <Show when=move || count() == 0>
                <p class="empty muted">
                    {move || {
                        if ctx.demo_running.get() {
                            "The demo feed is starting…"
                        } else if ctx.status.with(|s| s.word() == "idle") {
                            "No stations yet. Set a broker (ws:// or wss://) under Settings, open a link with ?broker=…, or start the Demo feed."
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
        ctx.live.map_rev.track();
        ctx.live.with(|s| s.station(id).map(|st| row_of(s, st)))
    });
    let field = move |f: fn(&RowData) -> String| {
        move || row.with(|r| r.as_ref().map(f).unwrap_or_default())
    };
    let fresh_class = move || {
        let now = ctx.clock.get();
        rev.track();
        let f = ctx
            .live
            .with(|s| s.station(id).map(|st| freshness(st, now).as_str()))
            .unwrap_or("stale");
        format!("station-row {f}")
    };
    let last_heard = move || {
        let now = ctx.clock.get();
        row.with(|r| r.as_ref().map(|r| relative_time(now - r.last_heard_ms)))
            .unwrap_or_default()
    };
    let open = move |_| {
        let _ = window().location().set_hash(&format!("#/station/{id}"));
    };
    view! {
        <tr
            data-testid="station-row"
            data-station=id.to_string()
            class=fresh_class
            on:click=open
            title="open the station"
        >
            <td class="num id">
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

//! The stations table: one keyed row per sensor station of every source
//! (keyed by [`crate::store::station_key`]; a Source column and a source
//! filter appear when several sources delivered), filter box, sortable
//! columns (stable: ties broken by id), greyed when
//! stale (silent for 3 × the station's usual interval, per the receiver).
//! While the pointer is over the rows the order is frozen (stations that
//! appear are appended), so rows never jump under it. A row click opens
//! `#/station/<id>`.
//!
//! Only the rows in view (plus a margin, at least [`STATION_ROWS`]) are in
//! the DOM.
//!
//! Test hooks: `data-testid="station-row"` with `data-station="<decimal id>"`
//! and `data-source="<source number>"` (the rendered rows; the source's
//! name is in `data-testid="station-source"`), `data-testid="source-filter"`; `data-testid="station-count"` whose text and
//! `data-total` are the exact number of stations, and `data-shown` the
//! number passing the filter.

use crate::vecmap::VecSet;

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::fmt::format_number;
use crate::store::{battery_level, freshness, headline, Store};
use crate::views::relative_time;
pub use crate::views::station_order::SortKey;
use crate::views::station_order::{filtered, SortedStations, StationFilter};
use crate::views::virtual_list::{SpacerRow, Viewport};
use crate::views::widgets::{delivered_sources, SearchBox, SourceSelect};
use iotdata::receiver::Station;

/// Whether a station matches the filter text (decimal id, hex id with or
/// without `0x`, variant name or number).
pub fn matches_filter(st: &Station, variant_name: &str, filter: &str) -> bool {
    // `st.id` is the station's own id (not a key).
    StationFilter::new(filter).matches(st.id, variant_name)
}

/// Station ids, filtered and sorted (stable: ties by id).
pub fn sorted_ids(store: &Store, filter: &str, key: SortKey, ascending: bool) -> Vec<u16> {
    let order = SortedStations::build(store, key, ascending);
    filtered(store, order.order(), &StationFilter::new(filter))
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

/// Rows the stations table renders at least: its scroll container is at
/// most 460 px high (`.overview .table-wrap` in `style/main.css`), 18 rows
/// of [`crate::views::virtual_list::ROW_HEIGHT_PX`], plus the overscan on
/// both sides. Every row re-renders when its station is heard and when the
/// sort changes, so fewer rows cost less at thousands of packets a second.
pub const STATION_ROWS: usize = 40;

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

/// The table: every station in the order, but only the rows in view exist
/// in the DOM ([`crate::views::virtual_list`]). The order is kept by
/// [`SortedStations`], which moves only the stations that changed.
#[component]
pub fn StationsTable() -> impl IntoView {
    let ctx = use_ctx();
    let filter = RwSignal::new(String::new());
    let source = RwSignal::new(None::<u8>);
    let sources = delivered_sources();
    let multi = Memo::new(move |_| sources.with(|v| v.len() > 1));
    let sort = RwSignal::new((SortKey::Id, true));
    let hovering = RwSignal::new(false);
    let vp = Viewport::with_min_rows(STATION_ROWS);
    let index = StoredValue::new(SortedStations::new(SortKey::Id, true));
    let index_rev = StoredValue::new(None::<u64>);
    let last_order = StoredValue::new(Vec::<u16>::new());
    let count = move || {
        ctx.live.stations_rev.track();
        ctx.live.with(Store::station_count)
    };

    let ids = Memo::new(move |_| {
        let rev = ctx.live.stations_rev.get();
        let (key, asc) = sort.get();
        let f = filter
            .with(|f| StationFilter::new(f))
            .with_source(source.get());
        let changed = index_rev
            .get_value()
            .and_then(|seen| ctx.live.stations_changed_since(seen));
        let fresh = ctx.live.with(|s| {
            index.update_value(|ix| match changed {
                Some(ids) if ix.key() == (key, asc) => ix.refresh(s, &ids),
                _ => *ix = SortedStations::build(s, key, asc),
            });
            index.with_value(|ix| filtered(s, ix.order(), &f))
        });
        index_rev.set_value(Some(rev));
        // Sorting by last heard changes with every packet: only the
        // pointer-freeze keeps it still.
        let out = if hovering.get() {
            last_order.with_value(|prev| stable_order(prev, &fresh))
        } else {
            fresh
        };
        last_order.set_value(out.clone());
        out
    });
    let shown = move || ids.with(Vec::len);
    let win = Memo::new(move |_| ids.with(|v| vp.shown(v)));

    view! {
        <div class="panel-head">
            <h2>
                "Stations "
                <span
                    class="count"
                    data-testid="station-count"
                    data-total=move || count().to_string()
                    data-shown=move || shown().to_string()
                >
                    {count}
                </span>
            </h2>
            <SearchBox
                value=filter
                placeholder="filter: id, hex id or variant"
                label="filter stations"
                testid="station-filter"
            />
            <SourceSelect value=source label="Source" testid="source-filter" all="all sources" />
            <Show when=move || !filter.with(String::is_empty) || source.with(Option::is_some)>
                <span class="muted small">{move || format!("{} shown", shown())}</span>
            </Show>
        </div>
        <div class="table-wrap vlist" tabindex="0" role="region" aria-label="stations" node_ref=vp.node on:scroll=vp.on_scroll()>
            <table class="stations" class:multi=multi>
                <thead>
                    <SortHeaders sort=sort />
                </thead>
                <tbody
                    on:mouseenter=move |_| hovering.set(true)
                    on:mouseleave=move |_| hovering.set(false)
                >
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.above)) cols=8 />
                    <For each=move || win.with(|w| w.ids.clone()) key=|id| *id let:id>
                        <StationRow id=id />
                    </For>
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.below)) cols=8 />
                </tbody>
            </table>
            <Show when=move || count() == 0>
                <p class="empty muted">
                    {move || {
                        if ctx.demo_running.get() {
                            "The demo feed is starting…"
                        } else if ctx.states[0].with(|s| s.word() == "idle") {
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

/// The header row: a click sorts by the column, a second reverses.
#[component]
fn SortHeaders(sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    let header = move |key: SortKey, label: &'static str, class: &'static str| {
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
                class=format!("sortable {class}")
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
        <tr>
            {header(SortKey::Id, "Station", "c-id")}
            <th class="c-src">"Source"</th>
            {header(SortKey::Variant, "Variant", "c-variant")}
            {header(SortKey::LastHeard, "Last heard", "num c-heard")}
            {header(SortKey::Packets, "Packets", "num c-packets")}
            {header(SortKey::Loss, "Loss", "num c-loss")}
            {header(SortKey::Battery, "Battery", "num c-battery")}
            <th>"Readings"</th>
        </tr>
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
    let href = crate::router::station_href(id);
    let open = {
        let href = href.clone();
        move |_| {
            let _ = window().location().set_hash(&href);
        }
    };
    let (src, key) = (crate::store::key_source(id), id);
    let id = crate::store::key_id(key);
    view! {
        <tr
            data-testid="station-row"
            data-station=id.to_string()
            data-source=src.to_string()
            class=fresh_class
            data-restored=move || {
                rev.track();
                ctx.live
                    .with(|s| s.station(id).is_some_and(|st| s.restored(st.last_heard_ms)))
                    .then_some("true")
            }
            on:click=open
            title="open the station"
        >
            <td class="num id">
                <a href=href>{id}</a>
                " "
                <span class="muted mono">{format!("0x{id:03x}")}</span>
            </td>
            <td class="c-src" data-testid="station-source">{ctx.source_name(src)}</td>
            <td>{field(|r| r.variant.clone())}</td>
            <td class="num c-heard">{last_heard}</td>
            <td class="num">{field(|r| r.packets.to_string())}</td>
            <td class="num">{field(|r| r.loss.clone())}</td>
            <td class="num">{field(|r| r.battery.clone())}</td>
            <td class="readings" title=field(|r| r.readings.clone())>
                {field(|r| r.readings.clone())}
            </td>
        </tr>
    }
}

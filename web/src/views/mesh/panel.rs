//! The mesh page's side panel: everything the receiver knows about one
//! node (exact, whatever the graph draws).

use iotdata::receiver::Node;
use leptos::prelude::*;

use super::{hex_id, role_name, rssi_hue};
use crate::ctx::use_ctx;
use crate::views::{clock_time, relative_time};

/// The side panel of one node.
#[component]
pub fn NodePanel(id: u16, selected: RwSignal<Option<u16>>) -> impl IntoView {
    let ctx = use_ctx();
    let live = ctx.live;
    let clock = ctx.clock;
    let node: Memo<Option<Node>> = Memo::new(move |_| {
        live.topology_rev.track();
        live.mesh_rev.track();
        clock.track();
        live.with(|s| s.receiver().topology().node(id).cloned())
    });
    let key = live.with(|s| crate::store::station_key(s.mesh_source(), id));
    let has_station = move || {
        live.stations_rev.track();
        live.with(|s| s.station(key).is_some())
    };
    let body = move || match node.get() {
        Some(n) => view! {
            <NodeFacts n=n.clone() selected=selected />
            <NodeLinks n=n selected=selected />
        }
        .into_any(),
        None => view! { <p class="muted">"This node is no longer in the topology."</p> }.into_any(),
    };
    let title = move || {
        node.with(|n| {
            n.as_ref().map_or_else(
                || format!("Node {}", hex_id(id)),
                |n| format!("{} {} ({})", role_name(n.role), hex_id(id), id),
            )
        })
    };
    view! {
        <aside class="panel mesh-side" data-testid="mesh-panel" data-node=id.to_string()>
            <div class="panel-head">
                <h2>{title}</h2>
                <Show when=has_station>
                    <a class="small" href=crate::router::station_href(key)>"Station page"</a>
                </Show>
                <button class="btn small" title="Close" on:click=move |_| selected.set(None)>
                    "×"
                </button>
            </div>
            {body}
        </aside>
    }
}

/// "12 s ago (14:03:07)", following the clock.
fn ago(clock: RwSignal<f64>, t: i64) -> String {
    let t = t as f64;
    format!("{} ({})", relative_time(clock.get() - t), clock_time(t))
}

/// A node's id as a link that selects it.
fn node_link(other: u16, selected: RwSignal<Option<u16>>) -> impl IntoView {
    view! {
        <a
            href="#/mesh"
            class="mono"
            on:click=move |e| {
                e.prevent_default();
                selected.set(Some(other));
            }
        >
            {hex_id(other)}
        </a>
    }
}

/// One row of the key/value table.
fn fact(key: &'static str, value: String) -> impl IntoView {
    view! { <tr><th>{key}</th><td>{value}</td></tr> }
}

/// A row whose value follows the clock.
fn live_fact(key: &'static str, value: Signal<String>) -> impl IntoView {
    view! { <tr><th>{key}</th><td>{value}</td></tr> }
}

/// A row whose value is markup (a link).
fn view_fact(key: &'static str, value: AnyView) -> impl IntoView {
    view! { <tr><th>{key}</th><td>{value}</td></tr> }
}

/// The node's role, place in the tree, times and counters.
#[component]
fn NodeFacts(n: Node, selected: RwSignal<Option<u16>>) -> impl IntoView {
    let clock = use_ctx().clock;
    let cost = n.cost.map_or("unknown".to_string(), |c| c.to_string());
    let parent = match (n.parent, n.orphan) {
        (Some(p), _) => node_link(p, selected).into_any(),
        (None, true) => view! { <span class="bad-text">"none (orphaned)"</span> }.into_any(),
        (None, false) => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let gateway = match n.gateway_id {
        Some(g) if g == n.id => view! { <span>"itself"</span> }.into_any(),
        Some(g) => node_link(g, selected).into_any(),
        None => view! { <span class="muted">"unknown"</span> }.into_any(),
    };
    let last_heard = n.last_heard_ms;
    let last_report = n.parent_ms;
    let route_error = n.route_error.map(|e| {
        view! {
            <tr>
                <th>"Route error"</th>
                <td class="bad-text">
                    {format!("{} (reason {}) ", e.reason_name, e.reason)}
                    {move || ago(clock, e.at_ms)}
                </td>
            </tr>
        }
    });
    let beacon = n.beacon.map(|b| {
        let text = move || {
            format!(
                "round {} · cost {} · {}",
                b.generation,
                b.cost,
                ago(clock, b.at_ms)
            )
        };
        live_fact("Last beacon", Signal::derive(text))
    });
    let heard = move || {
        last_heard.map_or("never (only named by others)".to_string(), |t| {
            ago(clock, t)
        })
    };
    let report = move || last_report.map_or("—".to_string(), |t| ago(clock, t));
    view! {
        <table class="kv mesh-kv">
            <tbody>
                {fact("Role", n.role.as_str().to_string())}
                {fact("Cost", cost)}
                {view_fact("Parent", parent)}
                {view_fact("Gateway", gateway)}
                {fact("Orphaned", if n.orphan { "yes" } else { "no" }.to_string())}
                {route_error}
                {live_fact("Last heard", Signal::derive(heard))}
                {live_fact("Last report", Signal::derive(report))}
                {beacon}
                {fact("Forwarded", format!("{} packets", n.forwarded))}
                {fact("Mesh packets", n.mesh_packets.to_string())}
                {fact("Sensor packets", n.sensor_packets.to_string())}
                {fact("Copies", n.duplicates.to_string())}
                {fact("Stale reports", n.stale_reports.to_string())}
            </tbody>
        </table>
    }
}

/// A counted heading, then a table of `rows` under `columns` (or `empty`).
fn counted_table(
    heading: &'static str,
    empty: &'static str,
    testid: Option<&'static str>,
    columns: [&'static str; 4],
    rows: Vec<AnyView>,
) -> impl IntoView {
    let count = rows.len();
    let table = if rows.is_empty() {
        view! { <p class="muted small">{empty}</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=heading>
                <table data-testid=testid>
                    <thead>
                        <tr>{columns.map(|c| view! { <th>{c}</th> })}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <h3>{heading} " " <span class="count">{count}</span></h3>
        {table}
    }
}

/// The node's neighbours (as it reported them) and the nodes that
/// delivered its packets.
#[component]
fn NodeLinks(n: Node, selected: RwSignal<Option<u16>>) -> impl IntoView {
    let clock = use_ctx().clock;
    let since = move |t: i64| move || relative_time(clock.get() - t as f64);
    let neighbours = n
        .neighbours
        .into_iter()
        .map(|l| {
            view! {
                <tr>
                    <td>{node_link(l.id, selected)}</td>
                    <td class="num">{l.cost}</td>
                    <td class="num">
                        <span class="rssi-chip" style=format!("--rssi-h:{}", rssi_hue(l.rssi_dbm))></span>
                        {format!("{} dBm", l.rssi_dbm)}
                    </td>
                    <td>{since(l.last_ms)}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    let via = n
        .via
        .into_iter()
        .map(|v| {
            view! {
                <tr>
                    <td>{node_link(v.id, selected)}</td>
                    <td class="num">{v.first_arrivals}</td>
                    <td class="num">{v.duplicates}</td>
                    <td>{since(v.last_ms)}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    view! {
        {counted_table(
            "Neighbours",
            "None reported.",
            Some("mesh-neighbours"),
            ["Node", "Cost", "RSSI", "Reported"],
            neighbours,
        )}
        {counted_table(
            "Delivered via",
            "No deliveries recorded.",
            None,
            ["Node", "First", "Copies", "Last"],
            via,
        )}
    }
}

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
    let has_station = move || {
        live.stations_rev.track();
        live.with(|s| s.station(id).is_some())
    };
    let ago = move |t: i64| {
        let t = t as f64;
        format!("{} ({})", relative_time(clock.get() - t), clock_time(t))
    };
    let pick = move |other: u16| {
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
    };
    let body = move || {
        let Some(n) = node.get() else {
            return view! { <p class="muted">"This node is no longer in the topology."</p> }
                .into_any();
        };
        let cost = n.cost.map_or("unknown".to_string(), |c| c.to_string());
        let parent = match (n.parent, n.orphan) {
            (Some(p), _) => pick(p).into_any(),
            (None, true) => view! { <span class="bad-text">"none (orphaned)"</span> }.into_any(),
            (None, false) => view! { <span class="muted">"—"</span> }.into_any(),
        };
        let gateway = match n.gateway_id {
            Some(g) if g == n.id => view! { <span>"itself"</span> }.into_any(),
            Some(g) => pick(g).into_any(),
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
                        {move || ago(e.at_ms)}
                    </td>
                </tr>
            }
        });
        let beacon = n.beacon.map(|b| {
            view! {
                <tr>
                    <th>"Last beacon"</th>
                    <td>
                        {format!("round {} · cost {} · ", b.generation, b.cost)}
                        {move || ago(b.at_ms)}
                    </td>
                </tr>
            }
        });
        let neighbours = n.neighbours.clone();
        let via = n.via.clone();
        view! {
            <table class="kv mesh-kv">
                <tbody>
                    <tr><th>"Role"</th><td>{n.role.as_str()}</td></tr>
                    <tr><th>"Cost"</th><td>{cost}</td></tr>
                    <tr><th>"Parent"</th><td>{parent}</td></tr>
                    <tr><th>"Gateway"</th><td>{gateway}</td></tr>
                    <tr>
                        <th>"Orphaned"</th>
                        <td>{if n.orphan { "yes" } else { "no" }}</td>
                    </tr>
                    {route_error}
                    <tr>
                        <th>"Last heard"</th>
                        <td>
                            {move || last_heard.map_or("never (only named by others)".to_string(), ago)}
                        </td>
                    </tr>
                    <tr>
                        <th>"Last report"</th>
                        <td>{move || last_report.map_or("—".to_string(), ago)}</td>
                    </tr>
                    {beacon}
                    <tr><th>"Forwarded"</th><td>{n.forwarded}" packets"</td></tr>
                    <tr><th>"Mesh packets"</th><td>{n.mesh_packets}</td></tr>
                    <tr><th>"Sensor packets"</th><td>{n.sensor_packets}</td></tr>
                    <tr><th>"Copies"</th><td>{n.duplicates}</td></tr>
                    <tr><th>"Stale reports"</th><td>{n.stale_reports}</td></tr>
                </tbody>
            </table>
            <h3>"Neighbours " <span class="count">{neighbours.len()}</span></h3>
            {if neighbours.is_empty() {
                view! { <p class="muted small">"None reported."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table data-testid="mesh-neighbours">
                            <thead>
                                <tr><th>"Node"</th><th>"Cost"</th><th>"RSSI"</th><th>"Reported"</th></tr>
                            </thead>
                            <tbody>
                                {neighbours
                                    .into_iter()
                                    .map(|l| {
                                        let t = l.last_ms as f64;
                                        view! {
                                            <tr>
                                                <td>{pick(l.id)}</td>
                                                <td class="num">{l.cost}</td>
                                                <td class="num">
                                                    <span
                                                        class="rssi-chip"
                                                        style=format!("--rssi-h:{}", rssi_hue(l.rssi_dbm))
                                                    ></span>
                                                    {format!("{} dBm", l.rssi_dbm)}
                                                </td>
                                                <td>{move || relative_time(clock.get() - t)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            <h3>"Delivered via " <span class="count">{via.len()}</span></h3>
            {if via.is_empty() {
                view! { <p class="muted small">"No deliveries recorded."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <thead>
                                <tr><th>"Node"</th><th>"First"</th><th>"Copies"</th><th>"Last"</th></tr>
                            </thead>
                            <tbody>
                                {via
                                    .into_iter()
                                    .map(|v| {
                                        let t = v.last_ms as f64;
                                        view! {
                                            <tr>
                                                <td>{pick(v.id)}</td>
                                                <td class="num">{v.first_arrivals}</td>
                                                <td class="num">{v.duplicates}</td>
                                                <td>{move || relative_time(clock.get() - t)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        }
        .into_any()
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
                    <a class="small" href=format!("#/station/{id}")>"Station page"</a>
                </Show>
                <button class="btn small" title="Close" on:click=move |_| selected.set(None)>
                    "×"
                </button>
            </div>
            {body}
        </aside>
    }
}

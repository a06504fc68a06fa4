//! `#/station/<id>`: one station (skeleton; the history charts, TLV panel,
//! sequence figures and delivering relays come with the dashboard-depth work).

use leptos::prelude::*;

use crate::app::use_ctx;
use crate::store::format_number;
use crate::views::relative_time;

/// The station page.
#[component]
pub fn StationPage(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let known = move || {
        rev.track();
        ctx.live.stations_rev.track();
        ctx.live.with(|s| s.station(id).is_some())
    };
    let summary = move || {
        rev.track();
        let now = ctx.clock.get();
        ctx.live.with(|s| {
            s.station(id).map(|st| {
                vec![
                    (
                        "Variant",
                        match &st.variant_name {
                            Some(n) => format!("{n} ({})", st.variant),
                            None => st.variant.to_string(),
                        },
                    ),
                    ("Last heard", relative_time(now - st.last_heard_ms)),
                    ("Packets", st.packets.to_string()),
                    ("Mesh packets", st.mesh_packets.to_string()),
                    ("Last sequence", st.last_sequence.to_string()),
                    (
                        "Position",
                        st.position
                            .map(|(a, b)| format!("{a:.5}, {b:.5}"))
                            .unwrap_or_else(|| "—".into()),
                    ),
                ]
            })
        })
    };
    let history = move || {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .map(|st| {
                    st.history
                        .iter()
                        .map(|(k, pts)| {
                            let min = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                            let max = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                            let last = pts.back().map(|p| p.1).unwrap_or(f64::NAN);
                            (
                                k.clone(),
                                pts.len(),
                                format_number(min),
                                format_number(max),
                                format_number(last),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let latest = move || {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .and_then(|st| st.latest.as_ref())
                .map(|j| serde_json::to_string_pretty(j).unwrap_or_default())
        })
    };
    view! {
        <section class="panel station-page">
            <div class="panel-head">
                <h2>{format!("Station {id} ")} <span class="muted mono">{format!("0x{id:03x}")}</span></h2>
                <a href="#/">"← all stations"</a>
            </div>
            <Show
                when=known
                fallback=move || view! { <p class="muted">"Nothing heard from this station yet."</p> }
            >
                <table class="kv">
                    <tbody>
                        {move || summary()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
                            .collect_view()}
                    </tbody>
                </table>
                <h3>"Fields"</h3>
                <table class="history">
                    <thead>
                        <tr><th>"Field"</th><th>"Points"</th><th>"Min"</th><th>"Max"</th><th>"Latest"</th></tr>
                    </thead>
                    <tbody>
                        {move || history()
                            .into_iter()
                            .map(|(k, n, min, max, last)| view! {
                                <tr><td>{k}</td><td class="num">{n}</td><td class="num">{min}</td><td class="num">{max}</td><td class="num">{last}</td></tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
                {move || latest().map(|j| view! { <h3>"Latest packet"</h3><pre class="mono json">{j}</pre> })}
            </Show>
        </section>
    }
}

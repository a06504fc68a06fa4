//! The station page's latest values and sequence panels.

use super::*;

/// The latest value of every field, in native units.
#[component]
pub(super) fn LatestValues(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let now = ctx.clock;
    let fields = ctx.live.station_memo(id, move |s| {
        s.station(id).map(station_field_rows).unwrap_or_default()
    });
    view! {
        <div class="panel st-fields">
            <h3>"Latest values"</h3>
            <table class="kv st-fields-table">
                <tbody>
                    <For each=move || fields.get() key=|r| r.clone() let:r>
                        <tr data-testid="field-row" data-key=r.key.clone()>
                            <th title=r.ty>{r.key.clone()}</th>
                            <td class="num">{r.value.clone()}</td>
                            <td class="muted small">{
                                let at = r.at_ms as f64;
                                move || relative_time(now.get() - at)
                            }</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// The sequence figures and the delivery paths.
#[component]
pub(super) fn SequencePanel(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let seq = ctx.live.station_memo(id, move |s| {
        s.station(id).map(sequence_figures).unwrap_or_default()
    });
    view! {
        <div class="panel st-seq">
            <h3>"Sequence"</h3>
            <div class="st-figures">
                <For each=move || seq.get() key=|f| f.clone() let:f>
                    <div class="st-figure" data-testid="seq-stat" data-key=f.0 title=f.3>
                        <span class="st-figure-value">{f.2.clone()}</span>
                        <span class="st-figure-label muted small">{f.1}</span>
                    </div>
                </For>
            </div>
            <h3>"Delivered by"</h3>
            <DeliveryPaths id=id />
        </div>
    }
}

/// The relays and gateways that delivered the station's packets.
#[component]
fn DeliveryPaths(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let now = ctx.clock;
    let paths = ctx.live.station_memo(id, move |s| {
        s.station(id)
            .zip(s.receiver_of(crate::store::key_source(id)))
            .map(|(st, r)| path_rows(r, st))
            .unwrap_or_default()
    });
    let row = move |p: PathRow| {
        let last = p.last_ms as f64;
        let via_title = match p.relay {
            Some(r) => format!("forwarded by relay {r} (0x{r:03x}): show it in the mesh graph"),
            None => "heard directly by the gateway".into(),
        };
        let gw_title = match p.gateway_id {
            Some(g) => format!("{} (gateway {g}): show it in the mesh graph", p.source),
            None => p.source.clone(),
        };
        view! {
            <tr data-testid="path-row" class:latest=p.latest>
                <td class="mono">{mesh_link(p.relay, p.via.clone(), via_title)}</td>
                <td class="topic mono">{mesh_link(p.gateway_id, p.gateway.clone(), gw_title)}</td>
                <td class="num">{p.first}</td>
                <td class="num">{p.copies}</td>
                <td class="muted small">{move || relative_time(now.get() - last)}</td>
            </tr>
        }
    };
    view! {
        <Show
            when=move || paths.with(|p| !p.is_empty())
            fallback=|| view! { <p class="muted small">"No delivery paths yet."</p> }
        >
            <div class="table-wrap" tabindex="0" role="region" aria-label="latest values">
                <table class="st-paths">
                    <thead>
                        <tr><th>"Relay"</th><th>"Gateway"</th><th title="first arrivals">"First"</th><th title="copies (also heard via)">"Copies"</th><th>"Last"</th></tr>
                    </thead>
                    <tbody>
                        {move || paths.get().into_iter().map(row).collect_view()}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

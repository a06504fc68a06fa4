//! The station page's header: id, export buttons, variant, last heard, the
//! freshness badge and the usual interval.

use super::*;

/// The header panel of station `id`.
#[component]
pub(super) fn StationHeader(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let now = ctx.clock;
    let rev = ctx.live.station_rev(id);
    let summary = ctx
        .live
        .station_memo(id, move |s| s.station(id).map(|st| summary(s, st)));
    let fresh = Memo::new(move |_| {
        let t = now.get();
        rev.track();
        ctx.live
            .with(|s| s.station(id).map(|st| freshness(st, t).as_str()))
            .unwrap_or("stale")
    });
    let export_ndjson = move |_| export::download_station_ndjson(&ctx, id);
    let export_csv = move |_| export::download_station_csv(&ctx, id);
    let (src, id) = (crate::store::key_source(id), crate::store::key_id(id));
    let source = (src != 0 || ctx.live.with(|s| s.sources().count() > 1))
        .then(|| format!("from {}", ctx.source_name(src)));
    let meta = move || {
        summary.get().map(|s| {
            let interval = s.interval_ms;
            view! {
                <span class="st-variant">{format!("{} (variant {})", s.variant_name, s.variant)}</span>
                <span class="st-heard" title=move || clock_time(s.last_heard_ms) data-restored=s.restored.then_some("true")>
                    {if s.restored { "from this browser, last heard " } else { "last heard " }}
                    <strong>{move || relative_time(now.get() - s.last_heard_ms)}</strong>
                </span>
                <span class=move || format!("st-badge {}", fresh.get()) data-testid="freshness" data-freshness=move || fresh.get()>
                    {move || fresh.get()}
                </span>
                {interval.map(|i| view! {
                    <span class="muted small">{format!("every ~{}", human_duration((i / 1000.0).round() as u64))}</span>
                })}
            }
        })
    };
    view! {
        <div class="panel st-header">
            <div class="panel-head">
                <h2>
                    {format!("Station {id} ")}
                    <span class="muted mono">{format!("0x{id:03x}")}</span>
                </h2>
                <span class="muted" data-testid="station-source">{source}</span>
                <button class="btn small" on:click=export_ndjson title="The station's last packets as canonical JSON, one per line">
                    "Packets NDJSON"
                </button>
                <button class="btn small" on:click=export_csv title="Field history as CSV">
                    "History CSV"
                </button>
                <a class="btn small" href="#/">"← all stations"</a>
            </div>
            <div class="st-meta">{meta}</div>
        </div>
    }
}

/// What the page shows for a station without sensor packets: a mesh node's
/// role with a link to the mesh graph, or that nothing was heard.
#[component]
pub(super) fn StationEmpty(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let src = crate::store::key_source(id);
    let id = crate::store::key_id(id);
    let mesh_role = Memo::new(move |_| {
        ctx.live.mesh_rev.track();
        ctx.live.with(|s| {
            s.receiver_of(src)?
                .topology()
                .node(id)
                .map(|n| n.role)
                .filter(|r| *r != iotdata::receiver::Role::Sensor)
                .map(|r| r.as_str())
        })
    });
    view! {
        <div class="panel" data-testid="station-empty">
            {move || match mesh_role.get() {
                Some(role) => view! {
                    <p>
                        {format!("Station {id} is a mesh {role}: it sends no sensor packets. ")}
                        <a href=format!("#/mesh?node={id}")>"Open it in the mesh graph"</a>
                    </p>
                }
                    .into_any(),
                None => view! { <p class="muted">"Nothing heard from this station yet."</p> }.into_any(),
            }}
        </div>
    }
}

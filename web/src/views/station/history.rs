//! The station page's history charts, one per numeric series.

use super::*;

/// A [`HistoryChart`] per numeric series of station `id`.
#[component]
pub(super) fn HistoryPanel(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let series_keys = ctx.live.station_memo(id, move |s| s.history_keys(id));
    view! {
        <div class="panel st-charts-panel">
            <h3>"History " <span class="count">{move || format!("({} series)", series_keys.with(Vec::len))}</span></h3>
            <div class="st-charts">
                <For each=move || series_keys.get() key=|k| k.clone() let:key>
                    {
                        let k = key.clone();
                        let unit = ctx
                            .live
                            .with(|s| s.series(id, &key).map(|s| s.unit).unwrap_or(""));
                        let points = Signal::derive(move || {
                            rev.track();
                            ctx.live.with(|s| {
                                s.history(id, &k)
                                    .map(|p| p.iter().copied().collect::<Vec<_>>())
                                    .unwrap_or_default()
                            })
                        });
                        view! { <HistoryChart field=key.clone() unit=fmt::unit(unit).to_string() points=points /> }
                    }
                </For>
            </div>
        </div>
    }
}

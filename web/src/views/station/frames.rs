//! The station page's images and raw frames; a click opens a frame in the
//! inspector.

use super::*;

/// The station's latest images (when it sent any) and raw frames.
#[component]
pub(super) fn FramesPanel(id: u16) -> impl IntoView {
    view! {
        <div class="panel st-frames">
            <StationImages id=id />
            <RawFrames id=id />
        </div>
    }
}

/// Thumbnails of the station's latest images.
#[component]
fn StationImages(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let thumbs = Memo::new(move |_| {
        rev.track();
        ctx.live.gallery_rev.track();
        ctx.live.with(|s| {
            s.thumbnails()
                .filter(|t| t.station == id)
                .take(THUMBNAILS_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || thumbs.with(|t| !t.is_empty())>
            <h3>"Images"</h3>
            <div class="st-thumbs">
                <For each=move || thumbs.get() key=|t| t.id let:t>
                    {
                        let hex = t.frame.as_deref().map(iotdata::hex::encode);
                        let href = hex.map(|h| Route::Inspector { hex: Some(h) }.href());
                        let at = t.rx_ms;
                        let img = t.image.clone();
                        view! {
                            <a class="st-thumb" href=href title="Open the frame in the inspector">
                                <Thumbnail image=Signal::derive(move || img.clone()) scale=4 testid="thumbnail" station=crate::store::key_id(id) />
                                <span class="muted small">{format!("#{} · {}", t.sequence, clock_time(at))}</span>
                            </a>
                        }
                    }
                </For>
            </div>
        </Show>
    }
}

/// The station's last [`FRAMES_SHOWN`] raw frames.
#[component]
fn RawFrames(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let frames = ctx.live.station_memo(id, move |s| frame_rows(s, id));
    view! {
        <h3>"Raw frames " <span class="count">{move || format!("(last {})", frames.with(Vec::len))}</span></h3>
        <div class="table-wrap st-frames-wrap" tabindex="0" role="region" aria-label="recent frames">
            <table class="st-frames-table">
                <thead>
                    <tr><th>"Time"</th><th>"Seq"</th><th>"Via"</th><th>"Bytes"</th><th>"Hex"</th></tr>
                </thead>
                <tbody>
                    <For each=move || frames.get() key=|f| (f.rx_ms, f.sequence, f.hex.clone()) let:f>
                        <FrameLine f=f />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One raw frame row.
#[component]
fn FrameLine(f: FrameRow) -> impl IntoView {
    let href = Route::Inspector {
        hex: Some(f.hex.clone()),
    }
    .href();
    let go = href.clone();
    let short = if f.hex.len() > 40 {
        format!("{}…", &f.hex[..40])
    } else {
        f.hex.clone()
    };
    view! {
        <tr
            data-testid="frame-row"
            data-seq=f.sequence.to_string()
            class="clickable"
            title="Open in the inspector"
            on:click=move |_| { let _ = window().location().set_hash(&go); }
        >
            <td class="mono">{clock_time(f.rx_ms as f64)}</td>
            <td class="num">{f.sequence}</td>
            <td>{f.via.map(|v| format!("0x{v:03x}")).unwrap_or_else(|| "direct".into())}</td>
            <td class="num">{f.len}</td>
            <td class="mono"><a href=href on:click=|e| e.stop_propagation()>{short}</a></td>
        </tr>
    }
}

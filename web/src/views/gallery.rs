//! `#/gallery`: the latest image thumbnails across stations, newest first
//! (at most [`GALLERY_LIMIT`]), each with its station, time and field label.
//! A click on a picture opens its frame in the inspector (`#hex=…`). Pictures
//! are drawn by [`crate::views::thumbnail::Thumbnail`] (crisp canvas); one
//! that fails to decompress becomes an error tile, never a broken page.
//! "One per station" keeps only each station's newest picture.
//!
//! Test hooks: `data-testid="thumbnail"` with `data-station="<station id>"`
//! on each canvas (or error tile); `data-testid="gallery-tile"` with
//! `data-station` on each tile.

use crate::vecmap::VecSet;

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::router::Route;
use crate::store::Thumbnail as Thumb;
use crate::views::thumbnail::Thumbnail;
use crate::views::widgets::{PanelHead, Toggle};
use crate::views::{clock_time, relative_time};

/// Most pictures shown.
pub const GALLERY_LIMIT: usize = 48;

/// Which of `thumbs` (newest first) the gallery shows: at most `limit`, and
/// only each station's newest when `per_station`.
pub fn select<'a>(
    thumbs: impl Iterator<Item = &'a Thumb>,
    per_station: bool,
    limit: usize,
) -> Vec<Thumb> {
    let mut seen = VecSet::new();
    thumbs
        .filter(|t| !per_station || seen.insert(t.station))
        .take(limit)
        .cloned()
        .collect()
}

/// The `#/gallery` page.
#[component]
pub fn Gallery() -> impl IntoView {
    let ctx = use_ctx();
    let live = ctx.live;
    let clock = ctx.clock;
    let per_station = RwSignal::new(false);
    let items: Memo<Vec<Thumb>> = Memo::new(move |_| {
        live.gallery_rev.track();
        let one = per_station.get();
        live.with(|s| select(s.thumbnails(), one, GALLERY_LIMIT))
    });
    let count = move || items.with(Vec::len);
    view! {
        <section class="panel gallery-panel">
            <PanelHead title="Image thumbnails" count=count>
                <Toggle testid="gallery-per-station" label="One per station" value=per_station />
                <span class="muted small">"Click a picture to open its frame in the inspector."</span>
            </PanelHead>
            <Show
                when=move || !items.with(Vec::is_empty)
                fallback=|| {
                    view! {
                        <p class="empty muted">
                            "No images yet. Pictures sent by camera stations (IMAGE fields) appear here, newest first."
                        </p>
                    }
                }
            >
                <div class="gallery-grid" data-testid="gallery">
                    <For each=move || items.get() key=|t| t.id let:t>
                        <Tile t=t clock=clock />
                    </For>
                </div>
            </Show>
        </section>
    }
}

/// One picture with its caption.
#[component]
fn Tile(t: Thumb, clock: RwSignal<f64>) -> impl IntoView {
    let key = t.station;
    let station = crate::store::key_id(key);
    let rx = t.rx_ms;
    let image = t.image.clone();
    let href = t.frame.as_deref().map(|f| {
        Route::Inspector {
            hex: Some(iotdata::hex::encode(f)),
        }
        .href()
    });
    let picture = view! {
        <Thumbnail image=image testid="thumbnail" station=station caption=true />
    };
    let picture = match href {
        Some(h) => view! {
            <a class="gallery-pic" href=h title="Open this frame in the inspector">
                {picture}
            </a>
        }
        .into_any(),
        None => view! { <div class="gallery-pic">{picture}</div> }.into_any(),
    };
    view! {
        <figure class="gallery-tile" data-testid="gallery-tile" data-station=station.to_string()>
            {picture}
            <figcaption>
                <a href=crate::router::station_href(key) class="gallery-station">
                    {format!("Station {station}")}
                    <span class="muted mono">{format!(" 0x{station:03X}")}</span>
                </a>
                <span class="muted" title=clock_time(rx)>
                    {move || relative_time(clock.get() - rx)}
                </span>
                <span class="muted small gallery-meta">
                    {format!("{} · seq {} · {}", t.label, t.sequence, clock_time(rx))}
                </span>
            </figcaption>
        </figure>
    }
}

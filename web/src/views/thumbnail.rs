//! Image thumbnails: an iotdata image field drawn crisp on a `<canvas>`.
//!
//! The canvas holds the picture at its native size (one canvas pixel per
//! image pixel) and CSS scales it ×4 to ×8 with `image-rendering:
//! pixelated`, so it stays sharp and `getImageData` reads the real pixels.
//! Pixel values map to grey levels (`0` black … `2^bpp - 1` white, as the
//! specification says for bilevel, grey4 and grey16); the image's INVERT
//! flag flips the polarity and its FRAGMENT flag is shown as a badge. An
//! image whose data does not decompress becomes an error tile with the
//! reason: never a panic, never a broken page.
//!
//! ```ignore
//! use iotdata_web::views::thumbnail::Thumbnail;
//! view! { <Thumbnail image=img testid="thumbnail" station=42u16 /> }
//! ```
//!
//! Test hooks: `testid` and `station` become `data-testid` and
//! `data-station` on the `<canvas>` (or on the error tile, which also
//! carries `data-state="error"`).

use iotdata::image::{Image, ImageError, PixelGrid};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Smallest and largest CSS scale factor.
pub const MIN_SCALE: u32 = 4;
/// See [`MIN_SCALE`].
pub const MAX_SCALE: u32 = 8;
/// Width in CSS pixels a thumbnail aims for when choosing its scale.
const TARGET_WIDTH: u32 = 256;

/// The grey level (0 = black … 255 = white) of pixel value `v` at depth
/// `bpp` (1..=8 bits; values are masked to the depth), flipped when `invert`.
pub fn grey_level(v: u8, bpp: u8, invert: bool) -> u8 {
    let bpp = bpp.clamp(1, 8);
    let max = (1u16 << bpp) - 1;
    let v = u16::from(v) & max;
    // Rounded: bilevel 0/255, grey4 0/85/170/255, grey16 steps of 17.
    let level = ((v * 255 + max / 2) / max) as u8;
    if invert {
        255 - level
    } else {
        level
    }
}

/// The grid as RGBA bytes (row-major, 4 bytes per pixel, opaque grey), as
/// `ImageData` wants them. Pixels missing from a short `pixels` vector are
/// black.
pub fn grid_to_rgba(grid: &PixelGrid, invert: bool) -> Vec<u8> {
    let n = grid.pixel_count();
    let mut out = Vec::with_capacity(n * 4);
    for i in 0..n {
        let g = grey_level(grid.pixels.get(i).copied().unwrap_or(0), grid.bpp, invert);
        out.extend_from_slice(&[g, g, g, 255]);
    }
    out
}

/// The CSS scale for a picture `width` pixels wide: as close to 256 CSS
/// pixels as ×4..×8 allows (24 and 32 wide: ×8, 48: ×5, 64: ×4).
pub fn scale_for(width: usize) -> u32 {
    let w = u32::try_from(width.max(1)).unwrap_or(u32::MAX);
    (TARGET_WIDTH / w).clamp(MIN_SCALE, MAX_SCALE)
}

/// A short description: `grey16 24×18 rle`.
pub fn describe(image: &Image) -> String {
    format!(
        "{} {}×{} {}",
        image.format().name(),
        image.size().width(),
        image.size().height(),
        image.compression().name()
    )
}

/// Draws `grid` on `canvas` at native size (the canvas is resized).
fn draw(canvas: &web_sys::HtmlCanvasElement, grid: &PixelGrid, invert: bool) {
    let (w, h) = (grid.width as u32, grid.height as u32);
    if w == 0 || h == 0 {
        return;
    }
    canvas.set_width(w);
    canvas.set_height(h);
    let Ok(Some(ctx)) = canvas.get_context("2d") else {
        return;
    };
    let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
        return;
    };
    let rgba = grid_to_rgba(grid, invert);
    if let Ok(data) =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), w, h)
    {
        let _ = ctx.put_image_data(&data, 0.0, 0.0);
    }
}

/// A decoded pixel grid on a crisp canvas (no flags, no caption): the
/// building block of [`Thumbnail`], for callers that already hold a grid.
#[component]
pub fn PixelCanvas(
    /// The picture.
    #[prop(into)]
    grid: Signal<PixelGrid>,
    /// Flip the polarity (the image's INVERT flag).
    #[prop(into, optional)]
    invert: Signal<bool>,
    /// CSS scale; chosen from the width (×4..×8) when absent.
    #[prop(optional)]
    scale: Option<u32>,
    /// `data-testid` on the canvas.
    #[prop(into, optional)]
    testid: MaybeProp<String>,
    /// `data-station` on the canvas (decimal station id).
    #[prop(into, optional)]
    station: MaybeProp<u16>,
    /// Tooltip.
    #[prop(into, optional)]
    title: MaybeProp<String>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let inv = invert.get();
        if let Some(c) = canvas.get() {
            grid.with(|g| draw(&c, g, inv));
        }
    });
    let dims = move || grid.with(|g| (g.width, g.height));
    let style = move || {
        let (w, h) = dims();
        let s = scale.unwrap_or_else(|| scale_for(w)) as usize;
        format!("width:{}px;height:{}px", w * s, h * s)
    };
    view! {
        <canvas
            node_ref=canvas
            class="thumb-canvas"
            width=move || dims().0
            height=move || dims().1
            style=style
            data-testid=move || testid.get()
            data-station=move || station.get().map(|s| s.to_string())
            title=move || title.get()
        ></canvas>
    }
}

/// An image field as a thumbnail: the canvas, a FRAGMENT badge, optionally
/// a caption (`grey16 24×18 rle · inverted`), or an error tile when the
/// data does not decompress.
#[component]
pub fn Thumbnail(
    /// The image field as carried in the frame.
    #[prop(into)]
    image: Signal<Image>,
    /// CSS scale; chosen from the width (×4..×8) when absent.
    #[prop(optional)]
    scale: Option<u32>,
    /// `data-testid` on the canvas (or on the error tile).
    #[prop(into, optional)]
    testid: MaybeProp<String>,
    /// `data-station` on the canvas (or on the error tile).
    #[prop(into, optional)]
    station: MaybeProp<u16>,
    /// Show the format / size / compression caption under the picture.
    #[prop(optional)]
    caption: bool,
) -> impl IntoView {
    let decoded = Memo::new(move |_| image.with(|i| i.decode_pixels().map(|d| d.grid)));
    let invert = Signal::derive(move || image.with(Image::invert));
    let fragment = move || image.with(Image::fragment);
    let meta = move || {
        image.with(|i| {
            let mut s = describe(i);
            if i.invert() {
                s.push_str(" · inverted");
            }
            s
        })
    };
    let body = move || match decoded.get() {
        Ok(grid) => {
            let s = scale.unwrap_or_else(|| scale_for(grid.width));
            let grid = Signal::derive(move || grid.clone());
            view! {
                <PixelCanvas
                    grid=grid
                    invert=invert
                    scale=s
                    testid=testid
                    station=station
                    title=Signal::derive(meta)
                />
            }
            .into_any()
        }
        Err(e) => {
            let (w, h) = image.with(|i| (i.size().width(), i.size().height()));
            let s = scale.unwrap_or_else(|| scale_for(w)) as usize;
            let style = format!("width:{}px;height:{}px", w * s, h * s);
            let reason = error_reason(&e);
            let tip = reason.clone();
            view! {
                <div
                    class="thumb-error"
                    style=style
                    role="img"
                    data-testid=move || testid.get()
                    data-station=move || station.get().map(|s| s.to_string())
                    data-state="error"
                    title=tip
                >
                    <strong>"Image not decodable"</strong>
                    <span>{reason}</span>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <figure class="thumb">
            <div class="thumb-frame">
                {body}
                <Show when=fragment>
                    <span class="thumb-badge" title="FRAGMENT flag: part of a larger picture">
                        "fragment"
                    </span>
                </Show>
            </div>
            {caption.then(|| view! { <figcaption class="thumb-caption muted">{meta}</figcaption> })}
        </figure>
    }
}

/// Why an image could not be drawn, for the error tile.
pub fn error_reason(e: &ImageError) -> String {
    let mut s = e.to_string();
    if s.is_empty() {
        return "Unknown error".into();
    }
    // The codec's messages are ASCII; only the first letter is raised.
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_levels() {
        assert_eq!(grey_level(0, 1, false), 0);
        assert_eq!(grey_level(1, 1, false), 255);
        assert_eq!(grey_level(1, 1, true), 0);
        assert_eq!(
            (0..4).map(|v| grey_level(v, 2, false)).collect::<Vec<_>>(),
            [0, 85, 170, 255]
        );
        assert_eq!(grey_level(15, 4, false), 255);
        assert_eq!(grey_level(1, 4, false), 17);
        assert_eq!(grey_level(1, 4, true), 238);
    }

    #[test]
    fn rgba_and_scale() {
        let g = PixelGrid {
            width: 2,
            height: 1,
            bpp: 1,
            pixels: vec![0, 1],
        };
        assert_eq!(grid_to_rgba(&g, false), [0, 0, 0, 255, 255, 255, 255, 255]);
        assert_eq!(scale_for(24), 8);
        assert_eq!(scale_for(32), 8);
        assert_eq!(scale_for(48), 5);
        assert_eq!(scale_for(64), 4);
        assert_eq!(scale_for(200), 4);
    }
}

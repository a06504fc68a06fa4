//! Camera thumbnails: small synthetic motion frames.
//!
//! * [`motion_mask`]: a bilevel 32x24 motion mask (1 = pixel changed) of a
//!   car crossing the car-park entrance, plus a few specks of sensor noise.
//!   Mostly zeros, so run-length encoding makes it tiny.
//! * [`wildlife_frame`]: a 16-grey 32x24 picture of a hillside (sky, ridge
//!   line, forest, track) with a deer walking across; the brightness follows
//!   the daylight. Repetitive rows suit heatshrink's back-references.

use iotdata::image::{Compression, Image, PixelFormat, PixelGrid, SizeTier};
use iotdata::EncodeError;

use crate::rng::SplitMix64;

/// The bilevel motion mask for frame number `frame`.
pub fn motion_mask(frame: u32, rng: &mut SplitMix64) -> PixelGrid {
    let (w, h) = (SizeTier::S32x24.width(), SizeTier::S32x24.height());
    let mut g = PixelGrid::new(w, h, 1);
    // The car enters from the left, 4 px per frame, and a new one every 12 frames.
    let phase = (frame % 12) as i64;
    let x0 = phase * 4 - 10;
    let lane = if (frame / 12) % 2 == 0 { 13 } else { 9 };
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let dx = x - x0;
            let dy = y - lane;
            // body 10x4 with a 6x2 cabin on top
            let body = (0..10).contains(&dx) && (0..4).contains(&dy);
            let cabin = (2..8).contains(&dx) && (-2..0).contains(&dy);
            if body || cabin {
                set(&mut g, x, y, 1);
            }
        }
    }
    for _ in 0..rng.range_u64(0, 3) {
        let x = rng.range_u64(0, w as u64 - 1) as i64;
        let y = rng.range_u64(0, h as u64 - 1) as i64;
        set(&mut g, x, y, 1);
    }
    g
}

/// The 16-grey wildlife frame for frame number `frame`; `light` is 0.0
/// (night, infrared) to 1.0 (bright day).
pub fn wildlife_frame(frame: u32, light: f64, rng: &mut SplitMix64) -> PixelGrid {
    let (w, h) = (WILDLIFE_SIZE.width(), WILDLIFE_SIZE.height());
    let mut g = PixelGrid::new(w, h, 4);
    let gain = 0.35 + 0.65 * light.clamp(0.0, 1.0);
    let (wi, hi) = (w as i64, h as i64);
    for y in 0..hi {
        for x in 0..wi {
            // ridge line: a gentle slope with a notch
            let ridge = hi * 5 / 18 + x / 6 - i64::from((wi * 5 / 12..wi * 7 / 12).contains(&x));
            let base = if y < ridge {
                14 - 8 * y / hi // sky, brighter high up
            } else if y < hi * 2 / 3 {
                4 + (x / 2 + y) % 2 // forest texture
            } else if (hi * 3 / 4..hi * 3 / 4 + 2).contains(&y) {
                10 // the track
            } else {
                7 // grass
            };
            set(&mut g, x, y, ((base as f64) * gain).round() as i64);
        }
    }
    // The deer: walks right to left, 2 px per frame, body 6x3, head, legs.
    let x0 = wi - (i64::from(frame) % (wi / 2 + 4)) * 2;
    let y0 = hi * 2 / 3;
    for dy in 0..3 {
        for dx in 0..6 {
            set(&mut g, x0 + dx, y0 + dy, 2);
        }
    }
    for (dx, dy) in [(-1, -1), (-1, -2), (-2, -2), (0, 3), (1, 3), (4, 3), (5, 3)] {
        set(&mut g, x0 + dx, y0 + dy, 2);
    }
    // a little sensor noise
    for _ in 0..rng.range_u64(0, 2) {
        let x = rng.range_u64(0, w as u64 - 1) as i64;
        let y = rng.range_u64(0, h as u64 - 1) as i64;
        set(&mut g, x, y, 15);
    }
    g
}

/// Size of the wildlife camera's thumbnails.
pub const WILDLIFE_SIZE: SizeTier = SizeTier::S32x24;

fn set(g: &mut PixelGrid, x: i64, y: i64, v: i64) {
    if x < 0 || y < 0 || x >= g.width as i64 || y >= g.height as i64 {
        return;
    }
    let max = (1i64 << g.bpp) - 1;
    if let Some(p) = g.pixels.get_mut(y as usize * g.width + x as usize) {
        *p = v.clamp(0, max) as u8;
    }
}

/// The RLE image field for [`motion_mask`].
pub fn motion_image(frame: u32, rng: &mut SplitMix64) -> Result<Image, EncodeError> {
    let g = motion_mask(frame, rng);
    Image::from_pixels(
        PixelFormat::Bilevel,
        SizeTier::S32x24,
        Compression::Rle,
        false,
        false,
        &g,
    )
}

/// The heatshrink image field for [`wildlife_frame`].
pub fn wildlife_image(frame: u32, light: f64, rng: &mut SplitMix64) -> Result<Image, EncodeError> {
    let g = wildlife_frame(frame, light, rng);
    Image::from_pixels(
        PixelFormat::Grey16,
        WILDLIFE_SIZE,
        Compression::Heatshrink,
        false,
        false,
        &g,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fit_a_lora_frame() {
        let mut rng = SplitMix64::new(1);
        let mut max_rle = 0;
        let mut max_hs = 0;
        for f in 0..48 {
            let a = motion_image(f, &mut rng).unwrap();
            let b = wildlife_image(f, f64::from(f % 5) / 4.0, &mut rng).unwrap();
            assert_eq!(a.compression(), Compression::Rle);
            assert_eq!(b.compression(), Compression::Heatshrink);
            max_rle = max_rle.max(a.data().len());
            max_hs = max_hs.max(b.data().len());
            // decodes back to the same pixels
            let g = wildlife_frame(f, 0.5, &mut SplitMix64::new(9));
            let img = wildlife_image(f, 0.5, &mut SplitMix64::new(9)).unwrap();
            assert_eq!(img.decode_pixels().unwrap().grid, g);
        }
        assert!(max_rle <= 60, "rle {max_rle}");
        assert!(max_hs <= 170, "heatshrink {max_hs}");
    }
}

//! The uncompressed picture.

use super::*;
use crate::bits::{BitReader, BitWriter};

/// An uncompressed picture: one value per pixel, row-major, top row first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PixelGrid {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Bits per pixel (1, 2 or 4 for the protocol's formats; 1..=8 accepted).
    pub bpp: u8,
    /// `width × height` pixel values, each below `2^bpp`.
    pub pixels: Vec<u8>,
}

impl PixelGrid {
    /// An all-zero (black) grid.
    pub fn new(width: usize, height: usize, bpp: u8) -> Self {
        PixelGrid {
            width,
            height,
            bpp,
            pixels: vec![0; width.saturating_mul(height)],
        }
    }

    /// An all-zero grid with the dimensions and depth of a format and size
    /// tier; `None` for the reserved format.
    pub fn for_image(format: PixelFormat, size: SizeTier) -> Option<Self> {
        Some(Self::new(size.width(), size.height(), format.bpp()?))
    }

    /// `width × height`.
    pub fn pixel_count(&self) -> usize {
        self.width.saturating_mul(self.height)
    }

    /// Bytes of the packed form: `ceil(width × height × bpp / 8)`.
    pub fn packed_len(&self) -> usize {
        packed_len(self.pixel_count(), self.bpp)
    }

    /// The pixel at column `x`, row `y` (`None` outside the grid).
    pub fn get(&self, x: usize, y: usize) -> Option<u8> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.pixels
            .get(y.checked_mul(self.width)?.checked_add(x)?)
            .copied()
    }

    /// The packed form: pixels MSB-first within each byte, left to right,
    /// rows top to bottom, the last byte zero-padded. Values are masked to
    /// `bpp` bits; missing pixels (if `pixels` is short) count as 0.
    pub fn packed(&self) -> Vec<u8> {
        let bpp = u32::from(self.bpp.min(8));
        let mut w = BitWriter::with_capacity(self.packed_len());
        if bpp == 0 {
            return Vec::new();
        }
        for i in 0..self.pixel_count() {
            w.write(u32::from(self.pixels.get(i).copied().unwrap_or(0)), bpp);
        }
        w.into_bytes()
    }

    /// Unpacks `packed` (layout as [`PixelGrid::packed`]). Bytes beyond
    /// `ceil(width × height × bpp / 8)` are ignored; fewer is
    /// [`ImageError::WrongSize`].
    pub fn from_packed(
        width: usize,
        height: usize,
        bpp: u8,
        packed: &[u8],
    ) -> Result<Self, ImageError> {
        check_bpp(bpp)?;
        let count = width.saturating_mul(height);
        let need = packed_len(count, bpp);
        if packed.len() < need {
            return Err(ImageError::WrongSize {
                got: packed.len(),
                expected: need,
            });
        }
        let mut r = BitReader::new(packed);
        let mut pixels = Vec::with_capacity(count);
        for _ in 0..count {
            let v = r.read(u32::from(bpp)).ok_or(ImageError::WrongSize {
                got: packed.len(),
                expected: need,
            })?;
            pixels.push(v as u8);
        }
        Ok(PixelGrid {
            width,
            height,
            bpp,
            pixels,
        })
    }
}

/// An image's decompressed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// The picture.
    pub grid: PixelGrid,
    /// For heatshrink data, which bit-stream convention decoded it.
    pub heatshrink: Option<HeatshrinkConvention>,
    /// Whole data bytes after the last one the decompressor used (RAW data
    /// longer than the grid, RLE runs after the last pixel, heatshrink bytes
    /// after the padding byte). 0 for a well-formed image.
    pub unused_bytes: usize,
}

pub(super) fn packed_len(pixel_count: usize, bpp: u8) -> usize {
    pixel_count.saturating_mul(usize::from(bpp)).div_ceil(8)
}

pub(super) fn check_bpp(bpp: u8) -> Result<(), ImageError> {
    if (1..=8).contains(&bpp) {
        Ok(())
    } else {
        Err(ImageError::InvalidBpp(bpp))
    }
}

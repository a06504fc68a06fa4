//! The Image field as carried on the wire: building it (from parts or
//! from pixels) and decoding its pixels.

use super::*;
use crate::error::{Bound, EncodeError, Quantity};

/// The Image field as carried on the wire: the control byte and the data
/// bytes that follow it (still compressed). At most [`MAX_DATA_LEN`] data
/// bytes, so the field always has a valid length byte.
///
/// Control byte: format (bits 7-6), size (5-4), compression (3-2),
/// fragment (bit 1), invert (bit 0). An image read from the wire may carry
/// the reserved format or compression code 3; those are kept as they are so
/// the field re-encodes byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Image {
    pub(super) control: u8,
    pub(super) data: Vec<u8>,
}

impl Image {
    /// Builds an image the way the reference encoder
    /// (`iotdata_encode_image`) does: `format` 0..=2
    /// (`IMAGE_FORMAT_HIGH` otherwise), `size` 0..=3 (`IMAGE_SIZE_HIGH`),
    /// `compression` 0..=2 (`IMAGE_COMPRESSION_HIGH`), at most 254 data bytes
    /// (`IMAGE_DATA_HIGH`). `flags` bit 1 = fragment, bit 0 = invert; its
    /// upper bits are ignored (masked to 2 bits, like the reference). `data`
    /// is carried as given (already compressed); it is not checked against
    /// the format and size.
    pub fn new(
        format: u8,
        size: u8,
        compression: u8,
        flags: u8,
        data: Vec<u8>,
    ) -> Result<Image, EncodeError> {
        Self::build("image", format, size, compression, flags, data)
    }

    /// [`Image::new`] with the reference API's data pointer: `data` `None`
    /// with `data_len > 0` is `IMAGE_DATA_NULL`
    /// ([`EncodeError::ImageDataMissing`]), as is `data_len` beyond the
    /// slice; otherwise the first `data_len` bytes are used.
    pub fn from_call(
        format: u8,
        size: u8,
        compression: u8,
        flags: u8,
        data: Option<&[u8]>,
        data_len: usize,
    ) -> Result<Image, EncodeError> {
        check_codes("image", format, size, compression)?;
        let bytes = match data {
            None if data_len == 0 => Vec::new(),
            None => return Err(EncodeError::ImageDataMissing),
            Some(d) => d
                .get(..data_len)
                .ok_or(EncodeError::ImageDataMissing)?
                .to_vec(),
        };
        Self::build("image", format, size, compression, flags, bytes)
    }

    /// An image from a raw control byte (any value, reserved codes included)
    /// and data bytes; fails only when `data` is longer than 254 bytes.
    pub fn from_wire(control: u8, data: Vec<u8>) -> Result<Image, EncodeError> {
        check_data_len("image", data.len())?;
        Ok(Image { control, data })
    }

    /// Compresses `grid` with `compression` and builds the image. The grid
    /// must have the format's depth and the size tier's dimensions with every
    /// value below `2^bpp`; the compressed data must fit in 254 bytes
    /// ([`EncodeError::ImageCompression`], reported as `IMAGE_DATA_HIGH`).
    pub fn from_pixels(
        format: PixelFormat,
        size: SizeTier,
        compression: Compression,
        fragment: bool,
        invert: bool,
        grid: &PixelGrid,
    ) -> Result<Image, EncodeError> {
        let bpp = format.bpp().ok_or_else(|| {
            EncodeError::range("image.format", Quantity::ImageFormat, Bound::High, 3.0, 2.0)
        })?;
        if compression == Compression::Reserved {
            return Err(EncodeError::range(
                "image.compression",
                Quantity::ImageCompression,
                Bound::High,
                3.0,
                2.0,
            ));
        }
        if grid.width != size.width() || grid.height != size.height() || grid.bpp != bpp {
            return Err(EncodeError::ImageCompression(format!(
                "the grid is {}x{} at {} bpp, {} {} needs {}x{} at {} bpp",
                grid.width,
                grid.height,
                grid.bpp,
                format,
                size,
                size.width(),
                size.height(),
                bpp
            )));
        }
        if grid.pixels.len() != size.pixel_count() {
            return Err(EncodeError::ImageCompression(format!(
                "the grid holds {} pixel values, {} needed",
                grid.pixels.len(),
                size.pixel_count()
            )));
        }
        let max = (1u16 << bpp) - 1;
        if let Some((i, v)) = grid
            .pixels
            .iter()
            .enumerate()
            .find(|(_, v)| u16::from(**v) > max)
        {
            return Err(EncodeError::ImageCompression(format!(
                "pixel {i} has value {v}, more than {bpp} bits"
            )));
        }
        let packed = grid.packed();
        let data = match compression {
            Compression::Raw => packed,
            Compression::Rle => rle_compress(&packed, bpp, size.pixel_count()),
            Compression::Heatshrink => heatshrink_compress(&packed),
            Compression::Reserved => Vec::new(),
        };
        if data.len() > MAX_DATA_LEN {
            return Err(EncodeError::ImageCompression(format!(
                "{} {} {} data is {} bytes, more than the {} an image field can carry",
                format,
                size,
                compression,
                data.len(),
                MAX_DATA_LEN
            )));
        }
        let flags = (u8::from(fragment) << 1) | u8::from(invert);
        Ok(Image {
            control: control_byte(format.code(), size.code(), compression.code(), flags),
            data,
        })
    }

    pub(super) fn build(
        label: &str,
        format: u8,
        size: u8,
        compression: u8,
        flags: u8,
        data: Vec<u8>,
    ) -> Result<Image, EncodeError> {
        check_codes(label, format, size, compression)?;
        check_data_len(label, data.len())?;
        Ok(Image {
            control: control_byte(format, size, compression, flags),
            data,
        })
    }

    /// The control byte.
    pub fn control(&self) -> u8 {
        self.control
    }

    /// The data bytes after the control byte, as on the wire (compressed).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Consumes the image, returning its data bytes.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The length byte: bytes after it (control byte + data), 1..=255.
    pub fn length_byte(&self) -> u8 {
        // `data` holds at most 254 bytes (type invariant).
        (self.data.len().min(MAX_DATA_LEN) + 1) as u8
    }

    /// Pixel format (control bits 7-6).
    pub fn format(&self) -> PixelFormat {
        PixelFormat::from_code(self.control >> 6)
    }

    /// Size tier (control bits 5-4).
    pub fn size(&self) -> SizeTier {
        SizeTier::from_code(self.control >> 4)
    }

    /// Compression method (control bits 3-2).
    pub fn compression(&self) -> Compression {
        Compression::from_code(self.control >> 2)
    }

    /// The FRAGMENT flag (control bit 1): more fragments follow.
    pub fn fragment(&self) -> bool {
        self.control & 0x02 != 0
    }

    /// The INVERT flag (control bit 0): display with inverted polarity.
    pub fn invert(&self) -> bool {
        self.control & 0x01 != 0
    }

    /// The two flag bits (bit 1 fragment, bit 0 invert).
    pub fn flags(&self) -> u8 {
        self.control & 0x03
    }

    /// Decompresses the data into the picture the control byte describes.
    ///
    /// * RAW: the data must hold at least the packed grid
    ///   (`width × height × bpp / 8` bytes); shorter is
    ///   [`ImageError::Truncated`], longer is accepted and the extra bytes are
    ///   reported in [`DecodedImage::unused_bytes`].
    /// * RLE: runs until the grid is full ([`rle_decompress`]); a run past
    ///   the end of the grid is [`ImageError::Overflow`], data ending early is
    ///   [`ImageError::Truncated`].
    /// * HEATSHRINK: decoded with the reference convention; if that does not
    ///   yield exactly the grid's bytes (error, truncation, overflow) or
    ///   leaves whole unused bytes, the library convention is tried.
    ///   Preference order: a convention that yields exactly the grid and
    ///   leaves only padding bits (< 8) beats one that leaves whole bytes
    ///   unused; between equals the reference convention wins. Fails with
    ///   [`ImageError::Heatshrink`] when neither convention yields the grid.
    ///
    /// Output never exceeds the grid size, whatever the data.
    pub fn decode_pixels(&self) -> Result<DecodedImage, ImageError> {
        let bpp = self.format().bpp().ok_or(ImageError::ReservedFormat)?;
        let size = self.size();
        let count = size.pixel_count();
        let expected = packed_len(count, bpp);
        let (packed, heatshrink, used) = match self.compression() {
            Compression::Raw => {
                let bytes = self.data.get(..expected).ok_or(ImageError::Truncated {
                    produced: self.data.len(),
                    expected,
                    unit: "bytes",
                })?;
                (bytes.to_vec(), None, expected)
            }
            Compression::Rle => {
                let (packed, used) = rle_decode(&self.data, bpp, count)?;
                (packed, None, used)
            }
            Compression::Heatshrink => {
                let (packed, conv, used) = heatshrink_decode_auto(&self.data, expected)?;
                (packed, Some(conv), used)
            }
            Compression::Reserved => return Err(ImageError::ReservedCompression),
        };
        let grid = PixelGrid::from_packed(size.width(), size.height(), bpp, &packed)?;
        Ok(DecodedImage {
            grid,
            heatshrink,
            unused_bytes: self.data.len().saturating_sub(used),
        })
    }
}

fn control_byte(format: u8, size: u8, compression: u8, flags: u8) -> u8 {
    ((format & 0x03) << 6) | ((size & 0x03) << 4) | ((compression & 0x03) << 2) | (flags & 0x03)
}

fn check_codes(label: &str, format: u8, size: u8, compression: u8) -> Result<(), EncodeError> {
    let parts = [
        ("format", Quantity::ImageFormat, format, 2),
        ("size", Quantity::ImageSize, size, 3),
        ("compression", Quantity::ImageCompression, compression, 2),
    ];
    for (part, quantity, code, max) in parts {
        EncodeError::check_max(u64::from(code), max, quantity, || format!("{label}.{part}"))?;
    }
    Ok(())
}

fn check_data_len(label: &str, len: usize) -> Result<(), EncodeError> {
    EncodeError::check_max(len as u64, MAX_DATA_LEN as u64, Quantity::ImageData, || {
        format!("{label}.data")
    })
}

//! The Image field (specification §8.27): wire format, pixel codecs
//! (RLE and heatshrink-style LZSS), canonical JSON and bit-level dump.
//!
//! An [`Image`] is the field exactly as carried on the wire: the control
//! byte and the (still compressed) data bytes. [`Image::decode_pixels`]
//! turns it into a [`PixelGrid`]; [`Image::from_pixels`] goes the other way.
//!
//! Every decode path is bounded: decompressors never produce more than the
//! image size (`width × height × bpp / 8` bytes, at most 1536) whatever the
//! input, and malformed input yields an [`ImageError`], never a panic.
//!
//! # Heatshrink conventions
//!
//! The reference implementation (libiotdata) calls its codec "heatshrink"
//! with window 8 / lookahead 4, but its bit stream uses tag bit **1 for a
//! back-reference** (8-bit distance − 1, 4-bit count − 1) and **0 for a
//! literal** (8 bits), the opposite of the heatshrink library's own
//! convention (1 = literal, 0 = back-reference; same field widths). The
//! decoder tries the reference convention first and falls back to the
//! library convention (see [`Image::decode_pixels`]); the compressor emits
//! the reference convention byte for byte like the reference encoder.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::bits::{BitReader, BitWriter};
use crate::dump::DumpEntry;
use crate::error::{Bound, DecodeError, EncodeError, Quantity};
use crate::json_write::{write_bool, write_key, write_str};

/// Most data bytes an image field can carry (the length byte counts the
/// control byte too and is at most 255).
pub const MAX_DATA_LEN: usize = 254;

/// Heatshrink window size in bits (256-byte window): back-reference
/// distances are 1..=256.
pub const HEATSHRINK_WINDOW_BITS: u32 = 8;

/// Heatshrink lookahead size in bits (16-byte lookahead): back-reference
/// counts are 1..=16.
pub const HEATSHRINK_LOOKAHEAD_BITS: u32 = 4;

const HS_MAX_DISTANCE: usize = 1 << HEATSHRINK_WINDOW_BITS;
const HS_MAX_COUNT: usize = 1 << HEATSHRINK_LOOKAHEAD_BITS;

/// Length of the dump's control-byte text: the reference formats it into a
/// 32-byte buffer, so at most 31 characters survive
/// (`"grey16 64x48 heatshrink frag in"`).
const DUMP_CONTROL_TEXT_MAX: usize = 31;

/// Base64 decoder for JSON input: standard alphabet, padding optional, and
/// non-zero unused low bits in the last character accepted (the reference
/// emits `ChssPf==` for `0a1b2c3d`).
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

// ---------------------------------------------------------------------------
// Control byte parts
// ---------------------------------------------------------------------------

/// Declares one of the control byte's 2-bit parts from a single table: the
/// variants in code order (code 0 first) with their JSON / dump names. It
/// generates `from_code`, `code`, `name`, `from_name` and `Display`, so the
/// code, the name and the variant cannot drift apart.
macro_rules! control_part {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident ($what:literal, $names:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $name:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $ty {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $ty {
            /// Every value, in code order (index = 2-bit wire code).
            const ALL: [$ty; 4] = [$($ty::$variant),+];

            #[doc = concat!("The ", $what, " for a 2-bit code (only the low two bits of `code` are used).")]
            pub fn from_code(code: u8) -> Self {
                Self::ALL[usize::from(code & 0x03)]
            }

            /// The 2-bit wire code.
            pub fn code(self) -> u8 {
                self as u8
            }

            #[doc = concat!("The JSON / dump name: ", $names, ".")]
            pub fn name(self) -> &'static str {
                match self {
                    $( $ty::$variant => $name, )+
                }
            }

            #[doc = concat!("The ", $what, " with this JSON name (including `reserved`), if any.")]
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.name() == name)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

control_part! {
    /// Pixel format (control bits 7-6).
    pub enum PixelFormat ("format", "`bilevel`, `grey4`, `grey16` or `reserved`") {
        /// Code 0: 1 bit per pixel, 0 = black, 1 = white.
        Bilevel = "bilevel",
        /// Code 1: 2 bits per pixel, 0 = black .. 3 = white.
        Grey4 = "grey4",
        /// Code 2: 4 bits per pixel, 0 = black .. 15 = white.
        Grey16 = "grey16",
        /// Code 3: reserved. Decoded and shown as `"reserved"` (like the
        /// reference); it cannot be encoded and has no pixel depth.
        Reserved = "reserved",
    }
}

impl PixelFormat {
    /// Bits per pixel (1, 2 or 4); `None` for the reserved code.
    pub fn bpp(self) -> Option<u8> {
        match self {
            PixelFormat::Bilevel => Some(1),
            PixelFormat::Grey4 => Some(2),
            PixelFormat::Grey16 => Some(4),
            PixelFormat::Reserved => None,
        }
    }
}

control_part! {
    /// Image size tier (control bits 5-4). All four codes are defined.
    pub enum SizeTier ("tier", "`24x18`, `32x24`, `48x36` or `64x48`") {
        /// Code 0: 24 × 18 pixels.
        S24x18 = "24x18",
        /// Code 1: 32 × 24 pixels.
        S32x24 = "32x24",
        /// Code 2: 48 × 36 pixels.
        S48x36 = "48x36",
        /// Code 3: 64 × 48 pixels.
        S64x48 = "64x48",
    }
}

impl SizeTier {
    /// Width in pixels.
    pub fn width(self) -> usize {
        match self {
            SizeTier::S24x18 => 24,
            SizeTier::S32x24 => 32,
            SizeTier::S48x36 => 48,
            SizeTier::S64x48 => 64,
        }
    }

    /// Height in pixels.
    pub fn height(self) -> usize {
        self.width() * 3 / 4
    }

    /// Number of pixels (`width × height`).
    pub fn pixel_count(self) -> usize {
        self.width() * self.height()
    }
}

control_part! {
    /// Compression method (control bits 3-2).
    pub enum Compression ("method", "`raw`, `rle`, `heatshrink` or `reserved`") {
        /// Code 0: packed pixels as they are.
        Raw = "raw",
        /// Code 1: run-length encoding (§8.27.1).
        Rle = "rle",
        /// Code 2: heatshrink-style LZSS, window 8, lookahead 4 (§8.27.2).
        Heatshrink = "heatshrink",
        /// Code 3: reserved. Decoded and shown as `"reserved"` (like the
        /// reference); it cannot be encoded or decompressed.
        Reserved = "reserved",
    }
}

/// Which heatshrink bit-stream convention a stream was decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeatshrinkConvention {
    /// The reference implementation's: tag bit 1 = back-reference, 0 = literal.
    Reference,
    /// The heatshrink library's: tag bit 1 = literal, 0 = back-reference.
    Library,
}

impl HeatshrinkConvention {
    /// `reference` or `library`.
    pub fn name(self) -> &'static str {
        match self {
            HeatshrinkConvention::Reference => "reference",
            HeatshrinkConvention::Library => "library",
        }
    }

    /// The tag bit value that announces a back-reference.
    fn backref_tag(self) -> u32 {
        match self {
            HeatshrinkConvention::Reference => 1,
            HeatshrinkConvention::Library => 0,
        }
    }
}

impl fmt::Display for HeatshrinkConvention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why an image's pixels could not be recovered (the field itself decoded
/// fine; only its content is unusable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Pixel format code 3.
    #[error("pixel format code 3 is reserved")]
    ReservedFormat,
    /// Compression code 3.
    #[error("compression code 3 is reserved")]
    ReservedCompression,
    /// A bits-per-pixel value outside 1..=8 was given to a codec function.
    #[error("unsupported pixel depth of {0} bits (1..=8 expected)")]
    InvalidBpp(u8),
    /// The data ended before the whole image was produced.
    #[error("data ends after {produced} of {expected} {unit}")]
    Truncated {
        /// Output produced before the data ran out.
        produced: usize,
        /// Output the image needs.
        expected: usize,
        /// Unit of the two counts: `pixels` (RLE) or `bytes`.
        unit: &'static str,
    },
    /// A run or back-reference would produce more output than the image holds.
    #[error("a run or back-reference of {length} at output position {position} goes beyond the image's {expected} {unit}")]
    Overflow {
        /// Output position where the run or back-reference starts.
        position: usize,
        /// Its length.
        length: usize,
        /// Output the image holds.
        expected: usize,
        /// Unit of the counts: `pixels` (RLE) or `bytes`.
        unit: &'static str,
    },
    /// A heatshrink back-reference points before the start of the output.
    #[error(
        "back-reference at output byte {position} reaches {distance} bytes back, before the start"
    )]
    BackrefBeforeStart {
        /// Output position of the back-reference.
        position: usize,
        /// Its distance.
        distance: usize,
    },
    /// A greyscale RLE pair carries a value wider than the pixel depth.
    #[error("RLE value {value} at data byte {offset} does not fit in {bpp} bits")]
    InvalidRleValue {
        /// The value byte.
        value: u8,
        /// Offset of the value byte in the data.
        offset: usize,
        /// The pixel depth.
        bpp: u8,
    },
    /// Packed pixel data is shorter than the grid needs.
    #[error("packed pixel data has {got} bytes, {expected} needed")]
    WrongSize {
        /// Bytes given.
        got: usize,
        /// Bytes needed.
        expected: usize,
    },
    /// A heatshrink stream decodes exactly under neither convention.
    #[error(
        "heatshrink data fits neither convention (reference: {reference}; library: {library})"
    )]
    Heatshrink {
        /// Why the reference convention failed.
        reference: Box<ImageError>,
        /// Why the library convention failed.
        library: Box<ImageError>,
    },
}

// ---------------------------------------------------------------------------
// Pixel grid
// ---------------------------------------------------------------------------

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

fn packed_len(pixel_count: usize, bpp: u8) -> usize {
    pixel_count.saturating_mul(usize::from(bpp)).div_ceil(8)
}

fn check_bpp(bpp: u8) -> Result<(), ImageError> {
    if (1..=8).contains(&bpp) {
        Ok(())
    } else {
        Err(ImageError::InvalidBpp(bpp))
    }
}

// ---------------------------------------------------------------------------
// The field
// ---------------------------------------------------------------------------

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
    control: u8,
    data: Vec<u8>,
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

    fn build(
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
    if format > 2 {
        return Err(EncodeError::range(
            format!("{label}.format"),
            Quantity::ImageFormat,
            Bound::High,
            f64::from(format),
            2.0,
        ));
    }
    if size > 3 {
        return Err(EncodeError::range(
            format!("{label}.size"),
            Quantity::ImageSize,
            Bound::High,
            f64::from(size),
            3.0,
        ));
    }
    if compression > 2 {
        return Err(EncodeError::range(
            format!("{label}.compression"),
            Quantity::ImageCompression,
            Bound::High,
            f64::from(compression),
            2.0,
        ));
    }
    Ok(())
}

fn check_data_len(label: &str, len: usize) -> Result<(), EncodeError> {
    if len > MAX_DATA_LEN {
        return Err(EncodeError::range(
            format!("{label}.data"),
            Quantity::ImageData,
            Bound::High,
            len as f64,
            MAX_DATA_LEN as f64,
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Wire
// ---------------------------------------------------------------------------

/// Reads an Image field at the reader's position (not necessarily
/// byte-aligned).
///
/// Layout, MSB-first from the cursor:
///
/// ```text
/// bits 0-7    length L (1..=255): bytes that follow, control byte included
/// bits 8-15   control: format (7-6) | size (5-4) | compression (3-2) |
///             fragment (1) | invert (0)
/// bits 16-    L - 1 data bytes (compressed pixels), 8 bits each
/// total       (1 + L) × 8 bits
/// ```
///
/// Errors: input ending inside the length byte, control byte or data is
/// [`DecodeError::Truncated`] with field `{label}.length`,
/// `{label}.control` or `{label}.data` and the bit offset where that part
/// starts; L = 0 is [`DecodeError::Malformed`] (`{label}.length`). The
/// control byte is not validated (reserved codes are kept).
pub fn read_image(r: &mut BitReader, label: &str) -> Result<Image, DecodeError> {
    let total = r.len_bits();
    let start = r.pos();
    let len = r
        .read(8)
        .ok_or_else(|| DecodeError::truncated(start, format!("{label}.length"), 8, total))?;
    if len == 0 {
        return Err(DecodeError::Malformed {
            bit_offset: start,
            field: format!("{label}.length"),
            reason:
                "image length byte is 0; it must be 1..255 (the control byte is always present)"
                    .into(),
        });
    }
    let control_at = r.pos();
    let control = r
        .read(8)
        .ok_or_else(|| DecodeError::truncated(control_at, format!("{label}.control"), 8, total))?;
    let data_at = r.pos();
    let n = (len - 1) as usize;
    let mut data = Vec::new();
    r.read_bytes_into(n, &mut data)
        .ok_or_else(|| DecodeError::truncated(data_at, format!("{label}.data"), n * 8, total))?;
    Ok(Image {
        control: control as u8,
        data,
    })
}

/// Writes the field: length byte, control byte, data (layout as
/// [`read_image`]), at the writer's current bit position.
pub fn write_image(w: &mut BitWriter, img: &Image) {
    w.write(u32::from(img.length_byte()), 8);
    w.write(u32::from(img.control), 8);
    w.write_bytes(
        img.data
            .get(..MAX_DATA_LEN.min(img.data.len()))
            .unwrap_or(&[]),
    );
}

/// Bits the field occupies on the wire: `(2 + data bytes) × 8`.
pub fn image_bits(img: &Image) -> usize {
    (2 + img.data.len()) * 8
}

// ---------------------------------------------------------------------------
// RLE
// ---------------------------------------------------------------------------

/// Run-length encodes `pixel_count` pixels of `bpp` bits read MSB-first from
/// `packed`, like the reference encoder:
///
/// * `bpp` 1 (bilevel): one byte per run, bit 7 the value, bits 6-0 the run
///   length − 1 (runs of 1..=128; longer runs are split).
/// * `bpp` 2..=8 (greyscale): byte pairs (value, run length − 1), runs of
///   1..=256.
///
/// Runs continue across rows. If `packed` holds fewer than `pixel_count`
/// pixels only those are encoded; an unsupported `bpp` (0 or > 8) gives an
/// empty result.
pub fn rle_compress(packed: &[u8], bpp: u8, pixel_count: usize) -> Vec<u8> {
    if check_bpp(bpp).is_err() {
        return Vec::new();
    }
    let available = packed.len().saturating_mul(8) / usize::from(bpp);
    let count = pixel_count.min(available);
    let max_run = if bpp == 1 { 128 } else { 256 };
    let mut out = Vec::new();
    let mut r = BitReader::new(packed);
    let mut current: Option<(u8, usize)> = None;
    let emit = |value: u8, run: usize, out: &mut Vec<u8>| {
        if bpp == 1 {
            out.push((value << 7) | (run - 1) as u8);
        } else {
            out.push(value);
            out.push((run - 1) as u8);
        }
    };
    for _ in 0..count {
        let Some(v) = r.read(u32::from(bpp)) else {
            break;
        };
        let v = v as u8;
        current = match current {
            Some((value, run)) if value == v && run < max_run => Some((value, run + 1)),
            Some((value, run)) => {
                emit(value, run, &mut out);
                Some((v, 1))
            }
            None => Some((v, 1)),
        };
    }
    if let Some((value, run)) = current {
        emit(value, run, &mut out);
    }
    out
}

/// Decodes RLE data into exactly `pixel_count` packed pixels (`ceil(pixel_count × bpp / 8)` bytes, last byte
/// zero-padded). Decoding stops once the grid is full; data after that is
/// ignored.
///
/// Data layout (runs continue across rows):
///
/// ```text
/// bpp 1:     one byte per run: bit 7 value, bits 6-0 run length - 1 (1..=128)
/// bpp 2..=8: two bytes per run: value (zero-extended to 8 bits),
///            run length - 1 (1..=256)
/// ```
///
/// Errors: [`ImageError::Truncated`] if the data ends first,
/// [`ImageError::Overflow`] if a run goes past `pixel_count`,
/// [`ImageError::InvalidRleValue`] for a greyscale value wider than `bpp`,
/// [`ImageError::InvalidBpp`].
pub fn rle_decompress(data: &[u8], bpp: u8, pixel_count: usize) -> Result<Vec<u8>, ImageError> {
    rle_decode(data, bpp, pixel_count).map(|(packed, _)| packed)
}

/// RLE decoding; also returns the number of data bytes used.
fn rle_decode(data: &[u8], bpp: u8, pixel_count: usize) -> Result<(Vec<u8>, usize), ImageError> {
    check_bpp(bpp)?;
    let step = if bpp == 1 { 1 } else { 2 };
    let max_value = (1u16 << bpp) - 1;
    let mut w =
        BitWriter::with_capacity(packed_len(pixel_count, bpp).min(data.len().saturating_mul(64)));
    let mut produced = 0usize;
    let mut offset = 0usize;
    while produced < pixel_count {
        let (value, run) = match (data.get(offset), data.get(offset + 1)) {
            (Some(&b), _) if bpp == 1 => (b >> 7, usize::from(b & 0x7f) + 1),
            (Some(&v), Some(&n)) => {
                if u16::from(v) > max_value {
                    return Err(ImageError::InvalidRleValue {
                        value: v,
                        offset,
                        bpp,
                    });
                }
                (v, usize::from(n) + 1)
            }
            _ => {
                return Err(ImageError::Truncated {
                    produced,
                    expected: pixel_count,
                    unit: "pixels",
                })
            }
        };
        if run > pixel_count - produced {
            return Err(ImageError::Overflow {
                position: produced,
                length: run,
                expected: pixel_count,
                unit: "pixels",
            });
        }
        for _ in 0..run {
            w.write(u32::from(value), u32::from(bpp));
        }
        produced += run;
        offset += step;
    }
    Ok((w.into_bytes(), offset))
}

// ---------------------------------------------------------------------------
// Heatshrink (LZSS)
// ---------------------------------------------------------------------------

/// Compresses `packed` in the reference convention (see
/// [`heatshrink_compress_with`]); output identical to the reference encoder.
pub fn heatshrink_compress(packed: &[u8]) -> Vec<u8> {
    heatshrink_compress_with(packed, HeatshrinkConvention::Reference)
}

/// LZSS-compresses `packed` into an MSB-first bit stream, zero-padded to a
/// whole byte.
///
/// Tokens (reference convention; the library convention swaps the tag bit):
///
/// ```text
/// literal:         tag 0, then the byte (8 bits)             9 bits
/// back-reference:  tag 1, distance - 1 (8 bits, 1..=256),
///                  count - 1 (4 bits, 1..=16)                13 bits
/// ```
///
/// Matching is greedy, like the reference encoder: at each position the
/// longest match (up to 16 bytes, overlapping the current position allowed)
/// within the previous 256 bytes is taken; among equally long matches the
/// farthest (oldest) one wins; matches shorter than 2 bytes are sent as
/// literals.
pub fn heatshrink_compress_with(packed: &[u8], convention: HeatshrinkConvention) -> Vec<u8> {
    let backref = convention.backref_tag();
    let literal = backref ^ 1;
    let mut w = BitWriter::with_capacity(packed.len() + packed.len() / 8 + 1);
    let mut pos = 0usize;
    while let Some(&byte) = packed.get(pos) {
        let max_len = (packed.len() - pos).min(HS_MAX_COUNT);
        let mut best_len = 0usize;
        let mut best_dist = 0usize;
        // Farthest first; a strictly longer match replaces the best, so the
        // farthest of equally long matches is kept.
        for dist in (1..=pos.min(HS_MAX_DISTANCE)).rev() {
            let start = pos - dist;
            let mut len = 0usize;
            while len < max_len && packed.get(start + len) == packed.get(pos + len) {
                len += 1;
            }
            if len > best_len {
                best_len = len;
                best_dist = dist;
                if len == max_len {
                    break;
                }
            }
        }
        if best_len >= 2 {
            w.write(backref, 1);
            w.write((best_dist - 1) as u32, HEATSHRINK_WINDOW_BITS);
            w.write((best_len - 1) as u32, HEATSHRINK_LOOKAHEAD_BITS);
            pos += best_len;
        } else {
            w.write(literal, 1);
            w.write(u32::from(byte), 8);
            pos += 1;
        }
    }
    w.into_bytes()
}

/// Decodes a reference-convention stream into exactly `max_out` bytes
/// (see [`heatshrink_decompress_with`]).
pub fn heatshrink_decompress(data: &[u8], max_out: usize) -> Result<Vec<u8>, ImageError> {
    heatshrink_decompress_with(data, max_out, HeatshrinkConvention::Reference)
}

/// Decodes a heatshrink-library-convention stream into exactly `max_out`
/// bytes (see [`heatshrink_decompress_with`]).
pub fn heatshrink_decompress_library(data: &[u8], max_out: usize) -> Result<Vec<u8>, ImageError> {
    heatshrink_decompress_with(data, max_out, HeatshrinkConvention::Library)
}

/// Decodes an LZSS stream until `max_out` bytes have been produced; the
/// bits after that (padding) are ignored. The output is never longer than
/// `max_out`.
///
/// Stream layout, MSB-first from bit 0 of `data` (window 8 bits, lookahead
/// 4 bits; the library convention swaps the tag values):
///
/// ```text
/// tag (1 bit)   reference: 0 = literal, 1 = back-reference
/// literal:      8 bits, the output byte
/// back-ref:     8 bits distance - 1 (1..=256 bytes back from the output end),
///               4 bits count - 1 (1..=16 bytes, may overlap the bytes it
///               produces)
/// ```
///
/// Errors: [`ImageError::Truncated`] when the stream ends before `max_out`
/// bytes; [`ImageError::Overflow`] when a back-reference would go past
/// `max_out`; [`ImageError::BackrefBeforeStart`] when a back-reference
/// reaches before the first output byte (the heatshrink library would read
/// zeros from its cleared window there; no encoder emits that, so it is
/// rejected).
pub fn heatshrink_decompress_with(
    data: &[u8],
    max_out: usize,
    convention: HeatshrinkConvention,
) -> Result<Vec<u8>, ImageError> {
    heatshrink_decode(data, max_out, convention).map(|(out, _)| out)
}

/// Heatshrink decoding; also returns the number of input bits used.
fn heatshrink_decode(
    data: &[u8],
    max_out: usize,
    convention: HeatshrinkConvention,
) -> Result<(Vec<u8>, usize), ImageError> {
    let backref = convention.backref_tag();
    let mut r = BitReader::new(data);
    // A 13-bit token yields at most 16 bytes: bound the reservation by the
    // input as well as by `max_out`.
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(data.len().saturating_mul(10)));
    let truncated = |produced: usize| ImageError::Truncated {
        produced,
        expected: max_out,
        unit: "bytes",
    };
    while out.len() < max_out {
        let tag = r.read(1).ok_or_else(|| truncated(out.len()))?;
        if tag == backref {
            let dist = r
                .read(HEATSHRINK_WINDOW_BITS)
                .ok_or_else(|| truncated(out.len()))? as usize
                + 1;
            let count = r
                .read(HEATSHRINK_LOOKAHEAD_BITS)
                .ok_or_else(|| truncated(out.len()))? as usize
                + 1;
            let position = out.len();
            if dist > position {
                return Err(ImageError::BackrefBeforeStart {
                    position,
                    distance: dist,
                });
            }
            if count > max_out - position {
                return Err(ImageError::Overflow {
                    position,
                    length: count,
                    expected: max_out,
                    unit: "bytes",
                });
            }
            for _ in 0..count {
                let b = out
                    .len()
                    .checked_sub(dist)
                    .and_then(|i| out.get(i))
                    .copied()
                    .ok_or(ImageError::BackrefBeforeStart {
                        position,
                        distance: dist,
                    })?;
                out.push(b);
            }
        } else {
            let b = r.read(8).ok_or_else(|| truncated(out.len()))?;
            out.push(b as u8);
        }
    }
    Ok((out, r.pos()))
}

/// Decodes heatshrink image data of `expected` bytes, choosing the
/// convention (see [`Image::decode_pixels`]). Returns the bytes, the
/// convention and the number of data bytes used.
fn heatshrink_decode_auto(
    data: &[u8],
    expected: usize,
) -> Result<(Vec<u8>, HeatshrinkConvention, usize), ImageError> {
    let total = data.len().saturating_mul(8);
    let clean = |bits: usize| total.saturating_sub(bits) < 8;
    let reference = heatshrink_decode(data, expected, HeatshrinkConvention::Reference);
    if let Ok((out, bits)) = &reference {
        if clean(*bits) {
            return Ok((
                out.clone(),
                HeatshrinkConvention::Reference,
                bits.div_ceil(8),
            ));
        }
    }
    let library = heatshrink_decode(data, expected, HeatshrinkConvention::Library);
    match (reference, library) {
        (_, Ok((out, bits))) if clean(bits) => {
            Ok((out, HeatshrinkConvention::Library, bits.div_ceil(8)))
        }
        (Ok((out, bits)), _) => Ok((out, HeatshrinkConvention::Reference, bits.div_ceil(8))),
        (Err(_), Ok((out, bits))) => Ok((out, HeatshrinkConvention::Library, bits.div_ceil(8))),
        (Err(reference), Err(library)) => Err(ImageError::Heatshrink {
            reference: Box::new(reference),
            library: Box::new(library),
        }),
    }
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

/// Appends the reference's JSON object for the field:
/// `{"format":..,"size":..,"compression":..,"fragment":..,"invert":..,"pixels":..}`
/// with names as [`PixelFormat::name`], [`SizeTier::name`],
/// [`Compression::name`] (reserved codes print as `"reserved"`) and
/// `pixels` the standard RFC 4648 base64 of the data bytes as on the wire
/// (still compressed), omitted when there are none.
pub fn write_image_json(out: &mut String, img: &Image) {
    out.push('{');
    write_key(out, "format");
    write_str(out, img.format().name());
    out.push(',');
    write_key(out, "size");
    write_str(out, img.size().name());
    out.push(',');
    write_key(out, "compression");
    write_str(out, img.compression().name());
    out.push(',');
    write_key(out, "fragment");
    write_bool(out, img.fragment());
    out.push(',');
    write_key(out, "invert");
    write_bool(out, img.invert());
    if !img.data.is_empty() {
        out.push(',');
        write_key(out, "pixels");
        write_str(out, &STANDARD.encode(&img.data));
    }
    out.push('}');
}

/// Rebuilds an image from its JSON object (as [`write_image_json`] writes
/// it), following the reference's `iotdata_encode_from_json`:
///
/// * keys `format`, `size`, `compression` (strings), `fragment`, `invert`
///   (booleans), `pixels` (base64); every key is optional. The spec's
///   `pixel_format` key is not read (the reference reads `format`).
/// * a missing or unknown name means code 0 (`bilevel`, `24x18`, `raw`);
///   `"reserved"` means code 3 and fails like [`Image::new`]
///   (`IMAGE_FORMAT_HIGH` / `IMAGE_COMPRESSION_HIGH`).
/// * missing `fragment` / `invert` are false; missing or empty `pixels`
///   means no data bytes.
/// * `pixels` is standard base64; padding is optional and non-zero unused
///   bits in the last character (the reference's output, e.g. `ChssPf==`)
///   are accepted. More than 254 bytes is `IMAGE_DATA_HIGH`.
///
/// Unlike the reference (which silently treats them as absent), members of
/// the wrong JSON type are [`EncodeError::JsonInvalid`]. `field` is the
/// member path used in error messages (e.g. `thumbnail`).
pub fn image_from_json(v: &serde_json::Value, field: &str) -> Result<Image, EncodeError> {
    let obj = v.as_object().ok_or_else(|| EncodeError::JsonInvalid {
        field: field.to_string(),
        reason: "expected an image object".into(),
    })?;
    let name = |key: &str| -> Result<Option<&str>, EncodeError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(EncodeError::JsonInvalid {
                field: format!("{field}.{key}"),
                reason: "expected a string".into(),
            }),
        }
    };
    let flag = |key: &str| -> Result<bool, EncodeError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(false),
            Some(serde_json::Value::Bool(b)) => Ok(*b),
            Some(_) => Err(EncodeError::JsonInvalid {
                field: format!("{field}.{key}"),
                reason: "expected true or false".into(),
            }),
        }
    };
    let format = name("format")?
        .and_then(PixelFormat::from_name)
        .map_or(0, PixelFormat::code);
    let size = name("size")?
        .and_then(SizeTier::from_name)
        .map_or(0, SizeTier::code);
    let compression = name("compression")?
        .and_then(Compression::from_name)
        .map_or(0, Compression::code);
    let flags = (u8::from(flag("fragment")?) << 1) | u8::from(flag("invert")?);
    let data = match name("pixels")? {
        None => Vec::new(),
        Some(s) => BASE64_LENIENT
            .decode(s)
            .map_err(|e| EncodeError::JsonInvalid {
                field: format!("{field}.pixels"),
                reason: format!("invalid base64: {e}"),
            })?,
    };
    Image::build(field, format, size, compression, flags, data)
}

// ---------------------------------------------------------------------------
// Dump
// ---------------------------------------------------------------------------

/// The control byte as text: `"<format> <size> <compression>"` plus
/// `" frag"` and `" inv"` for the flags, e.g. `"bilevel 32x24 raw frag inv"`.
pub fn describe_control(control: u8) -> String {
    let mut s = format!(
        "{} {} {}",
        PixelFormat::from_code(control >> 6),
        SizeTier::from_code(control >> 4),
        Compression::from_code(control >> 2)
    );
    if control & 0x02 != 0 {
        s.push_str(" frag");
    }
    if control & 0x01 != 0 {
        s.push_str(" inv");
    }
    s
}

/// Appends the dump rows of an image field starting at bit `start_bit`
/// (see [`dump_image_parts`]). The rows are named `image_length`,
/// `image_control` and `image_pixels` whatever the slot's label, like the
/// reference's dump (a `thumbnail` slot still dumps as `image_*`); `_label`
/// is accepted for symmetry with the other field dumpers and not used.
pub fn dump_image(img: &Image, start_bit: usize, _label: &str, out: &mut Vec<DumpEntry>) {
    dump_image_parts(start_bit, img.length_byte(), img.control, out);
}

/// Appends the dump rows for an image field from its length and control
/// bytes alone (usable for a lenient dump of truncated input, where the data
/// bytes may be missing), as the reference does:
///
/// * `image_length`: 8 bits, raw L, `"L (L+1 total)"`, range `1..255`;
/// * `image_control`: 8 bits, raw control, e.g. `"bilevel 32x24 rle"`
///   ([`describe_control`], cut to 31 characters like the reference's
///   32-byte buffer: `"grey16 64x48 heatshrink frag in"`), range
///   `fmt|sz|comp|flg`;
/// * `image_pixels` (only when L > 1): (L−1)×8 bits, raw 0, `"N bytes"`,
///   range `pixel data`.
///
/// With L = 0 (malformed) only the length row is produced.
pub fn dump_image_parts(start_bit: usize, length: u8, control: u8, out: &mut Vec<DumpEntry>) {
    let l = usize::from(length);
    out.push(DumpEntry::new(
        start_bit,
        8,
        "image_length",
        u64::from(length),
        format!("{l} ({} total)", l + 1),
        "1..255",
    ));
    if length == 0 {
        return;
    }
    let text: String = describe_control(control)
        .chars()
        .take(DUMP_CONTROL_TEXT_MAX)
        .collect();
    out.push(DumpEntry::new(
        start_bit + 8,
        8,
        "image_control",
        u64::from(control),
        text,
        "fmt|sz|comp|flg",
    ));
    let n = l - 1;
    if n > 0 {
        out.push(DumpEntry::new(
            start_bit + 16,
            n * 8,
            "image_pixels",
            0,
            format!("{n} bytes"),
            "pixel data",
        ));
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");

    fn records(file: &str) -> Vec<Value> {
        let path = format!("{VECTORS}{file}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("valid JSON line"))
            .collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        assert!(s.len() % 2 == 0, "odd hex length");
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
            .collect()
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn tier_for(pixel_count: usize) -> SizeTier {
        [
            SizeTier::S24x18,
            SizeTier::S32x24,
            SizeTier::S48x36,
            SizeTier::S64x48,
        ]
        .into_iter()
        .find(|t| t.pixel_count() == pixel_count)
        .expect("pixel count of a size tier")
    }

    fn format_for(bpp: u8) -> PixelFormat {
        match bpp {
            1 => PixelFormat::Bilevel,
            2 => PixelFormat::Grey4,
            4 => PixelFormat::Grey16,
            _ => panic!("bpp {bpp}"),
        }
    }

    /// The `n` bytes at bit offset `at` of `buf`.
    fn bits_at(buf: &[u8], at: usize, n: usize) -> Vec<u8> {
        let mut r = BitReader::at(buf, at);
        let mut v = Vec::new();
        r.read_bytes_into(n, &mut v).expect("enough bytes");
        v
    }

    fn image_bytes(img: &Image) -> Vec<u8> {
        let mut w = BitWriter::new();
        write_image(&mut w, img);
        assert_eq!(w.bits(), image_bits(img));
        w.into_bytes()
    }

    // -- image_codec.jsonl ---------------------------------------------------

    /// Every record, both codecs both ways. We match the reference
    /// compressors byte for byte on every record (no deliberate differences).
    #[test]
    fn codec_vectors() {
        let recs = records("image_codec.jsonl");
        assert!(recs.len() >= 25);
        let (mut rle, mut hs) = (0, 0);
        for r in &recs {
            let name = r["name"].as_str().unwrap();
            let bpp = r["bpp"].as_u64().unwrap() as u8;
            let count = r["pixel_count"].as_u64().unwrap() as usize;
            let input = unhex(r["input_hex"].as_str().unwrap());
            let compressed = unhex(r["compressed_hex"].as_str().unwrap());
            assert_eq!(
                input.len(),
                r["input_len"].as_u64().unwrap() as usize,
                "{name}"
            );
            // compressed_len 0 = the reference failed; none in the public set.
            assert!(
                !compressed.is_empty(),
                "{name}: reference produced no output"
            );
            assert_eq!(r["decompressed_hex"], r["input_hex"], "{name}");
            let format = format_for(bpp);
            let tier = tier_for(count);
            match r["codec"].as_str().unwrap() {
                "rle" => {
                    rle += 1;
                    assert_eq!(
                        rle_decompress(&compressed, bpp, count).unwrap(),
                        input,
                        "{name}: decompress"
                    );
                    let ours = rle_compress(&input, bpp, count);
                    assert_eq!(hex(&ours), hex(&compressed), "{name}: compress");
                    assert_eq!(rle_decompress(&ours, bpp, count).unwrap(), input, "{name}");
                    if compressed.len() <= MAX_DATA_LEN {
                        let img = Image::new(format.code(), tier.code(), 1, 0, compressed.clone())
                            .unwrap();
                        let d = img.decode_pixels().unwrap();
                        assert_eq!(d.grid.packed(), input, "{name}");
                        assert_eq!((d.heatshrink, d.unused_bytes), (None, 0), "{name}");
                    }
                }
                "heatshrink" => {
                    hs += 1;
                    assert_eq!(
                        heatshrink_decompress(&compressed, input.len()).unwrap(),
                        input,
                        "{name}: decompress"
                    );
                    let ours = heatshrink_compress(&input);
                    assert_eq!(hex(&ours), hex(&compressed), "{name}: compress");
                    // The library convention: same tokens, tag bit swapped.
                    let lib = heatshrink_compress_with(&input, HeatshrinkConvention::Library);
                    assert_eq!(lib.len(), ours.len(), "{name}");
                    assert_eq!(
                        heatshrink_decompress_library(&lib, input.len()).unwrap(),
                        input,
                        "{name}"
                    );
                    for (data, conv) in [
                        (&compressed, HeatshrinkConvention::Reference),
                        (&lib, HeatshrinkConvention::Library),
                    ] {
                        if data.len() <= MAX_DATA_LEN {
                            let img =
                                Image::new(format.code(), tier.code(), 2, 0, data.clone()).unwrap();
                            let d = img.decode_pixels().unwrap();
                            assert_eq!(d.grid.packed(), input, "{name} {conv}");
                            assert_eq!(
                                (d.heatshrink, d.unused_bytes),
                                (Some(conv), 0),
                                "{name} {conv}"
                            );
                        }
                    }
                }
                other => panic!("{name}: codec {other}"),
            }
        }
        assert!(rle > 0 && hs > 0);
    }

    // -- image fields in decoded-packet records ----------------------------

    /// Checks one image field found in a decoded-packet record; returns
    /// whether its `image_pixels` were checked.
    fn check_packet_image(r: &Value, file: &str) -> bool {
        let name = r["name"].as_str().unwrap();
        let dump: Vec<DumpEntry> = r["dump_entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["field"].as_str().unwrap().starts_with("image_"))
            .map(|e| {
                DumpEntry::new(
                    e["bit_offset"].as_u64().unwrap() as usize,
                    e["bit_length"].as_u64().unwrap() as usize,
                    e["field"].as_str().unwrap(),
                    e["raw"].as_u64().unwrap(),
                    e["decoded"].as_str().unwrap(),
                    e["range"].as_str().unwrap(),
                )
            })
            .collect();
        let at = dump[0].bit_offset;
        let packet = unhex(r["hex"].as_str().unwrap());
        let mut rd = BitReader::at(&packet, at);
        let img = read_image(&mut rd, "thumbnail").unwrap_or_else(|e| panic!("{file} {name}: {e}"));
        assert_eq!(rd.pos(), at + image_bits(&img), "{name}");

        // dump rows
        let mut ours = Vec::new();
        dump_image(&img, at, "thumbnail", &mut ours);
        assert_eq!(ours, dump, "{name}: dump");

        // wire bytes: ours == the packet's
        assert_eq!(
            image_bytes(&img),
            bits_at(&packet, at, image_bits(&img) / 8),
            "{name}: write"
        );

        // JSON: same object as the reference (base64 compared by value)
        let (label, want) = r["json"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, v)| v.get("compression").is_some())
            .expect("image object in JSON");
        let mut text = String::new();
        write_image_json(&mut text, &img);
        let got: Value = serde_json::from_str(&text).unwrap();
        let (got_o, want_o) = (got.as_object().unwrap(), want.as_object().unwrap());
        assert_eq!(
            got_o.keys().collect::<Vec<_>>(),
            want_o.keys().collect::<Vec<_>>(),
            "{name}: key order"
        );
        for (k, v) in want_o {
            if k == "pixels" {
                let a = BASE64_LENIENT.decode(got_o[k].as_str().unwrap()).unwrap();
                let b = BASE64_LENIENT.decode(v.as_str().unwrap()).unwrap();
                assert_eq!(a, b, "{name}: pixels");
                assert_eq!(
                    got_o[k].as_str().unwrap(),
                    STANDARD.encode(&b),
                    "{name}: standard base64"
                );
            } else {
                assert_eq!(&got_o[k], v, "{name}: {k}");
            }
        }

        // JSON -> image: the reference's round trip result
        let back = image_from_json(want, label);
        match r["json_roundtrip"]["error"]["name"].as_str() {
            None => assert_eq!(back.unwrap(), img, "{name}: from JSON"),
            Some(err) => {
                let e = back.expect_err(name);
                assert_eq!(format!("IOTDATA_ERR_{}", e.reference_name()), err, "{name}");
            }
        }
        // and from our own JSON text
        if r["json_roundtrip"]["error"].is_null() {
            assert_eq!(image_from_json(&got, label).unwrap(), img, "{name}");
        }

        // encoder call -> same field
        if let Some(calls) = r["encoder_inputs"].as_array() {
            for c in calls.iter().filter(|c| c["call"] == "image") {
                let data = unhex(c["data_hex"].as_str().unwrap());
                let built = Image::from_call(
                    c["pixel_format"].as_u64().unwrap() as u8,
                    c["size_tier"].as_u64().unwrap() as u8,
                    c["compression"].as_u64().unwrap() as u8,
                    c["flags"].as_u64().unwrap() as u8,
                    Some(&data),
                    data.len(),
                )
                .unwrap();
                assert_eq!(built, img, "{name}: encoder call");
            }
        }

        // pixels
        match img.decode_pixels() {
            Ok(d) => {
                if let Some(p) = r.get("image_pixels").filter(|p| !p.is_null()) {
                    assert_eq!(
                        hex(&d.grid.packed()),
                        p["pixels_hex"].as_str().unwrap(),
                        "{name}: pixels"
                    );
                    assert_eq!(d.grid.width as u64, p["width"].as_u64().unwrap());
                    assert_eq!(d.grid.height as u64, p["height"].as_u64().unwrap());
                    assert_eq!(u64::from(d.grid.bpp), p["bpp"].as_u64().unwrap());
                    assert_eq!(img.format().name(), p["format"].as_str().unwrap());
                    assert_eq!(img.size().name(), p["size"].as_str().unwrap());
                    assert_eq!(d.grid.packed_len() as u64, p["bytes"].as_u64().unwrap());
                    assert_eq!(d.unused_bytes, 0, "{name}");
                    if img.compression() == Compression::Heatshrink {
                        assert_eq!(
                            d.heatshrink,
                            Some(HeatshrinkConvention::Reference),
                            "{name}"
                        );
                    }
                    return true;
                }
            }
            Err(e) => assert!(
                r.get("image_pixels").is_none_or(|p| p.is_null()),
                "{name}: {e}"
            ),
        }
        false
    }

    #[test]
    fn packet_vectors() {
        let mut fields = 0;
        let mut pictures = 0;
        for file in [
            "sensor.jsonl",
            "roundtrip.jsonl",
            "malformed.jsonl",
            "quant.jsonl",
        ] {
            for r in records(file) {
                let has_image = r["dump_entries"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|e| e["field"] == "image_length"));
                if !has_image || !r["error"].is_null() {
                    continue;
                }
                fields += 1;
                if check_packet_image(&r, file) {
                    pictures += 1;
                }
            }
        }
        assert!(fields >= 30, "{fields} image fields");
        assert!(pictures >= 16, "{pictures} pictures");
    }

    /// Every image record of the vectors has an `image_pixels` that matches.
    #[test]
    fn all_image_pixels_checked() {
        for r in records("sensor.jsonl") {
            if let Some(p) = r.get("image_pixels").filter(|p| !p.is_null()) {
                assert_eq!(p["decompress_matches"], true);
                assert!(check_packet_image(&r, "sensor.jsonl"), "{}", r["name"]);
            }
        }
    }

    #[test]
    fn malformed_vectors() {
        let mut seen = 0;
        for r in records("malformed.jsonl") {
            let name = r["name"].as_str().unwrap();
            if !name.starts_with("img_") {
                continue;
            }
            seen += 1;
            let packet = unhex(r["hex"].as_str().unwrap());
            // all three put the image right after header + one presence byte
            let mut rd = BitReader::at(&packet, 40);
            let res = read_image(&mut rd, "thumbnail");
            match name {
                "img_length_1_no_control" => {
                    let e = res.unwrap_err();
                    assert_eq!(
                        (e.kind(), e.field(), e.bit_offset()),
                        ("truncated", "thumbnail.control", 48)
                    );
                }
                "img_length_overrun" => {
                    let e = res.unwrap_err();
                    assert_eq!(
                        (e.kind(), e.field(), e.bit_offset()),
                        ("truncated", "thumbnail.data", 56)
                    );
                    // the lenient dump still shows what the header bytes say
                    let mut d = Vec::new();
                    dump_image_parts(40, 200, 0x14, &mut d);
                    let want: Vec<String> = r["dump_entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|e| e["field"].as_str().unwrap().starts_with("image_"))
                        .map(|e| e["decoded"].as_str().unwrap().to_string())
                        .collect();
                    assert_eq!(
                        d.iter().map(|e| e.decoded.clone()).collect::<Vec<_>>(),
                        want
                    );
                }
                "img_then_truncated_datetime" => {
                    let img = res.unwrap();
                    assert_eq!((img.length_byte(), img.control()), (2, 4));
                }
                _ => {}
            }
        }
        assert!(seen >= 3);
    }

    #[test]
    fn roundtrip_json_vectors() {
        let mut seen = 0;
        for r in records("roundtrip.jsonl") {
            let name = r["name"].as_str().unwrap();
            // (some records hold deliberately invalid JSON text)
            let Ok(json_in) = serde_json::from_str::<Value>(r["json_in"].as_str().unwrap()) else {
                continue;
            };
            let Some((label, v)) = json_in.as_object().unwrap().iter().find(|(_, v)| {
                ["format", "pixel_format", "compression", "pixels"]
                    .iter()
                    .any(|k| v.get(k).is_some())
            }) else {
                continue;
            };
            seen += 1;
            let res = image_from_json(v, label);
            match r["encode_error"]["name"].as_str() {
                Some(err) => {
                    assert_eq!(
                        format!("IOTDATA_ERR_{}", res.unwrap_err().reference_name()),
                        err,
                        "{name}"
                    )
                }
                None => {
                    let packet = unhex(r["hex"].as_str().unwrap());
                    let at = r["dump_entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|e| e["field"] == "image_length")
                        .unwrap()["bit_offset"]
                        .as_u64()
                        .unwrap() as usize;
                    let img = res.unwrap();
                    assert_eq!(
                        image_bytes(&img),
                        bits_at(&packet, at, image_bits(&img) / 8),
                        "{name}"
                    );
                }
            }
        }
        assert!(seen >= 4);
    }

    #[test]
    fn encode_error_vectors() {
        let mut seen = 0;
        for r in records("encode_errors.jsonl") {
            let calls = r["calls"].as_array().unwrap();
            let c = calls.last().unwrap();
            if c["call"] != "image" {
                continue;
            }
            seen += 1;
            let data = c["data_hex"].as_str().map(unhex);
            let len = data
                .as_ref()
                .map_or_else(|| c["data_len"].as_u64().unwrap() as usize, Vec::len);
            let e = Image::from_call(
                c["pixel_format"].as_u64().unwrap() as u8,
                c["size_tier"].as_u64().unwrap() as u8,
                c["compression"].as_u64().unwrap() as u8,
                c["flags"].as_u64().unwrap() as u8,
                data.as_deref(),
                len,
            )
            .unwrap_err();
            assert_eq!(
                format!("IOTDATA_ERR_{}", e.reference_name()),
                r["error"]["name"].as_str().unwrap()
            );
            // Image::new agrees wherever it can express the call
            if let Some(d) = data {
                let e2 = Image::new(
                    c["pixel_format"].as_u64().unwrap() as u8,
                    c["size_tier"].as_u64().unwrap() as u8,
                    c["compression"].as_u64().unwrap() as u8,
                    c["flags"].as_u64().unwrap() as u8,
                    d,
                )
                .unwrap_err();
                assert_eq!(e2, e);
            }
        }
        assert!(seen >= 5);
    }

    // -- hand-written cases ------------------------------------------------

    #[test]
    fn control_byte_and_flags() {
        let img = Image::new(2, 3, 2, 0xfe, vec![1]).unwrap();
        assert_eq!(img.control(), 0b1011_1010);
        assert_eq!(
            (
                img.format(),
                img.size(),
                img.compression(),
                img.fragment(),
                img.invert()
            ),
            (
                PixelFormat::Grey16,
                SizeTier::S64x48,
                Compression::Heatshrink,
                true,
                false
            )
        );
        assert_eq!(describe_control(0xff), "reserved 64x48 reserved frag inv");
        let reserved = Image::from_wire(0xff, vec![0xa5, 0xc3]).unwrap();
        assert_eq!(reserved.format(), PixelFormat::Reserved);
        assert_eq!(
            reserved.decode_pixels().unwrap_err(),
            ImageError::ReservedFormat
        );
        let rc = Image::from_wire(0x0c, vec![]).unwrap();
        assert_eq!(
            rc.decode_pixels().unwrap_err(),
            ImageError::ReservedCompression
        );
        let mut s = String::new();
        write_image_json(&mut s, &reserved);
        assert_eq!(
            s,
            r#"{"format":"reserved","size":"64x48","compression":"reserved","fragment":true,"invert":true,"pixels":"pcM="}"#
        );
        assert!(Image::from_wire(0, vec![0; 255]).is_err());
        assert_eq!(
            Image::new(0, 0, 0, 0, vec![0; 254]).unwrap().length_byte(),
            255
        );
        assert_eq!(
            Image::new(0, 0, 0, 0, vec![0; 255])
                .unwrap_err()
                .reference_name(),
            "IMAGE_DATA_HIGH"
        );
        assert_eq!(
            Image::from_call(0, 0, 0, 0, None, 0).unwrap().data(),
            &[] as &[u8]
        );
        assert_eq!(
            Image::from_call(0, 0, 0, 0, Some(&[1, 2]), 3).unwrap_err(),
            EncodeError::ImageDataMissing
        );
        for code in 0..4 {
            assert_eq!(
                PixelFormat::from_name(PixelFormat::from_code(code).name())
                    .unwrap()
                    .code(),
                code
            );
            assert_eq!(
                SizeTier::from_name(SizeTier::from_code(code).name())
                    .unwrap()
                    .code(),
                code
            );
            assert_eq!(
                Compression::from_name(Compression::from_code(code).name())
                    .unwrap()
                    .code(),
                code
            );
        }
    }

    #[test]
    fn wire_unaligned_and_errors() {
        let img = Image::new(0, 1, 1, 1, vec![0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f]).unwrap();
        let mut w = BitWriter::new();
        w.write(0b101, 3);
        write_image(&mut w, &img);
        w.write(0b11, 2);
        let bits = w.bits();
        let bytes = w.into_bytes();
        assert_eq!(bits, 3 + 64 + 2);
        let mut r = BitReader::at(&bytes, 3);
        assert_eq!(read_image(&mut r, "image").unwrap(), img);
        assert_eq!(r.pos(), 67);
        assert_eq!(r.read(2), Some(0b11));

        // L = 0
        let e = read_image(&mut BitReader::at(&[0x00, 0x14], 0), "image").unwrap_err();
        assert_eq!(
            (e.kind(), e.field(), e.bit_offset()),
            ("malformed", "image.length", 0)
        );
        // truncated inside the length byte (bit offset 4)
        let e = read_image(&mut BitReader::at(&[0xf0], 4), "cam").unwrap_err();
        assert_eq!(e, DecodeError::truncated(4, "cam.length", 8, 8));
        // data missing one byte
        let e = read_image(&mut BitReader::new(&[0x03, 0x14, 0xaa]), "cam").unwrap_err();
        assert_eq!(e, DecodeError::truncated(16, "cam.data", 16, 24));
    }

    #[test]
    fn base64_quirk_and_json() {
        let v = serde_json::json!({"format":"grey4","size":"32x24","compression":"rle","fragment":false,"invert":true,"pixels":"ChssPf=="});
        let img = image_from_json(&v, "thumbnail").unwrap();
        assert_eq!(img.data(), &[0x0a, 0x1b, 0x2c, 0x3d]);
        let mut s = String::new();
        write_image_json(&mut s, &img);
        assert_eq!(
            s,
            r#"{"format":"grey4","size":"32x24","compression":"rle","fragment":false,"invert":true,"pixels":"ChssPQ=="}"#
        );
        // unpadded is accepted too
        let v = serde_json::json!({"pixels":"ChssPQ"});
        assert_eq!(
            image_from_json(&v, "x").unwrap().data(),
            &[0x0a, 0x1b, 0x2c, 0x3d]
        );
        // errors
        let e = image_from_json(&serde_json::json!({"pixels":"!!"}), "x").unwrap_err();
        assert_eq!(e.kind(), "json_invalid");
        let e = image_from_json(&serde_json::json!({"fragment":1}), "x").unwrap_err();
        assert_eq!(e.kind(), "json_invalid");
        let e = image_from_json(&serde_json::json!([]), "x").unwrap_err();
        assert_eq!(e.kind(), "json_invalid");
        let e = image_from_json(&serde_json::json!({"compression":"reserved"}), "x").unwrap_err();
        assert_eq!(e.reference_name(), "IMAGE_COMPRESSION_HIGH");
        let big = STANDARD.encode([0u8; 255]);
        let e = image_from_json(&serde_json::json!({ "pixels": big }), "x").unwrap_err();
        assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH");
    }

    #[test]
    fn raw_sizes() {
        // shorter than the grid: error; longer: accepted, extra reported
        let short = Image::new(0, 0, 0, 0, vec![0; 53]).unwrap();
        assert_eq!(
            short.decode_pixels().unwrap_err(),
            ImageError::Truncated {
                produced: 53,
                expected: 54,
                unit: "bytes"
            }
        );
        let long = Image::new(0, 0, 0, 0, vec![0xff; 60]).unwrap();
        let d = long.decode_pixels().unwrap();
        assert_eq!(d.unused_bytes, 6);
        assert!(d.grid.pixels.iter().all(|&p| p == 1));
        assert_eq!(d.grid.get(23, 17), Some(1));
        assert_eq!(d.grid.get(24, 0), None);
    }

    #[test]
    fn rle_errors() {
        // truncated: 432 pixels needed, 128 given
        assert_eq!(
            rle_decompress(&[0x7f], 1, 432).unwrap_err(),
            ImageError::Truncated {
                produced: 128,
                expected: 432,
                unit: "pixels"
            }
        );
        // greyscale pair cut in half
        assert!(matches!(
            rle_decompress(&[0x03], 2, 4),
            Err(ImageError::Truncated { .. })
        ));
        // overflow: run of 128 into a 100-pixel image
        assert!(matches!(
            rle_decompress(&[0x7f], 1, 100),
            Err(ImageError::Overflow {
                position: 0,
                length: 128,
                ..
            })
        ));
        // value wider than the depth
        assert_eq!(
            rle_decompress(&[0x04, 0x00], 2, 1).unwrap_err(),
            ImageError::InvalidRleValue {
                value: 4,
                offset: 0,
                bpp: 2
            }
        );
        assert_eq!(
            rle_decompress(&[0x00], 0, 1).unwrap_err(),
            ImageError::InvalidBpp(0)
        );
        assert!(rle_compress(&[0xff], 9, 1).is_empty());
        // trailing runs after the grid is full are ignored and reported
        let img = Image::new(0, 0, 1, 0, vec![0x7f, 0x7f, 0x7f, 0x2f, 0x00, 0x00]).unwrap();
        assert_eq!(img.decode_pixels().unwrap().unused_bytes, 2);
        // pixel_count exactly reached by the last run, odd bit count
        assert_eq!(rle_decompress(&[0x82], 1, 3).unwrap(), vec![0xe0]);
    }

    #[test]
    fn heatshrink_errors() {
        // literal 0xaa then back-reference distance 2 (before start)
        let mut w = BitWriter::new();
        w.write(0, 1);
        w.write(0xaa, 8);
        w.write(1, 1);
        w.write(1, 8); // distance 2
        w.write(0, 4);
        let stream = w.into_bytes();
        assert_eq!(
            heatshrink_decompress(&stream, 5).unwrap_err(),
            ImageError::BackrefBeforeStart {
                position: 1,
                distance: 2
            }
        );
        // overflow: literal then back-reference of 16 into a 5-byte output
        let mut w = BitWriter::new();
        w.write(0, 1);
        w.write(0xaa, 8);
        w.write(1, 1);
        w.write(0, 8);
        w.write(15, 4);
        let stream = w.into_bytes();
        assert_eq!(
            heatshrink_decompress(&stream, 5).unwrap_err(),
            ImageError::Overflow {
                position: 1,
                length: 16,
                expected: 5,
                unit: "bytes"
            }
        );
        assert_eq!(heatshrink_decompress(&stream, 17).unwrap(), vec![0xaa; 17]);
        // truncated
        assert_eq!(
            heatshrink_decompress(&stream, 40).unwrap_err(),
            ImageError::Truncated {
                produced: 17,
                expected: 40,
                unit: "bytes"
            }
        );
        assert!(matches!(
            heatshrink_decompress(&[], 1),
            Err(ImageError::Truncated { produced: 0, .. })
        ));
        // output never exceeds max_out, whatever the input
        assert_eq!(
            heatshrink_decompress(&[0x00; 200], 3).unwrap(),
            vec![0, 0, 0]
        );
        // neither convention: reports both
        let img = Image::new(2, 3, 2, 3, vec![0xff]).unwrap(); // vector img_data_len_1
        match img.decode_pixels().unwrap_err() {
            ImageError::Heatshrink { reference, library } => {
                assert!(matches!(
                    *reference,
                    ImageError::Truncated { produced: 0, .. }
                ));
                assert!(matches!(
                    *library,
                    ImageError::Truncated { produced: 0, .. }
                ));
            }
            e => panic!("{e}"),
        }
        // 0x80 0x00: reference = back-reference at output 0; library = literal
        // 0x00 then a back-reference (tag 0) of distance 1: 0x00 x 16 → overflow
        match Image::new(0, 0, 2, 0, vec![0x80, 0x00])
            .unwrap()
            .decode_pixels()
            .unwrap_err()
        {
            ImageError::Heatshrink { reference, .. } => {
                assert_eq!(
                    *reference,
                    ImageError::BackrefBeforeStart {
                        position: 0,
                        distance: 1
                    }
                );
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn from_pixels_errors_and_choice() {
        let mut grid = PixelGrid::for_image(PixelFormat::Grey16, SizeTier::S64x48).unwrap();
        for (i, p) in grid.pixels.iter_mut().enumerate() {
            *p = ((i * 7 + i / 5) % 16) as u8;
        }
        // noise-like picture does not fit
        let e = Image::from_pixels(
            PixelFormat::Grey16,
            SizeTier::S64x48,
            Compression::Raw,
            false,
            false,
            &grid,
        )
        .unwrap_err();
        assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH");
        // wrong dimensions / depth / values
        let e = Image::from_pixels(
            PixelFormat::Grey4,
            SizeTier::S64x48,
            Compression::Rle,
            false,
            false,
            &grid,
        )
        .unwrap_err();
        assert_eq!(e.kind(), "image_compression");
        let mut bad = PixelGrid::for_image(PixelFormat::Bilevel, SizeTier::S24x18).unwrap();
        bad.pixels[3] = 2;
        assert!(Image::from_pixels(
            PixelFormat::Bilevel,
            SizeTier::S24x18,
            Compression::Rle,
            false,
            false,
            &bad
        )
        .is_err());
        let e = Image::from_pixels(
            PixelFormat::Reserved,
            SizeTier::S24x18,
            Compression::Rle,
            false,
            false,
            &bad,
        )
        .unwrap_err();
        assert_eq!(e.reference_name(), "IMAGE_FORMAT_HIGH");
        // a blank frame with flags
        let blank = PixelGrid::for_image(PixelFormat::Bilevel, SizeTier::S32x24).unwrap();
        let img = Image::from_pixels(
            PixelFormat::Bilevel,
            SizeTier::S32x24,
            Compression::Rle,
            true,
            true,
            &blank,
        )
        .unwrap();
        assert_eq!(
            (img.control(), img.data()),
            (0x17, &[0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f][..])
        );
        assert_eq!(img.decode_pixels().unwrap().grid, blank);
    }

    // -- properties --------------------------------------------------------

    fn tiers() -> impl Strategy<Value = (PixelFormat, SizeTier)> {
        (0u8..3, 0u8..4).prop_map(|(f, s)| (PixelFormat::from_code(f), SizeTier::from_code(s)))
    }

    /// A grid of the given format/size: either noise or runs of random
    /// lengths (so that both codecs see long matches).
    fn grid(format: PixelFormat, size: SizeTier) -> impl Strategy<Value = PixelGrid> {
        let bpp = format.bpp().unwrap_or(1);
        let count = size.pixel_count();
        let max = (1u8 << bpp) - 1;
        prop_oneof![
            proptest::collection::vec(0..=max, count),
            proptest::collection::vec((0..=max, 1usize..300), 1..64).prop_map(move |runs| {
                let mut px: Vec<u8> = runs
                    .iter()
                    .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
                    .cycle()
                    .take(count)
                    .collect();
                px.resize(count, 0);
                px
            }),
        ]
        .prop_map(move |pixels| PixelGrid {
            width: size.width(),
            height: size.height(),
            bpp,
            pixels,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn prop_roundtrip((format, size, g) in tiers().prop_flat_map(|(f, s)| (Just(f), Just(s), grid(f, s)))) {
            let bpp = g.bpp;
            let count = g.pixel_count();
            let packed = g.packed();
            prop_assert_eq!(packed.len(), g.packed_len());
            prop_assert_eq!(&PixelGrid::from_packed(g.width, g.height, bpp, &packed).unwrap(), &g);

            let rle = rle_compress(&packed, bpp, count);
            prop_assert_eq!(&rle_decompress(&rle, bpp, count).unwrap(), &packed);

            let hs = heatshrink_compress(&packed);
            prop_assert_eq!(&heatshrink_decompress(&hs, packed.len()).unwrap(), &packed);
            let lib = heatshrink_compress_with(&packed, HeatshrinkConvention::Library);
            prop_assert_eq!(&heatshrink_decompress_library(&lib, packed.len()).unwrap(), &packed);

            for compression in [Compression::Raw, Compression::Rle, Compression::Heatshrink] {
                match Image::from_pixels(format, size, compression, false, true, &g) {
                    Ok(img) => {
                        let d = img.decode_pixels().unwrap();
                        prop_assert_eq!(&d.grid, &g);
                        prop_assert_eq!(d.unused_bytes, 0);
                        let mut w = BitWriter::new();
                        write_image(&mut w, &img);
                        let bytes = w.into_bytes();
                        prop_assert_eq!(read_image(&mut BitReader::new(&bytes), "image").unwrap(), img.clone());
                        let mut s = String::new();
                        write_image_json(&mut s, &img);
                        let v: Value = serde_json::from_str(&s).unwrap();
                        prop_assert_eq!(image_from_json(&v, "image").unwrap(), img);
                    }
                    Err(e) => prop_assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH"),
                }
            }
        }

        #[test]
        fn prop_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), start in 0usize..16) {
            let mut r = BitReader::at(&bytes, start);
            if let Ok(img) = read_image(&mut r, "image") {
                prop_assert!(img.data().len() <= MAX_DATA_LEN);
                if let Ok(d) = img.decode_pixels() {
                    prop_assert_eq!(d.grid.pixels.len(), img.size().pixel_count());
                }
                let mut dump = Vec::new();
                dump_image(&img, start, "image", &mut dump);
                prop_assert!(dump.len() >= 2);
            }
            for bpp in [1u8, 2, 4] {
                if let Ok(p) = rle_decompress(&bytes, bpp, 3072) {
                    prop_assert_eq!(p.len(), 3072 * usize::from(bpp) / 8);
                }
            }
            for conv in [HeatshrinkConvention::Reference, HeatshrinkConvention::Library] {
                if let Ok(p) = heatshrink_decompress_with(&bytes, 1536, conv) {
                    prop_assert_eq!(p.len(), 1536);
                }
            }
        }
    }
}

//! Why an image's pixels could not be recovered.

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

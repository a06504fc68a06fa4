//! The control byte's parts, declared once each, and the heatshrink
//! bit-stream conventions.

use std::fmt;

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
    pub(super) fn backref_tag(self) -> u32 {
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

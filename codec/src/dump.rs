//! Bit-level dump: one entry per header part, presence byte, field
//! component and TLV part.

use serde::Serialize;

/// One row of the bit-level dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DumpEntry {
    /// Bit offset of the first bit (0 = MSB of byte 0).
    pub bit_offset: usize,
    /// Number of bits.
    pub bit_length: usize,
    /// Name of the part (`variant`, `presence[0]`, `battery_level`, `tlv[0].len`, ...).
    pub field: String,
    /// The raw (quantised) value as read from the wire (0 for parts wider than 64 bits).
    pub raw: u64,
    /// The decoded value as text, with its unit.
    pub decoded: String,
    /// The valid range / encoding as text.
    pub range: String,
}

impl DumpEntry {
    /// Builds an entry.
    pub fn new(
        bit_offset: usize,
        bit_length: usize,
        field: impl Into<String>,
        raw: u64,
        decoded: impl Into<String>,
        range: impl Into<String>,
    ) -> Self {
        DumpEntry {
            bit_offset,
            bit_length,
            field: field.into(),
            raw,
            decoded: decoded.into(),
            range: range.into(),
        }
    }
}

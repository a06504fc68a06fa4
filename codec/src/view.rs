//! Allocation-free decoding of sensor packets.
//!
//! [`decode_into`] reads a frame into a caller-owned [`PacketBuf`]: fixed
//! capacity (one entry per slot, [`MAX_SLOTS`]), fields as raw wire values,
//! the Image field and the TLV entries as bit ranges into the input. Nothing
//! is allocated, on success or on error: a failure is a [`ViewError`]
//! (`Copy`), which [`ViewError::to_decode_error`] turns into the
//! [`DecodeError`] that [`decode`](crate::decode) reports for the same bytes.
//!
//! The buffer holds no borrow of the input, so one buffer serves frame after
//! frame; the accessors that read data out of the input (TLV entries, image
//! bytes, [`PacketBuf::to_packet`]) take the same `bytes` again.
//! [`json_view`](crate::json_view) writes the canonical JSON straight from
//! the buffer.
//!
//! Wire layout (as [`packet`](crate::packet) reads it):
//!
//! ```text
//!  bit 0        4                16                               32
//!  +------------+----------------+--------------------------------+
//!  | variant(4) | station (12)   | sequence (16)                  |
//!  +------------+----------------+--------------------------------+
//!  presence[0]: Ext | TLV | S0 S1 S2 S3 S4 S5        (slot 0 first)
//!  presence[n]: Ext | S(6+7(n-1)) ... S(12+7(n-1))   (n = 1..=3)
//!  then every present field in slot order, then the TLV chain.
//! ```
//!
//! ```
//! use iotdata::view::{decode_into, PacketBuf};
//! use iotdata::{DecodeOptions, VariantMap};
//! let bytes = iotdata::hex::decode("002a00043fd1b7b51ad1500440cf5270").unwrap();
//! let map = VariantMap::default_map();
//! let mut buf = PacketBuf::new();
//! decode_into(&bytes, &map, DecodeOptions::STRICT, &mut buf).unwrap();
//! assert_eq!((buf.header().station, buf.header().sequence), (42, 4));
//! assert_eq!(buf.fields().len(), 6);
//! assert_eq!(buf.packed_bits(), 124);
//! assert_eq!(buf.to_packet(&bytes), iotdata::decode(&bytes, &map, DecodeOptions::STRICT).unwrap());
//! ```

use crate::bits::BitReader;
use crate::error::DecodeError;
use crate::field::{
    FieldData, FieldType, FieldValue, GasSlots, Layout, PmChannels, GAS_SLOTS, PM_CHANNELS,
};
use crate::image::Image;
use crate::packet::{read_value, DecodeOptions, Field, Header, Packet, Warning, MIN_PACKET_BYTES};
use crate::tlv::{self, sixbit_to_char, Tlv, TlvData};
use crate::variant::{VariantDef, VariantMap, MAX_PRESENCE_BYTES, MAX_SLOTS};

/// A field value as [`PacketBuf`] holds it: raw wire values, and the Image
/// field as a range of the input.
pub type FieldView = FieldData<ImageRef>;

impl FieldView {
    /// The owned value (`bytes`: the frame this view was decoded from;
    /// only the Image field reads it, and gives `None` when `bytes` does
    /// not hold its data).
    pub fn to_value(&self, bytes: &[u8]) -> Option<FieldValue> {
        Some(match *self {
            FieldView::Fixed { ty, raw } => FieldValue::Fixed { ty, raw },
            FieldView::Pm(pm) => FieldValue::Pm(pm),
            FieldView::Gas(g) => FieldValue::Gas(g),
            FieldView::AirQuality { index, pm, gas } => FieldValue::AirQuality { index, pm, gas },
            FieldView::Image(img) => FieldValue::Image(img.to_image(bytes)?),
        })
    }
}

/// An Image field inside the input: the control byte, and `data_len` data
/// bytes starting at bit `data_bit` (not necessarily byte-aligned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef {
    /// The control byte: format (bits 7-6), size (5-4), compression (3-2),
    /// fragment (bit 1), invert (bit 0).
    pub control: u8,
    /// Bit offset of the first data byte.
    pub data_bit: usize,
    /// Number of data bytes (the length byte minus one, 0..=254).
    pub data_len: u8,
}

impl ImageRef {
    /// The data bytes, read from `bytes` (the frame this view was decoded from).
    pub fn data<'a>(&self, bytes: &'a [u8]) -> ByteIter<'a> {
        ByteIter {
            bytes,
            pos: self.data_bit,
            left: usize::from(self.data_len),
        }
    }

    /// The owned [`Image`]; `None` when `bytes` does not hold all the data
    /// (it is not the frame this was decoded from).
    pub fn to_image(&self, bytes: &[u8]) -> Option<Image> {
        let data: Vec<u8> = self.data(bytes).collect();
        if data.len() != usize::from(self.data_len) {
            return None;
        }
        Image::from_wire(self.control, data).ok()
    }
}

/// Whole bytes read 8 bits at a time from a bit offset (see
/// [`ImageRef::data`], [`TlvRef::raw_bytes`]). Ends early if the input ends.
#[derive(Debug, Clone)]
pub struct ByteIter<'a> {
    bytes: &'a [u8],
    pos: usize,
    left: usize,
}

impl Iterator for ByteIter<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.left == 0 {
            return None;
        }
        let b = read(self.bytes, self.pos, 8)?;
        self.pos += 8;
        self.left -= 1;
        Some(b as u8)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// One present field: its slot and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    /// Slot index (0..=26).
    pub slot: u8,
    /// The value.
    pub value: FieldView,
}

/// One TLV entry inside the input.
///
/// ```text
/// +-----+----------+------+---------+------------------------------------+
/// | Fmt | Type (6) | More | Len (8) | Fmt 0: Len bytes                   |
/// | (1) |          | (1)  |         | Fmt 1: Len 6-bit chars (Appendix A)|
/// +-----+----------+------+---------+------------------------------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvRef {
    /// The type, 0..=63.
    pub ty: u8,
    /// Format bit: `true` for 6-bit text, `false` for raw bytes.
    pub string: bool,
    /// The length: bytes (raw) or characters (text).
    pub len: u8,
    /// Bit offset of the data.
    pub data_bit: usize,
}

impl TlvRef {
    /// The data as bytes (meaningful for raw entries).
    pub fn raw_bytes<'a>(&self, bytes: &'a [u8]) -> ByteIter<'a> {
        ByteIter {
            bytes,
            pos: self.data_bit,
            left: usize::from(self.len),
        }
    }

    /// The data as 6-bit characters (meaningful for text entries).
    pub fn chars<'a>(&self, bytes: &'a [u8]) -> impl Iterator<Item = char> + 'a {
        let start = self.data_bit;
        (0..usize::from(self.len))
            .map_while(move |i| read(bytes, start + 6 * i, 6).map(|v| sixbit_to_char(v as u8)))
    }

    /// The owned [`Tlv`].
    pub fn to_tlv(&self, bytes: &[u8]) -> Tlv {
        let data = if self.string {
            TlvData::Text(self.chars(bytes).collect())
        } else {
            TlvData::Raw(self.raw_bytes(bytes).collect())
        };
        Tlv { ty: self.ty, data }
    }
}

/// The TLV entries of a decoded buffer, in wire order (see [`PacketBuf::tlvs`]).
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    bytes: &'a [u8],
    pos: usize,
    left: usize,
}

impl Iterator for TlvIter<'_> {
    type Item = TlvRef;

    fn next(&mut self) -> Option<TlvRef> {
        if self.left == 0 {
            return None;
        }
        let hdr = read(self.bytes, self.pos, 8)?;
        let len = read(self.bytes, self.pos + 8, 8)?;
        let string = hdr & 0x80 != 0;
        let t = TlvRef {
            ty: ((hdr >> 1) & 0x3F) as u8,
            string,
            len: len as u8,
            data_bit: self.pos + 16,
        };
        self.pos += 16 + len as usize * if string { 6 } else { 8 };
        self.left -= 1;
        Some(t)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// Where a [`ViewError`] arose, so that [`ViewError::to_decode_error`] can
/// name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Inside the field in `slot` (of the layout of `layout_variant`), which
    /// starts at bit `start`.
    Field {
        /// The slot.
        slot: u8,
        /// The variant whose layout was used.
        layout_variant: u8,
        /// Bit offset where the field starts.
        start: usize,
    },
    /// Inside the TLV chain, which starts at bit `start`.
    Tlvs {
        /// Bit offset of the first TLV header.
        start: usize,
    },
}

/// Why [`decode_into`] failed. `Copy` and allocation-free; the kind and bit
/// offset are those of the [`DecodeError`] that
/// [`ViewError::to_decode_error`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewError {
    /// Fewer than [`MIN_PACKET_BYTES`] bytes.
    Short {
        /// Bytes given.
        len: usize,
    },
    /// Variant 15 (mesh) given to the sensor decoder.
    VariantReserved,
    /// The variant has no entry in the map (strict mode, or a map with no
    /// variants at all).
    VariantUnknown {
        /// The header's variant.
        variant: u8,
    },
    /// The input ended inside a field or TLV.
    Truncated {
        /// Bit offset where the failed read started.
        bit_offset: usize,
        /// Bits the read needed.
        needed: usize,
        /// Bits that were left.
        available: usize,
        /// The field or TLV chain being read.
        origin: Origin,
    },
    /// An image length byte of 0.
    Malformed {
        /// Bit offset of the length byte.
        bit_offset: usize,
        /// The field being read.
        origin: Origin,
    },
}

impl ViewError {
    /// The machine-readable kind, as [`DecodeError::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            ViewError::Short { .. } => "short",
            ViewError::VariantReserved => "variant_reserved",
            ViewError::VariantUnknown { .. } => "variant_unknown",
            ViewError::Truncated { .. } => "truncated",
            ViewError::Malformed { .. } => "malformed",
        }
    }

    /// The bit offset, as [`DecodeError::bit_offset`].
    pub fn bit_offset(&self) -> usize {
        match *self {
            ViewError::Short { len } => len * 8,
            ViewError::VariantReserved | ViewError::VariantUnknown { .. } => 0,
            ViewError::Truncated { bit_offset, .. } | ViewError::Malformed { bit_offset, .. } => {
                bit_offset
            }
        }
    }

    /// The [`DecodeError`] that [`decode`](crate::decode) reports for the
    /// same `bytes` and `map`. Field names (`environment.temperature`,
    /// `tlv[2].data`, ...) come from re-reading the failing field with the
    /// [`packet`](crate::packet) reader, so both paths word errors alike.
    pub fn to_decode_error(&self, bytes: &[u8], map: &VariantMap) -> DecodeError {
        match *self {
            ViewError::Short { len } => DecodeError::Short {
                len,
                min: MIN_PACKET_BYTES,
            },
            ViewError::VariantReserved => DecodeError::VariantReserved,
            ViewError::VariantUnknown { variant } => DecodeError::VariantUnknown {
                variant,
                map: map.name.clone(),
            },
            ViewError::Truncated {
                bit_offset,
                needed,
                available,
                origin,
            } => match reread(origin, bytes, map) {
                Some(e) => e,
                None => DecodeError::Truncated {
                    bit_offset,
                    field: origin_name(origin, map),
                    needed,
                    available,
                },
            },
            ViewError::Malformed { bit_offset, origin } => match reread(origin, bytes, map) {
                Some(e) => e,
                None => DecodeError::Malformed {
                    bit_offset,
                    field: origin_name(origin, map),
                    reason: "malformed field".into(),
                },
            },
        }
    }
}

/// Re-reads the failing part with the [`packet`](crate::packet) reader and
/// returns its error.
fn reread(origin: Origin, bytes: &[u8], map: &VariantMap) -> Option<DecodeError> {
    match origin {
        Origin::Field {
            slot,
            layout_variant,
            start,
        } => {
            let sd = map.get(layout_variant)?.slot(usize::from(slot))?;
            read_value(&mut BitReader::at(bytes, start), sd.ty, &sd.label, None).err()
        }
        Origin::Tlvs { start } => tlv::read_tlvs(&mut BitReader::at(bytes, start)).err(),
    }
}

fn origin_name(origin: Origin, map: &VariantMap) -> String {
    match origin {
        Origin::Field {
            slot,
            layout_variant,
            ..
        } => map
            .get(layout_variant)
            .and_then(|d| d.slot(usize::from(slot)))
            .map_or_else(|| format!("slot{slot}"), |sd| sd.label.clone()),
        Origin::Tlvs { .. } => "tlv".into(),
    }
}

const EMPTY_FIELD: FieldRef = FieldRef {
    slot: 0,
    value: FieldView::Fixed {
        ty: FieldType::Battery,
        raw: [0; 3],
    },
};

/// A decoded sensor packet in caller-owned, fixed-capacity storage (see the
/// [module documentation](self)). Filled by [`decode_into`]; after an error
/// its content is unspecified (but safe to read).
#[derive(Debug, Clone)]
pub struct PacketBuf {
    header: Header,
    layout_variant: u8,
    presence_bytes: u8,
    unknown_variant: bool,
    len: usize,
    packed_bits: usize,
    undefined_slots: u32,
    tlv_start: usize,
    tlv_count: usize,
    fields: [FieldRef; MAX_SLOTS],
}

impl Default for PacketBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketBuf {
    /// An empty buffer.
    pub const fn new() -> Self {
        PacketBuf {
            header: Header {
                variant: 0,
                station: 0,
                sequence: 0,
            },
            layout_variant: 0,
            presence_bytes: 0,
            unknown_variant: false,
            len: 0,
            packed_bits: 0,
            undefined_slots: 0,
            tlv_start: 0,
            tlv_count: 0,
            fields: [EMPTY_FIELD; MAX_SLOTS],
        }
    }

    /// The header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// Present fields in slot order.
    pub fn fields(&self) -> &[FieldRef] {
        self.fields.get(..self.len).unwrap_or_default()
    }

    /// The field in `slot`, if present.
    pub fn slot(&self, slot: u8) -> Option<&FieldView> {
        self.fields()
            .iter()
            .find(|f| f.slot == slot)
            .map(|f| &f.value)
    }

    /// Bits consumed by the decoder.
    pub fn packed_bits(&self) -> usize {
        self.packed_bits
    }

    /// Bytes consumed by the decoder (`packed_bits` rounded up).
    pub fn packed_bytes(&self) -> usize {
        self.packed_bits.div_ceil(8)
    }

    /// Presence bytes read.
    pub fn presence_bytes(&self) -> u8 {
        self.presence_bytes
    }

    /// The variant whose layout was used (differs from the header's only in
    /// lenient mode).
    pub fn layout_variant(&self) -> u8 {
        self.layout_variant
    }

    /// Tolerated oddities, in the order [`Packet::warnings`] lists them.
    pub fn warnings(&self) -> impl Iterator<Item = Warning> + '_ {
        let unknown = self.unknown_variant.then_some(Warning::UnknownVariant {
            variant: self.header.variant,
            used: self.layout_variant,
        });
        let undefined = self.undefined_slots;
        unknown.into_iter().chain(
            (0..MAX_SLOTS as u8)
                .filter(move |s| undefined & (1 << s) != 0)
                .map(|slot| Warning::UndefinedSlot { slot }),
        )
    }

    /// Whether there are warnings.
    pub fn has_warnings(&self) -> bool {
        self.unknown_variant || self.undefined_slots != 0
    }

    /// Number of TLV entries.
    pub fn tlv_count(&self) -> usize {
        self.tlv_count
    }

    /// The TLV entries in wire order, read from `bytes` (the frame this
    /// buffer was decoded from).
    pub fn tlvs<'a>(&self, bytes: &'a [u8]) -> TlvIter<'a> {
        TlvIter {
            bytes,
            pos: self.tlv_start,
            left: self.tlv_count,
        }
    }

    /// The owned [`Packet`] (equal to what [`decode`](crate::decode) returns
    /// for the same `bytes`; an Image field whose data `bytes` does not hold
    /// is left out).
    pub fn to_packet(&self, bytes: &[u8]) -> Packet {
        Packet {
            header: self.header,
            fields: self
                .fields()
                .iter()
                .filter_map(|f| {
                    Some(Field {
                        slot: f.slot,
                        value: f.value.to_value(bytes)?,
                    })
                })
                .collect(),
            tlvs: self.tlvs(bytes).map(|t| t.to_tlv(bytes)).collect(),
            packed_bits: self.packed_bits,
            presence_bytes: self.presence_bytes,
            layout_variant: self.layout_variant,
            warnings: self.warnings().collect(),
        }
    }
}

/// The 64 bits of `bytes` from bit `pos` on, MSB-aligned (bits past the end
/// read as 0).
#[inline(always)]
fn window(bytes: &[u8], pos: usize) -> u64 {
    let i = pos >> 3;
    let w = match bytes.get(i..i + 8) {
        Some(s) => {
            let mut b = [0u8; 8];
            b.copy_from_slice(s);
            u64::from_be_bytes(b)
        }
        None => {
            let mut b = [0u8; 8];
            let tail = bytes.get(i..).unwrap_or_default();
            for (d, s) in b.iter_mut().zip(tail) {
                *d = *s;
            }
            u64::from_be_bytes(b)
        }
    };
    w << (pos & 7)
}

/// Reads `n` bits (1..=32) at bit `pos`, MSB first; `None` past the end.
#[inline(always)]
fn read(bytes: &[u8], pos: usize, n: u32) -> Option<u32> {
    if pos + n as usize > bytes.len() * 8 {
        return None;
    }
    Some(window(bytes, pos).checked_shr(64 - n).unwrap_or(0) as u32)
}

/// The layout for `variant` (as [`crate::packet::layout_for`], without
/// allocating on error).
#[inline]
fn layout(map: &VariantMap, variant: u8, opts: DecodeOptions) -> Result<&VariantDef, ViewError> {
    if variant == 15 {
        return Err(ViewError::VariantReserved);
    }
    match map.get(variant) {
        Some(d) => Ok(d),
        None if opts.lenient => map
            .get(0)
            .or_else(|| map.variants().next())
            .ok_or(ViewError::VariantUnknown { variant }),
        None => Err(ViewError::VariantUnknown { variant }),
    }
}

/// Decodes a sensor packet into `buf` without allocating: the same
/// packet, warnings and errors as [`decode`](crate::decode) (turn a
/// [`ViewError`] into that error with [`ViewError::to_decode_error`]).
///
/// Header (32 bits), then presence bytes (at most four; bit 7 of each is
/// Ext, bit 6 of the first is the TLV flag, the remaining bits are slots in
/// order, slot 0 first), then each present field in slot order, then the
/// TLV chain; see the [module documentation](self).
///
/// ```
/// use iotdata::view::{decode_into, PacketBuf, FieldView};
/// use iotdata::{DecodeOptions, FieldType, VariantMap};
/// let map = VariantMap::default_map();
/// let bytes = iotdata::hex::decode(
///     "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210").unwrap();
/// let mut buf = PacketBuf::new();
/// decode_into(&bytes, &map, DecodeOptions::STRICT, &mut buf).unwrap();
/// assert_eq!(buf.fields().len(), 12);
/// assert_eq!(buf.fields()[0].value.ty(), FieldType::Battery);
///
/// let err = decode_into(&bytes[..20], &map, DecodeOptions::STRICT, &mut buf).unwrap_err();
/// assert_eq!(err.kind(), "truncated");
/// let full = iotdata::decode(&bytes[..20], &map, DecodeOptions::STRICT).unwrap_err();
/// assert_eq!(err.to_decode_error(&bytes[..20], &map), full);
/// ```
pub fn decode_into(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
    buf: &mut PacketBuf,
) -> Result<(), ViewError> {
    let Some(&[b0, b1, b2, b3, p0]) = bytes.get(..MIN_PACKET_BYTES) else {
        return Err(ViewError::Short { len: bytes.len() });
    };
    let total = bytes.len() * 8;
    let h = u32::from_be_bytes([b0, b1, b2, b3]);
    let variant = (h >> 28) as u8;
    buf.header = Header {
        variant,
        station: ((h >> 16) & 0x0FFF) as u16,
        sequence: h as u16,
    };
    let def = layout(map, variant, opts)?;
    buf.layout_variant = def.id;
    buf.unknown_variant = def.id != variant;

    // Presence chain: the first byte is always there (5 bytes at least).
    let tlv_flag = p0 & 0x40 != 0;
    let mut present = u32::from(p0 & 0x3F).reverse_bits() >> 26;
    let mut n_pres = 1usize;
    let mut pos = 40usize;
    let mut ext = p0 & 0x80 != 0;
    while ext && n_pres < MAX_PRESENCE_BYTES {
        let Some(&b) = bytes.get(n_pres + 4) else {
            break; // Ext bit at the end of input ends the chain.
        };
        let bits = u32::from(b & 0x7F).reverse_bits() >> 25;
        present |= bits << (6 + 7 * (n_pres - 1));
        ext = b & 0x80 != 0;
        n_pres += 1;
        pos += 8;
    }
    buf.presence_bytes = n_pres as u8;

    let mut undefined = 0u32;
    let mut n = 0usize;
    let mut rest = present;
    while rest != 0 {
        let slot = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        let Some(sd) = def.slot(slot) else {
            undefined |= 1 << slot;
            continue;
        };
        let ty = sd.ty;
        let start = pos;
        let value = match ty.spec().layout {
            // Fixed-width types: the components back to back, read out of
            // one 64-bit window while they fit in it.
            Layout::Fixed(comps) => {
                let mut raw = [0u32; 3];
                let mut w = window(bytes, pos);
                let mut used = 0u32;
                for (c, r) in comps.iter().zip(raw.iter_mut()) {
                    let bits = u32::from(c.bits);
                    if pos + bits as usize > total {
                        return Err(field_truncated(pos, bits, total, slot, def.id, start));
                    }
                    if used + bits > 57 {
                        w = window(bytes, pos);
                        used = 0;
                    }
                    *r = (w << used).checked_shr(64 - bits).unwrap_or(0) as u32;
                    used += bits;
                    pos += bits as usize;
                }
                FieldView::Fixed { ty, raw }
            }
            _ => {
                let origin = Origin::Field {
                    slot: slot as u8,
                    layout_variant: def.id,
                    start,
                };
                read_variable(bytes, total, &mut pos, ty, origin)?
            }
        };
        if let Some(f) = buf.fields.get_mut(n) {
            *f = FieldRef {
                slot: slot as u8,
                value,
            };
            n += 1;
        }
    }
    buf.len = n;
    buf.undefined_slots = undefined;

    buf.tlv_start = pos;
    buf.tlv_count = 0;
    if tlv_flag {
        buf.tlv_count = walk_tlvs(bytes, total, &mut pos)?;
    }
    buf.packed_bits = pos;
    Ok(())
}

#[cold]
#[inline(never)]
fn field_truncated(
    at: usize,
    bits: u32,
    total: usize,
    slot: usize,
    layout_variant: u8,
    start: usize,
) -> ViewError {
    let origin = Origin::Field {
        slot: slot as u8,
        layout_variant,
        start,
    };
    truncated(at, bits as usize, total, origin)
}

#[cold]
fn truncated(at: usize, needed: usize, total: usize, origin: Origin) -> ViewError {
    ViewError::Truncated {
        bit_offset: at,
        needed,
        available: total.saturating_sub(at),
        origin,
    }
}

/// Reads one field of a variable-width type at `*pos` and advances it:
/// PM is a 4-bit mask then 8 bits per present channel; gas an 8-bit mask
/// then 8 or 10 bits per present slot; the air-quality bundle a 9-bit
/// index, PM, gas; the Image field a length byte L, a control byte and
/// L - 1 data bytes (as [`read_value`]).
#[inline(never)]
fn read_variable(
    bytes: &[u8],
    total: usize,
    pos: &mut usize,
    ty: FieldType,
    origin: Origin,
) -> Result<FieldView, ViewError> {
    let start = *pos;
    match ty.spec().layout {
        Layout::Fixed(_) => Err(ViewError::Malformed {
            bit_offset: start,
            origin,
        }),
        Layout::Pm => Ok(FieldView::Pm(read_pm(bytes, total, pos, origin)?)),
        Layout::Gas => Ok(FieldView::Gas(read_gas(bytes, total, pos, origin)?)),
        Layout::AirQualityBundle => {
            let index =
                read(bytes, start, 9).ok_or_else(|| truncated(start, 9, total, origin))? as u16;
            *pos += 9;
            let pm = read_pm(bytes, total, pos, origin)?;
            let gas = read_gas(bytes, total, pos, origin)?;
            Ok(FieldView::AirQuality { index, pm, gas })
        }
        Layout::Image => {
            let len = read(bytes, start, 8).ok_or_else(|| truncated(start, 8, total, origin))?;
            if len == 0 {
                return Err(ViewError::Malformed {
                    bit_offset: start,
                    origin,
                });
            }
            let control = read(bytes, start + 8, 8)
                .ok_or_else(|| truncated(start + 8, 8, total, origin))?
                as u8;
            let data_bit = start + 16;
            let data_bits = (len as usize - 1) * 8;
            if data_bit + data_bits > total {
                return Err(truncated(data_bit, data_bits, total, origin));
            }
            *pos = data_bit + data_bits;
            Ok(FieldView::Image(ImageRef {
                control,
                data_bit,
                data_len: (len - 1) as u8,
            }))
        }
    }
}

/// A mask of `channels.len()` bits (bit i = channel i), then each present
/// channel at its width, into `out[i]`.
#[inline(always)]
fn read_channels(
    bytes: &[u8],
    total: usize,
    pos: &mut usize,
    origin: Origin,
    channels: &[crate::field::Channel],
    out: &mut [Option<u16>],
) -> Result<(), ViewError> {
    let n = channels.len() as u32;
    let mask = read(bytes, *pos, n).ok_or_else(|| truncated(*pos, n as usize, total, origin))?;
    *pos += n as usize;
    for (i, (ch, o)) in channels.iter().zip(out.iter_mut()).enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        let bits = u32::from(ch.bits);
        let v =
            read(bytes, *pos, bits).ok_or_else(|| truncated(*pos, bits as usize, total, origin))?;
        *o = Some(v as u16);
        *pos += bits as usize;
    }
    Ok(())
}

fn read_pm(
    bytes: &[u8],
    total: usize,
    pos: &mut usize,
    origin: Origin,
) -> Result<PmChannels, ViewError> {
    let mut raw = [None; 4];
    read_channels(bytes, total, pos, origin, &PM_CHANNELS, &mut raw)?;
    let mut out = PmChannels::default();
    for (o, v) in out.0.iter_mut().zip(raw) {
        *o = v.map(|v| v as u8);
    }
    Ok(out)
}

fn read_gas(
    bytes: &[u8],
    total: usize,
    pos: &mut usize,
    origin: Origin,
) -> Result<GasSlots, ViewError> {
    let mut out = GasSlots::default();
    read_channels(bytes, total, pos, origin, &GAS_SLOTS, &mut out.0)?;
    Ok(out)
}

/// Walks the TLV chain at `*pos` (layout in [`TlvRef`]) up to the entry
/// with More = 0; returns the number of entries.
fn walk_tlvs(bytes: &[u8], total: usize, pos: &mut usize) -> Result<usize, ViewError> {
    let origin = Origin::Tlvs { start: *pos };
    let mut count = 0usize;
    loop {
        let at = *pos;
        let hdr = read(bytes, at, 8).ok_or_else(|| truncated(at, 8, total, origin))?;
        let len =
            read(bytes, at + 8, 8).ok_or_else(|| truncated(at + 8, 8, total, origin))? as usize;
        let needed = len * if hdr & 0x80 != 0 { 6 } else { 8 };
        let data = at + 16;
        if data + needed > total {
            return Err(truncated(data, needed, total, origin));
        }
        *pos = data + needed;
        count += 1;
        if hdr & 1 == 0 {
            return Ok(count);
        }
    }
}

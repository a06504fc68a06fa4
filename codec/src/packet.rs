//! Sensor packets: header, presence chain, fields in slot order, TLVs.
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
//! At most four presence bytes are read (the 4th byte's Ext bit is
//! ignored); an Ext bit at the end of the input ends the chain. Trailing
//! bytes after the last field or TLV are ignored and not counted in
//! `packed_bits`.

use crate::bits::{BitReader, BitWriter};
use crate::dump::DumpEntry;
use crate::error::{Bound, DecodeError, EncodeError, Quantity};
use crate::field::{
    Channel, FieldType, FieldValue, GasSlots, Layout, PmChannels, GAS_SLOTS, PM_CHANNELS,
};
use crate::image;
use crate::tlv::{self, Tlv};
use crate::variant::{
    presence_bytes_for_slot, VariantDef, VariantMap, MAX_PRESENCE_BYTES, MAX_SLOTS,
};

/// Smallest sensor packet: header and one presence byte.
pub const MIN_PACKET_BYTES: usize = 5;

/// The 32-bit packet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Variant (0..=14; 15 = mesh).
    pub variant: u8,
    /// Station id (0..=4095).
    pub station: u16,
    /// Sequence number (wraps 65535 -> 0).
    pub sequence: u16,
}

impl Header {
    /// Reads the header of any frame (sensor or mesh) without decoding the
    /// rest; `None` if fewer than 4 bytes.
    pub fn peek(bytes: &[u8]) -> Option<Header> {
        let mut r = BitReader::new(bytes);
        Some(Header {
            variant: r.read(4)? as u8,
            station: r.read(12)? as u16,
            sequence: r.read(16)? as u16,
        })
    }
}

/// A present field: its slot and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Slot index (0..=26).
    pub slot: u8,
    /// The value.
    pub value: FieldValue,
}

/// Something the decoder tolerated but the user should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Lenient mode: the variant has no map entry; decoded with `used`'s layout.
    UnknownVariant {
        /// The header's variant.
        variant: u8,
        /// The variant whose layout was used.
        used: u8,
    },
    /// A presence bit was set for a slot the variant does not define; it
    /// consumed no bits.
    UndefinedSlot {
        /// The slot.
        slot: u8,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::UnknownVariant { variant, used } => write!(
                f,
                "variant {variant} is not in the map; decoded with variant {used}'s layout"
            ),
            Warning::UndefinedSlot { slot } => {
                write!(
                    f,
                    "presence bit set for slot {slot}, which the variant does not define (ignored)"
                )
            }
        }
    }
}

/// A decoded sensor packet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Packet {
    /// The header.
    pub header: Header,
    /// Present fields in slot order.
    pub fields: Vec<Field>,
    /// TLV entries in wire order.
    pub tlvs: Vec<Tlv>,
    /// Bits consumed by the decoder (0 for a packet built in code).
    pub packed_bits: usize,
    /// Presence bytes read.
    pub presence_bytes: u8,
    /// The variant whose layout was used (differs from `header.variant`
    /// only in lenient mode).
    pub layout_variant: u8,
    /// Tolerated oddities.
    pub warnings: Vec<Warning>,
}

impl Packet {
    /// Bytes consumed by the decoder (`packed_bits` rounded up).
    pub fn packed_bytes(&self) -> usize {
        self.packed_bits.div_ceil(8)
    }

    /// The field in `slot`, if present.
    pub fn slot(&self, slot: u8) -> Option<&FieldValue> {
        self.fields
            .iter()
            .find(|f| f.slot == slot)
            .map(|f| &f.value)
    }

    /// The first present field of type `ty`.
    pub fn first_of(&self, ty: FieldType) -> Option<&FieldValue> {
        self.fields.iter().map(|f| &f.value).find(|v| v.ty() == ty)
    }

    /// Whether the packet was decoded with another variant's layout.
    pub fn unknown_variant(&self) -> bool {
        self.warnings
            .iter()
            .any(|w| matches!(w, Warning::UnknownVariant { .. }))
    }
}

/// Decoder options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// Decode a variant missing from the map with variant 0's layout (or
    /// the lowest defined variant) and flag it, instead of failing with
    /// `variant_unknown` (spec 11.4).
    pub lenient: bool,
}

impl DecodeOptions {
    /// Strict decoding (the reference's behaviour).
    pub const STRICT: DecodeOptions = DecodeOptions { lenient: false };
    /// Lenient decoding (used by the dashboard).
    pub const LENIENT: DecodeOptions = DecodeOptions { lenient: true };
}

/// Decodes a sensor packet.
///
/// ```
/// use iotdata::{decode, DecodeOptions, VariantMap};
/// let bytes = iotdata::hex::decode("002a00043fd1b7b51ad1500440cf5270").unwrap();
/// let map = VariantMap::default_map();
/// let p = decode(&bytes, &map, DecodeOptions::STRICT).unwrap();
/// assert_eq!((p.header.station, p.header.sequence), (42, 4));
/// assert_eq!(p.fields.len(), 6);
/// assert_eq!(p.packed_bits, 124);
/// ```
pub fn decode(bytes: &[u8], map: &VariantMap, opts: DecodeOptions) -> Result<Packet, DecodeError> {
    decode_inner(bytes, map, opts, None)
}

/// Decodes a sensor packet and records the bit-level dump as it reads.
/// On error the entries read before the failure are still returned.
pub fn decode_with_dump(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
) -> (Result<Packet, DecodeError>, Vec<DumpEntry>) {
    let mut entries = Vec::new();
    let res = decode_inner(bytes, map, opts, Some(&mut entries));
    (res, entries)
}

/// Picks the layout for `variant`: its own, or in lenient mode variant 0's
/// (else the lowest defined one).
pub fn layout_for(
    map: &VariantMap,
    variant: u8,
    opts: DecodeOptions,
) -> Result<&VariantDef, DecodeError> {
    if variant == 15 {
        return Err(DecodeError::VariantReserved);
    }
    match map.get(variant) {
        Some(d) => Ok(d),
        None if opts.lenient => map.get(0).or_else(|| map.variants().next()).ok_or_else(|| {
            DecodeError::VariantUnknown {
                variant,
                map: map.name.clone(),
            }
        }),
        None => Err(DecodeError::VariantUnknown {
            variant,
            map: map.name.clone(),
        }),
    }
}

fn truncated(r: &BitReader, field: &str, needed: usize) -> DecodeError {
    DecodeError::truncated(r.pos(), field, needed, r.len_bits())
}

fn decode_inner(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
    mut dump: Option<&mut Vec<DumpEntry>>,
) -> Result<Packet, DecodeError> {
    if bytes.len() < MIN_PACKET_BYTES {
        return Err(DecodeError::Short {
            len: bytes.len(),
            min: MIN_PACKET_BYTES,
        });
    }
    let mut r = BitReader::new(bytes);
    let variant = r.read(4).ok_or_else(|| truncated(&r, "variant", 4))? as u8;
    let station = r.read(12).ok_or_else(|| truncated(&r, "station", 12))? as u16;
    let sequence = r.read(16).ok_or_else(|| truncated(&r, "sequence", 16))? as u16;
    if let Some(d) = dump.as_deref_mut() {
        d.push(DumpEntry::new(
            0,
            4,
            "variant",
            variant as u64,
            variant.to_string(),
            "0-14 (15=rsvd)",
        ));
        d.push(DumpEntry::new(
            4,
            12,
            "station",
            station as u64,
            station.to_string(),
            "0-4095",
        ));
        d.push(DumpEntry::new(
            16,
            16,
            "sequence",
            sequence as u64,
            sequence.to_string(),
            "0-65535",
        ));
    }
    let def = layout_for(map, variant, opts)?;
    let mut warnings = Vec::new();
    if def.id != variant {
        warnings.push(Warning::UnknownVariant {
            variant,
            used: def.id,
        });
    }

    // Presence chain.
    let mut present: u32 = 0;
    let mut tlv_flag = false;
    let mut n_pres = 0usize;
    loop {
        if r.remaining() < 8 {
            if n_pres == 0 {
                return Err(truncated(&r, "presence[0]", 8));
            }
            break; // Ext bit at the end of input ends the chain.
        }
        let at = r.pos();
        let b = r.read(8).ok_or_else(|| truncated(&r, "presence", 8))?;
        let ext = b & 0x80 != 0;
        if n_pres == 0 {
            tlv_flag = b & 0x40 != 0;
            for i in 0..6 {
                if b & (0x20 >> i) != 0 {
                    present |= 1 << i;
                }
            }
        } else {
            let base = 6 + 7 * (n_pres - 1);
            for i in 0..7 {
                if b & (0x40 >> i) != 0 {
                    present |= 1 << (base + i);
                }
            }
        }
        if let Some(d) = dump.as_deref_mut() {
            let range = if n_pres == 0 {
                "ext|tlv|6 fields"
            } else {
                "ext|7 fields"
            };
            d.push(DumpEntry::new(
                at,
                8,
                format!("presence[{n_pres}]"),
                b as u64,
                format!("0x{b:02X}"),
                range,
            ));
        }
        n_pres += 1;
        if !ext || n_pres >= MAX_PRESENCE_BYTES {
            break;
        }
    }

    let mut fields = Vec::with_capacity(present.count_ones() as usize);
    for slot in 0..MAX_SLOTS {
        if present & (1 << slot) == 0 {
            continue;
        }
        let Some(sd) = def.slot(slot) else {
            warnings.push(Warning::UndefinedSlot { slot: slot as u8 });
            continue;
        };
        // Hot path (no dump): fixed-width fields are read in place and pushed
        // straight into `fields`; any short read falls back to `read_value`
        // from the field's start, which builds the error.
        if dump.is_none() {
            if let Layout::Fixed(comps) = sd.ty.spec().layout {
                if let Some(raw) = read_fixed_raw(&mut r, comps) {
                    fields.push(Field {
                        slot: slot as u8,
                        value: FieldValue::Fixed { ty: sd.ty, raw },
                    });
                    continue;
                }
            }
        }
        let value = read_value(&mut r, sd.ty, &sd.label, dump.as_deref_mut())?;
        fields.push(Field {
            slot: slot as u8,
            value,
        });
    }

    let tlvs = if tlv_flag {
        let at = r.pos();
        let t = tlv::read_tlvs(&mut r)?;
        if let Some(d) = dump {
            tlv::dump_tlvs(&t, at, d);
        }
        t
    } else {
        Vec::new()
    };

    Ok(Packet {
        header: Header {
            variant,
            station,
            sequence,
        },
        fields,
        tlvs,
        packed_bits: r.pos(),
        presence_bytes: n_pres as u8,
        layout_variant: def.id,
        warnings,
    })
}

/// Reads the components of a fixed-width field; `None` (cursor unmoved)
/// when the input ends inside it.
#[inline(always)]
fn read_fixed_raw(r: &mut BitReader, comps: &[crate::field::Component]) -> Option<[u32; 3]> {
    let start = r.pos();
    let (mut r0, mut r1, mut r2) = (0u32, 0u32, 0u32);
    for (i, c) in comps.iter().enumerate() {
        let Some(v) = r.read(c.bits as u32) else {
            *r = BitReader::at(r.bytes(), start);
            return None;
        };
        match i {
            0 => r0 = v,
            1 => r1 = v,
            _ => r2 = v,
        }
    }
    Some([r0, r1, r2])
}

/// Reads one field value of type `ty` (the slot's `label` names it in
/// errors and the dump).
pub fn read_value(
    r: &mut BitReader,
    ty: FieldType,
    label: &str,
    mut dump: Option<&mut Vec<DumpEntry>>,
) -> Result<FieldValue, DecodeError> {
    match ty.spec().layout {
        Layout::Fixed(comps) => {
            let mut raw = [0u32; 3];
            for (c, slot) in comps.iter().zip(raw.iter_mut()) {
                let at = r.pos();
                *slot = match r.read(c.bits as u32) {
                    Some(v) => v,
                    None => {
                        let name = if comps.len() == 1 {
                            label.to_string()
                        } else {
                            format!("{label}.{}", c.key)
                        };
                        return Err(truncated(r, &name, c.bits as usize));
                    }
                };
                if let Some(d) = dump.as_deref_mut() {
                    d.push(DumpEntry::new(
                        at,
                        c.bits as usize,
                        c.dump_name.unwrap_or(label),
                        *slot as u64,
                        c.quant.display(*slot, c.unit),
                        c.range,
                    ));
                }
            }
            Ok(FieldValue::Fixed { ty, raw })
        }
        Layout::Pm => Ok(FieldValue::Pm(read_pm(r, label, dump)?)),
        Layout::Gas => Ok(FieldValue::Gas(read_gas(r, label, dump)?)),
        Layout::AirQualityBundle => {
            let at = r.pos();
            let index = r
                .read(9)
                .ok_or_else(|| truncated(r, &format!("{label}.index"), 9))?
                as u16;
            if let Some(d) = dump.as_deref_mut() {
                d.push(DumpEntry::new(
                    at,
                    9,
                    "aq_index",
                    index as u64,
                    format!("{index} AQI"),
                    "0..500 AQI",
                ));
            }
            let pm = read_pm(r, label, dump.as_deref_mut())?;
            let gas = read_gas(r, label, dump)?;
            Ok(FieldValue::AirQuality { index, pm, gas })
        }
        Layout::Image => {
            let at = r.pos();
            let img = image::read_image(r, label)?;
            if let Some(d) = dump {
                image::dump_image(&img, at, label, d);
            }
            Ok(FieldValue::Image(img))
        }
    }
}

/// PM: 4-bit mask (MSB-first, so the first wire bit is PM10), then 8 bits
/// per present channel in ascending channel order.
fn read_pm(
    r: &mut BitReader,
    label: &str,
    dump: Option<&mut Vec<DumpEntry>>,
) -> Result<PmChannels, DecodeError> {
    let mut raw = [None; 8];
    read_channels(r, label, &PM_CHANNELS, "pm_present", dump, &mut raw)?;
    let mut out = PmChannels::default();
    for (o, v) in out.0.iter_mut().zip(raw) {
        *o = v.map(|v| v as u8);
    }
    Ok(out)
}

/// Gas: 8-bit mask (MSB-first: first wire bit is reserved slot 7), then
/// each present slot (8 or 10 bits) in ascending slot order.
fn read_gas(
    r: &mut BitReader,
    label: &str,
    dump: Option<&mut Vec<DumpEntry>>,
) -> Result<GasSlots, DecodeError> {
    let mut out = GasSlots::default();
    read_channels(r, label, &GAS_SLOTS, "gas_present", dump, &mut out.0)?;
    Ok(out)
}

/// Reads a presence mask of `channels.len()` bits (bit i = channel i) and
/// then each present channel, into `out[i]`.
fn read_channels(
    r: &mut BitReader,
    label: &str,
    channels: &[Channel],
    mask_name: &str,
    mut dump: Option<&mut Vec<DumpEntry>>,
    out: &mut [Option<u16>],
) -> Result<(), DecodeError> {
    let at = r.pos();
    let n = channels.len() as u32;
    let mask = r
        .read(n)
        .ok_or_else(|| truncated(r, &format!("{label}.{mask_name}"), n as usize))?;
    if let Some(d) = dump.as_deref_mut() {
        let width = n.div_ceil(4) as usize;
        d.push(DumpEntry::new(
            at,
            n as usize,
            format!("aq_{mask_name}"),
            mask as u64,
            format!("0x{mask:0width$X}"),
            format!("{n}-bit mask"),
        ));
    }
    for (i, (ch, slot)) in channels.iter().zip(out.iter_mut()).enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        let at = r.pos();
        let v = r
            .read(ch.bits as u32)
            .ok_or_else(|| truncated(r, &format!("{label}.{}", ch.key), ch.bits as usize))?;
        *slot = Some(v as u16);
        if let Some(d) = dump.as_deref_mut() {
            d.push(DumpEntry::new(
                at,
                ch.bits as usize,
                ch.key,
                v as u64,
                format!("{} {}", v * ch.resolution, ch.unit),
                ch.range,
            ));
        }
    }
    Ok(())
}

/// Writes one field value.
pub(crate) fn write_value(w: &mut BitWriter, v: &FieldValue) {
    match v {
        FieldValue::Fixed { ty, raw } => {
            if let Layout::Fixed(comps) = ty.spec().layout {
                for (c, r) in comps.iter().zip(raw.iter()) {
                    w.write(*r, c.bits as u32);
                }
            }
        }
        FieldValue::Pm(pm) => write_pm(w, pm),
        FieldValue::Gas(g) => write_gas(w, g),
        FieldValue::AirQuality { index, pm, gas } => {
            w.write(*index as u32, 9);
            write_pm(w, pm);
            write_gas(w, gas);
        }
        FieldValue::Image(img) => image::write_image(w, img),
    }
}

fn write_pm(w: &mut BitWriter, pm: &PmChannels) {
    w.write(pm.mask() as u32, 4);
    for (ch, raw) in PM_CHANNELS.iter().zip(pm.0.iter()) {
        if let Some(raw) = raw {
            w.write(*raw as u32, ch.bits as u32);
        }
    }
}

fn write_gas(w: &mut BitWriter, g: &GasSlots) {
    w.write(g.mask() as u32, 8);
    for (ch, raw) in GAS_SLOTS.iter().zip(g.0.iter()) {
        if let Some(raw) = raw {
            w.write(*raw as u32, ch.bits as u32);
        }
    }
}

/// Encodes a packet with `map`. Fields must sit in slots the variant
/// defines with matching types; the shortest presence chain holding them
/// is emitted; padding bits are zero.
///
/// ```
/// use iotdata::{decode, encode, DecodeOptions, VariantMap};
/// let map = VariantMap::default_map();
/// let bytes = iotdata::hex::decode("002a00043fd1b7b51ad1500440cf5270").unwrap();
/// let p = decode(&bytes, &map, DecodeOptions::STRICT).unwrap();
/// assert_eq!(encode(&p, &map).unwrap(), bytes);
/// ```
pub fn encode(p: &Packet, map: &VariantMap) -> Result<Vec<u8>, EncodeError> {
    let h = p.header;
    check_header(h.variant, h.station)?;
    let def = map
        .get(h.variant)
        .ok_or_else(|| EncodeError::VariantUnknown {
            variant: h.variant,
            map: map.name.clone(),
        })?;
    let mut slots: [Option<&FieldValue>; MAX_SLOTS] = [None; MAX_SLOTS];
    for f in &p.fields {
        let no_such_field = || EncodeError::NoSuchField {
            variant: h.variant,
            field: format!("slot {}", f.slot),
        };
        let sd = def.slot(f.slot as usize).ok_or_else(no_such_field)?;
        if sd.ty != f.value.ty() {
            return Err(EncodeError::WrongType {
                field: sd.label.clone(),
                expected: sd.ty.name(),
            });
        }
        let cell = slots.get_mut(f.slot as usize).ok_or_else(no_such_field)?;
        if cell.is_some() {
            return Err(EncodeError::DuplicateField {
                field: sd.label.clone(),
            });
        }
        *cell = Some(&f.value);
    }
    pack(h, &slots, &p.tlvs)
}

fn check_header(variant: u8, station: u16) -> Result<(), EncodeError> {
    if variant == 15 {
        return Err(EncodeError::VariantReserved);
    }
    if variant > 15 {
        return Err(EncodeError::range(
            "variant",
            Quantity::Variant,
            Bound::High,
            variant as f64,
            14.0,
        ));
    }
    EncodeError::check_max(u64::from(station), 4095, Quantity::Station, || {
        "station".into()
    })
}

fn pack(
    h: Header,
    slots: &[Option<&FieldValue>; MAX_SLOTS],
    tlvs: &[Tlv],
) -> Result<Vec<u8>, EncodeError> {
    let last = slots.iter().rposition(Option::is_some);
    let n_pres = last.map_or(1, presence_bytes_for_slot);
    let body_bits: usize =
        slots.iter().flatten().map(|v| v.bits()).sum::<usize>() + tlv::tlvs_bits(tlvs);
    let mut w = BitWriter::with_capacity((32 + 8 * n_pres + body_bits).div_ceil(8));
    w.write(h.variant as u32, 4);
    w.write(h.station as u32, 12);
    w.write(h.sequence as u32, 16);
    for n in 0..n_pres {
        let ext = (n + 1 < n_pres) as u32;
        let mut b = ext << 7;
        if n == 0 {
            b |= (!tlvs.is_empty() as u32) << 6;
            for i in 0..6 {
                if slots.get(i).is_some_and(Option::is_some) {
                    b |= 0x20 >> i;
                }
            }
        } else {
            let base = 6 + 7 * (n - 1);
            for i in 0..7 {
                if slots.get(base + i).is_some_and(Option::is_some) {
                    b |= 0x40 >> i;
                }
            }
        }
        w.write(b, 8);
    }
    for v in slots.iter().flatten() {
        write_value(&mut w, v);
    }
    if !tlvs.is_empty() {
        tlv::write_tlvs(&mut w, tlvs)?;
    }
    Ok(w.into_bytes())
}

/// A packet builder in the style of the reference encoder: header first,
/// then fields by type (each call fills the next free slot of that type)
/// or by label, then TLVs; [`Encoder::finish`] packs.
///
/// ```
/// use iotdata::{Encoder, FieldValue, VariantMap};
/// let map = VariantMap::default_map();
/// let mut enc = Encoder::new(&map, 0, 42, 4).unwrap();
/// enc.add(FieldValue::battery(84, false).unwrap()).unwrap();
/// enc.add(FieldValue::environment(21.5, 1013, 45).unwrap()).unwrap();
/// let bytes = enc.finish().unwrap();
/// assert_eq!(bytes.len(), 9);
/// ```
#[derive(Debug, Clone)]
pub struct Encoder<'m> {
    map: &'m VariantMap,
    header: Header,
    slots: Vec<Option<FieldValue>>,
    pending_unknown: bool,
    tlvs: Vec<Tlv>,
}

impl<'m> Encoder<'m> {
    /// Starts a packet. Fails for variant 15 (reserved), variant > 15 and
    /// station > 4095. An unknown variant fails at [`Encoder::finish`].
    pub fn new(
        map: &'m VariantMap,
        variant: u8,
        station: u16,
        sequence: u16,
    ) -> Result<Self, EncodeError> {
        check_header(variant, station)?;
        Ok(Encoder {
            map,
            header: Header {
                variant,
                station,
                sequence,
            },
            slots: vec![None; MAX_SLOTS],
            pending_unknown: false,
            tlvs: Vec::new(),
        })
    }

    /// Adds a field into the first free slot of its type. Fails with
    /// `DuplicateField` when every slot of that type is already set, and
    /// `NoSuchField` when the variant has no slot of that type.
    pub fn add(&mut self, value: FieldValue) -> Result<&mut Self, EncodeError> {
        let Some(def) = self.map.get(self.header.variant) else {
            self.pending_unknown = true;
            return Ok(self);
        };
        let ty = value.ty();
        let mut any = false;
        let mut target = None;
        for i in def.slots_of_type(ty) {
            any = true;
            if self.slots.get(i).is_some_and(Option::is_none) {
                target = Some(i);
                break;
            }
        }
        match target {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i) {
                    *s = Some(value);
                }
                Ok(self)
            }
            None if any => Err(EncodeError::DuplicateField {
                field: ty.name().to_ascii_lowercase(),
            }),
            None => Err(EncodeError::NoSuchField {
                variant: self.header.variant,
                field: ty.name().to_ascii_lowercase(),
            }),
        }
    }

    /// Sets the field with `label`.
    pub fn set(&mut self, label: &str, value: FieldValue) -> Result<&mut Self, EncodeError> {
        let def = self
            .map
            .get(self.header.variant)
            .ok_or_else(|| EncodeError::VariantUnknown {
                variant: self.header.variant,
                map: self.map.name.clone(),
            })?;
        let i = def
            .slot_of_label(label)
            .ok_or_else(|| EncodeError::NoSuchField {
                variant: self.header.variant,
                field: label.to_string(),
            })?;
        let expected = def.slot(i).map(|s| s.ty);
        if expected != Some(value.ty()) {
            return Err(EncodeError::WrongType {
                field: label.to_string(),
                expected: expected.map_or("NONE", FieldType::name),
            });
        }
        match self.slots.get_mut(i) {
            Some(s @ None) => {
                *s = Some(value);
                Ok(self)
            }
            _ => Err(EncodeError::DuplicateField {
                field: label.to_string(),
            }),
        }
    }

    /// Appends a TLV entry.
    pub fn tlv(&mut self, t: Tlv) -> Result<&mut Self, EncodeError> {
        self.tlvs.push(t);
        Ok(self)
    }

    /// Packs the packet.
    pub fn finish(self) -> Result<Vec<u8>, EncodeError> {
        if self.pending_unknown || self.map.get(self.header.variant).is_none() {
            return Err(EncodeError::VariantUnknown {
                variant: self.header.variant,
                map: self.map.name.clone(),
            });
        }
        let mut refs: [Option<&FieldValue>; MAX_SLOTS] = [None; MAX_SLOTS];
        for (r, s) in refs.iter_mut().zip(self.slots.iter()) {
            *r = s.as_ref();
        }
        pack(self.header, &refs, &self.tlvs)
    }

    /// The packet as a [`Packet`] value (fields in slot order).
    pub fn into_packet(self) -> Packet {
        Packet {
            header: self.header,
            fields: self
                .slots
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    v.map(|value| Field {
                        slot: i as u8,
                        value,
                    })
                })
                .collect(),
            tlvs: self.tlvs,
            layout_variant: self.header.variant,
            ..Packet::default()
        }
    }
}

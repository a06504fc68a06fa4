//! The inspector: paste a frame as hex and it decodes as you type.
//!
//! Hex may carry spaces, `0x` prefixes, colons, commas, dashes and
//! newlines. The output: a header (variant and its name, station in decimal
//! and hex, sequence, size, warnings), every field in native units, the TLVs
//! as structured data, image thumbnails, mesh control packets (a FORWARD's
//! inner packet decoded too), the canonical JSON (pretty-printed, with a
//! Copy button), the bit-level dump as a table and a bit grid with linked
//! hover ([`super::bitgrid`]), and errors explained with their kind, bit
//! offset and field, the dump shown up to the error.
//!
//! The typed text is never rewritten or cleared by the page. The shareable
//! URL follows it (debounced): `#hex=<lowercase hex>` (the router also reads
//! `#/inspector?hex=…`); an empty or non-hex text gives `#/inspector`.
//!
//! Test hooks: `data-testid="inspector-input"` (the textarea),
//! `data-testid="inspector-json"` (the canonical JSON text, present only when
//! the frame decoded), `data-testid="inspector-error"` (present only on
//! error, with the kind in `data-kind`: the codec's `short`, `truncated`,
//! `variant_reserved`, `variant_unknown`, `malformed`, or `hex` for text that
//! is not hex).
//!
//! Everything untrusted (TLV text, labels from loaded maps) is rendered as
//! text nodes, never as HTML.

use std::time::Duration;

use iotdata::frame::{self, Frame};
use iotdata::image::Image;
use iotdata::mesh::{self, MeshBody, MeshPacket};
use iotdata::tlv::{self, KvContent, Tlv, TlvData, TlvValue};
use iotdata::{DecodeOptions, DumpEntry, FieldValue, Packet, VariantMap};
use leptos::prelude::*;

use super::bitgrid::{BitDump, ErrorMark};
use super::thumbnail::{describe, Thumbnail};
use crate::maps::{builtin_choices, MapChoice, Maps};
use crate::router::replace_hash;

/// Decoding mode: lenient, like the dashboard (an unknown variant is
/// decoded with variant 0's layout and flagged).
pub const OPTIONS: DecodeOptions = DecodeOptions::LENIENT;
/// How long typing must pause before the URL follows the text.
pub const URL_DEBOUNCE_MS: u64 = 300;
/// FORWARD packets nested deeper than this are not expanded.
const MAX_DEPTH: usize = frame::MAX_FORWARD_DEPTH;
/// Longest frame the inspector reads, in bytes: longer input is cut to its
/// first bytes and said plainly ([`limit_text`]); the rest of the text is
/// not parsed.
pub const MAX_INSPECT_BYTES: usize = 4096;
/// TLV entries shown (a 255-byte frame holds at most this many); the
/// rest are counted.
pub const MAX_TLV_ROWS: usize = iotdata::tlv::MAX_JSON_TLVS;

/// "frame longer than 4096 bytes: first 4096 shown".
pub fn limit_text() -> String {
    format!("frame longer than {MAX_INSPECT_BYTES} bytes: first {MAX_INSPECT_BYTES} shown")
}

/// The first [`MAX_INSPECT_BYTES`] bytes of hex text, and whether more
/// followed.
pub fn parse_bounded(text: &str) -> Result<(Vec<u8>, bool), iotdata::hex::HexError> {
    iotdata::hex::decode_prefix(text, MAX_INSPECT_BYTES)
}

// ---------------------------------------------------------------------------
// Model (pure, tested natively)
// ---------------------------------------------------------------------------

/// Why a frame did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Stable kind (`DecodeError::kind`).
    pub kind: String,
    /// Readable message.
    pub message: String,
    /// Bit offset where the problem was found.
    pub bit_offset: usize,
    /// Field being read.
    pub field: String,
}

impl From<&iotdata::DecodeError> for ErrorInfo {
    fn from(e: &iotdata::DecodeError) -> Self {
        ErrorInfo {
            kind: e.kind().to_string(),
            message: e.to_string(),
            bit_offset: e.bit_offset(),
            field: e.field().to_string(),
        }
    }
}

/// One value of a field (a component, a channel) ready for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Component key (`level`, `rssi`, `PM2.5`); empty for bare types.
    pub key: String,
    /// The value in native units with its unit.
    pub value: String,
    /// The raw wire value.
    pub raw: String,
}

/// A present field, ready for display.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    /// Slot index.
    pub slot: u8,
    /// Label from the variant map.
    pub label: String,
    /// Type name (`BATTERY`, …).
    pub ty: &'static str,
    /// Its values.
    pub parts: Vec<Part>,
    /// The image, for IMAGE fields.
    pub image: Option<Image>,
}

/// Structured content of a TLV entry.
#[derive(Debug, Clone, PartialEq)]
pub enum TlvContent {
    /// VERSION / CONFIG key-value pairs.
    Pairs(Vec<(String, String)>),
    /// Text (DIAGNOSTIC, USERDATA, raw VERSION / CONFIG, other string TLVs).
    Text(String),
    /// STATUS, or HEALTH: labelled values.
    Values(Vec<(&'static str, String)>),
    /// Opaque bytes (shown as hex).
    Bytes,
    /// A designated type of the wrong shape.
    Malformed(String),
    /// Empty entry.
    Empty,
}

/// A TLV entry, ready for display.
#[derive(Debug, Clone, PartialEq)]
pub struct TlvRow {
    /// Type number.
    pub ty: u8,
    /// Type name (`VERSION`, …, or `type 0x2A`).
    pub name: String,
    /// Wire format: `raw` or `6-bit`.
    pub wire: &'static str,
    /// Length (bytes or characters).
    pub len: usize,
    /// Interpretation.
    pub content: TlvContent,
    /// Raw data as hex (raw-format entries).
    pub hex: Option<String>,
}

/// A mesh control packet, ready for display.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshView {
    /// Control type number.
    pub ctrl_type: u8,
    /// Control type name.
    pub ctrl_name: &'static str,
    /// Labelled values.
    pub rows: Vec<(&'static str, String)>,
    /// NEIGHBOUR_REPORT entries: (station, cost, RSSI dBm).
    pub neighbours: Vec<(u16, u8, i32)>,
    /// FORWARD: the inner packet (bytes, decoded or why not).
    pub inner: Option<Box<Inner>>,
}

/// A FORWARD's inner packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Inner {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Decoded, or the error.
    pub result: Result<FrameModel, ErrorInfo>,
}

/// A decoded frame, ready for display.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameModel {
    /// Header variant nibble.
    pub variant: u8,
    /// Variant name from the map (sensor) or `mesh`.
    pub variant_name: Option<String>,
    /// Station (the sender for mesh frames).
    pub station: u16,
    /// Sequence.
    pub sequence: u16,
    /// Bits the decoder consumed (sensor packets).
    pub packed_bits: Option<usize>,
    /// Things to know (unknown variant, trailing bytes, …).
    pub warnings: Vec<String>,
    /// Present fields.
    pub fields: Vec<FieldRow>,
    /// TLV entries.
    pub tlvs: Vec<TlvRow>,
    /// Mesh control packet.
    pub mesh: Option<MeshView>,
}

impl FrameModel {
    /// `sensor` or `mesh`.
    pub fn kind(&self) -> &'static str {
        if self.mesh.is_some() {
            "mesh"
        } else {
            "sensor"
        }
    }
}

/// Everything the inspector shows for one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The frame bytes.
    pub bytes: Vec<u8>,
    /// The 32-bit header when at least 4 bytes (also on error).
    pub header: Option<iotdata::Header>,
    /// The header variant's name in the map (also on error).
    pub variant_name: Option<String>,
    /// The decoded frame.
    pub model: Option<FrameModel>,
    /// Why decoding failed.
    pub error: Option<ErrorInfo>,
    /// Bit-level dump (up to the error).
    pub dump: Vec<DumpEntry>,
    /// Canonical JSON text (when decoded).
    pub json: Option<String>,
    /// The input held more than [`MAX_INSPECT_BYTES`] bytes: `bytes` are
    /// the first of them.
    pub cut: bool,
}

/// What the inspector shows for some text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inspection {
    /// Nothing typed.
    Empty,
    /// Not hex.
    Hex {
        /// What is wrong, and where.
        message: String,
    },
    /// A frame (decoded, or with the error).
    Frame(Box<Analysis>),
}

/// Parses and decodes inspector text with `map`.
pub fn inspect(text: &str, map: &VariantMap) -> Inspection {
    if text.trim().is_empty() {
        return Inspection::Empty;
    }
    match parse_bounded(text) {
        Err(e) => Inspection::Hex {
            message: hex_error_text(&e),
        },
        Ok((bytes, _)) if bytes.is_empty() => Inspection::Empty,
        Ok((bytes, cut)) => {
            let mut a = analyse(&bytes, map);
            a.cut = cut;
            Inspection::Frame(Box::new(a))
        }
    }
}

fn hex_error_text(e: &iotdata::hex::HexError) -> String {
    match e {
        iotdata::hex::HexError::InvalidChar { ch, index } => format!(
            "'{}' at character {} is not a hex digit (spaces, 0x, colons, commas, dashes and newlines are fine)",
            ch.escape_default(),
            index + 1
        ),
        iotdata::hex::HexError::OddLength(n) => {
            format!("odd number of hex digits ({n}): the last byte is incomplete")
        }
    }
}

/// Decodes `bytes` with the dump, the JSON and the display model.
pub fn analyse(bytes: &[u8], map: &VariantMap) -> Analysis {
    let (result, mut dump) = frame::dump_frame(bytes, map, OPTIONS);
    let header = iotdata::Header::peek(bytes);
    let variant_name = header
        .and_then(|h| map.get(h.variant))
        .map(|v| v.name.clone());
    match result {
        Ok(f) => {
            if let Some(inner) = frame::forward_inner(&f) {
                expand_forward_dump(inner, map, 48, "inner.", 1, &mut dump);
            }
            let json = frame::frame_to_json(&f, map, OPTIONS);
            Analysis {
                bytes: bytes.to_vec(),
                header,
                variant_name,
                model: Some(model_of(&f, bytes.len(), map, 0)),
                error: None,
                dump,
                json: Some(json),
                cut: false,
            }
        }
        Err(e) => Analysis {
            bytes: bytes.to_vec(),
            header,
            variant_name,
            model: None,
            error: Some(ErrorInfo::from(&e)),
            dump,
            json: None,
            cut: false,
        },
    }
}

/// Adds the dump of a FORWARD's inner packet, shifted to where it sits in
/// the outer frame, its fields prefixed (`inner.battery_level`).
fn expand_forward_dump(
    inner: &[u8],
    map: &VariantMap,
    at: usize,
    prefix: &str,
    depth: usize,
    out: &mut Vec<DumpEntry>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let (result, entries) = frame::dump_frame(inner, map, OPTIONS);
    for mut e in entries {
        e.bit_offset += at;
        e.field = format!("{prefix}{}", e.field);
        out.push(e);
    }
    if let Ok(f) = result {
        if let Some(inner2) = frame::forward_inner(&f) {
            expand_forward_dump(
                inner2,
                map,
                at + 48,
                &format!("{prefix}inner."),
                depth + 1,
                out,
            );
        }
    }
}

fn model_of(f: &Frame, len: usize, map: &VariantMap, depth: usize) -> FrameModel {
    match f {
        Frame::Sensor(p) => sensor_model(p, len, map),
        Frame::Mesh(m) => {
            let (variant, station, sequence) = frame::frame_header(f);
            FrameModel {
                variant,
                variant_name: Some("mesh".into()),
                station,
                sequence,
                packed_bits: None,
                warnings: Vec::new(),
                fields: Vec::new(),
                tlvs: Vec::new(),
                mesh: Some(mesh_view(m, map, depth)),
            }
        }
    }
}

fn sensor_model(p: &Packet, len: usize, map: &VariantMap) -> FrameModel {
    let def = map.get(p.layout_variant);
    let mut warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    if def.is_none() {
        warnings.push(format!(
            "variant {} is not in the map \"{}\"",
            p.header.variant, map.name
        ));
    }
    let used = p.packed_bytes();
    if len > used {
        let extra = len - used;
        warnings.push(format!(
            "{extra} trailing byte{} after the packet (ignored)",
            if extra == 1 { "" } else { "s" }
        ));
    }
    let fields = p
        .fields
        .iter()
        .map(|f| {
            let label = def
                .and_then(|d| d.slot(usize::from(f.slot)))
                .map(|s| s.label.clone())
                .unwrap_or_else(|| format!("slot {}", f.slot));
            if let FieldValue::Image(img) = &f.value {
                if let Ok(d) = img.decode_pixels() {
                    if d.unused_bytes > 0 {
                        warnings.push(format!(
                            "{label}: {} data byte(s) after the picture",
                            d.unused_bytes
                        ));
                    }
                }
            }
            FieldRow {
                slot: f.slot,
                label,
                ty: f.value.ty().name(),
                parts: parts_of(&f.value),
                image: match &f.value {
                    FieldValue::Image(i) => Some(i.clone()),
                    _ => None,
                },
            }
        })
        .collect();
    FrameModel {
        variant: p.header.variant,
        variant_name: map.get(p.header.variant).map(|v| v.name.clone()),
        station: p.header.station,
        sequence: p.header.sequence,
        packed_bits: Some(p.packed_bits),
        warnings,
        fields,
        tlvs: p.tlvs.iter().map(tlv_row).collect(),
        mesh: None,
    }
}

/// Codec unit text to display text (`C` → `°C`, `ug/m3` → `µg/m³`).
pub fn pretty_units(s: String) -> String {
    const SUFFIXES: [(&str, &str); 5] = [
        (" deg", "°"),
        (" C", " °C"),
        (" ug/m3", " µg/m³"),
        (" W/m2", " W/m²"),
        (" uSv/h", " µSv/h"),
    ];
    for (from, to) in SUFFIXES {
        if let Some(stem) = s.strip_suffix(from) {
            return format!("{stem}{to}");
        }
    }
    s
}

fn channel_value(v: u32, unit: &str) -> String {
    pretty_units(if unit.is_empty() {
        v.to_string()
    } else {
        format!("{v} {unit}")
    })
}

fn parts_of(v: &FieldValue) -> Vec<Part> {
    let bare = matches!(v, FieldValue::Fixed { .. }) && v.components().count() == 1;
    let pm = |pm: &iotdata::field::PmChannels, prefix: &str| -> Vec<Part> {
        pm.values()
            .map(|(c, raw, val)| Part {
                key: format!("{prefix}{}", c.label),
                value: channel_value(val, c.unit),
                raw: raw.to_string(),
            })
            .collect()
    };
    let gas = |g: &iotdata::field::GasSlots, prefix: &str| -> Vec<Part> {
        g.values()
            .map(|(c, raw, val)| Part {
                key: format!("{prefix}{}", c.label),
                value: channel_value(val, c.unit),
                raw: raw.to_string(),
            })
            .collect()
    };
    match v {
        FieldValue::Fixed { .. } => v
            .components()
            .map(|c| Part {
                key: if bare {
                    String::new()
                } else {
                    c.spec.key.to_string()
                },
                value: pretty_units(c.spec.quant.display(c.raw, c.spec.unit)),
                raw: c.raw.to_string(),
            })
            .collect(),
        FieldValue::Pm(p) => pm(p, ""),
        FieldValue::Gas(g) => gas(g, ""),
        FieldValue::AirQuality {
            index,
            pm: p,
            gas: g,
        } => {
            let mut out = vec![Part {
                key: "index".into(),
                value: format!("{index} AQI"),
                raw: index.to_string(),
            }];
            out.extend(pm(p, ""));
            out.extend(gas(g, ""));
            out
        }
        FieldValue::Image(img) => vec![
            Part {
                key: "picture".into(),
                value: describe(img),
                raw: format!("0x{:02X}", img.control()),
            },
            Part {
                key: "flags".into(),
                value: match (img.fragment(), img.invert()) {
                    (false, false) => "none".into(),
                    (true, false) => "fragment".into(),
                    (false, true) => "invert".into(),
                    (true, true) => "fragment, invert".into(),
                },
                raw: img.flags().to_string(),
            },
            Part {
                key: "data".into(),
                value: format!("{} bytes", img.data().len()),
                raw: img.length_byte().to_string(),
            },
        ],
    }
}

/// "3 d 4 h", "12 h", "5 min 20 s", "45 s".
pub fn human_duration(secs: u32) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let units = [(d, "d"), (h, "h"), (m, "min"), (s, "s")];
    let first = units.iter().position(|(v, _)| *v > 0);
    match first {
        None => "0 s".into(),
        Some(i) => units[i..]
            .iter()
            .take(2)
            .filter(|(v, _)| *v > 0)
            .map(|(v, u)| format!("{v} {u}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tlv_name(ty: u8) -> String {
    match ty {
        tlv::VERSION => "VERSION".into(),
        tlv::STATUS => "STATUS".into(),
        tlv::HEALTH => "HEALTH".into(),
        tlv::CONFIG => "CONFIG".into(),
        tlv::DIAGNOSTIC => "DIAGNOSTIC".into(),
        tlv::USERDATA => "USERDATA".into(),
        t => format!("type 0x{t:02X}"),
    }
}

fn reason_text(code: u8) -> String {
    match code {
        tlv::REASON_NA => "not available".into(),
        c if usize::from(c) < tlv::REASON_NAMES.len() => {
            format!("{} ({c})", tlv::REASON_NAMES[usize::from(c)])
        }
        c if c >= 0x80 => format!("vendor 0x{c:02X}"),
        c => format!("reserved ({c})"),
    }
}

fn tlv_row(t: &Tlv) -> TlvRow {
    let (wire, hex) = match &t.data {
        TlvData::Raw(b) => ("raw", Some(hex_of(b))),
        TlvData::Text(_) => ("6-bit", None),
    };
    let kv = |k: KvContent| match k {
        KvContent::Pairs(p) => TlvContent::Pairs(p),
        KvContent::Text(s) => TlvContent::Text(s),
    };
    let content = match t.interpret() {
        TlvValue::Version(k) | TlvValue::Config(k) => kv(k),
        TlvValue::Status(Some(s)) => TlvContent::Values(vec![
            (
                "session uptime",
                format!(
                    "{} ({} s)",
                    human_duration(s.session_uptime),
                    s.session_uptime
                ),
            ),
            (
                "lifetime uptime",
                if s.lifetime_uptime == 0 {
                    "not tracked".into()
                } else {
                    format!(
                        "{} ({} s)",
                        human_duration(s.lifetime_uptime),
                        s.lifetime_uptime
                    )
                },
            ),
            ("restarts", s.restarts.to_string()),
            ("reason", reason_text(s.reason)),
        ]),
        TlvValue::Health(Some(h)) => TlvContent::Values(vec![
            (
                "CPU temperature",
                if h.cpu_temp == tlv::CPU_TEMP_NA {
                    "not available".into()
                } else {
                    format!("{} °C", h.cpu_temp)
                },
            ),
            (
                "supply",
                format!(
                    "{} mV ({:.2} V)",
                    h.supply_mv,
                    f64::from(h.supply_mv) / 1000.0
                ),
            ),
            (
                "free heap",
                if h.free_heap == u16::MAX {
                    "≥ 65535 bytes (capped)".into()
                } else {
                    format!("{} bytes", h.free_heap)
                },
            ),
            (
                "active time",
                format!(
                    "{} ({} s)",
                    human_duration(h.session_active),
                    h.session_active
                ),
            ),
        ]),
        TlvValue::Status(None) => {
            TlvContent::Malformed(format!("STATUS should be {} raw bytes", tlv::STATUS_LEN))
        }
        TlvValue::Health(None) => {
            TlvContent::Malformed(format!("HEALTH should be {} raw bytes", tlv::HEALTH_LEN))
        }
        TlvValue::Message(Some(s)) | TlvValue::Text(s) => TlvContent::Text(s),
        TlvValue::Message(None) => TlvContent::Empty,
        TlvValue::Raw(b) if b.is_empty() => TlvContent::Empty,
        TlvValue::Raw(_) => TlvContent::Bytes,
    };
    TlvRow {
        ty: t.ty,
        name: tlv_name(t.ty),
        wire,
        len: t.len(),
        content,
        hex,
    }
}

fn station_text(id: u16) -> String {
    if id == mesh::PARENT_NONE {
        "none (0xFFF)".into()
    } else {
        format!("{id} (0x{id:03X})")
    }
}

fn mesh_view(m: &MeshPacket, map: &VariantMap, depth: usize) -> MeshView {
    let mut rows: Vec<(&'static str, String)> = Vec::new();
    let mut neighbours = Vec::new();
    let mut inner = None;
    match &m.body {
        MeshBody::Beacon {
            gateway_id,
            cost,
            flags,
            generation,
        } => {
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("cost", format!("{cost} hop(s) to the gateway")));
            rows.push((
                "flags",
                format!(
                    "0x{flags:X} ({})",
                    if flags & mesh::FLAG_ACCEPTING != 0 {
                        "accepting forwards"
                    } else {
                        "not accepting forwards"
                    }
                ),
            ));
            rows.push(("generation", generation.to_string()));
        }
        MeshBody::Forward { ttl, inner: bytes } => {
            rows.push(("ttl", ttl.to_string()));
            let origin = match mesh::inner_origin(bytes) {
                Some((s, q)) => format!(", origin station {s} (0x{s:03X}) seq {q}"),
                None => String::new(),
            };
            rows.push(("inner", format!("{} bytes{origin}", bytes.len())));
            let result = if depth >= MAX_DEPTH {
                Err(ErrorInfo {
                    kind: "nesting".into(),
                    message: "FORWARD nesting too deep to expand".into(),
                    bit_offset: 0,
                    field: "inner".into(),
                })
            } else {
                frame::decode_frame(bytes, map, OPTIONS)
                    .map(|f| model_of(&f, bytes.len(), map, depth + 1))
                    .map_err(|e| ErrorInfo::from(&e))
            };
            inner = Some(Box::new(Inner {
                bytes: bytes.clone(),
                result,
            }));
        }
        MeshBody::Ack {
            fwd_station,
            fwd_seq,
        } => {
            rows.push(("acknowledged station", station_text(*fwd_station)));
            rows.push(("acknowledged sequence", fwd_seq.to_string()));
        }
        MeshBody::RouteError { reason } => {
            rows.push((
                "reason",
                format!("{} ({reason})", mesh::reason_name(*reason)),
            ));
        }
        MeshBody::NeighbourReport {
            parent_id,
            my_cost,
            gateway_id,
            neighbours: n,
        } => {
            rows.push((
                "parent",
                if *parent_id == mesh::PARENT_NONE {
                    "none (orphaned)".into()
                } else {
                    station_text(*parent_id)
                },
            ));
            rows.push(("cost", format!("{my_cost} hop(s) to the gateway")));
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("neighbours", n.len().to_string()));
            neighbours = n
                .iter()
                .map(|x| (x.station_id, x.cost, x.rssi_dbm()))
                .collect();
        }
        MeshBody::Ping {
            target_id,
            ttl,
            ping_id,
        } => {
            rows.push(("target", station_text(*target_id)));
            rows.push(("ttl", ttl.to_string()));
            rows.push(("ping id", ping_id.to_string()));
        }
        MeshBody::Pong {
            gateway_id,
            relays,
            ping_id,
        } => {
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("relays", relays.to_string()));
            rows.push(("ping id", ping_id.to_string()));
        }
        MeshBody::Unknown { ctrl_type, payload } => {
            rows.push(("control type", format!("{ctrl_type} (reserved)")));
            rows.push(("payload", hex_of(payload)));
        }
    }
    MeshView {
        ctrl_type: m.ctrl_type(),
        ctrl_name: m.ctrl_name(),
        rows,
        neighbours,
        inner,
    }
}

/// Re-indents compact JSON (2 spaces, `": "`), keeping every token
/// verbatim (numbers exactly as the codec wrote them).
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut indent = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, indent: usize| {
        out.push('\n');
        for _ in 0..indent {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Empty object / array stays on one line.
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    indent += 1;
                    newline(&mut out, indent);
                }
            }
            '}' | ']' => {
                indent = indent.saturating_sub(1);
                newline(&mut out, indent);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, indent);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Variant maps
// ---------------------------------------------------------------------------

/// The `map=` parameter of the current URL's hash (`#/inspector?hex=…&map=…`).
fn map_from_url() -> String {
    let hash = window().location().hash().unwrap_or_default();
    hash.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("map="))
        .map(crate::settings::percent_decode)
        .unwrap_or_default()
}

/// The map to decode with: the one picked by `key`, or the active map
/// (empty key, or a key that is not there).
fn resolve_map(maps: Option<Maps>, builtins: &[MapChoice], key: &str) -> VariantMap {
    let find = |c: &[MapChoice]| c.iter().find(|c| c.key == key).map(|c| c.map.clone());
    match maps {
        Some(m) => (!key.is_empty())
            .then(|| m.choices.with(|c| find(c)))
            .flatten()
            .unwrap_or_else(|| m.current.get()),
        None => find(builtins).unwrap_or_else(|| builtins[0].map.clone()),
    }
}

// ---------------------------------------------------------------------------
// View
// ---------------------------------------------------------------------------

/// The inspector page; `initial` is the text to start with (from the URL).
/// The variant map is the dashboard's active map unless another one is
/// picked here (`map=<key>` in the URL).
#[component]
pub fn Inspector(#[prop(into, optional)] initial: String) -> impl IntoView {
    let maps = use_context::<crate::ctx::Ctx>().map(|c| c.maps);
    let builtins = StoredValue::new(if maps.is_some() {
        Vec::new()
    } else {
        builtin_choices()
    });
    // "" = follow the dashboard's active map.
    let pick = RwSignal::new(map_from_url());
    let map = Memo::new(move |_| {
        let key = pick.get();
        builtins.with_value(|b| resolve_map(maps, b, &key))
    });
    let text = RwSignal::new(initial.clone());
    let result = Memo::new(move |_| map.with(|m| text.with(|t| inspect(t, m))));

    // The URL follows the text and the map, debounced; a pending update is
    // dropped when the page goes away (it must not overwrite the next route).
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(h) = pending.try_get_value().flatten() {
            h.clear();
        }
    });
    let schedule_url = move || {
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let h = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                let hash = text.with_untracked(|t| pick.with_untracked(|k| share_hash(t, k)));
                replace_hash(&hash);
            },
            Duration::from_millis(URL_DEBOUNCE_MS),
        );
        pending.set_value(h.ok());
    };
    let on_input = move |e: leptos::ev::Event| {
        text.set(event_target_value(&e));
        schedule_url();
    };
    let on_map = move |e: leptos::ev::Event| {
        pick.set(event_target_value(&e));
        schedule_url();
    };
    let options = move || {
        let key = pick.get();
        let (active_label, choices) = match maps {
            Some(m) => {
                let active = m.active.get();
                let choices = m.choices.get();
                let label = choices
                    .iter()
                    .find(|c| c.key == active)
                    .map(|c| c.label.clone())
                    .unwrap_or_default();
                (Some(label), choices)
            }
            None => (None, builtins.get_value()),
        };
        let active = active_label.map(|l| {
            view! { <option value="" selected=key.is_empty()>{format!("active: {l}")}</option> }
        });
        let rest = choices
            .into_iter()
            .map(|c| {
                let selected = c.key == key;
                view! { <option value=c.key selected=selected>{c.label}</option> }
            })
            .collect_view();
        view! {
            {active}
            {rest}
        }
    };

    let size_note = move || {
        result.with(|r| match r {
            Inspection::Frame(a) => format!(
                "{}{} bytes · {} bits",
                if a.cut { "first " } else { "" },
                a.bytes.len(),
                a.bytes.len() * 8
            ),
            Inspection::Hex { .. } => "not hex".into(),
            Inspection::Empty => String::new(),
        })
    };

    let body = move || {
        result.with(|r| match r {
            Inspection::Empty => view! {
                <p class="muted insp-empty">
                    "Paste a frame as hex to decode it: sensor packets and mesh control packets. "
                    "Spaces, 0x prefixes, colons and newlines are fine."
                </p>
            }
            .into_any(),
            Inspection::Hex { message } => view! {
                <div class="error-box" data-testid="inspector-error" data-kind="hex">
                    <span class="badge error">"hex"</span>
                    " "
                    <strong>"Not hex: "</strong>
                    {message.clone()}
                </div>
            }
            .into_any(),
            Inspection::Frame(a) => analysis_view(a).into_any(),
        })
    };

    view! {
        <section class="panel inspector">
            <div class="panel-head">
                <h2>"Inspector"</h2>
                <span class="muted small mono">{size_note}</span>
                <label class="muted small insp-map">
                    "Variant map "
                    <select on:change=on_map data-testid="inspector-map">
                        {options}
                    </select>
                </label>
            </div>
            <textarea
                data-testid="inspector-input"
                class="hex-input mono"
                rows="3"
                spellcheck="false"
                autocomplete="off"
                placeholder="Paste a frame as hex, e.g. 00 2a c3 50 bf …  (spaces, 0x, colons and newlines are fine)"
                prop:value=initial
                on:input=on_input
            ></textarea>
            {body}
        </section>
    }
}

/// The hash that shares `text` decoded with map `map_key` ("" = the active
/// map): `#hex=<hex>`, or `#/inspector?hex=<hex>&map=<key>` when a map is
/// picked; the bare inspector route when the text is not a frame.
pub fn share_hash(text: &str, map_key: &str) -> String {
    match parse_bounded(text).map(|(b, _)| b) {
        Ok(b) if !b.is_empty() && map_key.is_empty() => {
            format!("#hex={}", iotdata::hex::encode(&b))
        }
        Ok(b) if !b.is_empty() => format!(
            "#/inspector?hex={}&map={}",
            iotdata::hex::encode(&b),
            crate::settings::percent_encode(map_key)
        ),
        _ if map_key.is_empty() => "#/inspector".to_string(),
        _ => format!(
            "#/inspector?map={}",
            crate::settings::percent_encode(map_key)
        ),
    }
}

fn analysis_view(a: &Analysis) -> impl IntoView {
    let dump_len = a.dump.len();
    let error = a.error.clone().map(|e| {
        let byte = e.bit_offset / 8;
        let bit = e.bit_offset % 8;
        view! {
            <div class="error-box" data-testid="inspector-error" data-kind=e.kind.clone()>
                <div>
                    <span class="badge error">{e.kind.clone()}</span>
                    " "
                    <strong>{e.message.clone()}</strong>
                </div>
                <div class="small muted">
                    {format!("at bit {} (byte {byte}, bit {bit})", e.bit_offset)}
                    {(!e.field.is_empty()).then(|| view! { " · field " <code>{e.field.clone()}</code> })}
                    {(dump_len > 0).then_some(" · the dump below stops at the error")}
                </div>
            </div>
        }
    });
    let header = header_view(a);
    let model = a.model.clone();
    let json = a.json.clone();
    let mark = a.error.as_ref().map(|e| ErrorMark {
        bit_offset: e.bit_offset,
        field: e.field.clone(),
        kind: e.kind.clone(),
    });
    let bits = view! { <BitDump bytes=a.bytes.clone() dump=a.dump.clone() error=mark /> };
    let cut = a.cut.then(|| {
        view! {
            <p class="warn-text insp-limit" data-testid="inspector-limit">
                {limit_text()}
            </p>
        }
    });
    view! {
        {cut}
        {error}
        <div class="insp-out">
            <div class="insp-main">
                {header}
                {model.map(|m| frame_body(m, 0))}
            </div>
            {json.map(|j| view! { <JsonBox compact=j /> })}
        </div>
        <div class="insp-bits">
            <h3>"Bit-level dump"</h3>
            {bits}
        </div>
    }
}

fn header_view(a: &Analysis) -> impl IntoView {
    let len = a.bytes.len();
    let (variant, station, sequence, name, kind, warnings, packed, ctrl) =
        match (&a.model, a.header) {
            (Some(m), _) => (
                Some(m.variant),
                Some(m.station),
                Some(m.sequence),
                m.variant_name.clone(),
                m.kind(),
                m.warnings.clone(),
                m.packed_bits,
                m.mesh.as_ref().map(|x| x.ctrl_name),
            ),
            (None, Some(h)) => (
                Some(h.variant),
                Some(h.station),
                Some(h.sequence),
                a.variant_name.clone(),
                "error",
                Vec::new(),
                None,
                None,
            ),
            (None, None) => (None, None, None, None, "error", Vec::new(), None, None),
        };
    let variant_text = variant.map(|v| match (&name, v) {
        (_, 15) => "15 · mesh control".to_string(),
        (Some(n), v) => format!("{v} · {n}"),
        (None, v) => format!("{v} · not in the map"),
    });
    let (bits_label, bits) = match packed {
        Some(bits) => ("Bits used", format!("{bits} of {}", len * 8)),
        None => ("Bits", (len * 8).to_string()),
    };
    let cell = |k: &'static str, v: Option<String>| {
        v.map(|v| {
            view! {
                <div class="insp-kv">
                    <span class="k">{k}</span>
                    <span class="v">{v}</span>
                </div>
            }
        })
    };
    view! {
        <div class="insp-header">
            <div class="insp-kvs">
                <div class="insp-kv">
                    <span class="k">"Kind"</span>
                    <span class="v">
                        <span class=format!("badge {kind}")>{kind}</span>
                        {ctrl.map(|c| view! { " " <strong>{c}</strong> })}
                    </span>
                </div>
                {cell("Variant", variant_text)}
                {cell("Station", station.map(|s| format!("{s} (0x{s:03X})")))}
                {cell("Sequence", sequence.map(|s| s.to_string()))}
                {cell("Bytes", Some(len.to_string()))}
                {cell(bits_label, Some(bits))}
            </div>
            {(!warnings.is_empty())
                .then(|| {
                    view! {
                        <ul class="insp-warnings">
                            {warnings
                                .into_iter()
                                .map(|w| view! { <li>{w}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </div>
    }
}

/// Fields, TLVs, images and the mesh part of a decoded frame (recursive for
/// FORWARD).
fn frame_body(m: FrameModel, depth: usize) -> AnyView {
    let images: Vec<(String, Image)> = m
        .fields
        .iter()
        .filter_map(|f| f.image.clone().map(|i| (f.label.clone(), i)))
        .collect();
    let station = m.station;
    let fields = (!m.fields.is_empty()).then(|| {
        let rows = m
            .fields
            .into_iter()
            .map(|f| {
                let raws = f
                    .parts
                    .iter()
                    .map(|p| p.raw.clone())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let values = f
                    .parts
                    .into_iter()
                    .map(|p| {
                        view! {
                            <span class="part">
                                {(!p.key.is_empty()).then(|| view! { <span class="pk">{p.key}</span> })}
                                <span class="pv">{p.value}</span>
                            </span>
                        }
                    })
                    .collect_view();
                view! {
                    <tr>
                        <td class="num muted">{f.slot}</td>
                        <td class="lbl">{f.label}</td>
                        <td class="ty muted">{f.ty}</td>
                        <td class="vals">{values}</td>
                        <td class="num raw muted">{raws}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h3>"Fields"</h3>
            <div class="table-wrap">
                <table class="insp-fields">
                    <thead>
                        <tr>
                            <th class="num">"Slot"</th>
                            <th>"Label"</th>
                            <th>"Type"</th>
                            <th>"Value"</th>
                            <th class="num">"Raw"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let images = (!images.is_empty()).then(|| {
        view! {
            <h3>"Image"</h3>
            <div class="insp-images">
                {images
                    .into_iter()
                    .map(|(label, img)| {
                        view! {
                            <div class="insp-image">
                                <Thumbnail image=img station=station caption=true />
                                <span class="muted small">{label}</span>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        }
    });
    let tlvs = (!m.tlvs.is_empty()).then(|| {
        let heading = if m.tlvs.len() > MAX_TLV_ROWS {
            format!("TLVs (first {MAX_TLV_ROWS} of {} shown)", m.tlvs.len())
        } else {
            "TLVs".to_string()
        };
        view! {
            <h3>{heading}</h3>
            <div class="insp-tlvs">
                {m.tlvs.into_iter().take(MAX_TLV_ROWS).map(tlv_view).collect_view()}
            </div>
        }
    });
    let mesh = m.mesh.map(|x| mesh_body(x, depth));
    view! {
        {mesh}
        {fields}
        {images}
        {tlvs}
    }
    .into_any()
}

fn tlv_view(t: TlvRow) -> impl IntoView {
    let content = match t.content {
        TlvContent::Pairs(p) if p.is_empty() => {
            view! { <span class="muted">"no key-value pairs"</span> }.into_any()
        }
        TlvContent::Pairs(p) => view! {
            <table class="kv insp-tlv-kv">
                <tbody>
                    {p
                        .into_iter()
                        .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        TlvContent::Values(v) => view! {
            <table class="kv insp-tlv-kv">
                <tbody>
                    {v
                        .into_iter()
                        .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        TlvContent::Text(s) => view! { <span class="insp-tlv-text">{s}</span> }.into_any(),
        TlvContent::Malformed(s) => view! { <span class="warn-text">{s}</span> }.into_any(),
        TlvContent::Empty => view! { <span class="muted">"empty"</span> }.into_any(),
        TlvContent::Bytes => view! { <span class="muted">"opaque bytes"</span> }.into_any(),
    };
    view! {
        <div class="insp-tlv">
            <div class="insp-tlv-head">
                <strong>{t.name}</strong>
                <span class="muted small">
                    {format!("type {} · {} · length {}", t.ty, t.wire, t.len)}
                </span>
            </div>
            <div class="insp-tlv-body">{content}</div>
            {t.hex.filter(|h| !h.is_empty()).map(|h| view! { <code class="insp-hex">{h}</code> })}
        </div>
    }
}

fn mesh_body(m: MeshView, depth: usize) -> impl IntoView {
    let rows = m
        .rows
        .into_iter()
        .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
        .collect_view();
    let neighbours = (!m.neighbours.is_empty()).then(|| {
        view! {
            <div class="table-wrap insp-neighbours">
                <table>
                    <thead>
                        <tr>
                            <th class="num">"Station"</th>
                            <th class="num">"Cost"</th>
                            <th class="num">"RSSI"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {m
                            .neighbours
                            .into_iter()
                            .map(|(s, c, r)| {
                                view! {
                                    <tr>
                                        <td class="num">{format!("{s} (0x{s:03X})")}</td>
                                        <td class="num">{c}</td>
                                        <td class="num">{format!("{r} dBm")}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    let inner = m.inner.map(|i| {
        let Inner { bytes, result } = *i;
        let hex = iotdata::hex::encode(&bytes);
        let body = match result {
            Ok(model) => {
                let head = format!(
                    "{} · station {} (0x{:03X}) · seq {}",
                    match (&model.variant_name, model.variant) {
                        (_, 15) => "mesh".to_string(),
                        (Some(n), v) => format!("variant {v} {n}"),
                        (None, v) => format!("variant {v}"),
                    },
                    model.station,
                    model.station,
                    model.sequence
                );
                let warnings = model.warnings.clone();
                view! {
                    <div class="insp-inner-head">
                        <span class=format!("badge {}", model.kind())>{model.kind()}</span>
                        " "
                        {head}
                    </div>
                    {(!warnings.is_empty())
                        .then(|| {
                            view! {
                                <ul class="insp-warnings">
                                    {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                                </ul>
                            }
                        })}
                    {frame_body(model, depth + 1)}
                }
                .into_any()
            }
            Err(e) => view! {
                <div class="error-box">
                    <span class="badge error">{e.kind}</span>
                    " "
                    {e.message}
                    {format!(" (bit {} of the inner packet, field {})", e.bit_offset, e.field)}
                </div>
            }
            .into_any(),
        };
        view! {
            <div class="insp-inner">
                <div class="insp-inner-title">
                    <strong>"Inner packet"</strong>
                    " "
                    <a class="small" href=format!("#hex={hex}") title="Open the inner packet on its own">
                        "open"
                    </a>
                </div>
                {body}
            </div>
        }
    });
    view! {
        <h3>{format!("Mesh {} (control type {})", m.ctrl_name, m.ctrl_type)}</h3>
        <table class="kv insp-mesh">
            <tbody>{rows}</tbody>
        </table>
        {neighbours}
        {inner}
    }
}

/// The canonical JSON, pretty-printed, with Copy.
#[component]
fn JsonBox(compact: String) -> impl IntoView {
    let pretty = pretty_json(&compact);
    let shown = StoredValue::new(pretty.clone());
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = shown.get_value();
        let nav = window().navigator();
        let has_clipboard = js_sys::Reflect::get(&nav, &"clipboard".into())
            .map(|v| !v.is_undefined() && !v.is_null())
            .unwrap_or(false);
        if has_clipboard {
            let promise = nav.clipboard().write_text(&text);
            let ok = wasm_bindgen::closure::Closure::new(move |_: wasm_bindgen::JsValue| {
                copied.set(Some(true))
            });
            let err = wasm_bindgen::closure::Closure::new(move |_: wasm_bindgen::JsValue| {
                copied.set(Some(false))
            });
            let _ = promise.then2(&ok, &err);
            ok.forget();
            err.forget();
        } else {
            // No clipboard API (not a secure context).
            copied.set(Some(false));
        }
        set_timeout(move || copied.set(None), Duration::from_millis(1600));
    };
    let label = move || match copied.get() {
        None => "Copy",
        Some(true) => "Copied",
        Some(false) => "Copy failed: select the text",
    };
    view! {
        <div class="insp-json">
            <div class="insp-json-head">
                <h3>"Canonical JSON"</h3>
                <span class="muted small">{format!("{} bytes", compact.len())}</span>
                <button class="btn small" on:click=copy>{label}</button>
            </div>
            <pre data-testid="inspector-json" class="mono">{pretty}</pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEATHER: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

    #[test]
    fn decodes_weather_frame() {
        let map = VariantMap::default_map();
        let Inspection::Frame(a) = inspect(WEATHER, &map) else {
            panic!("frame expected");
        };
        assert!(a.error.is_none());
        let m = a.model.unwrap();
        assert_eq!(m.station, 42);
        assert_eq!(m.variant_name.as_deref(), Some("weather_station"));
        let env = m.fields.iter().find(|f| f.label == "environment").unwrap();
        assert_eq!(env.parts[0].value, "-2.75 °C");
        assert!(a.json.unwrap().starts_with("{\"variant\":0,\"station\":42"));
        assert!(a.dump.len() > 10);
    }

    #[test]
    fn errors_and_hex() {
        let map = VariantMap::default_map();
        let Inspection::Frame(a) = inspect("0102", &map) else {
            panic!("frame expected");
        };
        assert_eq!(a.error.unwrap().kind, "short");
        assert!(a.json.is_none());
        assert!(matches!(inspect("00 2a zz", &map), Inspection::Hex { .. }));
        assert_eq!(inspect("  \n", &map), Inspection::Empty);
        assert_eq!(share_hash("0x00, 0x2a", ""), "#hex=002a");
        assert_eq!(share_hash("zz", ""), "#/inspector");
        assert_eq!(
            share_hash("00 2a", "builtin:sim"),
            "#/inspector?hex=002a&map=builtin%3Asim"
        );
    }

    #[test]
    fn forward_inner_is_decoded_and_dumped() {
        let map = VariantMap::default_map();
        let Inspection::Frame(a) = inspect("f008000910000bb804d260830816ca70c330", &map) else {
            panic!("frame expected");
        };
        let m = a.model.unwrap();
        let mesh = m.mesh.unwrap();
        assert_eq!(mesh.ctrl_name, "FORWARD");
        assert!(mesh.inner.is_some());
        assert!(a.dump.iter().any(|e| e.field.starts_with("inner.")));
    }

    #[test]
    fn pretty_json_keeps_tokens() {
        let s = r#"{"a":[1,2.50],"b":{},"c":"x,{\"y\":1}","d":[]}"#;
        let p = pretty_json(s);
        assert_eq!(
            p,
            "{\n  \"a\": [\n    1,\n    2.50\n  ],\n  \"b\": {},\n  \"c\": \"x,{\\\"y\\\":1}\",\n  \"d\": []\n}"
        );
        let back: String = p
            .lines()
            .map(str::trim)
            .collect::<String>()
            .replace("\": ", "\":");
        assert_eq!(back, s);
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(320), "5 min 20 s");
        assert_eq!(human_duration(43_200), "12 h");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600 + 60), "3 d 4 h");
    }
}

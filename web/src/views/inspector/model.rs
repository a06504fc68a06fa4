//! The inspector's display model: what a decoded frame shows (pure,
//! tested natively).

use super::*;

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
    pub result: Result<FrameModel, Failure>,
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
    pub error: Option<Failure>,
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

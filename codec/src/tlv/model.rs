//! The TLV entry and its data, the reference's structured view of the
//! globally designated types, the 6-bit character set (Appendix A) and the
//! raw-text rule.

use super::*;

/// The 6-bit code of `c` (Appendix A: space, a-z, 0-9, A-Z), or `None` when
/// `c` cannot be carried in a string-format TLV.
pub fn char_to_sixbit(c: char) -> Option<u8> {
    let b = u8::try_from(u32::from(c)).ok()?;
    match b {
        b' ' => Some(0),
        b'a'..=b'z' => Some(1 + (b - b'a')),
        b'0'..=b'9' => Some(27 + (b - b'0')),
        b'A'..=b'Z' => Some(37 + (b - b'A')),
        _ => None,
    }
}

/// The character for a 6-bit code (Appendix A). The reserved value 63 (and
/// anything above, which 6 bits cannot hold) decodes to `'?'`, as in the
/// reference.
pub fn sixbit_to_char(v: u8) -> char {
    match v {
        0 => ' ',
        1..=26 => char::from(b'a' + (v - 1)),
        27..=36 => char::from(b'0' + (v - 27)),
        37..=62 => char::from(b'A' + (v - 37)),
        _ => '?',
    }
}

/// True when every character of `s` is in the 6-bit set.
pub(super) fn is_sixbit_text(s: &str) -> bool {
    s.chars().all(|c| char_to_sixbit(c).is_some())
}

/// The data of a TLV entry, by wire format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TlvData {
    /// Format bit 0: `length` bytes.
    Raw(Vec<u8>),
    /// Format bit 1: `length` 6-bit characters, decoded with Appendix A.
    Text(String),
}

/// The data of a TLV entry, borrowed (see [`TlvData::as_data_ref`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlvDataRef<'a> {
    /// Format bit 0: the bytes.
    Raw(&'a [u8]),
    /// Format bit 1: the decoded 6-bit characters.
    Text(&'a str),
}

impl TlvData {
    /// The data, borrowed.
    pub fn as_data_ref(&self) -> TlvDataRef<'_> {
        match self {
            TlvData::Raw(b) => TlvDataRef::Raw(b),
            TlvData::Text(s) => TlvDataRef::Text(s),
        }
    }
}

/// One TLV entry as carried on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The type, 0..=63 (see [`VERSION`], [`STATUS`], ...).
    pub ty: u8,
    /// The data and its wire format.
    pub data: TlvData,
}

/// Content of a VERSION or CONFIG entry as the reference presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvContent {
    /// String format: the key-value pairs the reference's tokeniser finds
    /// (a trailing key without value, and empty tokens, are dropped;
    /// duplicate keys are kept in order).
    Pairs(Vec<(String, String)>),
    /// Raw format: the bytes up to the first NUL byte as the reference
    /// reads them, as UTF-8 text (invalid sequences shown as U+FFFD).
    Text(String),
}

/// A decoded STATUS entry (9 raw bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvStatus {
    /// Seconds since the last boot (24-bit ticks x 5).
    pub session_uptime: u32,
    /// Accumulated seconds across boots (24-bit ticks x 5); 0 = not tracked.
    pub lifetime_uptime: u32,
    /// Device starts since commissioning.
    pub restarts: u16,
    /// Restart reason code: 0..=8 named ([`REASON_NAMES`]), 0x80.. vendor,
    /// [`REASON_NA`] not available.
    pub reason: u8,
}

impl TlvStatus {
    /// Decodes the 9 bytes of a STATUS entry; `None` for any other length.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let [s0, s1, s2, l0, l1, l2, r0, r1, reason] = *<&[u8; STATUS_LEN]>::try_from(b).ok()?;
        let sess = u32::from_be_bytes([0, s0, s1, s2]);
        let life = u32::from_be_bytes([0, l0, l1, l2]);
        Some(TlvStatus {
            session_uptime: sess * 5,
            lifetime_uptime: life * 5,
            restarts: u16::from_be_bytes([r0, r1]),
            reason,
        })
    }

    /// The reason's name for the globally defined codes 0..=8.
    pub fn reason_name(&self) -> Option<&'static str> {
        REASON_NAMES.get(usize::from(self.reason)).copied()
    }
}

/// A decoded HEALTH entry (7 raw bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvHealth {
    /// Die temperature, °C; [`CPU_TEMP_NA`] = not available.
    pub cpu_temp: i8,
    /// Supply rail voltage, mV.
    pub supply_mv: u16,
    /// Free heap, bytes (65535 = capped or not tracked).
    pub free_heap: u16,
    /// Seconds active since boot (16-bit ticks x 5).
    pub session_active: u32,
}

impl TlvHealth {
    /// Decodes the 7 bytes of a HEALTH entry; `None` for any other length.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        let [t, v0, v1, h0, h1, a0, a1] = *<&[u8; HEALTH_LEN]>::try_from(b).ok()?;
        Some(TlvHealth {
            cpu_temp: i8::from_be_bytes([t]),
            supply_mv: u16::from_be_bytes([v0, v1]),
            free_heap: u16::from_be_bytes([h0, h1]),
            session_active: u32::from(u16::from_be_bytes([a0, a1])) * 5,
        })
    }
}

/// The reference implementation's structured view of a TLV entry: exactly
/// what its decode-to-JSON presents (see [`Tlv::interpret`]). This view is
/// lossy in places; [`write_tlvs_json`] is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlvValue {
    /// Type 1, format `"version"`.
    Version(KvContent),
    /// Type 2, format `"status"`; `None` (no `data` member) unless the entry
    /// is raw with exactly 9 bytes.
    Status(Option<TlvStatus>),
    /// Type 3, format `"health"`; `None` (no `data` member) unless the entry
    /// is raw with exactly 7 bytes.
    Health(Option<TlvHealth>),
    /// Type 4, format `"config"`.
    Config(KvContent),
    /// Types 5 and 6, format `"string"` whatever the wire format: the text
    /// (raw bytes up to the first NUL as UTF-8, invalid sequences shown as
    /// U+FFFD); `None` (no `data` member) when the entry has length 0.
    Message(Option<String>),
    /// Any other type in string format: format `"string"`, the text.
    Text(String),
    /// Any other type in raw format: format `"raw"`, the bytes (base64 in JSON).
    Raw(Vec<u8>),
}

impl TlvValue {
    /// The JSON `format` value the reference writes for this view.
    pub fn format(&self) -> &'static str {
        match self {
            TlvValue::Version(_) => "version",
            TlvValue::Status(_) => "status",
            TlvValue::Health(_) => "health",
            TlvValue::Config(_) => "config",
            TlvValue::Message(_) | TlvValue::Text(_) => "string",
            TlvValue::Raw(_) => "raw",
        }
    }
}

/// The text a raw-format entry carries: its bytes when they are valid
/// UTF-8 (NUL bytes included), otherwise `None` (the entry is then written
/// to JSON in the generic raw form). The inverse of [`text_to_raw`]; the
/// JSON writer ([`write_tlv_json`]) and [`Tlv::interpret`] read raw text
/// through this function only.
pub fn raw_to_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// The bytes a raw-format entry carries for `text`: its UTF-8 encoding. The
/// inverse of [`raw_to_text`]; every raw text entry (JSON in, encoder
/// helpers) is built through this function.
pub fn text_to_raw(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// Bytes up to the first NUL as text (how the reference reads raw data as a
/// C string), invalid UTF-8 shown as U+FFFD.
fn c_string_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bytes = bytes.get(..end).unwrap_or_default();
    match raw_to_text(bytes) {
        Some(s) => s.to_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The reference's space-delimited key-value tokeniser: keys and values
/// alternate, separated by one space; a pair is kept only when both key and
/// value are non-empty.
pub(super) fn tokenize_kv(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut it = text.split(' ');
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or("");
        if !k.is_empty() && !v.is_empty() {
            out.push((k, v));
        }
    }
    out
}

/// True when `pairs` (the tokenisation of `text`) rebuild `text` exactly and
/// no key repeats, i.e. the JSON object form is lossless.
pub(super) fn kv_reversible(text: &str, pairs: &[(&str, &str)]) -> bool {
    let mut len = 0usize;
    for (i, (k, v)) in pairs.iter().enumerate() {
        if pairs.iter().take(i).any(|(k2, _)| k2 == k) {
            return false;
        }
        len += usize::from(i > 0) + k.len() + 1 + v.len();
    }
    if len != text.len() {
        return false;
    }
    let mut rebuilt = String::with_capacity(len);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            rebuilt.push(' ');
        }
        rebuilt.push_str(k);
        rebuilt.push(' ');
        rebuilt.push_str(v);
    }
    rebuilt == text
}

impl Tlv {
    /// True for the 6-bit string wire format (format bit 1).
    pub fn is_string(&self) -> bool {
        matches!(self.data, TlvData::Text(_))
    }

    /// The wire length field: bytes (raw) or characters (string).
    pub fn len(&self) -> usize {
        match &self.data {
            TlvData::Raw(b) => b.len(),
            TlvData::Text(s) => s.chars().count(),
        }
    }

    /// True when the entry carries no data.
    pub fn is_empty(&self) -> bool {
        match &self.data {
            TlvData::Raw(b) => b.is_empty(),
            TlvData::Text(s) => s.is_empty(),
        }
    }

    /// Bits of the data part (length x 8 or length x 6).
    pub fn data_bits(&self) -> usize {
        self.len() * if self.is_string() { 6 } else { 8 }
    }

    /// Bits on the wire, header included.
    pub fn bits(&self) -> usize {
        HEADER_BITS + self.data_bits()
    }

    /// The structured view exactly as the reference's decode-to-JSON presents
    /// it (spec 9.5 and section 10): VERSION / CONFIG tokenised into pairs
    /// when in string format, their raw text otherwise; STATUS only when raw
    /// with 9 bytes, HEALTH only when raw with 7 bytes; DIAGNOSTIC and
    /// USERDATA always text; other types generic by wire format.
    pub fn interpret(&self) -> TlvValue {
        match (self.ty, &self.data) {
            (VERSION, d) => TlvValue::Version(kv_content(d)),
            (CONFIG, d) => TlvValue::Config(kv_content(d)),
            (STATUS, TlvData::Raw(b)) => TlvValue::Status(TlvStatus::from_bytes(b)),
            (STATUS, TlvData::Text(_)) => TlvValue::Status(None),
            (HEALTH, TlvData::Raw(b)) => TlvValue::Health(TlvHealth::from_bytes(b)),
            (HEALTH, TlvData::Text(_)) => TlvValue::Health(None),
            (DIAGNOSTIC | USERDATA, d) => TlvValue::Message(match d {
                _ if self.is_empty() => None,
                TlvData::Text(s) => Some(s.clone()),
                TlvData::Raw(b) => Some(c_string_text(b)),
            }),
            (_, TlvData::Raw(b)) => TlvValue::Raw(b.clone()),
            (_, TlvData::Text(s)) => TlvValue::Text(s.clone()),
        }
    }
}

fn kv_content(d: &TlvData) -> KvContent {
    match d {
        TlvData::Text(s) => KvContent::Pairs(
            tokenize_kv(s)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        ),
        TlvData::Raw(b) => KvContent::Text(c_string_text(b)),
    }
}

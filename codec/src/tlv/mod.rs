//! TLV (type-length-value) entries: wire format (spec section 9), the 6-bit
//! character set (Appendix A), the structured view of the globally designated
//! types (9.5), canonical JSON (section 10), encoder helpers with the
//! reference implementation's range checks, and the bit-level dump.
//!
//! # Wire format
//!
//! The TLV section follows the last data field at whatever bit offset it ended
//! (no alignment). Each entry is a 16-bit header followed by its data:
//!
//! ```text
//!  bit  0     1..6      7      8..15
//!     +-----+---------+------+----------+---------------------------------+
//!     | Fmt | Type(6) | More | Len (8)  | Len bytes (Fmt 0, raw)          |
//!     |     |         |      |          | Len x 6-bit chars (Fmt 1)       |
//!     +-----+---------+------+----------+---------------------------------+
//! ```
//!
//! Entries chain while More = 1. Every entry is decoded: the reference keeps
//! the first 8 and silently skips the rest, we keep them all.
//!
//! # JSON
//!
//! [`write_tlvs_json`] writes the reference's document (`{"type","format",
//! "data"}` objects, same formats, same omissions, same key order) whenever
//! that document already re-encodes to the same bits under
//! [`tlvs_from_json`]. Where the reference's document is lossy, we deviate,
//! and only there:
//!
//! * VERSION / CONFIG in string format whose text does not tokenise
//!   reversibly (odd token count, leading, trailing or doubled spaces,
//!   duplicate keys): the reference drops tokens; we write the generic
//!   string form `{"type":1,"format":"string","data":"FW 142 HW"}`.
//! * STATUS / HEALTH that are not raw with exactly 9 / 7 bytes: the reference
//!   writes `{"type":2,"format":"status"}` with no data; we write the generic
//!   form (`"format":"raw"` with base64 data, or `"format":"string"`).
//! * DIAGNOSTIC / USERDATA: the reference always writes `"format":"string"`
//!   and the text. A reader tells the wire format from the text: if every
//!   character is in the 6-bit set the entry is re-encoded as a 6-bit
//!   string, otherwise as raw bytes. When that guess would be wrong (a raw
//!   entry whose text is all in the 6-bit set, including an empty raw entry;
//!   a 6-bit entry holding the reserved value 63) we add ONE member,
//!   `"wire":"raw"` or `"wire":"string"`, after `data`.
//! * Raw text (raw VERSION / CONFIG / DIAGNOSTIC / USERDATA) is UTF-8: when
//!   the bytes are valid UTF-8 (NUL bytes included) the JSON `data` is that
//!   text, and reading it back writes the same bytes ([`raw_to_text`] and
//!   [`text_to_raw`], the one rule both directions use). Bytes that are not
//!   valid UTF-8 are written in the generic raw form,
//!   `{"type":5,"format":"raw","data":"sA=="}` (base64), which reads back
//!   to exactly those bytes. The reference copies the bytes as a C string:
//!   it stops at the first NUL byte and emits invalid UTF-8 as it is. For
//!   valid UTF-8 without NUL both agree.
//! * Raw data is standard RFC 4648 base64; the reference sets the unused low
//!   bits of the last character to 1 (`0a1b2c3d` gives `ChssPf==`, we give
//!   `ChssPQ==`). Both are accepted when reading.
//!
//! JSON -> TLV ([`tlvs_from_json`], [`tlvs_from_json_str`]) reads everything
//! we write, plus the reference's documents: raw VERSION / CONFIG (string
//! `data`), STATUS, HEALTH and DIAGNOSTIC (which the reference drops), raw
//! USERDATA (which the reference re-encodes as a 6-bit string and so
//! fails), and entries without `format` (generic raw, as in the reference).
//! Invalid base64 is an error (the reference silently decodes a prefix).
//!
//! Key order: VERSION / CONFIG objects are re-encoded in member order
//! (serde_json's `preserve_order` feature is enabled for the workspace).
//!
//! # Dump
//!
//! [`dump_tlvs`] gives the reference's dump rows, with one difference: the
//! reference emits no data row (and does not advance past the data) for
//! types 0 and 7..=15 and for STATUS / HEALTH of the wrong shape; we emit a
//! `tlv[i].data` (`tlv[i].status`, `tlv[i].health`) row covering the data.
//!
//! # Where things live
//!
//! * `mod.rs`: the type codes and limits, and the public names below;
//! * `model.rs`: the entry and its data (`Tlv`, `TlvData`, `TlvDataRef`),
//!   the reference's structured view (`TlvValue`, `KvContent`, `TlvStatus`,
//!   `TlvHealth`), the 6-bit character set and the raw-text rule
//!   (`raw_to_text` / `text_to_raw`);
//! * `build.rs`: the encoder helpers (`Tlv::raw`, `Tlv::version`, ...) with
//!   the reference's range checks, and `Tlv::validate`;
//! * `wire.rs`: the TLV section on the wire (`read_tlvs`, `write_tlvs`);
//! * `json_out.rs` / `json_in.rs`: canonical JSON out and in;
//! * `dump.rs`: the bit-level dump rows;
//! * `tests.rs`: unit and property tests, and the vectors' TLV records.

mod build;
mod dump;
mod json_in;
mod json_out;
mod model;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
mod wire;

use build::{build_health, build_kv, build_raw, build_raw_text, build_status, build_string};
pub use dump::{dump_tlvs, dump_tlvs_lenient};
pub use json_in::{tlvs_from_json, tlvs_from_json_str};
use json_out::B64_IN;
pub use json_out::{write_tlv_json, write_tlvs_json};
pub use model::{
    char_to_sixbit, raw_to_text, sixbit_to_char, text_to_raw, KvContent, Tlv, TlvData, TlvDataRef,
    TlvHealth, TlvStatus, TlvValue,
};
use model::{is_sixbit_text, kv_reversible, tokenize_kv};
pub use wire::tlvs_bits;
pub(crate) use wire::{read_tlvs, write_tlvs};

/// Type 0x01 VERSION: firmware / hardware version key-value pairs (6-bit string).
pub const VERSION: u8 = 0x01;
/// Type 0x02 STATUS: uptimes, restart count and reason (9 raw bytes).
pub const STATUS: u8 = 0x02;
/// Type 0x03 HEALTH: CPU temperature, supply voltage, free heap, active time (7 raw bytes).
pub const HEALTH: u8 = 0x03;
/// Type 0x04 CONFIG: configuration key-value pairs (6-bit string).
pub const CONFIG: u8 = 0x04;
/// Type 0x05 DIAGNOSTIC: free-form diagnostic message (6-bit string).
pub const DIAGNOSTIC: u8 = 0x05;
/// Type 0x06 USERDATA: user interaction event (6-bit string).
pub const USERDATA: u8 = 0x06;

/// Highest TLV type (6 bits).
pub const TYPE_MAX: u8 = 63;
/// Longest TLV data: 255 bytes (raw) or 255 characters (string).
pub const LEN_MAX: usize = 255;
/// Bits in a TLV header (format, type, more, length).
pub const HEADER_BITS: usize = 16;
/// Most TLV entries read from a JSON `data` array: a LoRa frame holds at
/// most 255 bytes, of which the header and one presence byte take 40 bits,
/// and each entry takes at least [`HEADER_BITS`]: (2040 − 40) / 16 = 125.
/// A longer array is [`crate::error::EncodeError::TlvFull`], before any entry is parsed.
pub const MAX_JSON_TLVS: usize = (255 * 8 - 40) / HEADER_BITS;
/// Length of a well-formed STATUS entry, bytes.
pub const STATUS_LEN: usize = 9;
/// Length of a well-formed HEALTH entry, bytes.
pub const HEALTH_LEN: usize = 7;
/// STATUS restart reason "not available" (omitted from JSON).
pub const REASON_NA: u8 = 0xFF;
/// HEALTH CPU temperature "not available" (omitted from JSON).
pub const CPU_TEMP_NA: i8 = 127;
/// Names of the globally defined restart reasons 0..=8 (JSON and dump).
pub const REASON_NAMES: [&str; 9] = [
    "unknown",
    "power_on",
    "software",
    "watchdog",
    "brownout",
    "panic",
    "deepsleep",
    "external",
    "ota",
];

/// Largest 24-bit uptime tick count.
const UPTIME_TICKS_MAX: u64 = 0xFF_FFFF;
/// Largest 16-bit session-active tick count.
const ACTIVE_TICKS_MAX: u64 = 0xFFFF;
/// Seconds per uptime tick.
const TICK_SECS: u64 = 5;

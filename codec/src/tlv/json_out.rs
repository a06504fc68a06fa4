//! TLV entries to canonical JSON.

use super::*;
use crate::json_write::{write_int, write_key, write_str};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Standard base64 for output.
const B64_OUT: GeneralPurpose = STANDARD;
/// Base64 for input: padding optional, non-zero trailing bits accepted (the
/// reference sets them).
pub(super) const B64_IN: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Writes the TLV array (`[{"type":..,"format":..,"data":..},...]`) of the
/// canonical JSON. The document is the reference's wherever that is lossless
/// and deviates minimally where it is not; see the module documentation for
/// the rules. [`tlvs_from_json`] reads it back to the same entries.
pub fn write_tlvs_json(out: &mut String, tlvs: &[Tlv]) {
    out.push('[');
    for (i, t) in tlvs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_tlv_json(out, t.ty, t.data.as_data_ref());
    }
    out.push(']');
}

fn write_format(out: &mut String, format: &str) {
    out.push(',');
    write_key(out, "format");
    write_str(out, format);
}

fn write_data_str(out: &mut String, s: &str) {
    out.push(',');
    write_key(out, "data");
    write_str(out, s);
}

fn write_generic(out: &mut String, data: TlvDataRef<'_>) {
    match data {
        TlvDataRef::Raw(b) => {
            write_format(out, "raw");
            out.push(',');
            write_key(out, "data");
            out.push('"');
            B64_OUT.encode_string(b, out);
            out.push('"');
        }
        TlvDataRef::Text(s) => {
            write_format(out, "string");
            write_data_str(out, s);
        }
    }
}

fn write_int_member(out: &mut String, key: &str, v: i64) {
    write_key(out, key);
    write_int(out, v);
}

/// One TLV object of the canonical JSON (`{"type":..,"format":..,...}`),
/// from the entry's type and borrowed data, so that any decoder (owned
/// [`Tlv`] or a view into the frame) writes the same document. Raw text is
/// read through [`raw_to_text`] only. See the module documentation for the
/// rules.
pub fn write_tlv_json(out: &mut String, ty: u8, data: TlvDataRef<'_>) {
    out.push('{');
    write_key(out, "type");
    write_int(out, i64::from(ty));
    let kv_format = if ty == VERSION { "version" } else { "config" };
    match (ty, data) {
        (VERSION | CONFIG, TlvDataRef::Text(s)) => {
            let pairs = tokenize_kv(s);
            if kv_reversible(s, &pairs) {
                write_format(out, kv_format);
                out.push(',');
                write_key(out, "data");
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_key(out, k);
                    write_str(out, v);
                }
                out.push('}');
            } else {
                write_generic(out, data);
            }
        }
        (VERSION | CONFIG, TlvDataRef::Raw(b)) => match raw_to_text(b) {
            Some(text) => {
                write_format(out, kv_format);
                write_data_str(out, text);
            }
            None => write_generic(out, data),
        },
        (STATUS, TlvDataRef::Raw(b)) if b.len() == STATUS_LEN => match TlvStatus::from_bytes(b) {
            Some(st) => {
                write_format(out, "status");
                out.push(',');
                write_key(out, "data");
                out.push('{');
                write_int_member(out, "session_uptime", i64::from(st.session_uptime));
                if st.lifetime_uptime > 0 {
                    out.push(',');
                    write_int_member(out, "lifetime_uptime", i64::from(st.lifetime_uptime));
                }
                out.push(',');
                write_int_member(out, "restarts", i64::from(st.restarts));
                if let Some(name) = st.reason_name() {
                    out.push(',');
                    write_key(out, "reason");
                    write_str(out, name);
                } else if st.reason != REASON_NA {
                    out.push(',');
                    write_int_member(out, "reason", i64::from(st.reason));
                }
                out.push('}');
            }
            None => write_generic(out, data),
        },
        (HEALTH, TlvDataRef::Raw(b)) if b.len() == HEALTH_LEN => match TlvHealth::from_bytes(b) {
            Some(h) => {
                write_format(out, "health");
                out.push(',');
                write_key(out, "data");
                out.push('{');
                if h.cpu_temp != CPU_TEMP_NA {
                    write_int_member(out, "cpu_temp", i64::from(h.cpu_temp));
                    out.push(',');
                }
                write_int_member(out, "supply_mv", i64::from(h.supply_mv));
                out.push(',');
                write_int_member(out, "free_heap", i64::from(h.free_heap));
                out.push(',');
                write_int_member(out, "session_active", i64::from(h.session_active));
                out.push('}');
            }
            None => write_generic(out, data),
        },
        (DIAGNOSTIC | USERDATA, TlvDataRef::Text(s)) => write_message(out, s, false),
        (DIAGNOSTIC | USERDATA, TlvDataRef::Raw(b)) => match raw_to_text(b) {
            Some(text) => write_message(out, text, true),
            None => write_generic(out, data),
        },
        _ => write_generic(out, data),
    }
    out.push('}');
}

/// The members of a DIAGNOSTIC / USERDATA entry after `type`: format
/// `"string"`, the text (omitted when empty) and, when a reader would guess
/// the wire format wrong, the `wire` hint.
fn write_message(out: &mut String, text: &str, raw: bool) {
    write_format(out, "string");
    if !text.is_empty() {
        write_data_str(out, text);
    }
    // A reader takes text entirely in the 6-bit set as a 6-bit string
    // and anything else as raw: say so only when that guess is wrong.
    if raw == is_sixbit_text(text) {
        out.push(',');
        write_key(out, "wire");
        write_str(out, if raw { "raw" } else { "string" });
    }
}

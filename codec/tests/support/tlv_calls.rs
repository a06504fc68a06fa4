//! The reference encoder's TLV calls of the vectors (`encoder_inputs`,
//! `calls`) as [`Tlv`] values. Shared by the conformance test and the TLV
//! unit tests (`src/tlv/tests.rs`), which include this file; the includer
//! provides `Tlv`, `EncodeError`, serde_json's `Value` and `unhex`.

use super::{unhex, EncodeError, Tlv, Value};

/// A TLV call as a [`Tlv`]; `None` if the call is not a TLV call or cannot
/// be expressed in the Rust API (a null data pointer).
pub fn tlv_from_call(c: &Value) -> Option<Result<Tlv, EncodeError>> {
    let s = |k: &str| c[k].as_str().unwrap_or_default();
    let int = |k: &str| {
        c[k].as_i64()
            .unwrap_or_else(|| panic!("call {c}: {k} is not an integer"))
    };
    let raw = c["raw"].as_bool().unwrap_or(false);
    let ty = c["type"].as_i64().unwrap_or(0).clamp(0, 255) as u8;
    Some(match c["call"].as_str()? {
        "tlv" => Tlv::raw(ty, unhex(c["data_hex"].as_str()?)),
        "tlv_string" => Tlv::string(ty, s("str")),
        call @ ("tlv_version" | "tlv_config") => {
            let tokens: Vec<&str> = c["kv"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if call == "tlv_version" {
                Tlv::version_tokens(&tokens, raw)
            } else {
                Tlv::config_tokens(&tokens, raw)
            }
        }
        "tlv_status" => Tlv::status(
            int("session_uptime_secs") as u32,
            int("lifetime_uptime_secs") as u32,
            int("restarts") as u16,
            int("reason") as u8,
        ),
        "tlv_health" => Tlv::health(
            int("cpu_temp") as i8,
            int("supply_mv") as u16,
            int("free_heap") as u16,
            int("session_active_secs") as u32,
        ),
        "tlv_diagnostic" => Tlv::diagnostic(s("str"), raw),
        "tlv_userdata" => Tlv::userdata(s("str"), raw),
        _ => return None,
    })
}

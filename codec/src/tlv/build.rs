//! Building entries: the encoder helpers with the reference's range checks,
//! and validation before writing.

use super::*;
use crate::error::{Bound, EncodeError, Quantity};

fn check_type(ctx: &str, ty: u8) -> Result<(), EncodeError> {
    EncodeError::check_max(
        u64::from(ty),
        u64::from(TYPE_MAX),
        Quantity::TlvType,
        || format!("{ctx}.type"),
    )
}

fn check_charset(text: &str) -> Result<(), EncodeError> {
    for (index, ch) in text.chars().enumerate() {
        if char_to_sixbit(ch).is_none() {
            return Err(EncodeError::TlvStringCharInvalid { ch, index });
        }
    }
    Ok(())
}

/// Checks a data length (bytes or characters, as `quantity` says) against
/// [`LEN_MAX`].
fn check_len(ctx: &str, quantity: Quantity, len: usize) -> Result<(), EncodeError> {
    EncodeError::check_max(len as u64, LEN_MAX as u64, quantity, || {
        format!("{ctx}.len")
    })
}

pub(super) fn build_raw(ctx: &str, ty: u8, bytes: Vec<u8>) -> Result<Tlv, EncodeError> {
    check_type(ctx, ty)?;
    check_len(ctx, Quantity::TlvLength, bytes.len())?;
    Ok(Tlv {
        ty,
        data: TlvData::Raw(bytes),
    })
}

pub(super) fn build_string(ctx: &str, ty: u8, text: &str) -> Result<Tlv, EncodeError> {
    check_type(ctx, ty)?;
    check_len(ctx, Quantity::TlvStringLength, text.chars().count())?;
    check_charset(text)?;
    Ok(Tlv {
        ty,
        data: TlvData::Text(text.to_owned()),
    })
}

/// Raw-format text entry (the UTF-8 bytes, [`text_to_raw`]); `quantity`
/// names the length error (the reference reports TLV_STR_LEN_HIGH for
/// DIAGNOSTIC / USERDATA, TLV_LEN_HIGH for key-value entries).
pub(super) fn build_raw_text(
    ctx: &str,
    ty: u8,
    text: &str,
    quantity: Quantity,
) -> Result<Tlv, EncodeError> {
    check_type(ctx, ty)?;
    check_len(ctx, quantity, text.len())?;
    Ok(Tlv {
        ty,
        data: TlvData::Raw(text_to_raw(text)),
    })
}

pub(super) fn build_kv(
    ctx: &str,
    ty: u8,
    pairs: &[(&str, &str)],
    raw: bool,
) -> Result<Tlv, EncodeError> {
    check_type(ctx, ty)?;
    let mut text = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        for tok in [k, v] {
            if tok.is_empty() || tok.contains(' ') {
                return Err(EncodeError::TlvKeyValueMismatch);
            }
        }
        if i > 0 {
            text.push(' ');
        }
        text.push_str(k);
        text.push(' ');
        text.push_str(v);
    }
    // Raw: UTF-8 bytes; string: characters (one per 6-bit code).
    let n = if raw {
        text.len()
    } else {
        text.chars().count()
    };
    check_len(ctx, Quantity::TlvLength, n)?;
    let data = if raw {
        TlvData::Raw(text_to_raw(&text))
    } else {
        check_charset(&text)?;
        TlvData::Text(text)
    };
    Ok(Tlv { ty, data })
}

fn tokens_to_pairs<'a>(tokens: &[&'a str]) -> Result<Vec<(&'a str, &'a str)>, EncodeError> {
    let chunks = tokens.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(EncodeError::TlvKeyValueMismatch);
    }
    Ok(chunks
        .filter_map(|c| match c {
            [k, v] => Some((*k, *v)),
            _ => None,
        })
        .collect())
}

fn uptime_ticks(ctx: &str, name: &str, secs: u64, max_ticks: u64) -> Result<u64, EncodeError> {
    let ticks = secs / TICK_SECS;
    if ticks > max_ticks {
        return Err(EncodeError::range(
            format!("{ctx}.{name}"),
            Quantity::TlvLength,
            Bound::High,
            secs as f64,
            (max_ticks * TICK_SECS + TICK_SECS - 1) as f64,
        ));
    }
    Ok(ticks)
}

pub(super) fn build_status(
    ctx: &str,
    sess_secs: u64,
    life_secs: u64,
    restarts: u16,
    reason: u8,
) -> Result<Tlv, EncodeError> {
    let sess = uptime_ticks(ctx, "session_uptime", sess_secs, UPTIME_TICKS_MAX)?;
    let life = uptime_ticks(ctx, "lifetime_uptime", life_secs, UPTIME_TICKS_MAX)?;
    let [_, _, _, _, _, s0, s1, s2] = sess.to_be_bytes();
    let [_, _, _, _, _, l0, l1, l2] = life.to_be_bytes();
    let [r0, r1] = restarts.to_be_bytes();
    Ok(Tlv {
        ty: STATUS,
        data: TlvData::Raw(vec![s0, s1, s2, l0, l1, l2, r0, r1, reason]),
    })
}

pub(super) fn build_health(
    ctx: &str,
    cpu_temp: i8,
    supply_mv: u16,
    free_heap: u16,
    active_secs: u64,
) -> Result<Tlv, EncodeError> {
    let active = uptime_ticks(ctx, "session_active", active_secs, ACTIVE_TICKS_MAX)?;
    let [_, _, _, _, _, _, a0, a1] = active.to_be_bytes();
    let [v0, v1] = supply_mv.to_be_bytes();
    let [h0, h1] = free_heap.to_be_bytes();
    let [t] = cpu_temp.to_be_bytes();
    Ok(Tlv {
        ty: HEALTH,
        data: TlvData::Raw(vec![t, v0, v1, h0, h1, a0, a1]),
    })
}

fn build_message(ctx: &str, ty: u8, text: &str, raw: bool) -> Result<Tlv, EncodeError> {
    if raw {
        build_raw_text(ctx, ty, text, Quantity::TlvStringLength)
    } else {
        build_string(ctx, ty, text)
    }
}

impl Tlv {
    /// A raw-format entry (`iotdata_encode_tlv`). Errors: type above 63
    /// (TLV_TYPE_HIGH), more than 255 bytes (TLV_LEN_HIGH).
    pub fn raw(ty: u8, bytes: impl Into<Vec<u8>>) -> Result<Tlv, EncodeError> {
        build_raw("tlv", ty, bytes.into())
    }

    /// A 6-bit string entry (`iotdata_encode_tlv_string`). Errors: type above
    /// 63 (TLV_TYPE_HIGH), more than 255 characters (TLV_STR_LEN_HIGH), a
    /// character outside the 6-bit set (TLV_STR_CHAR_INVALID).
    pub fn string(ty: u8, text: &str) -> Result<Tlv, EncodeError> {
        build_string("tlv", ty, text)
    }

    /// A VERSION entry from key-value pairs, joined as `K1 V1 K2 V2`; 6-bit
    /// string, or raw bytes (the UTF-8 of the text) when `raw`.
    /// Errors: an empty key or value, or one holding a space
    /// (TLV_KV_MISMATCH: it would not tokenise back; the reference does not
    /// check this), joined text above 255 characters (string) or bytes
    /// (raw) (TLV_LEN_HIGH), a character outside the 6-bit set
    /// (TLV_STR_CHAR_INVALID) unless `raw`. An empty list gives an empty
    /// entry (the reference rejects it as TLV_DATA_NULL).
    pub fn version(kv: &[(&str, &str)], raw: bool) -> Result<Tlv, EncodeError> {
        build_kv("tlv", VERSION, kv, raw)
    }

    /// [`Tlv::version`] from an alternating key, value, key, value list as the
    /// reference API takes it; an odd count is TLV_KV_MISMATCH.
    pub fn version_tokens(tokens: &[&str], raw: bool) -> Result<Tlv, EncodeError> {
        build_kv("tlv", VERSION, &tokens_to_pairs(tokens)?, raw)
    }

    /// A CONFIG entry from key-value pairs; rules as [`Tlv::version`].
    pub fn config(kv: &[(&str, &str)], raw: bool) -> Result<Tlv, EncodeError> {
        build_kv("tlv", CONFIG, kv, raw)
    }

    /// [`Tlv::config`] from an alternating key, value, ... list; an odd count
    /// is TLV_KV_MISMATCH.
    pub fn config_tokens(tokens: &[&str], raw: bool) -> Result<Tlv, EncodeError> {
        build_kv("tlv", CONFIG, &tokens_to_pairs(tokens)?, raw)
    }

    /// A STATUS entry (9 raw bytes). Uptimes are seconds, stored as 5-second
    /// ticks (truncating); more than 0xFFFFFF ticks is TLV_LEN_HIGH, as in
    /// the reference. `lifetime_uptime_secs` 0 means "not tracked", `reason`
    /// [`REASON_NA`] "not available".
    pub fn status(
        session_uptime_secs: u32,
        lifetime_uptime_secs: u32,
        restarts: u16,
        reason: u8,
    ) -> Result<Tlv, EncodeError> {
        build_status(
            "tlv",
            u64::from(session_uptime_secs),
            u64::from(lifetime_uptime_secs),
            restarts,
            reason,
        )
    }

    /// A HEALTH entry (7 raw bytes). `session_active_secs` is stored as
    /// 5-second ticks (truncating); more than 0xFFFF ticks is TLV_LEN_HIGH.
    /// `cpu_temp` [`CPU_TEMP_NA`] means "not available".
    pub fn health(
        cpu_temp: i8,
        supply_mv: u16,
        free_heap: u16,
        session_active_secs: u32,
    ) -> Result<Tlv, EncodeError> {
        build_health(
            "tlv",
            cpu_temp,
            supply_mv,
            free_heap,
            u64::from(session_active_secs),
        )
    }

    /// A DIAGNOSTIC entry: 6-bit string, or raw bytes (the UTF-8 of the
    /// text) when `raw`. Errors as [`Tlv::string`]; raw: more than 255
    /// bytes is TLV_STR_LEN_HIGH (as the reference).
    pub fn diagnostic(text: &str, raw: bool) -> Result<Tlv, EncodeError> {
        build_message("tlv", DIAGNOSTIC, text, raw)
    }

    /// A USERDATA entry; rules as [`Tlv::diagnostic`].
    pub fn userdata(text: &str, raw: bool) -> Result<Tlv, EncodeError> {
        build_message("tlv", USERDATA, text, raw)
    }

    /// Checks that the entry can be written: type 0..=63, at most 255 bytes
    /// or characters, string characters in the 6-bit set.
    pub fn validate(&self) -> Result<(), EncodeError> {
        self.validate_at("tlv")
    }

    pub(super) fn validate_at(&self, ctx: &str) -> Result<(), EncodeError> {
        check_type(ctx, self.ty)?;
        match &self.data {
            TlvData::Raw(b) => check_len(ctx, Quantity::TlvLength, b.len()),
            TlvData::Text(s) => {
                check_len(ctx, Quantity::TlvStringLength, s.chars().count())?;
                check_charset(s)
            }
        }
    }
}

//! The TLV section on the wire: reading and writing chained entries.

use super::*;
use crate::bits::{BitReader, BitWriter};
use crate::error::{DecodeError, EncodeError};

/// Reads TLV entries from the reader's position until an entry with More = 0.
///
/// Bit layout of each entry (MSB first, no alignment):
///
/// ```text
/// +-----+----------+------+---------+------------------------------------+
/// | Fmt | Type (6) | More | Len (8) | Fmt 0: Len bytes                   |
/// | (1) |          | (1)  |         | Fmt 1: Len 6-bit chars (Appendix A)|
/// +-----+----------+------+---------+------------------------------------+
/// ```
///
/// All entries are returned (no limit of 8 as in the reference). Errors:
/// [`DecodeError::Truncated`] naming `tlv[i].hdr` (format, type, more),
/// `tlv[i].len` or `tlv[i].data` with the bit offset where that part starts.
/// Never panics; memory is bounded by the input (each entry consumes at
/// least 16 bits and holds at most 255 bytes).
pub(crate) fn read_tlvs(r: &mut BitReader) -> Result<Vec<Tlv>, DecodeError> {
    let total = r.len_bits();
    let mut out = Vec::new();
    loop {
        let i = out.len();
        let at = r.pos();
        let hdr = r
            .read(8)
            .ok_or_else(|| DecodeError::truncated(at, format!("tlv[{i}].hdr"), 8, total))?;
        let at = r.pos();
        let len = r
            .read(8)
            .ok_or_else(|| DecodeError::truncated(at, format!("tlv[{i}].len"), 8, total))?
            as usize;
        let string = hdr & 0x80 != 0;
        let ty = ((hdr >> 1) & 0x3F) as u8;
        let more = hdr & 1 != 0;
        let at = r.pos();
        let data = if string {
            let needed = len * 6;
            if needed > r.remaining() {
                return Err(DecodeError::truncated(
                    at,
                    format!("tlv[{i}].data"),
                    needed,
                    total,
                ));
            }
            let mut s = String::with_capacity(len);
            for _ in 0..len {
                let v = r.read(6).ok_or_else(|| {
                    DecodeError::truncated(at, format!("tlv[{i}].data"), needed, total)
                })?;
                s.push(sixbit_to_char(v as u8));
            }
            TlvData::Text(s)
        } else {
            let mut b = Vec::new();
            r.read_bytes_into(len, &mut b).ok_or_else(|| {
                DecodeError::truncated(at, format!("tlv[{i}].data"), len * 8, total)
            })?;
            TlvData::Raw(b)
        };
        out.push(Tlv { ty, data });
        if !more {
            return Ok(out);
        }
    }
}

/// Writes `tlvs` as a chained TLV section (More = 1 on all but the last).
/// Every entry is checked first ([`Tlv::validate`], errors name `tlv[i]`),
/// so nothing is written on error. An empty slice writes nothing (the caller
/// must then leave the presence TLV bit clear).
pub(crate) fn write_tlvs(w: &mut BitWriter, tlvs: &[Tlv]) -> Result<(), EncodeError> {
    for (i, t) in tlvs.iter().enumerate() {
        // Name the entry only on error (no allocation on the hot path).
        if t.validate_at("tlv").is_err() {
            t.validate_at(&format!("tlv[{i}]"))?;
        }
    }
    for (i, t) in tlvs.iter().enumerate() {
        let more = i + 1 < tlvs.len();
        w.write_bool(t.is_string());
        w.write(u32::from(t.ty), 6);
        w.write_bool(more);
        w.write(t.len() as u32, 8);
        match &t.data {
            TlvData::Raw(b) => w.write_bytes(b),
            TlvData::Text(s) => {
                for c in s.chars() {
                    w.write(u32::from(char_to_sixbit(c).unwrap_or(0)), 6);
                }
            }
        }
    }
    Ok(())
}

/// Bits that the TLV writer writes for `tlvs`.
pub fn tlvs_bits(tlvs: &[Tlv]) -> usize {
    tlvs.iter().map(Tlv::bits).sum()
}

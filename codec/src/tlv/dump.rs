//! Bit-level dump rows of a TLV section.

use super::*;
use crate::bits::BitReader;
use crate::dump::DumpEntry;

/// Appends the dump rows of decoded entries whose section starts at
/// `start_bit`, as the reference's dump: per entry `tlv[i].hdr` (8 bits,
/// "str|raw type=0xNN more=M"), `tlv[i].len`, then (when the length is not
/// 0) the STATUS / HEALTH fields for well-formed entries or one data row
/// named after the type (`version`, `config`, `diagnostic`, `userdata`,
/// otherwise `data`; `status` / `health` when misshapen). Returns the bit
/// offset after the section. Deviation: the reference omits the data row
/// for types 0 and 7..=15 and for misshapen STATUS / HEALTH.
pub fn dump_tlvs(tlvs: &[Tlv], start_bit: usize, out: &mut Vec<DumpEntry>) -> usize {
    let mut pos = start_bit;
    for (i, t) in tlvs.iter().enumerate() {
        let bytes: &[u8] = match &t.data {
            TlvData::Raw(b) => b,
            TlvData::Text(_) => &[],
        };
        pos = dump_entry(
            out,
            i,
            pos,
            t.is_string(),
            t.ty,
            i + 1 < tlvs.len(),
            t.len(),
            bytes,
        );
    }
    pos
}

/// `n` (<= 32) bits at `pos`, bits past the end of `buf` read as 0.
pub(super) fn read_lenient(buf: &[u8], pos: usize, n: u32) -> u32 {
    let r = BitReader::at(buf, pos);
    let avail = r.remaining().min(n as usize) as u32;
    let v = r.peek(avail).unwrap_or(0);
    if avail == 0 {
        0
    } else {
        v << (n - avail)
    }
}

/// The dump of a TLV section read straight from packet bytes, leniently as
/// the reference's dump does: bits past the end read as 0, an entry is
/// listed while its 16-bit header fits, and data rows keep their declared
/// length even past the end. Used for truncated input, where
/// `read_tlvs` fails. Returns the bit offset after the last row.
pub fn dump_tlvs_lenient(buf: &[u8], start_bit: usize, out: &mut Vec<DumpEntry>) -> usize {
    let total = buf.len().saturating_mul(8);
    let mut pos = start_bit;
    let mut i = 0;
    let mut more = true;
    while more && pos.saturating_add(HEADER_BITS) <= total {
        let hdr = read_lenient(buf, pos, 8);
        let len = read_lenient(buf, pos + 8, 8) as usize;
        let string = hdr & 0x80 != 0;
        let ty = ((hdr >> 1) & 0x3F) as u8;
        more = hdr & 1 != 0;
        let bytes: Vec<u8> = if !string && (len == STATUS_LEN || len == HEALTH_LEN) {
            (0..len)
                .map(|k| read_lenient(buf, pos + HEADER_BITS + 8 * k, 8) as u8)
                .collect()
        } else {
            Vec::new()
        };
        pos = dump_entry(out, i, pos, string, ty, more, len, &bytes);
        i += 1;
    }
    pos
}

#[allow(clippy::too_many_arguments)]
pub(super) fn dump_entry(
    out: &mut Vec<DumpEntry>,
    i: usize,
    pos: usize,
    string: bool,
    ty: u8,
    more: bool,
    len: usize,
    bytes: &[u8],
) -> usize {
    out.push(DumpEntry::new(
        pos,
        8,
        format!("tlv[{i}].hdr"),
        0,
        format!(
            "{} type=0x{ty:02X} more={}",
            if string { "str" } else { "raw" },
            u8::from(more)
        ),
        "format+type+more",
    ));
    out.push(DumpEntry::new(
        pos + 8,
        8,
        format!("tlv[{i}].len"),
        len as u64,
        len.to_string(),
        "0..255",
    ));
    let p = pos + HEADER_BITS;
    if len == 0 {
        return p;
    }
    if !string && ty == STATUS {
        if let Some(st) = TlvStatus::from_bytes(bytes) {
            let (sess, life) = (st.session_uptime / 5, st.lifetime_uptime / 5);
            let reason = st.reason_name().unwrap_or("?");
            out.extend([
                DumpEntry::new(
                    p,
                    24,
                    format!("tlv[{i}].session_uptime"),
                    u64::from(sess),
                    format!("{}s", st.session_uptime),
                    "ticks×5",
                ),
                DumpEntry::new(
                    p + 24,
                    24,
                    format!("tlv[{i}].lifetime_uptime"),
                    u64::from(life),
                    format!("{}s", st.lifetime_uptime),
                    "ticks×5",
                ),
                DumpEntry::new(
                    p + 48,
                    16,
                    format!("tlv[{i}].restarts"),
                    u64::from(st.restarts),
                    st.restarts.to_string(),
                    "0..65535",
                ),
                DumpEntry::new(
                    p + 64,
                    8,
                    format!("tlv[{i}].reason"),
                    u64::from(st.reason),
                    reason,
                    "0..255",
                ),
            ]);
            return p + 72;
        }
    }
    if !string && ty == HEALTH {
        if let Some(h) = TlvHealth::from_bytes(bytes) {
            let [t] = h.cpu_temp.to_be_bytes();
            out.extend([
                DumpEntry::new(
                    p,
                    8,
                    format!("tlv[{i}].cpu_temp"),
                    u64::from(t),
                    format!("{}°C", h.cpu_temp),
                    "-40..85",
                ),
                DumpEntry::new(
                    p + 8,
                    16,
                    format!("tlv[{i}].supply_mv"),
                    u64::from(h.supply_mv),
                    format!("{}mV", h.supply_mv),
                    "0..65535",
                ),
                DumpEntry::new(
                    p + 24,
                    16,
                    format!("tlv[{i}].free_heap"),
                    u64::from(h.free_heap),
                    h.free_heap.to_string(),
                    "0..65535",
                ),
                DumpEntry::new(
                    p + 40,
                    16,
                    format!("tlv[{i}].session_active"),
                    u64::from(h.session_active / 5),
                    format!("{}s", h.session_active),
                    "ticks×5",
                ),
            ]);
            return p + 56;
        }
    }
    let name = match ty {
        VERSION => "version",
        STATUS => "status",
        HEALTH => "health",
        CONFIG => "config",
        DIAGNOSTIC => "diagnostic",
        USERDATA => "userdata",
        _ => "data",
    };
    let bits = len * if string { 6 } else { 8 };
    out.push(DumpEntry::new(
        p,
        bits,
        format!("tlv[{i}].{name}"),
        0,
        format!("({bits} bits)"),
        if string { "6-bit chars" } else { "raw bytes" },
    ));
    p + bits
}

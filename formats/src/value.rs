//! A small, bounded tree of decoded values, read from CBOR (via `minicbor`)
//! or MessagePack (via `rmp`), with the depth and item limits of the crate.

use crate::{Error, MAX_DEPTH, MAX_ITEMS, MAX_TEXT_CHARS};
use minicbor::data::Type;
use minicbor::Decoder;
use rmp::Marker;

/// One decoded CBOR or MessagePack item.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `undefined` or a simple value other than a boolean.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (CBOR integers span −2⁶⁴ … 2⁶⁴−1).
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map, in wire order.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// The number this value holds, if it is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The integer this value holds, if it is one.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value under integer key `k` of a map.
    pub fn get_int_key(&self, k: i128) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| key.as_int() == Some(k))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Text values as they are, other values as [`Value::to_text`].
    pub fn display_text(&self) -> String {
        match self {
            Value::Text(s) => clip(s.clone()),
            other => other.to_text(),
        }
    }

    /// A short, readable rendering (JSON-like, byte strings in hex), cut at
    /// [`MAX_TEXT_CHARS`] characters.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        clip(out)
    }

    fn write_text(&self, out: &mut String) {
        if out.len() > MAX_TEXT_CHARS * 4 {
            return;
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&int_text(*i)),
            Value::Float(f) => out.push_str(&f.to_string()),
            Value::Bytes(b) => {
                out.push_str("0x");
                out.push_str(&hex(b.iter().take(MAX_TEXT_CHARS)));
            }
            Value::Text(s) => {
                out.push('"');
                out.extend(s.chars().take(MAX_TEXT_CHARS));
                out.push('"');
            }
            Value::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.write_text(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (n, (k, v)) in entries.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    k.write_text(out);
                    out.push_str(": ");
                    v.write_text(out);
                }
                out.push('}');
            }
        }
    }
}

/// An integer as text, without the (large) 128-bit formatting code.
pub(crate) fn int_text(i: i128) -> String {
    if let Ok(v) = i64::try_from(i) {
        v.to_string()
    } else if let Ok(v) = u64::try_from(i) {
        v.to_string()
    } else {
        // CBOR negative integers below i64::MIN: -1 - n with n a u64.
        format!("-1-{}", u64::try_from(-1 - i).unwrap_or(u64::MAX))
    }
}

/// Cuts a string to [`MAX_TEXT_CHARS`] characters (an ellipsis marks a cut).
pub(crate) fn clip(s: String) -> String {
    if s.chars().count() <= MAX_TEXT_CHARS {
        s
    } else {
        let mut cut: String = s.chars().take(MAX_TEXT_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Lower-case hex of some bytes.
pub(crate) fn hex<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::new();
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses hex (either case, even length) into bytes.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, Error> {
    let s = s.trim();
    if s.len() % 2 != 0 || s.len() > crate::MAX_PAYLOAD_BYTES * 2 {
        return Err(Error::BadHex);
    }
    let digit = |c: u8| -> Result<u8, Error> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(Error::BadHex),
        }
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [hi, lo] => Ok((digit(*hi)? << 4) | digit(*lo)?),
            _ => Err(Error::BadHex),
        })
        .collect()
}

/// Counts items so a whole message stays within [`MAX_ITEMS`].
struct Budget(usize);

impl Budget {
    fn take(&mut self, n: u64) -> Result<(), Error> {
        let n = usize::try_from(n).map_err(|_| Error::TooManyItems)?;
        self.0 = self.0.checked_add(n).ok_or(Error::TooManyItems)?;
        if self.0 > MAX_ITEMS {
            Err(Error::TooManyItems)
        } else {
            Ok(())
        }
    }
}

/// Reads one CBOR item from the start of `bytes`; returns it and the number
/// of bytes it took.
pub fn read_cbor(bytes: &[u8]) -> Result<(Value, usize), Error> {
    let mut d = Decoder::new(bytes);
    let v = cbor_item(&mut d, 0, &mut Budget(0))?;
    Ok((v, d.position()))
}

/// Reads exactly one CBOR item that spans all of `bytes`.
pub fn read_cbor_exact(bytes: &[u8]) -> Result<Value, Error> {
    let (v, used) = read_cbor(bytes)?;
    if used != bytes.len() {
        return Err(Error::TrailingBytes(bytes.len() - used));
    }
    Ok(v)
}

/// Reads past one CBOR item (within the depth and item bounds).
pub(crate) fn skip_cbor(d: &mut Decoder<'_>) -> Result<(), Error> {
    cbor_item(d, 0, &mut Budget(0)).map(|_| ())
}

fn cbor_err(d: &Decoder<'_>) -> Error {
    Error::Cbor(d.position())
}

/// Joins the chunks of an indefinite-length byte or text string with
/// `push`, one unit of `budget` a chunk.
fn join_chunks<C, E, T: Default>(
    chunks: impl Iterator<Item = Result<C, E>>,
    budget: &mut Budget,
    mut push: impl FnMut(&mut T, C),
) -> Result<T, Error> {
    let mut out = T::default();
    for chunk in chunks {
        budget.take(1)?;
        push(&mut out, chunk.map_err(|_| Error::Cbor(0))?);
    }
    Ok(out)
}

fn cbor_item(d: &mut Decoder<'_>, depth: usize, budget: &mut Budget) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep);
    }
    budget.take(1)?;
    let ty = d.datatype().map_err(|_| cbor_err(d))?;
    let v = match ty {
        Type::Bool => Value::Bool(d.bool().map_err(|_| cbor_err(d))?),
        Type::Null => {
            d.null().map_err(|_| cbor_err(d))?;
            Value::Null
        }
        Type::Undefined => {
            d.undefined().map_err(|_| cbor_err(d))?;
            Value::Null
        }
        Type::Simple => {
            d.simple().map_err(|_| cbor_err(d))?;
            Value::Null
        }
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
            Value::Int(i128::from(d.u64().map_err(|_| cbor_err(d))?))
        }
        Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Int => {
            Value::Int(i128::from(d.int().map_err(|_| cbor_err(d))?))
        }
        Type::F16 => {
            let p = d.position();
            let bits = d.input().get(p + 1..p + 3).ok_or_else(|| cbor_err(d))?;
            d.set_position(p + 3);
            Value::Float(f16_to_f64(u16::from_be_bytes([bits[0], bits[1]])))
        }
        Type::F32 => Value::Float(f64::from(d.f32().map_err(|_| cbor_err(d))?)),
        Type::F64 => Value::Float(d.f64().map_err(|_| cbor_err(d))?),
        Type::Bytes => Value::Bytes(d.bytes().map_err(|_| cbor_err(d))?.to_vec()),
        Type::BytesIndef => {
            let chunks = d.bytes_iter().map_err(|_| Error::Cbor(0))?;
            Value::Bytes(join_chunks(chunks, budget, Vec::extend_from_slice)?)
        }
        Type::String => Value::Text(d.str().map_err(|_| cbor_err(d))?.to_string()),
        Type::StringIndef => {
            let chunks = d.str_iter().map_err(|_| Error::Cbor(0))?;
            Value::Text(join_chunks(chunks, budget, String::push_str)?)
        }
        Type::Array | Type::ArrayIndef => {
            let len = d.array().map_err(|_| cbor_err(d))?;
            let mut items = Vec::new();
            cbor_elements(d, len, budget, |d, budget| {
                items.push(cbor_item(d, depth + 1, budget)?);
                Ok(())
            })?;
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let len = d.map().map_err(|_| cbor_err(d))?;
            let mut entries = Vec::new();
            cbor_elements(d, len, budget, |d, budget| {
                let k = cbor_item(d, depth + 1, budget)?;
                let v = cbor_item(d, depth + 1, budget)?;
                entries.push((k, v));
                Ok(())
            })?;
            Value::Map(entries)
        }
        Type::Tag => {
            d.tag().map_err(|_| cbor_err(d))?;
            cbor_item(d, depth + 1, budget)?
        }
        Type::Break | Type::Unknown(_) => return Err(cbor_err(d)),
    };
    Ok(v)
}

/// Calls `element` once per element of an array or map: `len` times for a
/// definite length (charged to the budget first), or up to the break code
/// for an indefinite one (`len` `None`).
fn cbor_elements(
    d: &mut Decoder<'_>,
    len: Option<u64>,
    budget: &mut Budget,
    mut element: impl FnMut(&mut Decoder<'_>, &mut Budget) -> Result<(), Error>,
) -> Result<(), Error> {
    match len {
        Some(n) => {
            budget.take(n)?;
            for _ in 0..n {
                element(d, budget)?;
            }
        }
        None => loop {
            if d.datatype().map_err(|_| cbor_err(d))? == Type::Break {
                d.set_position(d.position() + 1);
                break;
            }
            element(d, budget)?;
        },
    }
    Ok(())
}

/// IEEE 754 half precision to `f64`.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    let mag = match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    };
    sign * mag
}

/// Reads exactly one MessagePack item that spans all of `bytes`.
pub fn read_msgpack_exact(bytes: &[u8]) -> Result<Value, Error> {
    let mut cur = bytes;
    let v = mp_item(bytes, &mut cur, 0, &mut Budget(0))?;
    if !cur.is_empty() {
        return Err(Error::TrailingBytes(cur.len()));
    }
    Ok(v)
}

fn mp_err(all: &[u8], cur: &[u8]) -> Error {
    Error::Msgpack(all.len() - cur.len())
}

fn mp_take<'a>(all: &[u8], cur: &mut &'a [u8], n: usize) -> Result<&'a [u8], Error> {
    if cur.len() < n {
        return Err(mp_err(all, cur));
    }
    let (head, tail) = cur.split_at(n);
    *cur = tail;
    Ok(head)
}

fn mp_be(all: &[u8], cur: &mut &[u8], n: usize) -> Result<u64, Error> {
    Ok(mp_take(all, cur, n)?
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn mp_item(all: &[u8], cur: &mut &[u8], depth: usize, budget: &mut Budget) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep);
    }
    budget.take(1)?;
    let marker = rmp::decode::read_marker(cur).map_err(|_| mp_err(all, cur))?;
    let v = match marker {
        Marker::Null => Value::Null,
        Marker::True => Value::Bool(true),
        Marker::False => Value::Bool(false),
        Marker::FixPos(n) => Value::Int(i128::from(n)),
        Marker::FixNeg(n) => Value::Int(i128::from(n)),
        Marker::U8 => Value::Int(i128::from(mp_be(all, cur, 1)?)),
        Marker::U16 => Value::Int(i128::from(mp_be(all, cur, 2)?)),
        Marker::U32 => Value::Int(i128::from(mp_be(all, cur, 4)?)),
        Marker::U64 => Value::Int(i128::from(mp_be(all, cur, 8)?)),
        Marker::I8 => Value::Int(i128::from(mp_be(all, cur, 1)? as u8 as i8)),
        Marker::I16 => Value::Int(i128::from(mp_be(all, cur, 2)? as u16 as i16)),
        Marker::I32 => Value::Int(i128::from(mp_be(all, cur, 4)? as u32 as i32)),
        Marker::I64 => Value::Int(i128::from(mp_be(all, cur, 8)? as i64)),
        Marker::F32 => Value::Float(f64::from(f32::from_bits(mp_be(all, cur, 4)? as u32))),
        Marker::F64 => Value::Float(f64::from_bits(mp_be(all, cur, 8)?)),
        Marker::FixStr(n) => mp_str(all, cur, usize::from(n))?,
        Marker::Str8 | Marker::Str16 | Marker::Str32 => {
            mp_len(all, cur, marker).and_then(|n| mp_str(all, cur, n))?
        }
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
            mp_len(all, cur, marker).and_then(|n| mp_bin(all, cur, n))?
        }
        Marker::FixArray(n) => mp_container(all, cur, usize::from(n), depth, budget, false)?,
        Marker::Array16 | Marker::Array32 => mp_len(all, cur, marker)
            .and_then(|n| mp_container(all, cur, n, depth, budget, false))?,
        Marker::FixMap(n) => mp_container(all, cur, usize::from(n), depth, budget, true)?,
        Marker::Map16 | Marker::Map32 => {
            mp_len(all, cur, marker).and_then(|n| mp_container(all, cur, n, depth, budget, true))?
        }
        Marker::FixExt1 => mp_ext(all, cur, 1)?,
        Marker::FixExt2 => mp_ext(all, cur, 2)?,
        Marker::FixExt4 => mp_ext(all, cur, 4)?,
        Marker::FixExt8 => mp_ext(all, cur, 8)?,
        Marker::FixExt16 => mp_ext(all, cur, 16)?,
        Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
            mp_len(all, cur, marker).and_then(|n| mp_ext(all, cur, n))?
        }
        Marker::Reserved => return Err(mp_err(all, cur)),
    };
    Ok(v)
}

/// Reads the big-endian length that follows a sized marker (`str`, `bin`,
/// `array`, `map` or `ext` with an 8-, 16- or 32-bit length).
fn mp_len(all: &[u8], cur: &mut &[u8], marker: Marker) -> Result<usize, Error> {
    let width = match marker {
        Marker::Str8 | Marker::Bin8 | Marker::Ext8 => 1,
        Marker::Str16 | Marker::Bin16 | Marker::Array16 | Marker::Map16 | Marker::Ext16 => 2,
        _ => 4,
    };
    usize::try_from(mp_be(all, cur, width)?).map_err(|_| mp_err(all, cur))
}

fn mp_str(all: &[u8], cur: &mut &[u8], n: usize) -> Result<Value, Error> {
    let bytes = mp_take(all, cur, n)?;
    std::str::from_utf8(bytes)
        .map(|s| Value::Text(s.to_string()))
        .map_err(|_| mp_err(all, cur))
}

fn mp_bin(all: &[u8], cur: &mut &[u8], n: usize) -> Result<Value, Error> {
    Ok(Value::Bytes(mp_take(all, cur, n)?.to_vec()))
}

/// An extension type is kept as its type byte followed by its data.
fn mp_ext(all: &[u8], cur: &mut &[u8], n: usize) -> Result<Value, Error> {
    let data = mp_take(all, cur, n.checked_add(1).ok_or_else(|| mp_err(all, cur))?)?;
    Ok(Value::Bytes(data.to_vec()))
}

/// Reads the `n` elements of an array or, with `map`, the `n` entries of a
/// map. `n` is charged to the budget first, and the space reserved up front
/// is bounded by the bytes left.
fn mp_container(
    all: &[u8],
    cur: &mut &[u8],
    n: usize,
    depth: usize,
    budget: &mut Budget,
    map: bool,
) -> Result<Value, Error> {
    budget.take(n as u64)?;
    let item = |cur: &mut &[u8], budget: &mut Budget| mp_item(all, cur, depth + 1, budget);
    if map {
        let mut entries = Vec::with_capacity(n.min(cur.len() / 2));
        for _ in 0..n {
            let k = item(cur, budget)?;
            let v = item(cur, budget)?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    } else {
        let mut items = Vec::with_capacity(n.min(cur.len()));
        for _ in 0..n {
            items.push(item(cur, budget)?);
        }
        Ok(Value::Array(items))
    }
}

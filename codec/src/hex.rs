//! Tolerant hex parsing for frames pasted from logs, and hex formatting.

/// Why a hex string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is not a hex digit or an allowed separator.
    #[error("invalid character {ch:?} at position {index}")]
    InvalidChar {
        /// The character.
        ch: char,
        /// Its character index in the input.
        index: usize,
    },
    /// An odd number of hex digits.
    #[error("odd number of hex digits ({0})")]
    OddLength(usize),
}

/// Parses hex, tolerating whitespace (incl. newlines), `0x`/`0X` prefixes
/// and `:`, `-`, `,` separators.
///
/// ```
/// assert_eq!(iotdata::hex::decode("0x00 2a:00\n04").unwrap(), vec![0x00, 0x2a, 0x00, 0x04]);
/// assert!(iotdata::hex::decode("zz").is_err());
/// ```
pub fn decode(s: &str) -> Result<Vec<u8>, HexError> {
    decode_prefix(s, usize::MAX).map(|(bytes, _)| bytes)
}

/// Like [`decode`], but stops after `max_bytes` bytes: returns them and
/// whether more hex followed (the rest is neither parsed nor checked). Time
/// and memory are bounded by `max_bytes`, not by the input.
///
/// ```
/// assert_eq!(iotdata::hex::decode_prefix("00 2a 01", 2).unwrap(), (vec![0x00, 0x2a], true));
/// assert_eq!(iotdata::hex::decode_prefix("002a", 2).unwrap(), (vec![0x00, 0x2a], false));
/// assert_eq!(iotdata::hex::decode_prefix("002a zz", 2).unwrap(), (vec![0x00, 0x2a], true));
/// ```
pub fn decode_prefix(s: &str, max_bytes: usize) -> Result<(Vec<u8>, bool), HexError> {
    let mut out = Vec::with_capacity((s.len() / 2).min(max_bytes));
    let mut hi: Option<u8> = None;
    let mut digits = 0usize;
    let mut chars = s.char_indices().peekable();
    let mut index = 0usize;
    while let Some((_, c)) = chars.next() {
        let this = index;
        index += 1;
        if c == '0' && hi.is_none() && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            chars.next();
            index += 1;
            continue;
        }
        if c.is_whitespace() || matches!(c, ':' | '-' | ',') {
            continue;
        }
        if out.len() >= max_bytes {
            return Ok((out, true));
        }
        let v = match c.to_digit(16) {
            Some(v) => v as u8,
            None => return Err(HexError::InvalidChar { ch: c, index: this }),
        };
        digits += 1;
        match hi.take() {
            None => hi = Some(v),
            Some(h) => out.push((h << 4) | v),
        }
    }
    if hi.is_some() {
        return Err(HexError::OddLength(digits));
    }
    Ok((out, false))
}

/// Formats bytes as lowercase hex without separators.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant() {
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode("0X0A, 0x0b").unwrap(), vec![10, 11]);
        assert_eq!(decode("abc"), Err(HexError::OddLength(3)));
        assert_eq!(
            decode("0g"),
            Err(HexError::InvalidChar { ch: 'g', index: 1 })
        );
        assert_eq!(encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(decode_prefix("0x01 0x02 0x03", 2), Ok((vec![1, 2], true)));
        assert_eq!(decode_prefix("0102", 0), Ok((vec![], true)));
        assert_eq!(decode_prefix("", 0), Ok((vec![], false)));
        assert_eq!(decode_prefix("01 0", 4), Err(HexError::OddLength(3)));
        assert_eq!(
            decode_prefix(&"ab".repeat(100_000), 4096).unwrap().0.len(),
            4096
        );
    }
}

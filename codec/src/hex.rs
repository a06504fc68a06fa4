//! Hex for frames pasted from logs: one tolerant parsing rule, and
//! formatting.
//!
//! # The parsing rule
//!
//! Hex text is a sequence of *groups* of hex digits (either case) between
//! separators:
//!
//! - separators: whitespace (spaces, tabs, newlines) and `:` `,` `-` `_`
//!   `;` ([`is_separator`]), in any number;
//! - a group may start with `0x` or `0X` (`0x0a1b`, `0x0a 0x1b`);
//! - a group holds an even number of digits: a separator never splits a
//!   byte (`a b` is an error, [`HexError::OddGroup`]), except that a
//!   prefixed group of one digit is that digit padded (`0x1, 0x2` is
//!   `01 02`);
//! - anything else is an error ([`HexError::InvalidChar`]).
//!
//! Parsing is one pass over the characters; the only allocation is the
//! output (at most half the text, or the bound given to
//! [`decode_prefix`]).

/// Why a hex string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is not a hex digit, a separator or a `0x` prefix.
    #[error("'{}' is not a hex digit (at character {})", .ch.escape_default(), .index + 1)]
    InvalidChar {
        /// The character.
        ch: char,
        /// Its character index (0-based) in the input.
        index: usize,
    },
    /// A group (digits between separators) with an odd number of digits.
    #[error("odd number of hex digits ({digits}) in a group (at character {})", .index + 1)]
    OddGroup {
        /// Digits in the group.
        digits: usize,
        /// Character index (0-based) of the group's last digit.
        index: usize,
    },
}

/// Whether `c` may separate groups of hex digits: whitespace, `:`, `,`,
/// `-`, `_` or `;`.
pub fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | ',' | '-' | '_' | ';')
}

/// True when `text` holds only hex digits, separators and `0x` prefixes,
/// with at least one digit (a cheap test before [`decode`]; digit counts
/// are not checked).
///
/// ```
/// assert!(iotdata::hex::looks_like_hex("0x00 2a:04"));
/// assert!(!iotdata::hex::looks_like_hex("hello"));
/// assert!(!iotdata::hex::looks_like_hex(" ; "));
/// ```
pub fn looks_like_hex(text: &str) -> bool {
    let mut digits = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && matches!(chars.peek(), Some('x' | 'X')) {
            chars.next();
            continue;
        }
        if c.is_ascii_hexdigit() {
            digits += 1;
        } else if !is_separator(c) {
            return false;
        }
    }
    digits > 0
}

/// Parses hex text by the module's rule.
///
/// ```
/// assert_eq!(iotdata::hex::decode("0x00 2a:00\n04").unwrap(), vec![0x00, 0x2a, 0x00, 0x04]);
/// assert_eq!(iotdata::hex::decode("0x1; 0x2").unwrap(), vec![0x01, 0x02]);
/// assert!(iotdata::hex::decode("zz").is_err());
/// assert!(iotdata::hex::decode("0 a").is_err());
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
    let mut chars = s.chars().enumerate().peekable();
    // The current group: its digit count, the high nibble waiting for its
    // pair, the index of its last digit and whether it had a `0x` prefix.
    let mut digits = 0usize;
    let mut pending: Option<u8> = None;
    let mut last = 0usize;
    let mut prefixed = false;
    let end_group = |digits: &mut usize,
                     pending: &mut Option<u8>,
                     last: usize,
                     prefixed: bool,
                     out: &mut Vec<u8>|
     -> Result<(), HexError> {
        let n = std::mem::take(digits);
        match pending.take() {
            None => Ok(()),
            Some(d) if prefixed && n == 1 => {
                out.push(d);
                Ok(())
            }
            Some(_) => Err(HexError::OddGroup {
                digits: n,
                index: last,
            }),
        }
    };
    while let Some((i, c)) = chars.next() {
        if c == '0' && digits == 0 && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            prefixed = true;
            chars.next();
            continue;
        }
        if is_separator(c) {
            end_group(&mut digits, &mut pending, last, prefixed, &mut out)?;
            prefixed = false;
            continue;
        }
        if pending.is_none() && out.len() >= max_bytes {
            return Ok((out, true));
        }
        if let Some(d) = c.to_digit(16) {
            let d = d as u8;
            match pending.take() {
                Some(high) => out.push((high << 4) | d),
                None => pending = Some(d),
            }
            digits += 1;
            last = i;
        } else {
            return Err(HexError::InvalidChar { ch: c, index: i });
        }
    }
    end_group(&mut digits, &mut pending, last, prefixed, &mut out)?;
    Ok((out, false))
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Formats bytes as lowercase hex without separators.
///
/// ```
/// assert_eq!(iotdata::hex::encode(&[0, 0xab, 0xff]), "00abff");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Formats bytes as lowercase hex with a space between bytes (`0a 1b 2c`).
///
/// ```
/// assert_eq!(iotdata::hex::encode_spaced(&[0x0a, 0x1b, 0x2c]), "0a 1b 2c");
/// ```
pub fn encode_spaced(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
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
        assert_eq!(
            decode("abc"),
            Err(HexError::OddGroup {
                digits: 3,
                index: 2
            })
        );
        assert_eq!(
            decode("0g"),
            Err(HexError::InvalidChar { ch: 'g', index: 1 })
        );
        assert_eq!(encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(encode_spaced(&[]), "");
        assert_eq!(decode_prefix("0x01 0x02 0x03", 2), Ok((vec![1, 2], true)));
        assert_eq!(decode_prefix("0102", 0), Ok((vec![], true)));
        assert_eq!(decode_prefix("", 0), Ok((vec![], false)));
        assert_eq!(
            decode_prefix("01 0", 4),
            Err(HexError::OddGroup {
                digits: 1,
                index: 3
            })
        );
        assert_eq!(
            decode_prefix(&"ab".repeat(100_000), 4096).unwrap().0.len(),
            4096
        );
    }

    #[test]
    fn groups_and_separators() {
        assert_eq!(decode("0a1b").unwrap(), vec![0x0a, 0x1b]);
        assert_eq!(decode("0A 1B\n2c").unwrap(), vec![0x0a, 0x1b, 0x2c]);
        assert_eq!(decode("0x0a,0x1b").unwrap(), vec![0x0a, 0x1b]);
        assert_eq!(decode("0x0a1b").unwrap(), vec![0x0a, 0x1b]);
        assert_eq!(
            decode("0a:1b-2c_3d;4e\t5f").unwrap(),
            [10, 27, 44, 61, 78, 95]
        );
        assert_eq!(decode("0x1, 0x2").unwrap(), vec![1, 2]);
        assert!(decode("0a1").is_err());
        assert!(decode("a b").is_err());
        assert_eq!(
            decode("0a zz"),
            Err(HexError::InvalidChar { ch: 'z', index: 3 })
        );
        assert_eq!(
            decode("0a zz").unwrap_err().to_string(),
            "'z' is not a hex digit (at character 4)"
        );
        assert!(looks_like_hex("0x0a_1b"));
        assert!(!looks_like_hex("0x"));
        assert!(!looks_like_hex("0a/1b"));
    }
}

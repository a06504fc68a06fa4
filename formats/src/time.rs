//! Time stamps: Unix seconds (with fraction) and ISO 8601 / rtl_433 date-times.

use crate::Error;

/// Parses a time stamp into Unix milliseconds UTC, and whether the text
/// stated its zone. Accepted: Unix seconds (`1700000000`, `1700000000.5`),
/// and `YYYY-MM-DD[T| ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM| UTC]`. A date-time
/// without a zone is read as UTC (the caller may warn).
pub fn parse_time(s: &str) -> Result<(i64, bool), Error> {
    let bad = || Error::BadTime(crate::value::clip(s.to_string()));
    let t = s.trim();
    if t.is_empty() || t.len() > 64 {
        return Err(bad());
    }
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = t.parse().map_err(|_| bad())?;
        return unix_secs_to_ms(secs).map(|ms| (ms, true)).ok_or_else(bad);
    }
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Result<i64, Error> {
        let part = b.get(from..from + len).ok_or_else(bad)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        part.iter()
            .try_fold(0i64, |acc, d| Some(acc * 10 + i64::from(d - b'0')))
            .ok_or_else(bad)
    };
    let sep = |at: usize, ok: &[u8]| -> Result<(), Error> {
        match b.get(at) {
            Some(c) if ok.contains(c) => Ok(()),
            _ => Err(bad()),
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    sep(4, b"-")?;
    sep(7, b"-")?;
    sep(10, b"T ")?;
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    sep(13, b":")?;
    sep(16, b":")?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return Err(bad());
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = &t[start..i];
        if frac.is_empty() {
            return Err(bad());
        }
        let first3: String = frac.chars().chain("000".chars()).take(3).collect();
        millis = first3.parse().map_err(|_| bad())?;
    }
    let rest = t[i..].trim_start();
    let (offset_min, zoned) = match rest {
        "" => (0, false),
        "Z" | "z" | "UTC" | "GMT" => (0, true),
        _ => {
            let rb = rest.as_bytes();
            let sign = match rb.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(bad()),
            };
            let digits: Vec<u8> = rb[1..].iter().copied().filter(|c| *c != b':').collect();
            if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let h = i64::from(digits[0] - b'0') * 10 + i64::from(digits[1] - b'0');
            let m = i64::from(digits[2] - b'0') * 10 + i64::from(digits[3] - b'0');
            if h > 23 || m > 59 {
                return Err(bad());
            }
            (sign * (h * 60 + m), true)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + min * 60 + sec - offset_min * 60;
    Ok((secs * 1_000 + millis, zoned))
}

/// Unix seconds (possibly fractional) to milliseconds, if in a sane range
/// (years 1970–9999).
pub(crate) fn unix_secs_to_ms(secs: f64) -> Option<i64> {
    (secs.is_finite() && (0.0..253_402_300_800.0).contains(&secs))
        .then(|| (secs * 1_000.0).round() as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

//! Minimal, fast JSON text writing primitives used by the canonical JSON
//! serialiser (decode -> JSON is a hot path: no intermediate DOM).

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal (quoted and escaped).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `"key":` (the key escaped).
pub fn write_key(out: &mut String, key: &str) {
    write_str(out, key);
    out.push(':');
}

/// Appends an integer.
pub fn write_int(out: &mut String, v: i64) {
    let _ = write!(out, "{v}");
}

/// Appends an f32 as the shortest decimal that round-trips the f32
/// (integral values print without a fraction, like the reference).
pub fn write_f32(out: &mut String, v: f32) {
    write_float(
        out,
        v.is_finite(),
        v == v.trunc() && v.abs() < 1e15,
        v as i64,
        v,
    );
}

/// Appends an f64 as the shortest decimal that round-trips the f64.
pub fn write_f64(out: &mut String, v: f64) {
    write_float(
        out,
        v.is_finite(),
        v == v.trunc() && v.abs() < 1e15,
        v as i64,
        v,
    );
}

fn write_float(
    out: &mut String,
    finite: bool,
    integral: bool,
    as_int: i64,
    v: impl std::fmt::Display,
) {
    if !finite {
        out.push_str("null");
    } else if integral {
        let _ = write!(out, "{as_int}");
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Appends `true` or `false`.
pub fn write_bool(out: &mut String, v: bool) {
    out.push_str(if v { "true" } else { "false" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // 59.334592183506032 is the reference's `%1.17g` text, kept verbatim.
    #[allow(clippy::excessive_precision)]
    fn numbers_and_strings() {
        let mut s = String::new();
        write_f32(&mut s, 0.1);
        s.push(' ');
        write_f32(&mut s, 10.0);
        s.push(' ');
        write_f32(&mut s, -39.75);
        s.push(' ');
        write_f64(&mut s, 59.334592183506032);
        s.push(' ');
        write_str(&mut s, "a\"b\\c\u{1}");
        assert_eq!(s, "0.1 10 -39.75 59.33459218350603 \"a\\\"b\\\\c\\u0001\"");
    }
}

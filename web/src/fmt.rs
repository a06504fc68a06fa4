//! Display text shared by every page, so a value reads the same on the
//! station page, the inspector, the TLV panel, the map and the tables:
//! units (`°C`, `270°`, `µg/m³`), numbers without float noise, durations
//! (`3 d 4 h`), restart reasons (`watchdog`), and the STATUS and HEALTH
//! values. Pure functions, tested natively.

use iotdata::tlv::{self, TlvHealth, TlvStatus};

/// A codec unit as people write it: `C` → `°C`, `deg` → `°`, `uSv/h` →
/// `µSv/h`, `ug/m3` → `µg/m³`, `W/m2` → `W/m²`; others unchanged.
pub fn unit(codec_unit: &str) -> &str {
    match codec_unit {
        "C" => "°C",
        "deg" => "°",
        "uSv/h" => "µSv/h",
        "ug/m3" => "µg/m³",
        "W/m2" => "W/m²",
        u => u,
    }
}

/// A value with its (codec) unit: `21.5 °C`, `270°` (degrees follow the
/// number directly), `12` without a unit.
pub fn with_unit(value: &str, codec_unit: &str) -> String {
    match unit(codec_unit) {
        "" => value.to_string(),
        "°" => format!("{value}°"),
        u => format!("{value} {u}"),
    }
}

/// The codec's `<value> <unit>` text (`Quant::display`) with the unit as
/// people write it ([`with_unit`]): `270 deg` → `270°`, `-2.75 C` →
/// `-2.75 °C`; other text unchanged.
pub fn pretty_units(text: String) -> String {
    match text.rsplit_once(' ') {
        Some((value, u)) if unit(u) != u => with_unit(value, u),
        _ => text,
    }
}

/// A number without float noise (`0.0099999…` → `0.01`), at most three
/// decimals; `—` when not finite.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A duration in the two largest units: `0 s`, `45 s`, `12 min 5 s`,
/// `2 h 5 min`, `3 d 4 h` (a zero second unit is left out: `1 h`).
pub fn human_duration(secs: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    for (i, &(size, name)) in UNITS.iter().enumerate() {
        if secs >= size || size == 1 {
            let major = secs / size;
            let rest = secs % size;
            return match UNITS.get(i + 1) {
                Some(&(sub, sub_name)) if rest / sub > 0 => {
                    format!("{major} {name} {} {sub_name}", rest / sub)
                }
                _ => format!("{major} {name}"),
            };
        }
    }
    "0 s".into()
}

/// A STATUS restart reason as text: the spec's name (`watchdog`,
/// `power on`), `n/a`, `vendor 0x81` or `reserved 0x09`.
pub fn reason_text(code: u8) -> String {
    match tlv::REASON_NAMES.get(usize::from(code)) {
        Some(name) => name.replace('_', " "),
        None if code == tlv::REASON_NA => "n/a".into(),
        None if code >= 0x80 => format!("vendor 0x{code:02x}"),
        None => format!("reserved 0x{code:02x}"),
    }
}

/// A free-heap figure in bytes (`2048 B`; 65535 means capped or not
/// tracked).
pub fn heap_text(bytes: u16) -> String {
    if bytes == u16::MAX {
        "≥ 65535 B (capped or not tracked)".into()
    } else {
        format!("{bytes} B")
    }
}

/// The values of a STATUS entry, labelled: session and lifetime uptime,
/// restarts, last restart reason.
pub fn status_values(s: &TlvStatus) -> Vec<(&'static str, String)> {
    vec![
        (
            "Session uptime",
            human_duration(u64::from(s.session_uptime)),
        ),
        (
            "Lifetime uptime",
            if s.lifetime_uptime == 0 {
                "not tracked".into()
            } else {
                human_duration(u64::from(s.lifetime_uptime))
            },
        ),
        ("Restarts", s.restarts.to_string()),
        ("Last restart reason", reason_text(s.reason)),
    ]
}

/// The values of a HEALTH entry, labelled: CPU temperature, supply, free
/// heap, active time this session.
pub fn health_values(h: &TlvHealth) -> Vec<(&'static str, String)> {
    vec![
        (
            "CPU temperature",
            if h.cpu_temp == tlv::CPU_TEMP_NA {
                "n/a".into()
            } else {
                with_unit(&h.cpu_temp.to_string(), "C")
            },
        ),
        (
            "Supply",
            format!(
                "{} mV ({:.2} V)",
                h.supply_mv,
                f64::from(h.supply_mv) / 1000.0
            ),
        ),
        ("Free heap", heap_text(h.free_heap)),
        (
            "Active this session",
            human_duration(u64::from(h.session_active)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_the_same_everywhere() {
        assert_eq!(with_unit("270", "deg"), "270°");
        assert_eq!(with_unit("21.5", "C"), "21.5 °C");
        assert_eq!(with_unit("3", ""), "3");
        assert_eq!(with_unit("12", "ug/m3"), "12 µg/m³");
        assert_eq!(pretty_units("270 deg".into()), "270°");
        assert_eq!(pretty_units("-2.75 C".into()), "-2.75 °C");
        assert_eq!(pretty_units("0.12 uSv/h".into()), "0.12 µSv/h");
        assert_eq!(pretty_units("84%".into()), "84%");
        assert_eq!(pretty_units("5 hPa".into()), "5 hPa");
    }

    #[test]
    fn numbers_durations_reasons() {
        assert_eq!(format_number(0.009_999_999), "0.01");
        assert_eq!(format_number(21.0), "21");
        assert_eq!(format_number(f64::NAN), "—");
        // More durations: web/tests/station.rs.
        assert_eq!(human_duration(320), "5 min 20 s");
        assert_eq!(human_duration(43_200), "12 h");
        assert_eq!(reason_text(3), "watchdog");
        assert_eq!(reason_text(1), "power on");
        assert_eq!(reason_text(tlv::REASON_NA), "n/a");
        assert_eq!(reason_text(0x81), "vendor 0x81");
        assert_eq!(reason_text(0x09), "reserved 0x09");
        assert_eq!(heap_text(2048), "2048 B");
    }
}

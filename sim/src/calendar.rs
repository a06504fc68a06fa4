//! Civil (proleptic Gregorian, UTC) calendar arithmetic without `std::time`
//! (which `wasm32-unknown-unknown` lacks) or a date crate.
//!
//! Uses Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms
//! (<http://howardhinnant.github.io/date_algorithms.html>).

/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of the civil date `y-m-d` (month 1-12, day 1-31).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // [0, 11]
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month 1-12, day 1-31)` of a day count since
/// 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix milliseconds of `y-m-d hh:mm:ss` UTC.
pub fn unix_ms(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> i64 {
    days_from_civil(y, m, d) * DAY_MS
        + (i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss)) * 1000
}

/// A point in time broken down for the models: year, day of the year
/// (0-based), hour of the day in UTC as a fraction, and the seconds elapsed
/// since the start of the year (what the DATETIME field carries).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instant {
    /// Calendar year.
    pub year: i64,
    /// Day of the year, 0 for 1 January.
    pub day_of_year: u32,
    /// UTC hour of the day, 0.0 to 23.99...
    pub hour_utc: f64,
    /// Whole seconds since 1 January 00:00:00 UTC of `year`.
    pub secs_of_year: u32,
}

/// Breaks Unix milliseconds down into an [`Instant`].
pub fn instant(unix_ms: i64) -> Instant {
    let days = unix_ms.div_euclid(DAY_MS);
    let ms_of_day = unix_ms.rem_euclid(DAY_MS);
    let (year, _, _) = civil_from_days(days);
    let jan1 = days_from_civil(year, 1, 1);
    let day_of_year = (days - jan1) as u32;
    Instant {
        year,
        day_of_year,
        hour_utc: ms_of_day as f64 / 3_600_000.0,
        secs_of_year: (u64::from(day_of_year) * 86_400 + (ms_of_day / 1000) as u64) as u32,
    }
}

/// `YYYY-MM-DDThh:mm:ss.sssZ` for Unix milliseconds.
pub fn iso8601(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(DAY_MS);
    let ms = unix_ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let s = ms / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in [-800_000, -1, 0, 1, 11_016, 20_000, 20_454, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(unix_ms(2026, 3, 14, 7, 0, 0), 1_773_471_600_000);
        assert_eq!(iso8601(1_773_471_600_123), "2026-03-14T07:00:00.123Z");
        let i = instant(unix_ms(2026, 3, 14, 7, 30, 0));
        assert_eq!((i.year, i.day_of_year), (2026, 72));
        assert!((i.hour_utc - 7.5).abs() < 1e-9);
        assert_eq!(i.secs_of_year, 72 * 86_400 + 7 * 3600 + 1800);
    }
}

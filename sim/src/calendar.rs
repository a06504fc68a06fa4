//! The simulator's view of time: [`Instant`] (year, day of the year, UTC
//! hour, seconds of the year) for the sensor models. The civil-date
//! arithmetic and ISO 8601 text are the codec's
//! ([`iotdata::receiver::time`], re-exported here).

pub use iotdata::receiver::time::{civil_from_days, days_from_civil, iso8601};

/// Milliseconds per day.
pub const DAY_MS: i64 = iotdata::receiver::time::MS_PER_DAY;

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

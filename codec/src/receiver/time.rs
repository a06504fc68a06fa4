//! Civil-date arithmetic (proleptic Gregorian calendar, UTC) and the
//! datetime year resolution of specification section 11.1.
//!
//! The datetime field carries seconds from January 1 00:00:00 UTC of "the
//! current year" without the year. [`resolve_datetime`] picks the year from
//! the receive time:
//!
//! 1. `Y` = the UTC year of the receive time `T_rx`;
//! 2. `T = Y-01-01T00:00:00Z + S`;
//! 3. if `T` is more than six months ([`DATETIME_FUTURE_LIMIT_MS`]) after
//!    `T_rx`, use `T = (Y-1)-01-01T00:00:00Z + S` instead.
//!
//! So a packet stamped 31 December and received on 1 January belongs to the
//! previous year. Everything here is plain integer arithmetic on unix
//! milliseconds: no clock is read, nothing allocates except
//! [`UtcDateTime`]'s `Display`, and no input panics (years are clamped to
//! ±[`MAX_YEAR`], sums saturate).

use std::fmt;

/// Milliseconds in a day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// "Six months" of the year resolution rule: half a mean Gregorian year
/// (365.2425 days / 2 = 182 days 14 h 54 min 36 s), in milliseconds. A
/// datetime that would resolve to more than this after the receive time is
/// attributed to the previous year.
pub const DATETIME_FUTURE_LIMIT_MS: i64 = 15_778_476_000;

/// Years are clamped to `-MAX_YEAR..=MAX_YEAR` by the civil functions (far
/// beyond the range of unix milliseconds in an `i64`), so no arithmetic can
/// overflow.
pub const MAX_YEAR: i64 = 1_000_000_000;

/// Days since 1970-01-01 of the civil date `year-month-day` (proleptic
/// Gregorian; Howard Hinnant's `days_from_civil`).
///
/// `month` is expected in `1..=12` and `day` in `1..=31`; other values are
/// clamped to those ranges (a day past the month's end rolls into the next
/// month, as `mktime` does). `year` is clamped to ±[`MAX_YEAR`].
///
/// ```
/// use iotdata::receiver::time::days_from_civil;
/// assert_eq!(days_from_civil(1970, 1, 1), 0);
/// assert_eq!(days_from_civil(2000, 3, 1), 11_017);
/// assert_eq!(days_from_civil(1969, 12, 31), -1);
/// ```
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month = i64::from(month.clamp(1, 12));
    let day = i64::from(day.clamp(1, 31));
    let y = year.clamp(-MAX_YEAR, MAX_YEAR) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // 0..=399
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // 0..=365
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // 0..=146096
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number (days since
/// 1970-01-01; inverse of [`days_from_civil`]).
///
/// ```
/// use iotdata::receiver::time::civil_from_days;
/// assert_eq!(civil_from_days(0), (1970, 1, 1));
/// assert_eq!(civil_from_days(-1), (1969, 12, 31));
/// assert_eq!(civil_from_days(19_782), (2024, 2, 29));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Clamp to the day numbers of +-MAX_YEAR so nothing below can overflow.
    let lim = MAX_YEAR * 366;
    let z = days.clamp(-lim, lim) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (y + i64::from(month <= 2), month, day)
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The UTC year of a unix time in milliseconds.
///
/// ```
/// use iotdata::receiver::time::year_of_unix_ms;
/// assert_eq!(year_of_unix_ms(0), 1970);
/// assert_eq!(year_of_unix_ms(-1), 1969);
/// assert_eq!(year_of_unix_ms(1_767_225_600_000), 2026); // 2026-01-01T00:00:00Z
/// ```
pub fn year_of_unix_ms(ms: i64) -> i64 {
    civil_from_days(ms.div_euclid(MS_PER_DAY)).0
}

/// Unix milliseconds of `year`-01-01T00:00:00Z (saturating at the `i64`
/// range).
///
/// ```
/// use iotdata::receiver::time::year_start_ms;
/// assert_eq!(year_start_ms(1970), 0);
/// assert_eq!(year_start_ms(2026), 1_767_225_600_000);
/// ```
pub fn year_start_ms(year: i64) -> i64 {
    days_from_civil(year, 1, 1).saturating_mul(MS_PER_DAY)
}

/// Resolves a datetime field (seconds from the start of the year, as
/// decoded: a multiple of 5) to unix milliseconds against the receive time
/// `rx_ms` (spec 11.1, see the module documentation).
///
/// ```
/// use iotdata::receiver::time::{resolve_datetime, year_start_ms};
/// // Stamped 2025-12-31T23:59:55Z, received 2026-01-01T00:00:10Z.
/// let s = 364 * 86_400 + 86_395;
/// let rx = year_start_ms(2026) + 10_000;
/// assert_eq!(resolve_datetime(s, rx), year_start_ms(2025) + i64::from(s) * 1000);
/// ```
pub fn resolve_datetime(seconds_from_year_start: u32, rx_ms: i64) -> i64 {
    let offset = i64::from(seconds_from_year_start) * 1000;
    let year = year_of_unix_ms(rx_ms);
    let t = year_start_ms(year).saturating_add(offset);
    if t.saturating_sub(rx_ms) > DATETIME_FUTURE_LIMIT_MS {
        year_start_ms(year - 1).saturating_add(offset)
    } else {
        t
    }
}

/// ISO 8601 in UTC with milliseconds (`2026-03-14T07:00:00.123Z`) of a
/// unix time in milliseconds; the same text as [`UtcDateTime`]'s
/// `Display`.
///
/// ```
/// use iotdata::receiver::time::iso8601;
/// assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(iso8601(1_773_471_600_123), "2026-03-14T07:00:00.123Z");
/// assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
/// ```
pub fn iso8601(unix_ms: i64) -> String {
    UtcDateTime::from_unix_ms(unix_ms).to_string()
}

/// A broken-down UTC time, for display without a date library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDateTime {
    /// Year (proleptic Gregorian; may be negative or above 9999).
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Millisecond, 0..=999.
    pub millisecond: u32,
}

impl UtcDateTime {
    /// Breaks down a unix time in milliseconds.
    ///
    /// ```
    /// use iotdata::receiver::time::UtcDateTime;
    /// let t = UtcDateTime::from_unix_ms(1_767_225_599_999);
    /// assert_eq!(t.to_string(), "2025-12-31T23:59:59.999Z");
    /// ```
    pub fn from_unix_ms(ms: i64) -> UtcDateTime {
        let days = ms.div_euclid(MS_PER_DAY);
        let in_day = ms.rem_euclid(MS_PER_DAY); // 0..MS_PER_DAY
        let (year, month, day) = civil_from_days(days);
        UtcDateTime {
            year,
            month,
            day,
            hour: (in_day / 3_600_000) as u32,
            minute: (in_day / 60_000 % 60) as u32,
            second: (in_day / 1000 % 60) as u32,
            millisecond: (in_day % 1000) as u32,
        }
    }

    /// Back to unix milliseconds (saturating).
    pub fn to_unix_ms(&self) -> i64 {
        let in_day = i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.millisecond);
        days_from_civil(self.year, self.month, self.day)
            .saturating_mul(MS_PER_DAY)
            .saturating_add(in_day)
    }
}

/// ISO 8601: `2026-01-01T00:00:10.000Z`.
impl fmt::Display for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_S: u32 = 86_400;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        // Every day from 1600-01-01 to 2400-12-31 maps back to itself and
        // consecutive days give consecutive dates.
        let start = days_from_civil(1600, 1, 1);
        let end = days_from_civil(2400, 12, 31);
        let mut prev = civil_from_days(start - 1);
        for d in start..=end {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
            let next_of_prev = if dd == 1 {
                m == 1 && prev == (y - 1, 12, 31) || m > 1 && prev.0 == y && prev.1 == m - 1
            } else {
                prev == (y, m, dd - 1)
            };
            assert!(next_of_prev, "{prev:?} -> {:?}", (y, m, dd));
            prev = (y, m, dd);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(
            civil_from_days(days_from_civil(2100, 3, 1) - 1),
            (2100, 2, 28)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2000, 3, 1) - 1),
            (2000, 2, 29)
        );
        assert!(
            is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(2100) && !is_leap_year(2025)
        );
        assert_eq!(year_start_ms(2025), 1_735_689_600_000);
        assert_eq!(year_of_unix_ms(1_735_689_599_999), 2024);
        assert_eq!(year_of_unix_ms(1_735_689_600_000), 2025);
    }

    #[test]
    fn year_boundary_sent_31_dec_received_1_jan() {
        // 2025 is not a leap year: 31 Dec is day index 364.
        let s = 364 * DAY_S + 23 * 3600 + 59 * 60 + 55;
        let rx = year_start_ms(2026) + 10_000; // 2026-01-01T00:00:10Z
        let t = resolve_datetime(s, rx);
        assert_eq!(
            UtcDateTime::from_unix_ms(t).to_string(),
            "2025-12-31T23:59:55.000Z"
        );
        assert!(t < rx);
        // Leap year: 31 Dec 2024 is day index 365.
        let s = 365 * DAY_S + 12 * 3600;
        let rx = year_start_ms(2025) + 3_600_000;
        assert_eq!(
            UtcDateTime::from_unix_ms(resolve_datetime(s, rx)).to_string(),
            "2024-12-31T12:00:00.000Z"
        );
    }

    #[test]
    fn same_year_and_the_six_month_rule() {
        let rx = year_start_ms(2026) + i64::from(100 * DAY_S) * 1000; // 11 April
                                                                      // In the past of the same year.
        assert_eq!(
            resolve_datetime(5 * DAY_S, rx),
            year_start_ms(2026) + i64::from(5 * DAY_S) * 1000
        );
        // Slightly in the future (a fast clock): same year.
        let s = 100 * DAY_S + 3600;
        assert_eq!(
            resolve_datetime(s, rx),
            year_start_ms(2026) + i64::from(s) * 1000
        );
        // Exactly at the limit: same year; one second past: previous year.
        let at_limit = (rx - year_start_ms(2026) + DATETIME_FUTURE_LIMIT_MS) / 1000;
        let at_limit = u32::try_from(at_limit).unwrap();
        assert_eq!(year_of_unix_ms(resolve_datetime(at_limit, rx)), 2026);
        assert_eq!(year_of_unix_ms(resolve_datetime(at_limit + 1, rx)), 2025);
        // Received 30 June, stamped 31 December: previous year.
        let rx = year_start_ms(2026) + i64::from(180 * DAY_S) * 1000;
        assert_eq!(year_of_unix_ms(resolve_datetime(364 * DAY_S, rx)), 2025);
        // Received 31 December, stamped 1 January: same year (in the past).
        let rx = year_start_ms(2026) + i64::from(364 * DAY_S) * 1000;
        assert_eq!(year_of_unix_ms(resolve_datetime(0, rx)), 2026);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        for rx in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
            for s in [0, 1, 5, 31_536_000, 83_886_075, u32::MAX] {
                let _ = resolve_datetime(s, rx);
            }
            let t = UtcDateTime::from_unix_ms(rx);
            let _ = t.to_string();
            let _ = t.to_unix_ms();
        }
        let _ = days_from_civil(i64::MAX, 99, 99);
        let _ = days_from_civil(i64::MIN, 0, 0);
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
        // Display / to_unix_ms round trip near the epoch and today.
        for ms in [-86_400_001, -1, 0, 1_767_225_610_123] {
            assert_eq!(UtcDateTime::from_unix_ms(ms).to_unix_ms(), ms);
        }
    }
}

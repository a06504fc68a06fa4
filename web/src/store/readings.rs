//! What the views read from a receiver station: freshness, numeric
//! readings, headline values, battery level.

use iotdata::field::FieldType;
use iotdata::receiver::Station;
use iotdata::FieldValue;

use super::DEFAULT_INTERVAL_MS;

/// How recently a station was heard, relative to its usual interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Within 1.5 × its interval.
    Fresh,
    /// Within 3 × its interval.
    Late,
    /// Older (the receiver's `is_stale`): greyed out.
    Stale,
}

impl Freshness {
    /// CSS class / marker class.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Late => "late",
            Freshness::Stale => "stale",
        }
    }
}

/// Freshness of a receiver station at `now_ms` (stale exactly when
/// [`Station::is_stale`]: silent for more than 3 usual intervals).
pub fn freshness(st: &Station, now_ms: f64) -> Freshness {
    let now = now_ms as i64;
    if st.is_stale(now) {
        return Freshness::Stale;
    }
    let interval = st
        .interval_ms()
        .map(|i| i as f64)
        .unwrap_or(DEFAULT_INTERVAL_MS);
    if now_ms - st.last_heard_ms as f64 <= 1.5 * interval {
        Freshness::Fresh
    } else {
        Freshness::Late
    }
}

/// One numeric reading of a station's latest values.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Stable key (`environment.temperature`), as in [`Store::history`].
    pub key: String,
    /// Value in native units.
    pub value: f64,
    /// Unit (may be empty).
    pub unit: &'static str,
}

impl Reading {
    /// `21.5 °C`, `270°` ([`crate::fmt::with_unit`]).
    pub fn value_text(&self) -> String {
        crate::fmt::with_unit(&crate::fmt::format_number(self.value), self.unit)
    }
}

/// Field types that are not readings to chart or headline.
fn is_meta_type(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::Position | FieldType::Datetime | FieldType::Flags | FieldType::Image
    )
}

/// The numeric values of one field as `(key, value, unit)`, keys prefixed
/// with `label` (booleans such as `battery.charging` left out).
pub fn field_numbers(label: &str, value: &FieldValue) -> Vec<(String, f64, &'static str)> {
    if is_meta_type(value.ty()) {
        return Vec::new();
    }
    let units: Vec<&'static str> = value.components().map(|c| c.spec.unit).collect();
    value
        .numeric_values()
        .into_iter()
        .enumerate()
        .filter(|(_, (k, _))| k != "charging")
        .map(|(i, (k, v))| {
            let key = if k.is_empty() {
                label.to_string()
            } else {
                format!("{label}.{k}")
            };
            (key, v, units.get(i).copied().unwrap_or(""))
        })
        .collect()
}

/// A station's latest numeric readings in field order: battery and link
/// only with `all`; position, datetime, flags and images never.
pub fn readings(st: &Station, all: bool) -> Vec<Reading> {
    let mut out = Vec::new();
    for f in &st.fields {
        let ty = f.value.ty();
        if !all && matches!(ty, FieldType::Battery | FieldType::Link) {
            continue;
        }
        for (key, value, unit) in field_numbers(&f.label, &f.value) {
            out.push(Reading { key, value, unit });
        }
    }
    out
}

/// Up to `n` headline readings as (`short name`, `value with unit`),
/// battery and link excluded (`environment.temperature` reads as
/// `temperature`).
pub fn headline(st: &Station, n: usize) -> Vec<(String, String)> {
    readings(st, false)
        .into_iter()
        .take(n)
        .map(|r| {
            let name = r.key.rsplit('.').next().unwrap_or(&r.key).to_string();
            (name, r.value_text())
        })
        .collect()
}

/// Battery level in percent, from the station's latest BATTERY field.
pub fn battery_level(st: &Station) -> Option<f64> {
    st.fields
        .iter()
        .filter(|f| f.value.ty() == FieldType::Battery)
        .flat_map(|f| f.value.components())
        .find(|c| c.spec.key == "level")
        .map(|c| c.value.as_f64())
}

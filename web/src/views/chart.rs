//! History charts: one small SVG line chart per numeric field, drawn from
//! the store's bounded `(receive time ms, value)` points. No JS charting
//! library: the scales, ticks and the path are computed here by pure
//! functions ([`build_chart`] and helpers, unit-tested), the component only
//! renders the resulting [`ChartModel`].
//!
//! Updates: the caller passes the points as a signal derived from the
//! station's revision signal, which the store bumps at most once per
//! animation frame, so a chart re-renders at most once per frame however
//! many packets arrive; the model is memoised, so an unchanged series does
//! not touch the DOM.
//!
//! Test hook: `data-testid="chart"` with `data-field="<history key>"` and
//! `data-points="<n>"`.

use leptos::prelude::*;

use crate::fmt::format_number;

/// View box width of a chart (user units; the SVG scales to its box).
pub const WIDTH: f64 = 360.0;
/// View box height of a chart.
pub const HEIGHT: f64 = 132.0;
/// Left margin (y-axis labels).
pub const MARGIN_LEFT: f64 = 42.0;
/// Right margin.
pub const MARGIN_RIGHT: f64 = 8.0;
/// Top margin.
pub const MARGIN_TOP: f64 = 8.0;
/// Bottom margin (time labels).
pub const MARGIN_BOTTOM: f64 = 20.0;
/// Most value ticks on the y axis.
pub const MAX_VALUE_TICKS: usize = 5;
/// Most time ticks on the x axis.
pub const MAX_TIME_TICKS: usize = 5;
/// A gap between consecutive points longer than this many times the median
/// spacing breaks the line (the station was silent).
pub const GAP_FACTOR: f64 = 4.0;

const SECOND: f64 = 1_000.0;
const MINUTE: f64 = 60.0 * SECOND;
const HOUR: f64 = 60.0 * MINUTE;
const DAY: f64 = 24.0 * HOUR;

/// Candidate time-axis steps, ms (each divides the next sensibly).
pub const TIME_STEPS_MS: [f64; 21] = [
    SECOND,
    2.0 * SECOND,
    5.0 * SECOND,
    10.0 * SECOND,
    15.0 * SECOND,
    30.0 * SECOND,
    MINUTE,
    2.0 * MINUTE,
    5.0 * MINUTE,
    10.0 * MINUTE,
    15.0 * MINUTE,
    30.0 * MINUTE,
    HOUR,
    2.0 * HOUR,
    3.0 * HOUR,
    6.0 * HOUR,
    12.0 * HOUR,
    DAY,
    2.0 * DAY,
    7.0 * DAY,
    30.0 * DAY,
];

/// A linear scale from a domain to a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Domain start.
    pub d0: f64,
    /// Domain end.
    pub d1: f64,
    /// Range start (maps `d0`).
    pub r0: f64,
    /// Range end (maps `d1`).
    pub r1: f64,
}

impl Scale {
    /// A scale mapping `domain` onto `range`.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale {
            d0: domain.0,
            d1: domain.1,
            r0: range.0,
            r1: range.1,
        }
    }

    /// Maps `v`; an empty domain maps everything to the middle of the range.
    pub fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 || !span.is_finite() {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// The smallest step of the form 1, 2 or 5 × 10^k that covers `span` in at
/// most `max_ticks` intervals (1 for an empty or invalid span).
pub fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let n = max_ticks.max(1) as f64;
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        let step = m * mag;
        if step >= raw * (1.0 - 1e-9) {
            return step;
        }
    }
    10.0 * mag
}

/// The value axis for data between `min` and `max`: the domain widened to
/// whole steps, and the step. A flat series gets a band around its value
/// (±1, or ±5 % of a large value), so it is drawn mid-height.
pub fn value_domain(min: f64, max: f64, max_ticks: usize) -> (f64, f64, f64) {
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0, nice_step(1.0, max_ticks));
    }
    if hi - lo < f64::EPSILON * lo.abs().max(1.0) * 8.0 {
        let pad = (lo.abs() * 0.05).max(1.0);
        lo -= pad;
        hi += pad;
    }
    let step = nice_step(hi - lo, max_ticks);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    // Rounding can leave one step too many; that is fine (max_ticks + 1 labels).
    (lo, hi, step)
}

/// Tick values `lo, lo + step, …, hi` (computed as multiples, no drift).
pub fn value_ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(step > 0.0 && lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last.min(first + 50))
        .map(|k| {
            let v = k as f64 * step;
            // Avoid "-0".
            if v == 0.0 {
                0.0
            } else {
                v
            }
        })
        .collect()
}

/// Decimals needed to print multiples of `step` exactly (0 for steps ≥ 1).
pub fn step_decimals(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        return 0;
    }
    (-step.log10().floor()).clamp(0.0, 6.0) as usize
}

/// A tick label: `v` printed with the decimals its step needs.
pub fn format_tick(v: f64, step: f64) -> String {
    let s = format!("{:.*}", step_decimals(step), v);
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

/// The time step for `span_ms` with at most `max_ticks` ticks.
pub fn time_step(span_ms: f64, max_ticks: usize) -> f64 {
    let n = max_ticks.max(1) as f64;
    TIME_STEPS_MS
        .iter()
        .copied()
        .find(|s| span_ms / s <= n)
        .unwrap_or(TIME_STEPS_MS[TIME_STEPS_MS.len() - 1])
}

/// Time ticks within `[t0, t1]` (ms since the epoch) at whole multiples of
/// the step in local time (`tz_offset_ms` = local minus UTC, so hours and
/// days fall on local midnight). Returns the step and the ticks.
pub fn time_ticks(t0: f64, t1: f64, max_ticks: usize, tz_offset_ms: f64) -> (f64, Vec<f64>) {
    let step = time_step((t1 - t0).max(0.0), max_ticks);
    if !(t0.is_finite() && t1.is_finite()) || t1 < t0 {
        return (step, Vec::new());
    }
    let first = ((t0 + tz_offset_ms) / step).ceil() as i64;
    let last = ((t1 + tz_offset_ms) / step).floor() as i64;
    let ticks = (first..=last.min(first + 50))
        .map(|k| k as f64 * step - tz_offset_ms)
        .collect();
    (step, ticks)
}

/// The label of a time tick: `HH:MM:SS` below a minute step, `HH:MM` up to
/// hours (`MM-DD` at local midnight), `MM-DD` for day steps.
pub fn time_label(t_ms: f64, step_ms: f64, tz_offset_ms: f64) -> String {
    let local = t_ms + tz_offset_ms;
    let days = (local / DAY).floor();
    let in_day = ((local - days * DAY) / SECOND).round() as i64;
    let (h, m, s) = (in_day / 3600 % 24, in_day / 60 % 60, in_day % 60);
    let date = || {
        let (_, mo, d) = iotdata::receiver::time::civil_from_days(days as i64);
        format!("{mo:02}-{d:02}")
    };
    if step_ms >= DAY || (step_ms >= HOUR && in_day == 0) {
        date()
    } else if step_ms >= MINUTE {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// The SVG path of a series: `M x y L x y …`, starting a new sub-path
/// after a gap longer than `gap_ms` (never, for `gap_ms` ≤ 0 or infinite).
pub fn path_d(points: &[(f64, f64)], xs: &Scale, ys: &Scale, gap_ms: f64) -> String {
    let mut d = String::with_capacity(points.len() * 14);
    let mut prev: Option<f64> = None;
    for &(t, v) in points {
        if !(t.is_finite() && v.is_finite()) {
            prev = None;
            continue;
        }
        let cmd = match prev {
            Some(p) if !(gap_ms > 0.0 && gap_ms.is_finite() && t - p > gap_ms) => 'L',
            _ => 'M',
        };
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str(&format!("{cmd}{:.1} {:.1}", xs.map(t), ys.map(v)));
        prev = Some(t);
    }
    d
}

/// The median spacing of consecutive times (`None` below two points).
pub fn median_spacing(points: &[(f64, f64)]) -> Option<f64> {
    let mut gaps: Vec<f64> = points
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|g| g.is_finite() && *g > 0.0)
        .collect();
    if gaps.is_empty() {
        return None;
    }
    crate::vecmap::sort_by(&mut gaps, f64::total_cmp);
    Some(gaps[gaps.len() / 2])
}

/// Everything a chart draws, in view-box coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartModel {
    /// The line's path.
    pub path: String,
    /// X-axis ticks: (x, label).
    pub x_ticks: Vec<(f64, String)>,
    /// Y-axis ticks: (y, label).
    pub y_ticks: Vec<(f64, String)>,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Newest point (time, value).
    pub last: (f64, f64),
    /// Newest point in view-box coordinates.
    pub last_xy: (f64, f64),
    /// Points drawn.
    pub count: usize,
}

/// Builds the model for `points` (time ascending; non-finite values are
/// skipped). `None` when there is nothing to draw.
pub fn build_chart(points: &[(f64, f64)], tz_offset_ms: f64) -> Option<ChartModel> {
    let finite = || {
        points
            .iter()
            .filter(|(t, v)| t.is_finite() && v.is_finite())
    };
    let last = *finite().next_back()?;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut count = 0;
    for &(t, v) in finite() {
        min = min.min(v);
        max = max.max(v);
        t0 = t0.min(t);
        t1 = t1.max(t);
        count += 1;
    }
    if t1 - t0 < SECOND {
        // One point (or a burst): show a minute around it.
        t0 -= 30.0 * SECOND;
        t1 += 30.0 * SECOND;
    }
    let (lo, hi, step) = value_domain(min, max, MAX_VALUE_TICKS);
    let xs = Scale::new((t0, t1), (MARGIN_LEFT, WIDTH - MARGIN_RIGHT));
    let ys = Scale::new((lo, hi), (HEIGHT - MARGIN_BOTTOM, MARGIN_TOP));
    let gap = median_spacing(points).map_or(0.0, |m| m * GAP_FACTOR);
    let (tstep, tt) = time_ticks(t0, t1, MAX_TIME_TICKS, tz_offset_ms);
    Some(ChartModel {
        path: path_d(points, &xs, &ys, gap),
        x_ticks: tt
            .into_iter()
            .map(|t| (xs.map(t), time_label(t, tstep, tz_offset_ms)))
            .collect(),
        y_ticks: value_ticks(lo, hi, step)
            .into_iter()
            .map(|v| (ys.map(v), format_tick(v, step)))
            .collect(),
        min,
        max,
        last,
        last_xy: (xs.map(last.0), ys.map(last.1)),
        count,
    })
}

/// Local time minus UTC, ms (browser; 0 elsewhere).
pub fn local_tz_offset_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        -js_sys::Date::new_0().get_timezone_offset() * MINUTE
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// One history chart card: title, last value, min/max and the SVG.
/// `points` must be time-ascending; it is memoised, so pass a signal derived
/// from the store's (once per frame) revision signal.
#[component]
pub fn HistoryChart(
    /// History key (`environment.temperature`), shown as the title.
    #[prop(into)]
    field: String,
    /// Display unit (`°C`), may be empty.
    #[prop(into, optional)]
    unit: String,
    /// The points: (receive time ms, value).
    #[prop(into)]
    points: Signal<Vec<(f64, f64)>>,
) -> impl IntoView {
    let tz = local_tz_offset_ms();
    let model = Memo::new(move |_| points.with(|p| build_chart(p, tz)));
    let unit = StoredValue::new(unit);
    let u = move || unit.get_value();
    let x_axis_y = HEIGHT - MARGIN_BOTTOM;
    let name = field.clone();
    view! {
        <figure
            class="chart"
            data-testid="chart"
            data-field=field.clone()
            data-points=move || model.with(|m| m.as_ref().map_or(0, |m| m.count)).to_string()
        >
            <figcaption class="chart-head">
                <span class="chart-title" title=field.clone()>{field.clone()}</span>
                <span class="chart-last">
                    {move || model.with(|m| m.as_ref().map(|m| crate::fmt::with_unit(&format_number(m.last.1), &u())).unwrap_or_else(|| "—".into()))}
                </span>
                <span class="chart-range muted small">
                    {move || model.with(|m| m.as_ref().map(|m| format!(
                        "min {} · max {} · {} pts",
                        format_number(m.min),
                        format_number(m.max),
                        m.count
                    )).unwrap_or_default())}
                </span>
            </figcaption>
            <svg
                class="chart-svg"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="xMidYMid meet"
                role="img"
                aria-label=move || model.with(|m| summary(&name, &u(), m.as_ref()))
            >
                {move || model.get().map(|m| {
                    let grid = m.y_ticks.iter().map(|(y, label)| {
                        let y = *y;
                        view! {
                            <line class="chart-grid" x1=MARGIN_LEFT x2=WIDTH - MARGIN_RIGHT y1=y y2=y />
                            <text class="chart-label" x=MARGIN_LEFT - 4.0 y=y + 3.0 text-anchor="end">{label.clone()}</text>
                        }
                    }).collect_view();
                    let xt = m.x_ticks.iter().map(|(x, label)| {
                        let x = *x;
                        view! {
                            <line class="chart-tick" x1=x x2=x y1=x_axis_y y2=x_axis_y + 4.0 />
                            <text class="chart-label" x=x y=HEIGHT - 5.0 text-anchor="middle">{label.clone()}</text>
                        }
                    }).collect_view();
                    let (lx, ly) = m.last_xy;
                    view! {
                        {grid}
                        <line class="chart-axis" x1=MARGIN_LEFT x2=WIDTH - MARGIN_RIGHT y1=x_axis_y y2=x_axis_y />
                        {xt}
                        <path class="chart-line" d=m.path.clone() />
                        <circle class="chart-dot" cx=lx cy=ly r="2.5" />
                    }
                })}
            </svg>
        </figure>
    }
}

/// The chart as text (its accessible name): `history of <field>: last …,
/// min …, max …, <n> points`, or `history of <field>: no data`.
pub fn summary(field: &str, unit: &str, m: Option<&ChartModel>) -> String {
    let v = |x: f64| crate::fmt::with_unit(&format_number(x), unit);
    match m {
        Some(m) => format!(
            "history of {field}: last {}, min {}, max {}, {} points",
            v(m.last.1),
            v(m.min),
            v(m.max),
            m.count
        ),
        None => format!("history of {field}: no data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_ticks() {
        assert_eq!(nice_step(10.0, 5), 2.0);
        assert_eq!(nice_step(0.9, 5), 0.2);
        assert_eq!(value_domain(12.3, 18.9, 5), (12.0, 20.0, 2.0));
        assert_eq!(
            value_ticks(12.0, 20.0, 2.0),
            vec![12.0, 14.0, 16.0, 18.0, 20.0]
        );
        assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
    }

    #[test]
    fn text_summary() {
        let m = build_chart(&[(0.0, 20.5), (60_000.0, 18.0), (120_000.0, 21.0)], 0.0);
        assert_eq!(
            summary("environment.temperature", "", m.as_ref()),
            "history of environment.temperature: last 21, min 18, max 21, 3 points"
        );
        assert_eq!(summary("x", "", None), "history of x: no data");
    }
}

//! The TLV panel of the station page: the latest TLV of each type the
//! receiver kept for a station, and its DIAGNOSTIC / USERDATA messages.
//!
//! * VERSION (1) and CONFIG (4): key/value tables.
//! * STATUS (2): session and lifetime uptime in human units ("3 d 4 h"),
//!   restarts, restart reason, and the duty cycle (HEALTH session active
//!   time / STATUS session uptime) when both are known.
//! * HEALTH (3): CPU temperature, supply voltage, free heap, active time.
//! * DIAGNOSTIC (5) and USERDATA (6): a timed event list, newest first.
//! * Anything else (and STATUS / HEALTH of the wrong shape): hex or text.
//!
//! All TLV text is untrusted and rendered as text nodes only.
//!
//! Test hook: every row is `data-testid="tlv-row"` with
//! `data-type="<tlv type number>"` (decimal).

use iotdata::receiver::{Station, TimedTlv};
use iotdata::tlv::{self, KvContent, TlvData, TlvHealth, TlvStatus, TlvValue};
use leptos::prelude::*;

use crate::fmt;
use crate::views::{clock_time, relative_time};

/// What the panel shows: the latest TLV per type (sorted by type) and the
/// DIAGNOSTIC / USERDATA entries (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlvState {
    /// Latest TLV of each type except DIAGNOSTIC / USERDATA.
    pub latest: Vec<TimedTlv>,
    /// DIAGNOSTIC / USERDATA entries, newest first.
    pub messages: Vec<TimedTlv>,
}

impl TlvState {
    /// The receiver's TLV state of one station.
    pub fn from_station(st: &Station) -> TlvState {
        TlvState {
            latest: st.tlvs.clone(),
            messages: st.messages.iter().rev().cloned().collect(),
        }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty() && self.messages.is_empty()
    }

    fn get(&self, ty: u8) -> Option<&TimedTlv> {
        self.latest.iter().find(|t| t.tlv.ty == ty)
    }

    /// The latest well-formed STATUS.
    pub fn status(&self) -> Option<TlvStatus> {
        match self.get(tlv::STATUS)?.tlv.interpret() {
            TlvValue::Status(s) => s,
            _ => None,
        }
    }

    /// The latest well-formed HEALTH.
    pub fn health(&self) -> Option<TlvHealth> {
        match self.get(tlv::HEALTH)?.tlv.interpret() {
            TlvValue::Health(h) => h,
            _ => None,
        }
    }
}

/// Duty cycle: HEALTH session active time / STATUS session uptime, as a
/// fraction in `0..=1` (clamped: both are 5-second tick counts and may come
/// from different packets). `None` when the uptime is 0.
pub fn duty_cycle(status: &TlvStatus, health: &TlvHealth) -> Option<f64> {
    if status.session_uptime == 0 {
        return None;
    }
    Some((f64::from(health.session_active) / f64::from(status.session_uptime)).clamp(0.0, 1.0))
}

/// A fraction as a percentage with sensible precision (`4.8 %`, `0.35 %`).
pub fn format_pct(f: f64) -> String {
    let p = f * 100.0;
    if p == 0.0 || p >= 10.0 {
        format!("{p:.0} %")
    } else if p >= 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.2} %")
    }
}

/// One key/value row of a TLV section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlvRow {
    /// TLV type (the `data-type`).
    pub ty: u8,
    /// Key.
    pub key: String,
    /// Value (text).
    pub value: String,
    /// Render the value in a monospace font (hex).
    pub mono: bool,
}

/// One section: a TLV type's rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlvSection {
    /// TLV type.
    pub ty: u8,
    /// Heading (`Version`, `Status`, `Type 0x07`).
    pub title: String,
    /// Receive time of the entry (unix ms).
    pub at_ms: i64,
    /// Sequence of the packet that carried it.
    pub sequence: u16,
    /// Rows.
    pub rows: Vec<TlvRow>,
}

/// The name of a TLV type.
pub fn type_name(ty: u8) -> String {
    match ty {
        tlv::VERSION => "Version".into(),
        tlv::STATUS => "Status".into(),
        tlv::HEALTH => "Health".into(),
        tlv::CONFIG => "Config".into(),
        tlv::DIAGNOSTIC => "Diagnostic".into(),
        tlv::USERDATA => "User data".into(),
        t => format!("Type {t} (0x{t:02x})"),
    }
}

fn raw_rows(ty: u8, data: &TlvData) -> Vec<TlvRow> {
    match data {
        TlvData::Raw(b) => vec![TlvRow {
            ty,
            key: format!("raw ({} bytes)", b.len()),
            value: if b.is_empty() {
                "(empty)".into()
            } else {
                iotdata::hex::encode_spaced(b)
            },
            mono: true,
        }],
        TlvData::Text(s) => vec![TlvRow {
            ty,
            key: format!("text ({} chars)", s.chars().count()),
            value: s.clone(),
            mono: true,
        }],
    }
}

fn kv_rows(ty: u8, kv: KvContent) -> Vec<TlvRow> {
    match kv {
        KvContent::Pairs(p) if !p.is_empty() => p
            .into_iter()
            .map(|(key, value)| TlvRow {
                ty,
                key,
                value,
                mono: false,
            })
            .collect(),
        KvContent::Pairs(_) => vec![TlvRow {
            ty,
            key: "(empty)".into(),
            value: String::new(),
            mono: false,
        }],
        // Raw format: the text, as pairs when it reads as `K1 V1 K2 V2`.
        KvContent::Text(t) => match text_pairs(&t) {
            Some(p) => kv_rows(ty, KvContent::Pairs(p)),
            None => vec![TlvRow {
                ty,
                key: "text".into(),
                value: t,
                mono: false,
            }],
        },
    }
}

/// `K1 V1 K2 V2` (single spaces, even count, printable) as pairs; `None`
/// for any other text.
pub fn text_pairs(t: &str) -> Option<Vec<(String, String)>> {
    let tokens: Vec<&str> = t.split(' ').collect();
    if tokens.len() % 2 != 0
        || tokens.iter().any(|x| x.is_empty())
        || t.chars().any(char::is_control)
    {
        return None;
    }
    Some(
        tokens
            .chunks(2)
            .map(|c| (c[0].to_string(), c[1].to_string()))
            .collect(),
    )
}

/// The rows of the STATUS section ([`crate::fmt::status_values`];
/// `health` adds the duty cycle).
pub fn status_rows(s: &TlvStatus, health: Option<&TlvHealth>) -> Vec<TlvRow> {
    let mut rows = value_rows(tlv::STATUS, fmt::status_values(s));
    if let Some(d) = health.and_then(|h| duty_cycle(s, h)) {
        rows.extend(value_rows(tlv::STATUS, vec![("Duty cycle", format_pct(d))]));
    }
    rows
}

/// The rows of the HEALTH section ([`crate::fmt::health_values`]).
pub fn health_rows(h: &TlvHealth) -> Vec<TlvRow> {
    value_rows(tlv::HEALTH, fmt::health_values(h))
}

fn value_rows(ty: u8, values: Vec<(&'static str, String)>) -> Vec<TlvRow> {
    values
        .into_iter()
        .map(|(key, value)| TlvRow {
            ty,
            key: key.into(),
            value,
            mono: false,
        })
        .collect()
}

/// The sections for the latest TLVs (messages excluded), by type.
pub fn sections(state: &TlvState) -> Vec<TlvSection> {
    let health = state.health();
    state
        .latest
        .iter()
        .map(|t| {
            let ty = t.tlv.ty;
            let rows = match t.tlv.interpret() {
                TlvValue::Version(kv) | TlvValue::Config(kv) => kv_rows(ty, kv),
                TlvValue::Status(Some(s)) => status_rows(&s, health.as_ref()),
                TlvValue::Health(Some(h)) => health_rows(&h),
                TlvValue::Message(m) => vec![TlvRow {
                    ty,
                    key: "text".into(),
                    value: m.unwrap_or_default(),
                    mono: false,
                }],
                // Wrong shape STATUS / HEALTH, unknown types: as carried.
                TlvValue::Status(None)
                | TlvValue::Health(None)
                | TlvValue::Text(_)
                | TlvValue::Raw(_) => raw_rows(ty, &t.tlv.data),
            };
            TlvSection {
                ty,
                title: type_name(ty),
                at_ms: t.at_ms,
                sequence: t.sequence,
                rows,
            }
        })
        .collect()
}

/// The text of a DIAGNOSTIC / USERDATA entry (`(empty)` when it has none).
pub fn message_text(t: &TimedTlv) -> String {
    match t.tlv.interpret() {
        TlvValue::Message(Some(m)) => m,
        TlvValue::Message(None) => "(empty)".into(),
        _ => match &t.tlv.data {
            TlvData::Raw(b) => iotdata::hex::encode_spaced(b),
            TlvData::Text(s) => s.clone(),
        },
    }
}

/// The TLV panel. `now` is the ticking clock (ms) for "… ago" labels.
#[component]
pub fn TlvPanel(
    /// The station's TLV state (memoise it: rows re-render on change only).
    #[prop(into)]
    state: Signal<TlvState>,
    /// Wall clock, ms since the epoch.
    #[prop(into)]
    now: Signal<f64>,
) -> impl IntoView {
    let secs = Memo::new(move |_| state.with(sections));
    let messages = Memo::new(move |_| state.with(|s| s.messages.clone()));
    let empty = move || state.with(TlvState::is_empty);
    view! {
        <div class="tlv-panel" data-testid="tlv-panel">
            <Show when=empty>
                <p class="muted">"No TLVs received from this station yet."</p>
            </Show>
            <div class="tlv-grid">
                <For
                    each=move || secs.get()
                    key=|s| (s.ty, s.at_ms, s.sequence, s.rows.clone())
                    let:sec
                >
                    <div class="tlv-section" data-tlv-type=sec.ty.to_string()>
                        <h4>
                            {sec.title.clone()}
                            <span class="muted small tlv-when">
                                {let at = sec.at_ms as f64;
                                move || format!("{} · #{}", relative_time(now.get() - at), sec.sequence)}
                            </span>
                        </h4>
                        <table class="kv tlv-table">
                            <tbody>
                                {sec.rows.iter().map(|r| view! {
                                    <tr data-testid="tlv-row" data-type=r.ty.to_string()>
                                        <th>{r.key.clone()}</th>
                                        <td class:mono=r.mono class="tlv-value">{r.value.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </For>
            </div>
            <Show when=move || messages.with(|m| !m.is_empty())>
                <div class="tlv-section tlv-events">
                    <h4>"Diagnostics and user data " <span class="count">{move || format!("({})", messages.with(Vec::len))}</span></h4>
                    <div class="table-wrap tlv-events-wrap" tabindex="0" role="region" aria-label="TLV events">
                        <table class="tlv-table">
                            <thead>
                                <tr><th>"Time"</th><th>"Kind"</th><th>"Seq"</th><th>"Message"</th></tr>
                            </thead>
                            <tbody>
                                {move || messages.get().into_iter().map(|m| {
                                    let ty = m.tlv.ty;
                                    let kind = if ty == tlv::USERDATA { "user" } else { "diag" };
                                    let at = m.at_ms as f64;
                                    view! {
                                        <tr data-testid="tlv-row" data-type=ty.to_string()>
                                            <td class="mono" title=move || relative_time(now.get() - at)>{clock_time(at)}</td>
                                            <td><span class=format!("badge tlv-kind {kind}")>{kind}</span></td>
                                            <td class="num">{m.sequence}</td>
                                            <td class="tlv-value">{message_text(&m)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </div>
            </Show>
        </div>
    }
}

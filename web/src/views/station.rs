//! `#/station/<id>` (the first source that has the station) or
//! `#/station/<source>/<id>`: everything known about one station. Inside,
//! `id` is the station key ([`crate::store::station_key`]).
//!
//! * Header: id (decimal and hex), variant name, last heard (relative,
//!   ticking), a stale badge, export buttons.
//! * Latest fields in native units with units (from the receiver's latest
//!   value per label), position on a small Leaflet map.
//! * Sequence figures (received, lost, loss %, duplicates, out of order,
//!   restarts, usual interval) and the delivery paths (relay / gateway,
//!   first arrivals, copies, last time).
//! * A history chart per numeric series ([`super::chart`]).
//! * The TLV panel ([`super::tlv_panel`]).
//! * Thumbnails of the station's images ([`super::thumbnail`]) and its last
//!   raw frames; a click opens the frame in the inspector (`#hex=…`).
//!
//! Everything derives from the station's revision signal (bumped at most
//! once per animation frame) and the one-second clock; each part is a memo
//! of plain data ([`crate::store::Live::station_memo`]), so unchanged parts
//! do not touch the DOM. The model (rows and figures, pure and tested) is
//! here; the parts of the page are components in `station/`: `header.rs`,
//! `values.rs` (latest values, sequence, delivery paths), `position.rs`,
//! `history.rs`, `frames.rs` (images, raw frames).
//!
//! Test hooks: `data-testid="station-page"` with `data-station`;
//! `data-testid="field-row"` with `data-key`; `data-testid="seq-stat"` with
//! `data-key`; `data-testid="path-row"`; `data-testid="frame-row"` with
//! `data-seq`; `data-testid="chart"` ([`super::chart`]); `data-testid=
//! "tlv-row"` ([`super::tlv_panel`]); `data-testid="thumbnail"` with
//! `data-station`.

use iotdata::field::FieldType;
use iotdata::receiver::{Receiver, Station};
use iotdata::FieldValue;
use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::export;
use crate::fmt::{self, human_duration};
use crate::router::Route;
use crate::store::{freshness, Store};
use crate::views::chart::HistoryChart;
use crate::views::thumbnail::Thumbnail;
use crate::views::tlv_panel::{TlvPanel, TlvState};
use crate::views::{clock_time, relative_time};

mod frames;
mod header;
mod history;
mod position;
mod values;

use frames::FramesPanel;
use header::{StationEmpty, StationHeader};
use history::HistoryPanel;
use position::PositionPanel;
use values::{LatestValues, SequencePanel};

/// Most raw frames listed.
pub const FRAMES_SHOWN: usize = 20;
/// Most thumbnails shown.
pub const THUMBNAILS_SHOWN: usize = 6;

/// One latest value, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRow {
    /// Key: the label, or `label.component` (`environment.temperature`).
    pub key: String,
    /// Field type name (`environment`).
    pub ty: &'static str,
    /// The value in native units with its unit (`21.50 °C`).
    pub value: String,
    /// Receive time of the packet that carried it (unix ms).
    pub at_ms: i64,
}

/// The rows of one latest field value: one per component (fixed types),
/// per PM / gas channel, or a description (images, positions, datetime).
pub fn field_rows(
    label: &str,
    value: &FieldValue,
    at_ms: i64,
    datetime_ms: Option<i64>,
) -> Vec<FieldRow> {
    let ty = value.ty();
    let name = ty.name();
    let row = |key: String, value: String| FieldRow {
        key,
        ty: name,
        value,
        at_ms,
    };
    match (ty, value) {
        (FieldType::Image, FieldValue::Image(img)) => {
            vec![row(label.into(), crate::views::thumbnail::describe(img))]
        }
        (FieldType::Position, _) => {
            let c: Vec<f64> = value.components().map(|c| c.value.as_f64()).collect();
            match c.as_slice() {
                [lat, lon, ..] => vec![row(label.into(), format!("{lat:.5}, {lon:.5}"))],
                _ => Vec::new(),
            }
        }
        (FieldType::Datetime, _) => {
            let raw = value
                .components()
                .next()
                .map(|c| c.spec.quant.display(c.raw, c.spec.unit))
                .unwrap_or_default();
            let text = match datetime_ms {
                Some(ms) => format!("{} UTC", export::iso_utc(ms as f64)[..19].replace('T', " ")),
                None => raw,
            };
            vec![row(label.into(), text)]
        }
        (_, FieldValue::Fixed { .. }) => {
            let bare = value.components().count() == 1;
            value
                .components()
                .map(|c| {
                    let key = if bare {
                        label.to_string()
                    } else {
                        format!("{label}.{}", c.spec.key)
                    };
                    row(
                        key,
                        fmt::pretty_units(c.spec.quant.display(c.raw, c.spec.unit)),
                    )
                })
                .collect()
        }
        // AIR_QUALITY bundle, PM and gas channels: numbers with channel units.
        _ => crate::store::field_numbers(label, value)
            .into_iter()
            .map(|(key, v, unit)| row(key, fmt::with_unit(&fmt::format_number(v), unit)))
            .collect(),
    }
}

/// All latest values of a station, in field order.
pub fn station_field_rows(st: &Station) -> Vec<FieldRow> {
    st.fields
        .iter()
        .flat_map(|f| field_rows(&f.label, &f.value, f.at_ms, st.datetime_ms))
        .collect()
}

/// The header figures of a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Variant name (`weather_station`, or `variant N`).
    pub variant_name: String,
    /// Header variant.
    pub variant: u8,
    /// Last heard (unix ms).
    pub last_heard_ms: f64,
    /// First heard (unix ms).
    pub first_heard_ms: f64,
    /// Last known position (lat, lon) and when it was reported.
    pub position: Option<(f64, f64, f64)>,
    /// Usual interval, ms.
    pub interval_ms: Option<f64>,
    /// Known from this browser's memory, not heard since the page loaded.
    pub restored: bool,
}

/// The header figures of station `st`.
pub fn summary(store: &Store, st: &Station) -> Summary {
    Summary {
        variant_name: store.variant_name(st),
        variant: st.variant,
        last_heard_ms: st.last_heard_ms as f64,
        first_heard_ms: st.first_heard_ms as f64,
        position: st
            .position
            .map(|p| (p.position.latitude, p.position.longitude, p.at_ms as f64)),
        interval_ms: st.interval_ms().map(|i| i as f64),
        restored: store.restored(st.last_heard_ms),
    }
}

/// Sequence figures as (key, label, value, tooltip).
pub fn sequence_figures(st: &Station) -> Vec<(&'static str, &'static str, String, &'static str)> {
    let s = st.sequence_stats();
    vec![
        (
            "received",
            "Received",
            s.received.to_string(),
            "packets received (first copies)",
        ),
        (
            "lost",
            "Lost",
            s.missing.to_string(),
            "sequence numbers never received",
        ),
        (
            "loss",
            "Loss",
            st.loss_pct()
                .map(|p| format!("{p:.1} %"))
                .unwrap_or_else(|| "—".into()),
            "lost / (received + lost)",
        ),
        (
            "duplicates",
            "Duplicates",
            s.duplicates.to_string(),
            "copies of packets already received (other relays or gateways)",
        ),
        (
            "out_of_order",
            "Out of order",
            s.out_of_order.to_string(),
            "late arrivals of earlier sequence numbers",
        ),
        (
            "restarts",
            "Restarts",
            s.restarts.to_string(),
            "restarts detected (sequence reset or STATUS restart count)",
        ),
        (
            "interval",
            "Usual interval",
            st.interval_ms()
                .map(|i| human_duration(((i + 500) / 1000).max(0) as u64))
                .unwrap_or_else(|| "—".into()),
            "median of recent intervals",
        ),
        (
            "last_sequence",
            "Last sequence",
            st.last_sequence()
                .map(|q| q.to_string())
                .unwrap_or_else(|| "—".into()),
            "",
        ),
        (
            "decode_errors",
            "Decode errors",
            st.decode_errors.to_string(),
            "frames with this station's header that failed to decode",
        ),
    ]
}

/// One delivery path of a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRow {
    /// `direct`, or the relay (`0x1a3`).
    pub via: String,
    /// The gateway (`0x001`), or the source name (a topic) without one.
    pub gateway: String,
    /// The source name (MQTT topic).
    pub source: String,
    /// The relay.
    pub relay: Option<u16>,
    /// The gateway's station id, when the source is a known gateway.
    pub gateway_id: Option<u16>,
    /// First arrivals.
    pub first: u64,
    /// Copies.
    pub copies: u64,
    /// Last time (unix ms).
    pub last_ms: i64,
    /// It delivered the newest packet.
    pub latest: bool,
}

/// `text` linking to node `id` in the mesh graph (`#/mesh?node=<id>`), or
/// plain text without an id.
fn mesh_link(id: Option<u16>, text: String, title: String) -> AnyView {
    match id {
        Some(n) => view! { <a href=format!("#/mesh?node={n}") title=title>{text}</a> }.into_any(),
        None => view! { <span title=title>{text}</span> }.into_any(),
    }
}

/// The delivery paths of `st`, most used first.
pub fn path_rows(rx: &Receiver, st: &Station) -> Vec<PathRow> {
    let mut rows: Vec<PathRow> = st
        .paths
        .iter()
        .map(|p| {
            let gw = rx
                .sources()
                .get(usize::from(p.source.0))
                .and_then(|s| s.gateway_id);
            PathRow {
                via: match p.via {
                    Some(r) => format!("0x{r:03x}"),
                    None => "direct".into(),
                },
                gateway: match gw {
                    Some(g) => format!("0x{g:03x}"),
                    None => rx.source_name(p.source).to_string(),
                },
                source: rx.source_name(p.source).to_string(),
                relay: p.via,
                gateway_id: gw,
                first: p.first_arrivals,
                copies: p.duplicates,
                last_ms: p.last_ms,
                latest: st.last_path == Some((p.via, p.source)),
            }
        })
        .collect();
    crate::vecmap::sort_by(&mut rows, |a, b| {
        (b.first + b.copies)
            .cmp(&(a.first + a.copies))
            .then(b.last_ms.cmp(&a.last_ms))
            .then_with(|| (&a.via, &a.source).cmp(&(&b.via, &b.source)))
    });
    rows
}

/// One raw frame in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRow {
    /// Receive time (ms, as an integer for equality).
    pub rx_ms: i64,
    /// Sequence.
    pub sequence: u16,
    /// Delivering relay.
    pub via: Option<u16>,
    /// Length, bytes.
    pub len: usize,
    /// Hex.
    pub hex: String,
}

fn frame_rows(store: &Store, id: u16) -> Vec<FrameRow> {
    store
        .frames(id)
        .take(FRAMES_SHOWN)
        .map(|f| FrameRow {
            rx_ms: f.rx_ms as i64,
            sequence: f.sequence,
            via: f.via,
            len: f.bytes.len(),
            hex: iotdata::hex::encode(&f.bytes),
        })
        .collect()
}

/// The station page of station `id` of source `src` (`None`: the first
/// source that has it, followed as stations arrive).
#[component]
pub fn StationPage(#[prop(default = None)] src: Option<u8>, id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let key = Memo::new(move |_| match src {
        Some(s) => crate::store::station_key(s, id),
        None => {
            ctx.live.stations_rev.track();
            ctx.live.with(|s| s.resolve(id))
        }
    });
    move || view! { <StationView id=key.get() /> }
}

/// The page of the station with key `id`.
#[component]
fn StationView(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let known = Memo::new(move |_| {
        ctx.live.stations_rev.track();
        ctx.live.station_rev(id).track();
        ctx.live.with(|s| s.station(id).is_some())
    });
    let tlvs = ctx.live.station_memo(id, move |s| {
        s.station(id)
            .map(TlvState::from_station)
            .unwrap_or_default()
    });
    view! {
        <section
            class="station-page"
            data-testid="station-page"
            data-station=crate::store::key_id(id).to_string()
            data-source=crate::store::key_source(id).to_string()
        >
            <StationHeader id=id />
            <Show when=move || known.get() fallback=move || view! { <StationEmpty id=id /> }>
                <div class="st-grid">
                    <LatestValues id=id />
                    <SequencePanel id=id />
                    <PositionPanel id=id />
                </div>
                <HistoryPanel id=id />
                <div class="st-grid st-grid-2">
                    <div class="panel st-tlvs">
                        <h3>"TLVs"</h3>
                        <TlvPanel state=tlvs now=ctx.clock />
                    </div>
                    <FramesPanel id=id />
                </div>
            </Show>
        </section>
    }
}

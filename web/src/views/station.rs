//! `#/station/<id>`: everything known about one station.
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
//! of plain data, so unchanged parts do not touch the DOM.
//!
//! Test hooks: `data-testid="station-page"` with `data-station`;
//! `data-testid="field-row"` with `data-key`; `data-testid="seq-stat"` with
//! `data-key`; `data-testid="path-row"`; `data-testid="frame-row"` with
//! `data-seq`; `data-testid="chart"` ([`super::chart`]); `data-testid=
//! "tlv-row"` ([`super::tlv_panel`]); `data-testid="thumbnail"` with
//! `data-station`.

use iotdata::field::{FieldType, Quant};
use iotdata::receiver::{Receiver, Station};
use iotdata::FieldValue;
use leptos::prelude::*;
use leptos_leaflet::leaflet;
use leptos_leaflet::prelude::{MapContainer, Position};
use wasm_bindgen::JsValue;

use crate::ctx::use_ctx;
use crate::export;
use crate::router::Route;
use crate::store::{format_number, freshness, Store};
use crate::views::chart::HistoryChart;
use crate::views::thumbnail::Thumbnail;
use crate::views::tlv_panel::{human_duration, TlvPanel, TlvState};
use crate::views::{clock_time, relative_time};

/// Most raw frames listed.
pub const FRAMES_SHOWN: usize = 20;
/// Most thumbnails shown.
pub const THUMBNAILS_SHOWN: usize = 6;

/// A unit as displayed (`C` → `°C`).
pub fn display_unit(unit: &str) -> &str {
    match unit {
        "C" => "°C",
        u => u,
    }
}

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

/// A component's value with its unit, as the codec's field table shows it,
/// with `°C` for Celsius.
fn component_text(quant: Quant, raw: u32, unit: &str) -> String {
    let text = quant.display(raw, unit);
    match text.strip_suffix(" C") {
        Some(v) if unit == "C" => format!("{v} °C"),
        _ => text,
    }
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
                    row(key, component_text(c.spec.quant, c.raw, c.spec.unit))
                })
                .collect()
        }
        // AIR_QUALITY bundle, PM and gas channels: numbers with channel units.
        _ => crate::store::field_numbers(label, value)
            .into_iter()
            .map(|(key, v, unit)| {
                let unit = display_unit(unit);
                let text = if unit.is_empty() {
                    format_number(v)
                } else {
                    format!("{} {unit}", format_number(v))
                };
                row(key, text)
            })
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
            hex: crate::payload::to_hex(&f.bytes),
        })
        .collect()
}

/// The station page.
#[component]
pub fn StationPage(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let now = ctx.clock;
    let known = Memo::new(move |_| {
        rev.track();
        ctx.live.stations_rev.track();
        ctx.live.with(|s| s.station(id).is_some())
    });
    // A relay or gateway sends no sensor packets: say so and point to it in
    // the mesh graph rather than showing an empty page.
    let mesh_role = Memo::new(move |_| {
        ctx.live.mesh_rev.track();
        ctx.live.with(|s| {
            s.receiver()
                .topology()
                .node(id)
                .map(|n| n.role)
                .filter(|r| *r != iotdata::receiver::Role::Sensor)
                .map(|r| r.as_str())
        })
    });
    let summary = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| s.station(id).map(|st| summary(s, st)))
    });
    let fresh = Memo::new(move |_| {
        let t = now.get();
        rev.track();
        ctx.live
            .with(|s| s.station(id).map(|st| freshness(st, t).as_str()))
            .unwrap_or("stale")
    });
    let fields = Memo::new(move |_| {
        rev.track();
        ctx.live
            .with(|s| s.station(id).map(station_field_rows).unwrap_or_default())
    });
    let seq = Memo::new(move |_| {
        rev.track();
        ctx.live
            .with(|s| s.station(id).map(sequence_figures).unwrap_or_default())
    });
    let paths = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .map(|st| path_rows(s.receiver(), st))
                .unwrap_or_default()
        })
    });
    let tlvs = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .map(TlvState::from_station)
                .unwrap_or_default()
        })
    });
    let series_keys = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| s.history_keys(id))
    });
    let frames = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| frame_rows(s, id))
    });
    let thumbs = Memo::new(move |_| {
        rev.track();
        ctx.live.gallery_rev.track();
        ctx.live.with(|s| {
            s.thumbnails()
                .filter(|t| t.station == id)
                .take(THUMBNAILS_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let position = Memo::new(move |_| summary.with(|s| s.as_ref().and_then(|s| s.position)));

    let export_ndjson = move |_| export::download_station_ndjson(&ctx, id);
    let export_csv = move |_| export::download_station_csv(&ctx, id);

    let header = move || {
        summary.get().map(|s| {
            let interval = s.interval_ms;
            view! {
                <span class="st-variant">{format!("{} (variant {})", s.variant_name, s.variant)}</span>
                <span class="st-heard" title=move || clock_time(s.last_heard_ms)>
                    "last heard "
                    <strong>{move || relative_time(now.get() - s.last_heard_ms)}</strong>
                </span>
                <span class=move || format!("st-badge {}", fresh.get()) data-testid="freshness" data-freshness=move || fresh.get()>
                    {move || fresh.get()}
                </span>
                {interval.map(|i| view! {
                    <span class="muted small">{format!("every ~{}", human_duration((i / 1000.0).round() as u64))}</span>
                })}
            }
        })
    };

    view! {
        <section class="station-page" data-testid="station-page" data-station=id.to_string()>
            <div class="panel st-header">
                <div class="panel-head">
                    <h2>
                        {format!("Station {id} ")}
                        <span class="muted mono">{format!("0x{id:03x}")}</span>
                    </h2>
                    <button class="btn small" on:click=export_ndjson title="The station's last packets as canonical JSON, one per line">
                        "Packets NDJSON"
                    </button>
                    <button class="btn small" on:click=export_csv title="Field history as CSV">
                        "History CSV"
                    </button>
                    <a class="btn small" href="#/">"← all stations"</a>
                </div>
                <div class="st-meta">{header}</div>
            </div>
            <Show
                when=move || known.get()
                fallback=move || view! {
                    <div class="panel" data-testid="station-empty">
                        {move || match mesh_role.get() {
                            Some(role) => view! {
                                <p>
                                    {format!("Station {id} is a mesh {role}: it sends no sensor packets. ")}
                                    <a href=format!("#/mesh?node={id}")>"Open it in the mesh graph"</a>
                                </p>
                            }
                                .into_any(),
                            None => view! { <p class="muted">"Nothing heard from this station yet."</p> }.into_any(),
                        }}
                    </div>
                }
            >
                <div class="st-grid">
                    <div class="panel st-fields">
                        <h3>"Latest values"</h3>
                        <table class="kv st-fields-table">
                            <tbody>
                                <For each=move || fields.get() key=|r| r.clone() let:r>
                                    <tr data-testid="field-row" data-key=r.key.clone()>
                                        <th title=r.ty>{r.key.clone()}</th>
                                        <td class="num">{r.value.clone()}</td>
                                        <td class="muted small">{
                                            let at = r.at_ms as f64;
                                            move || relative_time(now.get() - at)
                                        }</td>
                                    </tr>
                                </For>
                            </tbody>
                        </table>
                    </div>
                    <div class="panel st-seq">
                        <h3>"Sequence"</h3>
                        <div class="st-figures">
                            <For each=move || seq.get() key=|f| f.clone() let:f>
                                <div class="st-figure" data-testid="seq-stat" data-key=f.0 title=f.3>
                                    <span class="st-figure-value">{f.2.clone()}</span>
                                    <span class="st-figure-label muted small">{f.1}</span>
                                </div>
                            </For>
                        </div>
                        <h3>"Delivered by"</h3>
                        <Show
                            when=move || paths.with(|p| !p.is_empty())
                            fallback=|| view! { <p class="muted small">"No delivery paths yet."</p> }
                        >
                            <div class="table-wrap">
                                <table class="st-paths">
                                    <thead>
                                        <tr><th>"Relay"</th><th>"Gateway"</th><th title="first arrivals">"First"</th><th title="copies (also heard via)">"Copies"</th><th>"Last"</th></tr>
                                    </thead>
                                    <tbody>
                                        {move || paths.get().into_iter().map(|p| {
                                            let last = p.last_ms as f64;
                                            let via_title = match p.relay {
                                                Some(r) => format!("forwarded by relay {r} (0x{r:03x}): show it in the mesh graph"),
                                                None => "heard directly by the gateway".into(),
                                            };
                                            let gw_title = match p.gateway_id {
                                                Some(g) => format!("{} (gateway {g}): show it in the mesh graph", p.source),
                                                None => p.source.clone(),
                                            };
                                            view! {
                                                <tr data-testid="path-row" class:latest=p.latest>
                                                    <td class="mono">{mesh_link(p.relay, p.via.clone(), via_title)}</td>
                                                    <td class="topic mono">{mesh_link(p.gateway_id, p.gateway.clone(), gw_title)}</td>
                                                    <td class="num">{p.first}</td>
                                                    <td class="num">{p.copies}</td>
                                                    <td class="muted small">{move || relative_time(now.get() - last)}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </Show>
                    </div>
                    <div class="panel st-map-panel">
                        <h3>"Position"</h3>
                        {move || match position.get() {
                            Some((lat, lon, at)) => view! {
                                <p class="small">
                                    <span class="mono">{format!("{lat:.5}, {lon:.5}")}</span>
                                    <span class="muted">{move || format!(" · reported {}", relative_time(now.get() - at))}</span>
                                </p>
                            }.into_any(),
                            None => view! { <p class="muted small">"No position reported."</p> }.into_any(),
                        }}
                        <Show when=move || position.with(Option::is_some)>
                            <StationMiniMap id=id />
                        </Show>
                    </div>
                </div>

                <div class="panel st-charts-panel">
                    <h3>"History " <span class="count">{move || format!("({} series)", series_keys.with(Vec::len))}</span></h3>
                    <div class="st-charts">
                        <For each=move || series_keys.get() key=|k| k.clone() let:key>
                            {
                                let k = key.clone();
                                let unit = ctx
                                    .live
                                    .with(|s| s.series(id, &key).map(|s| s.unit).unwrap_or(""));
                                let points = Signal::derive(move || {
                                    rev.track();
                                    ctx.live.with(|s| {
                                        s.history(id, &k)
                                            .map(|p| p.iter().copied().collect::<Vec<_>>())
                                            .unwrap_or_default()
                                    })
                                });
                                view! { <HistoryChart field=key.clone() unit=display_unit(unit).to_string() points=points /> }
                            }
                        </For>
                    </div>
                </div>

                <div class="st-grid st-grid-2">
                    <div class="panel st-tlvs">
                        <h3>"TLVs"</h3>
                        <TlvPanel state=tlvs now=now />
                    </div>
                    <div class="panel st-frames">
                        <Show when=move || thumbs.with(|t| !t.is_empty())>
                            <h3>"Images"</h3>
                            <div class="st-thumbs">
                                <For each=move || thumbs.get() key=|t| t.id let:t>
                                    {
                                        let hex = t.frame.as_deref().map(crate::payload::to_hex);
                                        let href = hex.map(|h| Route::Inspector { hex: Some(h) }.href());
                                        let at = t.rx_ms;
                                        let img = t.image.clone();
                                        view! {
                                            <a class="st-thumb" href=href title="Open the frame in the inspector">
                                                <Thumbnail image=Signal::derive(move || img.clone()) scale=4 testid="thumbnail" station=id />
                                                <span class="muted small">{format!("#{} · {}", t.sequence, clock_time(at))}</span>
                                            </a>
                                        }
                                    }
                                </For>
                            </div>
                        </Show>
                        <h3>"Raw frames " <span class="count">{move || format!("(last {})", frames.with(Vec::len))}</span></h3>
                        <div class="table-wrap st-frames-wrap">
                            <table class="st-frames-table">
                                <thead>
                                    <tr><th>"Time"</th><th>"Seq"</th><th>"Via"</th><th>"Bytes"</th><th>"Hex"</th></tr>
                                </thead>
                                <tbody>
                                    <For each=move || frames.get() key=|f| (f.rx_ms, f.sequence, f.hex.clone()) let:f>
                                        {
                                            let href = Route::Inspector { hex: Some(f.hex.clone()) }.href();
                                            let go = href.clone();
                                            let short = if f.hex.len() > 40 { format!("{}…", &f.hex[..40]) } else { f.hex.clone() };
                                            view! {
                                                <tr
                                                    data-testid="frame-row"
                                                    data-seq=f.sequence.to_string()
                                                    class="clickable"
                                                    title="Open in the inspector"
                                                    on:click=move |_| { let _ = window().location().set_hash(&go); }
                                                >
                                                    <td class="mono">{clock_time(f.rx_ms as f64)}</td>
                                                    <td class="num">{f.sequence}</td>
                                                    <td>{f.via.map(|v| format!("0x{v:03x}")).unwrap_or_else(|| "direct".into())}</td>
                                                    <td class="num">{f.len}</td>
                                                    <td class="mono"><a href=href on:click=|e| e.stop_propagation()>{short}</a></td>
                                                </tr>
                                            }
                                        }
                                    </For>
                                </tbody>
                            </table>
                        </div>
                    </div>
                </div>
            </Show>
        </section>
    }
}

// leaflet 0.5 binds circle markers; options go in as a plain object.
fn circle_marker(lat: f64, lon: f64) -> leaflet::CircleMarker {
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    };
    set("radius", 8.into());
    set("color", "#ffffff".into());
    set("weight", 2.into());
    set("fillColor", "#2f6fdb".into());
    set("fillOpacity", JsValue::from_f64(0.9));
    set("className", "st-position-marker".into());
    leaflet::CircleMarker::new_with_options(&leaflet::LatLng::new(lat, lon), &opts.into())
}

/// A small map centred on the station's last known position, following it.
#[component]
fn StationMiniMap(id: u16) -> impl IntoView {
    let ctx = use_ctx();
    let rev = ctx.live.station_rev(id);
    let pos = Memo::new(move |_| {
        rev.track();
        ctx.live.with(|s| {
            s.station(id)
                .and_then(|st| st.position)
                .map(|p| (p.position.latitude, p.position.longitude))
        })
    });
    let (lat0, lon0) = pos.get_untracked().unwrap_or((0.0, 0.0));
    let (map, set_map) = signal_local::<Option<leaflet::Map>>(None);
    let marker = StoredValue::new_local(None::<leaflet::CircleMarker>);
    Effect::new(move |_| {
        let p = pos.get();
        map.with(|m| {
            let (Some(m), Some((lat, lon))) = (m, p) else {
                return;
            };
            let ll = leaflet::LatLng::new(lat, lon);
            marker.update_value(|mk| match mk {
                Some(mk) => mk.set_lat_lng(&ll),
                None => {
                    let c = circle_marker(lat, lon);
                    c.add_to(m);
                    *mk = Some(c);
                }
            });
            m.invalidate_size(false);
            m.pan_to(&ll);
        });
    });
    on_cleanup(move || {
        marker.with_value(|m| {
            if let Some(m) = m {
                m.remove();
            }
        })
    });
    view! {
        <div class="st-map">
            <MapContainer
                class="leaflet-host"
                center=Position::new(lat0, lon0)
                zoom=13.0
                set_view=true
                map=set_map
            >
                <crate::tiles::Tiles />
            </MapContainer>
            <crate::tiles::TilesProblem />
        </div>
    }
}

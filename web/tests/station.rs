//! Station detail tests in headless Chromium: chart scaling and ticks,
//! human uptimes, duty cycle, CSV / NDJSON formatting, and the TLV panel
//! and station page rendered from frames built with the codec's encoder.
//!
//! `source scripts/env.sh && cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test station`
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;

use iotdata::receiver::{Receiver, ReceiverConfig};
use iotdata::tlv::{self, Tlv, TlvHealth, TlvStatus};
use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::ctx::Ctx;
use iotdata_web::export::{
    csv_cell, csv_number, csv_text, file_name, history_csv, iso_utc, log_records, ndjson_line,
    numeric_fields, packets_csv, packets_ndjson, station_records, station_series, PacketRecord,
};
use iotdata_web::settings::Settings;
use iotdata_web::store::Store;
use iotdata_web::views::chart::{
    build_chart, civil_from_days, format_tick, median_spacing, nice_step, path_d, time_label,
    time_step, time_ticks, value_domain, value_ticks, Scale, HEIGHT, MARGIN_BOTTOM, MARGIN_TOP,
};
use iotdata_web::views::station::{field_rows, StationPage};
use iotdata_web::views::tlv_panel::{
    duty_cycle, format_pct, human_duration, message_text, sections, text_pairs, TlvPanel, TlvState,
};
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

// ---- helpers -------------------------------------------------------------------

fn types_of(rows: &[web_sys::Element]) -> Vec<String> {
    rows.iter()
        .map(|r| r.get_attribute("data-type").unwrap_or_default())
        .collect()
}

/// A weather-station frame (variant 0) with battery, environment and the
/// given TLVs.
fn frame(station: u16, seq: u16, temp: f32, tlvs: Vec<Tlv>) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(80, false).unwrap()).unwrap();
    enc.add(FieldValue::link(-90, 5.0).unwrap()).unwrap();
    enc.add(FieldValue::environment(temp, 1013, 55).unwrap())
        .unwrap();
    for t in tlvs {
        enc.tlv(t).unwrap();
    }
    enc.finish().unwrap()
}

fn status_health_version() -> Vec<Tlv> {
    vec![
        Tlv::version(&[("FW", "142"), ("HW", "3")], false).unwrap(),
        Tlv::status(3 * 86_400 + 4 * 3600, 40 * 86_400, 7, 3).unwrap(),
        Tlv::health(31, 3300, 2048, 3 * 86_400 / 20).unwrap(),
    ]
}

// ---- chart --------------------------------------------------------------------------

#[wasm_bindgen_test]
fn nice_steps_and_value_axis() {
    assert_eq!(nice_step(10.0, 5), 2.0);
    assert_eq!(nice_step(100.0, 5), 20.0);
    assert_eq!(nice_step(7.0, 5), 2.0);
    assert_eq!(nice_step(0.9, 5), 0.2);
    assert_eq!(nice_step(0.0, 5), 1.0);
    assert_eq!(nice_step(f64::NAN, 5), 1.0);

    // Domain widened to whole steps, ticks exact multiples.
    assert_eq!(value_domain(12.3, 18.9, 5), (12.0, 20.0, 2.0));
    assert_eq!(
        value_ticks(12.0, 20.0, 2.0),
        vec![12.0, 14.0, 16.0, 18.0, 20.0]
    );
    let (lo, hi, step) = value_domain(-0.35, 0.12, 5);
    assert_eq!(step, 0.1);
    assert!((lo + 0.4).abs() < 1e-12 && (hi - 0.2).abs() < 1e-12);
    let labels: Vec<String> = value_ticks(lo, hi, step)
        .into_iter()
        .map(|v| format_tick(v, step))
        .collect();
    assert_eq!(
        labels,
        ["-0.4", "-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"]
    );

    // A flat series gets a band around it, drawn mid-height.
    let (lo, hi, _) = value_domain(21.5, 21.5, 5);
    assert!(lo < 21.5 && hi > 21.5);
    let (lo, hi, _) = value_domain(1013.0, 1013.0, 5);
    assert!(
        lo <= 1013.0 - 50.0 && hi >= 1013.0 + 50.0,
        "±5 % of a large value"
    );
    let s = Scale::new((10.0, 20.0), (100.0, 0.0));
    assert_eq!(s.map(15.0), 50.0);
    assert_eq!(s.map(20.0), 0.0);
    assert_eq!(Scale::new((3.0, 3.0), (0.0, 10.0)).map(3.0), 5.0);
}

#[wasm_bindgen_test]
fn time_axis_ticks_and_labels() {
    // 10 minutes of data: 2-minute ticks on whole minutes.
    assert_eq!(time_step(600_000.0, 5), 120_000.0);
    assert_eq!(time_step(30_000.0, 5), 10_000.0);
    assert_eq!(time_step(3.0 * 86_400_000.0, 5), 86_400_000.0);
    let t0 = T0 as f64 + 37_000.0;
    let (step, ticks) = time_ticks(t0, t0 + 600_000.0, 5, 0.0);
    assert_eq!(step, 120_000.0);
    assert_eq!(ticks.len(), 5);
    assert!(ticks.iter().all(|t| t % 120_000.0 == 0.0));
    assert!(ticks[0] >= t0 && *ticks.last().unwrap() <= t0 + 600_000.0);
    assert_eq!(time_label(ticks[0], step, 0.0), "00:02");
    // Local time: ticks fall on whole local hours (UTC+05:30).
    let off = 5.5 * 3_600_000.0;
    let (step, ticks) = time_ticks(T0 as f64, T0 as f64 + 4.0 * 3_600_000.0, 5, off);
    assert_eq!(step, 3_600_000.0);
    assert!(ticks.iter().all(|t| (t + off) % 3_600_000.0 == 0.0));
    assert_eq!(time_label(ticks[0], step, off), "06:00");
    // Seconds below a minute step, the date at midnight and for day steps.
    assert_eq!(time_label(T0 as f64 + 15_000.0, 5_000.0, 0.0), "00:00:15");
    assert_eq!(time_label(T0 as f64, 3_600_000.0, 0.0), "01-01");
    assert_eq!(
        time_label(T0 as f64 + 86_400_000.0, 86_400_000.0, 0.0),
        "01-02"
    );
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
}

#[wasm_bindgen_test]
fn chart_model_scales_points_and_breaks_gaps() {
    let t = T0 as f64;
    let pts: Vec<(f64, f64)> = (0..10)
        .map(|i| (t + i as f64 * 60_000.0, 10.0 + i as f64))
        .collect();
    let m = build_chart(&pts, 0.0).unwrap();
    assert_eq!(m.count, 10);
    assert_eq!((m.min, m.max), (10.0, 19.0));
    assert_eq!(m.last, (t + 540_000.0, 19.0));
    assert!(m.path.starts_with('M'));
    assert_eq!(m.path.matches('L').count(), 9, "one sub-path");
    // y: the domain [10, 20] fills the plot; the first point is at the bottom.
    assert!(m.y_ticks.first().unwrap().1 == "10" && m.y_ticks.last().unwrap().1 == "20");
    let bottom = HEIGHT - MARGIN_BOTTOM;
    assert!((m.y_ticks[0].0 - bottom).abs() < 1e-9);
    assert!((m.y_ticks.last().unwrap().0 - MARGIN_TOP).abs() < 1e-9);
    assert!(m.last_xy.1 < bottom && m.last_xy.1 > MARGIN_TOP);
    assert!(!m.x_ticks.is_empty() && m.x_ticks.len() <= 6);

    // A silence of an hour breaks the line.
    let mut gappy = pts.clone();
    gappy.push((t + 4_000_000.0, 12.0));
    gappy.push((t + 4_060_000.0, 13.0));
    assert_eq!(median_spacing(&gappy), Some(60_000.0));
    let m = build_chart(&gappy, 0.0).unwrap();
    assert_eq!(m.path.matches('M').count(), 2);
    // Non-finite values are skipped; nothing to draw is None.
    assert!(build_chart(&[], 0.0).is_none());
    assert!(build_chart(&[(t, f64::NAN)], 0.0).is_none());
    let one = build_chart(&[(t, 5.0)], 0.0).unwrap();
    assert_eq!(one.count, 1);
    let xs = Scale::new((0.0, 10.0), (0.0, 100.0));
    let ys = Scale::new((0.0, 1.0), (100.0, 0.0));
    assert_eq!(
        path_d(&[(0.0, 0.0), (5.0, 1.0), (10.0, 0.5)], &xs, &ys, 0.0),
        "M0.0 100.0 L50.0 0.0 L100.0 50.0"
    );
}

// ---- TLV figures -----------------------------------------------------------------

#[wasm_bindgen_test]
fn human_uptimes() {
    assert_eq!(human_duration(0), "0 s");
    assert_eq!(human_duration(59), "59 s");
    assert_eq!(human_duration(60), "1 min");
    assert_eq!(human_duration(725), "12 min 5 s");
    assert_eq!(human_duration(3600), "1 h");
    assert_eq!(human_duration(7500), "2 h 5 min");
    assert_eq!(human_duration(86_400), "1 d");
    assert_eq!(human_duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
    assert_eq!(human_duration(400 * 86_400 + 30), "400 d");
}

#[wasm_bindgen_test]
fn duty_cycle_from_status_and_health() {
    let st = TlvStatus {
        session_uptime: 10_000,
        lifetime_uptime: 0,
        restarts: 1,
        reason: 1,
    };
    let h = TlvHealth {
        cpu_temp: 25,
        supply_mv: 3300,
        free_heap: 1000,
        session_active: 500,
    };
    assert_eq!(duty_cycle(&st, &h), Some(0.05));
    assert_eq!(format_pct(0.05), "5.0 %");
    assert_eq!(format_pct(0.0035), "0.35 %");
    assert_eq!(format_pct(0.5), "50 %");
    // Active longer than uptime (tick rounding, different packets): 100 %.
    let h2 = TlvHealth {
        session_active: 20_000,
        ..h
    };
    assert_eq!(duty_cycle(&st, &h2), Some(1.0));
    let st0 = TlvStatus {
        session_uptime: 0,
        ..st
    };
    assert_eq!(duty_cycle(&st0, &h), None);
}

// ---- export formatting -----------------------------------------------------------

#[wasm_bindgen_test]
fn csv_formatting() {
    assert_eq!(iso_utc(0.0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_utc(T0 as f64 + 3_723_004.0), "2026-01-01T01:02:03.004Z");
    assert_eq!(csv_cell("plain"), "plain");
    assert_eq!(csv_cell("a,b"), "\"a,b\"");
    assert_eq!(csv_cell("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert_eq!(csv_text("@cmd"), "'@cmd");
    assert_eq!(csv_number(21.5), "21.5");
    assert_eq!(csv_number(-3.0), "-3");
    assert_eq!(csv_number(f64::NAN), "");
    assert_eq!(
        file_name("station-513", T0 as f64, "csv"),
        "iotdata-station-513-2026-01-01T00-00-00.csv"
    );

    let t = T0 as f64;
    let series = vec![
        (
            "environment.temperature".to_string(),
            vec![(t, 21.5), (t + 60_000.0, 21.75)],
        ),
        ("battery.level".to_string(), vec![(t + 60_000.0, 80.0)]),
    ];
    assert_eq!(
        history_csv(&series),
        "time,rx_ms,environment.temperature,battery.level\r\n\
         2026-01-01T00:00:00.000Z,1767225600000,21.5,\r\n\
         2026-01-01T00:01:00.000Z,1767225660000,21.75,80\r\n"
    );
    assert_eq!(history_csv(&[]), "time,rx_ms\r\n");
}

#[wasm_bindgen_test]
fn ndjson_formatting() {
    let line = ndjson_line(
        T0 as f64,
        "iotdata/raw/0001",
        r#"{"variant":0,"station":42}"#,
    );
    assert_eq!(
        line,
        "{\"rx_ms\":1767225600000,\"time\":\"2026-01-01T00:00:00.000Z\",\
         \"topic\":\"iotdata/raw/0001\",\"packet\":{\"variant\":0,\"station\":42}}\n"
    );
    // Untrusted topic escaped; every line parses.
    let line = ndjson_line(1.0, "a\"b\n</script>", "{}");
    let v: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
    assert_eq!(v["topic"], "a\"b\n</script>");

    let map = VariantMap::default_map();
    let f = frame(513, 9, 21.5, status_health_version());
    let records = vec![
        PacketRecord {
            rx_ms: T0 as f64,
            topic: "iotdata/raw/0001".into(),
            kind: "sensor".into(),
            station: Some(513),
            frame: Some(f.clone()),
            summary: "s".into(),
        },
        PacketRecord {
            rx_ms: T0 as f64 + 1000.0,
            topic: "somewhere".into(),
            kind: "unrecognised".into(),
            station: None,
            frame: None,
            summary: "hello, \"world\"".into(),
        },
    ];
    let text = packets_ndjson(&records, &map);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let canonical = iotdata::frame::decode_to_json(&f, &map, iotdata::DecodeOptions::LENIENT);
    assert!(text.starts_with(&format!(
        "{{\"rx_ms\":1767225600000,\"time\":\"2026-01-01T00:00:00.000Z\",\"topic\":\"iotdata/raw/0001\",\"packet\":{canonical}}}"
    )), "canonical JSON embedded verbatim");
    assert_eq!(lines[0]["packet"]["station"], 513);
    assert_eq!(lines[0]["packet"]["environment"]["temperature"], 21.5);
    assert!(lines[1]["packet"].is_null());
    assert_eq!(lines[1]["summary"], "hello, \"world\"");

    // Numeric fields of the canonical JSON (header and TLVs left out).
    let fields = numeric_fields(&lines[0]["packet"]);
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"environment.temperature"), "{keys:?}");
    assert!(!keys.contains(&"station") && !keys.iter().any(|k| k.starts_with("data")));

    let csv = packets_csv(&records, &map);
    let mut rows = csv.split("\r\n");
    let head = rows.next().unwrap();
    assert!(
        head.starts_with("time,rx_ms,topic,kind,station,sequence,"),
        "{head}"
    );
    assert!(head.contains("environment.temperature") && head.ends_with(",summary,hex"));
    let first = rows.next().unwrap();
    assert!(
        first.starts_with("2026-01-01T00:00:00.000Z,1767225600000,iotdata/raw/0001,sensor,513,9,")
    );
    assert!(first.contains(",21.5,"));
    assert!(first.ends_with(&iotdata_web::payload::to_hex(&f)));
    let second = rows.next().unwrap();
    assert!(second.contains(",unrecognised,,,") && second.contains("\"hello, \"\"world\"\"\""));
}

// ---- TLV panel and station page -------------------------------------------------------

#[wasm_bindgen_test]
async fn tlv_rows_carry_their_type() {
    let map = VariantMap::default_map();
    let mut rx = Receiver::new(map, ReceiverConfig::default());
    let mut tlvs = status_health_version();
    tlvs.push(Tlv::config(&[("INT", "60"), ("TX", "14")], false).unwrap());
    tlvs.push(Tlv::diagnostic("LOW SIGNAL", false).unwrap());
    tlvs.push(Tlv::raw(40, vec![0xde, 0xad]).unwrap());
    rx.ingest(&frame(513, 1, 21.0, tlvs), "iotdata/raw/0001", T0);
    // A later message: newest first in the event list; untrusted text.
    let evil = Tlv::userdata("<b>hi</b> & <script>", true).unwrap();
    rx.ingest(
        &frame(513, 2, 21.0, vec![evil]),
        "iotdata/raw/0001",
        T0 + 60_000,
    );
    let state = TlvState::from_station(rx.station(513).unwrap());

    let secs = sections(&state);
    let tys: Vec<u8> = secs.iter().map(|s| s.ty).collect();
    assert_eq!(
        tys,
        [tlv::VERSION, tlv::STATUS, tlv::HEALTH, tlv::CONFIG, 40]
    );
    let status = &secs[1].rows;
    assert_eq!(status[0].value, "3 d 4 h");
    assert_eq!(status[1].value, "40 d");
    assert_eq!(status[2].value, "7");
    assert_eq!(status[3].value, "watchdog");
    assert_eq!(status.last().unwrap().key, "Duty cycle");
    assert_eq!(status.last().unwrap().value, "4.7 %");
    let health: Vec<&str> = secs[2].rows.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(
        health,
        ["31 °C", "3300 mV (3.30 V)", "2048 B", "3 h 36 min"]
    );
    assert_eq!(secs[4].rows[0].value, "de ad");
    assert_eq!(message_text(&state.messages[0]), "<b>hi</b> & <script>");
    // Raw VERSION / CONFIG text reads as pairs when it tokenises.
    assert_eq!(
        text_pairs("FW 1.2.7 HW RG3"),
        Some(vec![
            ("FW".to_string(), "1.2.7".to_string()),
            ("HW".to_string(), "RG3".to_string())
        ])
    );
    assert_eq!(text_pairs("FW 1.2.7 HW"), None);
    assert_eq!(text_pairs("FW  1"), None);

    let root = container();
    let st = state.clone();
    let _h = leptos::mount::mount_to(root.clone(), move || {
        view! { <TlvPanel state=Signal::derive(move || st.clone()) now=Signal::derive(move || T0 as f64 + 61_000.0) /> }
    });
    settle().await;
    let rows = all(&root, "[data-testid=tlv-row]");
    let types = types_of(&rows);
    for t in ["1", "2", "3", "4", "5", "6", "40"] {
        assert!(types.iter().any(|x| x == t), "type {t} in {types:?}");
    }
    assert_eq!(types.iter().filter(|t| *t == "1").count(), 2, "FW and HW");
    assert_eq!(
        types.iter().filter(|t| *t == "2").count(),
        5,
        "status + duty cycle"
    );
    assert_eq!(types.iter().filter(|t| *t == "3").count(), 4);
    // Events newest first: USERDATA (seq 2) above DIAGNOSTIC (seq 1).
    let events: Vec<String> = all(&root, ".tlv-events [data-testid=tlv-row]")
        .iter()
        .map(|r| r.get_attribute("data-type").unwrap())
        .collect();
    assert_eq!(events, ["6", "5"]);
    assert!(
        root.query_selector("script, b").unwrap().is_none(),
        "text, never HTML"
    );
    assert!(root
        .text_content()
        .unwrap()
        .contains("<b>hi</b> & <script>"));
    assert!(root.text_content().unwrap().contains("3 d 4 h"));
}

#[wasm_bindgen_test]
async fn station_page_shows_fields_sequence_tlvs_charts_and_frames() {
    let root = container();
    let ctx = StoredValue::new_local(None::<Ctx>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        ctx.set_value(Some(Ctx::provide(Settings::default(), false)));
        view! { <StationPage id=513 /> }
    });
    settle().await;
    assert!(root.text_content().unwrap().contains("Nothing heard"));
    let ctx = ctx.get_value().unwrap();
    for (seq, temp) in [(1u16, 20.0f32), (2, 20.5), (4, 21.25)] {
        let tl = if seq == 4 {
            status_health_version()
        } else {
            Vec::new()
        };
        ctx.ingest("iotdata/raw/0001", &frame(513, seq, temp, tl));
    }
    settle().await;

    let page = root
        .query_selector("[data-testid=station-page]")
        .unwrap()
        .unwrap();
    assert_eq!(page.get_attribute("data-station").as_deref(), Some("513"));
    // Latest values in native units.
    let fields: Vec<(String, String)> = all(&root, "[data-testid=field-row]")
        .iter()
        .map(|r| {
            (
                r.get_attribute("data-key").unwrap(),
                r.query_selector("td")
                    .unwrap()
                    .unwrap()
                    .text_content()
                    .unwrap(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("environment.temperature".into(), "21.25 °C".into())),
        "{fields:?}"
    );
    assert!(fields.contains(&("environment.pressure".into(), "1013 hPa".into())));
    assert!(
        fields.contains(&("battery.level".into(), "81%".into())),
        "{fields:?}"
    );
    // Sequence figures: 3 received, 1 lost.
    let stat = |k: &str| {
        root.query_selector(&format!(
            "[data-testid=seq-stat][data-key={k}] .st-figure-value"
        ))
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
    };
    assert_eq!(stat("received"), "3");
    assert_eq!(stat("lost"), "1");
    assert_eq!(stat("loss"), "25.0 %");
    // TLV rows, charts, frames, delivery path.
    let types = types_of(&all(&root, "[data-testid=tlv-row]"));
    for t in ["1", "2", "3"] {
        assert!(types.iter().any(|x| x == t), "type {t} in {types:?}");
    }
    let charts = all(&root, "[data-testid=chart]");
    let temp = charts
        .iter()
        .find(|c| c.get_attribute("data-field").as_deref() == Some("environment.temperature"))
        .expect("temperature chart");
    assert_eq!(temp.get_attribute("data-points").as_deref(), Some("3"));
    assert!(temp.query_selector("path.chart-line").unwrap().is_some());
    let frames = all(&root, "[data-testid=frame-row]");
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].get_attribute("data-seq").as_deref(), Some("4"));
    let link = frames[0].query_selector("a").unwrap().unwrap();
    let hex = iotdata_web::payload::to_hex(&frame(513, 4, 21.25, status_health_version()));
    assert_eq!(link.get_attribute("href"), Some(format!("#hex={hex}")));
    let paths = all(&root, "[data-testid=path-row]");
    assert_eq!(paths.len(), 1);
    // Heard directly by gateway 1 (topic iotdata/raw/0001): the gateway
    // cell links to its node in the mesh graph, the relay cell is text.
    let links: Vec<String> = all(&paths[0], "a")
        .iter()
        .filter_map(|a| a.get_attribute("href"))
        .collect();
    assert_eq!(links, ["#/mesh?node=1"]);
}

#[wasm_bindgen_test]
async fn station_page_of_a_relay_points_to_the_mesh_graph() {
    use iotdata::mesh::{MeshBody, MeshPacket};
    let root = container();
    let ctx = StoredValue::new_local(None::<Ctx>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        ctx.set_value(Some(Ctx::provide(Settings::default(), false)));
        view! { <StationPage id=0x104 /> }
    });
    settle().await;
    let empty = one(&root, "[data-testid=station-empty]").expect("empty-page panel");
    assert!(empty.text_content().unwrap().contains("Nothing heard"));
    assert!(empty.query_selector("a").unwrap().is_none());
    // Relay 0x104 reports its neighbours: a mesh node, not a sensor.
    let report = MeshPacket {
        sender_station: 0x104,
        sender_seq: 7,
        body: MeshBody::NeighbourReport {
            parent_id: 0x002,
            my_cost: 1,
            gateway_id: 0x002,
            neighbours: vec![],
        },
    }
    .to_bytes()
    .unwrap();
    let ctx = ctx.get_value().unwrap();
    ctx.ingest("iotdata/raw/0002", &report);
    settle().await;
    let empty = one(&root, "[data-testid=station-empty]").expect("empty-page panel");
    assert!(
        empty.text_content().unwrap().contains("is a mesh relay"),
        "{:?}",
        empty.text_content()
    );
    let link = empty.query_selector("a").unwrap().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("#/mesh?node=260")
    );
}

#[wasm_bindgen_test]
fn field_rows_use_native_units() {
    let env = FieldValue::environment(-3.25, 990, 41).unwrap();
    let rows = field_rows("environment", &env, T0, None);
    let v: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.key.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        v,
        [
            ("environment.temperature", "-3.25 °C"),
            ("environment.pressure", "990 hPa"),
            ("environment.humidity", "41%"),
        ]
    );
    let pos = FieldValue::position(52.5, 13.4).unwrap();
    assert!(field_rows("position", &pos, T0, None)[0]
        .value
        .starts_with("52.5"));
}

#[wasm_bindgen_test]
fn exports_from_the_store() {
    let mut store = Store::new();
    let t = T0 as f64;
    for (i, temp) in [20.0f32, 20.5, 21.0].into_iter().enumerate() {
        let f = frame(513, i as u16 + 1, temp, Vec::new());
        store.ingest(t + i as f64 * 60_000.0, "iotdata/raw/0001", &f);
    }
    store.ingest(t + 200_000.0, "elsewhere", b"not a frame");

    let series = station_series(&store, 513);
    let csv = history_csv(&series);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header + 3 receive times: {csv}");
    assert!(lines[0].starts_with("time,rx_ms,") && lines[0].contains("environment.temperature"));
    assert!(lines[3].starts_with("2026-01-01T00:02:00.000Z,1767225720000,"));

    let recs = station_records(&store, 513);
    assert_eq!(recs.len(), 3);
    assert!(
        recs.windows(2).all(|w| w[0].rx_ms < w[1].rx_ms),
        "oldest first"
    );
    let nd = packets_ndjson(&recs, store.map());
    let seqs: Vec<u64> = nd
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["packet"]["sequence"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);

    let log = log_records(&store);
    assert_eq!(log.len(), 4);
    assert_eq!(log[3].topic, "elsewhere");
    let nd = packets_ndjson(&log, store.map());
    assert_eq!(nd.lines().count(), 4);
    let csv = packets_csv(&log, store.map());
    assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 5);
}

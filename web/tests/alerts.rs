//! Alerts: rule JSON (round trip, validation, bounds), evaluation of every
//! rule kind through the real pipeline (frames into the store, the store's
//! change into the engine), hysteresis on the line, silent deadlines on the
//! clock, and bounded cost: evaluations per update and per tick do not grow
//! with the station count.
//!
//! They run in headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test alerts`) and natively.

#[path = "support/fixtures.rs"]
mod fixtures;

use iotdata::mesh::{MeshBody, MeshPacket, Neighbour, PARENT_NONE};
use iotdata_web::alerts::{
    parse_rules, rules_json, Engine, Kind, Rule, RulesError, Scope, MAX_RESOLVED_ALERTS, MAX_RULES,
    MAX_RULES_JSON_BYTES,
};
use iotdata_web::store::{Live, Store};
use leptos::prelude::GetUntracked;
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_767_225_600_000.0;
const TOPIC: &str = "iotdata/raw/0001";

fn frame(station: u16, seq: u16, temp: f32, battery: u8) -> Vec<u8> {
    fixtures::battery_temp_frame(station, seq, temp, battery)
}

/// A store and an engine fed like the dashboard feeds them.
struct Rig {
    store: Store,
    engine: Engine,
    seq: u16,
}

impl Rig {
    fn new(rules: &str) -> Rig {
        let store = Store::new();
        let mut engine = Engine::new();
        engine.set_rules(parse_rules(rules).unwrap(), &store, T0);
        Rig {
            store,
            engine,
            seq: 0,
        }
    }

    fn send(&mut self, t: f64, station: u16, temp: f32, battery: u8) {
        self.seq = self.seq.wrapping_add(1);
        let f = frame(station, self.seq, temp, battery);
        self.ingest(t, &f);
    }

    fn ingest(&mut self, t: f64, bytes: &[u8]) {
        let change = self.store.ingest(t, TOPIC, bytes);
        self.engine.on_change(&self.store, &change, t);
    }

    fn active(&self) -> Vec<(&'static str, u16)> {
        self.engine.active().map(|a| (a.kind, a.subject)).collect()
    }

    fn raised(&mut self) -> usize {
        self.engine.take_fresh().0
    }
}

#[wasm_bindgen_test]
fn rules_round_trip_and_validate() {
    let text = r#"{"version":1,"rules":[
        {"scope":"all","kind":"silent","factor":3},
        {"scope":"station:42","kind":"battery_below","percent":20,"margin":5},
        {"scope":"variant:0","kind":"field_above","field":"environment.temperature","value":30},
        {"scope":"format:hex","kind":"loss_above","percent":10},
        {"kind":"orphan"},
        {"scope":"station:7","kind":"route_error"}]}"#;
    let rules = parse_rules(text).unwrap();
    assert_eq!(rules.len(), 6);
    assert_eq!(rules[1].scope, Scope::Station(42));
    let Kind::Field {
        key,
        above,
        value,
        margin,
    } = &rules[2].kind
    else {
        panic!("a field rule: {:?}", rules[2]);
    };
    assert_eq!(
        (key.as_str(), *above, *value),
        ("environment.temperature", true, 30.0)
    );
    assert!(
        (margin - 0.3).abs() < 1e-9,
        "default margin 1 % of 30: {margin}"
    );
    // Export and import give the same rules.
    assert_eq!(parse_rules(&rules_json(&rules)).unwrap(), rules);

    let err = |t: &str| parse_rules(t).unwrap_err().to_string();
    assert_eq!(
        parse_rules(r#"[{"kind":"silent","factor":3},{"kind":"battery_below"}]"#),
        Err(RulesError::Rule {
            index: 2,
            reason: "\"percent\" is missing".into()
        })
    );
    assert!(err(r#"[{"kind":"nope"}]"#).starts_with("rule 1: \"kind\" must be"));
    assert!(err(r#"[{"kind":"silent","factor":3,"scope":"station:5000"}]"#).contains("scope"));
    assert!(err(r#"[{"kind":"orphan","scope":"variant:1"}]"#).contains("mesh rules"));
    assert!(err(r#"[{"kind":"battery_below","percent":120}]"#).contains("0–100"));
    assert!(err(r#"[{"kind":"field_above","field":"","value":1}]"#).contains("field"));
    assert!(err("{").starts_with("not a rules document"));
    // One rule object is a document of one rule.
    assert_eq!(parse_rules(r#"{"kind":"orphan"}"#).unwrap().len(), 1);
    let many = format!(
        "[{}]",
        vec![r#"{"kind":"orphan"}"#; MAX_RULES + 1].join(",")
    );
    assert_eq!(parse_rules(&many), Err(RulesError::TooMany(MAX_RULES + 1)));
    let big = " ".repeat(MAX_RULES_JSON_BYTES + 1);
    assert_eq!(
        parse_rules(&big),
        Err(RulesError::TooLarge(MAX_RULES_JSON_BYTES + 1))
    );
}

#[wasm_bindgen_test]
fn rule_count_is_capped() {
    let store = Store::new();
    let mut e = Engine::new();
    let r = Rule {
        scope: Scope::All,
        kind: Kind::Orphan,
    };
    for _ in 0..MAX_RULES {
        assert!(e.add_rule(r.clone(), &store, T0));
    }
    assert!(!e.add_rule(r, &store, T0));
    assert_eq!(e.rules().len(), MAX_RULES);
}

#[wasm_bindgen_test]
fn battery_below_from_a_packet_with_hysteresis() {
    let mut rig = Rig::new(r#"[{"scope":"all","kind":"battery_below","percent":20,"margin":10}]"#);
    rig.send(T0, 5, 20.0, 50);
    assert!(rig.active().is_empty());
    rig.send(T0 + 1000.0, 5, 20.0, 10);
    assert_eq!(rig.active(), vec![("battery_below", 5)]);
    let text = rig.engine.active().next().unwrap().text.clone();
    assert!(text.starts_with("station 5: battery"), "{text}");
    assert_eq!(rig.raised(), 1);
    // Back above the threshold but within the margin: still active.
    rig.send(T0 + 2000.0, 5, 20.0, 25);
    rig.send(T0 + 3000.0, 5, 20.0, 15);
    assert_eq!(rig.active().len(), 1);
    assert_eq!(rig.raised(), 0);
    // Past threshold + margin: resolved, with its time.
    rig.send(T0 + 4000.0, 5, 20.0, 40);
    assert!(rig.active().is_empty());
    let r = rig.engine.resolved().next().unwrap();
    assert_eq!((r.subject, r.resolved_ms), (5, Some(T0 + 4000.0)));
    assert_eq!(r.href(), "#/station/5");
}

#[wasm_bindgen_test]
fn a_value_on_the_line_does_not_flap() {
    let mut rig = Rig::new(
        r#"[{"kind":"field_above","field":"environment.temperature","value":30,"margin":1}]"#,
    );
    rig.send(T0, 9, 29.0, 80);
    assert!(rig.active().is_empty());
    // Noise around the line: one alert, never resolved in between.
    for (i, t) in [30.5, 30.0, 29.5, 30.5, 29.25, 30.25, 29.5, 30.5]
        .iter()
        .enumerate()
    {
        rig.send(T0 + 1000.0 * (i as f64 + 1.0), 9, *t, 80);
    }
    assert_eq!(rig.raised(), 1);
    assert_eq!(rig.engine.resolved().len(), 0);
    assert_eq!(rig.active(), vec![("field_above", 9)]);
    // Below threshold - margin: resolved; above again: a second alert.
    rig.send(T0 + 20_000.0, 9, 28.5, 80);
    assert!(rig.active().is_empty());
    rig.send(T0 + 21_000.0, 9, 31.0, 80);
    assert_eq!(rig.raised(), 1);
    assert_eq!(rig.engine.resolved().len(), 1);
    // A bare field name that is not the station's: nothing.
    let mut other = Rig::new(r#"[{"kind":"field_below","field":"soil_temperature","value":100}]"#);
    other.send(T0, 9, 20.0, 80);
    assert!(other.active().is_empty());
}

#[wasm_bindgen_test]
fn silent_is_a_deadline_on_the_clock() {
    let mut rig = Rig::new(r#"[{"kind":"silent","factor":3}]"#);
    for i in 0..5 {
        rig.send(T0 + 1000.0 * i as f64, 3, 20.0, 80);
    }
    // Interval 1 s, last heard at T0 + 4 s: due at T0 + 7 s.
    assert_eq!(rig.engine.deadline_count(), 1);
    let before = rig.engine.evaluations();
    rig.engine.tick(&rig.store, T0 + 6_900.0);
    assert!(rig.active().is_empty());
    assert_eq!(
        rig.engine.evaluations(),
        before,
        "nothing due, nothing evaluated"
    );
    rig.engine.tick(&rig.store, T0 + 7_100.0);
    assert_eq!(rig.active(), vec![("silent", 3)]);
    let text = rig.engine.active().next().unwrap().text.clone();
    assert!(text.contains("silent for 3 s"), "{text}");
    assert_eq!(rig.engine.deadline_count(), 0);
    // Heard again: resolved, and a new deadline.
    rig.send(T0 + 9_000.0, 3, 20.0, 80);
    assert!(rig.active().is_empty());
    assert_eq!(rig.engine.resolved().len(), 1);
    assert_eq!(rig.engine.deadline_count(), 1);
    // Removing the rule drops its deadlines.
    let id = rig.engine.rules().next().unwrap().0;
    rig.engine.remove_rule(id, T0 + 9_500.0);
    assert_eq!(rig.engine.deadline_count(), 0);
}

#[wasm_bindgen_test]
fn loss_over_the_last_hour() {
    let mut rig =
        Rig::new(r#"[{"scope":"station:4","kind":"loss_above","percent":10,"margin":5}]"#);
    // Every other sequence missing: about 50 % loss.
    let mut t = T0;
    for s in (2..60u16).step_by(2) {
        t += 1000.0;
        rig.ingest(t, &frame(4, s, 20.0, 80));
    }
    assert_eq!(rig.active(), vec![("loss_above", 4)]);
    // An hour and more of no loss: the window forgets the gaps.
    for s in 60..(60 + 800u16) {
        t += 5_000.0;
        rig.ingest(t, &frame(4, s, 20.0, 80));
    }
    assert!(rig.active().is_empty());
    assert_eq!(rig.engine.resolved().len(), 1);
}

#[wasm_bindgen_test]
fn scopes_pick_stations_variants_and_formats() {
    let mut rig = Rig::new(
        r#"[{"scope":"station:2","kind":"battery_below","percent":50},
            {"scope":"variant:3","kind":"battery_below","percent":50},
            {"scope":"format:hex","kind":"battery_below","percent":50}]"#,
    );
    rig.ingest(T0, &frame(1, 1, 20.0, 10));
    assert!(rig.active().is_empty(), "binary, variant 0, station 1");
    rig.ingest(T0, &frame(2, 1, 20.0, 10));
    assert_eq!(rig.active(), vec![("battery_below", 2)]);
    let hex = iotdata::hex::encode(&frame(6, 1, 20.0, 10));
    rig.ingest(T0, hex.as_bytes());
    let mut subjects: Vec<u16> = rig.active().iter().map(|a| a.1).collect();
    subjects.sort_unstable();
    assert_eq!(subjects, vec![2, 6]);
}

fn mesh(sender: u16, seq: u16, body: MeshBody) -> Vec<u8> {
    MeshPacket {
        sender_station: sender,
        sender_seq: seq,
        body,
    }
    .to_bytes()
    .unwrap()
}

fn report(relay: u16, seq: u16, parent: u16) -> Vec<u8> {
    mesh(
        relay,
        seq,
        MeshBody::NeighbourReport {
            parent_id: parent,
            my_cost: 1,
            gateway_id: if parent == PARENT_NONE {
                PARENT_NONE
            } else {
                1
            },
            neighbours: vec![Neighbour {
                cost: 0,
                rssi_q4: iotdata::mesh::rssi_to_q4(-80),
                station_id: 1,
            }],
        },
    )
}

#[wasm_bindgen_test]
fn orphan_and_route_error_of_mesh_nodes() {
    let mut rig = Rig::new(r#"[{"kind":"orphan"},{"scope":"station:20","kind":"route_error"}]"#);
    rig.ingest(T0, &report(20, 1, 1));
    rig.ingest(T0, &report(21, 1, 1));
    assert!(rig.active().is_empty());
    rig.ingest(
        T0 + 1000.0,
        &mesh(20, 2, MeshBody::RouteError { reason: 1 }),
    );
    let mut a = rig.active();
    a.sort_unstable();
    assert_eq!(a, vec![("orphan", 20), ("route_error", 20)]);
    assert_eq!(rig.engine.active().next().unwrap().href(), "#/mesh");
    rig.ingest(T0 + 2000.0, &report(21, 2, PARENT_NONE));
    assert_eq!(
        rig.active().len(),
        3,
        "21 orphaned; route_error is for 20 only"
    );
    // A parent again: both of 20's alerts clear.
    rig.ingest(T0 + 3000.0, &report(20, 3, 1));
    assert_eq!(rig.active(), vec![("orphan", 21)]);
}

#[wasm_bindgen_test]
fn cost_per_update_does_not_grow_with_stations() {
    let rules = r#"[{"kind":"silent","factor":3},{"kind":"battery_below","percent":20},
        {"scope":"station:4000","kind":"battery_below","percent":20}]"#;
    let per_update = |stations: u16| {
        let mut rig = Rig::new(rules);
        for id in 0..stations {
            rig.ingest(T0, &frame(id, 1, 20.0, 80));
        }
        let before = rig.engine.evaluations();
        rig.ingest(T0 + 1000.0, &frame(7, 2, 20.0, 80));
        let update = rig.engine.evaluations() - before;
        // A tick with nothing due evaluates nothing.
        let before = rig.engine.evaluations();
        rig.engine.tick(&rig.store, T0 + 2000.0);
        (update, rig.engine.evaluations() - before)
    };
    assert_eq!(per_update(10), (2, 0));
    assert_eq!(per_update(2000), (2, 0));
    // Without rules nothing is evaluated at all.
    let mut rig = Rig::new("[]");
    for id in 0..100 {
        rig.ingest(T0, &frame(id, 1, 20.0, 10));
    }
    assert_eq!(rig.engine.evaluations(), 0);
}

#[wasm_bindgen_test]
fn resolved_history_is_bounded() {
    let mut rig = Rig::new(r#"[{"kind":"battery_below","percent":20,"margin":0}]"#);
    for i in 0..(MAX_RESOLVED_ALERTS + 20) {
        let t = T0 + 2000.0 * i as f64;
        rig.send(t, 8, 20.0, 10);
        rig.send(t + 1000.0, 8, 20.0, 90);
    }
    assert_eq!(rig.engine.resolved().len(), MAX_RESOLVED_ALERTS);
    assert!(rig.active().is_empty());
}

#[wasm_bindgen_test]
fn live_evaluates_on_ingest_and_on_the_clock() {
    let live = Live::new();
    let mut rules = Some(
        parse_rules(r#"[{"kind":"silent","factor":3},{"kind":"battery_below","percent":20}]"#)
            .unwrap(),
    );
    live.update_alerts(&mut |e, s| e.set_rules(rules.take().unwrap_or_default(), s, T0));
    let rev = live.alerts_rev.get_untracked();
    for i in 0..3u16 {
        live.ingest(
            T0 + 1000.0 * f64::from(i),
            TOPIC,
            &frame(11, i + 1, 20.0, 10),
        );
    }
    live.flush();
    assert!(live.alerts_rev.get_untracked() > rev);
    assert_eq!(live.with_alerts(|e| e.active_count()), 1);
    live.tick_alerts(T0 + 6_000.0);
    assert_eq!(live.with_alerts(|e| e.active_count()), 2);
    let mut fresh = 0;
    live.update_alerts(&mut |e, _| fresh = e.take_fresh().0);
    assert_eq!(fresh, 2);
}

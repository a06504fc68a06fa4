//! Receiver tests: one per rule, with edge cases. Frames are built with the
//! codec's own encoders.

use super::time::{year_start_ms, UtcDateTime};
use super::*;
use crate::field::FieldValue;
use crate::mesh::{
    rssi_to_q4, MeshBody, MeshPacket, Neighbour, PARENT_NONE, REASON_OVERLOADED, REASON_PARENT_LOST,
};
use crate::packet::Encoder;
use crate::tlv::{self, Tlv};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const GW: &str = "iotdata/raw/0001";

fn map() -> VariantMap {
    VariantMap::default_map()
}

fn receiver() -> Receiver {
    Receiver::new(map(), ReceiverConfig::default())
}

fn sensor_with(station: u16, seq: u16, f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let m = map();
    let mut e = Encoder::new(&m, 0, station, seq).unwrap();
    f(&mut e);
    e.finish().unwrap()
}

/// A weather-station packet whose battery level makes its content unique.
fn sensor(station: u16, seq: u16) -> Vec<u8> {
    sensor_with(station, seq, |e| {
        e.add(FieldValue::battery((seq % 100) as u8, false).unwrap())
            .unwrap();
        e.add(FieldValue::environment(20.0 + (seq % 8) as f32, 1000, 50).unwrap())
            .unwrap();
    })
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

fn forward(sender: u16, seq: u16, inner: &[u8]) -> Vec<u8> {
    mesh(
        sender,
        seq,
        MeshBody::Forward {
            ttl: 5,
            inner: inner.to_vec(),
        },
    )
}

fn beacon(sender: u16, seq: u16, gateway_id: u16, cost: u8, generation: u16) -> Vec<u8> {
    mesh(
        sender,
        seq,
        MeshBody::Beacon {
            gateway_id,
            cost,
            flags: 1,
            generation,
        },
    )
}

fn report(
    sender: u16,
    seq: u16,
    parent_id: u16,
    my_cost: u8,
    gateway_id: u16,
    nbs: &[(u16, u8, i32)],
) -> Vec<u8> {
    mesh(
        sender,
        seq,
        MeshBody::NeighbourReport {
            parent_id,
            my_cost,
            gateway_id,
            neighbours: nbs
                .iter()
                .map(|&(station_id, cost, rssi)| Neighbour {
                    cost,
                    rssi_q4: rssi_to_q4(rssi),
                    station_id,
                })
                .collect(),
        },
    )
}

fn route_error(sender: u16, seq: u16, reason: u8) -> Vec<u8> {
    mesh(sender, seq, MeshBody::RouteError { reason })
}

fn sensor_events(ev: &[Event]) -> Vec<(u16, u16, SeqOutcome)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Sensor {
                station,
                sequence,
                outcome,
                ..
            } => Some((*station, *sequence, *outcome)),
            _ => None,
        })
        .collect()
}

fn count<F: Fn(&Event) -> bool>(ev: &[Event], f: F) -> usize {
    ev.iter().filter(|e| f(e)).count()
}

fn is_dup(e: &Event) -> bool {
    matches!(e, Event::Duplicate { .. })
}

#[test]
fn sequence_wrap_65535_to_0_is_not_loss() {
    let mut r = receiver();
    for (i, seq) in [65533u16, 65534, 65535, 0, 1, 2].into_iter().enumerate() {
        let ev = r.ingest(&sensor(7, seq), GW, T0 + i as i64 * 10_000);
        assert_eq!(
            count(&ev, |e| matches!(
                e,
                Event::Gap { .. } | Event::Restart { .. }
            )),
            0
        );
    }
    let st = r.station(7).unwrap();
    let s = st.sequence_stats();
    assert_eq!(
        (s.received, s.missing, s.restarts, s.duplicates),
        (6, 0, 0, 0)
    );
    assert_eq!(st.loss_pct(), Some(0.0));
    assert_eq!(st.last_sequence(), Some(2));
    assert_eq!(st.interval_ms(), Some(10_000));
}

#[test]
fn gaps_and_late_arrivals() {
    let mut r = receiver();
    r.ingest(&sensor(9, 100), GW, T0);
    let ev = r.ingest(&sensor(9, 104), GW, T0 + 4000);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Gap {
            station: 9,
            first_missing: 101,
            missing: 3
        }
    )));
    // Gap comes before the packet.
    assert!(matches!(ev[0], Event::Gap { .. }) && matches!(ev[1], Event::Sensor { .. }));
    assert_eq!(r.station(9).unwrap().sequence_stats().missing, 3);
    let ev = r.ingest(&sensor(9, 102), GW, T0 + 4100);
    assert_eq!(
        sensor_events(&ev),
        vec![(9, 102, SeqOutcome::Late { filled: true })]
    );
    let s = *r.station(9).unwrap().sequence_stats();
    assert_eq!((s.received, s.missing, s.out_of_order), (3, 2, 1));
    assert!((r.station(9).unwrap().loss_pct().unwrap() - 40.0).abs() < 1e-9);
}

#[test]
fn duplicates_through_the_ring_are_heard_via_each_path() {
    let mut r = receiver();
    let pkt = sensor(42, 5);
    // Direct at gateway 1, via relay 0x10 at gateway 1, direct at gateway 2.
    let ev = r.ingest(&pkt, GW, T0);
    assert_eq!(sensor_events(&ev), vec![(42, 5, SeqOutcome::First)]);
    let ev = r.ingest(&forward(0x10, 1, &pkt), GW, T0 + 300);
    assert!(matches!(ev[0], Event::Mesh { station: 0x10, .. }));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Duplicate {
            station: 42,
            sequence: 5,
            mesh: false,
            via: Some(0x10),
            detected_by: DuplicateBy::Ring,
            ..
        }
    )));
    assert!(sensor_events(&ev).is_empty());
    let ev = r.ingest(&pkt, "iotdata/raw/0002", T0 + 400);
    assert_eq!(count(&ev, is_dup), 1);
    let st = r.station(42).unwrap();
    assert_eq!(st.sequence_stats().received, 1);
    assert_eq!(st.sequence_stats().duplicates, 2);
    let paths: Vec<(Option<u16>, &str, u64, u64)> = st
        .paths
        .iter()
        .map(|p| {
            (
                p.via,
                r.source_name(p.source),
                p.first_arrivals,
                p.duplicates,
            )
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            (None, GW, 1, 0),
            (Some(0x10), GW, 0, 1),
            (None, "iotdata/raw/0002", 0, 1)
        ]
    );
    assert_eq!(st.last_path, Some((None, SourceId(0))));
    // Topology: the sensor was delivered by gateway 1 (first), relay 0x10 and gateway 2.
    let n = r.topology().node(42).unwrap();
    assert_eq!(n.role, Role::Sensor);
    assert_eq!(
        n.via.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![1, 2, 0x10]
    );
    assert_eq!(n.attached_to, Some(1));
    assert_eq!((n.sensor_packets, n.duplicates), (1, 2));
    assert_eq!(r.stats().duplicates, 2);
}

#[test]
fn evicted_ring_key_is_a_sequence_duplicate_not_new_data() {
    let mut r = Receiver::new(
        map(),
        ReceiverConfig {
            dedup_capacity: 2,
            ..ReceiverConfig::default()
        },
    );
    let p1 = sensor(3, 1);
    r.ingest(&p1, GW, T0);
    r.ingest(&sensor(3, 2), GW, T0 + 1000);
    r.ingest(&sensor(3, 3), GW, T0 + 2000); // evicts {3, 1}
    assert!(!r.dedup().contains(DedupKey::new(false, 3, 1)));
    assert_eq!(r.dedup().evictions(), 1);
    let ev = r.ingest(&forward(0x20, 9, &p1), GW, T0 + 2500);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Duplicate {
            station: 3,
            sequence: 1,
            detected_by: DuplicateBy::Sequence,
            ..
        }
    )));
    assert!(sensor_events(&ev).is_empty());
    let s = *r.station(3).unwrap().sequence_stats();
    assert_eq!((s.received, s.duplicates, s.restarts), (3, 1, 0));
    // It is back in the ring: the next copy is a ring duplicate.
    let ev = r.ingest(&p1, GW, T0 + 2600);
    assert!(matches!(
        ev[0],
        Event::Duplicate {
            detected_by: DuplicateBy::Ring,
            ..
        }
    ));
    // A different station's evicted key is unaffected by station 3's window.
    assert_eq!(
        sensor_events(&r.ingest(&sensor(4, 1), GW, T0 + 3000)).len(),
        1
    );
}

#[test]
fn mesh_and_sensor_keys_do_not_collide() {
    let mut r = receiver();
    // Dual-role relay 0x30: sensor packet seq 1 and a mesh packet seq 1.
    let ev = r.ingest(&sensor(0x30, 1), GW, T0);
    assert_eq!(sensor_events(&ev).len(), 1);
    let ev = r.ingest(&beacon(0x30, 1, 1, 1, 10), GW, T0 + 10);
    assert!(matches!(ev[0], Event::Mesh { station: 0x30, .. }));
    assert_eq!(r.topology().node(0x30).unwrap().role, Role::Relay);
}

#[test]
fn restart_by_backward_jump() {
    let mut r = receiver();
    for seq in 1000..1100u16 {
        r.ingest(&sensor(11, seq), GW, T0 + i64::from(seq) * 1000);
    }
    let ev = r.ingest(&sensor(11, 0), GW, T0 + 2_000_000);
    assert!(matches!(
        ev[0],
        Event::Restart {
            station: 11,
            sequence: 0,
            reason: RestartReason::BackwardJump { distance: 1099 }
        }
    ));
    assert!(matches!(
        ev[1],
        Event::Sensor {
            outcome: SeqOutcome::Restart(_),
            ..
        }
    ));
    r.ingest(&sensor(11, 1), GW, T0 + 2_001_000);
    let s = *r.station(11).unwrap().sequence_stats();
    assert_eq!((s.received, s.missing, s.restarts), (102, 0, 1));
}

#[test]
fn restart_by_status_restart_count() {
    let mut r = receiver();
    let with_status = |seq: u16, restarts: u16| {
        sensor_with(12, seq, |e| {
            e.add(FieldValue::battery(90, false).unwrap()).unwrap();
            e.tlv(Tlv::status(seq as u32 * 60, 0, restarts, 0).unwrap())
                .unwrap();
        })
    };
    r.ingest(&with_status(20, 4), GW, T0);
    r.ingest(&with_status(21, 4), GW, T0 + 60_000);
    assert_eq!(r.station(12).unwrap().restart_count(), Some(4));
    // Sequence continues (persisted), count goes up: a restart.
    let ev = r.ingest(&with_status(22, 5), GW, T0 + 120_000);
    assert!(matches!(
        ev[0],
        Event::Restart {
            reason: RestartReason::RestartCount {
                previous: 4,
                current: 5
            },
            ..
        }
    ));
    // Small backward jump with a new count: one restart.
    let ev = r.ingest(&with_status(1, 6), GW, T0 + 180_000);
    assert_eq!(count(&ev, |e| matches!(e, Event::Restart { .. })), 1);
    let st = r.station(12).unwrap();
    assert_eq!(st.sequence_stats().restarts, 2);
    assert_eq!(st.status().map(|s| s.restarts), Some(6));
    assert_eq!(st.tlv(tlv::STATUS).map(|t| t.sequence), Some(1));
}

/// A rebooted sensor's boot packet (sequence 0, STATUS with the new
/// restart count) is lost: the restart is detected at sequence 1 (backward
/// jump) and the next STATUS (sequence 9, after a lost 8) carries the new
/// count. One restart, and 8 is missing.
#[test]
fn lost_boot_packet_is_one_restart() {
    let mut r = receiver();
    let with_status = |seq: u16, restarts: u16| {
        sensor_with(14, seq, |e| {
            e.add(FieldValue::battery((seq % 100) as u8, false).unwrap())
                .unwrap();
            e.tlv(Tlv::status(u32::from(seq) * 60, 0, restarts, 0).unwrap())
                .unwrap();
        })
    };
    let ms = |k: i64| T0 + k * 60_000;
    r.ingest(&with_status(4100, 3), GW, ms(0));
    for seq in 4101..=4136u16 {
        r.ingest(&sensor(14, seq), GW, ms(i64::from(seq - 4100)));
    }
    // Reboot; sequence 0 with STATUS 4 is lost.
    let ev = r.ingest(&sensor(14, 1), GW, ms(40));
    assert!(matches!(
        ev[0],
        Event::Restart {
            station: 14,
            sequence: 1,
            reason: RestartReason::BackwardJump { distance: 4135 }
        }
    ));
    for seq in 2..=7u16 {
        r.ingest(&sensor(14, seq), GW, ms(39 + i64::from(seq)));
    }
    // 8 lost; 9 carries STATUS 4.
    let ev = r.ingest(&with_status(9, 4), GW, ms(48));
    assert_eq!(count(&ev, |e| matches!(e, Event::Restart { .. })), 0);
    assert_eq!(
        sensor_events(&ev),
        vec![(
            14,
            9,
            SeqOutcome::Gap {
                first_missing: 8,
                missing: 1
            }
        )]
    );
    let ev = r.ingest(&sensor(14, 10), GW, ms(49));
    assert_eq!(sensor_events(&ev), vec![(14, 10, SeqOutcome::InOrder)]);
    let st = r.station(14).unwrap();
    assert_eq!(st.restart_count(), Some(4));
    assert_eq!(st.status().map(|s| s.restarts), Some(4));
    let s = *st.sequence_stats();
    assert_eq!((s.received, s.missing, s.restarts), (46, 1, 1));
}

#[test]
fn restart_reusing_a_recent_sequence_with_new_content() {
    let mut r = receiver();
    for seq in 0..5u16 {
        r.ingest(&sensor(13, seq), GW, T0 + i64::from(seq) * 1000);
    }
    // Same key {13, 2} as before but other readings: not a copy.
    let reboot = sensor_with(13, 2, |e| {
        e.add(FieldValue::battery(11, true).unwrap()).unwrap();
    });
    let ev = r.ingest(&reboot, GW, T0 + 10_000);
    assert!(matches!(
        ev[0],
        Event::Restart {
            reason: RestartReason::SequenceReused,
            ..
        }
    ));
    assert_eq!(sensor_events(&ev).len(), 1);
    assert_eq!(r.station(13).unwrap().sequence_stats().restarts, 1);
}

#[test]
fn datetime_year_boundary_sent_31_dec_received_1_jan() {
    let mut r = receiver();
    let s = 364 * 86_400 + 23 * 3600 + 59 * 60 + 55; // 2025-12-31T23:59:55Z
    let pkt = sensor_with(20, 1, |e| {
        e.add(FieldValue::datetime(s).unwrap()).unwrap();
    });
    let rx = T0 + 20_000; // 2026-01-01T00:00:20Z
    let ev = r.ingest(&pkt, GW, rx);
    let Some(Event::Sensor {
        resolved_time_ms: Some(t),
        ..
    }) = ev.first()
    else {
        panic!("{ev:?}")
    };
    assert_eq!(
        UtcDateTime::from_unix_ms(*t).to_string(),
        "2025-12-31T23:59:55.000Z"
    );
    assert_eq!(*t, year_start_ms(2025) + i64::from(s) * 1000);
    assert_eq!(r.station(20).unwrap().datetime_ms, Some(*t));
    // The same stamp received mid-December is this year.
    let pkt = sensor_with(20, 2, |e| {
        e.add(FieldValue::datetime(s).unwrap()).unwrap();
    });
    let ev = r.ingest(&pkt, GW, year_start_ms(2025) + 350 * 86_400_000);
    assert!(
        matches!(ev[0], Event::Sensor { resolved_time_ms: Some(x), .. } if x == year_start_ms(2025) + i64::from(s) * 1000)
    );
}

#[test]
fn position_is_cached_across_packets() {
    let mut r = receiver();
    let with_pos = sensor_with(21, 1, |e| {
        e.add(FieldValue::position(59.3346, 18.0632).unwrap())
            .unwrap();
    });
    let ev = r.ingest(&with_pos, GW, T0);
    let Event::Sensor {
        position: Some(p1), ..
    } = &ev[0]
    else {
        panic!()
    };
    assert!(
        (p1.position.latitude - 59.3346).abs() < 1e-4
            && (p1.position.longitude - 18.0632).abs() < 1e-4
    );
    assert_eq!((p1.at_ms, p1.sequence), (T0, 1));
    // A later packet without position carries the cached one.
    let ev = r.ingest(&sensor(21, 2), GW, T0 + 60_000);
    let Event::Sensor {
        position: Some(p2), ..
    } = &ev[0]
    else {
        panic!()
    };
    assert_eq!(p2, p1);
    assert_eq!(r.station(21).unwrap().position, Some(*p1));
    // A station that never sent one has none.
    let ev = r.ingest(&sensor(22, 1), GW, T0);
    assert!(matches!(ev[0], Event::Sensor { position: None, .. }));
}

#[test]
fn latest_values_and_tlvs() {
    let mut r = receiver();
    let p1 = sensor_with(30, 1, |e| {
        e.add(FieldValue::battery(50, false).unwrap()).unwrap();
        e.add(FieldValue::clouds(3).unwrap()).unwrap();
        e.tlv(Tlv::version(&[("FW", "142"), ("HW", "3")], false).unwrap())
            .unwrap();
        e.tlv(Tlv::config(&[("INT", "60")], false).unwrap())
            .unwrap();
        e.tlv(Tlv::health(30, 3300, 1000, 600).unwrap()).unwrap();
        e.tlv(Tlv::diagnostic("BOOT OK", false).unwrap()).unwrap();
    });
    r.ingest(&p1, GW, T0);
    let p2 = sensor_with(30, 2, |e| {
        e.add(FieldValue::battery(49, false).unwrap()).unwrap();
        e.tlv(Tlv::health(31, 3290, 990, 1200).unwrap()).unwrap();
        e.tlv(Tlv::userdata("BUTTON", false).unwrap()).unwrap();
        e.tlv(Tlv::raw(20, vec![1, 2, 3]).unwrap()).unwrap();
    });
    r.ingest(&p2, GW, T0 + 1000);
    let st = r.station(30).unwrap();
    let battery = st.field("battery").unwrap();
    assert_eq!(
        (battery.sequence, battery.at_ms, battery.slot),
        (2, T0 + 1000, 0)
    );
    assert_eq!(battery.value, FieldValue::battery(49, false).unwrap());
    assert_eq!(st.field("clouds").unwrap().sequence, 1); // kept from packet 1
    assert_eq!(st.fields.len(), 2);
    assert_eq!(st.tlv(tlv::VERSION).unwrap().sequence, 1);
    assert_eq!(st.tlv(tlv::CONFIG).unwrap().sequence, 1);
    assert_eq!(st.tlv(tlv::HEALTH).unwrap().sequence, 2);
    assert_eq!(
        st.tlv(20).unwrap().tlv,
        Tlv::raw(20, vec![1, 2, 3]).unwrap()
    );
    assert!(st.tlv(tlv::DIAGNOSTIC).is_none());
    let types: Vec<u8> = st.tlvs.iter().map(|t| t.tlv.ty).collect();
    assert_eq!(types, vec![tlv::VERSION, tlv::HEALTH, tlv::CONFIG, 20]);
    let msgs: Vec<(u8, u16)> = st.messages.iter().map(|m| (m.tlv.ty, m.sequence)).collect();
    assert_eq!(msgs, vec![(tlv::DIAGNOSTIC, 1), (tlv::USERDATA, 2)]);
}

#[test]
fn diagnostic_list_is_bounded() {
    let mut r = receiver();
    for seq in 0..(station::MAX_MESSAGES_PER_STATION as u16 + 10) {
        let p = sensor_with(31, seq, |e| {
            e.add(FieldValue::battery(50, false).unwrap()).unwrap();
            e.tlv(Tlv::diagnostic(&format!("E{seq}"), false).unwrap())
                .unwrap();
        });
        r.ingest(&p, GW, T0 + i64::from(seq));
    }
    let st = r.station(31).unwrap();
    assert_eq!(st.messages.len(), station::MAX_MESSAGES_PER_STATION);
    assert_eq!(st.messages.front().map(|m| m.sequence), Some(10));
    assert_eq!(st.messages.back().map(|m| m.sequence), Some(59));
}

#[test]
fn labels_follow_the_variant_map() {
    use crate::variant::{SlotDef, VariantDef};
    let slots = vec![
        Some(SlotDef {
            ty: FieldType::Battery,
            label: "batt".into(),
        }),
        Some(SlotDef {
            ty: FieldType::Depth,
            label: "snow_depth".into(),
        }),
        Some(SlotDef {
            ty: FieldType::Depth,
            label: "soil_depth".into(),
        }),
    ];
    let custom = VariantMap::from_defs(
        "soil",
        vec![VariantDef {
            id: 3,
            name: "soil".into(),
            num_pres_bytes: 1,
            slots,
        }],
    )
    .unwrap();
    let mut e = Encoder::new(&custom, 3, 50, 1).unwrap();
    e.set("snow_depth", FieldValue::depth(120).unwrap())
        .unwrap();
    e.set("soil_depth", FieldValue::depth(30).unwrap()).unwrap();
    let frame = e.finish().unwrap();
    let mut r = Receiver::new(custom, ReceiverConfig::default());
    r.ingest(&frame, GW, T0);
    let st = r.station(50).unwrap();
    assert_eq!(st.variant, 3);
    assert_eq!(
        st.field("snow_depth").unwrap().value,
        FieldValue::depth(120).unwrap()
    );
    assert_eq!(
        st.field("soil_depth").unwrap().value,
        FieldValue::depth(30).unwrap()
    );
    assert!(st.field("batt").is_none());
}

#[test]
fn lenient_decoding_by_default_and_strict_on_request() {
    // Variant 5 is not in the default map.
    let mut frame = sensor(60, 1);
    frame[0] = (5 << 4) | (frame[0] & 0x0F);
    let mut r = receiver();
    let ev = r.ingest(&frame, GW, T0);
    let Event::Sensor { packet, .. } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert!(packet.unknown_variant());
    assert_eq!(
        r.station(60).unwrap().field("battery").map(|f| f.sequence),
        Some(1)
    );
    let mut strict = Receiver::new(
        map(),
        ReceiverConfig {
            decode: DecodeOptions::STRICT,
            ..ReceiverConfig::default()
        },
    );
    let ev = strict.ingest(&frame, GW, T0);
    assert!(
        matches!(&ev[0], Event::Error { station: Some(60), error, .. } if error.kind() == "variant_unknown")
    );
    assert_eq!(strict.stats().errors, 1);
}

#[test]
fn orphan_then_reparent() {
    let mut r = receiver();
    r.ingest(&beacon(1, 1, 1, 0, 100), GW, T0);
    r.ingest(&report(0x10, 5, 1, 1, 1, &[(1, 0, -70)]), GW, T0 + 1000);
    r.ingest(
        &report(0x11, 5, 0x10, 2, 1, &[(0x10, 1, -80), (0x12, 1, -95)]),
        GW,
        T0 + 1000,
    );
    let n = r.topology().node(0x11).unwrap();
    assert_eq!(
        (n.parent, n.cost, n.gateway_id, n.orphan),
        (Some(0x10), Some(2), Some(1), false)
    );
    // 0x10 loses its uplink.
    let ev = r.ingest(&route_error(0x10, 6, REASON_PARENT_LOST), GW, T0 + 2000);
    assert!(matches!(ev.last(), Some(Event::TopologyChanged { .. })));
    let n = r.topology().node(0x10).unwrap();
    assert!(n.orphan && n.parent.is_none());
    assert_eq!(n.route_error.map(|e| e.reason_name), Some("parent_lost"));
    assert_eq!(
        r.topology().orphans().map(|n| n.id).collect::<Vec<_>>(),
        vec![0x10]
    );
    // A late NEIGHBOUR_REPORT sent before the ROUTE_ERROR does not undo it.
    r.ingest(&report(0x10, 4, 1, 1, 1, &[]), GW, T0 + 2500);
    let n = r.topology().node(0x10).unwrap();
    assert!(n.orphan && n.parent.is_none() && n.stale_reports == 1);
    // The child reports itself orphaned (parent 0xFFF), without a reason.
    r.ingest(&report(0x11, 6, PARENT_NONE, 255, 1, &[]), GW, T0 + 3000);
    let n = r.topology().node(0x11).unwrap();
    assert!(n.orphan && n.parent.is_none() && n.route_error.is_none());
    // Both re-parent: the child to 0x12, 0x10 back to the gateway.
    r.ingest(
        &report(0x11, 7, 0x12, 2, 1, &[(0x12, 1, -90)]),
        GW,
        T0 + 4000,
    );
    r.ingest(&report(0x10, 7, 1, 1, 1, &[(1, 0, -72)]), GW, T0 + 4000);
    assert_eq!(r.topology().orphans().count(), 0);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!((n.parent, n.route_error), (Some(1), None));
    assert_eq!(r.topology().node(0x11).unwrap().parent, Some(0x12));
    let parents: Vec<(u16, u16)> = r
        .edges()
        .iter()
        .filter(|e| e.kind == EdgeKind::Parent)
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(parents, vec![(0x10, 1), (0x11, 0x12)]);
    // Other reasons are recorded by name.
    r.ingest(&route_error(0x12, 1, REASON_OVERLOADED), GW, T0 + 5000);
    r.ingest(&route_error(0x13, 1, 9), GW, T0 + 5000);
    assert_eq!(
        r.topology()
            .node(0x12)
            .unwrap()
            .route_error
            .map(|e| e.reason_name),
        Some("overloaded")
    );
    assert_eq!(
        r.topology()
            .node(0x13)
            .unwrap()
            .route_error
            .map(|e| e.reason_name),
        Some("reserved")
    );
}

#[test]
fn two_gateways_with_separate_trees() {
    let mut r = receiver();
    let g1 = "iotdata/raw/0001";
    let g2 = "iotdata/raw/0002";
    // Gateway beacons and one relay per tree rebroadcasting.
    r.ingest(&beacon(1, 1, 1, 0, 7), g2, T0);
    r.ingest(&beacon(2, 1, 2, 0, 300), g1, T0);
    r.ingest(&beacon(0x10, 1, 1, 1, 7), g1, T0 + 1000);
    r.ingest(&beacon(0x20, 1, 2, 1, 300), g2, T0 + 1000);
    r.ingest(&beacon(0x21, 1, 2, 2, 300), g2, T0 + 2000);
    r.ingest(
        &report(0x21, 2, 0x20, 2, 2, &[(0x20, 1, -85), (0x10, 1, -110)]),
        g2,
        T0 + 3000,
    );
    // Sensors: 0x100 heard directly at gateway 1, 0x200 forwarded by 0x21.
    r.ingest(&sensor(0x100, 1), g1, T0 + 4000);
    r.ingest(
        &forward(0x20, 2, &forward(0x21, 2, &sensor(0x200, 1))),
        g2,
        T0 + 4000,
    );
    let t = r.topology();
    assert_eq!(t.gateways().map(|n| n.id).collect::<Vec<_>>(), vec![1, 2]);
    let tree = |g| t.members(g).map(|n| n.id).collect::<Vec<_>>();
    assert_eq!(tree(1), vec![0x10, 0x100]);
    assert_eq!(tree(2), vec![0x20, 0x21, 0x200]);
    assert_eq!(t.node(0x21).unwrap().cost, Some(2));
    assert_eq!(t.node(0x200).unwrap().attached_to, Some(0x21));
    assert_eq!(t.node(0x100).unwrap().attached_to, Some(1));
    assert_eq!(
        (
            t.node(0x20).unwrap().forwarded,
            t.node(0x21).unwrap().forwarded
        ),
        (1, 1)
    );
    assert_eq!(t.node(1).unwrap().generation, Some(7));
    assert_eq!(t.node(2).unwrap().generation, Some(300));
    assert_eq!(t.node(1).unwrap().accepting(), Some(true));
    // Gateways heard each other's beacons (each via the other's source).
    assert_eq!(
        t.node(1)
            .unwrap()
            .via
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        vec![2]
    );
    // Sources.
    let srcs: Vec<(&str, Option<u16>, u64)> = r
        .sources()
        .iter()
        .map(|s| (&*s.name, s.gateway_id, s.frames))
        .collect();
    assert_eq!(srcs, vec![(g2, Some(2), 5), (g1, Some(1), 3)]);
    assert!(r.sources()[0].heard(0x200) && !r.sources()[0].heard(0x100));
    // Deterministic edge list: by from-id, then parent, neighbours, via.
    let edges = r.edges();
    let keys: Vec<(u16, EdgeKind, u16)> = edges.iter().map(|e| (e.from, e.kind, e.to)).collect();
    let mut sorted = keys.clone();
    sorted.sort_by_key(|&(f, k, to)| (f, k, to));
    assert_eq!(keys, sorted);
    assert!(keys.contains(&(0x21, EdgeKind::Parent, 0x20)));
    assert!(keys.contains(&(0x21, EdgeKind::Neighbour, 0x10)));
    assert!(keys.contains(&(0x200, EdgeKind::Via, 0x21)));
    let nb = edges
        .iter()
        .find(|e| e.kind == EdgeKind::Neighbour && e.to == 0x10)
        .unwrap();
    assert_eq!(
        (nb.cost, nb.rssi_dbm, nb.last_ms),
        (Some(1), Some(-110), T0 + 3000)
    );
    assert_eq!(r.edges(), edges);
}

#[test]
fn forward_of_a_neighbour_report_is_attributed_to_the_inner_relay() {
    let mut r = receiver();
    let inner = report(0x31, 40, 0x30, 2, 1, &[(0x30, 1, -75), (0x32, 2, -100)]);
    let ev = r.ingest(&forward(0x30, 900, &inner), GW, T0);
    let mesh_events: Vec<(u16, Option<u16>, &str)> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Mesh {
                station,
                via,
                packet,
                ..
            } => Some((*station, *via, packet.ctrl_name())),
            _ => None,
        })
        .collect();
    assert_eq!(
        mesh_events,
        vec![
            (0x30, None, "FORWARD"),
            (0x31, Some(0x30), "NEIGHBOUR_REPORT")
        ]
    );
    assert!(matches!(ev.last(), Some(Event::TopologyChanged { .. })));
    assert_eq!(
        count(&ev, |e| matches!(e, Event::TopologyChanged { .. })),
        1
    );
    let t = r.topology();
    let relay = t.node(0x31).unwrap();
    assert_eq!(
        (relay.parent, relay.cost, relay.gateway_id),
        (Some(0x30), Some(2), Some(1))
    );
    assert_eq!(relay.neighbours.len(), 2);
    assert_eq!(relay.forwarded, 0);
    assert_eq!(
        relay.ctrl_counts[usize::from(crate::mesh::CTRL_NEIGHBOUR_REPORT)],
        1
    );
    let outer = t.node(0x30).unwrap();
    assert_eq!(outer.forwarded, 1);
    assert_eq!(outer.role, Role::Relay);
    assert!(outer.parent.is_none());
    assert_eq!(t.node(0x32).unwrap().role, Role::Relay);
    assert_eq!(t.node(0x32).unwrap().last_heard_ms, None); // only mentioned
    assert_eq!(t.node(1).unwrap().role, Role::Gateway);
    assert_eq!(r.stats().forwards_unwrapped, 1);
    // The same FORWARD heard by a second gateway: copies, forwarded not recounted.
    let ev = r.ingest(&forward(0x30, 900, &inner), "iotdata/raw/0002", T0 + 100);
    assert_eq!(count(&ev, is_dup), 2);
    assert!(ev.iter().all(|e| !matches!(e, Event::Mesh { .. })));
    assert_eq!(r.topology().node(0x30).unwrap().forwarded, 1);
    assert_eq!(r.topology().node(0x31).unwrap().duplicates, 1);
    // The report heard directly as well: a copy.
    let ev = r.ingest(&inner, GW, T0 + 200);
    assert!(matches!(
        ev[0],
        Event::Duplicate {
            station: 0x31,
            mesh: true,
            ..
        }
    ));
}

#[test]
fn reserved_ctrl_type_ping_pong_and_ack_are_recorded() {
    let mut r = receiver();
    let unknown = mesh(
        0x40,
        1,
        MeshBody::Unknown {
            ctrl_type: 9,
            payload: vec![0x95, 0xAA, 0xBB],
        },
    );
    let ev = r.ingest(&unknown, GW, T0);
    assert!(matches!(&ev[0], Event::Mesh { packet, .. } if packet.ctrl_type() == 9));
    r.ingest(
        &mesh(
            0x41,
            1,
            MeshBody::Ack {
                fwd_station: 0x40,
                fwd_seq: 1,
            },
        ),
        GW,
        T0 + 1,
    );
    r.ingest(
        &mesh(
            1,
            2,
            MeshBody::Ping {
                target_id: 0x40,
                ttl: 3,
                ping_id: 7,
            },
        ),
        GW,
        T0 + 2,
    );
    r.ingest(
        &mesh(
            0x40,
            2,
            MeshBody::Pong {
                gateway_id: 1,
                relays: 1,
                ping_id: 7,
            },
        ),
        GW,
        T0 + 3,
    );
    // A reserved type inside a FORWARD, too.
    r.ingest(&forward(0x41, 2, &unknown[..]), GW, T0 + 4);
    let t = r.topology();
    let n = t.node(0x40).unwrap();
    assert_eq!(
        (n.role, n.last_heard_ms, n.mesh_packets),
        (Role::Relay, Some(T0 + 4), 2)
    );
    assert_eq!(
        (
            n.ctrl_counts[9],
            n.ctrl_counts[usize::from(crate::mesh::CTRL_PONG)]
        ),
        (1, 1)
    );
    assert_eq!(n.duplicates, 1); // the forwarded copy of the reserved packet
    assert_eq!(
        t.node(0x41).unwrap().ctrl_counts[usize::from(crate::mesh::CTRL_ACK)],
        1
    );
    // Gateway 1 sent a PING: it is a gateway (its source says so), not demoted.
    assert_eq!(t.node(1).unwrap().role, Role::Gateway);
    assert!(n.parent.is_none() && !n.orphan);
    assert_eq!(r.stats().errors, 0);
}

#[test]
fn stale_beacons_do_not_override() {
    let mut r = receiver();
    r.ingest(&beacon(1, 1, 1, 0, 4094), GW, T0);
    r.ingest(&beacon(0x10, 1, 1, 2, 4094), GW, T0 + 1);
    assert_eq!(r.topology().node(0x10).unwrap().cost, Some(2));
    // Same round, better cost: applied. Same round, worse: stale.
    r.ingest(&beacon(0x10, 2, 1, 1, 4094), GW, T0 + 2);
    r.ingest(&beacon(0x10, 3, 1, 3, 4094), GW, T0 + 3);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!((n.cost, n.stale_reports), (Some(1), 1));
    // Newer round across the 12-bit wrap (4094 -> 1): applied even if worse.
    r.ingest(&beacon(0x10, 4, 1, 4, 1), GW, T0 + 4);
    assert_eq!(r.topology().node(0x10).unwrap().cost, Some(4));
    assert_eq!(r.topology().node(0x10).unwrap().generation, Some(1));
    assert_eq!(r.topology().node(1).unwrap().generation, Some(1));
    // A late beacon of the old round: stale.
    r.ingest(&beacon(0x10, 5, 1, 1, 4095), GW, T0 + 5);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!((n.cost, n.stale_reports), (Some(4), 2));
    // Switching to another tree with a current round: applied; with a round
    // older than that tree's newest: stale.
    r.ingest(&beacon(2, 1, 2, 0, 50), "iotdata/raw/0002", T0 + 6);
    r.ingest(&beacon(0x11, 1, 2, 1, 49), GW, T0 + 7);
    assert_eq!(r.topology().node(0x11).unwrap().stale_reports, 1);
    assert_eq!(r.topology().node(0x11).unwrap().gateway_id, None);
    r.ingest(&beacon(0x10, 6, 2, 1, 50), GW, T0 + 8);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!((n.gateway_id, n.cost), (Some(2), Some(1)));
    // The gateway's own old round does not regress its state.
    r.ingest(&beacon(2, 2, 2, 0, 40), "iotdata/raw/0002", T0 + 9);
    let g = r.topology().node(2).unwrap();
    assert_eq!(
        (
            g.generation,
            g.beacon.map(|b| b.generation),
            g.stale_reports
        ),
        (Some(50), Some(50), 1)
    );
}

#[test]
fn neighbours_merge_expire_and_stay_bounded() {
    let mut r = receiver();
    r.ingest(
        &report(0x50, 1, 1, 1, 1, &[(1, 0, -60), (0x51, 2, -90)]),
        GW,
        T0,
    );
    // A later report without 0x51: kept (not yet expired), 1 refreshed.
    r.ingest(&report(0x50, 2, 1, 1, 1, &[(1, 0, -65)]), GW, T0 + 60_000);
    let n = r.topology().node(0x50).unwrap();
    let nbs: Vec<(u16, i32, i64)> = n
        .neighbours
        .iter()
        .map(|l| (l.id, l.rssi_dbm, l.last_ms))
        .collect();
    assert_eq!(nbs, vec![(1, -65, T0 + 60_000), (0x51, -90, T0)]);
    // After the expiry 0x51 goes.
    let rev = r.topology().revision();
    let ev = r.ingest(&report(0x50, 3, 1, 1, 1, &[(1, 0, -65)]), GW, T0 + 400_000);
    assert_eq!(r.topology().node(0x50).unwrap().neighbours.len(), 1);
    assert!(r.topology().revision() > rev);
    assert!(matches!(ev.last(), Some(Event::TopologyChanged { .. })));
    // Same report again (new sequence, same content): no structural change.
    let ev = r.ingest(&report(0x50, 4, 1, 1, 1, &[(1, 0, -70)]), GW, T0 + 401_000);
    assert_eq!(
        count(&ev, |e| matches!(e, Event::TopologyChanged { .. })),
        0
    );
    // Many reports with different neighbours: at most 63 kept.
    for k in 0..5u16 {
        let nbs: Vec<(u16, u8, i32)> = (0..63).map(|i| (0x100 + k * 63 + i, 2, -100)).collect();
        r.ingest(
            &report(0x50, 10 + k, 1, 1, 1, &nbs),
            GW,
            T0 + 402_000 + i64::from(k),
        );
    }
    let n = r.topology().node(0x50).unwrap();
    assert_eq!(n.neighbours.len(), topology::MAX_NEIGHBOURS_PER_NODE);
    assert!(n.neighbours.iter().all(|l| l.id >= 0x100 + 4 * 63));
}

#[test]
fn station_bound_4096_ids_and_a_lower_limit() {
    let mut r = receiver();
    let mut out = Vec::new();
    for id in 0..4096u16 {
        r.ingest_into(&sensor(id, 1), GW, T0, &mut out);
    }
    assert_eq!(r.station_count(), MAX_STATIONS);
    assert_eq!(r.stations().count(), 4096);
    assert_eq!(r.topology().len(), topology::MAX_NODES);
    assert_eq!(r.sources()[0].stations_heard(), 4096);
    assert_eq!(r.stats().untracked_packets, 0);
    // With a limit of 8, the 9th station is passed through untracked.
    let mut r = Receiver::new(
        map(),
        ReceiverConfig {
            max_stations: 8,
            ..ReceiverConfig::default()
        },
    );
    for id in 0..10u16 {
        r.ingest(&sensor(id, 1), GW, T0);
    }
    let ev = r.ingest(&sensor(9, 2), GW, T0 + 1);
    assert_eq!(sensor_events(&ev), vec![(9, 2, SeqOutcome::Untracked)]);
    assert_eq!(r.station_count(), 8);
    assert!(r.station(9).is_none());
    assert_eq!(r.stats().untracked_packets, 3);
    // Copies of untracked stations are still suppressed by the ring.
    assert!(is_dup(&r.ingest(&sensor(9, 2), GW, T0 + 2)[0]));
}

#[test]
fn sources_beyond_the_limit_share_the_overflow_entry() {
    let mut r = Receiver::new(
        map(),
        ReceiverConfig {
            max_sources: 2,
            ..ReceiverConfig::default()
        },
    );
    r.ingest(&sensor(1, 1), "a", T0);
    r.ingest(&sensor(1, 2), "b", T0);
    let ev = r.ingest(&sensor(1, 3), "iotdata/raw/0ABC", T0);
    assert!(matches!(&ev[0], Event::Sensor { source, .. } if &**source == "iotdata/raw/0ABC"));
    assert_eq!(r.sources().len(), 2);
    assert_eq!(r.stats().overflow_source_frames, 1);
    assert_eq!(r.overflow_source().frames, 1);
    assert_eq!(
        r.station(1).unwrap().paths.last().map(|p| p.source),
        Some(SourceId::OVERFLOW)
    );
    assert_eq!(r.source_name(SourceId::OVERFLOW), "(overflow)");
    // Its gateway id is still used.
    assert_eq!(
        r.topology().node(0xABC).map(|n| n.role),
        Some(Role::Gateway)
    );
    // Long names are truncated before interning.
    let long = "x".repeat(1000);
    let mut r = receiver();
    r.ingest(&sensor(1, 1), &long, T0);
    assert_eq!(r.sources()[0].name.len(), MAX_SOURCE_NAME_BYTES);
    let multibyte = "é".repeat(200); // 400 bytes
    r.ingest(&sensor(1, 2), &multibyte, T0);
    assert_eq!(r.sources()[1].name.len(), MAX_SOURCE_NAME_BYTES);
}

#[test]
fn garbage_never_panics_and_never_stops_ingestion() {
    let mut r = receiver();
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0xF0, 0x01],
        vec![0x00, 0x01, 0x00, 0x02],
        vec![0xF0, 0x01, 0x00, 0x02, 0x10], // FORWARD, truncated
        vec![0xF0, 0x01, 0x00, 0x02, 0x40, 0x00], // NEIGHBOUR_REPORT, truncated
        vec![0xFF; 300],
        vec![0xA5; MAX_FRAME_BYTES + 1],
        forward(5, 1, &[0x00, 0x07, 0x00, 0x01]), // inner too short to decode
    ];
    for (i, f) in inputs.iter().enumerate() {
        let _ = r.ingest(f, GW, T0 + i as i64);
    }
    assert!(r.stats().errors >= 6, "{:?}", r.stats());
    let ev = r.ingest(&[], GW, T0);
    assert!(
        matches!(&ev[0], Event::Error { error, bytes_len: 0, station: None, .. } if error.kind() == "short")
    );
    let ev = r.ingest(&vec![0u8; MAX_FRAME_BYTES + 1], GW, T0);
    assert!(matches!(&ev[0], Event::Error { error, .. } if error.kind() == "malformed"));
    // An inner error names the relay.
    let ev = r.ingest(&forward(6, 1, &[0x00, 0x08, 0x00, 0x01]), GW, T0);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Error {
            via: Some(6),
            station: Some(8),
            ..
        }
    )));
    // FORWARD nesting beyond the limit is an error, not a recursion.
    let mut f = sensor(9, 1);
    for k in 0..(MAX_FORWARD_DEPTH as u16 + 3) {
        f = forward(0x60 + k, 1, &f);
    }
    let ev = r.ingest(&f, GW, T0);
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::Error { error, .. } if error.kind() == "malformed")));
    assert!(sensor_events(&ev).is_empty());
    // Still works afterwards.
    assert_eq!(sensor_events(&r.ingest(&sensor(100, 1), GW, T0)).len(), 1);
    // Extreme times.
    for t in [i64::MIN, -1, 0, i64::MAX] {
        r.ingest(&sensor(101, (t & 0xFFFF) as u16), GW, t);
        r.ingest(
            &report(0x70, (t & 0xFF) as u16, 1, 1, 1, &[(1, 0, -60)]),
            GW,
            t,
        );
        let _ = r.station(101).unwrap().is_stale(t);
    }
}

#[test]
fn ingest_variants_agree() {
    let frames: Vec<Vec<u8>> = vec![
        beacon(1, 1, 1, 0, 5),
        sensor(10, 1),
        forward(0x10, 1, &sensor(10, 2)),
        forward(0x10, 2, &report(0x11, 1, 0x10, 2, 1, &[(0x10, 1, -80)])),
        sensor(10, 1),
        sensor(10, 4),
        vec![1, 2],
    ];
    let m = map();
    let mut a = receiver();
    let mut b = receiver();
    let mut c = receiver();
    for (i, f) in frames.iter().enumerate() {
        let t = T0 + i as i64 * 1000;
        let ea = a.ingest(f, GW, t);
        let mut eb = Vec::new();
        b.ingest_decoded(
            f,
            decode_frame(f, &m, DecodeOptions::LENIENT),
            GW,
            t,
            &mut eb,
        );
        assert_eq!(ea, eb);
        if let Ok(frame) = decode_frame(f, &m, DecodeOptions::LENIENT) {
            let mut ec = Vec::new();
            c.ingest_frame(frame, GW, t, &mut ec);
            assert_eq!(ea, ec);
        } else {
            c.ingest_into(f, GW, t, &mut Vec::new());
        }
    }
    assert_eq!(a.topology(), b.topology());
    assert_eq!(a.topology(), c.topology());
    assert_eq!(a.stats().sensor_packets, 3);
}

#[test]
fn topology_changed_only_on_structure() {
    let mut r = receiver();
    let ev = r.ingest(&sensor(5, 1), GW, T0);
    assert!(matches!(ev.last(), Some(Event::TopologyChanged { .. })));
    // Same path, next packet: only times and counters change.
    let ev = r.ingest(&sensor(5, 2), GW, T0 + 1000);
    assert_eq!(
        count(&ev, |e| matches!(e, Event::TopologyChanged { .. })),
        0
    );
    // A new path is structural.
    let ev = r.ingest(&forward(0x10, 1, &sensor(5, 3)), GW, T0 + 2000);
    let Some(Event::TopologyChanged { revision }) = ev.last() else {
        panic!("{ev:?}")
    };
    assert_eq!(*revision, r.topology().revision());
}

#[test]
fn staleness_uses_the_median_interval() {
    let mut r = receiver();
    for (seq, t) in [
        (1u16, 0i64),
        (2, 30_000),
        (3, 60_000),
        (5, 120_000),
        (6, 150_000),
    ] {
        r.ingest(&sensor(77, seq), GW, T0 + t);
    }
    let st = r.station(77).unwrap();
    assert_eq!(st.interval_ms(), Some(30_000));
    assert!(!st.is_stale(T0 + 150_000 + 90_000));
    assert!(st.is_stale(T0 + 150_000 + 90_001));
    assert_eq!(st.last_heard_ms, T0 + 150_000);
}

#[test]
fn clear_forgets_everything() {
    let mut r = receiver();
    r.ingest(&sensor(5, 1), GW, T0);
    let rev = r.topology().revision();
    r.clear();
    assert_eq!(
        (r.station_count(), r.topology().len(), r.sources().len()),
        (0, 0, 0)
    );
    assert!(r.topology().revision() > rev);
    assert_eq!(
        sensor_events(&r.ingest(&sensor(5, 1), GW, T0)),
        vec![(5, 1, SeqOutcome::First)]
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_frames_never_panic(frames in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..80), any::<bool>(), 0u8..4, any::<i64>()), 0..40)) {
            let mut r = receiver();
            let mut out = Vec::new();
            for (mut f, mesh, src, t) in frames {
                if mesh {
                    if let Some(b) = f.first_mut() { *b |= 0xF0; }
                }
                r.ingest_into(&f, &format!("s/{src:04X}"), t, &mut out);
            }
            for st in r.stations() {
                let s = st.sequence_stats();
                prop_assert!(s.received >= 1);
                prop_assert!(st.loss_pct().is_some_and(|l| (0.0..=100.0).contains(&l)));
            }
            let _ = r.edges();
        }

        #[test]
        fn received_plus_duplicates_is_every_sensor_arrival(
            seqs in proptest::collection::vec((0u16..40, any::<bool>()), 1..120)) {
            // One station, sequences in a small range, some copies via a relay.
            let mut r = receiver();
            let mut arrivals = 0u64;
            for (i, (seq, relayed)) in seqs.into_iter().enumerate() {
                let p = sensor(3, seq);
                let f = if relayed { forward(0x10, i as u16, &p) } else { p };
                r.ingest(&f, GW, T0 + i as i64 * 1000);
                arrivals += 1;
            }
            let s = *r.station(3).unwrap().sequence_stats();
            prop_assert_eq!(s.received + s.duplicates, arrivals);
            prop_assert_eq!(s.restarts, 0);
        }
    }
}

#[test]
fn a_restarted_relay_is_not_stale_forever() {
    let mut r = receiver();
    r.ingest(&report(0x10, 200, 1, 1, 1, &[]), GW, T0);
    r.ingest(&route_error(0x10, 201, REASON_PARENT_LOST), GW, T0 + 1000);
    // Restarted (mesh sequence back to 3) and re-attached 10 minutes later.
    r.ingest(&report(0x10, 3, 0x11, 2, 1, &[]), GW, T0 + 601_000);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!(
        (n.parent, n.orphan, n.stale_reports),
        (Some(0x11), false, 0)
    );
    // Within the reorder time an older report is stale.
    r.ingest(&report(0x10, 2, PARENT_NONE, 2, 1, &[]), GW, T0 + 602_000);
    let n = r.topology().node(0x10).unwrap();
    assert_eq!(
        (n.parent, n.orphan, n.stale_reports),
        (Some(0x11), false, 1)
    );
}

#[test]
fn a_late_arrival_does_not_override_newer_values() {
    let mut r = receiver();
    let pos = |seq: u16, lat: f64, batt: u8| {
        sensor_with(14, seq, |e| {
            e.add(FieldValue::battery(batt, false).unwrap()).unwrap();
            e.add(FieldValue::position(lat, 10.0).unwrap()).unwrap();
            e.tlv(Tlv::status(60, 0, 1, 0).unwrap()).unwrap();
        })
    };
    r.ingest(&pos(1, 50.0, 90), GW, T0);
    r.ingest(&pos(3, 52.0, 80), GW, T0 + 2000);
    // Sequence 2 arrives last (slow path): it is data, but older.
    let ev = r.ingest(&pos(2, 51.0, 85), GW, T0 + 2500);
    assert_eq!(
        sensor_events(&ev),
        vec![(14, 2, SeqOutcome::Late { filled: true })]
    );
    let st = r.station(14).unwrap();
    assert_eq!(st.position.map(|p| p.sequence), Some(3));
    assert_eq!(st.field("battery").map(|f| f.sequence), Some(3));
    assert_eq!(st.tlv(tlv::STATUS).map(|t| t.sequence), Some(3));
    assert_eq!(st.sequence_stats().missing, 0);
}

#[test]
fn orphan_report_with_no_gateway_creates_no_phantom_gateway() {
    let mut r = receiver();
    r.ingest(&beacon(1, 1, 1, 0, 100), GW, T0);
    // An orphaned relay reports parent 0xFFF and gateway 0xFFF ("none").
    r.ingest(
        &report(
            0x10,
            5,
            0xFFF,
            0xFF,
            0xFFF,
            &[(0xFFF, 1, -90), (0x11, 2, -80)],
        ),
        GW,
        T0 + 1000,
    );
    let gateways: Vec<u16> = r.topology().gateways().map(|n| n.id).collect();
    assert_eq!(gateways, vec![1]);
    assert!(r.topology().node(0xFFF).is_none());
    let n = r.topology().node(0x10).unwrap();
    assert!(n.orphan);
    assert_eq!(n.gateway_id, None);
    assert_eq!(
        n.neighbours.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![0x11]
    );
}

#[test]
fn restore_figures_puts_back_saved_totals() {
    let mut rx = receiver();
    rx.ingest(&sensor(7, 10), GW, T0);
    rx.ingest(&sensor(7, 11), GW, T0 + 60_000);
    let saved = SeqStats {
        received: 500,
        missing: 5,
        duplicates: 3,
        out_of_order: 2,
        restarts: 1,
    };
    assert!(rx.restore_figures(7, T0 - 86_400_000, saved, 4));
    let st = rx.station(7).unwrap();
    assert_eq!(*st.sequence_stats(), saved);
    assert_eq!(st.first_heard_ms, T0 - 86_400_000);
    assert_eq!(st.decode_errors, 4);
    assert_eq!(st.last_sequence(), Some(11));
    // A later first-heard time does not move it forward; unknown stations
    // are refused.
    assert!(rx.restore_figures(7, T0 + 1, saved, 0));
    assert_eq!(rx.station(7).unwrap().first_heard_ms, T0 - 86_400_000);
    assert!(!rx.restore_figures(8, T0, saved, 0));
    // Counting goes on from the restored totals.
    rx.ingest(&sensor(7, 12), GW, T0 + 120_000);
    assert_eq!(rx.station(7).unwrap().sequence_stats().received, 501);
}

//! Pure-logic tests of the dashboard pipeline: MQTT framing over WebSocket
//! frames, payload classification, backoff schedule, settings parsing (the
//! store: tests/store.rs).
//!
//! They run in headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown`, with scripts/env.sh sourced) and natively
//! (`cargo test -p iotdata-web`).

use iotdata::hex::decode as parse_hex;
use iotdata_web::connection::{
    backoff_delay_ms, explain_close, plan, Backoff, CloseInfo, Delivery, End, Progress,
    BACKOFF_MAX_MS, HEALTHY_AFTER_MS,
};
use iotdata_web::decode::{decode_incoming, EntryKind, Failure, Incoming};
mod common;

use common::mqtt::{
    encode_connack, encode_connack_v5, encode_disconnect_v5, encode_publish, encode_publish_v5,
    encode_suback, encode_suback_v5,
};
use iotdata_web::mqtt::{
    ClientOptions, Event, MqttClient, MqttVersion, OptionsError, Output, Oversize, Poll,
    DEAD_CONNECTION_DEFAULT_SECS, MAX_PACKET_BYTES, OVERSIZE_TOPIC_BYTES, SUBACK_TIMEOUT_MS,
};
use iotdata_web::payload::{classify, FrameKind, FrameSource, Payload};
use iotdata_web::settings::{check_broker_url, parse_query, Settings, DEFAULT_TOPIC};
use iotdata_web::store::{LogEntry, Store};
// In the browser these are wasm-bindgen tests; natively, plain #[test]s.
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn map() -> iotdata::VariantMap {
    iotdata::VariantMap::default_map()
}

/// The packet-log entry the store makes of one message on `topic`.
fn logged(topic: &str, payload: &[u8]) -> LogEntry {
    let mut s = Store::new();
    s.ingest(0.0, topic, payload);
    let entry = s.log().next().cloned();
    entry.expect("one log entry")
}

// ---- MQTT framing ------------------------------------------------------------

fn session(topics: &[&str]) -> MqttClient {
    session_v(MqttVersion::V311, topics).0
}

/// A session of `version` that has sent CONNECT; returns it and the CONNECT.
fn session_v(version: MqttVersion, topics: &[&str]) -> (MqttClient, Vec<u8>) {
    let mut c = MqttClient::new(ClientOptions {
        client_id: "test-client".into(),
        keep_alive_secs: 30,
        username: None,
        password: None,
        topics: topics.iter().map(|s| s.to_string()).collect(),
        version,
    })
    .unwrap();
    let connect = c.connect(0.0);
    assert_eq!(connect[0], 0x10, "CONNECT first");
    (c, connect)
}

fn events(out: &[Output]) -> Vec<Event> {
    out.iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            Output::Send(_) => None,
        })
        .collect()
}

fn sends(out: &[Output]) -> Vec<Vec<u8>> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(b) => Some(b.clone()),
            Output::Event(_) => None,
        })
        .collect()
}

fn messages(out: &[Output]) -> Vec<(String, Vec<u8>)> {
    events(out)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.topic, m.payload)),
            _ => None,
        })
        .collect()
}

/// CONNACK + SUBACK, returning the session ready for PUBLISH.
fn ready_session() -> MqttClient {
    let mut c = session(&["iotdata/#"]);
    let out = c.receive(&encode_connack(0), 1.0);
    let subscribe = sends(&out);
    assert_eq!(subscribe.len(), 1);
    assert_eq!(subscribe[0][0], 0x82, "SUBSCRIBE after CONNACK");
    let pid = u16::from_be_bytes([subscribe[0][2], subscribe[0][3]]);
    let out = c.receive(&encode_suback(pid, &[1]), 2.0);
    assert!(matches!(&events(&out)[..], [Event::Subscribed(g)] if g[0].qos == Some(1)));
    assert!(c.is_ready());
    c
}

#[wasm_bindgen_test]
fn mqtt_connack_then_subscribe() {
    let mut c = session(&["iotdata/#", "other/+"]);
    let out = c.receive(&encode_connack(0), 1.0);
    assert_eq!(
        events(&out)[0],
        Event::Connected {
            session_present: false
        }
    );
    let s = &sends(&out)[0];
    // SUBSCRIBE carries both filters at QoS 1.
    let body = &s[4..];
    assert_eq!(&body[..2], &[0, 9]);
    assert_eq!(&body[2..11], b"iotdata/#");
    assert_eq!(body[11], 1);
    let pid = u16::from_be_bytes([s[2], s[3]]);
    let out = c.receive(&encode_suback(pid, &[0, 0x80]), 2.0);
    match &events(&out)[..] {
        [Event::Subscribed(g)] => {
            assert_eq!(g[0].qos, Some(0));
            assert_eq!(g[1].qos, None);
            assert_eq!(g[1].filter, "other/+");
        }
        e => panic!("{e:?}"),
    }
}

#[wasm_bindgen_test]
fn mqtt_refused_connack() {
    let mut c = session(&["iotdata/#"]);
    let out = c.receive(&encode_connack(4), 1.0);
    assert!(matches!(
        &events(&out)[..],
        [Event::Refused { code: 4, .. }]
    ));
    assert!(sends(&out).is_empty());
    // Later input is ignored.
    assert!(c.receive(&encode_connack(0), 2.0).is_empty());
}

#[wasm_bindgen_test]
fn mqtt_packet_split_across_frames() {
    let mut c = ready_session();
    let payload: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    let publish = encode_publish("iotdata/raw/0042", &payload, 0, 0).unwrap();
    assert!(publish.len() > 300);
    // One byte at a time: nothing until the last byte.
    let mut got = Vec::new();
    for (i, b) in publish.iter().enumerate() {
        let out = c.receive(std::slice::from_ref(b), 3.0);
        if i + 1 < publish.len() {
            assert!(out.is_empty(), "early output at byte {i}");
        }
        got.extend(messages(&out));
    }
    assert_eq!(got, vec![("iotdata/raw/0042".to_string(), payload)]);
    assert_eq!(c.buffered(), 0);
}

#[wasm_bindgen_test]
fn mqtt_split_inside_remaining_length() {
    let mut c = ready_session();
    let payload = vec![7u8; 200]; // remaining length needs two bytes
    let publish = encode_publish("t", &payload, 0, 0).unwrap();
    assert!(c.receive(&publish[..2], 3.0).is_empty());
    let out = c.receive(&publish[2..], 3.0);
    assert_eq!(messages(&out), vec![("t".to_string(), payload)]);
}

#[wasm_bindgen_test]
fn mqtt_packets_packed_into_one_frame() {
    let mut c = ready_session();
    let mut frame = Vec::new();
    for i in 0..5u8 {
        frame.extend(encode_publish(&format!("iotdata/{i}"), &[i; 6], 0, 0).unwrap());
    }
    // ... plus half of a sixth packet, completed by the next frame.
    let sixth = encode_publish("iotdata/5", &[5; 6], 0, 0).unwrap();
    frame.extend_from_slice(&sixth[..4]);
    let out = c.receive(&frame, 3.0);
    let got = messages(&out);
    assert_eq!(got.len(), 5);
    assert_eq!(got[3], ("iotdata/3".to_string(), vec![3; 6]));
    let out = c.receive(&sixth[4..], 4.0);
    assert_eq!(messages(&out), vec![("iotdata/5".to_string(), vec![5; 6])]);
}

#[wasm_bindgen_test]
fn mqtt_qos1_puback_and_qos2_flow() {
    let mut c = ready_session();
    let out = c.receive(&encode_publish("a", b"x", 1, 77).unwrap(), 3.0);
    assert_eq!(sends(&out), vec![vec![0x40, 0x02, 0x00, 77]]);
    assert_eq!(messages(&out).len(), 1);
    let p2 = encode_publish("b", b"y", 2, 9).unwrap();
    let out = c.receive(&p2, 3.0);
    assert_eq!(sends(&out), vec![vec![0x50, 0x02, 0x00, 9]], "PUBREC");
    assert_eq!(messages(&out).len(), 1);
    // A duplicate before PUBREL is not delivered twice.
    let out = c.receive(&p2, 3.0);
    assert_eq!(messages(&out).len(), 0);
    let out = c.receive(&[0x62, 0x02, 0x00, 9], 3.0);
    assert_eq!(sends(&out), vec![vec![0x70, 0x02, 0x00, 9]], "PUBCOMP");
}

#[wasm_bindgen_test]
fn mqtt_keepalive_ping_and_timeout() {
    let mut c = ready_session();
    assert_eq!(c.poll(10_000.0), Poll::Idle);
    assert_eq!(
        c.poll(23_000.0),
        Poll::Send(vec![0xC0, 0x00]),
        "ping at 75 % of 30 s"
    );
    assert_eq!(c.poll(30_000.0), Poll::Idle, "waiting for PINGRESP");
    c.receive(&[0xD0, 0x00], 31_000.0);
    assert_eq!(c.poll(40_000.0), Poll::Idle);
    assert_eq!(c.poll(60_000.0), Poll::Send(vec![0xC0, 0x00]));
    assert!(matches!(c.poll(91_000.0), Poll::Timeout(_)));
}

#[wasm_bindgen_test]
fn mqtt_connack_timeout_and_garbage() {
    let mut c = session(&["x"]);
    assert!(matches!(c.poll(10_001.0), Poll::Timeout(_)));
    let mut c = session(&["x"]);
    // An HTTP error page is not MQTT.
    let out = c.receive(b"HTTP/1.1 404 Not Found\r\n", 1.0);
    assert!(matches!(&events(&out)[..], [Event::ProtocolError(_)]));
}

// ---- MQTT 5 -------------------------------------------------------------------

/// An MQTT 5 session through CONNACK (with `server_keep_alive`) and SUBACK.
fn ready_session_v5(server_keep_alive: Option<u16>) -> MqttClient {
    let (mut c, _) = session_v(MqttVersion::V5, &["iotdata/#", "denied/#"]);
    let out = c.receive(&encode_connack_v5(0, None, server_keep_alive), 1.0);
    assert_eq!(
        events(&out),
        vec![Event::Connected {
            session_present: false
        }]
    );
    let sub = &sends(&out)[0];
    assert_eq!(sub[0], 0x82, "SUBSCRIBE");
    let pid = u16::from_be_bytes([sub[2], sub[3]]);
    // MQTT 5 SUBSCRIBE: packet id, property length 0, then filter + options.
    assert_eq!(sub[4], 0, "no SUBSCRIBE properties");
    assert_eq!(&sub[5..7], &[0, 9]);
    assert_eq!(&sub[7..16], b"iotdata/#");
    assert_eq!(sub[16] & 0x03, 1, "maximum QoS 1");
    let out = c.receive(&encode_suback_v5(pid, &[1, 0x87]), 2.0);
    match &events(&out)[..] {
        [Event::Subscribed(g)] => {
            assert_eq!(g[0].qos, Some(1));
            assert_eq!((g[1].filter.as_str(), g[1].qos), ("denied/#", None));
        }
        e => panic!("{e:?}"),
    }
    assert!(c.is_ready());
    c
}

#[wasm_bindgen_test]
fn mqtt5_connect_is_level_5_with_maximum_packet_size() {
    let (_, connect) = session_v(MqttVersion::V5, &["iotdata/#"]);
    // Fixed header (2 bytes), protocol name "MQTT", level 5.
    assert_eq!(&connect[2..9], &[0, 4, b'M', b'Q', b'T', b'T', 5]);
    assert_eq!(connect[9] & 0x02, 0x02, "clean start");
    // Properties (after the 2-byte keepalive): Maximum Packet Size (0x27).
    let props_len = connect[12] as usize;
    let props = &connect[13..13 + props_len];
    assert_eq!(props[0], 0x27);
    assert_eq!(
        u32::from_be_bytes([props[1], props[2], props[3], props[4]]) as usize,
        MAX_PACKET_BYTES
    );
    let (_, connect311) = session_v(MqttVersion::V311, &["iotdata/#"]);
    assert_eq!(connect311[8], 4, "3.1.1 is protocol level 4");
}

#[wasm_bindgen_test]
fn mqtt5_publish_qos_flows_and_framing() {
    let mut c = ready_session_v5(None);
    // QoS 1: delivered and acknowledged with the same packet id.
    let out = c.receive(
        &encode_publish_v5("iotdata/a", b"x", 1, 77, None).unwrap(),
        3.0,
    );
    assert_eq!(
        messages(&out),
        vec![("iotdata/a".to_string(), b"x".to_vec())]
    );
    let ack = &sends(&out)[0];
    assert_eq!((ack[0], &ack[2..4]), (0x40, &[0u8, 77][..]), "PUBACK");
    // QoS 2: PUBREC, a duplicate is not delivered twice, PUBREL -> PUBCOMP.
    let p2 = encode_publish_v5("iotdata/b", b"y", 2, 9, None).unwrap();
    let out = c.receive(&p2, 3.0);
    assert_eq!(messages(&out).len(), 1);
    assert_eq!(sends(&out)[0][0], 0x50, "PUBREC");
    assert!(messages(&c.receive(&p2, 3.0)).is_empty());
    let out = c.receive(&[0x62, 0x02, 0x00, 9], 3.0);
    assert_eq!(&sends(&out)[0][..4], &[0x70, 0x02, 0x00, 9], "PUBCOMP");
    // Packed into one frame and split across the next, as in 3.1.1.
    let mut frame = Vec::new();
    for i in 0..3u8 {
        frame.extend(encode_publish_v5(&format!("iotdata/{i}"), &[i; 40], 0, 0, None).unwrap());
    }
    let last = encode_publish_v5("iotdata/3", &[3; 40], 0, 0, None).unwrap();
    frame.extend_from_slice(&last[..5]);
    assert_eq!(messages(&c.receive(&frame, 4.0)).len(), 3);
    assert_eq!(
        messages(&c.receive(&last[5..], 4.0)),
        vec![("iotdata/3".to_string(), vec![3; 40])]
    );
    assert_eq!(c.buffered(), 0);
}

#[wasm_bindgen_test]
fn mqtt5_server_keep_alive_replaces_the_configured_one() {
    let mut c = ready_session_v5(Some(10));
    assert_eq!(c.keep_alive_secs(), 10);
    assert_eq!(c.poll(7_000.0), Poll::Idle);
    assert_eq!(
        c.poll(9_000.0),
        Poll::Send(vec![0xC0, 0x00]),
        "ping at 75 % of 10 s"
    );
    assert!(matches!(c.poll(19_500.0), Poll::Timeout(_)));
    // Without one, the configured 30 s stays.
    assert_eq!(ready_session_v5(None).keep_alive_secs(), 30);
}

#[wasm_bindgen_test]
fn mqtt5_refusals_carry_reason_codes_and_strings() {
    let (mut c, _) = session_v(MqttVersion::V5, &["x"]);
    let out = c.receive(&encode_connack_v5(0x86, Some("unknown user"), None), 1.0);
    match &events(&out)[..] {
        [Event::Refused {
            code: 0x86,
            reason,
            hint,
            is_final: true,
        }] => {
            assert_eq!(reason, "bad user name or password: unknown user");
            assert!(hint.contains("user name and password"), "{hint}");
        }
        e => panic!("{e:?}"),
    }
    assert!(c.receive(&encode_connack_v5(0, None, None), 2.0).is_empty());
    // "Server busy" is worth retrying.
    let (mut c, _) = session_v(MqttVersion::V5, &["x"]);
    let out = c.receive(&encode_connack_v5(0x89, None, None), 1.0);
    assert!(matches!(
        &events(&out)[..],
        [Event::Refused {
            code: 0x89,
            is_final: false,
            ..
        }]
    ));
}

#[wasm_bindgen_test]
fn mqtt_version_mismatch_is_recognised_both_ways() {
    // A 3.1.1-only broker answers an MQTT 5 CONNECT with CONNACK code 1.
    let (mut c, _) = session_v(MqttVersion::V5, &["x"]);
    let out = c.receive(&encode_connack(1), 1.0);
    match &events(&out)[..] {
        [Event::Refused {
            code: 1,
            hint,
            is_final: true,
            ..
        }] => assert!(hint.contains("choose MQTT 3.1.1"), "{hint}"),
        e => panic!("{e:?}"),
    }
    // An MQTT 5-only broker answers a 3.1.1 CONNECT with reason 0x84.
    let mut c = session(&["x"]);
    let out = c.receive(&encode_connack_v5(0x84, None, None), 1.0);
    match &events(&out)[..] {
        [Event::Refused {
            code: 0x84,
            reason,
            hint,
            is_final: true,
        }] => {
            assert!(reason.contains("unsupported protocol version"), "{reason}");
            assert!(hint.contains("choose MQTT 5"), "{hint}");
        }
        e => panic!("{e:?}"),
    }
    // And a 3.1.1 broker refusing a 3.1.1 CONNECT for the version.
    let mut c = session(&["x"]);
    let out = c.receive(&encode_connack(1), 1.0);
    assert!(
        matches!(&events(&out)[..], [Event::Refused { code: 1, hint, .. }] if hint.contains("choose MQTT 5"))
    );
}

#[wasm_bindgen_test]
fn mqtt5_broker_disconnect_and_topic_alias_end_the_session_with_a_reason() {
    let mut c = ready_session_v5(None);
    let out = c.receive(&encode_disconnect_v5(0x8E, Some("kicked")), 3.0);
    match &events(&out)[..] {
        [Event::ProtocolError(e)] => {
            let e = e.to_string();
            assert!(e.contains("session taken over"), "{e}");
            assert!(e.contains("0x8E") && e.ends_with(": kicked"), "{e}");
        }
        e => panic!("{e:?}"),
    }
    // This client allows no topic aliases; a broker that uses one is wrong.
    let mut c = ready_session_v5(None);
    let out = c.receive(
        &encode_publish_v5("iotdata/a", b"x", 0, 0, Some(1)).unwrap(),
        3.0,
    );
    assert!(
        matches!(&events(&out)[..], [Event::ProtocolError(e)] if e.to_string().contains("topic alias")),
        "{out:?}"
    );
    assert!(messages(&out).is_empty());
}

// ---- hostile broker input -------------------------------------------------------

fn oversizes(out: &[Output]) -> Vec<Oversize> {
    events(out)
        .into_iter()
        .filter_map(|e| match e {
            Event::Oversize(o) => Some(o),
            _ => None,
        })
        .collect()
}

/// A PUBLISH of 1.5 MB (over the 1 MiB limit), split into many WebSocket
/// frames (the first bytes one at a time, through the fixed header and the
/// topic), is skipped without being buffered: it is acknowledged, reported
/// with its topic, and the normal PUBLISH packed after it in the last frame
/// is delivered.
#[wasm_bindgen_test]
fn mqtt_oversize_publish_is_skipped_across_split_frames() {
    for version in MqttVersion::ALL {
        let mut c = match version {
            MqttVersion::V311 => ready_session(),
            MqttVersion::V5 => ready_session_v5(None),
        };
        let payload = vec![0xA5u8; 1_500_000];
        let big = match version {
            MqttVersion::V311 => encode_publish("iotdata/big", &payload, 1, 42),
            MqttVersion::V5 => encode_publish_v5("iotdata/big", &payload, 1, 42, None),
        }
        .unwrap();
        assert!(big.len() > MAX_PACKET_BYTES);
        let small = encode_publish_v5("iotdata/raw/0001", b"after", 0, 0, None).unwrap();
        let small = match version {
            MqttVersion::V311 => encode_publish("iotdata/raw/0001", b"after", 0, 0).unwrap(),
            MqttVersion::V5 => small,
        };
        let mut cuts: Vec<usize> = (1..=20).collect();
        cuts.extend(
            (1..)
                .map(|i| 20 + i * 40_000)
                .take_while(|&c| c < big.len()),
        );
        let mut at = 0;
        for cut in cuts {
            let out = c.receive(&big[at..cut], 3.0);
            assert!(
                out.is_empty(),
                "{version:?}: output before the end ({cut}): {out:?}"
            );
            assert!(
                c.buffered() <= 5,
                "{version:?}: {} bytes buffered",
                c.buffered()
            );
            at = cut;
        }
        assert!(c.skipping() > 0);
        let mut last = big[at..].to_vec();
        last.extend_from_slice(&small);
        let out = c.receive(&last, 4.0);
        assert_eq!(sends(&out), vec![vec![0x40, 0x02, 0x00, 42]], "PUBACK");
        assert_eq!(
            oversizes(&out),
            vec![Oversize {
                size: big.len(),
                topic: "iotdata/big".into(),
                qos: 1,
                retain: false,
            }]
        );
        assert_eq!(
            messages(&out),
            vec![("iotdata/raw/0001".to_string(), b"after".to_vec())]
        );
        assert_eq!((c.buffered(), c.skipping()), (0, 0));
        assert!(c.is_ready(), "the session goes on");
    }
}

/// One frame holding most of an oversize PUBLISH is not buffered; QoS 2 is
/// answered with PUBREC; a long topic is cut with a marker; the next packet
/// in the following frame is delivered.
#[wasm_bindgen_test]
fn mqtt_oversize_in_one_frame_qos2_and_long_topic() {
    let mut c = ready_session();
    let topic = format!("iotdata/{}", "x".repeat(400));
    let big = encode_publish(&topic, &vec![1u8; MAX_PACKET_BYTES + 10], 2, 7).unwrap();
    let out = c.receive(&big[..big.len() - 1], 3.0);
    assert!(out.is_empty());
    assert_eq!((c.buffered(), c.skipping()), (0, 1));
    let mut rest = big[big.len() - 1..].to_vec();
    rest.extend(encode_publish("iotdata/a", b"y", 0, 0).unwrap());
    let out = c.receive(&rest, 3.0);
    assert_eq!(sends(&out), vec![vec![0x50, 0x02, 0x00, 7]], "PUBREC");
    let o = &oversizes(&out)[0];
    assert_eq!(o.qos, 2);
    assert!(o.topic.ends_with('…'), "{}", o.topic);
    assert_eq!(o.topic.len(), OVERSIZE_TOPIC_BYTES + '…'.len_utf8());
    assert!(o.topic.starts_with("iotdata/xxx"));
    assert_eq!(messages(&out).len(), 1);
    // A retained QoS 0 one: no acknowledgement.
    let mut big0 = encode_publish("r", &vec![0u8; MAX_PACKET_BYTES], 0, 0).unwrap();
    big0[0] |= 0x01;
    let out = c.receive(&big0, 4.0);
    assert!(sends(&out).is_empty());
    assert!(matches!(&oversizes(&out)[..], [o] if o.retain && o.topic == "r"));
}

/// Only a PUBLISH is skipped: any other packet over the limit, or an
/// oversize PUBLISH before CONNACK, ends the session.
#[wasm_bindgen_test]
fn mqtt_oversize_other_packets_and_before_connack_fail() {
    let mut c = ready_session();
    // SUBACK declaring 2 MB.
    let out = c.receive(&[0x90, 0x80, 0x80, 0x80, 0x01, 0, 1], 3.0);
    assert!(
        matches!(&events(&out)[..], [Event::ProtocolError(e)] if e.to_string().contains("too large"))
    );
    let mut c = session(&["iotdata/#"]);
    let big = encode_publish("t", &vec![0u8; MAX_PACKET_BYTES], 0, 0).unwrap();
    let out = c.receive(&big[..100], 1.0);
    assert!(
        matches!(&events(&out)[..], [Event::ProtocolError(e)] if e.to_string().contains("before CONNACK"))
    );
}

/// A PUBLISH (or PUBREL) before CONNACK is a protocol error, and nothing is
/// delivered; CONNACK and PUBLISH in one frame are fine.
#[wasm_bindgen_test]
fn mqtt_publish_before_connack_is_a_protocol_error() {
    let mut c = session(&["iotdata/#"]);
    let out = c.receive(&encode_publish("iotdata/a", b"x", 1, 3).unwrap(), 1.0);
    assert!(
        matches!(&events(&out)[..], [Event::ProtocolError(e)] if e.to_string().contains("PUBLISH before CONNACK")),
        "{out:?}"
    );
    assert!(sends(&out).is_empty(), "not acknowledged");
    let mut c = session(&["iotdata/#"]);
    let out = c.receive(&[0x62, 0x02, 0x00, 9], 1.0);
    assert!(matches!(&events(&out)[..], [Event::ProtocolError(_)]));
    let mut c = session(&["iotdata/#"]);
    let mut frame = encode_connack(0);
    frame.extend(encode_publish("iotdata/a", b"x", 0, 0).unwrap());
    let out = c.receive(&frame, 1.0);
    assert_eq!(messages(&out).len(), 1);
}

/// SUBSCRIBE without SUBACK for 10 s times out (then the driver reconnects
/// with backoff); a SUBACK in time stops the clock.
#[wasm_bindgen_test]
fn mqtt_suback_timeout() {
    let mut c = session(&["iotdata/#"]);
    let out = c.receive(&encode_connack(0), 1_000.0);
    assert_eq!(sends(&out).len(), 1, "SUBSCRIBE");
    assert_eq!(c.poll(1_000.0 + SUBACK_TIMEOUT_MS - 1.0), Poll::Idle);
    match c.poll(1_000.0 + SUBACK_TIMEOUT_MS) {
        Poll::Timeout(why) => assert!(why.contains("no SUBACK"), "{why}"),
        p => panic!("{p:?}"),
    }
    let mut c = ready_session();
    assert_eq!(c.poll(SUBACK_TIMEOUT_MS + 5.0), Poll::Idle);
}

/// A Server Keep Alive of 0 (MQTT 5) is taken, but the dead-connection
/// check keeps running at the configured keepalive; with 0 everywhere it
/// runs at the default.
#[wasm_bindgen_test]
fn mqtt5_server_keep_alive_0_keeps_the_dead_connection_check() {
    let mut c = ready_session_v5(Some(0));
    assert_eq!(c.keep_alive_secs(), 0);
    assert_eq!(c.ping_interval_secs(), 30);
    assert_eq!(c.poll(20_000.0), Poll::Idle);
    assert_eq!(c.poll(23_000.0), Poll::Send(vec![0xC0, 0x00]));
    assert!(
        matches!(c.poll(53_000.0), Poll::Timeout(_)),
        "dead connection noticed"
    );
    let mut c = MqttClient::new(ClientOptions {
        client_id: "k0".into(),
        keep_alive_secs: 0,
        username: None,
        password: None,
        topics: vec![],
        version: MqttVersion::V5,
    })
    .unwrap();
    c.connect(0.0);
    c.receive(&encode_connack_v5(0, None, Some(0)), 1.0);
    assert!(c.is_ready());
    assert_eq!(c.ping_interval_secs(), DEAD_CONNECTION_DEFAULT_SECS);
    let d = f64::from(DEAD_CONNECTION_DEFAULT_SECS) * 1000.0;
    assert_eq!(c.poll(0.75 * d + 1.0), Poll::Send(vec![0xC0, 0x00]));
    assert!(matches!(c.poll(1.75 * d + 2.0), Poll::Timeout(_)));
}

/// A PINGRESP queued behind a large message arrives late: bytes still
/// streaming in keep the connection alive; a whole interval of silence after
/// them ends it.
#[wasm_bindgen_test]
fn mqtt_bytes_streaming_in_count_as_alive_while_a_ping_waits() {
    let mut c = ready_session();
    let big = encode_publish("iotdata/big", &vec![0u8; MAX_PACKET_BYTES], 0, 0).unwrap();
    assert_eq!(c.poll(23_000.0), Poll::Send(vec![0xC0, 0x00]));
    let mut t = 23_000.0;
    for piece in big.chunks(big.len() / 10) {
        t += 5_000.0;
        assert!(oversizes(&c.receive(piece, t)).len() <= 1);
        assert_eq!(c.poll(t + 1.0), Poll::Idle, "alive at {t}");
    }
    assert!(t - 23_000.0 > 30_000.0, "longer than the keepalive");
    assert_eq!(c.poll(t + 29_000.0), Poll::Idle);
    assert!(matches!(c.poll(t + 30_000.0), Poll::Timeout(_)));
}

/// A user name or password longer than an MQTT string is refused with a
/// clear message, never sent as an empty CONNECT.
#[wasm_bindgen_test]
fn mqtt_long_user_name_and_password_are_refused() {
    let opts = |user: usize, pass: usize| ClientOptions {
        client_id: "c".into(),
        keep_alive_secs: 30,
        username: Some("u".repeat(user)),
        password: Some("p".repeat(pass)),
        topics: vec!["iotdata/#".into()],
        version: MqttVersion::V311,
    };
    let e = MqttClient::new(opts(65_536, 1)).unwrap_err();
    assert_eq!(e, OptionsError::UserName(65_536));
    assert!(e.to_string().contains("user name is 65536 bytes"), "{e}");
    assert!(e.hint().contains("user name"));
    let e = MqttClient::new(opts(1, 70_000)).unwrap_err();
    assert_eq!(e, OptionsError::Password(70_000));
    assert!(e.hint().contains("password"));
    // The longest allowed ones make a real CONNECT.
    let mut c = MqttClient::new(opts(65_535, 65_535)).unwrap();
    let connect = c.connect(0.0);
    assert!(connect.len() > 2 * 65_535, "{}", connect.len());
}

// ---- the driver's plan: deliver before failing -----------------------------

/// Messages parsed before a failure in the same frame are acknowledged and
/// delivered before the failure ends the session; nothing after it is.
#[wasm_bindgen_test]
fn deliver_then_fail() {
    let mut c = ready_session();
    let mut frame = encode_publish("iotdata/a", b"1", 1, 5).unwrap();
    frame.extend(encode_publish("iotdata/b", b"2", 0, 0).unwrap());
    frame.extend(encode_publish("iotdata/c", &vec![0; MAX_PACKET_BYTES], 0, 0).unwrap());
    frame.extend([0xE0, 0x00]); // DISCONNECT from the broker
    frame.extend(encode_publish("iotdata/d", b"4", 0, 0).unwrap());
    let p = plan(c.receive(&frame, 3.0));
    assert_eq!(p.send, vec![vec![0x40, 0x02, 0x00, 5]], "PUBACK sent");
    let topics: Vec<String> = p
        .deliver
        .iter()
        .map(|d| match d {
            Delivery::Message(m) => m.topic.clone(),
            Delivery::Oversize(o) => format!("oversize {}", o.topic),
        })
        .collect();
    assert_eq!(topics, vec!["iotdata/a", "iotdata/b", "oversize iotdata/c"]);
    assert!(
        matches!(&p.end, Some(End::Retry { reason, .. }) if reason.contains("DISCONNECT")),
        "{:?}",
        p.end
    );
    // A refusal stops (final) or retries, with nothing delivered.
    let mut c = session(&["x"]);
    let p = plan(c.receive(&encode_connack(4), 1.0));
    assert!(matches!(&p.end, Some(End::Stop { reason, .. }) if reason.contains("0x04")));
    let mut c = session(&["x"]);
    let p = plan(c.receive(&encode_connack(3), 1.0));
    assert!(matches!(&p.end, Some(End::Retry { .. })));
    // SUBACK: progress, or a stop when every filter was refused.
    let mut c = session(&["a", "b"]);
    let p = plan(c.receive(&encode_connack(0), 1.0));
    assert_eq!(p.progress, Some(Progress::Connected));
    assert_eq!(p.send.len(), 1);
    let pid = u16::from_be_bytes([p.send[0][2], p.send[0][3]]);
    let mut c2 = session(&["a", "b"]);
    let _ = c2.receive(&encode_connack(0), 1.0);
    let p = plan(c.receive(&encode_suback(pid, &[1, 0x80]), 2.0));
    assert_eq!(
        p.progress,
        Some(Progress::Subscribed {
            granted: vec!["a".into()],
            refused: vec!["b".into()]
        })
    );
    let p = plan(c2.receive(&encode_suback(pid, &[0x80, 0x80]), 2.0));
    assert!(matches!(&p.end, Some(End::Stop { reason, .. }) if reason.contains("refused every")));
}

/// The backoff does not start again at every SUBACK: only a connection that
/// stayed subscribed for HEALTHY_AFTER_MS resets it.
#[wasm_bindgen_test]
fn backoff_after_suback_resets_only_when_healthy() {
    let mut b = Backoff::new();
    assert_eq!(b.failed(0.0, 0.5), (1_000.0, 1));
    b.connecting();
    b.subscribed(2_000.0);
    // Dropped 1 s after SUBACK: the delay keeps growing.
    assert_eq!(b.failed(3_000.0, 0.5), (2_000.0, 2));
    b.connecting();
    b.subscribed(10_000.0);
    assert!(!b.healthy(10_000.0 + HEALTHY_AFTER_MS - 1.0));
    assert_eq!(
        b.failed(10_000.0 + HEALTHY_AFTER_MS - 1.0, 0.5),
        (4_000.0, 3)
    );
    // Up for the whole healthy period: back to 1 s.
    b.connecting();
    b.subscribed(100_000.0);
    assert!(b.healthy(100_000.0 + HEALTHY_AFTER_MS));
    assert_eq!(b.failed(100_000.0 + HEALTHY_AFTER_MS, 0.5), (1_000.0, 1));
    // A failure before SUBACK never resets, whatever the time.
    b.connecting();
    assert_eq!(b.failed(1e9, 0.5), (2_000.0, 2));
    // Many failures stay within the cap.
    for _ in 0..100 {
        b.failed(1e9, 0.999);
    }
    assert!(b.failed(1e9, 0.999).0 <= BACKOFF_MAX_MS);
}

/// An oversize report reaches the packet log as an `oversize` row.
#[wasm_bindgen_test]
fn oversize_report_reaches_the_log() {
    let mut s = iotdata_web::store::Store::new();
    s.record_oversize(5.0, "iotdata/big", 1_500_007);
    let e = s.log().next().unwrap();
    assert_eq!(e.kind, EntryKind::Oversize);
    assert_eq!(e.kind.as_str(), "oversize");
    assert_eq!(e.summary, "oversize 1500007 bytes on iotdata/big");
    assert_eq!((&*e.topic, e.size), ("iotdata/big", 1_500_007));
    assert!(e.frame.is_none());
    assert!(EntryKind::ALL.contains(&EntryKind::Oversize));
}

fn xorshift(x: &mut u32) -> u8 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x as u8
}

/// The broker's bytes are untrusted: random bytes, and valid packets with
/// random bytes changed, cut at random places, never panic either session,
/// and once a session has failed it ignores further input.
#[wasm_bindgen_test]
fn mqtt_garbage_and_mutated_packets_never_panic() {
    let mut x: u32 = 0x9E37_79B9;
    let valid: Vec<(MqttVersion, Vec<u8>)> = vec![
        (MqttVersion::V311, encode_connack(0)),
        (MqttVersion::V311, encode_suback(1, &[1, 0x80])),
        (
            MqttVersion::V311,
            encode_publish("iotdata/a", &[1; 40], 1, 5).unwrap(),
        ),
        (
            MqttVersion::V5,
            encode_connack_v5(0, Some("hello"), Some(20)),
        ),
        (MqttVersion::V5, encode_suback_v5(1, &[1, 0x87])),
        (
            MqttVersion::V5,
            encode_publish_v5("iotdata/b", &[2; 40], 2, 6, None).unwrap(),
        ),
        (MqttVersion::V5, encode_disconnect_v5(0x8E, Some("bye"))),
    ];
    let mut failures = 0;
    for round in 0..3_000u32 {
        let (version, mut bytes) = if round % 3 == 0 {
            let len = usize::from(xorshift(&mut x)) % 64;
            let v = if round % 2 == 0 {
                MqttVersion::V311
            } else {
                MqttVersion::V5
            };
            (v, (0..len).map(|_| xorshift(&mut x)).collect())
        } else {
            let (v, b) = &valid[round as usize % valid.len()];
            (*v, b.clone())
        };
        // Change up to three bytes (the header too), and sometimes cut.
        for _ in 0..(round % 4) {
            if !bytes.is_empty() {
                let i = usize::from(xorshift(&mut x)) % bytes.len();
                bytes[i] = xorshift(&mut x);
            }
        }
        if round % 5 == 0 && !bytes.is_empty() {
            bytes.truncate(usize::from(xorshift(&mut x)) % bytes.len());
        }
        let (mut c, _) = session_v(version, &["iotdata/#"]);
        if round % 2 == 1 {
            // Past CONNACK, so the mutated packet meets a connected session.
            let connack = match version {
                MqttVersion::V311 => encode_connack(0),
                MqttVersion::V5 => encode_connack_v5(0, None, None),
            };
            c.receive(&connack, 1.0);
        }
        let split = usize::from(xorshift(&mut x)) % (bytes.len() + 1);
        let mut out = c.receive(&bytes[..split], 2.0);
        out.extend(c.receive(&bytes[split..], 2.0));
        assert!(c.buffered() <= bytes.len());
        if events(&out)
            .iter()
            .any(|e| matches!(e, Event::ProtocolError(_) | Event::Refused { .. }))
        {
            failures += 1;
            assert!(c.receive(&encode_connack(0), 3.0).is_empty(), "closed");
        }
    }
    // The generator does produce broken sessions (the test is not vacuous).
    assert!(failures > 300, "{failures} failed sessions");
}

// ---- payload classification ------------------------------------------------

const FRAME_HEX: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

#[wasm_bindgen_test]
fn classify_binary_sensor_and_mesh() {
    let bytes = parse_hex(FRAME_HEX).unwrap();
    match classify("iotdata/raw", &bytes) {
        Payload::Frame { kind, source, .. } => {
            assert_eq!(kind, FrameKind::Sensor);
            assert_eq!(source, FrameSource::Binary);
        }
        p => panic!("{p:?}"),
    }
    let mesh = parse_hex("f00100c8202a012c").unwrap();
    assert!(matches!(
        classify("iotdata/mesh", &mesh),
        Payload::Frame {
            kind: FrameKind::Mesh,
            ..
        }
    ));
}

#[wasm_bindgen_test]
fn classify_hex_text() {
    for text in [
        FRAME_HEX.to_string(),
        "00 2a c3 50 bf\n7e".to_string(),
        "0x00,0x2a,0xc3,0x50,0xbf".to_string(),
        "00:2A:C3:50:BF".to_string(),
    ] {
        match classify("t", text.as_bytes()) {
            Payload::Frame { source, bytes, .. } => {
                assert_eq!(source, FrameSource::HexText);
                assert_eq!(&bytes[..3], &[0x00, 0x2a, 0xc3]);
            }
            p => panic!("{text}: {p:?}"),
        }
    }
}

#[wasm_bindgen_test]
fn classify_gateway_json() {
    let json = br#"{"variant":0,"station":42,"sequence":7,"battery":{"level":84,"charging":false},"position":{"latitude":59.3,"longitude":18.06}}"#;
    let p = classify("iotdata/weather_station/002a", json);
    match &p {
        Payload::GatewayJson { topic, json } => {
            let t = topic.as_ref().unwrap();
            assert_eq!(t.station, 42);
            assert_eq!(t.variant_name, "weather_station");
            assert_eq!(json["sequence"], 7);
        }
        p => panic!("{p:?}"),
    }
    let e = logged("iotdata/weather_station/002a", json);
    assert_eq!(e.kind, EntryKind::Sensor);
    assert_eq!(e.station, Some(42));
    assert_eq!(e.sequence, Some(7));
    // JSON with iotdata keys on any topic is accepted too.
    assert!(matches!(
        classify("somewhere", br#"{"variant":1,"station":3}"#),
        Payload::GatewayJson { topic: None, .. }
    ));
}

#[wasm_bindgen_test]
fn classify_unrecognised() {
    for (topic, payload) in [
        ("a", &b"hello world"[..]),
        ("a", &b""[..]),
        ("a", &[1u8, 2][..]),
        ("a", &br#"{"temp": 3}"#[..]),
        ("a", &b"{not json"[..]),
        ("a", &b"0a1"[..]),
    ] {
        match classify(topic, payload) {
            Payload::Unrecognised {
                size, first_bytes, ..
            } => {
                assert_eq!(size, payload.len());
                assert_eq!(first_bytes, payload[..payload.len().min(16)].to_vec());
            }
            p => panic!("{payload:?}: {p:?}"),
        }
    }
    let e = logged("x/y", b"hello world");
    assert_eq!(e.kind, EntryKind::Unrecognised);
    assert!(e.summary.contains("11 bytes"), "{}", e.summary);
}

#[wasm_bindgen_test]
fn binary_frame_starting_with_brace_is_a_frame() {
    // Variant 7 puts 0x7_ in the first byte: 0x7b is '{'.
    let frame = [0x7b, 0x00, 0x01, 0x02, 0x00, 0x80, 0xff];
    assert!(matches!(classify("t", &frame), Payload::Frame { .. }));
}

#[wasm_bindgen_test]
fn short_frame_is_an_error_entry() {
    let e = logged("t", &[0x00, 0x2a, 0x00, 0x01, 0x00]);
    assert_eq!(e.kind, EntryKind::Sensor);
    // Two bytes never reach the decoder from MQTT (classified as too
    // short); handed over as a frame, they are a `short` error entry.
    let short = Payload::Frame {
        bytes: vec![0x00, 0x2a],
        kind: FrameKind::Sensor,
        source: FrameSource::Binary,
    };
    let incoming = decode_incoming(short, &map());
    match &incoming {
        Incoming::Frame { result: Err(e), .. } => assert_eq!(Failure::from(e).kind, "short"),
        other => panic!("{other:?}"),
    }
    let mut s = Store::new();
    s.ingest_incoming(0, 0.0, "t", &[0x00, 0x2a], incoming);
    let e = s.log().next().unwrap();
    assert_eq!(e.kind, EntryKind::Error);
    assert!(e.summary.starts_with("short: "), "{}", e.summary);
}

// ---- backoff -------------------------------------------------------------------

#[wasm_bindgen_test]
fn backoff_schedule() {
    let mid: Vec<f64> = (0..8).map(|a| backoff_delay_ms(a, 0.5)).collect();
    assert_eq!(
        mid,
        vec![1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0, 60000.0, 60000.0]
    );
    for a in 0..40 {
        let lo = backoff_delay_ms(a, 0.0);
        let hi = backoff_delay_ms(a, 0.999_999);
        assert!(
            lo >= 1000.0 && hi <= BACKOFF_MAX_MS && lo <= hi,
            "{a}: {lo} {hi}"
        );
    }
    // Jitter spreads clients apart.
    assert!(backoff_delay_ms(3, 0.0) < backoff_delay_ms(3, 0.99));
    assert!(backoff_delay_ms(2, f64::NAN).is_finite());
}

#[wasm_bindgen_test]
fn close_explanations() {
    let never_opened = CloseInfo {
        url: "ws://127.0.0.1:1".into(),
        opened: false,
        connacked: false,
        code: 1006,
        reason: String::new(),
    };
    let (reason, hint) = explain_close(&never_opened);
    assert!(reason.contains("127.0.0.1:1"), "{reason}");
    assert!(
        hint.contains("nothing listening") && hint.contains("/mqtt"),
        "{hint}"
    );
    let (reason, hint) = explain_close(&CloseInfo {
        opened: true,
        ..never_opened.clone()
    });
    assert!(reason.contains("before the MQTT handshake"), "{reason}");
    assert!(hint.contains("path"), "{hint}");
    let (reason, _) = explain_close(&CloseInfo {
        opened: true,
        connacked: true,
        ..never_opened
    });
    assert!(reason.starts_with("connection lost"), "{reason}");
}

// ---- settings ----------------------------------------------------------------

#[wasm_bindgen_test]
fn settings_from_query() {
    let q = parse_query("?broker=wss%3A%2F%2Fbroker.example%2Fmqtt&topic=iotdata/+/002a,x/%23&user=ann&demo=1&tiles=http%3A%2F%2Ft%2F%7Bz%7D");
    let s = Settings::default().with_overrides(&q);
    assert_eq!(s.broker, "wss://broker.example/mqtt");
    assert_eq!(s.topics, vec!["iotdata/+/002a", "x/#"]);
    assert_eq!(s.user, "ann");
    assert_eq!(s.tile_url, "http://t/{z}");
    assert!(q.demo);
    let s = Settings::default().with_overrides(&parse_query(""));
    assert_eq!(s.topics, vec![DEFAULT_TOPIC]);
    assert!(s.broker.is_empty());
}

#[wasm_bindgen_test]
fn settings_password_only_when_remembered() {
    let mut s = Settings {
        broker: "ws://h:1".into(),
        user: "u".into(),
        password: "secret".into(),
        ..Settings::default()
    };
    assert!(!s.to_json().contains("secret"));
    s.remember = true;
    let back = Settings::from_json(&s.to_json());
    assert_eq!(back.password, "secret");
    assert_eq!(back, s);
    // A URL pointing elsewhere drops the remembered password.
    let other = back.with_overrides(&parse_query("broker=ws%3A%2F%2Fother%3A2"));
    assert!(other.password.is_empty());
    // Garbage in localStorage gives the defaults.
    assert_eq!(Settings::from_json("{oops"), Settings::default());
    // The share link round-trips and never has the password.
    let q = s.share_query();
    assert!(!q.contains("secret"));
    let again = Settings::default().with_overrides(&parse_query(&q));
    assert_eq!(again.broker, s.broker);
    assert_eq!(again.topics, s.topics);
}

#[wasm_bindgen_test]
fn broker_url_hints() {
    assert!(check_broker_url("ws://127.0.0.1:9001", "http:").is_ok());
    assert!(check_broker_url("wss://host/mqtt", "https:").is_ok());
    let e = check_broker_url("ws://host:9001", "https:").unwrap_err();
    assert!(e.reason.contains("https://") && e.hint.contains("wss://"));
    assert!(check_broker_url("mqtt://host:1883", "http:")
        .unwrap_err()
        .hint
        .contains("WebSocket"));
    assert!(check_broker_url("https://host/mqtt", "http:")
        .unwrap_err()
        .hint
        .contains("wss://host/mqtt"));
    assert!(check_broker_url("", "http:").is_err());
    assert!(check_broker_url("ws://", "http:").is_err());
}

// ---- store: see tests/store.rs ----------------------------------------------

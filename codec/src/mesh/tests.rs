use super::members::{ACK, BEACON, PING, PONG, ROUTE_ERROR};
use super::*;
use crate::bits::BitReader;
use crate::error::{Bound, DecodeError, EncodeError, Quantity};
use crate::json_write::write_int;
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/mesh.jsonl"
));

fn records() -> Vec<Value> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("vector line is JSON"))
        .collect()
}

fn packet_records() -> Vec<Value> {
    records()
        .into_iter()
        .filter(|r| r.get("hex").is_some())
        .collect()
}

fn hex_of(r: &Value, key: &str) -> Vec<u8> {
    crate::hex::decode(r[key].as_str().expect("hex string")).expect("valid hex")
}

fn stub_inner(bytes: &[u8], out: &mut String) {
    out.push_str("{\"stub_len\":");
    write_int(out, bytes.len() as i64);
    out.push('}');
}

fn to_json(p: &MeshPacket) -> String {
    let mut s = String::new();
    write_mesh_json(&mut s, p, &stub_inner);
    s
}

#[test]
fn vectors_parse_to_fields_and_rebuild() {
    let recs = packet_records();
    assert_eq!(recs.len(), 16);
    for r in &recs {
        let name = r["name"].as_str().unwrap();
        let bytes = hex_of(r, "hex");
        assert_eq!(bytes.len() as u64, r["length"].as_u64().unwrap(), "{name}");
        assert!(is_mesh(&bytes), "{name}");
        let p = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fields = &r["fields"];
        let json: Value =
            serde_json::from_str(&to_json(&p)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let obj = json.as_object().unwrap();
        assert_eq!(obj["variant"], 15, "{name}");
        // Every key of our document except `variant`/`inner` matches `fields`.
        for (k, v) in obj {
            match k.as_str() {
                "variant" => {}
                "inner" => {
                    assert_eq!(v["stub_len"], hex_of(fields, "inner_hex").len(), "{name}")
                }
                "neighbours" => {
                    let want = fields["neighbours"].as_array().unwrap();
                    let got = v.as_array().unwrap();
                    assert_eq!(got.len(), want.len(), "{name}");
                    for (g, w) in got.iter().zip(want) {
                        for key in ["cost", "rssi_q4", "rssi_dbm", "station_id"] {
                            assert_eq!(g[key], w[key], "{name} {key}");
                        }
                        assert_eq!(g.as_object().unwrap().len(), 4);
                        let q = rssi_to_q4(w["rssi_dbm_in"].as_i64().unwrap() as i32);
                        assert_eq!(u64::from(q), w["rssi_q4"].as_u64().unwrap(), "{name}");
                    }
                }
                _ => assert_eq!(Some(v), fields.get(k), "{name}: key {k}"),
            }
        }
        // ... and every key of `fields` is in our document.
        for k in fields.as_object().unwrap().keys() {
            assert!(obj.contains_key(k), "{name}: missing key {k}");
        }
        // peek
        let peek = &r["peek"];
        assert_eq!(peek["variant"], 15);
        assert_eq!(peek["station"], p.sender_station, "{name}");
        assert_eq!(peek["sequence"], p.sender_seq, "{name}");
        assert_eq!(peek["ctrl_type"], p.ctrl_type(), "{name}");
        // unpacked (reference unpack helpers)
        if let Some(u) = r.get("unpacked") {
            assert_eq!(u["ok"], true);
            for (k, v) in u.as_object().unwrap() {
                match k.as_str() {
                    "ok" => {}
                    "inner_len" => assert_eq!(*v, hex_of(fields, "inner_hex").len(), "{name}"),
                    "origin_station" | "origin_sequence" => {
                        let MeshBody::Forward { inner, .. } = &p.body else {
                            panic!("{name}: not a forward")
                        };
                        let (s, q) = inner_origin(inner).unwrap();
                        let got = if k == "origin_station" { s } else { q };
                        assert_eq!(*v, got, "{name}");
                    }
                    _ => assert_eq!(Some(v), obj.get(k), "{name}: unpacked {k}"),
                }
            }
        }
        // rebuild
        assert_eq!(p.to_bytes().unwrap(), bytes, "{name}");
        // JSON -> packet -> bytes, both from our document and from `fields`
        assert_eq!(mesh_from_json(&json).unwrap(), p, "{name}");
        assert_eq!(
            mesh_from_json(fields).unwrap().to_bytes().unwrap(),
            bytes,
            "{name}"
        );
        // trailing bytes are ignored for everything but FORWARD/UNKNOWN
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xAA, 0x55]);
        let q = parse(&longer).unwrap();
        if p.ctrl_type() != CTRL_FORWARD {
            assert_eq!(q, p, "{name}");
        }
    }
}

#[test]
fn neighbour_report_alt_bitstream_layout() {
    let mut seen = 0;
    for r in packet_records()
        .iter()
        .filter(|r| r.get("hex_alt_bitstream").is_some())
    {
        let name = r["name"].as_str().unwrap();
        let primary = hex_of(r, "hex");
        let alt = hex_of(r, "hex_alt_bitstream");
        assert_eq!(alt.len(), primary.len(), "{name}");
        let p = parse(&primary).unwrap();
        // the explicit bit-stream layout reads the alternative bytes to the same packet
        assert_eq!(
            parse_with_layout(&alt, NeighbourLayout::Bitstream).unwrap(),
            p,
            "{name}"
        );
        assert_eq!(
            p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap(),
            alt,
            "{name}"
        );
        // the default (reference) layout does not silently accept it as the same packet
        let MeshBody::NeighbourReport { neighbours, .. } = &p.body else {
            panic!()
        };
        match parse(&alt) {
            Ok(q) if neighbours.is_empty() => assert_eq!(q, p, "{name}"),
            Ok(q) => assert_ne!(q, p, "{name}"),
            Err(e) => assert!(matches!(e.kind(), "malformed" | "truncated"), "{name}: {e}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 4);
    // A bit-stream packet whose first neighbour has cost >= 4 puts non-zero
    // bits into byte 9 bits 5-0: rejected by the reference layout.
    let p = MeshPacket {
        sender_station: 1,
        sender_seq: 2,
        body: MeshBody::NeighbourReport {
            parent_id: 3,
            my_cost: 1,
            gateway_id: 1,
            neighbours: vec![Neighbour {
                cost: 200,
                rssi_q4: 3,
                station_id: 7,
            }],
        },
    };
    let alt = p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap();
    let err = parse(&alt).unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert_eq!(err.bit_offset(), 74);
    assert_eq!(err.field(), "reserved");
}

#[test]
fn member_tables_fill_the_documented_layouts() {
    let bits = |ms: &[Member]| ms.iter().map(|m| m.bits).sum::<u32>();
    // Payloads start at bit 36; frame lengths as documented.
    assert_eq!(36 + bits(BEACON), 9 * 8);
    assert_eq!(36 + bits(FORWARD) + 4, FORWARD_HDR_LEN as u32 * 8);
    assert_eq!(36 + bits(ACK), 8 * 8);
    assert_eq!(36 + bits(ROUTE_ERROR), MIN_LEN as u32 * 8);
    assert_eq!(
        36 + bits(NEIGHBOUR_REPORT) + 6,
        NEIGHBOUR_HDR_LEN as u32 * 8
    );
    assert_eq!(bits(NEIGHBOUR), NEIGHBOUR_ENTRY_LEN as u32 * 8);
    assert_eq!(36 + bits(PING), 8 * 8);
    assert_eq!(36 + bits(PONG), 8 * 8);
    for ctrl in 0..16u8 {
        let ms = members_of(ctrl);
        assert!(ms.len() <= 4, "{ctrl}: at most four values");
        let mut names: Vec<&str> = ms.iter().map(|m| m.name).collect();
        names.dedup();
        assert_eq!(names.len(), ms.len(), "{ctrl}: unique names");
        assert_eq!(ms.is_empty(), ctrl > CTRL_PONG);
    }
    assert_eq!(NEIGHBOUR_REPORT.iter().filter(|m| m.derived).count(), 1);
}

#[test]
fn rssi_table() {
    let r = records()
        .into_iter()
        .find(|r| r["kind"] == "rssi_q4_table")
        .unwrap();
    let entries = r["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        let (dbm, q, dec) = (
            e[0].as_i64().unwrap(),
            e[1].as_u64().unwrap(),
            e[2].as_i64().unwrap(),
        );
        assert_eq!(u64::from(rssi_to_q4(dbm as i32)), q, "{dbm}");
        assert_eq!(i64::from(q4_to_rssi(q as u8)), dec, "{q}");
    }
    assert_eq!(rssi_to_q4(i32::MIN), 0);
    assert_eq!(rssi_to_q4(i32::MAX), 15);
    assert_eq!(q4_to_rssi(15), -45);
}

#[test]
fn generation_table() {
    let r = records()
        .into_iter()
        .find(|r| r["kind"] == "generation_newer_table")
        .unwrap();
    let entries = r["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        let (a, b, want) = (
            e[0].as_u64().unwrap(),
            e[1].as_u64().unwrap(),
            e[2].as_bool().unwrap(),
        );
        assert_eq!(generation_newer(a as u16, b as u16), want, "{a} vs {b}");
    }
}

#[test]
fn reserved_ctrl_types_are_unknown() {
    for ct in 7u8..=15 {
        let bytes = [0xF0, 0x2A, 0x01, 0x02, (ct << 4) | 0x9, 0xDE, 0xAD];
        let p = parse(&bytes).unwrap();
        assert_eq!(
            p.body,
            MeshBody::Unknown {
                ctrl_type: ct,
                payload: bytes[4..].to_vec()
            }
        );
        assert_eq!(p.ctrl_name(), "UNKNOWN");
        assert_eq!(p.to_bytes().unwrap(), bytes);
        let json = to_json(&p);
        assert_eq!(
            json,
            format!(
                "{{\"variant\":15,\"sender_station\":42,\"sender_seq\":258,\"ctrl_type\":{ct},\"ctrl_name\":\"UNKNOWN\",\"payload_hex\":\"{:02x}dead\"}}",
                (ct << 4) | 9
            )
        );
        assert_eq!(
            mesh_from_json(&serde_json::from_str(&json).unwrap()).unwrap(),
            p
        );
        // minimal 5-byte frame
        let p5 = parse(&bytes[..5]).unwrap();
        assert_eq!(p5.to_bytes().unwrap(), &bytes[..5]);
    }
    // encoder invariants
    let bad = |ctrl_type, payload: Vec<u8>| {
        MeshPacket {
            sender_station: 0,
            sender_seq: 0,
            body: MeshBody::Unknown { ctrl_type, payload },
        }
        .to_bytes()
        .unwrap_err()
    };
    assert_eq!(bad(3, vec![0x30]).kind(), "out_of_range");
    assert_eq!(bad(16, vec![0x00]).kind(), "out_of_range");
    assert_eq!(bad(9, vec![]).kind(), "out_of_range");
    assert_eq!(bad(9, vec![0x80]).kind(), "out_of_range");
}

#[test]
fn every_truncation_is_ok_or_typed_error() {
    for r in packet_records() {
        let name = r["name"].as_str().unwrap();
        let mut frames = vec![(hex_of(&r, "hex"), NeighbourLayout::Aligned)];
        if r.get("hex_alt_bitstream").is_some() {
            frames.push((hex_of(&r, "hex_alt_bitstream"), NeighbourLayout::Bitstream));
        }
        for (bytes, native) in frames {
            for n in 0..=bytes.len() {
                let cut = &bytes[..n];
                for layout in [NeighbourLayout::Aligned, NeighbourLayout::Bitstream] {
                    match parse_with_layout(cut, layout) {
                        Ok(p) => {
                            // Whatever decodes re-encodes and decodes to itself.
                            let again = p.to_bytes_with_layout(layout).unwrap();
                            assert_eq!(
                                parse_with_layout(&again, layout).unwrap(),
                                p,
                                "{name}[..{n}]"
                            );
                        }
                        Err(e) => {
                            // The complete frame decodes in its own layout.
                            assert!(n < bytes.len() || layout != native, "{name}: {e}");
                            assert!(
                                matches!(e.kind(), "short" | "truncated" | "malformed"),
                                "{name}[..{n}]: {e}"
                            );
                            if n < MIN_LEN {
                                assert_eq!(
                                    e,
                                    DecodeError::Short {
                                        len: n,
                                        min: MIN_LEN
                                    }
                                );
                            }
                            assert!(e.bit_offset() <= bytes.len() * 8);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn truncation_errors_name_the_field() {
    // BEACON cut after the cost byte: flags are missing.
    let b = crate::hex::decode("f00500050abc021123").unwrap();
    let e = parse(&b[..7]).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            bit_offset: 56,
            field: "flags".into(),
            needed: 4,
            available: 0
        }
    );
    // NEIGHBOUR_REPORT with 4 entries, last entry cut.
    let n = crate::hex::decode("f04d019340110212af0000c00101501102080103ffff").unwrap();
    let e = parse(&n[..21]).unwrap_err();
    assert_eq!(e.field(), "neighbours[3].station_id");
    assert_eq!(e.bit_offset(), 80 + 24 * 3 + 12);
    // FORWARD needs the inner header.
    let f = crate::hex::decode("f009000b10307fff123400").unwrap();
    let e = parse(&f[..9]).unwrap_err();
    assert_eq!(
        (e.kind(), e.field(), e.bit_offset()),
        ("truncated", "inner", 48)
    );
    assert!(parse(&f[..10]).is_ok());
    // not a mesh packet
    let e = parse(&[0x00, 0x01, 0x00, 0x00, 0x00]).unwrap_err();
    assert_eq!((e.kind(), e.field()), ("malformed", "variant"));
    assert!(!is_mesh(&[]));
    assert!(!is_mesh(&[0xE0]));
    assert!(is_mesh(&[0xF0]));
}

#[test]
fn forward_pad_nibble_is_ignored() {
    let f = crate::hex::decode("f009000b10377fff123400").unwrap();
    let p = parse(&f).unwrap();
    assert_eq!(
        p.body,
        MeshBody::Forward {
            ttl: 3,
            inner: crate::hex::decode("7fff123400").unwrap()
        }
    );
    assert_eq!(
        crate::hex::encode(&p.to_bytes().unwrap()),
        "f009000b10307fff123400"
    );
}

#[test]
fn encoder_range_checks() {
    let pk = |body| MeshPacket {
        sender_station: 1,
        sender_seq: 1,
        body,
    };
    let err = |p: MeshPacket| p.to_bytes().unwrap_err();
    let e = err(MeshPacket {
        sender_station: 4096,
        sender_seq: 0,
        body: MeshBody::RouteError { reason: 0 },
    });
    assert_eq!(
        e,
        EncodeError::range(
            "sender_station",
            Quantity::Station,
            Bound::High,
            4096.0,
            4095.0
        )
    );
    let beacon = |gateway_id, flags, generation| {
        pk(MeshBody::Beacon {
            gateway_id,
            cost: 0,
            flags,
            generation,
        })
    };
    assert!(beacon(4095, 15, 4095).to_bytes().is_ok());
    assert_eq!(
        err(beacon(4096, 0, 0)).to_string(),
        "gateway_id: hdr station 4096 is above the maximum 4095"
    );
    assert!(
        matches!(err(beacon(0, 16, 0)), EncodeError::OutOfRange { ref field, .. } if field == "flags")
    );
    assert!(
        matches!(err(beacon(0, 0, 4096)), EncodeError::OutOfRange { ref field, .. } if field == "generation")
    );
    assert!(err(pk(MeshBody::RouteError { reason: 16 })).kind() == "out_of_range");
    assert!(
        err(pk(MeshBody::Ack {
            fwd_station: 5000,
            fwd_seq: 0
        }))
        .kind()
            == "out_of_range"
    );
    assert!(
        err(pk(MeshBody::Forward {
            ttl: 1,
            inner: vec![1, 2, 3]
        }))
        .kind()
            == "out_of_range"
    );
    assert!(
        err(pk(MeshBody::Ping {
            target_id: 4096,
            ttl: 0,
            ping_id: 0
        }))
        .kind()
            == "out_of_range"
    );
    assert!(
        err(pk(MeshBody::Pong {
            gateway_id: 4096,
            relays: 0,
            ping_id: 0
        }))
        .kind()
            == "out_of_range"
    );
    let nr = |neighbours: Vec<Neighbour>| {
        pk(MeshBody::NeighbourReport {
            parent_id: PARENT_NONE,
            my_cost: 0,
            gateway_id: 0,
            neighbours,
        })
    };
    let ok = Neighbour {
        cost: 1,
        rssi_q4: 15,
        station_id: 4095,
    };
    assert!(nr(vec![ok; 63]).to_bytes().is_ok());
    assert!(
        matches!(err(nr(vec![ok; 64])), EncodeError::OutOfRange { ref field, .. } if field == "neighbours")
    );
    let e = err(nr(vec![ok, Neighbour { rssi_q4: 16, ..ok }]));
    assert!(
        matches!(e, EncodeError::OutOfRange { ref field, quantity: Quantity::LinkRssi, .. } if field == "neighbours[1].rssi_q4")
    );
    let e = err(nr(vec![Neighbour {
        station_id: 4096,
        ..ok
    }]));
    assert!(
        matches!(e, EncodeError::OutOfRange { ref field, .. } if field == "neighbours[0].station_id")
    );
}

#[test]
fn json_documents() {
    let recs = packet_records();
    let by_name = |n: &str| {
        let r = recs.iter().find(|r| r["name"] == n).unwrap();
        to_json(&parse(&hex_of(r, "hex")).unwrap())
    };
    assert_eq!(
        by_name("beacon_flags_upper_bits_dropped"),
        r#"{"variant":15,"sender_station":5,"sender_seq":5,"ctrl_type":0,"ctrl_name":"BEACON","gateway_id":2748,"cost":2,"flags":1,"generation":291}"#
    );
    assert_eq!(
        by_name("forward_opaque_inner_variant7"),
        r#"{"variant":15,"sender_station":9,"sender_seq":11,"ctrl_type":1,"ctrl_name":"FORWARD","ttl":3,"inner_hex":"7fff123400","inner":{"stub_len":5}}"#
    );
    assert_eq!(
        by_name("ack_basic"),
        r#"{"variant":15,"sender_station":1,"sender_seq":200,"ctrl_type":2,"ctrl_name":"ACK","fwd_station":42,"fwd_seq":300}"#
    );
    assert_eq!(
        by_name("route_error_overloaded"),
        r#"{"variant":15,"sender_station":42,"sender_seq":302,"ctrl_type":3,"ctrl_name":"ROUTE_ERROR","reason":1,"reason_name":"overloaded"}"#
    );
    assert_eq!(
        by_name("neighbour_report_1"),
        r#"{"variant":15,"sender_station":42,"sender_seq":402,"ctrl_type":4,"ctrl_name":"NEIGHBOUR_REPORT","parent_id":1,"my_cost":1,"num_neighbours":1,"gateway_id":1447,"neighbours":[{"cost":0,"rssi_q4":10,"rssi_dbm":-70,"station_id":1}]}"#
    );
    assert_eq!(
        by_name("ping_basic"),
        r#"{"variant":15,"sender_station":1,"sender_seq":500,"ctrl_type":5,"ctrl_name":"PING","target_id":42,"ttl":7,"ping_id":1}"#
    );
    assert_eq!(
        by_name("pong_basic"),
        r#"{"variant":15,"sender_station":42,"sender_seq":501,"ctrl_type":6,"ctrl_name":"PONG","gateway_id":1,"relays":2,"ping_id":1}"#
    );
    for (reason, name) in [
        (0, "parent_lost"),
        (1, "overloaded"),
        (2, "shutdown"),
        (3, "reserved"),
        (15, "reserved"),
    ] {
        assert_eq!(reason_name(reason), name);
    }
}

#[test]
fn json_input_errors() {
    let j = |s: &str| mesh_from_json(&serde_json::from_str(s).unwrap());
    let base = r#""sender_station":1,"sender_seq":2"#;
    assert!(j(&format!(
        r#"{{{base},"ctrl_name":"PING","target_id":3,"ttl":4,"ping_id":5}}"#
    ))
    .is_ok());
    assert!(j(&format!(r#"{{{base},"ctrl_name":"NEIGHBOUR_RPT","parent_id":1,"my_cost":1,"gateway_id":1,"neighbours":[{{"cost":1,"rssi_dbm":-67,"station_id":9}}]}}"#)).is_ok());
    assert_eq!(
        j(&format!(r#"{{{base}}}"#)).unwrap_err().kind(),
        "json_missing_field"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":0,"ctrl_name":"ACK","fwd_station":1,"fwd_seq":1}}"#
        ))
        .unwrap_err()
        .kind(),
        "json_invalid"
    );
    assert_eq!(
        j(&format!(
            r#"{{"variant":3,{base},"ctrl_type":3,"reason":1}}"#
        ))
        .unwrap_err()
        .kind(),
        "json_invalid"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":256,"flags":1,"generation":1}}"#
        ))
        .unwrap_err()
        .kind(),
        "out_of_range"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":-1,"flags":1,"generation":1}}"#
        ))
        .unwrap_err()
        .kind(),
        "out_of_range"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":1.5,"flags":1,"generation":1}}"#
        ))
        .unwrap_err()
        .kind(),
        "json_invalid"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":1,"ttl":1,"inner_hex":"abc"}}"#
        ))
        .unwrap_err()
        .kind(),
        "json_invalid"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_type":1,"ttl":1,"inner_hex":"0011"}}"#
        ))
        .unwrap_err()
        .kind(),
        "out_of_range"
    );
    assert_eq!(
        j(&format!(r#"{{{base},"ctrl_type":4,"parent_id":1,"my_cost":1,"gateway_id":1,"num_neighbours":2,"neighbours":[]}}"#))
            .unwrap_err()
            .kind(),
        "json_invalid"
    );
    assert_eq!(
        j(&format!(
            r#"{{{base},"ctrl_name":"UNKNOWN","payload_hex":"70"}}"#
        ))
        .unwrap_err()
        .kind(),
        "json_missing_field"
    );
    assert_eq!(j("[]").unwrap_err().kind(), "json_invalid");
}

#[test]
fn dump_entries() {
    let recs = packet_records();
    for r in &recs {
        let name = r["name"].as_str().unwrap();
        let bytes = hex_of(r, "hex");
        let p = parse(&bytes).unwrap();
        let mut d = Vec::new();
        dump_mesh(&p, &mut d);
        let names: Vec<&str> = d.iter().take(4).map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            ["variant", "station", "sequence", "ctrl_type"],
            "{name}"
        );
        // entries are contiguous and cover exactly the encoded bits
        let mut at = 0;
        for e in &d {
            assert_eq!(e.bit_offset, at, "{name}: {}", e.field);
            // raw values of fields up to 32 bits match the wire
            if e.bit_length <= 32 {
                let mut rd = BitReader::at(&bytes, e.bit_offset);
                assert_eq!(
                    rd.read(e.bit_length as u32).map(u64::from),
                    Some(e.raw),
                    "{name}: {}",
                    e.field
                );
            }
            at += e.bit_length;
        }
        assert_eq!(at.div_ceil(8), bytes.len(), "{name}");
    }
    let r = recs
        .iter()
        .find(|r| r["name"] == "neighbour_report_4")
        .unwrap();
    let mut d = Vec::new();
    dump_mesh(&parse(&hex_of(r, "hex")).unwrap(), &mut d);
    let e = d
        .iter()
        .find(|e| e.field == "neighbours[1].rssi_q4")
        .unwrap();
    assert_eq!(
        (e.bit_offset, e.bit_length, e.raw, e.decoded.as_str()),
        (80 + 24 + 8, 4, 5, "-95 dBm")
    );
    let e = d.iter().find(|e| e.field == "station").unwrap();
    assert_eq!(e.range, "0-4095");
}

fn arb_body() -> impl Strategy<Value = MeshBody> {
    let id = 0u16..=4095;
    let nb =
        (any::<u8>(), 0u8..=15, 0u16..=4095).prop_map(|(cost, rssi_q4, station_id)| Neighbour {
            cost,
            rssi_q4,
            station_id,
        });
    prop_oneof![
        (id.clone(), any::<u8>(), 0u8..=15, 0u16..=4095).prop_map(
            |(gateway_id, cost, flags, generation)| {
                MeshBody::Beacon {
                    gateway_id,
                    cost,
                    flags,
                    generation,
                }
            }
        ),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 4..64))
            .prop_map(|(ttl, inner)| MeshBody::Forward { ttl, inner }),
        (id.clone(), any::<u16>()).prop_map(|(fwd_station, fwd_seq)| MeshBody::Ack {
            fwd_station,
            fwd_seq
        }),
        (0u8..=15).prop_map(|reason| MeshBody::RouteError { reason }),
        (
            id.clone(),
            any::<u8>(),
            id.clone(),
            proptest::collection::vec(nb, 0..=63)
        )
            .prop_map(|(parent_id, my_cost, gateway_id, neighbours)| {
                MeshBody::NeighbourReport {
                    parent_id,
                    my_cost,
                    gateway_id,
                    neighbours,
                }
            }),
        (id.clone(), any::<u8>(), any::<u8>()).prop_map(|(target_id, ttl, ping_id)| {
            MeshBody::Ping {
                target_id,
                ttl,
                ping_id,
            }
        }),
        (id, any::<u8>(), any::<u8>()).prop_map(|(gateway_id, relays, ping_id)| {
            MeshBody::Pong {
                gateway_id,
                relays,
                ping_id,
            }
        }),
        (
            7u8..=15,
            0u8..=15,
            proptest::collection::vec(any::<u8>(), 0..32)
        )
            .prop_map(|(ctrl_type, low, rest)| {
                let mut payload = vec![(ctrl_type << 4) | low];
                payload.extend(rest);
                MeshBody::Unknown { ctrl_type, payload }
            }),
    ]
}

fn arb_packet() -> impl Strategy<Value = MeshPacket> {
    (0u16..=4095, any::<u16>(), arb_body()).prop_map(|(sender_station, sender_seq, body)| {
        MeshPacket {
            sender_station,
            sender_seq,
            body,
        }
    })
}

proptest! {
    #[test]
    fn prop_bytes_roundtrip(p in arb_packet()) {
        let bytes = p.to_bytes().unwrap();
        prop_assert!(is_mesh(&bytes));
        prop_assert_eq!(parse(&bytes).unwrap(), p.clone());
        let alt = p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap();
        prop_assert_eq!(alt.len(), bytes.len());
        prop_assert_eq!(parse_with_layout(&alt, NeighbourLayout::Bitstream).unwrap(), p);
    }

    #[test]
    fn prop_json_roundtrip(p in arb_packet()) {
        let text = to_json(&p);
        let v: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(mesh_from_json(&v).unwrap(), p);
    }

    #[test]
    fn prop_random_frames_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..80), mesh in any::<bool>()) {
        if mesh {
            if let Some(b) = bytes.first_mut() { *b |= 0xF0; }
        }
        for layout in [NeighbourLayout::Aligned, NeighbourLayout::Bitstream] {
            if let Ok(p) = parse_with_layout(&bytes, layout) {
                let again = p.to_bytes_with_layout(layout).unwrap();
                prop_assert!(again.len() <= bytes.len());
                prop_assert_eq!(parse_with_layout(&again, layout).unwrap(), p.clone());
                let mut d = Vec::new();
                dump_mesh(&p, &mut d);
                let mut s = String::new();
                write_mesh_json(&mut s, &p, &stub_inner);
                prop_assert!(serde_json::from_str::<Value>(&s).is_ok());
            }
        }
    }
}

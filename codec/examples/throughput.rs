//! Packets per second for the hot paths, in a form that is quick to read
//! (criterion's `cargo bench -p iotdata` gives the statistics).
//!
//! ```text
//! cargo run --release -p iotdata --example throughput [SECONDS_PER_CASE] [FILTER]
//! ```
//!
//! With FILTER, only the cases whose name contains it run (for profiling).
//!
//! Prints one line per case, e.g. `decode 32B            7.10 M/s`. The last
//! case, `receiver ingest`, runs a gateway's whole receive path (decode,
//! FORWARD unwrap, de-duplication, sequence tracking, topology) over 4,095
//! stations sending full weather packets, a third of them forwarded by
//! relays and one in ten heard twice.

use std::hint::black_box;
use std::time::{Duration, Instant};

use iotdata::mesh::{MeshBody, MeshPacket};
use iotdata::receiver::{Receiver, ReceiverConfig};
use iotdata::view::{decode_into, PacketBuf};
use iotdata::{
    decode, encode, frame, json, json_view, DecodeOptions, Encoder, FieldValue, VariantMap,
};

/// The full 32-byte weather-station frame (all twelve fields).
const FRAME_32: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";
/// The 16-byte frame of specification §13 (six fields).
const FRAME_16: &str = "002a00043fd1b7b51ad1500440cf5270";

/// Warms `f` up (caches, branch predictors, allocator), then runs it for
/// `budget`; returns calls per second.
fn rate(budget: Duration, f: &mut dyn FnMut()) -> f64 {
    for _ in 0..10_000 {
        f();
    }
    let (calls, secs) = run_for(budget, f);
    calls / secs
}

/// Rounds in which [`compare`] alternates the old and the new path.
const ROUNDS: u32 = 6;

/// Calls `f` in doubling batches until `budget` has passed; returns (calls,
/// seconds).
fn run_for(budget: Duration, f: &mut dyn FnMut()) -> (f64, f64) {
    let start = Instant::now();
    let mut calls: u64 = 0;
    let mut batch: u64 = 1_000;
    loop {
        for _ in 0..batch {
            f();
        }
        calls += batch;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return (calls as f64, elapsed.as_secs_f64());
        }
        batch = (batch * 2).min(1 << 18);
    }
}

/// Runs `old` and `new` alternately, [`ROUNDS`] rounds of `budget / ROUNDS`
/// each, so that both see the same machine load; returns (old calls/s, new
/// calls/s, median of the per-round ratios new/old).
fn compare(budget: Duration, old: &mut dyn FnMut(), new: &mut dyn FnMut()) -> (f64, f64, f64) {
    for _ in 0..10_000 {
        old();
        new();
    }
    let slice = budget / ROUNDS;
    let (mut oc, mut ot, mut nc, mut nt) = (0.0, 0.0, 0.0, 0.0);
    let mut ratios = Vec::new();
    for _ in 0..ROUNDS {
        let (c, t) = run_for(slice, old);
        let (c2, t2) = run_for(slice, new);
        (oc, ot, nc, nt) = (oc + c, ot + t, nc + c2, nt + t2);
        ratios.push((c2 / t2) / (c / t));
    }
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    let median = (ratios.get(mid - 1).copied().unwrap_or(0.0)
        + ratios.get(mid).copied().unwrap_or(0.0))
        / 2.0;
    (oc / ot, nc / nt, median)
}

/// Prints an old/new pair from [`compare`].
fn show_pair(old: &str, new: &str, (o, n, median): (f64, f64, f64)) {
    show(old, o);
    show(new, n);
    println!(
        "  -> {new} / {old}: {:.2}x (median of {ROUNDS} alternating rounds: {median:.2}x)",
        n / o
    );
}

fn show(name: &str, per_sec: f64) {
    if per_sec < 0.0 {
        return;
    }
    if per_sec >= 1e6 {
        println!("{name:<22} {:>7.2} M/s", per_sec / 1e6);
    } else {
        println!("{name:<22} {:>7.1} k/s", per_sec / 1e3);
    }
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let budget = Duration::from_secs_f64(secs);
    let filter = std::env::args().nth(2).unwrap_or_default();
    // Runs a case unless FILTER excludes it (then reports -1: not shown).
    let case = |name: &str, f: &mut dyn FnMut()| -> f64 {
        if name.contains(filter.as_str()) {
            rate(budget, f)
        } else {
            -1.0
        }
    };
    let map = VariantMap::default_map();
    let strict = DecodeOptions::STRICT;
    for (label, hex) in [("32B", FRAME_32), ("16B", FRAME_16)] {
        let bytes = iotdata::hex::decode(hex).expect("valid hex");
        let packet = decode(&bytes, &map, strict).expect("frame decodes");
        assert_eq!(encode(&packet, &map).expect("re-encodes"), bytes);
        let text = json::to_json(&packet, &map);
        assert_eq!(frame::decode_to_json(&bytes, &map, strict), text);

        let mut buf = PacketBuf::new();
        decode_into(&bytes, &map, strict, &mut buf).expect("frame decodes");
        assert_eq!(json_view::to_json(&buf, &bytes, &map), text);

        // Old path against new, alternating in one run.
        let (old, new) = (format!("decode {label}"), format!("decode_into {label}"));
        if new.contains(filter.as_str()) {
            let mut buf2 = PacketBuf::new();
            let r = compare(
                budget * 2,
                &mut || {
                    black_box(decode(black_box(&bytes), &map, strict).ok());
                },
                &mut || {
                    black_box(decode_into(black_box(&bytes), &map, strict, &mut buf2).ok());
                    black_box(&buf2);
                },
            );
            show_pair(&old, &new, r);
        }
        let (old, new) = (
            format!("decode->json {label}"),
            format!("decode_into->json {label}"),
        );
        if new.contains(filter.as_str()) {
            let mut buf2 = PacketBuf::new();
            let r = compare(
                budget * 2,
                &mut || {
                    let p = decode(black_box(&bytes), &map, strict).expect("decodes");
                    black_box(json::to_json(&p, &map));
                },
                &mut || {
                    decode_into(black_box(&bytes), &map, strict, &mut buf2).expect("decodes");
                    black_box(json_view::to_json(&buf2, &bytes, &map));
                },
            );
            show_pair(&old, &new, r);
        }

        let name = format!("decode {label}");
        show(
            &name,
            case(&name, &mut || {
                black_box(decode(black_box(&bytes), &map, strict).ok());
            }),
        );
        let name = format!("decode->json {label}");
        show(
            &name,
            case(&name, &mut || {
                let p = decode(black_box(&bytes), &map, strict).expect("decodes");
                black_box(json::to_json(&p, &map));
            }),
        );
        let name = format!("decode_to_json {label}");
        show(
            &name,
            case(&name, &mut || {
                black_box(frame::decode_to_json(black_box(&bytes), &map, strict));
            }),
        );
        let name = format!("encode {label}");
        show(
            &name,
            case(&name, &mut || {
                black_box(encode(black_box(&packet), &map).ok());
            }),
        );
        let name = format!("json->encode {label}");
        show(
            &name,
            case(&name, &mut || {
                black_box(json::encode_json(black_box(&text), &map).ok());
            }),
        );
    }

    let name = "receiver ingest";
    if name.contains(filter.as_str()) {
        let frames = receiver_frames(&map);
        // Whole passes over the traffic, each into a fresh receiver (so
        // every pass sees the same mix of new packets and copies).
        let mut out = Vec::with_capacity(16);
        let start = Instant::now();
        let mut ingested = 0usize;
        let mut last = None;
        while ingested == 0 || start.elapsed() < budget {
            let mut rx = Receiver::new(map.clone(), ReceiverConfig::default());
            for (t, f) in (1_767_225_600_000i64..).zip(&frames) {
                out.clear();
                rx.ingest_into(black_box(f), "iotdata/raw/0001", t, &mut out);
            }
            ingested += frames.len();
            last = Some(rx);
        }
        show(name, ingested as f64 / start.elapsed().as_secs_f64());
        if let Some(rx) = last {
            println!(
                "  ({} frames a pass: {} stations, {} sensor packets, {} duplicates)",
                frames.len(),
                rx.station_count(),
                rx.stats().sensor_packets,
                rx.stats().duplicates
            );
        }
    }
}

/// Twelve rounds of full weather packets from stations 1..=4095; every third
/// station's packet arrives inside a FORWARD from one of 16 relays, every
/// tenth is heard a second time.
fn receiver_frames(map: &VariantMap) -> Vec<Vec<u8>> {
    let full = |station: u16, seq: u16| -> Vec<u8> {
        let mut e = Encoder::new(map, 0, station, seq).expect("variant 0");
        for v in [
            FieldValue::battery(80, false),
            FieldValue::link(-90, 5.0),
            FieldValue::environment(21.5, 1013, 45),
            FieldValue::wind(3.5, 180, 7.0),
            FieldValue::rain(2, 12),
            FieldValue::solar(400, 3),
            FieldValue::position(59.3, 18.0),
            FieldValue::datetime(u32::from(seq) * 60),
        ] {
            e.add(v.expect("in range")).expect("in the variant");
        }
        e.finish().expect("encodes")
    };
    let mut frames = Vec::new();
    for round in 0..12u16 {
        for station in 1..4096u16 {
            let f = full(station, round);
            if station % 10 == 0 {
                frames.push(f.clone());
            }
            if station % 3 == 0 {
                let fwd = MeshPacket {
                    sender_station: 0x800 | (station % 16),
                    sender_seq: round.wrapping_mul(4096).wrapping_add(station),
                    body: MeshBody::Forward { ttl: 5, inner: f },
                };
                frames.push(fwd.to_bytes().expect("encodes"));
            } else {
                frames.push(f);
            }
        }
    }
    frames
}

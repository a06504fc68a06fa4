//! The codec cases of the browser benchmark, shared by its native run
//! (`cargo run --release -p iotdata --example bench_native`) and its
//! browser run (`web/tests/bench.rs`, the `bench-web` step), so that both
//! time the same work: strict `decode` and `frame::decode_to_json` of the
//! 32-byte full weather-station frame and the 16-byte frame of
//! specification §13.

// Each includer uses a different part (the writer or the reader of the line).
#![allow(dead_code)]

use std::hint::black_box;

use iotdata::{decode, frame, DecodeOptions, VariantMap};

/// The frames timed: `(label, hex)`.
pub const FRAMES: [(&str, &str); 2] = [
    (
        "32B",
        "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210",
    ),
    ("16B", "002a00043fd1b7b51ad1500440cf5270"),
];

/// Timed rounds per case: the best round counts, so that other work on a
/// shared machine (which only ever slows a round down) disturbs the figure
/// less, and the native and browser runs compare like with like.
pub const ROUNDS: u32 = 20;

/// Calls of `f` per second: the best of [`ROUNDS`] rounds of about
/// `budget_ms / ROUNDS` each of `now_ms` (a millisecond clock), each run in
/// doubling batches, after a warm-up.
fn rate(budget_ms: f64, now_ms: &dyn Fn() -> f64, f: &mut dyn FnMut()) -> f64 {
    for _ in 0..1_000 {
        f();
    }
    let round_ms = budget_ms / f64::from(ROUNDS);
    let mut best = 0.0f64;
    for _ in 0..ROUNDS {
        let start = now_ms();
        let mut calls: u64 = 0;
        let mut batch: u64 = 100;
        loop {
            for _ in 0..batch {
                f();
            }
            calls += batch;
            let elapsed = now_ms() - start;
            if elapsed >= round_ms {
                best = best.max(calls as f64 / (elapsed / 1000.0));
                break;
            }
            batch = (batch * 2).min(1 << 16);
        }
    }
    best
}

/// Times every case for about `budget_ms`: `(case name, calls per second)`
/// in a fixed order (`decode 32B`, `decode->json 32B`, `decode 16B`,
/// `decode->json 16B`).
pub fn measure(budget_ms: f64, now_ms: &dyn Fn() -> f64) -> Vec<(String, f64)> {
    let map = VariantMap::default_map();
    let strict = DecodeOptions::STRICT;
    let mut out = Vec::with_capacity(2 * FRAMES.len());
    for (label, hex) in FRAMES {
        let bytes = iotdata::hex::decode(hex).expect("valid hex");
        assert!(decode(&bytes, &map, strict).is_ok(), "{label} decodes");
        let per_sec = rate(budget_ms, now_ms, &mut || {
            black_box(decode(black_box(&bytes), &map, strict).ok());
        });
        out.push((format!("decode {label}"), per_sec));
        let per_sec = rate(budget_ms, now_ms, &mut || {
            black_box(frame::decode_to_json(black_box(&bytes), &map, strict));
        });
        out.push((format!("decode->json {label}"), per_sec));
    }
    out
}

/// The figures as one line, `name=calls per second` joined by `;` (what
/// `bench_native` writes and `bench-web` reads).
pub fn to_line(rates: &[(String, f64)]) -> String {
    rates
        .iter()
        .map(|(name, r)| format!("{name}={r:.0}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses [`to_line`]'s text; unparsable parts are left out.
pub fn from_line(line: &str) -> Vec<(String, f64)> {
    line.trim()
        .split(';')
        .filter_map(|part| {
            let (name, r) = part.split_once('=')?;
            Some((name.trim().to_string(), r.trim().parse().ok()?))
        })
        .collect()
}

/// A rate for people: `8.90 M/s` or `720.0 k/s`.
pub fn show(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2} M/s", per_sec / 1e6)
    } else {
        format!("{:.1} k/s", per_sec / 1e3)
    }
}

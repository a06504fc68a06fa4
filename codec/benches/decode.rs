//! Criterion benchmarks of the hot paths: decode, decode -> JSON string and
//! encode of the full 32-byte station frame and the 16-byte frame of
//! specification §13. Each group holds the packet path (`decode`,
//! `decode_to_json_string`) next to the allocation-free path
//! (`decode_into`, `decode_into_to_json_string`), so one run gives both.
//!
//! ```text
//! cargo bench -p iotdata --bench decode
//! ```
//!
//! For a quick packets-per-second reading use the `throughput` example
//! instead: `cargo run --release -p iotdata --example throughput`.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{Criterion, Throughput};
    use iotdata::view::{decode_into, PacketBuf};
    use iotdata::{decode, encode, frame, json, json_view, DecodeOptions, VariantMap};

    /// The full 32-byte weather-station frame (all twelve fields).
    const FRAME_32: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";
    /// The 16-byte frame of specification §13 (six fields).
    const FRAME_16: &str = "002a00043fd1b7b51ad1500440cf5270";

    /// Registers every benchmark.
    pub fn benches(c: &mut Criterion) {
        let map = VariantMap::default_map();
        let strict = DecodeOptions::STRICT;
        for (label, hex) in [("32B", FRAME_32), ("16B", FRAME_16)] {
            let bytes = iotdata::hex::decode(hex).expect("valid hex");
            let packet = decode(&bytes, &map, strict).expect("frame decodes");
            let text = json::to_json(&packet, &map);

            let mut g = c.benchmark_group(format!("frame_{label}"));
            g.throughput(Throughput::Elements(1));
            g.bench_function("decode", |b| {
                b.iter(|| decode(black_box(&bytes), &map, strict));
            });
            let mut buf = PacketBuf::new();
            g.bench_function("decode_into", |b| {
                b.iter(|| decode_into(black_box(&bytes), &map, strict, &mut buf).is_ok());
            });
            g.bench_function("decode_to_json_string", |b| {
                b.iter(|| {
                    let p = decode(black_box(&bytes), &map, strict).expect("decodes");
                    json::to_json(&p, &map)
                });
            });
            g.bench_function("decode_into_to_json_string", |b| {
                b.iter(|| {
                    decode_into(black_box(&bytes), &map, strict, &mut buf).expect("decodes");
                    json_view::to_json(&buf, &bytes, &map)
                });
            });
            g.bench_function("frame_decode_to_json", |b| {
                b.iter(|| frame::decode_to_json(black_box(&bytes), &map, strict));
            });
            g.bench_function("encode", |b| {
                b.iter(|| encode(black_box(&packet), &map));
            });
            g.bench_function("encode_json", |b| {
                b.iter(|| json::encode_json(black_box(&text), &map));
            });
            g.finish();
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, native::benches);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

/// Benchmarks do not run on wasm32 (criterion is a native-only dev-dependency).
#[cfg(target_arch = "wasm32")]
fn main() {}

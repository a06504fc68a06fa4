//! A stable-toolchain smoke fuzzer: the cargo-fuzz targets' checks
//! (`codec/fuzz`) driven by a seeded RNG that mutates the conformance
//! vectors, for machines without nightly Rust.
//!
//! ```text
//! cargo run --release -p iotdata --example fuzz_smoke [ITERATIONS] [SEED]
//! cargo run --release -p iotdata --example fuzz_smoke -- --write-corpus codec/fuzz/corpus
//! ```
//!
//! Each iteration mutates a vector frame (bit flips, truncation, insertion,
//! deletion, splicing, random bytes) and decodes it every way under the
//! default, `suite` and `custom` maps, strict and lenient; then mutates a
//! canonical JSON document (numbers, members, text) and encodes it. A panic
//! prints the input (hex or JSON) and exits with status 1. `--write-corpus
//! DIR` writes the vector frames and their JSON as seed corpora for
//! `cargo fuzz` (`DIR/decode`, `DIR/encode_json`) and exits.

use std::panic::{catch_unwind, AssertUnwindSafe};

use iotdata::frame::{self, Frame};
use iotdata::{DecodeOptions, VariantMap};

const VARIANTS: &str = include_str!("../../tests/vectors/variants.json");
const VECTORS: [&str; 4] = [
    include_str!("../../tests/vectors/sensor.jsonl"),
    include_str!("../../tests/vectors/malformed.jsonl"),
    include_str!("../../tests/vectors/mesh.jsonl"),
    include_str!("../../tests/vectors/roundtrip.jsonl"),
];
const KINDS: [&str; 5] = [
    "short",
    "truncated",
    "variant_reserved",
    "variant_unknown",
    "malformed",
];

/// xorshift64*: small, seeded, good enough for mutation choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The decode target's checks (as `codec/fuzz/fuzz_targets/decode.rs`);
/// returns how many (map, mode) decodes succeeded.
fn check_decode(data: &[u8], maps: &[VariantMap]) -> usize {
    let mut ok = 0;
    for map in maps {
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            let res = frame::decode_frame(data, map, opts);
            if let Err(e) = &res {
                assert!(KINDS.contains(&e.kind()), "untyped error {e:?}");
                assert!(e.bit_offset() <= data.len() * 8, "{e:?}");
            }
            let text = frame::decode_to_json(data, map, opts);
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "invalid JSON {text}"
            );
            ok += usize::from(res.is_ok());
            let (dumped, entries) = frame::dump_frame(data, map, opts);
            assert_eq!(dumped, res, "dump_frame disagrees with decode_frame");
            let _ = frame::format_dump_table(&entries, None);
            if let Ok(Frame::Sensor(p)) = &res {
                assert!(p.packed_bytes() <= data.len());
                for f in &p.fields {
                    if let iotdata::FieldValue::Image(img) = &f.value {
                        let _ = img.decode_pixels();
                    }
                }
                if let Ok(bytes) = iotdata::encode(p, map) {
                    assert!(iotdata::decode(&bytes, map, DecodeOptions::STRICT).is_ok());
                }
            }
        }
    }
    ok
}

/// The encode_json target's checks (as `codec/fuzz/fuzz_targets/encode_json.rs`);
/// returns how many maps accepted the JSON.
fn check_encode(text: &str, maps: &[VariantMap]) -> usize {
    let mut ok = 0;
    for map in maps {
        let Ok(bytes) = frame::encode_frame_json(text, map) else {
            continue;
        };
        ok += 1;
        let f = frame::decode_frame(&bytes, map, DecodeOptions::STRICT)
            .unwrap_or_else(|e| panic!("accepted JSON gave undecodable bytes: {e}"));
        let back = frame::frame_to_json(&f, map, DecodeOptions::STRICT);
        let again = frame::encode_frame_json(&back, map)
            .unwrap_or_else(|e| panic!("our JSON did not re-encode: {e}\n{back}"));
        assert_eq!(again, bytes, "{back}");
    }
    ok
}

fn mutate_bytes(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        match rng.below(7) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(rng.below(b.len() + 1)),
            2 => {
                let i = rng.below(b.len() + 1);
                b.insert(i, rng.next() as u8);
            }
            3 if !b.is_empty() => {
                b.remove(rng.below(b.len()));
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(b.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[rng.below(other.len() + 1)..]);
            }
            5 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            _ => {
                b = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
            }
        }
    }
    b.truncate(300);
    b
}

const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1e999",
    "-1e999",
    "1e-400",
    "0.5",
    "65536",
    "4096",
    "16",
    "\"NaN\"",
    "\"12\"",
    "null",
    "true",
    "18446744073709551616",
];

fn mutate_json(rng: &mut Rng, seeds: &[String]) -> String {
    let mut s = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(3) {
        // Work on char boundaries only.
        let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let at = cuts[rng.below(cuts.len())];
        match rng.below(4) {
            0 => {
                // Replace the number starting at or after `at`.
                if let Some(off) = s[at..].find(|c: char| c.is_ascii_digit() || c == '-') {
                    let start = at + off;
                    let end = s[start..]
                        .find(|c: char| {
                            !(c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
                        })
                        .map_or(s.len(), |e| start + e);
                    s.replace_range(start..end, NUMBERS[rng.below(NUMBERS.len())]);
                }
            }
            1 => {
                let end = cuts[rng.below(cuts.len())].max(at);
                s.replace_range(at..end, "");
            }
            2 => s.insert_str(
                at,
                ["{", "}", "[", "]", ",", ":", "\"", "\"x\":1,", "\\u0000"][rng.below(9)],
            ),
            _ => {
                let other = &seeds[rng.below(seeds.len())];
                let ocuts: Vec<usize> = other
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([other.len()])
                    .collect();
                s.truncate(at);
                s.push_str(&other[ocuts[rng.below(ocuts.len())]..]);
            }
        }
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut maps = vec![VariantMap::default_map()];
    for name in ["suite", "custom"] {
        maps.push(VariantMap::select(VARIANTS, Some(name)).expect("vector map"));
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for file in VECTORS {
        for line in file.lines().filter(|l| !l.trim().is_empty()) {
            let rec: serde_json::Value = serde_json::from_str(line).expect("vector line");
            if let Some(b) = rec["hex"]
                .as_str()
                .and_then(|h| iotdata::hex::decode(h).ok())
            {
                frames.push(b);
            }
            for key in ["json_text", "json_in"] {
                if let Some(t) = rec[key].as_str() {
                    texts.push(t.to_string());
                }
            }
        }
    }
    if args.first().map(String::as_str) == Some("--write-corpus") {
        let dir = std::path::PathBuf::from(args.get(1).map_or("codec/fuzz/corpus", String::as_str));
        for (sub, items) in [
            ("decode", frames.clone()),
            (
                "encode_json",
                texts.iter().map(|t| t.as_bytes().to_vec()).collect(),
            ),
        ] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).expect("create corpus directory");
            for (i, item) in items.iter().enumerate() {
                std::fs::write(d.join(format!("vector_{i:04}")), item).expect("write corpus file");
            }
            println!("{}: {} seeds", d.display(), items.len());
        }
        return;
    }
    let iterations: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let seed: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x1075_DA7A);
    let mut rng = Rng(seed | 1);
    std::panic::set_hook(Box::new(|_| {})); // reported below, with the input
    let start = std::time::Instant::now();
    let (mut decoded, mut encoded) = (0usize, 0usize);
    for i in 0..iterations {
        let data = mutate_bytes(&mut rng, &frames);
        match catch_unwind(AssertUnwindSafe(|| check_decode(&data, &maps))) {
            Ok(n) => decoded += n,
            Err(e) => {
                eprintln!(
                    "iteration {i}: decode check failed for {}",
                    iotdata::hex::encode(&data)
                );
                eprintln!("{}", panic_text(&e));
                std::process::exit(1);
            }
        }
        let text = mutate_json(&mut rng, &texts);
        match catch_unwind(AssertUnwindSafe(|| check_encode(&text, &maps))) {
            Ok(n) => encoded += n,
            Err(e) => {
                eprintln!("iteration {i}: encode check failed for {text}");
                eprintln!("{}", panic_text(&e));
                std::process::exit(1);
            }
        }
    }
    println!(
        "fuzz_smoke: {iterations} iterations (seed {seed}) in {:.1} s, no failure \
         ({decoded} successful decodes of {} tried, {encoded} JSON documents encoded)",
        start.elapsed().as_secs_f64(),
        iterations as usize * maps.len() * 2,
    );
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

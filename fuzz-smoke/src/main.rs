//! A time-boxed fuzz run with a cost bound per input, on stable Rust.
//!
//! ```text
//! cargo run --profile fuzz -p iotdata-fuzz-smoke -- [--seconds 60] [--seed N]
//!     [--target NAME]... [--iterations N] [--max-ms 10] [--max-bytes 1000000]
//! cargo run --profile fuzz -p iotdata-fuzz-smoke -- --replay NAME HEX|FILE
//! cargo run --profile fuzz -p iotdata-fuzz-smoke -- --write-corpus codec/fuzz/corpus
//! ```
//!
//! Each target turns inputs from a seeded generator (mutated conformance
//! vectors, structured documents and streams, random bytes) into calls of
//! the code under test. An input fails the run when it panics, takes more
//! than `--max-ms` milliseconds (the least of three runs, so that a
//! descheduled process does not fail it), or makes the live heap grow by
//! more than `--max-bytes` bytes. A failure prints the target and the input
//! in hex (and writes it to `.tmp/fuzz-smoke/`); the exit status is 1.
//! Every target reports executions per second, its slowest input and its
//! largest allocation. `--write-corpus DIR` writes the conformance vectors'
//! frames and JSON documents as seed corpora for the cargo-fuzz targets
//! (`DIR/decode`, `DIR/encode_json`) and exits.

mod alloc;
/// The checks of the cargo-fuzz `decode` and `encode_json` targets, shared
/// with them.
#[path = "../../codec/fuzz/fuzz_targets/checks.rs"]
mod checks;
mod codec_targets;
mod corpus;
mod formats_targets;
mod rng;
mod web_targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use corpus::Corpus;
use rng::Rng;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// The default seed: a run is reproducible unless `--seed` changes it.
const DEFAULT_SEED: u64 = 0x1075_DA7A;
/// Default total time budget, seconds, shared equally by the targets.
const DEFAULT_SECONDS: f64 = 60.0;
/// Most time one input may take, milliseconds.
const DEFAULT_MAX_MS: f64 = 10.0;
/// Most the live heap may grow during one input, bytes.
const DEFAULT_MAX_BYTES: usize = 1_000_000;
/// Inputs run before measuring (lazy statics, first-use allocations).
const WARMUP: usize = 32;
/// Hex shown for an input in the summary.
const PREVIEW: usize = 24;

type Gen = fn(&mut Rng, &Corpus) -> Vec<u8>;
type Run = fn(&[u8], &Corpus);

struct Target {
    name: &'static str,
    what: &'static str,
    generate: Gen,
    run: Run,
}

const TARGETS: [Target; 10] = [
    Target {
        name: "decode",
        what: "codec: decode_frame / decode_to_json / dump_frame, every map, strict and lenient",
        generate: codec_targets::gen_frame,
        run: codec_targets::run_decode,
    },
    Target {
        name: "encode_json",
        what: "codec: encode_frame_json and its round trip",
        generate: codec_targets::gen_json,
        run: codec_targets::run_encode_json,
    },
    Target {
        name: "mesh",
        what: "codec: mesh::parse (both layouts), dump, JSON, re-encode",
        generate: codec_targets::gen_mesh,
        run: codec_targets::run_mesh,
    },
    Target {
        name: "image",
        what: "codec: image decode_pixels, RLE and heatshrink decoders and round trips",
        generate: codec_targets::gen_image,
        run: codec_targets::run_image,
    },
    Target {
        name: "formats",
        what: "formats: OwnTelemetry, STI, Sideband and rtl_433 decoders (fuzz_one)",
        generate: formats_targets::gen,
        run: formats_targets::run,
    },
    Target {
        name: "mqtt",
        what: "web: MQTT 3.1.1/5 session over split byte streams",
        generate: web_targets::gen_mqtt,
        run: web_targets::run_mqtt,
    },
    Target {
        name: "payload",
        what: "web: payload::classify + decode_incoming",
        generate: web_targets::gen_payload_input,
        run: web_targets::run_payload,
    },
    Target {
        name: "settings",
        what: "web: query, hash, settings JSON, broker URL parsing",
        generate: web_targets::gen_settings,
        run: web_targets::run_settings,
    },
    Target {
        name: "maps",
        what: "web: parse_user_maps, VariantMap::select, map choice",
        generate: web_targets::gen_maps,
        run: web_targets::run_maps,
    },
    Target {
        name: "demo",
        what: "web: the demo recording's parser (Capture::parse) and player (DemoFeed)",
        generate: web_targets::gen_demo,
        run: web_targets::run_demo,
    },
];

static PANIC: Mutex<Option<String>> = Mutex::new(None);

struct Options {
    seconds: f64,
    seed: u64,
    targets: Vec<&'static Target>,
    iterations: Option<u64>,
    max_ms: f64,
    max_bytes: usize,
    replay: Option<(String, String)>,
    write_corpus: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: fuzz-smoke [--seconds S] [--seed N] [--target NAME]... [--iterations N] \
         [--max-ms MS] [--max-bytes B]\n       fuzz-smoke --replay NAME HEX|FILE\n       \
         fuzz-smoke --write-corpus DIR\ntargets:"
    );
    for t in &TARGETS {
        eprintln!("  {:<12} {}", t.name, t.what);
    }
    std::process::exit(2)
}

fn target(name: &str) -> &'static Target {
    TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| usage())
}

fn parse_args() -> Options {
    let mut o = Options {
        seconds: DEFAULT_SECONDS,
        seed: DEFAULT_SEED,
        targets: Vec::new(),
        iterations: None,
        max_ms: DEFAULT_MAX_MS,
        max_bytes: DEFAULT_MAX_BYTES,
        replay: None,
        write_corpus: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--seconds" => o.seconds = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => o.seed = value().parse().unwrap_or_else(|_| usage()),
            "--target" => {
                for n in value().split(',') {
                    o.targets.push(target(n));
                }
            }
            "--iterations" => o.iterations = Some(value().parse().unwrap_or_else(|_| usage())),
            "--max-ms" => o.max_ms = value().parse().unwrap_or_else(|_| usage()),
            "--max-bytes" => o.max_bytes = value().parse().unwrap_or_else(|_| usage()),
            "--replay" => {
                let name = value();
                o.replay = Some((name, value()));
            }
            "--write-corpus" => o.write_corpus = Some(value()),
            _ => usage(),
        }
    }
    if o.targets.is_empty() {
        o.targets = TARGETS.iter().collect();
    }
    o
}

/// One input's outcome.
struct Measured {
    panic: Option<String>,
    time: Duration,
    alloc: alloc::AllocCost,
}

fn measure(t: &Target, input: &[u8], corpus: &Corpus) -> Measured {
    let base = alloc::start();
    let start = Instant::now();
    let res = catch_unwind(AssertUnwindSafe(|| (t.run)(input, corpus)));
    let time = start.elapsed();
    let alloc = alloc::finish(base);
    let panic = res.err().map(|_| {
        PANIC
            .lock()
            .map(|mut p| p.take())
            .ok()
            .flatten()
            .unwrap_or_else(|| "panic".into())
    });
    Measured { panic, time, alloc }
}

fn hex_preview(input: &[u8]) -> String {
    let shown = iotdata::hex::encode(&input[..input.len().min(PREVIEW)]);
    if input.len() > PREVIEW {
        format!("{shown}… ({} bytes)", input.len())
    } else {
        format!("{shown} ({} bytes)", input.len())
    }
}

/// Prints a failing input (in full, and to a file for replay).
fn report_failure(t: &Target, what: &str, input: &[u8]) {
    let dir = std::path::Path::new(".tmp/fuzz-smoke");
    let file = dir.join(format!("{}-failure.bin", t.name));
    let saved = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&file, input))
        .is_ok();
    println!("FAIL {}: {what}", t.name);
    println!(
        "  input ({} bytes, hex): {}",
        input.len(),
        iotdata::hex::encode(input)
    );
    if saved {
        println!(
            "  saved to {}; replay: cargo run --profile fuzz -p iotdata-fuzz-smoke -- --replay {} {}",
            file.display(),
            t.name,
            file.display()
        );
    }
}

/// Runs one target; returns true when no input failed.
fn fuzz(t: &Target, o: &Options, budget: Duration, corpus: &Corpus) -> bool {
    let mut rng = Rng::new(o.seed ^ fnv(t.name));
    // Warm-up: first-use allocations are not the inputs' cost.
    for _ in 0..WARMUP {
        let input = (t.generate)(&mut rng, corpus);
        if let Some(p) = measure(t, &input, corpus).panic {
            report_failure(t, &format!("panic: {p}"), &input);
            return false;
        }
    }
    let max_time = Duration::from_secs_f64(o.max_ms / 1000.0);
    let start = Instant::now();
    let (mut execs, mut bytes) = (0u64, 0usize);
    let mut slowest: (Duration, String) = (Duration::ZERO, String::new());
    let mut largest: (usize, usize, String) = (0, 0, String::new());
    let mut last_note = Instant::now();
    let ok = loop {
        let done = match o.iterations {
            Some(n) => execs >= n,
            None => start.elapsed() >= budget,
        };
        if done {
            break true;
        }
        let input = (t.generate)(&mut rng, corpus);
        let mut m = measure(t, &input, corpus);
        execs += 1;
        bytes += input.len();
        if let Some(p) = m.panic {
            report_failure(t, &format!("panic: {p}"), &input);
            break false;
        }
        if m.time > max_time {
            // The least of three runs: a preempted run is not the input's cost.
            for _ in 0..2 {
                m.time = m.time.min(measure(t, &input, corpus).time);
            }
            if m.time > max_time {
                report_failure(
                    t,
                    &format!("took {:.2} ms (limit {} ms)", ms(m.time), o.max_ms),
                    &input,
                );
                break false;
            }
        }
        if m.alloc.peak > o.max_bytes {
            report_failure(
                t,
                &format!(
                    "heap grew by {} bytes (limit {}; {} allocated in all)",
                    m.alloc.peak, o.max_bytes, m.alloc.total
                ),
                &input,
            );
            break false;
        }
        if m.time > slowest.0 {
            slowest = (m.time, hex_preview(&input));
        }
        if m.alloc.peak > largest.0 {
            largest = (m.alloc.peak, m.alloc.total, hex_preview(&input));
        }
        if o.iterations.is_some() && last_note.elapsed() >= Duration::from_secs(30) {
            last_note = Instant::now();
            println!(
                "  {}: {execs} executions, {:.0} s",
                t.name,
                start.elapsed().as_secs_f64()
            );
        }
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<12} {:>9} execs in {:>5.1} s = {:>8.0}/s, mean input {:>6} B{}",
        t.name,
        execs,
        secs,
        execs as f64 / secs.max(1e-9),
        bytes / execs.max(1) as usize,
        if ok { "" } else { "  FAILED" }
    );
    println!("    slowest  {:>7.3} ms  {}", ms(slowest.0), slowest.1);
    println!(
        "    largest  {:>7} B peak ({} B allocated)  {}",
        largest.0, largest.1, largest.2
    );
    ok
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// FNV-1a: a per-target seed from its name.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn replay(name: &str, input: &str, corpus: &Corpus, o: &Options) -> bool {
    let t = target(name);
    let bytes = std::fs::read(input)
        .ok()
        .or_else(|| iotdata::hex::decode(input.trim()).ok())
        .unwrap_or_else(|| usage());
    let m = measure(t, &bytes, corpus);
    println!(
        "{}: {} bytes, {:.3} ms, heap grew by {} B ({} B allocated)",
        t.name,
        bytes.len(),
        ms(m.time),
        m.alloc.peak,
        m.alloc.total
    );
    match m.panic {
        Some(p) => {
            println!("panic: {p}");
            false
        }
        None => ms(m.time) <= o.max_ms && m.alloc.peak <= o.max_bytes,
    }
}

/// Writes the vectors' frames and JSON documents as seed corpora of the
/// cargo-fuzz targets `decode` and `encode_json` (one file per seed).
fn write_corpus(dir: &str, corpus: &Corpus) -> std::io::Result<()> {
    let json: Vec<&[u8]> = corpus.json.iter().map(|t| t.as_bytes()).collect();
    let frames: Vec<&[u8]> = corpus.frames.iter().map(Vec::as_slice).collect();
    for (sub, items) in [("decode", frames), ("encode_json", json)] {
        let d = std::path::Path::new(dir).join(sub);
        std::fs::create_dir_all(&d)?;
        for (i, item) in items.iter().enumerate() {
            std::fs::write(d.join(format!("vector_{i:04}")), item)?;
        }
        println!("{}: {} seeds", d.display(), items.len());
    }
    Ok(())
}

fn main() {
    let o = parse_args();
    std::panic::set_hook(Box::new(|info| {
        let text = match info.location() {
            Some(l) => format!("{info} (at {}:{})", l.file(), l.line()),
            None => info.to_string(),
        };
        if let Ok(mut p) = PANIC.lock() {
            *p = Some(text);
        }
    }));
    let corpus = Corpus::load();
    if let Some(dir) = &o.write_corpus {
        if let Err(e) = write_corpus(dir, &corpus) {
            eprintln!("fuzz-smoke: writing the corpus to {dir}: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Some((name, input)) = &o.replay {
        std::process::exit(if replay(name, input, &corpus, &o) {
            0
        } else {
            1
        });
    }
    let budget = Duration::from_secs_f64(o.seconds / o.targets.len() as f64);
    println!(
        "fuzz-smoke: seed {}, {} per target, limits {} ms and {} bytes per input",
        o.seed,
        match o.iterations {
            Some(n) => format!("{n} executions"),
            None => format!("{:.1} s", budget.as_secs_f64()),
        },
        o.max_ms,
        o.max_bytes
    );
    let mut failed = Vec::new();
    for t in &o.targets {
        if !fuzz(t, &o, budget, &corpus) {
            failed.push(t.name);
        }
    }
    if failed.is_empty() {
        println!("fuzz-smoke: no failure");
    } else {
        println!("fuzz-smoke: FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
}

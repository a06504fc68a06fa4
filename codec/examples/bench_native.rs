//! Native figures for the browser benchmark: the codec cases of
//! `support/codec_rates.rs` (decode and decode -> JSON of the 32- and
//! 16-byte frames), printed and written as one line to a file, which the
//! browser run reads to print its rates as a fraction of native.
//!
//! ```text
//! cargo run --release -p iotdata --example bench_native -- [OUT_FILE] [MS_PER_CASE]
//! ```
//!
//! OUT_FILE defaults to `.tmp/bench-native.txt` and MS_PER_CASE to 1000.
//! `scripts/test.sh bench-native` runs it; the `bench-web` step passes the
//! file's line to the browser build in `IOTDATA_BENCH_NATIVE`.

use std::path::PathBuf;
use std::time::Instant;

#[path = "support/codec_rates.rs"]
mod codec_rates;

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| ".tmp/bench-native.txt".into()),
    );
    let budget_ms: f64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000.0);
    let start = Instant::now();
    let rates = codec_rates::measure(budget_ms, &|| start.elapsed().as_secs_f64() * 1000.0);
    for (name, r) in &rates {
        println!("bench native: {name:<18} {:>12}", codec_rates::show(*r));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("bench_native: cannot create {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
    if let Err(e) = std::fs::write(&out, codec_rates::to_line(&rates) + "\n") {
        eprintln!("bench_native: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("bench native: written to {}", out.display());
}

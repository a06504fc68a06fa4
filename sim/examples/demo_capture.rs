//! Writes the dashboard's demo recording, `static/demo-feed.bin`
//! ([`iotdata_sim::capture::demo`]):
//!
//! ```sh
//! cargo run --release -p iotdata-sim --example demo_capture
//! ```
//!
//! An argument writes elsewhere. `sim/tests/capture.rs` fails when the
//! committed file differs from what the simulator records now.

use std::path::PathBuf;
use std::process::ExitCode;

use iotdata_sim::capture::{demo, DEMO_FILE};

fn main() -> ExitCode {
    let path = std::env::args_os().nth(1).map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(DEMO_FILE)
        },
        PathBuf::from,
    );
    let capture = demo();
    let bytes = capture.to_bytes();
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("demo_capture: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!(
        "{}: {} frames, {} simulated minutes, {} bytes",
        path.display(),
        capture.frames.len(),
        capture.duration_ms / 60_000,
        bytes.len()
    );
    ExitCode::SUCCESS
}

//! `iotdata`: decode, encode and dump iotdata frames from the command line.
//!
//! ```text
//! iotdata decode [--map FILE] [--map-name NAME] [--lenient] [HEX ...]
//! iotdata encode [--map FILE] [--map-name NAME]
//! iotdata dump   [--map FILE] [--map-name NAME] [--lenient] HEX
//! ```
//!
//! `decode` reads the HEX arguments or, with none, one frame per stdin line
//! and prints one compact JSON document per input, in order (an error
//! object for a frame that fails). `encode` reads one JSON document per
//! stdin line and prints lowercase hex (or an error object). Both exit 0
//! when all input was read, whatever individual frames did.

use clap::{Args, Parser, Subcommand};
use iotdata::frame::{decode_to_json, dump_frame, encode_frame_json, format_dump_table, Frame};
use iotdata::{DecodeOptions, VariantMap};
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "iotdata",
    version,
    about = "Decode, encode and dump iotdata frames"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args)]
struct MapArgs {
    /// Variant maps JSON (the vectors' variants.json schema); default: built-in map
    #[arg(long, value_name = "FILE")]
    map: Option<std::path::PathBuf>,
    /// Which map of the file to use (default: the only one, else "default", else the first)
    #[arg(long, value_name = "NAME")]
    map_name: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decode frames (HEX arguments, or one per stdin line) to JSON lines
    Decode {
        #[command(flatten)]
        map: MapArgs,
        /// Decode variants missing from the map with variant 0's layout
        #[arg(long)]
        lenient: bool,
        /// Frames as hex (spaces, 0x and ':' tolerated)
        hex: Vec<String>,
    },
    /// Encode canonical JSON documents (one per stdin line) to hex lines
    Encode {
        #[command(flatten)]
        map: MapArgs,
    },
    /// Print the bit-level table of one frame
    Dump {
        #[command(flatten)]
        map: MapArgs,
        /// Decode variants missing from the map with variant 0's layout
        #[arg(long)]
        lenient: bool,
        /// The frame as hex
        hex: String,
    },
}

fn load_map(a: &MapArgs) -> Result<VariantMap, String> {
    match &a.map {
        None => match &a.map_name {
            Some(n) if n != "default" => Err(format!(
                "--map-name {n}: no --map file given (built-in map is 'default')"
            )),
            _ => Ok(VariantMap::default_map()),
        },
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            VariantMap::select(&text, a.map_name.as_deref())
                .map_err(|e| format!("{}: {e}", path.display()))
        }
    }
}

fn hex_error(e: iotdata::hex::HexError) -> String {
    serde_json::json!({"error": {"kind": "hex", "message": e.to_string()}}).to_string()
}

fn decode_line(line: &str, map: &VariantMap, opts: DecodeOptions) -> String {
    match iotdata::hex::decode(line) {
        Ok(bytes) => decode_to_json(&bytes, map, opts),
        Err(e) => hex_error(e),
    }
}

fn run() -> Result<(), String> {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let io_err = |e: io::Error| e.to_string();
    match cli.cmd {
        Cmd::Decode { map, lenient, hex } => {
            let map = load_map(&map)?;
            let opts = DecodeOptions { lenient };
            if hex.is_empty() {
                for line in io::stdin().lock().lines() {
                    let line = line.map_err(io_err)?;
                    writeln!(out, "{}", decode_line(&line, &map, opts)).map_err(io_err)?;
                }
            } else {
                for h in &hex {
                    writeln!(out, "{}", decode_line(h, &map, opts)).map_err(io_err)?;
                }
            }
        }
        Cmd::Encode { map } => {
            let map = load_map(&map)?;
            for line in io::stdin().lock().lines() {
                let line = line.map_err(io_err)?;
                let text = match encode_frame_json(&line, &map) {
                    Ok(bytes) => iotdata::hex::encode(&bytes),
                    Err(e) => e.to_json_value().to_string(),
                };
                writeln!(out, "{text}").map_err(io_err)?;
            }
        }
        Cmd::Dump { map, lenient, hex } => {
            let map = load_map(&map)?;
            let bytes = iotdata::hex::decode(&hex).map_err(|e| format!("hex: {e}"))?;
            let (res, entries) = dump_frame(&bytes, &map, DecodeOptions { lenient });
            let total = match &res {
                Ok(Frame::Sensor(p)) => Some(p.packed_bits),
                Ok(Frame::Mesh(_)) => Some(bytes.len() * 8),
                Err(_) => None,
            };
            write!(out, "{}", format_dump_table(&entries, total)).map_err(io_err)?;
            if let Ok(Frame::Sensor(p)) = &res {
                for w in &p.warnings {
                    writeln!(out, "warning: {w}").map_err(io_err)?;
                }
            }
            if let Err(e) = res {
                writeln!(out, "\nerror ({}): {e}", e.kind()).map_err(io_err)?;
            }
        }
    }
    out.flush().map_err(io_err)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iotdata: {e}");
            ExitCode::from(2)
        }
    }
}

//! `iotdata-sim`: runs the deployment simulator and publishes the frames
//! the gateways receive to an MQTT broker (or prints them).
//!
//! ```text
//! iotdata-sim [--broker mqtt://127.0.0.1:1883] [--topic-prefix iotdata]
//!             [--rate X] [--seed N] [--duration S] [--format raw|hex|json]
//!             [--truth FILE] [--realtime|--fast] [--stdout]
//! ```
//!
//! Topics (see the README): raw frames, sensor or mesh, as binary payloads
//! on `<prefix>/raw/<gateway id, 4 lowercase hex digits>`; `--format hex`
//! the same topics with lowercase hex text; `--format json` the canonical
//! JSON of sensor packets (FORWARDs unwrapped, mesh frames skipped, each
//! gateway publishing a packet once) on
//! `<prefix>/<variant name>/<station, 4 upper-case hex digits>`.

mod mqtt;

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use iotdata::frame::{decode_frame, forward_inner, Frame};
use iotdata::{DecodeOptions, Packet, VariantMap};
use iotdata_sim::{SimConfig, Simulation, TimedFrame};

/// Payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Binary frames on `<prefix>/raw/<gateway>`.
    Raw,
    /// Lowercase hex text on `<prefix>/raw/<gateway>`.
    Hex,
    /// Canonical JSON of sensor packets on `<prefix>/<variant>/<STATION>`.
    Json,
}

/// Simulate the Glen Nevis iotdata deployment (sensors, mesh relays, two
/// gateways, lossy links, a relay failure) and publish what the gateways
/// receive to an MQTT broker.
#[derive(Debug, Parser)]
#[command(name = "iotdata-sim", version)]
struct Args {
    /// MQTT broker: mqtt://host[:port] (MQTT 3.1.1 over TCP, port 1883 by default)
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    broker: String,
    /// First topic level
    #[arg(long, default_value = "iotdata")]
    topic_prefix: String,
    /// Simulated seconds per wall-clock second
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Seed of the simulation (same seed, same frames)
    #[arg(long, default_value_t = iotdata_sim::DEFAULT_SEED)]
    seed: u64,
    /// Run for this many wall-clock seconds (default: forever); with --fast,
    /// produce the same simulated span (duration x rate) without waiting
    #[arg(long)]
    duration: Option<f64>,
    /// Payload format
    #[arg(long, value_enum, default_value_t = Format::Raw)]
    format: Format,
    /// Write the ground truth (topology, per-station counts) as JSON to FILE at the end
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
    /// Pace frames against the wall clock (the default)
    #[arg(long, conflicts_with = "fast")]
    realtime: bool,
    /// Do not wait: produce the frames as fast as possible
    #[arg(long)]
    fast: bool,
    /// Print `time_ms gateway hex` lines (json: `time_ms topic json`) instead of publishing
    #[arg(long)]
    stdout: bool,
    /// MQTT client id (default: iotdata-sim-<seed>-<pid>)
    #[arg(long)]
    client_id: Option<String>,
    /// MQTT keep-alive, seconds
    #[arg(long, default_value_t = 30)]
    keepalive: u16,
    /// Do not play the scenario (relay shutdown, sensor reboot)
    #[arg(long)]
    no_scenario: bool,
}

enum Sink {
    Mqtt(mqtt::Client),
    Stdout(BufWriter<std::io::Stdout>),
}

/// Why the run stopped early.
enum Stop {
    /// stdout was closed (e.g. piped into `head`): not an error.
    PipeClosed,
    /// A bad option value (exit status 2, like clap's own errors).
    Usage(String),
    Error(String),
}

impl From<mqtt::ClientError> for Stop {
    fn from(e: mqtt::ClientError) -> Self {
        Stop::Error(e.to_string())
    }
}

fn stdout_err(e: std::io::Error) -> Stop {
    if e.kind() == ErrorKind::BrokenPipe {
        Stop::PipeClosed
    } else {
        Stop::Error(format!("stdout: {e}"))
    }
}

struct Publisher {
    format: Format,
    prefix: String,
    map: VariantMap,
    /// Per gateway, the last 64 `(station, sequence)` published as JSON.
    seen: BTreeMap<u16, VecDeque<(u16, u16)>>,
    frames: u64,
    messages: u64,
}

impl Publisher {
    fn raw_topic(&self, gateway: u16) -> String {
        format!("{}/raw/{gateway:04x}", self.prefix)
    }

    /// The sensor packet a frame carries (bare or in a FORWARD).
    fn sensor_packet(&self, bytes: &[u8]) -> Option<Packet> {
        let f = decode_frame(bytes, &self.map, DecodeOptions::STRICT).ok()?;
        match f {
            Frame::Sensor(p) => Some(p),
            Frame::Mesh(_) => {
                let inner = forward_inner(&f)?;
                match decode_frame(inner, &self.map, DecodeOptions::STRICT).ok()? {
                    Frame::Sensor(p) => Some(p),
                    Frame::Mesh(_) => None,
                }
            }
        }
    }

    /// The JSON message for a frame, if it carries a sensor packet this
    /// gateway has not published yet: `(topic, json)`.
    fn json_message(&mut self, f: &TimedFrame) -> Option<(String, String)> {
        let p = self.sensor_packet(&f.bytes)?;
        let key = (p.header.station, p.header.sequence);
        let seen = self.seen.entry(f.gateway).or_default();
        if seen.contains(&key) {
            return None;
        }
        seen.push_back(key);
        if seen.len() > 64 {
            seen.pop_front();
        }
        let name = self.map.get(p.header.variant).map_or_else(
            || format!("variant{}", p.header.variant),
            |v| v.name.clone(),
        );
        let topic = format!("{}/{name}/{:04X}", self.prefix, p.header.station);
        Some((topic, iotdata::json::to_json(&p, &self.map)))
    }

    fn send(&mut self, sink: &mut Sink, f: &TimedFrame) -> Result<(), Stop> {
        self.frames += 1;
        match (self.format, sink) {
            (Format::Json, sink) => {
                if let Some((topic, json)) = self.json_message(f) {
                    self.messages += 1;
                    match sink {
                        Sink::Mqtt(c) => c.publish(&topic, json.as_bytes())?,
                        Sink::Stdout(w) => {
                            writeln!(w, "{} {topic} {json}", f.time_ms).map_err(stdout_err)?
                        }
                    }
                }
            }
            (_, Sink::Stdout(w)) => {
                self.messages += 1;
                writeln!(
                    w,
                    "{} {:04x} {}",
                    f.time_ms,
                    f.gateway,
                    iotdata::hex::encode(&f.bytes)
                )
                .map_err(stdout_err)?;
            }
            (format, Sink::Mqtt(c)) => {
                self.messages += 1;
                let topic = self.raw_topic(f.gateway);
                if format == Format::Hex {
                    c.publish(&topic, iotdata::hex::encode(&f.bytes).as_bytes())?;
                } else {
                    c.publish(&topic, &f.bytes)?;
                }
            }
        }
        Ok(())
    }
}

fn run(args: Args) -> Result<(), Stop> {
    if !(args.rate.is_finite() && args.rate > 0.0) {
        return Err(Stop::Usage(format!(
            "--rate {}: must be a positive number",
            args.rate
        )));
    }
    if let Some(d) = args.duration {
        if !(d.is_finite() && d >= 0.0) {
            return Err(Stop::Usage(format!(
                "--duration {d}: must be a non-negative number of seconds"
            )));
        }
    }
    let prefix = args.topic_prefix.trim_end_matches('/').to_string();
    if prefix.is_empty() || prefix.contains(['+', '#']) {
        return Err(Stop::Usage(format!(
            "--topic-prefix '{}': must be non-empty and without wildcards",
            args.topic_prefix
        )));
    }
    let cfg = SimConfig {
        seed: args.seed,
        scenario: !args.no_scenario,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(cfg);
    let mut sink = if args.stdout {
        Sink::Stdout(BufWriter::new(std::io::stdout()))
    } else {
        let addr = mqtt::parse_broker(&args.broker).map_err(|e| Stop::Usage(e.to_string()))?;
        let id = args
            .client_id
            .clone()
            .unwrap_or_else(|| format!("iotdata-sim-{}-{}", args.seed, std::process::id()));
        let c = mqtt::Client::connect(&addr, &id, args.keepalive, Duration::from_secs(5))?;
        let what = match args.format {
            Format::Json => format!("{prefix}/<variant>/<STATION>"),
            _ => format!("{prefix}/raw/<gateway>"),
        };
        eprintln!(
            "iotdata-sim: seed {}, {}x real time, publishing {} frames to {} on {what}",
            args.seed,
            args.rate,
            match args.format {
                Format::Raw => "raw",
                Format::Hex => "hex",
                Format::Json => "JSON",
            },
            args.broker
        );
        Sink::Mqtt(c)
    };
    let mut publisher = Publisher {
        format: args.format,
        prefix,
        map: iotdata_sim::sim_map(),
        seen: BTreeMap::new(),
        frames: 0,
        messages: 0,
    };
    let end_ms: Option<u64> = args
        .duration
        .map(|d| (d * args.rate * 1000.0).round() as u64);
    let start = Instant::now();
    loop {
        let target = if args.fast {
            sim.now_ms() + 10_000
        } else {
            (start.elapsed().as_secs_f64() * args.rate * 1000.0) as u64
        };
        let target = end_ms.map_or(target, |e| target.min(e));
        for f in sim.advance(target) {
            publisher.send(&mut sink, &f)?;
        }
        match &mut sink {
            Sink::Mqtt(c) => c.poll()?,
            Sink::Stdout(w) => {
                if !args.fast {
                    w.flush().map_err(stdout_err)?;
                }
            }
        }
        if end_ms.is_some_and(|e| sim.now_ms() >= e) {
            break;
        }
        if !args.fast {
            // Sleep until the next event is due (at most 100 ms, to keep
            // servicing the connection).
            let due_ms = sim
                .next_event_ms()
                .unwrap_or(u64::MAX)
                .min(end_ms.unwrap_or(u64::MAX));
            let due_wall = due_ms as f64 / args.rate / 1000.0;
            let wait = (due_wall - start.elapsed().as_secs_f64()).clamp(0.0, 0.1);
            if wait > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(wait));
            }
        }
    }
    match sink {
        Sink::Mqtt(c) => c.disconnect()?,
        Sink::Stdout(mut w) => w.flush().map_err(stdout_err)?,
    }
    if let Some(path) = &args.truth {
        let text = sim.truth().to_json_pretty();
        std::fs::write(path, text + "\n")
            .map_err(|e| Stop::Error(format!("--truth {}: {e}", path.display())))?;
    }
    if !args.stdout {
        eprintln!(
            "iotdata-sim: {} frames, {} messages published, {:.1} s simulated in {:.1} s",
            publisher.frames,
            publisher.messages,
            sim.now_ms() as f64 / 1000.0,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) | Err(Stop::PipeClosed) => ExitCode::SUCCESS,
        Err(Stop::Usage(msg)) => {
            eprintln!("iotdata-sim: error: {msg}");
            ExitCode::from(2)
        }
        Err(Stop::Error(msg)) => {
            eprintln!("iotdata-sim: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

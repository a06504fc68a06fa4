//! `iotdata-load`: publishes synthetic traffic at the protocol's full size
//! ([`iotdata_sim::load`]) to an MQTT broker at a steady rate, for load
//! benchmarks of the dashboard (`e2e/load.test.mjs`).
//!
//! ```text
//! iotdata-load --scenario stations|mesh|worst [--broker mqtt://127.0.0.1:1883]
//!              [--rate 2000] [--duration S] [--topic-prefix iotdata]
//! ```
//!
//! Frames go as binary payloads to `<prefix>/raw/<gateway, 4 lowercase hex
//! digits>` at QoS 0, paced against the wall clock in 5 ms ticks: each tick
//! publishes the frames due by then in one write. Once a second a line
//! `iotdata-load: <s> s, <n> packets, <rate>/s (last second <r>/s), round <k>`
//! goes to stderr, so a caller can check the rate held.

#[path = "../iotdata-sim/mqtt.rs"]
mod mqtt;

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, ValueEnum};
use iotdata_sim::load::{LoadGen, Scenario};

/// Most frames one tick may publish when the publisher fell behind (it
/// catches up over several ticks instead of in one burst).
const MAX_BURST: u64 = 1000;
/// Pacing tick.
const TICK: Duration = Duration::from_millis(5);

/// The traffic to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// 4,095 weather stations, full packets.
    Stations,
    /// 2 gateways, 64 relays reporting 63 neighbours, 4,000 stations via FORWARDs.
    Mesh,
    /// 4,095 nodes: 2 gateways, 4,093 dual-role relays reporting 63 neighbours.
    Worst,
}

/// Publish synthetic iotdata traffic at the protocol's full size (see
/// iotdata_sim::load) to an MQTT broker at a steady rate.
#[derive(Debug, Parser)]
#[command(name = "iotdata-load", version)]
struct Args {
    /// Which traffic
    #[arg(long, value_enum)]
    scenario: Which,
    /// MQTT broker: mqtt://host[:port] (MQTT 3.1.1 over TCP)
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    broker: String,
    /// Packets per second
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Stop after this many seconds (default: run until killed)
    #[arg(long)]
    duration: Option<f64>,
    /// First topic level
    #[arg(long, default_value = "iotdata")]
    topic_prefix: String,
    /// MQTT keep-alive, seconds
    #[arg(long, default_value_t = 30)]
    keepalive: u16,
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if !(args.rate.is_finite() && args.rate > 0.0 && args.rate <= 1_000_000.0) {
        return Err(format!("--rate {}: must be in (0, 1000000]", args.rate).into());
    }
    if let Some(d) = args.duration {
        if !(d.is_finite() && d >= 0.0) {
            return Err(format!("--duration {d}: must be a non-negative number").into());
        }
    }
    let prefix = args.topic_prefix.trim_end_matches('/').to_string();
    if prefix.is_empty() || prefix.contains(['+', '#']) {
        return Err(format!(
            "--topic-prefix '{}': must be non-empty and without wildcards",
            args.topic_prefix
        )
        .into());
    }
    let scenario = match args.scenario {
        Which::Stations => Scenario::Stations,
        Which::Mesh => Scenario::Mesh,
        Which::Worst => Scenario::Worst,
    };
    let mut gen = LoadGen::new(scenario, unix_ms());
    let addr = mqtt::parse_broker(&args.broker)?;
    let id = format!("iotdata-load-{}", std::process::id());
    let mut client = mqtt::Client::connect(&addr, &id, args.keepalive, Duration::from_secs(5))?;
    // Topic names per gateway id, built once.
    let mut topics: Vec<Option<String>> = vec![None; 4096];
    eprintln!(
        "iotdata-load: scenario {}, {} frames a round, {} packets/s to {} on {prefix}/raw/<gateway>",
        scenario.name(),
        gen.round_len(),
        args.rate,
        args.broker
    );
    let start = Instant::now();
    let mut sent: u64 = 0;
    let mut last_report = (start, 0u64);
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        let done = args.duration.is_some_and(|d| elapsed >= d);
        let horizon = args.duration.map_or(elapsed, |d| elapsed.min(d));
        let due = (horizon * args.rate) as u64;
        let batch = due.saturating_sub(sent).min(MAX_BURST);
        if batch > 0 {
            let now = unix_ms();
            for _ in 0..batch {
                let f = gen.next_frame(now);
                let topic = topics[usize::from(f.gateway & 0x0FFF)]
                    .get_or_insert_with(|| format!("{prefix}/raw/{:04x}", f.gateway));
                client.publish(topic, &f.bytes)?;
            }
            sent += batch;
        }
        client.poll()?;
        if last_report.0.elapsed() >= Duration::from_secs(1) || done {
            let t = start.elapsed().as_secs_f64();
            let dt = last_report.0.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "iotdata-load: {t:.1} s, {sent} packets, {:.0}/s (last second {:.0}/s), round {}",
                sent as f64 / t.max(1e-9),
                (sent - last_report.1) as f64 / dt,
                gen.rounds()
            );
            last_report = (Instant::now(), sent);
        }
        if done {
            break;
        }
        std::thread::sleep(TICK);
    }
    Ok(client.disconnect()?)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("iotdata-load: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

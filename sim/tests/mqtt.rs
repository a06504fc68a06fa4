//! The `iotdata-sim` binary against a real broker: the test starts Debian's
//! `mosquitto` on a free loopback port (generated config in a temp dir),
//! subscribes with `mosquitto_sub`, runs the simulator for a few seconds at
//! a high rate, and checks that the frames arrive on the documented topics
//! and all decode with the simulator's map. Every child process is killed
//! on every exit path (a guard with `Drop`). A missing `mosquitto` is a
//! failure with a clear message (`scripts/setup.sh broker` installs it).
//!
//! Also, without a broker: `--stdout` prints exactly the library's frames,
//! and a refused or absent broker makes the binary exit non-zero with the
//! reason.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use iotdata::frame::{decode_frame, encode_frame_json, Frame};
use iotdata::DecodeOptions;
use iotdata_sim::{sim_map, SimConfig, Simulation, Truth};

const SIM: &str = env!("CARGO_BIN_EXE_iotdata-sim");

/// The tests that start brokers take turns: two brokers started at once could
/// be handed the same free port, and a client of one test would then talk to
/// the other test's broker (one refuses anonymous clients).
fn one_broker_at_a_time() -> MutexGuard<'static, ()> {
    static BROKERS: Mutex<()> = Mutex::new(());
    BROKERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Kills and reaps the child processes it holds, and removes the temp dir.
struct Guard {
    children: Vec<(String, Child)>,
    dir: PathBuf,
}

impl Guard {
    fn new(name: &str) -> Guard {
        let dir = std::env::temp_dir().join(format!(
            "iotdata-sim-{name}-{}-{}",
            std::process::id(),
            nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir {}: {e}", dir.display()));
        Guard {
            children: Vec::new(),
            dir,
        }
    }

    fn add(&mut self, name: &str, child: Child) -> usize {
        self.children.push((name.to_string(), child));
        self.children.len() - 1
    }

    fn child(&mut self, i: usize) -> &mut Child {
        &mut self.children[i].1
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

fn find_tool(name: &str, extra: &[&str]) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(extra.iter().map(PathBuf::from));
    for d in dirs {
        let p = d.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "`{name}` not found (looked in PATH and {extra:?}): this test needs Debian's mosquitto and \
         mosquitto-clients; install them with `scripts/setup.sh broker` (apt-get install mosquitto mosquitto-clients)"
    );
}

/// Starts mosquitto on a free port with `allow_anonymous`; waits until it
/// accepts connections. Returns the port.
fn start_broker(g: &mut Guard, anonymous: bool) -> u16 {
    let mosquitto = find_tool("mosquitto", &["/usr/sbin", "/usr/local/sbin", "/sbin"]);
    for attempt in 0..5 {
        let port = free_port();
        let conf = g.dir.join(format!("mosquitto-{port}.conf"));
        let log = g.dir.join(format!("mosquitto-{port}.log"));
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous {anonymous}\npersistence false\n"),
        )
        .expect("write mosquitto.conf");
        let logf = std::fs::File::create(&log).expect("mosquitto log");
        let child = Command::new(&mosquitto)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(logf)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", mosquitto.display()));
        let i = g.add("mosquitto", child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // Ours, not another process that took the port first (then
                // this mosquitto exits: "Address already in use").
                std::thread::sleep(Duration::from_millis(50));
                if matches!(g.child(i).try_wait(), Ok(None)) {
                    return port;
                }
            }
            if let Ok(Some(status)) = g.child(i).try_wait() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                eprintln!("mosquitto exited ({status}) on attempt {attempt}: {text}");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("mosquitto did not start listening (see the messages above)");
}

/// The mosquitto client arguments for the broker on `port` and `topic`.
fn client_args<'a>(port: &'a str, topic: &'a str) -> [&'a str; 6] {
    ["-h", "127.0.0.1", "-p", port, "-t", topic]
}

/// Starts `mosquitto_sub -v -F '%t %x'` on `iotdata/#` and returns its
/// lines through a channel once a probe message has come through (so the
/// subscription is active).
fn subscribe(g: &mut Guard, port: u16) -> Receiver<String> {
    let port = port.to_string();
    let sub = find_tool("mosquitto_sub", &["/usr/bin"]);
    let publ = find_tool("mosquitto_pub", &["/usr/bin"]);
    let mut child = Command::new(sub)
        .args(client_args(&port, "iotdata/#"))
        .args(["-v", "-F", "%t %x"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mosquitto_sub");
    let out = child.stdout.take().expect("stdout");
    g.add("mosquitto_sub", child);
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = Command::new(&publ)
            .args(client_args(&port, "iotdata/probe"))
            .args(["-m", "probe"])
            .status()
            .expect("run mosquitto_pub");
        // A failed probe is retried until the deadline (the broker may still
        // be starting); the last status is in the failure message.
        if status.success() {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
                assert_eq!(line, "iotdata/probe 70726f6265", "probe");
                return rx;
            }
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(
            Instant::now() < deadline,
            "the subscription never became active (last mosquitto_pub: {status})"
        );
    }
}

/// Runs the binary to completion (at most `limit`), returning its status,
/// stdout and stderr.
fn run_sim(
    g: &mut Guard,
    args: &[&str],
    limit: Duration,
) -> (std::process::ExitStatus, String, String) {
    let child = Command::new(SIM)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start iotdata-sim");
    let i = g.add("iotdata-sim", child);
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = g.child(i).try_wait().expect("wait") {
            let c = g.child(i);
            let mut out = String::new();
            let mut err = String::new();
            if let Some(mut s) = c.stdout.take() {
                let _ = std::io::Read::read_to_string(&mut s, &mut out);
            }
            if let Some(mut s) = c.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut s, &mut err);
            }
            return (status, out, err);
        }
        assert!(
            Instant::now() < deadline,
            "iotdata-sim {args:?} did not finish within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lines received until `quiet` passes without one.
fn drain(rx: &Receiver<String>, quiet: Duration) -> Vec<String> {
    let mut v = Vec::new();
    while let Ok(l) = rx.recv_timeout(quiet) {
        v.push(l);
    }
    v
}

fn read_truth(path: &Path) -> Truth {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("truth JSON")
}

/// Publishes to `broker` at rate 60 with seed 5 for `seconds` wall seconds,
/// with `extra` arguments; the run must succeed.
fn publish(g: &mut Guard, broker: &str, seconds: &str, extra: &[&str]) {
    let mut args = vec![
        "--broker",
        broker,
        "--rate",
        "60",
        "--duration",
        seconds,
        "--seed",
        "5",
    ];
    args.extend_from_slice(extra);
    let (status, _, err) = run_sim(g, &args, Duration::from_secs(30));
    assert!(
        status.success(),
        "iotdata-sim {args:?} failed: {status}\n{err}"
    );
}

#[test]
fn publishes_to_mosquitto() {
    let _turn = one_broker_at_a_time();
    let t0 = Instant::now();
    let mut g = Guard::new("mqtt");
    let port = start_broker(&mut g, true);
    let broker = format!("mqtt://127.0.0.1:{port}");
    let map = sim_map();

    // --- raw: binary frames on iotdata/raw/<gateway> -------------------------
    let rx = subscribe(&mut g, port);
    let truth_path = g.dir.join("truth.json");
    let truth_arg = truth_path.to_string_lossy().to_string();
    publish(&mut g, &broker, "3", &["--truth", &truth_arg]);
    let lines = drain(&rx, Duration::from_millis(700));
    let truth = read_truth(&truth_path);
    assert!(lines.len() > 100, "{} messages", lines.len());
    assert_eq!(
        lines.len() as u64,
        truth.channel.frames,
        "every frame the gateways received was published once"
    );
    let mut topics = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for line in &lines {
        let (topic, hex) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("line {line:?}"));
        topics.insert(topic.to_string());
        let bytes = iotdata::hex::decode(hex).expect("hex payload");
        match decode_frame(&bytes, &map, DecodeOptions::STRICT) {
            Ok(Frame::Sensor(_)) => kinds.insert("sensor"),
            Ok(Frame::Mesh(m)) => kinds.insert(m.ctrl_name()),
            Err(e) => panic!("{topic} {hex}: {e}"),
        };
    }
    let expected: BTreeSet<String> = ["iotdata/raw/0001", "iotdata/raw/0002"]
        .map(String::from)
        .into_iter()
        .collect();
    assert_eq!(topics, expected);
    for k in ["sensor", "BEACON", "FORWARD", "ACK", "NEIGHBOUR_REPORT"] {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }
    // The broker carried exactly what the library produces for that seed
    // and span: 3 s at rate 60 = 180 simulated seconds.
    let mut sim = Simulation::new(SimConfig {
        seed: 5,
        ..SimConfig::default()
    });
    let want: Vec<String> = sim
        .advance(180_000)
        .iter()
        .map(|f| {
            format!(
                "iotdata/raw/{:04x} {}",
                f.gateway,
                iotdata::hex::encode(&f.bytes)
            )
        })
        .collect();
    assert_eq!(lines, want, "raw messages = library frames, in order");

    // --- hex: the same topics with hex text; custom prefix ------------------
    publish(
        &mut g,
        &broker,
        "1",
        &["--format", "hex", "--topic-prefix", "iotdata/hex"],
    );
    let lines = drain(&rx, Duration::from_millis(700));
    assert!(lines.len() > 20, "{} hex messages", lines.len());
    for line in &lines {
        let (topic, payload_hex) = line.split_once(' ').expect("line");
        assert!(
            topic == "iotdata/hex/raw/0001" || topic == "iotdata/hex/raw/0002",
            "{topic}"
        );
        // %x shows the payload bytes in hex; the payload is itself hex text.
        let text = String::from_utf8(iotdata::hex::decode(payload_hex).expect("hex"))
            .expect("utf-8 payload");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{text}"
        );
        let bytes = iotdata::hex::decode(&text).expect("hex text");
        decode_frame(&bytes, &map, DecodeOptions::STRICT).unwrap_or_else(|e| panic!("{text}: {e}"));
    }

    // --- json: canonical JSON of sensor packets on iotdata/<variant>/<STATION>
    publish(&mut g, &broker, "3", &["--format", "json"]);
    let lines = drain(&rx, Duration::from_millis(700));
    assert!(lines.len() > 50, "{} JSON messages", lines.len());
    let names: BTreeSet<String> = map.variants().map(|v| v.name.clone()).collect();
    let mut seen_variants = BTreeSet::new();
    for line in &lines {
        let (topic, payload_hex) = line.split_once(' ').expect("line");
        let parts: Vec<&str> = topic.split('/').collect();
        assert_eq!(parts.len(), 3, "{topic}");
        assert_eq!(parts[0], "iotdata");
        assert!(
            names.contains(parts[1]),
            "variant name {} in {topic}",
            parts[1]
        );
        assert!(
            parts[2].len() == 4
                && parts[2]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
            "station as 4 upper-case hex digits: {topic}"
        );
        let text =
            String::from_utf8(iotdata::hex::decode(payload_hex).expect("hex")).expect("utf-8");
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            v["station"].as_u64(),
            Some(u64::from_str_radix(parts[2], 16).unwrap()),
            "{topic} {text}"
        );
        let variant = v["variant"].as_u64().expect("variant") as u8;
        assert_eq!(map.get(variant).map(|d| d.name.as_str()), Some(parts[1]));
        seen_variants.insert(variant);
        // The JSON is the canonical document: it encodes back to a packet
        // that decodes to the same JSON.
        let bytes = encode_frame_json(&text, &map).unwrap_or_else(|e| panic!("{text}: {e}"));
        match decode_frame(&bytes, &map, DecodeOptions::STRICT) {
            Ok(Frame::Sensor(p)) => assert_eq!(iotdata::json::to_json(&p, &map), text),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(seen_variants.len() >= 6, "{seen_variants:?}");
    eprintln!(
        "publishes_to_mosquitto: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn broker_refusal_and_absence_are_errors() {
    let _turn = one_broker_at_a_time();
    let mut g = Guard::new("refuse");
    // Nothing listening.
    let port = free_port();
    let err = connection_error(&mut g, port);
    assert!(err.contains("connection refused"), "{err}");
    // A broker that refuses anonymous clients: CONNACK return code 5.
    let port = start_broker(&mut g, false);
    let err = connection_error(&mut g, port);
    assert!(
        err.contains("refused the connection") && err.contains("not authorised"),
        "{err}"
    );
    // Usage errors: exit status 2, and what the message names.
    let usage: [(&[&str], &str); 3] = [
        (&["--broker", "mqtts://127.0.0.1:8883"], "only plain MQTT"),
        (&["--stdout", "--rate", "0"], "--rate"),
        (&["--no-such-option"], ""),
    ];
    for (args, says) in usage {
        let (status, _, err) = run_sim(&mut g, args, Duration::from_secs(20));
        assert!(
            status.code() == Some(2) && err.contains(says),
            "{args:?}: {status} {err}"
        );
    }
}

/// Runs the simulator for one second against a broker on `port` that does
/// not take the connection; it must exit with status 1. Returns its stderr.
fn connection_error(g: &mut Guard, port: u16) -> String {
    let broker = format!("mqtt://127.0.0.1:{port}");
    let (status, _, err) = run_sim(
        g,
        &["--broker", &broker, "--duration", "1"],
        Duration::from_secs(20),
    );
    assert_eq!(status.code(), Some(1), "{err}");
    err
}

#[test]
fn stdout_mode_prints_the_library_frames() {
    let mut g = Guard::new("stdout");
    let truth_path = g.dir.join("truth.json");
    let truth_arg = truth_path.to_string_lossy().to_string();
    let (status, out, err) = run_sim(
        &mut g,
        &[
            "--stdout",
            "--fast",
            "--duration",
            "120",
            "--rate",
            "5",
            "--seed",
            "9",
            "--truth",
            &truth_arg,
        ],
        Duration::from_secs(60),
    );
    assert!(status.success(), "{err}");
    let mut sim = Simulation::new(SimConfig {
        seed: 9,
        ..SimConfig::default()
    });
    let frames = sim.advance(600_000);
    let want: String = frames
        .iter()
        .map(|f| {
            format!(
                "{} {:04x} {}\n",
                f.time_ms,
                f.gateway,
                iotdata::hex::encode(&f.bytes)
            )
        })
        .collect();
    assert_eq!(out, want);
    assert_eq!(read_truth(&truth_path), sim.truth());
    // Piping into head closes stdout early: not an error.
    let mut child = Command::new(SIM)
        .args(["--stdout", "--fast"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut first = String::new();
    {
        let out = child.stdout.as_mut().expect("stdout");
        BufReader::new(out).read_line(&mut first).expect("a line");
    }
    drop(child.stdout.take());
    let i = g.add("iotdata-sim", child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = g.child(i).try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "iotdata-sim --stdout --fast did not stop after stdout closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert_eq!(first.split(' ').count(), 3, "{first}");
    let _ = std::io::stderr().flush();
}

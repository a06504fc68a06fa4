//! End-to-end tests of the `iotdata` binary: decode (arguments and stdin),
//! encode, dump, and run-time variant maps.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

/// The 16-byte weather-station frame of the spec (§13).
const FRAME_16: &str = "002a00043fd1b7b51ad1500440cf5270";
/// The full 32-byte station frame (Appendix F).
const FRAME_32: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

/// The workspace root (the CLI is run from there, like the README does).
fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn iotdata() -> Command {
    let mut cmd = Command::cargo_bin("iotdata").expect("the iotdata binary is built");
    cmd.current_dir(root());
    cmd
}

/// Runs the command, asserts exit 0 and returns stdout's lines.
fn lines_ok(cmd: &mut Command) -> Vec<String> {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(str::to_string)
        .collect()
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

fn error_kind(v: &Value) -> Option<&str> {
    v["error"]["kind"].as_str()
}

#[test]
fn decode_arguments() {
    let lines = lines_ok(iotdata().args(["decode", FRAME_16, "0x00:2a:00", FRAME_32]));
    assert_eq!(lines.len(), 3, "{lines:?}");
    let a = json(&lines[0]);
    assert_eq!(
        (a["station"].as_u64(), a["sequence"].as_u64()),
        (Some(42), Some(4))
    );
    assert_eq!(a["packed_bits"].as_u64(), Some(124));
    assert_eq!(a["battery"]["level"].as_u64(), Some(84));
    assert_eq!(error_kind(&json(&lines[1])), Some("short"));
    let c = json(&lines[2]);
    assert_eq!(c["packed_bytes"].as_u64(), Some(32));
    assert_eq!(c["radiation"]["dose"].as_f64(), Some(0.5));
    assert_eq!(c["position"]["latitude"].as_f64(), Some(59.33459218350603));
}

#[test]
fn decode_stdin_lines_in_order() {
    let input = format!(
        "{FRAME_16}\n\nnot hex at all\n{}\n  0x{}  \n{FRAME_32}\n",
        &FRAME_16[..14], // truncated inside the link field
        "f0010064",      // 4 bytes: too short for any frame
    );
    let lines = lines_ok(iotdata().arg("decode").write_stdin(input));
    assert_eq!(lines.len(), 6, "one output line per input line: {lines:?}");
    assert_eq!(json(&lines[0])["station"].as_u64(), Some(42));
    // An empty line is an empty frame.
    assert_eq!(error_kind(&json(&lines[1])), Some("short"), "{}", lines[1]);
    // Garbage is an error object, not a crash.
    assert_eq!(error_kind(&json(&lines[2])), Some("hex"), "{}", lines[2]);
    let t = json(&lines[3]);
    assert_eq!(error_kind(&t), Some("truncated"), "{}", lines[3]);
    assert!(t["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(
        t["error"]["bit_offset"].is_u64() && t["error"]["field"].is_string(),
        "{}",
        lines[3]
    );
    assert_eq!(error_kind(&json(&lines[4])), Some("short"), "{}", lines[4]);
    assert_eq!(json(&lines[5])["packed_bits"].as_u64(), Some(253));
}

#[test]
fn encode_json_lines_round_trip() {
    let decoded = lines_ok(iotdata().args(["decode", FRAME_16, FRAME_32]));
    let input = format!(
        "{}\n{}\n{}\n{}\n",
        decoded[0],
        decoded[1],
        r#"{"variant":0,"station":1,"sequence":1,"battery":{"level":101,"charging":false}}"#,
        "{not json"
    );
    let hex = lines_ok(iotdata().arg("encode").write_stdin(input));
    assert_eq!(hex.len(), 4, "{hex:?}");
    assert_eq!(hex[0], FRAME_16);
    assert_eq!(hex[1], FRAME_32);
    let range = json(&hex[2]);
    assert_eq!(
        range["error"]["reference"].as_str(),
        Some("BATTERY_LEVEL_HIGH"),
        "{}",
        hex[2]
    );
    assert_eq!(
        json(&hex[3])["error"]["kind"].as_str(),
        Some("json_parse"),
        "{}",
        hex[3]
    );
    // And back: the encoded lines decode to the same documents.
    let again = lines_ok(
        iotdata()
            .arg("decode")
            .write_stdin(format!("{}\n{}\n", hex[0], hex[1])),
    );
    assert_eq!(again, decoded);
}

#[test]
fn dump_table() {
    let out = iotdata().args(["dump", FRAME_16]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for row in [
        "variant",
        "station",
        "sequence",
        "presence[0]",
        "battery_level",
        "link_rssi",
        "temperature",
        "wind_direction",
        "rain_size",
        "solar_ultraviolet",
    ] {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().nth(2) == Some(row)),
            "no {row} row in:\n{text}"
        );
    }
    assert!(text.contains("Total: 124 bits"), "{text}");
}

#[test]
fn custom_map_from_file() {
    let vectors =
        std::fs::read_to_string(root().join("tests/vectors/sensor.jsonl")).expect("vectors");
    let rec: Value = vectors
        .lines()
        .map(json)
        .find(|r| r["name"] == "sparse_aq_bundle_pres2")
        .expect("vector sparse_aq_bundle_pres2");
    let hex = rec["hex"].as_str().expect("hex");
    let lines = lines_ok(iotdata().args([
        "decode",
        "--map",
        "tests/vectors/variants.json",
        "--map-name",
        "custom",
        hex,
    ]));
    // All-integer document: the text is the reference's exactly.
    assert_eq!(lines, [rec["json_text"].as_str().expect("json_text")]);
    // The built-in map has no variant 2.
    let lines = lines_ok(iotdata().args(["decode", hex]));
    assert_eq!(
        error_kind(&json(&lines[0])),
        Some("variant_unknown"),
        "{}",
        lines[0]
    );
}

#[test]
fn bad_map_name_fails_clearly() {
    let out = iotdata()
        .args([
            "decode",
            "--map",
            "tests/vectors/variants.json",
            "--map-name",
            "nope",
            FRAME_16,
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing decoded with a bad map");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no map named 'nope'"), "{err}");
    assert!(
        err.contains("default") && err.contains("suite") && err.contains("custom"),
        "{err}"
    );
}

//! The dashboard's pure modules, compiled natively: the MQTT session over
//! arbitrary byte streams, payload classification and decoding, settings
//! and link parsing, variant-map parsing, the demo recording.

use iotdata::{DecodeOptions, VariantMap};
use iotdata_web::demo::{Capture, DemoFeed};
use iotdata_web::mqtt::{ClientOptions, MqttClient, MqttVersion};
use iotdata_web::{decode, maps, payload, router, settings};

use crate::codec_targets::{gen_many_tlvs, push_item};
use crate::corpus::Corpus;
use crate::rng::{mutate_bytes, mutate_text, Rng};

/// Largest generated MQTT byte stream.
const MAX_STREAM: usize = 256 * 1024;
/// Largest generated link or settings text.
const MAX_LINK: usize = 16 * 1024;
/// Largest generated maps document.
const MAX_MAPS_DOC: usize = 32 * 1024;
/// Largest generated demo recording (its frames and one step's messages
/// stay well within the heap bound).
const MAX_DEMO: usize = 4 * 1024;
/// Largest generated topic (a `u16` length on the wire).
const MAX_TOPIC: usize = 65_535;

// ---- MQTT -------------------------------------------------------------------

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut p = vec![first];
    varint(&mut p, body.len());
    p.extend_from_slice(body);
    p
}

fn u16be(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn gen_topic(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "x".repeat(1 + rng.below(MAX_TOPIC)),
        1 => format!(
            "iotdata/{}/{:04x}",
            "v".repeat(rng.size(300)),
            rng.below(0x1_0000)
        ),
        2 => [
            "",
            "/",
            "#",
            "a/+/b",
            "\u{0}",
            "é/𝄞",
            "iotdata/weather_station/zzzz",
        ][rng.below(7)]
        .to_string(),
        3 => (0..rng.size(64)).map(|_| rng.byte() as char).collect(),
        _ => format!("iotdata/weather_station/{:04x}", rng.below(0x1000)),
    }
}

fn gen_payload(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    match rng.below(9) {
        0 => gen_many_tlvs(rng).into_bytes(),
        1 => iotdata::hex::encode(rng.pick(&c.frames).as_slice()).into_bytes(),
        2 => mutate_text(rng, &c.json, 80 * 1024).into_bytes(),
        3 => {
            let n = rng.size(80 * 1024);
            rng.bytes(n)
        }
        4 => {
            // Hex text with separators and prefixes.
            let f = rng.pick(&c.frames);
            let sep = [" ", ":", ",", "\n", ", 0x", ""][rng.below(6)];
            let parts: Vec<String> = f.iter().map(|b| format!("{b:02X}")).collect();
            parts.join(sep).repeat(1 + rng.size(200)).into_bytes()
        }
        _ => mutate_bytes(rng, &c.frames, 320),
    }
}

/// One MQTT packet as a broker might send it, well-formed or not.
fn gen_packet(rng: &mut Rng, c: &Corpus, v5: bool) -> Vec<u8> {
    match rng.below(14) {
        0..=5 => {
            let topic = gen_topic(rng);
            let tb = &topic.as_bytes()[..topic.len().min(MAX_TOPIC)];
            let qos = rng.below(4) as u8;
            let flags = (qos << 1) | u8::from(rng.one_in(4)) | (u8::from(rng.one_in(8)) << 3);
            let mut body = Vec::new();
            u16be(&mut body, tb.len() as u16);
            body.extend_from_slice(tb);
            if qos > 0 {
                u16be(&mut body, rng.below(0x1_0000) as u16);
            }
            if v5 {
                if rng.one_in(3) {
                    // Topic alias (0x23), maybe with an empty topic.
                    let props = [0x23, 0, rng.below(4) as u8];
                    body.push(props.len() as u8);
                    body.extend_from_slice(&props);
                } else {
                    body.push(0);
                }
            }
            body.extend_from_slice(&gen_payload(rng, c));
            packet(0x30 | flags, &body)
        }
        6 => {
            // CONNACK, mostly accepting, with v5 properties.
            let code = if rng.one_in(4) { rng.byte() } else { 0 };
            if v5 {
                let mut props = Vec::new();
                if rng.one_in(2) {
                    props.push(0x13);
                    u16be(&mut props, [0, 1, 5, 65535][rng.below(4)]);
                }
                if rng.one_in(2) {
                    props.push(0x1F);
                    let s = "r".repeat(rng.size(2000));
                    u16be(&mut props, s.len() as u16);
                    props.extend_from_slice(s.as_bytes());
                }
                let mut body = vec![rng.byte() & 1, code];
                varint(&mut body, props.len());
                body.extend_from_slice(&props);
                packet(0x20, &body)
            } else {
                packet(0x20, &[rng.byte() & 1, code])
            }
        }
        7 => {
            let mut body = Vec::new();
            u16be(&mut body, if rng.one_in(2) { 1 } else { rng.byte().into() });
            if v5 {
                body.push(0);
            }
            for _ in 0..1 + rng.below(4) {
                body.push(*rng.pick(&[0u8, 1, 2, 0x80, 0x87, 0x8F]));
            }
            packet(0x90, &body)
        }
        8 => vec![0xD0, 0x00],
        9 => {
            let first = *rng.pick(&[0x40u8, 0x50, 0x62, 0x70, 0xB0, 0xE0]);
            let mut body = Vec::new();
            u16be(&mut body, rng.byte().into());
            if v5 && rng.one_in(2) {
                body.push(rng.byte());
            }
            packet(first, &body)
        }
        10 => {
            // A declared length far beyond what follows (up to 256 MiB).
            let mut p = vec![*rng.pick(&[0x30u8, 0x32, 0x90, 0x20, 0xF0])];
            varint(&mut p, rng.below(268_435_455));
            let n = rng.size(4096);
            p.extend(rng.bytes(n));
            p
        }
        11 => {
            // A bad remaining-length encoding (5 continuation bytes).
            vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        }
        _ => {
            let n = rng.size(64);
            packet(rng.byte(), &rng.bytes(n))
        }
    }
}

/// An MQTT input: byte 0 picks the version (bit 0) and whether CONNECT is
/// sent first (bit 1); byte 1 the keepalive; byte 2 seeds how the stream
/// is split into WebSocket messages; the rest is the broker's byte stream.
pub fn gen_mqtt(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    let v5 = rng.one_in(2);
    let mut flags = u8::from(v5);
    if rng.one_in(16) {
        flags |= 2;
    }
    let mut out = vec![flags, rng.byte(), rng.byte()];
    if rng.one_in(10) {
        let n = rng.size(4096);
        out.extend(rng.bytes(n));
        return out;
    }
    // Usually: CONNACK, SUBACK, then traffic.
    let mut stream = Vec::new();
    if !rng.one_in(8) {
        stream.extend(if v5 {
            packet(0x20, &[0, 0, 0])
        } else {
            packet(0x20, &[0, 0])
        });
        let mut sub = vec![0, 1];
        if v5 {
            sub.push(0);
        }
        sub.extend([0, 1]);
        stream.extend(packet(0x90, &sub));
    }
    for _ in 0..rng.below(40) {
        let this_v5 = if rng.one_in(10) { !v5 } else { v5 };
        let p = gen_packet(rng, c, this_v5);
        if stream.len() + p.len() > MAX_STREAM {
            break;
        }
        stream.extend(p);
    }
    if rng.one_in(4) {
        stream = mutate_bytes(rng, &[stream], MAX_STREAM);
    }
    out.extend(stream);
    out
}

/// The `mqtt` target: a session (3.1.1 or 5) fed the stream in chunks of
/// random sizes, with the clock advancing and `poll` called between them.
pub fn run_mqtt(data: &[u8], _c: &Corpus) {
    let [flags, keepalive, split, stream @ ..] = data else {
        return;
    };
    let version = if flags & 1 == 1 {
        MqttVersion::V5
    } else {
        MqttVersion::V311
    };
    let mut client = MqttClient::new(ClientOptions {
        client_id: "fuzz".into(),
        keep_alive_secs: u16::from(*keepalive),
        username: Some("user".into()),
        password: Some("secret".into()),
        topics: vec!["iotdata/#".into(), "a/+/b".into()],
        version,
    })
    .expect("valid options");
    let mut now = 0.0;
    if flags & 2 == 0 {
        let connect = client.connect(now);
        assert!(!connect.is_empty(), "empty CONNECT");
    }
    let mut rng = Rng::new(u64::from(*split) << 32 | stream.len() as u64);
    let mut rest = stream;
    while !rest.is_empty() {
        let n = match rng.below(4) {
            0 => 1 + rng.below(4),
            1 => 1 + rng.below(256),
            2 => 1 + rng.below(16 * 1024),
            _ => rest.len(),
        }
        .min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let _ = client.receive(chunk, now);
        now += rng.below(20_000) as f64;
        let _ = client.poll(now);
    }
    let _ = client.poll(now + 1e9);
    let _ = client.disconnect();
}

// ---- payload ----------------------------------------------------------------

/// A payload input: 2 bytes of topic length, the topic, the payload.
pub fn gen_payload_input(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    let topic = gen_topic(rng);
    let t = &topic.as_bytes()[..topic.len().min(MAX_TOPIC)];
    let mut out = (t.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(t);
    out.extend(gen_payload(rng, c));
    out
}

/// The `payload` target: `classify`, then `decode_incoming` and
/// `decode_incoming` under the default map, as the live pipeline does;
/// the hex helpers and the gateway topic parser on the same input.
pub fn run_payload(data: &[u8], c: &Corpus) {
    if data.len() < 2 {
        return;
    }
    let tlen = usize::from(u16::from_be_bytes([data[0], data[1]])).min(data.len() - 2);
    let topic = String::from_utf8_lossy(&data[2..2 + tlen]);
    let body = &data[2 + tlen..];
    let _ = payload::parse_gateway_topic(&topic);
    let p = payload::classify(&topic, body);
    if let payload::Payload::Frame { bytes, .. } = &p {
        assert!(bytes.len() >= payload::MIN_FRAME_BYTES);
        let _ = decode::read_header(bytes);
    }
    let map = &c.maps[0];
    let _ = decode::decode_incoming(p, map);
    if let Ok(text) = std::str::from_utf8(body) {
        if iotdata::hex::looks_like_hex(text) {
            let _ = iotdata::hex::decode(text);
        }
        let _ = iotdata::hex::encode_spaced(&body[..body.len().min(payload::PREVIEW_BYTES)]);
    }
}

// ---- settings and links -------------------------------------------------------

const KEYS: [&str; 16] = [
    "broker",
    "url",
    "topic",
    "topics",
    "user",
    "username",
    "tiles",
    "tile",
    "mqtt",
    "protocol",
    "keepalive",
    "keep_alive",
    "demo",
    "map",
    "hex",
    "",
];

const VALUES: [&str; 20] = [
    "ws://localhost:9001/mqtt",
    "wss://user:pass@host:8884/mqtt",
    "http://host",
    "mqtt://host:1883",
    "ws://",
    "ws:// host",
    "https://{s}.tile.example/{z}/{x}/{y}.png",
    "https://host/{foo}/{z}/{x}/{y}.png",
    "javascript:alert(1)",
    "{z}{x}{y}{r}{s}{{}}",
    "iotdata/+/002a,a/#",
    "5",
    "3.1.1",
    "0",
    "99999999999999999999",
    "%",
    "%F0%9F",
    "%zz%%%",
    "1",
    "",
];

/// Settings text: query strings with every key, odd characters, tile
/// templates and percent escapes; hashes; settings JSON; random text.
pub fn gen_settings(rng: &mut Rng, _c: &Corpus) -> Vec<u8> {
    match rng.below(8) {
        0 => {
            let n = rng.size(2048);
            rng.bytes(n)
        }
        1 => {
            let mut s = format!(
                "{{\"broker\":\"{}\",\"topics\":[\"a\",\"\"],\"keepalive\":{},\"mqtt\":\"{}\",\"tile_url\":\"{}\"}}",
                rng.pick(&VALUES).replace('"', ""),
                rng.pick(&crate::rng::NUMBERS).replace('"', ""),
                ["5", "3.1.1", "4", "x"][rng.below(4)],
                rng.pick(&VALUES)
            );
            let seeds = [s.clone()];
            if rng.one_in(2) {
                s = mutate_text(rng, &seeds, 16 * 1024);
            }
            s.into_bytes()
        }
        2 => {
            let n = rng.size(16 * 1024);
            let hex: String = iotdata::hex::encode(&rng.bytes(n));
            let route = ["#hex=", "#/inspector?hex=", "#/station/", "#/map", "#/x?y"][rng.below(5)];
            format!("{route}{hex}").into_bytes()
        }
        _ => {
            let mut s = String::from(if rng.one_in(2) { "?" } else { "" });
            for i in 0..rng.size(40) {
                if i > 0 {
                    s.push('&');
                }
                let key: &&str = rng.pick(&KEYS);
                s.push_str(key);
                if !rng.one_in(8) {
                    s.push('=');
                }
                let v = if rng.one_in(4) {
                    let n = rng.size(300);
                    (0..n).map(|_| char::from(rng.byte())).collect::<String>()
                } else {
                    rng.pick(&VALUES).to_string()
                };
                s.push_str(&if rng.one_in(2) {
                    settings::percent_encode(&v)
                } else {
                    v
                });
            }
            let seeds = [s];
            mutate_text(rng, &seeds, MAX_LINK).into_bytes()
        }
    }
}

/// The `settings` target: the query, hash, settings JSON and broker URL
/// parsers on the text; a percent-encoding round trip; settings from the
/// link written back into a share link and JSON and read again; the frame
/// of an inspector link (`#hex=`) decoded with its dump.
pub fn run_settings(data: &[u8], c: &Corpus) {
    let text = String::from_utf8_lossy(data);
    assert_eq!(
        settings::percent_decode(&settings::percent_encode(&text)),
        text,
        "percent round trip"
    );
    let _ = settings::percent_decode(&text);
    let q = settings::parse_query(&text);
    let s = settings::Settings::default().with_overrides(&q);
    let share = s.share_query();
    let again = settings::Settings::default().with_overrides(&settings::parse_query(&share));
    let _ = again.share_query();
    let json = s.to_json();
    let _ = settings::Settings::from_json(&json);
    let _ = settings::Settings::from_json(&text);
    let _ = settings::Settings::parse_topics(&text);
    for proto in ["https:", "http:", "file:"] {
        let _ = settings::check_broker_url(&text, proto);
        if let Some(b) = &q.broker {
            let _ = settings::check_broker_url(b, proto);
        }
    }
    let _ = settings::parse_keepalive(&text);
    let _ = MqttVersion::parse(&text);
    let route = router::parse_hash(&text);
    let _ = route.href();
    // An inspector link: its frame is parsed and decoded with the dump.
    if let router::Route::Inspector { hex: Some(h) } = &route {
        if let Ok(bytes) = iotdata::hex::decode(h) {
            let _ = iotdata_web::views::inspector::analyse(&bytes, &c.maps[0]);
        }
    }
    let _ = maps::query_map_param(&text);
}

// ---- variant maps -------------------------------------------------------------

const FIELD_TYPES: [&str; 8] = [
    "BATTERY",
    "TEMPERATURE",
    "IMAGE",
    "POSITION",
    "NONE",
    "DATETIME",
    "LINK",
    "BOGUS",
];

/// A maps document with many maps, variants and fields (some invalid).
fn gen_maps_doc(rng: &mut Rng) -> String {
    let mut s = String::from("{\"maps\":{");
    for m in 0..1 + rng.size(20) {
        if s.len() > MAX_MAPS_DOC {
            break;
        }
        let map = format!("\"m{m}{}\":{{\"variants\":[", "n".repeat(rng.size(200)));
        push_item(&mut s, m, &map);
        for v in 0..rng.size(20) {
            let variant = format!(
                "{{\"id\":{},\"name\":\"v{v}\",\"num_pres_bytes\":{},\"fields\":[",
                rng.below(18),
                rng.below(6)
            );
            push_item(&mut s, v, &variant);
            for f in 0..rng.size(60) {
                let field = format!(
                    "{{\"slot\":{},\"type\":\"{}\",\"label\":\"f{f}\"}}",
                    rng.below(30),
                    rng.pick(&FIELD_TYPES)
                );
                push_item(&mut s, f, &field);
            }
            s.push_str("]}");
        }
        s.push_str("]}");
    }
    s.push_str("}}");
    s
}

/// Maps documents: mutated vector maps, generated many-map documents,
/// random text.
pub fn gen_maps(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    match rng.below(6) {
        0 => gen_maps_doc(rng).into_bytes(),
        1 => {
            let n = rng.size(1024);
            rng.bytes(n)
        }
        _ => mutate_text(rng, &c.maps_json, MAX_MAPS_DOC).into_bytes(),
    }
}

/// The `maps` target: `parse_user_maps` (the dashboard's loader, with its
/// size limit) and `VariantMap::select`; the last loaded map is selectable
/// by `?map=`, merges with the built-ins and decodes the vector frames.
pub fn run_maps(data: &[u8], c: &Corpus) {
    let text = String::from_utf8_lossy(data);
    let _ = VariantMap::select(&text, None);
    let _ = VariantMap::select(&text, Some("custom"));
    let Ok(loaded) = maps::parse_user_maps(&text) else {
        return;
    };
    let mut choices = maps::builtin_choices();
    choices.extend(loaded);
    // As the app does on `?map=` and on a selection: one effective map.
    let last = &choices[choices.len() - 1];
    assert!(maps::map_from_query(&choices, &last.key).is_some());
    let eff = maps::effective(&choices, &last.key, true);
    let _ = maps::borrowed_variants(&last.map, &eff);
    let strict = maps::effective(&choices, &last.key, false);
    for f in c.frames.iter().take(32) {
        let _ = iotdata::frame::decode_frame(f, &strict, DecodeOptions::LENIENT);
    }
}

// ---- demo recording ---------------------------------------------------------

/// Demo recordings: the corpus' mutated (field values, truncation,
/// splices), or the magic and version before random bytes.
pub fn gen_demo(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    if rng.one_in(5) {
        let mut b = b"IOTDFEED\x01".to_vec();
        let n = rng.size(MAX_DEMO - b.len());
        b.extend(rng.bytes(n));
        b
    } else {
        mutate_bytes(rng, &c.demo, MAX_DEMO)
    }
}

/// The `demo` target: `Capture::parse`; what it accepts writes back to a
/// recording that parses the same, and plays (pre-roll, then steps that
/// jump far ahead) without ever playing more than two passes in a step.
pub fn run_demo(data: &[u8], _c: &Corpus) {
    let Ok(capture) = Capture::parse(data) else {
        return;
    };
    assert_eq!(Capture::parse(&capture.to_bytes()).as_ref(), Ok(&capture));
    let frames = capture.frames.len();
    let mut feed = DemoFeed::new(capture, 0.0);
    assert!(feed.preroll().len() <= frames);
    for wall in [90_000.0, 1e9, 1e12] {
        let before = feed.sim_now_ms();
        let played = feed.step(wall);
        assert!(played.len() <= 2 * frames, "{} of {frames}", played.len());
        assert!(feed.sim_now_ms() >= before);
        assert!(played.windows(2).all(|w| w[0].rx_ms <= w[1].rx_ms));
    }
}

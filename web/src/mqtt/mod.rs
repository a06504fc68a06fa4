//! Step 2 of the pipeline: a sans-I/O MQTT client session, MQTT 3.1.1 or 5.0.
//!
//! Packet encoding and decoding come from the `mqtt-proto` crate (a small,
//! `no_std`-capable codec for MQTT 3.1/3.1.1/5.0 with no I/O of its own).
//! This file adds what a client needs on top of it:
//!
//! - reassembly: WebSocket frames are not MQTT packets, so bytes are buffered
//!   and packets are cut out of the buffer by their fixed header, whether one
//!   packet spans several frames or one frame packs several packets. At most
//!   one packet of at most [`MAX_PACKET_BYTES`] is buffered: a PUBLISH that
//!   declares more is skipped by its declared length as its bytes stream in
//!   (acknowledged at QoS 1/2, reported as [`Event::Oversize`] with its topic)
//!   and the session goes on;
//! - the session: CONNECT (optional username/password, clean session/start,
//!   the caller's client id), CONNACK, SUBSCRIBE to every topic filter and
//!   SUBACK, PUBLISH at QoS 0/1/2 with PUBACK / PUBREC+PUBCOMP (a PUBLISH
//!   before CONNACK is a protocol error), keepalive PINGREQ and the
//!   CONNACK/SUBACK/PINGRESP time-outs;
//! - the protocol version ([`MqttVersion`]): both speak the same session; the
//!   wire format differs. With MQTT 5 the CONNECT also tells the broker the
//!   largest packet this client takes ([`MAX_PACKET_BYTES`]; the broker drops
//!   bigger messages instead of breaking the connection), CONNACK/SUBACK/
//!   DISCONNECT reason codes and reason strings are reported, and a Server
//!   Keep Alive from the broker replaces the configured keepalive (a Server
//!   Keep Alive of 0 still leaves the dead-connection ping running, see
//!   [`MqttClient::ping_interval_secs`]). A broker
//!   that answers in the other version's CONNACK format is recognised and
//!   reported as "choose MQTT x in the settings".
//!
//! Nothing here touches the network or a clock: the caller passes bytes and
//! the current time in milliseconds and sends what [`Output::Send`] returns.

use crate::vecmap::VecSet;

use mqtt_proto::{v3, v5};
use mqtt_proto::{Encodable, Pid, QoS, QosPid, TopicFilter};
use serde::{Deserialize, Serialize};

/// Largest MQTT packet accepted (a frame is tens of bytes; 1 MiB is generous).
pub const MAX_PACKET_BYTES: usize = 1024 * 1024;
/// How long to wait for CONNACK after sending CONNECT.
pub const CONNACK_TIMEOUT_MS: f64 = 10_000.0;
/// How long to wait for SUBACK after sending SUBSCRIBE.
pub const SUBACK_TIMEOUT_MS: f64 = 10_000.0;
/// The dead-connection ping interval when neither the broker nor the
/// settings give a keepalive (both 0): MQTT lets a client send PINGREQ at any
/// time, so a silent dead connection is still noticed.
pub const DEAD_CONNECTION_DEFAULT_SECS: u16 = 60;
/// Bytes of an oversize PUBLISH's topic kept for its report (longer topics
/// are cut and end with `…`).
pub const OVERSIZE_TOPIC_BYTES: usize = 256;
/// Longest MQTT string (client id, user name) and binary field (password):
/// they carry a 2-byte length.
pub const MAX_MQTT_STRING_BYTES: usize = 65_535;

/// The MQTT protocol version a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MqttVersion {
    /// MQTT 3.1.1 (protocol level 4): spoken by every broker; the default.
    #[default]
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5.0 (protocol level 5).
    #[serde(rename = "5")]
    V5,
}

impl MqttVersion {
    /// Both versions, in the order the settings list them.
    pub const ALL: [MqttVersion; 2] = [MqttVersion::V311, MqttVersion::V5];

    /// Reads `3.1.1` (also `311`, `4`) or `5` (also `5.0`, `v5`).
    pub fn parse(text: &str) -> Option<MqttVersion> {
        match text.trim().to_ascii_lowercase().as_str() {
            "3.1.1" | "311" | "4" | "v3.1.1" | "v311" => Some(MqttVersion::V311),
            "5" | "5.0" | "v5" | "v5.0" => Some(MqttVersion::V5),
            _ => None,
        }
    }

    /// `3.1.1` or `5` (what [`MqttVersion::parse`] reads back).
    pub fn label(self) -> &'static str {
        match self {
            MqttVersion::V311 => "3.1.1",
            MqttVersion::V5 => "5",
        }
    }
}

/// What the session is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Client identifier (random per tab).
    pub client_id: String,
    /// Keepalive in seconds, sent in CONNECT. 0 tells the broker to expect
    /// no pings; the dead-connection ping then runs every
    /// [`DEAD_CONNECTION_DEFAULT_SECS`] all the same.
    pub keep_alive_secs: u16,
    /// Optional user name.
    pub username: Option<String>,
    /// Optional password (sent only with a user name, as MQTT 3.1.1 requires).
    pub password: Option<String>,
    /// Topic filters to subscribe to after CONNACK.
    pub topics: Vec<String>,
    /// Protocol version.
    pub version: MqttVersion,
}

/// One application message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Topic name.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// QoS it was delivered with.
    pub qos: u8,
    /// Retained message.
    pub retain: bool,
}

/// A PUBLISH larger than [`MAX_PACKET_BYTES`], skipped unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversize {
    /// Declared size of the whole packet in bytes.
    pub size: usize,
    /// Its topic (lossy UTF-8), cut to [`OVERSIZE_TOPIC_BYTES`] with `…`.
    pub topic: String,
    /// QoS from the fixed header.
    pub qos: u8,
    /// Retained message.
    pub retain: bool,
}

/// The result of one topic filter in SUBACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The topic filter.
    pub filter: String,
    /// Granted QoS, or `None` when the broker refused the filter.
    pub qos: Option<u8>,
}

/// Something the session noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// CONNACK accepted.
    Connected {
        /// Session-present flag.
        session_present: bool,
    },
    /// CONNACK refused the connection.
    Refused {
        /// CONNACK return code (3.1.1: 1..=5) or reason code (5: 0x80..).
        code: u8,
        /// Readable reason (with the broker's reason string, if it sent one).
        reason: String,
        /// What the user can do about it.
        hint: &'static str,
        /// True when retrying cannot help until the settings change.
        is_final: bool,
    },
    /// SUBACK received for our SUBSCRIBE.
    Subscribed(Vec<Grant>),
    /// An application message.
    Message(Message),
    /// A PUBLISH too large to take, skipped (and acknowledged at QoS 1/2);
    /// the session goes on.
    Oversize(Oversize),
    /// The broker sent something that is not valid MQTT, or ended the
    /// session (the session is over).
    ProtocolError(String),
}

/// Output of [`MqttClient::receive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Bytes to send to the broker.
    Send(Vec<u8>),
    /// Something to report.
    Event(Event),
}

/// Output of [`MqttClient::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Nothing to do.
    Idle,
    /// Send this PINGREQ.
    Send(Vec<u8>),
    /// The broker did not answer in time (CONNACK, SUBACK or PINGRESP).
    Timeout(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    AwaitingConnack,
    Subscribing(u16),
    Ready,
    Closed,
}

/// Why [`MqttClient::new`] refused its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsError {
    /// The client id is empty or longer than [`MAX_MQTT_STRING_BYTES`].
    ClientId(usize),
    /// The user name (its length in bytes) does not fit an MQTT string.
    UserName(usize),
    /// The password (its length in bytes) does not fit an MQTT field.
    Password(usize),
    /// Not a valid MQTT topic filter.
    TopicFilter(String),
}

impl OptionsError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            OptionsError::ClientId(_) => "reload the page for a new client id",
            OptionsError::UserName(_) => "shorten the user name in the settings",
            OptionsError::Password(_) => "shorten the password in the settings",
            OptionsError::TopicFilter(_) => {
                "fix the topic filters in the settings (e.g. iotdata/#)"
            }
        }
    }
}

impl std::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX: usize = MAX_MQTT_STRING_BYTES;
        match self {
            OptionsError::ClientId(n) => {
                write!(f, "the client id is {n} bytes; MQTT takes 1 to {MAX}")
            }
            OptionsError::UserName(n) => write!(
                f,
                "the user name is {n} bytes; MQTT cannot send more than {MAX}"
            ),
            OptionsError::Password(n) => write!(
                f,
                "the password is {n} bytes; MQTT cannot send more than {MAX}"
            ),
            OptionsError::TopicFilter(t) => write!(f, "'{t}' is not a valid MQTT topic filter"),
        }
    }
}

impl std::error::Error for OptionsError {}

/// A PUBLISH over [`MAX_PACKET_BYTES`] whose body is being discarded as it
/// arrives; keeps only its topic (cut) and packet identifier.
#[derive(Debug)]
struct Skip {
    /// Declared size of the whole packet.
    total: usize,
    qos: u8,
    retain: bool,
    /// Body bytes still to discard.
    left: usize,
    /// Body bytes seen so far.
    seen: usize,
    /// The first body bytes: topic length and up to
    /// [`OVERSIZE_TOPIC_BYTES`] of the topic.
    head: Vec<u8>,
    /// The packet identifier's two bytes (QoS 1/2), caught as they pass.
    pid: [Option<u8>; 2],
}

impl Skip {
    fn new(fixed: Fixed) -> Skip {
        Skip {
            total: fixed.total(),
            qos: (fixed.first >> 1) & 0x03,
            retain: fixed.first & 0x01 != 0,
            left: fixed.remaining,
            seen: 0,
            head: Vec::new(),
            pid: [None; 2],
        }
    }

    fn topic_len(&self) -> Option<usize> {
        match self.head.get(..2) {
            Some(&[hi, lo]) => Some(usize::from(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// Takes (and drops) up to `left` body bytes from the front of `bytes`;
    /// returns how many it took.
    fn eat(&mut self, bytes: &[u8]) -> usize {
        let n = self.left.min(bytes.len());
        let Some(piece) = bytes.get(..n) else {
            return 0;
        };
        let start = self.seen;
        let keep = 2 + OVERSIZE_TOPIC_BYTES;
        if start < keep {
            let k = (keep - start).min(n);
            self.head
                .extend_from_slice(piece.get(..k).unwrap_or_default());
        }
        if let Some(len) = self.topic_len() {
            for (i, slot) in self.pid.iter_mut().enumerate() {
                let at = 2 + len + i;
                if at >= start && at < start + n {
                    *slot = piece.get(at - start).copied();
                }
            }
        }
        self.seen += n;
        self.left -= n;
        n
    }

    fn report(&self) -> Oversize {
        let len = self.topic_len().unwrap_or(0);
        let shown = len.min(OVERSIZE_TOPIC_BYTES);
        let bytes = self.head.get(2..2 + shown).unwrap_or_default();
        let mut topic = String::from_utf8_lossy(bytes).into_owned();
        if len > shown {
            topic.push('…');
        }
        Oversize {
            size: self.total,
            topic,
            qos: self.qos,
            retain: self.retain,
        }
    }

    fn pid(&self) -> Option<Pid> {
        match self.pid {
            [Some(hi), Some(lo)] => Pid::try_from(u16::from_be_bytes([hi, lo])).ok(),
            _ => None,
        }
    }
}

/// What [`MqttClient::step`] did with the bytes at a packet boundary.
enum Step {
    /// Took this many bytes (a whole packet, or the fixed header of a
    /// packet now being skipped).
    Took(usize),
    /// The packet is not complete yet.
    Incomplete,
    /// The session ended.
    Closed,
}

/// An MQTT 3.1.1 or 5.0 client session over some byte stream.
#[derive(Debug)]
pub struct MqttClient {
    opts: ClientOptions,
    filters: Vec<TopicFilter>,
    /// The start of one packet of at most [`MAX_PACKET_BYTES`].
    buf: Vec<u8>,
    /// The oversize PUBLISH being skipped.
    skip: Option<Skip>,
    phase: Phase,
    next_pid: u16,
    /// The keepalive in force (a v5 Server Keep Alive replaces the option).
    keep_alive_secs: u16,
    connect_sent_ms: f64,
    subscribe_sent_ms: f64,
    last_sent_ms: f64,
    /// When bytes last arrived from the broker.
    last_received_ms: f64,
    ping_sent_ms: Option<f64>,
    qos2_pending: VecSet<u16>,
}

/// Readable text for an MQTT 3.1.1 CONNACK return code.
pub fn connack_reason(code: u8) -> &'static str {
    match code {
        0 => "accepted",
        1 => "unacceptable protocol version",
        2 => "client identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorised",
        _ => "unknown return code",
    }
}

/// Readable text for an MQTT 5 reason code (CONNACK, SUBACK, DISCONNECT).
pub fn reason_code_text(code: u8) -> &'static str {
    match code {
        0x00 => "success",
        0x04 => "disconnect with will message",
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "implementation specific error",
        0x84 => "unsupported protocol version",
        0x85 => "client identifier not valid",
        0x86 => "bad user name or password",
        0x87 => "not authorised",
        0x88 => "server unavailable",
        0x89 => "server busy",
        0x8A => "banned",
        0x8B => "server shutting down",
        0x8C => "bad authentication method",
        0x8D => "keep alive timeout",
        0x8E => "session taken over (another client connected with the same client id)",
        0x8F => "topic filter invalid",
        0x90 => "topic name invalid",
        0x93 => "receive maximum exceeded",
        0x94 => "topic alias invalid",
        0x95 => "packet too large",
        0x96 => "message rate too high",
        0x97 => "quota exceeded",
        0x98 => "administrative action",
        0x99 => "payload format invalid",
        0x9A => "retain not supported",
        0x9B => "QoS not supported",
        0x9C => "use another server",
        0x9D => "server moved",
        0x9E => "shared subscriptions not supported",
        0x9F => "connection rate exceeded",
        0xA0 => "maximum connect time",
        0xA1 => "subscription identifiers not supported",
        0xA2 => "wildcard subscriptions not supported",
        _ => "unknown reason code",
    }
}

/// What a refused CONNACK means for the user: (hint, final). `final` means
/// retrying cannot help until the settings change (credentials, client id,
/// protocol version, banned, moved).
pub fn refusal_advice(version: MqttVersion, code: u8) -> (&'static str, bool) {
    const CREDENTIALS: &str = "check the user name and password in the settings";
    const ACL: &str = "check the user name and password (mosquitto answers \"not authorised\" to bad credentials), or the broker's ACL for this user";
    const CLIENT_ID: &str = "the broker rejected the client id; reload the page for a new one";
    const BUSY: &str = "the broker is up but not accepting connections; retrying";
    match (version, code) {
        (MqttVersion::V311, 1) => (
            "the broker does not speak MQTT 3.1.1: choose MQTT 5 in the settings",
            true,
        ),
        (MqttVersion::V311, 2) | (MqttVersion::V5, 0x85) => (CLIENT_ID, true),
        (MqttVersion::V311, 3) | (MqttVersion::V5, 0x88 | 0x89 | 0x9F) => (BUSY, false),
        (MqttVersion::V311, 4) | (MqttVersion::V5, 0x86) => (CREDENTIALS, true),
        (MqttVersion::V311, 5) | (MqttVersion::V5, 0x87) => (ACL, true),
        (MqttVersion::V5, 0x84) => (
            "the broker does not speak MQTT 5: choose MQTT 3.1.1 in the settings",
            true,
        ),
        (MqttVersion::V5, 0x8A) => ("this client is banned by the broker", true),
        (MqttVersion::V5, 0x8C) => (
            "the broker wants an authentication method this dashboard does not offer",
            true,
        ),
        (MqttVersion::V5, 0x9C | 0x9D) => ("the broker points to another server", true),
        _ => ("", false),
    }
}

/// A normalised incoming packet (either version).
enum Incoming {
    Connack {
        session_present: bool,
        /// Return code (3.1.1) or reason code (5); 0 = accepted.
        code: u8,
        /// Readable reason.
        reason: String,
        server_keep_alive: Option<u16>,
    },
    Suback {
        pid: u16,
        granted: Vec<Option<u8>>,
    },
    Publish {
        qos_pid: QosPid,
        topic: String,
        payload: Vec<u8>,
        retain: bool,
    },
    Pubrel(Pid),
    Pingresp,
    /// Acknowledgements of things this client never sends (ignored).
    Ignored,
    Disconnect(String),
    /// A packet only clients send, or one the session does not take.
    Unexpected(&'static str),
}

/// Outgoing packets (either version).
#[derive(Clone, Copy)]
enum Outgoing<'a> {
    Connect(&'a ClientOptions),
    Subscribe(Pid, &'a [TopicFilter]),
    Puback(Pid),
    Pubrec(Pid),
    Pubcomp(Pid),
    Pingreq,
    Disconnect,
}

fn with_reason_string(text: &str, reason_string: Option<&str>) -> String {
    match reason_string {
        Some(r) if !r.is_empty() => format!("{text}: {r}"),
        _ => text.to_string(),
    }
}

fn granted(code: u8) -> Option<u8> {
    (code <= 2).then_some(code)
}

/// `control` byte, remaining length, then `body`: one whole packet.
fn frame<E: Encodable>(control: u8, body: &E) -> Vec<u8> {
    let len = body.encode_len();
    let mut buf = Vec::with_capacity(len + 5);
    buf.push(control);
    let mut n = len;
    loop {
        let digit = (n % 128) as u8;
        n /= 128;
        buf.push(if n > 0 { digit | 0x80 } else { digit });
        if n == 0 {
            break;
        }
    }
    match body.encode(&mut buf) {
        Ok(()) => buf,
        // Only oversized strings can fail; they are validated beforehand.
        Err(_) => Vec::new(),
    }
}

/// A packet that is a packet identifier only (PUBACK, PUBREC, PUBCOMP). MQTT 5
/// allows this same 2-byte form when the reason is "success" and there are no
/// properties, so both versions send the same bytes.
fn pid_only(control: u8, pid: Pid) -> Vec<u8> {
    let [hi, lo] = pid.value().to_be_bytes();
    vec![control, 0x02, hi, lo]
}

impl Outgoing<'_> {
    /// Encodes with only the encoders a client needs (CONNECT and SUBSCRIBE
    /// bodies come from mqtt-proto; the rest are fixed forms).
    fn encode(&self, version: MqttVersion) -> Vec<u8> {
        match (*self, version) {
            (Outgoing::Connect(o), MqttVersion::V311) => {
                let mut c = v3::Connect::new(o.client_id.as_str().into(), o.keep_alive_secs);
                c.clean_session = true;
                if let Some(user) = &o.username {
                    c.username = Some(user.as_str().into());
                    c.password = o.password.as_ref().map(|p| p.as_bytes().to_vec().into());
                }
                frame(0x10, &c)
            }
            (Outgoing::Connect(o), MqttVersion::V5) => {
                let mut c = v5::Connect::new(o.client_id.as_str().into(), o.keep_alive_secs);
                c.clean_start = true;
                c.properties.max_packet_size = Some(MAX_PACKET_BYTES as u32);
                if let Some(user) = &o.username {
                    c.username = Some(user.as_str().into());
                    c.password = o.password.as_ref().map(|p| p.as_bytes().to_vec().into());
                }
                frame(0x10, &c)
            }
            (Outgoing::Subscribe(pid, filters), MqttVersion::V311) => frame(
                0x82,
                &v3::Subscribe::new(
                    pid,
                    filters.iter().map(|f| (f.clone(), QoS::Level1)).collect(),
                ),
            ),
            (Outgoing::Subscribe(pid, filters), MqttVersion::V5) => frame(
                0x82,
                &v5::Subscribe::new(
                    pid,
                    filters
                        .iter()
                        .map(|f| (f.clone(), v5::SubscriptionOptions::new(QoS::Level1)))
                        .collect(),
                ),
            ),
            (Outgoing::Puback(pid), _) => pid_only(0x40, pid),
            (Outgoing::Pubrec(pid), _) => pid_only(0x50, pid),
            (Outgoing::Pubcomp(pid), _) => pid_only(0x70, pid),
            (Outgoing::Pingreq, _) => vec![0xC0, 0x00],
            // MQTT 5: remaining length 0 = "normal disconnection", no properties.
            (Outgoing::Disconnect, _) => vec![0xE0, 0x00],
        }
    }
}

/// The fixed header of the packet at the start of a buffer.
#[derive(Debug, Clone, Copy)]
struct Fixed {
    /// First byte: packet type and flags.
    first: u8,
    /// Remaining length (the body).
    remaining: usize,
    /// Length of the fixed header (1 + the remaining-length bytes).
    header: usize,
}

impl Fixed {
    /// Reads the fixed header: `Ok(None)` while it is incomplete. The packet
    /// type and flags are checked as soon as the header is there, so a
    /// non-MQTT stream (an HTTP error page, say) fails at once instead of
    /// waiting for a body that never comes.
    fn read(version: MqttVersion, bytes: &[u8]) -> Result<Option<Fixed>, String> {
        let Some(&first) = bytes.first() else {
            return Ok(None);
        };
        let mut remaining = 0usize;
        for i in 0..4 {
            let Some(&b) = bytes.get(1 + i) else {
                return Ok(None);
            };
            remaining |= usize::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                let fixed = Fixed {
                    first,
                    remaining,
                    header: 2 + i,
                };
                fixed.check(version)?;
                return Ok(Some(fixed));
            }
        }
        Err("invalid MQTT remaining length (more than 4 bytes)".into())
    }

    fn total(self) -> usize {
        self.header + self.remaining
    }

    fn check(self, version: MqttVersion) -> Result<(), String> {
        let ok = match version {
            MqttVersion::V311 => self.v3().map(|_| ()).map_err(|e| e.to_string()),
            MqttVersion::V5 => self.v5().map(|_| ()).map_err(|e| e.to_string()),
        };
        ok.map_err(|e| format!("invalid MQTT fixed header: {e}"))
    }

    fn v3(self) -> Result<v3::Header, mqtt_proto::Error> {
        v3::Header::new_with(self.first, self.remaining as u32, self.total() as u32)
    }

    fn v5(self) -> Result<v5::Header, v5::ErrorV5> {
        v5::Header::new_with(self.first, self.remaining as u32, self.total() as u32)
    }
}

/// A CONNACK in the *other* version's format, answering our CONNECT: a
/// 3.1.1 broker answers an MQTT 5 CONNECT with the 2-byte 3.1.1 CONNACK
/// (code 1), an MQTT 5-only broker a 3.1.1 CONNECT with reason 0x84.
fn foreign_connack(version: MqttVersion, packet: &[u8]) -> Option<u8> {
    match (version, packet) {
        (MqttVersion::V5, [0x20, 0x02, _, code @ 1..=5]) => Some(*code),
        (MqttVersion::V311, [0x20, _, _, code @ 0x80..=0xFF, ..]) => Some(*code),
        _ => None,
    }
}

/// The packet identifier that is the whole body of a PUBREL (3.1.1).
fn body_pid(body: &[u8]) -> Result<Pid, String> {
    match body {
        [hi, lo] => Pid::try_from(u16::from_be_bytes([*hi, *lo])).map_err(|e| e.to_string()),
        _ => Err("PUBREL must carry exactly a packet identifier".into()),
    }
}

/// Decodes one whole 3.1.1 packet (`body` follows the fixed header), with
/// the decoders of the packet types a broker sends to a client only.
fn decode_v3(fixed: Fixed, body: &[u8]) -> Result<Incoming, String> {
    use v3::PacketType as T;
    let header = fixed.v3().map_err(|e| e.to_string())?;
    let at = &mut 0usize;
    let e = |e: mqtt_proto::Error| e.to_string();
    Ok(match header.typ {
        T::Connack => {
            let c = v3::Connack::decode(body, at).map_err(e)?;
            Incoming::Connack {
                session_present: c.session_present,
                code: c.code as u8,
                reason: connack_reason(c.code as u8).to_string(),
                server_keep_alive: None,
            }
        }
        T::Suback => {
            let s = v3::Suback::decode(body, at, header).map_err(e)?;
            Incoming::Suback {
                pid: s.pid.value(),
                granted: s
                    .topics
                    .iter()
                    .map(|c| match c {
                        v3::SubscribeReturnCode::MaxLevel0 => Some(0),
                        v3::SubscribeReturnCode::MaxLevel1 => Some(1),
                        v3::SubscribeReturnCode::MaxLevel2 => Some(2),
                        v3::SubscribeReturnCode::Failure => None,
                    })
                    .collect(),
            }
        }
        T::Publish => {
            let p = v3::Publish::decode(body, at, header).map_err(e)?;
            Incoming::Publish {
                qos_pid: p.qos_pid,
                topic: p.topic_name.to_string(),
                payload: p.payload.to_vec(),
                retain: p.retain,
            }
        }
        T::Pubrel => Incoming::Pubrel(body_pid(body)?),
        T::Pingresp => Incoming::Pingresp,
        T::Puback | T::Pubrec | T::Pubcomp | T::Unsuback => Incoming::Ignored,
        T::Disconnect => Incoming::Disconnect("the broker sent DISCONNECT".into()),
        T::Connect | T::Subscribe | T::Unsubscribe | T::Pingreq => {
            Incoming::Unexpected("the broker sent a client-only packet")
        }
    })
}

/// Decodes one whole MQTT 5 packet, like [`decode_v3`].
fn decode_v5(fixed: Fixed, body: &[u8]) -> Result<Incoming, String> {
    use v5::PacketType as T;
    let header = fixed.v5().map_err(|e| e.to_string())?;
    let at = &mut 0usize;
    let e = |e: v5::ErrorV5| e.to_string();
    Ok(match header.typ {
        T::Connack => {
            let c = v5::Connack::decode(body, at, header).map_err(e)?;
            let code = c.reason_code as u8;
            Incoming::Connack {
                session_present: c.session_present,
                code,
                reason: with_reason_string(
                    reason_code_text(code),
                    c.properties.reason_string.as_deref(),
                ),
                server_keep_alive: c.properties.server_keep_alive,
            }
        }
        T::Suback => {
            let s = v5::Suback::decode(body, at, header).map_err(e)?;
            Incoming::Suback {
                pid: s.pid.value(),
                granted: s.topics.iter().map(|c| granted(*c as u8)).collect(),
            }
        }
        T::Publish => {
            let p = v5::Publish::decode(body, at, header).map_err(e)?;
            // This client's CONNECT allows no topic aliases (Topic Alias
            // Maximum absent = 0), so a broker must not use them.
            if p.properties.topic_alias.is_some() {
                return Err("the broker used a topic alias this client did not allow".into());
            }
            Incoming::Publish {
                qos_pid: p.qos_pid,
                topic: p.topic_name.to_string(),
                payload: p.payload.to_vec(),
                retain: p.retain,
            }
        }
        T::Pubrel => Incoming::Pubrel(v5::Pubrel::decode(body, at, header).map_err(e)?.pid),
        T::Pingresp => Incoming::Pingresp,
        T::Puback | T::Pubrec | T::Pubcomp | T::Unsuback => Incoming::Ignored,
        T::Disconnect => {
            let d = v5::Disconnect::decode(body, at, header).map_err(e)?;
            let code = d.reason_code as u8;
            Incoming::Disconnect(with_reason_string(
                &format!(
                    "the broker sent DISCONNECT ({}, 0x{code:02X})",
                    reason_code_text(code)
                ),
                d.properties.reason_string.as_deref(),
            ))
        }
        T::Auth => Incoming::Unexpected(
            "the broker asked for enhanced authentication (AUTH), which this dashboard does not offer",
        ),
        T::Connect | T::Subscribe | T::Unsubscribe | T::Pingreq => {
            Incoming::Unexpected("the broker sent a client-only packet")
        }
    })
}

impl MqttClient {
    /// Checks the options (topic filters must be valid MQTT filters, the
    /// client id non-empty, client id, user name and password at most
    /// [`MAX_MQTT_STRING_BYTES`]) and builds a session.
    pub fn new(opts: ClientOptions) -> Result<MqttClient, OptionsError> {
        let id = opts.client_id.len();
        if id == 0 || id > MAX_MQTT_STRING_BYTES {
            return Err(OptionsError::ClientId(id));
        }
        if let Some(n) = opts.username.as_ref().map(String::len) {
            if n > MAX_MQTT_STRING_BYTES {
                return Err(OptionsError::UserName(n));
            }
        }
        if let Some(n) = opts.password.as_ref().map(String::len) {
            if n > MAX_MQTT_STRING_BYTES {
                return Err(OptionsError::Password(n));
            }
        }
        let mut filters = Vec::with_capacity(opts.topics.len());
        for t in &opts.topics {
            let f = TopicFilter::try_from(t.as_str())
                .map_err(|_| OptionsError::TopicFilter(t.clone()))?;
            filters.push(f);
        }
        Ok(MqttClient {
            keep_alive_secs: opts.keep_alive_secs,
            opts,
            filters,
            buf: Vec::new(),
            skip: None,
            phase: Phase::New,
            next_pid: 1,
            connect_sent_ms: 0.0,
            subscribe_sent_ms: 0.0,
            last_sent_ms: 0.0,
            last_received_ms: 0.0,
            ping_sent_ms: None,
            qos2_pending: VecSet::new(),
        })
    }

    /// The options this session was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// The keepalive in force, in seconds: the configured one, or the
    /// broker's Server Keep Alive (MQTT 5) once CONNACK carried one.
    pub fn keep_alive_secs(&self) -> u16 {
        self.keep_alive_secs
    }

    /// Seconds of the dead-connection check (a PINGREQ after 75 % of it
    /// without sending, a time-out when its PINGRESP takes all of it): the
    /// keepalive in force, or when that is 0 (a Server Keep Alive of 0, or
    /// 0 configured) the configured keepalive, or else
    /// [`DEAD_CONNECTION_DEFAULT_SECS`]. A keepalive of 0 only tells the
    /// broker not to expect pings; this client may still send them.
    pub fn ping_interval_secs(&self) -> u16 {
        [self.keep_alive_secs, self.opts.keep_alive_secs]
            .into_iter()
            .find(|&s| s > 0)
            .unwrap_or(DEAD_CONNECTION_DEFAULT_SECS)
    }

    /// True once SUBACK has arrived (or there was nothing to subscribe to).
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// True after CONNACK accepted the connection.
    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Subscribing(_) | Phase::Ready)
    }

    /// Bytes buffered waiting for the rest of a packet (at most
    /// [`MAX_PACKET_BYTES`]; a skipped packet's bytes are not kept).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes of an oversize packet still to be skipped (0 when none).
    pub fn skipping(&self) -> usize {
        self.skip.as_ref().map_or(0, |s| s.left)
    }

    fn encode(&self, packet: Outgoing) -> Vec<u8> {
        packet.encode(self.opts.version)
    }

    /// The CONNECT packet; call once, right after the transport opened.
    pub fn connect(&mut self, now_ms: f64) -> Vec<u8> {
        self.phase = Phase::AwaitingConnack;
        self.connect_sent_ms = now_ms;
        self.last_sent_ms = now_ms;
        self.encode(Outgoing::Connect(&self.opts))
    }

    /// A DISCONNECT packet (the session is closed afterwards).
    pub fn disconnect(&mut self) -> Vec<u8> {
        self.phase = Phase::Closed;
        self.encode(Outgoing::Disconnect)
    }

    fn take_pid(&mut self) -> Pid {
        let v = self.next_pid;
        self.next_pid = if v == u16::MAX { 1 } else { v + 1 };
        Pid::try_from(v).unwrap_or_default()
    }

    /// Feeds bytes received from the transport (any split). Returns what to
    /// send and what happened, in order. After a protocol error or a refused
    /// CONNACK, further input is ignored. Memory stays bounded whatever the
    /// input: whole packets are parsed straight from `chunk`, only an
    /// incomplete packet's bytes (at most [`MAX_PACKET_BYTES`]) are kept, and
    /// an oversize PUBLISH is discarded as it arrives.
    pub fn receive(&mut self, chunk: &[u8], now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if !chunk.is_empty() {
            self.last_received_ms = now_ms;
        }
        let mut input = chunk;
        while self.phase != Phase::Closed {
            if let Some(skip) = self.skip.as_mut() {
                let n = skip.eat(input);
                input = input.get(n..).unwrap_or_default();
                if skip.left > 0 {
                    break;
                }
                if let Some(skip) = self.skip.take() {
                    self.skipped(&skip, now_ms, &mut out);
                }
                continue;
            }
            if self.buf.is_empty() {
                if input.is_empty() {
                    break;
                }
                match self.step(input, now_ms, &mut out) {
                    Step::Took(n) => input = input.get(n..).unwrap_or_default(),
                    Step::Incomplete => {
                        // Bounded: less than one packet of at most
                        // MAX_PACKET_BYTES, or an incomplete fixed header.
                        self.buf.extend_from_slice(input);
                        break;
                    }
                    Step::Closed => break,
                }
                continue;
            }
            // Complete the buffered packet from the input, taking no more
            // than it needs (one byte at a time while its header is cut).
            let mut buf = std::mem::take(&mut self.buf);
            let want = match Fixed::read(self.opts.version, &buf) {
                Ok(Some(f)) if f.total() <= MAX_PACKET_BYTES => f.total().saturating_sub(buf.len()),
                Ok(Some(_)) | Err(_) => 0,
                Ok(None) => 1,
            };
            let n = want.min(input.len());
            buf.extend_from_slice(input.get(..n).unwrap_or_default());
            input = input.get(n..).unwrap_or_default();
            match self.step(&buf, now_ms, &mut out) {
                Step::Took(used) => {
                    let rest = buf.get(used..).unwrap_or_default();
                    // Only the body of a packet now skipped can follow.
                    if let Some(skip) = self.skip.as_mut() {
                        skip.eat(rest);
                    }
                    buf.clear();
                    self.buf = buf;
                }
                Step::Incomplete => {
                    self.buf = buf;
                    if input.is_empty() {
                        break;
                    }
                }
                Step::Closed => break,
            }
        }
        if self.phase == Phase::Closed {
            self.buf = Vec::new();
            self.skip = None;
        }
        out
    }

    /// Handles the packet at the start of `bytes` (a packet boundary).
    fn step(&mut self, bytes: &[u8], now_ms: f64, out: &mut Vec<Output>) -> Step {
        let version = self.opts.version;
        let fixed = match Fixed::read(version, bytes) {
            Ok(Some(f)) => f,
            Ok(None) => return Step::Incomplete,
            Err(e) => {
                self.fail(out, e);
                return Step::Closed;
            }
        };
        let total = fixed.total();
        if total > MAX_PACKET_BYTES {
            if fixed.first >> 4 != 3 {
                self.fail(
                    out,
                    format!("MQTT packet of {total} bytes is too large (not a PUBLISH)"),
                );
                return Step::Closed;
            }
            if !self.is_connected() {
                self.fail(out, "the broker sent PUBLISH before CONNACK".into());
                return Step::Closed;
            }
            self.skip = Some(Skip::new(fixed));
            return Step::Took(fixed.header);
        }
        let (Some(packet), Some(body)) = (bytes.get(..total), bytes.get(fixed.header..total))
        else {
            return Step::Incomplete;
        };
        if self.phase == Phase::AwaitingConnack {
            if let Some(code) = foreign_connack(version, packet) {
                self.refuse_foreign(code, out);
                return Step::Closed;
            }
        }
        let decoded = match version {
            MqttVersion::V311 => decode_v3(fixed, body),
            MqttVersion::V5 => decode_v5(fixed, body),
        };
        match decoded {
            Ok(p) => self.handle(p, now_ms, out),
            Err(e) => self.fail(out, format!("invalid MQTT packet: {e}")),
        }
        if self.phase == Phase::Closed {
            Step::Closed
        } else {
            Step::Took(total)
        }
    }

    /// An oversize PUBLISH was skipped to its end: acknowledge it (QoS 1/2,
    /// so the broker does not send it again) and report it.
    fn skipped(&mut self, skip: &Skip, now_ms: f64, out: &mut Vec<Output>) {
        match (skip.qos, skip.pid()) {
            (1, Some(pid)) => {
                let ack = self.encode(Outgoing::Puback(pid));
                self.send(out, ack, now_ms);
            }
            (2, Some(pid)) => {
                let rec = self.encode(Outgoing::Pubrec(pid));
                self.send(out, rec, now_ms);
            }
            (0, _) => {}
            _ => {
                return self.fail(
                    out,
                    "oversize PUBLISH without a valid packet identifier".into(),
                )
            }
        }
        out.push(Output::Event(Event::Oversize(skip.report())));
    }

    fn fail(&mut self, out: &mut Vec<Output>, msg: String) {
        self.phase = Phase::Closed;
        out.push(Output::Event(Event::ProtocolError(msg)));
    }

    fn send(&mut self, out: &mut Vec<Output>, bytes: Vec<u8>, now_ms: f64) {
        self.last_sent_ms = now_ms;
        out.push(Output::Send(bytes));
    }

    fn refuse(&mut self, out: &mut Vec<Output>, code: u8, reason: String) {
        let (hint, is_final) = refusal_advice(self.opts.version, code);
        self.push_refusal(out, code, reason, hint, is_final);
    }

    /// The broker answered in the other version's CONNACK format: the same
    /// advice as that version's own "unsupported protocol version" code.
    fn refuse_foreign(&mut self, code: u8, out: &mut Vec<Output>) {
        let (reason, (hint, _)) = match self.opts.version {
            MqttVersion::V5 => (
                format!(
                    "the broker answered with an MQTT 3.1.1 CONNACK ({})",
                    connack_reason(code)
                ),
                refusal_advice(MqttVersion::V5, 0x84),
            ),
            MqttVersion::V311 => (
                format!(
                    "the broker answered with an MQTT 5 CONNACK ({})",
                    reason_code_text(code)
                ),
                refusal_advice(MqttVersion::V311, 1),
            ),
        };
        self.push_refusal(out, code, reason, hint, true);
    }

    fn push_refusal(
        &mut self,
        out: &mut Vec<Output>,
        code: u8,
        reason: String,
        hint: &'static str,
        is_final: bool,
    ) {
        self.phase = Phase::Closed;
        out.push(Output::Event(Event::Refused {
            code,
            reason,
            hint,
            is_final,
        }));
    }

    fn handle(&mut self, packet: Incoming, now_ms: f64, out: &mut Vec<Output>) {
        match packet {
            Incoming::Connack {
                session_present,
                code,
                reason,
                server_keep_alive,
            } => {
                if self.phase != Phase::AwaitingConnack {
                    return self.fail(out, "unexpected CONNACK".into());
                }
                if code != 0 {
                    return self.refuse(out, code, reason);
                }
                if let Some(ka) = server_keep_alive {
                    self.keep_alive_secs = ka;
                }
                out.push(Output::Event(Event::Connected { session_present }));
                if self.filters.is_empty() {
                    self.phase = Phase::Ready;
                    out.push(Output::Event(Event::Subscribed(Vec::new())));
                } else {
                    let pid = self.take_pid();
                    let bytes = self.encode(Outgoing::Subscribe(pid, &self.filters));
                    self.phase = Phase::Subscribing(pid.value());
                    self.subscribe_sent_ms = now_ms;
                    self.send(out, bytes, now_ms);
                }
            }
            Incoming::Suback { pid, granted } => {
                if self.phase != Phase::Subscribing(pid) {
                    return;
                }
                let grants = self
                    .opts
                    .topics
                    .iter()
                    .enumerate()
                    .map(|(i, filter)| Grant {
                        filter: filter.clone(),
                        qos: granted.get(i).copied().flatten(),
                    })
                    .collect();
                self.phase = Phase::Ready;
                out.push(Output::Event(Event::Subscribed(grants)));
            }
            Incoming::Publish {
                qos_pid,
                topic,
                payload,
                retain,
            } => {
                if !self.is_connected() {
                    return self.fail(out, "the broker sent PUBLISH before CONNACK".into());
                }
                let (qos, deliver) = match qos_pid {
                    QosPid::Level0 => (0, true),
                    QosPid::Level1(pid) => {
                        let ack = self.encode(Outgoing::Puback(pid));
                        self.send(out, ack, now_ms);
                        (1, true)
                    }
                    QosPid::Level2(pid) => {
                        let fresh = self.qos2_pending.insert(pid.value());
                        let rec = self.encode(Outgoing::Pubrec(pid));
                        self.send(out, rec, now_ms);
                        (2, fresh)
                    }
                };
                if deliver {
                    out.push(Output::Event(Event::Message(Message {
                        topic,
                        payload,
                        qos,
                        retain,
                    })));
                }
            }
            Incoming::Pubrel(pid) => {
                if !self.is_connected() {
                    return self.fail(out, "the broker sent PUBREL before CONNACK".into());
                }
                self.qos2_pending.remove(&pid.value());
                let comp = self.encode(Outgoing::Pubcomp(pid));
                self.send(out, comp, now_ms);
            }
            Incoming::Pingresp => self.ping_sent_ms = None,
            Incoming::Ignored => {}
            Incoming::Disconnect(why) => self.fail(out, why),
            Incoming::Unexpected(why) => self.fail(out, why.into()),
        }
    }

    /// Call periodically (e.g. every second): returns a PINGREQ when the
    /// connection has been quiet for 75 % of [`MqttClient::ping_interval_secs`],
    /// or a time-out when CONNACK, SUBACK ([`SUBACK_TIMEOUT_MS`]) or
    /// PINGRESP did not arrive in time. While a PINGRESP is awaited, any
    /// bytes from the broker (the pieces of a large message, say) count as
    /// a sign of life: the time-out needs a whole interval of silence.
    pub fn poll(&mut self, now_ms: f64) -> Poll {
        match self.phase {
            Phase::AwaitingConnack => {
                if now_ms - self.connect_sent_ms >= CONNACK_TIMEOUT_MS {
                    return Poll::Timeout("no CONNACK from the broker within 10 s");
                }
                Poll::Idle
            }
            Phase::Subscribing(_) | Phase::Ready => {
                if matches!(self.phase, Phase::Subscribing(_))
                    && now_ms - self.subscribe_sent_ms >= SUBACK_TIMEOUT_MS
                {
                    return Poll::Timeout("no SUBACK from the broker within 10 s");
                }
                let ka = f64::from(self.ping_interval_secs()) * 1000.0;
                if let Some(sent) = self.ping_sent_ms {
                    // Any bytes from the broker show the connection is alive:
                    // a PINGRESP queued behind a large message comes late.
                    if now_ms - sent.max(self.last_received_ms) >= ka {
                        return Poll::Timeout("no answer to the keepalive ping");
                    }
                    return Poll::Idle;
                }
                if now_ms - self.last_sent_ms >= ka * 0.75 {
                    self.ping_sent_ms = Some(now_ms);
                    self.last_sent_ms = now_ms;
                    return Poll::Send(self.encode(Outgoing::Pingreq));
                }
                Poll::Idle
            }
            Phase::New | Phase::Closed => Poll::Idle,
        }
    }
}

fn qos_pid(qos: u8, pid: u16) -> Result<QosPid, String> {
    Ok(match qos {
        0 => QosPid::Level0,
        1 => QosPid::Level1(Pid::try_from(pid).map_err(|e| e.to_string())?),
        _ => QosPid::Level2(Pid::try_from(pid).map_err(|e| e.to_string())?),
    })
}

/// Builds an encoded MQTT 3.1.1 PUBLISH (for tests).
pub fn encode_publish(topic: &str, payload: &[u8], qos: u8, pid: u16) -> Result<Vec<u8>, String> {
    let topic = mqtt_proto::TopicName::try_from(topic).map_err(|e| e.to_string())?;
    let p = v3::Publish::new(qos_pid(qos, pid)?, topic, payload.to_vec().into());
    let bytes = v3::Packet::Publish(p).encode().map_err(|e| e.to_string())?;
    Ok(bytes.as_ref().to_vec())
}

/// Builds an encoded MQTT 5 PUBLISH (for tests), optionally with a topic
/// alias property.
pub fn encode_publish_v5(
    topic: &str,
    payload: &[u8],
    qos: u8,
    pid: u16,
    topic_alias: Option<u16>,
) -> Result<Vec<u8>, String> {
    let topic = mqtt_proto::TopicName::try_from(topic).map_err(|e| e.to_string())?;
    let mut p = v5::Publish::new(qos_pid(qos, pid)?, topic, payload.to_vec().into());
    p.properties.topic_alias = topic_alias;
    let bytes = v5::Packet::Publish(p).encode().map_err(|e| e.to_string())?;
    Ok(bytes.as_ref().to_vec())
}

/// Builds an encoded MQTT 3.1.1 CONNACK (for tests).
pub fn encode_connack(code: u8) -> Vec<u8> {
    vec![0x20, 0x02, 0x00, code]
}

/// Builds an encoded MQTT 5 CONNACK (for tests) with an optional reason
/// string and Server Keep Alive.
pub fn encode_connack_v5(
    reason_code: u8,
    reason_string: Option<&str>,
    server_keep_alive: Option<u16>,
) -> Vec<u8> {
    let code = v5::ConnectReasonCode::from_u8(reason_code)
        .unwrap_or(v5::ConnectReasonCode::UnspecifiedError);
    let mut c = v5::Connack::new(false, code);
    c.properties.reason_string = reason_string.map(Into::into);
    c.properties.server_keep_alive = server_keep_alive;
    v5::Packet::Connack(c)
        .encode()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default()
}

/// Builds an encoded MQTT 5 DISCONNECT from the broker (for tests).
pub fn encode_disconnect_v5(reason_code: u8, reason_string: Option<&str>) -> Vec<u8> {
    let code = v5::DisconnectReasonCode::from_u8(reason_code)
        .unwrap_or(v5::DisconnectReasonCode::UnspecifiedError);
    let mut d = v5::Disconnect::new(code);
    d.properties.reason_string = reason_string.map(Into::into);
    v5::Packet::Disconnect(d)
        .encode()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default()
}

/// Builds an encoded SUBACK (for tests): `0x80` in `codes` is a failure.
pub fn encode_suback(pid: u16, codes: &[u8]) -> Vec<u8> {
    let mut v = vec![0x90, (2 + codes.len()) as u8, (pid >> 8) as u8, pid as u8];
    v.extend_from_slice(codes);
    v
}

/// Builds an encoded MQTT 5 SUBACK (for tests): codes 0..=2 grant a QoS,
/// 0x80 and above refuse the filter.
pub fn encode_suback_v5(pid: u16, codes: &[u8]) -> Vec<u8> {
    let mut v = vec![
        0x90,
        (3 + codes.len()) as u8,
        (pid >> 8) as u8,
        pid as u8,
        0,
    ];
    v.extend_from_slice(codes);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> MqttClient {
        MqttClient::new(ClientOptions {
            client_id: "t1".into(),
            keep_alive_secs: 30,
            username: Some("u".into()),
            password: Some("p".into()),
            topics: vec!["iotdata/#".into()],
            version: MqttVersion::V311,
        })
        .unwrap()
    }

    #[test]
    fn connect_has_credentials() {
        let mut c = client();
        let bytes = c.connect(0.0);
        assert_eq!(bytes[0], 0x10);
        // protocol name MQTT, level 4, flags: user + password + clean session
        assert_eq!(&bytes[2..9], &[0, 4, b'M', b'Q', b'T', b'T', 4]);
        assert_eq!(bytes[9], 0b1100_0010);
    }

    #[test]
    fn rejects_bad_filter() {
        let r = MqttClient::new(ClientOptions {
            client_id: "x".into(),
            keep_alive_secs: 30,
            username: None,
            password: None,
            topics: vec!["a/#/b".into()],
            version: MqttVersion::V5,
        });
        assert!(r.is_err());
    }
}

//! Step 2 of the pipeline: a sans-I/O MQTT client session, MQTT 3.1.1 or 5.0.
//!
//! Packet encoding and decoding come from the `mqtt-proto` crate (a small,
//! `no_std`-capable codec for MQTT 3.1/3.1.1/5.0 with no I/O of its own).
//! This module adds what a client needs on top of it, one file each:
//!
//! - `receive` (reassembly): WebSocket frames are not MQTT packets, so bytes are buffered
//!   and packets are cut out of the buffer by their fixed header, whether one
//!   packet spans several frames or one frame packs several packets. At most
//!   one packet of at most [`MAX_PACKET_BYTES`] is buffered: a PUBLISH that
//!   declares more is skipped by its declared length as its bytes stream in
//!   (acknowledged at QoS 1/2, reported as [`Event::Oversize`] with its topic)
//!   and the session goes on;
//! - `session`: CONNECT (optional username/password, clean session/start,
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
//!
//! `v3` and `v5` decode what a broker sends, `outgoing` encodes what the
//! client sends, `reasons` holds the reason texts and advice, `skip` the
//! oversize PUBLISH being discarded, `error` the typed errors. The fixed
//! header reader is [`iotdata_sim::mqtt_wire`], shared with the
//! simulator's publisher.

mod error;
mod incoming;
mod outgoing;
mod reasons;
mod receive;
mod session;
mod skip;
mod v3;
mod v5;

pub use error::{OptionsError, ProtocolError, WireError};
pub use reasons::{connack_reason, reason_code_text, refusal_advice};
pub use session::MqttClient;

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
    ProtocolError(ProtocolError),
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

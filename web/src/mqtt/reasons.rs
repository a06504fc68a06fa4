//! Reason texts (MQTT 3.1.1 CONNACK return codes, MQTT 5 reason codes) and
//! what a refused connection means for the user.

use super::MqttVersion;
pub use iotdata_sim::mqtt_wire::connack_reason;

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

/// `text`, then the broker's reason string after a colon when it sent one.
pub(super) fn with_reason_string(text: &str, reason_string: Option<&str>) -> String {
    match reason_string {
        Some(r) if !r.is_empty() => format!("{text}: {r}"),
        _ => text.to_string(),
    }
}

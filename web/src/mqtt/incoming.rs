//! What the broker sends, normalised over both versions ([`Incoming`]), and
//! the fixed header checks that come before decoding.

use iotdata_sim::mqtt_wire::FixedHeader;
use mqtt_proto::{v3, v5, Pid, QosPid};

use super::{MqttVersion, ProtocolError, WireError};

/// A normalised incoming packet (either version).
pub(super) enum Incoming {
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

/// Reads the fixed header at the start of `bytes` (`Ok(None)` while it is
/// incomplete) and checks its packet type and flags as soon as it is there,
/// so a non-MQTT stream (an HTTP error page, say) fails at once instead of
/// waiting for a body that never comes.
pub(super) fn read_fixed(
    version: MqttVersion,
    bytes: &[u8],
) -> Result<Option<FixedHeader>, ProtocolError> {
    let Some(fixed) = FixedHeader::read(bytes)? else {
        return Ok(None);
    };
    let checked = match version {
        MqttVersion::V311 => v3_header(fixed).map(drop).map_err(WireError::from),
        MqttVersion::V5 => v5_header(fixed).map(drop).map_err(WireError::from),
    };
    checked.map_err(ProtocolError::FixedHeader)?;
    Ok(Some(fixed))
}

/// The 3.1.1 header mqtt-proto's decoders take.
pub(super) fn v3_header(f: FixedHeader) -> Result<v3::Header, mqtt_proto::Error> {
    v3::Header::new_with(f.first, f.remaining as u32, f.total() as u32)
}

/// The MQTT 5 header mqtt-proto's decoders take.
pub(super) fn v5_header(f: FixedHeader) -> Result<v5::Header, v5::ErrorV5> {
    v5::Header::new_with(f.first, f.remaining as u32, f.total() as u32)
}

/// A CONNACK in the *other* version's format, answering our CONNECT: a
/// 3.1.1 broker answers an MQTT 5 CONNECT with the 2-byte 3.1.1 CONNACK
/// (code 1), an MQTT 5-only broker a 3.1.1 CONNECT with reason 0x84.
pub(super) fn foreign_connack(version: MqttVersion, packet: &[u8]) -> Option<u8> {
    match (version, packet) {
        (MqttVersion::V5, [0x20, 0x02, _, code @ 1..=5]) => Some(*code),
        (MqttVersion::V311, [0x20, _, _, code @ 0x80..=0xFF, ..]) => Some(*code),
        _ => None,
    }
}

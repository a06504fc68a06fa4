//! Decoding what an MQTT 5 broker sends to a client.

use iotdata_sim::mqtt_wire::FixedHeader;
use mqtt_proto::v5;

use super::incoming::{v5_header, Incoming};
use super::reasons::{reason_code_text, with_reason_string};
use super::WireError;

/// Decodes one whole MQTT 5 packet (`body` follows the fixed header), with
/// the decoders of the packet types a broker sends to a client only.
pub(super) fn decode(fixed: FixedHeader, body: &[u8]) -> Result<Incoming, WireError> {
    use v5::PacketType as T;
    let header = v5_header(fixed)?;
    let at = &mut 0usize;
    Ok(match header.typ {
        T::Connack => {
            let c = v5::Connack::decode(body, at, header)?;
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
            let s = v5::Suback::decode(body, at, header)?;
            Incoming::Suback {
                pid: s.pid.value(),
                granted: s.topics.iter().map(|c| granted(*c as u8)).collect(),
            }
        }
        T::Publish => {
            let p = v5::Publish::decode(body, at, header)?;
            // This client's CONNECT allows no topic aliases (Topic Alias
            // Maximum absent = 0), so a broker must not use them.
            if p.properties.topic_alias.is_some() {
                return Err(WireError::TopicAlias);
            }
            Incoming::Publish {
                qos_pid: p.qos_pid,
                topic: p.topic_name.to_string(),
                payload: p.payload.to_vec(),
                retain: p.retain,
            }
        }
        T::Pubrel => Incoming::Pubrel(v5::Pubrel::decode(body, at, header)?.pid),
        T::Pingresp => Incoming::Pingresp,
        T::Puback | T::Pubrec | T::Pubcomp | T::Unsuback => Incoming::Ignored,
        T::Disconnect => {
            let d = v5::Disconnect::decode(body, at, header)?;
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

/// The QoS a SUBACK reason code grants (`None`: refused).
fn granted(code: u8) -> Option<u8> {
    (code <= 2).then_some(code)
}

//! Decoding what an MQTT 3.1.1 broker sends to a client.

use iotdata_sim::mqtt_wire::FixedHeader;
use mqtt_proto::{v3, Pid};

use super::incoming::{v3_header, Incoming};
use super::reasons::connack_reason;
use super::WireError;

/// Decodes one whole 3.1.1 packet (`body` follows the fixed header), with
/// the decoders of the packet types a broker sends to a client only.
pub(super) fn decode(fixed: FixedHeader, body: &[u8]) -> Result<Incoming, WireError> {
    use v3::PacketType as T;
    let header = v3_header(fixed)?;
    let at = &mut 0usize;
    Ok(match header.typ {
        T::Connack => {
            let c = v3::Connack::decode(body, at)?;
            Incoming::Connack {
                session_present: c.session_present,
                code: c.code as u8,
                reason: connack_reason(c.code as u8).to_string(),
                server_keep_alive: None,
            }
        }
        T::Suback => {
            let s = v3::Suback::decode(body, at, header)?;
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
            let p = v3::Publish::decode(body, at, header)?;
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

/// The packet identifier that is the whole body of a PUBREL (3.1.1).
fn body_pid(body: &[u8]) -> Result<Pid, WireError> {
    match body {
        [hi, lo] => Ok(Pid::try_from(u16::from_be_bytes([*hi, *lo]))?),
        _ => Err(WireError::PubrelBody),
    }
}

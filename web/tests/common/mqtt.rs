//! Encoders of what a broker sends, for the MQTT session tests (the
//! dashboard itself only decodes these packets).

use mqtt_proto::{v3, v5, Error, Pid, QosPid, TopicName};

/// The QoS and packet identifier of a PUBLISH.
fn qos_pid(qos: u8, pid: u16) -> Result<QosPid, Error> {
    Ok(match qos {
        0 => QosPid::Level0,
        1 => QosPid::Level1(Pid::try_from(pid)?),
        _ => QosPid::Level2(Pid::try_from(pid)?),
    })
}

/// Builds an encoded MQTT 3.1.1 PUBLISH.
pub fn encode_publish(topic: &str, payload: &[u8], qos: u8, pid: u16) -> Result<Vec<u8>, Error> {
    let topic = TopicName::try_from(topic)?;
    let p = v3::Publish::new(qos_pid(qos, pid)?, topic, payload.to_vec().into());
    let bytes = v3::Packet::Publish(p).encode()?;
    Ok(bytes.as_ref().to_vec())
}

/// Builds an encoded MQTT 5 PUBLISH, optionally with a topic
/// alias property.
pub fn encode_publish_v5(
    topic: &str,
    payload: &[u8],
    qos: u8,
    pid: u16,
    topic_alias: Option<u16>,
) -> Result<Vec<u8>, Error> {
    let topic = TopicName::try_from(topic)?;
    let mut p = v5::Publish::new(qos_pid(qos, pid)?, topic, payload.to_vec().into());
    p.properties.topic_alias = topic_alias;
    let bytes = v5::Packet::Publish(p).encode()?;
    Ok(bytes.as_ref().to_vec())
}

/// Builds an encoded MQTT 3.1.1 CONNACK.
pub fn encode_connack(code: u8) -> Vec<u8> {
    vec![0x20, 0x02, 0x00, code]
}

/// Builds an encoded MQTT 5 CONNACK with an optional reason
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

/// Builds an encoded MQTT 5 DISCONNECT from the broker.
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

/// Builds an encoded SUBACK: `0x80` in `codes` is a failure.
pub fn encode_suback(pid: u16, codes: &[u8]) -> Vec<u8> {
    let mut v = vec![0x90, (2 + codes.len()) as u8, (pid >> 8) as u8, pid as u8];
    v.extend_from_slice(codes);
    v
}

/// Builds an encoded MQTT 5 SUBACK: codes 0..=2 grant a QoS,
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

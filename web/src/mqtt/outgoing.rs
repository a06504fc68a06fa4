//! Encoding what the client sends (CONNECT and SUBSCRIBE bodies come from
//! mqtt-proto; the rest are fixed forms).

use mqtt_proto::{v3, v5, Encodable, Pid, QoS, TopicFilter};

use super::{ClientOptions, MqttVersion, MAX_PACKET_BYTES};

/// Outgoing packets (either version).
#[derive(Clone, Copy)]
pub(super) enum Outgoing<'a> {
    Connect(&'a ClientOptions),
    Subscribe(Pid, &'a [TopicFilter]),
    Puback(Pid),
    Pubrec(Pid),
    Pubcomp(Pid),
    Pingreq,
    Disconnect,
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
    pub(super) fn encode(&self, version: MqttVersion) -> Vec<u8> {
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

//! Step 2 of the pipeline: a sans-I/O MQTT 3.1.1 client session.
//!
//! Packet encoding and decoding come from the `mqtt-proto` crate (a small,
//! `no_std`-capable codec for MQTT 3.1/3.1.1/5.0 with no I/O of its own).
//! This file adds what a client needs on top of it:
//!
//! - reassembly: WebSocket frames are not MQTT packets, so bytes are buffered
//!   and packets are cut out of the buffer by their fixed header, whether one
//!   packet spans several frames or one frame packs several packets;
//! - the session: CONNECT (optional username/password, clean session, the
//!   caller's client id), CONNACK, SUBSCRIBE to every topic filter and SUBACK,
//!   PUBLISH at QoS 0/1/2 with PUBACK / PUBREC+PUBCOMP, keepalive PINGREQ and
//!   the PINGRESP/CONNACK time-outs.
//!
//! Nothing here touches the network or a clock: the caller passes bytes and
//! the current time in milliseconds and sends what [`Output::Send`] returns.

use crate::vecmap::VecSet;

use mqtt_proto::v3::{
    Connack, Connect, ConnectReturnCode, Header, Packet, Publish, Subscribe, SubscribeReturnCode,
};
use mqtt_proto::{Pid, QoS, QosPid, TopicFilter};

/// Largest MQTT packet accepted (a frame is tens of bytes; 1 MiB is generous).
pub const MAX_PACKET_BYTES: usize = 1024 * 1024;
/// How long to wait for CONNACK after sending CONNECT.
pub const CONNACK_TIMEOUT_MS: f64 = 10_000.0;

/// What the session is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Client identifier (random per tab).
    pub client_id: String,
    /// Keepalive in seconds (0 disables pings).
    pub keep_alive_secs: u16,
    /// Optional user name.
    pub username: Option<String>,
    /// Optional password (sent only with a user name, as MQTT 3.1.1 requires).
    pub password: Option<String>,
    /// Topic filters to subscribe to after CONNACK.
    pub topics: Vec<String>,
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
        /// CONNACK return code (1..=5).
        code: u8,
        /// Readable reason.
        reason: &'static str,
    },
    /// SUBACK received for our SUBSCRIBE.
    Subscribed(Vec<Grant>),
    /// An application message.
    Message(Message),
    /// The broker sent something that is not valid MQTT (the session is over).
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
    /// The broker did not answer in time (CONNACK or PINGRESP).
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

/// An MQTT 3.1.1 client session over some byte stream.
#[derive(Debug)]
pub struct MqttClient {
    opts: ClientOptions,
    filters: Vec<TopicFilter>,
    buf: Vec<u8>,
    phase: Phase,
    next_pid: u16,
    connect_sent_ms: f64,
    last_sent_ms: f64,
    ping_sent_ms: Option<f64>,
    qos2_pending: VecSet<u16>,
}

/// Readable text for a CONNACK return code.
pub fn connack_reason(code: u8) -> &'static str {
    match code {
        0 => "accepted",
        1 => "unacceptable protocol version (the broker does not speak MQTT 3.1.1)",
        2 => "client identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorised",
        _ => "unknown return code",
    }
}

fn encode(packet: &Packet) -> Vec<u8> {
    match packet.encode() {
        Ok(bytes) => bytes.as_ref().to_vec(),
        // Only oversized strings can fail; they are validated beforehand.
        Err(_) => Vec::new(),
    }
}

impl MqttClient {
    /// Checks the options (topic filters must be valid MQTT filters, the
    /// client id non-empty) and builds a session.
    pub fn new(opts: ClientOptions) -> Result<MqttClient, String> {
        if opts.client_id.is_empty() || opts.client_id.len() > 65535 {
            return Err("client id must be 1 to 65535 bytes".into());
        }
        let mut filters = Vec::with_capacity(opts.topics.len());
        for t in &opts.topics {
            let f = TopicFilter::try_from(t.as_str())
                .map_err(|_| format!("'{t}' is not a valid MQTT topic filter"))?;
            filters.push(f);
        }
        Ok(MqttClient {
            opts,
            filters,
            buf: Vec::new(),
            phase: Phase::New,
            next_pid: 1,
            connect_sent_ms: 0.0,
            last_sent_ms: 0.0,
            ping_sent_ms: None,
            qos2_pending: VecSet::new(),
        })
    }

    /// The options this session was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// True once SUBACK has arrived (or there was nothing to subscribe to).
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// True after CONNACK accepted the connection.
    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Subscribing(_) | Phase::Ready)
    }

    /// Bytes buffered waiting for the rest of a packet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The CONNECT packet; call once, right after the transport opened.
    pub fn connect(&mut self, now_ms: f64) -> Vec<u8> {
        let mut c = Connect::new(
            self.opts.client_id.as_str().into(),
            self.opts.keep_alive_secs,
        );
        c.clean_session = true;
        if let Some(user) = &self.opts.username {
            c.username = Some(user.as_str().into());
            if let Some(pass) = &self.opts.password {
                c.password = Some(pass.as_bytes().to_vec().into());
            }
        }
        self.phase = Phase::AwaitingConnack;
        self.connect_sent_ms = now_ms;
        self.last_sent_ms = now_ms;
        encode(&Packet::Connect(c))
    }

    /// A DISCONNECT packet (the session is closed afterwards).
    pub fn disconnect(&mut self) -> Vec<u8> {
        self.phase = Phase::Closed;
        encode(&Packet::Disconnect)
    }

    fn take_pid(&mut self) -> Pid {
        let v = self.next_pid;
        self.next_pid = if v == u16::MAX { 1 } else { v + 1 };
        Pid::try_from(v).unwrap_or_default()
    }

    /// Feeds bytes received from the transport (any split). Returns what to
    /// send and what happened, in order. After a protocol error or a refused
    /// CONNACK, further input is ignored.
    pub fn receive(&mut self, chunk: &[u8], now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if self.phase == Phase::Closed {
            return out;
        }
        self.buf.extend_from_slice(chunk);
        let mut consumed = 0usize;
        while consumed < self.buf.len() && self.phase != Phase::Closed {
            let rest = &self.buf[consumed..];
            let header = match Header::decode(rest) {
                Ok(h) => h,
                Err(e) if e.is_eof() => break,
                Err(e) => {
                    self.fail(&mut out, format!("invalid MQTT fixed header: {e}"));
                    break;
                }
            };
            // `Header::total_len` is not the packet length in mqtt-proto 0.4
            // (it holds the length of the remaining-length field), so the
            // packet length comes from the crate's `total_len`.
            let total = match mqtt_proto::total_len(header.remaining_len as usize) {
                Ok(t) => t,
                Err(e) => {
                    self.fail(&mut out, format!("invalid MQTT remaining length: {e}"));
                    break;
                }
            };
            if total > MAX_PACKET_BYTES {
                self.fail(
                    &mut out,
                    format!("MQTT packet of {total} bytes is too large"),
                );
                break;
            }
            if rest.len() < total {
                break;
            }
            let packet = match Packet::decode(&rest[..total]) {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.fail(&mut out, "MQTT packet shorter than its length".into());
                    break;
                }
                Err(e) => {
                    self.fail(&mut out, format!("invalid MQTT packet: {e}"));
                    break;
                }
            };
            consumed += total;
            self.handle(packet, now_ms, &mut out);
        }
        if self.phase == Phase::Closed {
            self.buf.clear();
        } else {
            self.buf.drain(..consumed);
        }
        out
    }

    fn fail(&mut self, out: &mut Vec<Output>, msg: String) {
        self.phase = Phase::Closed;
        out.push(Output::Event(Event::ProtocolError(msg)));
    }

    fn send(&mut self, out: &mut Vec<Output>, bytes: Vec<u8>, now_ms: f64) {
        self.last_sent_ms = now_ms;
        out.push(Output::Send(bytes));
    }

    fn handle(&mut self, packet: Packet, now_ms: f64, out: &mut Vec<Output>) {
        match packet {
            Packet::Connack(Connack {
                session_present,
                code,
            }) => {
                if self.phase != Phase::AwaitingConnack {
                    return self.fail(out, "unexpected CONNACK".into());
                }
                if code != ConnectReturnCode::Accepted {
                    let code = code as u8;
                    self.phase = Phase::Closed;
                    out.push(Output::Event(Event::Refused {
                        code,
                        reason: connack_reason(code),
                    }));
                    return;
                }
                out.push(Output::Event(Event::Connected { session_present }));
                if self.filters.is_empty() {
                    self.phase = Phase::Ready;
                    out.push(Output::Event(Event::Subscribed(Vec::new())));
                } else {
                    let pid = self.take_pid();
                    let topics = self
                        .filters
                        .iter()
                        .map(|f| (f.clone(), QoS::Level1))
                        .collect();
                    let bytes = encode(&Packet::Subscribe(Subscribe::new(pid, topics)));
                    self.phase = Phase::Subscribing(pid.value());
                    self.send(out, bytes, now_ms);
                }
            }
            Packet::Suback(s) => {
                if self.phase != Phase::Subscribing(s.pid.value()) {
                    return;
                }
                let grants = self
                    .opts
                    .topics
                    .iter()
                    .enumerate()
                    .map(|(i, filter)| Grant {
                        filter: filter.clone(),
                        qos: match s.topics.get(i) {
                            Some(SubscribeReturnCode::MaxLevel0) => Some(0),
                            Some(SubscribeReturnCode::MaxLevel1) => Some(1),
                            Some(SubscribeReturnCode::MaxLevel2) => Some(2),
                            Some(SubscribeReturnCode::Failure) | None => None,
                        },
                    })
                    .collect();
                self.phase = Phase::Ready;
                out.push(Output::Event(Event::Subscribed(grants)));
            }
            Packet::Publish(p) => self.on_publish(p, now_ms, out),
            Packet::Pubrel(pid) => {
                self.qos2_pending.remove(&pid.value());
                self.send(out, encode(&Packet::Pubcomp(pid)), now_ms);
            }
            Packet::Pingresp => self.ping_sent_ms = None,
            Packet::Puback(_) | Packet::Pubrec(_) | Packet::Pubcomp(_) | Packet::Unsuback(_) => {}
            Packet::Disconnect => self.fail(out, "the broker sent DISCONNECT".into()),
            Packet::Connect(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::Pingreq => self.fail(out, "the broker sent a client-only packet".into()),
        }
    }

    fn on_publish(&mut self, p: Publish, now_ms: f64, out: &mut Vec<Output>) {
        let (qos, deliver) = match p.qos_pid {
            QosPid::Level0 => (0, true),
            QosPid::Level1(pid) => {
                self.send(out, encode(&Packet::Puback(pid)), now_ms);
                (1, true)
            }
            QosPid::Level2(pid) => {
                let fresh = self.qos2_pending.insert(pid.value());
                self.send(out, encode(&Packet::Pubrec(pid)), now_ms);
                (2, fresh)
            }
        };
        if deliver {
            out.push(Output::Event(Event::Message(Message {
                topic: p.topic_name.to_string(),
                payload: p.payload.to_vec(),
                qos,
                retain: p.retain,
            })));
        }
    }

    /// Call periodically (e.g. every second): returns a PINGREQ when the
    /// connection has been quiet for the keepalive period, or a time-out when
    /// CONNACK or PINGRESP did not arrive in time.
    pub fn poll(&mut self, now_ms: f64) -> Poll {
        match self.phase {
            Phase::AwaitingConnack => {
                if now_ms - self.connect_sent_ms >= CONNACK_TIMEOUT_MS {
                    return Poll::Timeout("no CONNACK from the broker within 10 s");
                }
                Poll::Idle
            }
            Phase::Subscribing(_) | Phase::Ready => {
                let ka = f64::from(self.opts.keep_alive_secs) * 1000.0;
                if ka <= 0.0 {
                    return Poll::Idle;
                }
                if let Some(sent) = self.ping_sent_ms {
                    if now_ms - sent >= ka {
                        return Poll::Timeout("no answer to the keepalive ping");
                    }
                    return Poll::Idle;
                }
                if now_ms - self.last_sent_ms >= ka * 0.75 {
                    self.ping_sent_ms = Some(now_ms);
                    self.last_sent_ms = now_ms;
                    return Poll::Send(encode(&Packet::Pingreq));
                }
                Poll::Idle
            }
            Phase::New | Phase::Closed => Poll::Idle,
        }
    }
}

/// Builds an encoded PUBLISH (used by tests and by a future "send" tool).
pub fn encode_publish(topic: &str, payload: &[u8], qos: u8, pid: u16) -> Result<Vec<u8>, String> {
    let topic = mqtt_proto::TopicName::try_from(topic).map_err(|e| e.to_string())?;
    let qos_pid = match qos {
        0 => QosPid::Level0,
        1 => QosPid::Level1(Pid::try_from(pid).map_err(|e| e.to_string())?),
        _ => QosPid::Level2(Pid::try_from(pid).map_err(|e| e.to_string())?),
    };
    let p = Publish::new(qos_pid, topic, payload.to_vec().into());
    Ok(encode(&Packet::Publish(p)))
}

/// Builds an encoded CONNACK (for tests).
pub fn encode_connack(code: u8) -> Vec<u8> {
    vec![0x20, 0x02, 0x00, code]
}

/// Builds an encoded SUBACK (for tests): `0x80` in `codes` is a failure.
pub fn encode_suback(pid: u16, codes: &[u8]) -> Vec<u8> {
    let mut v = vec![0x90, (2 + codes.len()) as u8, (pid >> 8) as u8, pid as u8];
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
        });
        assert!(r.is_err());
    }
}

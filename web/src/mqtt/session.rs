//! The client session: CONNECT, CONNACK, SUBSCRIBE and SUBACK,
//! acknowledgements at QoS 1/2, keepalive pings and time-outs.

use mqtt_proto::{Pid, QosPid, TopicFilter};

use super::incoming::Incoming;
use super::outgoing::Outgoing;
use super::reasons::{connack_reason, reason_code_text, refusal_advice};
use super::skip::Skip;
use super::{
    ClientOptions, Event, Grant, Message, MqttVersion, OptionsError, Output, Poll, ProtocolError,
    CONNACK_TIMEOUT_MS, DEAD_CONNECTION_DEFAULT_SECS, MAX_MQTT_STRING_BYTES, SUBACK_TIMEOUT_MS,
};
use crate::vecmap::VecSet;

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    New,
    AwaitingConnack,
    Subscribing(u16),
    Ready,
    Closed,
}

/// An MQTT 3.1.1 or 5.0 client session over some byte stream.
#[derive(Debug)]
pub struct MqttClient {
    pub(super) opts: ClientOptions,
    pub(super) filters: Vec<TopicFilter>,
    /// The start of one packet of at most [`MAX_PACKET_BYTES`].
    pub(super) buf: Vec<u8>,
    /// The oversize PUBLISH being skipped.
    pub(super) skip: Option<Skip>,
    pub(super) phase: Phase,
    pub(super) next_pid: u16,
    /// The keepalive in force (a v5 Server Keep Alive replaces the option).
    pub(super) keep_alive_secs: u16,
    pub(super) connect_sent_ms: f64,
    pub(super) subscribe_sent_ms: f64,
    pub(super) last_sent_ms: f64,
    /// When bytes last arrived from the broker.
    pub(super) last_received_ms: f64,
    pub(super) ping_sent_ms: Option<f64>,
    pub(super) qos2_pending: VecSet<u16>,
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

    pub(super) fn encode(&self, packet: Outgoing) -> Vec<u8> {
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

    pub(super) fn fail(&mut self, out: &mut Vec<Output>, e: ProtocolError) {
        self.phase = Phase::Closed;
        out.push(Output::Event(Event::ProtocolError(e)));
    }

    pub(super) fn send(&mut self, out: &mut Vec<Output>, bytes: Vec<u8>, now_ms: f64) {
        self.last_sent_ms = now_ms;
        out.push(Output::Send(bytes));
    }

    fn refuse(&mut self, out: &mut Vec<Output>, code: u8, reason: String) {
        let (hint, is_final) = refusal_advice(self.opts.version, code);
        self.push_refusal(out, code, reason, hint, is_final);
    }

    /// The broker answered in the other version's CONNACK format: the same
    /// advice as that version's own "unsupported protocol version" code.
    pub(super) fn refuse_foreign(&mut self, code: u8, out: &mut Vec<Output>) {
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

    pub(super) fn handle(&mut self, packet: Incoming, now_ms: f64, out: &mut Vec<Output>) {
        match packet {
            Incoming::Connack {
                session_present,
                code,
                reason,
                server_keep_alive,
            } => {
                if self.phase != Phase::AwaitingConnack {
                    return self.fail(out, ProtocolError::UnexpectedConnack);
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
                    return self.fail(out, ProtocolError::BeforeConnack("PUBLISH"));
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
                    return self.fail(out, ProtocolError::BeforeConnack("PUBREL"));
                }
                self.qos2_pending.remove(&pid.value());
                let comp = self.encode(Outgoing::Pubcomp(pid));
                self.send(out, comp, now_ms);
            }
            Incoming::Pingresp => self.ping_sent_ms = None,
            Incoming::Ignored => {}
            Incoming::Disconnect(why) => self.fail(out, ProtocolError::Disconnect(why)),
            Incoming::Unexpected(why) => self.fail(out, ProtocolError::Unexpected(why)),
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

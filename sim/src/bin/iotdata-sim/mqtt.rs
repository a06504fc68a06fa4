//! A minimal blocking MQTT 3.1.1 publisher on a `std::net::TcpStream`:
//! CONNECT (clean session, keep-alive), PUBLISH at QoS 0, PINGREQ when the
//! link has been idle for half the keep-alive, DISCONNECT. PUBLISH packets
//! are queued and written together by [`Client::flush`] (also done by
//! [`Client::poll`] and [`Client::disconnect`], and whenever
//! [`OUT_BUFFER_BYTES`] are queued): one write for a burst. The packets are
//! encoded and decoded by `mqtt-proto` (sans-I/O: `Packet::encode` gives
//! the bytes, `Packet::decode` parses a complete packet from a buffer), the
//! codec the dashboard also uses.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use mqtt_proto::v3::{Connect, ConnectReturnCode, Packet, Publish};
use mqtt_proto::{Protocol, QosPid, TopicName};

/// A broker address from `mqtt://host[:port]`, `tcp://host[:port]` or
/// `host[:port]` (port 1883 by default).
pub fn parse_broker(url: &str) -> Result<String, String> {
    let rest = if let Some(r) = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
    {
        r
    } else if url.starts_with("mqtts://")
        || url.starts_with("ssl://")
        || url.starts_with("ws://")
        || url.starts_with("wss://")
    {
        return Err(format!(
            "--broker {url}: only plain MQTT over TCP (mqtt://host:port) is supported"
        ));
    } else if url.contains("://") {
        return Err(format!(
            "--broker {url}: unknown scheme (use mqtt://host:port)"
        ));
    } else {
        url
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return Err(format!("--broker {url}: no host"));
    }
    if rest.contains('@') || rest.contains('/') {
        return Err(format!(
            "--broker {url}: expected mqtt://host:port (no user, no path)"
        ));
    }
    // host, host:port, [v6], [v6]:port
    let has_port = match rest.rfind(':') {
        Some(i) => {
            rest.starts_with('[') && rest.get(..i).is_some_and(|h| h.ends_with(']'))
                || !rest.starts_with('[')
        }
        None => false,
    };
    if has_port {
        let (host, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
        port.parse::<u16>()
            .map_err(|_| format!("--broker {url}: bad port '{port}'"))?;
        if host.is_empty() {
            return Err(format!("--broker {url}: no host"));
        }
        Ok(rest.to_string())
    } else {
        Ok(format!("{rest}:1883"))
    }
}

/// Queued PUBLISH bytes that trigger a write.
pub const OUT_BUFFER_BYTES: usize = 64 * 1024;

/// A connected client.
pub struct Client {
    stream: TcpStream,
    addr: String,
    keepalive: Duration,
    last_tx: Instant,
    ping_sent: Option<Instant>,
    buf: Vec<u8>,
    /// Encoded packets not written yet.
    out: Vec<u8>,
    /// PUBLISH packets sent.
    pub published: u64,
}

fn io_context(addr: &str, what: &str, e: std::io::Error) -> String {
    format!("broker {addr}: {what}: {e}")
}

/// Total length of the first MQTT packet in `buf` (fixed header + remaining
/// length), or `None` if the header is not complete yet.
fn packet_len(buf: &[u8]) -> Option<usize> {
    let mut remaining: usize = 0;
    let mut shift = 0;
    for i in 1..5 {
        let b = *buf.get(i)?;
        remaining |= usize::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Some(1 + i + remaining);
        }
        shift += 7;
    }
    Some(usize::MAX) // malformed length: never completes
}

impl Client {
    /// Connects, sends CONNECT and waits up to `timeout` for CONNACK.
    /// Errors name the broker and say why (refused, absent, rejected with
    /// a CONNACK return code, timed out).
    pub fn connect(
        addr: &str,
        client_id: &str,
        keepalive_s: u16,
        timeout: Duration,
    ) -> Result<Client, String> {
        let addrs: Vec<_> = addr
            .to_socket_addrs()
            .map_err(|e| io_context(addr, "cannot resolve the address", e))?
            .collect();
        let mut last_err = None;
        let mut stream = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let stream = match (stream, last_err) {
            (Some(s), _) => s,
            (None, Some(e)) if e.kind() == ErrorKind::ConnectionRefused => {
                return Err(format!(
                    "broker {addr}: connection refused (is an MQTT broker listening there?)"
                ))
            }
            (None, Some(e)) => return Err(io_context(addr, "cannot connect", e)),
            (None, None) => return Err(format!("broker {addr}: the address resolves to nothing")),
        };
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(timeout))
            .map_err(|e| io_context(addr, "socket", e))?;
        let mut client = Client {
            stream,
            addr: addr.to_string(),
            keepalive: Duration::from_secs(u64::from(keepalive_s.max(1))),
            last_tx: Instant::now(),
            ping_sent: None,
            buf: Vec::new(),
            out: Vec::new(),
            published: 0,
        };
        let mut connect = Connect::new(client_id.into(), keepalive_s);
        connect.protocol = Protocol::V311;
        connect.clean_session = true;
        client.send(&Packet::Connect(connect))?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(p) = client.next_packet()? {
                match p {
                    Packet::Connack(ack) => {
                        if ack.code == ConnectReturnCode::Accepted {
                            break;
                        }
                        return Err(format!(
                            "broker {addr} refused the connection: {} (CONNACK return code {})",
                            refusal(ack.code),
                            ack.code as u8
                        ));
                    }
                    other => {
                        return Err(format!(
                            "broker {addr}: expected CONNACK, got {:?}",
                            other.get_type()
                        ));
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "broker {addr}: no CONNACK within {} s",
                    timeout.as_secs()
                ));
            }
            client.fill_blocking()?;
        }
        client
            .stream
            .set_read_timeout(None)
            .map_err(|e| io_context(addr, "socket", e))?;
        Ok(client)
    }

    fn send(&mut self, p: &Packet) -> Result<(), String> {
        let bytes = p.encode().map_err(|e| {
            format!(
                "broker {}: cannot encode {:?}: {e:?}",
                self.addr,
                p.get_type()
            )
        })?;
        self.stream
            .write_all(bytes.as_ref())
            .map_err(|e| io_context(&self.addr, "write failed (connection lost?)", e))?;
        self.last_tx = Instant::now();
        Ok(())
    }

    /// Reads once (blocking up to the read timeout) into the buffer.
    fn fill_blocking(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 512];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(format!("broker {}: closed the connection", self.addr)),
            Ok(n) => {
                self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(io_context(&self.addr, "read failed", e)),
        }
    }

    /// Takes one complete packet off the buffer, if there is one.
    fn next_packet(&mut self) -> Result<Option<Packet>, String> {
        let Some(len) = packet_len(&self.buf) else {
            return Ok(None);
        };
        if len == usize::MAX {
            return Err(format!("broker {}: malformed packet length", self.addr));
        }
        if self.buf.len() < len {
            return Ok(None);
        }
        let bytes: Vec<u8> = self.buf.drain(..len).collect();
        match Packet::decode(&bytes) {
            Ok(Some(p)) => Ok(Some(p)),
            Ok(None) => Err(format!("broker {}: truncated packet", self.addr)),
            Err(e) => Err(format!("broker {}: bad packet: {e:?}", self.addr)),
        }
    }

    /// Publishes `payload` on `topic` at QoS 0 (queued: written by the
    /// next [`Client::flush`], or at once when the queue is full).
    pub fn publish(&mut self, topic: &str, payload: &[u8]) -> Result<(), String> {
        let name = TopicName::try_from(topic).map_err(|e| format!("topic '{topic}': {e:?}"))?;
        let p = Packet::Publish(Publish::new(QosPid::Level0, name, payload.to_vec().into()));
        let bytes = p
            .encode()
            .map_err(|e| format!("broker {}: cannot encode PUBLISH: {e:?}", self.addr))?;
        self.out.extend_from_slice(bytes.as_ref());
        self.published += 1;
        if self.out.len() >= OUT_BUFFER_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the queued PUBLISH packets (one write).
    pub fn flush(&mut self) -> Result<(), String> {
        if self.out.is_empty() {
            return Ok(());
        }
        let r = self.stream.write_all(&self.out);
        self.out.clear();
        r.map_err(|e| io_context(&self.addr, "write failed (connection lost?)", e))?;
        self.last_tx = Instant::now();
        Ok(())
    }

    /// Services the connection: writes the queued packets, reads what the
    /// broker sent (PINGRESP), detects a closed connection, sends PINGREQ
    /// after half the keep-alive without traffic, and fails when a PINGREQ
    /// stays unanswered for a whole keep-alive.
    pub fn poll(&mut self) -> Result<(), String> {
        self.flush()?;
        self.stream
            .set_nonblocking(true)
            .map_err(|e| io_context(&self.addr, "socket", e))?;
        let mut chunk = [0u8; 512];
        let read = loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break Err(format!("broker {}: closed the connection", self.addr)),
                Ok(n) => self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break Err(io_context(&self.addr, "read failed", e)),
            }
        };
        self.stream
            .set_nonblocking(false)
            .map_err(|e| io_context(&self.addr, "socket", e))?;
        read?;
        while let Some(p) = self.next_packet()? {
            if let Packet::Pingresp = p {
                self.ping_sent = None;
            }
        }
        if let Some(t) = self.ping_sent {
            if t.elapsed() > self.keepalive {
                return Err(format!(
                    "broker {}: no PINGRESP within the keep-alive",
                    self.addr
                ));
            }
        } else if self.last_tx.elapsed() >= self.keepalive / 2 {
            self.send(&Packet::Pingreq)?;
            self.ping_sent = Some(Instant::now());
        }
        Ok(())
    }

    /// Sends DISCONNECT and closes the connection.
    pub fn disconnect(mut self) -> Result<(), String> {
        self.flush()?;
        self.send(&Packet::Disconnect)?;
        let _ = self.stream.flush();
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        Ok(())
    }
}

fn refusal(code: ConnectReturnCode) -> &'static str {
    match code {
        ConnectReturnCode::Accepted => "accepted",
        ConnectReturnCode::UnacceptableProtocolVersion => "unacceptable protocol version",
        ConnectReturnCode::IdentifierRejected => "client identifier rejected",
        ConnectReturnCode::ServerUnavailable => "server unavailable",
        ConnectReturnCode::BadUserNameOrPassword => "bad user name or password",
        ConnectReturnCode::NotAuthorized => "not authorised",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        assert_eq!(
            parse_broker("mqtt://127.0.0.1:1883").unwrap(),
            "127.0.0.1:1883"
        );
        assert_eq!(parse_broker("mqtt://localhost").unwrap(), "localhost:1883");
        assert_eq!(parse_broker("tcp://h:1").unwrap(), "h:1");
        assert_eq!(parse_broker("h:2").unwrap(), "h:2");
        assert_eq!(parse_broker("[::1]:3").unwrap(), "[::1]:3");
        assert_eq!(parse_broker("[::1]").unwrap(), "[::1]:1883");
        assert!(parse_broker("mqtts://h:8883").is_err());
        assert!(parse_broker("http://h").is_err());
        assert!(parse_broker("mqtt://h:notaport").is_err());
        assert!(parse_broker("mqtt://").is_err());
    }

    #[test]
    fn lengths() {
        assert_eq!(packet_len(&[0x20]), None);
        assert_eq!(packet_len(&[0x20, 2, 0, 0]), Some(4));
        assert_eq!(packet_len(&[0x30, 0x80, 0x01]), Some(3 + 128));
        assert_eq!(
            packet_len(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF]),
            Some(usize::MAX)
        );
    }
}

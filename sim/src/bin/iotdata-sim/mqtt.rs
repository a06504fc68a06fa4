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

use iotdata_sim::mqtt_wire::{connack_reason, FixedHeader, RemainingLengthError};
use mqtt_proto::v3::{Connect, ConnectReturnCode, Packet, PacketType, Publish};
use mqtt_proto::{Protocol, QosPid, TopicName};
use thiserror::Error;

/// A `--broker` value this client cannot use.
#[derive(Debug, Error)]
pub enum BrokerUrlError {
    /// TLS or WebSocket schemes.
    #[error("--broker {0}: only plain MQTT over TCP (mqtt://host:port) is supported")]
    Unsupported(String),
    /// Some other `scheme://`.
    #[error("--broker {0}: unknown scheme (use mqtt://host:port)")]
    UnknownScheme(String),
    /// Nothing before the port.
    #[error("--broker {0}: no host")]
    NoHost(String),
    /// A user (`user@`) or a path.
    #[error("--broker {0}: expected mqtt://host:port (no user, no path)")]
    UserOrPath(String),
    /// The port is not a number from 0 to 65535.
    #[error("--broker {url}: bad port '{port}'")]
    BadPort {
        /// The `--broker` value.
        url: String,
        /// The port text.
        port: String,
    },
}

/// Why talking to the broker failed; each message names the broker.
#[derive(Debug, Error)]
pub enum ClientError {
    /// A socket operation failed (`what` says which).
    #[error("broker {addr}: {what}: {source}")]
    Io {
        /// The broker address.
        addr: String,
        /// What was being done.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Nothing listens at the address.
    #[error("broker {0}: connection refused (is an MQTT broker listening there?)")]
    ConnectionRefused(String),
    /// The name resolves to no address.
    #[error("broker {0}: the address resolves to nothing")]
    NoAddress(String),
    /// CONNACK with a return code other than "accepted".
    #[error("broker {addr} refused the connection: {} (CONNACK return code {code})", connack_reason(*code))]
    Refused {
        /// The broker address.
        addr: String,
        /// The CONNACK return code.
        code: u8,
    },
    /// Something other than CONNACK answered CONNECT.
    #[error("broker {addr}: expected CONNACK, got {got:?}")]
    NotConnack {
        /// The broker address.
        addr: String,
        /// What came instead.
        got: PacketType,
    },
    /// No CONNACK in time.
    #[error("broker {addr}: no CONNACK within {secs} s")]
    ConnackTimeout {
        /// The broker address.
        addr: String,
        /// The time allowed.
        secs: u64,
    },
    /// mqtt-proto could not encode a packet.
    #[error("broker {addr}: cannot encode {packet:?}: {source}")]
    Encode {
        /// The broker address.
        addr: String,
        /// The packet type.
        packet: PacketType,
        /// mqtt-proto's error.
        source: mqtt_proto::Error,
    },
    /// The broker closed the TCP connection.
    #[error("broker {0}: closed the connection")]
    Closed(String),
    /// A fixed header whose remaining length runs past 4 bytes.
    #[error("broker {addr}: malformed packet length")]
    MalformedLength {
        /// The broker address.
        addr: String,
        /// The reader's error.
        source: RemainingLengthError,
    },
    /// A complete packet mqtt-proto reads as incomplete.
    #[error("broker {0}: truncated packet")]
    Truncated(String),
    /// A packet mqtt-proto cannot decode.
    #[error("broker {addr}: bad packet: {source}")]
    BadPacket {
        /// The broker address.
        addr: String,
        /// mqtt-proto's error.
        source: mqtt_proto::Error,
    },
    /// Not a valid MQTT topic name.
    #[error("topic '{topic}': {source}")]
    Topic {
        /// The topic.
        topic: String,
        /// mqtt-proto's error.
        source: mqtt_proto::Error,
    },
    /// A PINGREQ stayed unanswered for a whole keep-alive.
    #[error("broker {0}: no PINGRESP within the keep-alive")]
    PingTimeout(String),
}

/// A broker address from `mqtt://host[:port]`, `tcp://host[:port]` or
/// `host[:port]` (port 1883 by default).
pub fn parse_broker(url: &str) -> Result<String, BrokerUrlError> {
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
        return Err(BrokerUrlError::Unsupported(url.into()));
    } else if url.contains("://") {
        return Err(BrokerUrlError::UnknownScheme(url.into()));
    } else {
        url
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return Err(BrokerUrlError::NoHost(url.into()));
    }
    if rest.contains('@') || rest.contains('/') {
        return Err(BrokerUrlError::UserOrPath(url.into()));
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
        port.parse::<u16>().map_err(|_| BrokerUrlError::BadPort {
            url: url.into(),
            port: port.into(),
        })?;
        if host.is_empty() {
            return Err(BrokerUrlError::NoHost(url.into()));
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

fn io_context(addr: &str, what: &'static str, source: std::io::Error) -> ClientError {
    ClientError::Io {
        addr: addr.to_string(),
        what,
        source,
    }
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
    ) -> Result<Client, ClientError> {
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
                return Err(ClientError::ConnectionRefused(addr.into()))
            }
            (None, Some(e)) => return Err(io_context(addr, "cannot connect", e)),
            (None, None) => return Err(ClientError::NoAddress(addr.into())),
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
                        return Err(ClientError::Refused {
                            addr: addr.into(),
                            code: ack.code as u8,
                        });
                    }
                    other => {
                        return Err(ClientError::NotConnack {
                            addr: addr.into(),
                            got: other.get_type(),
                        });
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(ClientError::ConnackTimeout {
                    addr: addr.into(),
                    secs: timeout.as_secs(),
                });
            }
            client.fill_blocking()?;
        }
        client
            .stream
            .set_read_timeout(None)
            .map_err(|e| io_context(addr, "socket", e))?;
        Ok(client)
    }

    fn send(&mut self, p: &Packet) -> Result<(), ClientError> {
        let bytes = p.encode().map_err(|source| ClientError::Encode {
            addr: self.addr.clone(),
            packet: p.get_type(),
            source,
        })?;
        self.stream
            .write_all(bytes.as_ref())
            .map_err(|e| io_context(&self.addr, "write failed (connection lost?)", e))?;
        self.last_tx = Instant::now();
        Ok(())
    }

    /// Reads once (blocking up to the read timeout) into the buffer.
    fn fill_blocking(&mut self) -> Result<(), ClientError> {
        let mut chunk = [0u8; 512];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(ClientError::Closed(self.addr.clone())),
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
    fn next_packet(&mut self) -> Result<Option<Packet>, ClientError> {
        let header =
            FixedHeader::read(&self.buf).map_err(|source| ClientError::MalformedLength {
                addr: self.addr.clone(),
                source,
            })?;
        let Some(len) = header.map(FixedHeader::total) else {
            return Ok(None);
        };
        if self.buf.len() < len {
            return Ok(None);
        }
        let bytes: Vec<u8> = self.buf.drain(..len).collect();
        match Packet::decode(&bytes) {
            Ok(Some(p)) => Ok(Some(p)),
            Ok(None) => Err(ClientError::Truncated(self.addr.clone())),
            Err(source) => Err(ClientError::BadPacket {
                addr: self.addr.clone(),
                source,
            }),
        }
    }

    /// Publishes `payload` on `topic` at QoS 0 (queued: written by the
    /// next [`Client::flush`], or at once when the queue is full).
    pub fn publish(&mut self, topic: &str, payload: &[u8]) -> Result<(), ClientError> {
        let name = TopicName::try_from(topic).map_err(|source| ClientError::Topic {
            topic: topic.into(),
            source,
        })?;
        let p = Packet::Publish(Publish::new(QosPid::Level0, name, payload.to_vec().into()));
        let bytes = p.encode().map_err(|source| ClientError::Encode {
            addr: self.addr.clone(),
            packet: PacketType::Publish,
            source,
        })?;
        self.out.extend_from_slice(bytes.as_ref());
        self.published += 1;
        if self.out.len() >= OUT_BUFFER_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the queued PUBLISH packets (one write).
    pub fn flush(&mut self) -> Result<(), ClientError> {
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
    pub fn poll(&mut self) -> Result<(), ClientError> {
        self.flush()?;
        self.stream
            .set_nonblocking(true)
            .map_err(|e| io_context(&self.addr, "socket", e))?;
        let mut chunk = [0u8; 512];
        let read = loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break Err(ClientError::Closed(self.addr.clone())),
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
                return Err(ClientError::PingTimeout(self.addr.clone()));
            }
        } else if self.last_tx.elapsed() >= self.keepalive / 2 {
            self.send(&Packet::Pingreq)?;
            self.ping_sent = Some(Instant::now());
        }
        Ok(())
    }

    /// Sends DISCONNECT and closes the connection.
    pub fn disconnect(mut self) -> Result<(), ClientError> {
        self.flush()?;
        self.send(&Packet::Disconnect)?;
        let _ = self.stream.flush();
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        Ok(())
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
}

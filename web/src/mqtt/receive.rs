//! Reassembly: WebSocket frames are not MQTT packets, so packets are cut
//! out of the byte stream by their fixed header, whether one packet spans
//! several frames or one frame packs several packets.

use super::incoming::{foreign_connack, read_fixed};
use super::outgoing::Outgoing;
use super::session::Phase;
use super::skip::Skip;
use super::{v3, v5, Event, MqttClient, MqttVersion, Output, ProtocolError, MAX_PACKET_BYTES};

/// What [`MqttClient::step`] did with the bytes at a packet boundary.
enum Step {
    /// Took this many bytes (a whole packet, or the fixed header of a
    /// packet now being skipped).
    Took(usize),
    /// The packet is not complete yet.
    Incomplete,
    /// The session ended.
    Closed,
}

impl MqttClient {
    /// Feeds bytes received from the transport (any split). Returns what to
    /// send and what happened, in order. After a protocol error or a refused
    /// CONNACK, further input is ignored. Memory stays bounded whatever the
    /// input: whole packets are parsed straight from `chunk`, only an
    /// incomplete packet's bytes (at most [`MAX_PACKET_BYTES`]) are kept, and
    /// an oversize PUBLISH is discarded as it arrives.
    pub fn receive(&mut self, chunk: &[u8], now_ms: f64) -> Vec<Output> {
        let mut out = Vec::new();
        if !chunk.is_empty() {
            self.last_received_ms = now_ms;
        }
        let mut input = chunk;
        while self.phase != Phase::Closed {
            if let Some(skip) = self.skip.as_mut() {
                let n = skip.eat(input);
                input = input.get(n..).unwrap_or_default();
                if skip.left > 0 {
                    break;
                }
                if let Some(skip) = self.skip.take() {
                    self.skipped(&skip, now_ms, &mut out);
                }
                continue;
            }
            if self.buf.is_empty() {
                if input.is_empty() {
                    break;
                }
                match self.step(input, now_ms, &mut out) {
                    Step::Took(n) => input = input.get(n..).unwrap_or_default(),
                    Step::Incomplete => {
                        // Bounded: less than one packet of at most
                        // MAX_PACKET_BYTES, or an incomplete fixed header.
                        self.buf.extend_from_slice(input);
                        break;
                    }
                    Step::Closed => break,
                }
                continue;
            }
            // Complete the buffered packet from the input, taking no more
            // than it needs (one byte at a time while its header is cut).
            let mut buf = std::mem::take(&mut self.buf);
            let want = match read_fixed(self.opts.version, &buf) {
                Ok(Some(f)) if f.total() <= MAX_PACKET_BYTES => f.total().saturating_sub(buf.len()),
                Ok(Some(_)) | Err(_) => 0,
                Ok(None) => 1,
            };
            let n = want.min(input.len());
            buf.extend_from_slice(input.get(..n).unwrap_or_default());
            input = input.get(n..).unwrap_or_default();
            match self.step(&buf, now_ms, &mut out) {
                Step::Took(used) => {
                    let rest = buf.get(used..).unwrap_or_default();
                    // Only the body of a packet now skipped can follow.
                    if let Some(skip) = self.skip.as_mut() {
                        skip.eat(rest);
                    }
                    buf.clear();
                    self.buf = buf;
                }
                Step::Incomplete => {
                    self.buf = buf;
                    if input.is_empty() {
                        break;
                    }
                }
                Step::Closed => break,
            }
        }
        if self.phase == Phase::Closed {
            self.buf = Vec::new();
            self.skip = None;
        }
        out
    }

    /// Handles the packet at the start of `bytes` (a packet boundary).
    fn step(&mut self, bytes: &[u8], now_ms: f64, out: &mut Vec<Output>) -> Step {
        let version = self.opts.version;
        let fixed = match read_fixed(version, bytes) {
            Ok(Some(f)) => f,
            Ok(None) => return Step::Incomplete,
            Err(e) => {
                self.fail(out, e);
                return Step::Closed;
            }
        };
        let total = fixed.total();
        if total > MAX_PACKET_BYTES {
            if fixed.packet_type() != 3 {
                self.fail(out, ProtocolError::TooLarge(total));
                return Step::Closed;
            }
            if !self.is_connected() {
                self.fail(out, ProtocolError::BeforeConnack("PUBLISH"));
                return Step::Closed;
            }
            self.skip = Some(Skip::new(fixed));
            return Step::Took(fixed.header_len);
        }
        let (Some(packet), Some(body)) = (bytes.get(..total), bytes.get(fixed.header_len..total))
        else {
            return Step::Incomplete;
        };
        if self.phase == Phase::AwaitingConnack {
            if let Some(code) = foreign_connack(version, packet) {
                self.refuse_foreign(code, out);
                return Step::Closed;
            }
        }
        let decoded = match version {
            MqttVersion::V311 => v3::decode(fixed, body),
            MqttVersion::V5 => v5::decode(fixed, body),
        };
        match decoded {
            Ok(p) => self.handle(p, now_ms, out),
            Err(e) => self.fail(out, e.into()),
        }
        if self.phase == Phase::Closed {
            Step::Closed
        } else {
            Step::Took(total)
        }
    }

    /// An oversize PUBLISH was skipped to its end: acknowledge it (QoS 1/2,
    /// so the broker does not send it again) and report it.
    fn skipped(&mut self, skip: &Skip, now_ms: f64, out: &mut Vec<Output>) {
        match (skip.qos, skip.pid()) {
            (1, Some(pid)) => {
                let ack = self.encode(Outgoing::Puback(pid));
                self.send(out, ack, now_ms);
            }
            (2, Some(pid)) => {
                let rec = self.encode(Outgoing::Pubrec(pid));
                self.send(out, rec, now_ms);
            }
            (0, _) => {}
            _ => return self.fail(out, ProtocolError::OversizeWithoutPid),
        }
        out.push(Output::Event(Event::Oversize(skip.report())));
    }
}

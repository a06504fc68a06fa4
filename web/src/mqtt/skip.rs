//! An oversize PUBLISH, discarded as its bytes stream in.

use iotdata_sim::mqtt_wire::FixedHeader;
use mqtt_proto::Pid;

use super::{Oversize, OVERSIZE_TOPIC_BYTES};

/// A PUBLISH over [`MAX_PACKET_BYTES`] whose body is being discarded as it
/// arrives; keeps only its topic (cut) and packet identifier.
#[derive(Debug)]
pub(super) struct Skip {
    /// Declared size of the whole packet.
    total: usize,
    pub(super) qos: u8,
    retain: bool,
    /// Body bytes still to discard.
    pub(super) left: usize,
    /// Body bytes seen so far.
    seen: usize,
    /// The first body bytes: topic length and up to
    /// [`OVERSIZE_TOPIC_BYTES`] of the topic.
    head: Vec<u8>,
    /// The packet identifier's two bytes (QoS 1/2), caught as they pass.
    pid: [Option<u8>; 2],
}

impl Skip {
    pub(super) fn new(fixed: FixedHeader) -> Skip {
        Skip {
            total: fixed.total(),
            qos: (fixed.first >> 1) & 0x03,
            retain: fixed.first & 0x01 != 0,
            left: fixed.remaining,
            seen: 0,
            head: Vec::new(),
            pid: [None; 2],
        }
    }

    fn topic_len(&self) -> Option<usize> {
        match self.head.get(..2) {
            Some(&[hi, lo]) => Some(usize::from(u16::from_be_bytes([hi, lo]))),
            _ => None,
        }
    }

    /// Takes (and drops) up to `left` body bytes from the front of `bytes`;
    /// returns how many it took.
    pub(super) fn eat(&mut self, bytes: &[u8]) -> usize {
        let n = self.left.min(bytes.len());
        let Some(piece) = bytes.get(..n) else {
            return 0;
        };
        let start = self.seen;
        let keep = 2 + OVERSIZE_TOPIC_BYTES;
        if start < keep {
            let k = (keep - start).min(n);
            self.head
                .extend_from_slice(piece.get(..k).unwrap_or_default());
        }
        if let Some(len) = self.topic_len() {
            for (i, slot) in self.pid.iter_mut().enumerate() {
                let at = 2 + len + i;
                if at >= start && at < start + n {
                    *slot = piece.get(at - start).copied();
                }
            }
        }
        self.seen += n;
        self.left -= n;
        n
    }

    pub(super) fn report(&self) -> Oversize {
        let len = self.topic_len().unwrap_or(0);
        let shown = len.min(OVERSIZE_TOPIC_BYTES);
        let bytes = self.head.get(2..2 + shown).unwrap_or_default();
        let mut topic = String::from_utf8_lossy(bytes).into_owned();
        if len > shown {
            topic.push('…');
        }
        Oversize {
            size: self.total,
            topic,
            qos: self.qos,
            retain: self.retain,
        }
    }

    pub(super) fn pid(&self) -> Option<Pid> {
        match self.pid {
            [Some(hi), Some(lo)] => Pid::try_from(u16::from_be_bytes([hi, lo])).ok(),
            _ => None,
        }
    }
}

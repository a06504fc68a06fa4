//! What both MQTT clients of the project read off the wire the same way:
//! the fixed header (packet type and flags, then the remaining length as a
//! variable byte integer; MQTT 3.1.1 section 2.2, 5.0 section 2.1.1) and
//! the text of an MQTT 3.1.1 CONNACK return code.
//!
//! The clients are the simulator's publisher (the `iotdata-sim` binary) and
//! the dashboard's session (`iotdata-web`, which depends on this library
//! for its demo feed).

/// Most bytes the remaining length takes.
pub const MAX_REMAINING_LENGTH_BYTES: usize = 4;

/// The fixed header of the packet at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    /// First byte: packet type (high nibble) and flags (low nibble).
    pub first: u8,
    /// Remaining length: the bytes after the fixed header.
    pub remaining: usize,
    /// Length of the fixed header (1 + the remaining length's bytes).
    pub header_len: usize,
}

/// The remaining length does not end within
/// [`MAX_REMAINING_LENGTH_BYTES`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid MQTT remaining length (more than 4 bytes)")]
pub struct RemainingLengthError;

impl FixedHeader {
    /// Reads the fixed header at the start of `bytes`: `Ok(None)` while it
    /// is incomplete.
    pub fn read(bytes: &[u8]) -> Result<Option<FixedHeader>, RemainingLengthError> {
        let Some(&first) = bytes.first() else {
            return Ok(None);
        };
        let mut remaining = 0usize;
        for i in 0..MAX_REMAINING_LENGTH_BYTES {
            let Some(&b) = bytes.get(1 + i) else {
                return Ok(None);
            };
            remaining |= usize::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(Some(FixedHeader {
                    first,
                    remaining,
                    header_len: 2 + i,
                }));
            }
        }
        Err(RemainingLengthError)
    }

    /// The packet type (1 = CONNECT … 15 = AUTH).
    pub fn packet_type(self) -> u8 {
        self.first >> 4
    }

    /// The whole packet's length: header and body.
    pub fn total(self) -> usize {
        self.header_len + self.remaining
    }
}

/// Readable text for an MQTT 3.1.1 CONNACK return code.
pub fn connack_reason(code: u8) -> &'static str {
    match code {
        0 => "accepted",
        1 => "unacceptable protocol version",
        2 => "client identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorised",
        _ => "unknown return code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lengths_and_waits_for_the_rest() {
        assert_eq!(FixedHeader::read(&[]), Ok(None));
        assert_eq!(FixedHeader::read(&[0x20]), Ok(None));
        assert_eq!(FixedHeader::read(&[0x30, 0x80]), Ok(None));
        let h = FixedHeader::read(&[0x20, 2, 0, 0]).unwrap().unwrap();
        assert_eq!((h.packet_type(), h.remaining, h.header_len), (2, 2, 2));
        assert_eq!(h.total(), 4);
        let h = FixedHeader::read(&[0x30, 0x80, 0x01]).unwrap().unwrap();
        assert_eq!(h.total(), 3 + 128);
        let h = FixedHeader::read(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F])
            .unwrap()
            .unwrap();
        assert_eq!(h.remaining, 268_435_455);
        assert_eq!(
            FixedHeader::read(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(RemainingLengthError)
        );
    }
}

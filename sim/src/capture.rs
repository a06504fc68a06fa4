//! A recorded run of the simulator: the frames the gateways received, with
//! their times, in a compact binary file. The dashboard's demo feed plays
//! `static/demo-feed.bin` (written by [`demo`] through
//! `cargo run --release -p iotdata-sim --example demo_capture`), so the
//! simulator itself is not part of the page.
//!
//! # Format (version 1)
//!
//! Integers marked *varint* are unsigned LEB128 (7 bits a byte, least
//! significant first, at most 10 bytes); the others little-endian.
//!
//! | field | encoding | meaning |
//! | --- | --- | --- |
//! | magic | 8 bytes `IOTDFEED` | [`MAGIC`] |
//! | version | 1 byte | [`VERSION`] |
//! | seed | varint | the simulator's seed (informative) |
//! | speed | varint, 1..=[`MAX_SPEED`] | simulated ms per wall ms to play it at |
//! | preroll | varint, ms, at most the duration | simulated time to play at once when playback starts |
//! | duration | varint, ms, [`MIN_DURATION_MS`]..=[`MAX_DURATION_MS`] | the recorded span (the loop period) |
//! | node count | varint, at most [`MAX_NODES`] | then per node: id `u16`, latitude and longitude `f64` (degrees) |
//! | frame count | varint, at most [`MAX_FRAMES`] | then per frame: |
//! | · time delta | varint, ms | since the previous frame (the first: since 0); the sum stays within the duration |
//! | · gateway | varint, at most `0xFFFF` | the receiving gateway's station id |
//! | · length | varint, at most [`MAX_FRAME_BYTES`] | then that many bytes: the frame |
//!
//! Nothing may follow the last frame. The nodes are the gateways and relays
//! with their installed positions (they send no POSITION). The whole file
//! is at most [`MAX_CAPTURE_BYTES`]. [`Capture::parse`] checks every field
//! and bound and never panics: a recording fetched by a page is untrusted
//! input like any other.
//!
//! The frames are the simulator's bytes as they were recorded: their
//! DATETIME fields are the recording's (from the deployment's start,
//! 2026-03-14 07:00 UTC), not the time they are played at.

use crate::deployment::Role;
use crate::sim::{SimConfig, Simulation, DEFAULT_SEED};

/// The file's first bytes.
pub const MAGIC: [u8; 8] = *b"IOTDFEED";
/// The format version this module reads and writes.
pub const VERSION: u8 = 1;
/// Largest file read (4 MiB).
pub const MAX_CAPTURE_BYTES: usize = 4 << 20;
/// Largest frame (a LoRa payload).
pub const MAX_FRAME_BYTES: usize = 255;
/// Most nodes (gateways and relays) with a position.
pub const MAX_NODES: usize = 256;
/// Most frames (a frame takes at least 3 bytes of the file).
pub const MAX_FRAMES: usize = MAX_CAPTURE_BYTES / 3;
/// Fastest playback speed.
pub const MAX_SPEED: u64 = 1_000;
/// Shortest recorded span (10 minutes): a player that advances at most this
/// much simulated time at once wraps around the recording at most once.
pub const MIN_DURATION_MS: u64 = 10 * 60_000;
/// Longest recorded span (30 days).
pub const MAX_DURATION_MS: u64 = 30 * 24 * 3_600_000;

/// The demo recording: simulated span (3 hours: 18 minutes of wall time
/// at [`DEMO_SPEED`] before it loops).
pub const DEMO_DURATION_MS: u64 = 3 * 3_600_000;
/// The demo recording: playback speed (simulated ms per wall ms).
pub const DEMO_SPEED: u64 = 10;
/// The demo recording: pre-roll (10 simulated minutes).
pub const DEMO_PREROLL_MS: u64 = 10 * 60_000;
/// Where the demo recording is committed, from the repository's root.
pub const DEMO_FILE: &str = "static/demo-feed.bin";

/// A gateway or relay and its installed position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodePosition {
    /// Station id.
    pub id: u16,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// One recorded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedFrame {
    /// Simulated ms since the start of the recording.
    pub time_ms: u64,
    /// The receiving gateway's station id.
    pub gateway: u16,
    /// The frame.
    pub bytes: Vec<u8>,
}

/// A recording (see the module's documentation for the file format).
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// The simulator's seed.
    pub seed: u64,
    /// Simulated ms per wall ms to play it at.
    pub speed: u64,
    /// Simulated ms to play at once when playback starts.
    pub preroll_ms: u64,
    /// The recorded span, ms (frames are at `0..=duration_ms`).
    pub duration_ms: u64,
    /// Gateways and relays with their installed positions.
    pub nodes: Vec<NodePosition>,
    /// The frames, in time order.
    pub frames: Vec<CapturedFrame>,
}

/// Why a recording was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// The file is larger than [`MAX_CAPTURE_BYTES`].
    #[error("{len}-byte recording, more than {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// It does not start with [`MAGIC`].
    #[error("not a demo recording (bad magic)")]
    BadMagic,
    /// Another format version.
    #[error("recording version {0}, this page reads {VERSION}")]
    Version(u8),
    /// It ends inside a field.
    #[error("recording cut short at byte {at}")]
    Truncated {
        /// Offset of the field that does not fit.
        at: usize,
    },
    /// A varint longer than 10 bytes or over 64 bits.
    #[error("bad number at byte {at}")]
    BadVarint {
        /// Its offset.
        at: usize,
    },
    /// A header or frame field outside its range.
    #[error("{what} {value} out of range at byte {at}")]
    OutOfRange {
        /// The field.
        what: &'static str,
        /// Its value.
        value: u64,
        /// Its offset.
        at: usize,
    },
    /// A node's position is not a latitude and longitude.
    #[error("node {id}: bad position")]
    BadPosition {
        /// The node.
        id: u16,
    },
    /// Bytes after the last frame.
    #[error("{extra} bytes after the last frame")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
}

/// Bounds-checked reader.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CaptureError> {
        let at = self.at;
        let end = at.checked_add(n).ok_or(CaptureError::Truncated { at })?;
        let s = self
            .bytes
            .get(at..end)
            .ok_or(CaptureError::Truncated { at })?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CaptureError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn varint(&mut self) -> Result<u64, CaptureError> {
        let at = self.at;
        let mut v = 0u64;
        for i in 0..10 {
            let [b] = self.array()?;
            if i == 9 && b > 1 {
                break;
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CaptureError::BadVarint { at })
    }

    /// A varint within `lo..=hi`.
    fn ranged(&mut self, what: &'static str, lo: u64, hi: u64) -> Result<u64, CaptureError> {
        let at = self.at;
        let value = self.varint()?;
        if (lo..=hi).contains(&value) {
            Ok(value)
        } else {
            Err(CaptureError::OutOfRange { what, value, at })
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Capture {
    /// Records `duration_ms` of the simulator with `seed` (default
    /// configuration otherwise), to be played at `speed` after a pre-roll
    /// of `preroll_ms`.
    pub fn record(seed: u64, duration_ms: u64, speed: u64, preroll_ms: u64) -> Capture {
        let mut sim = Simulation::new(SimConfig {
            seed,
            ..SimConfig::default()
        });
        let nodes = sim
            .deployment()
            .stations
            .iter()
            .filter(|s| matches!(s.role, Role::Gateway | Role::Relay))
            .map(|s| NodePosition {
                id: s.id,
                lat: s.lat,
                lon: s.lon,
            })
            .collect();
        let frames = sim
            .advance(duration_ms)
            .into_iter()
            .map(|f| CapturedFrame {
                time_ms: f.time_ms,
                gateway: f.gateway,
                bytes: f.bytes,
            })
            .collect();
        Capture {
            seed,
            speed,
            preroll_ms,
            duration_ms,
            nodes,
            frames,
        }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.push(VERSION);
        for v in [self.seed, self.speed, self.preroll_ms, self.duration_ms] {
            put_varint(&mut out, v);
        }
        put_varint(&mut out, self.nodes.len() as u64);
        for n in &self.nodes {
            out.extend_from_slice(&n.id.to_le_bytes());
            out.extend_from_slice(&n.lat.to_le_bytes());
            out.extend_from_slice(&n.lon.to_le_bytes());
        }
        put_varint(&mut out, self.frames.len() as u64);
        let mut prev = 0;
        for f in &self.frames {
            put_varint(&mut out, f.time_ms.saturating_sub(prev));
            prev = f.time_ms;
            put_varint(&mut out, u64::from(f.gateway));
            put_varint(&mut out, f.bytes.len() as u64);
            out.extend_from_slice(&f.bytes);
        }
        out
    }

    /// Reads a recording, checking every field against its bound.
    pub fn parse(bytes: &[u8]) -> Result<Capture, CaptureError> {
        if bytes.len() > MAX_CAPTURE_BYTES {
            return Err(CaptureError::TooLarge {
                len: bytes.len(),
                max: MAX_CAPTURE_BYTES,
            });
        }
        let mut r = Reader { bytes, at: 0 };
        if r.array::<8>().ok() != Some(MAGIC) {
            return Err(CaptureError::BadMagic);
        }
        let [version] = r.array()?;
        if version != VERSION {
            return Err(CaptureError::Version(version));
        }
        let seed = r.varint()?;
        let speed = r.ranged("speed", 1, MAX_SPEED)?;
        let at = r.at;
        let preroll_ms = r.varint()?;
        let duration_ms = r.ranged("duration", MIN_DURATION_MS, MAX_DURATION_MS)?;
        if preroll_ms > duration_ms {
            return Err(CaptureError::OutOfRange {
                what: "pre-roll",
                value: preroll_ms,
                at,
            });
        }
        let count = r.ranged("node count", 0, MAX_NODES as u64)? as usize;
        let mut nodes = Vec::with_capacity(count);
        for _ in 0..count {
            let id = u16::from_le_bytes(r.array()?);
            let lat = f64::from_le_bytes(r.array()?);
            let lon = f64::from_le_bytes(r.array()?);
            if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
                return Err(CaptureError::BadPosition { id });
            }
            nodes.push(NodePosition { id, lat, lon });
        }
        let count = r.ranged("frame count", 0, MAX_FRAMES as u64)? as usize;
        // Every frame takes at least 3 bytes: no more room than the rest.
        let mut frames = Vec::with_capacity(count.min(bytes.len().saturating_sub(r.at) / 3));
        let mut time_ms = 0u64;
        for _ in 0..count {
            let at = r.at;
            let delta = r.varint()?;
            time_ms = time_ms.saturating_add(delta);
            if time_ms > duration_ms {
                return Err(CaptureError::OutOfRange {
                    what: "frame time",
                    value: time_ms,
                    at,
                });
            }
            let gateway = r.ranged("gateway", 0, u64::from(u16::MAX))? as u16;
            let len = r.ranged("frame length", 0, MAX_FRAME_BYTES as u64)? as usize;
            let bytes = r.take(len)?.to_vec();
            frames.push(CapturedFrame {
                time_ms,
                gateway,
                bytes,
            });
        }
        let extra = bytes.len().saturating_sub(r.at);
        if extra > 0 {
            return Err(CaptureError::TrailingBytes { extra });
        }
        Ok(Capture {
            seed,
            speed,
            preroll_ms,
            duration_ms,
            nodes,
            frames,
        })
    }
}

/// The demo recording (the file [`DEMO_FILE`]): [`DEMO_DURATION_MS`] of
/// the simulator with [`DEFAULT_SEED`].
pub fn demo() -> Capture {
    Capture::record(DEFAULT_SEED, DEMO_DURATION_MS, DEMO_SPEED, DEMO_PREROLL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Capture {
        Capture {
            seed: 7,
            speed: 10,
            preroll_ms: 60_000,
            duration_ms: MIN_DURATION_MS,
            nodes: vec![NodePosition {
                id: 1,
                lat: 56.8,
                lon: -5.0,
            }],
            frames: vec![
                CapturedFrame {
                    time_ms: 0,
                    gateway: 1,
                    bytes: vec![1, 2, 3],
                },
                CapturedFrame {
                    time_ms: 300_000,
                    gateway: 0x102,
                    bytes: vec![0xAA; MAX_FRAME_BYTES],
                },
            ],
        }
    }

    #[test]
    fn round_trip() {
        let c = small();
        let b = c.to_bytes();
        assert_eq!(&b[..8], b"IOTDFEED");
        assert_eq!(Capture::parse(&b), Ok(c));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = small().to_bytes();
        for n in 0..b.len() {
            let e = Capture::parse(&b[..n]).unwrap_err();
            assert!(
                matches!(e, CaptureError::Truncated { .. } | CaptureError::BadMagic),
                "{n}: {e:?}"
            );
        }
    }

    #[test]
    fn bad_magic_version_trailing() {
        let mut b = small().to_bytes();
        b[0] = b'X';
        assert_eq!(Capture::parse(&b), Err(CaptureError::BadMagic));
        let mut b = small().to_bytes();
        b[8] = 2;
        assert_eq!(Capture::parse(&b), Err(CaptureError::Version(2)));
        let mut b = small().to_bytes();
        b.push(0);
        assert_eq!(
            Capture::parse(&b),
            Err(CaptureError::TrailingBytes { extra: 1 })
        );
        let b = vec![0; MAX_CAPTURE_BYTES + 1];
        assert!(matches!(
            Capture::parse(&b),
            Err(CaptureError::TooLarge { .. })
        ));
    }

    #[test]
    fn oversize_fields_are_refused() {
        // A frame length over 255.
        let mut c = small();
        c.frames[1].bytes.push(0);
        assert!(matches!(
            Capture::parse(&c.to_bytes()),
            Err(CaptureError::OutOfRange {
                what: "frame length",
                value: 256,
                ..
            })
        ));
        // A frame after the end of the recording.
        let mut c = small();
        c.frames[1].time_ms = MIN_DURATION_MS + 1;
        assert!(matches!(
            Capture::parse(&c.to_bytes()),
            Err(CaptureError::OutOfRange {
                what: "frame time",
                ..
            })
        ));
        // A gateway id over 16 bits, a duration too short, a zero speed,
        // a pre-roll longer than the recording.
        let mut b = small().to_bytes();
        let gw = b.len() - MAX_FRAME_BYTES - 4;
        assert_eq!(&b[gw..gw + 2], &[0x82, 0x02]);
        b.splice(gw..gw + 2, [0x80, 0x80, 0x04]);
        assert!(matches!(
            Capture::parse(&b),
            Err(CaptureError::OutOfRange {
                what: "gateway",
                value: 0x10000,
                ..
            })
        ));
        type Edit = (&'static str, fn(&mut Capture));
        let edits: [Edit; 3] = [
            ("duration", |c| c.duration_ms = 1000),
            ("speed", |c| c.speed = 0),
            ("pre-roll", |c| c.preroll_ms = MIN_DURATION_MS + 1),
        ];
        for (what, edit) in edits {
            let mut c = small();
            edit(&mut c);
            let e = Capture::parse(&c.to_bytes()).unwrap_err();
            assert!(
                matches!(e, CaptureError::OutOfRange { what: w, .. } if w == what),
                "{what}: {e:?}"
            );
        }
        // A frame count that claims more than the file holds.
        let mut b = small().to_bytes();
        let n = Capture {
            frames: Vec::new(),
            ..small()
        }
        .to_bytes()
        .len();
        assert_eq!(b[n - 1], 2);
        b[n - 1] = 3;
        assert!(matches!(
            Capture::parse(&b),
            Err(CaptureError::Truncated { .. })
        ));
        // An overlong varint, a position out of range.
        let mut b = small().to_bytes();
        b.splice(9..10, [0xFF; 11]);
        assert_eq!(Capture::parse(&b), Err(CaptureError::BadVarint { at: 9 }));
        let mut c = small();
        c.nodes[0].lat = f64::NAN;
        assert_eq!(
            Capture::parse(&c.to_bytes()),
            Err(CaptureError::BadPosition { id: 1 })
        );
    }
}

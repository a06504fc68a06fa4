//! The saved form of one broker source ([`Snapshot`]) and its compact
//! binary encoding: a magic, a format version, then counted sections
//! (frames, station totals, history), numbers as LEB128 varints, values as
//! little-endian `f64`, a frame's topic only when it differs from the
//! previous frame's. Reading treats the bytes as
//! untrusted: every count and length is checked against the bounds below
//! and against the bytes left, and anything wrong is an error, never a
//! panic.

use iotdata::receiver::SeqStats;

use crate::store::{HISTORY_POINTS, MAX_FRAME_KEEP, MAX_HISTORY_POINTS_TOTAL, MAX_TOPIC_BYTES};

/// The format's first bytes.
pub const MAGIC: &[u8; 4] = b"IOTM";
/// The format version; a record of another version is dropped.
pub const SNAPSHOT_VERSION: u8 = 1;
/// Stations per source (12-bit ids).
pub const MAX_SAVED_STATIONS: usize = 4096;
/// Frames in one snapshot, at most: every station's kept frames.
pub const MAX_SAVED_FRAMES: usize = MAX_SAVED_STATIONS * crate::store::keep::KEPT_PER_NODE;
/// Series in one snapshot, at most.
pub const MAX_SAVED_SERIES: usize = MAX_SAVED_STATIONS * crate::store::MAX_SERIES_PER_STATION;
/// Bytes of one stored record, at most (larger ones are not read).
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// One frame to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedFrame {
    /// Receive time, ms since the epoch (whole ms).
    pub rx_ms: f64,
    /// Its topic.
    pub topic: String,
    /// The frame's bytes.
    pub bytes: Vec<u8>,
}

/// A station's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Station id.
    pub id: u16,
    /// First heard (unix ms).
    pub first_heard_ms: i64,
    /// Sequence counters.
    pub stats: SeqStats,
    /// Frames that failed to decode.
    pub decode_errors: u64,
}

/// One history series.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSeries {
    /// Station id.
    pub station: u16,
    /// Series key (`environment.temperature`).
    pub key: String,
    /// `(rx_ms, value)`, oldest first (times in whole ms).
    pub points: Vec<(f64, f64)>,
}

/// What the browser remembers of one broker source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Frames to replay, oldest first.
    pub frames: Vec<SavedFrame>,
    /// Station totals.
    pub figures: Vec<Figures>,
    /// History.
    pub series: Vec<SavedSeries>,
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i(out: &mut Vec<u8>, v: i64) {
    put(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Encodes `snap` (see the module documentation).
pub fn encode(snap: &Snapshot) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(SNAPSHOT_VERSION);
    put(&mut out, snap.frames.len() as u64);
    let mut topic = None;
    for f in &snap.frames {
        put_i(&mut out, f.rx_ms as i64);
        // 0: the previous frame's topic; else its length + 1, then the text.
        if topic == Some(&f.topic) {
            put(&mut out, 0);
        } else {
            put(&mut out, f.topic.len() as u64 + 1);
            out.extend_from_slice(f.topic.as_bytes());
            topic = Some(&f.topic);
        }
        put_bytes(&mut out, &f.bytes);
    }
    put(&mut out, snap.figures.len() as u64);
    for f in &snap.figures {
        let s = &f.stats;
        put(&mut out, u64::from(f.id));
        put_i(&mut out, f.first_heard_ms);
        for v in [
            s.received,
            s.missing,
            s.duplicates,
            s.out_of_order,
            s.restarts,
        ] {
            put(&mut out, v);
        }
        put(&mut out, f.decode_errors);
    }
    put(&mut out, snap.series.len() as u64);
    for s in &snap.series {
        put(&mut out, u64::from(s.station));
        put_bytes(&mut out, s.key.as_bytes());
        put(&mut out, s.points.len() as u64);
        let mut t = 0i64;
        for &(at, v) in &s.points {
            put_i(&mut out, at as i64 - t);
            t = at as i64;
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// A reader over untrusted bytes.
struct Rd<'a>(&'a [u8]);

type R<T> = Result<T, &'static str>;

impl Rd<'_> {
    fn u(&mut self) -> R<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first().ok_or("cut short")?;
            self.0 = rest;
            v |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("bad number")
    }

    fn i(&mut self) -> R<i64> {
        let v = self.u()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A count of items (each at least one byte) up to `max`.
    fn n(&mut self, max: usize) -> R<usize> {
        let n = self.u()?;
        if n > max as u64 || n > self.0.len() as u64 {
            return Err("a count over its bound");
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, max: usize) -> R<&[u8]> {
        let n = self.n(max)?;
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(b)
    }

    fn text(&mut self, max: usize) -> R<String> {
        let b = self.bytes(max)?;
        String::from_utf8(b.to_vec()).map_err(|_| "text not UTF-8")
    }

    fn f64(&mut self) -> R<f64> {
        let (b, rest) = self.0.split_first_chunk::<8>().ok_or("cut short")?;
        self.0 = rest;
        Ok(f64::from_le_bytes(*b))
    }
}

/// Decodes a stored record: the snapshot, or why it cannot be used (not a
/// snapshot, another version, cut short, a bound exceeded).
pub fn decode(bytes: &[u8]) -> R<Snapshot> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err("record too large");
    }
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a saved source")?;
    let (&version, rest) = rest.split_first().ok_or("cut short")?;
    if version != SNAPSHOT_VERSION {
        return Err("saved by another version");
    }
    let mut r = Rd(rest);
    let n = r.n(MAX_SAVED_FRAMES)?;
    let mut frames: Vec<SavedFrame> = Vec::with_capacity(n);
    for _ in 0..n {
        let rx_ms = r.i()? as f64;
        let topic = match r.n(MAX_TOPIC_BYTES + 1)? {
            0 => frames.last().ok_or("bad topic")?.topic.clone(),
            len => {
                let (b, rest) = r.0.split_at(len - 1);
                r.0 = rest;
                String::from_utf8(b.to_vec()).map_err(|_| "text not UTF-8")?
            }
        };
        let bytes = r.bytes(MAX_FRAME_KEEP)?.to_vec();
        frames.push(SavedFrame {
            rx_ms,
            topic,
            bytes,
        });
    }
    let n = r.n(MAX_SAVED_STATIONS)?;
    let mut figures = Vec::with_capacity(n);
    for _ in 0..n {
        let id = u16::try_from(r.u()?).map_err(|_| "bad station")?;
        let first_heard_ms = r.i()?;
        let stats = SeqStats {
            received: r.u()?,
            missing: r.u()?,
            duplicates: r.u()?,
            out_of_order: r.u()?,
            restarts: r.u()?,
        };
        figures.push(Figures {
            id: id & 0x0FFF,
            first_heard_ms,
            stats,
            decode_errors: r.u()?,
        });
    }
    let n = r.n(MAX_SAVED_SERIES)?;
    let mut series = Vec::with_capacity(n);
    let mut total = 0usize;
    for _ in 0..n {
        let station = u16::try_from(r.u()?).map_err(|_| "bad station")? & 0x0FFF;
        let key = r.text(MAX_TOPIC_BYTES)?;
        let n = r.n(HISTORY_POINTS)?;
        total += n;
        if total > MAX_HISTORY_POINTS_TOTAL {
            return Err("too much history");
        }
        let mut points = Vec::with_capacity(n);
        let mut t = 0i64;
        for _ in 0..n {
            t = t.wrapping_add(r.i()?);
            points.push((t as f64, r.f64()?));
        }
        series.push(SavedSeries {
            station,
            key,
            points,
        });
    }
    if !r.0.is_empty() {
        return Err("bytes after the end");
    }
    Ok(Snapshot {
        frames,
        figures,
        series,
    })
}

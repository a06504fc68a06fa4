//! MSB-first bit reader and writer.
//!
//! Bit offset 0 is the most significant bit of byte 0; multi-bit values are
//! read and written most significant bit first. The reader never panics: a
//! read past the end returns `None` and leaves the cursor where it was. The
//! writer zero-pads the final byte.

/// A cursor over a byte slice that reads MSB-first bit fields.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// Starts reading at bit 0 of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        BitReader { buf, pos: 0 }
    }

    /// Starts reading at bit offset `pos` of `buf`.
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        BitReader { buf, pos }
    }

    /// The current bit offset (bits consumed so far).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The underlying bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Total number of bits in the buffer.
    pub fn len_bits(&self) -> usize {
        self.buf.len().saturating_mul(8)
    }

    /// Number of bits left after the cursor.
    pub fn remaining(&self) -> usize {
        self.len_bits().saturating_sub(self.pos)
    }

    /// Reads `n` bits (0..=32) as an unsigned integer, or `None` when fewer
    /// than `n` bits remain (the cursor does not move then).
    #[inline]
    pub fn read(&mut self, n: u32) -> Option<u32> {
        let v = self.peek(n)?;
        self.pos += n as usize;
        Some(v)
    }

    /// Reads `n` bits without moving the cursor.
    #[inline]
    pub fn peek(&self, n: u32) -> Option<u32> {
        if n > 32 || (n as usize) > self.remaining() {
            return None;
        }
        if n == 0 {
            return Some(0);
        }
        // Fast path: a whole big-endian 64-bit window holds the (at most
        // 7 + 32) bits wanted.
        let first = self.pos / 8;
        if let Some(window) = self.buf.get(first..first + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(window);
            let w = u64::from_be_bytes(b) << (self.pos % 8);
            return Some((w >> (64 - n)) as u32);
        }
        let mut acc: u64 = 0;
        let mut got: u32 = 0;
        let mut byte = self.pos / 8;
        let mut bit = (self.pos % 8) as u32;
        while got < n {
            let b = *self.buf.get(byte)? as u64;
            let avail = 8 - bit;
            let take = avail.min(n - got);
            let shift = avail - take;
            let chunk = (b >> shift) & ((1u64 << take) - 1);
            acc = (acc << take) | chunk;
            got += take;
            bit += take;
            if bit == 8 {
                bit = 0;
                byte += 1;
            }
        }
        Some(acc as u32)
    }

    /// Reads a single bit as a boolean.
    #[inline]
    pub fn read_bool(&mut self) -> Option<bool> {
        self.read(1).map(|b| b == 1)
    }

    /// Reads `n` whole bytes (each 8 bits from the cursor, not necessarily
    /// byte-aligned) into `out`. Returns `None` (cursor unmoved, `out`
    /// untouched) when fewer than `n * 8` bits remain.
    pub fn read_bytes_into(&mut self, n: usize, out: &mut Vec<u8>) -> Option<()> {
        if n.checked_mul(8)? > self.remaining() {
            return None;
        }
        out.reserve(n);
        if self.pos % 8 == 0 {
            let start = self.pos / 8;
            out.extend_from_slice(self.buf.get(start..start + n)?);
            self.pos += n * 8;
        } else {
            for _ in 0..n {
                let b = self.read(8)?;
                out.push(b as u8);
            }
        }
        Some(())
    }

    /// Skips `n` bits; `None` (cursor unmoved) if fewer remain.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        if n > self.remaining() {
            return None;
        }
        self.pos += n;
        Some(())
    }
}

/// An MSB-first bit writer that grows a byte vector.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    buf: Vec<u8>,
    pos: usize,
}

impl BitWriter {
    #[cfg(test)]
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            buf: Vec::with_capacity(bytes),
            pos: 0,
        }
    }

    #[cfg(test)]
    /// Bits written so far.
    pub fn bits(&self) -> usize {
        self.pos
    }

    /// Writes the low `n` bits (0..=32) of `value`, MSB first. Higher bits of
    /// `value` are ignored.
    #[inline]
    pub fn write(&mut self, value: u32, n: u32) {
        let n = n.min(32);
        let mut left = n;
        while left > 0 {
            let bit = (self.pos % 8) as u32;
            if bit == 0 {
                self.buf.push(0);
            }
            let room = 8 - bit;
            let take = room.min(left);
            let chunk = ((value as u64 >> (left - take)) & ((1u64 << take) - 1)) as u8;
            if let Some(last) = self.buf.last_mut() {
                *last |= chunk << (room - take);
            }
            left -= take;
            self.pos += take as usize;
        }
    }

    /// Writes one bit.
    #[inline]
    pub fn write_bool(&mut self, b: bool) {
        self.write(b as u32, 1);
    }

    /// Writes whole bytes at the current (possibly unaligned) position.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        if self.pos % 8 == 0 {
            self.buf.extend_from_slice(bytes);
            self.pos += bytes.len() * 8;
        } else {
            for &b in bytes {
                self.write(b as u32, 8);
            }
        }
    }

    #[cfg(test)]
    /// Overwrites `n` bits at bit offset `at` (which must already have been
    /// written) with the low `n` bits of `value`.
    pub fn patch(&mut self, at: usize, value: u32, n: u32) {
        for i in 0..n.min(32) {
            let p = at + i as usize;
            if p >= self.pos {
                break;
            }
            let bitval = (value >> (n - 1 - i)) & 1;
            if let Some(b) = self.buf.get_mut(p / 8) {
                let mask = 0x80u8 >> (p % 8);
                if bitval == 1 {
                    *b |= mask;
                } else {
                    *b &= !mask;
                }
            }
        }
    }

    /// The bytes written, the last one zero-padded.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    #[cfg(test)]
    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_across_bytes() {
        let buf = [0b1010_1100, 0b0101_0011, 0xff];
        let mut r = BitReader::new(&buf);
        assert_eq!(r.read(4), Some(0b1010));
        assert_eq!(r.read(8), Some(0b1100_0101));
        assert_eq!(r.read(3), Some(0b001));
        assert_eq!(r.pos(), 15);
        assert_eq!(r.read(10), None);
        assert_eq!(r.pos(), 15);
        assert_eq!(r.read(9), Some(0b1_1111_1111));
        assert_eq!(r.read(1), None);
    }

    #[test]
    fn write_then_read() {
        let mut w = BitWriter::new();
        w.write(0xA, 4);
        w.write(0xABC, 12);
        w.write(0x12345, 17);
        w.write_bytes(&[0xde, 0xad]);
        w.patch(0, 0x5, 4);
        let bits = w.bits();
        let bytes = w.into_bytes();
        assert_eq!(bits, 4 + 12 + 17 + 16);
        assert_eq!(bytes.len(), bits.div_ceil(8));
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.read(4), Some(0x5));
        assert_eq!(r.read(12), Some(0xABC));
        assert_eq!(r.read(17), Some(0x12345));
        let mut v = Vec::new();
        assert_eq!(r.read_bytes_into(2, &mut v), Some(()));
        assert_eq!(v, vec![0xde, 0xad]);
        // padding bits are zero
        assert_eq!(r.read((8 - bits % 8) as u32 % 8), Some(0));
    }

    #[test]
    fn thirty_two_bits() {
        let buf = [0xff, 0x00, 0xff, 0x00, 0x80];
        let mut r = BitReader::at(&buf, 1);
        assert_eq!(r.read(32), Some(0xfe01_fe01));
        assert_eq!(r.read(33), None);
    }
}

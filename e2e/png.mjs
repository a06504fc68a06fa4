// Makes Chromium's screenshots smaller for the README, with node's zlib only:
// decode the 8-bit RGB(A) PNG, reduce it to a 256-colour palette (exact when
// the picture has at most 256 colours; otherwise the 256 most used colours of
// a 4-bit-per-channel histogram, each pixel mapped to the nearest), and write
// an indexed PNG at zlib level 9. UI screenshots (flat colours, anti-aliased
// text) come out at a third to a half of the size, and look the same.

import fs from 'node:fs';
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        t[n] = c >>> 0;
    }
    return t;
})();

function crc32(buf) {
    let c = 0xffffffff;
    for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG: `{ width, height, rgb }` (alpha dropped). */
export function decodePng(buf) {
    if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
    let i = 8;
    let width, height, depth, colourType, interlace;
    const idat = [];
    while (i < buf.length) {
        const n = buf.readUInt32BE(i);
        const type = buf.toString('ascii', i + 4, i + 8);
        const data = buf.subarray(i + 8, i + 8 + n);
        if (type === 'IHDR') {
            width = data.readUInt32BE(0);
            height = data.readUInt32BE(4);
            depth = data[8];
            colourType = data[9];
            interlace = data[12];
        } else if (type === 'IDAT') idat.push(data);
        i += 12 + n;
    }
    if (depth !== 8 || (colourType !== 2 && colourType !== 6) || interlace !== 0) {
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${colourType}, interlace ${interlace})`);
    }
    const bpp = colourType === 6 ? 4 : 3;
    const stride = width * bpp;
    const raw = zlib.inflateSync(Buffer.concat(idat));
    const rgb = Buffer.alloc(width * height * 3);
    let prev = Buffer.alloc(stride);
    let line = Buffer.alloc(stride);
    for (let y = 0; y < height; y++) {
        const off = y * (stride + 1);
        const filter = raw[off];
        for (let x = 0; x < stride; x++) {
            const v = raw[off + 1 + x];
            const a = x >= bpp ? line[x - bpp] : 0;
            const b = prev[x];
            const c = x >= bpp ? prev[x - bpp] : 0;
            let p;
            switch (filter) {
                case 0: p = 0; break;
                case 1: p = a; break;
                case 2: p = b; break;
                case 3: p = (a + b) >> 1; break;
                case 4: {
                    const q = a + b - c;
                    const pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
                    p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    break;
                }
                default: throw new Error(`bad PNG filter ${filter}`);
            }
            line[x] = (v + p) & 0xff;
        }
        for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
            line.copy(rgb, o, x * bpp, x * bpp + 3);
        }
        [prev, line] = [line, prev];
    }
    return { width, height, rgb };
}

/** A palette of at most 256 colours for `rgb` and the index of every pixel. */
function quantise(rgb) {
    const counts = new Map();
    for (let i = 0; i < rgb.length; i += 3) {
        const k = (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
    }
    let palette;
    if (counts.size <= 256) {
        palette = [...counts.keys()];
    } else {
        // 4 bits per channel buckets; the 256 busiest, each its weighted mean.
        const buckets = new Map();
        for (const [k, n] of counts) {
            const b = ((k >> 20) & 0xf) << 8 | ((k >> 12) & 0xf) << 4 | ((k >> 4) & 0xf);
            const e = buckets.get(b) || { n: 0, r: 0, g: 0, bl: 0 };
            e.n += n;
            e.r += ((k >> 16) & 0xff) * n;
            e.g += ((k >> 8) & 0xff) * n;
            e.bl += (k & 0xff) * n;
            buckets.set(b, e);
        }
        palette = [...buckets.values()]
            .sort((x, y) => y.n - x.n)
            .slice(0, 256)
            .map((e) => (Math.round(e.r / e.n) << 16) | (Math.round(e.g / e.n) << 8) | Math.round(e.bl / e.n));
    }
    const pr = palette.map((c) => (c >> 16) & 0xff);
    const pg = palette.map((c) => (c >> 8) & 0xff);
    const pb = palette.map((c) => c & 0xff);
    const nearest = new Map();
    for (const k of counts.keys()) {
        const r = (k >> 16) & 0xff, g = (k >> 8) & 0xff, b = k & 0xff;
        let best = 0;
        let bestD = Infinity;
        for (let j = 0; j < palette.length; j++) {
            const dr = r - pr[j], dg = g - pg[j], db = b - pb[j];
            const d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
            if (d < bestD) {
                bestD = d;
                best = j;
                if (d === 0) break;
            }
        }
        nearest.set(k, best);
    }
    const index = Buffer.alloc(rgb.length / 3);
    for (let i = 0, p = 0; i < rgb.length; i += 3, p++) {
        index[p] = nearest.get((rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2]);
    }
    return { palette, index, exact: counts.size <= 256 };
}

/** Encodes an indexed (palette) PNG. */
function encodeIndexed(width, height, palette, index) {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 3; // indexed colour
    const plte = Buffer.alloc(palette.length * 3);
    palette.forEach((c, j) => {
        plte[j * 3] = (c >> 16) & 0xff;
        plte[j * 3 + 1] = (c >> 8) & 0xff;
        plte[j * 3 + 2] = c & 0xff;
    });
    const raw = Buffer.alloc(height * (width + 1));
    for (let y = 0; y < height; y++) {
        raw[y * (width + 1)] = 0; // filter: none (best for indexed)
        index.copy(raw, y * (width + 1) + 1, y * width, (y + 1) * width);
    }
    return Buffer.concat([
        SIGNATURE,
        chunk('IHDR', ihdr),
        chunk('PLTE', plte),
        chunk('IDAT', zlib.deflateSync(raw, { level: 9, memLevel: 9 })),
        chunk('IEND', Buffer.alloc(0)),
    ]);
}

/**
 * Rewrites the PNG at `file` as a 256-colour indexed PNG when that is
 * smaller. Returns `{ before, after, exact }`; leaves the file as it was on
 * any error.
 */
export function shrinkPng(file) {
    const original = fs.readFileSync(file);
    const { width, height, rgb } = decodePng(original);
    const { palette, index, exact } = quantise(rgb);
    const out = encodeIndexed(width, height, palette, index);
    if (out.length < original.length) fs.writeFileSync(file, out);
    return { before: original.length, after: Math.min(out.length, original.length), exact };
}

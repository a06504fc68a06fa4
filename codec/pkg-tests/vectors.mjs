// Loads the conformance vectors (tests/vectors/) for the JS package tests,
// in Node. The records are checked by check.mjs.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS = path.join(ROOT, 'tests', 'vectors');
/** The package built by scripts/pack-js.sh. */
export const PKG = path.join(ROOT, 'codec', 'pkg');

/** The text of `tests/vectors/variants.json`. */
export const variantsJson = () => fs.readFileSync(path.join(VECTORS, 'variants.json'), 'utf8');

/** The records of one JSON Lines file of tests/vectors/. */
export function records(file) {
    return fs
        .readFileSync(path.join(VECTORS, file), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
}

/**
 * Every vector file whose name contains `utf8` or `text`: text in TLVs,
 * which must round-trip byte for byte. Each is checked in full.
 */
export function textFiles() {
    return fs
        .readdirSync(VECTORS)
        .filter((f) => f.endsWith('.jsonl') && /utf8|text/i.test(f))
        .sort();
}

/** Every `n`th record (from the first): a sample that keeps the file's order. */
export const everyNth = (recs, n) => recs.filter((_, i) => i % n === 0);

/**
 * The vectors where the codec deliberately differs from the reference:
 * `{name: 'decode' | 'json'}`, read from the DIVERGENCES tables of the Rust
 * tests (codec/tests/support/vectors.rs for decoding, with `Diverges::Decode`
 * or `Diverges::Json`; codec/tests/conformance.rs for everything else, taken
 * as `'decode'`: those records are only decoded without failing).
 */
export function divergences() {
    const out = {};
    const support = fs.readFileSync(path.join(ROOT, 'codec', 'tests', 'support', 'vectors.rs'), 'utf8');
    for (const m of support.matchAll(/"([A-Za-z0-9_]+)",\s*Diverges::(Json|Decode)/g)) {
        out[m[1]] = m[2].toLowerCase();
    }
    const conformance = fs.readFileSync(path.join(ROOT, 'codec', 'tests', 'conformance.rs'), 'utf8');
    const start = conformance.indexOf('const DIVERGENCES');
    const block = start < 0 ? '' : conformance.slice(start, conformance.indexOf('\n];', start));
    for (const m of block.matchAll(/\(\s*"([A-Za-z0-9_]+)",/g)) {
        out[m[1]] ??= 'decode';
    }
    return out;
}

/**
 * The sample both tests run: `[{file, records, exact}]`. Every record of
 * sensor, malformed, roundtrip and mesh, every 4th of quant, and every
 * record of the UTF-8 / text files (`exact`: decode -> JSON -> encode gives
 * the bytes back).
 */
export function sample({ quantEvery = 4 } = {}) {
    return [
        { file: 'sensor.jsonl', records: records('sensor.jsonl'), exact: false },
        { file: 'quant.jsonl', records: everyNth(records('quant.jsonl'), quantEvery), exact: false },
        { file: 'malformed.jsonl', records: records('malformed.jsonl'), exact: false },
        { file: 'roundtrip.jsonl', records: records('roundtrip.jsonl'), exact: false },
        { file: 'mesh.jsonl', records: records('mesh.jsonl'), exact: false },
        ...textFiles().map((file) => ({ file, records: records(file), exact: true })),
    ];
}

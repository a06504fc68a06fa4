// The JS package (codec/pkg/, built by scripts/pack-js.sh) in Node: loaded
// through its package.json entry, the four documented calls, and a sample of
// the conformance vectors (check.mjs) including every UTF-8 / text vector
// file, which must round-trip byte for byte.
//
//   scripts/pack-js.sh && node --test codec/pkg-tests/

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { checkAll, codecsFor, toHex } from './check.mjs';
import { PKG, VECTORS, divergences, records, sample, textFiles, variantsJson } from './vectors.mjs';

const FRAME_16 = '002a00043fd1b7b51ad1500440cf5270';

const pkgJson = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
// The Node entry as package.json's exports name it.
const entry = pkgJson.exports['.'].node.default;
const { default: init, Codec } = await import(pathToFileURL(path.join(PKG, entry)).href);

test('the package has its files, types and the crate version', () => {
    assert.equal(pkgJson.name, 'iotdata-codec');
    assert.match(pkgJson.version, /^\d+\.\d+\.\d+/);
    assert.notEqual(pkgJson.version, '0.0.0');
    for (const f of pkgJson.files) assert.ok(fs.existsSync(path.join(PKG, f)), `${f} is in the package`);
    const dts = fs.readFileSync(path.join(PKG, 'iotdata.d.ts'), 'utf8');
    for (const sig of [
        'decodeHex(hex: string, lenient: boolean): Frame',
        'toJson(bytes: Uint8Array | number[], lenient: boolean): string',
        'encodeJson(json: string): Uint8Array',
        'dump(bytes: Uint8Array | number[], lenient: boolean): Dump',
        'export interface CodecError',
    ]) {
        assert.ok(dts.includes(sig), `iotdata.d.ts declares ${sig}`);
    }
});

test('decodeHex, toJson, encodeJson and dump, as the README shows them', async () => {
    await init(); // a no-op in Node: the wasm is loaded on import
    const codec = new Codec();
    const frame = codec.decodeHex(FRAME_16, false);
    assert.equal(frame.station, 42);
    assert.equal(frame.environment.temperature, 21.5);
    const bytes = Uint8Array.from(Buffer.from(FRAME_16, 'hex'));
    const text = codec.toJson(bytes, false);
    assert.deepEqual(JSON.parse(text), frame);
    assert.equal(toHex(codec.encodeJson(text)), FRAME_16);
    const dump = codec.dump(bytes, false);
    assert.equal(dump.error, null);
    assert.equal(dump.total_bits, 124);
    assert.deepEqual(dump.entries[0], {
        bit_offset: 0,
        bit_length: 4,
        field: 'variant',
        raw: 0,
        decoded: dump.entries[0].decoded,
        range: dump.entries[0].range,
    });
    assert.match(codec.dumpTable(bytes, false), /station/);
    codec.free();
});

test('errors are thrown as {kind, message, bit_offset, field}', () => {
    const codec = new Codec();
    assert.throws(() => codec.decodeHex('002a', false), (e) => e.kind === 'short' && e.bit_offset === 16 && e.field === 'header');
    assert.throws(() => codec.decodeHex('zz', false), (e) => e.kind === 'hex');
    assert.throws(() => codec.encodeJson('{'), (e) => e.kind === 'json_parse');
    assert.equal(JSON.parse(codec.toJson(new Uint8Array([1, 2]), false)).error.kind, 'short');
    assert.throws(() => new Codec('{"maps":{}}', 'nope'), (e) => e.kind === 'map');
    const custom = new Codec(variantsJson(), 'custom');
    assert.equal(custom.mapName, 'custom');
});

test('the divergence tables were read', () => {
    const d = divergences();
    assert.ok(Object.keys(d).length >= 10, `divergences: ${JSON.stringify(d)}`);
    const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.jsonl'));
    const names = new Set(files.flatMap((f) => records(f).map((r) => r.name)));
    for (const n of Object.keys(d)) assert.ok(names.has(n), `divergence ${n} names a vector`);
});

const codecs = codecsFor(Codec, variantsJson());
const divergent = divergences();
for (const { file, records: recs, exact } of sample()) {
    test(`vectors: ${file} (${recs.length} records${exact ? ', exact round trip' : ''})`, () => {
        const r = checkAll(recs, codecs, { divergent, exact });
        assert.deepEqual(r.fails, [], r.fails.slice(0, 20).join('\n'));
        assert.ok(r.stats.decoded + r.stats.encoded > 0, 'records were checked');
        if (exact) {
            const decodable = recs.filter((x) => typeof x.hex === 'string' && !x.error).length;
            assert.equal(r.stats.reencoded, decodable, 'every decodable text vector round-trips');
        }
        console.log(`# ${file}: ${JSON.stringify(r.stats)}`);
    });
}

test('text vector files are found when present', () => {
    // Names only: which files count as the UTF-8 / text vectors.
    for (const f of textFiles()) assert.match(f, /utf8|text/i);
});

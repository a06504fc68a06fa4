// The JS package (codec/pkg/, built by scripts/pack-js.sh) in headless
// Chromium (Debian's, through playwright-core as e2e/harness.mjs does): a
// page served over HTTP imports the browser module, `await init()` fetches
// the wasm, and check.mjs runs in the page over a sample of the vectors
// (every UTF-8 / text vector file in full, byte-for-byte round trips).
//
//   scripts/pack-js.sh && node --test codec/pkg-tests/

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { Stack, launchBrowser } from '../../e2e/harness.mjs';
import { divergences, everyNth, PKG, records, textFiles, variantsJson } from './vectors.mjs';

const TESTS = path.dirname(new URL(import.meta.url).pathname);
const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>iotdata-codec</title><link rel="icon" href="data:,"></head><body></body></html>';

/** Serves the package at /pkg/ and check.mjs at /tests/ on a free loopback port. */
async function serve(stack) {
    const dirs = { '/pkg/': PKG, '/tests/': TESTS };
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://localhost').pathname;
        if (url === '/') {
            res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
            return;
        }
        const prefix = Object.keys(dirs).find((p) => url.startsWith(p));
        const name = prefix ? url.slice(prefix.length) : '';
        // One file name, no sub-directories: nothing outside the two directories.
        if (!prefix || !/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
            res.writeHead(404).end();
            return;
        }
        const file = path.join(dirs[prefix], name);
        if (!fs.existsSync(file)) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
    });
    stack.defer(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${server.address().port}`;
}

test('the package in headless Chromium decodes, encodes and dumps vectors', { timeout: 180_000 }, async () => {
    const stack = new Stack();
    try {
        const base = await serve(stack);
        const browser = await launchBrowser({ stack });
        const page = await browser.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await page.goto(`${base}/`);

        const files = [
            { file: 'sensor.jsonl', records: records('sensor.jsonl'), exact: false },
            { file: 'quant.jsonl', records: everyNth(records('quant.jsonl'), 10), exact: false },
            { file: 'malformed.jsonl', records: everyNth(records('malformed.jsonl'), 5), exact: false },
            ...textFiles().map((file) => ({ file, records: records(file), exact: true })),
        ];
        const result = await page.evaluate(
            async ({ files, variants, divergent }) => {
                const { default: init, Codec } = await import('/pkg/iotdata.js');
                const { checkAll, codecsFor, toHex } = await import('/tests/check.mjs');
                await init();
                const codec = new Codec();
                const frame = codec.decodeHex('002a00043fd1b7b51ad1500440cf5270', false);
                const text = codec.toJson(codec.encodeJson(JSON.stringify(frame)), false);
                const dump = codec.dump(codec.encodeJson(text), false);
                const codecs = codecsFor(Codec, variants);
                return {
                    station: frame.station,
                    temperature: frame.environment.temperature,
                    again: toHex(codec.encodeJson(text)),
                    dumpBits: dump.total_bits,
                    files: files.map(({ file, records, exact }) => ({ file, exact, ...checkAll(records, codecs, { divergent, exact }) })),
                };
            },
            { files, variants: variantsJson(), divergent: divergences() },
        );
        assert.equal(result.station, 42);
        assert.equal(result.temperature, 21.5);
        assert.equal(result.again, '002a00043fd1b7b51ad1500440cf5270');
        assert.equal(result.dumpBits, 124);
        for (const f of result.files) {
            console.log(`# chromium ${f.file}: ${f.records} records, ${JSON.stringify(f.stats)}`);
            assert.deepEqual(f.fails, [], `${f.file}:\n${f.fails.slice(0, 20).join('\n')}`);
            assert.ok(f.stats.decoded > 0, `${f.file}: records decoded`);
        }
        assert.deepEqual(errors, [], 'no page errors');
    } finally {
        await stack.cleanup();
    }
});

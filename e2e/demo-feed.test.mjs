// End-to-end: the demo feed plays the simulator's recording (demo-feed.bin,
// fetched by the page), and a recording that cannot be fetched or is refused
// is a clear connection error, never a dead page.
//
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium
//
//   (a) ?demo=1 fetches demo-feed.bin once and fills the station table; the
//       status says a recorded run plays;
//   (b) demo-feed.bin answered with 404, cut short, a wrong magic or more
//       than 4 MiB (Playwright routes): conn-state `error` with
//       "demo feed: <reason>", no station rows, the demo badge gone.
//
// Page errors (a panic, a wasm trap) fail every test here (harness.mjs).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { DIST, e2eFile, launchBrowser, note, serveDist, waitConnState, waitFor } from './harness.mjs';

const e2e = e2eFile('demo-feed');
const { stack, step } = e2e;

/** The largest recording the page reads (iotdata_sim::capture::MAX_CAPTURE_BYTES). */
const MAX_CAPTURE_BYTES = 4 << 20;

let server;
let recording;

before(async () => {
    recording = fs.readFileSync(path.join(DIST, 'demo-feed.bin'));
    server = await serveDist({ stack });
    e2e.browser = await launchBrowser({ stack });
});

const detail = (page) => page.evaluate(() => document.querySelector('[data-testid="conn-detail"]')?.textContent.trim() ?? null);
const rows = (page) => page.locator('[data-testid="station-row"]').count();

test('?demo=1 fetches the recording once and plays it', { timeout: 90000 }, step(async () => {
    const { page } = await e2e.open('demo-feed');
    const fetched = [];
    page.on('request', (r) => {
        if (new URL(r.url()).pathname.endsWith('/demo-feed.bin')) fetched.push(r.url());
    });
    await page.goto(`${server.url}/?demo=1`, { waitUntil: 'load' });
    await waitFor(async () => (await rows(page)) >= 5, { timeout: 60000, message: '>= 5 station rows from the recording' });
    await page.locator('[data-testid="demo-badge"]').waitFor({ state: 'visible', timeout: 10000 });
    const text = await detail(page);
    assert.match(text, /recorded simulator run/, text);
    assert.equal(fetched.length, 1, fetched.join(', '));
    note(`demo recording (${recording.length} bytes): ${await rows(page)} station rows; status "${text}"`);
}));

const broken = [
    ['404', { status: 404, body: () => 'not here' }, /^demo feed: demo-feed\.bin: HTTP 404$/],
    ['cut short', { status: 200, body: () => recording.subarray(0, 1000) }, /^demo feed: recording cut short at byte \d+$/],
    ['bad magic', { status: 200, body: () => Buffer.from('<!DOCTYPE html><html></html>') }, /^demo feed: not a demo recording \(bad magic\)$/],
    ['over 4 MiB', { status: 200, body: () => Buffer.alloc(MAX_CAPTURE_BYTES + 1) }, /^demo feed: 4194305-byte recording, more than 4194304$/],
];

for (const [label, answer, expected] of broken) {
    test(`a recording ${label}: "demo feed: ..." error, no rows, the demo stopped`, { timeout: 60000 }, step(async () => {
        const { page } = await e2e.open(`demo-feed-${label.replace(/\W+/g, '-')}`);
        const body = answer.body();
        await page.route('**/demo-feed.bin', (route) =>
            route.fulfill({ status: answer.status, body, contentType: 'application/octet-stream' }),
        );
        await page.goto(`${server.url}/?demo=1`, { waitUntil: 'load' });
        await waitConnState(page, 'error');
        const text = await detail(page);
        assert.match(text, expected);
        assert.equal(await rows(page), 0);
        assert.equal(await page.locator('[data-testid="demo-badge"]').count(), 0);
        note(`${label}: "${text}"`);
    }));
}

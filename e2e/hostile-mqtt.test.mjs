// End-to-end: an MQTT message over the dashboard's 1 MiB packet limit does
// not cost the live feed.
//
//   mosquitto (TCP + WebSocket on loopback) <- mosquitto_pub
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium
//   /?broker=ws://127.0.0.1:<ws>&topic=iotdata/%23
//
// A retained 1.5 MB message waits on a subscribed topic before the page
// loads; another one is published while the page is connected. Each time the
// state stays `subscribed`, an `oversize` packet row appears, and a normal
// iotdata frame published next shows as a station row within 5 s. Any page
// error or wasm RuntimeError/panic in the console fails the test.
//
// mosquitto's WebSocket listener (libwebsockets) hands a large message over
// slowly: 1.5 MB takes about 40 s to reach the page (the same over TCP takes
// milliseconds), and everything for that client queues behind it, PINGRESP
// included. Hence the long waits for the oversize rows; the session must
// stay `subscribed` all along.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import {
    VECTOR_HEX,
    attrs,
    connState,
    connStates,
    dashboardUrl,
    e2eFile,
    goHash,
    note,
    recordConnStates,
    tempDir,
    waitConnState,
    waitFor,
} from './harness.mjs';

/** Over the dashboard's 1 MiB MQTT packet limit (mosquitto's default allows it). */
const BIG_BYTES = 1_500_000;
const RETAINED_TOPIC = 'iotdata/hostile/retained';
const LIVE_TOPIC = 'iotdata/hostile/live';
/** The harness's frame of station 42, sent from station 43. */
const VECTOR_43_HEX = `002b${VECTOR_HEX.slice(4)}`;
/** What a normal packet may take to show once published. */
const NORMAL_WITHIN_MS = 5000;
/** How long mosquitto may take to push 1.5 MB through its WebSocket listener. */
const BIG_WITHIN_MS = 150000;

const e2e = e2eFile('hostile-mqtt');
const { stack, step } = e2e;

let broker;
let server;
let page;
let bigFile;
/** Page errors and console lines that mean the wasm died. */
const fatal = [];

/** Runs mosquitto_pub against the broker's TCP listener (QoS 1). */
function mosquittoPub(args) {
    return new Promise((resolve, reject) => {
        const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-q', '1', ...args], {
            stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', (e) => reject(new Error(`mosquitto_pub: ${e.message} (Debian package mosquitto-clients)`)));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub ${args.join(' ')} exited ${code}: ${err}`))));
    });
}

before(async () => {
    ({ broker, server } = await e2e.start());
    const dir = await tempDir('hostile-mqtt', stack);
    bigFile = path.join(dir, 'big.bin');
    // Not an iotdata frame, not text: what matters is its size.
    const big = Buffer.alloc(BIG_BYTES);
    for (let i = 0; i < BIG_BYTES; i++) big[i] = (i * 131 + 7) & 0xff;
    fs.writeFileSync(bigFile, big);
    stack.defer(() => mosquittoPub(['-r', '-n', '-t', RETAINED_TOPIC]).catch(() => {}));
}, { timeout: 120000 });

/** `data-kind` of every packet row (#/log). */
function rowKinds() {
    return attrs(page, '[data-testid="packet-row"]', 'data-kind');
}

/** Texts of the oversize rows. */
function oversizeRows() {
    return page.$$eval('[data-testid="packet-row"][data-kind="oversize"]', (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
}

function assertNoFatal() {
    assert.deepEqual(fatal, [], `the page reported errors:\n  ${fatal.join('\n  ')}`);
}

/** Publishes a normal frame and waits (at most NORMAL_WITHIN_MS) for its station row on #/. */
async function normalPacketShows(topic, hex, station) {
    await goHash(page, '#/');
    const t0 = Date.now();
    await mosquittoPub(['-t', topic, '-m', hex]);
    await waitFor(async () => (await page.locator(`[data-testid="station-row"][data-station="${station}"]`).count()) > 0, {
        timeout: NORMAL_WITHIN_MS,
        interval: 100,
        message: `a station row for station ${station} within ${NORMAL_WITHIN_MS} ms of publishing`,
    });
    note(`station ${station} shown ${Date.now() - t0} ms after publishing`);
}

test('a retained 1.5 MB message on a subscribed topic: still subscribed, an oversize row, the feed goes on', { timeout: 240000 }, step(async () => {
    await mosquittoPub(['-r', '-t', RETAINED_TOPIC, '-f', bigFile]);
    ({ page } = await e2e.open('hostile-mqtt'));
    page.on('pageerror', (e) => fatal.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
        if (/RuntimeError|panicked|unreachable/.test(m.text())) fatal.push(`console.${m.type()}: ${m.text()}`);
    });
    await recordConnStates(page);
    await page.goto(`${dashboardUrl(server.url, broker)}#/log`, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);

    const rows = await waitFor(async () => {
        const r = await oversizeRows();
        return r.length > 0 ? r : null;
    }, { timeout: BIG_WITHIN_MS, interval: 250, message: 'a packet row with data-kind="oversize"' });
    note(`oversize row: ${rows[0]}`);
    assert.match(rows[0], new RegExp(`oversize \\d+ bytes on ${RETAINED_TOPIC}`));
    const size = Number(/oversize (\d+) bytes/.exec(rows[0])[1]);
    assert.ok(size > BIG_BYTES && size < BIG_BYTES + 100, `reported size ${size}`);

    await normalPacketShows('iotdata/hostile/raw', VECTOR_HEX, 42);
    assert.equal(await connState(page), 'subscribed');
    const states = await connStates(page);
    assert.ok(!states.includes('reconnecting') && !states.includes('error'), `states seen: ${states.join(' → ')}`);
    assertNoFatal();
}));

test('a 1.5 MB message published while connected: skipped, the session and the feed go on', { timeout: 240000 }, step(async () => {
    assert.ok(page, 'the first test opened the page');
    await goHash(page, '#/log');
    const before = (await oversizeRows()).length;
    await mosquittoPub(['-t', LIVE_TOPIC, '-f', bigFile]);
    await waitFor(async () => (await oversizeRows()).filter((r) => r.includes(LIVE_TOPIC)).length > 0, {
        timeout: BIG_WITHIN_MS,
        message: `an oversize row for ${LIVE_TOPIC}`,
    });
    assert.equal((await oversizeRows()).length, before + 1, 'one new oversize row');

    await normalPacketShows('iotdata/hostile/raw', VECTOR_43_HEX, 43);
    await goHash(page, '#/log');
    await waitFor(async () => (await rowKinds()).filter((k) => k === 'sensor').length >= 2, {
        timeout: 5000,
        message: 'both normal frames as sensor rows in the log',
    });
    assert.equal(await connState(page), 'subscribed');
    const states = await connStates(page);
    assert.ok(!states.includes('reconnecting') && !states.includes('error'), `states seen: ${states.join(' → ')}`);
    assertNoFatal();
}));

// End-to-end: input bounded (release build, real mosquitto, headless
// Chromium).
//
//   1. a `#hex=` link of 400 kB: the page answers within 1 s, says
//      "frame longer than 4096 bytes: first 4096 shown", and keeps working
//      (another view, then a normal frame decoded);
//   2. 300 gateway-JSON documents of 50 kB (170 TLVs each) on a subscribed
//      topic: `oversize` log rows, no station from them, JS heap, wasm
//      memory and DOM node count bounded, longest task <= 200 ms.
//
// Both fail on any page error or wasm RuntimeError. The numbers are printed.

import assert from 'node:assert/strict';
import net from 'node:net';
import { before, test } from 'node:test';

import {
    VECTOR_HEX,
    dashboardUrl,
    delay,
    e2eFile,
    goHash,
    note,
    waitConnState,
    waitFor,
} from './harness.mjs';

const LIMIT_TEXT = 'frame longer than 4096 bytes: first 4096 shown';
const DOCS = 300;
const TLVS = 170;
const LONGTASK_MAX_MS = 200;

const e2e = e2eFile('hostile-input');
const { step } = e2e;

let broker;
let server;

before(async () => {
    ({ broker, server } = await e2e.start());
}, { timeout: 120000 });

/**
 * Before any script of the page: record the app start (trunk's
 * `TrunkApplicationStarted`, with the wasm exports for the memory size),
 * long tasks, page errors and when `selector` first appears (ms since
 * the navigation started).
 */
async function instrument(page, selector) {
    await page.addInitScript((sel) => {
        window.__t = { started: null, seen: null, errors: [], longtasks: [] };
        addEventListener('TrunkApplicationStarted', (e) => {
            window.__t.started = performance.now();
            window.__wasm = e.detail && e.detail.wasm;
        });
        addEventListener('error', (e) => window.__t.errors.push(String(e.message)));
        addEventListener('unhandledrejection', (e) => window.__t.errors.push(String(e.reason)));
        try {
            new PerformanceObserver((list) => {
                for (const e of list.getEntries()) window.__t.longtasks.push({ start: e.startTime, duration: e.duration });
            }).observe({ type: 'longtask', buffered: true });
        } catch {
            window.__t.noLongtask = true;
        }
        if (sel) {
            new MutationObserver(() => {
                if (window.__t.seen === null && document.querySelector(sel)) window.__t.seen = performance.now();
            }).observe(document, { subtree: true, childList: true });
        }
    }, selector);
}

/** Fails on page errors: uncaught exceptions, wasm traps ("RuntimeError"), panics. */
async function assertNoPageError(page, log) {
    const inPage = await page.evaluate(() => window.__t.errors);
    const logged = log.errors().filter((l) => /pageerror|RuntimeError|unreachable|panicked|page crashed/.test(l));
    assert.deepEqual([...inPage, ...logged], [], 'page errors');
}

// --- a minimal MQTT 3.1.1 publisher over TCP (QoS 0) ----------------------------

function remainingLength(n) {
    const out = [];
    do {
        let b = n % 128;
        n = Math.floor(n / 128);
        if (n > 0) b |= 0x80;
        out.push(b);
    } while (n > 0);
    return Buffer.from(out);
}

function mqttString(s) {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
}

function packet(type, body) {
    return Buffer.concat([Buffer.from([type]), remainingLength(body.length), body]);
}

/**
 * Connects and publishes every `[topic, payload]` at QoS 0. Returns
 * `{ poke, close }`: mosquitto 2.0.11 hands large messages to a WebSocket
 * subscriber only as its event loop wakes (a raw browser WebSocket sees
 * the same), so `poke()` sends a PINGREQ to wake it while the test waits.
 */
async function publishAll(port, messages) {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('data', () => {});
    await new Promise((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
    });
    const connack = new Promise((resolve, reject) => {
        sock.once('data', (d) => (d[0] === 0x20 && d[3] === 0 ? resolve() : reject(new Error(`CONNACK ${d.toString('hex')}`))));
    });
    const connect = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0x02, 0, 60]), mqttString(`hostile-${process.pid}`)]);
    sock.write(packet(0x10, connect));
    await connack;
    const ping = Buffer.from([0xc0, 0x00]);
    for (const [topic, payload] of messages) {
        sock.write(packet(0x30, Buffer.concat([mqttString(topic), Buffer.from(payload)])));
        if (!sock.write(ping)) await new Promise((r) => sock.once('drain', r));
    }
    return {
        poke: () => sock.write(ping),
        close: async () => {
            sock.write(packet(0xe0, Buffer.alloc(0)));
            await new Promise((r) => sock.end(r));
        },
    };
}

/** A reference-gateway JSON document of `station` with `tlvs` raw TLVs of 210 bytes. */
function gatewayJson(station, sequence, tlvs) {
    const data = Buffer.alloc(210, 0xa5).toString('base64');
    const entries = Array.from({ length: tlvs }, () => ({ type: 40, format: 'raw', data }));
    return JSON.stringify({
        variant: 0,
        station,
        sequence,
        battery: { level: 50, charging: false },
        ...(tlvs ? { data: entries } : {}),
    });
}

// --- 1. a 400 kB #hex= link ---------------------------------------------------------

/** Loads `url` afresh and returns when `selector` first appeared (ms since navigation start). */
async function loadUntil(name, url, selector) {
    const { page, log } = await e2e.open(name);
    await instrument(page, selector);
    await page.goto(url);
    await waitFor(() => page.evaluate(() => window.__t.seen !== null), { timeout: 20000, message: selector });
    const t = await page.evaluate(() => window.__t);
    return { page, log, seen: t.seen, started: t.started };
}

test('a 400 kB #hex= link answers within 1 s, says the limit and keeps working', { timeout: 120000 }, step(async () => {
    const base = dashboardUrl(server.url, broker);
    // The same page on a normal frame link: what loading the app costs here.
    const normal = await loadUntil('hostile-hex-normal', `${base}#hex=${VECTOR_HEX}`, '[data-testid="inspector-json"]');
    await assertNoPageError(normal.page, normal.log);
    const hex = VECTOR_HEX + 'a5'.repeat(200_000 - VECTOR_HEX.length / 2);
    assert.equal(hex.length, 400_000);
    const { page, log, seen } = await loadUntil('hostile-hex-link', `${base}#hex=${hex}`, '[data-testid="inspector-limit"]');
    const extra = seen - normal.seen;
    note(
        `400 kB #hex= link: limit message ${seen.toFixed(0)} ms after navigation start; ` +
            `a normal link's frame ${normal.seen.toFixed(0)} ms; difference ${extra.toFixed(0)} ms`,
    );
    assert.ok(extra <= 1000, `the 400 kB link took ${extra} ms more than a normal one`);
    const text = await page.textContent('[data-testid="inspector-limit"]');
    assert.equal(text.trim(), LIMIT_TEXT);
    // The first 4096 bytes decoded: station 42's header is shown.
    assert.ok((await page.textContent('.insp-header')).includes('42 (0x02A)'));

    // Another view answers within 1 s.
    const t0 = await page.evaluate(() => performance.now());
    await goHash(page, '#/log');
    await page.waitForSelector('table', { timeout: 5000 });
    const nav = (await page.evaluate(() => performance.now())) - t0;
    note(`navigation to #/log: ${nav.toFixed(0)} ms`);
    assert.ok(nav <= 1000, `navigation took ${nav} ms`);

    // A normal frame decodes in the inspector.
    await goHash(page, '#/inspector');
    await page.waitForSelector('[data-testid="inspector-input"]');
    await page.fill('[data-testid="inspector-input"]', VECTOR_HEX);
    await page.waitForSelector('[data-testid="inspector-json"]', { timeout: 5000 });
    assert.ok((await page.textContent('[data-testid="inspector-json"]')).includes('"station": 42'));
    assert.equal(await page.$('[data-testid="inspector-limit"]'), null);
    await assertNoPageError(page, log);
}));

// --- 2. 300 gateway-JSON documents of 50 kB ---------------------------------------

async function measure(page, cdp) {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const page_ = await page.evaluate(() => ({
        wasm: window.__wasm && window.__wasm.memory ? window.__wasm.memory.buffer.byteLength : null,
        nodes: document.getElementsByTagName('*').length,
    }));
    return { heap: heap.usedSize, ...page_ };
}

const mb = (n) => (n == null ? 'n/a' : `${(n / 1048576).toFixed(1)} MiB`);

test('300 gateway-JSON documents of 50 kB: oversize rows, memory, DOM and tasks bounded', { timeout: 300000 }, step(async () => {
    const { page, log } = await e2e.open('hostile-gateway-json');
    await instrument(page, null);
    await page.goto(dashboardUrl(server.url, broker));
    await waitConnState(page, 'subscribed');
    const cdp = await page.context().newCDPSession(page);
    // Settle, then the baseline.
    await delay(1500);
    const before = await measure(page, cdp);
    const t0 = await page.evaluate(() => performance.now());

    const doc = gatewayJson(42, 1, TLVS);
    assert.ok(doc.length >= 50_000 && doc.length < 65_536, `document of ${doc.length} bytes`);
    const messages = [];
    for (let i = 0; i < DOCS; i++) messages.push(['iotdata/weather_station/002a', gatewayJson(42, i, TLVS)]);
    // Then a normal document: once it shows, all before it were handled.
    messages.push(['iotdata/weather_station/002b', gatewayJson(43, 1, 0)]);
    const tp = Date.now();
    const publisher = await publishAll(broker.tcpPort, messages);
    note(`published ${DOCS} documents of ${doc.length} bytes (${TLVS} TLVs) in ${Date.now() - tp} ms`);
    const poker = setInterval(publisher.poke, 5);
    try {
        await page.waitForSelector('[data-testid="station-row"][data-station="43"]', { timeout: 120000 });
    } finally {
        clearInterval(poker);
        await publisher.close();
    }
    const handled = (await page.evaluate(() => performance.now())) - t0;
    await delay(500);

    const afterM = await measure(page, cdp);
    const t = await page.evaluate(() => window.__t);
    const tasks = t.longtasks.filter((e) => e.start >= t0);
    const longest = tasks.reduce((m, e) => Math.max(m, e.duration), 0);
    note(
        `300 x 50 kB gateway JSON: handled in ${handled.toFixed(0)} ms; JS heap ${mb(before.heap)} -> ${mb(afterM.heap)}; ` +
            `wasm memory ${mb(before.wasm)} -> ${mb(afterM.wasm)}; DOM elements ${before.nodes} -> ${afterM.nodes}; ` +
            `long tasks ${tasks.length}, longest ${longest.toFixed(0)} ms${t.noLongtask ? ' (longtask not supported)' : ''}`,
    );

    // The oversize entries are in the log; station 42 never became a station.
    const rows = await page.$$eval('[data-testid="packet-row"][data-kind="oversize"]', (els) => els.map((e) => e.textContent));
    const oversize = rows.filter((r) => r.includes('oversize') && r.includes(`${TLVS} TLV entries`));
    note(`oversize rows shown: ${oversize.length}`);
    assert.ok(oversize.length >= 1, `oversize rows (error rows: ${rows.slice(0, 3).join(' | ')})`);
    assert.equal(await page.$('[data-testid="station-row"][data-station="42"]'), null);
    // No row links a 44 kB frame: every inspector link is short.
    const longest_href = await page.$$eval('a[href^="#hex="]', (as) => as.reduce((m, a) => Math.max(m, a.getAttribute('href').length), 0));
    assert.ok(longest_href <= 5 + 2 * 255, `an inspector link of ${longest_href} characters`);

    // Bounded: the 15 MB published are not kept.
    assert.ok(afterM.heap - before.heap < 16 * 1048576, `JS heap grew by ${mb(afterM.heap - before.heap)}`);
    if (before.wasm != null) {
        assert.ok(afterM.wasm - before.wasm <= 8 * 1048576, `wasm memory grew by ${mb(afterM.wasm - before.wasm)}`);
    }
    assert.ok(afterM.nodes - before.nodes < 2500, `DOM grew by ${afterM.nodes - before.nodes} elements`);
    assert.ok(!t.noLongtask, 'longtask entries observable');
    assert.ok(longest <= LONGTASK_MAX_MS, `longest task ${longest} ms`);
    await assertNoPageError(page, log);
}));

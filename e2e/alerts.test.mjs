// End-to-end: alerts against a real broker.
//
//   mosquitto (TCP + WebSocket on loopback) <- mosquitto_pub (binary frames)
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium
//   /?broker=ws://127.0.0.1:<ws>&topic=iotdata/%23
//
// The rules are imported through the page's rule editor and notifications
// enabled with its button (the permission is granted to the browser
// context; `window.Notification` is wrapped by an init script that records
// every notification shown). Then:
// - one station reports every second and stops: its "silent" alert (rule
//   silent > 3 × interval) appears within 3 intervals + the 1 s clock +
//   slack of its last packet, is announced in the live region, shown as a
//   notification and counted in the nav badge; a packet clears it;
// - a real low-battery packet (tests/vectors/sensor.jsonl,
//   `ws_battery_and_flags`: station 7, battery 3 %) raises "battery below
//   20 %", linking to the station page;
// - the rules survive a reload (localStorage); an invalid import is
//   refused with a clear message.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, test } from 'node:test';

import { VECTOR_HEX, dashboardUrl, delay, e2eFile, goHash, note, waitConnState, waitFor } from './harness.mjs';

/** The station that goes silent (the harness's weather frame, re-addressed). */
const SILENT_ID = 161;
/** Its report interval while it reports. */
const INTERVAL_MS = 1000;
/** Packets before it stops. */
const PACKETS = 6;
/** The rule's factor. */
const FACTOR = 3;
/** Allowed beyond FACTOR × interval: the 1 s clock, delivery, rendering. */
const SLACK_MS = 2500;
/** `ws_battery_and_flags` of tests/vectors/sensor.jsonl: station 7, sequence 21, battery 3 %. */
const BATTERY_HEX = '00070015a0020e00';
const RULES = JSON.stringify({
    version: 1,
    rules: [
        { scope: `station:${SILENT_ID}`, kind: 'silent', factor: FACTOR },
        { scope: 'station:7', kind: 'battery_below', percent: 20 },
    ],
});

const e2e = e2eFile('alerts');
const { step } = e2e;

let broker;
let server;
let page;

/** VECTOR_HEX (station 42) as station `id` with sequence `seq`, as bytes. */
function weatherFrame(id, seq) {
    const hex = id.toString(16).padStart(4, '0') + seq.toString(16).padStart(4, '0') + VECTOR_HEX.slice(8);
    return Buffer.from(hex, 'hex');
}

/** Publishes `bytes` as one binary message (mosquitto_pub reading stdin, QoS 1). */
function publish(topic, bytes) {
    return new Promise((resolve, reject) => {
        const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-q', '1', '-t', topic, '-s'], {
            stdio: ['pipe', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', (e) => reject(new Error(`mosquitto_pub: ${e.message} (Debian package mosquitto-clients)`)));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err}`))));
        child.stdin.end(bytes);
    });
}

/** The alert rows as `{ state, kind, subject, text, href }`. */
function alertRows() {
    return page.$$eval('[data-testid="alert"]', (els) =>
        els.map((e) => ({
            state: e.getAttribute('data-state'),
            kind: e.getAttribute('data-kind'),
            subject: Number(e.getAttribute('data-subject')),
            text: e.innerText.replace(/\s+/g, ' ').trim(),
            href: e.querySelector('a')?.getAttribute('href'),
        })),
    );
}

async function findAlert(kind, subject, state = 'active') {
    return (await alertRows()).find((a) => a.kind === kind && a.subject === subject && a.state === state);
}

/** Notifications the page constructed (recorded by the init script). */
function notifications() {
    return page.evaluate(() => window.__notifications.slice());
}

before(async () => {
    ({ broker, server } = await e2e.start());
    const opened = await e2e.open('alerts');
    page = opened.page;
    await opened.context.grantPermissions(['notifications'], { origin: server.url });
    await page.addInitScript(() => {
        window.__notifications = [];
        const Real = window.Notification;
        class Recorded extends Real {
            constructor(title, options) {
                super(title, options);
                window.__notifications.push({ title, body: options?.body ?? '', t: Date.now() });
            }
        }
        window.Notification = Recorded;
    });
    await page.goto(dashboardUrl(server.url, broker));
    await waitConnState(page, 'subscribed');
}, { timeout: 120000 });

test('rules from the editor, notifications enabled on a click', { timeout: 60000 }, step(async () => {
    await goHash(page, '#/alerts');
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
    await page.getByTestId('rules-json').fill('{"rules":[{"kind":"silent"}]}');
    await page.getByTestId('rules-import').click();
    const error = await page.getByTestId('rule-error').innerText();
    assert.match(error, /rule 1: "factor" is missing/);
    await page.getByTestId('rules-json').fill(RULES);
    await page.getByTestId('rules-import').click();
    await waitFor(async () => (await page.getByTestId('alert-rule').count()) === 2, { message: 'two rules listed' });
    assert.equal(await page.getByTestId('rule-error').innerText(), '');
    const enable = page.getByTestId('notify-enable');
    assert.equal(await enable.innerText(), 'Enable notifications');
    await enable.click();
    await waitFor(async () => (await enable.getAttribute('aria-pressed')) === 'true', { message: 'notifications on' });
    // Kept across a reload.
    await page.reload();
    await waitConnState(page, 'subscribed');
    await waitFor(async () => (await page.getByTestId('alert-rule').count()) === 2, { message: 'two rules after a reload' });
    assert.equal(await page.getByTestId('notify-enable').getAttribute('aria-pressed'), 'true');
}));

test('a station that stops reporting raises its silent alert in time, announced and notified', { timeout: 60000 }, step(async () => {
    await goHash(page, '#/alerts');
    let last = 0;
    for (let seq = 1; seq <= PACKETS; seq++) {
        const t = Date.now();
        await publish(`iotdata/raw/${SILENT_ID}`, weatherFrame(SILENT_ID, seq));
        last = t;
        if (seq < PACKETS) await delay(Math.max(0, INTERVAL_MS - (Date.now() - t)));
    }
    // Not raised while the station was reporting.
    assert.equal(await findAlert('silent', SILENT_ID), undefined);
    const within = FACTOR * INTERVAL_MS + SLACK_MS;
    await waitFor(() => findAlert('silent', SILENT_ID), {
        timeout: within + 5000,
        interval: 100,
        message: `the silent alert of station ${SILENT_ID}`,
    });
    const after = Date.now() - last;
    note(`silent alert shown ${after} ms after the last packet (expected ${FACTOR} × ${INTERVAL_MS} ms + up to ${SLACK_MS} ms)`);
    assert.ok(after >= FACTOR * INTERVAL_MS - 300, `not before ${FACTOR} intervals (${after} ms)`);
    assert.ok(after <= within, `within ${within} ms (${after} ms)`);
    const a = await findAlert('silent', SILENT_ID);
    assert.match(a.text, new RegExp(`station ${SILENT_ID}: silent for \\d+ s`));
    assert.equal(a.href, `#/station/${SILENT_ID}`);
    // Announced, notified, counted.
    await waitFor(async () => (await page.getByTestId('live-region').innerText()).includes(`station ${SILENT_ID}: silent`), {
        message: 'the announcement',
    });
    const shown = await notifications();
    note(`notifications: ${JSON.stringify(shown)}`);
    assert.equal(shown.length, 1);
    assert.equal(shown[0].title, 'iotdata alert');
    assert.match(shown[0].body, new RegExp(`station ${SILENT_ID}: silent`));
    await waitFor(async () => (await page.getByTestId('alert-count').innerText()).trim().split(/\s/)[0] === '1', {
        message: 'the nav badge counting 1 active alert',
    });
    // Heard again: resolved.
    await publish(`iotdata/raw/${SILENT_ID}`, weatherFrame(SILENT_ID, PACKETS + 1));
    await waitFor(() => findAlert('silent', SILENT_ID, 'resolved'), { message: 'the silent alert resolved' });
    assert.equal(await findAlert('silent', SILENT_ID), undefined);
    await waitFor(async () => (await page.getByTestId('alert-count').count()) === 0, { message: 'no badge without active alerts' });
}));

test('a real low-battery packet raises "battery below 20 %"', { timeout: 60000 }, step(async () => {
    await publish('iotdata/raw/0007', Buffer.from(BATTERY_HEX, 'hex'));
    await waitFor(() => findAlert('battery_below', 7), { timeout: 10000, message: 'the battery alert of station 7' });
    const a = await findAlert('battery_below', 7);
    assert.ok(a.text.startsWith('station 7: battery 3 % below 20 %'), a.text);
    assert.equal(a.href, '#/station/7');
    await waitFor(async () => (await notifications()).some((n) => n.body.includes('station 7: battery')), {
        message: 'a notification of the battery alert',
    });
    await page.locator('[data-testid="alert"][data-kind="battery_below"] a').click();
    await waitFor(async () => (await page.evaluate(() => location.hash)) === '#/station/7', { message: 'the station page' });
}));

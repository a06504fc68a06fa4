// End-to-end: links are proposals, not orders; a panic never leaves a dead
// page.
//
//   mosquitto (TCP + WebSocket on loopback) <- iotdata-sim --rate 20 --seed 2
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium
//
//   (a) ?tiles=https://host/{foo}/{z}/{x}/{y}.png: no page error, the
//       simulator's positioned stations drawn as markers, a visible message,
//       no tiles asked for, nothing stored;
//   (b) a ?broker= link leaves localStorage alone (and the stored user name
//       away from the link's broker) until Save; Save stores it;
//   (c) a panic (the `test-panic` build's #panic-test) shows the banner with
//       the panic text and a working Reload button.
//
// (c) needs a build with the cargo feature `test-panic`: $IOTDATA_PANIC_DIST
// when set, else this file builds one into .tmp/dist-panic
// (`trunk build --release --features test-panic`; cargo recompiles only the
// iotdata-web crate, every dependency comes from the release build).
//
// Page errors fail every test here (harness.mjs), except on the page of (c),
// which opts out.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import {
    LOG_DIR,
    ROOT,
    attrs,
    dashboardUrl,
    e2eFile,
    exited,
    goHash,
    note,
    parseId,
    serveDist,
    simTruth,
    startSim,
    terminate,
    waitConnState,
    waitFor,
    withTimeout,
} from './harness.mjs';

const RATE = 20;
const SEED = 2;
const STORAGE_KEY = 'iotdata.settings.v1';
const BAD_TILES = 'https://host/{foo}/{z}/{x}/{y}.png';

const e2e = e2eFile('hostile-links');
const { stack, step } = e2e;
const open = e2e.open;

let broker;
let server;
/** Sensors of the simulated deployment that send a position. */
let positionIds;

before(async () => {
    const truth = await simTruth({ seed: SEED, rate: RATE, duration: 90 });
    positionIds = new Set(truth.sensors.filter((s) => s.positions_sent > 0).map((s) => s.id));
    note(`${positionIds.size} sensors send a position`);
    ({ broker, server } = await e2e.start());
    // Subscribed or not, the simulator runs for the whole file: boot packets
    // (positions) repeat, so a page that subscribes later still gets them.
    await startSim({ broker: broker.mqttUrl, rate: RATE, seed: SEED, stack });
}, { timeout: 900000 });

function stored(page) {
    return page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY);
}

async function visible(page, selector) {
    return page.locator(selector).first().isVisible().catch(() => false);
}

test('a tile template with {foo}: no page error, markers, a message, nothing stored', { timeout: 120000 }, step(async () => {
    const { page } = await open('hostile-tiles');
    const url = dashboardUrl(server.url, broker, `tiles=${encodeURIComponent(BAD_TILES)}`);
    note(`open ${url}`);
    await page.goto(url, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    await goHash(page, '#/map');
    let seen = [];
    await waitFor(
        async () => {
            seen = (await attrs(page, '[data-testid="map-markers"] [data-testid="station-marker"]', 'data-station')).map(parseId);
            return seen.filter((id) => positionIds.has(id)).length >= Math.min(3, positionIds.size);
        },
        { timeout: 60000, message: 'station markers on the map', describe: () => `markers ${seen.join(', ')}` },
    );
    note(`${seen.length} markers: ${seen.join(', ')}`);
    assert.ok(await visible(page, '[data-testid="tiles-problem"]'), 'a visible message about the tiles');
    const message = await page.textContent('[data-testid="tiles-problem"]');
    assert.match(message, /\{foo\}/, message);
    assert.equal(await page.locator('.leaflet-tile').count(), 0, 'no tile asked for');
    // The link's settings are the tab's: nothing stored; saving them does
    // not store the bad template.
    assert.equal(await stored(page), null, 'nothing in localStorage before Save');
    await page.click('[data-testid="settings-save"]');
    const saved = JSON.parse(await stored(page));
    assert.equal(saved.tile_url, 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', JSON.stringify(saved));
}));

test('a ?broker= link changes no stored setting until Save', { timeout: 120000 }, step(async () => {
    const { page } = await open('hostile-broker');
    // A user's stored settings: another broker, a user name and a
    // remembered password.
    const mine = {
        broker: 'ws://127.0.0.1:9/mine',
        user: 'alice',
        password: 'alice-secret',
        remember: true,
        topics: ['mine/#'],
        tile_url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
        keepalive: 30,
        mqtt: '3.1.1',
    };
    await page.goto(`${server.url}/#/`, { waitUntil: 'load' });
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [STORAGE_KEY, JSON.stringify(mine)]);
    const before = await stored(page);

    const url = dashboardUrl(server.url, broker);
    note(`open ${url}`);
    await page.goto(url, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    assert.equal(await stored(page), before, 'localStorage unchanged by the link');
    assert.ok(await visible(page, '[data-testid="settings-unsaved"]'), 'the "not saved" note is shown');
    // The stored user name went nowhere: mosquitto logs `u'<user>'` for a
    // CONNECT with a user name.
    const brokerLog = fs.readFileSync(broker.logFile, 'utf8');
    assert.doesNotMatch(brokerLog, /alice/, 'the stored user name reached the link\'s broker');

    await page.click('[data-testid="settings-save"]');
    await waitFor(async () => !(await visible(page, '[data-testid="settings-unsaved"]')), { message: 'the note gone after Save' });
    const saved = JSON.parse(await stored(page));
    assert.equal(saved.broker, broker.wsUrl);
    assert.deepEqual(saved.topics, ['iotdata/#']);
    assert.equal(saved.user, '', 'the stored user name is not kept for the link\'s broker');
    assert.equal(saved.password, '', 'the stored password is not kept for the link\'s broker');

    // Saved: a visit without the link connects there, with no note.
    await page.goto(`${server.url}/#/`, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    assert.equal(await page.locator('[data-testid="settings-unsaved"]').count(), 0);
}));

/** The `test-panic` build: $IOTDATA_PANIC_DIST, or built into .tmp/dist-panic. */
async function panicDist() {
    if (process.env.IOTDATA_PANIC_DIST) return path.resolve(ROOT, process.env.IOTDATA_PANIC_DIST);
    const dist = path.join(ROOT, '.tmp', 'dist-panic');
    const logFile = path.join(LOG_DIR, 'trunk-build-panic.log');
    const out = fs.openSync(logFile, 'w');
    const args = ['build', '--release', '--features', 'test-panic', '--dist', dist];
    note(`trunk ${args.join(' ')} (log ${logFile})`);
    const t0 = Date.now();
    const child = spawn('trunk', args, { cwd: ROOT, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    stack.defer(() => terminate(child));
    const { code, signal } = await withTimeout(exited(child), 900000, 'trunk build --features test-panic');
    if (code !== 0) {
        throw new Error(`trunk build --features test-panic failed (${code ?? signal}): ${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    note(`test-panic build in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return dist;
}

test('a panic shows the banner with the panic text and a Reload button', { timeout: 1000000 }, step(async () => {
    const panicServer = await serveDist({ dir: await panicDist(), stack });
    const p = await open('hostile-panic', { allowPageErrors: true });
    const { page } = p;
    await page.goto(`${panicServer.url}/?demo=1#/`, { waitUntil: 'load' });
    await waitFor(async () => (await page.locator('[data-testid="station-row"]').count()) > 0, {
        timeout: 30000,
        message: 'the demo feed running',
    });
    await goHash(page, '#panic-test');
    await page.waitForSelector('[data-testid="panic-banner"]', { state: 'visible', timeout: 10000 });

    const headline = await page.textContent('[data-testid="panic-message"]');
    assert.equal(headline, 'the dashboard stopped: test panic from #panic-test: <b>markup stays text</b> & so on');
    assert.equal(await page.locator('[data-testid="panic-banner"] b').count(), 0, 'the message is text, not HTML');
    const text = await page.textContent('[data-testid="panic-text"]');
    assert.match(text, /panicked at .*panic_banner\.rs/, text);
    assert.match(text, /<b>markup stays text<\/b>/, text);
    const selected = await page.evaluate(() => {
        const pre = document.querySelector('[data-testid="panic-text"]');
        getSelection().selectAllChildren(pre);
        return getSelection().toString();
    });
    assert.equal(selected.trim(), text.trim(), 'the panic text can be selected');
    assert.ok(await visible(page, '[data-testid="panic-copy"]'), 'a copy button');
    // The page recorded the panic (console) and the trap that followed.
    await waitFor(() => p.log.pageErrors.some((e) => /RuntimeError|unreachable/.test(e)), {
        timeout: 5000,
        message: 'the wasm trap after the panic',
        describe: () => p.log.pageErrors.join(' | '),
    });
    assert.ok(p.log.pageErrors.some((e) => /panicked at/.test(e)), p.log.pageErrors.join(' | '));

    // Reload starts the dashboard again (the trigger's hash removed first).
    await page.evaluate(() => history.replaceState(null, '', location.pathname + location.search));
    await Promise.all([page.waitForEvent('load'), page.click('[data-testid="panic-reload"]')]);
    await waitFor(async () => (await page.locator('[data-testid="station-row"]').count()) > 0, {
        timeout: 30000,
        message: 'the dashboard running again after Reload',
    });
    assert.equal(await page.locator('[data-testid="panic-banner"]').count(), 0, 'no banner after Reload');
}));

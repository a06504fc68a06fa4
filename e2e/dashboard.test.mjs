// End-to-end: the dashboard against a real broker and the simulator, plus the
// in-page demo feed.
//
//   mosquitto (TCP + WebSocket on loopback) <- iotdata-sim --rate 20 --seed 2
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium
//   /?broker=ws://127.0.0.1:<ws>&topic=iotdata/%23
//
// The tests run in order and share the broker, the simulator and the page.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, test } from 'node:test';

import {
    VECTOR_HEX,
    attrs,
    dashboardUrl,
    connStates,
    deploymentIds,
    e2eFile,
    goHash,
    note,
    parseId,
    recordConnStates,
    screenshot,
    simTruth,
    startSim,
    waitConnState,
    waitFor,
} from './harness.mjs';

const RATE = 20;
const SEED = 2;
/** A frame too short to decode. */
const SHORT_HEX = '0102';

const e2e = e2eFile('dashboard');
const { stack, step } = e2e;

let broker;
let server;
let page;
let sim;
/** Ids of the deployment, and the sensors that send a position. */
let simIds;
let positionIds;

before(async () => {
    // The deployment from the simulator's own truth (no broker needed; the
    // 30 simulated minutes cover every station and every position sent).
    const truth = await simTruth({ seed: SEED, rate: RATE, duration: 90 });
    simIds = deploymentIds(truth);
    positionIds = new Set(truth.sensors.filter((s) => s.positions_sent > 0).map((s) => s.id));
    note(`deployment: ${simIds.size} stations, ${positionIds.size} sensors send a position`);

    ({ broker, server } = await e2e.start());
}, { timeout: 900000 });

/** Station ids of the rows in the table. */
async function stationRowIds(p) {
    return (await attrs(p, '[data-testid="station-row"]', 'data-station')).map(parseId);
}

/**
 * The map's station markers, read in one go: the ids of the drawn markers
 * (the hidden list beside the canvas, one entry per marker in Leaflet's
 * layer), the drawn count shown (`map-marker-count`), Leaflet's own layer
 * count, and the stations with a position in the store.
 */
async function mapMarkers(p) {
    return p.evaluate(() => {
        const list = document.querySelector('[data-testid="map-markers"]');
        const hook = document.querySelector('[data-testid="map-marker-count"]');
        if (!list || !hook) return null;
        return {
            ids: [...list.querySelectorAll('[data-testid="station-marker"]')].map((e) => e.getAttribute('data-station')),
            count: Number(hook.textContent.trim()),
            layer: Number(list.getAttribute('data-count')),
            positioned: Number(hook.getAttribute('data-positioned')),
        };
    });
}

/** Station ids of the drawn station markers. */
async function markerIds(p) {
    const m = await mapMarkers(p);
    return m ? m.ids.map(parseId) : [];
}

/** Waits until the map draws exactly one marker per station with a position. */
async function exactMarkers(p, timeout) {
    let last = null;
    return waitFor(
        async () => {
            last = await mapMarkers(p);
            const ok = last && last.count === last.ids.length && last.layer === last.count && last.positioned === last.count;
            return ok ? last : null;
        },
        {
            timeout,
            message: 'drawn markers = listed markers = Leaflet layer count = stations with a position',
            describe: () => JSON.stringify(last && { ...last, ids: last.ids.length }),
        },
    );
}

test('the dashboard connects to the broker and reaches "subscribed"', { timeout: 90000 }, step(async () => {
    ({ page } = await e2e.open('dashboard'));
    await recordConnStates(page);
    const url = dashboardUrl(server.url, broker);
    note(`open ${url}`);
    await page.goto(url, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    note(`conn-state went ${(await connStates(page)).join(' → ')}`);
    // Subscribed before the simulator starts, so the boot packets (positions,
    // VERSION/CONFIG/STATUS TLVs) are received too.
    sim = await startSim({ broker: broker.mqttUrl, rate: RATE, seed: SEED, stack });
}));

test('at least 10 station rows, all with the simulator\'s station ids', { timeout: 90000 }, step(async () => {
    let seen = [];
    const ids = await waitFor(
        async () => {
            seen = await stationRowIds(page);
            return seen.filter((id) => simIds.has(id)).length >= 10 ? seen : null;
        },
        { timeout: 45000, message: '>= 10 station rows with simulator ids', describe: () => `rows ${seen.join(', ')}` },
    );
    const unknown = ids.filter((id) => !simIds.has(id));
    assert.deepEqual(unknown, [], `station rows that are not simulated stations: ${unknown.join(', ')}`);
    assert.equal(new Set(ids).size, ids.length, `duplicate station rows: ${ids.join(', ')}`);
    note(`${ids.length} station rows: ${ids.join(', ')}`);
    // For the screenshot, let the rest of the deployment show up (not asserted).
    await waitFor(async () => (await stationRowIds(page)).length >= simIds.size - 2, { timeout: 15000 }).catch(() => {});
    await screenshot(page, 'stations');
}));

test('Leaflet markers for the stations with positions', { timeout: 90000 }, step(async () => {
    let seen = [];
    const ids = await waitFor(
        async () => {
            seen = await markerIds(page);
            return seen.length >= 10 ? seen : null;
        },
        {
            timeout: 45000,
            message: '>= 10 station markers ([data-testid=map-markers] [data-testid=station-marker])',
            describe: () => `markers for ${seen.join(', ') || 'no station'}`,
        },
    );
    const notPositioned = ids.filter((id) => !positionIds.has(id));
    assert.deepEqual(notPositioned, [], `markers for stations that never send a position: ${notPositioned.join(', ')}`);
    const rows = new Set(await stationRowIds(page));
    const noRow = ids.filter((id) => !rows.has(id));
    assert.deepEqual(noRow, [], `markers without a station row: ${noRow.join(', ')}`);
    assert.equal(new Set(ids).size, ids.length, `several markers for one station: ${ids.join(', ')}`);
    // Exactly one drawn marker per station with a position.
    const exact = await exactMarkers(page, 20000);
    assert.ok(exact.count >= ids.length, `${exact.count} drawn markers, ${ids.length} seen before`);
    note(`${ids.length} markers: ${ids.join(', ')}; then ${exact.count} drawn = ${exact.positioned} positioned`);

    // The full-size map: every marker there too.
    await goHash(page, '#/map');
    await waitFor(async () => (await markerIds(page)).length >= ids.length, {
        timeout: 20000,
        message: `the #/map page to show >= ${ids.length} markers`,
    });
    const full = await exactMarkers(page, 20000);
    const fullIds = full.ids.map(parseId);
    assert.deepEqual(fullIds.filter((id) => !positionIds.has(id)), [], `#/map markers for stations that never send a position`);
    assert.equal(new Set(fullIds).size, fullIds.length, `several #/map markers for one station: ${fullIds.join(', ')}`);
    // For the screenshot, every positioned sensor if it comes soon (not asserted).
    await waitFor(async () => (await markerIds(page)).length >= positionIds.size, { timeout: 15000 }).catch(() => {});
    await screenshot(page, 'map');
}));

test('the inspector decodes a pasted frame and explains an invalid one', { timeout: 60000 }, step(async () => {
    await goHash(page, '#/inspector');
    const input = page.locator('[data-testid="inspector-input"]');
    await input.waitFor({ state: 'visible', timeout: 20000 });
    await input.fill(VECTOR_HEX);
    const json = page.locator('[data-testid="inspector-json"]');
    await waitFor(async () => /"station":\s*42\b/.test((await json.textContent({ timeout: 1000 })) ?? ''), {
        timeout: 20000,
        message: 'inspector-json to contain "station":42',
    });
    assert.equal(await page.locator('[data-testid="inspector-error"]').count(), 0, 'no inspector-error for a valid frame');
    await screenshot(page, 'inspector');

    await input.fill(SHORT_HEX);
    await page.locator('[data-testid="inspector-error"][data-kind="short"]').waitFor({ state: 'visible', timeout: 20000 });
    assert.equal(await input.inputValue(), SHORT_HEX, 'the textarea keeps the pasted text');
    assert.equal(await json.count(), 0, 'no inspector-json for an invalid frame');
}));

test('the packet log lists sensor and mesh frames', { timeout: 60000 }, step(async () => {
    await goHash(page, '#/log');
    const kinds = await waitFor(
        async () => {
            const k = await attrs(page, '[data-testid="packet-row"]', 'data-kind');
            return k.includes('sensor') && k.includes('mesh') ? k : null;
        },
        { timeout: 30000, message: 'packet rows of kind sensor and mesh' },
    );
    const bad = kinds.filter((k) => !['sensor', 'mesh', 'unrecognised', 'error'].includes(k));
    assert.deepEqual(bad, [], `packet-row data-kind values outside sensor/mesh/unrecognised/error`);
    // The simulator only publishes valid frames.
    const counts = kinds.reduce((m, k) => ((m[k] = (m[k] || 0) + 1), m), {});
    note(`packet rows by kind: ${JSON.stringify(counts)}`);
    await screenshot(page, 'packets');
    const examples = await page.$$eval('[data-testid="packet-row"][data-kind="error"], [data-testid="packet-row"][data-kind="unrecognised"]', (els) =>
        els.slice(0, 5).map((e) => e.innerText.replace(/\s+/g, ' ').trim()),
    );
    assert.equal(
        (counts.unrecognised ?? 0) + (counts.error ?? 0),
        0,
        `the simulator publishes only valid frames, yet the log has ${counts.error ?? 0} error and ` +
            `${counts.unrecognised ?? 0} unrecognised entries, e.g.:\n  ${examples.join('\n  ')}`,
    );
}));

test('broker stopped and restarted: reconnecting, back to subscribed, new packets', { timeout: 180000 }, step(async () => {
    await goHash(page, '#/log');
    await page.locator('[data-testid="packet-row"]').first().waitFor({ timeout: 20000 });
    // Remember the rows there are now; rows are keyed, so new entries are new elements.
    await page.evaluate(() => {
        window.__oldRows = new WeakSet(document.querySelectorAll('[data-testid="packet-row"]'));
    });
    const before = (await connStates(page)).length;

    await broker.stop();
    // The simulator loses its broker too and exits; make sure it is gone.
    await Promise.race([sim.exit, new Promise((r) => setTimeout(r, 5000))]);
    await sim.stop();

    // From the recorded states: "reconnecting" alternates with "connecting"
    // while the broker is down, so polling the current text alone could miss it.
    await waitFor(async () => (await connStates(page)).slice(before).includes('reconnecting'), {
        timeout: 30000,
        interval: 100,
        message: 'conn-state "reconnecting" after the broker stopped',
        describe: () => 'not seen',
    }).catch(async (e) => {
        throw new Error(`${e.message}; states since: ${(await connStates(page)).slice(before).join(' → ')}`);
    });
    await broker.start();
    await waitConnState(page, 'subscribed', 90000);
    const seen = (await connStates(page)).slice(before);
    note(`conn-state after the broker stopped: ${seen.join(' → ')}`);
    const r = seen.indexOf('reconnecting');
    assert.ok(r >= 0, `went through "reconnecting": ${seen.join(' → ')}`);
    assert.ok(seen.indexOf('subscribed', r) > r, `"subscribed" after "reconnecting": ${seen.join(' → ')}`);

    // A new simulator run on the restarted broker; its packets must show up.
    sim = await startSim({ broker: broker.mqttUrl, rate: RATE, seed: SEED, stack });
    const fresh = await waitFor(
        () =>
            page.evaluate(
                () => [...document.querySelectorAll('[data-testid="packet-row"]')].filter((el) => !window.__oldRows.has(el)).length,
            ),
        { timeout: 30000, message: 'new packet-row elements after the restart' },
    );
    note(`${fresh} new packet rows after the restart`);
}));

// MQTT 5 (MQTT 3.1.1 is the default; 5 where the chosen library gives it):
// the same broker, a second page asking for MQTT 5 in its link.
test('?mqtt=5: an MQTT 5 session reaches "subscribed" and receives packets', { timeout: 90000 }, step(async () => {
    const p = await e2e.open('dashboard-mqtt5');
    await recordConnStates(p.page);
    const url = dashboardUrl(server.url, broker, 'mqtt=5');
    note(`open ${url}`);
    await p.page.goto(url, { waitUntil: 'load' });
    await waitConnState(p.page, 'subscribed', 45000);
    const detail = await p.page.locator('[data-testid="conn-detail"]').textContent();
    assert.match(detail, /MQTT 5\b/, `conn-detail names the version: ${detail}`);
    // mosquitto logs the protocol of every client: p5 for MQTT 5 (this
    // page), p2 for MQTT 3.1.1 (the default: the first page).
    // (The log is written as mosquitto flushes it: poll for the new line.)
    let levels = [];
    await waitFor(
        () => {
            const log = fs.readFileSync(broker.logFile, 'utf8');
            levels = [...log.matchAll(/ as (iotdata-web-[0-9a-f]{8}) \(p(\d),/g)].map((m) => m[2]);
            return levels.includes('5');
        },
        { timeout: 15000, message: 'a p5 dashboard client in the broker log', describe: () => levels.join(', ') },
    );
    note(`dashboard clients' protocols in the broker log (p2 = 3.1.1, p5 = 5): ${levels.join(', ')}`);
    assert.ok(levels.includes('5'), 'an MQTT 5 (p5) dashboard client connected');
    assert.ok(levels.includes('2'), 'the default dashboard client is MQTT 3.1.1 (p2)');
    await goHash(p.page, '#/log');
    await p.page.locator('[data-testid="packet-row"]').first().waitFor({ timeout: 30000 });
    note(`${await p.page.locator('[data-testid="packet-row"]').count()} packet rows over MQTT 5`);
}));

// The demo feed plays the simulator's recording (demo-feed.bin) in the page: no broker at all.
// Both ways in: `?demo=1`, and the bare URL of a fresh profile (no broker
// configured), which is what the README's serve command opens.
for (const [label, query] of [
    ['?demo=1', '/?demo=1'],
    ['bare URL, nothing configured', '/'],
]) {
    test(`demo feed (${label}, no broker) fills the station table and the map`, { timeout: 120000 }, step(async () => {
        const p = await e2e.open(`demo-${query === '/' ? 'bare' : 'query'}`);
        await p.page.goto(`${server.url}${query}`, { waitUntil: 'load' });
        const rows = await waitFor(
            async () => {
                const ids = await stationRowIds(p.page);
                return ids.length >= 5 ? ids : null;
            },
            { timeout: 60000, message: '>= 5 station rows from the demo feed' },
        );
        const unknown = rows.filter((id) => !simIds.has(id));
        assert.deepEqual(unknown, [], `demo station rows that are not simulated stations: ${unknown.join(', ')}`);
        const markers = await waitFor(
            async () => {
                const ids = await markerIds(p.page);
                return ids.length >= 1 ? ids : null;
            },
            { timeout: 60000, message: 'station markers from the demo feed' },
        );
        await p.page.locator('[data-testid="demo-badge"]').waitFor({ state: 'visible', timeout: 10000 });
        note(`demo (${label}): ${rows.length} station rows, ${markers.length} markers`);
        assert.ok(markers.every((id) => positionIds.has(id)), `demo markers are positioned sensors: ${markers.join(', ')}`);
    }));
}

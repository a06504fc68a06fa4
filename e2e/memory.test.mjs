// End-to-end: the dashboard remembers a broker source across reloads
// (IndexedDB, web/src/memory/).
//
//   mosquitto <- iotdata-sim --rate 20 --seed 2 (25 s)
//   the page receives, saves (every 5 s), the broker is stopped, the page
//   reloaded: the station rows, the map markers, the mesh graph's nodes and
//   a station's history chart are back, marked as restored
//   (`data-restored="true"`, "from this browser, last heard …"), while the
//   connection cannot reach the broker. A full quota (every write failing)
//   shows as the connection bar's `memory:` hint while the page goes on.
//   Settings → "Forget everything", reload: nothing is restored.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { attrs, dashboardUrl, delay, e2eFile, goHash, note, parseId, startSim, waitConnState, waitFor } from './harness.mjs';

const e2e = e2eFile('memory');
const { stack, step } = e2e;

let page;
let broker;
let url;

before(async () => {
    let server;
    ({ broker, server } = await e2e.start());
    ({ page } = await e2e.open('memory'));
    url = dashboardUrl(server.url, broker);
    await page.goto(url, { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    const sim = await startSim({ broker: broker.mqttUrl, rate: 20, seed: 2, duration: 25, stack });
    await sim.finished(90000);
}, { timeout: 900000 });

const connStateOf = (p) => p.locator('[data-testid="conn-state"]').first().textContent();
const rowIds = async () => (await attrs(page, '[data-testid="station-row"]', 'data-station')).map(parseId).sort((a, b) => a - b);
const markerIds = async () => (await attrs(page, '[data-testid="station-marker"]', 'data-station')).map(parseId).sort((a, b) => a - b);
const meshIds = async () => (await attrs(page, '[data-testid="mesh-node"]', 'data-node')).map(parseId).sort((a, b) => a - b);

test('stations, markers, mesh and history come back after a reload with the broker stopped', { timeout: 240000 }, step(async () => {
    await goHash(page, '#/');
    await waitFor(async () => (await rowIds()).length >= 10, { timeout: 30000, message: '>= 10 station rows' });
    assert.equal(await page.locator('[data-testid="station-row"][data-restored]').count(), 0, 'live rows are not marked restored');
    const rows = await rowIds();
    await goHash(page, '#/map');
    await waitFor(async () => (await markerIds()).length >= 5, { timeout: 30000, message: '>= 5 station markers' });
    const markers = await markerIds();
    await goHash(page, '#/mesh');
    await waitFor(async () => (await meshIds()).length >= 5, { timeout: 30000, message: '>= 5 mesh nodes' });
    const nodes = await meshIds();
    note(`live: ${rows.length} stations, ${markers.length} markers, ${nodes.length} mesh nodes`);
    // The 5 s batched write happens at least once.
    await delay(6500);

    await broker.stop();
    await page.reload({ waitUntil: 'load' });
    await goHash(page, '#/');
    await waitFor(async () => (await rowIds()).length >= rows.length, {
        timeout: 30000,
        message: `${rows.length} restored station rows`,
        describe: async () => `${(await rowIds()).length} rows`,
    });
    assert.deepEqual(await rowIds(), rows, 'the same stations');
    const marked = await page.locator('[data-testid="station-row"][data-restored="true"]').count();
    assert.equal(marked, rows.length, 'every restored row is marked restored');
    const state = await page.locator('[data-testid="conn-state"]').first().textContent();
    assert.notEqual(state.trim(), 'subscribed', 'the broker is down');

    await goHash(page, '#/map');
    await waitFor(async () => (await markerIds()).length >= markers.length, { timeout: 30000, message: `${markers.length} restored markers` });
    assert.deepEqual(await markerIds(), markers, 'the same map markers');

    await goHash(page, '#/mesh');
    await waitFor(async () => (await meshIds()).length >= nodes.length, { timeout: 30000, message: `${nodes.length} restored mesh nodes` });
    assert.deepEqual(await meshIds(), nodes, 'the same mesh nodes');
    const restoredNodes = await page.locator('[data-testid="mesh-node"][data-restored="true"]').count();
    assert.equal(restoredNodes, nodes.length, 'every mesh node is marked restored');

    // A station's page: marked, with a drawn history chart.
    let charted = null;
    for (const id of rows) {
        await goHash(page, `#/station/${id}`);
        const heard = page.locator('.st-heard[data-restored="true"]');
        await heard.waitFor({ timeout: 10000 });
        assert.match(await heard.textContent(), /from this browser, last heard .+ ago/);
        const points = await page
            .locator('[data-testid="chart"]')
            .first()
            .getAttribute('data-points', { timeout: 3000 })
            .catch(() => null);
        if (Number(points) >= 2) {
            charted = { id, points: Number(points) };
            break;
        }
    }
    assert.ok(charted, 'a restored station with a history chart of >= 2 points');
    note(`restored: ${rows.length} rows, ${markers.length} markers, ${nodes.length} mesh nodes; station ${charted.id} chart ${charted.points} points`);
    const hint = await page.locator('[data-testid="conn-hint"]').allTextContents();
    assert.ok(!hint.join(' ').includes('memory:'), `no memory problem shown: ${hint.join(' ')}`);
}));

test('a full quota is shown, not fatal: the page goes on receiving', { timeout: 180000 }, step(async () => {
    await broker.start();
    const { page: p } = await e2e.open('memory-quota');
    // Every write fails as a full disk would make it.
    await p.addInitScript(() => {
        IDBObjectStore.prototype.put = function () {
            throw new DOMException('the quota is exceeded', 'QuotaExceededError');
        };
    });
    await p.goto(url, { waitUntil: 'load' });
    await waitConnState(p, 'subscribed', 45000);
    const sim = await startSim({ broker: broker.mqttUrl, rate: 20, seed: 2, duration: 8, stack });
    await p.locator('[data-testid="station-row"]').first().waitFor({ timeout: 30000 });
    const hint = p.locator('[data-testid="conn-hint"]', { hasText: 'memory:' });
    await hint.waitFor({ timeout: 20000 });
    const text = await hint.textContent();
    assert.match(text, /could not save to this browser.*QuotaExceededError/);
    note(`quota: "${text}"`);
    await sim.finished(60000);
    assert.equal((await connStateOf(p)).trim(), 'subscribed', 'still connected');
    assert.ok((await p.locator('[data-testid="station-row"]').count()) >= 5, 'still receiving');
}));

test('"Forget everything" in Settings: nothing is restored after the next reload', { timeout: 120000 }, step(async () => {
    await goHash(page, '#/');
    await page.locator('header button', { hasText: 'Settings' }).click();
    await page.locator('[data-testid="memory-forget-all"]').click();
    await waitFor(async () => (await rowIds()).length === 0, { timeout: 10000, message: 'no station rows after forgetting' });
    await delay(500);
    await page.reload({ waitUntil: 'load' });
    await delay(4000);
    assert.equal((await rowIds()).length, 0, 'nothing restored');
}));

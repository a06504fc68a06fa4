// End-to-end: two brokers at once.
//
//   mosquitto "north" (TCP + WebSocket on loopback) <- mosquitto_pub
//   mosquitto "south" (its own ports, same set-up)   <- mosquitto_pub
//   static server of $IOTDATA_DIST (default dist/) -> headless Chromium,
//   with two sources in the stored settings (north first, south second)
//
// Different stations go to each broker, and station 42 to both: the
// stations table lists every one with its source (42 twice, one per
// source), the source filter keeps one source's, and `#/station/1/42` is
// south's 42. Then south stops: only south's state goes `reconnecting`,
// north's stays `subscribed` throughout and its stations keep updating;
// south restarted, it subscribes again and its stations update too.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, test } from 'node:test';

import { Mosquitto, VECTOR_HEX, e2eFile, goHash, note, screenshot, waitFor } from './harness.mjs';

const e2e = e2eFile('sources');
const { stack, step } = e2e;

let north;
let south;
let server;
let page;

const NORTH_ONLY = [101, 102];
const SOUTH_ONLY = [201, 202];
const BOTH = 42;

/** The harness's frame (variant 0) as hex text, from `station` with `seq`. */
function frame(station, seq) {
    const hex4 = (n) => n.toString(16).padStart(4, '0');
    return `${hex4(station)}${hex4(seq)}${VECTOR_HEX.slice(8)}`;
}

/** Publishes `hex` on `iotdata/e2e/<station>` to `broker`'s TCP listener (QoS 1). */
function publish(broker, station, seq) {
    const args = ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-q', '1', '-t', `iotdata/e2e/${station}`, '-m', frame(station, seq)];
    return new Promise((resolve, reject) => {
        const child = spawn('mosquitto_pub', args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', (e) => reject(new Error(`mosquitto_pub: ${e.message} (Debian package mosquitto-clients)`)));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err}`))));
    });
}

/** The state word of source `src` in the connection bar (null when absent). */
function sourceState(src) {
    return page.evaluate(
        (s) => document.querySelector(`[data-testid="conn-source"][data-source="${s}"] [data-testid="conn-state"]`)?.textContent.trim() ?? null,
        src,
    );
}

async function waitSourceState(src, word, timeout = 45000) {
    await waitFor(async () => (await sourceState(src)) === word, {
        timeout,
        interval: 100,
        message: `source ${src} "${word}"`,
    });
}

/** `{ station, source, name, packets }` of every rendered station row. */
function rows() {
    return page.$$eval('[data-testid="station-row"]', (els) =>
        els.map((e) => ({
            station: Number(e.getAttribute('data-station')),
            source: Number(e.getAttribute('data-source')),
            name: e.querySelector('[data-testid="station-source"]')?.textContent.trim(),
            packets: Number(e.cells[4]?.textContent.trim()),
        })),
    );
}

async function packetsOf(station, source) {
    return (await rows()).find((r) => r.station === station && r.source === source)?.packets ?? null;
}

before(async () => {
    ({ broker: north, server } = await e2e.start());
    south = await Mosquitto.start(stack, `mosquitto-sources-south-${process.pid}`);
    note(`north ${north.wsUrl}, south ${south.wsUrl}`);
    ({ page } = await e2e.open('sources'));
    // As the dashboard stores them: the first source at the top level, each
    // further source a JSON document of its own.
    const settings = {
        name: 'north',
        broker: north.wsUrl,
        topics: ['iotdata/#'],
        sources: [JSON.stringify({ name: 'south', broker: south.wsUrl, topics: ['iotdata/#'], enabled: true })],
    };
    await page.addInitScript((json) => {
        if (!sessionStorage.getItem('e2e-seeded')) {
            localStorage.setItem('iotdata.settings.v1', json);
            sessionStorage.setItem('e2e-seeded', '1');
        }
        // Every state word each source shows, in order (transient ones too).
        window.__sourceStates = {};
        const record = () => {
            for (const el of document.querySelectorAll('[data-testid="conn-source"]')) {
                const src = el.getAttribute('data-source');
                const word = el.querySelector('[data-testid="conn-state"]')?.textContent.trim();
                const list = (window.__sourceStates[src] ??= []);
                if (word && list[list.length - 1] !== word) list.push(word);
            }
        };
        new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    }, JSON.stringify(settings));
}, { timeout: 120000 });

test('two brokers at once: stations of both, with their source; one stopped, only it reconnects', { timeout: 240000 }, step(async () => {
    await page.goto(`${server.url}/#/`, { waitUntil: 'load' });
    await waitSourceState(0, 'subscribed');
    await waitSourceState(1, 'subscribed');
    const names = await page.$$eval('[data-testid="conn-source"] .conn-name', (els) => els.map((e) => e.textContent.trim()));
    assert.deepEqual(names, ['north', 'south'], 'the connection bar names each source');
    assert.equal(await page.locator('[data-testid="demo-badge"]').count(), 0, 'no demo feed beside the brokers');

    for (const s of [...NORTH_ONLY, BOTH]) await publish(north, s, 1);
    for (const s of [...SOUTH_ONLY, BOTH]) await publish(south, s, 1);
    const expected = [
        ...[...NORTH_ONLY, BOTH].map((station) => ({ station, source: 0, name: 'north' })),
        ...[...SOUTH_ONLY, BOTH].map((station) => ({ station, source: 1, name: 'south' })),
    ];
    const key = (r) => `${r.source}/${r.station}`;
    await waitFor(async () => (await rows()).length === expected.length, {
        timeout: 15000,
        message: `${expected.length} station rows`,
        describe: async () => JSON.stringify(await rows()),
    });
    const seen = (await rows()).map(({ station, source, name }) => ({ station, source, name }));
    assert.deepEqual(seen.map(key).sort(), expected.map(key).sort(), 'every station of both brokers, 42 once per source');
    for (const r of seen) {
        assert.equal(r.name, expected.find((e) => key(e) === key(r)).name, `the source named on row ${key(r)}`);
    }
    const count = page.locator('[data-testid="station-count"]');
    assert.equal(await count.getAttribute('data-total'), String(expected.length));
    assert.ok(await page.locator('table.stations th.c-src').isVisible(), 'the Source column shows with two sources');
    await screenshot(page, 'sources');

    // The source filter keeps one source's stations.
    await page.selectOption('[data-testid="source-filter"]', '1');
    await waitFor(async () => (await rows()).every((r) => r.source === 1) && (await rows()).length === 3, {
        timeout: 5000,
        message: 'only south rows after filtering by source',
    });
    assert.equal(await count.getAttribute('data-shown'), '3');
    await page.selectOption('[data-testid="source-filter"]', '');
    await waitFor(async () => (await rows()).length === expected.length, { timeout: 5000, message: 'every row again' });

    // South's 42 has its own page; `#/station/42` is the first source's.
    await goHash(page, '#/station/1/42');
    const stationPage = page.locator('[data-testid="station-page"]');
    await waitFor(async () => (await stationPage.getAttribute('data-source').catch(() => null)) === '1', {
        timeout: 5000,
        message: 'the station page of south 42',
    });
    assert.equal(await stationPage.getAttribute('data-station'), '42');
    assert.match(await page.locator('[data-testid="station-source"]').first().textContent(), /south/);
    await goHash(page, '#/station/42');
    await waitFor(async () => (await stationPage.getAttribute('data-source').catch(() => null)) === '0', {
        timeout: 5000,
        message: 'the station page of north 42',
    });
    await goHash(page, '#/');
    await waitFor(async () => (await rows()).length === expected.length, { timeout: 5000, message: 'the table again' });

    // South stops: only south reconnects; north stays subscribed and updates.
    const northBefore = await page.evaluate(() => (window.__sourceStates['0'] || []).length);
    await south.stop();
    await waitFor(async () => (await page.evaluate(() => window.__sourceStates['1'] || [])).includes('reconnecting'), {
        timeout: 30000,
        message: 'south "reconnecting" after its broker stopped',
    });
    note(`south went ${(await page.evaluate(() => window.__sourceStates['1'])).join(' → ')}`);
    assert.equal(await sourceState(0), 'subscribed');
    for (let seq = 2; seq <= 4; seq++) {
        await publish(north, NORTH_ONLY[0], seq);
        await waitFor(async () => (await packetsOf(NORTH_ONLY[0], 0)) === seq, {
            timeout: 5000,
            message: `north station ${NORTH_ONLY[0]} at ${seq} packets while south is down`,
            describe: async () => JSON.stringify(await rows()),
        });
    }
    assert.equal(await packetsOf(SOUTH_ONLY[0], 1), 1, 'south stations do not move');
    const northAfter = await page.evaluate(() => window.__sourceStates['0']);
    assert.deepEqual(northAfter.slice(northBefore - 1), ['subscribed'], `north stayed subscribed: ${northAfter.join(' → ')}`);

    // South back: it subscribes again and its stations update.
    await south.start();
    await waitSourceState(1, 'subscribed', 90000);
    await publish(south, SOUTH_ONLY[0], 2);
    await waitFor(async () => (await packetsOf(SOUTH_ONLY[0], 1)) === 2, {
        timeout: 5000,
        message: `south station ${SOUTH_ONLY[0]} at 2 packets after its broker restarted`,
    });
    assert.equal(await sourceState(0), 'subscribed');
    assert.deepEqual(
        (await page.evaluate(() => window.__sourceStates['0'])).slice(northBefore - 1),
        ['subscribed'],
        'north never left subscribed',
    );
}));

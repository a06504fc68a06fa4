// End-to-end: the dashboard's depth views with iotdata-sim running: a
// station page with TLV rows and a history chart, the thumbnail gallery (a
// canvas that is not blank), and the mesh view against the simulator's
// ground truth after the relay failure.
//
// The test hooks each view must carry (a missing one fails its test):
//   tlv-row     data-testid="tlv-row" with data-type
//   chart       data-testid="chart" (svg or canvas) with data-points
//   thumbnail   data-testid="thumbnail" (canvas or img) with data-station
//   mesh-node   data-testid="mesh-node" with data-node, data-role, data-orphan
//   mesh-edge   data-testid="mesh-edge" with data-from, data-to, data-kind
// Routes: the station page is #/station/<id>; the gallery (#/gallery) and
// the mesh view (#/mesh) are opened through their header nav links.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import {
    attrs,
    dashboardUrl,
    e2eFile,
    goHash,
    note,
    parseId,
    readTruth,
    recordConnStates,
    screenshot,
    startSim,
    tempDir,
    waitConnState,
    waitFor,
} from './harness.mjs';

const RATE = 20;
const SEED = 2;
/**
 * Wall seconds of the run: 900 simulated seconds at rate 20. The relay HOP-1
 * fails at 12 min (720 s); HOP-2 and HOP-3 have moved to HOP-5 and reported
 * it well before 15 min, so the truth at the end has the new topology.
 */
const DURATION_S = 45;
/** AQ-1 (0x241): a short interval and VERSION/CONFIG/STATUS at boot. */
const TLV_STATION = 0x241;
/** The cameras CAM-1 (0x261, bilevel) and CAM-2 (0x262, grey16). */
const CAMERAS = new Set([0x261, 0x262]);

const e2e = e2eFile('depth');
const { stack, step } = e2e;

let page;
let sim;
let truthFile;

before(async () => {
    const { broker, server } = await e2e.start();
    ({ page } = await e2e.open('depth'));
    await recordConnStates(page);
    await page.goto(dashboardUrl(server.url, broker), { waitUntil: 'load' });
    await waitConnState(page, 'subscribed', 45000);
    // Subscribed first: the page sees the whole run, boot packets included.
    truthFile = path.join(await tempDir('truth', stack), 'truth.json');
    sim = await startSim({ broker: broker.mqttUrl, rate: RATE, seed: SEED, duration: DURATION_S, truth: truthFile, stack });
}, { timeout: 900000 });

/** Opens a view through its header nav link (`href` = `hash`); a missing link fails. */
async function openView(hash) {
    const link = page.locator(`header nav a[href="${hash}"]`);
    assert.equal(await link.count(), 1, `one header nav link to ${hash}`);
    await link.click();
    await waitFor(() => page.evaluate((h) => location.hash === h, hash), { timeout: 10000, message: `location.hash ${hash}` });
}

/** In the page: whether a canvas or img shows more than one colour. */
function pixelsInPage(els) {
    const analyse = (el) => {
        const src = el.tagName === 'CANVAS' || el.tagName === 'IMG' ? el : el.querySelector('canvas, img');
        if (!src) return { drawn: false, why: 'no canvas or img' };
        let canvas = src;
        if (src.tagName === 'IMG') {
            if (!src.complete || !src.naturalWidth) return { drawn: false, why: 'img not loaded' };
            canvas = document.createElement('canvas');
            canvas.width = src.naturalWidth;
            canvas.height = src.naturalHeight;
            canvas.getContext('2d').drawImage(src, 0, 0);
        }
        if (!canvas.width || !canvas.height) return { drawn: false, why: 'empty canvas' };
        const ctx = canvas.getContext('2d');
        if (!ctx) return { drawn: false, why: 'no 2d context (webgl canvas?)' };
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const colours = new Set();
        let opaque = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] > 0) opaque++;
            colours.add((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]);
            if (colours.size > 16 && opaque > 0) break;
        }
        return {
            drawn: opaque > 0 && colours.size >= 2,
            why: `${canvas.width}x${canvas.height}, ${colours.size} colour(s), ${opaque} opaque pixel(s) seen`,
        };
    };
    return els.map((el) => ({ station: el.getAttribute('data-station'), ...analyse(el) }));
}

/** In the page: drawn history charts (`data-testid="chart"`, an svg or canvas or one inside it). */
function chartsInPage() {
    const candidates = [...document.querySelectorAll('[data-testid="chart"]')]
        .map((el) => (el.matches('svg, canvas') ? el : el.querySelector('svg, canvas')))
        .filter(Boolean);
    return candidates
        .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width >= 60 && r.height >= 30;
        })
        .filter((el) => {
            if (el.tagName.toLowerCase() === 'svg') {
                return [...el.querySelectorAll('path, polyline')].some(
                    (s) => (s.getAttribute('d') || s.getAttribute('points') || '').length > 10,
                );
            }
            const ctx = el.getContext('2d');
            if (!ctx) return true; // a webgl chart: trust its presence
            const d = ctx.getImageData(0, 0, el.width, el.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
            return false;
        }).length;
}

test('a station page shows TLV rows and a history chart', { timeout: 90000 }, step(async () => {
    await goHash(page, `#/station/${TLV_STATION}`);
    let types = [];
    await waitFor(
        async () => {
            types = await attrs(page, '[data-testid="tlv-row"]', 'data-type');
            return types.length > 0;
        },
        { timeout: 40000, message: `[data-testid="tlv-row"] elements on #/station/${TLV_STATION}` },
    );
    const bad = types.filter((ty) => !/^\d+$/.test(ty ?? ''));
    assert.deepEqual(bad, [], `tlv-row data-type must be the TLV type number: ${types.join(', ')}`);
    note(`station ${TLV_STATION}: tlv rows of types ${[...new Set(types)].join(', ')}`);
    const charts = await waitFor(() => page.evaluate(chartsInPage), {
        timeout: 40000,
        message: 'a drawn [data-testid=chart] (svg path/polyline or non-blank canvas) on the station page',
    });
    note(`station ${TLV_STATION}: ${charts} chart(s)`);
    // For the screenshot, let the history grow a little (not asserted).
    await waitFor(
        async () => Math.max(0, ...(await attrs(page, '[data-testid="chart"]', 'data-points')).map(Number).filter(Number.isFinite)) >= 10,
        { timeout: 20000, message: 'charts with 10 points' },
    ).catch(() => {});
    await screenshot(page, 'station');
}));

test('the gallery shows a thumbnail canvas that is not blank', { timeout: 90000 }, step(async () => {
    await openView('#/gallery');
    let seen = [];
    await waitFor(
        async () => {
            seen = await page.$$eval('[data-testid="thumbnail"]', pixelsInPage);
            return seen.some((s) => s.drawn);
        },
        { timeout: 45000, message: 'a [data-testid=thumbnail] with more than one colour', describe: () => JSON.stringify(seen.slice(0, 6)) },
    );
    const stations = seen.map((s) => parseId(s.station));
    const notCameras = stations.filter((id) => !CAMERAS.has(id));
    assert.deepEqual(notCameras, [], `thumbnails from stations that are not the simulator's cameras: ${stations.join(', ')}`);
    note(`thumbnails: ${seen.map((s) => `${s.station} (${s.why})`).join('; ')}`);
    await screenshot(page, 'gallery');
}));

test('the mesh view matches the simulator\'s topology after the relay failure', { timeout: 180000 }, step(async () => {
    // The truth is written when the run ends.
    await sim.finished((DURATION_S + 60) * 1000);
    const truth = await readTruth(truthFile);
    const gateways = truth.gateways.map((g) => g.id);
    const relays = truth.relays.map((r) => r.id);
    const parentEdges = truth.relays
        .filter((r) => r.reported_parent != null)
        .map((r) => `${r.id}->${r.reported_parent}`)
        .sort();
    const orphans = truth.relays.filter((r) => r.reported_orphan).map((r) => r.id).sort((a, b) => a - b);
    const failed = truth.relays.filter((r) => !r.alive).map((r) => r.id);
    assert.ok(failed.length > 0 && orphans.length > 0, 'the scenario failed a relay (truth)');
    note(`truth at ${truth.now_ms / 1000} s: parents ${parentEdges.join(' ')}; orphans ${orphans.join(', ')}; failed ${failed.join(', ')}`);

    await openView('#/mesh');

    const read = () =>
        page.evaluate(() => ({
            nodes: [...document.querySelectorAll('[data-testid="mesh-node"]')].map((e) => ({
                node: e.getAttribute('data-node'),
                role: e.getAttribute('data-role'),
                orphan: e.getAttribute('data-orphan'),
            })),
            edges: [...document.querySelectorAll('[data-testid="mesh-edge"]')].map((e) => ({
                from: e.getAttribute('data-from'),
                to: e.getAttribute('data-to'),
                kind: e.getAttribute('data-kind'),
            })),
        }));
    const compare = (view) => {
        const role = new Map(view.nodes.map((n) => [parseId(n.node), n.role]));
        const problems = [];
        for (const g of gateways) if (role.get(g) !== 'gateway') problems.push(`gateway ${g}: role ${role.get(g) ?? 'missing'}`);
        for (const r of relays) if (role.get(r) !== 'relay') problems.push(`relay ${r}: role ${role.get(r) ?? 'missing'}`);
        const shown = view.edges
            .filter((e) => e.kind === 'parent')
            .map((e) => `${parseId(e.from)}->${parseId(e.to)}`)
            .sort();
        const missing = parentEdges.filter((e) => !shown.includes(e));
        const extra = shown.filter((e) => !parentEdges.includes(e));
        if (missing.length) problems.push(`parent edges missing: ${missing.join(' ')}`);
        if (extra.length) problems.push(`parent edges not in the truth: ${extra.join(' ')}`);
        const flagged = view.nodes
            .filter((n) => n.orphan === 'true')
            .map((n) => parseId(n.node))
            .filter((id) => relays.includes(id) || gateways.includes(id))
            .sort((a, b) => a - b);
        if (JSON.stringify(flagged) !== JSON.stringify(orphans)) {
            problems.push(`orphan-flagged mesh nodes ${JSON.stringify(flagged)}, truth ${JSON.stringify(orphans)}`);
        }
        const badKinds = view.edges.filter((e) => !['parent', 'neighbour', 'via'].includes(e.kind));
        if (badKinds.length) problems.push(`mesh-edge data-kind outside parent/neighbour/via: ${JSON.stringify(badKinds.slice(0, 3))}`);
        const badRoles = view.nodes.filter((n) => !['gateway', 'relay', 'sensor'].includes(n.role));
        if (badRoles.length) problems.push(`mesh-node data-role outside gateway/relay/sensor: ${JSON.stringify(badRoles.slice(0, 3))}`);
        return problems;
    };
    let problems = [];
    await waitFor(
        async () => {
            problems = compare(await read());
            return problems.length === 0;
        },
        { timeout: 30000, message: 'the mesh view to match the truth', describe: () => `\n  ${problems.join('\n  ')}` },
    );
    const view = await read();
    note(`mesh view: ${view.nodes.length} nodes, ${view.edges.length} edges (${view.edges.filter((e) => e.kind === 'parent').length} parent)`);
    await screenshot(page, 'mesh');
}));

test('the whole run decodes: no error or unrecognised packet rows', { timeout: 180000 }, step(async () => {
    // The simulator publishes only valid frames (every one decodes strictly
    // in its own tests); after the full run, the packet log must agree.
    await sim.finished((DURATION_S + 60) * 1000);
    await goHash(page, '#/log');
    const kinds = await waitFor(
        async () => {
            const k = await attrs(page, '[data-testid="packet-row"]', 'data-kind');
            return k.length > 0 ? k : null;
        },
        { timeout: 20000, message: 'packet rows on #/log' },
    );
    const counts = kinds.reduce((m, k) => ((m[k] = (m[k] || 0) + 1), m), {});
    note(`packet log after the run: ${JSON.stringify(counts)}`);
    const examples = await page.$$eval(
        '[data-testid="packet-row"][data-kind="error"], [data-testid="packet-row"][data-kind="unrecognised"]',
        (els) => els.slice(0, 5).map((e) => e.innerText.replace(/\s+/g, ' ').trim()),
    );
    assert.deepEqual(examples, [], `error/unrecognised entries (${counts.error ?? 0} error, ${counts.unrecognised ?? 0} unrecognised)`);
    assert.ok((counts.sensor ?? 0) > 0 && (counts.mesh ?? 0) > 0, `sensor and mesh rows: ${JSON.stringify(counts)}`);
}));

test('the packet log exports as NDJSON (canonical JSON + receive time + topic) and CSV', { timeout: 60000 }, step(async () => {
    await goHash(page, '#/log');
    const read = async (testid) => {
        const [download] = await Promise.all([
            page.waitForEvent('download', { timeout: 20000 }),
            page.locator(`[data-testid="${testid}"]`).click(),
        ]);
        const file = await download.path();
        return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
    };
    const nd = await read('log-export-ndjson');
    const lines = nd.text.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 10, `NDJSON lines: ${lines.length}`);
    const docs = lines.map((l, i) => {
        try {
            return JSON.parse(l);
        } catch (e) {
            assert.fail(`NDJSON line ${i + 1} is not JSON: ${l.slice(0, 120)}`);
        }
    });
    assert.ok(docs.every((d) => typeof d === 'object' && d !== null), 'every line is an object');
    const text = JSON.stringify(docs.slice(0, 50));
    assert.match(text, /iotdata\/raw\//, 'the topic is in the records');
    assert.match(text, /"station"/, 'canonical JSON of the packets is in the records');
    const csv = await read('log-export-csv');
    const rows = csv.text.split('\n').filter((l) => l.trim() !== '');
    assert.ok(rows.length >= lines.length, `CSV rows ${rows.length} (header + one per packet) vs NDJSON lines ${lines.length}`);
    note(`exports: ${nd.name} (${lines.length} lines), ${csv.name} (${rows.length} rows); first record keys: ${Object.keys(docs[0]).join(', ')}`);
}));

// The installable app shell: the web app manifest, and the service worker
// (sw.js, written by scripts/service-worker.mjs) that keeps the release
// build for offline use.
//
// - A first visit installs the worker, which caches every file of the build
//   under `iotdata-<version>` and takes control of the page.
// - With the static server stopped, a reload still opens the dashboard, and
//   the in-page demo feed fills the station table: nothing came from the
//   network.
// - A new release (the same files served again with another sw.js version,
//   on the same origin) installs a new cache and deletes the old one.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { DIST, e2eFile, launchBrowser, note, serveDist, tempDir, waitFor } from './harness.mjs';

const e2e = e2eFile('offline');
const { step, stack } = e2e;

before(async () => {
    e2e.browser = await launchBrowser({ stack });
});

/** The `iotdata-` caches of the page's origin and the paths each holds. */
function cacheContents(page) {
    return page.evaluate(async () => {
        const out = {};
        for (const name of await caches.keys()) {
            if (!name.startsWith('iotdata-')) continue;
            const c = await caches.open(name);
            out[name] = (await c.keys()).map((r) => new URL(r.url).pathname).sort();
        }
        return out;
    });
}

/** Waits until a service worker controls the page. */
async function controlled(page) {
    await waitFor(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), {
        timeout: 30000,
        message: 'a service worker controlling the page',
    });
}

test('manifest and icon are served and name the app', step(async () => {
    const server = await serveDist({ stack });
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json();
    assert.equal(manifest.short_name, 'iotdata');
    assert.equal(manifest.start_url, './');
    assert.equal(manifest.display, 'standalone');
    const icon = await fetch(`${server.url}/${manifest.icons[0].src}`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type'), /image\/svg\+xml/);
    const html = await (await fetch(`${server.url}/`)).text();
    assert.match(html, /rel="?manifest"?/);
    await server.close();
}));

test('after one visit the dashboard opens with the server stopped; a new release replaces the cache', { timeout: 180000 }, step(async () => {
    let server = await serveDist({ stack });
    const { port, url } = server;
    const { page } = await e2e.open('offline', { serviceWorkers: 'allow' });
    await page.goto(`${url}/?demo=1`, { waitUntil: 'load' });
    await controlled(page);
    const first = await waitFor(
        async () => {
            const c = await cacheContents(page);
            const names = Object.keys(c);
            return names.length === 1 && c[names[0]].some((p) => p.endsWith('_bg.wasm')) ? c : null;
        },
        { timeout: 30000, message: 'one iotdata- cache holding the wasm' },
    );
    const [firstName] = Object.keys(first);
    const shell = first[firstName];
    const built = fs.readdirSync(DIST).filter((f) => /\.(wasm|js|css)$/.test(f) && f !== 'sw.js');
    for (const f of built) assert.ok(shell.includes(`/${f}`), `${f} is in the cache (${shell.join(', ')})`);
    assert.ok(shell.includes('/'), 'the page itself is in the cache');
    assert.ok(shell.includes('/demo-feed.bin'), `the demo recording is in the cache (${shell.join(', ')})`);
    note(`cache ${firstName}: ${shell.length} files`);

    // Offline: the server is gone; the page and the demo feed still come up.
    await server.close();
    const refused = await fetch(`${url}/`).then(
        () => false,
        () => true,
    );
    assert.ok(refused, 'the static server no longer answers');
    await page.evaluate(() => {
        window.__beforeReload = true;
    });
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.evaluate(() => window.__beforeReload), undefined, 'a new document was loaded');
    const rows = await waitFor(
        async () => {
            const n = await page.locator('[data-testid="station-row"]').count();
            return n >= 3 ? n : null;
        },
        { timeout: 60000, message: '>= 3 station rows from the demo feed, offline' },
    );
    note(`offline reload: ${rows} station rows from the in-page demo feed`);

    // A new release on the same origin: another sw.js version installs a
    // new cache and deletes the old one.
    const next = await tempDir('offline-release', stack);
    fs.cpSync(DIST, next, { recursive: true });
    const sw = path.join(next, 'sw.js');
    fs.writeFileSync(sw, fs.readFileSync(sw, 'utf8').replace(/iotdata-[0-9a-f]{16}/, 'iotdata-0000000000000001'));
    server = await serveDist({ dir: next, stack, port });
    await page.reload({ waitUntil: 'load' });
    const after = await waitFor(
        async () => {
            const c = await cacheContents(page);
            return Object.keys(c).join() === 'iotdata-0000000000000001' ? c : null;
        },
        { timeout: 30000, message: 'only the new release cache left' },
    );
    assert.deepEqual(after['iotdata-0000000000000001'], shell, 'the new cache holds the same shell');
    await server.close();
}));

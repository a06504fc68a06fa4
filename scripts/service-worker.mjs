// trunk post_build hook (Trunk.toml [[hooks]], run after minify-js.mjs): writes
// `sw.js`, the service worker that index.html registers.
//
// Release builds: the worker caches the app shell (every file of the build:
// index.html, the wasm, its JS, the CSS, Leaflet, the manifest and icon) under
// a cache named for a hash of those files, so a new release installs a new
// cache and deletes the old ones. Pages are fetched from the network first
// and from the cache when the network fails (a laptop at a remote site with a
// local broker and no internet); the hashed assets from the cache first.
// Nothing off this origin is touched: map tiles and brokers keep the
// browser's own caching.
//
// Debug builds (`trunk serve`): a worker that caches nothing, deletes what a
// release build of the same origin cached and unregisters itself.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
    console.error('service-worker: TRUNK_STAGING_DIR is not set (run from trunk)');
    process.exit(1);
}
const out = path.join(dir, 'sw.js');

if (process.env.TRUNK_PROFILE !== 'release') {
    fs.writeFileSync(
        out,
        `// Debug build: caches nothing; removes a release build's caches and unregisters.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(
  caches.keys()
    .then((ks) => Promise.all(ks.filter((k) => k.startsWith('iotdata-')).map((k) => caches.delete(k))))
    .then(() => self.registration.unregister())));
`,
    );
    process.exit(0);
}

function walk(d, base = d) {
    return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(d, e.name);
        return e.isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
    });
}

const files = walk(dir)
    .filter((f) => f !== 'sw.js')
    .sort();
const hash = crypto.createHash('sha256');
for (const f of files) {
    hash.update(f);
    hash.update(fs.readFileSync(path.join(dir, f)));
}
const version = hash.digest('hex').slice(0, 16);
const shell = ['./', ...files.filter((f) => f !== 'index.html').map((f) => `./${f}`)];

fs.writeFileSync(
    out,
    `// The app shell for offline use (written by scripts/service-worker.mjs).
const CACHE = 'iotdata-${version}';
const SHELL = ${JSON.stringify(shell)};
self.addEventListener('install', (e) => e.waitUntil(
  caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting())));
self.addEventListener('activate', (e) => e.waitUntil(
  caches.keys()
    .then((ks) => Promise.all(ks.filter((k) => k.startsWith('iotdata-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim())));
self.addEventListener('fetch', (e) => {
  const r = e.request;
  if (r.method !== 'GET' || new URL(r.url).origin !== location.origin) return;
  if (r.mode === 'navigate') {
    e.respondWith(fetch(r).catch(() => caches.match('./', { cacheName: CACHE })));
  } else {
    e.respondWith(caches.match(r, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit || fetch(r)));
  }
});
`,
);
console.log(`service-worker: sw.js caches ${shell.length} files as iotdata-${version}`);

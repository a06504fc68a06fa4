// End-to-end test harness for the iotdata dashboard.
//
// Everything a test needs, started on free loopback ports and torn down on
// every exit path:
//
//   * mosquitto (Debian's /usr/sbin/mosquitto, `scripts/setup.sh broker`) with a
//     generated config in a temp dir: an MQTT/TCP listener on 127.0.0.1 and a
//     WebSocket listener on `lo`; stop / start again on the same ports;
//   * the simulator binary, target/release/iotdata-sim (built once with
//     `cargo build --release -p iotdata-sim`), publishing to that broker;
//   * a tiny static HTTP server (node:http) serving the trunk release build
//     from $IOTDATA_DIST (default `dist`);
//   * Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_BIN) driven by
//     playwright-core: never a downloaded browser, a fresh temp profile, every
//     request that is not to a loopback address aborted (no map tiles, no
//     network), the page's console captured and dumped on failure.
//
// Logs go to .tmp/e2e-logs/ (mosquitto, simulator, browser console per page).
// Screenshots go to docs/screenshots/ (set IOTDATA_E2E_SCREENSHOTS=0 to skip).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

// --- paths and settings ------------------------------------------------------

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.resolve(ROOT, process.env.IOTDATA_DIST || 'dist');
export const LOG_DIR = path.join(ROOT, '.tmp', 'e2e-logs');
export const SCREENSHOT_DIR = path.join(ROOT, 'docs', 'screenshots');
export const MOSQUITTO = process.env.IOTDATA_MOSQUITTO || '/usr/sbin/mosquitto';
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/** Debian's pngquant: screenshots reduced to 256 colours. */
export const PNGQUANT = process.env.IOTDATA_PNGQUANT || 'pngquant';
const TARGET_DIR = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
export const SIM_BIN = process.env.IOTDATA_SIM_BIN || path.join(TARGET_DIR, 'release', 'iotdata-sim');

export const CHROMIUM_ARGS = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
];

/** A frame of station 42 (tests/vectors/sensor.jsonl): a full weather packet. */
export const VECTOR_HEX = '002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210';

/** Viewport of every page (and so of the screenshots). */
export const VIEWPORT = { width: 1280, height: 800 };

fs.mkdirSync(LOG_DIR, { recursive: true });

const T0 = Date.now();
const stamp = () => `+${((Date.now() - T0) / 1000).toFixed(1)}s`;

/** A line in the test output (TAP comment) with the elapsed time. */
export function note(...args) {
    console.log(`[e2e ${stamp()}]`, ...args);
}

// --- child processes: tracked, killed on every exit path ---------------------

const children = new Set();

function track(child) {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
}

/** Kills every child process still running (synchronous: usable on exit). */
export function killAllChildren() {
    for (const c of children) {
        try {
            c.kill('SIGKILL');
        } catch {
            // already gone
        }
    }
    children.clear();
}

process.on('exit', killAllChildren);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.once(sig, () => {
        killAllChildren();
        process.exit(code);
    });
}

/** Resolves with `{ code, signal }` when `child` has exited (at once if it has). */
export function exited(child) {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    }
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(child, graceMs = 5000) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = exited(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
}

// --- small utilities ----------------------------------------------------------

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` with `what` unless `promise` settles first. */
export async function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    });
    try {
        return await Promise.race([promise, timeout]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * Polls `probe` (sync or async) every `interval` ms until it returns a truthy
 * value, which is returned. On timeout, throws with `message` and the last
 * value `describe(last)` (or the last error the probe threw).
 */
export async function waitFor(probe, { timeout = 30000, interval = 250, message = 'condition', describe } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    let lastError;
    for (;;) {
        try {
            last = await probe();
            lastError = undefined;
            if (last) return last;
        } catch (e) {
            lastError = e;
        }
        if (Date.now() >= deadline) break;
        await delay(interval);
    }
    const seen = lastError
        ? `last error: ${lastError.message}`
        : `last value: ${describe ? describe(last) : JSON.stringify(last)}`;
    throw new Error(`timed out after ${timeout} ms waiting for ${message} (${seen})`);
}

/** Free TCP ports on 127.0.0.1 (all held open together, so they differ). */
export async function freePorts(n) {
    const servers = [];
    try {
        for (let i = 0; i < n; i++) {
            const s = net.createServer();
            await new Promise((resolve, reject) => {
                s.once('error', reject);
                s.listen(0, '127.0.0.1', resolve);
            });
            servers.push(s);
        }
        return servers.map((s) => s.address().port);
    } finally {
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port) {
    return new Promise((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        const done = (ok) => {
            sock.destroy();
            resolve(ok);
        };
        sock.setTimeout(1000, () => done(false));
        sock.once('connect', () => done(true));
        sock.once('error', () => done(false));
    });
}

function logStream(name) {
    return fs.openSync(path.join(LOG_DIR, name), 'a');
}

/** A fresh temporary directory, removed by `stack.cleanup()` if given. */
export async function tempDir(prefix, stack) {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `iotdata-e2e-${prefix}-`));
    stack?.defer(() => fsp.rm(dir, { recursive: true, force: true }));
    return dir;
}

/**
 * Cleanup stack: `defer(fn)` registers teardown, `cleanup()` runs it in
 * reverse order; each step bounded in time and isolated from the others'
 * failures.
 */
export class Stack {
    constructor() {
        this.fns = [];
    }

    defer(fn) {
        this.fns.push(fn);
    }

    /** Runs the registered teardown, last first (for a part of a file's run). */
    async unwind() {
        while (this.fns.length) {
            const fn = this.fns.pop();
            try {
                await withTimeout(Promise.resolve().then(fn), 20000, 'cleanup step');
            } catch (e) {
                console.error(`[e2e] cleanup: ${e.message}`);
            }
        }
    }

    /** `unwind()`, then kills every child process still running (a file's end). */
    async cleanup() {
        await this.unwind();
        killAllChildren();
    }
}

// --- (a) mosquitto ---------------------------------------------------------------

/** A mosquitto broker with an MQTT/TCP and a WebSocket listener on loopback. */
export class Mosquitto {
    /** Starts a broker on two free ports; `stack` stops it and removes its dir. */
    static async start(stack, name = 'mosquitto') {
        if (!fs.existsSync(MOSQUITTO)) {
            throw new Error(`${MOSQUITTO} not found: install it with \`scripts/setup.sh broker\` (Debian package mosquitto)`);
        }
        const dir = await tempDir('mosquitto', stack);
        const [tcpPort, wsPort] = await freePorts(2);
        const m = new Mosquitto(dir, tcpPort, wsPort, name);
        stack?.defer(() => m.stop());
        await m.start();
        return m;
    }

    constructor(dir, tcpPort, wsPort, name) {
        this.dir = dir;
        this.tcpPort = tcpPort;
        this.wsPort = wsPort;
        this.name = name;
        this.child = null;
        this.conf = path.join(dir, 'mosquitto.conf');
        fs.writeFileSync(
            this.conf,
            [
                `listener ${tcpPort} 127.0.0.1`,
                `listener ${wsPort} lo`,
                'protocol websockets',
                'allow_anonymous true',
                'persistence false',
                'log_dest stdout',
                'log_type error',
                'log_type warning',
                'log_type notice',
                'log_type information',
                'connection_messages true',
                '',
            ].join('\n'),
        );
    }

    /** mosquitto's log (connections are logged: `... as <client id> (p5, c1, k30)`). */
    get logFile() {
        return path.join(LOG_DIR, `${this.name}.log`);
    }

    /** `mqtt://127.0.0.1:<tcp>` for the simulator. */
    get mqttUrl() {
        return `mqtt://127.0.0.1:${this.tcpPort}`;
    }

    /** `ws://127.0.0.1:<ws>` for the browser. */
    get wsUrl() {
        return `ws://127.0.0.1:${this.wsPort}`;
    }

    get running() {
        return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** Starts (or starts again, on the same ports) and waits for both listeners. */
    async start({ timeout = 15000 } = {}) {
        if (this.running) return;
        const deadline = Date.now() + timeout;
        let attempt = 0;
        for (;;) {
            attempt++;
            const out = logStream(`${this.name}.log`);
            fs.writeSync(out, `\n=== [${new Date().toISOString()}] start #${attempt}: ${MOSQUITTO} -c ${this.conf}\n`);
            // Line-buffered (stdbuf execs mosquitto: same pid), so the log
            // shows each connection as it happens, not when mosquitto exits.
            const child = track(spawn('stdbuf', ['-oL', MOSQUITTO, '-c', this.conf], { stdio: ['ignore', out, out] }));
            fs.closeSync(out);
            this.child = child;
            const exit = exited(child);
            let up = false;
            while (Date.now() < deadline) {
                if (child.exitCode !== null || child.signalCode !== null) break;
                if ((await portOpen(this.tcpPort)) && (await portOpen(this.wsPort))) {
                    up = true;
                    break;
                }
                await delay(100);
            }
            if (up) {
                note(`mosquitto up: tcp ${this.tcpPort}, ws ${this.wsPort} (pid ${child.pid})`);
                return;
            }
            await terminate(child, 1000);
            const { code, signal } = await exit;
            if (Date.now() >= deadline) {
                throw new Error(
                    `mosquitto did not listen on ${this.tcpPort}/${this.wsPort} within ${timeout} ms ` +
                        `(exit ${code ?? signal}); see ${path.join(LOG_DIR, `${this.name}.log`)}`,
                );
            }
            // Most likely a port still held from the previous run: try again.
            await delay(300);
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL) and waits for the ports to close. */
    async stop() {
        if (!this.child) return;
        await terminate(this.child, 3000);
        this.child = null;
        await waitFor(async () => !(await portOpen(this.tcpPort)) && !(await portOpen(this.wsPort)), {
            timeout: 5000,
            interval: 100,
            message: 'mosquitto ports to close',
        }).catch(() => {});
        note('mosquitto stopped');
    }

    async restart() {
        await this.stop();
        await this.start();
    }
}

// --- (b) the simulator -----------------------------------------------------------

let simBuilt = null;

/**
 * `cargo build --release -p iotdata-sim`, once per process (a no-op when it is
 * up to date). Skipped when $IOTDATA_SIM_BIN names a binary.
 */
export function buildSim({ timeout = 900000 } = {}) {
    if (process.env.IOTDATA_SIM_BIN) {
        if (!fs.existsSync(SIM_BIN)) throw new Error(`IOTDATA_SIM_BIN=${SIM_BIN} does not exist`);
        return Promise.resolve(SIM_BIN);
    }
    simBuilt ??= (async () => {
        const out = logStream('cargo-build-sim.log');
        const child = track(
            spawn('cargo', ['build', '--release', '-p', 'iotdata-sim'], {
                cwd: ROOT,
                stdio: ['ignore', out, out],
            }),
        );
        fs.closeSync(out);
        const { code, signal } = await withTimeout(exited(child), timeout, 'cargo build --release -p iotdata-sim').catch(
            async (e) => {
                await terminate(child);
                throw e;
            },
        );
        if (code !== 0) {
            throw new Error(
                `cargo build --release -p iotdata-sim failed (${code ?? signal}); see ${path.join(LOG_DIR, 'cargo-build-sim.log')}`,
            );
        }
        return SIM_BIN;
    })();
    return simBuilt;
}

let simCount = 0;

/**
 * Runs `iotdata-sim --broker <broker> --rate <rate> --seed <seed>
 * [--duration S] [--truth FILE] ...extra`. Returns `{ child, exit, stop(),
 * log }`; `exit` resolves with `{ code, signal }`. `stack` stops it.
 */
export async function startSim({ broker, rate = 20, seed = 2, duration, truth, extra = [], stack }) {
    await buildSim();
    const args = ['--broker', broker, '--rate', String(rate), '--seed', String(seed)];
    if (duration !== undefined) args.push('--duration', String(duration));
    if (truth) args.push('--truth', truth);
    args.push(...extra);
    const n = ++simCount;
    const log = path.join(LOG_DIR, `sim-${process.pid}-${n}.log`);
    const out = fs.openSync(log, 'w');
    fs.writeSync(out, `$ ${SIM_BIN} ${args.join(' ')}\n`);
    const child = track(spawn(SIM_BIN, args, { cwd: ROOT, stdio: ['ignore', out, out] }));
    fs.closeSync(out);
    const exit = exited(child);
    exit.then(({ code, signal }) => note(`iotdata-sim #${n} exited (${code ?? signal})`));
    const sim = {
        child,
        exit,
        log,
        stop: () => terminate(child, 2000),
        /** Waits for the end of a `--duration` run; throws if it failed. */
        async finished(ms) {
            const { code, signal } = await withTimeout(exit, ms, `iotdata-sim #${n} to finish`);
            if (code !== 0) {
                throw new Error(`iotdata-sim exited with ${code ?? signal}: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
            }
        },
    };
    stack?.defer(() => sim.stop());
    note(`iotdata-sim #${n} started: ${args.join(' ')} (pid ${child.pid})`);
    return sim;
}

/**
 * The simulator's ground truth after `duration` wall seconds at `rate`
 * (simulated span = duration x rate), computed without a broker:
 * `iotdata-sim --stdout --fast ... --truth FILE`. The simulation is
 * deterministic, so this is the truth of a real-time run with the same
 * seed, rate and duration.
 */
export async function simTruth({ seed = 2, rate = 20, duration = 60 } = {}) {
    await buildSim();
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'iotdata-e2e-truth-'));
    try {
        const file = path.join(dir, 'truth.json');
        const args = ['--stdout', '--fast', '--seed', String(seed), '--rate', String(rate), '--duration', String(duration), '--truth', file];
        const child = track(spawn(SIM_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const { code } = await withTimeout(exited(child), 60000, 'iotdata-sim --stdout --fast');
        if (code !== 0) throw new Error(`iotdata-sim ${args.join(' ')} failed: ${err}`);
        return JSON.parse(await fsp.readFile(file, 'utf8'));
    } finally {
        await fsp.rm(dir, { recursive: true, force: true });
    }
}

/** Reads a truth file written by `--truth`. */
export async function readTruth(file) {
    return JSON.parse(await fsp.readFile(file, 'utf8'));
}

/** Every station id of the simulated deployment (gateways, relays, sensors). */
export function deploymentIds(truth) {
    return new Set([...truth.gateways, ...truth.relays, ...truth.sensors].map((s) => s.id));
}

// --- (c) static HTTP server for dist/ --------------------------------------------

const MIME = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
    '.map': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.gif': 'image/gif',
    '.ico': 'image/x-icon',
    '.webmanifest': 'application/manifest+json',
    '.txt': 'text/plain; charset=utf-8',
    '.woff2': 'font/woff2',
};

/**
 * Serves `dir` (default $IOTDATA_DIST or `dist`) on 127.0.0.1, on `port`
 * (default: a free one). Returns `{ url, port, close() }`; `stack` closes it.
 */
export async function serveDist({ dir = DIST, stack, port: wanted = 0 } = {}) {
    const root = path.resolve(dir);
    if (!fs.existsSync(path.join(root, 'index.html'))) {
        throw new Error(
            `${root}/index.html not found: build the dashboard first (\`source scripts/env.sh && trunk build --release\`, ` +
                'or set IOTDATA_DIST to another trunk --dist directory)',
        );
    }
    const server = http.createServer(async (req, res) => {
        try {
            if (req.method !== 'GET' && req.method !== 'HEAD') {
                res.writeHead(405).end();
                return;
            }
            let rel = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
            if (rel.endsWith('/')) rel += 'index.html';
            const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
            if (file !== root && !file.startsWith(root + path.sep)) {
                res.writeHead(403).end();
                return;
            }
            const st = await fsp.stat(file).catch(() => null);
            if (!st || !st.isFile()) {
                res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${rel}\n`);
                return;
            }
            res.writeHead(200, {
                'content-type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
                'content-length': st.size,
                'cache-control': 'no-store',
            });
            if (req.method === 'HEAD') {
                res.end();
                return;
            }
            fs.createReadStream(file).pipe(res);
        } catch (e) {
            res.writeHead(500).end(String(e));
        }
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(wanted, '127.0.0.1', resolve);
    });
    const { port } = server.address();
    const handle = {
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise((resolve) => {
                server.closeAllConnections?.();
                server.close(() => resolve());
            }),
    };
    stack?.defer(() => handle.close());
    note(`serving ${root} at ${handle.url}`);
    return handle;
}

// --- (d) Chromium through playwright-core ----------------------------------------

/** Launches Debian's Chromium headless (temp profile); `stack` closes it. */
export async function launchBrowser({ stack } = {}) {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/setup.sh); no browser is ever downloaded`);
    }
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true, // our --headless=new comes after playwright's --headless and wins
        args: CHROMIUM_ARGS,
        timeout: 60000,
    });
    stack?.defer(() => browser.close());
    note(`chromium ${browser.version()} launched`);
    return browser;
}

function isLoopback(url) {
    try {
        const h = new URL(url).hostname;
        return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
    } catch {
        return false;
    }
}

/** The console, page errors and failed requests of one page, with times. */
export class ConsoleLog {
    constructor(name) {
        this.name = name;
        this.lines = [];
        this.file = path.join(LOG_DIR, `console-${name}.log`);
    }

    push(line) {
        // Map tiles (and anything else off loopback) are aborted on purpose:
        // count those console errors instead of logging each.
        if (line.includes('ERR_BLOCKED_BY_CLIENT')) {
            this.blocked = (this.blocked || 0) + 1;
            return;
        }
        this.lines.push(`${stamp()} ${line}`);
        if (this.lines.length > 5000) this.lines.splice(0, 1000);
    }

    attach(page) {
        page.on('console', (m) => this.push(`console.${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => this.push(`pageerror: ${e.stack || e.message}`));
        page.on('crash', () => this.push('page crashed'));
        page.on('requestfailed', (r) => {
            if (isLoopback(r.url())) this.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
        });
        page.on('response', (r) => {
            if (r.status() >= 400) this.push(`http ${r.status()}: ${r.url()}`);
        });
    }

    /** Errors logged so far (console.error and uncaught exceptions). */
    errors() {
        return this.lines.filter((l) => / (console\.error|pageerror|page crashed)/.test(l));
    }

    summary() {
        return this.blocked ? [`(${this.blocked} console errors for requests off loopback, aborted on purpose: map tiles)`] : [];
    }

    save() {
        fs.writeFileSync(this.file, [...this.lines, ...this.summary()].join('\n') + '\n');
    }

    /** Prints the whole log into the test output (on failure). */
    dump(why) {
        this.save();
        const tail = [...this.lines.slice(-300), ...this.summary()];
        console.error(
            `\n----- browser console of "${this.name}" (${why}; ${this.lines.length} lines, full log ${this.file}) -----\n` +
                (tail.length ? tail.join('\n') : '(empty)') +
                `\n----- end of browser console of "${this.name}" -----\n`,
        );
    }
}

/**
 * A fresh browser context (own storage: nothing remembered from another
 * test) at 1280x800, light colour scheme, every non-loopback request aborted,
 * service workers blocked unless `serviceWorkers: 'allow'`, and a page whose
 * console is captured. Returns `{ context, page, log }`. Page errors fail
 * the test (see "page errors fail the test" below) unless `allowPageErrors`
 * is set.
 */
export async function newPage(
    browser,
    name,
    { stack, colorScheme = 'light', allowPageErrors = false, serviceWorkers = 'block' } = {},
) {
    const context = await browser.newContext({
        viewport: VIEWPORT,
        deviceScaleFactor: 1,
        colorScheme,
        serviceWorkers,
    });
    await context.route((url) => !isLoopback(url.href), (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    const log = new ConsoleLog(name);
    log.attach(page);
    watchPageErrors(page, log, { allow: allowPageErrors });
    stack?.defer(async () => {
        log.save();
        await context.close();
    });
    return { context, page, log };
}

/**
 * Records every value the `[data-testid=conn-state]` element shows, in
 * `window.__connStates` (`[{ word, t }]`), so transient states are seen.
 * Call before `page.goto`.
 */
export async function recordConnStates(page) {
    await page.addInitScript(() => {
        window.__connStates = [];
        const record = () => {
            const el = document.querySelector('[data-testid="conn-state"]');
            const word = el && el.textContent.trim();
            const list = window.__connStates;
            if (word && (list.length === 0 || list[list.length - 1].word !== word)) {
                list.push({ word, t: Date.now() });
            }
        };
        new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
}

/** The conn-state words recorded so far. */
export function connStates(page) {
    return page.evaluate(() => (window.__connStates || []).map((s) => s.word));
}

/** The current text of `[data-testid=conn-state]` (null when absent). */
export async function connState(page) {
    return page.evaluate(() => document.querySelector('[data-testid="conn-state"]')?.textContent.trim() ?? null);
}

/** Waits until `[data-testid=conn-state]` reads `word`. */
export async function waitConnState(page, word, timeout = 30000) {
    return waitFor(async () => (await connState(page)) === word, {
        timeout,
        interval: 100,
        message: `conn-state "${word}"`,
        describe: () => 'see the recorded states in the browser console dump',
    }).catch(async (e) => {
        const seen = await connStates(page).catch(() => []);
        const now = await connState(page).catch(() => null);
        const detail = await page
            .evaluate(() => document.querySelector('[data-testid="conn-detail"]')?.textContent ?? null)
            .catch(() => null);
        throw new Error(`${e.message}; now "${now}" (${detail}); states seen: ${seen.join(' → ')}`);
    });
}

/**
 * The link that opens the dashboard on `broker` (a `Mosquitto`) with the
 * topic filter `iotdata/#`: `<base>/?broker=ws://127.0.0.1:<ws>&topic=iotdata/%23`,
 * plus `&<query>` when given (e.g. `mqtt=5`), plus `&$IOTDATA_E2E_EXTRA_QUERY`
 * when set (e.g. `map=sim`, for diagnosis).
 */
export function dashboardUrl(base, broker, query = '') {
    const extra = [query, process.env.IOTDATA_E2E_EXTRA_QUERY].filter(Boolean).map((q) => `&${q}`).join('');
    return `${base}/?broker=${broker.wsUrl}&topic=iotdata/%23${extra}`;
}

/** Sets `location.hash` (hash routes: no reload). */
export async function goHash(page, hash) {
    await page.evaluate((h) => {
        location.hash = h;
    }, hash);
}

/** Values of `attr` on every element matching `selector`. */
export function attrs(page, selector, attr) {
    return page.$$eval(selector, (els, a) => els.map((e) => e.getAttribute(a)), attr);
}

/** Parses a station id written as decimal (or 0x-hex, leniently). */
export function parseId(s) {
    if (s == null) return NaN;
    const t = String(s).trim();
    return /^0x/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? parseInt(t, 10) : NaN;
}

// --- screenshots ------------------------------------------------------------------

/**
 * Saves a PNG of the viewport as docs/screenshots/<name>.png (one pixel per
 * device pixel, or per CSS pixel with `scale: 'css'`), reduced to 256 colours by pngquant (Debian package, `scripts/setup.sh
 * browser`) to keep the repository small.
 */
export async function screenshot(page, name, { scale = 'device' } = {}) {
    if (process.env.IOTDATA_E2E_SCREENSHOTS === '0') return null;
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    // Let a pending animation frame (coalesced UI updates) land first.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: file, type: 'png', animations: 'disabled', caret: 'hide', scale });
    const before = fs.statSync(file).size;
    // No dithering: flat UI colours and text stay crisp, and the file small.
    const r = spawnSync(PNGQUANT, ['--force', '--ext', '.png', '--strip', '--nofs', '--speed', '1', '256', '--', file], {
        encoding: 'utf8',
    });
    if (r.error || r.status !== 0) {
        const why = r.error ? r.error.message : `exit ${r.status}: ${r.stderr.trim()}`;
        throw new Error(`${PNGQUANT} failed on ${file} (${why}); install it with \`scripts/setup.sh browser\` (Debian package pngquant)`);
    }
    note(
        `screenshot ${path.relative(ROOT, file)} (${(fs.statSync(file).size / 1024).toFixed(0)} KiB, ` +
            `${(before / 1024).toFixed(0)} KiB as Chromium wrote it; 256 colours)`,
    );
    return file;
}

// --- (e) failure reporting ----------------------------------------------------------

/**
 * Wraps a test body: when it throws, the browser console of every log in
 * `logs()` is printed into the test output before the error propagates.
 * Tests that time out in the runner never reach the catch, so the file's
 * `after` hook also calls `dumpIfUnfinished()`.
 */
export function withConsoleOnFailure(logs, state) {
    return (fn) => async (t) => {
        state.running.add(t.name);
        try {
            await fn(t);
            failOnPageErrors(logs());
            state.running.delete(t.name);
        } catch (e) {
            state.running.delete(t.name);
            state.failed = true;
            for (const l of logs()) l?.dump(`test "${t.name}" failed: ${e.message.split('\n')[0]}`);
            failOnPageErrors(logs(), e);
            throw e;
        }
    };
}

/** A state for `withConsoleOnFailure`, plus the dump for unfinished tests. */
export function failureState() {
    const state = {
        running: new Set(),
        failed: false,
        dumpIfUnfinished(logs) {
            if (state.running.size) {
                for (const l of logs()) l?.dump(`test(s) did not finish (timed out?): ${[...state.running].join(', ')}`);
            }
        },
    };
    return state;
}

// --- a test file's set-up ------------------------------------------------------

/**
 * What every end-to-end file sets up, in one call at its top level: a
 * cleanup `stack`, the failure `state`, the console `logs` dumped when a
 * test fails, `step` (wrap each test body in it: `withConsoleOnFailure`),
 * and an `after` hook that dumps unfinished tests' consoles and cleans up.
 * `start()` (in the file's `before`) starts a broker named after the file,
 * the static server and the browser; `open(name, options)` opens a page
 * (`newPage`) whose console is watched.
 */
export function e2eFile(name) {
    const stack = new Stack();
    const state = failureState();
    const logs = [];
    const file = {
        stack,
        state,
        logs,
        step: withConsoleOnFailure(() => logs, state),
        broker: null,
        server: null,
        browser: null,
        async start() {
            file.broker = await Mosquitto.start(stack, `mosquitto-${name}-${process.pid}`);
            file.server = await serveDist({ stack });
            file.browser = await launchBrowser({ stack });
            return file;
        },
        async open(pageName, options = {}) {
            const p = await newPage(options.browser ?? file.browser, pageName, { stack, ...options });
            logs.push(p.log);
            return p;
        },
    };
    after(async () => {
        state.dumpIfUnfinished(() => logs);
        await stack.cleanup();
    });
    return file;
}

// --- page errors fail the test ------------------------------------------------
//
// An uncaught exception in the page, a wasm trap (`RuntimeError`, e.g. after a
// Rust panic) or a Rust panic message on the console is a defect. `newPage`
// records them on `log.pageErrors`; `withConsoleOnFailure` fails the running
// test with them. A test that provokes one on purpose opens its page with
// `newPage(browser, name, { allowPageErrors: true })`: they are still
// recorded (and logged), but fail nothing.

/** Console errors that mean the wasm died. */
const FATAL_CONSOLE = /RuntimeError|panicked at/;

/** Records `page`'s uncaught errors, wasm traps and panics on `log.pageErrors`. */
export function watchPageErrors(page, log, { allow = false } = {}) {
    log.pageErrors = [];
    log.allowPageErrors = allow;
    const record = (what) => {
        if (log.pageErrors.length < 50) log.pageErrors.push(what.slice(0, 2000));
    };
    page.on('pageerror', (e) => record(`uncaught ${e.name || 'error'}: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && FATAL_CONSOLE.test(m.text())) record(`console.error: ${m.text()}`);
    });
    page.on('crash', () => record('page crashed'));
}

/**
 * Throws when a page of `logs` (not opted out) recorded errors since the last
 * call; `cause` (a failure already thrown) is named after them.
 */
export function failOnPageErrors(logs, cause) {
    const errors = [];
    for (const l of logs) {
        if (!l?.pageErrors || l.allowPageErrors) continue;
        errors.push(...l.pageErrors.splice(0).map((e) => `[${l.name}] ${e}`));
    }
    if (!errors.length) return;
    const then = cause ? `\nthen: ${cause.message}` : '';
    throw new Error(`page error(s) during the test:\n${errors.join('\n')}${then}`, { cause });
}

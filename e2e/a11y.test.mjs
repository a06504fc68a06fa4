// End-to-end: accessibility and phones, on the in-page demo feed (no broker).
//
// 1. The audit: axe-core (npm, pinned in package.json) runs the WCAG 2.0 and
//    2.1 A/AA rules on every view (stations, one station, map, packets,
//    mesh, gallery, the inspector with a decoded frame, the alerts page with
//    the suggested rules and whatever they raise, the settings panel open),
//    in the light and the dark theme (the app follows
//    `prefers-color-scheme`, emulated here), at desktop size (1280x800) and
//    as a phone (390x844, mobile emulation with touch). It prints a table
//    (view x theme x size: violations by impact) and fails on any serious or
//    critical violation. Nothing is excluded from the audit: Leaflet's own
//    controls (zoom buttons, attribution) are audited like the rest.
// 2. Phones: at 390x844 every view has
//    `document.documentElement.scrollWidth === innerWidth === 390` (no
//    sideways page scroll; a mobile browser widens innerWidth to a page wider
//    than the screen, so both are compared to the screen's 390); the light-theme pass saves docs/screenshots/phone-<view>.png.
// 3. Keyboard: with the keyboard only (Tab, Shift+Tab, Enter), open a
//    station from the stations table, the mesh view's node table (and a
//    node's panel from it), and the inspector, where a typed frame decodes.

import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';

import {
    ConsoleLog,
    ROOT,
    VECTOR_HEX,
    attrs,
    e2eFile,
    goHash,
    launchBrowser,
    note,
    parseId,
    screenshot,
    serveDist,
    waitFor,
    watchPageErrors,
} from './harness.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];
const PHONE_WIDTH = 390;
const SIZES = {
    desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
    phone: { viewport: { width: PHONE_WIDTH, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

/** The views audited: hash, and the hook that says the view is drawn. */
const VIEWS = [
    { name: 'stations', hash: () => '#/', ready: '[data-testid="station-row"]' },
    { name: 'station', hash: (id) => `#/station/${id}`, ready: '[data-testid="chart"]' },
    { name: 'map', hash: () => '#/map', ready: '[data-testid="map-marker-count"]' },
    { name: 'packets', hash: () => '#/log', ready: '[data-testid="packet-row"]' },
    { name: 'mesh', hash: () => '#/mesh', ready: '[data-testid="mesh-table-row"]', table: true },
    { name: 'gallery', hash: () => '#/gallery', ready: '[data-testid="gallery-tile"]' },
    { name: 'inspector', hash: () => `#hex=${VECTOR_HEX}`, ready: '[data-testid="inspector-json"]' },
    { name: 'alerts', hash: () => '#/alerts', ready: '[data-testid="alert-rule"]', rules: true },
    { name: 'settings', hash: () => '#/', ready: '[data-testid="settings-broker"]', settings: true },
];

const e2e = e2eFile('a11y');
const { stack, step, logs } = e2e;

let server;
let browser;
/** Audit rows: { view, theme, size, counts: {impact: n}, rules: [...] }. */
const rows = [];
/** Phone scrollWidth per view: { view, theme, scrollWidth, innerWidth }. */
const widths = [];

before(async () => {
    server = await serveDist({ stack });
    browser = await launchBrowser({ stack });
}, { timeout: 120000 });

/**
 * A fresh context at `size` in `theme` (non-loopback requests aborted, page
 * errors fail the test), with the demo feed running and its data in: station
 * rows, mesh nodes and a thumbnail.
 */
async function openDemo(name, theme, size) {
    const context = await browser.newContext({ ...SIZES[size], colorScheme: theme, serviceWorkers: 'block' });
    await context.route((url) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url.href), (r) => r.abort('blockedbyclient'));
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    const log = new ConsoleLog(name);
    log.attach(page);
    watchPageErrors(page, log);
    logs.push(log);
    stack.defer(async () => {
        log.save();
        await context.close();
    });
    await page.goto(`${server.url}/?demo=1`, { waitUntil: 'load' });
    await waitFor(async () => (await page.locator('[data-testid="station-row"]').count()) >= 5, {
        timeout: 60000,
        message: '>= 5 station rows from the demo feed',
    });
    return page;
}

/** Lets pending animation frames (coalesced updates) land. */
function settle(page) {
    return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))));
}

/** Opens `view` (a station page for `stationId`) and waits for it to be drawn. */
async function show(page, view, stationId) {
    await goHash(page, view.hash(stationId));
    if (view.table) await page.locator('[data-testid="mesh-toggle-table"]').check();
    if (view.rules && (await page.locator('[data-testid="alert-rule"]').count()) === 0) {
        await page.locator('[data-testid="rules-suggested"]').click();
    }
    if (view.settings) {
        const open = page.getByRole('button', { name: 'Settings', exact: true });
        if ((await open.getAttribute('aria-expanded')) !== 'true') await open.click();
    }
    await page.locator(view.ready).first().waitFor({ state: 'attached', timeout: 60000 });
    await settle(page);
}

/** Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page. */
async function audit(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
    return page.evaluate(async (tags) => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
        return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.length,
            sample: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${(n.failureSummary || '').split('\n').slice(0, 2).join(' ')}`),
        }));
    }, TAGS);
}

/** scrollWidth and innerWidth of the page. */
function pageWidth(page) {
    return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

for (const size of ['desktop', 'phone']) {
    for (const theme of ['light', 'dark']) {
        test(`axe WCAG 2.1 A/AA: every view, ${theme} theme, ${size}`, { timeout: 600000 }, step(async () => {
            const page = await openDemo(`a11y-${size}-${theme}`, theme, size);
            const stationId = parseId((await attrs(page, '[data-testid="station-row"]', 'data-station'))[0]);
            const bad = [];
            for (const view of VIEWS) {
                await show(page, view, stationId);
                const found = await audit(page);
                const counts = Object.fromEntries(IMPACTS.map((i) => [i, 0]));
                for (const v of found) counts[v.impact] = (counts[v.impact] || 0) + v.nodes;
                rows.push({ view: view.name, theme, size, counts, rules: found });
                for (const v of found) {
                    note(`${view.name} ${theme} ${size}: ${v.impact} ${v.id} ×${v.nodes}\n    ${v.sample.join('\n    ')}`);
                    if (v.impact === 'serious' || v.impact === 'critical') bad.push(`${view.name}: ${v.id} (${v.impact}) ×${v.nodes}`);
                }
                if (size === 'phone') {
                    const w = await pageWidth(page);
                    widths.push({ view: view.name, theme, ...w });
                    note(`${view.name} ${theme} phone: scrollWidth ${w.scrollWidth}, innerWidth ${w.innerWidth}`);
                    if (theme === 'light') await screenshot(page, `phone-${view.name}`, { scale: 'css' });
                }
            }
            assert.deepEqual(bad, [], `serious or critical axe violations (${theme}, ${size})`);
            if (size === 'phone') {
                const wide = widths.filter((w) => w.theme === theme && !(w.scrollWidth === PHONE_WIDTH && w.innerWidth === PHONE_WIDTH));
                assert.deepEqual(wide, [], `views that scroll sideways at 390x844 (${theme})`);
            }
        }));
    }
}

test('the audit table (view x theme x size: violations by impact)', () => {
    const head = ['view', 'theme', 'size', ...IMPACTS];
    const lines = [head, ...rows.map((r) => [r.view, r.theme, r.size, ...IMPACTS.map((i) => String(r.counts[i] || 0))])];
    const w = head.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
    const fmt = (l) => `| ${l.map((s, c) => s.padEnd(w[c])).join(' | ')} |`;
    console.log(['', 'axe-core WCAG 2.1 A/AA violations (elements), demo feed:', fmt(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...lines.slice(1).map(fmt)].join('\n'));
    if (widths.length) {
        console.log(['', 'phone 390x844: document scrollWidth per view', ...widths.map((x) => `  ${x.view.padEnd(10)} ${x.theme.padEnd(5)} ${x.scrollWidth} / ${x.innerWidth}`)].join('\n'));
    }
    assert.equal(rows.length, VIEWS.length * 4, 'every view audited in 2 themes x 2 sizes');
    const bad = rows.filter((r) => r.counts.critical || r.counts.serious);
    assert.deepEqual(bad.map((r) => `${r.view} ${r.theme} ${r.size}`), [], 'serious or critical violations');
});

/** Presses Tab (Shift+Tab when `back`) until `probe` (run on the focused element) holds. */
async function tabTo(page, probe, what, { back = false, max = 400 } = {}) {
    for (let i = 0; i < max; i++) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        if (await page.evaluate(probe)) return i + 1;
    }
    const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
    throw new Error(`${what}: not reached in ${max} presses of ${back ? 'Shift+Tab' : 'Tab'} (focus on ${at})`);
}

test('keyboard only: a station, the mesh node table and the inspector', { timeout: 300000 }, step(async () => {
    const page = await openDemo('a11y-keyboard', 'light', 'desktop');
    await page.evaluate(() => document.activeElement?.blur());
    // A station: Tab to the first station link in the table, Enter.
    const n1 = await tabTo(page, () => !!document.activeElement?.closest('[data-testid="station-row"]'), 'a station row link');
    const id = await page.evaluate(() => document.activeElement.closest('[data-testid="station-row"]').getAttribute('data-station'));
    const visible = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    });
    assert.ok(visible, 'the focused station link shows a focus outline');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="station-page"][data-station="${id}"]`).waitFor({ timeout: 20000 });
    note(`keyboard: station ${id} opened after ${n1} Tab presses`);

    // The mesh view: back to the navigation, Enter on "Mesh".
    await tabTo(page, () => document.activeElement?.textContent.trim() === 'Mesh', 'the Mesh nav link', { back: true });
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="mesh-toggle-table"]').waitFor({ timeout: 30000 });
    await tabTo(page, () => document.activeElement?.getAttribute('data-testid') === 'mesh-toggle-table', 'the node table checkbox');
    await page.keyboard.press('Space');
    await page.locator('[data-testid="mesh-table-row"]').first().waitFor({ timeout: 30000 });
    const n2 = await tabTo(page, () => !!document.activeElement?.closest('[data-testid="mesh-table-row"]'), 'a mesh table row link');
    const node = await page.evaluate(() => document.activeElement.closest('[data-testid="mesh-table-row"]').getAttribute('data-node'));
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="mesh-panel"][data-node="${node}"]`).waitFor({ timeout: 20000 });
    note(`keyboard: mesh table row of node ${node} reached after ${n2} Tab presses, its panel opened`);

    // The inspector: nav link, then type a frame into the focused textarea.
    await tabTo(page, () => document.activeElement?.textContent.trim() === 'Inspector', 'the Inspector nav link', { back: true });
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="inspector-input"]').waitFor({ timeout: 20000 });
    await tabTo(page, () => document.activeElement?.getAttribute('data-testid') === 'inspector-input', 'the inspector input');
    await page.keyboard.type(VECTOR_HEX);
    const json = page.locator('[data-testid="inspector-json"]');
    await json.waitFor({ timeout: 20000 });
    assert.match(await json.textContent(), /"station":\s*42/);
    // Every scrollable region of the decoded frame is reachable by Tab.
    const scrollers = await page.evaluate(() =>
        [...document.querySelectorAll('main *')]
            .filter((e) => {
                const s = getComputedStyle(e);
                return /(auto|scroll)/.test(s.overflowY + s.overflowX) && (e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth);
            })
            .filter((e) => e.tabIndex < 0 && !e.querySelector('a, button, input, select, textarea, [tabindex="0"]'))
            .map((e) => e.className),
    );
    assert.deepEqual(scrollers, [], 'scrollable regions of the inspector that the keyboard cannot reach');
    note('keyboard: inspector reached, frame typed and decoded');
}));

/** The mesh graph's viewBox as numbers. */
async function viewBox(page) {
    const v = await page.locator('[data-testid="mesh-graph"]').getAttribute('viewBox');
    return v.split(/\s+/).map(Number);
}

test('phone: the mesh graph zooms (buttons by keyboard, wheel, pinch) and pans (drag)', { timeout: 180000 }, step(async () => {
    const page = await openDemo('a11y-mesh-zoom', 'light', 'phone');
    await goHash(page, '#/mesh');
    await page.locator('[data-testid="mesh-node"], [data-testid="mesh-nodes"]').first().waitFor({ timeout: 60000 });
    const full = await viewBox(page);
    const width = await page.evaluate(() => document.querySelector('[data-testid="mesh-graph"]').getBoundingClientRect().width);
    assert.ok(width > 300 && width <= PHONE_WIDTH, `the graph is full width on the phone (${width} px)`);
    // + by keyboard: focus the button, Enter.
    await page.locator('[data-testid="mesh-zoom-in"]').focus();
    await page.keyboard.press('Enter');
    await settle(page);
    const zoomed = await viewBox(page);
    assert.ok(Math.abs(zoomed[2] - full[2] / 1.5) < 1, `+ zooms in by 1.5: ${full} -> ${zoomed}`);
    // Pointer and wheel events on the drawing (dispatched, as a touch
    // screen would send them); the view updates on the next frame.
    const gesture = async (steps) => {
        await page.evaluate((steps) => {
            const svg = document.querySelector('[data-testid="mesh-graph"]');
            const b = svg.getBoundingClientRect();
            const cx = b.left + b.width / 2;
            const cy = b.top + b.height / 2;
            for (const [type, id, dx] of steps) {
                const init = { clientX: cx + dx, clientY: cy, bubbles: true, cancelable: true };
                svg.dispatchEvent(
                    type === 'wheel'
                        ? new WheelEvent('wheel', { ...init, deltaY: id })
                        : new PointerEvent(type, { ...init, pointerId: id, buttons: type === 'pointerup' ? 0 : 1, pointerType: 'touch' }),
                );
            }
        }, steps);
        await settle(page);
        return viewBox(page);
    };
    // A one-finger drag to the left moves the view to the right.
    const panned = await gesture([['pointerdown', 1, 0], ['pointermove', 1, -20], ['pointermove', 1, -40], ['pointerup', 1, -40]]);
    assert.ok(panned[0] > zoomed[0], `a drag to the left moves the view right: ${zoomed} -> ${panned}`);
    // Two fingers spreading from 40 to 120 px apart: pinch zoom in.
    const pinched = await gesture([['pointerdown', 2, -20], ['pointerdown', 3, 20], ['pointermove', 3, 100], ['pointerup', 2, -20], ['pointerup', 3, 100]]);
    assert.ok(pinched[2] < panned[2], `a pinch zooms in: ${panned} -> ${pinched}`);
    const wheeled = await gesture([['wheel', 100, 0]]);
    assert.ok(wheeled[2] > pinched[2], `the wheel zooms out: ${pinched} -> ${wheeled}`);
    await page.locator('[data-testid="mesh-zoom-fit"]').click();
    await settle(page);
    assert.deepEqual(await viewBox(page), full, 'Fit shows the whole graph again');
    note(`mesh zoom: full ${full}, + ${zoomed}, drag ${panned}, pinch ${pinched}, wheel ${wheeled}`);
}));

test('connection state changes are announced in the polite live region', { timeout: 120000 }, step(async () => {
    const page = await openDemo('a11y-announce', 'light', 'desktop');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // A broker on a closed port: connecting, then reconnecting or error.
    await page.locator('[data-testid="settings-broker"]').fill('ws://127.0.0.1:9/mqtt');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const region = page.locator('[data-testid="live-region"]');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    const said = await waitFor(async () => {
        const t = (await region.textContent()).trim();
        return /^connection (connecting|reconnecting|error)$/.test(t) ? t : null;
    }, { timeout: 30000, message: 'a connection state in the live region' });
    note(`live region: "${said}"`);
}));

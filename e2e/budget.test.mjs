// The release bundle budget (see budget.mjs), printed by every e2e run: the
// 400 KB gzip target with OK/OVER, and a failure above either regression
// ceiling (gzip, brotli).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BUDGET_GZIP_BYTES, CEILING_BROTLI_BYTES, CEILING_GZIP_BYTES, measureBundle, report } from './budget.mjs';

test(`release bundle (wasm + JS + CSS, Leaflet excluded): target ${BUDGET_GZIP_BYTES / 1000} kB gzip, ceilings ${CEILING_GZIP_BYTES / 1000} kB gzip, ${CEILING_BROTLI_BYTES / 1000} kB brotli`, () => {
    const m = measureBundle();
    const lines = report(m);
    console.log(lines.join('\n'));
    assert.ok(m.files.some((f) => f.file.endsWith('.wasm')), 'the bundle has a .wasm file');
    assert.ok(
        m.gzip <= CEILING_GZIP_BYTES,
        `bundle is ${m.gzip} bytes gzip, above the ${CEILING_GZIP_BYTES} byte regression ceiling (target ${BUDGET_GZIP_BYTES})`,
    );
    assert.ok(
        m.brotli <= CEILING_BROTLI_BYTES,
        `bundle is ${m.brotli} bytes brotli, above the ${CEILING_BROTLI_BYTES} byte regression ceiling`,
    );
});

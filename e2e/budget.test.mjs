// The release bundle budget (see budget.mjs), printed by every e2e run: the
// 400 KB gzip target with OK/OVER, and a failure above the regression ceiling.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BUDGET_GZIP_BYTES, CEILING_GZIP_BYTES, measureBundle, report } from './budget.mjs';

test(`release bundle (wasm + JS + CSS, Leaflet excluded): target ${BUDGET_GZIP_BYTES / 1000} kB gzip, ceiling ${CEILING_GZIP_BYTES / 1000} kB`, () => {
    const m = measureBundle();
    const lines = report(m);
    console.log(lines.join('\n'));
    assert.ok(m.files.some((f) => f.file.endsWith('.wasm')), 'the bundle has a .wasm file');
    assert.ok(
        m.gzip <= CEILING_GZIP_BYTES,
        `bundle is ${m.gzip} bytes gzip, above the ${CEILING_GZIP_BYTES} byte regression ceiling (target ${BUDGET_GZIP_BYTES})`,
    );
});

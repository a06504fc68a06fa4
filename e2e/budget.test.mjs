// The release bundle budget (see budget.mjs), printed by every e2e run.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BUDGET_GZIP_BYTES, measureBundle, report } from './budget.mjs';

test('release bundle (wasm + JS + CSS, Leaflet excluded) <= 400 KB gzip', () => {
    const m = measureBundle();
    const lines = report(m);
    console.log(lines.join('\n'));
    assert.ok(m.files.some((f) => f.file.endsWith('.wasm')), 'the bundle has a .wasm file');
    assert.ok(m.gzip <= BUDGET_GZIP_BYTES, `bundle is ${m.gzip} bytes gzip, over the ${BUDGET_GZIP_BYTES} byte budget`);
});

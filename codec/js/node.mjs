// The package's Node entry: the same module as in browsers (iotdata.js),
// with the wasm loaded synchronously from this directory on import. The
// default export `init` is there too, so code that does `await init()` runs
// unchanged in both (it returns at once here).
import { readFileSync } from 'node:fs';
import init, { initSync } from './iotdata.js';

initSync({ module: readFileSync(new URL('./iotdata_bg.wasm', import.meta.url)) });

export * from './iotdata.js';
export default init;

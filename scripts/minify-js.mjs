// trunk post_build hook (Trunk.toml [[hooks]]): minifies the wasm-bindgen
// JS module of a release build with terser and updates its subresource
// integrity hash in index.html. trunk's own JS minifier declines ES modules
// with `export default`, so the glue would otherwise ship as written
// (about 72 kB raw, 9.7 kB brotli; minified about 32 kB raw, 7.8 kB brotli).
//
// Debug builds (`trunk serve`) are left as they are. Runs from trunk with
// TRUNK_STAGING_DIR and TRUNK_PROFILE set; by hand:
//   TRUNK_PROFILE=release TRUNK_STAGING_DIR=dist node scripts/minify-js.mjs

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { minify } from 'terser';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
    console.error('minify-js: TRUNK_STAGING_DIR is not set (run from trunk, see the header)');
    process.exit(1);
}
if (process.env.TRUNK_PROFILE !== 'release') {
    process.exit(0);
}

const sri = (buf) => `sha384-${crypto.createHash('sha384').update(buf).digest('base64')}`;
const indexPath = path.join(dir, 'index.html');
let index = fs.readFileSync(indexPath, 'utf8');
const glue = fs.readdirSync(dir).filter((f) => /^iotdata-web-[0-9a-f]+\.js$/.test(f));
if (glue.length !== 1) {
    console.error(`minify-js: expected one iotdata-web-<hash>.js in ${dir}, found ${glue.length}`);
    process.exit(1);
}
const file = path.join(dir, glue[0]);
const before = fs.readFileSync(file);
const out = await minify(before.toString('utf8'), {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
});
const after = Buffer.from(out.code, 'utf8');
const oldHash = sri(before);
if (!index.includes(oldHash)) {
    console.error(`minify-js: index.html does not carry ${glue[0]}'s integrity hash ${oldHash}`);
    process.exit(1);
}
fs.writeFileSync(file, after);
index = index.split(oldHash).join(sri(after));
fs.writeFileSync(indexPath, index);
console.log(`minify-js: ${glue[0]} ${before.length} -> ${after.length} bytes`);

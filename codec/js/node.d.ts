// The Node entry (node.mjs) has the browser module's API; the wasm is
// already loaded when the import resolves.
export * from './iotdata.js';
export { default } from './iotdata.js';

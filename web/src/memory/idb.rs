//! IndexedDB: one database ([`DB_NAME`]), one object store ([`STORE`]) of
//! byte records keyed by source. The requests are a few lines of
//! JavaScript (a wasm-bindgen inline snippet, smaller in the bundle than
//! web-sys's IndexedDB bindings and a future per request); each returns a
//! `Promise` awaited here. Errors are the DOM exception's name
//! (`QuotaExceededError`, ...).

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::snapshot::MAX_RECORD_BYTES;

/// The database's name.
pub const DB_NAME: &str = "iotdata";
/// The database's schema version. Opening a database of an older version
/// drops its records (a clean reset).
pub const DB_VERSION: u32 = 1;
/// The object store: one record per broker source.
pub const STORE: &str = "sources";

#[wasm_bindgen(inline_js = r#"
let db;
const S = 'sources';
const req = (r) => new Promise((ok, no) => {
  r.onsuccess = () => ok(r.result);
  r.onerror = () => no(r.error ? r.error.name : 'error');
});
const open = (name, version) => db || (db = new Promise((ok, no) => {
  if (!self.indexedDB) return no('IndexedDB is not available');
  const r = indexedDB.open(name, version);
  r.onupgradeneeded = () => {
    const d = r.result;
    if (d.objectStoreNames.contains(S)) d.deleteObjectStore(S);
    d.createObjectStore(S);
  };
  req(r).then(ok, no);
}));
const tx = (name, version, mode, f) => open(name, version).then((d) => new Promise((ok, no) => {
  const t = d.transaction(S, mode);
  const r = f(t.objectStore(S));
  t.oncomplete = () => ok(r.result);
  t.onerror = t.onabort = () => no(t.error ? t.error.name : 'aborted');
})).catch((e) => Promise.reject((e && e.name) || e));
export const idb_get = (n, v, key, max) => tx(n, v, 'readonly', (s) => s.get(key)).then((b) =>
  b === undefined || (b instanceof Uint8Array && b.length <= max) ? b : new Uint8Array(0));
export const idb_put = (n, v, key, bytes) => {
  const b = bytes.slice();
  return tx(n, v, 'readwrite', (s) => s.put(b, key));
};
export const idb_delete = (n, v, key) => tx(n, v, 'readwrite', (s) => (key == null ? s.clear() : s.delete(key)));
"#)]
extern "C" {
    fn idb_get(name: &str, version: u32, key: &str, max: usize) -> Promise;
    fn idb_put(name: &str, version: u32, key: &str, bytes: &[u8]) -> Promise;
    fn idb_delete(name: &str, version: u32, key: Option<String>) -> Promise;
}

/// Starts reading the record of `key` ([`get`] says what comes back).
pub fn get_request(key: &str) -> Promise {
    idb_get(DB_NAME, DB_VERSION, key, MAX_RECORD_BYTES)
}

/// Starts writing `bytes` as the record of `key` (copied at once); the
/// promise settles with the write ([`call`] awaits it).
pub fn put_request(key: &str, bytes: &[u8]) -> Promise {
    idb_put(DB_NAME, DB_VERSION, key, bytes)
}

/// Starts deleting the record of `key`, or every record when `key` is
/// `None` ([`call`] awaits it).
pub fn delete_request(key: Option<String>) -> Promise {
    idb_delete(DB_NAME, DB_VERSION, key)
}

/// Awaits a request: its result, or the error's name.
pub async fn call(p: Promise) -> Result<JsValue, String> {
    JsFuture::from(p)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| "error".into()))
}

/// The record of `key`: `None` when there is none; a record that is not
/// bytes, or too large to read, comes back empty (and fails to decode).
pub async fn get(key: &str) -> Result<Option<Vec<u8>>, String> {
    let v = call(get_request(key)).await?;
    Ok(v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
}

/// Writes `bytes` as the record of `key` (a copy: the wasm memory is not
/// kept).
pub async fn put(key: &str, bytes: &[u8]) -> Result<(), String> {
    call(put_request(key, bytes)).await.map(drop)
}

/// Deletes the record of `key`, or every record when `key` is `None`.
pub async fn delete(key: Option<String>) -> Result<(), String> {
    call(delete_request(key)).await.map(drop)
}

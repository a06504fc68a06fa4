//! IndexedDB through web-sys: one database ([`DB_NAME`]), one object store
//! ([`STORE`]) of byte records keyed by source. Requests and transactions
//! become futures by handing a `Promise`'s own resolve and reject
//! functions to their event handlers (no Rust closure per request).
//! Errors are the DOM exception's name (`QuotaExceededError`, ...).

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::snapshot::MAX_RECORD_BYTES;

/// The database's name.
pub const DB_NAME: &str = "iotdata";
/// The database's schema version. Opening a database of an older version
/// drops its records (a clean reset).
pub const DB_VERSION: u32 = 1;
/// The object store: one record per broker source.
pub const STORE: &str = "sources";

fn js_err(e: JsValue) -> String {
    e.dyn_ref::<DomException>()
        .map_or_else(|| "error".into(), DomException::name)
}

fn promise(set: impl Fn(&Function, &Function)) -> JsFuture {
    JsFuture::from(Promise::new(&mut |ok, err| set(&ok, &err)))
}

/// A request's result, once it succeeded.
async fn done(req: &IdbRequest) -> Result<JsValue, String> {
    let wait = promise(|ok, err| {
        req.set_onsuccess(Some(ok));
        req.set_onerror(Some(err));
    });
    match wait.await {
        Ok(_) => req.result().map_err(js_err),
        Err(_) => Err(req
            .error()
            .ok()
            .flatten()
            .map_or_else(|| "error".into(), |e| e.name())),
    }
}

/// Waits until a transaction committed.
async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    let wait = promise(|ok, err| {
        tx.set_oncomplete(Some(ok));
        tx.set_onerror(Some(err));
        tx.set_onabort(Some(err));
    });
    wait.await
        .map(drop)
        .map_err(|_| tx.error().map_or_else(|| "aborted".into(), |e| e.name()))
}

/// Opens (or creates) the database.
pub async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("IndexedDB is not available")?;
    let req = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(js_err)?;
    let upgrade = Closure::once_into_js(move |e: web_sys::Event| {
        let db = e
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|d| d.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            if db.object_store_names().contains(STORE) {
                let _ = db.delete_object_store(STORE);
            }
            let _ = db.create_object_store(STORE);
        }
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    done(&req)
        .await?
        .dyn_into()
        .map_err(|_| "not a database".into())
}

fn store(
    db: &IdbDatabase,
    write: bool,
) -> Result<(IdbTransaction, web_sys::IdbObjectStore), String> {
    let mode = if write {
        IdbTransactionMode::Readwrite
    } else {
        IdbTransactionMode::Readonly
    };
    let tx = db
        .transaction_with_str_and_mode(STORE, mode)
        .map_err(js_err)?;
    let st = tx.object_store(STORE).map_err(js_err)?;
    Ok((tx, st))
}

/// The record of `key`: `None` when there is none; a record that is not
/// bytes, or too large to read, comes back empty (and fails to decode).
pub async fn get(db: &IdbDatabase, key: &str) -> Result<Option<Vec<u8>>, String> {
    let (_tx, st) = store(db, false)?;
    let v = done(&st.get(&JsValue::from_str(key)).map_err(js_err)?).await?;
    if v.is_undefined() {
        return Ok(None);
    }
    Ok(Some(match v.dyn_into::<Uint8Array>() {
        Ok(a) if a.length() as usize <= MAX_RECORD_BYTES => a.to_vec(),
        _ => Vec::new(),
    }))
}

/// Writes `items` (key, bytes) in one transaction.
pub async fn put(db: &IdbDatabase, items: &[(String, Vec<u8>)]) -> Result<(), String> {
    let (tx, st) = store(db, true)?;
    for (k, b) in items {
        st.put_with_key(&Uint8Array::from(b.as_slice()), &JsValue::from_str(k))
            .map_err(js_err)?;
    }
    committed(&tx).await
}

/// Deletes the record of `key`, or every record when `key` is `None`.
pub async fn delete(db: &IdbDatabase, key: Option<&str>) -> Result<(), String> {
    let (tx, st) = store(db, true)?;
    match key {
        Some(k) => st.delete(&JsValue::from_str(k)),
        None => st.clear(),
    }
    .map_err(js_err)?;
    committed(&tx).await
}

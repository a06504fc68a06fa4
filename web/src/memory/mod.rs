//! The dashboard remembers each broker source across reloads, in this
//! browser's IndexedDB ([`idb`]): one record per source, keyed by
//! [`source_key`] (its broker URL and topic filters), holding a
//! [`snapshot::Snapshot`] (kept frames, station totals, history; see
//! [`crate::store::keep`]).
//!
//! - On load, the configured sources are restored before connecting (at
//!   most [`RESTORE_WAIT_MS`] are waited for); a record that cannot be read
//!   is deleted and said so.
//! - Writes are batched: every [`WRITE_EVERY_MS`] (longer after a large
//!   write: [`write_gap_ms`]) the sources that changed are written in one
//!   transaction, and on `pagehide`; never on the per-packet path.
//! - The demo feed is never written (only broker sources are).
//! - Problems (a full quota, no IndexedDB) are shown in
//!   [`crate::ctx::Ctx::memory_note`]; the dashboard goes on without saving.
//! - [`forget`]: one source or everything.

#[cfg(target_arch = "wasm32")]
pub mod idb;
pub mod snapshot;

use leptos::prelude::*;

use crate::ctx::Ctx;
use crate::settings::{without_credentials, Settings};

/// Milliseconds between batched writes.
pub const WRITE_EVERY_MS: u32 = 5_000;
/// Milliseconds the first connection waits for the restore, at most.
pub const RESTORE_WAIT_MS: u32 = 3_000;

/// The record key of a broker source: its URL without credentials and its
/// topic filters.
pub fn source_key(s: &Settings) -> String {
    format!("{} {}", without_credentials(&s.broker), s.topics.join(","))
}

/// The pause after a write of `bytes` before the next timed one: at least
/// [`WRITE_EVERY_MS`], 1 ms per 100 bytes above that (10 MB: 100 s), so a
/// large store is not encoded every few seconds.
pub fn write_gap_ms(bytes: usize) -> f64 {
    f64::from(WRITE_EVERY_MS).max(bytes as f64 / 100.0)
}

/// Restores the configured sources, then connects them (`s`), and starts
/// the batched writes. Outside the browser it only connects.
pub fn start(ctx: Ctx, s: Settings) {
    #[cfg(target_arch = "wasm32")]
    browser::start(ctx, s);
    #[cfg(not(target_arch = "wasm32"))]
    ctx.connect(&s, None);
}

/// Forgets source `src` (`None`: everything): the data shown and what this
/// browser saved.
pub fn forget(ctx: Ctx, src: Option<u8>) {
    let key = src.and_then(|i| {
        ctx.settings
            .with_untracked(|s| s.source_list().get(usize::from(i)).map(source_key))
    });
    match src {
        Some(i) => ctx.live.forget_source(i),
        None => ctx.live.clear(),
    }
    #[cfg(target_arch = "wasm32")]
    browser::forget(ctx, key);
    #[cfg(not(target_arch = "wasm32"))]
    drop(key);
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use std::time::Duration;

    use leptos::task::spawn_local;
    use wasm_bindgen::{closure::Closure, JsCast};

    use super::*;
    use crate::ctx::now_ms;
    use crate::settings::MAX_SOURCES;

    #[derive(Default)]
    struct State {
        /// The restore is over: writes may begin.
        ready: bool,
        /// The generation last written, per source.
        written: [u32; MAX_SOURCES],
        /// When the last timed write was, and its size.
        last: (f64, usize),
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::default();
    }

    fn note(ctx: Ctx, what: &str, e: String) {
        ctx.memory_note.set(Some(format!("memory: {what} ({e})")));
    }

    fn sources(ctx: Ctx) -> Vec<(u8, String)> {
        ctx.settings.with_untracked(|s| {
            (0u8..)
                .zip(s.source_list())
                .take(MAX_SOURCES)
                .filter(|(_, x)| x.connects())
                .map(|(i, x)| (i, source_key(&x)))
                .collect()
        })
    }

    /// Marks every source's data as written.
    fn written(ctx: Ctx) {
        let gens = ctx
            .live
            .with(|s| std::array::from_fn(|i| s.generation(i as u8)));
        STATE.with_borrow_mut(|st| st.written = gens);
    }

    pub(super) fn start(ctx: Ctx, s: Settings) {
        let no_broker = !s.has_broker();
        let pending = StoredValue::new(Some(s));
        let go = move || {
            if let Some(s) = pending.try_update_value(Option::take).flatten() {
                ctx.connect(&s, None);
            }
        };
        if no_broker {
            go();
        }
        set_timeout(go, Duration::from_millis(u64::from(RESTORE_WAIT_MS)));
        spawn_local(async move {
            for (i, key) in sources(ctx) {
                let got = idb::call(idb::get_request(&key)).await;
                match got.map(|v| {
                    v.dyn_ref::<js_sys::Uint8Array>()
                        .map(|b| snapshot::decode(&b.to_vec()))
                }) {
                    Ok(None) => {}
                    Ok(Some(Ok(snap))) => {
                        ctx.live.restore(i, &snap);
                    }
                    Ok(Some(Err(why))) => {
                        let _ = idb::call(idb::delete_request(Some(key))).await;
                        note(
                            ctx,
                            "saved data that could not be read was reset",
                            why.into(),
                        );
                    }
                    Err(e) => note(ctx, "this browser cannot remember the data", e),
                }
            }
            written(ctx);
            STATE.with_borrow_mut(|st| st.ready = true);
            go();
        });
        let _ = set_interval_with_handle(
            move || flush(ctx, false),
            Duration::from_millis(u64::from(WRITE_EVERY_MS)),
        );
        let hide = Closure::<dyn Fn()>::new(move || flush(ctx, true));
        let _ =
            window().add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
        hide.forget();
    }

    fn flush(ctx: Ctx, all: bool) {
        let now = now_ms();
        let due =
            STATE.with_borrow(|st| st.ready && (all || now >= st.last.0 + write_gap_ms(st.last.1)));
        if !due {
            return;
        }
        let mut size = 0;
        for (i, key) in sources(ctx) {
            let g = ctx.live.with(|s| s.generation(i));
            let w =
                STATE.with_borrow_mut(|st| std::mem::replace(&mut st.written[usize::from(i)], g));
            if w != g {
                let bytes = ctx.live.with(|s| snapshot::encode(&s.snapshot(i)));
                size += bytes.len();
                run(
                    ctx,
                    idb::put_request(&key, &bytes),
                    "could not save to this browser; the dashboard goes on without saving",
                );
            }
        }
        if size > 0 {
            STATE.with_borrow_mut(|st| st.last = (now, size));
        }
    }

    /// Awaits request `p`; its error is shown as `what`.
    fn run(ctx: Ctx, p: js_sys::Promise, what: &'static str) {
        spawn_local(async move {
            if let Err(e) = idb::call(p).await {
                note(ctx, what, e);
            }
        });
    }

    pub(super) fn forget(ctx: Ctx, key: Option<String>) {
        written(ctx);
        run(ctx, idb::delete_request(key), "could not forget");
    }
}

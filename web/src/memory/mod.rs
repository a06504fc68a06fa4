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
    let _ = key;
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use std::time::Duration;

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::IdbDatabase;

    use super::*;
    use crate::ctx::now_ms;
    use crate::settings::MAX_SOURCES;

    #[derive(Default)]
    struct State {
        db: Option<IdbDatabase>,
        /// The generation last written, per source.
        written: [u32; MAX_SOURCES],
        /// When the last timed write was, and its size.
        last: (f64, usize),
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::default();
    }

    fn note(ctx: Ctx, text: String) {
        ctx.memory_note.set(Some(text));
    }

    fn sources(ctx: Ctx) -> Vec<(u8, String, String)> {
        ctx.settings.with_untracked(|s| {
            (0u8..)
                .zip(s.source_list())
                .take(MAX_SOURCES)
                .filter(|(_, x)| x.has_broker())
                .map(|(i, x)| (i, source_key(&x), x.display_name(usize::from(i))))
                .collect()
        })
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
            match idb::open().await {
                Ok(db) => {
                    restore(ctx, &db).await;
                    STATE.with_borrow_mut(|st| st.db = Some(db));
                }
                Err(e) => note(ctx, format!("this browser cannot remember the data ({e})")),
            }
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

    async fn restore(ctx: Ctx, db: &IdbDatabase) {
        for (i, key, name) in sources(ctx) {
            let bytes = match idb::get(db, &key).await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(e) => {
                    note(
                        ctx,
                        format!("the data saved for {name} could not be read ({e})"),
                    );
                    continue;
                }
            };
            match snapshot::decode(&bytes) {
                Ok(snap) => {
                    ctx.live.restore(i, &snap);
                    let g = ctx.live.with(|s| s.generation(i));
                    STATE.with_borrow_mut(|st| st.written[usize::from(i)] = g);
                }
                Err(why) => {
                    let _ = idb::delete(db, Some(&key)).await;
                    note(
                        ctx,
                        format!(
                            "the data saved for {name} could not be read ({why}) and was reset"
                        ),
                    );
                }
            }
        }
    }

    fn flush(ctx: Ctx, all: bool) {
        let now = now_ms();
        let Some(db) = STATE.with_borrow(|st| {
            let due = all || now >= st.last.0 + write_gap_ms(st.last.1);
            st.db.clone().filter(|_| due)
        }) else {
            return;
        };
        let mut items = Vec::new();
        for (i, key, _) in sources(ctx) {
            let g = ctx.live.with(|s| s.generation(i));
            let changed = STATE.with_borrow_mut(|st| {
                let w = &mut st.written[usize::from(i)];
                std::mem::replace(w, g) != g
            });
            if changed {
                let bytes = ctx.live.with(|s| snapshot::encode(&s.snapshot(i)));
                items.push((key, bytes));
            }
        }
        if items.is_empty() {
            return;
        }
        let size = items.iter().map(|(_, b)| b.len()).sum();
        STATE.with_borrow_mut(|st| st.last = (now, size));
        spawn_local(async move {
            if let Err(e) = idb::put(&db, &items).await {
                note(ctx, format!("could not save to this browser ({e}); the dashboard goes on without saving"));
            }
        });
    }

    pub(super) fn forget(ctx: Ctx, key: Option<String>) {
        let Some(db) = STATE.with_borrow_mut(|st| {
            for (i, w) in (0u8..).zip(st.written.iter_mut()) {
                *w = ctx.live.with(|s| s.generation(i));
            }
            st.db.clone()
        }) else {
            return;
        };
        spawn_local(async move {
            if let Err(e) = idb::delete(&db, key.as_deref()).await {
                note(ctx, format!("could not forget ({e})"));
            }
        });
    }
}

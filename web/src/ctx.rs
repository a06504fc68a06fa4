//! The shared state every view reads: [`Ctx`], provided as context by the
//! app shell ([`crate::app`]) and read with [`use_ctx`]. Views depend on
//! this module, not on the shell.

use std::rc::Rc;

use leptos::prelude::*;

use crate::connection::{ConnState, Connection, Delivery};
use crate::maps::Maps;
use crate::settings::{Settings, MAX_SOURCES};
use crate::store::{Live, DEMO_SOURCE, MERGED_SOURCE};

/// Shared state, provided as context. All fields are `Copy` handles.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Current settings (this tab's).
    pub settings: RwSignal<Settings>,
    /// The settings in effect came from a link and are not saved yet.
    pub unsaved: RwSignal<bool>,
    /// Connection state of each broker source (by source number).
    pub states: [RwSignal<ConnState>; MAX_SOURCES],
    /// The first source's connection state (`states[0]`).
    pub status: RwSignal<ConnState>,
    /// Received data.
    pub live: Live,
    /// Wall clock (ms since the epoch), ticking every second.
    pub clock: RwSignal<f64>,
    /// The connection driver of each broker source (by source number).
    pub conns: StoredValue<Vec<Connection>, LocalStorage>,
    /// `?demo=1` was asked for.
    pub demo_requested: RwSignal<bool>,
    /// Selectable variant maps and the active one (reactive).
    pub maps: Maps,
    /// The in-page demo feed is running.
    pub demo_running: RwSignal<bool>,
    /// The running demo feed (browser only).
    pub demo: StoredValue<Option<crate::demo::run::Running>, LocalStorage>,
    /// The latest text for the polite live region ([`Ctx::announce`]).
    pub announcement: RwSignal<String>,
    /// The browser's memory's latest problem ([`crate::memory`]), shown as
    /// the connection bar's hint.
    pub memory_note: RwSignal<Option<String>>,
}

/// The context (panics outside the app, which is a programming error).
pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// Current time in ms since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Ctx {
    /// Builds the shared state (signals, store, connection driver) and
    /// provides it as context. Nothing connects until [`Ctx::apply_settings`]
    /// or [`Connection::start`] is called.
    pub fn provide(settings: Settings, demo: bool) -> Ctx {
        let maps = Maps::new(crate::maps::load());
        let live = Live::with_map(maps.current.get_untracked());
        let states: [RwSignal<ConnState>; MAX_SOURCES] =
            std::array::from_fn(|_| RwSignal::new(ConnState::default()));
        let clock = RwSignal::new(now_ms());
        let conns = (0..MAX_SOURCES as u8)
            .zip(states)
            .map(|(src, status)| {
                let sink: crate::connection::MessageSink = Rc::new(move |d| match d {
                    Delivery::Message(m) => live.ingest_from(src, now_ms(), &m.topic, &m.payload),
                    Delivery::Oversize(o) => live.record_oversize(src, now_ms(), &o.topic, o.size),
                });
                Connection::new(status, sink)
            })
            .collect();
        live.set_merged(&settings.merged);
        let ctx = Ctx {
            settings: RwSignal::new(settings),
            unsaved: RwSignal::new(false),
            states,
            status: states[0],
            live,
            clock,
            conns: StoredValue::new_local(conns),
            demo_requested: RwSignal::new(demo),
            maps,
            demo_running: RwSignal::new(false),
            demo: StoredValue::new_local(None),
            announcement: RwSignal::new(String::new()),
            memory_note: RwSignal::new(None),
        };
        // The active map feeds the receiver (new messages); the inspector
        // reads `maps` itself.
        Effect::new(move |first: Option<()>| {
            let map = maps.current.get();
            if first.is_some() {
                live.set_map(map);
            }
        });
        crate::views::alerts::watch(ctx);
        provide_context(ctx);
        ctx
    }

    /// Feeds one MQTT message through the pipeline as if it had arrived
    /// from the broker, received now (used by tests).
    pub fn ingest(&self, topic: &str, payload: &[u8]) {
        self.live.ingest(now_ms(), topic, payload);
    }

    /// Saves `s`, makes it current and (re)connects (or goes idle without a
    /// broker).
    pub fn apply_settings(&self, s: Settings) {
        let s = s.normalized().checked();
        #[cfg(target_arch = "wasm32")]
        crate::settings::save(&s);
        self.unsaved.set(false);
        let before = self.settings.get_untracked();
        if !before.has_broker() && s.has_broker() {
            self.stop_demo();
        }
        self.live.set_merged(&s.merged);
        self.settings.set(s.clone());
        self.connect(&s, Some(&before));
    }

    /// Starts every enabled source of `s` and stops the others. A source
    /// whose settings equal its `before` ones, and that is not idle, is
    /// left as it is.
    pub fn connect(&self, s: &Settings, before: Option<&Settings>) {
        let list = s.source_list();
        let old = before.map(Settings::source_list).unwrap_or_default();
        self.conns.with_value(|conns| {
            for (i, c) in conns.iter().enumerate() {
                match list.get(i).filter(|src| src.connects()) {
                    Some(src) => {
                        let idle = self.states[i].with_untracked(|st| st.word() == "idle");
                        if idle || old.get(i) != Some(src) {
                            c.start(src.clone());
                        }
                    }
                    None => c.stop(if i == 0 {
                        "no broker configured: open Settings, or start the demo feed"
                    } else {
                        "not configured"
                    }),
                }
            }
        });
    }

    /// Stops every broker connection (the settings stay).
    pub fn disconnect(&self) {
        self.conns
            .with_value(|conns| conns.iter().for_each(|c| c.stop("disconnected")));
    }

    /// The name of source number `src` as shown: `demo`, `merged`, or the
    /// settings' name of that broker source.
    pub fn source_name(&self, src: u8) -> String {
        match src {
            DEMO_SOURCE => "demo".into(),
            MERGED_SOURCE => "merged".into(),
            i => self.settings.with_untracked(|s| {
                s.source_list()
                    .get(usize::from(i))
                    .map(|x| x.display_name(usize::from(i)))
                    .unwrap_or_else(|| format!("source {}", i + 1))
            }),
        }
    }

    /// Saves the settings in effect (e.g. a link's) to localStorage, as they
    /// are; the connection is left alone.
    pub fn save_settings(&self) {
        #[cfg(target_arch = "wasm32")]
        self.settings.with_untracked(crate::settings::save);
        self.unsaved.set(false);
    }

    /// Tells screen readers `text` through the page's polite live region
    /// (connection changes, new alerts).
    pub fn announce(&self, text: impl Into<String>) {
        self.announcement.set(text.into());
    }

    /// Starts the in-page demo feed (browser only; see [`crate::demo`]).
    pub fn start_demo(&self) {
        #[cfg(target_arch = "wasm32")]
        crate::demo::run::start(*self);
    }

    /// Stops the demo feed (the data stays).
    pub fn stop_demo(&self) {
        #[cfg(target_arch = "wasm32")]
        crate::demo::run::stop(*self);
    }
}

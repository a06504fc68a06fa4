//! The app shell: shared context, the ingest pipeline's wiring, navigation
//! and the page switch.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;

use crate::connection::{ConnState, Connection, Delivery};
use crate::maps::Maps;
use crate::router::{self, Route};
use crate::settings::{Settings, Startup};
use crate::store::Live;
use crate::views;
use iotdata::VariantMap;

/// Shared state, provided as context. All fields are `Copy` handles.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Current settings (this tab's).
    pub settings: RwSignal<Settings>,
    /// The settings in effect came from a link and are not saved yet.
    pub unsaved: RwSignal<bool>,
    /// Connection state.
    pub status: RwSignal<ConnState>,
    /// Received data.
    pub live: Live,
    /// Wall clock (ms since the epoch), ticking every second.
    pub clock: RwSignal<f64>,
    /// The connection driver.
    pub conn: StoredValue<Connection, LocalStorage>,
    /// `?demo=1` was asked for.
    pub demo_requested: RwSignal<bool>,
    /// The variant map frames are decoded with (the active map of
    /// [`Ctx::maps`]; kept in step with it and with the store's receiver).
    pub variant_map: StoredValue<VariantMap>,
    /// Selectable variant maps and the active one (reactive).
    pub maps: Maps,
    /// The in-page demo feed is running.
    pub demo_running: RwSignal<bool>,
    /// The running demo feed (browser only).
    pub demo: StoredValue<Option<crate::demo::run::Running>, LocalStorage>,
}

/// The context (panics outside the app, which is a programming error).
pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// Current time in ms since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Steps 4–6 of the pipeline for one MQTT message: classify, decode, feed
/// the receiver, store (the store decodes with its receiver's map, which
/// [`Live::set_map`] keeps equal to the active map).
pub fn ingest(live: Live, now_ms: f64, topic: &str, payload_bytes: &[u8]) {
    live.ingest(now_ms, topic, payload_bytes);
}

impl Ctx {
    /// Builds the shared state (signals, store, connection driver) and
    /// provides it as context. Nothing connects until [`Ctx::apply_settings`]
    /// or [`Connection::start`] is called.
    pub fn provide(settings: Settings, demo: bool) -> Ctx {
        let maps = Maps::new(crate::maps::load());
        provide_context(maps);
        let map0 = maps.current.get_untracked();
        let live = Live::with_map(map0.clone());
        let status = RwSignal::new(ConnState::default());
        let clock = RwSignal::new(now_ms());
        let variant_map = StoredValue::new(map0);
        let sink: crate::connection::MessageSink = Rc::new(move |d| match d {
            Delivery::Message(m) => ingest(live, now_ms(), &m.topic, &m.payload),
            Delivery::Oversize(o) => live.record_oversize(now_ms(), &o.topic, o.size),
        });
        let conn = StoredValue::new_local(Connection::new(status, sink));
        let ctx = Ctx {
            settings: RwSignal::new(settings),
            unsaved: RwSignal::new(false),
            status,
            live,
            clock,
            conn,
            demo_requested: RwSignal::new(demo),
            variant_map,
            maps,
            demo_running: RwSignal::new(false),
            demo: StoredValue::new_local(None),
        };
        // The active map feeds the receiver (new messages) and the inspector.
        Effect::new(move |first: Option<()>| {
            let map = maps.current.get();
            if first.is_some() {
                variant_map.set_value(map.clone());
                live.set_map(map);
            }
        });
        provide_context(ctx);
        ctx
    }

    /// Feeds one MQTT message through the pipeline as if it had arrived
    /// from the broker, received now (used by tests).
    pub fn ingest(&self, topic: &str, payload: &[u8]) {
        ingest(self.live, now_ms(), topic, payload);
    }

    /// Saves `s`, makes it current and (re)connects (or goes idle without a
    /// broker).
    pub fn apply_settings(&self, s: Settings) {
        let s = s.normalized();
        #[cfg(target_arch = "wasm32")]
        crate::settings::save(&s);
        self.unsaved.set(false);
        if !s.broker.trim().is_empty() {
            self.stop_demo();
        }
        self.settings.set(s.clone());
        self.conn.with_value(|c| {
            if s.broker.trim().is_empty() {
                c.stop("no broker configured: open Settings, or start the demo feed");
            } else {
                c.start(s);
            }
        });
    }
}

impl Ctx {
    /// Saves the settings in effect (e.g. a link's) to localStorage, as they
    /// are; the connection is left alone.
    pub fn save_settings(&self) {
        #[cfg(target_arch = "wasm32")]
        self.settings.with_untracked(crate::settings::save);
        self.unsaved.set(false);
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

/// Loads settings (browser only; defaults elsewhere).
fn initial_settings() -> Startup {
    #[cfg(target_arch = "wasm32")]
    {
        crate::settings::load()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Startup::resolve(Settings::default(), &Default::default())
    }
}

/// The whole dashboard.
#[component]
pub fn App() -> impl IntoView {
    let Startup {
        settings: settings0,
        unsaved,
        demo,
    } = initial_settings();
    let ctx = Ctx::provide(settings0.clone(), demo);
    ctx.unsaved.set(unsaved);
    let Ctx {
        status,
        clock,
        conn,
        ..
    } = ctx;

    if let Ok(h) =
        set_interval_with_handle(move || clock.set(now_ms()), Duration::from_millis(1000))
    {
        on_cleanup(move || h.clear());
    }
    if demo || settings0.broker.trim().is_empty() {
        // `?demo=1`, or no broker configured at all (a first visit, the
        // README's serve command): the simulator runs in the page, so the
        // dashboard is live at once. "Stop demo" stops it; configuring a
        // broker in Settings stops it too.
        status.set(ConnState::Idle {
            note: if demo {
                "starting the demo feed".into()
            } else {
                "no broker configured: showing the demo feed (open Settings to connect)".into()
            },
        });
        request_animation_frame(move || ctx.start_demo());
    } else {
        conn.with_value(|c| c.start(settings0));
    }
    on_cleanup(move || ctx.stop_demo());

    let route = router::use_route();
    let nav = move |key: &'static str, href: &'static str, label: &'static str| {
        view! {
            <a
                href=href
                class="nav-link"
                class:active=move || route.with(|r| r.nav_key() == key)
            >
                {label}
            </a>
        }
    };

    view! {
        <header class="topbar">
            <a class="brand" href="#/">"iotdata"</a>
            <nav class="nav">
                {nav("overview", "#/", "Stations")}
                {nav("map", "#/map", "Map")}
                {nav("log", "#/log", "Packets")}
                {nav("mesh", "#/mesh", "Mesh")}
                {nav("gallery", "#/gallery", "Gallery")}
                {nav("inspector", "#/inspector", "Inspector")}
            </nav>
            <views::connection_bar::ConnectionBar />
        </header>
        <main class="content">
            {move || match route.get() {
                Route::Overview => views::overview().into_any(),
                Route::Map => {
                    view! { <views::map::StationMap class="map map-full" /> }.into_any()
                }
                Route::Log => view! { <views::packet_log::PacketLog /> }.into_any(),
                Route::Mesh => view! { <views::mesh::MeshView /> }.into_any(),
                Route::Gallery => view! { <views::gallery::Gallery /> }.into_any(),
                Route::Inspector { hex } => {
                    view! { <views::inspector::Inspector initial=hex.unwrap_or_default() /> }
                        .into_any()
                }
                Route::Station(id) => view! { <views::station::StationPage id=id /> }.into_any(),
                Route::NotFound(path) => {
                    view! {
                        <section class="panel">
                            <h2>"Not found"</h2>
                            <p>"No page at " <code>{path}</code> ". " <a href="#/">"Back to the stations"</a></p>
                        </section>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

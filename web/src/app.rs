//! The app shell: builds the shared context ([`crate::ctx`]), starts the
//! connection or the demo feed, navigation and the page switch.

use std::time::Duration;

use leptos::prelude::*;

use crate::connection::ConnState;
use crate::ctx::{now_ms, Ctx};
use crate::router::{self, Route};
use crate::settings::{Startup, MAX_SOURCES};
use crate::views;

/// Loads settings (browser only; defaults elsewhere).
fn initial_settings() -> Startup {
    #[cfg(target_arch = "wasm32")]
    {
        crate::settings::load()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Startup::resolve(Default::default(), &Default::default())
    }
}

/// The navigation links: route key ([`Route::nav_key`]), href, label.
const NAV: [(&str, &str, &str); 7] = [
    ("overview", "#/", "Stations"),
    ("map", "#/map", "Map"),
    ("log", "#/log", "Packets"),
    ("mesh", "#/mesh", "Mesh"),
    ("gallery", "#/gallery", "Gallery"),
    ("inspector", "#/inspector", "Inspector"),
    ("alerts", "#/alerts", "Alerts"),
];

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
    let Ctx { states, clock, .. } = ctx;

    let live = ctx.live;
    let tick = move || {
        clock.set(now_ms());
        live.tick_alerts(now_ms());
    };
    if let Ok(h) = set_interval_with_handle(tick, Duration::from_millis(1000)) {
        on_cleanup(move || h.clear());
    }
    crate::memory::start(ctx, settings0.clone());
    if demo || !settings0.has_broker() {
        // `?demo=1`, or no broker configured at all (a first visit, the
        // README's serve command): a recorded simulator run plays in the
        // page, so the dashboard is live at once. "Stop demo" stops it;
        // configuring a first broker in Settings stops it too.
        if !settings0.has_broker() {
            states[0].set(ConnState::Idle {
                note: "no broker configured: showing the demo feed (open Settings to connect)"
                    .into(),
            });
        }
        request_animation_frame(move || ctx.start_demo());
    }
    on_cleanup(move || ctx.stop_demo());
    // Screen readers hear a source's connection state when its kind changes
    // (not its countdown or detail); sources after the first by name, the
    // sources that changed together in one announcement.
    Effect::new(move |prev: Option<[&'static str; MAX_SOURCES]>| {
        let words = states.map(|state| state.with(ConnState::word));
        let said: Vec<String> = (0u8..)
            .zip(words)
            .zip(prev.unwrap_or(words))
            .filter(|((_, word), before)| word != before)
            .map(|((src, word), _)| match src {
                0 => format!("connection {word}"),
                _ => format!("{}: connection {word}", ctx.source_name(src)),
            })
            .collect();
        if !said.is_empty() {
            ctx.announce(said.join("; "));
        }
        words
    });

    let route = router::use_route();
    let nav = NAV
        .iter()
        .map(|&(key, href, label)| {
            view! {
                <a
                    href=href
                    class="nav-link"
                    class:active=move || route.with(|r| r.nav_key() == key)
                >
                    {label}
                </a>
            }
        })
        .collect_view();

    view! {
        <header class="topbar">
            <a class="brand" href="#/">"iotdata"</a>
            <nav class="nav">
                {nav}
                <views::alerts::AlertBadge />
            </nav>
            <views::connection_bar::ConnectionBar />
        </header>
        <div class="sr-only" role="status" aria-live="polite" data-testid="live-region">
            {move || ctx.announcement.get()}
        </div>
        <main class="content">
            {move || match route.get() {
                Route::Overview => views::overview().into_any(),
                Route::Map => {
                    view! { <views::map::StationMap class="map map-full" /> }.into_any()
                }
                Route::Log => view! { <views::packet_log::PacketLog /> }.into_any(),
                Route::Mesh => view! { <views::mesh::MeshView /> }.into_any(),
                Route::Gallery => view! { <views::gallery::Gallery /> }.into_any(),
                Route::Alerts => view! { <views::alerts::AlertsPage /> }.into_any(),
                Route::Inspector { hex } => {
                    view! { <views::inspector::Inspector initial=hex.unwrap_or_default() /> }
                        .into_any()
                }
                Route::Station(src, id) => {
                    view! { <views::station::StationPage src=src id=id /> }.into_any()
                }
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

//! The connection state (always visible), the Demo button (shown while no
//! broker is configured) and the button that opens the settings panel
//! ([`super::settings_panel`]).
//!
//! Broker URLs show without `user:pass@`; settings from a link carry a note
//! with a Save button until saved ([`super::link_note`]).
//!
//! Test hooks: `data-testid="conn-state"` holds exactly the state word
//! (`connecting`, `connected`, `subscribed`, `reconnecting`, `error`, or
//! `idle` without a broker); `data-testid="conn-detail"` the detail
//! (broker, countdown, reason); `data-testid="demo-toggle"` the Demo button,
//! `data-testid="demo-badge"` present while the demo feed runs.

use leptos::prelude::*;

use super::settings_panel::SettingsPanel;
use crate::ctx::use_ctx;

/// State word + detail + hint, with Retry and Settings buttons.
#[component]
pub fn ConnectionBar() -> impl IntoView {
    let ctx = use_ctx();
    let open = RwSignal::new(false);
    let word = move || ctx.status.with(|s| s.word());
    let detail = move || {
        let now = ctx.clock.get();
        ctx.status.with(|s| s.detail(now))
    };
    let hint = move || ctx.status.with(|s| s.hint().map(str::to_string));
    let can_retry = move || matches!(word(), "reconnecting" | "error");
    let retry = move |_| ctx.conn.with_value(|c| c.retry_now());
    let no_broker = move || ctx.settings.with(|s| s.broker.trim().is_empty());
    let toggle_demo = move |_| {
        if ctx.demo_running.get_untracked() {
            ctx.stop_demo();
        } else {
            ctx.start_demo();
        }
    };

    view! {
        <div class="conn">
            <span
                class=move || format!("conn-state state-{}", word())
                data-testid="conn-state"
                title="connection state"
            >
                {word}
            </span>
            <span class="conn-detail" data-testid="conn-detail">
                {detail}
            </span>
            <Show when=move || ctx.demo_running.get()>
                <span class="badge demo" data-testid="demo-badge" title="a recorded simulator run, played in this page">
                    "demo"
                </span>
            </Show>
            <Show when=move || no_broker() || ctx.demo_running.get()>
                <button
                    class="btn small"
                    class:primary=move || !ctx.demo_running.get()
                    data-testid="demo-toggle"
                    title="run the simulator in this page and feed its frames through the pipeline"
                    on:click=toggle_demo
                >
                    {move || if ctx.demo_running.get() { "Stop demo" } else { "Demo" }}
                </button>
            </Show>
            <Show when=can_retry>
                <button class="btn small" on:click=retry>
                    "Retry now"
                </button>
            </Show>
            <button
                class="btn small"
                class:active=move || open.get()
                on:click=move |_| open.update(|o| *o = !*o)
                aria-expanded=move || open.get().to_string()
            >
                "Settings"
            </button>
        </div>
        {move || hint().map(|h| view! { <div class="conn-hint" data-testid="conn-hint">{h}</div> })}
        <super::link_note::UnsavedSettingsNote />
        <Show when=move || open.get()>
            <SettingsPanel on_done=move || open.set(false) />
        </Show>
    }
}

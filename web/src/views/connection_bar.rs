//! The connection state of each broker source (always visible), the Demo
//! button and the button that opens the settings panel
//! ([`super::settings_panel`]).
//!
//! One entry per source that connects (its name shown when there are
//! several), or the first source's when none does. Broker URLs show
//! without `user:pass@`; settings from a link carry a note with a Save
//! button until saved ([`super::link_note`]).
//!
//! Test hooks: `data-testid="conn-source"` with `data-source="<source
//! number>"` around each source's state; inside it
//! `data-testid="conn-state"` holds exactly the state word (`connecting`,
//! `connected`, `subscribed`, `reconnecting`, `error`, or `idle` without a
//! broker) and `data-testid="conn-detail"` the detail (broker, countdown,
//! reason); the first source's come first. `data-testid="demo-toggle"` the
//! Demo button, `data-testid="demo-badge"` present while the demo feed runs.

use leptos::prelude::*;

use super::settings_panel::SettingsPanel;
use crate::ctx::use_ctx;

/// Each source's state word + detail, a hint, and the Demo and Settings
/// buttons.
#[component]
pub fn ConnectionBar() -> impl IntoView {
    let ctx = use_ctx();
    let open = RwSignal::new(false);
    let shown = Memo::new(move |_| {
        ctx.settings.with(|s| {
            let v: Vec<u8> = (0u8..)
                .zip(s.source_list())
                .filter(|(_, x)| x.connects())
                .map(|(i, _)| i)
                .collect();
            if v.is_empty() {
                vec![0]
            } else {
                v
            }
        })
    });
    let named = Memo::new(move |_| shown.with(|v| v.len() > 1));
    let hint = move || {
        shown
            .with(|v| {
                v.iter().find_map(|&i| {
                    ctx.states
                        .get(usize::from(i))?
                        .with(|s| s.hint().map(str::to_string))
                })
            })
            .or_else(|| ctx.memory_note.get())
    };
    let toggle_demo = move |_| {
        if ctx.demo_running.get_untracked() {
            ctx.stop_demo();
        } else {
            ctx.start_demo();
        }
    };

    view! {
        <div class="conn" class:multi=named>
            {move || {
                shown
                    .get()
                    .into_iter()
                    .map(|src| view! { <SourceState src=src named=named /> })
                    .collect_view()
            }}
            <Show when=move || ctx.demo_running.get()>
                <span class="badge demo" data-testid="demo-badge" title="a recorded simulator run, played in this page">
                    "demo"
                </span>
            </Show>
            <button
                class="btn small"
                class:primary=move || !ctx.demo_running.get() && !ctx.settings.with(|s| s.has_broker())
                data-testid="demo-toggle"
                title="run the simulator in this page, beside any broker, and feed its frames through the pipeline"
                on:click=toggle_demo
            >
                {move || if ctx.demo_running.get() { "Stop demo" } else { "Demo" }}
            </button>
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

/// One source's name (when `named`), state word, detail and Retry button.
#[component]
fn SourceState(src: u8, named: Memo<bool>) -> impl IntoView {
    let ctx = use_ctx();
    let status = ctx
        .states
        .get(usize::from(src))
        .copied()
        .unwrap_or(ctx.status);
    let word = move || status.with(|s| s.word());
    let detail = move || {
        let now = ctx.clock.get();
        status.with(|s| s.detail(now))
    };
    let name = move || {
        ctx.settings.track();
        named.get().then(|| ctx.source_name(src))
    };
    let can_retry = move || matches!(word(), "reconnecting" | "error");
    let retry = move |_| {
        ctx.conns.with_value(|c| {
            if let Some(c) = c.get(usize::from(src)) {
                c.retry_now();
            }
        })
    };
    view! {
        <span class="conn-source" data-testid="conn-source" data-source=src.to_string()>
            <strong class="conn-name">{name}</strong>
            <span
                class=move || format!("conn-state state-{}", word())
                data-testid="conn-state"
                title="connection state"
            >
                {word}
            </span>
            <span class="conn-detail" data-testid="conn-detail" title=detail>
                {detail}
            </span>
            <button class="btn small" hidden=move || !can_retry() on:click=retry>
                "Retry now"
            </button>
        </span>
    }
}

//! `#/alerts`: the active alerts, then the resolved ones, each linking to
//! its station or the mesh view, with the times raised and cleared; the
//! rule editor ([`editor`]); notifications ([`notify`]). [`watch`]
//! announces new alerts and badges the nav.
//!
//! Test hooks: `data-testid="alert"` rows with `data-state` (`active`,
//! `resolved`), `data-kind` (the rule kind) and `data-subject` (station or
//! node id); `alert-count` (the nav badge); `notify-enable`; the editor's
//! hooks in [`editor`].

pub mod editor;
pub mod notify;
pub mod watch;

use leptos::prelude::*;

use crate::alerts::Alert;
use crate::ctx::use_ctx;
use crate::views::clock_time;
use crate::views::widgets::PanelHead;

pub use watch::{watch, AlertBadge};

/// Alerts listed at most: each kind (active, resolved) up to this many,
/// active first, newest first.
pub const ALERTS_SHOWN: usize = 200;

/// The `#/alerts` page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let live = use_ctx().live;
    // Recomputed per reader (alerts change rarely; no memo).
    let list = move || {
        live.alerts_rev.track();
        live.with_alerts(|e| {
            let mut v: Vec<Alert> = e.active().cloned().collect();
            crate::vecmap::sort_by(&mut v, |a, b| b.id.cmp(&a.id));
            v.truncate(ALERTS_SHOWN);
            v.extend(e.resolved().take(ALERTS_SHOWN).cloned());
            v
        })
    };
    let active = move || {
        live.alerts_rev.track();
        live.with_alerts(crate::alerts::Engine::active_count)
    };
    let any = move || {
        live.alerts_rev.track();
        live.with_alerts(|e| e.active_count() + e.resolved().len() > 0)
    };
    view! {
        <section class="panel">
            <PanelHead title="Active alerts" count=active>
                <NotifyButton />
            </PanelHead>
            <Show when=any fallback=|| view! { <p class="muted">"No alerts yet."</p> }>
                <div class="table-wrap" tabindex="0">
                    <table>
                        <thead>
                            <tr><th>"Alert"</th><th>"Raised"</th><th>"Resolved"</th></tr>
                        </thead>
                        <tbody>
                            <For each=list key=|a| a.id * 2 + u64::from(a.resolved_ms.is_some()) let:a>
                                <AlertRow a=a />
                            </For>
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
        <editor::RuleEditor />
    }
}

/// One alert: its text linking to the station (or mesh view), its times.
#[component]
fn AlertRow(a: Alert) -> impl IntoView {
    view! {
        <tr
            data-testid="alert"
            data-state=if a.resolved_ms.is_some() { "resolved" } else { "active" }
            data-kind=a.kind
            data-subject=a.subject.to_string()
        >
            <td><a href=a.href()>{a.text.clone()}</a></td>
            <td>{clock_time(a.raised_ms)}</td>
            <td>{a.resolved_ms.map_or_else(|| "active".to_string(), clock_time)}</td>
        </tr>
    }
}

/// "Enable notifications" (asks the browser on this click) or "Disable
/// notifications".
#[component]
fn NotifyButton() -> impl IntoView {
    use crate::alerts::storage::{notify_enabled, set_notify_enabled};
    let on = RwSignal::new(notify_enabled() && notify::granted());
    let click = move |_| {
        if on.get_untracked() {
            set_notify_enabled(false);
            on.set(false);
        } else {
            notify::request(move |granted| {
                set_notify_enabled(granted);
                on.set(granted);
            });
        }
    };
    view! {
        <button
            class="btn small"
            data-testid="notify-enable"
            aria-pressed=move || on.get().to_string()
            title="Blocked notifications are allowed in the browser's site settings"
            on:click=click
        >
            {move || if on.get() { "Disable notifications" } else { "Enable notifications" }}
        </button>
    }
}

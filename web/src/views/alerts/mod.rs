//! `#/alerts`: active and resolved alerts (each linking to its station or
//! the mesh view), the rule editor ([`editor`]), notifications
//! ([`notify`]); [`watch`] announces new alerts and badges the nav.
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
use crate::views::widgets::PanelHead;
use crate::views::{clock_time, relative_time};

pub use watch::{watch, AlertBadge};

/// Alerts listed at most per table (active ones first, then the newest
/// resolved).
pub const ALERTS_SHOWN: usize = 200;

/// The `#/alerts` page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let live = use_ctx().live;
    let lists = Memo::new(move |_| {
        live.alerts_rev.track();
        live.with_alerts(|e| {
            let mut active: Vec<Alert> = e.active().cloned().collect();
            crate::vecmap::sort_by(&mut active, |a, b| b.id.cmp(&a.id));
            let n = e.active_count();
            active.truncate(ALERTS_SHOWN);
            let resolved: Vec<Alert> = e.resolved().take(ALERTS_SHOWN).cloned().collect();
            (n, active, resolved)
        })
    });
    let count = move || lists.with(|l| l.0);
    view! {
        <section class="panel">
            <PanelHead title="Active alerts" count=count>
                <NotifyButton />
            </PanelHead>
            <AlertTable items=Signal::derive(move || lists.with(|l| l.1.clone())) empty="No active alerts." />
        </section>
        <section class="panel">
            <h2>"Resolved"</h2>
            <AlertTable items=Signal::derive(move || lists.with(|l| l.2.clone())) empty="None yet." />
        </section>
        <editor::RuleEditor />
    }
}

/// A table of alerts (newest first).
#[component]
fn AlertTable(items: Signal<Vec<Alert>>, empty: &'static str) -> impl IntoView {
    let clock = use_ctx().clock;
    view! {
        <Show when=move || !items.with(Vec::is_empty) fallback=move || view! { <p class="muted">{empty}</p> }>
            <div class="table-wrap" tabindex="0">
                <table>
                    <thead>
                        <tr><th>"Alert"</th><th>"Raised"</th><th>"Resolved"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || items.get() key=|a| (a.id, a.resolved_ms.is_some()) let:a>
                            <AlertRow a=a clock=clock />
                        </For>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// One alert: its text linking to the station (or mesh view), its times.
#[component]
fn AlertRow(a: Alert, clock: RwSignal<f64>) -> impl IntoView {
    let raised = a.raised_ms;
    view! {
        <tr
            data-testid="alert"
            data-state=if a.resolved_ms.is_some() { "resolved" } else { "active" }
            data-kind=a.kind
            data-subject=a.subject.to_string()
        >
            <td><a href=a.href()>{a.text.clone()}</a></td>
            <td title=move || relative_time(clock.get() - raised)>{clock_time(raised)}</td>
            <td>{a.resolved_ms.map(clock_time)}</td>
        </tr>
    }
}

/// "Enable notifications" (asks the browser on this click), or "Disable".
#[component]
fn NotifyButton() -> impl IntoView {
    use crate::alerts::storage::{notify_enabled, set_notify_enabled};
    let on = RwSignal::new(notify_enabled() && notify::granted());
    let note = RwSignal::new("");
    let click = move |_| {
        if on.get_untracked() {
            set_notify_enabled(false);
            on.set(false);
            return;
        }
        notify::request(move |granted| {
            set_notify_enabled(granted);
            on.set(granted);
            note.set(if granted {
                ""
            } else {
                "Notifications are blocked or not supported by this browser."
            });
        });
    };
    view! {
        <button class="btn small" data-testid="notify-enable" aria-pressed=move || on.get().to_string() on:click=click>
            {move || if on.get() { "Disable notifications" } else { "Enable notifications" }}
        </button>
        <span class="muted small" role="status">{move || note.get()}</span>
    }
}

//! New alerts reach the user: announced through the polite live region
//! ([`crate::ctx::Ctx::announce`]) and, when turned on, as a browser
//! notification; the nav shows the active count ([`AlertBadge`]).

use leptos::prelude::*;

use crate::alerts::Engine;
use crate::ctx::{use_ctx, Ctx};

/// Loads the stored rules, then announces (and notifies) each batch of
/// newly raised alerts, once per [`crate::store::Live::alerts_rev`] bump.
pub fn watch(ctx: Ctx) {
    let mut rules = Some(crate::alerts::storage::load());
    ctx.live.update_alerts(&mut |e, s| {
        if let Some(r) = rules.take() {
            e.set_rules(r, s, crate::ctx::now_ms());
        }
    });
    Effect::new(move |_| {
        ctx.live.alerts_rev.track();
        let (mut n, mut texts) = (0, Vec::new());
        ctx.live
            .update_alerts(&mut |e, _| (n, texts) = e.take_fresh());
        if n == 0 {
            return;
        }
        let mut text = texts.join("; ");
        if n > texts.len() {
            text = format!("{n} new alerts: {text}; …");
        }
        ctx.announce(format!("Alert: {text}"));
        if crate::alerts::storage::notify_enabled() {
            super::notify::show(&text);
        }
    });
}

/// The number of active alerts, beside the nav's Alerts link (hidden at 0).
#[component]
pub fn AlertBadge() -> impl IntoView {
    let live = use_ctx().live;
    let n = move || {
        live.alerts_rev.track();
        live.with_alerts(Engine::active_count)
    };
    view! {
        <Show when=move || { n() > 0 }>
            <span class="badge error" data-testid="alert-count" title="active alerts">
                {n}
                <span class="sr-only">" active alerts"</span>
            </span>
        </Show>
    }
}

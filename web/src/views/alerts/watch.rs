//! New alerts reach the user: announced through the polite live region
//! ([`crate::ctx::Ctx::announce`]) and, when turned on, as a browser
//! notification; the nav shows the active count ([`AlertBadge`]).

use leptos::prelude::*;

use crate::alerts::Engine;
use crate::ctx::{use_ctx, Ctx};

/// Announces (and notifies) each batch of newly raised alerts, once per
/// [`crate::store::Live::alerts_rev`] bump.
pub fn watch(ctx: Ctx) {
    Effect::new(move |_| {
        ctx.live.alerts_rev.track();
        let Some((n, texts)) = ctx.live.update_alerts(|e, _| e.take_fresh()) else {
            return;
        };
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
    let n = Memo::new(move |_| {
        live.alerts_rev.track();
        live.with_alerts(Engine::active_count)
    });
    view! {
        <Show when=move || { n.get() > 0 }>
            <span class="badge error" data-testid="alert-count" title="active alerts">
                {move || n.get()}
                <span class="sr-only">" active alerts"</span>
            </span>
        </Show>
    }
}

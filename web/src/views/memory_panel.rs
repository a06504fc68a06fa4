//! Settings: what this browser remembers of the broker sources
//! ([`crate::memory`]), and forgetting it.

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::memory::forget;

/// "Forget this source" (the one being edited) and "Forget everything".
#[component]
pub fn MemoryPanel(current: RwSignal<usize>) -> impl IntoView {
    let ctx = use_ctx();
    let one = move |_| forget(ctx, Some(current.get_untracked() as u8));
    let all = move |_| forget(ctx, None);
    view! {
        <div class="row">
            <span class="muted small">"This browser remembers each source's stations, mesh and history."</span>
            <button class="btn small" type="button" data-testid="memory-forget-source" on:click=one>
                "Forget this source"
            </button>
            <button class="btn small" type="button" data-testid="memory-forget-all" on:click=all>
                "Forget everything"
            </button>
        </div>
    }
}

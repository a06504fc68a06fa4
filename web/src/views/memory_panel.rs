//! Settings: what this browser remembers of the broker sources
//! ([`crate::memory`]), and forgetting it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ctx::use_ctx;
use crate::memory::forget;

/// "Forget this source" (the one being edited) and "Forget everything".
#[component]
pub fn MemoryPanel(current: RwSignal<usize>) -> impl IntoView {
    let ctx = use_ctx();
    // One handler for both buttons: `value` is "1" on "Forget this source".
    let click = move |e: leptos::ev::MouseEvent| {
        let value = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|b| b.get_attribute("value"));
        if let Some(v) = value {
            forget(ctx, (v == "1").then(|| current.get_untracked() as u8));
        }
    };
    view! {
        <div class="row" on:click=click>
            <span class="muted small">"This browser remembers each source's stations, mesh and history."</span>
            <button class="btn small" type="button" value="1" data-testid="memory-forget-source">
                "Forget this source"
            </button>
            <button class="btn small" type="button" value="0" data-testid="memory-forget-all">
                "Forget everything"
            </button>
        </div>
    }
}

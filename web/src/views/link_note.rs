//! The note shown while the settings in effect came from a link and are not
//! saved: they apply to this tab only until the user saves them (here) or
//! connects from the Settings panel.
//!
//! Test hooks: `data-testid="settings-unsaved"` (the note),
//! `data-testid="settings-save"` (its Save button).

use leptos::prelude::*;

use crate::ctx::use_ctx;

/// "Settings from the link: this tab only, not saved" with a Save button.
#[component]
pub fn UnsavedSettingsNote() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Show when=move || ctx.unsaved.get()>
            <div class="conn-hint link-note" data-testid="settings-unsaved" role="status">
                "Settings from the link apply to this tab only and are not saved in this browser. "
                <button
                    class="btn small"
                    type="button"
                    data-testid="settings-save"
                    title="remember these settings in this browser (without the password unless \"remember\" is ticked)"
                    on:click=move |_| ctx.save_settings()
                >
                    "Save"
                </button>
            </div>
        </Show>
    }
}

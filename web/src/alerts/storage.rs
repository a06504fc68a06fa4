//! The rules in localStorage ([`RULES_KEY`]) and whether notifications
//! were turned on here ([`NOTIFY_KEY`]). Browser only; elsewhere nothing
//! is stored.

use super::rules::{parse_rules, rules_json, Rule};

/// localStorage key of the rules document.
pub const RULES_KEY: &str = "iotdata.alerts.v1";
/// localStorage key set to `1` once the user enabled notifications.
pub const NOTIFY_KEY: &str = "iotdata.alerts.notify";

fn storage() -> Option<web_sys::Storage> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()?.local_storage().ok().flatten()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The stored rules (none when absent or unreadable: an unreadable
/// document is left in place and reported on the console).
pub fn load() -> Vec<Rule> {
    let Some(text) = storage().and_then(|s| s.get_item(RULES_KEY).ok().flatten()) else {
        return Vec::new();
    };
    parse_rules(&text).unwrap_or_else(|e| {
        leptos::logging::warn!("stored alert rules ignored: {e}");
        Vec::new()
    })
}

/// Stores `rules`.
pub fn save<'a>(rules: impl IntoIterator<Item = &'a Rule>) {
    if let Some(s) = storage() {
        let _ = s.set_item(RULES_KEY, &rules_json(rules));
    }
}

/// Whether notifications were turned on in this browser.
pub fn notify_enabled() -> bool {
    storage()
        .and_then(|s| s.get_item(NOTIFY_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

/// Records whether notifications are on.
pub fn set_notify_enabled(on: bool) {
    if let Some(s) = storage() {
        let _ = s.set_item(NOTIFY_KEY, if on { "1" } else { "0" });
    }
}

//! Never a dead page: the panic hook writes the panic to the console (as
//! `console_error_panic_hook` does) and puts a banner on the page, "the
//! dashboard stopped: <message>", with a Reload button and the panic text
//! to copy.
//!
//! The release build aborts on panic (the wasm traps right after the hook),
//! so the banner is plain DOM built here with `web-sys`: no Leptos, no Rust
//! callbacks (its buttons run inline browser code), every text set with
//! `textContent`.
//!
//! Test hooks: `data-testid="panic-banner"`, `panic-message` (the
//! headline), `panic-text` (the whole panic text), `panic-reload`,
//! `panic-copy`. With the cargo feature `test-panic` (test builds only),
//! the hash `#panic-test` panics on purpose ([`arm_test_trigger`]).

use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

/// Longest panic text shown, characters (the rest is cut with a marker).
pub const MAX_PANIC_TEXT_CHARS: usize = 4000;
/// The `id` of the banner element.
pub const BANNER_ID: &str = "panic-banner";

static SHOWN: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook (console output, then the banner).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if !SHOWN.swap(true, Ordering::SeqCst) {
            let (headline, text) = describe(info);
            show(&headline, &text);
        }
    }));
}

/// The banner's headline (the panic message) and the whole panic text
/// (message and location), both bounded.
fn describe(info: &PanicHookInfo<'_>) -> (String, String) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    (
        bounded(message.lines().next().unwrap_or_default()),
        bounded(&info.to_string()),
    )
}

/// `text` cut to [`MAX_PANIC_TEXT_CHARS`] characters, with a marker.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_PANIC_TEXT_CHARS) {
        Some((i, _)) => format!("{}… (cut)", &text[..i]),
        None => text.to_string(),
    }
}

const BANNER_STYLE: &str = "position:fixed;top:0;left:0;right:0;z-index:100000;\
    background:#9b1c1c;color:#fff;padding:12px 16px;font:14px/1.4 system-ui,sans-serif;\
    box-shadow:0 2px 8px rgba(0,0,0,.4)";
const PRE_STYLE: &str = "max-height:40vh;overflow:auto;white-space:pre-wrap;\
    user-select:text;background:#fff;color:#111;padding:8px;margin:8px 0 0;\
    font:12px/1.4 ui-monospace,monospace";
const BUTTON_STYLE: &str = "margin:8px 8px 0 0;padding:4px 12px;font:inherit;cursor:pointer";
const COPY_JS: &str = "var t=document.querySelector('[data-testid=panic-text]').textContent;\
    var b=this;if(navigator.clipboard){navigator.clipboard.writeText(t).then(\
    function(){b.textContent='Copied'},function(){b.textContent='Select the text to copy'})}\
    else{b.textContent='Select the text to copy'}";

/// Puts the banner on the page (plain DOM; does nothing outside a
/// browser). `headline` follows "the dashboard stopped: ".
pub fn show(headline: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else {
        return;
    };
    // One element: tag, test hook, inline style (the page's CSS may be
    // what failed), text.
    let element = |tag: &str, testid: &str, style: &str, text: &str| {
        let e = doc.create_element(tag).ok()?;
        let _ = e.set_attribute("data-testid", testid);
        let _ = e.set_attribute("style", style);
        e.set_text_content(Some(text));
        Some(e)
    };
    let button = |testid: &str, label: &str, onclick: &str| {
        let b = element("button", testid, BUTTON_STYLE, label)?;
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("onclick", onclick);
        Some(b)
    };
    let Some(banner) = element("div", "panic-banner", BANNER_STYLE, "") else {
        return;
    };
    banner.set_id(BANNER_ID);
    let _ = banner.set_attribute("role", "alert");
    let parts = [
        element(
            "strong",
            "panic-message",
            "display:block;font-size:16px",
            &format!("the dashboard stopped: {headline}"),
        ),
        element(
            "div",
            "panic-advice",
            "",
            "Reload the page to start again. The text below says what went wrong: copy it into a bug report.",
        ),
        button("panic-reload", "Reload", "location.reload()"),
        button("panic-copy", "Copy the text", COPY_JS),
        element("pre", "panic-text", PRE_STYLE, text),
    ];
    for part in parts.into_iter().flatten() {
        let _ = banner.append_child(&part);
    }
    let _ = body.insert_before(&banner, body.first_child().as_ref());
}

/// Test builds only: panics when the page's hash is `#panic-test` (at
/// start-up, or when the hash changes to it), from a timer, as a panic in
/// a running dashboard would. The message contains markup, which must
/// show as text.
#[cfg(feature = "test-panic")]
pub fn arm_test_trigger() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// The panic message of the trigger.
    const MESSAGE: &str = "test panic from #panic-test: <b>markup stays text</b> & so on";

    fn check() {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        if hash == "#panic-test" {
            leptos::prelude::set_timeout(|| panic!("{MESSAGE}"), std::time::Duration::ZERO);
        }
    }
    let Some(w) = web_sys::window() else { return };
    let cb = Closure::<dyn Fn()>::new(check);
    let _ = w.add_event_listener_with_callback("hashchange", cb.as_ref().unchecked_ref());
    cb.forget();
    check();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_long_text_on_a_character() {
        assert_eq!(bounded("short"), "short");
        let long = "é".repeat(MAX_PANIC_TEXT_CHARS + 10);
        let cut = bounded(&long);
        assert!(cut.ends_with("… (cut)"));
        assert_eq!(
            cut.chars().count(),
            MAX_PANIC_TEXT_CHARS + "… (cut)".chars().count()
        );
    }
}

//! Browser notifications for new alerts (the Notification API). Permission
//! is asked only from a user's click ([`request`]); notifications show
//! only while the user has them on ([`crate::alerts::storage`]) and the
//! browser grants them.

use wasm_bindgen::JsValue;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Whether this browser has the Notification API.
pub fn supported() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
}

/// Whether notifications are granted.
pub fn granted() -> bool {
    supported() && Notification::permission() == NotificationPermission::Granted
}

/// Asks for permission (call from a click), then `done(granted)`.
pub fn request(done: impl FnOnce(bool) + 'static) {
    if !supported() {
        return done(false);
    }
    match Notification::request_permission() {
        Ok(p) => wasm_bindgen_futures::spawn_local(async move {
            let r = wasm_bindgen_futures::JsFuture::from(p).await;
            done(r.ok().and_then(|v| v.as_string()).as_deref() == Some("granted"));
        }),
        Err(_) => done(false),
    }
}

/// Shows `body` as an iotdata alert notification (when granted).
pub fn show(body: &str) {
    if !granted() {
        return;
    }
    let opts = NotificationOptions::new();
    opts.set_body(body);
    opts.set_tag("iotdata-alert");
    let _ = Notification::new_with_options("iotdata alert", &opts);
}

//! Browser notifications for new alerts (the Notification API, reached
//! through `js_sys::Reflect`: no generated bindings). Permission is asked
//! only from a user's click ([`request`]); notifications show only while
//! the user has them on ([`crate::alerts::storage`]) and the browser grants
//! them.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `window.Notification`, when the browser has it.
fn class() -> Option<Function> {
    let w = web_sys::window()?;
    Reflect::get(&w, &JsValue::from_str("Notification"))
        .ok()?
        .dyn_into()
        .ok()
}

/// Whether notifications are granted.
pub fn granted() -> bool {
    class()
        .and_then(|c| Reflect::get(&c, &JsValue::from_str("permission")).ok())
        .and_then(|p| p.as_string())
        .is_some_and(|p| p == "granted")
}

/// Asks for permission (call from a click), then `done(granted)`.
pub fn request(done: impl FnOnce(bool) + 'static) {
    let promise = class().and_then(|c| {
        let f: Function = Reflect::get(&c, &JsValue::from_str("requestPermission"))
            .ok()?
            .dyn_into()
            .ok()?;
        f.call0(&c).ok()?.dyn_into::<Promise>().ok()
    });
    let Some(p) = promise else {
        return done(false);
    };
    wasm_bindgen_futures::spawn_local(async move {
        let r = wasm_bindgen_futures::JsFuture::from(p).await;
        done(
            r.ok()
                .and_then(|v| v.as_string())
                .is_some_and(|v| v == "granted"),
        );
    });
}

/// Shows `body` as an iotdata alert notification (when granted).
pub fn show(body: &str) {
    let Some(c) = class().filter(|_| granted()) else {
        return;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &JsValue::from_str("body"), &JsValue::from_str(body));
    let _ = Reflect::set(
        &opts,
        &JsValue::from_str("tag"),
        &JsValue::from_str("iotdata-alert"),
    );
    let args = Array::of2(&JsValue::from_str("iotdata alert"), &opts);
    let _ = Reflect::construct(&c, &args);
}

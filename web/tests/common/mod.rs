//! DOM helpers shared by the browser test files (`mod common;`), and
//! [`mqtt`]'s encoders of broker packets. Each file uses some of them, hence
//! `dead_code` allowed here.
#![allow(dead_code)]

mod leaflet;
mod mount;

// Each file uses some of these too.
#[allow(unused_imports)]
pub use leaflet::load_leaflet;
#[allow(unused_imports)]
pub use mount::{mount, mount_in, mount_sized, open_settings_panel};
pub mod mqtt;

use std::time::Duration;

use leptos::prelude::{document, set_timeout, window};
use wasm_bindgen::JsCast;

/// A fresh `<div>` appended to the body, to mount a component into.
pub fn container() -> web_sys::HtmlElement {
    let doc = document();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

/// Waits `ms` milliseconds (a browser timer).
pub async fn sleep(ms: u64) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(
            move || drop(resolve.call0(&wasm_bindgen::JsValue::NULL)),
            Duration::from_millis(ms),
        );
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Lets effects, the animation-frame flush and the DOM settle.
pub async fn settle() {
    for _ in 0..4 {
        sleep(40).await;
    }
}

/// Every element under `root` matching `sel`.
pub fn all(root: &web_sys::Element, sel: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect()
}

/// The first element under `root` matching `sel`.
pub fn one(root: &web_sys::Element, sel: &str) -> Option<web_sys::Element> {
    root.query_selector(sel).unwrap()
}

/// Dispatches a bubbling `MouseEvent` of type `kind` on `el` (Leptos
/// delegates events to the document).
pub fn mouse(el: &web_sys::Element, kind: &str) {
    let w: wasm_bindgen::JsValue = window().into();
    let ctor: js_sys::Function = js_sys::Reflect::get(&w, &"MouseEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    let ev = js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&kind.into(), &init)).unwrap();
    el.dispatch_event(ev.unchecked_ref()).unwrap();
}

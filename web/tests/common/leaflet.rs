//! The real Leaflet in the test page, for the map's browser tests.

use leptos::prelude::{document, window};
use wasm_bindgen::JsValue;

/// Loads Leaflet's script and stylesheet (from node_modules) into the test
/// page, once; the map host (`.leaflet-host`) gets `width` x `height`
/// pixels, as the app's stylesheet gives it its size.
pub fn load_leaflet(width: u32, height: u32) {
    let w: JsValue = window().into();
    if js_sys::Reflect::has(&w, &"L".into()).unwrap_or(false) {
        return;
    }
    let doc = document();
    let head = doc.head().unwrap();
    let css = doc.create_element("style").unwrap();
    css.set_text_content(Some(include_str!(
        "../../../node_modules/leaflet/dist/leaflet.css"
    )));
    head.append_child(&css).unwrap();
    let app_css = doc.create_element("style").unwrap();
    app_css.set_text_content(Some(&format!(
        ".leaflet-host {{ width: {width}px; height: {height}px; }}"
    )));
    head.append_child(&app_css).unwrap();
    let js = doc.create_element("script").unwrap();
    js.set_text_content(Some(include_str!(
        "../../../node_modules/leaflet/dist/leaflet.js"
    )));
    head.append_child(&js).unwrap();
    assert!(
        js_sys::Reflect::has(&w, &"L".into()).unwrap(),
        "Leaflet loaded"
    );
}

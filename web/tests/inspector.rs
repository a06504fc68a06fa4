//! The inspector, the bit grid and the image thumbnails in headless
//! Chromium.
//!
//! `source scripts/env.sh && cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test inspector`. Browser-only.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;

use iotdata::image::{Image, PixelGrid};
use iotdata::{FieldValue, VariantMap};
use iotdata_web::ctx::Ctx;
use iotdata_web::settings::Settings;
use iotdata_web::views::inspector::{Inspector, URL_DEBOUNCE_MS};
use iotdata_web::views::thumbnail::{grid_to_rgba, Thumbnail};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Vector `sensor.jsonl` / `weather_full`-style frame of station 42.
const WEATHER_HEX: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";
/// Vector `mesh.jsonl` / `forward_tlv_packet_ttl_0`.
const FORWARD_HEX: &str = "f008000910000bb804d260830816ca70c330";
const SENSOR_VECTORS: &str = include_str!("../../tests/vectors/sensor.jsonl");
const VARIANT_MAPS: &str = include_str!("../../tests/vectors/variants.json");

fn textarea(root: &web_sys::Element) -> web_sys::HtmlTextAreaElement {
    one(root, "[data-testid=inspector-input]")
        .expect("inspector textarea")
        .unchecked_into()
}

/// Types `text` as a user would: sets the value and fires `input`.
fn type_text(root: &web_sys::Element, text: &str) {
    let ta = textarea(root);
    ta.set_value(text);
    ta.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn mouseover(el: &web_sys::Element) {
    mouse(el, "mouseover");
}

fn computed(el: &web_sys::Element, prop: &str) -> String {
    let w: wasm_bindgen::JsValue = window().into();
    let f: js_sys::Function = js_sys::Reflect::get(&w, &"getComputedStyle".into())
        .unwrap()
        .unchecked_into();
    let style = f.call1(&w, el).unwrap();
    let get: js_sys::Function = js_sys::Reflect::get(&style, &"getPropertyValue".into())
        .unwrap()
        .unchecked_into();
    get.call1(&style, &prop.into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

/// The highlight colour the page's stylesheet would give (not loaded here).
fn define_highlight_colour() {
    let doc = document();
    if doc.get_element_by_id("test-hl").is_none() {
        let s = doc.create_element("style").unwrap();
        s.set_id("test-hl");
        s.set_text_content(Some(":root{--hl:rgb(255, 213, 74)}"));
        doc.head().unwrap().append_child(&s).unwrap();
    }
}

#[wasm_bindgen_test]
async fn typed_vector_decodes_and_errors_keep_the_text() {
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        Ctx::provide(Settings::default(), false);
        view! { <Inspector /> }
    });
    settle().await;
    let root: web_sys::Element = root.into();
    assert!(one(&root, "[data-testid=inspector-json]").is_none());
    assert!(one(&root, "[data-testid=inspector-error]").is_none());

    // Pasted with separators and a line break: decoded as typed.
    let pasted = "00 2a c3 50 bf 7e ee f4 ac dd f3 18 09 40 cd c2\n76 25 80 c8 01 96 a3 18 84 66 c2 78 4f 5f 82 10";
    type_text(&root, pasted);
    settle().await;
    let json = one(&root, "[data-testid=inspector-json]").expect("canonical JSON shown");
    let text = json.text_content().unwrap();
    assert!(text.contains("\"station\": 42"), "{text}");
    assert!(text.contains('\n'), "pretty-printed");
    assert!(one(&root, "[data-testid=inspector-error]").is_none());
    let page = root.text_content().unwrap();
    assert!(
        page.contains("weather_station"),
        "variant name in the header"
    );
    assert!(page.contains("42 (0x02A)"), "station in decimal and hex");
    assert!(page.contains("-2.75 °C"), "temperature in native units");
    assert!(all(&root, "table.dump tbody tr").len() > 20, "dump rows");
    assert_eq!(
        all(&root, ".bitgrid .bg-row").len(),
        32 + 1,
        "one grid row per byte"
    );
    assert_eq!(
        all(&root, ".bitgrid .b[data-e]").len(),
        253,
        "packed bits coloured"
    );
    assert_eq!(textarea(&root).value(), pasted, "the text is kept as typed");

    // Too short: the error with its kind; the text stays.
    type_text(&root, "0102");
    settle().await;
    let err = one(&root, "[data-testid=inspector-error]").expect("error shown");
    assert_eq!(err.get_attribute("data-kind").as_deref(), Some("short"));
    assert!(one(&root, "[data-testid=inspector-json]").is_none());
    assert_eq!(textarea(&root).value(), "0102");

    // Cut inside a field: truncated, bit offset and field explained, the
    // partial dump shown up to the error.
    let cut = &WEATHER_HEX[..20];
    type_text(&root, cut);
    settle().await;
    let err = one(&root, "[data-testid=inspector-error]").expect("error shown");
    assert_eq!(err.get_attribute("data-kind").as_deref(), Some("truncated"));
    let msg = err.text_content().unwrap();
    assert!(msg.contains("at bit "), "{msg}");
    assert!(msg.contains("field"), "{msg}");
    assert!(
        !all(&root, "table.dump tbody tr[data-e]").is_empty(),
        "partial dump"
    );
    assert!(one(&root, "table.dump tr.err-row").is_some(), "error row");
    assert!(
        !all(&root, ".bitgrid .b.x").is_empty(),
        "bits after the error marked"
    );
    assert_eq!(textarea(&root).value(), cut);

    // Not hex.
    type_text(&root, "00 2a zz");
    settle().await;
    let err = one(&root, "[data-testid=inspector-error]").expect("hex error shown");
    assert_eq!(err.get_attribute("data-kind").as_deref(), Some("hex"));
    assert_eq!(textarea(&root).value(), "00 2a zz");

    // The shareable URL follows the text once typing pauses.
    type_text(&root, "0x00, 0x2a, 0xc3, 0x50, 0xbf");
    sleep(URL_DEBOUNCE_MS + 150).await;
    assert_eq!(window().location().hash().unwrap(), "#hex=002ac350bf");
    assert_eq!(textarea(&root).value(), "0x00, 0x2a, 0xc3, 0x50, 0xbf");
}

#[wasm_bindgen_test]
async fn hover_links_table_rows_and_bits() {
    define_highlight_colour();
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        view! { <Inspector initial=WEATHER_HEX.to_string() /> }
    });
    settle().await;
    let root: web_sys::Element = root.into();
    let rows = all(&root, "table.dump tbody tr[data-e]");
    // Row 4 is presence[1] in the default map: bits 40..48.
    let row = rows[4].clone();
    assert!(row.text_content().unwrap().contains("presence[1]"));
    mouseover(&row.query_selector("td").unwrap().unwrap());
    settle().await;
    let lit: Vec<_> = all(&root, ".bitgrid .b.e4");
    assert_eq!(lit.len(), 8);
    assert_ne!(
        computed(&lit[0], "box-shadow"),
        "none",
        "its bits are highlighted"
    );
    let other = one(&root, ".bitgrid .b.e0").unwrap();
    assert_eq!(computed(&other, "box-shadow"), "none", "other bits are not");
    assert_eq!(
        computed(
            &row.query_selector("td").unwrap().unwrap(),
            "background-color"
        ),
        "rgb(255, 213, 74)"
    );
    let status = one(&root, ".bd-status").unwrap().text_content().unwrap();
    assert!(
        status.contains("presence[1]") && status.contains("bits 40–47"),
        "{status}"
    );

    // Hovering a bit lights its row.
    let bit = one(&root, ".bitgrid .b.e1").unwrap();
    mouseover(&bit);
    settle().await;
    let station_row = one(&root, "table.dump tr.r1").unwrap();
    assert!(station_row.text_content().unwrap().contains("station"));
    assert_eq!(
        computed(
            &station_row.query_selector("td").unwrap().unwrap(),
            "background-color"
        ),
        "rgb(255, 213, 74)"
    );
    assert_ne!(
        computed(
            &row.query_selector("td").unwrap().unwrap(),
            "background-color"
        ),
        "rgb(255, 213, 74)",
        "the previous row is no longer lit"
    );
    assert_eq!(computed(&lit[0], "box-shadow"), "none");

    // Leaving clears.
    let grid = one(&root, ".bitgrid").unwrap();
    mouse(&grid, "mouseleave");
    settle().await;
    assert_eq!(computed(&bit, "box-shadow"), "none");
}

#[wasm_bindgen_test]
async fn mesh_forward_shows_the_inner_packet() {
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        view! { <Inspector initial=FORWARD_HEX.to_string() /> }
    });
    settle().await;
    let root: web_sys::Element = root.into();
    assert!(one(&root, "[data-testid=inspector-error]").is_none());
    let page = root.text_content().unwrap();
    assert!(page.contains("FORWARD"), "{page}");
    assert!(page.contains("Inner packet"));
    let json = one(&root, "[data-testid=inspector-json]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(json.contains("\"inner\""), "{json}");
    assert!(
        all(&root, "table.dump td.fld")
            .iter()
            .any(|td| td.text_content().unwrap().starts_with("inner.")),
        "the inner packet's dump is expanded"
    );
}

// ---- thumbnails ---------------------------------------------------------------

/// The vector's record, its image field (decoded with the vectors' map) and
/// its `image_pixels`.
fn vector_image(name: &str) -> (Image, serde_json::Value) {
    let rec: serde_json::Value = SENSOR_VECTORS
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("vector {name}"));
    let map = VariantMap::select(VARIANT_MAPS, rec["variant_map"].as_str()).unwrap();
    let bytes = iotdata::hex::decode(rec["hex"].as_str().unwrap()).unwrap();
    let p = iotdata::decode(&bytes, &map, iotdata::DecodeOptions::STRICT).unwrap();
    let img = p
        .fields
        .iter()
        .find_map(|f| match &f.value {
            FieldValue::Image(i) => Some(i.clone()),
            _ => None,
        })
        .expect("image field");
    (img, rec["image_pixels"].clone())
}

/// RGBA expected from `image_pixels` alone: unpack `pixels_hex` (MSB first,
/// `bpp` bits per pixel) and map `0..2^bpp-1` to black..white.
fn expected_rgba(px: &serde_json::Value, invert: bool) -> Vec<u8> {
    let bpp = px["bpp"].as_u64().unwrap() as usize;
    let n = (px["width"].as_u64().unwrap() * px["height"].as_u64().unwrap()) as usize;
    let packed = iotdata::hex::decode(px["pixels_hex"].as_str().unwrap()).unwrap();
    let max = (1usize << bpp) - 1;
    let mut out = Vec::with_capacity(n * 4);
    for i in 0..n {
        let bit = i * bpp;
        let byte = packed[bit / 8];
        let v = (usize::from(byte) >> (8 - bpp - bit % 8)) & max;
        let g = ((v * 255 + max / 2) / max) as u8;
        let g = if invert { 255 - g } else { g };
        out.extend_from_slice(&[g, g, g, 255]);
    }
    out
}

fn grid_of(img: &Image) -> PixelGrid {
    img.decode_pixels().expect("decodes").grid
}

#[wasm_bindgen_test]
fn thumbnail_rgba_matches_the_vectors() {
    for name in ["img_bilevel_32x24_rle", "img_grey16_24x18_raw"] {
        let (img, px) = vector_image(name);
        let grid = grid_of(&img);
        assert_eq!(grid.width as u64, px["width"].as_u64().unwrap(), "{name}");
        assert_eq!(grid.height as u64, px["height"].as_u64().unwrap(), "{name}");
        assert_eq!(grid.bpp as u64, px["bpp"].as_u64().unwrap(), "{name}");
        assert_eq!(
            grid_to_rgba(&grid, false),
            expected_rgba(&px, false),
            "{name}"
        );
        assert_eq!(
            grid_to_rgba(&grid, true),
            expected_rgba(&px, true),
            "{name}"
        );
    }
}

fn canvas_pixels(c: &web_sys::HtmlCanvasElement) -> Vec<u8> {
    let ctx: web_sys::CanvasRenderingContext2d =
        c.get_context("2d").unwrap().unwrap().unchecked_into();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

#[wasm_bindgen_test]
async fn thumbnail_canvas_draws_the_vector_pixels() {
    for name in [
        "img_bilevel_32x24_rle",
        "img_grey16_24x18_raw",
        "img_bilevel_32x24_raw",
    ] {
        let (img, px) = vector_image(name);
        let invert = img.invert();
        let fragment = img.fragment();
        let root = container();
        let i2 = img.clone();
        let _h = leptos::mount::mount_to(root.clone(), move || {
            view! { <Thumbnail image=i2 testid="thumbnail" station=77u16 caption=true /> }
        });
        settle().await;
        let root: web_sys::Element = root.into();
        let canvas: web_sys::HtmlCanvasElement = one(&root, "canvas[data-testid=thumbnail]")
            .unwrap_or_else(|| panic!("{name}: canvas"))
            .unchecked_into();
        assert_eq!(canvas.get_attribute("data-station").as_deref(), Some("77"));
        assert_eq!(canvas.width() as u64, px["width"].as_u64().unwrap());
        assert_eq!(
            canvas_pixels(&canvas),
            expected_rgba(&px, invert),
            "{name}: canvas pixels (invert {invert})"
        );
        // Scaled ×4..×8 by CSS, crisp.
        let w = canvas.width() as f64;
        let css_w = canvas.get_bounding_client_rect().width();
        assert!(
            css_w >= 4.0 * w && css_w <= 8.0 * w + 2.0,
            "{name}: {css_w}"
        );
        assert_eq!(
            one(&root, ".thumb-badge").is_some(),
            fragment,
            "{name}: fragment badge"
        );
    }
}

#[wasm_bindgen_test]
async fn thumbnail_that_fails_shows_an_error_tile() {
    // RLE bilevel 32x24 whose data stops after one run.
    let img = Image::from_wire(0b00_01_01_00, vec![0x05]).unwrap();
    assert!(img.decode_pixels().is_err());
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), move || {
        view! { <Thumbnail image=img testid="thumbnail" station=9u16 /> }
    });
    settle().await;
    let root: web_sys::Element = root.into();
    assert!(one(&root, "canvas").is_none());
    let tile = one(&root, "[data-testid=thumbnail]").expect("error tile");
    assert_eq!(tile.get_attribute("data-state").as_deref(), Some("error"));
    assert_eq!(tile.get_attribute("data-station").as_deref(), Some("9"));
    let text = tile.text_content().unwrap();
    assert!(text.contains("not decodable"), "{text}");
}

//! The station markers on a Leaflet map: circle markers on one shared canvas
//! renderer (one `<canvas>` for thousands of stations, no element per
//! marker), kept in step with the store by applying only what changed
//! ([`super::map_markers`]).
//!
//! Leaflet is loaded as a separate script (`L`); it is reached through the
//! thin bindings below, each declared `catch`, so a Leaflet error is a
//! `Result`, never a panic.
//!
//! One popup and one tooltip serve every marker: a click on a marker calls
//! the `on_select` callback with the station (the caller opens the popup
//! with [`MarkerLayer::show_popup`]); hovering shows "Station N (0xNNN)".
//!
//! Test hooks: the `list` element given to [`MarkerLayer::new`] gets one
//! `<li data-testid="station-marker">` per drawn marker, created and removed
//! together with the Leaflet marker, with `data-station` (decimal id),
//! `data-freshness`, `data-lat`, `data-lon` and `data-selected` when its
//! popup is open; the list itself carries `data-count` (markers in the
//! Leaflet layer group) and `data-changes` (marker changes applied since the
//! layer was made).

use leptos::prelude::window;
use leptos_leaflet::leaflet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::map_markers::{apply_changes, marker_changes, MarkerChange, MarkerState};
use crate::store::Freshness;

#[wasm_bindgen]
extern "C" {
    /// Any Leaflet object (layer, group, renderer, popup, tooltip, map).
    #[derive(Debug, Clone)]
    type Lf;

    #[wasm_bindgen(js_namespace = L, js_name = canvas, catch)]
    fn l_canvas(options: &JsValue) -> Result<Lf, JsValue>;
    #[wasm_bindgen(js_namespace = L, js_name = featureGroup, catch)]
    fn l_feature_group() -> Result<Lf, JsValue>;
    #[wasm_bindgen(js_namespace = L, js_name = circleMarker, catch)]
    fn l_circle_marker(latlng: &JsValue, options: &JsValue) -> Result<Lf, JsValue>;
    #[wasm_bindgen(js_namespace = L, js_name = popup, catch)]
    fn l_popup(options: &JsValue) -> Result<Lf, JsValue>;
    #[wasm_bindgen(js_namespace = L, js_name = tooltip, catch)]
    fn l_tooltip(options: &JsValue) -> Result<Lf, JsValue>;

    #[wasm_bindgen(method, js_name = addTo, catch)]
    fn add_to(this: &Lf, map: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn remove(this: &Lf) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = addLayer, catch)]
    fn add_layer(this: &Lf, layer: &Lf) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = removeLayer, catch)]
    fn remove_layer(this: &Lf, layer: &Lf) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = getLayers, catch)]
    fn get_layers(this: &Lf) -> Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(method, js_name = setLatLng, catch)]
    fn set_lat_lng(this: &Lf, latlng: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = setStyle, catch)]
    fn set_style(this: &Lf, style: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = bringToFront, catch)]
    fn bring_to_front(this: &Lf) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = setContent, catch)]
    fn set_content(this: &Lf, content: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = openOn, catch)]
    fn open_on(this: &Lf, map: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn close(this: &Lf) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn on(this: &Lf, event: &str, f: &js_sys::Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn off(this: &Lf, event: &str, f: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Marker radius, px (selected: [`SELECTED_RADIUS`]).
const RADIUS: f64 = 6.0;
/// Radius of the marker whose popup is open, px.
const SELECTED_RADIUS: f64 = 9.0;

fn obj(pairs: &[(&str, JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn latlng(lat: f64, lon: f64) -> JsValue {
    js_sys::Array::of2(&lat.into(), &lon.into()).into()
}

/// The fill colours of the freshness classes, from the page's CSS variables
/// (`--ok`, `--warn`, `--idle`: light or dark scheme) where set.
fn fill_colours(el: &web_sys::Element) -> [String; 3] {
    let style = window().get_computed_style(el).ok().flatten();
    let var = |name: &str, fallback: &str| {
        style
            .as_ref()
            .and_then(|s| s.get_property_value(name).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    };
    [
        var("--ok", "#1f9d55"),
        var("--warn", "#c98a00"),
        var("--idle", "#8a94a6"),
    ]
}

fn fresh_index(f: Freshness) -> usize {
    match f {
        Freshness::Fresh => 0,
        Freshness::Late => 1,
        Freshness::Stale => 2,
    }
}

/// A drawn marker: the Leaflet layer and its hidden list entry.
struct Drawn {
    marker: Lf,
    item: web_sys::Element,
}

/// The station key a Leaflet marker event is about (`e.layer.options.station`).
fn event_station(e: &JsValue) -> Option<u16> {
    let layer = js_sys::Reflect::get(e, &"layer".into()).ok()?;
    let options = js_sys::Reflect::get(&layer, &"options".into()).ok()?;
    let id = js_sys::Reflect::get(&options, &"station".into())
        .ok()?
        .as_f64()?;
    (0.0..65536.0)
        .contains(&id)
        .then_some(id as u16)
        .filter(|i| f64::from(*i) == id)
}

type Handler = Closure<dyn FnMut(JsValue)>;

/// The station markers of one map. Dropping it removes them from the map.
pub struct MarkerLayer {
    map: JsValue,
    renderer: Lf,
    group: Lf,
    popup: Lf,
    tooltip: Lf,
    list: web_sys::Element,
    /// By station id (12 bits).
    drawn: Vec<Option<Drawn>>,
    /// What is drawn, ascending by id.
    applied: Vec<MarkerState>,
    /// Style objects by freshness × selected.
    styles: Vec<js_sys::Object>,
    popup_for: Option<u16>,
    changes: u64,
    placements: u64,
    count: usize,
    handlers: Vec<(Lf, &'static str, Handler)>,
}

impl MarkerLayer {
    /// Adds an (empty) marker layer to `map`; `list` receives the hidden
    /// per-marker entries; `on_select` is called with the station of a
    /// clicked marker, and with `None` when the popup is closed.
    pub fn new(
        map: &leaflet::Map,
        list: web_sys::Element,
        on_select: impl Fn(Option<u16>) + 'static,
    ) -> Result<MarkerLayer, JsValue> {
        let map: JsValue = map.clone().into();
        let renderer = l_canvas(
            &obj(&[
                ("pane", "markerPane".into()),
                ("padding", 0.1.into()),
                ("tolerance", 3.into()),
            ])
            .into(),
        )?;
        let group = l_feature_group()?;
        group.add_to(&map)?;
        let popup = l_popup(
            &obj(&[
                ("offset", js_sys::Array::of2(&0.into(), &(-4).into()).into()),
                ("autoPan", true.into()),
            ])
            .into(),
        )?;
        let tooltip = l_tooltip(
            &obj(&[
                ("direction", "top".into()),
                ("offset", js_sys::Array::of2(&0.into(), &(-8).into()).into()),
            ])
            .into(),
        )?;
        let colours = fill_colours(&list);
        let mut styles = Vec::with_capacity(6);
        for selected in [false, true] {
            for (i, fill) in colours.iter().enumerate() {
                let stale = i == 2;
                styles.push(obj(&[
                    (
                        "radius",
                        if selected { SELECTED_RADIUS } else { RADIUS }.into(),
                    ),
                    ("stroke", true.into()),
                    ("color", if selected { "#1a202c" } else { "#ffffff" }.into()),
                    ("weight", if selected { 3 } else { 2 }.into()),
                    ("opacity", 1.into()),
                    ("fill", true.into()),
                    ("fillColor", fill.as_str().into()),
                    ("fillOpacity", if stale { 0.75 } else { 0.95 }.into()),
                ]));
            }
        }

        let on_select = std::rc::Rc::new(on_select);
        let mut handlers: Vec<(Lf, &'static str, Handler)> = Vec::new();
        let select = on_select.clone();
        let click: Handler = Closure::new(move |e: JsValue| {
            if let Some(id) = event_station(&e) {
                select(Some(id));
            }
        });
        let (tt, m) = (tooltip.clone(), map.clone());
        let over: Handler = Closure::new(move |e: JsValue| {
            let Some(id) = event_station(&e) else { return };
            let Ok(layer) = js_sys::Reflect::get(&e, &"layer".into()) else {
                return;
            };
            let Ok(at) = js_sys::Reflect::get(&layer, &"_latlng".into()) else {
                return;
            };
            let _ = tt.set_lat_lng(&at);
            let _ = tt.set_content(&format!("Station {id} (0x{id:03x})").into());
            let _ = tt.open_on(&m);
        });
        let tt = tooltip.clone();
        let out: Handler = Closure::new(move |_e: JsValue| {
            let _ = tt.close();
        });
        let closed: Handler = Closure::new(move |_e: JsValue| on_select(None));
        for (target, event, h) in [
            (group.clone(), "click", click),
            (group.clone(), "mouseover", over),
            (group.clone(), "mouseout", out),
            (popup.clone(), "remove", closed),
        ] {
            target.on(event, h.as_ref().unchecked_ref())?;
            handlers.push((target, event, h));
        }

        let layer = MarkerLayer {
            map,
            renderer,
            group,
            popup,
            tooltip,
            list,
            drawn: (0..4096).map(|_| None).collect(),
            applied: Vec::new(),
            styles,
            popup_for: None,
            changes: 0,
            placements: 0,
            count: 0,
            handlers,
        };
        layer.publish();
        Ok(layer)
    }

    fn style(&self, fresh: Freshness, selected: bool) -> JsValue {
        let i = fresh_index(fresh) + if selected { 3 } else { 0 };
        self.styles
            .get(i)
            .map(|s| s.clone().into())
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// The slot of station key `id` (the table grows to the highest key).
    fn slot(&mut self, id: u16) -> Option<&mut Option<Drawn>> {
        let i = usize::from(id);
        if i >= self.drawn.len() {
            self.drawn.resize_with(i + 1, || None);
        }
        self.drawn.get_mut(i)
    }

    /// Markers in the Leaflet layer group.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Marker changes applied since the layer was made.
    pub fn changes_applied(&self) -> u64 {
        self.changes
    }

    /// Markers added, moved or removed since the layer was made (what the
    /// mesh links, drawn between positions, follow).
    pub fn placements(&self) -> u64 {
        self.placements
    }

    /// Where the marker of `id` is drawn.
    pub fn position(&self, id: u16) -> Option<(f64, f64)> {
        let i = self.applied.binary_search_by_key(&id, |m| m.id).ok()?;
        self.applied.get(i).map(|m| (m.lat, m.lon))
    }

    /// Brings the drawn markers towards `next` (ascending by id, as
    /// [`super::map_markers::marker_states`] gives them), applying at most
    /// `budget` changes; `true` when changes remain for another frame.
    pub fn sync(&mut self, next: Vec<MarkerState>, budget: usize) -> bool {
        let changes = marker_changes(&self.applied, &next);
        if changes.is_empty() {
            return false;
        }
        let n = changes.len().min(budget.max(1));
        let (now, later) = changes.split_at(n);
        let mut counted = false;
        for ch in now {
            counted |= matches!(ch, MarkerChange::Add(_) | MarkerChange::Remove(_));
            if !matches!(ch, MarkerChange::Restyle { .. }) {
                self.placements += 1;
            }
            self.apply(ch);
        }
        self.changes += n as u64;
        if later.is_empty() {
            self.applied = next;
        } else {
            self.applied = apply_changes(&self.applied, now);
        }
        if counted {
            self.count = self
                .group
                .get_layers()
                .map(|a| a.length() as usize)
                .unwrap_or(0);
        }
        self.publish();
        !later.is_empty()
    }

    fn apply(&mut self, ch: &MarkerChange) {
        match *ch {
            MarkerChange::Add(m) => self.add(m),
            MarkerChange::Move { id, lat, lon } => {
                if let Some(Some(d)) = self.slot(id) {
                    let _ = d.marker.set_lat_lng(&latlng(lat, lon));
                    let _ = d.item.set_attribute("data-lat", &lat.to_string());
                    let _ = d.item.set_attribute("data-lon", &lon.to_string());
                }
                if self.popup_for == Some(id) {
                    let _ = self.popup.set_lat_lng(&latlng(lat, lon));
                }
            }
            MarkerChange::Restyle {
                id,
                fresh,
                selected,
            } => {
                let style = self.style(fresh, selected);
                if let Some(Some(d)) = self.slot(id) {
                    let _ = d.marker.set_style(&style);
                    if selected {
                        let _ = d.marker.bring_to_front();
                    }
                    Self::describe(&d.item, fresh, selected);
                }
            }
            MarkerChange::Remove(id) => {
                if let Some(slot) = self.slot(id) {
                    if let Some(d) = slot.take() {
                        let _ = self.group.remove_layer(&d.marker);
                        d.item.remove();
                    }
                }
                if self.popup_for == Some(id) {
                    let _ = self.popup.close();
                }
            }
        }
    }

    fn describe(item: &web_sys::Element, fresh: Freshness, selected: bool) {
        let _ = item.set_attribute("data-freshness", fresh.as_str());
        let _ = if selected {
            item.set_attribute("data-selected", "true")
        } else {
            item.remove_attribute("data-selected")
        };
    }

    fn add(&mut self, m: MarkerState) {
        let options = js_sys::Object::assign(
            &js_sys::Object::new(),
            &self.style(m.fresh, m.selected).into(),
        );
        let _ = js_sys::Reflect::set(&options, &"renderer".into(), &self.renderer);
        let _ = js_sys::Reflect::set(&options, &"station".into(), &m.id.into());
        let _ = js_sys::Reflect::set(&options, &"bubblingMouseEvents".into(), &false.into());
        let Ok(marker) = l_circle_marker(&latlng(m.lat, m.lon), &options.into()) else {
            return;
        };
        if self.group.add_layer(&marker).is_err() {
            return;
        }
        let Some(item) = self.list_item(&m) else {
            let _ = self.group.remove_layer(&marker);
            return;
        };
        if let Some(slot) = self.slot(m.id) {
            if let Some(old) = slot.replace(Drawn { marker, item }) {
                let _ = self.group.remove_layer(&old.marker);
                old.item.remove();
            }
        }
    }

    fn list_item(&self, m: &MarkerState) -> Option<web_sys::Element> {
        let doc = window().document()?;
        let item = doc.create_element("li").ok()?;
        let _ = item.set_attribute("data-testid", "station-marker");
        let _ = item.set_attribute("data-station", &crate::store::key_id(m.id).to_string());
        let _ = item.set_attribute("data-lat", &m.lat.to_string());
        let _ = item.set_attribute("data-lon", &m.lon.to_string());
        Self::describe(&item, m.fresh, m.selected);
        self.list.append_child(&item).ok()?;
        Some(item)
    }

    fn publish(&self) {
        let _ = self
            .list
            .set_attribute("data-count", &self.count.to_string());
        let _ = self
            .list
            .set_attribute("data-changes", &self.changes.to_string());
    }

    /// Opens the popup with `content` at the marker of `id`, or closes it
    /// (`None`, or no marker for `id`).
    pub fn show_popup(&mut self, id: Option<u16>, content: &JsValue) {
        match id.and_then(|id| Some((id, self.position(id)?))) {
            Some((id, (lat, lon))) => {
                self.popup_for = Some(id);
                let _ = self.popup.set_content(content);
                let _ = self.popup.set_lat_lng(&latlng(lat, lon));
                let _ = self.popup.open_on(&self.map);
            }
            None => {
                self.popup_for = None;
                let _ = self.popup.close();
            }
        }
    }
}

impl Drop for MarkerLayer {
    fn drop(&mut self) {
        for (target, event, h) in &self.handlers {
            let _ = target.off(event, h.as_ref().unchecked_ref());
        }
        let _ = self.popup.close();
        let _ = self.tooltip.close();
        // The renderer first: a marker removed while its canvas renderer is
        // still on the map asks for a redraw in the next animation frame,
        // which would then run on a removed canvas (Leaflet's `_clear` on
        // an undefined context). Removed from the map, the renderer cancels
        // its pending redraw and ignores later requests.
        let _ = self.renderer.remove();
        let _ = self.group.remove();
        for d in self.drawn.iter_mut().filter_map(Option::take) {
            d.item.remove();
        }
    }
}

//! Pan and zoom of the mesh graph's SVG: the zoomed part of the scene as
//! its `viewBox`, driven by a drag, a pinch, the wheel ([`PanZoom::listen`])
//! and the +/−/Fit buttons ([`ZoomButtons`]). The arithmetic is
//! [`super::zoom`].

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::scene::Scene;
use super::zoom::{Gesture, Step, ViewBox, STEP, WHEEL_STEP};

/// What lies under a client position: the view, the scene point, the
/// element's width in CSS pixels, and the scene's width and height.
pub type Under = (ViewBox, (f64, f64), f64, f64, f64);

/// The graph's zoom state and its SVG element (`Copy` handles).
#[derive(Clone, Copy)]
pub struct PanZoom {
    scene: Memo<Scene>,
    /// The zoomed part of the scene; `None` shows all of it.
    zoomed: RwSignal<Option<ViewBox>>,
    /// The SVG element (`node_ref` of the drawing).
    pub svg: NodeRef<leptos::svg::Svg>,
}

impl PanZoom {
    /// The whole of `scene`, for an SVG not mounted yet.
    pub fn new(scene: Memo<Scene>) -> PanZoom {
        PanZoom {
            scene,
            zoomed: RwSignal::new(None),
            svg: NodeRef::new(),
        }
    }

    /// The view `z` (the whole scene when `None`) and the scene's size.
    fn view_of(self, z: Option<ViewBox>) -> (ViewBox, f64, f64) {
        self.scene.with_untracked(|s| {
            let full = ViewBox::full(s.width, s.height);
            (
                z.map_or(full, |v| v.clamp(s.width, s.height)),
                s.width,
                s.height,
            )
        })
    }

    /// The `viewBox` attribute (reactive: the scene and the zoom).
    pub fn view_box(self) -> String {
        self.scene.track();
        self.view_of(self.zoomed.get()).0.attr()
    }

    /// At client position `(cx, cy)` (`None` before layout).
    pub fn at(self, cx: f64, cy: f64) -> Option<Under> {
        let r = self.svg.get_untracked()?.get_bounding_client_rect();
        let (v, w, h) = self.view_of(self.zoomed.get_untracked());
        (r.width() > 0.0 && r.height() > 0.0).then(|| {
            let p = v.point(cx - r.left(), cy - r.top(), r.width(), r.height());
            (v, p, r.width(), w, h)
        })
    }

    /// Zooms by `f` about the view's centre.
    fn step(self, f: f64) {
        let (v, w, h) = self.view_of(self.zoomed.get_untracked());
        self.zoomed.set(Some(v.zoom_centre(f, w, h)));
    }

    /// Pointers, the wheel and clicks (capture: a drag or a pinch ends
    /// without a click on what is under the pointer) through one native
    /// listener on the SVG, once it is mounted.
    pub fn listen(self) {
        let mut gesture = Gesture::default();
        let on_event = move |e: web_sys::Event| {
            let kind = e.type_();
            let asked = if let Some(p) = e.dyn_ref::<web_sys::PointerEvent>() {
                let (x, y) = (f64::from(p.client_x()), f64::from(p.client_y()));
                match kind.as_str() {
                    "pointerdown" => gesture.down(p.pointer_id(), x, y),
                    "pointermove" if p.buttons() != 0 => gesture.moved(p.pointer_id(), x, y),
                    _ => gesture.up(p.pointer_id()),
                }
            } else if let Some(w) = e.dyn_ref::<web_sys::WheelEvent>() {
                e.prevent_default();
                let f = if w.delta_y() < 0.0 {
                    WHEEL_STEP
                } else {
                    1.0 / WHEEL_STEP
                };
                Some(Step::Zoom(
                    f,
                    f64::from(w.client_x()),
                    f64::from(w.client_y()),
                ))
            } else {
                if gesture.dragged() {
                    e.stop_propagation();
                    e.prevent_default();
                }
                None
            };
            let Some(step) = asked else {
                return;
            };
            let (cx, cy) = step.at();
            let Some((v, (px, py), rw, w, h)) = self.at(cx, cy) else {
                return;
            };
            self.zoomed.set(Some(match step {
                Step::Pan(dx, dy) => {
                    let k = v.w / rw;
                    v.pan(-dx * k, -dy * k, w, h)
                }
                Step::Zoom(f, ..) => v.zoom(f, px, py, w, h),
            }));
        };
        self.svg.on_load(move |svg| {
            let f = Closure::<dyn FnMut(web_sys::Event)>::new(on_event).into_js_value();
            let f = f.unchecked_ref();
            for t in [
                "pointerdown",
                "pointermove",
                "pointerup",
                "pointercancel",
                "wheel",
            ] {
                let _ = svg.add_event_listener_with_callback(t, f);
            }
            let _ = svg.add_event_listener_with_callback_and_bool("click", f, true);
        });
    }
}

/// The +, − and Fit buttons (one click handler for the three).
#[component]
pub fn ZoomButtons(pz: PanZoom) -> impl IntoView {
    let on_zoom = move |e: leptos::ev::MouseEvent| {
        let button = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("button").ok().flatten());
        match button
            .and_then(|b| b.get_attribute("data-testid"))
            .as_deref()
        {
            Some("mesh-zoom-in") => pz.step(STEP),
            Some("mesh-zoom-out") => pz.step(1.0 / STEP),
            Some(_) => pz.zoomed.set(None),
            None => {}
        }
    };
    view! {
        <div class="mesh-zoom" role="group" aria-label="Zoom" on:click=on_zoom>
            <button class="btn small" data-testid="mesh-zoom-in" aria-label="Zoom in">"+"</button>
            <button class="btn small" data-testid="mesh-zoom-out" aria-label="Zoom out">"−"</button>
            <button class="btn small" data-testid="mesh-zoom-fit" title="Show the whole graph">"Fit"</button>
        </div>
    }
}

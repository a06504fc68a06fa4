//! Pan and zoom of the mesh graph: the part of the scene in view (the
//! SVG's `viewBox`), moved by drags, pinches, the wheel and the +/−/Fit
//! buttons. Pure arithmetic; [`super::graph`] wires the events.

/// Deepest zoom (the view is at least 1/`MAX_ZOOM` of the scene wide).
pub const MAX_ZOOM: f64 = 8.0;
/// Zoom factor of one press of + or −.
pub const STEP: f64 = 1.5;

/// The part of the scene in view, in scene units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl ViewBox {
    /// The whole `w` × `h` scene.
    pub fn full(w: f64, h: f64) -> ViewBox {
        ViewBox {
            x: 0.0,
            y: 0.0,
            w,
            h,
        }
    }

    /// This view fitted into a `w` × `h` scene: at most the scene's size, at
    /// least 1/[`MAX_ZOOM`] of it, with the scene's aspect ratio, inside it.
    pub fn clamp(self, w: f64, h: f64) -> ViewBox {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if !(ok(w) && ok(h) && ok(self.w)) {
            return ViewBox::full(w, h);
        }
        let vw = self.w.clamp(w / MAX_ZOOM, w);
        let vh = vw * h / w;
        let fix = |v: f64, max: f64| {
            if v.is_finite() {
                v.clamp(0.0, max)
            } else {
                0.0
            }
        };
        ViewBox {
            x: fix(self.x, w - vw),
            y: fix(self.y, h - vh),
            w: vw,
            h: vh,
        }
    }

    /// Zoomed in by `factor` (> 1 in, < 1 out) about the scene point
    /// (`px`, `py`), which stays where it is on screen; clamped to the
    /// `w` × `h` scene.
    pub fn zoom(self, factor: f64, px: f64, py: f64, w: f64, h: f64) -> ViewBox {
        if !(factor.is_finite() && factor > 0.0) {
            return self.clamp(w, h);
        }
        let nw = self.w / factor;
        let nh = self.h / factor;
        ViewBox {
            x: px - (px - self.x) * nw / self.w,
            y: py - (py - self.y) * nh / self.h,
            w: nw,
            h: nh,
        }
        .clamp(w, h)
    }

    /// Zoomed by `factor` about the centre of the view.
    pub fn zoom_centre(self, factor: f64, w: f64, h: f64) -> ViewBox {
        self.zoom(factor, self.x + self.w / 2.0, self.y + self.h / 2.0, w, h)
    }

    /// Moved by (`dx`, `dy`) scene units, clamped to the `w` × `h` scene.
    pub fn pan(self, dx: f64, dy: f64, w: f64, h: f64) -> ViewBox {
        ViewBox {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
        .clamp(w, h)
    }

    /// The scene point under a screen offset (`ox`, `oy`) into an element
    /// `rw` × `rh` pixels large showing this view.
    pub fn point(&self, ox: f64, oy: f64, rw: f64, rh: f64) -> (f64, f64) {
        if rw <= 0.0 || rh <= 0.0 {
            return (self.x, self.y);
        }
        (self.x + ox * self.w / rw, self.y + oy * self.h / rh)
    }

    /// The `viewBox` attribute.
    pub fn attr(&self) -> String {
        format!("{:.1} {:.1} {:.1} {:.1}", self.x, self.y, self.w, self.h)
    }
}

/// Pointer travel (CSS px) after which a press is a drag, not a click.
pub const DRAG_PX: f64 = 4.0;
/// Zoom factor of one wheel notch.
pub const WHEEL_STEP: f64 = 1.15;

/// What a pointer move asks for, in client (CSS px) coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Move the drawing by (dx, dy) px.
    Pan(f64, f64),
    /// Zoom by a factor about the client point (x, y).
    Zoom(f64, f64, f64),
}

impl Step {
    /// The client point the step applies at (the zoom centre; any point
    /// for a pan).
    pub fn at(&self) -> (f64, f64) {
        match *self {
            Step::Pan(..) => (0.0, 0.0),
            Step::Zoom(_, x, y) => (x, y),
        }
    }
}

/// The pointers pressed on the drawing (at most two: one drags, two
/// pinch) and how far they travelled since the first press.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gesture {
    pointers: Vec<(i32, f64, f64)>,
    travel: f64,
}

impl Gesture {
    /// A pointer pressed at (`x`, `y`).
    pub fn down(&mut self, id: i32, x: f64, y: f64) -> Option<Step> {
        if self.pointers.is_empty() {
            self.travel = 0.0;
        }
        if self.pointers.len() < 2 {
            self.pointers.push((id, x, y));
        }
        None
    }

    /// A pointer released (or lost).
    pub fn up(&mut self, id: i32) -> Option<Step> {
        self.pointers.retain(|p| p.0 != id);
        None
    }

    /// A pressed pointer moved to (`x`, `y`): a pan once the travel reaches
    /// [`DRAG_PX`], a pinch zoom about the midpoint with two pointers.
    pub fn moved(&mut self, id: i32, x: f64, y: f64) -> Option<Step> {
        let i = self.pointers.iter().position(|p| p.0 == id)?;
        let old = self.pointers.clone();
        self.pointers[i] = (id, x, y);
        let (dx, dy) = (x - old[i].1, y - old[i].2);
        self.travel += dx.abs() + dy.abs();
        match self.pointers.as_slice() {
            [_] => (self.travel >= DRAG_PX).then_some(Step::Pan(dx, dy)),
            [a, b] => {
                let d0 = spread(&old);
                self.travel = self.travel.max(DRAG_PX);
                (d0 > 0.0).then(|| {
                    Step::Zoom(
                        spread(&self.pointers) / d0,
                        (a.1 + b.1) / 2.0,
                        (a.2 + b.2) / 2.0,
                    )
                })
            }
            _ => None,
        }
    }

    /// The last press became a drag or a pinch (its click is not a click).
    pub fn dragged(&self) -> bool {
        self.travel >= DRAG_PX
    }
}

/// Distance between the first two pointers.
fn spread(p: &[(i32, f64, f64)]) -> f64 {
    match p {
        [a, b, ..] => ((a.1 - b.1) * (a.1 - b.1) + (a.2 - b.2) * (a.2 - b.2)).sqrt(),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_pan_and_bounds() {
        let full = ViewBox::full(800.0, 400.0);
        assert_eq!(full.clamp(800.0, 400.0), full);
        // Zooming in about the centre halves the view around it.
        let z = full.zoom_centre(2.0, 800.0, 400.0);
        assert_eq!(
            z,
            ViewBox {
                x: 200.0,
                y: 100.0,
                w: 400.0,
                h: 200.0
            }
        );
        // The point under the cursor stays put.
        let c = full.zoom(2.0, 100.0, 50.0, 800.0, 400.0);
        assert_eq!((c.x, c.y), (50.0, 25.0));
        // Never past MAX_ZOOM, never wider than the scene, never outside it.
        let deep = full.zoom_centre(1000.0, 800.0, 400.0);
        assert_eq!(deep.w, 800.0 / MAX_ZOOM);
        assert_eq!(z.zoom_centre(0.01, 800.0, 400.0), full);
        assert_eq!(
            z.pan(-1e9, 1e9, 800.0, 400.0),
            ViewBox {
                x: 0.0,
                y: 200.0,
                ..z
            }
        );
        assert_eq!(z.pan(f64::NAN, 0.0, 800.0, 400.0).x, 0.0);
        assert_eq!(z.zoom(f64::NAN, 0.0, 0.0, 800.0, 400.0), z);
        // A smaller scene (after a re-layout) pulls the view back in.
        assert_eq!(z.clamp(300.0, 150.0), ViewBox::full(300.0, 150.0));
        assert_eq!(z.point(200.0, 100.0, 400.0, 200.0), (400.0, 200.0));
        assert_eq!(full.attr(), "0.0 0.0 800.0 400.0");
    }

    #[test]
    fn drags_and_pinches() {
        let mut g = Gesture::default();
        g.down(1, 100.0, 100.0);
        assert_eq!(g.moved(1, 102.0, 100.0), None);
        assert!(!g.dragged());
        assert_eq!(g.moved(1, 110.0, 105.0), Some(Step::Pan(8.0, 5.0)));
        assert!(g.dragged());
        assert_eq!(g.moved(7, 0.0, 0.0), None);
        g.down(2, 210.0, 105.0);
        g.down(3, 0.0, 0.0);
        // Two fingers 100 px apart spread to 200 px: zoom 2 about the middle.
        assert_eq!(
            g.moved(2, 310.0, 105.0),
            Some(Step::Zoom(2.0, 210.0, 105.0))
        );
        g.up(1);
        g.up(2);
        g.down(4, 0.0, 0.0);
        assert!(!g.dragged());
        assert_eq!(g.moved(3, 50.0, 0.0), None);
    }
}

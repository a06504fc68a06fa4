//! Windowing for long tables: only the rows in view (plus a few above and
//! below) exist in the DOM; two spacer rows stand in for the others, so the
//! scroll bar keeps the full length. Rows have a fixed height
//! ([`ROW_HEIGHT_PX`], set in `style/main.css` for `.vlist` tables).
//!
//! [`window`] and [`widen`] are the pure arithmetic; [`Viewport`] tracks a
//! scroll container's position and height as signals.

use std::ops::Range;

use leptos::prelude::*;

/// Height of one row of a windowed table, in CSS pixels (`.vlist tbody tr`
/// in `style/main.css` has the same height).
pub const ROW_HEIGHT_PX: f64 = 26.0;
/// Rows rendered beyond each edge of the visible area.
pub const OVERSCAN_ROWS: usize = 8;
/// Rows rendered at least (when the list has that many): a short list is
/// rendered whole, and a quick scroll rarely shows an empty band.
pub const MIN_WINDOW_ROWS: usize = 100;
/// Viewport height assumed until the container has been measured.
pub const DEFAULT_VIEWPORT_PX: f64 = 600.0;

/// The rows of a `len`-row list (each `row_h` high) to render when the
/// container is scrolled to `scroll_top` and shows `viewport_h` pixels:
/// the visible rows plus `overscan` on each side, clamped to the list.
/// Non-finite or negative inputs count as 0 (a row height below 1 px as 1).
pub fn window(
    scroll_top: f64,
    viewport_h: f64,
    row_h: f64,
    len: usize,
    overscan: usize,
) -> Range<usize> {
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let row_h = if row_h.is_finite() && row_h >= 1.0 {
        row_h
    } else {
        1.0
    };
    let top = clean(scroll_top);
    // `as usize` saturates: a huge offset lands past the end, then clamps.
    let first = (top / row_h).floor() as usize;
    let last = ((top + clean(viewport_h)) / row_h).ceil() as usize;
    let end = last.saturating_add(overscan).min(len);
    let start = first.saturating_sub(overscan).min(end);
    start..end
}

/// `range` grown to at least `min_rows` rows (at the end first, then at the
/// start) within `0..len`, its start rounded down to an even row so
/// `nth-child` stripes stay with their rows while scrolling.
pub fn widen(range: Range<usize>, len: usize, min_rows: usize) -> Range<usize> {
    let mut end = range.end.min(len);
    let mut start = range.start.min(end);
    if end - start < min_rows {
        end = start.saturating_add(min_rows).min(len);
        start = end.saturating_sub(min_rows);
    }
    start -= start % 2;
    start..end
}

/// A scroll container's position and height, as signals. Put
/// [`Viewport::node`] on the container and [`Viewport::on_scroll`] on its
/// `scroll` event; the height is also re-read when the window resizes.
#[derive(Clone, Copy)]
pub struct Viewport {
    /// The scroll container.
    pub node: NodeRef<leptos::html::Div>,
    scroll_top: RwSignal<f64>,
    height: RwSignal<f64>,
    min_rows: usize,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport::new()
    }
}

impl Viewport {
    /// A viewport measured once mounted and on every window resize, that
    /// renders at least [`MIN_WINDOW_ROWS`] rows.
    pub fn new() -> Viewport {
        Viewport::with_min_rows(MIN_WINDOW_ROWS)
    }

    /// A viewport like [`Viewport::new`] that renders at least `min_rows`
    /// rows (a short scroll container needs fewer).
    pub fn with_min_rows(min_rows: usize) -> Viewport {
        let vp = Viewport {
            node: NodeRef::new(),
            scroll_top: RwSignal::new(0.0),
            height: RwSignal::new(DEFAULT_VIEWPORT_PX),
            min_rows,
        };
        Effect::new(move |_| {
            if vp.node.get().is_some() {
                vp.measure();
            }
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| vp.measure());
        on_cleanup(move || resize.remove());
        vp
    }

    /// Reads the container's scroll position and height. The height is
    /// capped by the browser window's, since a container without a height
    /// limit grows with its rows.
    pub fn measure(&self) {
        let Some(el) = self.node.get_untracked() else {
            return;
        };
        let win = leptos::prelude::window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(DEFAULT_VIEWPORT_PX);
        let client = f64::from(el.client_height());
        let h = if client > 0.0 { client.min(win) } else { win };
        let top = f64::from(el.scroll_top());
        if self.height.get_untracked() != h {
            self.height.set(h);
        }
        if self.scroll_top.get_untracked() != top {
            self.scroll_top.set(top);
        }
    }

    /// The handler for the container's `scroll` event.
    pub fn on_scroll(self) -> impl Fn(leptos::ev::Event) + Copy + 'static {
        move |_| self.measure()
    }

    /// The rows of a `len`-row list to render now (reactive: follows scroll
    /// and resize).
    pub fn range(&self, len: usize) -> Range<usize> {
        let r = window(
            self.scroll_top.get(),
            self.height.get(),
            ROW_HEIGHT_PX,
            len,
            OVERSCAN_ROWS,
        );
        widen(r, len, self.min_rows)
    }
}

/// The rows shown: the ids of the window of a list, with the number of
/// rows above and below it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shown<T> {
    /// Rows above the window.
    pub above: usize,
    /// The ids in the window.
    pub ids: Vec<T>,
    /// Rows below the window.
    pub below: usize,
}

impl Viewport {
    /// The window of `ids` to render now (reactive, like
    /// [`Viewport::range`]).
    pub fn shown<T: Clone>(&self, ids: &[T]) -> Shown<T> {
        let r = self.range(ids.len());
        Shown {
            above: r.start,
            below: ids.len().saturating_sub(r.end),
            ids: ids.get(r).map(<[T]>::to_vec).unwrap_or_default(),
        }
    }
}

/// A spacer row `rows` rows high spanning `cols` columns (no test hook, no
/// content; hidden from assistive technology).
#[component]
pub fn SpacerRow(#[prop(into)] rows: Signal<usize>, cols: u32) -> impl IntoView {
    let style = move || {
        let px = rows.get() as f64 * ROW_HEIGHT_PX;
        format!("height:{px}px;padding:0;border:0")
    };
    view! {
        <tr class="vspacer" aria-hidden="true">
            <td colspan=cols.to_string() style=style></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_covers_the_visible_rows_plus_overscan() {
        assert_eq!(window(0.0, 260.0, 26.0, 4095, 0), 0..10);
        assert_eq!(window(0.0, 260.0, 26.0, 4095, 5), 0..15);
        assert_eq!(window(2600.0, 260.0, 26.0, 4095, 5), 95..115);
        assert_eq!(window(13.0, 260.0, 26.0, 4095, 0), 0..11);
        assert_eq!(window(1e12, 260.0, 26.0, 4095, 5), 4095..4095);
        assert_eq!(window(f64::NAN, f64::INFINITY, 0.0, 3, 1), 0..1);
        assert_eq!(window(-50.0, 52.0, 26.0, 1, 1), 0..1);
    }

    #[test]
    fn widen_reaches_the_minimum_and_keeps_stripes() {
        assert_eq!(widen(0..10, 4095, 100), 0..100);
        assert_eq!(widen(4090..4095, 4095, 100), 3994..4095);
        assert_eq!(widen(3..40, 30, 100), 0..30);
        assert_eq!(widen(501..700, 4095, 100), 500..700);
        assert_eq!(widen(0..0, 0, 100), 0..0);
    }
}

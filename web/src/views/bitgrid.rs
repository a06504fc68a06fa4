//! The bit-level dump of a frame: the dump table (offset, length, field,
//! raw, decoded, range) beside a bit grid (every byte a row of 8 bit cells,
//! coloured by the dump entry they belong to, byte offset and hex at the
//! sides). Hovering a table row highlights its bits; hovering a bit
//! highlights its row.
//!
//! Built to stay fast for 256-byte frames (2,048 cells): the cells are
//! plain elements with static classes (`e<i>` = dump entry `i`), hover is
//! one delegated listener per side writing ONE signal (the hovered entry),
//! and the highlight is one generated CSS rule (`.e3, .e4 { … }`) in a
//! `<style>` element of this instance: no per-bit signals or closures.
//!
//! Every bit is an element and every dump entry a table row, so the DOM
//! grows with the input: the grid shows at most [`MAX_GRID_BYTES`] bytes and
//! the table at most [`MAX_DUMP_ROWS`] entries; the status line says what
//! was left out.

use std::sync::atomic::{AtomicUsize, Ordering};

use iotdata::DumpEntry;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::decode::Failure;

/// Colours cycle through this many classes (`c0`..`c7`).
pub const PALETTE: usize = 8;
/// Bytes drawn in the bit grid (8 cells each); a longer frame shows its
/// first ones (every LoRa frame fits).
pub const MAX_GRID_BYTES: usize = 256;
/// Dump entries listed in the table; the rest are counted.
pub const MAX_DUMP_ROWS: usize = 512;

/// For every bit of a `total_bits` frame, the dump entry it belongs to: the
/// shortest entry covering it (entries may nest, as a FORWARD's `inner`
/// with the inner packet's own entries); `None` for bits no entry covers
/// (trailing bytes, padding).
pub fn bit_owners(total_bits: usize, dump: &[DumpEntry]) -> Vec<Option<usize>> {
    let mut order: Vec<u32> = (0..dump.len() as u32).collect();
    // Longest first, so shorter (more specific) entries overwrite.
    let len = |i: u32| dump.get(i as usize).map_or(0, |e| e.bit_length);
    crate::vecmap::sort_indices(&mut order, &|a, b| len(b).cmp(&len(a)).then(a.cmp(&b)));
    let mut owners = vec![None; total_bits];
    for i in order {
        let i = i as usize;
        let Some(e) = dump.get(i) else { continue };
        let end = e.bit_offset.saturating_add(e.bit_length).min(total_bits);
        for o in owners.iter_mut().take(end).skip(e.bit_offset) {
            *o = Some(i);
        }
    }
    owners
}

/// Entry `k` and every entry lying inside its bit range.
pub fn contained(dump: &[DumpEntry], k: usize) -> Vec<usize> {
    let Some(outer) = dump.get(k) else {
        return Vec::new();
    };
    let (s, e) = (outer.bit_offset, outer.bit_offset + outer.bit_length);
    dump.iter()
        .enumerate()
        .filter(|(i, d)| {
            *i == k || (d.bit_offset >= s && d.bit_offset + d.bit_length <= e && d.bit_length > 0)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The CSS rule highlighting entry `k` (its bits, the bits of the entries
/// inside it, and its table row) within the element of class `scope`.
/// Only integers go into it.
pub fn highlight_css(scope: &str, dump: &[DumpEntry], k: Option<usize>) -> String {
    let Some(k) = k.filter(|&k| k < dump.len()) else {
        return String::new();
    };
    let cells = contained(dump, k)
        .into_iter()
        .map(|i| format!(".{scope} .bitgrid .e{i}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "{cells}{{background:var(--bd-hl,var(--hl));color:#000;box-shadow:inset 0 0 0 1px rgba(0,0,0,.35)}}\
         .{scope} tr.r{k},.{scope} tr.r{k} td{{background:var(--bd-hl,var(--hl));color:#000}}"
    )
}

/// "bits 40–44 (5)" / "bit 45 (1)".
pub fn bit_range_text(offset: usize, len: usize) -> String {
    match len {
        0 => format!("bit {offset} (0)"),
        1 => format!("bit {offset} (1)"),
        n => format!("bits {offset}–{} ({n})", offset + n - 1),
    }
}

static NEXT_SCOPE: AtomicUsize = AtomicUsize::new(0);

/// The index in `data-e` of the element under the event, if any.
fn entry_of(ev: &leptos::ev::MouseEvent) -> Option<usize> {
    let el = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let hit = el.closest("[data-e]").ok()??;
    hit.get_attribute("data-e")?.parse().ok()
}

/// Scrolls `container` (when it scrolls itself) so that `target` is in view.
fn reveal(container: &web_sys::Element, target: &web_sys::Element) {
    if container.scroll_height() <= container.client_height() {
        return;
    }
    let c = container.get_bounding_client_rect();
    let t = target.get_bounding_client_rect();
    // Leave room for a sticky table header.
    let top = c.top() + 24.0;
    if t.top() < top || t.bottom() > c.bottom() {
        let delta = t.top() - c.top() - c.height() / 2.0 + t.height() / 2.0;
        container.set_scroll_top(container.scroll_top() + delta as i32);
    }
}

/// Dump table and bit grid of `bytes`, with linked hover.
#[component]
pub fn BitDump(
    /// The frame.
    bytes: Vec<u8>,
    /// Its dump entries (table order).
    dump: Vec<DumpEntry>,
    /// Where decoding failed, if it did (bits from there on are marked).
    #[prop(optional_no_strip)]
    error: Option<Failure>,
) -> impl IntoView {
    let scope = format!("bd{}", NEXT_SCOPE.fetch_add(1, Ordering::Relaxed));
    let hovered = RwSignal::new(None::<usize>);
    let total_bits = bytes.len() * 8;
    let grid_bytes = bytes.len().min(MAX_GRID_BYTES);
    let owners = bit_owners(grid_bytes * 8, &dump);
    let mut left_out = String::new();
    if dump.len() > MAX_DUMP_ROWS {
        left_out.push_str(&format!(" · first {MAX_DUMP_ROWS} entries listed"));
    }
    if bytes.len() > grid_bytes {
        left_out.push_str(&format!(" · bits of the first {grid_bytes} bytes drawn"));
    }
    let error_at = error.as_ref().map(|e| e.bit_offset);
    let dump = StoredValue::new(dump);
    let table_ref = NodeRef::<leptos::html::Div>::new();
    let grid_ref = NodeRef::<leptos::html::Div>::new();

    let css = {
        let scope = scope.clone();
        move || dump.with_value(|d| highlight_css(&scope, d, hovered.get()))
    };
    let status = move || {
        dump.with_value(|d| match hovered.get().and_then(|k| d.get(k)) {
            Some(e) => entry_text(e),
            None => format!(
                "{} entries · {} bits{left_out} · hover a row or a bit",
                d.len(),
                total_bits
            ),
        })
    };

    // Hover on one side highlights, and brings the other side's part into view.
    let on_table_over = linked_hover(hovered, grid_ref, |k| format!(".e{k}"));
    let on_grid_over = linked_hover(hovered, table_ref, |k| format!("tr.r{k}"));
    let on_leave = move |_| hovered.set(None);

    let rows = dump.with_value(|d| table_rows(d));
    let error_row = error.map(error_row);
    let grid_rows = grid_rows(&bytes[..grid_bytes], &owners, error_at);

    view! {
        <div class=format!("bitdump {scope}")>
            <style>{css}</style>
            <div class="bd-status mono" aria-live="polite">{status}</div>
            <div class="bd-body">
                <div class="table-wrap bd-table" tabindex="0" role="region" aria-label="bit dump" node_ref=table_ref>
                    <table class="dump">
                        <thead>
                            <tr>
                                <th class="num">"Bit"</th>
                                <th class="num">"Len"</th>
                                <th>"Field"</th>
                                <th class="num">"Raw"</th>
                                <th>"Decoded"</th>
                                <th>"Range"</th>
                            </tr>
                        </thead>
                        <tbody on:mouseover=on_table_over on:mouseleave=on_leave>
                            {rows}
                            {error_row}
                        </tbody>
                    </table>
                </div>
                <div
                    class="bitgrid mono"
                    tabindex="0"
                    role="region"
                    aria-label="bit grid"
                    node_ref=grid_ref
                    on:mouseover=on_grid_over
                    on:mouseleave=on_leave
                >
                    {grid_head()}
                    {grid_rows}
                </div>
            </div>
        </div>
    }
}

/// A mouseover handler: the entry under the pointer becomes `hovered`, and
/// the element `selector(entry)` inside `other` is scrolled into view.
fn linked_hover(
    hovered: RwSignal<Option<usize>>,
    other: NodeRef<leptos::html::Div>,
    selector: fn(usize) -> String,
) -> impl Fn(leptos::ev::MouseEvent) + Copy {
    move |ev| {
        let k = entry_of(&ev);
        if k != hovered.get_untracked() {
            hovered.set(k);
            if let (Some(k), Some(other)) = (k, other.get_untracked()) {
                if let Ok(Some(el)) = other.query_selector(&selector(k)) {
                    reveal(&other, &el);
                }
            }
        }
    }
}

/// The status line for a hovered entry: field, bits, raw, decoded, range.
fn entry_text(e: &DumpEntry) -> String {
    let mut s = format!(
        "{} · {} · raw {} · {}",
        e.field,
        bit_range_text(e.bit_offset, e.bit_length),
        e.raw,
        e.decoded
    );
    if !e.range.is_empty() {
        s.push_str(" · ");
        s.push_str(&e.range);
    }
    s
}

/// The dump table's rows (at most [`MAX_DUMP_ROWS`]), `r<i>` / `data-e`.
fn table_rows(dump: &[DumpEntry]) -> impl IntoView {
    dump.iter()
        .take(MAX_DUMP_ROWS)
        .enumerate()
        .map(|(i, e)| {
            let (raw, raw_title) = if e.bit_length > 64 {
                ("—".to_string(), String::new())
            } else {
                (e.raw.to_string(), format!("0x{:X}", e.raw))
            };
            view! {
                <tr class=format!("r{i}") data-e=i>
                    <td class="num">
                        <span class=format!("sw c{}", i % PALETTE)></span>
                        {e.bit_offset}
                    </td>
                    <td class="num">{e.bit_length}</td>
                    <td class="fld">{e.field.clone()}</td>
                    <td class="num" title=raw_title>{raw}</td>
                    <td class="dec">{e.decoded.clone()}</td>
                    <td class="muted rng">{e.range.clone()}</td>
                </tr>
            }
        })
        .collect_view()
}

/// The table's last row when decoding stopped.
fn error_row(e: Failure) -> impl IntoView {
    view! {
        <tr class="err-row">
            <td class="num">{e.bit_offset}</td>
            <td class="num">"—"</td>
            <td class="fld">{e.field}</td>
            <td></td>
            <td class="dec" colspan="2">{format!("✕ {}: decoding stopped here", e.kind)}</td>
        </tr>
    }
}

/// The grid's header row: bit numbers 0..7.
fn grid_head() -> impl IntoView {
    view! {
        <div class="bg-row bg-head">
            <span class="bg-off">"byte"</span>
            <span class="bg-bits">
                {(0..8)
                    .map(|i| view! { <span class=if i == 4 { "b nib" } else { "b" }>{i}</span> })
                    .collect_view()}
            </span>
            <span class="bg-hex">"hex"</span>
        </div>
    }
}

/// One grid row per byte: offset, 8 bit cells (`c<colour> e<entry>`, `u`
/// for bits no entry covers, `x` from the error on), hex.
fn grid_rows(bytes: &[u8], owners: &[Option<usize>], error_at: Option<usize>) -> impl IntoView {
    bytes
        .iter()
        .enumerate()
        .map(|(byte_index, &b)| {
            let cells = (0..8)
                .map(|bit| {
                    let n = byte_index * 8 + bit;
                    let v = if (b >> (7 - bit)) & 1 == 1 { "1" } else { "0" };
                    let owner = owners.get(n).copied().flatten();
                    let mut class = String::from("b");
                    match owner {
                        Some(k) => {
                            class.push_str(&format!(" c{} e{k}", k % PALETTE));
                        }
                        None => class.push_str(" u"),
                    }
                    if error_at.is_some_and(|e| n >= e) {
                        class.push_str(" x");
                    }
                    if bit == 4 {
                        class.push_str(" nib");
                    }
                    view! { <span class=class data-e=owner>{v}</span> }
                })
                .collect_view();
            view! {
                <div class="bg-row">
                    <span class="bg-off">{byte_index}</span>
                    <span class="bg-bits">{cells}</span>
                    <span class="bg-hex">{format!("{b:02x}")}</span>
                </div>
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(o: usize, l: usize, f: &str) -> DumpEntry {
        DumpEntry::new(o, l, f, 0, "", "")
    }

    #[test]
    fn owners_prefer_the_shortest_entry() {
        let d = vec![e(0, 4, "variant"), e(4, 12, "inner"), e(8, 4, "inner.x")];
        let o = bit_owners(20, &d);
        assert_eq!(o[0], Some(0));
        assert_eq!(o[4], Some(1));
        assert_eq!(o[8], Some(2));
        assert_eq!(o[12], Some(1));
        assert_eq!(o[16], None);
        assert_eq!(contained(&d, 1), vec![1, 2]);
        assert_eq!(contained(&d, 0), vec![0]);
    }

    #[test]
    fn css_names_only_numbers() {
        let d = vec![e(0, 4, "x{}</style>"), e(4, 4, "y")];
        let css = highlight_css("bd0", &d, Some(0));
        assert!(css.contains(".bd0 .bitgrid .e0"));
        assert!(css.contains(".bd0 tr.r0"));
        assert!(!css.contains("style"));
        assert_eq!(highlight_css("bd0", &d, None), "");
        assert_eq!(bit_range_text(40, 5), "bits 40–44 (5)");
    }
}

//! The inspector: paste hex (spaces, `0x`, colons, newlines tolerated) and it
//! decodes as you type. The pasted text is never replaced or lost; the
//! shareable URL (`#hex=…`) follows it.
//!
//! Test hooks: `data-testid="inspector-input"` (the textarea),
//! `data-testid="inspector-json"` (canonical JSON text, present when the
//! frame decoded), `data-testid="inspector-error"` (present only on error,
//! with the kind in `data-kind`: the codec's `short`, `truncated`,
//! `variant_reserved`, `variant_unknown`, `malformed`, or `hex` for text that
//! is not hex).

use leptos::prelude::*;

use crate::decode::{self, Decoded, DumpRow};
use crate::payload::{parse_hex, to_hex, HexError};
use crate::router::replace_hash;

/// What the inspector shows for some text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inspection {
    /// Nothing typed.
    Empty,
    /// Not hex.
    Hex(HexError),
    /// Decoded (possibly with a decode failure inside).
    Frame(Box<Decoded>),
}

/// Parses and decodes inspector text with `map`.
pub fn inspect(text: &str, map: &iotdata::VariantMap) -> Inspection {
    if text.trim().is_empty() {
        return Inspection::Empty;
    }
    match parse_hex(text) {
        Err(e) => Inspection::Hex(e),
        Ok(bytes) if bytes.is_empty() => Inspection::Empty,
        Ok(bytes) => Inspection::Frame(Box::new(decode::inspect_frame(&bytes, map))),
    }
}

/// The inspector page.
#[component]
pub fn Inspector(#[prop(into, optional)] initial: String) -> impl IntoView {
    let ctx = crate::app::use_ctx();
    let text = RwSignal::new(initial);
    let result = Memo::new(move |_| text.with(|t| ctx.variant_map.with_value(|m| inspect(t, m))));
    let hover = RwSignal::new(None::<(usize, usize)>);

    let on_input = move |e: leptos::ev::Event| {
        let v = event_target_value(&e);
        let hash = match parse_hex(&v) {
            Ok(b) if !b.is_empty() => format!("#hex={}", to_hex(&b)),
            _ => "#/inspector".to_string(),
        };
        text.set(v);
        replace_hash(&hash);
    };

    let error_view = move || {
        result.with(|r| match r {
            Inspection::Hex(e) => Some(
                view! {
                    <div class="error-box" data-testid="inspector-error" data-kind="hex">
                        <strong>"Not hex: "</strong>
                        {e.to_string()}
                    </div>
                }
                .into_any(),
            ),
            Inspection::Frame(d) => d.failure.as_ref().map(|f| {
                view! {
                    <div class="error-box" data-testid="inspector-error" data-kind=f.kind.clone()>
                        <strong>{f.kind.clone()} ": "</strong>
                        {f.message.clone()}
                    </div>
                }
                .into_any()
            }),
            Inspection::Empty => None,
        })
    };

    let header_view = move || {
        result.with(|r| match r {
            Inspection::Frame(d) => d.header.map(|h| {
                let kind = d.kind.as_str();
                let bytes = d.frame.as_ref().map(Vec::len).unwrap_or(0);
                let variant = match (&d.variant_name, d.mesh_type) {
                    (_, Some(t)) => format!("{} (mesh {t})", h.variant),
                    (Some(n), None) => format!("{} ({n})", h.variant),
                    (None, None) => h.variant.to_string(),
                };
                let warnings = d
                    .warnings
                    .iter()
                    .map(|w| view! { <tr><th>"Warning"</th><td class="warn-text">{w.clone()}</td></tr> })
                    .collect_view();
                view! {
                    <table class="kv">
                        <tbody>
                            <tr><th>"Kind"</th><td><span class=format!("badge {kind}")>{kind}</span></td></tr>
                            <tr><th>"Variant"</th><td>{variant}</td></tr>
                            <tr><th>"Station"</th><td>{format!("{} (0x{:03x})", h.station, h.station)}</td></tr>
                            <tr><th>"Sequence"</th><td>{h.sequence}</td></tr>
                            <tr><th>"Size"</th><td>{format!("{bytes} bytes, {} bits", bytes * 8)}</td></tr>
                            {warnings}
                        </tbody>
                    </table>
                }
            }),
            _ => None,
        })
    };

    let json_text = move || {
        result.with(|r| match r {
            Inspection::Frame(d) if d.failure.is_none() => d.json_text.clone(),
            _ => None,
        })
    };
    let copy_json = move |_| {
        if let Some(t) = json_text() {
            let _ = window().navigator().clipboard().write_text(&t);
        }
    };

    let bits_view = move || {
        result.with(|r| match r {
            Inspection::Frame(d) => d
                .frame
                .clone()
                .map(|f| {
                    let error_at = d.failure.as_ref().map(|e| e.bit_offset);
                    view! { <BitGrid bytes=f dump=d.dump.clone() hover=hover error_at=error_at /> }
                }),
            _ => None,
        })
    };

    view! {
        <section class="panel inspector">
            <div class="panel-head">
                <h2>"Inspector"</h2>
                <label class="muted small">
                    "Variant map "
                    <select disabled=true title="Loading other variant maps comes next">
                        <option>{move || ctx.variant_map.with_value(|m| m.name.clone())}</option>
                    </select>
                </label>
            </div>
            <textarea
                data-testid="inspector-input"
                class="hex-input mono"
                rows="4"
                spellcheck="false"
                placeholder="Paste a frame as hex, e.g. 00 2a 04 d2 …  (spaces, 0x, colons and newlines are fine)"
                prop:value=move || text.get()
                on:input=on_input
            ></textarea>
            {error_view}
            <div class="inspector-out">
                <div>
                    {header_view}
                    {move || {
                        json_text()
                            .map(|t| {
                                view! {
                                    <div class="json-box">
                                        <div class="row">
                                            <h3>"Canonical JSON"</h3>
                                            <button class="btn small" on:click=copy_json>
                                                "Copy"
                                            </button>
                                        </div>
                                        <pre data-testid="inspector-json" class="mono">{t}</pre>
                                    </div>
                                }
                            })
                    }}
                </div>
                <div>{bits_view}</div>
            </div>
        </section>
    }
}

/// The frame's bits, 32 per row, with the dump table beside it; hovering a
/// dump row highlights its bits.
#[component]
fn BitGrid(
    bytes: Vec<u8>,
    dump: Vec<DumpRow>,
    hover: RwSignal<Option<(usize, usize)>>,
    /// Bits from here on are marked (where decoding failed).
    error_at: Option<usize>,
) -> impl IntoView {
    let rows: Vec<(usize, Vec<u8>)> = bytes
        .chunks(4)
        .enumerate()
        .map(|(i, c)| (i * 4, c.to_vec()))
        .collect();
    let grid = rows
        .into_iter()
        .map(|(offset, chunk)| {
            let cells = chunk
                .iter()
                .enumerate()
                .flat_map(|(bi, b)| {
                    let byte_index = offset + bi;
                    (0..8).map(move |bit| {
                        let n = byte_index * 8 + bit;
                        let v = (b >> (7 - bit)) & 1;
                        let class = move || {
                            let hl = hover.get().is_some_and(|(s, l)| n >= s && n < s + l);
                            format!(
                                "bit{}{}{}",
                                if hl { " hl" } else { "" },
                                if bit == 0 { " byte-start" } else { "" },
                                if error_at.is_some_and(|e| n >= e) { " bad" } else { "" }
                            )
                        };
                        view! { <span class=class title=format!("bit {n}")>{v}</span> }
                    })
                })
                .collect_view();
            view! {
                <div class="bit-row">
                    <span class="bit-offset muted">{offset * 8}</span>
                    {cells}
                </div>
            }
        })
        .collect_view();
    let table = dump
        .into_iter()
        .map(|row| {
            let span = (row.bit_offset, row.bit_length);
            view! {
                <tr
                    on:mouseenter=move |_| hover.set(Some(span))
                    on:mouseleave=move |_| hover.set(None)
                >
                    <td class="num">{row.bit_offset}</td>
                    <td class="num">{row.bit_length}</td>
                    <td>{row.field}</td>
                    <td class="num">{row.raw}</td>
                    <td>{row.decoded}</td>
                    <td class="muted">{row.range}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="bits mono">{grid}</div>
        <div class="table-wrap">
        <table class="dump">
            <thead>
                <tr>
                    <th>"Bit"</th>
                    <th>"Len"</th>
                    <th>"Field"</th>
                    <th>"Raw"</th>
                    <th>"Decoded"</th>
                    <th>"Range"</th>
                </tr>
            </thead>
            <tbody>{table}</tbody>
        </table>
        </div>
    }
}

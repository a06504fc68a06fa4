//! The canonical JSON: pretty-printed without re-serialising, with a Copy
//! button.

use super::*;

/// Re-indents compact JSON (2 spaces, `": "`), keeping every token
/// verbatim (numbers exactly as the codec wrote them).
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut indent = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, indent: usize| {
        out.push('\n');
        for _ in 0..indent {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Empty object / array stays on one line.
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    indent += 1;
                    newline(&mut out, indent);
                }
            }
            '}' | ']' => {
                indent = indent.saturating_sub(1);
                newline(&mut out, indent);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, indent);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// The canonical JSON, pretty-printed, with Copy.
#[component]
pub(super) fn JsonBox(compact: String) -> impl IntoView {
    let pretty = pretty_json(&compact);
    let shown = StoredValue::new(pretty.clone());
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = shown.get_value();
        let nav = window().navigator();
        let has_clipboard = js_sys::Reflect::get(&nav, &"clipboard".into())
            .map(|v| !v.is_undefined() && !v.is_null())
            .unwrap_or(false);
        if has_clipboard {
            let promise = nav.clipboard().write_text(&text);
            let ok = wasm_bindgen::closure::Closure::new(move |_: wasm_bindgen::JsValue| {
                copied.set(Some(true))
            });
            let err = wasm_bindgen::closure::Closure::new(move |_: wasm_bindgen::JsValue| {
                copied.set(Some(false))
            });
            let _ = promise.then2(&ok, &err);
            ok.forget();
            err.forget();
        } else {
            // No clipboard API (not a secure context).
            copied.set(Some(false));
        }
        set_timeout(move || copied.set(None), Duration::from_millis(1600));
    };
    let label = move || match copied.get() {
        None => "Copy",
        Some(true) => "Copied",
        Some(false) => "Copy failed: select the text",
    };
    view! {
        <div class="insp-json">
            <div class="insp-json-head">
                <h3>"Canonical JSON"</h3>
                <span class="muted small">{format!("{} bytes", compact.len())}</span>
                <button class="btn small" on:click=copy>{label}</button>
            </div>
            <pre data-testid="inspector-json" class="mono" tabindex="0" role="region" aria-label="canonical JSON">{pretty}</pre>
        </div>
    }
}

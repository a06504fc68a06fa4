//! The rule editor: the rules with Remove buttons, a form to add one, a
//! suggested set, and the rules as JSON (download, import). Every change is
//! saved to localStorage ([`crate::alerts::storage`]).
//!
//! Test hooks: `alert-rule` (one per rule, `data-kind`), `rule-kind`,
//! `rule-scope`, `rule-field`, `rule-value`, `rule-margin`, `rule-add`,
//! `rule-error`, `rules-suggested`, `rules-json`, `rules-import`,
//! `rules-export`.

use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::alerts::{parse_rules, rules_json, Engine, Rule, MAX_RULES, MAX_RULES_JSON_BYTES};
use crate::ctx::{now_ms, use_ctx};
use crate::store::Live;

/// The kinds offered, as (JSON name, label).
const KINDS: [(&str, &str); 7] = [
    ("silent", "Silent for more than N × its interval"),
    ("battery_below", "Battery below %"),
    ("field_above", "Field above"),
    ("field_below", "Field below"),
    ("loss_above", "Sequence loss above % (last hour)"),
    ("orphan", "Mesh node orphaned"),
    ("route_error", "Mesh ROUTE_ERROR"),
];

/// The suggested rules: silent > 3 × interval and battery below 20 %, for all.
const SUGGESTED: &str = r#"[{"scope":"all","kind":"silent","factor":3},{"scope":"all","kind":"battery_below","percent":20}]"#;

/// Changes the rules and saves them.
fn edit(live: Live, f: impl FnOnce(&mut Engine, &crate::store::Store, f64)) {
    live.update_alerts(|e, s| {
        f(e, s, now_ms());
        crate::alerts::storage::save(e.rules().map(|(_, r)| r));
    });
}

/// The rule editor panel.
#[component]
pub fn RuleEditor() -> impl IntoView {
    let live = use_ctx().live;
    let rules = Memo::new(move |_| {
        live.alerts_rev.track();
        live.with_alerts(|e| e.rules().cloned().collect::<Vec<(u32, Rule)>>())
    });
    let count = move || rules.with(Vec::len);
    let error = RwSignal::new(String::new());
    let json = RwSignal::new(String::new());
    let add_all = move |text: &str, replace: bool| match parse_rules(text) {
        Ok(list) if !replace && list.len() + rules.with_untracked(Vec::len) > MAX_RULES => {
            error.set(format!("at most {MAX_RULES} rules"))
        }
        Ok(list) => {
            error.set(String::new());
            edit(live, move |e, s, now| {
                if replace {
                    e.set_rules(list, s, now);
                } else {
                    for r in list {
                        e.add_rule(r, s, now);
                    }
                }
            });
        }
        Err(err) => error.set(err.to_string()),
    };
    view! {
        <section class="panel">
            <crate::views::widgets::PanelHead title="Rules" count=count>
                <button class="btn small" data-testid="rules-suggested" on:click=move |_| add_all(SUGGESTED, false)>
                    "Add suggested rules"
                </button>
            </crate::views::widgets::PanelHead>
            <ul class="rule-list">
                <For each=move || rules.get() key=|(id, _)| *id let:r>
                    <RuleItem id=r.0 rule=r.1 />
                </For>
            </ul>
            <RuleForm error=error add=move |t| add_all(&t, false) />
            <p class="warn" role="alert" data-testid="rule-error">{move || error.get()}</p>
            <h3>"Rules as JSON"</h3>
            <div class="row">
                <button
                    class="btn small"
                    data-testid="rules-export"
                    on:click=move |_| {
                        let text = live.with_alerts(|e| rules_json(e.rules().map(|(_, r)| r)));
                        let _ = crate::export::download_text("iotdata-alert-rules.json", "application/json", &text);
                        json.set(text);
                    }
                >
                    "Export"
                </button>
                <button class="btn small" data-testid="rules-import" on:click=move |_| add_all(&json.get_untracked(), true)>
                    "Import (replaces the rules)"
                </button>
            </div>
            <label class="muted small" for="rules-json">"Rules JSON (paste to import)"</label>
            <textarea
                id="rules-json"
                data-testid="rules-json"
                rows="4"
                maxlength=MAX_RULES_JSON_BYTES.to_string()
                spellcheck="false"
                prop:value=json
                on:input=move |e| json.set(event_target_value(&e))
            ></textarea>
        </section>
    }
}

/// One rule with its Remove button.
#[component]
fn RuleItem(id: u32, rule: Rule) -> impl IntoView {
    let live = use_ctx().live;
    let text = format!("{} · {}", rule.scope.text(), rule.kind.describe());
    view! {
        <li data-testid="alert-rule" data-kind=rule.kind.name()>
            {text.clone()} " "
            <button
                class="btn small"
                aria-label=format!("Remove rule {text}")
                on:click=move |_| edit(live, move |e, _, now| e.remove_rule(id, now))
            >
                "Remove"
            </button>
        </li>
    }
}

/// A text input with its label.
#[component]
fn Input(id: &'static str, label: &'static str, hint: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="check" for=id>{label}</label>
        <input id=id data-testid=id type="text" placeholder=hint prop:value=value on:input=move |e| value.set(event_target_value(&e)) />
    }
}

/// The form adding one rule (validated like an import).
#[component]
fn RuleForm(error: RwSignal<String>, add: impl Fn(String) + 'static) -> impl IntoView {
    let kind = RwSignal::new("silent".to_string());
    let scope = RwSignal::new("all".to_string());
    let field = RwSignal::new(String::new());
    let value = RwSignal::new("3".to_string());
    let margin = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut o = Map::new();
        o.insert("kind".into(), kind.get_untracked().into());
        o.insert("scope".into(), scope.get_untracked().into());
        o.insert("field".into(), field.get_untracked().into());
        for (k, s) in [("factor", value), ("percent", value), ("value", value), ("margin", margin)] {
            let t = s.get_untracked();
            let t = t.trim();
            if !t.is_empty() {
                // A number as JSON reads it (else the text, refused as "must be a number").
                let v = serde_json::from_str::<Value>(t)
                    .ok()
                    .filter(Value::is_number)
                    .unwrap_or_else(|| t.into());
                o.insert(k.into(), v);
            }
        }
        error.set(String::new());
        add(Value::Array(vec![Value::Object(o)]).to_string());
    };
    view! {
        <form class="row" on:submit=submit>
            <label class="check" for="rule-kind">"Kind"</label>
            <select id="rule-kind" data-testid="rule-kind" on:change=move |e| kind.set(event_target_value(&e))>
                {KINDS.iter().map(|&(k, l)| view! { <option value=k>{l}</option> }).collect::<Vec<_>>()}
            </select>
            <Input id="rule-scope" label="Scope" hint="all, station:42, variant:0, format:hex" value=scope />
            <Input id="rule-field" label="Field" hint="environment.temperature" value=field />
            <Input id="rule-value" label="Threshold or N" hint="20" value=value />
            <Input id="rule-margin" label="Margin" hint="default" value=margin />
            <button class="btn small primary" type="submit" data-testid="rule-add">"Add rule"</button>
        </form>
    }
}

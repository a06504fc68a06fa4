//! The rule editor: the rules with Remove buttons, and one JSON box. Choosing
//! a kind puts an example rule of that kind in the box to edit; Add appends
//! the box's rule(s), Replace all imports a whole document, Export
//! downloads the rules (and shows them in the box). Every change is saved
//! to localStorage ([`crate::alerts::storage`]); invalid JSON or rules are
//! refused with the reason.
//!
//! Test hooks: `alert-rule` (one per rule, `data-kind`), `rule-kind`,
//! `rules-json`, `rule-add`, `rules-import`, `rules-export`,
//! `rules-suggested`, `rule-error`.

use leptos::prelude::*;

use crate::alerts::{parse_rules, rules_json, Rule, MAX_RULES, MAX_RULES_JSON_BYTES};
use crate::ctx::{now_ms, use_ctx};
use crate::views::widgets::PanelHead;

/// The kinds offered, as (label, example rule).
const KINDS: [(&str, &str); 7] = [
    (
        "Silent for more than N × its interval",
        r#"{"scope":"all","kind":"silent","factor":3}"#,
    ),
    (
        "Battery below %",
        r#"{"scope":"all","kind":"battery_below","percent":20,"margin":5}"#,
    ),
    (
        "Field above",
        r#"{"scope":"all","kind":"field_above","field":"environment.temperature","value":30,"margin":0.5}"#,
    ),
    (
        "Field below",
        r#"{"scope":"all","kind":"field_below","field":"environment.temperature","value":0,"margin":0.5}"#,
    ),
    (
        "Sequence loss above % (last hour)",
        r#"{"scope":"all","kind":"loss_above","percent":10,"margin":2}"#,
    ),
    ("Mesh node orphaned", r#"{"scope":"all","kind":"orphan"}"#),
    (
        "Mesh ROUTE_ERROR",
        r#"{"scope":"all","kind":"route_error"}"#,
    ),
];

/// The suggested rules: silent > 3 × interval and battery below 20 %, for all.
const SUGGESTED: &str = r#"[{"scope":"all","kind":"silent","factor":3},{"scope":"all","kind":"battery_below","percent":20}]"#;

/// The rule editor panel.
#[component]
pub fn RuleEditor() -> impl IntoView {
    let live = use_ctx().live;
    let rules = move || {
        live.alerts_rev.track();
        live.with_alerts(|e| e.rules().cloned().collect::<Vec<(u32, Rule)>>())
    };
    let count = move || {
        live.alerts_rev.track();
        live.with_alerts(|e| e.rules().len())
    };
    let error = RwSignal::new(String::new());
    let json = RwSignal::new(KINDS[0].1.to_string());
    // Adds the rules of `text` (or replaces every rule with them), saved.
    let apply = move |text: &str, replace: bool| {
        let list = match parse_rules(text) {
            Ok(l) if !replace && l.len() + live.with_alerts(|e| e.rules().len()) > MAX_RULES => {
                return error.set(format!("at most {MAX_RULES} rules"));
            }
            Ok(l) => l,
            Err(e) => return error.set(e.to_string()),
        };
        error.set(String::new());
        let mut list = Some(list);
        live.update_alerts(&mut |e, s| {
            let now = now_ms();
            match list.take() {
                Some(l) if replace => e.set_rules(l, s, now),
                Some(l) => {
                    for r in l {
                        e.add_rule(r, s, now);
                    }
                }
                None => {}
            }
            crate::alerts::storage::save(e.rules().map(|(_, r)| r));
        });
    };
    let export = move |_| {
        let text = live.with_alerts(|e| rules_json(e.rules().map(|(_, r)| r)));
        let _ = crate::export::download_text("iotdata-alert-rules.json", "application/json", &text);
        json.set(text);
    };
    view! {
        <section class="panel">
            <PanelHead title="Rules" count=count>
                <button class="btn small" data-testid="rules-suggested" on:click=move |_| apply(SUGGESTED, false)>
                    "Add suggested rules"
                </button>
            </PanelHead>
            <ul>
                <For each=rules key=|(id, _)| u64::from(*id) let:r>
                    <RuleItem id=r.0 rule=r.1 />
                </For>
            </ul>
            <div class="row">
                <label for="rule-kind">"New rule"</label>
                <select id="rule-kind" data-testid="rule-kind" on:change=move |e| json.set(event_target_value(&e))>
                    {KINDS.iter().map(|&(l, t)| view! { <option value=t>{l}</option> }).collect::<Vec<_>>()}
                </select>
                <button class="btn small primary" data-testid="rule-add" on:click=move |_| apply(&json.get_untracked(), false)>
                    "Add"
                </button>
                <button class="btn small" data-testid="rules-import" on:click=move |_| apply(&json.get_untracked(), true)>
                    "Replace all"
                </button>
                <button class="btn small" data-testid="rules-export" on:click=export>
                    "Export"
                </button>
            </div>
            <label class="muted small" for="rules-json">
                "Rule or rules (JSON; scope all, station:<id>, variant:<n> or format:binary|hex|json)"
            </label>
            <textarea
                id="rules-json"
                data-testid="rules-json"
                rows="3"
                maxlength=MAX_RULES_JSON_BYTES.to_string()
                spellcheck="false"
                prop:value=json
                on:input=move |e| json.set(event_target_value(&e))
            ></textarea>
            <p class="warn" role="alert" data-testid="rule-error">{move || error.get()}</p>
        </section>
    }
}

/// One rule with its Remove button.
#[component]
fn RuleItem(id: u32, rule: Rule) -> impl IntoView {
    let live = use_ctx().live;
    let text = format!("{} · {}", rule.scope.text(), rule.kind.describe());
    let label = format!("Remove rule {text}");
    let remove = move |_| {
        live.update_alerts(&mut |e, _| {
            e.remove_rule(id, now_ms());
            crate::alerts::storage::save(e.rules().map(|(_, r)| r));
        })
    };
    view! {
        <li data-testid="alert-rule" data-kind=rule.kind.name()>
            {text} " "
            <button class="btn small" aria-label=label on:click=remove>"Remove"</button>
        </li>
    }
}

//! Small components for markup the views repeat: a labelled checkbox
//! ([`Toggle`]), a form's text input ([`TextInput`]), a filter box
//! ([`SearchBox`]), a panel's heading row ([`PanelHead`]) and a picker of
//! the sources that delivered data ([`SourceSelect`]).

use leptos::prelude::*;

/// A labelled checkbox bound to `value`; `on_change` also gets each new
/// state (to persist it, say). `small` uses the small text size.
#[component]
pub fn Toggle(
    label: &'static str,
    value: RwSignal<bool>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] title: Option<&'static str>,
    #[prop(optional)] small: bool,
    #[prop(optional)] on_change: Option<fn(bool)>,
) -> impl IntoView {
    view! {
        <label class="check" class:small=small title=title>
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || value.get()
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    if let Some(f) = on_change {
                        f(on);
                    }
                    value.set(on);
                }
            />
            {label}
        </label>
    }
}

/// A form's text input `id` (its `<label for>` stays with the form) bound
/// to `value`; `kind` is the input type (`text`, `password`).
#[component]
pub fn TextInput(
    id: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] title: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    view! {
        <input
            id=id
            type=kind
            data-testid=testid
            placeholder=placeholder
            autocomplete=autocomplete
            title=title
            maxlength=maxlength
            spellcheck="false"
            prop:value=value
            on:input=move |e| value.set(event_target_value(&e))
        />
    }
}

/// A search-type filter input bound to `value`; `narrow` for a small one.
#[component]
pub fn SearchBox(
    value: RwSignal<String>,
    placeholder: &'static str,
    label: &'static str,
    testid: &'static str,
    #[prop(optional)] narrow: bool,
) -> impl IntoView {
    view! {
        <input
            class="filter"
            class:small-input=narrow
            type="search"
            placeholder=placeholder
            aria-label=label
            data-testid=testid
            prop:value=value
            on:input=move |e| value.set(event_target_value(&e))
        />
    }
}

/// A panel's heading row: the title with a count beside it, then the
/// panel's controls.
#[component]
pub fn PanelHead<C, V>(title: &'static str, count: C, children: Children) -> impl IntoView
where
    C: Fn() -> V + Send + 'static,
    V: IntoView + 'static,
{
    view! {
        <div class="panel-head">
            <h2>{title} " " <span class="count">{count}</span></h2>
            {children()}
        </div>
    }
}

/// The source numbers that delivered anything, following the store.
pub fn delivered_sources() -> Memo<Vec<u8>> {
    let live = crate::ctx::use_ctx().live;
    Memo::new(move |_| {
        live.stations_rev.track();
        live.topology_rev.track();
        live.with(|s| s.sources().collect())
    })
}

/// A labelled `<select>` of the sources that delivered data, bound to
/// `value`, hidden unless there are several; its first choice, `all`, is
/// `None` in `value`.
#[component]
pub fn SourceSelect(
    value: RwSignal<Option<u8>>,
    label: &'static str,
    testid: &'static str,
    all: &'static str,
) -> impl IntoView {
    let ctx = crate::ctx::use_ctx();
    let sources = delivered_sources();
    view! {
        <label class="check" hidden=move || sources.with(|v| v.len() < 2)>
            {label} " "
            <select
                data-testid=testid
                on:change=move |e| value.set(event_target_value(&e).parse::<u8>().ok())
            >
                <option value="">{all}</option>
                {move || {
                    sources
                        .get()
                        .into_iter()
                        .map(|src| {
                            view! {
                                <option value=src.to_string() selected=value.get_untracked() == Some(src)>
                                    {ctx.source_name(src)}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

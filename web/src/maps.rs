//! Variant maps: the built-in default map and the simulator's map, plus any
//! maps the user loads from a maps JSON file (file input) or pastes (the
//! schema of the CLI's `--map` / the conformance vectors' `variants.json`:
//! one map or `{"maps": {name: map, …}}`).
//!
//! The choice and the loaded JSON are persisted in localStorage
//! ([`STORAGE_KEY`]). The active map feeds the receiver
//! ([`crate::store::Live::set_map`]) and the inspector: it is
//! [`Maps::current`] (reactive), and [`Maps`] is part of the shared context
//! ([`crate::ctx::Ctx::maps`], [`use_maps`]).
//! Errors (bad JSON, bad map, too large) are shown in the panel and never
//! replace the active map.
//!
//! **Fallback** (on by default, persisted): variants the active map does not
//! define are taken from the other known maps (the built-ins first, then
//! loaded ones), so the simulator's frames decode with the default map
//! active, and a loaded single-variant map does not hide the others. With
//! it off, such variants are decoded leniently with variant 0's layout and
//! flagged (spec 11.4). [`Maps::current`] is the effective map.
//!
//! `?map=<name or key>` in the page URL selects a map (see
//! [`map_from_query`]).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use iotdata::VariantMap;

/// localStorage key of the persisted choice and loaded JSON.
pub const STORAGE_KEY: &str = "iotdata.maps.v1";
/// Largest maps JSON accepted (bytes), pasted, loaded from a file (its
/// size checked before it is read) or stored. The reference's vectors file,
/// five maps, is 14 kB.
pub const MAX_MAPS_JSON: usize = 64 * 1024;

/// The message for maps JSON of `size` bytes over [`MAX_MAPS_JSON`].
pub fn too_big_text(what: &str, size: f64) -> String {
    format!(
        "{what} is {size} bytes, more than the {MAX_MAPS_JSON} bytes (64 KiB) a maps file may have"
    )
}
/// Key of the built-in default map.
pub const DEFAULT_KEY: &str = "builtin:default";
/// Key of the simulator's map.
pub const SIM_KEY: &str = "builtin:sim";

/// Where a map comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapSource {
    /// Compiled into the codec (`VariantMap::default_map`).
    Default,
    /// The simulator's map (`iotdata_sim::sim_map`).
    Simulator,
    /// Loaded or pasted by the user.
    Loaded,
}

/// One selectable map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapChoice {
    /// Stable key (`builtin:default`, `builtin:sim`, `loaded:<name>`).
    pub key: String,
    /// Label for the selector.
    pub label: String,
    /// Where it comes from.
    pub source: MapSource,
    /// The map.
    pub map: VariantMap,
}

/// The two maps that are always there.
pub fn builtin_choices() -> Vec<MapChoice> {
    let default = VariantMap::default_map();
    let sim = iotdata_sim::sim_map();
    vec![
        MapChoice {
            key: DEFAULT_KEY.into(),
            label: format!("{} (built-in)", default.name),
            source: MapSource::Default,
            map: default,
        },
        MapChoice {
            key: SIM_KEY.into(),
            label: format!("{} (simulator)", sim.name),
            source: MapSource::Simulator,
            map: sim,
        },
    ]
}

/// Parses a maps JSON document (one map or several). The error says what
/// is wrong, in one sentence.
pub fn parse_user_maps(text: &str) -> Result<Vec<MapChoice>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the maps JSON is empty".into());
    }
    if text.len() > MAX_MAPS_JSON {
        return Err(too_big_text("the maps JSON", text.len() as f64));
    }
    let maps = VariantMap::parse_maps(text).map_err(|e| format!("not a valid maps file: {e}"))?;
    if maps.is_empty() {
        return Err("the file holds no variant map".into());
    }
    Ok(maps
        .into_iter()
        .map(|m| MapChoice {
            key: format!("loaded:{}", m.name),
            label: format!("{} (loaded)", m.name),
            source: MapSource::Loaded,
            map: m,
        })
        .collect())
}

/// The effective map for the active `key` among `choices`.
pub fn effective(choices: &[MapChoice], key: &str, fallback: bool) -> VariantMap {
    let Some(active) = choices.iter().find(|c| c.key == key).or(choices.first()) else {
        return VariantMap::default_map();
    };
    if !fallback {
        return active.map.clone();
    }
    with_fallback(
        &active.map,
        choices
            .iter()
            .filter(|c| c.key != active.key)
            .map(|c| &c.map),
    )
}

/// What is persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// Key of the active map.
    pub active: String,
    /// The last maps JSON loaded or pasted (empty = none).
    pub loaded: String,
    /// Fill variants missing from the active map from the other maps.
    pub fallback: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Persisted {
            active: DEFAULT_KEY.into(),
            loaded: String::new(),
            fallback: true,
        }
    }
}

/// The active map with the variants it lacks taken from `others`, in order
/// (the first map defining a variant wins). The name stays the active one's.
pub fn with_fallback<'a>(
    active: &VariantMap,
    others: impl IntoIterator<Item = &'a VariantMap>,
) -> VariantMap {
    let mut defs: Vec<iotdata::VariantDef> = active.variants().cloned().collect();
    for m in others {
        for v in m.variants() {
            if !defs.iter().any(|d| d.id == v.id) {
                defs.push(v.clone());
            }
        }
    }
    VariantMap::from_defs(&active.name, defs).unwrap_or_else(|_| active.clone())
}

/// Where the variants of the effective map come from: `(variant, map name)`
/// for those not in the active map.
pub fn borrowed_variants(active: &VariantMap, effective: &VariantMap) -> Vec<(u8, String)> {
    effective
        .variants()
        .filter(|v| active.get(v.id).is_none())
        .map(|v| (v.id, v.name.clone()))
        .collect()
}

/// The map key named by a `?map=` value: a key (`builtin:sim`), a map name
/// (`sim`, `default`) or a loaded map's name.
pub fn map_from_query(choices: &[MapChoice], value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    choices
        .iter()
        .find(|c| c.key == v)
        .or_else(|| choices.iter().find(|c| c.map.name == v))
        .map(|c| c.key.clone())
}

/// The `map` parameter of a query string, percent-decoded.
pub fn query_map_param(query: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("map="))
        .map(crate::settings::percent_decode)
}

/// All choices for a persisted state: the built-ins, then the loaded maps
/// (a stored JSON that no longer parses is dropped).
pub fn choices_for(p: &Persisted) -> Vec<MapChoice> {
    let mut v = builtin_choices();
    if !p.loaded.is_empty() {
        if let Ok(loaded) = parse_user_maps(&p.loaded) {
            v.extend(loaded);
        }
    }
    v
}

/// The selectable maps, the active one and the last error. `Copy`.
#[derive(Clone, Copy)]
pub struct Maps {
    /// Every selectable map.
    pub choices: RwSignal<Vec<MapChoice>>,
    /// Key of the active map.
    pub active: RwSignal<String>,
    /// The effective map (reactive): the active one, with missing variants
    /// from the other maps while [`Maps::fallback`] is on.
    pub current: RwSignal<VariantMap>,
    /// Fill variants missing from the active map from the other maps.
    pub fallback: RwSignal<bool>,
    /// The last load / paste error (cleared on success).
    pub error: RwSignal<Option<String>>,
    loaded_json: StoredValue<String>,
}

/// The [`Maps`] of the shared context.
pub fn use_maps() -> Maps {
    crate::ctx::use_ctx().maps
}

impl Maps {
    /// From a persisted state (the active key falls back to the default map).
    pub fn new(p: Persisted) -> Maps {
        let choices = choices_for(&p);
        let active = choices
            .iter()
            .find(|c| c.key == p.active)
            .unwrap_or(&choices[0])
            .clone();
        let current = effective(&choices, &active.key, p.fallback);
        Maps {
            choices: RwSignal::new(choices),
            active: RwSignal::new(active.key),
            current: RwSignal::new(current),
            fallback: RwSignal::new(p.fallback),
            error: RwSignal::new(None),
            loaded_json: StoredValue::new(p.loaded),
        }
    }

    /// The state to persist.
    pub fn persisted(&self) -> Persisted {
        Persisted {
            active: self.active.get_untracked(),
            loaded: self.loaded_json.get_value(),
            fallback: self.fallback.get_untracked(),
        }
    }

    /// The active map as chosen (without fallback variants).
    pub fn active_map(&self) -> VariantMap {
        let key = self.active.get_untracked();
        self.choices.with_untracked(|c| {
            c.iter()
                .find(|c| c.key == key)
                .map(|c| c.map.clone())
                .unwrap_or_else(VariantMap::default_map)
        })
    }

    /// Turns the fallback on or off.
    pub fn set_fallback(&self, on: bool) {
        self.fallback.set(on);
        let key = self.active.get_untracked();
        self.current
            .set(self.choices.with_untracked(|c| effective(c, &key, on)));
        self.save();
    }

    /// Makes the map with `key` active; false when there is none.
    pub fn select(&self, key: &str) -> bool {
        let Some(c) = self
            .choices
            .with_untracked(|v| v.iter().find(|c| c.key == key).cloned())
        else {
            self.error.set(Some(format!("no variant map '{key}'")));
            return false;
        };
        let on = self.fallback.get_untracked();
        self.current.set(
            self.choices
                .with_untracked(|all| effective(all, &c.key, on)),
        );
        self.active.set(c.key);
        self.save();
        true
    }

    /// Loads maps JSON (file or paste): adds its maps (replacing earlier
    /// loaded ones) and activates the first. On error nothing changes and
    /// the error is kept in [`Maps::error`].
    pub fn load_json(&self, text: &str) -> Result<usize, String> {
        match parse_user_maps(text) {
            Err(e) => {
                self.error.set(Some(e.clone()));
                Err(e)
            }
            Ok(loaded) => {
                let n = loaded.len();
                let first = loaded[0].key.clone();
                let mut all = builtin_choices();
                all.extend(loaded);
                self.choices.set(all);
                self.loaded_json.set_value(text.trim().to_string());
                self.error.set(None);
                self.select(&first);
                Ok(n)
            }
        }
    }

    /// Forgets the loaded maps (back to the built-ins).
    pub fn forget_loaded(&self) {
        self.loaded_json.set_value(String::new());
        self.choices.set(builtin_choices());
        let key = self.active.get_untracked();
        if !key.starts_with("builtin:") {
            self.select(DEFAULT_KEY);
        } else {
            self.save();
        }
    }

    fn save(&self) {
        #[cfg(target_arch = "wasm32")]
        save(&self.persisted());
    }
}

/// Reads the persisted state, then `?map=` from the page URL (browser only;
/// defaults elsewhere or on error).
pub fn load() -> Persisted {
    #[cfg(target_arch = "wasm32")]
    {
        let mut p: Persisted = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let search = window().location().search().unwrap_or_default();
        if let Some(v) = query_map_param(&search) {
            if let Some(key) = map_from_query(&choices_for(&p), &v) {
                p.active = key;
            }
        }
        p
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Persisted::default()
    }
}

/// Writes the persisted state (a full storage is ignored).
#[cfg(target_arch = "wasm32")]
pub fn save(p: &Persisted) {
    if let (Some(s), Ok(t)) = (
        window().local_storage().ok().flatten(),
        serde_json::to_string(p),
    ) {
        let _ = s.set_item(STORAGE_KEY, &t);
    }
}

/// A compact selector of the active map (usable anywhere).
#[component]
pub fn MapSelect() -> impl IntoView {
    let maps = use_maps();
    view! {
        <select
            class="filter"
            aria-label="variant map"
            data-testid="map-select"
            on:change=move |e| {
                maps.select(&event_target_value(&e));
            }
        >
            {move || {
                let active = maps.active.get();
                maps.choices
                    .get()
                    .into_iter()
                    .map(|c| {
                        let selected = c.key == active;
                        view! { <option value=c.key selected=selected>{c.label}</option> }
                    })
                    .collect_view()
            }}
        </select>
    }
}

/// The variant-map settings: selector, file input, paste box, errors.
#[component]
pub fn MapsPanel() -> impl IntoView {
    let maps = use_maps();
    let paste = RwSignal::new(String::new());
    let note = RwSignal::new(None::<String>);
    let report = move |r: Result<usize, String>| match r {
        Ok(n) => note.set(Some(format!(
            "loaded {n} map{}",
            if n == 1 { "" } else { "s" }
        ))),
        Err(_) => note.set(None),
    };
    let on_file = move |e: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        if file.size() > MAX_MAPS_JSON as f64 {
            maps.error
                .set(Some(too_big_text(&file.name(), file.size())));
            return;
        }
        let name = file.name();
        wasm_bindgen_futures::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(v) => {
                    let text = v.as_string().unwrap_or_default();
                    report(maps.load_json(&text));
                }
                Err(_) => maps.error.set(Some(format!("could not read {name}"))),
            }
        });
        input.set_value("");
    };
    let load_paste = move |_| {
        let t = paste.get_untracked();
        let r = maps.load_json(&t);
        if r.is_ok() {
            paste.set(String::new());
        }
        report(r);
    };
    let describe = move || {
        maps.current.with(|m| {
            let vs: Vec<String> = m.variants().map(|v| v.name.clone()).collect::<Vec<_>>();
            format!("{}: {}", m.name, vs.join(", "))
        })
    };
    view! {
        <fieldset class="maps-panel" data-testid="maps-panel">
            <legend>"Variant map"</legend>
            <div class="row">
                <MapSelect />
                <label class="btn small file-btn">
                    "Load file…"
                    <input
                        type="file"
                        accept=".json,application/json"
                        data-testid="maps-file"
                        on:change=on_file
                    />
                </label>
                <Show when=move || maps.choices.with(|c| c.len() > 2)>
                    <button class="btn small" type="button" on:click=move |_| maps.forget_loaded()>
                        "Forget loaded"
                    </button>
                </Show>
            </div>
            <p class="muted small" data-testid="maps-variants">{describe}</p>
            <label class="check small">
                <input
                    type="checkbox"
                    data-testid="maps-fallback"
                    prop:checked=move || maps.fallback.get()
                    on:change=move |e| maps.set_fallback(event_target_checked(&e))
                />
                "variants missing from this map: use the other maps' (else variant 0's layout, flagged)"
            </label>
            <textarea
                class="mono maps-paste"
                rows="3"
                spellcheck="false"
                placeholder="…or paste a maps JSON ({\"maps\": {…}} or a single map)"
                data-testid="maps-paste"
                prop:value=paste
                on:input=move |e| paste.set(event_target_value(&e))
            ></textarea>
            <div class="row">
                <button class="btn small" type="button" on:click=load_paste>
                    "Use pasted maps"
                </button>
                {move || note.get().map(|n| view! { <span class="muted small">{n}</span> })}
            </div>
            {move || {
                maps.error
                    .get()
                    .map(|e| view! { <p class="warn" data-testid="maps-error" role="alert">{e}</p> })
            }}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_and_errors() {
        let b = builtin_choices();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].map.get(6).unwrap().name, "camera");
        assert!(parse_user_maps("").is_err());
        assert!(parse_user_maps("{not json").is_err());
        let big = format!(
            "{{\"maps\":{{}},\"pad\":\"{}\"}}",
            "x".repeat(MAX_MAPS_JSON)
        );
        let e = parse_user_maps(&big).unwrap_err();
        assert!(e.contains("more than the 65536 bytes (64 KiB)"), "{e}");
        let vectors = include_str!("../../tests/vectors/variants.json");
        assert!(vectors.len() < MAX_MAPS_JSON && parse_user_maps(vectors).is_ok());
        let one = parse_user_maps(iotdata_sim::SIM_MAPS_JSON).unwrap();
        assert_eq!(one[0].key, "loaded:sim");
        // Fallback: the default map plus the simulator's other variants.
        let eff = effective(&b, DEFAULT_KEY, true);
        assert_eq!(eff.name, "default");
        assert_eq!(eff.get(6).unwrap().name, "camera");
        assert_eq!(borrowed_variants(&b[0].map, &eff).len(), 7);
        assert!(effective(&b, DEFAULT_KEY, false).get(6).is_none());
        assert_eq!(map_from_query(&b, "sim").as_deref(), Some(SIM_KEY));
        assert_eq!(
            map_from_query(&b, "builtin:default").as_deref(),
            Some(DEFAULT_KEY)
        );
        assert_eq!(map_from_query(&b, "nope"), None);
        assert_eq!(query_map_param("?broker=x&map=sim").as_deref(), Some("sim"));
    }
}

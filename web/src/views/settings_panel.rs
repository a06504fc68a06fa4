//! The settings panel: the sources (up to [`settings::MAX_SOURCES`] broker
//! connections, each with its name, broker, credentials, topics, MQTT
//! version, keepalive and an enabled switch; one edited at a time, picked
//! in the source list), the station ids merged across sources, tiles and
//! variant maps, with Connect, Disconnect and Demo, and a link to the
//! configuration (of the first source). Opened from the connection bar.
//!
//! Test hooks: `settings-source` (the source list), `settings-add-source`,
//! `settings-remove-source`, `settings-name`, `settings-enabled`,
//! `settings-merged`, `settings-broker`, `settings-mqtt`,
//! `settings-keepalive`, `settings-tiles-problem`.

use leptos::prelude::*;

use super::widgets::{TextInput, Toggle};
use crate::ctx::use_ctx;
use crate::mqtt::MqttVersion;
use crate::settings::{self, check_broker_url, page_protocol, Settings};
use crate::tiles::check_tile_template;

/// The form's fields as edited (all `Copy` handles): the source being
/// edited, and the settings every source shares.
#[derive(Clone, Copy)]
struct Draft {
    name: RwSignal<String>,
    enabled: RwSignal<bool>,
    merged: RwSignal<String>,
    broker: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    remember: RwSignal<bool>,
    topics: RwSignal<String>,
    tiles: RwSignal<String>,
    version: RwSignal<MqttVersion>,
    keepalive: RwSignal<String>,
}

impl Draft {
    /// Credentials typed into a broker URL show in the user and password
    /// fields, never in the URL (`s` is normalised first).
    fn new(s: Settings) -> Draft {
        let s = s.normalized();
        Draft {
            name: RwSignal::new(s.name),
            enabled: RwSignal::new(s.enabled),
            merged: RwSignal::new(
                s.merged
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            broker: RwSignal::new(s.broker),
            user: RwSignal::new(s.user),
            password: RwSignal::new(s.password),
            remember: RwSignal::new(s.remember),
            topics: RwSignal::new(s.topics.join(", ")),
            tiles: RwSignal::new(s.tile_url),
            version: RwSignal::new(s.mqtt),
            keepalive: RwSignal::new(s.keepalive.to_string()),
        }
    }

    /// Shows source `s` in the per-source fields.
    fn load(self, s: &Settings) {
        let s = s.clone().normalized();
        self.name.set(s.name);
        self.enabled.set(s.enabled);
        self.broker.set(s.broker);
        self.user.set(s.user);
        self.password.set(s.password);
        self.remember.set(s.remember);
        self.topics.set(s.topics.join(", "));
        self.version.set(s.mqtt);
        self.keepalive.set(s.keepalive.to_string());
    }

    /// The settings the form holds, with `list` as the sources (the one
    /// edited, `current`, taken from the form; read untracked).
    fn collect_all(self, list: &[Settings], current: usize) -> Settings {
        let mut list = list.to_vec();
        if let Some(slot) = list.get_mut(current) {
            *slot = self.collect();
        }
        let mut s = self.collect().with_source_list(list);
        s.merged = Settings::parse_ids(&self.merged.get_untracked());
        s.checked()
    }

    /// The edited source and the shared settings the form holds (read
    /// untracked).
    fn collect(self) -> Settings {
        let tiles = self.tiles.get_untracked().trim().to_string();
        Settings {
            name: self.name.get_untracked().trim().to_string(),
            enabled: self.enabled.get_untracked(),
            sources: Vec::new(),
            stored_sources: Vec::new(),
            merged: Vec::new(),
            broker: self.broker.get_untracked().trim().to_string(),
            user: self.user.get_untracked().trim().to_string(),
            password: self.password.get_untracked(),
            remember: self.remember.get_untracked(),
            topics: Settings::parse_topics(&self.topics.get_untracked()),
            tile_url: if tiles.is_empty() {
                settings::DEFAULT_TILE_URL.to_string()
            } else {
                tiles
            },
            keepalive: settings::parse_keepalive(&self.keepalive.get_untracked())
                .unwrap_or(settings::DEFAULT_KEEPALIVE_SECS),
            mqtt: self.version.get_untracked(),
        }
        .normalized()
    }

    /// What is wrong with the broker URL, and what to do.
    fn broker_problem(self) -> Option<String> {
        let b = self.broker.get();
        if b.trim().is_empty() {
            return None;
        }
        check_broker_url(&b, &page_protocol())
            .err()
            .map(|p| format!("{} — {}", p.reason, p.hint))
    }

    /// What is wrong with the tile URL template.
    fn tiles_problem(self) -> Option<String> {
        let t = self.tiles.get();
        if t.trim().is_empty() {
            return None;
        }
        check_tile_template(&t)
            .err()
            .map(|p| format!("{p}: the map will show no tiles (and the URL is not saved)"))
    }

    /// A link to this configuration (no password), following the form: the
    /// source edited, when it is the first one.
    fn share_link(self) -> String {
        // collect() reads untracked: track what the link shows.
        self.broker.track();
        self.topics.track();
        self.user.track();
        self.tiles.track();
        self.version.track();
        self.keepalive.track();
        let q = self.collect().share_query();
        let loc = window().location();
        format!(
            "{}{}{}",
            loc.origin().unwrap_or_default(),
            loc.pathname().unwrap_or_default(),
            q
        )
    }
}

/// A change to the list of sources in the panel.
#[derive(Clone, Copy)]
enum Edit {
    /// Edit source `n`.
    Show(usize),
    /// Add a source (and edit it).
    Add,
    /// Remove the source edited.
    Remove,
}

/// The sources as edited: the list, the one in the form, and their names
/// for the source list (all `Copy` handles).
#[derive(Clone, Copy)]
struct SourceList {
    list: StoredValue<Vec<Settings>>,
    current: RwSignal<usize>,
    names: RwSignal<Vec<String>>,
    draft: Draft,
}

impl SourceList {
    /// Keeps the form's source in the list, applies `edit`, and shows the
    /// source then current in the form.
    #[inline(never)]
    fn edit(self, edit: Edit) {
        let i = self.current.get_untracked();
        let draft = self.draft;
        let mut to = 0;
        let mut names = Vec::new();
        self.list.update_value(|l| {
            if let Some(slot) = l.get_mut(i) {
                *slot = draft.collect();
            }
            to = match edit {
                Edit::Show(n) => n,
                Edit::Add if l.len() < settings::MAX_SOURCES => {
                    l.push(Settings::default());
                    l.len() - 1
                }
                Edit::Remove if l.len() > 1 => {
                    l.remove(i.min(l.len() - 1));
                    i.saturating_sub(1)
                }
                _ => i,
            };
            to = to.min(l.len().saturating_sub(1));
            if let Some(s) = l.get(to) {
                draft.load(s);
            }
            names = l
                .iter()
                .enumerate()
                .map(|(i, s)| s.display_name(i))
                .collect();
        });
        self.current.set(to);
        self.names.set(names);
    }
}

/// The sources (one edited at a time), merged ids and tiles; Connect /
/// Disconnect.
#[component]
pub fn SettingsPanel(on_done: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let start = ctx.settings.get_untracked();
    let draft = Draft::new(start.clone());
    let sl = SourceList {
        list: StoredValue::new(start.source_list()),
        current: RwSignal::new(0usize),
        names: RwSignal::new(Vec::new()),
        draft,
    };
    sl.edit(Edit::Show(0));
    let SourceList {
        list,
        current,
        names,
        ..
    } = sl;
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = list.with_value(|l| draft.collect_all(l, current.get_untracked()));
        ctx.apply_settings(s);
        on_done();
    };
    let disconnect = move |_| ctx.disconnect();
    let full = move || names.with(Vec::len) >= settings::MAX_SOURCES;
    let single = move || names.with(Vec::len) <= 1;
    let client_id = ctx.conns.with_value(|c| c.first().map(|c| c.client_id()));

    view! {
        <form class="settings panel" on:submit=connect>
            <div class="row">
                <label for="set-source">"Source"</label>
                <select
                    id="set-source"
                    data-testid="settings-source"
                    on:change=move |e| {
                        if let Ok(i) = event_target_value(&e).parse::<usize>() {
                            sl.edit(Edit::Show(i));
                        }
                    }
                >
                    {move || {
                        names
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, n)| {
                                view! {
                                    <option value=i.to_string() selected=current.get_untracked() == i>
                                        {n}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
                <button
                    class="btn small"
                    type="button"
                    data-testid="settings-add-source"
                    disabled=full
                    on:click=move |_| sl.edit(Edit::Add)
                >
                    "Add source"
                </button>
                <button
                    class="btn small"
                    type="button"
                    data-testid="settings-remove-source"
                    disabled=single
                    on:click=move |_| sl.edit(Edit::Remove)
                >
                    "Remove source"
                </button>
            </div>
            <SettingsFields draft=draft />
            {move || draft.broker_problem().map(|p| view! { <p class="warn">{p}</p> })}
            {move || {
                draft
                    .tiles_problem()
                    .map(|p| view! { <p class="warn" data-testid="settings-tiles-problem">{p}</p> })
            }}
            <crate::maps::MapsPanel />
            <super::memory_panel::MemoryPanel current=current />
            <div class="row actions">
                <button class="btn primary" type="submit">
                    "Connect"
                </button>
                <button class="btn" type="button" on:click=disconnect>
                    "Disconnect"
                </button>
                <button
                    class="btn"
                    type="button"
                    title="run the simulator in this page, beside the brokers"
                    on:click=move |_| {
                        ctx.start_demo();
                        on_done();
                    }
                >
                    "Demo"
                </button>
                <span class="muted small">"client id " <code>{client_id}</code></span>
            </div>
            <p class="muted small" hidden=move || current.get() != 0>
                "Link to this configuration (no password): "
                <code class="share">{move || draft.share_link()}</code>
            </p>
        </form>
    }
}

/// The form grid: one labelled field a setting.
#[component]
fn SettingsFields(draft: Draft) -> impl IntoView {
    let Draft {
        name,
        enabled,
        merged,
        broker,
        user,
        password,
        remember,
        topics,
        tiles,
        version,
        keepalive,
    } = draft;
    view! {
        <div class="grid">
            <label for="set-name">"Name"</label>
            <span class="row">
                <TextInput
                    id="set-name"
                    value=name
                    testid="settings-name"
                    placeholder="e.g. north site (default: the broker's host)"
                    maxlength=settings::MAX_SOURCE_NAME_CHARS
                />
                <Toggle label="enabled" value=enabled testid="settings-enabled" />
            </span>
            <label for="set-broker">"Broker URL"</label>
            <TextInput
                id="set-broker"
                value=broker
                testid="settings-broker"
                placeholder="ws://localhost:9001 or wss://host/mqtt"
            />
            <label for="set-topics">"Topic filters"</label>
            <TextInput id="set-topics" value=topics placeholder="iotdata/#" />
            <label for="set-user">"User"</label>
            <TextInput id="set-user" value=user autocomplete="username" />
            <label for="set-pass">"Password"</label>
            <span class="row">
                <TextInput
                    id="set-pass"
                    value=password
                    kind="password"
                    autocomplete="current-password"
                />
                <Toggle label="remember" value=remember />
            </span>
            <label for="set-mqtt">"MQTT version"</label>
            <select
                id="set-mqtt"
                data-testid="settings-mqtt"
                title="3.1.1 works with every broker; 5 adds reason codes and reason strings"
                on:change=move |e| {
                    if let Some(v) = MqttVersion::parse(&event_target_value(&e)) {
                        version.set(v);
                    }
                }
            >
                {MqttVersion::ALL
                    .into_iter()
                    .map(|v| {
                        view! {
                            <option value=v.label() prop:selected=move || version.get() == v>
                                {match v {
                                    MqttVersion::V311 => "3.1.1 (default: every broker)",
                                    MqttVersion::V5 => "5.0",
                                }}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for="set-keepalive">"Keepalive (s)"</label>
            <input
                id="set-keepalive"
                data-testid="settings-keepalive"
                type="number"
                min=settings::MIN_KEEPALIVE_SECS
                max=settings::MAX_KEEPALIVE_SECS
                title="seconds between pings on a quiet connection; a broker that stops answering is noticed within this time"
                prop:value=keepalive
                on:input=move |e| keepalive.set(event_target_value(&e))
            />
            <label for="set-merged">"Merge station ids"</label>
            <TextInput
                id="set-merged"
                value=merged
                testid="settings-merged"
                placeholder="e.g. 42, 17"
                title="these station ids are one station whichever source delivers them (packets from then on)"
            />
            <label for="set-tiles">"Map tiles"</label>
            <TextInput id="set-tiles" value=tiles />
        </div>
    }
}

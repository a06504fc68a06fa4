//! The settings panel (broker, credentials, topics, MQTT version,
//! keepalive, tiles, variant maps) with Connect, Disconnect and Demo, and
//! a link to the configuration. Opened from the connection bar.
//!
//! Test hooks: `settings-broker`, `settings-mqtt`, `settings-keepalive`,
//! `settings-tiles-problem`.

use leptos::prelude::*;

use super::widgets::{TextInput, Toggle};
use crate::ctx::use_ctx;
use crate::mqtt::MqttVersion;
use crate::settings::{self, check_broker_url, page_protocol, Settings};
use crate::tiles::check_tile_template;

/// The form's fields as edited (all `Copy` handles).
#[derive(Clone, Copy)]
struct Draft {
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

    /// The settings the form holds (read untracked).
    fn collect(self) -> Settings {
        let tiles = self.tiles.get_untracked().trim().to_string();
        Settings {
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

    /// A link to this configuration (no password), following the form.
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

/// Broker URL, credentials, topics and tiles; Connect / Disconnect.
#[component]
pub fn SettingsPanel(on_done: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let draft = Draft::new(ctx.settings.get_untracked());
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ctx.apply_settings(draft.collect());
        on_done();
    };
    let disconnect = move |_| {
        let mut s = draft.collect();
        s.broker.clear();
        ctx.settings.set(s);
        ctx.conn.with_value(|c| c.stop("disconnected"));
    };
    let client_id = ctx.conn.with_value(|c| c.client_id());

    view! {
        <form class="settings panel" on:submit=connect>
            <SettingsFields draft=draft />
            {move || draft.broker_problem().map(|p| view! { <p class="warn">{p}</p> })}
            {move || {
                draft
                    .tiles_problem()
                    .map(|p| view! { <p class="warn" data-testid="settings-tiles-problem">{p}</p> })
            }}
            <crate::maps::MapsPanel />
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
                    title="run the simulator in this page (disconnects from the broker)"
                    on:click=move |_| {
                        ctx.start_demo();
                        on_done();
                    }
                >
                    "Demo"
                </button>
                <span class="muted small">"client id " <code>{client_id}</code></span>
            </div>
            <p class="muted small">
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
            <label for="set-tiles">"Map tiles"</label>
            <TextInput id="set-tiles" value=tiles />
        </div>
    }
}

//! The connection state (always visible), the Demo button (shown while no
//! broker is configured) and the settings panel (broker, credentials,
//! topics, MQTT version, tiles, variant maps).
//!
//! Broker URLs show without `user:pass@`; settings from a link carry a note
//! with a Save button until saved ([`super::link_note`]).
//!
//! Test hooks: `data-testid="conn-state"` holds exactly the state word
//! (`connecting`, `connected`, `subscribed`, `reconnecting`, `error`, or
//! `idle` without a broker); `data-testid="conn-detail"` the detail
//! (broker, countdown, reason); `data-testid="demo-toggle"` the Demo button,
//! `data-testid="demo-badge"` present while the demo feed runs.

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::mqtt::MqttVersion;
use crate::settings::{check_broker_url, page_protocol, Settings};
use crate::tiles::check_tile_template;

/// State word + detail + hint, with Retry and Settings buttons.
#[component]
pub fn ConnectionBar() -> impl IntoView {
    let ctx = use_ctx();
    let open = RwSignal::new(false);
    let word = move || ctx.status.with(|s| s.word());
    let detail = move || {
        let now = ctx.clock.get();
        ctx.status.with(|s| s.detail(now))
    };
    let hint = move || ctx.status.with(|s| s.hint().map(str::to_string));
    let can_retry = move || matches!(word(), "reconnecting" | "error");
    let retry = move |_| ctx.conn.with_value(|c| c.retry_now());
    let no_broker = move || ctx.settings.with(|s| s.broker.trim().is_empty());
    let toggle_demo = move |_| {
        if ctx.demo_running.get_untracked() {
            ctx.stop_demo();
        } else {
            ctx.start_demo();
        }
    };

    view! {
        <div class="conn">
            <span
                class=move || format!("conn-state state-{}", word())
                data-testid="conn-state"
                title="connection state"
            >
                {word}
            </span>
            <span class="conn-detail" data-testid="conn-detail">
                {detail}
            </span>
            <Show when=move || ctx.demo_running.get()>
                <span class="badge demo" data-testid="demo-badge" title="frames from the simulator running in this page">
                    "demo"
                </span>
            </Show>
            <Show when=move || no_broker() || ctx.demo_running.get()>
                <button
                    class="btn small"
                    class:primary=move || !ctx.demo_running.get()
                    data-testid="demo-toggle"
                    title="run the simulator in this page and feed its frames through the pipeline"
                    on:click=toggle_demo
                >
                    {move || if ctx.demo_running.get() { "Stop demo" } else { "Demo" }}
                </button>
            </Show>
            <Show when=can_retry>
                <button class="btn small" on:click=retry>
                    "Retry now"
                </button>
            </Show>
            <button
                class="btn small"
                class:active=move || open.get()
                on:click=move |_| open.update(|o| *o = !*o)
                aria-expanded=move || open.get().to_string()
            >
                "Settings"
            </button>
        </div>
        {move || hint().map(|h| view! { <div class="conn-hint" data-testid="conn-hint">{h}</div> })}
        <super::link_note::UnsavedSettingsNote />
        <Show when=move || open.get()>
            <SettingsPanel on_done=move || open.set(false) />
        </Show>
    }
}

/// Broker URL, credentials, topics and tiles; Connect / Disconnect.
#[component]
fn SettingsPanel(on_done: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let ctx = use_ctx();
    // Credentials typed into a broker URL show in the user and password
    // fields, never in the URL.
    let s0 = ctx.settings.get_untracked().normalized();
    let broker = RwSignal::new(s0.broker.clone());
    let user = RwSignal::new(s0.user.clone());
    let password = RwSignal::new(s0.password.clone());
    let remember = RwSignal::new(s0.remember);
    let topics = RwSignal::new(s0.topics.join(", "));
    let tiles = RwSignal::new(s0.tile_url.clone());
    let version = RwSignal::new(s0.mqtt);
    let keepalive = RwSignal::new(s0.keepalive.to_string());
    let problem = move || {
        let b = broker.get();
        if b.trim().is_empty() {
            return None;
        }
        check_broker_url(&b, &page_protocol())
            .err()
            .map(|p| format!("{} — {}", p.reason, p.hint))
    };
    let collect = move || {
        Settings {
            broker: broker.get_untracked().trim().to_string(),
            user: user.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            remember: remember.get_untracked(),
            topics: Settings::parse_topics(&topics.get_untracked()),
            tile_url: {
                let t = tiles.get_untracked().trim().to_string();
                if t.is_empty() {
                    crate::settings::DEFAULT_TILE_URL.to_string()
                } else {
                    t
                }
            },
            keepalive: crate::settings::parse_keepalive(&keepalive.get_untracked())
                .unwrap_or(crate::settings::DEFAULT_KEEPALIVE_SECS),
            mqtt: version.get_untracked(),
        }
        .normalized()
    };
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ctx.apply_settings(collect());
        on_done();
    };
    let disconnect = move |_| {
        let mut s = collect();
        s.broker.clear();
        ctx.settings.set(s);
        ctx.conn.with_value(|c| c.stop("disconnected"));
    };
    let share = move || {
        // Follow the form as it is edited (collect() reads untracked).
        broker.track();
        topics.track();
        user.track();
        tiles.track();
        version.track();
        keepalive.track();
        let q = collect().share_query();
        let loc = window().location();
        format!(
            "{}{}{}",
            loc.origin().unwrap_or_default(),
            loc.pathname().unwrap_or_default(),
            q
        )
    };
    let tiles_problem = move || {
        let t = tiles.get();
        if t.trim().is_empty() {
            return None;
        }
        check_tile_template(&t)
            .err()
            .map(|p| format!("{p}: the map will show no tiles (and the URL is not saved)"))
    };
    let client_id = ctx.conn.with_value(|c| c.client_id());

    view! {
        <form class="settings panel" on:submit=connect>
            <div class="grid">
                <label for="set-broker">"Broker URL"</label>
                <input
                    id="set-broker"
                    data-testid="settings-broker"
                    type="text"
                    placeholder="ws://localhost:9001 or wss://host/mqtt"
                    spellcheck="false"
                    prop:value=broker
                    on:input=move |e| broker.set(event_target_value(&e))
                />
                <label for="set-topics">"Topic filters"</label>
                <input
                    id="set-topics"
                    type="text"
                    placeholder="iotdata/#"
                    spellcheck="false"
                    prop:value=topics
                    on:input=move |e| topics.set(event_target_value(&e))
                />
                <label for="set-user">"User"</label>
                <input
                    id="set-user"
                    type="text"
                    autocomplete="username"
                    prop:value=user
                    on:input=move |e| user.set(event_target_value(&e))
                />
                <label for="set-pass">"Password"</label>
                <span class="row">
                    <input
                        id="set-pass"
                        type="password"
                        autocomplete="current-password"
                        prop:value=password
                        on:input=move |e| password.set(event_target_value(&e))
                    />
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=remember
                            on:change=move |e| remember.set(event_target_checked(&e))
                        />
                        "remember"
                    </label>
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
                    min=crate::settings::MIN_KEEPALIVE_SECS
                    max=crate::settings::MAX_KEEPALIVE_SECS
                    title="seconds between pings on a quiet connection; a broker that stops answering is noticed within this time"
                    prop:value=keepalive
                    on:input=move |e| keepalive.set(event_target_value(&e))
                />
                <label for="set-tiles">"Map tiles"</label>
                <input
                    id="set-tiles"
                    type="text"
                    spellcheck="false"
                    prop:value=tiles
                    on:input=move |e| tiles.set(event_target_value(&e))
                />
            </div>
            {move || problem().map(|p| view! { <p class="warn">{p}</p> })}
            {move || {
                tiles_problem()
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
                "Link to this configuration (no password): " <code class="share">{share}</code>
            </p>
        </form>
    }
}

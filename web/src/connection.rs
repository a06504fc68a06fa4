//! Step 3 of the pipeline: the connection state machine.
//!
//! `idle` (no broker) → `connecting` → `connected` (CONNACK accepted) →
//! `subscribed` (SUBACK) and, when anything fails, `reconnecting` (in N s,
//! exponential backoff with jitter from 1 s up to 60 s, resubscribing every
//! time) or `error` (no point retrying until the settings change: invalid
//! URL, `ws://` from an `https://` page, credentials refused). The reason and
//! a hint for the classic failures are part of the state, so the UI always
//! says what is going on.
//!
//! The backoff schedule and the failure hints are pure functions; the
//! [`Connection`] driver ties the socket, the MQTT session and timers
//! together in the browser.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::*;

use crate::mqtt::{self, ClientOptions, MqttClient, Output, Poll};
use crate::settings::{self, Settings};
use crate::socket::{Socket, SocketEvent};

/// First retry delay.
pub const BACKOFF_MIN_MS: f64 = 1_000.0;
/// Longest retry delay.
pub const BACKOFF_MAX_MS: f64 = 60_000.0;
/// Jitter: the delay is the nominal one times a factor in `[1 - J, 1 + J)`.
pub const BACKOFF_JITTER: f64 = 0.2;

/// Delay before reconnect attempt number `attempt` (0 = the first retry):
/// `1 s × 2^attempt`, capped at 60 s, with ±20 % jitter from `rand01` (a
/// uniform number in `[0, 1)`), and always within 1 s .. 60 s.
pub fn backoff_delay_ms(attempt: u32, rand01: f64) -> f64 {
    let nominal = (BACKOFF_MIN_MS * 2f64.powi(attempt.min(16) as i32)).min(BACKOFF_MAX_MS);
    let r = if rand01.is_finite() {
        rand01.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let factor = 1.0 - BACKOFF_JITTER + 2.0 * BACKOFF_JITTER * r;
    (nominal * factor).clamp(BACKOFF_MIN_MS, BACKOFF_MAX_MS)
}

/// The connection's state, as shown by the connection bar.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    /// No broker configured, or stopped by the user.
    Idle {
        /// Why (e.g. "no broker configured").
        note: String,
    },
    /// Opening the WebSocket / waiting for CONNACK.
    Connecting {
        /// Broker URL.
        url: String,
        /// Attempts since the last success (0 = first).
        attempt: u32,
    },
    /// CONNACK accepted, SUBSCRIBE sent.
    Connected {
        /// Broker URL.
        url: String,
    },
    /// SUBACK received: messages flow.
    Subscribed {
        /// Broker URL.
        url: String,
        /// The MQTT version spoken (`3.1.1` or `5`).
        mqtt: &'static str,
        /// Filters the broker accepted.
        granted: Vec<String>,
        /// Filters the broker refused.
        refused: Vec<String>,
    },
    /// Waiting to reconnect.
    Reconnecting {
        /// When the next attempt starts (ms since the epoch).
        retry_at_ms: f64,
        /// Attempt number of the next try.
        attempt: u32,
        /// What went wrong.
        reason: String,
        /// What might fix it.
        hint: String,
    },
    /// Stopped on an error that retrying will not fix.
    Error {
        /// What went wrong.
        reason: String,
        /// What might fix it.
        hint: String,
    },
}

impl Default for ConnState {
    fn default() -> Self {
        ConnState::Idle {
            note: "no broker configured".into(),
        }
    }
}

impl ConnState {
    /// The state word (`data-testid="conn-state"`): `idle`, `connecting`,
    /// `connected`, `subscribed`, `reconnecting` or `error`.
    pub fn word(&self) -> &'static str {
        match self {
            ConnState::Idle { .. } => "idle",
            ConnState::Connecting { .. } => "connecting",
            ConnState::Connected { .. } => "connected",
            ConnState::Subscribed { .. } => "subscribed",
            ConnState::Reconnecting { .. } => "reconnecting",
            ConnState::Error { .. } => "error",
        }
    }

    /// The detail shown next to the word, at time `now_ms`.
    pub fn detail(&self, now_ms: f64) -> String {
        match self {
            ConnState::Idle { note } => note.clone(),
            ConnState::Connecting { url, attempt } if *attempt > 0 => {
                format!("{url} (attempt {})", attempt + 1)
            }
            ConnState::Connecting { url, .. } => url.clone(),
            ConnState::Connected { url } => format!("{url}, subscribing…"),
            ConnState::Subscribed {
                url,
                mqtt,
                granted,
                refused,
            } => {
                let mut s = format!("{url} · MQTT {mqtt} · {}", granted.join(", "));
                if !refused.is_empty() {
                    s.push_str(&format!(" · refused: {}", refused.join(", ")));
                }
                s
            }
            ConnState::Reconnecting {
                retry_at_ms,
                reason,
                ..
            } => {
                let secs = ((retry_at_ms - now_ms) / 1000.0).ceil().max(0.0);
                format!("in {secs} s · {reason}")
            }
            ConnState::Error { reason, .. } => reason.clone(),
        }
    }

    /// A hint for the user, when there is one.
    pub fn hint(&self) -> Option<&str> {
        match self {
            ConnState::Reconnecting { hint, .. } | ConnState::Error { hint, .. }
                if !hint.is_empty() =>
            {
                Some(hint)
            }
            _ => None,
        }
    }
}

/// What is known about a WebSocket that closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// Broker URL.
    pub url: String,
    /// The WebSocket had opened.
    pub opened: bool,
    /// CONNACK had been received.
    pub connacked: bool,
    /// Close code.
    pub code: u16,
    /// Close reason.
    pub reason: String,
}

fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/').map(|i| &rest[i..]).unwrap_or("")
}

fn host_port(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Turns a close into a reason and a hint. The browser hides why a
/// WebSocket failed to open (code 1006 for all of: refused, wrong path,
/// TLS failure), so the hint lists what to check.
pub fn explain_close(c: &CloseInfo) -> (String, String) {
    let detail = if c.reason.is_empty() {
        format!("code {}", c.code)
    } else {
        format!("code {}: {}", c.code, c.reason)
    };
    if !c.opened {
        let path = url_path(&c.url);
        let path_hint = if path.is_empty() || path == "/" {
            "if the broker serves WebSockets under a path, add it (often /mqtt)".to_string()
        } else {
            format!("check the path {path} (mosquitto uses none, many brokers use /mqtt)")
        };
        return (
            format!("could not open a WebSocket to {} ({detail})", host_port(&c.url)),
            format!(
                "nothing listening there, a wrong port, a wrong path or a TLS problem: check that the broker has a WebSocket listener on that port; {path_hint}"
            ),
        );
    }
    if !c.connacked {
        return (
            format!("the WebSocket opened but closed before the MQTT handshake ({detail})"),
            "this URL may not be an MQTT endpoint (wrong path), or the broker refused the 'mqtt' sub-protocol or this client id".into(),
        );
    }
    (
        format!("connection lost ({detail})"),
        "the broker stopped or the network dropped; retrying".into(),
    )
}

/// A random client id: `iotdata-web-` and 8 hex digits.
pub fn random_client_id(rand01: impl Fn() -> f64) -> String {
    let n = (rand01() * 4_294_967_296.0) as u64 & 0xFFFF_FFFF;
    format!("iotdata-web-{n:08x}")
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn random() -> f64 {
    js_sys::Math::random()
}

/// Where received messages go.
pub type MessageSink = Rc<dyn Fn(mqtt::Message)>;

struct Inner {
    status: RwSignal<ConnState>,
    sink: MessageSink,
    client_id: String,
    settings: Option<Settings>,
    socket: Option<Socket>,
    session: Option<MqttClient>,
    generation: u32,
    attempt: u32,
    opened: bool,
    retry: Option<TimeoutHandle>,
    ticker: Option<IntervalHandle>,
}

/// The connection driver (browser only). Cheap to clone.
#[derive(Clone)]
pub struct Connection {
    inner: Rc<RefCell<Inner>>,
}

impl Connection {
    /// A connection that reports its state into `status` and hands every
    /// application message to `sink`.
    pub fn new(status: RwSignal<ConnState>, sink: MessageSink) -> Connection {
        Connection {
            inner: Rc::new(RefCell::new(Inner {
                status,
                sink,
                client_id: random_client_id(random),
                settings: None,
                socket: None,
                session: None,
                generation: 0,
                attempt: 0,
                opened: false,
                retry: None,
                ticker: None,
            })),
        }
    }

    /// The random client id of this tab.
    pub fn client_id(&self) -> String {
        self.inner.borrow().client_id.clone()
    }

    /// (Re)starts with these settings: drops any current connection, resets
    /// the backoff and connects now.
    pub fn start(&self, s: Settings) {
        {
            let mut inner = self.inner.borrow_mut();
            inner.teardown(true);
            inner.attempt = 0;
            inner.settings = Some(s);
        }
        Self::attempt(&self.inner);
    }

    /// Stops and goes idle.
    pub fn stop(&self, note: &str) {
        let mut inner = self.inner.borrow_mut();
        inner.teardown(true);
        inner.settings = None;
        inner.status.set(ConnState::Idle { note: note.into() });
    }

    /// Skips the backoff wait (or retries after an error).
    pub fn retry_now(&self) {
        if self.inner.borrow().settings.is_none() {
            return;
        }
        self.inner.borrow_mut().teardown(false);
        Self::attempt(&self.inner);
    }

    fn attempt(this: &Rc<RefCell<Inner>>) {
        let weak = Rc::downgrade(this);
        let mut inner = this.borrow_mut();
        inner.teardown(false);
        let Some(s) = inner.settings.clone() else {
            return;
        };
        // The URL without `user:pass@` (shown in every state); those
        // credentials only go into CONNECT.
        let (url, username, password) = s.connection_target();
        if let Err(p) = settings::check_broker_url(&url, &settings::page_protocol()) {
            inner.status.set(ConnState::Error {
                reason: p.reason,
                hint: p.hint,
            });
            return;
        }
        let opts = ClientOptions {
            client_id: inner.client_id.clone(),
            keep_alive_secs: s.keepalive,
            username,
            password,
            topics: s.topics.clone(),
            version: s.mqtt,
        };
        let session = match MqttClient::new(opts) {
            Ok(c) => c,
            Err(e) => {
                inner.status.set(ConnState::Error {
                    reason: e,
                    hint: "fix the topic filters in the settings (e.g. iotdata/#)".into(),
                });
                return;
            }
        };
        inner.generation = inner.generation.wrapping_add(1);
        let generation = inner.generation;
        let cb_weak = weak.clone();
        let socket = Socket::open(&url, move |ev| {
            if let Some(rc) = cb_weak.upgrade() {
                Self::on_socket(&rc, generation, ev);
            }
        });
        match socket {
            Ok(sock) => {
                inner.socket = Some(sock);
                inner.session = Some(session);
                inner.opened = false;
                inner.status.set(ConnState::Connecting {
                    url,
                    attempt: inner.attempt,
                });
                let tick_weak = weak;
                inner.ticker = set_interval_with_handle(
                    move || {
                        if let Some(rc) = tick_weak.upgrade() {
                            Self::on_tick(&rc, generation);
                        }
                    },
                    Duration::from_millis(1000),
                )
                .ok();
            }
            Err(e) => {
                let hint = if e.contains("SecurityError") {
                    "the browser blocked this URL: from an https:// page use wss://"
                } else {
                    "check the broker URL (ws://host:port/path)"
                };
                inner.status.set(ConnState::Error {
                    reason: format!("cannot open {url}: {e}"),
                    hint: hint.into(),
                });
            }
        }
    }

    fn on_tick(this: &Rc<RefCell<Inner>>, generation: u32) {
        let mut inner = this.borrow_mut();
        if inner.generation != generation {
            return;
        }
        let Some(session) = inner.session.as_mut() else {
            return;
        };
        match session.poll(now_ms()) {
            Poll::Idle => {}
            Poll::Send(bytes) => {
                if let Some(sock) = &inner.socket {
                    let _ = sock.send(&bytes);
                }
            }
            Poll::Timeout(why) => {
                drop(inner);
                Self::schedule_retry(
                    this,
                    why.to_string(),
                    "the broker or the network is not answering".into(),
                );
            }
        }
    }

    fn on_socket(this: &Rc<RefCell<Inner>>, generation: u32, ev: SocketEvent) {
        let mut messages = Vec::new();
        {
            let mut inner = this.borrow_mut();
            if inner.generation != generation {
                return;
            }
            match ev {
                SocketEvent::Open => {
                    inner.opened = true;
                    let Inner {
                        session, socket, ..
                    } = &mut *inner;
                    if let (Some(session), Some(sock)) = (session.as_mut(), socket.as_ref()) {
                        let _ = sock.send(&session.connect(now_ms()));
                    }
                }
                SocketEvent::Data(bytes) => {
                    let url = inner.socket.as_ref().map(Socket::url).unwrap_or_default();
                    let outputs = match inner.session.as_mut() {
                        Some(s) => s.receive(&bytes, now_ms()),
                        None => Vec::new(),
                    };
                    for o in outputs {
                        match o {
                            Output::Send(b) => {
                                if let Some(sock) = &inner.socket {
                                    let _ = sock.send(&b);
                                }
                            }
                            Output::Event(mqtt::Event::Connected { .. }) => {
                                inner.status.set(ConnState::Connected { url: url.clone() });
                            }
                            Output::Event(mqtt::Event::Subscribed(grants)) => {
                                inner.attempt = 0;
                                let (ok, bad): (Vec<_>, Vec<_>) =
                                    grants.into_iter().partition(|g| g.qos.is_some());
                                let granted: Vec<String> =
                                    ok.into_iter().map(|g| g.filter).collect();
                                let refused: Vec<String> =
                                    bad.into_iter().map(|g| g.filter).collect();
                                if granted.is_empty() && !refused.is_empty() {
                                    inner.teardown(false);
                                    inner.status.set(ConnState::Error {
                                        reason: format!("the broker refused every topic filter ({})", refused.join(", ")),
                                        hint: "this user may not subscribe to these topics; check the broker's ACL or the filters".into(),
                                    });
                                    return;
                                }
                                let mqtt = inner
                                    .session
                                    .as_ref()
                                    .map_or("3.1.1", |c| c.options().version.label());
                                inner.status.set(ConnState::Subscribed {
                                    url: url.clone(),
                                    mqtt,
                                    granted,
                                    refused,
                                });
                            }
                            Output::Event(mqtt::Event::Refused {
                                code,
                                reason,
                                hint,
                                is_final,
                            }) => {
                                let hint = hint.to_string();
                                let reason = format!(
                                    "the broker refused the connection: {reason} (CONNACK 0x{code:02X})"
                                );
                                if is_final {
                                    inner.teardown(false);
                                    inner.status.set(ConnState::Error { reason, hint });
                                    return;
                                }
                                drop(inner);
                                Self::schedule_retry(this, reason, hint);
                                return;
                            }
                            Output::Event(mqtt::Event::ProtocolError(e)) => {
                                drop(inner);
                                Self::schedule_retry(
                                    this,
                                    format!("protocol error: {e}"),
                                    "is this URL an MQTT WebSocket endpoint?".into(),
                                );
                                return;
                            }
                            Output::Event(mqtt::Event::Message(m)) => messages.push(m),
                        }
                    }
                }
                SocketEvent::Error => {}
                SocketEvent::Closed { code, reason, .. } => {
                    let info = CloseInfo {
                        url: inner.socket.as_ref().map(Socket::url).unwrap_or_default(),
                        opened: inner.opened,
                        connacked: inner.session.as_ref().is_some_and(MqttClient::is_connected),
                        code,
                        reason,
                    };
                    drop(inner);
                    let (reason, hint) = explain_close(&info);
                    Self::schedule_retry(this, reason, hint);
                    return;
                }
            }
        }
        let sink = this.borrow().sink.clone();
        for m in messages {
            sink(m);
        }
    }

    fn schedule_retry(this: &Rc<RefCell<Inner>>, reason: String, hint: String) {
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(this);
        let mut inner = this.borrow_mut();
        inner.teardown(false);
        if inner.settings.is_none() {
            return;
        }
        let delay = backoff_delay_ms(inner.attempt, random());
        let attempt = inner.attempt + 1;
        inner.attempt = attempt;
        inner.status.set(ConnState::Reconnecting {
            retry_at_ms: now_ms() + delay,
            attempt,
            reason,
            hint,
        });
        inner.retry = set_timeout_with_handle(
            move || {
                if let Some(rc) = weak.upgrade() {
                    Self::attempt(&rc);
                }
            },
            Duration::from_millis(delay as u64),
        )
        .ok();
    }
}

impl Inner {
    /// Drops the socket, session and timers. With `polite`, a DISCONNECT is
    /// sent first when the session is up.
    fn teardown(&mut self, polite: bool) {
        self.generation = self.generation.wrapping_add(1);
        if let Some(h) = self.retry.take() {
            h.clear();
        }
        if let Some(h) = self.ticker.take() {
            h.clear();
        }
        if let (true, Some(session), Some(sock)) =
            (polite, self.session.as_mut(), self.socket.as_ref())
        {
            if session.is_connected() {
                let _ = sock.send(&session.disconnect());
            }
        }
        self.session = None;
        self.socket = None;
        self.opened = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_bounds() {
        for a in 0..20 {
            for r in [0.0, 0.25, 0.5, 0.999] {
                let d = backoff_delay_ms(a, r);
                assert!(
                    (BACKOFF_MIN_MS..=BACKOFF_MAX_MS).contains(&d),
                    "{a} {r} {d}"
                );
            }
        }
        assert!(backoff_delay_ms(0, 0.0) >= 1000.0 && backoff_delay_ms(0, 0.999) < 1200.0);
        assert!(backoff_delay_ms(3, 0.5) == 8000.0);
        assert!(backoff_delay_ms(10, 0.0) >= 48_000.0);
    }

    #[test]
    fn close_hints() {
        let (r, h) = explain_close(&CloseInfo {
            url: "ws://127.0.0.1:9/mqtt".into(),
            opened: false,
            connacked: false,
            code: 1006,
            reason: String::new(),
        });
        assert!(r.contains("127.0.0.1:9"));
        assert!(h.contains("/mqtt"));
    }
}

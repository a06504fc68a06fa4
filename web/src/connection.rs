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
//! The backoff starts again from 1 s only after a subscribed connection has
//! stayed up for [`HEALTHY_AFTER_MS`] ([`Backoff`]): a broker that accepts
//! the subscription and then drops the connection is retried ever more
//! slowly, not every second.
//!
//! Each batch of session outputs (one WebSocket message, or a piece of one)
//! becomes a [`Plan`]: what to send, what to deliver, and whether the
//! session ends. Messages parsed before a failure in the same batch are
//! delivered before the failure is handled.
//!
//! The backoff schedule, the plans and the failure hints are pure; the
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
/// How long a subscribed connection must stay up before a later failure
/// retries from [`BACKOFF_MIN_MS`] again.
pub const HEALTHY_AFTER_MS: f64 = 30_000.0;

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

/// The reconnect schedule: the attempt count grows with every failure and
/// starts again from 0 only when the last subscribed connection stayed up
/// for [`HEALTHY_AFTER_MS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Backoff {
    attempt: u32,
    subscribed_at_ms: Option<f64>,
}

impl Backoff {
    /// A fresh schedule (the next failure waits about 1 s).
    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// Failures since the last healthy connection.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A connection attempt starts (it is not healthy yet).
    pub fn connecting(&mut self) {
        self.subscribed_at_ms = None;
    }

    /// SUBACK arrived at `now_ms`.
    pub fn subscribed(&mut self, now_ms: f64) {
        self.subscribed_at_ms = Some(now_ms);
    }

    /// Whether the connection subscribed at least [`HEALTHY_AFTER_MS`]
    /// before `now_ms`.
    pub fn healthy(&self, now_ms: f64) -> bool {
        self.subscribed_at_ms
            .is_some_and(|t| now_ms - t >= HEALTHY_AFTER_MS)
    }

    /// The connection failed at `now_ms`: the delay before the next attempt
    /// ([`backoff_delay_ms`], with `rand01` for the jitter) and that
    /// attempt's number.
    pub fn failed(&mut self, now_ms: f64, rand01: f64) -> (f64, u32) {
        if self.healthy(now_ms) {
            self.attempt = 0;
        }
        self.subscribed_at_ms = None;
        let delay = backoff_delay_ms(self.attempt, rand01);
        self.attempt = self.attempt.saturating_add(1);
        (delay, self.attempt)
    }
}

/// What the connection hands to the app, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An application message.
    Message(mqtt::Message),
    /// A PUBLISH too large to take (skipped; the session goes on).
    Oversize(mqtt::Oversize),
}

/// A step forward the session made in one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// CONNACK accepted.
    Connected,
    /// SUBACK: the filters granted and refused.
    Subscribed {
        /// Filters the broker accepted.
        granted: Vec<String>,
        /// Filters the broker refused.
        refused: Vec<String>,
    },
}

/// How a batch ends the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Reconnect after the backoff delay.
    Retry {
        /// What went wrong.
        reason: String,
        /// What might fix it.
        hint: String,
    },
    /// Stop: retrying cannot help until the settings change.
    Stop {
        /// What went wrong.
        reason: String,
        /// What might fix it.
        hint: String,
    },
}

/// What the driver does with one batch of session outputs, in this order:
/// send [`Plan::send`], show [`Plan::progress`], hand [`Plan::deliver`] to
/// the sink, then act on [`Plan::end`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Bytes for the broker (acknowledgements, SUBSCRIBE), in order.
    pub send: Vec<Vec<u8>>,
    /// The last step forward, if any.
    pub progress: Option<Progress>,
    /// Messages and oversize reports, in arrival order.
    pub deliver: Vec<Delivery>,
    /// Set when the session ended in this batch.
    pub end: Option<End>,
}

/// Turns the outputs of one [`MqttClient::receive`] into a [`Plan`]. What
/// came before a failure is kept (and delivered before the failure is
/// handled); nothing after it is.
pub fn plan(outputs: Vec<Output>) -> Plan {
    let mut p = Plan::default();
    for o in outputs {
        if p.end.is_some() {
            break;
        }
        match o {
            Output::Send(b) => p.send.push(b),
            Output::Event(mqtt::Event::Connected { .. }) => p.progress = Some(Progress::Connected),
            Output::Event(mqtt::Event::Subscribed(grants)) => {
                let (ok, bad): (Vec<_>, Vec<_>) = grants.into_iter().partition(|g| g.qos.is_some());
                let granted: Vec<String> = ok.into_iter().map(|g| g.filter).collect();
                let refused: Vec<String> = bad.into_iter().map(|g| g.filter).collect();
                if granted.is_empty() && !refused.is_empty() {
                    p.end = Some(End::Stop {
                        reason: format!(
                            "the broker refused every topic filter ({})",
                            refused.join(", ")
                        ),
                        hint: "this user may not subscribe to these topics; check the broker's ACL or the filters".into(),
                    });
                } else {
                    p.progress = Some(Progress::Subscribed { granted, refused });
                }
            }
            Output::Event(mqtt::Event::Refused {
                code,
                reason,
                hint,
                is_final,
            }) => {
                let reason =
                    format!("the broker refused the connection: {reason} (CONNACK 0x{code:02X})");
                let hint = hint.to_string();
                p.end = Some(if is_final {
                    End::Stop { reason, hint }
                } else {
                    End::Retry { reason, hint }
                });
            }
            Output::Event(mqtt::Event::ProtocolError(e)) => {
                p.end = Some(End::Retry {
                    reason: format!("protocol error: {e}"),
                    hint: "is this URL an MQTT WebSocket endpoint?".into(),
                });
            }
            Output::Event(mqtt::Event::Message(m)) => p.deliver.push(Delivery::Message(m)),
            Output::Event(mqtt::Event::Oversize(o)) => p.deliver.push(Delivery::Oversize(o)),
        }
    }
    p
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

/// Where received messages (and oversize reports) go.
pub type MessageSink = Rc<dyn Fn(Delivery)>;

struct Inner {
    status: RwSignal<ConnState>,
    sink: MessageSink,
    client_id: String,
    settings: Option<Settings>,
    socket: Option<Socket>,
    session: Option<MqttClient>,
    generation: u32,
    backoff: Backoff,
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
                backoff: Backoff::new(),
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
            inner.backoff = Backoff::new();
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
                    reason: e.to_string(),
                    hint: e.hint().into(),
                });
                return;
            }
        };
        inner.backoff.connecting();
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
                    attempt: inner.backoff.attempt(),
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
                let hint = if e.is_security() {
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
                let hint = if why.contains("SUBACK") {
                    "the broker accepted the connection but did not answer the subscription; reconnecting"
                } else {
                    "the broker or the network is not answering"
                };
                Self::schedule_retry(this, why.to_string(), hint.into());
            }
        }
    }

    fn on_socket(this: &Rc<RefCell<Inner>>, generation: u32, ev: SocketEvent) {
        let batch = {
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
                    return;
                }
                SocketEvent::Data(bytes) => {
                    let outputs = match inner.session.as_mut() {
                        Some(s) => s.receive(&bytes, now_ms()),
                        None => Vec::new(),
                    };
                    let batch = plan(outputs);
                    inner.carry_out(&batch);
                    batch
                }
                SocketEvent::Error => return,
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
        };
        // Deliver first: these messages arrived before whatever ended the
        // session (their acknowledgements are already sent).
        let sink = this.borrow().sink.clone();
        for d in batch.deliver {
            sink(d);
        }
        match batch.end {
            None => {}
            Some(End::Retry { reason, hint }) => Self::schedule_retry(this, reason, hint),
            Some(End::Stop { reason, hint }) => {
                let mut inner = this.borrow_mut();
                if inner.generation == generation {
                    inner.teardown(false);
                    inner.status.set(ConnState::Error { reason, hint });
                }
            }
        }
    }

    fn schedule_retry(this: &Rc<RefCell<Inner>>, reason: String, hint: String) {
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(this);
        let mut inner = this.borrow_mut();
        inner.teardown(false);
        if inner.settings.is_none() {
            return;
        }
        let (delay, attempt) = inner.backoff.failed(now_ms(), random());
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
    /// Sends a plan's bytes and shows its progress (not its end: that comes
    /// after delivery).
    fn carry_out(&mut self, plan: &Plan) {
        if let Some(sock) = &self.socket {
            for b in &plan.send {
                let _ = sock.send(b);
            }
        }
        let url = self.socket.as_ref().map(Socket::url).unwrap_or_default();
        match &plan.progress {
            None => {}
            Some(Progress::Connected) => self.status.set(ConnState::Connected { url }),
            Some(Progress::Subscribed { granted, refused }) => {
                self.backoff.subscribed(now_ms());
                let mqtt = self
                    .session
                    .as_ref()
                    .map_or("3.1.1", |c| c.options().version.label());
                self.status.set(ConnState::Subscribed {
                    url,
                    mqtt,
                    granted: granted.clone(),
                    refused: refused.clone(),
                });
            }
        }
    }

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

//! Dashboard settings: broker URL, credentials, topic filters, MQTT version,
//! tile URL.
//!
//! Sources, later ones winning: built-in defaults, localStorage (key
//! [`STORAGE_KEY`]), then the page's query string (`?broker=…&topic=…&user=…
//! &mqtt=5&keepalive=60&tiles=…&demo=1`), so a link opens the dashboard pointed at a
//! broker. A link's settings are a proposal: they apply to the tab only and
//! are written to localStorage when the user saves them or connects from
//! the Settings panel ([`Startup::unsaved`]). A link that names another
//! broker drops the stored user name and password ([`Settings::with_overrides`]).
//! The password is stored only when the user ticks "remember"; it is never
//! read from the query string.
//!
//! Credentials written into a broker URL (`ws://user:pass@host`) are taken
//! out of it ([`Settings::normalized`]): they become the MQTT user name and
//! password when none is configured, and the URL is shown and shared
//! without them ([`without_credentials`]).
//!
//! Parsing and validation are pure functions (tested natively and in the
//! browser); only [`load`] and [`save`] touch the browser.

use serde::Serialize;
use serde_json::Value;

use crate::mqtt::MqttVersion;
use crate::tiles::check_tile_template;

/// localStorage key of the persisted settings.
pub const STORAGE_KEY: &str = "iotdata.settings.v1";
/// Default topic filter.
pub const DEFAULT_TOPIC: &str = "iotdata/#";
/// Default map tiles (OpenStreetMap).
pub const DEFAULT_TILE_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// Default keepalive, seconds.
pub const DEFAULT_KEEPALIVE_SECS: u16 = 30;
/// Shortest keepalive accepted, seconds (anything shorter is raised to it).
pub const MIN_KEEPALIVE_SECS: u16 = 5;
/// Longest keepalive accepted, seconds (a dead connection must be noticed).
pub const MAX_KEEPALIVE_SECS: u16 = 3600;
/// Broker connections (sources) the settings hold at most.
pub const MAX_SOURCES: usize = 8;
/// Station ids the user may merge across sources, at most.
pub const MAX_MERGED_IDS: usize = 256;
/// Longest source name kept, in characters.
pub const MAX_SOURCE_NAME_CHARS: usize = 40;

/// A keepalive from text (`60`, ` 60 `) within
/// [`MIN_KEEPALIVE_SECS`]..=[`MAX_KEEPALIVE_SECS`]; `None` when not a number.
pub fn parse_keepalive(text: &str) -> Option<u16> {
    let n: u64 = text.trim().parse().ok()?;
    Some(n.clamp(u64::from(MIN_KEEPALIVE_SECS), u64::from(MAX_KEEPALIVE_SECS)) as u16)
}

/// Everything the user can set. The top-level connection fields (broker,
/// credentials, topics, keepalive, MQTT version, name, enabled) are the
/// first source, as single-broker settings and `?broker=` links always
/// described it; [`Settings::sources`] holds the further ones (each a
/// `Settings` whose own `sources`, `merged` and `tile_url` are unused), so
/// stored settings and links from before several sources read unchanged.
/// In localStorage the further sources are JSON documents of their own
/// (`"sources": ["{…}", …]`), read by the same code as the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// The source's name as shown (empty: its host).
    pub name: String,
    /// The source connects (a disabled one keeps its settings).
    pub enabled: bool,
    /// Further sources, at most [`MAX_SOURCES`] − 1.
    #[serde(skip)]
    pub sources: Vec<Settings>,
    /// The further sources as stored: one JSON document each (filled by
    /// [`Settings::to_json`], read by [`Settings::from_json`], empty
    /// otherwise).
    #[serde(rename = "sources")]
    pub stored_sources: Vec<String>,
    /// Station ids heard as one station whichever source delivers them,
    /// at most [`MAX_MERGED_IDS`].
    pub merged: Vec<u16>,
    /// `ws://` or `wss://` URL with any path (e.g. `/mqtt`); empty = none.
    pub broker: String,
    /// MQTT user name (empty = none).
    pub user: String,
    /// MQTT password (empty = none). Persisted only with `remember`.
    pub password: String,
    /// Whether the password is persisted.
    pub remember: bool,
    /// Topic filters.
    pub topics: Vec<String>,
    /// Tile URL template for the map.
    pub tile_url: String,
    /// Keepalive, seconds.
    pub keepalive: u16,
    /// MQTT protocol version (3.1.1 unless the user picks 5).
    pub mqtt: MqttVersion,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: String::new(),
            enabled: true,
            sources: Vec::new(),
            stored_sources: Vec::new(),
            merged: Vec::new(),
            broker: String::new(),
            user: String::new(),
            password: String::new(),
            remember: false,
            topics: vec![DEFAULT_TOPIC.to_string()],
            tile_url: DEFAULT_TILE_URL.to_string(),
            keepalive: DEFAULT_KEEPALIVE_SECS,
            mqtt: MqttVersion::V311,
        }
    }
}

/// Values given in the page URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOverrides {
    /// `broker=`
    pub broker: Option<String>,
    /// `topic=` (repeatable; each may also be comma-separated)
    pub topics: Vec<String>,
    /// `user=`
    pub user: Option<String>,
    /// `tiles=`
    pub tile_url: Option<String>,
    /// `mqtt=3.1.1` or `mqtt=5`
    pub mqtt: Option<MqttVersion>,
    /// `keepalive=` seconds
    pub keepalive: Option<u16>,
    /// `demo=1` (or `true`, `yes`, empty)
    pub demo: bool,
}

/// The settings a page starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    /// The settings in effect in this tab (stored ones, then the link's).
    pub settings: Settings,
    /// The link changed the stored settings and the change is not saved.
    pub unsaved: bool,
    /// `demo=1` was asked for.
    pub demo: bool,
}

impl Startup {
    /// The tab's settings from the stored ones and the page's query: the
    /// link wins for this tab; nothing is written anywhere.
    pub fn resolve(stored: Settings, query: &QueryOverrides) -> Startup {
        let settings = stored.clone().with_overrides(query);
        Startup {
            unsaved: settings != stored,
            settings,
            demo: query.demo,
        }
    }
}

/// Splits a URL's `user:pass@` out of its authority: the URL without it and
/// the percent-decoded user name and password (empty when absent). Text
/// that is not `scheme://…` is returned unchanged.
pub fn split_credentials(url: &str) -> (String, Option<(String, String)>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let start = scheme_end + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &rest[..at];
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let stripped = format!("{}{}", &url[..start], &rest[at + 1..]);
    (stripped, Some((percent_decode(user), percent_decode(pass))))
}

/// The URL without any `user:pass@` (for showing and sharing).
pub fn without_credentials(url: &str) -> String {
    split_credentials(url).0
}

/// Decodes a percent-encoded query component (`%XX` is a byte; malformed
/// escapes are kept literally). Unlike form encoding, `+` stays a `+`, so
/// MQTT wildcards can be written as-is: `?topic=iotdata/+/002a`.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query-string component (unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses a query string (with or without the leading `?`).
pub fn parse_query(query: &str) -> QueryOverrides {
    let mut q = QueryOverrides::default();
    let query = query.strip_prefix('?').unwrap_or(query);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k);
        let v = percent_decode(v);
        match k.as_str() {
            "broker" | "url" => q.broker = Some(v.trim().to_string()),
            "topic" | "topics" => q.topics.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from),
            ),
            "user" | "username" => q.user = Some(v),
            "tiles" | "tile" => q.tile_url = Some(v.trim().to_string()),
            "mqtt" | "protocol" => q.mqtt = MqttVersion::parse(&v).or(q.mqtt),
            "keepalive" | "keep_alive" => q.keepalive = parse_keepalive(&v).or(q.keepalive),
            "demo" => q.demo = matches!(v.as_str(), "" | "1" | "true" | "yes" | "on"),
            _ => {}
        }
    }
    q
}

impl Settings {
    /// Applies URL overrides on top of these settings. A broker other than
    /// the stored one (credentials aside) gets none of the stored
    /// credentials: only a `user=` and a `user:pass@` of the link itself.
    pub fn with_overrides(mut self, q: &QueryOverrides) -> Settings {
        if let Some(b) = &q.broker {
            let (link_url, link_creds) = split_credentials(b);
            if link_url.trim() != without_credentials(self.broker.trim()) {
                self.user.clear();
                self.password.clear();
                self.remember = false;
                self.broker = b.clone();
            } else if link_creds.is_some() {
                self.broker = b.clone();
            }
        }
        if !q.topics.is_empty() {
            self.topics = q.topics.clone();
        }
        if let Some(u) = &q.user {
            self.user = u.clone();
        }
        if let Some(t) = &q.tile_url {
            self.tile_url = t.clone();
        }
        if let Some(v) = q.mqtt {
            self.mqtt = v;
        }
        if let Some(k) = q.keepalive {
            self.keepalive = k;
        }
        self.normalized()
    }

    /// These settings with the broker URL's `user:pass@` taken out: used as
    /// the MQTT user name and password when no user name is configured,
    /// dropped otherwise.
    pub fn normalized(mut self) -> Settings {
        let (url, creds) = split_credentials(self.broker.trim());
        if let Some((user, pass)) = creds {
            self.broker = url;
            if self.user.is_empty() {
                self.user = user;
                self.password = pass;
            }
        }
        self
    }

    /// What the connection uses: the broker URL without credentials, the
    /// user name and the password (the URL's `user:pass@` when no user name
    /// is configured). Never shown.
    pub fn connection_target(&self) -> (String, Option<String>, Option<String>) {
        let s = self.clone().normalized();
        let user = (!s.user.is_empty()).then(|| s.user.clone());
        let password = (user.is_some() && !s.password.is_empty()).then(|| s.password.clone());
        (s.broker.trim().to_string(), user, password)
    }

    /// What is written to localStorage: no password unless `remember`, no
    /// credentials in the broker URL, and an invalid tile template replaced
    /// by the default.
    pub fn to_persisted(&self) -> Settings {
        let mut s = self.clone().normalized();
        if !s.remember {
            s.password.clear();
        }
        s.sources = s.sources.iter().map(Settings::to_persisted).collect();
        if check_tile_template(&s.tile_url).is_err() {
            s.tile_url = DEFAULT_TILE_URL.to_string();
        }
        s
    }

    /// Reads persisted JSON; anything unreadable gives the defaults.
    pub fn from_json(text: &str) -> Settings {
        let mut s = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| Settings::from_value(&v))
            .unwrap_or_default();
        s.sources = std::mem::take(&mut s.stored_sources)
            .iter()
            .take(MAX_SOURCES - 1)
            .map(|t| Settings::from_json(t))
            .collect();
        s.checked()
    }

    /// The fields of a stored JSON object (missing ones at their defaults,
    /// unknown ones ignored); `None` when any field has the wrong type.
    fn from_value(v: &Value) -> Option<Settings> {
        let text = |v: &Value| v.as_str().map(String::from);
        let texts = |v: &Value| v.as_array()?.iter().map(text).collect::<Option<Vec<_>>>();
        let short = |v: &Value| v.as_u64().and_then(|n| u16::try_from(n).ok());
        let mut s = Settings::default();
        for (k, v) in v.as_object()? {
            match k.as_str() {
                "name" => s.name = text(v)?,
                "enabled" => s.enabled = v.as_bool()?,
                "sources" => s.stored_sources = texts(v)?,
                "merged" => s.merged = v.as_array()?.iter().map(short).collect::<Option<_>>()?,
                "broker" => s.broker = text(v)?,
                "user" => s.user = text(v)?,
                "password" => s.password = text(v)?,
                "remember" => s.remember = v.as_bool()?,
                "topics" => s.topics = texts(v)?,
                "tile_url" => s.tile_url = text(v)?,
                "keepalive" => s.keepalive = short(v)?,
                "mqtt" => {
                    s.mqtt = match v.as_str()? {
                        "3.1.1" => MqttVersion::V311,
                        "5" => MqttVersion::V5,
                        _ => return None,
                    }
                }
                _ => {}
            }
        }
        Some(s)
    }

    /// These settings within their bounds: default topics, tiles and
    /// keepalive where missing or invalid, at most [`MAX_SOURCES`] sources
    /// and [`MAX_MERGED_IDS`] merged ids (12-bit, sorted, once each).
    pub fn checked(mut self) -> Settings {
        let mut rest = std::mem::take(&mut self.sources);
        rest.truncate(MAX_SOURCES - 1);
        self.sources = rest
            .into_iter()
            .map(|mut r| {
                r.sources.clear();
                r.stored_sources.clear();
                r.merged.clear();
                r.checked()
            })
            .collect();
        self.merged = crate::store::MergeSet::of(&self.merged)
            .ids()
            .take(MAX_MERGED_IDS)
            .collect();
        if let Some((i, _)) = self.name.char_indices().nth(MAX_SOURCE_NAME_CHARS) {
            self.name.truncate(i);
        }
        let mut s = self;
        if s.topics.iter().all(|t| t.trim().is_empty()) {
            s.topics = vec![DEFAULT_TOPIC.to_string()];
        }
        if s.tile_url.trim().is_empty() || check_tile_template(&s.tile_url).is_err() {
            s.tile_url = DEFAULT_TILE_URL.to_string();
        }
        s.keepalive = match s.keepalive {
            0 => DEFAULT_KEEPALIVE_SECS,
            k => k.clamp(MIN_KEEPALIVE_SECS, MAX_KEEPALIVE_SECS),
        };
        s.normalized()
    }

    /// JSON for localStorage.
    pub fn to_json(&self) -> String {
        let mut s = self.to_persisted();
        s.stored_sources = s.sources.iter().map(Settings::to_json).collect();
        serde_json::to_string(&s).unwrap_or_default()
    }

    /// Every source, the first one (the top-level fields) included, each
    /// without further sources.
    pub fn source_list(&self) -> Vec<Settings> {
        let mut first = self.clone();
        first.sources.clear();
        first.merged.clear();
        let mut v = vec![first];
        v.extend(self.sources.iter().take(MAX_SOURCES - 1).cloned());
        v
    }

    /// These settings with `list` as the sources (the first becomes the
    /// top-level fields; an empty list leaves one source without a broker).
    pub fn with_source_list(self, list: Vec<Settings>) -> Settings {
        let mut it = list.into_iter();
        let first = it.next().unwrap_or_default();
        Settings {
            sources: it.take(MAX_SOURCES - 1).collect(),
            merged: self.merged,
            tile_url: self.tile_url,
            ..first
        }
    }

    /// Whether any enabled source has a broker URL.
    pub fn has_broker(&self) -> bool {
        self.source_list().iter().any(Settings::connects)
    }

    /// Whether this source connects: enabled, with a broker URL.
    pub fn connects(&self) -> bool {
        self.enabled && !self.broker.trim().is_empty()
    }

    /// The source's name as shown: its name, else its broker's host, else
    /// `source N` (`index` counts from 0).
    pub fn display_name(&self, index: usize) -> String {
        let name = self.name.trim();
        if !name.is_empty() {
            return name.to_string();
        }
        let url = without_credentials(self.broker.trim());
        let host = url
            .split_once("://")
            .map_or(url.as_str(), |(_, r)| r)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        if host.is_empty() {
            format!("source {}", index + 1)
        } else {
            host.to_string()
        }
    }

    /// Station ids from a text field (decimal, comma or space separated;
    /// anything else, and ids above 4095, ignored).
    pub fn parse_ids(text: &str) -> Vec<u16> {
        text.split([',', ' ', '\n'])
            .filter_map(|t| t.trim().parse::<u16>().ok())
            .filter(|id| *id <= 0x0FFF)
            .take(MAX_MERGED_IDS)
            .collect()
    }

    /// Topic filters from a text field (comma or newline separated).
    pub fn parse_topics(text: &str) -> Vec<String> {
        let v: Vec<String> = text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        if v.is_empty() {
            vec![DEFAULT_TOPIC.to_string()]
        } else {
            v
        }
    }

    /// A link that opens the dashboard with these settings (no password,
    /// no credentials in the broker URL, no invalid tile template).
    pub fn share_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.broker.is_empty() {
            parts.push(format!(
                "broker={}",
                percent_encode(&without_credentials(&self.broker))
            ));
        }
        for t in &self.topics {
            parts.push(format!("topic={}", percent_encode(t)));
        }
        if !self.user.is_empty() {
            parts.push(format!("user={}", percent_encode(&self.user)));
        }
        if self.mqtt != MqttVersion::default() {
            parts.push(format!("mqtt={}", self.mqtt.label()));
        }
        if self.keepalive != DEFAULT_KEEPALIVE_SECS {
            parts.push(format!("keepalive={}", self.keepalive));
        }
        if self.tile_url != DEFAULT_TILE_URL && check_tile_template(&self.tile_url).is_ok() {
            parts.push(format!("tiles={}", percent_encode(&self.tile_url)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// A broker URL that failed validation: the reason and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlProblem {
    /// What is wrong.
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

/// Checks a broker URL before connecting. `page_protocol` is the page's
/// `location.protocol` (`https:`, `http:`, `file:`).
pub fn check_broker_url(url: &str, page_protocol: &str) -> Result<(), UrlProblem> {
    let url = without_credentials(url.trim());
    let url = url.as_str();
    if url.is_empty() {
        return Err(UrlProblem {
            reason: "no broker configured".into(),
            hint: "enter a ws:// or wss:// URL in the settings, e.g. ws://localhost:9001/mqtt"
                .into(),
        });
    }
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("ws://") {
        if page_protocol == "https:" {
            return Err(UrlProblem {
                reason: "ws:// from an https:// page is blocked by the browser (mixed content)"
                    .into(),
                hint: "use wss:// (a TLS WebSocket listener on the broker), or open the dashboard over http://".into(),
            });
        }
        r
    } else if let Some(r) = lower.strip_prefix("wss://") {
        r
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        let fixed = url.replacen("http", "ws", 1);
        return Err(UrlProblem {
            reason: "the broker URL must use ws:// or wss://, not http(s)://".into(),
            hint: format!("try {fixed}"),
        });
    } else if lower.starts_with("mqtt://")
        || lower.starts_with("tcp://")
        || lower.starts_with("mqtts://")
    {
        return Err(UrlProblem {
            reason: "browsers cannot open raw MQTT/TCP connections".into(),
            hint: "use the broker's WebSocket listener, e.g. ws://host:9001 (mosquitto: `listener 9001` + `protocol websockets`)".into(),
        });
    } else {
        return Err(UrlProblem {
            reason: format!("'{url}' is not a ws:// or wss:// URL"),
            hint: "e.g. ws://localhost:9001 or wss://broker.example.org/mqtt".into(),
        });
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(UrlProblem {
            reason: "the broker URL has no host".into(),
            hint: "e.g. ws://localhost:9001".into(),
        });
    }
    if rest.contains(' ') {
        return Err(UrlProblem {
            reason: "the broker URL contains a space".into(),
            hint: "remove spaces from the URL".into(),
        });
    }
    Ok(())
}

/// Loads settings: localStorage, then the page URL (for this tab only:
/// nothing is saved here).
#[cfg(target_arch = "wasm32")]
pub fn load() -> Startup {
    let window = web_sys::window();
    let stored = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map(|t| Settings::from_json(&t))
        .unwrap_or_default();
    let query = window
        .as_ref()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    Startup::resolve(stored, &parse_query(&query))
}

/// Persists settings to localStorage (password only with `remember`).
#[cfg(target_arch = "wasm32")]
pub fn save(s: &Settings) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, &s.to_json());
    }
}

/// The page's protocol (`https:` / `http:`), empty outside a browser.
pub fn page_protocol() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query() {
        let q = parse_query(
            "?broker=ws%3A%2F%2F127.0.0.1%3A9001%2Fmqtt&topic=a/%23&topic=b/+&user=bob&demo=1&mqtt=5",
        );
        assert_eq!(q.mqtt, Some(MqttVersion::V5));
        assert_eq!(q.broker.as_deref(), Some("ws://127.0.0.1:9001/mqtt"));
        assert_eq!(q.topics, vec!["a/#", "b/+"]);
        assert_eq!(q.user.as_deref(), Some("bob"));
        assert!(q.demo);
    }

    #[test]
    fn mqtt_version_from_link_and_storage() {
        assert_eq!(parse_query("?mqtt=3.1.1").mqtt, Some(MqttVersion::V311));
        assert_eq!(
            parse_query("?mqtt=nine").mqtt,
            None,
            "unknown values are ignored"
        );
        let s = Settings::default().with_overrides(&parse_query("?mqtt=5"));
        assert_eq!(s.mqtt, MqttVersion::V5);
        assert!(s.share_query().contains("mqtt=5"));
        assert!(!Settings::default().share_query().contains("mqtt="));
        let back = Settings::from_json(&s.to_json());
        assert_eq!(back.mqtt, MqttVersion::V5);
        // Settings stored before the field existed read as 3.1.1.
        assert_eq!(
            Settings::from_json(r#"{"broker":"ws://h:1"}"#).mqtt,
            MqttVersion::V311
        );
    }

    #[test]
    fn keepalive_from_link_is_clamped_and_shared() {
        assert_eq!(parse_query("?keepalive=60").keepalive, Some(60));
        assert_eq!(
            parse_query("?keepalive=1").keepalive,
            Some(MIN_KEEPALIVE_SECS)
        );
        assert_eq!(
            parse_query("?keepalive=999999").keepalive,
            Some(MAX_KEEPALIVE_SECS)
        );
        assert_eq!(parse_query("?keepalive=soon").keepalive, None);
        let s = Settings::default().with_overrides(&parse_query("?keepalive=90"));
        assert_eq!(s.keepalive, 90);
        assert!(s.share_query().contains("keepalive=90"));
        assert!(!Settings::default().share_query().contains("keepalive"));
        assert_eq!(Settings::from_json(&s.to_json()).keepalive, 90);
        assert_eq!(
            Settings::from_json(r#"{"keepalive":2}"#).keepalive,
            MIN_KEEPALIVE_SECS
        );
    }

    #[test]
    fn url_checks() {
        assert!(check_broker_url("ws://h:1/mqtt", "http:").is_ok());
        assert!(check_broker_url("ws://h:1", "https:").is_err());
        assert!(check_broker_url("wss://h/mqtt", "https:").is_ok());
        assert!(check_broker_url("http://h:1", "http:")
            .unwrap_err()
            .hint
            .contains("ws://h:1"));
    }
}

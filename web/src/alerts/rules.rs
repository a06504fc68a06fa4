//! The alert rule model and its JSON form (localStorage, export, import).
//!
//! ```json
//! {"version":1,"rules":[
//!   {"scope":"all","kind":"silent","factor":3},
//!   {"scope":"station:42","kind":"battery_below","percent":20,"margin":5},
//!   {"scope":"variant:0","kind":"field_above","field":"environment.temperature","value":30,"margin":0.5},
//!   {"scope":"format:hex","kind":"loss_above","percent":10,"margin":2},
//!   {"scope":"all","kind":"orphan"},
//!   {"scope":"station:7","kind":"route_error"}]}
//! ```
//!
//! Scopes: `all`, `station:<id>`, `variant:<n>`, `format:<binary|hex|json>`
//! (how the station's packets arrive). Mesh kinds (`orphan`,
//! `route_error`) apply to nodes, so only `all` and `station:<id>` match
//! them. `margin` is the hysteresis band (optional; [`Kind::default_margin`]).

use serde_json::{Map, Value};

use super::{MAX_FIELD_KEY_CHARS, MAX_RULES, MAX_RULES_JSON_BYTES};

/// How a station's packets arrive on the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Binary frames.
    Binary,
    /// Hex text of frames.
    Hex,
    /// The reference gateway's JSON.
    Json,
}

impl Format {
    /// `binary`, `hex`, `json` (as in the store's [`crate::store::Change`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Binary => "binary",
            Format::Hex => "hex",
            Format::Json => "json",
        }
    }
}

/// Which stations (or mesh nodes) a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every station / node.
    All,
    /// One station or node id.
    Station(u16),
    /// Stations of one variant.
    Variant(u8),
    /// Stations whose latest packet came in this format.
    Format(Format),
}

impl Scope {
    /// Parses `all`, `station:42`, `variant:0`, `format:hex`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s == "all" {
            return Some(Scope::All);
        }
        let (k, v) = s.split_once(':')?;
        let v = v.trim();
        match k.trim() {
            "station" => v
                .parse()
                .ok()
                .filter(|&i: &u16| i < 4096)
                .map(Scope::Station),
            "variant" => v.parse().ok().filter(|&i: &u8| i < 16).map(Scope::Variant),
            "format" => [Format::Binary, Format::Hex, Format::Json]
                .into_iter()
                .find(|f| f.as_str() == v)
                .map(Scope::Format),
            _ => None,
        }
    }

    /// The text [`Scope::parse`] reads.
    pub fn text(self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Station(i) => format!("station:{i}"),
            Scope::Variant(v) => format!("variant:{v}"),
            Scope::Format(f) => format!("format:{}", f.as_str()),
        }
    }

    /// Whether a station `id` of `variant` whose packet came as `format`
    /// (`None`: a mesh node) is in scope.
    pub fn matches(self, id: u16, variant: Option<u8>, format: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Station(s) => s == id,
            Scope::Variant(v) => variant == Some(v),
            Scope::Format(f) => variant.is_some() && f.as_str() == format,
        }
    }
}

/// What a rule watches for.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Not heard for more than `factor` × the station's usual interval;
    /// clears when heard again.
    Silent {
        /// Multiple of the usual interval.
        factor: f64,
    },
    /// Battery level below `percent`; clears above `percent + margin`.
    BatteryBelow {
        /// Threshold, %.
        percent: f64,
        /// Hysteresis band, %.
        margin: f64,
    },
    /// A numeric field (`environment.temperature`, as the station page
    /// names it) above (or below) `value`; clears past `value ∓ margin`.
    Field {
        /// The field's key.
        key: String,
        /// Above (`true`) or below the threshold.
        above: bool,
        /// Threshold, in the field's unit.
        value: f64,
        /// Hysteresis band.
        margin: f64,
    },
    /// Sequence loss over the last hour above `percent`; clears below
    /// `percent - margin`.
    LossAbove {
        /// Threshold, %.
        percent: f64,
        /// Hysteresis band, %.
        margin: f64,
    },
    /// A mesh node without a parent.
    Orphan,
    /// A mesh node reported a ROUTE_ERROR; clears when it has a parent
    /// again.
    RouteError,
}

impl Kind {
    /// The JSON `kind` name.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Silent { .. } => "silent",
            Kind::BatteryBelow { .. } => "battery_below",
            Kind::Field { above: true, .. } => "field_above",
            Kind::Field { above: false, .. } => "field_below",
            Kind::LossAbove { .. } => "loss_above",
            Kind::Orphan => "orphan",
            Kind::RouteError => "route_error",
        }
    }

    /// The hysteresis band used when a rule gives none: 5 % of battery,
    /// 2 % of loss, 1 % of a field threshold's size (at least 0.1).
    pub fn default_margin(name: &str, value: f64) -> f64 {
        match name {
            "battery_below" => 5.0,
            "loss_above" => 2.0,
            _ => (value.abs() * 0.01).max(0.1),
        }
    }

    /// Whether the rule watches mesh nodes rather than sensor stations.
    pub fn is_mesh(&self) -> bool {
        matches!(self, Kind::Orphan | Kind::RouteError)
    }

    /// A short description (`battery below 20 %`).
    pub fn describe(&self) -> String {
        let n = crate::fmt::format_number;
        match self {
            Kind::Silent { factor } => format!("silent > {}× interval", n(*factor)),
            Kind::BatteryBelow { percent, .. } => format!("battery below {} %", n(*percent)),
            Kind::Field {
                key, above, value, ..
            } => format!(
                "{key} {} {}",
                if *above { "above" } else { "below" },
                n(*value)
            ),
            Kind::LossAbove { percent, .. } => format!("loss above {} % (1 h)", n(*percent)),
            Kind::Orphan => "mesh node orphaned".into(),
            Kind::RouteError => "mesh ROUTE_ERROR".into(),
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Which stations or nodes.
    pub scope: Scope,
    /// What to watch for.
    pub kind: Kind,
}

/// Why rules could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// The text is longer than [`MAX_RULES_JSON_BYTES`].
    #[error("rules JSON of {0} bytes is over the limit of {MAX_RULES_JSON_BYTES}")]
    TooLarge(usize),
    /// Not JSON, or not `{"rules":[…]}`.
    #[error("not a rules document: {0}")]
    Json(String),
    /// More than [`MAX_RULES`] rules.
    #[error("{0} rules, at most {MAX_RULES} allowed")]
    TooMany(usize),
    /// One rule is invalid (`index` counts from 1).
    #[error("rule {index}: {reason}")]
    Rule {
        /// Position in the list, from 1.
        index: usize,
        /// What is wrong.
        reason: String,
    },
}

fn num(o: &Map<String, Value>, k: &str) -> Result<Option<f64>, String> {
    match o.get(k) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("\"{k}\" must be a number")),
    }
}

fn need(o: &Map<String, Value>, k: &str) -> Result<f64, String> {
    num(o, k)?.ok_or_else(|| format!("\"{k}\" is missing"))
}

fn percent(o: &Map<String, Value>) -> Result<f64, String> {
    let p = need(o, "percent")?;
    if (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err("\"percent\" must be within 0–100".into())
    }
}

impl Rule {
    /// Reads one rule object (see the module documentation).
    pub fn from_json(v: &Value) -> Result<Rule, String> {
        let o = v.as_object().ok_or("not an object")?;
        let scope_text = o.get("scope").and_then(Value::as_str).unwrap_or("all");
        let scope = Scope::parse(scope_text).ok_or_else(|| {
            "\"scope\" must be all, station:<id>, variant:<n> or format:<binary|hex|json>"
                .to_string()
        })?;
        let name = o.get("kind").and_then(Value::as_str).unwrap_or("");
        let margin = |value: f64| -> Result<f64, String> {
            let m = num(o, "margin")?.unwrap_or(Kind::default_margin(name, value));
            if m >= 0.0 {
                Ok(m)
            } else {
                Err("\"margin\" must not be negative".into())
            }
        };
        let kind = match name {
            "silent" => {
                let factor = need(o, "factor")?;
                if !(1.0..=1000.0).contains(&factor) {
                    return Err("\"factor\" must be within 1–1000".into());
                }
                Kind::Silent { factor }
            }
            "battery_below" => {
                let percent = percent(o)?;
                Kind::BatteryBelow {
                    percent,
                    margin: margin(percent)?,
                }
            }
            "loss_above" => {
                let percent = percent(o)?;
                Kind::LossAbove {
                    percent,
                    margin: margin(percent)?,
                }
            }
            "field_above" | "field_below" => {
                let key = o
                    .get("field")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|k| {
                        !k.is_empty()
                            && k.len() <= MAX_FIELD_KEY_CHARS
                            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    })
                    .ok_or("\"field\" must be a field name such as environment.temperature")?;
                let value = need(o, "value")?;
                Kind::Field {
                    key: key.to_string(),
                    above: name == "field_above",
                    value,
                    margin: margin(value)?,
                }
            }
            "orphan" | "route_error" => {
                if matches!(scope, Scope::Variant(_) | Scope::Format(_)) {
                    return Err("mesh rules take scope all or station:<id>".into());
                }
                if name == "orphan" {
                    Kind::Orphan
                } else {
                    Kind::RouteError
                }
            }
            _ => {
                return Err("\"kind\" must be silent, battery_below, field_above, field_below, loss_above, orphan or route_error".into())
            }
        };
        Ok(Rule { scope, kind })
    }

    /// The rule as a JSON object (field names hold no character that
    /// needs escaping: [`Rule::from_json`] allows none).
    pub fn to_json(&self) -> String {
        let head = format!(
            r#"{{"scope":"{}","kind":"{}""#,
            self.scope.text(),
            self.kind.name()
        );
        let tail = match &self.kind {
            Kind::Silent { factor } => format!(r#","factor":{factor}"#),
            Kind::BatteryBelow { percent, margin } | Kind::LossAbove { percent, margin } => {
                format!(r#","percent":{percent},"margin":{margin}"#)
            }
            Kind::Field {
                key, value, margin, ..
            } => format!(r#","field":"{key}","value":{value},"margin":{margin}"#),
            Kind::Orphan | Kind::RouteError => String::new(),
        };
        head + &tail + "}"
    }
}

/// Reads a rules document (`{"version":1,"rules":[…]}`, a bare array, or
/// one rule object), at most [`MAX_RULES_JSON_BYTES`] long and
/// [`MAX_RULES`] rules.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RulesError> {
    if text.len() > MAX_RULES_JSON_BYTES {
        return Err(RulesError::TooLarge(text.len()));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| RulesError::Json(e.to_string()))?;
    let one;
    let list = match &v {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => match o.get("rules") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => return Err(RulesError::Json("\"rules\" is not an array".into())),
            None => {
                one = [v];
                &one[..]
            }
        },
        _ => return Err(RulesError::Json("expected an object or an array".into())),
    };
    if list.len() > MAX_RULES {
        return Err(RulesError::TooMany(list.len()));
    }
    let mut rules = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        rules.push(Rule::from_json(r).map_err(|reason| RulesError::Rule {
            index: i + 1,
            reason,
        })?);
    }
    Ok(rules)
}

/// The rules document [`parse_rules`] reads.
pub fn rules_json<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> String {
    let list: Vec<String> = rules.into_iter().map(Rule::to_json).collect();
    format!(r#"{{"version":1,"rules":[{}]}}"#, list.join(","))
}

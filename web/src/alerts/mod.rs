//! Alerts: rules over stations and mesh nodes, evaluated incrementally as
//! the store changes, with hysteresis.
//!
//! `rules` (the model and its JSON), `eval` (the [`Engine`]), `storage`
//! (localStorage). The store's [`crate::store::Live`] owns the engine and
//! feeds it each ingest's [`crate::store::Change`] and the 1 s clock; the
//! views in `crate::views::alerts` show and edit it.
//!
//! Default: no rules (the page offers a suggested set), so an ingest costs
//! one emptiness check.

pub mod eval;
pub mod rules;
pub mod storage;

pub use eval::{field_value, Alert, Engine};
pub use rules::{parse_rules, rules_json, Format, Kind, Rule, RulesError, Scope};

/// Rules held at most.
pub const MAX_RULES: usize = 64;
/// Longest rules document imported or loaded, in bytes.
pub const MAX_RULES_JSON_BYTES: usize = 64 * 1024;
/// Longest field name in a rule, in characters.
pub const MAX_FIELD_KEY_CHARS: usize = 64;
/// Active alerts at most; beyond it new ones are counted, not raised.
pub const MAX_ACTIVE_ALERTS: usize = 4_096;
/// Resolved alerts kept (newest first).
pub const MAX_RESOLVED_ALERTS: usize = 200;
/// Texts of newly raised alerts kept between two announcements.
pub const MAX_FRESH_TEXTS: usize = 3;
/// The window of the sequence-loss rule, ms (one hour).
pub const LOSS_WINDOW_MS: i64 = 3_600_000;
/// How often a station's sequence counters are sampled for the loss
/// window, ms.
pub const LOSS_SAMPLE_MS: i64 = 300_000;
/// Loss samples kept per station (the window and one before it).
pub const LOSS_SAMPLES: usize = (LOSS_WINDOW_MS / LOSS_SAMPLE_MS) as usize + 2;
/// Packets expected in the window before a loss figure counts.
pub const LOSS_MIN_PACKETS: u64 = 10;

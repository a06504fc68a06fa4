//! The simulator's ground truth: what the deployment looks like now and
//! what the channel did, for tests and for the dashboard's "answer key".
//!
//! Counting rules (all per origin station, over frames *received by
//! gateways*, in the order [`crate::Simulation::advance`] returns them):
//!
//! * a *data packet* is a sensor packet or a relay's NEIGHBOUR_REPORT,
//!   identified by its origin `(station, sequence)`; it reaches a gateway
//!   either bare (heard directly) or inside a FORWARD;
//! * `delivered`: data packets of which at least one copy reached any
//!   gateway; `copies`: all such frames; `duplicates = copies - delivered`;
//! * `lost = sent - delivered`; `lost_in_span`: packets missing between
//!   the first and the last delivered sequence of each session (what a
//!   receiver tracking sequence gaps can see; losses before the first or
//!   after the last delivered packet are invisible to it);
//! * a *session* starts at a boot inside the run (the sequence restarts at
//!   0) or at the start of the run.

use serde::{Deserialize, Serialize};

/// The whole ground truth at one point of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The seed the run was started with.
    pub seed: u64,
    /// [`crate::SimConfig::rate`].
    pub rate: f64,
    /// Deployment name.
    pub deployment: String,
    /// Unix ms of sim time 0.
    pub start_unix_ms: i64,
    /// Sim time of this snapshot, ms since the start.
    pub now_ms: u64,
    /// The gateways.
    pub gateways: Vec<GatewayTruth>,
    /// The relays.
    pub relays: Vec<RelayTruth>,
    /// The sensors.
    pub sensors: Vec<SensorTruth>,
    /// What the radio channel did.
    pub channel: ChannelTruth,
    /// Scenario and routing events, in time order (at most the first 10,000).
    pub events: Vec<EventTruth>,
}

impl Truth {
    /// The sensor with `id`.
    pub fn sensor(&self, id: u16) -> Option<&SensorTruth> {
        self.sensors.iter().find(|s| s.id == id)
    }

    /// The relay with `id`.
    pub fn relay(&self, id: u16) -> Option<&RelayTruth> {
        self.relays.iter().find(|s| s.id == id)
    }

    /// The gateway with `id`.
    pub fn gateway(&self, id: u16) -> Option<&GatewayTruth> {
        self.gateways.iter().find(|s| s.id == id)
    }

    /// The ground truth as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// A gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewayTruth {
    /// Station id.
    pub id: u16,
    /// Tag (`GW-1`).
    pub tag: String,
    /// Place.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// BEACONs originated.
    pub beacons_sent: u64,
    /// Generation of the last BEACON (12 bits), if any was sent.
    pub generation: Option<u16>,
    /// Frames this gateway received (its own BEACON echoes included).
    pub frames: u64,
    /// ACKs it sent.
    pub acks_sent: u64,
}

/// A relay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayTruth {
    /// Station id.
    pub id: u16,
    /// Tag (`HOP-1`).
    pub tag: String,
    /// Place.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Still running.
    pub alive: bool,
    /// When it shut down (sim ms), if it did.
    pub failed_at_ms: Option<u64>,
    /// Current parent (a relay or gateway id); `None` when orphaned or dead.
    pub parent: Option<u16>,
    /// Current cost (relays to the gateway); `None` when orphaned or dead.
    pub cost: Option<u8>,
    /// Gateway of the tree it is in; `None` when orphaned or dead.
    pub gateway: Option<u16>,
    /// Its neighbour table (mesh nodes heard recently), by id.
    pub neighbours: Vec<u16>,
    /// Times its parent changed during the run.
    pub parent_changes: u32,
    /// When its parent, cost or tree last changed (sim ms; 0 if never).
    pub routing_changed_ms: u64,
    /// What a receiver of every gateway's frames knows: the parent in the
    /// newest NEIGHBOUR_REPORT (by mesh sequence) a gateway received, unless
    /// a newer ROUTE_ERROR or an orphan report (parent `0xFFF`) followed
    /// (then `None`).
    pub reported_parent: Option<u16>,
    /// Cost in the newest report.
    pub reported_cost: Option<u8>,
    /// Gateway in the newest report.
    pub reported_gateway: Option<u16>,
    /// Neighbour ids in the newest report.
    pub reported_neighbours: Vec<u16>,
    /// Orphaned as far as the gateways know (a ROUTE_ERROR, or a report
    /// with parent `0xFFF`, newer than any report with a parent).
    pub reported_orphan: bool,
    /// Reason of the ROUTE_ERROR that orphaned it, as far as the gateways know.
    pub reported_route_error: Option<u8>,
    /// Whether a gateway received one of its ROUTE_ERRORs.
    pub route_error_heard: bool,
    /// Reason of its last ROUTE_ERROR, if it sent one.
    pub route_error_reason: Option<u8>,
    /// Its own NEIGHBOUR_REPORTs as data packets (see the module docs).
    pub reports: OriginCounts,
    /// What it transmitted.
    pub sent: RelaySent,
}

/// A relay's transmissions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelaySent {
    /// BEACON rebroadcasts.
    pub beacons: u64,
    /// FORWARDs (first transmissions).
    pub forwards: u64,
    /// FORWARD retransmissions (no ACK in time, or failover).
    pub retransmissions: u64,
    /// ACKs to children.
    pub acks: u64,
    /// NEIGHBOUR_REPORTs.
    pub neighbour_reports: u64,
    /// ROUTE_ERRORs.
    pub route_errors: u64,
    /// Sensor packets whose forward was cancelled because another relay
    /// forwarded them first (Trickle suppression).
    pub suppressed: u64,
    /// Packets dropped (no parent, TTL exhausted, retries exhausted).
    pub dropped: u64,
}

/// Per-origin delivery counts (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OriginCounts {
    /// Data packets transmitted by the origin.
    pub sent: u64,
    /// Of those, reached at least one gateway.
    pub delivered: u64,
    /// `sent - delivered`.
    pub lost: u64,
    /// Frames at gateways carrying them (bare or in a FORWARD).
    pub copies: u64,
    /// `copies - delivered`.
    pub duplicates: u64,
    /// Missing between the first and last delivered sequence, per session.
    pub lost_in_span: u64,
    /// Deliveries (first copies) whose sequence was behind an earlier
    /// delivery of the same session.
    pub out_of_order: u64,
}

/// One session (boot to boot) of a sensor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionTruth {
    /// Sim ms the session's first packet was sent.
    pub started_ms: u64,
    /// Whether it started with a boot during the run.
    pub booted: bool,
    /// First sequence sent.
    pub first_seq: u16,
    /// Last sequence sent.
    pub last_seq: u16,
    /// Packets sent.
    pub sent: u64,
    /// Packets delivered.
    pub delivered: u64,
    /// First delivered sequence.
    pub first_delivered_seq: Option<u16>,
    /// Last delivered sequence (by sequence order, wrap-aware).
    pub last_delivered_seq: Option<u16>,
    /// Missing between those two.
    pub lost_in_span: u64,
}

/// A sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorTruth {
    /// Station id.
    pub id: u16,
    /// Tag (`SM-3`).
    pub tag: String,
    /// Place.
    pub name: String,
    /// Kind.
    pub kind: crate::deployment::SensorKind,
    /// Variant id.
    pub variant: u8,
    /// Variant name in the simulator's map.
    pub variant_name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Report interval, ms (after the rate).
    pub interval_ms: u64,
    /// Delivery counts.
    pub counts: OriginCounts,
    /// Restarts during the run.
    pub restarts_in_run: u32,
    /// Restart counter as reported in STATUS now.
    pub restarts: u16,
    /// Sessions in the run (one, plus one per restart).
    pub sessions: Vec<SessionTruth>,
    /// Next sequence number it will send.
    pub next_seq: u16,
    /// Mesh nodes that can hear it and are running (gateways and relays).
    pub heard_by: Vec<u16>,
    /// For its most recently delivered packet: the station whose frame was
    /// the first copy at a gateway (the gateway's own id when heard
    /// directly, else the relay whose FORWARD arrived first).
    pub delivered_via: Option<u16>,
    /// The gateway that received that first copy.
    pub delivered_gateway: Option<u16>,
    /// The relay that first picked that packet up from the air (`None` when
    /// the first copy was heard directly by a gateway).
    pub first_hop: Option<u16>,
    /// How many of its delivered packets were first delivered by each
    /// station (`[station, count]`, by station id).
    pub delivered_via_counts: Vec<(u16, u64)>,
    /// Packets that carried a position.
    pub positions_sent: u64,
    /// TLV entries sent, by type (`[type, count]`).
    pub tlvs_sent: Vec<(u8, u64)>,
}

/// What the channel did (all stations).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelTruth {
    /// Transmissions by any station.
    pub transmissions: u64,
    /// Link receptions attempted (one per listener in range per transmission).
    pub receptions: u64,
    /// Of those, lost on the link (random loss).
    pub dropped: u64,
    /// Frames received by gateways (what [`crate::Simulation::advance`]
    /// returned), own BEACON echoes included.
    pub frames: u64,
    /// Own BEACON echoes among `frames`.
    pub echoes: u64,
    /// Frames carrying a data packet a gateway had already received (the
    /// sum of all origins' `duplicates`).
    pub duplicated: u64,
    /// Frames by control type name (`sensor` for sensor packets).
    pub frames_by_type: Vec<(String, u64)>,
}

/// A routing or scenario event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTruth {
    /// Sim ms.
    pub time_ms: u64,
    /// `relay_shutdown`, `route_error`, `parent_change`, `orphaned`,
    /// `sensor_reboot`.
    pub kind: String,
    /// The station concerned.
    pub station: u16,
    /// Human-readable detail.
    pub detail: String,
}

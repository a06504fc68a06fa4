//! The discrete-event engine: stations, the radio channel and the mesh
//! protocol, advanced in simulated milliseconds.
//!
//! Model, in short (see also the crate README):
//!
//! * **Radio.** A transmission from station X is offered to every station
//!   that has a link from X in [`Deployment::links`]; each one receives it
//!   independently with probability `1 - loss * loss_scale`, after the
//!   frame's airtime (about SF7: 25 ms + 1.46 ms per byte), with the link's
//!   mean RSSI plus 1.5 dB of noise. There are no collisions.
//! * **Gateways** publish every frame they receive (that is what
//!   [`Simulation::advance`] returns), originate a BEACON every interval
//!   (their own BEACONs are echoed on their own feed when
//!   [`SimConfig::gateway_echo`] is set) and ACK the FORWARDs addressed to
//!   them.
//! * **Relays** keep a neighbour table from the BEACONs they hear and pick
//!   their parent by lowest cost, then strongest (smoothed) RSSI, keeping the
//!   current parent unless a same-cost candidate is stronger by the
//!   hysteresis; links weaker than the floor are never used as parent, nor
//!   are the relay's own children. They rebroadcast their parent's BEACONs
//!   of a newer generation after a 1-5 s jitter. A sensor packet heard
//!   directly is forwarded after a 200-1000 ms Trickle backoff unless another
//!   relay's FORWARD of the same packet is heard first. A FORWARD has no
//!   destination field: the simulator lets only the sender's current parent
//!   take it up (the one that ACKs it); everybody in range still hears it.
//!   Unacknowledged FORWARDs are retried 3 times, 1 s apart, then the parent
//!   is marked unreliable, the best remaining candidate is promoted and the
//!   FORWARD resent to it. A parent whose BEACONs stop for 3 rounds is given
//!   up; a ROUTE_ERROR from the parent drops it at once. Without any
//!   candidate the relay broadcasts ROUTE_ERROR (parent_lost) and is
//!   orphaned until it hears a BEACON again. Every 180 s (and a few seconds
//!   after any change of parent, cost or tree) a relay broadcasts its
//!   NEIGHBOUR_REPORT; its parent wraps it in a FORWARD like sensor data.
//! * **Sensors** transmit on their interval (with 3 % jitter); see
//!   [`crate::sensors`] for what they send.
//! * **Start.** The mesh starts converged (as if it had been running): each
//!   relay's parent is what the selection rule gives on the link table's
//!   mean RSSIs. Sensors that boot power up during the first interval.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::sync::Arc;

use iotdata::mesh::{self, MeshBody, MeshPacket, Neighbour};
use iotdata::VariantMap;
use serde::{Deserialize, Serialize};

use crate::calendar;
use crate::deployment::{Deployment, Role, ScenarioEvent, Station, GLEN_NEVIS};
use crate::rng::SplitMix64;
use crate::sensors::SensorState;
use crate::truth::{
    ChannelTruth, EventTruth, GatewayTruth, OriginCounts, RelaySent, RelayTruth, SensorTruth,
    SessionTruth, Truth,
};

/// Most routing events kept for [`Truth::events`].
const MAX_EVENTS: usize = 10_000;
/// Delivered `(session, sequence)` keys remembered per origin for counting
/// duplicates (copies arrive within seconds; this covers hours).
const DELIVERED_MEMORY: usize = 1024;
/// NEIGHBOUR_REPORT gateway id / parent id meaning "none" (orphaned).
const NONE_ID: u16 = mesh::PARENT_NONE;

/// The default seed: its run shows the scenario textbook-fashion (HOP-2
/// fails over on HOP-1's ROUTE_ERROR, HOP-3 re-parents at the next beacon
/// round, AQ-2's boot packet arrives), which suits a demo.
pub const DEFAULT_SEED: u64 = 2;

/// Simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Seed of every random choice (channel, readings, timing jitter);
    /// default [`DEFAULT_SEED`].
    pub seed: u64,
    /// Traffic multiplier: every interval of the deployment table (sensor
    /// reports, beacon rounds, neighbour reports, and so the beacon
    /// timeout) and every scenario time is divided by `rate`, so the same
    /// story plays out `rate` times faster in simulated time. Radio timings
    /// (airtime, backoffs, ACK timeouts) are not scaled. Default 1.0.
    pub rate: f64,
    /// Unix ms of simulated time 0 (default: the deployment's, 2026-03-14
    /// 07:00 UTC). Drives the diurnal cycle and the DATETIME fields.
    pub start_unix_ms: Option<i64>,
    /// Multiplies every link's loss probability (0 = lossless links).
    /// Default 1.0.
    pub loss_scale: f64,
    /// Play the scenario events (a relay shutting down, a sensor
    /// rebooting). Default true.
    pub scenario: bool,
    /// Gateways report their own BEACONs on their feed (as frames with no
    /// RSSI), so subscribers see every beacon round with cost 0. Default
    /// true.
    pub gateway_echo: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: DEFAULT_SEED,
            rate: 1.0,
            start_unix_ms: None,
            loss_scale: 1.0,
            scenario: true,
            gateway_echo: true,
        }
    }
}

/// A frame as received by a gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedFrame {
    /// Simulated time of reception, ms since the start of the run.
    pub time_ms: u64,
    /// The same instant as Unix milliseconds (for datetime resolution).
    pub unix_ms: i64,
    /// The receiving gateway's station id.
    pub gateway: u16,
    /// Received signal strength, dBm; `None` for the gateway's own BEACON.
    pub rssi_dbm: Option<i16>,
    /// The frame: a sensor packet or a mesh control packet (variant 15).
    pub bytes: Vec<u8>,
}

// ---------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------

/// A data packet travelling through the mesh: a sensor packet or a relay's
/// NEIGHBOUR_REPORT, with the simulator's bookkeeping.
#[derive(Debug, Clone)]
struct Data {
    /// Node index of the originating station.
    origin: usize,
    /// Origin session (sensors: boot count in the run; relays: 0).
    session: u32,
    /// Origin station id and sequence (the dedup key on the wire).
    key: (u16, u16),
    /// The relay that first picked it up from the air.
    first_hop: Option<usize>,
    /// NEIGHBOUR_REPORT content (for the truth's "reported" state).
    report: Option<Arc<ReportContent>>,
    /// The packet's bytes.
    bytes: Arc<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct ReportContent {
    parent: u16,
    cost: u8,
    gateway: u16,
    neighbours: Vec<u16>,
}

#[derive(Debug, Clone)]
enum Meta {
    Sensor(Data),
    Beacon {
        gw: u16,
        cost: u8,
        generation: u16,
    },
    Forward {
        to: usize,
        fwd_seq: u16,
        ttl: u8,
        inner: Data,
    },
    Ack {
        to: usize,
        fwd_seq: u16,
    },
    Report {
        to: Option<usize>,
        data: Data,
    },
    RouteError {
        reason: u8,
        seq: u16,
    },
}

impl Meta {
    fn type_name(&self) -> &'static str {
        match self {
            Meta::Sensor(_) => "sensor",
            Meta::Beacon { .. } => "BEACON",
            Meta::Forward { .. } => "FORWARD",
            Meta::Ack { .. } => "ACK",
            Meta::Report { .. } => "NEIGHBOUR_REPORT",
            Meta::RouteError { .. } => "ROUTE_ERROR",
        }
    }
}

#[derive(Debug)]
struct Tx {
    from: usize,
    bytes: Vec<u8>,
    meta: Meta,
}

#[derive(Debug)]
enum Ev {
    SensorReport {
        node: usize,
        epoch: u32,
    },
    GatewayBeacon {
        node: usize,
    },
    Rebroadcast {
        node: usize,
        gw: u16,
        generation: u16,
    },
    NeighbourReport {
        node: usize,
        periodic: bool,
    },
    ParentCheck {
        node: usize,
    },
    ForwardFire {
        node: usize,
        id: u64,
    },
    AckTimeout {
        node: usize,
        id: u64,
        attempt: u32,
    },
    SendAck {
        node: usize,
        to: usize,
        fwd_seq: u16,
    },
    Receive {
        to: usize,
        tx: Arc<Tx>,
        rssi: f64,
    },
    Shutdown {
        node: usize,
        left: u8,
    },
    Reboot {
        node: usize,
        reason: u8,
    },
}

struct Entry {
    t: u64,
    n: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.n == o.n
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    // BinaryHeap is a max-heap: invert so the earliest (then first queued) pops first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.t.cmp(&self.t).then(o.n.cmp(&self.n))
    }
}

#[derive(Debug, Clone, Copy)]
struct Listener {
    idx: usize,
    rssi: f64,
    loss: f64,
}

#[derive(Debug, Clone)]
struct Nb {
    idx: usize,
    cost: u8,
    gateway: u16,
    rssi: f64,
    heard_ms: u64,
}

#[derive(Debug, Clone)]
enum Stage {
    Backoff,
    Turnaround,
    AwaitAck {
        bytes: Arc<Vec<u8>>,
        fwd_seq: u16,
        ttl: u8,
        attempts: u32,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    id: u64,
    data: Data,
    ttl: u8,
    stage: Stage,
}

/// What gateways have learnt about a relay from its NEIGHBOUR_REPORTs and
/// ROUTE_ERRORs, applied in mesh-sequence order like a receiver does (one
/// up to 256 sequences behind the last applied is stale).
#[derive(Debug, Clone, Default)]
struct Reported {
    seq: Option<u16>,
    parent: Option<u16>,
    cost: Option<u8>,
    gateway: Option<u16>,
    neighbours: Vec<u16>,
    orphan: bool,
    route_error: Option<u8>,
}

impl Reported {
    fn fresh(&self, seq: u16) -> bool {
        self.seq
            .is_none_or(|last| !(1..=256).contains(&last.wrapping_sub(seq)))
    }
}

#[derive(Debug)]
struct RelayState {
    seq: u16,
    parent: Option<usize>,
    cost: u8,
    gateway: Option<u16>,
    neighbours: Vec<Nb>,
    last_gen: BTreeMap<u16, u16>,
    children: Vec<(usize, u64)>,
    unreliable: Vec<usize>,
    ring: VecDeque<(u16, u16)>,
    pending: Vec<Pending>,
    shutting_down: bool,
    failed_at_ms: Option<u64>,
    sent: RelaySent,
    parent_changes: u32,
    routing_changed_ms: u64,
    reported: Reported,
    route_error_heard: bool,
    route_error_reason: Option<u8>,
    reports: Origin,
}

#[derive(Debug)]
struct GatewayState {
    seq: u16,
    generation: Option<u16>,
    beacons: u64,
    frames: u64,
    acks: u64,
}

#[derive(Debug, Clone, Default)]
struct Session {
    truth: SessionTruth,
    min_off: Option<u32>,
    max_off: Option<u32>,
}

/// Delivery accounting for one origin.
#[derive(Debug, Clone, Default)]
struct Origin {
    counts: OriginCounts,
    sessions: Vec<Session>,
    recent: VecDeque<(u32, u16)>,
    recent_set: BTreeSet<(u32, u16)>,
    via: Option<u16>,
    via_gateway: Option<u16>,
    first_hop: Option<u16>,
    via_counts: BTreeMap<u16, u64>,
}

#[derive(Debug)]
struct SensorSim {
    state: SensorState,
    epoch: u32,
    session: u32,
    interval_ms: u64,
    origin: Origin,
    restarts_in_run: u32,
    positions_sent: u64,
    tlvs_sent: BTreeMap<u8, u64>,
}

#[derive(Debug)]
enum Kind {
    Gateway(GatewayState),
    Relay(Box<RelayState>),
    Sensor(Box<SensorSim>),
}

#[derive(Debug)]
struct Node {
    st: &'static Station,
    alive: bool,
    listeners: Vec<Listener>,
    kind: Kind,
}

/// A running simulation of the deployment. Deterministic: the same
/// [`SimConfig`] always produces the same frames.
///
/// ```
/// use iotdata_sim::{SimConfig, Simulation};
/// let mut sim = Simulation::new(SimConfig { seed: 7, ..SimConfig::default() });
/// let frames = sim.advance(5 * 60_000); // five simulated minutes
/// assert!(frames.len() > 100);
/// assert!(frames.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
/// let truth = sim.truth();
/// assert_eq!(truth.gateways.len(), 2);
/// ```
pub struct Simulation {
    cfg: SimConfig,
    dep: &'static Deployment,
    map: VariantMap,
    start_unix_ms: i64,
    rng: SplitMix64,
    world: crate::world::World,
    nodes: Vec<Node>,
    by_id: BTreeMap<u16, usize>,
    heap: BinaryHeap<Entry>,
    counter: u64,
    pending_ids: u64,
    now: u64,
    out: Vec<TimedFrame>,
    channel: ChannelTruth,
    frames_by_type: BTreeMap<&'static str, u64>,
    events: Vec<EventTruth>,
    beacon_interval_ms: u64,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("cfg", &self.cfg)
            .field("now_ms", &self.now)
            .field("queued_events", &self.heap.len())
            .finish()
    }
}

fn airtime_ms(len: usize) -> u64 {
    25 + (len as u64 * 8 * 1000) / 5470
}

impl Simulation {
    /// A simulation of the built-in deployment ([`GLEN_NEVIS`]).
    pub fn new(cfg: SimConfig) -> Self {
        Self::with_deployment(cfg, &GLEN_NEVIS)
    }

    /// A simulation of another deployment table. Its sensors must use the
    /// kinds (and so the variants) of the simulator's map.
    pub fn with_deployment(mut cfg: SimConfig, dep: &'static Deployment) -> Self {
        if !(cfg.rate.is_finite() && cfg.rate > 0.0) {
            cfg.rate = 1.0;
        }
        if !(cfg.loss_scale.is_finite() && cfg.loss_scale >= 0.0) {
            cfg.loss_scale = 1.0;
        }
        let start_unix_ms = cfg.start_unix_ms.unwrap_or(dep.start_unix_ms);
        let mut rng = SplitMix64::new(cfg.seed);
        let world = crate::world::World::new(rng.fork(1), start_unix_ms);
        let by_id: BTreeMap<u16, usize> = dep
            .stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let beacon_interval_s = dep
            .stations
            .iter()
            .filter(|s| s.role == Role::Gateway)
            .map(|s| s.interval_s)
            .fold(0.0, f64::max)
            .max(1.0);
        let mut sim = Simulation {
            map: crate::sim_map(),
            dep,
            start_unix_ms,
            world,
            nodes: Vec::with_capacity(dep.stations.len()),
            by_id,
            heap: BinaryHeap::new(),
            counter: 0,
            pending_ids: 0,
            now: 0,
            out: Vec::new(),
            channel: ChannelTruth::default(),
            frames_by_type: BTreeMap::new(),
            events: Vec::new(),
            beacon_interval_ms: (beacon_interval_s * 1000.0 / cfg.rate).round() as u64,
            rng,
            cfg,
        };
        sim.build_nodes();
        sim.converge();
        sim.schedule_start();
        sim
    }

    fn scaled(&self, secs: f64) -> u64 {
        (secs * 1000.0 / self.cfg.rate).round().max(1.0) as u64
    }

    fn build_nodes(&mut self) {
        for (i, st) in self.dep.stations.iter().enumerate() {
            let mut listeners = Vec::new();
            let is_sensor = matches!(st.role, Role::Sensor(_));
            for l in self.dep.links {
                let other = if l.a == st.id {
                    Some(l.b)
                } else if l.b == st.id && !is_sensor && !self.is_sensor_id(l.a) {
                    Some(l.a)
                } else {
                    None
                };
                if let Some(&idx) = other.and_then(|o| self.by_id.get(&o)) {
                    if !self.is_sensor_idx(idx) {
                        listeners.push(Listener {
                            idx,
                            rssi: l.rssi_dbm,
                            loss: l.loss,
                        });
                    }
                }
            }
            let kind = match st.role {
                Role::Gateway => Kind::Gateway(GatewayState {
                    seq: st.seq0.wrapping_mul(7),
                    generation: None,
                    beacons: 0,
                    frames: 0,
                    acks: 0,
                }),
                Role::Relay => Kind::Relay(Box::new(RelayState {
                    seq: st.seq0,
                    parent: None,
                    cost: 255,
                    gateway: None,
                    neighbours: Vec::new(),
                    last_gen: BTreeMap::new(),
                    children: Vec::new(),
                    unreliable: Vec::new(),
                    ring: VecDeque::new(),
                    pending: Vec::new(),
                    shutting_down: false,
                    failed_at_ms: None,
                    sent: RelaySent::default(),
                    parent_changes: 0,
                    routing_changed_ms: 0,
                    reported: Reported::default(),
                    route_error_heard: false,
                    route_error_reason: None,
                    reports: Origin::default(),
                })),
                Role::Sensor(kind) => {
                    let best = listeners.iter().map(|l| l.rssi).fold(-120.0, f64::max);
                    let state = SensorState::new(
                        st,
                        kind,
                        self.rng.fork(0x5EED_0000 + u64::from(st.id)),
                        best,
                    );
                    Kind::Sensor(Box::new(SensorSim {
                        state,
                        epoch: 0,
                        session: 0,
                        interval_ms: self.scaled(st.interval_s),
                        origin: Origin::default(),
                        restarts_in_run: 0,
                        positions_sent: 0,
                        tlvs_sent: BTreeMap::new(),
                    }))
                }
            };
            let _ = i;
            self.nodes.push(Node {
                st,
                alive: true,
                listeners,
                kind,
            });
        }
    }

    fn is_sensor_id(&self, id: u16) -> bool {
        self.by_id.get(&id).is_some_and(|&i| self.is_sensor_idx(i))
    }

    fn is_sensor_idx(&self, idx: usize) -> bool {
        self.dep
            .stations
            .get(idx)
            .is_some_and(|s| matches!(s.role, Role::Sensor(_)))
    }

    /// Mesh neighbours of `idx` (stations it can hear that are not sensors)
    /// with the mean RSSI.
    fn mesh_links(&self, idx: usize) -> Vec<(usize, f64)> {
        let mut v = Vec::new();
        for (j, n) in self.nodes.iter().enumerate() {
            if matches!(n.kind, Kind::Sensor(_)) {
                continue;
            }
            if let Some(l) = n.listeners.iter().find(|l| l.idx == idx) {
                v.push((j, l.rssi));
            }
        }
        v
    }

    /// Starts the mesh converged: iterate the parent selection on mean RSSIs.
    fn converge(&mut self) {
        let n = self.nodes.len();
        let floor = self.dep.protocol.parent_rssi_floor_dbm;
        let mut cost: Vec<Option<(u8, u16, Option<usize>)>> = self
            .nodes
            .iter()
            .map(|nd| match nd.kind {
                Kind::Gateway(_) => Some((0, nd.st.id, None)),
                _ => None,
            })
            .collect();
        let links: Vec<Vec<(usize, f64)>> = (0..n).map(|i| self.mesh_links(i)).collect();
        for _ in 0..n {
            let mut changed = false;
            for r in 0..n {
                if !matches!(self.nodes[r].kind, Kind::Relay(_)) {
                    continue;
                }
                let mut best: Option<(u8, f64, usize, u16)> = None;
                for &(j, rssi) in &links[r] {
                    if rssi < floor {
                        continue;
                    }
                    if let Some((c, gw, p)) = cost[j] {
                        if p == Some(r) {
                            continue;
                        }
                        let better = match best {
                            None => true,
                            Some((bc, br, bj, _)) => {
                                c < bc || (c == bc && (rssi > br || (rssi == br && j < bj)))
                            }
                        };
                        if better {
                            best = Some((c, rssi, j, gw));
                        }
                    }
                }
                let new = best.map(|(c, _, j, gw)| (c.saturating_add(1), gw, Some(j)));
                if new != cost[r] {
                    cost[r] = new;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for r in 0..n {
            let Kind::Relay(_) = self.nodes[r].kind else {
                continue;
            };
            let neighbours: Vec<Nb> = links[r]
                .iter()
                .filter_map(|&(j, rssi)| {
                    cost[j].map(|(c, gw, _)| Nb {
                        idx: j,
                        cost: c,
                        gateway: gw,
                        rssi,
                        heard_ms: 0,
                    })
                })
                .collect();
            let children: Vec<(usize, u64)> = (0..n)
                .filter(|&j| matches!(cost[j], Some((_, _, Some(p))) if p == r))
                .map(|j| (j, 0))
                .collect();
            if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                if let Some((c, gw, p)) = cost[r] {
                    rs.parent = p;
                    rs.cost = c;
                    rs.gateway = Some(gw);
                }
                rs.neighbours = neighbours;
                rs.children = children;
            }
        }
    }

    fn schedule_start(&mut self) {
        for i in 0..self.nodes.len() {
            let st = self.nodes[i].st;
            match st.role {
                Role::Gateway => {
                    let t = self.rng.range_u64(500, 3000);
                    self.push(t, Ev::GatewayBeacon { node: i });
                }
                Role::Relay => {
                    let t = self.rng.range_u64(5_000, 30_000) / self.cfg.rate.max(1.0) as u64;
                    self.push(
                        t.max(1),
                        Ev::NeighbourReport {
                            node: i,
                            periodic: true,
                        },
                    );
                    let t = self.rng.range_u64(1, self.beacon_interval_ms / 2);
                    self.push(t, Ev::ParentCheck { node: i });
                }
                Role::Sensor(_) => {
                    let interval = self.scaled(st.interval_s);
                    let lo = if st.boots { 1000.min(interval) } else { 0 };
                    let t = self.rng.range_u64(lo, interval);
                    self.push(t, Ev::SensorReport { node: i, epoch: 0 });
                }
            }
        }
        if self.cfg.scenario {
            for e in self.dep.events {
                match *e {
                    ScenarioEvent::RelayShutdown {
                        relay,
                        at_s,
                        repeats,
                    } => {
                        if let Some(&node) = self.by_id.get(&relay) {
                            let t = self.scaled(at_s);
                            self.push(
                                t,
                                Ev::Shutdown {
                                    node,
                                    left: repeats.max(1),
                                },
                            );
                        }
                    }
                    ScenarioEvent::SensorReboot {
                        sensor,
                        at_s,
                        reason,
                    } => {
                        if let Some(&node) = self.by_id.get(&sensor) {
                            let t = self.scaled(at_s);
                            self.push(t, Ev::Reboot { node, reason });
                        }
                    }
                }
            }
        }
    }

    fn push(&mut self, t: u64, ev: Ev) {
        self.counter += 1;
        self.heap.push(Entry {
            t,
            n: self.counter,
            ev,
        });
    }

    fn event(&mut self, kind: &str, idx: usize, detail: String) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(EventTruth {
                time_ms: self.now,
                kind: kind.to_string(),
                station: self.nodes[idx].st.id,
                detail,
            });
        }
    }

    fn tag(&self, idx: usize) -> &'static str {
        self.nodes[idx].st.tag
    }

    // -----------------------------------------------------------------------
    // Public API
    // -----------------------------------------------------------------------

    /// Runs the simulation up to `until_ms` (simulated ms since the start;
    /// an earlier time than [`Self::now_ms`] does nothing) and returns the
    /// frames the gateways received in that span, in time order.
    pub fn advance(&mut self, until_ms: u64) -> Vec<TimedFrame> {
        while let Some(top) = self.heap.peek() {
            if top.t > until_ms {
                break;
            }
            let Some(e) = self.heap.pop() else { break };
            self.now = e.t;
            let unix = self.start_unix_ms + e.t as i64;
            self.world.advance(unix);
            self.handle(e.ev);
        }
        self.now = self.now.max(until_ms);
        std::mem::take(&mut self.out)
    }

    /// Simulated time reached, ms since the start.
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// Unix ms of simulated time 0.
    pub fn start_unix_ms(&self) -> i64 {
        self.start_unix_ms
    }

    /// When the next queued event happens (simulated ms), if any. A frame can
    /// appear no earlier than this.
    pub fn next_event_ms(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.t)
    }

    /// The configuration (after validation: a non-positive rate becomes 1).
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The deployment table being simulated.
    pub fn deployment(&self) -> &'static Deployment {
        self.dep
    }

    /// The variant map the sensors encode with ([`crate::sim_map`]).
    pub fn map(&self) -> &VariantMap {
        &self.map
    }

    // -----------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::SensorReport { node, epoch } => self.sensor_report(node, epoch),
            Ev::GatewayBeacon { node } => self.gateway_beacon(node),
            Ev::Rebroadcast {
                node,
                gw,
                generation,
            } => self.rebroadcast(node, gw, generation),
            Ev::NeighbourReport { node, periodic } => self.neighbour_report(node, periodic),
            Ev::ParentCheck { node } => {
                if self.nodes[node].alive {
                    self.reselect(node, "beacon_timeout");
                    let t = self.now + self.beacon_interval_ms / 2;
                    self.push(t, Ev::ParentCheck { node });
                }
            }
            Ev::ForwardFire { node, id } => self.forward_fire(node, id),
            Ev::AckTimeout { node, id, attempt } => self.ack_timeout(node, id, attempt),
            Ev::SendAck { node, to, fwd_seq } => self.send_ack(node, to, fwd_seq),
            Ev::Receive { to, tx, rssi } => self.receive(to, &tx, rssi),
            Ev::Shutdown { node, left } => self.shutdown(node, left),
            Ev::Reboot { node, reason } => self.reboot(node, reason),
        }
    }

    fn transmit(&mut self, from: usize, bytes: Vec<u8>, meta: Meta) {
        self.channel.transmissions += 1;
        let air = airtime_ms(bytes.len());
        if let (Kind::Gateway(_), Meta::Beacon { .. }) = (&self.nodes[from].kind, &meta) {
            if self.cfg.gateway_echo {
                let id = self.nodes[from].st.id;
                self.emit(id, None, bytes.clone(), meta.type_name());
                self.channel.echoes += 1;
                if let Kind::Gateway(g) = &mut self.nodes[from].kind {
                    g.frames += 1;
                }
            }
        }
        let listeners = self.nodes[from].listeners.clone();
        let tx = Arc::new(Tx { from, bytes, meta });
        for l in listeners {
            self.channel.receptions += 1;
            if self.rng.chance(l.loss * self.cfg.loss_scale) {
                self.channel.dropped += 1;
                continue;
            }
            let rssi = l.rssi + 1.5 * self.rng.normal();
            let t = self.now + air;
            self.push(
                t,
                Ev::Receive {
                    to: l.idx,
                    tx: Arc::clone(&tx),
                    rssi,
                },
            );
        }
    }

    fn emit(&mut self, gateway: u16, rssi: Option<f64>, bytes: Vec<u8>, type_name: &'static str) {
        self.channel.frames += 1;
        *self.frames_by_type.entry(type_name).or_insert(0) += 1;
        self.out.push(TimedFrame {
            time_ms: self.now,
            unix_ms: self.start_unix_ms + self.now as i64,
            gateway,
            rssi_dbm: rssi.map(|r| r.round().clamp(-150.0, 0.0) as i16),
            bytes,
        });
    }

    fn sensor_report(&mut self, node: usize, epoch: u32) {
        let now = self.now;
        let unix = self.start_unix_ms + now as i64;
        let Kind::Sensor(s) = &mut self.nodes[node].kind else {
            return;
        };
        if s.epoch != epoch {
            return;
        }
        let Ok((bytes, seq, info)) = s.state.report(&self.world, now as i64, unix, &self.map)
        else {
            // An encoding failure would be a bug in the models; skip the report.
            return;
        };
        let jitter = 1.0 + 0.03 * (self.rng.next_f64() * 2.0 - 1.0);
        let next = now + ((s.interval_ms as f64) * jitter).round().max(1.0) as u64;
        // accounting
        let session = s.session;
        while s.origin.sessions.len() <= session as usize {
            s.origin.sessions.push(Session {
                truth: SessionTruth {
                    started_ms: now,
                    booted: s.state.booted,
                    first_seq: seq,
                    ..SessionTruth::default()
                },
                ..Session::default()
            });
        }
        if let Some(ses) = s.origin.sessions.get_mut(session as usize) {
            ses.truth.sent += 1;
            ses.truth.last_seq = seq;
        }
        s.origin.counts.sent += 1;
        if info.position {
            s.positions_sent += 1;
        }
        for t in &info.tlvs {
            *s.tlvs_sent.entry(*t).or_insert(0) += 1;
        }
        let data = Data {
            origin: node,
            session,
            key: (self.nodes[node].st.id, seq),
            first_hop: None,
            report: None,
            bytes: Arc::new(bytes.clone()),
        };
        self.push(next, Ev::SensorReport { node, epoch });
        self.transmit(node, bytes, Meta::Sensor(data));
    }

    fn gateway_beacon(&mut self, node: usize) {
        let st = self.nodes[node].st;
        let interval = self.scaled(st.interval_s);
        let Kind::Gateway(g) = &mut self.nodes[node].kind else {
            return;
        };
        let generation = match g.generation {
            None => st.seq0 & 0x0FFF,
            Some(x) => (x + 1) & 0x0FFF,
        };
        g.generation = Some(generation);
        g.beacons += 1;
        let seq = g.seq;
        g.seq = g.seq.wrapping_add(1);
        let pkt = MeshPacket {
            sender_station: st.id,
            sender_seq: seq,
            body: MeshBody::Beacon {
                gateway_id: st.id,
                cost: 0,
                flags: mesh::FLAG_ACCEPTING,
                generation,
            },
        };
        let t = self.now + interval;
        self.push(t, Ev::GatewayBeacon { node });
        if let Ok(bytes) = pkt.to_bytes() {
            self.transmit(
                node,
                bytes,
                Meta::Beacon {
                    gw: st.id,
                    cost: 0,
                    generation,
                },
            );
        }
    }

    fn next_seq(&mut self, node: usize) -> u16 {
        match &mut self.nodes[node].kind {
            Kind::Relay(r) => {
                let s = r.seq;
                r.seq = r.seq.wrapping_add(1);
                s
            }
            Kind::Gateway(g) => {
                let s = g.seq;
                g.seq = g.seq.wrapping_add(1);
                s
            }
            Kind::Sensor(_) => 0,
        }
    }

    fn relay_active(&self, node: usize) -> bool {
        self.nodes[node].alive
            && matches!(&self.nodes[node].kind, Kind::Relay(r) if !r.shutting_down)
    }

    fn rebroadcast(&mut self, node: usize, gw: u16, generation: u16) {
        if !self.relay_active(node) {
            return;
        }
        let id = self.nodes[node].st.id;
        let Kind::Relay(r) = &self.nodes[node].kind else {
            return;
        };
        if r.parent.is_none() || r.gateway != Some(gw) {
            return;
        }
        let cost = r.cost;
        let seq = self.next_seq(node);
        let pkt = MeshPacket {
            sender_station: id,
            sender_seq: seq,
            body: MeshBody::Beacon {
                gateway_id: gw,
                cost,
                flags: mesh::FLAG_ACCEPTING,
                generation,
            },
        };
        if let Ok(bytes) = pkt.to_bytes() {
            if let Kind::Relay(r) = &mut self.nodes[node].kind {
                r.sent.beacons += 1;
            }
            self.transmit(
                node,
                bytes,
                Meta::Beacon {
                    gw,
                    cost,
                    generation,
                },
            );
        }
    }

    fn fresh_ms(&self) -> u64 {
        let p = &self.dep.protocol;
        let jitter = self.scaled(p.beacon_jitter_s.1);
        u64::from(p.beacon_timeout_rounds) * self.beacon_interval_ms + 2 * jitter
    }

    fn neighbour_report(&mut self, node: usize, periodic: bool) {
        if !self.relay_active(node) {
            return;
        }
        let st = self.nodes[node].st;
        if periodic {
            let t = self.now + self.scaled(st.interval_s);
            self.push(
                t,
                Ev::NeighbourReport {
                    node,
                    periodic: true,
                },
            );
        }
        let fresh = self.fresh_ms();
        let now = self.now;
        let Kind::Relay(r) = &self.nodes[node].kind else {
            return;
        };
        let mut nbs: Vec<Neighbour> = r
            .neighbours
            .iter()
            .filter(|n| now.saturating_sub(n.heard_ms) <= fresh)
            .map(|n| Neighbour {
                cost: n.cost,
                rssi_q4: mesh::rssi_to_q4(n.rssi.round() as i32),
                station_id: self.nodes[n.idx].st.id,
            })
            .collect();
        nbs.sort_unstable_by_key(|n| n.station_id);
        nbs.truncate(mesh::MAX_NEIGHBOURS);
        let parent = r.parent;
        let content = ReportContent {
            parent: parent.map_or(NONE_ID, |p| self.nodes[p].st.id),
            cost: if parent.is_some() { r.cost } else { 255 },
            gateway: if parent.is_some() {
                r.gateway.unwrap_or(NONE_ID)
            } else {
                NONE_ID
            },
            neighbours: nbs.iter().map(|n| n.station_id).collect(),
        };
        let seq = self.next_seq(node);
        let pkt = MeshPacket {
            sender_station: st.id,
            sender_seq: seq,
            body: MeshBody::NeighbourReport {
                parent_id: content.parent,
                my_cost: content.cost,
                gateway_id: content.gateway,
                neighbours: nbs,
            },
        };
        let Ok(bytes) = pkt.to_bytes() else { return };
        if let Kind::Relay(r) = &mut self.nodes[node].kind {
            r.sent.neighbour_reports += 1;
            r.reports.counts.sent += 1;
        }
        let data = Data {
            origin: node,
            session: 0,
            key: (st.id, seq),
            first_hop: None,
            report: Some(Arc::new(content)),
            bytes: Arc::new(bytes.clone()),
        };
        self.transmit(node, bytes, Meta::Report { to: parent, data });
    }

    fn send_ack(&mut self, node: usize, to: usize, fwd_seq: u16) {
        if !self.nodes[node].alive {
            return;
        }
        if let Kind::Relay(r) = &self.nodes[node].kind {
            if r.shutting_down {
                return;
            }
        }
        let seq = self.next_seq(node);
        let pkt = MeshPacket {
            sender_station: self.nodes[node].st.id,
            sender_seq: seq,
            body: MeshBody::Ack {
                fwd_station: self.nodes[to].st.id,
                fwd_seq,
            },
        };
        let Ok(bytes) = pkt.to_bytes() else { return };
        match &mut self.nodes[node].kind {
            Kind::Relay(r) => r.sent.acks += 1,
            Kind::Gateway(g) => g.acks += 1,
            Kind::Sensor(_) => {}
        }
        self.transmit(node, bytes, Meta::Ack { to, fwd_seq });
    }

    fn shutdown(&mut self, node: usize, left: u8) {
        if !self.nodes[node].alive {
            return;
        }
        let now = self.now;
        let Kind::Relay(r) = &mut self.nodes[node].kind else {
            return;
        };
        let first = !r.shutting_down;
        if first {
            r.shutting_down = true;
            r.failed_at_ms = Some(now);
            r.sent.dropped += r.pending.len() as u64;
            r.pending.clear();
            r.parent = None;
            r.gateway = None;
            r.routing_changed_ms = now;
        }
        r.sent.route_errors += 1;
        r.route_error_reason = Some(mesh::REASON_SHUTDOWN);
        if first {
            self.event(
                "relay_shutdown",
                node,
                format!("{} shuts down (battery exhausted)", self.tag(node)),
            );
        }
        self.send_route_error(node, mesh::REASON_SHUTDOWN);
        if left > 1 {
            let t = self.now + 1000;
            self.push(
                t,
                Ev::Shutdown {
                    node,
                    left: left - 1,
                },
            );
        } else {
            self.nodes[node].alive = false;
        }
    }

    fn send_route_error(&mut self, node: usize, reason: u8) {
        let seq = self.next_seq(node);
        let pkt = MeshPacket {
            sender_station: self.nodes[node].st.id,
            sender_seq: seq,
            body: MeshBody::RouteError { reason },
        };
        if let Ok(bytes) = pkt.to_bytes() {
            self.event(
                "route_error",
                node,
                format!(
                    "{} broadcasts ROUTE_ERROR {}",
                    self.tag(node),
                    mesh::reason_name(reason)
                ),
            );
            self.transmit(node, bytes, Meta::RouteError { reason, seq });
        }
    }

    fn reboot(&mut self, node: usize, reason: u8) {
        let now = self.now;
        let delay = self.rng.range_u64(3000, 8000);
        let Kind::Sensor(s) = &mut self.nodes[node].kind else {
            return;
        };
        s.state.reboot(now as i64, reason);
        s.epoch += 1;
        s.session += 1;
        s.restarts_in_run += 1;
        let epoch = s.epoch;
        let name = iotdata::tlv::REASON_NAMES
            .get(reason as usize)
            .copied()
            .unwrap_or("reserved");
        self.event(
            "sensor_reboot",
            node,
            format!("{} restarts ({name})", self.tag(node)),
        );
        self.push(now + delay, Ev::SensorReport { node, epoch });
    }

    // -----------------------------------------------------------------------
    // Receptions
    // -----------------------------------------------------------------------

    fn receive(&mut self, to: usize, tx: &Tx, rssi: f64) {
        if !self.nodes[to].alive {
            return;
        }
        match self.nodes[to].kind {
            Kind::Gateway(_) => self.gateway_receive(to, tx, rssi),
            Kind::Relay(_) => self.relay_receive(to, tx, rssi),
            Kind::Sensor(_) => {}
        }
    }

    fn gateway_receive(&mut self, gw: usize, tx: &Tx, rssi: f64) {
        let gw_id = self.nodes[gw].st.id;
        let from_id = self.nodes[tx.from].st.id;
        self.emit(gw_id, Some(rssi), tx.bytes.clone(), tx.meta.type_name());
        if let Kind::Gateway(g) = &mut self.nodes[gw].kind {
            g.frames += 1;
        }
        match &tx.meta {
            Meta::Sensor(d) => self.account(d, gw_id, gw_id),
            Meta::Report { data, .. } => self.account(data, from_id, gw_id),
            Meta::Forward {
                to, fwd_seq, inner, ..
            } => {
                self.account(inner, from_id, gw_id);
                if *to == gw {
                    let t = self.now + self.rng.range_u64(10, 30);
                    let (from, fwd_seq) = (tx.from, *fwd_seq);
                    self.push(
                        t,
                        Ev::SendAck {
                            node: gw,
                            to: from,
                            fwd_seq,
                        },
                    );
                }
            }
            Meta::RouteError { reason, seq } => {
                if let Kind::Relay(r) = &mut self.nodes[tx.from].kind {
                    r.route_error_heard = true;
                    if r.reported.fresh(*seq) {
                        r.reported.seq = Some(*seq);
                        r.reported.parent = None;
                        r.reported.orphan = true;
                        r.reported.route_error = Some(*reason);
                    }
                }
            }
            Meta::Beacon { .. } | Meta::Ack { .. } => {}
        }
    }

    /// Counts a copy of a data packet arriving at a gateway.
    fn account(&mut self, d: &Data, via: u16, gateway: u16) {
        let first_hop = d.first_hop.map(|i| self.nodes[i].st.id);
        let (origin, report_origin) = match &mut self.nodes[d.origin].kind {
            Kind::Sensor(s) => (&mut s.origin, None),
            Kind::Relay(r) => (&mut r.reports, Some(&mut r.reported)),
            Kind::Gateway(_) => return,
        };
        origin.counts.copies += 1;
        let key = (d.session, d.key.1);
        if origin.recent_set.contains(&key) {
            origin.counts.duplicates += 1;
            self.channel.duplicated += 1;
            return;
        }
        origin.recent_set.insert(key);
        origin.recent.push_back(key);
        if origin.recent.len() > DELIVERED_MEMORY {
            if let Some(old) = origin.recent.pop_front() {
                origin.recent_set.remove(&old);
            }
        }
        origin.counts.delivered += 1;
        origin.via = Some(via);
        origin.via_gateway = Some(gateway);
        origin.first_hop = first_hop;
        *origin.via_counts.entry(via).or_insert(0) += 1;
        if let Some(ses) = origin.sessions.get_mut(d.session as usize) {
            let off = u32::from(d.key.1.wrapping_sub(ses.truth.first_seq));
            ses.truth.delivered += 1;
            if let Some(max) = ses.max_off {
                if off < max {
                    origin.counts.out_of_order += 1;
                }
            }
            ses.min_off = Some(ses.min_off.map_or(off, |m| m.min(off)));
            ses.max_off = Some(ses.max_off.map_or(off, |m| m.max(off)));
        }
        if let (Some(rep), Some(content)) = (report_origin, &d.report) {
            if rep.fresh(d.key.1) {
                rep.seq = Some(d.key.1);
                rep.cost = Some(content.cost);
                rep.gateway = Some(content.gateway);
                rep.neighbours = content.neighbours.clone();
                if content.parent == NONE_ID {
                    rep.parent = None;
                    rep.orphan = true;
                } else {
                    rep.parent = Some(content.parent);
                    rep.orphan = false;
                    rep.route_error = None;
                }
            }
        }
    }

    fn relay_receive(&mut self, r: usize, tx: &Tx, rssi: f64) {
        if !self.relay_active(r) {
            return;
        }
        match &tx.meta {
            Meta::Sensor(d) => self.relay_hear_raw(r, d),
            Meta::Beacon {
                gw,
                cost,
                generation,
            } => self.process_beacon(r, tx.from, *gw, *cost, *generation, rssi),
            Meta::Forward {
                to,
                fwd_seq,
                ttl,
                inner,
                ..
            } => {
                // Trickle: somebody already forwarded this packet.
                let key = inner.key;
                if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                    let before = rs.pending.len();
                    rs.pending
                        .retain(|p| !(matches!(p.stage, Stage::Backoff) && p.data.key == key));
                    rs.sent.suppressed += (before - rs.pending.len()) as u64;
                }
                if *to == r {
                    self.touch_child(r, tx.from);
                    let t = self.now + self.rng.range_u64(10, 30);
                    self.push(
                        t,
                        Ev::SendAck {
                            node: r,
                            to: tx.from,
                            fwd_seq: *fwd_seq,
                        },
                    );
                    if *ttl <= 1 {
                        if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                            rs.sent.dropped += 1;
                        }
                    } else {
                        self.take_up(r, inner.clone(), ttl - 1);
                    }
                }
            }
            Meta::Ack { to, fwd_seq } => {
                if *to == r {
                    let fs = *fwd_seq;
                    if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                        rs.pending
                            .retain(|p| !matches!(p.stage, Stage::AwaitAck { fwd_seq, .. } if fwd_seq == fs));
                    }
                }
            }
            Meta::Report { to, data } => {
                if *to == Some(r) {
                    self.touch_child(r, tx.from);
                    let ttl = self.dep.protocol.ttl;
                    self.take_up(r, data.clone(), ttl);
                }
            }
            Meta::RouteError { .. } => {
                let from = tx.from;
                let is_parent =
                    matches!(&self.nodes[r].kind, Kind::Relay(rs) if rs.parent == Some(from));
                if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                    rs.neighbours.retain(|n| n.idx != from);
                    if is_parent && !rs.unreliable.contains(&from) {
                        rs.unreliable.push(from);
                    }
                }
                if is_parent {
                    self.reselect(r, "route_error");
                }
            }
        }
    }

    fn touch_child(&mut self, r: usize, child: usize) {
        let now = self.now;
        if let Kind::Relay(rs) = &mut self.nodes[r].kind {
            match rs.children.iter_mut().find(|c| c.0 == child) {
                Some(c) => c.1 = now,
                None => rs.children.push((child, now)),
            }
        }
    }

    /// A relay commits to forwarding `data` (from a child): dedup, then
    /// re-wrap after the turnaround delay.
    fn take_up(&mut self, r: usize, data: Data, ttl: u8) {
        let ring_size = self.dep.protocol.dedup_ring;
        let (lo, hi) = self.dep.protocol.relay_turnaround_ms;
        let delay = self.rng.range_u64(lo, hi);
        self.pending_ids += 1;
        let id = self.pending_ids;
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        if rs.ring.contains(&data.key) {
            return;
        }
        rs.ring.push_back(data.key);
        while rs.ring.len() > ring_size {
            rs.ring.pop_front();
        }
        rs.pending.push(Pending {
            id,
            data,
            ttl,
            stage: Stage::Turnaround,
        });
        let t = self.now + delay;
        self.push(t, Ev::ForwardFire { node: r, id });
    }

    fn relay_hear_raw(&mut self, r: usize, d: &Data) {
        let (lo, hi) = self.dep.protocol.forward_backoff_ms;
        let delay = self.rng.range_u64(lo, hi);
        let ttl = self.dep.protocol.ttl;
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        if rs.parent.is_none()
            || rs.ring.contains(&d.key)
            || rs.pending.iter().any(|p| p.data.key == d.key)
        {
            return;
        }
        self.pending_ids += 1;
        let id = self.pending_ids;
        let mut data = d.clone();
        data.first_hop = Some(r);
        rs.pending.push(Pending {
            id,
            data,
            ttl,
            stage: Stage::Backoff,
        });
        let t = self.now + delay;
        self.push(t, Ev::ForwardFire { node: r, id });
    }

    fn forward_fire(&mut self, r: usize, id: u64) {
        if !self.relay_active(r) {
            return;
        }
        let ring_size = self.dep.protocol.dedup_ring;
        let relay_id = self.nodes[r].st.id;
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        let Some(pos) = rs.pending.iter().position(|p| p.id == id) else {
            return;
        };
        if matches!(rs.pending[pos].stage, Stage::Backoff) {
            let key = rs.pending[pos].data.key;
            if rs.ring.contains(&key) {
                rs.pending.remove(pos);
                return;
            }
            rs.ring.push_back(key);
            while rs.ring.len() > ring_size {
                rs.ring.pop_front();
            }
        }
        let Some(parent) = rs.parent else {
            rs.pending.remove(pos);
            rs.sent.dropped += 1;
            return;
        };
        let seq = rs.seq;
        rs.seq = rs.seq.wrapping_add(1);
        let p = &mut rs.pending[pos];
        let ttl = p.ttl;
        let pkt = MeshPacket {
            sender_station: relay_id,
            sender_seq: seq,
            body: MeshBody::Forward {
                ttl,
                inner: p.data.bytes.as_ref().clone(),
            },
        };
        let Ok(bytes) = pkt.to_bytes() else {
            rs.pending.remove(pos);
            rs.sent.dropped += 1;
            return;
        };
        p.stage = Stage::AwaitAck {
            bytes: Arc::new(bytes.clone()),
            fwd_seq: seq,
            ttl,
            attempts: 1,
        };
        let inner = p.data.clone();
        rs.sent.forwards += 1;
        let t = self.now + airtime_ms(bytes.len()) + self.dep.protocol.ack_timeout_ms;
        self.push(
            t,
            Ev::AckTimeout {
                node: r,
                id,
                attempt: 1,
            },
        );
        self.transmit(
            r,
            bytes,
            Meta::Forward {
                to: parent,
                fwd_seq: seq,
                ttl,
                inner,
            },
        );
    }

    fn ack_timeout(&mut self, r: usize, id: u64, attempt: u32) {
        if !self.relay_active(r) {
            return;
        }
        let retries = self.dep.protocol.forward_retries;
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        let Some(pos) = rs.pending.iter().position(|p| p.id == id) else {
            return;
        };
        let Stage::AwaitAck { attempts, .. } = rs.pending[pos].stage else {
            return;
        };
        if attempts != attempt {
            return;
        }
        if attempts <= retries && rs.parent.is_some() {
            self.resend(r, id, attempts + 1);
            return;
        }
        // Retries exhausted: the parent is unreliable; promote the backup.
        if let Some(old) = rs.parent {
            rs.neighbours.retain(|n| n.idx != old);
            if !rs.unreliable.contains(&old) {
                rs.unreliable.push(old);
            }
        }
        self.reselect(r, "ack_timeout");
        let has_parent = matches!(&self.nodes[r].kind, Kind::Relay(rs) if rs.parent.is_some());
        if has_parent {
            self.resend(r, id, 1);
        } else if let Kind::Relay(rs) = &mut self.nodes[r].kind {
            rs.pending.retain(|p| p.id != id);
            rs.sent.dropped += 1;
        }
    }

    /// Retransmits a pending FORWARD (same bytes) to the current parent.
    fn resend(&mut self, r: usize, id: u64, attempts: u32) {
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        let Some(parent) = rs.parent else { return };
        let Some(p) = rs.pending.iter_mut().find(|p| p.id == id) else {
            return;
        };
        let Stage::AwaitAck {
            bytes,
            fwd_seq,
            ttl,
            ..
        } = p.stage.clone()
        else {
            return;
        };
        p.stage = Stage::AwaitAck {
            bytes: Arc::clone(&bytes),
            fwd_seq,
            ttl,
            attempts,
        };
        let inner = p.data.clone();
        rs.sent.retransmissions += 1;
        let t = self.now + airtime_ms(bytes.len()) + self.dep.protocol.ack_timeout_ms;
        self.push(
            t,
            Ev::AckTimeout {
                node: r,
                id,
                attempt: attempts,
            },
        );
        self.transmit(
            r,
            bytes.as_ref().clone(),
            Meta::Forward {
                to: parent,
                fwd_seq,
                ttl,
                inner,
            },
        );
    }

    fn process_beacon(
        &mut self,
        r: usize,
        from: usize,
        gw: u16,
        cost: u8,
        generation: u16,
        rssi: f64,
    ) {
        if cost == 255 {
            return;
        }
        let now = self.now;
        if let Kind::Relay(rs) = &mut self.nodes[r].kind {
            match rs.neighbours.iter_mut().find(|n| n.idx == from) {
                Some(n) => {
                    n.cost = cost;
                    n.gateway = gw;
                    n.rssi = 0.7 * n.rssi + 0.3 * rssi;
                    n.heard_ms = now;
                }
                None => rs.neighbours.push(Nb {
                    idx: from,
                    cost,
                    gateway: gw,
                    rssi,
                    heard_ms: now,
                }),
            }
            rs.unreliable.retain(|&u| u != from);
        }
        let changed = self.reselect(r, "beacon");
        let (lo, hi) = self.dep.protocol.beacon_jitter_s;
        let jitter_s = self.rng.range_f64(lo, hi);
        let jitter = self.scaled(jitter_s);
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return;
        };
        if rs.parent == Some(from) && rs.gateway == Some(gw) {
            let newer = rs
                .last_gen
                .get(&gw)
                .is_none_or(|&g| mesh::generation_newer(generation, g));
            if newer || changed {
                rs.last_gen.insert(gw, generation);
                let t = self.now + jitter;
                self.push(
                    t,
                    Ev::Rebroadcast {
                        node: r,
                        gw,
                        generation,
                    },
                );
            }
        }
    }

    /// Re-runs parent selection; returns whether parent, cost or tree changed.
    fn reselect(&mut self, r: usize, cause: &str) -> bool {
        if !self.relay_active(r) {
            return false;
        }
        let fresh = self.fresh_ms();
        let now = self.now;
        let p = self.dep.protocol;
        let Kind::Relay(rs) = &mut self.nodes[r].kind else {
            return false;
        };
        rs.children.retain(|c| now.saturating_sub(c.1) <= fresh);
        rs.neighbours
            .retain(|n| now.saturating_sub(n.heard_ms) <= fresh);
        let candidates: Vec<&Nb> = rs
            .neighbours
            .iter()
            .filter(|n| {
                n.rssi >= p.parent_rssi_floor_dbm
                    && n.cost < 254
                    && !rs.unreliable.contains(&n.idx)
                    && !rs.children.iter().any(|c| c.0 == n.idx)
            })
            .collect();
        let best = candidates.iter().copied().min_by(|a, b| {
            a.cost
                .cmp(&b.cost)
                .then(b.rssi.partial_cmp(&a.rssi).unwrap_or(Ordering::Equal))
                .then(a.idx.cmp(&b.idx))
        });
        let current = rs
            .parent
            .and_then(|pi| candidates.iter().copied().find(|n| n.idx == pi));
        let chosen = match (current, best) {
            (Some(cur), Some(b)) => {
                if b.cost < cur.cost
                    || (b.cost == cur.cost && b.rssi > cur.rssi + p.parent_hysteresis_db)
                {
                    Some(b)
                } else {
                    Some(cur)
                }
            }
            (None, b) => b,
            (Some(cur), None) => Some(cur),
        };
        let new_parent = chosen.map(|n| n.idx);
        let new_cost = chosen.map_or(255, |n| n.cost.saturating_add(1));
        let new_gw = chosen.map(|n| n.gateway);
        let old_parent = rs.parent;
        let changed = new_parent != old_parent || new_cost != rs.cost || new_gw != rs.gateway;
        if !changed {
            return false;
        }
        rs.parent = new_parent;
        rs.cost = new_cost;
        rs.gateway = new_gw;
        rs.routing_changed_ms = now;
        if new_parent != old_parent {
            rs.parent_changes += 1;
        }
        let parent_changed = new_parent != old_parent;
        let t = self.now + self.rng.range_u64(2000, 4000);
        self.push(
            t,
            Ev::NeighbourReport {
                node: r,
                periodic: false,
            },
        );
        if parent_changed {
            let name = |o: Option<usize>| o.map_or("none", |i| self.nodes[i].st.tag);
            match new_parent {
                Some(_) => {
                    let gw_tag = new_gw
                        .and_then(|g| self.by_id.get(&g))
                        .map_or("?", |&i| self.nodes[i].st.tag);
                    let detail = format!(
                        "{}: parent {} -> {} (cost {new_cost}, {gw_tag}) after {cause}",
                        self.tag(r),
                        name(old_parent),
                        name(new_parent)
                    );
                    self.event("parent_change", r, detail);
                }
                None => {
                    let detail = format!(
                        "{}: lost parent {} after {cause}; orphaned",
                        self.tag(r),
                        name(old_parent)
                    );
                    self.event("orphaned", r, detail);
                    if let Kind::Relay(rs) = &mut self.nodes[r].kind {
                        rs.sent.route_errors += 1;
                        rs.route_error_reason = Some(mesh::REASON_PARENT_LOST);
                    }
                    self.send_route_error(r, mesh::REASON_PARENT_LOST);
                }
            }
        }
        true
    }

    // -----------------------------------------------------------------------
    // Truth
    // -----------------------------------------------------------------------

    /// The ground truth now (see [`crate::truth`] for the counting rules).
    pub fn truth(&self) -> Truth {
        let id = |i: usize| self.nodes[i].st.id;
        let mut gateways = Vec::new();
        let mut relays = Vec::new();
        let mut sensors = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let st = n.st;
            match &n.kind {
                Kind::Gateway(g) => gateways.push(GatewayTruth {
                    id: st.id,
                    tag: st.tag.to_string(),
                    name: st.name.to_string(),
                    lat: st.lat,
                    lon: st.lon,
                    beacons_sent: g.beacons,
                    generation: g.generation,
                    frames: g.frames,
                    acks_sent: g.acks,
                }),
                Kind::Relay(r) => {
                    let up = n.alive && !r.shutting_down && r.parent.is_some();
                    let mut neighbours: Vec<u16> =
                        r.neighbours.iter().map(|nb| id(nb.idx)).collect();
                    neighbours.sort_unstable();
                    let mut reports = r.reports.counts.clone();
                    reports.lost = reports.sent.saturating_sub(reports.delivered);
                    relays.push(RelayTruth {
                        id: st.id,
                        tag: st.tag.to_string(),
                        name: st.name.to_string(),
                        lat: st.lat,
                        lon: st.lon,
                        alive: n.alive && !r.shutting_down,
                        failed_at_ms: r.failed_at_ms,
                        parent: if up { r.parent.map(id) } else { None },
                        cost: if up { Some(r.cost) } else { None },
                        gateway: if up { r.gateway } else { None },
                        neighbours,
                        parent_changes: r.parent_changes,
                        routing_changed_ms: r.routing_changed_ms,
                        reported_parent: r.reported.parent,
                        reported_cost: r.reported.cost,
                        reported_gateway: r.reported.gateway,
                        reported_neighbours: r.reported.neighbours.clone(),
                        reported_orphan: r.reported.orphan,
                        reported_route_error: r.reported.route_error,
                        route_error_heard: r.route_error_heard,
                        route_error_reason: r.route_error_reason,
                        reports,
                        sent: r.sent.clone(),
                    });
                }
                Kind::Sensor(s) => {
                    let mut counts = s.origin.counts.clone();
                    counts.lost = counts.sent.saturating_sub(counts.delivered);
                    let sessions: Vec<SessionTruth> = s
                        .origin
                        .sessions
                        .iter()
                        .map(|ses| {
                            let mut t = ses.truth.clone();
                            if let (Some(lo), Some(hi)) = (ses.min_off, ses.max_off) {
                                t.first_delivered_seq = Some(t.first_seq.wrapping_add(lo as u16));
                                t.last_delivered_seq = Some(t.first_seq.wrapping_add(hi as u16));
                                t.lost_in_span = u64::from(hi - lo + 1).saturating_sub(t.delivered);
                            }
                            t
                        })
                        .collect();
                    counts.lost_in_span = sessions.iter().map(|s| s.lost_in_span).sum();
                    let mut heard_by: Vec<u16> = n
                        .listeners
                        .iter()
                        .filter(|l| self.nodes[l.idx].alive && self.relay_or_gateway_up(l.idx))
                        .map(|l| id(l.idx))
                        .collect();
                    heard_by.sort_unstable();
                    let variant = s.state.kind.variant();
                    sensors.push(SensorTruth {
                        id: st.id,
                        tag: st.tag.to_string(),
                        name: st.name.to_string(),
                        kind: s.state.kind,
                        variant,
                        variant_name: self
                            .map
                            .get(variant)
                            .map(|v| v.name.clone())
                            .unwrap_or_default(),
                        lat: st.lat,
                        lon: st.lon,
                        interval_ms: s.interval_ms,
                        counts,
                        restarts_in_run: s.restarts_in_run,
                        restarts: s.state.restarts,
                        sessions,
                        next_seq: s.state.seq,
                        heard_by,
                        delivered_via: s.origin.via,
                        delivered_gateway: s.origin.via_gateway,
                        first_hop: s.origin.first_hop,
                        delivered_via_counts: s
                            .origin
                            .via_counts
                            .iter()
                            .map(|(k, v)| (*k, *v))
                            .collect(),
                        positions_sent: s.positions_sent,
                        tlvs_sent: s.tlvs_sent.iter().map(|(k, v)| (*k, *v)).collect(),
                    });
                }
            }
            let _ = i;
        }
        let mut channel = self.channel.clone();
        channel.frames_by_type = self
            .frames_by_type
            .iter()
            .map(|(k, v)| ((*k).to_string(), *v))
            .collect();
        Truth {
            seed: self.cfg.seed,
            rate: self.cfg.rate,
            deployment: self.dep.name.to_string(),
            start_unix_ms: self.start_unix_ms,
            now_ms: self.now,
            gateways,
            relays,
            sensors,
            channel,
            events: self.events.clone(),
        }
    }

    fn relay_or_gateway_up(&self, idx: usize) -> bool {
        match &self.nodes[idx].kind {
            Kind::Gateway(_) => true,
            Kind::Relay(r) => !r.shutting_down,
            Kind::Sensor(_) => false,
        }
    }

    /// Human-readable time of a simulated instant (`2026-03-14T07:05:00.000Z`).
    pub fn iso_time(&self, time_ms: u64) -> String {
        calendar::iso8601(self.start_unix_ms + time_ms as i64)
    }
}

//! The mesh topology as the receiver reconstructs it (spec Appendix G).
//!
//! Nodes are keyed by station id (12 bits, so at most [`MAX_NODES`]), each
//! with a [`Role`] that only ever rises: **Sensor** (sensor packets only),
//! **Relay** (sent any mesh packet: BEACON with cost > 0, FORWARD,
//! NEIGHBOUR_REPORT, ROUTE_ERROR, ACK, PING, PONG, reserved types; or named
//! as a parent or neighbour), **Gateway** (a BEACON with
//! `gateway_id == sender` and cost 0; any `gateway_id` in a BEACON or
//! NEIGHBOUR_REPORT; a neighbour advertising cost 0; a parent that is the
//! reporter's gateway; a receiver source whose name ends in a gateway id).
//!
//! Rules:
//!
//! * **BEACON** from `S` for gateway `G`, generation `g`, cost `c`: `G` is a
//!   gateway and its tree's newest generation advances to `g` if
//!   [`generation_newer`]. A relay's cost and gateway are taken from the
//!   beacon unless it is stale: same tree and an older generation (or the
//!   same generation with a higher cost), or another tree and a generation
//!   older than that tree's newest. Stale beacons are counted
//!   ([`Node::stale_reports`]) and change nothing.
//! * **NEIGHBOUR_REPORT** from `R`: cost, gateway and parent of `R` (parent
//!   [`PARENT_NONE`] makes it an orphan; any other parent clears the orphan
//!   state and the route error). Neighbour entries are merged into `R`'s
//!   list with the receive time; entries missing from later reports are
//!   kept until older than the neighbour expiry, and the list is capped at
//!   [`MAX_NEIGHBOURS_PER_NODE`] (oldest dropped).
//! * **ROUTE_ERROR** from `R`: orphan, parent cleared, reason recorded.
//! * NEIGHBOUR_REPORT and ROUTE_ERROR are ordered by the sender's mesh
//!   sequence: one up to [`MESH_REORDER_WINDOW`] behind the last applied,
//!   arriving within [`MESH_REORDER_MAX_MS`] of it, is stale (a report
//!   delayed in a FORWARD chain must not undo a newer route error) and is
//!   counted, not applied. Further behind, or later, it is taken as coming
//!   from a restarted node and applied.
//! * **Deliveries**: every packet's origin gets a "via" link to the node
//!   that delivered it: the FORWARD sender, else the gateway of the source.
//!   A sensor's gateway is its deliverer's.
//! * **FORWARD** first arrivals count on the sender ([`Node::forwarded`]).
//! * ACK, PING, PONG and reserved control types only count and refresh the
//!   sender's last-heard time.
//!
//! [`Topology::revision`] increases whenever the structure changes (a node
//! appears or changes role, cost, parent, gateway, orphan state or
//! attachment; an edge appears or disappears), not when only times,
//! counters or RSSI change.

use std::collections::BTreeMap;

use crate::mesh::{generation_newer, q4_to_rssi, reason_name, Neighbour, PARENT_NONE};

/// Most nodes (one per 12-bit station id).
pub const MAX_NODES: usize = 4096;
/// Most neighbour links kept per node (a NEIGHBOUR_REPORT carries at most 63).
pub const MAX_NEIGHBOURS_PER_NODE: usize = 63;
/// Most "via" links (delivering nodes) kept per node; the least recently
/// used is replaced.
pub const MAX_VIA_PER_NODE: usize = 16;
/// A NEIGHBOUR_REPORT or ROUTE_ERROR up to this many mesh sequences behind
/// the last one applied from the same node is stale.
pub const MESH_REORDER_WINDOW: u16 = 256;
/// A NEIGHBOUR_REPORT or ROUTE_ERROR behind the last one applied is only
/// stale when it arrives within this time of it (ms): longer than any
/// FORWARD chain's retries can delay a packet (the specification's ACK
/// timeouts are up to 30 s with 3 retries per hop).
pub const MESH_REORDER_MAX_MS: i64 = 120_000;
/// Default age after which a neighbour missing from a node's reports is
/// dropped (5 beacon intervals of 60 s, as the specification recommends
/// for relays' own tables).
pub const DEFAULT_NEIGHBOUR_EXPIRY_MS: i64 = 300_000;
/// Number of mesh control types (4-bit field).
pub const CTRL_TYPES: usize = 16;

/// What a node is. Ordered: a role only ever rises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sends sensor packets only.
    Sensor,
    /// Takes part in the mesh (relays; dual-role relays stay relays).
    Relay,
    /// Originates beacons (a tree's root).
    Gateway,
}

impl Role {
    /// `"sensor"`, `"relay"` or `"gateway"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sensor => "sensor",
            Role::Relay => "relay",
            Role::Gateway => "gateway",
        }
    }
}

/// A neighbour reported by a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighbourLink {
    /// The neighbour's station id.
    pub id: u16,
    /// Its advertised cost.
    pub cost: u8,
    /// RSSI code (0..=15).
    pub rssi_q4: u8,
    /// RSSI in dBm (`rssi_q4 * 5 - 120`).
    pub rssi_dbm: i32,
    /// Receive time of the last report listing it (unix ms).
    pub last_ms: i64,
}

/// A node that delivered packets of another (FORWARD sender or gateway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViaLink {
    /// The delivering node.
    pub id: u16,
    /// First arrivals delivered.
    pub first_arrivals: u64,
    /// Copies delivered.
    pub duplicates: u64,
    /// Last delivery (unix ms).
    pub last_ms: i64,
}

/// A ROUTE_ERROR received from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteErrorInfo {
    /// Reason code (0..=15).
    pub reason: u8,
    /// `parent_lost`, `overloaded`, `shutdown` or `reserved`.
    pub reason_name: &'static str,
    /// Receive time (unix ms).
    pub at_ms: i64,
}

/// The last beacon applied from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeaconInfo {
    /// The tree's gateway.
    pub gateway_id: u16,
    /// The sender's cost.
    pub cost: u8,
    /// Flags (bit 0: accepting forwards).
    pub flags: u8,
    /// Beacon round.
    pub generation: u16,
    /// Receive time (unix ms).
    pub at_ms: i64,
}

/// One node of the topology.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Station id (0..=4095).
    pub id: u16,
    /// Role.
    pub role: Role,
    /// Cost to the gateway (relays to it; 0 for a gateway), when known.
    pub cost: Option<u8>,
    /// Parent (from NEIGHBOUR_REPORT), `None` when unknown or orphaned.
    pub parent: Option<u16>,
    /// Last time a report confirmed the parent (unix ms).
    pub parent_ms: Option<i64>,
    /// The tree the node belongs to (a gateway's own id).
    pub gateway_id: Option<u16>,
    /// Gateways: the newest beacon round seen in their tree. Others: the
    /// round of the last beacon applied.
    pub generation: Option<u16>,
    /// The last beacon applied from this node.
    pub beacon: Option<BeaconInfo>,
    /// Orphaned (reported parent 0xFFF, or sent a ROUTE_ERROR).
    pub orphan: bool,
    /// The ROUTE_ERROR that orphaned it (cleared by a report with a parent).
    pub route_error: Option<RouteErrorInfo>,
    /// Reported neighbours, sorted by id.
    pub neighbours: Vec<NeighbourLink>,
    /// Nodes that delivered its packets, sorted by id.
    pub via: Vec<ViaLink>,
    /// The deliverer of its newest first arrival.
    pub attached_to: Option<u16>,
    /// First time the node was heard or mentioned (unix ms).
    pub first_seen_ms: i64,
    /// Last time a packet from it arrived (unix ms); `None` when only
    /// mentioned by others.
    pub last_heard_ms: Option<i64>,
    /// FORWARDs it sent (first arrivals).
    pub forwarded: u64,
    /// Sensor packets from it (first arrivals).
    pub sensor_packets: u64,
    /// Mesh packets from it (first arrivals).
    pub mesh_packets: u64,
    /// Copies of its packets.
    pub duplicates: u64,
    /// Mesh packets from it per control type (first arrivals).
    pub ctrl_counts: [u64; CTRL_TYPES],
    /// Stale beacons and reports ignored.
    pub stale_reports: u64,
    /// Mesh sequence and receive time of the last NEIGHBOUR_REPORT or
    /// ROUTE_ERROR applied.
    state: Option<(u16, i64)>,
}

impl Node {
    fn new(id: u16, role: Role, now_ms: i64) -> Node {
        Node {
            id,
            role,
            cost: None,
            parent: None,
            parent_ms: None,
            gateway_id: None,
            generation: None,
            beacon: None,
            orphan: false,
            route_error: None,
            neighbours: Vec::new(),
            via: Vec::new(),
            attached_to: None,
            first_seen_ms: now_ms,
            last_heard_ms: None,
            forwarded: 0,
            sensor_packets: 0,
            mesh_packets: 0,
            duplicates: 0,
            ctrl_counts: [0; CTRL_TYPES],
            stale_reports: 0,
            state: None,
        }
    }

    /// The neighbour entry for `id`.
    pub fn neighbour(&self, id: u16) -> Option<&NeighbourLink> {
        self.neighbours
            .binary_search_by_key(&id, |n| n.id)
            .ok()
            .and_then(|i| self.neighbours.get(i))
    }

    /// Whether beacons of this gateway say it accepts forwards (flag bit 0).
    pub fn accepting(&self) -> Option<bool> {
        self.beacon
            .map(|b| b.flags & crate::mesh::FLAG_ACCEPTING != 0)
    }

    /// Whether a NEIGHBOUR_REPORT / ROUTE_ERROR with mesh sequence `seq`
    /// received at `rx_ms` is not older than the last one applied.
    fn fresh(&self, seq: u16, rx_ms: i64) -> bool {
        self.state.is_none_or(|(last, at)| {
            !(1..=MESH_REORDER_WINDOW).contains(&last.wrapping_sub(seq))
                || rx_ms.saturating_sub(at) > MESH_REORDER_MAX_MS
        })
    }
}

/// The kind of an [`Edge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// Child -> parent (NEIGHBOUR_REPORT `parent_id`).
    Parent,
    /// Reporter -> neighbour (NEIGHBOUR_REPORT entries).
    Neighbour,
    /// Origin -> the node that delivered its packets (FORWARD sender, or
    /// the gateway of the source for direct reception).
    Via,
}

impl EdgeKind {
    /// `"parent"`, `"neighbour"` or `"via"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Parent => "parent",
            EdgeKind::Neighbour => "neighbour",
            EdgeKind::Via => "via",
        }
    }
}

/// A directed edge of the topology snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Kind.
    pub kind: EdgeKind,
    /// From (child, reporter, origin).
    pub from: u16,
    /// To (parent, neighbour, deliverer).
    pub to: u16,
    /// Parent and neighbour edges: the advertised cost of `to` when known.
    pub cost: Option<u8>,
    /// Parent and neighbour edges: RSSI of `to` as `from` hears it, dBm.
    pub rssi_dbm: Option<i32>,
    /// Last confirmation (unix ms), for ageing in a UI.
    pub last_ms: i64,
    /// Via edges: packets delivered (first arrivals and copies); else 0.
    pub count: u64,
}

/// The reconstructed topology. See the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    nodes: BTreeMap<u16, Node>,
    revision: u64,
    neighbour_expiry_ms: i64,
}

impl Default for Topology {
    fn default() -> Self {
        Topology::new(DEFAULT_NEIGHBOUR_EXPIRY_MS)
    }
}

impl Topology {
    /// An empty topology dropping unreported neighbours after
    /// `neighbour_expiry_ms`.
    pub fn new(neighbour_expiry_ms: i64) -> Topology {
        Topology {
            nodes: BTreeMap::new(),
            revision: 0,
            neighbour_expiry_ms: neighbour_expiry_ms.max(0),
        }
    }

    /// Nodes sorted by id.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.nodes.values()
    }

    /// The node `id`.
    pub fn node(&self, id: u16) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Increases on every structural change (see the module documentation).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Gateway nodes, sorted by id.
    pub fn gateways(&self) -> impl Iterator<Item = &Node> + '_ {
        self.nodes.values().filter(|n| n.role == Role::Gateway)
    }

    /// Non-gateway nodes of `gateway`'s tree, sorted by id.
    pub fn members(&self, gateway: u16) -> impl Iterator<Item = &Node> + '_ {
        self.nodes
            .values()
            .filter(move |n| n.gateway_id == Some(gateway) && n.id != gateway)
    }

    /// Orphaned nodes, sorted by id.
    pub fn orphans(&self) -> impl Iterator<Item = &Node> + '_ {
        self.nodes.values().filter(|n| n.orphan)
    }

    /// All edges: for each node in id order, its parent edge, then its
    /// neighbour edges, then its via edges, each by target id.
    pub fn edges(&self) -> Vec<Edge> {
        let mut out = Vec::new();
        for n in self.nodes.values() {
            if let Some(p) = n.parent {
                let link = n.neighbour(p);
                out.push(Edge {
                    kind: EdgeKind::Parent,
                    from: n.id,
                    to: p,
                    cost: link
                        .map(|l| l.cost)
                        .or_else(|| self.nodes.get(&p).and_then(|x| x.cost)),
                    rssi_dbm: link.map(|l| l.rssi_dbm),
                    last_ms: n.parent_ms.unwrap_or(n.first_seen_ms),
                    count: 0,
                });
            }
            out.extend(n.neighbours.iter().map(|l| Edge {
                kind: EdgeKind::Neighbour,
                from: n.id,
                to: l.id,
                cost: Some(l.cost),
                rssi_dbm: Some(l.rssi_dbm),
                last_ms: l.last_ms,
                count: 0,
            }));
            out.extend(n.via.iter().map(|v| Edge {
                kind: EdgeKind::Via,
                from: n.id,
                to: v.id,
                cost: None,
                rssi_dbm: None,
                last_ms: v.last_ms,
                count: v.first_arrivals.saturating_add(v.duplicates),
            }));
        }
        out
    }

    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.revision = self.revision.wrapping_add(1);
    }

    fn bump(&mut self, changed: bool) {
        if changed {
            self.revision = self.revision.wrapping_add(1);
        }
    }

    /// The node `id` (masked to 12 bits), created with `role` if absent;
    /// its role is raised to `role`. Bumps the revision on either change.
    fn ensure(&mut self, id: u16, role: Role, now_ms: i64) -> &mut Node {
        let id = id & 0x0FFF;
        let revision = &mut self.revision;
        let node = self.nodes.entry(id).or_insert_with(|| {
            *revision = revision.wrapping_add(1);
            Node::new(id, role, now_ms)
        });
        if node.role < role {
            node.role = role;
            *revision = revision.wrapping_add(1);
        }
        node
    }

    fn heard(&mut self, id: u16, role: Role, rx_ms: i64) -> &mut Node {
        let n = self.ensure(id, role, rx_ms);
        n.last_heard_ms = Some(n.last_heard_ms.map_or(rx_ms, |t| t.max(rx_ms)));
        n
    }

    /// A source whose name carries gateway id `id` delivered a frame.
    pub(crate) fn source_gateway(&mut self, id: u16, rx_ms: i64) {
        let n = self.heard(id, Role::Gateway, rx_ms);
        let changed = n.gateway_id != Some(n.id) || n.cost != Some(0);
        n.gateway_id = Some(n.id);
        n.cost = Some(0);
        self.bump(changed);
    }

    /// A sensor packet from `id` arrived (first arrival or copy).
    pub(crate) fn sensor_heard(&mut self, id: u16, rx_ms: i64, first: bool) {
        let n = self.heard(id, Role::Sensor, rx_ms);
        if first {
            n.sensor_packets = n.sensor_packets.saturating_add(1);
        } else {
            n.duplicates = n.duplicates.saturating_add(1);
        }
    }

    /// A mesh packet of `ctrl_type` from `id` arrived (first arrival or copy).
    pub(crate) fn mesh_heard(&mut self, id: u16, ctrl_type: u8, rx_ms: i64, first: bool) {
        let n = self.heard(id, Role::Relay, rx_ms);
        if first {
            n.mesh_packets = n.mesh_packets.saturating_add(1);
            if let Some(c) = n.ctrl_counts.get_mut(usize::from(ctrl_type)) {
                *c = c.saturating_add(1);
            }
        } else {
            n.duplicates = n.duplicates.saturating_add(1);
        }
    }

    /// `deliverer` (FORWARD sender or source gateway) delivered a packet of
    /// `origin`.
    pub(crate) fn delivery(&mut self, origin: u16, deliverer: u16, rx_ms: i64, first: bool) {
        let (origin, deliverer) = (origin & 0x0FFF, deliverer & 0x0FFF);
        if origin == deliverer {
            return;
        }
        let deliverer_tree = self.nodes.get(&deliverer).and_then(|d| {
            if d.role == Role::Gateway {
                Some(d.id)
            } else {
                d.gateway_id
            }
        });
        let Some(n) = self.nodes.get_mut(&origin) else {
            return;
        };
        let mut changed = false;
        if n.via.binary_search_by_key(&deliverer, |v| v.id).is_err() {
            changed = true;
            if n.via.len() >= MAX_VIA_PER_NODE {
                let oldest = n
                    .via
                    .iter()
                    .enumerate()
                    .min_by_key(|(j, v)| (v.last_ms, *j))
                    .map_or(0, |(j, _)| j);
                n.via.remove(oldest);
            }
            let at = n
                .via
                .binary_search_by_key(&deliverer, |v| v.id)
                .unwrap_or_else(|e| e);
            n.via.insert(
                at.min(n.via.len()),
                ViaLink {
                    id: deliverer,
                    first_arrivals: 0,
                    duplicates: 0,
                    last_ms: rx_ms,
                },
            );
        }
        let i = n
            .via
            .binary_search_by_key(&deliverer, |v| v.id)
            .unwrap_or(usize::MAX);
        if let Some(v) = n.via.get_mut(i) {
            v.last_ms = v.last_ms.max(rx_ms);
            if first {
                v.first_arrivals = v.first_arrivals.saturating_add(1);
            } else {
                v.duplicates = v.duplicates.saturating_add(1);
            }
        }
        if first {
            changed |= n.attached_to != Some(deliverer);
            n.attached_to = Some(deliverer);
            if n.role == Role::Sensor && deliverer_tree.is_some() && n.gateway_id != deliverer_tree
            {
                n.gateway_id = deliverer_tree;
                changed = true;
            }
        }
        self.bump(changed);
    }

    /// A FORWARD from `id` arrived for the first time.
    pub(crate) fn forwarded(&mut self, id: u16) {
        if let Some(n) = self.nodes.get_mut(&(id & 0x0FFF)) {
            n.forwarded = n.forwarded.saturating_add(1);
        }
    }

    /// A BEACON (see the module documentation).
    pub(crate) fn beacon(
        &mut self,
        sender: u16,
        gateway_id: u16,
        cost: u8,
        flags: u8,
        generation: u16,
        rx_ms: i64,
    ) {
        let (sender, gateway_id) = (sender & 0x0FFF, gateway_id & 0x0FFF);
        let info = BeaconInfo {
            gateway_id,
            cost,
            flags,
            generation,
            at_ms: rx_ms,
        };
        // The tree's newest round, before this beacon.
        let tree_gen = self.nodes.get(&gateway_id).and_then(|g| g.generation);
        {
            let g = self.ensure(gateway_id, Role::Gateway, rx_ms);
            let mut changed = g.gateway_id != Some(gateway_id) || g.cost != Some(0);
            g.gateway_id = Some(gateway_id);
            g.cost = Some(0);
            if tree_gen.is_none_or(|t| generation_newer(generation, t)) {
                g.generation = Some(generation);
            }
            if sender == gateway_id && cost == 0 {
                if g.beacon
                    .is_some_and(|b| generation_newer(b.generation, generation))
                {
                    g.stale_reports = g.stale_reports.saturating_add(1);
                } else {
                    changed |= g.orphan || g.parent.is_some();
                    g.beacon = Some(info);
                    g.orphan = false;
                    g.route_error = None;
                    g.parent = None;
                }
                self.bump(changed);
                return;
            }
            self.bump(changed);
        }
        let n = self.ensure(sender, Role::Relay, rx_ms);
        let stale = match n.beacon {
            Some(b) if b.gateway_id == gateway_id => {
                !(generation_newer(generation, b.generation)
                    || (generation == b.generation && cost <= b.cost))
            }
            _ => tree_gen.is_some_and(|t| generation_newer(t, generation)),
        };
        if stale {
            n.stale_reports = n.stale_reports.saturating_add(1);
            return;
        }
        let changed = n.cost != Some(cost) || n.gateway_id != Some(gateway_id);
        n.cost = Some(cost);
        n.gateway_id = Some(gateway_id);
        n.generation = Some(generation);
        n.beacon = Some(info);
        self.bump(changed);
    }

    /// A NEIGHBOUR_REPORT (see the module documentation).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn neighbour_report(
        &mut self,
        sender: u16,
        seq: u16,
        parent_id: u16,
        my_cost: u8,
        gateway_id: u16,
        neighbours: &[Neighbour],
        rx_ms: i64,
    ) {
        let sender = sender & 0x0FFF;
        let gateway_id = gateway_id & 0x0FFF;
        if !self.ensure(sender, Role::Relay, rx_ms).fresh(seq, rx_ms) {
            if let Some(n) = self.nodes.get_mut(&sender) {
                n.stale_reports = n.stale_reports.saturating_add(1);
            }
            return;
        }
        // 0xFFF (like a parent of 0xFFF) means "no gateway": an orphaned relay.
        let gateway = (gateway_id != PARENT_NONE).then_some(gateway_id);
        // Referenced nodes first (they may be created).
        if let Some(gateway_id) = gateway {
            let g = self.ensure(gateway_id, Role::Gateway, rx_ms);
            let c = g.gateway_id != Some(gateway_id) || g.cost != Some(0);
            g.gateway_id = Some(gateway_id);
            g.cost = Some(0);
            self.bump(c);
        }
        let parent = (parent_id != PARENT_NONE && parent_id & 0x0FFF != sender)
            .then_some(parent_id & 0x0FFF);
        if let Some(p) = parent {
            let role = if p == gateway_id {
                Role::Gateway
            } else {
                Role::Relay
            };
            self.ensure(p, role, rx_ms);
        }
        for nb in neighbours {
            let id = nb.station_id & 0x0FFF;
            if id != sender && id != PARENT_NONE {
                let role = if nb.cost == 0 {
                    Role::Gateway
                } else {
                    Role::Relay
                };
                self.ensure(id, role, rx_ms);
            }
        }
        let expiry = self.neighbour_expiry_ms;
        let Some(n) = self.nodes.get_mut(&sender) else {
            return;
        };
        n.state = Some((seq, rx_ms));
        let mut changed = n.cost != Some(my_cost) || n.gateway_id != gateway;
        n.cost = Some(my_cost);
        n.gateway_id = gateway;
        match parent {
            Some(p) => {
                changed |= n.parent != Some(p) || n.orphan;
                n.parent = Some(p);
                n.parent_ms = Some(rx_ms);
                n.orphan = false;
                n.route_error = None;
            }
            None if parent_id == PARENT_NONE => {
                changed |= n.parent.is_some() || !n.orphan;
                n.parent = None;
                n.orphan = true;
            }
            None => {} // names itself as parent: ignored
        }
        for nb in neighbours {
            let id = nb.station_id & 0x0FFF;
            if id == sender || id == PARENT_NONE {
                continue;
            }
            let link = NeighbourLink {
                id,
                cost: nb.cost,
                rssi_q4: nb.rssi_q4,
                rssi_dbm: q4_to_rssi(nb.rssi_q4),
                last_ms: rx_ms,
            };
            match n.neighbours.binary_search_by_key(&id, |l| l.id) {
                Ok(i) => {
                    if let Some(l) = n.neighbours.get_mut(i) {
                        changed |= l.cost != link.cost;
                        *l = link;
                    }
                }
                Err(i) => {
                    n.neighbours.insert(i.min(n.neighbours.len()), link);
                    changed = true;
                }
            }
        }
        let before = n.neighbours.len();
        let cutoff = rx_ms.saturating_sub(expiry);
        n.neighbours.retain(|l| l.last_ms >= cutoff);
        while n.neighbours.len() > MAX_NEIGHBOURS_PER_NODE {
            let oldest = n
                .neighbours
                .iter()
                .enumerate()
                .min_by_key(|(i, l)| (l.last_ms, *i))
                .map_or(0, |(i, _)| i);
            n.neighbours.remove(oldest);
        }
        changed |= n.neighbours.len() != before;
        self.bump(changed);
    }

    /// A ROUTE_ERROR (see the module documentation).
    pub(crate) fn route_error(&mut self, sender: u16, seq: u16, reason: u8, rx_ms: i64) {
        let n = self.ensure(sender, Role::Relay, rx_ms);
        if !n.fresh(seq, rx_ms) {
            n.stale_reports = n.stale_reports.saturating_add(1);
            return;
        }
        n.state = Some((seq, rx_ms));
        let changed =
            !n.orphan || n.parent.is_some() || n.route_error.map(|r| r.reason) != Some(reason);
        n.orphan = true;
        n.parent = None;
        n.route_error = Some(RouteErrorInfo {
            reason,
            reason_name: reason_name(reason),
            at_ms: rx_ms,
        });
        self.bump(changed);
    }
}

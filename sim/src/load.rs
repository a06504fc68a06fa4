//! Synthetic traffic at the protocol's full size, for load benchmarks (the
//! `iotdata-load` binary publishes it; `e2e/load.test.mjs` measures the
//! dashboard under it).
//!
//! Unlike [`crate::Simulation`] there is no radio model and no timing: a
//! scenario is one fixed **round** of frames, replayed forever with every
//! sequence number, beacon generation and reading moving on. Frames are
//! what gateways would publish on `<prefix>/raw/<gateway>`; sensor packets
//! use the built-in default variant map (variant 0 `weather_station`), so
//! the dashboard decodes them without a `map=` setting.
//!
//! | scenario | nodes | one round |
//! |---|---|---|
//! | [`Scenario::Stations`] | 4,095 weather stations (ids 1-4095), heard by gateway 0 | one full weather packet (12 fields, position and datetime included) per station |
//! | [`Scenario::Mesh`] | gateways 1, 2; 64 relays (3-66) in two trees up to 3 deep; 4,000 weather stations (67-4066) | a BEACON from each gateway and relay, a NEIGHBOUR_REPORT of 63 neighbours from each relay, and each station's packet in a FORWARD from its relay |
//! | [`Scenario::Worst`] | gateways 1, 2; 4,093 relays (3-4095) in two trees up to 4 deep | a BEACON from each gateway, then from each relay a NEIGHBOUR_REPORT of 63 neighbours and its own weather packet (dual-role relays) |
//!
//! ```
//! use iotdata::frame::decode_frame;
//! use iotdata::{DecodeOptions, VariantMap};
//! use iotdata_sim::load::{LoadGen, Scenario};
//!
//! let mut g = LoadGen::new(Scenario::Mesh, 1_773_471_600_000);
//! assert_eq!(g.round_len(), 2 + 64 + 64 + 4000);
//! let map = VariantMap::default_map();
//! for _ in 0..g.round_len() {
//!     let f = g.next_frame(1_773_471_600_000);
//!     decode_frame(&f.bytes, &map, DecodeOptions::STRICT).unwrap();
//! }
//! ```

use iotdata::mesh::{self, MeshBody, MeshPacket, Neighbour};
use iotdata::{Encoder, FieldValue, VariantMap};

use crate::calendar;

/// Stations in [`Scenario::Stations`] (every 12-bit id but 0).
pub const STATIONS_SCENARIO_STATIONS: u16 = 4095;
/// The gateway id (topic) of [`Scenario::Stations`]; no station uses it.
pub const STATIONS_SCENARIO_GATEWAY: u16 = 0;
/// Gateways of the mesh scenarios.
pub const MESH_GATEWAYS: [u16; 2] = [1, 2];
/// Relays in [`Scenario::Mesh`].
pub const MESH_RELAYS: u16 = 64;
/// Stations reached through FORWARDs in [`Scenario::Mesh`].
pub const MESH_SENSORS: u16 = 4000;
/// Relays in [`Scenario::Worst`] (every id but 0 and the gateways).
pub const WORST_RELAYS: u16 = 4093;
/// First relay id of the mesh scenarios (relays are numbered on from it).
pub const FIRST_RELAY: u16 = 3;
/// Children per node in the relay trees of [`Scenario::Mesh`].
pub const MESH_FANOUT: usize = 4;
/// Children per node in the relay trees of [`Scenario::Worst`].
pub const WORST_FANOUT: usize = 8;
/// TTL of the FORWARDs.
pub const FORWARD_TTL: u8 = 8;

/// Which traffic to generate (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// (a) 4,095 weather stations.
    Stations,
    /// (b) 2 gateways, 64 relays reporting 63 neighbours, 4,000 stations
    /// reached through FORWARDs.
    Mesh,
    /// (c) 4,095 nodes: 2 gateways and 4,093 relays, each relay reporting
    /// 63 neighbours and sending its own weather packet.
    Worst,
}

impl Scenario {
    /// `stations`, `mesh` or `worst`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Stations => "stations",
            Scenario::Mesh => "mesh",
            Scenario::Worst => "worst",
        }
    }

    /// Sensor stations the dashboard's stations table ends up with.
    pub fn station_count(self) -> usize {
        match self {
            Scenario::Stations => usize::from(STATIONS_SCENARIO_STATIONS),
            Scenario::Mesh => usize::from(MESH_SENSORS),
            Scenario::Worst => usize::from(WORST_RELAYS),
        }
    }

    /// Nodes of the mesh topology (gateways, relays and sensors).
    pub fn node_count(self) -> usize {
        match self {
            Scenario::Stations => usize::from(STATIONS_SCENARIO_STATIONS) + 1,
            Scenario::Mesh => 2 + usize::from(MESH_RELAYS) + usize::from(MESH_SENSORS),
            Scenario::Worst => 2 + usize::from(WORST_RELAYS),
        }
    }
}

/// One frame as a gateway publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFrame {
    /// The receiving gateway (the topic's last level, 4 lowercase hex digits).
    pub gateway: u16,
    /// The frame (sensor or mesh).
    pub bytes: Vec<u8>,
}

/// A relay of the generated trees.
#[derive(Debug, Clone, PartialEq)]
pub struct Relay {
    /// Station id.
    pub id: u16,
    /// Its tree's gateway.
    pub gateway: u16,
    /// Its parent (a relay, or the gateway).
    pub parent: u16,
    /// Hops to the gateway (1 under the gateway).
    pub cost: u8,
    /// The neighbours it reports (at most [`mesh::MAX_NEIGHBOURS`], sorted
    /// by id; the parent always among them).
    pub neighbours: Vec<Neighbour>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// A bare weather packet from `station`, heard by `gateway`.
    Sensor { station: u16, gateway: u16 },
    /// A weather packet from `station` in a FORWARD from relay `relay`
    /// (index into the relays).
    Forwarded { station: u16, relay: usize },
    /// A BEACON round start from a gateway.
    GatewayBeacon { gateway: u16 },
    /// A relay's BEACON rebroadcast.
    RelayBeacon { relay: usize },
    /// A relay's NEIGHBOUR_REPORT.
    Report { relay: usize },
}

/// The generator: [`LoadGen::next_frame`] yields the scenario's frames in
/// order, round after round.
#[derive(Debug, Clone)]
pub struct LoadGen {
    scenario: Scenario,
    map: VariantMap,
    relays: Vec<Relay>,
    plan: Vec<Item>,
    pos: usize,
    round: u32,
    /// Per station id: the next sensor sequence number.
    seq: Vec<u16>,
    /// Per station id: the next mesh sequence number.
    mesh_seq: Vec<u16>,
    generation: u16,
    year_start_ms: i64,
}

/// The relay trees: `n` relays numbered from [`FIRST_RELAY`], alternately
/// in the trees of the two [`MESH_GATEWAYS`]; in each tree the first
/// `fanout` relays hang off the gateway and relay `k` off relay
/// `k / fanout - 1` (so a tree of `m` relays is about `log_fanout(m)`
/// deep). Each reports its parent and then the nearest mesh nodes by id
/// (gateways included) up to 63 neighbours.
pub fn relay_trees(n: u16, fanout: usize) -> Vec<Relay> {
    let n = usize::from(n);
    let fanout = fanout.max(1);
    let id_of = |j: usize| FIRST_RELAY + j as u16;
    // (gateway, parent index or None for the gateway) per relay index.
    let mut out: Vec<Relay> = Vec::with_capacity(n);
    for j in 0..n {
        let tree = j % 2;
        let k = j / 2;
        let gateway = MESH_GATEWAYS[tree];
        let (parent, cost) = if k < fanout {
            (gateway, 1)
        } else {
            let pj = (k / fanout - 1) * 2 + tree;
            let p = &out[pj];
            (p.id, p.cost.saturating_add(1))
        };
        out.push(Relay {
            id: id_of(j),
            gateway,
            parent,
            cost,
            neighbours: Vec::new(),
        });
    }
    // Mesh node ids: gateways 1, 2 and relays 3..3+n, so "nearest by id"
    // walks the contiguous range 1..=last.
    let last = FIRST_RELAY + n as u16 - 1;
    let cost_of = |id: u16, relays: &[Relay]| -> u8 {
        if MESH_GATEWAYS.contains(&id) {
            0
        } else {
            relays
                .get(usize::from(id - FIRST_RELAY))
                .map_or(255, |r| r.cost)
        }
    };
    let entry = |me: u16, id: u16, relays: &[Relay]| Neighbour {
        cost: cost_of(id, relays),
        rssi_q4: mesh::rssi_to_q4(-70 - 3 * i32::from(me.abs_diff(id)).min(16)),
        station_id: id,
    };
    let mut all_neighbours = Vec::with_capacity(n);
    for r in &out {
        let mut ids: Vec<u16> = vec![r.parent];
        let mut d = 1u16;
        while ids.len() < mesh::MAX_NEIGHBOURS && (r.id > d || r.id + d <= last) {
            for cand in [r.id.checked_sub(d), r.id.checked_add(d)]
                .into_iter()
                .flatten()
            {
                if (1..=last).contains(&cand)
                    && !ids.contains(&cand)
                    && ids.len() < mesh::MAX_NEIGHBOURS
                {
                    ids.push(cand);
                }
            }
            d += 1;
        }
        ids.sort_unstable();
        all_neighbours.push(
            ids.into_iter()
                .map(|id| entry(r.id, id, &out))
                .collect::<Vec<_>>(),
        );
    }
    for (r, nbs) in out.iter_mut().zip(all_neighbours) {
        r.neighbours = nbs;
    }
    out
}

/// A station's place on the map: a 64-column grid over Glen Nevis
/// (about 28 km north-south, 23 km east-west).
pub fn station_position(id: u16) -> (f64, f64) {
    let row = f64::from(id / 64);
    let col = f64::from(id % 64);
    (56.70 + row * 0.004, -5.25 + col * 0.006)
}

impl LoadGen {
    /// A generator for `scenario`; `start_unix_ms` only fixes the year the
    /// DATETIME fields count from.
    pub fn new(scenario: Scenario, start_unix_ms: i64) -> LoadGen {
        let (relays, plan) = match scenario {
            Scenario::Stations => {
                let plan = (1..=STATIONS_SCENARIO_STATIONS)
                    .map(|station| Item::Sensor {
                        station,
                        gateway: STATIONS_SCENARIO_GATEWAY,
                    })
                    .collect();
                (Vec::new(), plan)
            }
            Scenario::Mesh => {
                let relays = relay_trees(MESH_RELAYS, MESH_FANOUT);
                let mut plan: Vec<Item> = MESH_GATEWAYS
                    .iter()
                    .map(|&gateway| Item::GatewayBeacon { gateway })
                    .collect();
                plan.extend((0..relays.len()).map(|relay| Item::RelayBeacon { relay }));
                plan.extend((0..relays.len()).map(|relay| Item::Report { relay }));
                let first = FIRST_RELAY + MESH_RELAYS;
                plan.extend((0..MESH_SENSORS).map(|i| Item::Forwarded {
                    station: first + i,
                    relay: usize::from(i) % relays.len(),
                }));
                (relays, plan)
            }
            Scenario::Worst => {
                let relays = relay_trees(WORST_RELAYS, WORST_FANOUT);
                let mut plan: Vec<Item> = MESH_GATEWAYS
                    .iter()
                    .map(|&gateway| Item::GatewayBeacon { gateway })
                    .collect();
                for (j, r) in relays.iter().enumerate() {
                    plan.push(Item::Report { relay: j });
                    plan.push(Item::Sensor {
                        station: r.id,
                        gateway: r.gateway,
                    });
                }
                (relays, plan)
            }
        };
        let year = calendar::instant(start_unix_ms).year;
        LoadGen {
            scenario,
            map: VariantMap::default_map(),
            relays,
            plan,
            pos: 0,
            round: 0,
            seq: vec![0; 4096],
            mesh_seq: vec![0; 4096],
            generation: 1,
            year_start_ms: calendar::unix_ms(year, 1, 1, 0, 0, 0),
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// Frames per round.
    pub fn round_len(&self) -> usize {
        self.plan.len()
    }

    /// Rounds started so far (1 once the first frame was taken).
    pub fn rounds(&self) -> u32 {
        self.round
    }

    /// The relays (empty for [`Scenario::Stations`]).
    pub fn relays(&self) -> &[Relay] {
        &self.relays
    }

    /// The next frame; `now_unix_ms` goes into the DATETIME field.
    pub fn next_frame(&mut self, now_unix_ms: i64) -> LoadFrame {
        if self.pos == 0 {
            self.round = self.round.wrapping_add(1);
            if self.round > 1 {
                self.generation = (self.generation + 1) & 0x0FFF;
            }
        }
        let item = self.plan[self.pos % self.plan.len()];
        self.pos = (self.pos + 1) % self.plan.len();
        match item {
            Item::Sensor { station, gateway } => LoadFrame {
                gateway,
                bytes: self.weather(station, now_unix_ms),
            },
            Item::Forwarded { station, relay } => {
                let inner = self.weather(station, now_unix_ms);
                let (id, gateway) = (self.relays[relay].id, self.relays[relay].gateway);
                let body = MeshBody::Forward {
                    ttl: FORWARD_TTL,
                    inner,
                };
                LoadFrame {
                    gateway,
                    bytes: self.mesh(id, body),
                }
            }
            Item::GatewayBeacon { gateway } => {
                let body = MeshBody::Beacon {
                    gateway_id: gateway,
                    cost: 0,
                    flags: mesh::FLAG_ACCEPTING,
                    generation: self.generation,
                };
                LoadFrame {
                    gateway,
                    bytes: self.mesh(gateway, body),
                }
            }
            Item::RelayBeacon { relay } => {
                let r = &self.relays[relay];
                let (id, gateway) = (r.id, r.gateway);
                let body = MeshBody::Beacon {
                    gateway_id: gateway,
                    cost: r.cost,
                    flags: mesh::FLAG_ACCEPTING,
                    generation: self.generation,
                };
                LoadFrame {
                    gateway,
                    bytes: self.mesh(id, body),
                }
            }
            Item::Report { relay } => {
                let r = &self.relays[relay];
                let (id, gateway) = (r.id, r.gateway);
                let body = MeshBody::NeighbourReport {
                    parent_id: r.parent,
                    my_cost: r.cost,
                    gateway_id: gateway,
                    neighbours: r.neighbours.clone(),
                };
                LoadFrame {
                    gateway,
                    bytes: self.mesh(id, body),
                }
            }
        }
    }

    fn mesh(&mut self, sender: u16, body: MeshBody) -> Vec<u8> {
        let slot = &mut self.mesh_seq[usize::from(sender & 0x0FFF)];
        let sender_seq = *slot;
        *slot = slot.wrapping_add(1);
        MeshPacket {
            sender_station: sender,
            sender_seq,
            body,
        }
        .to_bytes()
        .unwrap_or_default()
    }

    /// A full weather packet (all 12 fields of the default map's variant 0)
    /// from `station`, its readings moving with the round.
    fn weather(&mut self, station: u16, now_unix_ms: i64) -> Vec<u8> {
        let slot = &mut self.seq[usize::from(station & 0x0FFF)];
        let seq = *slot;
        *slot = slot.wrapping_add(1);
        let secs = ((now_unix_ms - self.year_start_ms) / 1000).clamp(0, 366 * 86_400) as u32;
        encode_weather(&self.map, station, seq, secs).unwrap_or_default()
    }
}

/// One full weather packet: battery, link, environment, wind, rain, solar,
/// clouds, air quality, radiation, position, datetime and flags, with
/// readings that depend on the station and the sequence number.
pub fn encode_weather(
    map: &VariantMap,
    station: u16,
    seq: u16,
    secs_of_year: u32,
) -> Result<Vec<u8>, iotdata::EncodeError> {
    let s = i32::from(station);
    let q = i32::from(seq);
    let wave = ((s + q) % 40) as f32;
    let (lat, lon) = station_position(station);
    let mut e = Encoder::new(map, 0, station, seq)?;
    e.set(
        "battery",
        FieldValue::battery((40 + (s + q) % 60) as u8, q % 7 == 0)?,
    )?;
    e.set(
        "link",
        FieldValue::link(-110 + (s % 40), -5.0 + (q % 10) as f32)?,
    )?;
    e.set(
        "environment",
        FieldValue::environment(-5.0 + wave * 0.5, 980 + (s + q) % 60, 40 + (s % 50))?,
    )?;
    e.set(
        "wind",
        FieldValue::wind(wave * 0.5, (s * 7 + q * 3) % 360, wave * 0.8)?,
    )?;
    e.set("rain", FieldValue::rain((s + q) % 30, (q % 40) + 5)?)?;
    e.set("solar", FieldValue::solar((s * 13 + q) % 1000, q % 12)?)?;
    e.set("clouds", FieldValue::clouds((s + q) % 9)?)?;
    e.set(
        "air_quality",
        FieldValue::air_quality_index((s * 3 + q) % 300)?,
    )?;
    e.set(
        "radiation",
        FieldValue::radiation(10 + (s + q) % 90, 0.1 + wave * 0.01)?,
    )?;
    e.set("position", FieldValue::position(lat, lon)?)?;
    e.set("datetime", FieldValue::datetime(secs_of_year)?)?;
    e.set("flags", FieldValue::flags((q % 4) as u8)?)?;
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotdata::frame::{decode_frame, forward_inner, Frame};
    use iotdata::receiver::{Receiver, ReceiverConfig, Role};
    use iotdata::DecodeOptions;

    const T0: i64 = 1_773_471_600_000;

    fn feed(scenario: Scenario, rounds: usize) -> (Receiver, usize) {
        let mut g = LoadGen::new(scenario, T0);
        let map = VariantMap::default_map();
        let mut rx = Receiver::new(map.clone(), ReceiverConfig::default());
        let mut bytes_max = 0;
        for i in 0..g.round_len() * rounds {
            let f = g.next_frame(T0 + i as i64);
            bytes_max = bytes_max.max(f.bytes.len());
            let frame = decode_frame(&f.bytes, &map, DecodeOptions::STRICT)
                .unwrap_or_else(|e| panic!("{scenario:?} frame {i}: {e}"));
            if let Frame::Mesh(_) = &frame {
                if let Some(inner) = forward_inner(&frame) {
                    decode_frame(inner, &map, DecodeOptions::STRICT).unwrap();
                }
            }
            rx.ingest(
                &f.bytes,
                &format!("iotdata/raw/{:04x}", f.gateway),
                T0 + i as i64,
            );
        }
        (rx, bytes_max)
    }

    #[test]
    fn stations_scenario_gives_4095_stations() {
        let (rx, max) = feed(Scenario::Stations, 2);
        assert_eq!(rx.stations().count(), Scenario::Stations.station_count());
        assert_eq!(rx.stats().sensor_packets, 2 * 4095);
        assert_eq!(max, 32, "full weather packet");
        assert!(rx.station(4095).unwrap().position.is_some());
    }

    #[test]
    fn mesh_scenario_topology() {
        let (rx, _) = feed(Scenario::Mesh, 2);
        assert_eq!(rx.stations().count(), 4000);
        let topo = rx.topology();
        assert_eq!(topo.nodes().count(), Scenario::Mesh.node_count());
        let count = |role| topo.nodes().filter(|n| n.role == role).count();
        assert_eq!(count(Role::Gateway), 2);
        assert_eq!(count(Role::Relay), 64);
        assert_eq!(count(Role::Sensor), 4000);
        for r in relay_trees(MESH_RELAYS, MESH_FANOUT) {
            let n = topo.node(r.id).unwrap();
            assert_eq!(n.parent, Some(r.parent));
            assert_eq!(n.neighbours.len(), 63);
            assert!(r.cost <= 3);
        }
        // Every sensor attached to its relay.
        let s = topo.node(67).unwrap();
        assert_eq!(s.attached_to, Some(FIRST_RELAY));
    }

    #[test]
    fn worst_scenario_every_node_reports_63() {
        let relays = relay_trees(WORST_RELAYS, WORST_FANOUT);
        assert_eq!(relays.len(), 4093);
        assert!(relays.iter().all(|r| r.neighbours.len() == 63));
        assert!(relays
            .iter()
            .all(|r| r.neighbours.iter().any(|n| n.station_id == r.parent)));
        assert!(relays.iter().all(|r| r.cost <= 5));
        let (rx, max) = feed(Scenario::Worst, 1);
        assert_eq!(
            max,
            mesh::NEIGHBOUR_HDR_LEN + 63 * mesh::NEIGHBOUR_ENTRY_LEN
        );
        assert_eq!(rx.stations().count(), 4093);
        assert_eq!(rx.topology().nodes().count(), 4095);
    }

    #[test]
    fn rounds_move_sequences_and_generations() {
        let mut g = LoadGen::new(Scenario::Mesh, T0);
        let n = g.round_len();
        let first: Vec<LoadFrame> = (0..n).map(|_| g.next_frame(T0)).collect();
        let second: Vec<LoadFrame> = (0..n).map(|_| g.next_frame(T0)).collect();
        assert_eq!(g.rounds(), 2);
        assert!(first.iter().zip(&second).all(|(a, b)| a.bytes != b.bytes));
    }
}

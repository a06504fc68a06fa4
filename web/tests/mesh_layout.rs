//! The mesh layout ([`iotdata_web::mesh_layout`]): deterministic, layered by
//! cost, one tree per gateway, orphans in their own band, and stable
//! between updates.
//!
//! Topologies are built the real way: frames (BEACON, NEIGHBOUR_REPORT,
//! ROUTE_ERROR, FORWARD, sensor packets) fed to an `iotdata` receiver.
//!
//! They run natively (`cargo test -p iotdata-web --test mesh_layout`) and in
//! headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test mesh_layout`, with scripts/env.sh sourced).

use std::collections::BTreeMap;

use iotdata::mesh::{MeshBody, MeshPacket, Neighbour, PARENT_NONE, REASON_SHUTDOWN};
use iotdata::receiver::{Receiver, ReceiverConfig, Role, Topology};
use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::mesh_layout::{Band, Layout, LayoutNode, Positions, ViaInput};
// In the browser these are wasm-bindgen tests; natively, plain #[test]s.
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const GW1: u16 = 0x001;
const GW2: u16 = 0x002;
const HOP1: u16 = 0x101;
const HOP2: u16 = 0x102;
const HOP3: u16 = 0x103;
const HOP4: u16 = 0x104;
const HOP5: u16 = 0x105;
const T0: i64 = 1_773_471_600_000; // 2026-03-14 07:00 UTC

/// A receiver fed with hand-made frames, one second apart.
struct Net {
    rx: Receiver,
    t: i64,
    seq: BTreeMap<u16, u16>,
    map: VariantMap,
}

impl Net {
    fn new() -> Net {
        let map = VariantMap::default_map();
        Net {
            rx: Receiver::new(map.clone(), ReceiverConfig::default()),
            t: T0,
            seq: BTreeMap::new(),
            map,
        }
    }

    fn topology(&self) -> &Topology {
        self.rx.topology()
    }

    fn next_seq(&mut self, id: u16) -> u16 {
        let s = self.seq.entry(id).or_insert(0);
        *s = s.wrapping_add(1);
        *s
    }

    /// `frame` received by gateway `gw` (its feed carries its id).
    fn hear(&mut self, gw: u16, frame: &[u8]) {
        self.rx
            .ingest(frame, &format!("iotdata/raw/{gw:04X}"), self.t);
        self.t += 1_000;
    }

    fn mesh(&mut self, gw: u16, sender: u16, body: MeshBody) {
        let p = MeshPacket {
            sender_station: sender,
            sender_seq: self.next_seq(sender),
            body,
        };
        let bytes = p.to_bytes().expect("mesh packet encodes");
        self.hear(gw, &bytes);
    }

    fn beacon(&mut self, gw: u16, sender: u16, cost: u8, generation: u16) {
        self.mesh(
            gw,
            sender,
            MeshBody::Beacon {
                gateway_id: gw,
                cost,
                flags: 1,
                generation,
            },
        );
    }

    /// A NEIGHBOUR_REPORT of `relay` (heard by `gw`): neighbours as
    /// `(id, cost, rssi dBm)`.
    fn report(&mut self, gw: u16, relay: u16, parent: u16, cost: u8, nb: &[(u16, u8, i32)]) {
        let neighbours = nb
            .iter()
            .map(|&(id, cost, rssi)| Neighbour {
                cost,
                rssi_q4: iotdata::mesh::rssi_to_q4(rssi),
                station_id: id,
            })
            .collect();
        let gateway_id = if parent == PARENT_NONE {
            PARENT_NONE
        } else {
            gw
        };
        self.mesh(
            gw,
            relay,
            MeshBody::NeighbourReport {
                parent_id: parent,
                my_cost: cost,
                gateway_id,
                neighbours,
            },
        );
    }

    fn route_error(&mut self, gw: u16, relay: u16) {
        self.mesh(
            gw,
            relay,
            MeshBody::RouteError {
                reason: REASON_SHUTDOWN,
            },
        );
    }

    /// A sensor packet of `station`, heard by `gw` directly or forwarded by
    /// `via`.
    fn sensor(&mut self, gw: u16, station: u16, via: Option<u16>) {
        let seq = self.next_seq(station);
        let mut enc = Encoder::new(&self.map, 0, station, seq).expect("encoder");
        enc.add(FieldValue::battery(80, false).expect("battery"))
            .expect("add");
        let frame = enc.finish().expect("frame");
        match via {
            None => self.hear(gw, &frame),
            Some(relay) => self.mesh(
                gw,
                relay,
                MeshBody::Forward {
                    ttl: 3,
                    inner: frame,
                },
            ),
        }
    }
}

/// The simulator's deployment before HOP-1 fails: GW-1 <- HOP-1 <- HOP-2 <-
/// HOP-3 and GW-2 <- HOP-4 <- HOP-5, sensors under gateways and relays.
fn glen() -> Net {
    let mut n = Net::new();
    n.beacon(GW1, GW1, 0, 1);
    n.beacon(GW2, GW2, 0, 4085);
    n.beacon(GW1, HOP1, 1, 1);
    n.beacon(GW1, HOP2, 2, 1);
    n.beacon(GW1, HOP3, 3, 1);
    n.beacon(GW2, HOP4, 1, 4085);
    n.beacon(GW2, HOP5, 2, 4085);
    n.report(GW1, HOP1, GW1, 1, &[(GW1, 0, -80), (HOP2, 2, -95)]);
    n.report(
        GW1,
        HOP2,
        HOP1,
        2,
        &[(HOP1, 1, -95), (HOP3, 3, -90), (HOP5, 2, -110)],
    );
    n.report(GW1, HOP3, HOP2, 3, &[(HOP2, 2, -90), (HOP5, 2, -105)]);
    n.report(GW2, HOP4, GW2, 1, &[(GW2, 0, -75), (HOP5, 2, -100)]);
    n.report(GW2, HOP5, HOP4, 2, &[(HOP4, 1, -100), (HOP2, 2, -110)]);
    n.sensor(GW1, 0x201, None); // WS-1
    n.sensor(GW1, 0x241, None); // AQ-1
    n.sensor(GW1, 0x211, Some(HOP1)); // SM-1
    n.sensor(GW1, 0x212, Some(HOP2)); // SM-2
    n.sensor(GW1, 0x221, Some(HOP2)); // WL-1
    n.sensor(GW1, 0x202, Some(HOP3)); // WS-2
    n.sensor(GW1, 0x213, Some(HOP3)); // SM-3
    n.sensor(GW2, 0x251, None); // RM-1
    n.sensor(GW2, 0x262, Some(HOP4)); // CAM-2
    n.sensor(GW2, 0x231, Some(HOP5)); // SD-1
    n
}

/// No two nodes share a row closer than one column.
fn assert_no_overlap(p: &Positions) {
    let mut rows: BTreeMap<u32, Vec<(f64, u16)>> = BTreeMap::new();
    for n in p.nodes.values() {
        rows.entry(n.row).or_default().push((n.col, n.id));
    }
    for (row, mut v) in rows {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in v.windows(2) {
            assert!(
                w[1].0 - w[0].0 >= 1.0 - 1e-9,
                "row {row}: {:#x} at {} and {:#x} at {}",
                w[0].1,
                w[0].0,
                w[1].1,
                w[1].0
            );
        }
    }
}

#[wasm_bindgen_test]
fn rows_follow_cost_and_trees_by_gateway() {
    let net = glen();
    let mut l = Layout::new(true);
    let p = l.update(net.topology()).clone();
    assert_no_overlap(&p);
    let at = |id| *p.get(id).unwrap_or_else(|| panic!("{id:#x} placed"));
    for (id, band, row) in [
        (GW1, Band::Tree(GW1), 0),
        (GW2, Band::Tree(GW2), 0),
        (HOP1, Band::Tree(GW1), 1),
        (HOP2, Band::Tree(GW1), 2),
        (HOP3, Band::Tree(GW1), 3),
        (HOP4, Band::Tree(GW2), 1),
        (HOP5, Band::Tree(GW2), 2),
        (0x201, Band::Tree(GW1), 1),
        (0x211, Band::Tree(GW1), 2),
        (0x202, Band::Tree(GW1), 4),
        (0x231, Band::Tree(GW2), 3),
    ] {
        assert_eq!((at(id).band, at(id).row), (band, row), "{id:#x}");
    }
    assert_eq!(at(HOP2).parent, Some(HOP1));
    assert_eq!(at(0x202).parent, Some(HOP3));
    assert_eq!(at(0x201).parent, Some(GW1));
    // Gateways left to right by id; trees do not interleave.
    assert!(at(GW1).col < at(GW2).col);
    let (b1, b2) = (p.bands[0], p.bands[1]);
    assert_eq!((b1.band, b2.band), (Band::Tree(GW1), Band::Tree(GW2)));
    assert!(b1.col0 + b1.cols < b2.col0);
    for n in p.nodes.values() {
        let b = if n.band == b1.band { b1 } else { b2 };
        assert!(n.col >= b.col0 && n.col < b.col0 + b.cols, "{:#x}", n.id);
    }
    // A parent sits over its children's span (tidy tree).
    assert!(at(HOP3).col >= at(0x202).col && at(HOP3).col <= at(0x213).col);
    assert_eq!(p.bands.len(), 2, "no orphaned band without orphans");
}

#[wasm_bindgen_test]
fn same_topology_gives_identical_positions() {
    let net = glen();
    let mut l = Layout::new(true);
    let first = l.update(net.topology()).clone();
    let second = l.update(net.topology()).clone();
    assert_eq!(first, second);
    let fresh = Layout::new(true).update(net.topology()).clone();
    assert_eq!(first, fresh);
}

#[wasm_bindgen_test]
fn unrelated_updates_do_not_move_nodes() {
    let mut net = glen();
    let mut l = Layout::new(true);
    let before = l.update(net.topology()).coords();
    let rev = net.topology().revision();

    // New RSSI values and sensor packets: no structural change.
    net.report(
        GW1,
        HOP2,
        HOP1,
        2,
        &[(HOP1, 1, -70), (HOP3, 3, -115), (HOP5, 2, -100)],
    );
    net.sensor(GW1, 0x201, None);
    net.sensor(GW1, 0x212, Some(HOP2));
    net.sensor(GW2, 0x231, Some(HOP5));
    assert_eq!(net.topology().revision(), rev);
    assert_eq!(l.update(net.topology()).coords(), before);

    // A new sensor and a new relay in GW-2's tree, a new sensor under HOP-3.
    net.sensor(GW2, 0x203, Some(HOP5));
    net.beacon(GW2, 0x106, 3, 4086);
    net.report(GW2, 0x106, HOP5, 3, &[(HOP5, 2, -90)]);
    net.sensor(GW1, 0x214, Some(HOP3));
    let after = l.update(net.topology()).clone();
    assert_no_overlap(&after);
    for (id, c) in &before {
        assert_eq!(
            after.get(*id).map(|p| (p.col, p.row)),
            Some(*c),
            "{id:#x} moved"
        );
    }
    assert_eq!(
        after.get(0x106).map(|p| (p.band, p.row)),
        Some((Band::Tree(GW2), 3))
    );
    assert_eq!(after.get(0x203).map(|p| p.parent), Some(Some(HOP5)));
}

#[wasm_bindgen_test]
fn orphaned_relay_moves_to_its_band_and_children_follow() {
    let mut net = glen();
    let mut l = Layout::new(true);
    let before = l.update(net.topology()).clone();

    // HOP-1 shuts down: ROUTE_ERROR, heard by GW-1.
    net.route_error(GW1, HOP1);
    let p = l.update(net.topology()).clone();
    assert_no_overlap(&p);
    let hop1 = p.get(HOP1).expect("HOP-1 placed");
    assert_eq!(
        (hop1.band, hop1.row, hop1.parent),
        (Band::Orphaned, 1, None)
    );
    assert!(!hop1.follows_orphan);
    // HOP-2 still reports HOP-1 as parent (same tree): it follows, flagged,
    // and so do HOP-3 and the sensors they deliver.
    for id in [HOP2, HOP3, 0x211, 0x212, 0x202] {
        let n = p.get(id).expect("placed");
        assert_eq!(n.band, Band::Orphaned, "{id:#x}");
        assert!(n.follows_orphan, "{id:#x}");
    }
    assert_eq!(
        p.get(HOP2).map(|n| (n.parent, n.row)),
        Some((Some(HOP1), 2))
    );
    let ob = p.bands.last().expect("bands");
    assert_eq!(ob.band, Band::Orphaned);
    assert!(ob.col0 > p.bands[1].col0, "orphaned band on the right");
    // GW-1's tree lost most of its nodes: laid out afresh, compact, the
    // gateway over its remaining sensors.
    let (gw1, ws1, aq1) = (
        p.get(GW1).unwrap(),
        p.get(0x201).unwrap(),
        p.get(0x241).unwrap(),
    );
    assert_eq!(p.bands[0].band, Band::Tree(GW1));
    assert!(p.bands[0].cols <= 3.0, "compacted: {:?}", p.bands[0]);
    assert_eq!(gw1.col, (ws1.col + aq1.col) / 2.0);
    // GW-2's tree did not change: it keeps its shape, shifted as a whole.
    let shift = p.get(GW2).unwrap().col - before.get(GW2).unwrap().col;
    assert!(shift < 0.0);
    for id in [GW2, HOP4, HOP5, 0x251, 0x262, 0x231] {
        assert_eq!(
            p.get(id).map(|n| (n.col - shift, n.row)),
            before.get(id).map(|n| (n.col, n.row)),
            "{id:#x} moved within its tree"
        );
    }

    // HOP-2 fails over to HOP-5 (GW-2's tree, cost 3): it leaves the band.
    net.report(GW2, HOP2, HOP5, 3, &[(HOP5, 2, -110), (HOP3, 3, -90)]);
    let p = l.update(net.topology()).clone();
    assert_no_overlap(&p);
    let hop2 = p.get(HOP2).expect("placed");
    assert_eq!(
        (hop2.band, hop2.row, hop2.parent),
        (Band::Tree(GW2), 3, Some(HOP5))
    );
    assert!(!hop2.follows_orphan);
    // HOP-3 still claims GW-1's tree at cost 3 while its parent is now in
    // GW-2's: it waits in its own tree, on its cost's row, unattached...
    let hop3 = p.get(HOP3).expect("placed");
    assert_eq!(
        (hop3.band, hop3.row, hop3.parent),
        (Band::Tree(GW1), 3, None)
    );
    // ... until its own report moves it under HOP-2 (cost 4, row 4).
    net.report(GW2, HOP3, HOP2, 4, &[(HOP2, 3, -90)]);
    let p = l.update(net.topology()).clone();
    assert_no_overlap(&p);
    let hop3 = p.get(HOP3).expect("placed");
    assert_eq!(
        (hop3.band, hop3.row, hop3.parent),
        (Band::Tree(GW2), 4, Some(HOP2))
    );
    assert_eq!(p.get(HOP1).map(|n| n.band), Some(Band::Orphaned));

    // An orphan that reports no parent and no gateway stays in the band.
    net.report(GW1, HOP1, PARENT_NONE, 255, &[]);
    let p = l.update(net.topology()).clone();
    assert_eq!(
        p.get(HOP1).map(|n| (n.band, n.row)),
        Some((Band::Orphaned, 1))
    );
}

#[wasm_bindgen_test]
fn fresh_layout_ignores_insertion_order() {
    // The same network learnt in a different order (reports before
    // beacons, sensors first, trees interleaved differently).
    let mut b = Net::new();
    b.sensor(GW2, 0x251, None);
    b.beacon(GW2, GW2, 0, 4085);
    b.report(GW2, HOP5, HOP4, 2, &[(HOP4, 1, -100), (HOP2, 2, -110)]);
    b.report(GW2, HOP4, GW2, 1, &[(GW2, 0, -75), (HOP5, 2, -100)]);
    b.beacon(GW2, HOP5, 2, 4085);
    b.beacon(GW2, HOP4, 1, 4085);
    b.sensor(GW2, 0x231, Some(HOP5));
    b.sensor(GW2, 0x262, Some(HOP4));
    b.report(GW1, HOP3, HOP2, 3, &[(HOP2, 2, -90), (HOP5, 2, -105)]);
    b.report(
        GW1,
        HOP2,
        HOP1,
        2,
        &[(HOP1, 1, -95), (HOP3, 3, -90), (HOP5, 2, -110)],
    );
    b.report(GW1, HOP1, GW1, 1, &[(GW1, 0, -80), (HOP2, 2, -95)]);
    b.beacon(GW1, HOP3, 3, 1);
    b.beacon(GW1, HOP2, 2, 1);
    b.beacon(GW1, HOP1, 1, 1);
    b.beacon(GW1, GW1, 0, 1);
    for (s, via) in [
        (0x213, Some(HOP3)),
        (0x202, Some(HOP3)),
        (0x221, Some(HOP2)),
        (0x212, Some(HOP2)),
        (0x211, Some(HOP1)),
        (0x241, None),
        (0x201, None),
    ] {
        b.sensor(GW1, s, via);
    }
    let a = glen();
    let pa = Layout::new(true).update(a.topology()).coords();
    let pb = Layout::new(true).update(b.topology()).coords();
    assert_eq!(pa, pb);

    // And the order of the layout's own input does not matter either.
    let mut nodes = LayoutNode::from_topology(a.topology());
    nodes.reverse();
    let pc = Layout::new(true).update_nodes(&nodes).coords();
    assert_eq!(pa, pc);
}

#[wasm_bindgen_test]
fn hiding_sensors_gives_a_compact_tidy_layout_and_back() {
    let net = glen();
    let mut l = Layout::new(true);
    let with = l.update(net.topology()).clone();
    l.set_sensors(false);
    let without = l.update(net.topology()).clone();
    assert!(without.nodes.keys().all(|id| net
        .topology()
        .node(*id)
        .is_some_and(|n| n.role != Role::Sensor)));
    assert_eq!(without.nodes.len(), 7);
    assert_no_overlap(&without);
    assert!(without.cols < with.cols);
    assert_eq!(&without, Layout::new(false).update(net.topology()));
    // Relays keep their rows and parents.
    for (id, n) in &without.nodes {
        let w = with.get(*id).expect("placed with sensors");
        assert_eq!((n.band, n.row, n.parent), (w.band, w.row, w.parent));
    }
    l.set_sensors(true);
    assert_eq!(l.update(net.topology()), &with);
}

#[wasm_bindgen_test]
fn sensor_heard_by_two_nodes_does_not_hop() {
    let mut net = glen();
    let mut l = Layout::new(true);
    // SM-1 is heard by GW-1 directly and by HOP-1: whoever delivers first.
    for _ in 0..4 {
        net.sensor(GW1, 0x211, Some(HOP1));
    }
    let p0 = l.update(net.topology()).clone();
    assert_eq!(p0.get(0x211).and_then(|n| n.parent), Some(HOP1));
    for _ in 0..3 {
        net.sensor(GW1, 0x211, None);
        assert_eq!(
            l.update(net.topology()).get(0x211).and_then(|n| n.parent),
            Some(HOP1),
            "kept while HOP-1 still has most deliveries"
        );
    }
    // HOP-1 orphaned: SM-1 moves under GW-1, which still hears it.
    net.route_error(GW1, HOP1);
    let p = l.update(net.topology()).clone();
    assert_eq!(
        p.get(0x211).map(|n| (n.band, n.parent)),
        Some((Band::Tree(GW1), Some(GW1)))
    );
}

#[wasm_bindgen_test]
fn odd_inputs_do_not_break_the_layout() {
    // A parent cycle, a self-parent, an unknown parent, a relay of unknown
    // tree, a huge cost, a sensor never delivered.
    let relay = |id, parent: Option<u16>, gw: Option<u16>, cost: Option<u8>| LayoutNode {
        id,
        role: Role::Relay,
        cost,
        parent,
        gateway_id: gw,
        orphan: false,
        via: Vec::new(),
        attached_to: None,
    };
    let nodes = vec![
        LayoutNode {
            id: 1,
            role: Role::Gateway,
            cost: Some(0),
            parent: None,
            gateway_id: Some(1),
            orphan: false,
            via: Vec::new(),
            attached_to: None,
        },
        relay(10, Some(11), Some(1), Some(2)),
        relay(11, Some(10), Some(1), Some(2)),
        relay(12, Some(12), Some(1), Some(1)),
        relay(13, Some(999), Some(1), None),
        relay(14, None, None, None),
        relay(15, Some(1), Some(1), Some(250)),
        LayoutNode {
            id: 0x300,
            role: Role::Sensor,
            cost: None,
            parent: None,
            gateway_id: None,
            orphan: false,
            via: vec![ViaInput {
                id: 77,
                first_arrivals: 3,
                last_ms: T0,
            }],
            attached_to: Some(77),
        },
    ];
    let mut l = Layout::new(true);
    let p = l.update_nodes(&nodes).clone();
    assert_no_overlap(&p);
    assert_eq!(p.nodes.len(), nodes.len());
    assert!(p.get(10).is_some_and(|n| n.band == Band::Tree(1)));
    assert!(p.get(11).is_some_and(|n| n.band == Band::Tree(1)));
    assert_eq!(p.get(12).map(|n| (n.row, n.parent)), Some((1, None)));
    assert_eq!(p.get(13).map(|n| n.row), Some(1));
    assert_eq!(p.get(14).map(|n| n.band), Some(Band::Orphaned));
    assert_eq!(
        p.get(15).map(|n| n.row),
        Some(iotdata_web::mesh_layout::MAX_ROW)
    );
    assert_eq!(p.get(0x300).map(|n| n.band), Some(Band::Orphaned));
    assert_eq!(&p, l.update_nodes(&nodes));
}

/// The simulator's whole story (HOP-1 shuts down at 12 minutes, HOP-2 and
/// HOP-3 fail over to GW-2's tree), laid out every 10 simulated seconds:
/// never an overlap; a node moves only when its structure (band, row,
/// parent) changed or its tree was laid out afresh (discovery, the
/// failover); at the end every gateway and relay is placed, HOP-1 orphaned
/// in its band.
#[wasm_bindgen_test]
fn simulated_failover_story() {
    use iotdata_sim::{SimConfig, Simulation};
    let mut sim = Simulation::new(SimConfig::default());
    let mut rx = Receiver::new(iotdata_sim::sim_map(), ReceiverConfig::default());
    let mut l = Layout::new(true);
    let mut prev: Option<Positions> = None;
    let mut moved_at = std::collections::BTreeSet::new();
    // Every 10 simulated seconds (one wall second of the demo feed at x10).
    for step in 1..=180u64 {
        let minute = step / 6;
        for f in sim.advance(step * 10_000) {
            rx.ingest(
                &f.bytes,
                &format!("iotdata/raw/{:04x}", f.gateway),
                f.unix_ms,
            );
        }
        let p = l.update(rx.topology()).clone();
        assert_no_overlap(&p);
        if let Some(q) = &prev {
            for (id, n) in &p.nodes {
                let Some(o) = q.get(*id) else { continue };
                if (o.band, o.row, o.parent) == (n.band, n.row, n.parent) {
                    let shift = |pos: &Positions, b| {
                        pos.bands
                            .iter()
                            .find(|i| i.band == b)
                            .map_or(0.0, |i| i.col0)
                    };
                    // Same structure: same place within its band, unless
                    // that band was laid out afresh.
                    if n.col - shift(&p, n.band) != o.col - shift(q, o.band) {
                        moved_at.insert(minute);
                    }
                }
            }
        }
        prev = Some(p);
    }
    let p = prev.expect("laid out");
    for id in [GW1, GW2, HOP1, HOP2, HOP3, HOP4, HOP5] {
        assert!(p.get(id).is_some(), "{id:#x} placed");
    }
    assert_eq!(
        p.get(GW1).map(|n| (n.band, n.row)),
        Some((Band::Tree(GW1), 0))
    );
    assert_eq!(
        p.get(GW2).map(|n| (n.band, n.row)),
        Some((Band::Tree(GW2), 0))
    );
    assert_eq!(p.get(HOP1).map(|n| n.band), Some(Band::Orphaned));
    assert_eq!(
        p.get(HOP2).map(|n| (n.band, n.parent)),
        Some((Band::Tree(GW2), Some(HOP5)))
    );
    assert_eq!(p.get(HOP4).map(|n| (n.row, n.parent)), Some((1, Some(GW2))));
    // Kept nodes only moved while the network was being discovered (the
    // first minute) and when the failover re-laid the trees out.
    assert!(
        moved_at.iter().all(|m| *m == 0 || (12..=15).contains(m)),
        "nodes moved without a structural change at minutes {moved_at:?}"
    );
    // The same topology again: identical.
    assert_eq!(l.update(rx.topology()), &p);
}

// ---- Scale: the layout's cost and the graph's link aggregation ----

/// Wall time, ms (the browser's clock in wasm, the system's natively).
fn now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Prints a measurement (the browser console in wasm).
fn report(msg: &str) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{msg}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{msg}");
}

/// The gateway a relay of [`worst_case`] hangs under, and its depth.
fn worst_parent(id: u16) -> u16 {
    if id <= 10 {
        1 + id % 2
    } else {
        3 + (id - 11) / 8
    }
}

/// The protocol's worst case: gateways 1 and 2, relays 3..=`last` (a tree
/// eight wide), each reporting 63 neighbours (cost 1..=15, varied RSSI).
fn worst_case(last: u16) -> Net {
    let mut net = Net::new();
    net.beacon(GW1, GW1, 0, 1);
    net.beacon(GW2, GW2, 0, 1);
    for id in 3..=last {
        let mut depth = 1u8;
        let mut top = worst_parent(id);
        while top > 2 {
            depth = depth.saturating_add(1);
            top = worst_parent(top);
        }
        let mut nb: Vec<(u16, u8, i32)> = Vec::new();
        for j in 0..63u32 {
            let other = ((u32::from(id) * 7 + j * 61) % u32::from(last - 2) + 3) as u16;
            if other != id && !nb.iter().any(|n| n.0 == other) {
                let rssi = -120 + ((u32::from(id) * 13 + j * 29) % 61) as i32;
                nb.push((other, (1 + j % 15) as u8, rssi));
            }
        }
        net.report(top, id, worst_parent(id), depth, &nb);
    }
    net
}

/// Scenario (b): gateways 1 and 2, relays 3..=66 under them (cost 1), each
/// reporting 63 of the others as neighbours, and `sensors` sensors (ids
/// from 67) forwarded by relay `3 + sensor % 64`.
fn big_mesh(sensors: u16) -> Net {
    let mut net = Net::new();
    net.beacon(GW1, GW1, 0, 1);
    net.beacon(GW2, GW2, 0, 1);
    for id in 3..=66u16 {
        let gw = 1 + id % 2;
        let nb: Vec<(u16, u8, i32)> = (1..=66u16)
            .filter(|&o| o != id)
            .take(63)
            .map(|o| {
                (
                    o,
                    if o <= 2 { 0 } else { 1 },
                    -119 + ((o * 7 + id * 3) % 58) as i32,
                )
            })
            .collect();
        net.report(gw, id, gw, 1, &nb);
    }
    for s in 0..sensors {
        let relay = 3 + s % 64;
        net.sensor(1 + relay % 2, 67 + s, Some(relay));
    }
    net
}

#[wasm_bindgen_test]
fn layout_of_the_worst_case_is_linearithmic() {
    // Steps grow like n log n: 4,095 nodes take less than five times the
    // steps of 1,023 (n² would be sixteen), and stay within a budget of
    // 8 n log2 n.
    let small = worst_case(1023);
    let big = worst_case(4095);
    let mut l = Layout::new(true);
    l.update(small.topology());
    let s_small = l.steps();
    let mut l = Layout::new(true);
    let t0 = now();
    let p = l.update(big.topology()).clone();
    let fresh_ms = now() - t0;
    let s_big = l.steps();
    assert_eq!(p.nodes.len(), 4095);
    assert_no_overlap(&p);
    let n = 4095.0_f64;
    let budget = 8.0 * n * n.log2();
    assert!(
        (s_big as f64) < budget,
        "{s_big} steps for 4,095 nodes, budget {budget:.0}"
    );
    assert!(
        (s_big as f64) < 5.0 * s_small as f64,
        "{s_big} steps for 4,095 nodes, {s_small} for 1,023"
    );
    // A second update of the same topology: same positions, same order of
    // cost.
    let t0 = now();
    assert_eq!(l.update(big.topology()), &p);
    let again_ms = now() - t0;
    report(&format!(
        "layout, 4,095 nodes x 63 neighbours: fresh {fresh_ms:.1} ms, again {again_ms:.1} ms; {s_big} steps (1,023 nodes: {s_small}; budget {budget:.0})"
    ));
}

#[wasm_bindgen_test]
fn sensors_arriving_in_a_packed_row_cost_n_log_n() {
    // 4,000 sensors under 64 relays, ungrouped, arriving 100 at a time:
    // each one is placed in a crowded row. Every update stays within the
    // budget (a scan of the occupied columns per probe would be cubic).
    let mut net = big_mesh(0);
    let mut l = Layout::new(true);
    l.set_group_limit(usize::MAX);
    l.update(net.topology());
    let mut worst = 0u64;
    let t0 = now();
    for batch in 0..40u16 {
        for k in 0..100u16 {
            let s = batch * 100 + k;
            let relay = 3 + ((u32::from(s) * 37) % 64) as u16;
            net.sensor(1 + relay % 2, 67 + s, Some(relay));
        }
        let p = l.update(net.topology());
        assert_eq!(p.nodes.len(), 66 + usize::from(batch + 1) * 100);
        worst = worst.max(l.steps());
    }
    let ms = now() - t0;
    assert_no_overlap(l.positions());
    let n = 4066.0_f64;
    let budget = 8.0 * n * n.log2();
    assert!((worst as f64) < budget, "{worst} steps, budget {budget:.0}");
    report(&format!(
        "layout, 4,000 sensors in 40 batches: {ms:.1} ms in all, worst update {worst} steps (budget {budget:.0})"
    ));
}

#[wasm_bindgen_test]
fn big_mesh_is_summarised_with_exact_counts() {
    use iotdata::receiver::EdgeKind;
    use iotdata_web::views::mesh::scene::{self, MeshOptions, MAX_DRAWN_EDGES, STRONGEST_LINKS};
    let net = big_mesh(4000);
    let topo = net.topology();
    let mut l = Layout::new(true);
    let t0 = now();
    let sc = scene::build(topo, &mut l, MeshOptions::default());
    let ms = now() - t0;
    assert_eq!(sc.counts, [2, 64, 4000, 0]);
    assert_eq!(sc.links_total, topo.edges().len());
    assert!(sc.summarised);
    assert!(sc.edges.len() <= MAX_DRAWN_EDGES);
    // Every sensor is in its relay's group, counted exactly.
    assert_eq!(sc.grouped, 4000);
    assert_eq!(sc.groups.len(), 64);
    for (anchor, g) in &sc.groups {
        let expected = (0..4000u16).filter(|s| 3 + s % 64 == *anchor).count();
        assert_eq!(g.count, expected, "group of {anchor}");
    }
    assert!(sc.nodes.values().all(|n| n.role != Role::Sensor));
    // The parent tree in full; per relay, exactly its strongest neighbour
    // links (parent pairs aside).
    let drawn = |kind, from| -> Vec<u16> {
        sc.edges
            .iter()
            .filter(|e| e.kind == kind && e.from == from)
            .map(|e| e.to)
            .collect()
    };
    for id in 3..=66u16 {
        let n = topo.node(id).expect("relay");
        assert_eq!(drawn(EdgeKind::Parent, id), vec![n.parent.expect("parent")]);
        let mut ranked: Vec<(i32, std::cmp::Reverse<u8>, std::cmp::Reverse<u16>)> = n
            .neighbours
            .iter()
            .filter(|x| Some(x.id) != n.parent)
            .filter(|x| topo.node(x.id).is_some_and(|o| o.parent != Some(id)))
            .map(|x| {
                (
                    x.rssi_dbm,
                    std::cmp::Reverse(x.cost),
                    std::cmp::Reverse(x.id),
                )
            })
            .collect();
        ranked.sort();
        let mut want: Vec<u16> = ranked
            .iter()
            .rev()
            .take(STRONGEST_LINKS)
            .map(|k| (k.2).0)
            .collect();
        want.sort();
        assert_eq!(drawn(EdgeKind::Neighbour, id), want, "strongest of {id}");
    }
    let parents = sc
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Parent)
        .count();
    let neighbours = sc
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Neighbour)
        .count();
    assert_eq!((parents, neighbours), (64, 64 * STRONGEST_LINKS));
    let note = sc.hidden_note().expect("says what is hidden");
    assert!(
        note.contains(&format!(
            "showing {} of {} links",
            scene::thousands(sc.edges.len()),
            scene::thousands(topo.edges().len())
        )),
        "{note}"
    );
    assert!(note.contains("4,000 sensors grouped"), "{note}");

    // Expanding relay 3's group shows its sensors one by one.
    l.set_expanded([3u16].into_iter().collect());
    let open = scene::build(topo, &mut l, MeshOptions::default());
    let of3 = sc.groups.get(&3).map_or(0, |g| g.count);
    assert_eq!(open.grouped, 4000 - of3);
    assert!(!open.groups.contains_key(&3));
    assert_eq!(
        open.nodes
            .values()
            .filter(|n| n.role == Role::Sensor)
            .count(),
        of3
    );
    assert_eq!(open.counts, sc.counts);
    report(&format!(
        "scene (b), 66 mesh nodes + 4,000 sensors: {ms:.1} ms; {} of {} links drawn",
        sc.edges.len(),
        sc.links_total
    ));
}

#[wasm_bindgen_test]
fn worst_case_scene_is_bounded() {
    use iotdata::receiver::EdgeKind;
    use iotdata_web::views::mesh::scene::{self, MeshOptions, MAX_DRAWN_EDGES, STRONGEST_LINKS};
    let net = worst_case(4095);
    let topo = net.topology();
    let mut l = Layout::new(true);
    let t0 = now();
    let sc = scene::build(topo, &mut l, MeshOptions::default());
    let ms = now() - t0;
    assert_eq!(sc.counts[0] + sc.counts[1], 4095);
    assert_eq!(sc.nodes.len(), 4095);
    assert_eq!(sc.links_total, topo.edges().len());
    assert!(sc.links_total > 250_000, "{}", sc.links_total);
    assert!(sc.summarised);
    let parents = sc
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Parent)
        .count();
    assert_eq!(parents, 4093, "the whole parent tree");
    assert!(sc.edges.len() <= MAX_DRAWN_EDGES);
    assert!(sc.edges.len() <= 4093 * (1 + STRONGEST_LINKS));
    let t0 = now();
    let looks = scene::edge_looks(topo, &sc, T0 as f64 + 5e6);
    let merged = scene::merge(&sc, &looks);
    let tick_ms = now() - t0;
    // Merged paths list every drawn link exactly once.
    let listed: usize = merged
        .iter()
        .map(|m| m.edges.split(' ').filter(|s| !s.is_empty()).count())
        .sum();
    assert_eq!(listed, sc.edges.len());
    assert!(merged.len() <= 3 * usize::from(scene::HUE_STEPS) * usize::from(scene::FADE_STEPS));
    report(&format!(
        "scene (c), 4,095 nodes x 63 neighbours: build {ms:.1} ms, looks + merge {tick_ms:.1} ms; {} of {} links drawn in {} paths",
        sc.edges.len(),
        sc.links_total,
        merged.len()
    ));
}

#[wasm_bindgen_test]
fn a_click_picks_the_nearest_node_of_a_compact_scene() {
    use iotdata_web::views::mesh::scene::{self, MeshOptions, HIT_RADIUS};
    let net = worst_case(1200);
    let mut l = Layout::new(true);
    let sc = scene::build(net.topology(), &mut l, MeshOptions::default());
    assert!(sc.compact());
    let n = sc.nodes.get(&700).expect("node 700 drawn");
    assert_eq!(scene::node_at(&sc, n.x + 3.0, n.y - 2.0), Some(700));
    assert_eq!(scene::node_at(&sc, n.x, n.y + HIT_RADIUS + 20.0), None);
    let merged = scene::merge_nodes(&sc, &scene::node_fades(net.topology(), &sc, T0 as f64));
    let listed: usize = merged.iter().map(|m| m.ids.split(' ').count()).sum();
    assert_eq!(listed, sc.nodes.len());
}

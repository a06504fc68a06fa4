//! The simulated deployment: one table of stations, one table of radio
//! links, one list of scenario events. Everything the simulator does is
//! driven by these tables (plus the protocol timings in [`Protocol`]).
//!
//! The site is modelled on Glen Nevis (Lochaber, Scotland) in mid-March,
//! after the forest example of the specification's Appendix G: two
//! gateways, each the root of its own relay tree, with relays at clearings,
//! crossings and a high col, and sensors along the glen, on the hill and at
//! the forest edge. The positions are plausible, not surveyed.
//!
//! ```text
//!  GW-1 visitor centre (0x001)                 GW-2 Torlundy rescue base (0x002)
//!   |  WS-1 AQ-1 CAM-1 SM-1(weak)               |  RM-1 AQ-1(weak) ENV-1(weak)
//!  HOP-1 Achriabhach ridge (0x101, fails)      HOP-4 Allt a' Mhuilinn edge (0x104)
//!   |  SM-1 SM-2                                |  CAM-2 ENV-1 RM-1 WS-3(weak) SD-2(weak)
//!  HOP-2 Polldubh crossing (0x102)  - - - - -  HOP-5 Carn Mor Dearg col (0x105)
//!   |  SM-2 WL-1                    (backup)    |  WS-3 SD-1 SD-2 SM-4(weak)
//!  HOP-3 Steall gorge (0x103)  - - - - - - - - -'
//!      WS-2 SM-3 SM-4 AQ-2
//! ```
//!
//! Before the failure the trees are GW-1 <- HOP-1 <- HOP-2 <- HOP-3 (three
//! relays deep) and GW-2 <- HOP-4 <- HOP-5. When HOP-1 shuts down it
//! broadcasts ROUTE_ERROR (reason `shutdown`); HOP-2 fails over to its backup
//! HOP-5 (cost 3 in GW-2's tree) and HOP-3 re-parents to HOP-5 (cost 3) at
//! the next beacon round; SM-2 is then forwarded by HOP-2 only and SM-1 is
//! heard by GW-1 directly (weak link) only.

/// What kind of sensor a station is (decides its variant and readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// Variant 0 `weather_station`: alternating short packets (presence byte
    /// 0 only: battery, link, environment, wind, rain, solar) and full
    /// packets (plus clouds, position, datetime, flags).
    Weather,
    /// Variant 1 `soil_probe`: soil temperature, moisture, water-table depth.
    Soil,
    /// Variant 2 `river_gauge`: water temperature and level.
    River,
    /// Variant 3 `snow_depth`: snow depth, environment, solar.
    Snow,
    /// Variant 4 `air_quality`: environment and the AIR_QUALITY bundle
    /// (index, PM1/PM2.5/PM10, VOC/NOx/CO2).
    AirQuality,
    /// Variant 5 `radiation_monitor`: CPM and dose rate, environment.
    Radiation,
    /// Variant 6 `camera`: a bilevel 32x24 motion mask, RLE-compressed.
    CameraRle,
    /// Variant 6 `camera`: a 16-grey 32x24 thumbnail, heatshrink-compressed.
    CameraHeatshrink,
    /// Variant 7 `environment`: temperature, pressure, humidity.
    Environment,
}

impl SensorKind {
    /// The variant id in the simulator's map ([`crate::sim_map`]).
    pub fn variant(self) -> u8 {
        match self {
            SensorKind::Weather => 0,
            SensorKind::Soil => 1,
            SensorKind::River => 2,
            SensorKind::Snow => 3,
            SensorKind::AirQuality => 4,
            SensorKind::Radiation => 5,
            SensorKind::CameraRle | SensorKind::CameraHeatshrink => 6,
            SensorKind::Environment => 7,
        }
    }
}

/// A station's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Originates beacons; receives (and publishes) everything in range.
    Gateway,
    /// Rebroadcasts beacons, forwards sensor data and neighbour reports.
    Relay,
    /// Transmits measurements; never listens.
    Sensor(SensorKind),
}

/// One row of the deployment table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Station {
    /// Station id (12 bits).
    pub id: u16,
    /// Short tag used in logs and the README (`GW-1`, `HOP-2`, `SM-3`).
    pub tag: &'static str,
    /// Where it is.
    pub name: &'static str,
    /// Gateway, relay or sensor (with its kind).
    pub role: Role,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, metres (drives the temperature lapse, pressure and snow).
    pub alt_m: f64,
    /// Seconds between a sensor's reports, a gateway's beacon rounds or a
    /// relay's neighbour reports (divided by [`crate::SimConfig::rate`]).
    pub interval_s: f64,
    /// Sensors: `true` if the station powers up at the start of the run
    /// (sequence 0, VERSION and CONFIG in its first packet); `false` if it
    /// was already running (it continues from `seq0`, no boot TLVs).
    pub boots: bool,
    /// First sequence number (sensors that do not boot), first beacon
    /// generation (gateways) or first mesh sequence number (relays).
    pub seq0: u16,
    /// Restarts before the run (reported in STATUS).
    pub restarts: u16,
    /// Battery level at the start, percent.
    pub battery: f64,
    /// Solar charged (the battery rises in daylight).
    pub solar: bool,
}

/// A radio link. Mesh links (gateway/relay pairs) work both ways; a link
/// from a sensor is one-way (sensors never listen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Transmitter (for a sensor link, the sensor).
    pub a: u16,
    /// Receiver (for a mesh link, either end).
    pub b: u16,
    /// Mean received signal strength, dBm (each reception adds noise).
    pub rssi_dbm: f64,
    /// Probability that one transmission is not received (before
    /// [`crate::SimConfig::loss_scale`]).
    pub loss: f64,
}

/// Something that happens at a fixed (simulated) time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScenarioEvent {
    /// The relay broadcasts ROUTE_ERROR (reason shutdown) `repeats` times,
    /// one second apart, and then stays silent for the rest of the run.
    RelayShutdown {
        /// The relay.
        relay: u16,
        /// When, seconds from the start (divided by the rate).
        at_s: f64,
        /// How many ROUTE_ERROR copies it sends.
        repeats: u8,
    },
    /// The sensor restarts: sequence back to 0, boot TLVs again, its
    /// restart counter (STATUS) one up, with this restart reason.
    SensorReboot {
        /// The sensor.
        sensor: u16,
        /// When, seconds from the start (divided by the rate).
        at_s: f64,
        /// STATUS reason code (see [`iotdata::tlv::REASON_NAMES`]).
        reason: u8,
    },
}

/// Mesh protocol timings and rules (spec Appendix G recommendations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Beacon rounds a relay may miss from its parent before it gives it up.
    pub beacon_timeout_rounds: u32,
    /// Random delay before a relay rebroadcasts a beacon, seconds (scaled
    /// down with the rate, like the beacon interval).
    pub beacon_jitter_s: (f64, f64),
    /// Trickle backoff before forwarding a sensor packet heard directly, ms.
    pub forward_backoff_ms: (u64, u64),
    /// Processing delay before a relay re-wraps a child's FORWARD or
    /// NEIGHBOUR_REPORT, ms.
    pub relay_turnaround_ms: (u64, u64),
    /// Time to wait for an ACK before retrying a FORWARD, ms.
    pub ack_timeout_ms: u64,
    /// Retries after the first FORWARD transmission.
    pub forward_retries: u32,
    /// TTL of a FORWARD wrapping a packet heard directly.
    pub ttl: u8,
    /// A neighbour heard weaker than this (mean RSSI, dBm) is never chosen
    /// as parent: the link is overheard only.
    pub parent_rssi_floor_dbm: f64,
    /// Same-cost candidates must be this much stronger (dB) to replace the
    /// current parent (the spec's "prefer existing parent").
    pub parent_hysteresis_db: f64,
    /// Relays' duplicate-suppression ring size.
    pub dedup_ring: usize,
}

/// The whole deployment description.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deployment {
    /// A short name.
    pub name: &'static str,
    /// Every station.
    pub stations: &'static [Station],
    /// Every radio link; pairs not listed cannot hear each other.
    pub links: &'static [Link],
    /// Scheduled scenario events (when [`crate::SimConfig::scenario`] is on).
    pub events: &'static [ScenarioEvent],
    /// Protocol timings.
    pub protocol: Protocol,
    /// Start of the run, Unix milliseconds (default for
    /// [`crate::SimConfig::start_unix_ms`]): 2026-03-14 07:00 UTC, dawn.
    pub start_unix_ms: i64,
}

impl Deployment {
    /// The station with `id`.
    pub fn station(&self, id: u16) -> Option<&'static Station> {
        self.stations.iter().find(|s| s.id == id)
    }
}

/// A station at a place: id, tag, name and position. It has a gateway's
/// defaults (a 60 s interval, not booting, sequence 0, no restarts, a full
/// battery, no solar panel); [`gw`], [`relay`] and [`sensor`] set its role
/// and what differs for it.
const fn place(
    id: u16,
    tag: &'static str,
    name: &'static str,
    lat: f64,
    lon: f64,
    alt_m: f64,
) -> Station {
    Station {
        id,
        tag,
        name,
        role: Role::Gateway,
        lat,
        lon,
        alt_m,
        interval_s: 60.0,
        boots: false,
        seq0: 0,
        restarts: 0,
        battery: 100.0,
        solar: false,
    }
}

/// A gateway whose beacon generation starts at `generation0`.
const fn gw(place: Station, generation0: u16) -> Station {
    Station {
        seq0: generation0,
        ..place
    }
}

/// A relay: a neighbour report every 180 s, the battery at 90 %.
const fn relay(place: Station, seq0: u16, solar: bool) -> Station {
    Station {
        role: Role::Relay,
        interval_s: 180.0,
        seq0,
        battery: 90.0,
        solar,
        ..place
    }
}

/// A sensor of `kind`.
#[allow(clippy::too_many_arguments)]
const fn sensor(
    place: Station,
    kind: SensorKind,
    interval_s: f64,
    boots: bool,
    seq0: u16,
    restarts: u16,
    battery: f64,
    solar: bool,
) -> Station {
    Station {
        role: Role::Sensor(kind),
        interval_s,
        boots,
        seq0,
        restarts,
        battery,
        solar,
        ..place
    }
}

const fn link(a: u16, b: u16, rssi_dbm: f64, loss: f64) -> Link {
    Link {
        a,
        b,
        rssi_dbm,
        loss,
    }
}

use SensorKind::*;

/// The stations. Gateways beacon every 60 s (GW-2's generation starts near
/// the 12-bit wrap), relays send a neighbour report every 180 s.
pub static STATIONS: [Station; 23] = [
    gw(
        place(
            0x001,
            "GW-1",
            "Glen Nevis visitor centre",
            56.8106,
            -5.0737,
            20.0,
        ),
        1,
    ),
    gw(
        place(
            0x002,
            "GW-2",
            "Torlundy mountain rescue base",
            56.8478,
            -5.0450,
            60.0,
        ),
        4085,
    ),
    relay(
        place(
            0x101,
            "HOP-1",
            "Achriabhach ridge clearing",
            56.7830,
            -5.0560,
            180.0,
        ),
        100,
        true,
    ),
    relay(
        place(0x102, "HOP-2", "Polldubh crossing", 56.7735, -5.0300, 160.0),
        200,
        true,
    ),
    relay(
        place(0x103, "HOP-3", "Steall gorge", 56.7722, -4.9905, 250.0),
        300,
        true,
    ),
    relay(
        place(
            0x104,
            "HOP-4",
            "Allt a' Mhuilinn forest edge",
            56.8300,
            -5.0330,
            220.0,
        ),
        400,
        false,
    ),
    relay(
        place(
            0x105,
            "HOP-5",
            "Carn Mor Dearg col",
            56.8000,
            -4.9900,
            1000.0,
        ),
        500,
        true,
    ),
    sensor(
        place(
            0x201,
            "WS-1",
            "Visitor centre weather mast",
            56.8100,
            -5.0720,
            20.0,
        ),
        Weather,
        30.0,
        false,
        1200,
        2,
        96.0,
        false,
    ),
    sensor(
        place(
            0x202,
            "WS-2",
            "Steall meadow weather",
            56.7735,
            -4.9760,
            330.0,
        ),
        Weather,
        45.0,
        true,
        0,
        4,
        78.0,
        true,
    ),
    sensor(
        place(0x203, "WS-3", "CIC hut weather", 56.8117, -5.0119, 680.0),
        Weather,
        40.0,
        true,
        0,
        1,
        64.0,
        true,
    ),
    sensor(
        place(
            0x211,
            "SM-1",
            "Achriabhach pasture soil",
            56.7810,
            -5.0520,
            90.0,
        ),
        Soil,
        50.0,
        true,
        0,
        0,
        88.0,
        false,
    ),
    sensor(
        place(0x212, "SM-2", "Polldubh bank soil", 56.7745, -5.0380, 120.0),
        Soil,
        55.0,
        true,
        0,
        3,
        71.0,
        false,
    ),
    sensor(
        place(
            0x213,
            "SM-3",
            "Steall meadow north soil",
            56.7740,
            -4.9800,
            320.0,
        ),
        Soil,
        50.0,
        true,
        0,
        0,
        93.0,
        false,
    ),
    sensor(
        place(
            0x214,
            "SM-4",
            "Steall meadow south soil",
            56.7712,
            -4.9785,
            330.0,
        ),
        Soil,
        55.0,
        true,
        0,
        1,
        45.0,
        false,
    ),
    sensor(
        place(
            0x221,
            "WL-1",
            "River Nevis gauge, Polldubh",
            56.7728,
            -5.0430,
            110.0,
        ),
        River,
        40.0,
        true,
        0,
        0,
        82.0,
        true,
    ),
    sensor(
        place(
            0x231,
            "SD-1",
            "Coire Leis snow stake",
            56.7990,
            -4.9950,
            1050.0,
        ),
        Snow,
        60.0,
        true,
        0,
        2,
        67.0,
        true,
    ),
    sensor(
        place(
            0x232,
            "SD-2",
            "Ben Nevis summit snow stake",
            56.7969,
            -5.0036,
            1340.0,
        ),
        Snow,
        60.0,
        true,
        0,
        5,
        52.0,
        true,
    ),
    sensor(
        place(
            0x241,
            "AQ-1",
            "Visitor car park air quality",
            56.8112,
            -5.0745,
            20.0,
        ),
        AirQuality,
        20.0,
        true,
        0,
        0,
        99.0,
        false,
    ),
    sensor(
        place(
            0x242,
            "AQ-2",
            "Steall hut air quality",
            56.7720,
            -4.9810,
            330.0,
        ),
        AirQuality,
        35.0,
        false,
        4100,
        6,
        23.0,
        true,
    ),
    sensor(
        place(
            0x251,
            "RM-1",
            "Torlundy radiation monitor",
            56.8470,
            -5.0440,
            60.0,
        ),
        Radiation,
        30.0,
        false,
        65520,
        1,
        100.0,
        false,
    ),
    sensor(
        place(
            0x261,
            "CAM-1",
            "Car park entrance camera",
            56.8108,
            -5.0760,
            20.0,
        ),
        CameraRle,
        50.0,
        true,
        0,
        0,
        91.0,
        false,
    ),
    sensor(
        place(
            0x262,
            "CAM-2",
            "Allt a' Mhuilinn wildlife camera",
            56.8250,
            -5.0280,
            300.0,
        ),
        CameraHeatshrink,
        60.0,
        true,
        0,
        2,
        74.0,
        true,
    ),
    sensor(
        place(
            0x271,
            "ENV-1",
            "Forest track environment",
            56.8380,
            -5.0400,
            120.0,
        ),
        Environment,
        30.0,
        true,
        0,
        0,
        85.0,
        false,
    ),
];

/// The radio links (mean RSSI, loss probability per transmission).
pub static LINKS: [Link; 32] = [
    // mesh links (both ways)
    link(0x001, 0x101, -91.0, 0.02),
    link(0x101, 0x102, -97.0, 0.03),
    link(0x102, 0x103, -101.0, 0.04),
    link(0x002, 0x104, -89.0, 0.02),
    link(0x104, 0x105, -99.0, 0.03),
    link(0x105, 0x102, -109.0, 0.07), // across the col: HOP-2's backup parent
    link(0x105, 0x103, -106.0, 0.06),
    link(0x002, 0x105, -117.0, 0.50), // overheard only (below the parent floor)
    // sensors (one way)
    link(0x201, 0x001, -84.0, 0.015),
    link(0x202, 0x103, -97.0, 0.03),
    link(0x203, 0x105, -93.0, 0.02),
    link(0x203, 0x104, -109.0, 0.12),
    link(0x211, 0x101, -95.0, 0.03),
    link(0x211, 0x001, -113.0, 0.30),
    link(0x212, 0x101, -106.0, 0.06),
    link(0x212, 0x102, -98.0, 0.03),
    link(0x213, 0x103, -99.0, 0.04),
    link(0x214, 0x103, -103.0, 0.05),
    link(0x214, 0x105, -112.0, 0.15),
    link(0x221, 0x102, -94.0, 0.02),
    link(0x231, 0x105, -101.0, 0.04),
    link(0x232, 0x105, -104.0, 0.06),
    link(0x232, 0x104, -112.0, 0.20),
    link(0x241, 0x001, -86.0, 0.015),
    link(0x241, 0x002, -115.0, 0.35),
    link(0x242, 0x103, -100.0, 0.04),
    link(0x251, 0x002, -88.0, 0.02),
    link(0x251, 0x104, -98.0, 0.03),
    link(0x261, 0x001, -82.0, 0.015),
    link(0x262, 0x104, -97.0, 0.03),
    link(0x271, 0x104, -96.0, 0.03),
    link(0x271, 0x002, -110.0, 0.20),
];

/// The scenario: HOP-1 runs out of battery at 12 minutes and shuts down;
/// AQ-2 (already running, low battery) browns out and restarts at 21 minutes.
pub static EVENTS: [ScenarioEvent; 2] = [
    ScenarioEvent::RelayShutdown {
        relay: 0x101,
        at_s: 720.0,
        repeats: 2,
    },
    ScenarioEvent::SensorReboot {
        sensor: 0x242,
        at_s: 1260.0,
        reason: 4, // brownout
    },
];

/// The deployment the simulator runs.
pub static GLEN_NEVIS: Deployment = Deployment {
    name: "glen-nevis",
    stations: &STATIONS,
    links: &LINKS,
    events: &EVENTS,
    protocol: Protocol {
        beacon_timeout_rounds: 3,
        beacon_jitter_s: (1.0, 5.0),
        forward_backoff_ms: (200, 1000),
        relay_turnaround_ms: (20, 80),
        ack_timeout_ms: 1000,
        forward_retries: 3,
        ttl: 8,
        parent_rssi_floor_dbm: -112.0,
        parent_hysteresis_db: 3.0,
        dedup_ring: 64,
    },
    start_unix_ms: 1_773_471_600_000,
};

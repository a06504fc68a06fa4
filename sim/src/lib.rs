//! # iotdata-sim
//!
//! A deterministic simulator of an iotdata LoRa deployment: sensors of
//! several kinds, mesh relays in two gateway trees, lossy radio links, and
//! a scenario (a relay shuts down, its children re-parent; a sensor
//! reboots). It yields the frames the gateways receive, in time order, and
//! the ground truth (topology, per-station counts, what the channel did).
//!
//! The library has no I/O, no threads, no clock and no OS randomness (a
//! seeded [`rng::SplitMix64`]), so it also builds for the browser
//! (`wasm32-unknown-unknown`). The `iotdata-sim` binary publishes the
//! frames to an MQTT broker (see the README); [`capture`] records a run
//! into the file the dashboard's demo feed plays.
//!
//! ```
//! use iotdata::frame::decode_frame;
//! use iotdata::DecodeOptions;
//! use iotdata_sim::{sim_map, SimConfig, Simulation};
//!
//! let mut sim = Simulation::new(SimConfig { seed: 42, ..SimConfig::default() });
//! let map = sim_map();
//! for f in sim.advance(60_000) {
//!     // every frame decodes with the simulator's variant map
//!     decode_frame(&f.bytes, &map, DecodeOptions::STRICT).unwrap();
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod capture;
pub mod deployment;
pub mod load;
pub mod mqtt_wire;
pub mod rng;
pub mod sensors;
pub mod sim;
pub mod thumbs;
pub mod truth;
pub mod world;

pub use deployment::{
    Deployment, Link, Protocol, Role, ScenarioEvent, SensorKind, Station, GLEN_NEVIS,
};
pub use sim::{SimConfig, Simulation, TimedFrame, DEFAULT_SEED};
pub use truth::*;

use iotdata::VariantMap;

/// The simulator's variant map as JSON, in the schema of the conformance
/// vectors' `variants.json` (one map, named `sim`). The same file is
/// `sim/maps/sim-variants.json`, usable as `iotdata decode --map ...`.
pub const SIM_MAPS_JSON: &str = include_str!("../maps/sim-variants.json");

/// The name of the map in [`SIM_MAPS_JSON`].
pub const SIM_MAP_NAME: &str = "sim";

/// The simulator's variant map, parsed from [`SIM_MAPS_JSON`].
///
/// ```
/// let map = iotdata_sim::sim_map();
/// assert_eq!(map.get(0).unwrap().name, "weather_station");
/// assert_eq!(map.get(6).unwrap().name, "camera");
/// ```
///
/// # Panics
///
/// Never for the shipped file (the crate's tests load it); the map is
/// compiled in, so a broken file is a build defect, not a runtime input.
pub fn sim_map() -> VariantMap {
    VariantMap::select(SIM_MAPS_JSON, Some(SIM_MAP_NAME))
        .expect("sim/maps/sim-variants.json is a valid variant map")
}

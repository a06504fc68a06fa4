//! Packets and ids several test files build the same way (included with
//! `#[path = "support/fixtures.rs"] mod fixtures;`; each file uses some).
#![allow(dead_code)]

use iotdata::{Encoder, FieldValue, VariantMap};

/// A weather-station frame as a real deployment sends it (default map):
/// battery, link, environment, wind, rain, solar; with a position when
/// `at` is given and a datetime when `datetime` is set.
pub fn weather_frame(station: u16, seq: u16, at: Option<(f64, f64)>, datetime: bool) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    let f = f32::from(station % 50);
    enc.add(FieldValue::battery(90 - (seq % 20) as u8, false).unwrap())
        .unwrap();
    enc.set("link", FieldValue::link(-90, 5.0).unwrap())
        .unwrap();
    enc.set(
        "environment",
        FieldValue::environment(-5.0 + f * 0.5, 990 + i32::from(seq % 40), 60).unwrap(),
    )
    .unwrap();
    enc.set("wind", FieldValue::wind(3.0, 270, 6.5).unwrap())
        .unwrap();
    enc.set("rain", FieldValue::rain(2, 10).unwrap()).unwrap();
    enc.set("solar", FieldValue::solar(400, 3).unwrap())
        .unwrap();
    if let Some((lat, lon)) = at {
        enc.set("position", FieldValue::position(lat, lon).unwrap())
            .unwrap();
    }
    if datetime {
        enc.set("datetime", FieldValue::datetime(3_600 * 24 * 40).unwrap())
            .unwrap();
    }
    enc.finish().unwrap()
}

/// A frame of station `station` (default map) with its battery level and
/// an environment reading of `temp` °C.
pub fn battery_temp_frame(station: u16, seq: u16, temp: f32, battery: u8) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(battery, false).unwrap())
        .unwrap();
    enc.set(
        "environment",
        FieldValue::environment(temp, 1013, 40).unwrap(),
    )
    .unwrap();
    enc.finish().unwrap()
}

/// The ids of the simulator's sensors (its default deployment).
pub fn sim_sensor_ids() -> Vec<u16> {
    iotdata_sim::GLEN_NEVIS
        .stations
        .iter()
        .filter(|s| matches!(s.role, iotdata_sim::Role::Sensor(_)))
        .map(|s| s.id)
        .collect()
}

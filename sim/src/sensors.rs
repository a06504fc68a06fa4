//! Sensor stations: their slowly varying local state (battery, soil,
//! river, snow, air quality) and the packets they build from it.
//!
//! Packet contents by kind (labels of the simulator's variant map):
//!
//! | kind | every packet | sometimes |
//! |---|---|---|
//! | weather | battery, link, environment, wind, rain, solar | every other packet (full): clouds, position, datetime, flags |
//! | soil | battery, link, soil_temp, moisture, depth | flags when set, datetime every 4th, position at boot and every 30th |
//! | river | battery, link, water_temp, level | as soil |
//! | snow | battery, link, snow_depth, environment, solar | as soil |
//! | air quality | battery, link, environment, air_quality (index, PM1, PM2.5, PM10, VOC, NOx, CO2) | as soil |
//! | radiation | battery, link, radiation, environment | as soil |
//! | camera | battery, link, thumbnail, datetime | flags when set, position at boot and every 30th |
//! | environment | battery, link, environment | as soil |
//!
//! TLVs: VERSION (raw key-value), CONFIG (6-bit key-value) and STATUS in the
//! first packet after a boot; STATUS every 10th packet; HEALTH every 25th;
//! DIAGNOSTIC on events (low battery once per session, ~1.5 % of packets a
//! kind-specific message); USERDATA on events (weather stations when a rain
//! event starts, cameras naming what moved, others a periodic site note).
//!
//! Flags bits: 0 low battery (< 25 %), 1 heater on (below 0.5 C, weather
//! and snow), 2 precipitation detected, 3 maintenance due.

use iotdata::{EncodeError, Encoder, FieldValue, Tlv, VariantMap};

use crate::calendar;
use crate::deployment::{SensorKind, Station};
use crate::rng::SplitMix64;
use crate::thumbs;
use crate::world::World;

/// Flags bit: battery below 25 %.
pub const FLAG_LOW_BATTERY: u8 = 0x01;
/// Flags bit: heater on.
pub const FLAG_HEATER: u8 = 0x02;
/// Flags bit: precipitation detected.
pub const FLAG_PRECIPITATION: u8 = 0x04;
/// Flags bit: maintenance due.
pub const FLAG_MAINTENANCE: u8 = 0x08;

/// What a sensor did in one report, beyond the bytes.
#[derive(Debug, Clone, Default)]
pub struct ReportInfo {
    /// TLV types included.
    pub tlvs: Vec<u8>,
    /// The packet carried a position.
    pub position: bool,
    /// Weather stations: a full (two presence bytes) packet.
    pub full: bool,
}

/// A sensor's state.
#[derive(Debug, Clone)]
pub struct SensorState {
    /// The table row.
    pub station: &'static Station,
    /// Its kind.
    pub kind: SensorKind,
    rng: SplitMix64,
    /// Next sequence number to send.
    pub seq: u16,
    /// Packets sent since the last boot (for boots before the run: a large
    /// number, so no boot TLVs).
    pub k: u32,
    /// Whether the current session started with a boot in this run.
    pub booted: bool,
    /// Sim time of the current session's start, ms (may be negative).
    pub session_start_ms: i64,
    /// Uptime accumulated before the current session, s.
    pub lifetime_before_s: u64,
    /// Restart counter (STATUS).
    pub restarts: u16,
    /// Reason of the last restart (STATUS).
    pub reason: u8,
    /// Battery level, percent.
    pub battery: f64,
    last_unix_ms: Option<i64>,
    soil_temp: f64,
    moisture: f64,
    water_table: f64,
    river_store: f64,
    snow_cm: f64,
    pm_anomaly: f64,
    low_battery_reported: bool,
    rain_events_seen: u32,
    /// Mean RSSI of the station's best listener (reported in LINK).
    pub best_rssi: f64,
}

impl SensorState {
    /// Initial state for a table row.
    pub fn new(
        station: &'static Station,
        kind: SensorKind,
        mut rng: SplitMix64,
        best_rssi: f64,
    ) -> Self {
        let interval = station.interval_s;
        let (seq, k, lifetime_before_s, session_start_ms) = if station.boots {
            (0, 0, u64::from(station.restarts) * 86_400 * 3, 0)
        } else {
            let running_s = (f64::from(station.seq0) * interval) as i64;
            (
                station.seq0,
                1000 + u32::from(station.seq0),
                86_400 * 30,
                -running_s * 1000,
            )
        };
        let snow = match station.alt_m {
            a if a > 1200.0 => 240.0,
            a if a > 800.0 => 175.0,
            _ => 0.0,
        };
        SensorState {
            station,
            kind,
            seq,
            k,
            booted: station.boots,
            session_start_ms,
            lifetime_before_s,
            restarts: station.restarts,
            reason: if station.boots { 1 } else { 2 },
            battery: station.battery,
            last_unix_ms: None,
            soil_temp: 3.0 + rng.range_f64(0.0, 1.5),
            moisture: rng.range_f64(30.0, 40.0),
            water_table: rng.range_f64(55.0, 95.0),
            river_store: rng.range_f64(2.0, 4.0),
            snow_cm: snow + rng.range_f64(-10.0, 10.0),
            pm_anomaly: 0.0,
            low_battery_reported: false,
            rain_events_seen: 0,
            best_rssi,
            rng,
        }
    }

    /// Restarts the sensor now (`now_ms` sim time): sequence 0, boot TLVs
    /// in the next packet, restart counter up, `reason` recorded.
    pub fn reboot(&mut self, now_ms: i64, reason: u8) {
        let session_s = ((now_ms - self.session_start_ms).max(0) / 1000) as u64;
        self.lifetime_before_s += session_s;
        self.session_start_ms = now_ms;
        self.seq = 0;
        self.k = 0;
        self.booted = true;
        self.restarts = self.restarts.saturating_add(1);
        self.reason = reason;
        self.low_battery_reported = false;
    }

    /// Updates the local state to `unix_ms` using the world's current values.
    fn update(&mut self, world: &World, unix_ms: i64, air_t: f64) {
        let dt_h = match self.last_unix_ms {
            Some(prev) => ((unix_ms - prev) as f64 / 3_600_000.0).max(0.0),
            None => 0.0,
        };
        self.last_unix_ms = Some(unix_ms);
        let rain = world.rain_rate_mmh();
        let inst = calendar::instant(unix_ms);
        let irr = world.irradiance(
            self.station.lat,
            self.station.lon,
            inst.day_of_year,
            inst.hour_utc,
        );
        // battery: slow drain, solar charge in daylight
        self.battery -= 0.25 * dt_h + 0.002;
        if self.station.solar {
            self.battery += 0.9 * dt_h * irr / 1000.0;
        }
        self.battery = self.battery.clamp(0.0, 100.0);
        // soil: temperature lags the air, moisture rises with rain and decays
        let a = 1.0 - (-dt_h / 8.0).exp();
        self.soil_temp += (air_t + 1.0 - self.soil_temp) * a;
        self.moisture += rain * dt_h * 0.9 - (self.moisture - 28.0) * (1.0 - (-dt_h / 72.0).exp());
        self.moisture = self.moisture.clamp(5.0, 60.0);
        self.water_table += -rain * dt_h * 2.0 + 0.6 * dt_h;
        self.water_table = self.water_table.clamp(5.0, 150.0);
        // river: linear reservoir fed by rain
        self.river_store += rain * dt_h * 1.5 - self.river_store * (1.0 - (-dt_h / 2.0).exp());
        // snow: accumulates when precipitating below 1 C, melts above 0 C and in sun
        if rain > 0.0 && air_t < 1.0 {
            self.snow_cm += rain * dt_h * 1.0;
        }
        if air_t > 0.0 {
            self.snow_cm -= (0.15 * air_t + 0.2 * irr / 1000.0) * dt_h;
        }
        self.snow_cm = self.snow_cm.clamp(0.0, 1000.0);
        // air quality anomaly: mean-reverting, washed out by rain
        let b = (-dt_h / 0.5).exp();
        self.pm_anomaly = self.pm_anomaly * b + 3.0 * (1.0 - b * b).sqrt() * self.rng.normal();
    }

    /// Builds the next packet at sim time `now_ms` (`unix_ms` absolute) and
    /// advances the sequence number.
    pub fn report(
        &mut self,
        world: &World,
        now_ms: i64,
        unix_ms: i64,
        map: &VariantMap,
    ) -> Result<(Vec<u8>, u16, ReportInfo), EncodeError> {
        let st = self.station;
        let inst = calendar::instant(unix_ms);
        let air_t = world.air_temp(st.alt_m, inst.hour_utc) + ((st.id % 7) as f64 - 3.0) * 0.15;
        self.update(world, unix_ms, air_t);
        let rng = &mut self.rng;
        let k = self.k;
        let boot = self.booted && k == 0;
        let seq = self.seq;
        let mut enc = Encoder::new(map, self.kind.variant(), st.id, seq)?;
        let mut info = ReportInfo::default();

        let temp = air_t + 0.1 * rng.normal();
        let hum = world.humidity(temp, st.alt_m) + rng.normal();
        let press = world.pressure_at(st.alt_m) + 0.3 * rng.normal();
        let irr = world.irradiance(st.lat, st.lon, inst.day_of_year, inst.hour_utc);
        let raining = world.raining();
        let environment = || {
            FieldValue::environment(
                temp as f32,
                press.round().clamp(850.0, 1105.0) as i32,
                hum.round().clamp(0.0, 100.0) as i32,
            )
        };
        let solar = |rng: &mut SplitMix64| {
            let i = (irr * (1.0 + 0.03 * rng.normal())).clamp(0.0, 1023.0);
            FieldValue::solar(
                i.round() as i32,
                (i / 140.0).round().clamp(0.0, 15.0) as i32,
            )
        };

        let mut flags = 0u8;
        if self.battery < 25.0 {
            flags |= FLAG_LOW_BATTERY;
        }
        if temp < 0.5 && matches!(self.kind, SensorKind::Weather | SensorKind::Snow) {
            flags |= FLAG_HEATER;
        }
        if raining {
            flags |= FLAG_PRECIPITATION;
        }
        if self.restarts >= 5 {
            flags |= FLAG_MAINTENANCE;
        }

        let charging = st.solar && irr > 150.0 && self.battery < 99.5;
        enc.set(
            "battery",
            FieldValue::battery(self.battery.round().clamp(0.0, 100.0) as u8, charging)?,
        )?;
        let rssi = (self.best_rssi + 2.0 * rng.normal())
            .round()
            .clamp(-120.0, -60.0);
        let snr = ((rssi + 120.0) / 3.0 - 8.0).clamp(-20.0, 10.0);
        enc.set("link", FieldValue::link(rssi as i32, snr as f32)?)?;

        let mut periodic_position = boot || k % 30 == 0;
        let mut datetime = boot || k % 4 == 0;
        let mut with_flags = flags != 0;
        match self.kind {
            SensorKind::Weather => {
                let full = k % 2 == 0;
                info.full = full;
                periodic_position = full;
                datetime = full;
                with_flags = full;
                enc.set("environment", environment()?)?;
                let mean = world.wind_speed(st.alt_m);
                let speed = (mean * (1.0 + 0.15 * rng.normal())).clamp(0.0, 60.0);
                let spike = if rng.chance(0.12) {
                    rng.range_f64(1.4, 2.0)
                } else {
                    1.0
                };
                let gust = (speed * rng.range_f64(1.25, 1.6) * spike).clamp(speed, 63.5);
                let dir =
                    (world.wind_dir() + ((st.id % 5) as f64 - 2.0) * 12.0 + 10.0 * rng.normal())
                        .rem_euclid(360.0);
                enc.set(
                    "wind",
                    FieldValue::wind(speed as f32, dir.round().min(355.0) as i32, gust as f32)?,
                )?;
                let rate = world.rain_rate_mmh();
                let size = if rate > 0.0 {
                    (8.0 + 3.0 * rate).min(60.0)
                } else {
                    0.0
                };
                enc.set(
                    "rain",
                    FieldValue::rain(rate.round() as i32, size.round() as i32)?,
                )?;
                enc.set("solar", solar(rng)?)?;
                if full {
                    enc.set("clouds", FieldValue::clouds(world.clouds().round() as i32)?)?;
                }
            }
            SensorKind::Soil => {
                enc.set(
                    "soil_temp",
                    FieldValue::temperature((self.soil_temp + 0.05 * rng.normal()) as f32)?,
                )?;
                enc.set(
                    "moisture",
                    FieldValue::humidity(
                        (self.moisture + 0.3 * rng.normal())
                            .round()
                            .clamp(0.0, 100.0) as i32,
                    )?,
                )?;
                enc.set(
                    "depth",
                    FieldValue::depth(
                        (self.water_table + rng.normal()).round().clamp(0.0, 1023.0) as i32,
                    )?,
                )?;
            }
            SensorKind::River => {
                let wt = 4.2 + 0.4 * (self.soil_temp - 3.0) + 0.05 * rng.normal();
                enc.set("water_temp", FieldValue::temperature(wt as f32)?)?;
                let level = 48.0 + 6.0 * self.river_store + 0.8 * rng.normal();
                enc.set(
                    "level",
                    FieldValue::depth(level.round().clamp(0.0, 1023.0) as i32)?,
                )?;
            }
            SensorKind::Snow => {
                let d = (self.snow_cm + 1.2 * rng.normal())
                    .round()
                    .clamp(0.0, 1023.0);
                enc.set("snow_depth", FieldValue::depth(d as i32)?)?;
                enc.set("environment", environment()?)?;
                enc.set("solar", solar(rng)?)?;
            }
            SensorKind::AirQuality => {
                enc.set("environment", environment()?)?;
                let h = inst.hour_utc;
                let peak = |c: f64, w: f64| (-((h - c) / w).powi(2)).exp();
                // car park: traffic peaks; the hut: evening stove smoke
                let source = if st.alt_m < 100.0 {
                    10.0 * (peak(9.0, 1.2) + peak(17.5, 1.5))
                } else {
                    14.0 * peak(19.5, 1.5)
                };
                let wash = if raining { 0.5 } else { 1.0 };
                let base = if st.alt_m < 100.0 { 6.5 } else { 4.5 };
                let pm25 = ((base + source + self.pm_anomaly) * wash).max(1.0);
                let pm = [
                    Some((pm25 * 0.7).round() as u32),
                    Some(pm25.round() as u32),
                    None,
                    Some((pm25 * 1.6 + rng.range_f64(0.0, 3.0)).round() as u32),
                ];
                let traffic = if st.alt_m < 100.0 {
                    peak(9.0, 1.2) + peak(17.5, 1.5)
                } else {
                    0.2
                };
                let voc = (100.0 + 25.0 * traffic + 8.0 * rng.normal()).clamp(1.0, 500.0);
                let nox = (2.0 + 30.0 * traffic + 2.0 * rng.normal()).clamp(1.0, 500.0);
                let co2 = (418.0 + 40.0 * traffic + 6.0 * rng.normal()).clamp(350.0, 5000.0);
                let gas = [
                    Some(voc as u32),
                    Some(nox as u32),
                    Some(co2 as u32),
                    None,
                    None,
                    None,
                    None,
                    None,
                ];
                enc.set(
                    "air_quality",
                    FieldValue::air_quality(aqi_pm25(pm25), pm, gas)?,
                )?;
            }
            SensorKind::Radiation => {
                let lambda: f64 = 24.0 * if raining { 1.25 } else { 1.0 };
                let cpm = (lambda + lambda.sqrt() * rng.normal()).round().max(0.0);
                enc.set(
                    "radiation",
                    FieldValue::radiation(cpm as i32, (cpm * 0.0057) as f32)?,
                )?;
                enc.set("environment", environment()?)?;
            }
            SensorKind::CameraRle | SensorKind::CameraHeatshrink => {
                datetime = true;
                let image = if self.kind == SensorKind::CameraRle {
                    thumbs::motion_image(k, rng)?
                } else {
                    thumbs::wildlife_image(k, irr / 600.0, rng)?
                };
                enc.set("thumbnail", FieldValue::Image(image))?;
            }
            SensorKind::Environment => {
                enc.set("environment", environment()?)?;
            }
        }
        if periodic_position {
            enc.set("position", FieldValue::position(st.lat, st.lon)?)?;
            info.position = true;
        }
        if datetime {
            enc.set("datetime", FieldValue::datetime(inst.secs_of_year)?)?;
        }
        if with_flags {
            enc.set("flags", FieldValue::flags(flags)?)?;
        }

        // TLVs
        let mut tlvs: Vec<Tlv> = Vec::new();
        if boot {
            let (fw, hw) = firmware(self.kind);
            tlvs.push(Tlv::version(&[("FW", fw), ("HW", hw)], true)?);
            let interval = format!("{}", st.interval_s.round() as u32);
            tlvs.push(Tlv::config(
                &[("INT", interval.as_str()), ("SF", "9"), ("TXP", "14")],
                false,
            )?);
        }
        if boot || k % 10 == 9 {
            let session_s = ((now_ms - self.session_start_ms).max(0) / 1000) as u32;
            let lifetime =
                (self.lifetime_before_s + u64::from(session_s)).min(u64::from(u32::MAX) / 2) as u32;
            tlvs.push(Tlv::status(
                session_s,
                lifetime,
                self.restarts,
                self.reason,
            )?);
        }
        if k % 25 == 12 {
            let session_s = ((now_ms - self.session_start_ms).max(0) / 1000) as u32;
            let cpu = (temp + 6.0 + rng.normal()).round().clamp(-40.0, 85.0) as i8;
            let supply = (3300.0 + 9.0 * self.battery + 10.0 * rng.normal()) as u16;
            let heap = 18_000 + rng.range_u64(0, 2_000) as u16;
            tlvs.push(Tlv::health(cpu, supply, heap, session_s / 20)?);
        }
        if self.battery < 25.0 && !self.low_battery_reported {
            self.low_battery_reported = true;
            tlvs.push(Tlv::diagnostic(
                &format!("BATTERY LOW {} PCT", self.battery.round() as u32),
                false,
            )?);
        } else if rng.chance(0.015) {
            let list = diagnostics(self.kind);
            let i = rng.range_u64(0, list.len() as u64 - 1) as usize;
            if let Some(text) = list.get(i) {
                tlvs.push(Tlv::diagnostic(text, false)?);
            }
        }
        let note = match self.kind {
            SensorKind::Weather if raining && world.rain_events > self.rain_events_seen => {
                Some("RAIN EVENT START".to_string())
            }
            SensorKind::CameraRle if k % 12 == 3 => Some("VEHICLE ENTERING".to_string()),
            SensorKind::CameraHeatshrink if k % 16 == 5 => Some("RED DEER".to_string()),
            _ if k % 40 == 20 => Some("SITE CHECK OK".to_string()),
            _ => None,
        };
        self.rain_events_seen = world.rain_events;
        if let Some(text) = note {
            tlvs.push(Tlv::userdata(&text, false)?);
        }
        for t in tlvs {
            info.tlvs.push(t.ty);
            enc.tlv(t)?;
        }
        let bytes = enc.finish()?;
        self.seq = self.seq.wrapping_add(1);
        self.k = self.k.wrapping_add(1);
        Ok((bytes, seq, info))
    }
}

/// US EPA air quality index from PM2.5 (ug/m3), 0-500.
pub fn aqi_pm25(pm: f64) -> i32 {
    const BP: [(f64, f64, f64, f64); 7] = [
        (0.0, 12.0, 0.0, 50.0),
        (12.1, 35.4, 51.0, 100.0),
        (35.5, 55.4, 101.0, 150.0),
        (55.5, 150.4, 151.0, 200.0),
        (150.5, 250.4, 201.0, 300.0),
        (250.5, 350.4, 301.0, 400.0),
        (350.5, 500.4, 401.0, 500.0),
    ];
    let pm = (pm * 10.0).floor() / 10.0;
    for (lo, hi, ilo, ihi) in BP {
        if pm <= hi {
            let pm = pm.max(lo);
            return ((ihi - ilo) / (hi - lo) * (pm - lo) + ilo).round() as i32;
        }
    }
    500
}

fn firmware(kind: SensorKind) -> (&'static str, &'static str) {
    match kind {
        SensorKind::Weather => ("3.1.0", "WS2"),
        SensorKind::Soil => ("1.8.2", "SP1"),
        SensorKind::River => ("1.2.7", "RG3"),
        SensorKind::Snow => ("2.0.4", "SD1"),
        SensorKind::AirQuality => ("2.2.0", "AQ4"),
        SensorKind::Radiation => ("1.0.9", "GM2"),
        SensorKind::CameraRle | SensorKind::CameraHeatshrink => ("0.9.3", "CAM1"),
        SensorKind::Environment => ("1.5.1", "EN2"),
    }
}

fn diagnostics(kind: SensorKind) -> &'static [&'static str] {
    match kind {
        SensorKind::Weather => &["ANEMOMETER STALL", "RAIN GAUGE TIP STUCK", "SHT RETRY 2"],
        SensorKind::Soil => &["PROBE RECAL", "I2C RETRY 3"],
        SensorKind::River => &["ULTRASONIC ECHO WEAK", "STILLING WELL DEBRIS"],
        SensorKind::Snow => &["ECHO LOST 2", "STAKE TILT 3 DEG"],
        SensorKind::AirQuality => &["FAN SPEED LOW", "PM SENSOR WARMUP"],
        SensorKind::Radiation => &["HV RECAL 400V", "DEAD TIME CORR"],
        SensorKind::CameraRle | SensorKind::CameraHeatshrink => &["IR LED ON", "SD CARD 82 PCT"],
        SensorKind::Environment => &["BME RESET", "I2C RETRY 1"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aqi_breakpoints() {
        assert_eq!(aqi_pm25(0.0), 0);
        assert_eq!(aqi_pm25(12.0), 50);
        assert_eq!(aqi_pm25(35.4), 100);
        assert_eq!(aqi_pm25(1000.0), 500);
    }
}

//! The weather over the site: a few slowly varying random processes shared
//! by every station (sea-level pressure, cloud cover, a temperature anomaly,
//! the wind regime, rain events) plus the deterministic parts (the diurnal
//! cycle, the sun's elevation, the altitude lapse rate).
//!
//! The random parts are Ornstein-Uhlenbeck processes (mean-reverting random
//! walks) stepped exactly for the elapsed time, and a two-state rain process
//! (dry / raining) with exponential waiting times. The world is advanced in
//! time order by the simulator, so its state depends only on the seed.

use crate::rng::SplitMix64;

/// Longest step used when advancing the processes, ms.
const MAX_STEP_MS: i64 = 60_000;

/// Mean-reverting random walk: `x` relaxes towards `mean` with time constant
/// `tau_s` and has stationary standard deviation `sigma`.
#[derive(Debug, Clone)]
struct Ou {
    x: f64,
    mean: f64,
    tau_s: f64,
    sigma: f64,
}

impl Ou {
    fn step(&mut self, dt_s: f64, rng: &mut SplitMix64) {
        let a = (-dt_s / self.tau_s).exp();
        self.x =
            self.mean + (self.x - self.mean) * a + self.sigma * (1.0 - a * a).sqrt() * rng.normal();
    }
}

/// Shared weather state.
#[derive(Debug, Clone)]
pub struct World {
    rng: SplitMix64,
    now_unix_ms: i64,
    pressure_sl: Ou,
    clouds: Ou,
    temp_anomaly: Ou,
    wind_factor: Ou,
    wind_dir: Ou,
    rain_intensity: Ou,
    raining: bool,
    /// Rain events started so far.
    pub rain_events: u32,
    /// Precipitation since the start of the run, mm.
    pub rain_total_mm: f64,
}

impl World {
    /// A world at `start_unix_ms` drawing from `rng`.
    pub fn new(mut rng: SplitMix64, start_unix_ms: i64) -> Self {
        let pressure = 1009.0 + 4.0 * rng.normal();
        let clouds = rng.range_f64(4.0, 7.0);
        World {
            now_unix_ms: start_unix_ms,
            pressure_sl: Ou {
                x: pressure,
                mean: 1010.0,
                tau_s: 18.0 * 3600.0,
                sigma: 6.0,
            },
            clouds: Ou {
                x: clouds,
                mean: 5.5,
                tau_s: 2.0 * 3600.0,
                sigma: 1.8,
            },
            temp_anomaly: Ou {
                x: rng.normal() * 0.8,
                mean: 0.0,
                tau_s: 3.0 * 3600.0,
                sigma: 1.2,
            },
            wind_factor: Ou {
                x: 1.0,
                mean: 1.0,
                tau_s: 1800.0,
                sigma: 0.25,
            },
            wind_dir: Ou {
                x: 235.0,
                mean: 235.0,
                tau_s: 3600.0,
                sigma: 25.0,
            },
            rain_intensity: Ou {
                x: 2.0,
                mean: 2.5,
                tau_s: 600.0,
                sigma: 1.5,
            },
            raining: false,
            rain_events: 0,
            rain_total_mm: 0.0,
            rng,
        }
    }

    /// Advances the processes to `unix_ms` (no-op for an earlier time).
    pub fn advance(&mut self, unix_ms: i64) {
        while self.now_unix_ms < unix_ms {
            let step = (unix_ms - self.now_unix_ms).min(MAX_STEP_MS);
            let dt = step as f64 / 1000.0;
            let rng = &mut self.rng;
            self.pressure_sl.step(dt, rng);
            self.clouds.step(dt, rng);
            self.temp_anomaly.step(dt, rng);
            self.wind_factor.step(dt, rng);
            self.wind_dir.step(dt, rng);
            self.rain_intensity.step(dt, rng);
            // Rain: events start more readily under heavy cloud; mean length 12 min.
            let rate = self.rain_intensity.x.clamp(0.3, 12.0);
            let cloudy = self.clouds.x >= 5.5;
            if self.raining {
                self.rain_total_mm += rate * dt / 3600.0;
                if rng.chance(dt / 720.0) {
                    self.raining = false;
                }
            } else {
                let mean_wait_s = if cloudy { 1500.0 } else { 9000.0 };
                if rng.chance(dt / mean_wait_s) {
                    self.raining = true;
                    self.rain_events += 1;
                    self.rain_intensity.x = rng.range_f64(0.8, 5.0);
                }
            }
            self.now_unix_ms += step;
        }
    }

    /// Cloud cover, okta (0-8, continuous).
    pub fn clouds(&self) -> f64 {
        self.clouds.x.clamp(0.0, 8.0)
    }

    /// Whether it is raining (snowing high up) now.
    pub fn raining(&self) -> bool {
        self.raining
    }

    /// Precipitation rate, mm/h (0 when dry).
    pub fn rain_rate_mmh(&self) -> f64 {
        if self.raining {
            self.rain_intensity.x.clamp(0.3, 12.0)
        } else {
            0.0
        }
    }

    /// Sea-level pressure, hPa.
    pub fn pressure_sl(&self) -> f64 {
        self.pressure_sl.x
    }

    /// Station pressure at `alt_m`, hPa (barometric formula).
    pub fn pressure_at(&self, alt_m: f64) -> f64 {
        self.pressure_sl() * (1.0 - 2.255_77e-5 * alt_m).powf(5.255_88)
    }

    /// Air temperature at `alt_m` and UTC hour `hour`, deg C: a diurnal cycle
    /// (minimum near 03:00, maximum near 15:00, damped under cloud), the
    /// anomaly process and a 6.5 K/km lapse rate.
    pub fn air_temp(&self, alt_m: f64, hour: f64) -> f64 {
        let amplitude = 4.0 * (1.0 - 0.45 * self.clouds() / 8.0);
        let diurnal = amplitude * (core::f64::consts::TAU * (hour - 9.0) / 24.0).sin();
        5.0 + diurnal + self.temp_anomaly.x - 0.0065 * alt_m - if self.raining { 0.8 } else { 0.0 }
    }

    /// Relative humidity, percent.
    pub fn humidity(&self, temp_c: f64, alt_m: f64) -> f64 {
        let rh = 90.0 - 3.2 * (temp_c + 0.0065 * alt_m - 2.0)
            + if self.raining { 9.0 } else { 0.0 }
            + 2.0 * self.clouds();
        rh.clamp(28.0, 100.0)
    }

    /// Mean wind speed at `alt_m`, m/s (valley floor ~3 m/s, summits much more).
    pub fn wind_speed(&self, alt_m: f64) -> f64 {
        ((2.8 + 0.009 * alt_m) * self.wind_factor.x).max(0.0)
    }

    /// Prevailing wind direction, degrees.
    pub fn wind_dir(&self) -> f64 {
        self.wind_dir.x.rem_euclid(360.0)
    }

    /// Global horizontal irradiance, W/m2, at a position and time.
    pub fn irradiance(&self, lat: f64, lon: f64, day_of_year: u32, hour_utc: f64) -> f64 {
        let elev = sun_elevation_deg(lat, lon, day_of_year, hour_utc);
        if elev <= 0.0 {
            return 0.0;
        }
        let clear = 1050.0 * elev.to_radians().sin().powf(1.15);
        let c = self.clouds() / 8.0;
        let cloud = 1.0 - 0.75 * c.powf(3.2);
        (clear * cloud * if self.raining { 0.5 } else { 1.0 }).clamp(0.0, 1023.0)
    }
}

/// The sun's elevation above the horizon, degrees (simple declination and
/// hour-angle model, good to a degree or so).
pub fn sun_elevation_deg(lat: f64, lon: f64, day_of_year: u32, hour_utc: f64) -> f64 {
    let decl = 23.44_f64.to_radians()
        * (core::f64::consts::TAU * (284.0 + f64::from(day_of_year) + 1.0) / 365.0).sin();
    let solar_time = hour_utc + lon / 15.0;
    let hour_angle = (15.0 * (solar_time - 12.0)).to_radians();
    let phi = lat.to_radians();
    (phi.sin() * decl.sin() + phi.cos() * decl.cos() * hour_angle.cos())
        .asin()
        .to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sun_in_march_at_56n() {
        // Noon at the equinox at 56.8 N: about 33 degrees; night is negative.
        let noon = sun_elevation_deg(56.8, -5.0, 78, 12.33);
        assert!((30.0..36.0).contains(&noon), "{noon}");
        assert!(sun_elevation_deg(56.8, -5.0, 78, 0.0) < -20.0);
    }

    #[test]
    fn stays_in_range() {
        let mut w = World::new(SplitMix64::new(3), 0);
        for h in 0..(72 * 60) {
            w.advance(i64::from(h) * 60_000);
            let t = w.air_temp(1340.0, f64::from(h % (24 * 60)) / 60.0);
            assert!((-30.0..30.0).contains(&t));
            assert!((850.0..1105.0).contains(&w.pressure_at(0.0)));
            assert!((0.0..=8.0).contains(&w.clouds()));
        }
        assert!(w.rain_events > 0);
    }
}

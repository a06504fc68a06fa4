//! The field types and their table-driven descriptions.
//!
//! Every fixed-width field type is a list of [`Component`]s; each component
//! names its JSON key, dump name, bit width, quantiser, unit and range. One
//! generic reader, writer, JSON serialiser and dump walk these tables. The
//! variable-width types (air quality PM/gas masks and the image) have their
//! own small descriptions ([`PM_CHANNELS`], [`GAS_SLOTS`], [`crate::image`]).
//!
//! Quantisation follows the reference implementation bit for bit (see
//! `reference-behaviour.md`): f32 arithmetic with `roundf` for temperature,
//! SNR, wind speed/gust and radiation dose; integer arithmetic for battery;
//! truncation for RSSI, rain size, PM/gas channels and datetime; f64 for
//! position.

use crate::error::{Bound, EncodeError, Quantity};
use crate::image::Image;

impl FieldType {
    /// The type's name as used in variant map JSON (`"BATTERY"`, `"AIR_QUALITY_PM"`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Looks a type up by its variant-map name (case-insensitive).
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL
            .iter()
            .copied()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// The table entry describing this type.
    pub fn spec(self) -> &'static TypeSpec {
        &TYPE_SPECS[self as usize]
    }

    /// Wire width in bits for fixed-width types; `None` for the variable
    /// ones (air quality bundle, PM, gas, image).
    pub fn fixed_bits(self) -> Option<usize> {
        match self.spec().layout {
            Layout::Fixed(c) => Some(c.iter().map(|c| c.bits as usize).sum()),
            _ => None,
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a type is laid out on the wire.
#[derive(Debug, Clone, Copy)]
pub enum Layout {
    /// A fixed sequence of components.
    Fixed(&'static [Component]),
    /// 4-bit channel mask then 8 bits per present PM channel.
    Pm,
    /// 8-bit slot mask then each present gas slot.
    Gas,
    /// 9-bit index, PM, gas.
    AirQualityBundle,
    /// Length byte, control byte, data.
    Image,
}

/// The JSON shape of a type's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A bare number (single-component types).
    Bare,
    /// An object keyed by component keys.
    Object,
}

/// One field type's description.
#[derive(Debug)]
pub struct TypeSpec {
    /// Variant-map name.
    pub name: &'static str,
    /// Wire layout.
    pub layout: Layout,
    /// JSON shape.
    pub shape: Shape,
    /// The quantity reported by encoder range errors for single-valued types.
    pub summary: &'static str,
}

/// One component of a fixed-width field.
#[derive(Debug)]
pub struct Component {
    /// Key in the JSON object (unused for bare types).
    pub key: &'static str,
    /// Name in the bit-level dump (`None`: use the slot's label).
    pub dump_name: Option<&'static str>,
    /// Wire width.
    pub bits: u8,
    /// How raw and native values map.
    pub quant: Quant,
    /// Unit suffix for display (may be empty).
    pub unit: &'static str,
    /// Range text for the dump.
    pub range: &'static str,
}

/// Quantisers: how a native value maps to the raw wire value and back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quant {
    /// Battery level: encode `(pct*31+50)/100`, decode `(q*100+15)/31`.
    Battery,
    /// One bit, boolean.
    Bool,
    /// Link RSSI: `(rssi+120)/4` truncating, decode `-120+4q`.
    Rssi,
    /// Link SNR: `roundf((snr+20)/10)` in f32, decode `-20+10q`.
    Snr,
    /// Temperature: `roundf((t+40)/0.25)` in f32, decode `-40+0.25q`.
    Temperature,
    /// Integer with an offset: `q = v - offset` (pressure: 850).
    Offset {
        /// Subtracted on encode.
        offset: i32,
        /// Smallest accepted value.
        min: i32,
        /// Largest accepted value.
        max: i32,
        /// Quantity for range errors.
        quantity: Quantity,
    },
    /// Direct unsigned integer `0..=max`.
    Direct {
        /// Largest accepted value.
        max: u32,
        /// Quantity for range errors.
        quantity: Quantity,
    },
    /// Half-unit steps in f32: `roundf(v/0.5)` (wind speed and gust).
    Half {
        /// Quantity for range errors.
        quantity: Quantity,
    },
    /// Wind direction: `roundf(deg/1.40625) & 0xFF`, decode `roundf(q*1.40625)`.
    WindDirection,
    /// Rain drop size in tenths of mm: `q = v/4`, decode `4q`.
    RainSize,
    /// Radiation dose: `roundf(v/0.01)` in f32, decode `q*0.01`.
    Dose,
    /// Latitude, f64: `round((lat+90)/180*16777215)`.
    Latitude,
    /// Longitude, f64: `round((lon+180)/360*16777215)`.
    Longitude,
    /// Datetime: 5-second ticks, truncating.
    Datetime,
    /// Bit mask shown in hex.
    Hex {
        /// Quantity for range errors.
        quantity: Quantity,
    },
}

/// A decoded value in native units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Native {
    /// An integer.
    Int(i64),
    /// A float32 quantity (printed as the shortest decimal of the f32).
    F32(f32),
    /// A float64 quantity.
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl Native {
    /// The value as f64 (booleans as 0/1).
    pub fn as_f64(self) -> f64 {
        match self {
            Native::Int(i) => i as f64,
            Native::F32(f) => f as f64,
            Native::F64(f) => f,
            Native::Bool(b) => b as u8 as f64,
        }
    }

    /// Appends the value as JSON.
    pub fn write_json(self, out: &mut String) {
        use crate::json_write::*;
        match self {
            Native::Int(i) => write_int(out, i),
            Native::F32(f) => write_f32(out, f),
            Native::F64(f) => write_f64(out, f),
            Native::Bool(b) => write_bool(out, b),
        }
    }
}

impl Quant {
    /// Raw wire value -> native value.
    pub fn dequantise(self, raw: u32) -> Native {
        match self {
            Quant::Battery => Native::Int(((raw as i64) * 100 + 15) / 31),
            Quant::Bool => Native::Bool(raw != 0),
            Quant::Rssi => Native::Int(-120 + 4 * raw as i64),
            Quant::Snr => Native::F32(-20.0f32 + raw as f32 * 10.0f32),
            Quant::Temperature => Native::F32(-40.0f32 + raw as f32 * 0.25f32),
            Quant::Offset { offset, .. } => Native::Int(raw as i64 + offset as i64),
            Quant::Direct { .. } | Quant::Hex { .. } => Native::Int(raw as i64),
            Quant::Half { .. } => Native::F32(raw as f32 * 0.5f32),
            Quant::WindDirection => Native::Int((raw as f32 * 1.40625f32).round() as i64),
            Quant::RainSize => Native::Int(4 * raw as i64),
            Quant::Dose => Native::F32(raw as f32 * 0.01f32),
            Quant::Latitude => Native::F64(raw as f64 / 16777215.0 * 180.0 - 90.0),
            Quant::Longitude => Native::F64(raw as f64 / 16777215.0 * 360.0 - 180.0),
            Quant::Datetime => Native::Int(raw as i64 * 5),
        }
    }

    /// Native value -> raw wire value, with the reference encoder's range
    /// checks. `field` names the field in errors.
    pub fn quantise(self, v: f64, field: &str) -> Result<u32, EncodeError> {
        let low = |q: Quantity, limit: f64| Err(EncodeError::range(field, q, Bound::Low, v, limit));
        let high =
            |q: Quantity, limit: f64| Err(EncodeError::range(field, q, Bound::High, v, limit));
        if v.is_nan() {
            return Err(EncodeError::JsonInvalid {
                field: field.to_string(),
                reason: "not a number".into(),
            });
        }
        match self {
            Quant::Battery => {
                if v < 0.0 {
                    return low(Quantity::BatteryLevel, 0.0);
                }
                if v > 100.0 {
                    return high(Quantity::BatteryLevel, 100.0);
                }
                let pct = v as u32;
                Ok((pct * 31 + 50) / 100)
            }
            Quant::Bool => Ok((v != 0.0) as u32),
            Quant::Rssi => {
                if v < -120.0 {
                    return low(Quantity::LinkRssi, -120.0);
                }
                if v > -60.0 {
                    return high(Quantity::LinkRssi, -60.0);
                }
                Ok(((v as i32 + 120) / 4) as u32)
            }
            Quant::Snr => {
                let f = v as f32;
                if f < -20.0 {
                    return low(Quantity::LinkSnr, -20.0);
                }
                if f > 10.0 {
                    return high(Quantity::LinkSnr, 10.0);
                }
                Ok(((f + 20.0f32) / 10.0f32).round() as u32)
            }
            Quant::Temperature => {
                let f = v as f32;
                if f < -40.0 {
                    return low(Quantity::Temperature, -40.0);
                }
                if f > 80.0 {
                    return high(Quantity::Temperature, 80.0);
                }
                Ok(((f + 40.0f32) / 0.25f32).round() as u32)
            }
            Quant::Offset {
                offset,
                min,
                max,
                quantity,
            } => {
                if v < min as f64 {
                    return low(quantity, min as f64);
                }
                if v > max as f64 {
                    return high(quantity, max as f64);
                }
                Ok((v as i32 - offset) as u32)
            }
            Quant::Direct { max, quantity } => {
                if v < 0.0 {
                    return low(quantity, 0.0);
                }
                if v > max as f64 {
                    return high(quantity, max as f64);
                }
                Ok(v as u32)
            }
            Quant::Hex { quantity } => {
                if v < 0.0 {
                    return low(quantity, 0.0);
                }
                if v > 255.0 {
                    return high(quantity, 255.0);
                }
                Ok(v as u32)
            }
            Quant::Half { quantity } => {
                let f = v as f32;
                if f < 0.0 {
                    return low(quantity, 0.0);
                }
                if f > 63.5 {
                    return high(quantity, 63.5);
                }
                Ok((f / 0.5f32).round() as u32)
            }
            Quant::WindDirection => {
                if v < 0.0 {
                    return low(Quantity::WindDirection, 0.0);
                }
                if v > 359.0 {
                    return high(Quantity::WindDirection, 359.0);
                }
                Ok(((v as i32 as f32 / 1.40625f32).round() as u32) & 0xFF)
            }
            Quant::RainSize => {
                if v < 0.0 {
                    return low(Quantity::RainSize, 0.0);
                }
                if v > 60.0 {
                    return high(Quantity::RainSize, 60.0);
                }
                Ok(v as u32 / 4)
            }
            Quant::Dose => {
                let f = v as f32;
                if !(0.0..=163.83).contains(&f) {
                    return high(Quantity::RadiationDose, 163.83);
                }
                Ok((f / 0.01f32).round() as u32)
            }
            Quant::Latitude => {
                if v < -90.0 {
                    return low(Quantity::Latitude, -90.0);
                }
                if v > 90.0 {
                    return high(Quantity::Latitude, 90.0);
                }
                Ok(((v + 90.0) / 180.0 * 16777215.0).round() as u32)
            }
            Quant::Longitude => {
                if v < -180.0 {
                    return low(Quantity::Longitude, -180.0);
                }
                if v > 180.0 {
                    return high(Quantity::Longitude, 180.0);
                }
                Ok(((v + 180.0) / 360.0 * 16777215.0).round() as u32)
            }
            Quant::Datetime => {
                if v < 0.0 {
                    return low(Quantity::Datetime, 0.0);
                }
                let ticks = (v as u64) / 5;
                if ticks > 0xFF_FFFF {
                    return high(Quantity::Datetime, 0xFF_FFFF as f64 * 5.0);
                }
                Ok(ticks as u32)
            }
        }
    }

    /// The decoded value as display text with its unit (`"21.50 C"`, `"81%"`).
    pub fn display(self, raw: u32, unit: &str) -> String {
        match (self, self.dequantise(raw)) {
            (Quant::Bool, Native::Bool(b)) => {
                if b { "charging" } else { "discharging" }.to_string()
            }
            (Quant::Hex { .. }, _) => format!("0x{raw:02X}"),
            (Quant::Temperature, Native::F32(f)) => format!("{f:.2} {unit}"),
            (Quant::Half { .. }, Native::F32(f)) => format!("{f:.1} {unit}"),
            (Quant::Dose, Native::F32(f)) => format!("{f:.2} {unit}"),
            (Quant::RainSize, Native::Int(i)) => format!("{:.1} {unit}", i as f64 / 10.0),
            (Quant::Latitude | Quant::Longitude, Native::F64(f)) => format!("{f:.6}"),
            (Quant::Datetime, Native::Int(s)) => {
                let (d, rem) = (s / 86400, s % 86400);
                format!(
                    "day {d} {:02}:{:02}:{:02} ({s}s)",
                    rem / 3600,
                    rem % 3600 / 60,
                    rem % 60
                )
            }
            (Quant::Battery, Native::Int(i)) => format!("{i}%"),
            (_, n) => {
                let v = match n {
                    Native::Int(i) => i.to_string(),
                    Native::F32(f) => f.to_string(),
                    Native::F64(f) => f.to_string(),
                    Native::Bool(b) => b.to_string(),
                };
                if unit.is_empty() {
                    v
                } else if unit == "%" {
                    format!("{v}%")
                } else {
                    format!("{v} {unit}")
                }
            }
        }
    }
}

macro_rules! comp {
    ($key:expr, $dump:expr, $bits:expr, $quant:expr, $unit:expr, $range:expr) => {
        Component {
            key: $key,
            dump_name: $dump,
            bits: $bits,
            quant: $quant,
            unit: $unit,
            range: $range,
        }
    };
}

const BATTERY_LEVEL: Component = comp!(
    "level",
    Some("battery_level"),
    5,
    Quant::Battery,
    "%",
    "0..100%, 5b quant"
);
const BATTERY_CHARGING: Component = comp!(
    "charging",
    Some("battery_charging"),
    1,
    Quant::Bool,
    "",
    "0/1"
);
const LINK_RSSI: Component = comp!(
    "rssi",
    Some("link_rssi"),
    4,
    Quant::Rssi,
    "dBm",
    "-120..-60, 4dBm"
);
const LINK_SNR: Component = comp!(
    "snr",
    Some("link_snr"),
    2,
    Quant::Snr,
    "dB",
    "-20..+10, 10dB"
);
const TEMPERATURE: Component = comp!(
    "temperature",
    Some("temperature"),
    9,
    Quant::Temperature,
    "C",
    "-40..+80C, 0.25C"
);
const PRESSURE: Component = comp!(
    "pressure",
    Some("pressure"),
    8,
    Quant::Offset {
        offset: 850,
        min: 850,
        max: 1105,
        quantity: Quantity::Pressure
    },
    "hPa",
    "850..1105 hPa"
);
const HUMIDITY: Component = comp!(
    "humidity",
    Some("humidity"),
    7,
    Quant::Direct {
        max: 100,
        quantity: Quantity::Humidity
    },
    "%",
    "0..100%"
);
const WIND_SPEED: Component = comp!(
    "speed",
    Some("wind_speed"),
    7,
    Quant::Half {
        quantity: Quantity::WindSpeed
    },
    "m/s",
    "0..63.5, 0.5m/s"
);
const WIND_DIRECTION: Component = comp!(
    "direction",
    Some("wind_direction"),
    8,
    Quant::WindDirection,
    "deg",
    "0..355, ~1.4deg"
);
const WIND_GUST: Component = comp!(
    "gust",
    Some("wind_gust"),
    7,
    Quant::Half {
        quantity: Quantity::WindGust
    },
    "m/s",
    "0..63.5, 0.5m/s"
);
const RAIN_RATE: Component = comp!(
    "rate",
    Some("rain_rate"),
    8,
    Quant::Direct {
        max: 255,
        quantity: Quantity::RainRate
    },
    "mm/hr",
    "0..255 mm/hr"
);
const RAIN_SIZE: Component = comp!(
    "size",
    Some("rain_size"),
    4,
    Quant::RainSize,
    "mm",
    "0..6.0 mm, 0.4mm"
);
const SOLAR_IRRADIANCE: Component = comp!(
    "irradiance",
    Some("solar_irradiance"),
    10,
    Quant::Direct {
        max: 1023,
        quantity: Quantity::SolarIrradiance
    },
    "W/m2",
    "0..1023 W/m2"
);
const SOLAR_UV: Component = comp!(
    "ultraviolet",
    Some("solar_ultraviolet"),
    4,
    Quant::Direct {
        max: 15,
        quantity: Quantity::SolarUltraviolet
    },
    "",
    "0..15"
);
const CLOUDS: Component = comp!(
    "clouds",
    Some("clouds"),
    4,
    Quant::Direct {
        max: 8,
        quantity: Quantity::Clouds
    },
    "okta",
    "0..8 okta"
);
const AQ_INDEX: Component = comp!(
    "index",
    Some("aq_index"),
    9,
    Quant::Direct {
        max: 500,
        quantity: Quantity::AirQualityIndex
    },
    "AQI",
    "0..500 AQI"
);
const RAD_CPM: Component = comp!(
    "cpm",
    Some("radiation_cpm"),
    14,
    Quant::Direct {
        max: 16383,
        quantity: Quantity::RadiationCpm
    },
    "CPM",
    "0..16383 CPM"
);
const RAD_DOSE: Component = comp!(
    "dose",
    Some("radiation_dose"),
    14,
    Quant::Dose,
    "uSv/h",
    "0..163.83, 0.01"
);
const DEPTH: Component = comp!(
    "depth",
    None,
    10,
    Quant::Direct {
        max: 1023,
        quantity: Quantity::Depth
    },
    "cm",
    "0..1023 cm"
);
const LATITUDE: Component = comp!(
    "latitude",
    Some("latitude"),
    24,
    Quant::Latitude,
    "deg",
    "-90..+90"
);
const LONGITUDE: Component = comp!(
    "longitude",
    Some("longitude"),
    24,
    Quant::Longitude,
    "deg",
    "-180..+180"
);
const DATETIME: Component = comp!(
    "datetime",
    Some("datetime"),
    24,
    Quant::Datetime,
    "s",
    "5s res"
);
const FLAGS: Component = comp!(
    "flags",
    Some("flags"),
    8,
    Quant::Hex {
        quantity: Quantity::Flags
    },
    "",
    "8-bit bitmask"
);

/// Declares the field types once: the [`FieldType`] enum, [`FieldType::ALL`]
/// and [`TYPE_SPECS`] come from one list (variant, variant-map name, wire
/// layout, JSON shape), so they cannot drift apart.
macro_rules! field_types {
    ($( $variant:ident => $name:literal, $layout:expr, $shape:expr; )+) => {
        /// The field types of the protocol.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum FieldType {
            $( $variant, )+
        }

        impl FieldType {
            /// How many field types there are.
            pub const COUNT: usize = [$( FieldType::$variant ),+].len();

            /// All field types, in declaration order.
            pub const ALL: [FieldType; FieldType::COUNT] = [$( FieldType::$variant ),+];
        }

        /// One entry per [`FieldType`], in declaration order.
        pub static TYPE_SPECS: [TypeSpec; FieldType::COUNT] = [$(
            TypeSpec {
                name: $name,
                layout: $layout,
                shape: $shape,
                summary: $name,
            },
        )+];
    };
}

field_types! {
    Battery => "BATTERY", Layout::Fixed(&[BATTERY_LEVEL, BATTERY_CHARGING]), Shape::Object;
    Link => "LINK", Layout::Fixed(&[LINK_RSSI, LINK_SNR]), Shape::Object;
    Environment => "ENVIRONMENT", Layout::Fixed(&[TEMPERATURE, PRESSURE, HUMIDITY]), Shape::Object;
    Temperature => "TEMPERATURE", Layout::Fixed(&[TEMPERATURE]), Shape::Bare;
    Pressure => "PRESSURE", Layout::Fixed(&[PRESSURE]), Shape::Bare;
    Humidity => "HUMIDITY", Layout::Fixed(&[HUMIDITY]), Shape::Bare;
    Wind => "WIND", Layout::Fixed(&[WIND_SPEED, WIND_DIRECTION, WIND_GUST]), Shape::Object;
    WindSpeed => "WIND_SPEED", Layout::Fixed(&[WIND_SPEED]), Shape::Bare;
    WindDirection => "WIND_DIRECTION", Layout::Fixed(&[WIND_DIRECTION]), Shape::Bare;
    WindGust => "WIND_GUST", Layout::Fixed(&[WIND_GUST]), Shape::Bare;
    Rain => "RAIN", Layout::Fixed(&[RAIN_RATE, RAIN_SIZE]), Shape::Object;
    RainRate => "RAIN_RATE", Layout::Fixed(&[RAIN_RATE]), Shape::Bare;
    RainSize => "RAIN_SIZE", Layout::Fixed(&[RAIN_SIZE]), Shape::Bare;
    Solar => "SOLAR", Layout::Fixed(&[SOLAR_IRRADIANCE, SOLAR_UV]), Shape::Object;
    Clouds => "CLOUDS", Layout::Fixed(&[CLOUDS]), Shape::Bare;
    AirQuality => "AIR_QUALITY", Layout::AirQualityBundle, Shape::Object;
    AirQualityIndex => "AIR_QUALITY_INDEX", Layout::Fixed(&[AQ_INDEX]), Shape::Bare;
    AirQualityPm => "AIR_QUALITY_PM", Layout::Pm, Shape::Object;
    AirQualityGas => "AIR_QUALITY_GAS", Layout::Gas, Shape::Object;
    Radiation => "RADIATION", Layout::Fixed(&[RAD_CPM, RAD_DOSE]), Shape::Object;
    RadiationCpm => "RADIATION_CPM", Layout::Fixed(&[RAD_CPM]), Shape::Bare;
    RadiationDose => "RADIATION_DOSE", Layout::Fixed(&[RAD_DOSE]), Shape::Bare;
    Depth => "DEPTH", Layout::Fixed(&[DEPTH]), Shape::Bare;
    Position => "POSITION", Layout::Fixed(&[LATITUDE, LONGITUDE]), Shape::Object;
    Datetime => "DATETIME", Layout::Fixed(&[DATETIME]), Shape::Bare;
    Flags => "FLAGS", Layout::Fixed(&[FLAGS]), Shape::Bare;
    Image => "IMAGE", Layout::Image, Shape::Object;
}

/// One air-quality channel (PM channel or gas slot).
#[derive(Debug)]
pub struct Channel {
    /// JSON key and dump name.
    pub key: &'static str,
    /// Display name.
    pub label: &'static str,
    /// Wire width.
    pub bits: u8,
    /// Resolution: native = raw * resolution; raw = native / resolution (truncating).
    pub resolution: u32,
    /// Unit.
    pub unit: &'static str,
    /// Dump range text.
    pub range: &'static str,
}

impl Channel {
    /// Largest native value the channel can carry.
    pub fn max(&self) -> u32 {
        ((1u32 << self.bits) - 1) * self.resolution
    }
}

/// The four PM channels, bit i of the mask = channel i.
pub static PM_CHANNELS: [Channel; 4] = [
    Channel {
        key: "pm1",
        label: "PM1",
        bits: 8,
        resolution: 5,
        unit: "ug/m3",
        range: "0..1275, 5 ug/m3",
    },
    Channel {
        key: "pm25",
        label: "PM2.5",
        bits: 8,
        resolution: 5,
        unit: "ug/m3",
        range: "0..1275, 5 ug/m3",
    },
    Channel {
        key: "pm4",
        label: "PM4",
        bits: 8,
        resolution: 5,
        unit: "ug/m3",
        range: "0..1275, 5 ug/m3",
    },
    Channel {
        key: "pm10",
        label: "PM10",
        bits: 8,
        resolution: 5,
        unit: "ug/m3",
        range: "0..1275, 5 ug/m3",
    },
];

/// The eight gas slots, bit i of the mask = slot i.
pub static GAS_SLOTS: [Channel; 8] = [
    Channel {
        key: "voc",
        label: "VOC",
        bits: 8,
        resolution: 2,
        unit: "idx",
        range: "0..510, 2 idx",
    },
    Channel {
        key: "nox",
        label: "NOx",
        bits: 8,
        resolution: 2,
        unit: "idx",
        range: "0..510, 2 idx",
    },
    Channel {
        key: "co2",
        label: "CO2",
        bits: 10,
        resolution: 50,
        unit: "ppm",
        range: "0..51150, 50 ppm",
    },
    Channel {
        key: "co",
        label: "CO",
        bits: 10,
        resolution: 1,
        unit: "ppm",
        range: "0..1023, 1 ppm",
    },
    Channel {
        key: "hcho",
        label: "HCHO",
        bits: 10,
        resolution: 5,
        unit: "ppb",
        range: "0..5115, 5 ppb",
    },
    Channel {
        key: "o3",
        label: "O3",
        bits: 10,
        resolution: 1,
        unit: "ppb",
        range: "0..1023, 1 ppb",
    },
    Channel {
        key: "rsvd6",
        label: "rsvd6",
        bits: 10,
        resolution: 1,
        unit: "",
        range: "reserved",
    },
    Channel {
        key: "rsvd7",
        label: "rsvd7",
        bits: 10,
        resolution: 1,
        unit: "",
        range: "reserved",
    },
];

/// Present air-quality channels as raw (quantised) values, `None` =
/// absent: `N` channels of raw type `T`, described by
/// [`ChannelTable::table`] ([`PmChannels`], [`GasSlots`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Channels<const N: usize, T>(pub [Option<T>; N]);

/// Present PM channels (PM1, PM2.5, PM4, PM10), raw values.
pub type PmChannels = Channels<4, u8>;

/// Present gas slots (VOC, NOx, CO2, CO, HCHO, O3, 2 reserved), raw values.
pub type GasSlots = Channels<8, u16>;

/// What tells one channel set from another: its channel descriptions and
/// the quantity its range errors name.
pub trait ChannelTable {
    /// The channel descriptions, channel `i` = mask bit `i`.
    fn table() -> &'static [Channel];
    /// The quantity named in range errors.
    const QUANTITY: Quantity;
}

impl ChannelTable for PmChannels {
    fn table() -> &'static [Channel] {
        &PM_CHANNELS
    }
    const QUANTITY: Quantity = Quantity::AirQualityPm;
}

impl ChannelTable for GasSlots {
    fn table() -> &'static [Channel] {
        &GAS_SLOTS
    }
    const QUANTITY: Quantity = Quantity::AirQualityGas;
}

impl<const N: usize, T> Default for Channels<N, T> {
    fn default() -> Self {
        Channels(std::array::from_fn(|_| None))
    }
}

impl<const N: usize, T> Channels<N, T>
where
    Self: ChannelTable,
    T: Copy + Into<u32> + TryFrom<u32>,
{
    /// The `N`-bit presence mask (bit i = channel i).
    pub fn mask(&self) -> u8 {
        self.0
            .iter()
            .enumerate()
            .fold(0, |m, (i, c)| if c.is_some() { m | (1 << i) } else { m })
    }

    /// Builds from native values (µg/m³ for PM; quantised by truncation),
    /// with range checks.
    pub fn from_values(values: [Option<u32>; N]) -> Result<Self, EncodeError> {
        let mut out = Self::default();
        for (i, v) in values.iter().enumerate() {
            if let (Some(v), Some(ch), Some(slot)) = (v, Self::table().get(i), out.0.get_mut(i)) {
                let high = || {
                    EncodeError::range(
                        ch.key,
                        Self::QUANTITY,
                        Bound::High,
                        *v as f64,
                        ch.max() as f64,
                    )
                };
                if *v > ch.max() {
                    return Err(high());
                }
                *slot = Some(T::try_from(*v / ch.resolution).map_err(|_| high())?);
            }
        }
        Ok(out)
    }

    /// Native values of present channels with their descriptions:
    /// `(channel, raw, native)`.
    pub fn values(&self) -> impl Iterator<Item = (&'static Channel, u32, u32)> + '_ {
        Self::table()
            .iter()
            .zip(self.0.iter())
            .filter_map(|(ch, raw)| {
                raw.map(|r| {
                    let r: u32 = r.into();
                    (ch, r, r * ch.resolution)
                })
            })
    }

    /// Wire width: mask plus present channels.
    pub fn bits(&self) -> usize {
        N + self
            .values()
            .map(|(c, _, _)| c.bits as usize)
            .sum::<usize>()
    }
}

/// A field's value as raw (quantised) wire values, generic over how the
/// Image field is held: [`FieldValue`] owns it ([`Image`]),
/// [`FieldView`](crate::view::FieldView) points into the input
/// ([`ImageRef`](crate::view::ImageRef)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldData<I> {
    /// A fixed-width type: raw component values in table order (unused
    /// trailing entries are 0).
    Fixed {
        /// The type.
        ty: FieldType,
        /// Raw values, one per component.
        raw: [u32; 3],
    },
    /// `AIR_QUALITY_PM`.
    Pm(PmChannels),
    /// `AIR_QUALITY_GAS`.
    Gas(GasSlots),
    /// `AIR_QUALITY` bundle: raw index, PM, gas.
    AirQuality {
        /// Raw 9-bit index.
        index: u16,
        /// PM channels.
        pm: PmChannels,
        /// Gas slots.
        gas: GasSlots,
    },
    /// `IMAGE`.
    Image(I),
}

/// A field's value: raw (quantised) wire values, with native accessors.
pub type FieldValue = FieldData<Image>;

/// One component of a decoded fixed-width value.
#[derive(Debug, Clone, Copy)]
pub struct ComponentValue {
    /// The component's description.
    pub spec: &'static Component,
    /// Raw wire value.
    pub raw: u32,
    /// Native value.
    pub value: Native,
}

impl<I> FieldData<I> {
    /// The value's field type.
    pub fn ty(&self) -> FieldType {
        match self {
            FieldData::Fixed { ty, .. } => *ty,
            FieldData::Pm(_) => FieldType::AirQualityPm,
            FieldData::Gas(_) => FieldType::AirQualityGas,
            FieldData::AirQuality { .. } => FieldType::AirQuality,
            FieldData::Image(_) => FieldType::Image,
        }
    }
}

impl FieldValue {
    /// Builds a fixed-width value from native component values (in table
    /// order), quantising with range checks. `field` names it in errors.
    pub fn from_natives(
        ty: FieldType,
        natives: &[f64],
        field: &str,
    ) -> Result<FieldValue, EncodeError> {
        let Layout::Fixed(comps) = ty.spec().layout else {
            return Err(EncodeError::WrongType {
                field: field.to_string(),
                expected: ty.name(),
            });
        };
        let mut raw = [0u32; 3];
        for ((c, slot), v) in comps.iter().zip(raw.iter_mut()).zip(natives.iter()) {
            *slot = c.quant.quantise(*v, field)?;
        }
        Ok(FieldValue::Fixed { ty, raw })
    }

    /// Builds a fixed-width value from raw wire values (masked to their widths).
    pub fn from_raw(ty: FieldType, raws: &[u32]) -> Option<FieldValue> {
        let Layout::Fixed(comps) = ty.spec().layout else {
            return None;
        };
        let mut raw = [0u32; 3];
        for ((c, slot), v) in comps.iter().zip(raw.iter_mut()).zip(raws.iter()) {
            *slot = v & ((1u64 << c.bits) - 1) as u32;
        }
        Some(FieldValue::Fixed { ty, raw })
    }

    /// The components of a fixed-width value (empty for the variable types).
    pub fn components(&self) -> impl Iterator<Item = ComponentValue> + '_ {
        let (comps, raw): (&'static [Component], &[u32; 3]) = match self {
            FieldValue::Fixed { ty, raw } => match ty.spec().layout {
                Layout::Fixed(c) => (c, raw),
                _ => (&[], raw),
            },
            _ => (&[], &[0; 3]),
        };
        comps
            .iter()
            .zip(raw.iter())
            .map(|(spec, &raw)| ComponentValue {
                spec,
                raw,
                value: spec.quant.dequantise(raw),
            })
    }

    /// Every numeric reading in native units as `(key, value)` pairs, for
    /// charts and tables (`"temperature"`, `"wind.speed"`, `"pm.pm25"`, ...).
    /// Keys of single-valued types are empty (`""`); the caller prefixes the label.
    pub fn numeric_values(&self) -> Vec<(String, f64)> {
        match self {
            FieldValue::Fixed { ty, .. } => {
                let bare = ty.spec().shape == Shape::Bare;
                self.components()
                    .map(|c| {
                        (
                            if bare {
                                String::new()
                            } else {
                                c.spec.key.to_string()
                            },
                            c.value.as_f64(),
                        )
                    })
                    .collect()
            }
            FieldValue::Pm(pm) => pm
                .values()
                .map(|(c, _, v)| (c.key.to_string(), v as f64))
                .collect(),
            FieldValue::Gas(g) => g
                .values()
                .map(|(c, _, v)| (c.key.to_string(), v as f64))
                .collect(),
            FieldValue::AirQuality { index, pm, gas } => {
                let mut v = vec![("index".to_string(), *index as f64)];
                v.extend(
                    pm.values()
                        .map(|(c, _, x)| (format!("pm.{}", c.key), x as f64)),
                );
                v.extend(
                    gas.values()
                        .map(|(c, _, x)| (format!("gas.{}", c.key), x as f64)),
                );
                v
            }
            FieldValue::Image(_) => Vec::new(),
        }
    }

    /// Wire width in bits.
    pub fn bits(&self) -> usize {
        match self {
            FieldValue::Fixed { ty, .. } => ty.fixed_bits().unwrap_or(0),
            FieldValue::Pm(p) => p.bits(),
            FieldValue::Gas(g) => g.bits(),
            FieldValue::AirQuality { pm, gas, .. } => 9 + pm.bits() + gas.bits(),
            FieldValue::Image(img) => crate::image::image_bits(img),
        }
    }

    // ---- typed constructors of the variable types (the reference encoder's calls) ----

    /// Air quality bundle: index 0..=500, PM channels (µg/m³), gas slots.
    pub fn air_quality(
        aq_index: i32,
        pm: [Option<u32>; 4],
        gas: [Option<u32>; 8],
    ) -> Result<Self, EncodeError> {
        let index = AQ_INDEX.quant.quantise(aq_index as f64, "air_quality")? as u16;
        Ok(FieldValue::AirQuality {
            index,
            pm: PmChannels::from_values(pm)?,
            gas: GasSlots::from_values(gas)?,
        })
    }
    /// Standalone PM channels (µg/m³).
    pub fn air_quality_pm(pm: [Option<u32>; 4]) -> Result<Self, EncodeError> {
        Ok(FieldValue::Pm(PmChannels::from_values(pm)?))
    }
    /// Standalone gas slots.
    pub fn air_quality_gas(gas: [Option<u32>; 8]) -> Result<Self, EncodeError> {
        Ok(FieldValue::Gas(GasSlots::from_values(gas)?))
    }
}

/// Declares the typed constructors of the fixed-width types (the reference
/// encoder's calls) from one table: constructor, arguments in component
/// order, field type. Each converts its arguments to native `f64` values and
/// calls [`FieldValue::from_natives`], naming the constructor in errors.
macro_rules! native_constructors {
    ($( $(#[$doc:meta])* $fn:ident($($arg:ident: $t:ty),+) => $ty:ident; )+) => {
        impl FieldValue {
            $(
                $(#[$doc])*
                pub fn $fn($($arg: $t),+) -> Result<Self, EncodeError> {
                    Self::from_natives(FieldType::$ty, &[$(f64::from($arg)),+], stringify!($fn))
                }
            )+
        }
    };
}

native_constructors! {
    /// Battery: level 0..=100 %, charging flag.
    battery(level_percent: u8, charging: bool) => Battery;
    /// Link: RSSI -120..=-60 dBm, SNR -20..=10 dB.
    link(rssi_dbm: i32, snr_db: f32) => Link;
    /// Environment bundle: temperature -40..=80 °C, pressure 850..=1105 hPa, humidity 0..=100 %.
    environment(temperature_c: f32, pressure_hpa: i32, humidity_pct: i32) => Environment;
    /// Standalone temperature, °C.
    temperature(temperature_c: f32) => Temperature;
    /// Standalone pressure, hPa.
    pressure(pressure_hpa: i32) => Pressure;
    /// Standalone humidity, %.
    humidity(humidity_pct: i32) => Humidity;
    /// Wind bundle: speed and gust 0..=63.5 m/s, direction 0..=359°.
    wind(speed_ms: f32, direction_deg: i32, gust_ms: f32) => Wind;
    /// Standalone wind speed, m/s.
    wind_speed(speed_ms: f32) => WindSpeed;
    /// Standalone wind direction, degrees.
    wind_direction(direction_deg: i32) => WindDirection;
    /// Standalone wind gust, m/s.
    wind_gust(gust_ms: f32) => WindGust;
    /// Rain bundle: rate 0..=255 mm/h, drop size 0..=60 tenths of a millimetre.
    rain(rate_mmhr: i32, size_mm_x10: i32) => Rain;
    /// Standalone rain rate, mm/h.
    rain_rate(rate_mmhr: i32) => RainRate;
    /// Standalone rain drop size, tenths of a millimetre.
    rain_size(size_mm_x10: i32) => RainSize;
    /// Solar: irradiance 0..=1023 W/m², UV index 0..=15.
    solar(irradiance_wm2: i32, ultraviolet_index: i32) => Solar;
    /// Cloud cover, 0..=8 okta.
    clouds(okta: i32) => Clouds;
    /// Standalone air quality index, 0..=500.
    air_quality_index(aq_index: i32) => AirQualityIndex;
    /// Radiation bundle: CPM 0..=16383, dose 0..=163.83 µSv/h.
    radiation(cpm: i32, dose_usvh: f32) => Radiation;
    /// Standalone radiation CPM.
    radiation_cpm(cpm: i32) => RadiationCpm;
    /// Standalone radiation dose, µSv/h.
    radiation_dose(dose_usvh: f32) => RadiationDose;
    /// Depth, 0..=1023 cm.
    depth(depth_cm: i32) => Depth;
    /// Position, degrees.
    position(latitude: f64, longitude: f64) => Position;
    /// Datetime, seconds from the start of the year (stored in 5 s ticks).
    datetime(seconds_from_year_start: u32) => Datetime;
    /// Flags byte.
    flags(flags: u8) => Flags;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_declaration_order() {
        for t in FieldType::ALL {
            assert_eq!(FieldType::from_name(t.name()), Some(t));
        }
        assert_eq!(FieldType::Environment.fixed_bits(), Some(24));
        assert_eq!(FieldType::Wind.fixed_bits(), Some(22));
        assert_eq!(FieldType::Radiation.fixed_bits(), Some(28));
        assert_eq!(FieldType::Position.fixed_bits(), Some(48));
        assert_eq!(FieldType::Image.fixed_bits(), None);
    }

    #[test]
    fn reference_quantisation_examples() {
        let q = |t: Quant, v: f64| t.quantise(v, "x").unwrap();
        assert_eq!(q(Quant::Battery, 75.0), 23);
        assert_eq!(Quant::Battery.dequantise(23), Native::Int(74));
        assert_eq!(q(Quant::Temperature, -39.875), 1);
        assert_eq!(q(Quant::Snr, -15.0), 1);
        assert_eq!(q(Quant::WindDirection, 355.0), 252);
        assert_eq!(Quant::WindDirection.dequantise(252), Native::Int(354));
        assert_eq!(q(Quant::Latitude, 59.334591), 13918992);
        assert_eq!(q(Quant::Longitude, 18.063240), 9230415);
        assert_eq!(q(Quant::Datetime, 475203.0), 95040);
        assert_eq!(q(Quant::RainSize, 15.0), 3);
    }

    #[test]
    fn range_errors_name_the_reference_status() {
        let e = FieldValue::environment(20.0, 849, 50).unwrap_err();
        assert_eq!(e.reference_name(), "PRESSURE_LOW");
        let e = FieldValue::radiation(1, -0.5).unwrap_err();
        assert_eq!(e.reference_name(), "RADIATION_DOSE_HIGH");
        let e = FieldValue::air_quality_gas([None, None, None, None, None, Some(1024), None, None])
            .unwrap_err();
        assert_eq!(e.reference_name(), "AIR_QUALITY_GAS_VALUE_HIGH");
    }
}

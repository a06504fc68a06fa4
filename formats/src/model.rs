//! The one model every format decodes into.

use crate::value::clip;
use crate::{MAX_QUANTITIES, MAX_TEXTS, MAX_WARNINGS};
use std::fmt;

/// A telemetry format this crate decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// OwnTelemetry CBOR/JSON profiles.
    OwnTelemetry,
    /// STI "MQTT Compact Message" JSON.
    Sti,
    /// Sideband / LXMF telemetry.
    Sideband,
    /// rtl_433 JSON events.
    Rtl433,
}

impl Format {
    /// The prefix of node ids of this format (`ot`, `sti`, `lxmf`, `rtl433`).
    pub fn prefix(self) -> &'static str {
        match self {
            Format::OwnTelemetry => "ot",
            Format::Sti => "sti",
            Format::Sideband => "lxmf",
            Format::Rtl433 => "rtl433",
        }
    }

    /// The packet-log kind of this format (`owntelemetry`, `sti`, `sideband`, `rtl_433`).
    pub fn kind(self) -> &'static str {
        match self {
            Format::OwnTelemetry => "owntelemetry",
            Format::Sti => "sti",
            Format::Sideband => "sideband",
            Format::Rtl433 => "rtl_433",
        }
    }
}

/// A node's identity: its format and its id within that format. Displays
/// as `ot:1a2b…`, `sti:0004A30B001C2D3E`, `lxmf:<hash>`, `rtl433:Model/ch/id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId {
    /// The format.
    pub format: Format,
    /// The id within the format.
    pub id: String,
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.format.prefix(), self.id)
    }
}

/// Whether a message goes from a node (uplink) or to it (downlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// From the node.
    #[default]
    Uplink,
    /// To the node (for example OwnTelemetry `ot/<id>/cmd`).
    Downlink,
}

/// A node announcing itself online (birth) or offline (will).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Came online.
    Online,
    /// Went offline.
    Offline,
}

/// A position in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Altitude in metres.
    pub alt_m: Option<f64>,
    /// Horizontal accuracy in metres.
    pub accuracy_m: Option<f64>,
}

impl Position {
    /// A position when both coordinates are finite and in range.
    pub fn new(lat: f64, lon: f64) -> Option<Position> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Position {
            lat,
            lon,
            alt_m: None,
            accuracy_m: None,
        })
    }
}

/// One reading: a normalised key, a value and its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The key (`temperature`, `humidity`, `pressure`, `wind_speed`, ...).
    pub key: String,
    /// The value in `unit`.
    pub value: f64,
    /// The unit (`°C`, `%`, `hPa`, `m/s`, `mm`, `V`, `dBm`, ... or empty).
    pub unit: &'static str,
}

/// A non-numeric field, as text (event names, firmware, flags, raw values).
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The field's name.
    pub key: String,
    /// Its value, rendered as text (cut at [`crate::MAX_TEXT_CHARS`]).
    pub value: String,
}

/// Battery state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Battery {
    /// Charge in percent (0–100).
    pub percent: Option<f64>,
    /// Voltage in volts.
    pub volts: Option<f64>,
}

/// Radio metadata of the reception.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Radio {
    /// Received signal strength, dBm.
    pub rssi_dbm: Option<f64>,
    /// Signal-to-noise ratio, dB.
    pub snr_db: Option<f64>,
    /// The receiving gateway.
    pub gateway: Option<String>,
    /// Frequency in Hz.
    pub frequency_hz: Option<f64>,
    /// LoRa spreading factor.
    pub spreading_factor: Option<u32>,
    /// LoRa coding rate (`4/5`, ...).
    pub coding_rate: Option<String>,
    /// Bandwidth in kHz.
    pub bandwidth_khz: Option<f64>,
}

/// The OwnTelemetry header of a packet (for dedup and the inspector).
#[derive(Debug, Clone, PartialEq)]
pub struct OtHeader {
    /// Profile number.
    pub profile: u8,
    /// Profile name, when the profile is known.
    pub profile_name: Option<&'static str>,
    /// Packet type number.
    pub packet_type: u8,
    /// Packet type name, when known.
    pub type_name: Option<&'static str>,
    /// Endpoint (or target) id.
    pub id: [u8; 8],
    /// Rolling message id.
    pub mid: u8,
    /// Whether the endpoint asks for an acknowledgement.
    pub ack: bool,
    /// The `timestamp` field as sent (seconds, or microseconds in profile 52
    /// flight/event packets).
    pub timestamp: Option<u64>,
    /// Whether the packet arrived encrypted.
    pub encrypted: bool,
    /// Whether the packet arrived in the JSON debug form.
    pub json: bool,
}

/// One decoded message of any format.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Who sent it (or, for a downlink, whom it is for).
    pub node: NodeId,
    /// Uplink or downlink.
    pub direction: Direction,
    /// Online/offline announcement, if the message is one.
    pub presence: Option<Presence>,
    /// The time the sender stated, Unix milliseconds UTC.
    pub time_ms: Option<i64>,
    /// The position, if the message holds one.
    pub position: Option<Position>,
    /// Readings with normalised keys and units.
    pub quantities: Vec<Quantity>,
    /// Battery state.
    pub battery: Option<Battery>,
    /// Radio metadata.
    pub radio: Option<Radio>,
    /// Non-numeric fields.
    pub texts: Vec<Text>,
    /// Things the decoder noticed but could not use.
    pub warnings: Vec<String>,
    /// The raw radio payload in hex, where the format carries it (STI `p`).
    pub raw_hex: Option<String>,
    /// The OwnTelemetry header, for OwnTelemetry packets.
    pub ot: Option<OtHeader>,
}

impl Message {
    /// An empty message from `node`.
    pub fn new(format: Format, id: impl Into<String>) -> Message {
        Message {
            node: NodeId {
                format,
                id: id.into(),
            },
            direction: Direction::Uplink,
            presence: None,
            time_ms: None,
            position: None,
            quantities: Vec::new(),
            battery: None,
            radio: None,
            texts: Vec::new(),
            warnings: Vec::new(),
            raw_hex: None,
            ot: None,
        }
    }

    /// The quantity with this key.
    pub fn quantity(&self, key: &str) -> Option<&Quantity> {
        self.quantities.iter().find(|q| q.key == key)
    }

    /// The text field with this key.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }

    /// Adds a reading given in `unit`, converted to the normalised key and
    /// unit. Non-finite values become a warning.
    pub(crate) fn push(&mut self, key: &str, value: f64, unit: &str) {
        if !value.is_finite() {
            self.warn(format!("{key}: not a finite number"));
            return;
        }
        if self.quantities.len() >= MAX_QUANTITIES {
            self.warn(format!(
                "{key}: more than {MAX_QUANTITIES} readings, dropped"
            ));
            return;
        }
        let (key, value, unit) = normalise(key, value, unit);
        if !value.is_finite() {
            self.warn(format!("{key}: out of range after conversion to {unit}"));
            return;
        }
        self.quantities.push(Quantity { key, value, unit });
    }

    /// Adds a text field.
    pub(crate) fn push_text(&mut self, key: &str, value: impl Into<String>) {
        if self.texts.len() >= MAX_TEXTS {
            self.warn(format!("{key}: more than {MAX_TEXTS} text fields, dropped"));
            return;
        }
        self.texts.push(Text {
            key: clip(key.to_string()),
            value: clip(value.into()),
        });
    }

    /// Adds a warning (at most [`MAX_WARNINGS`]).
    pub(crate) fn warn(&mut self, w: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(clip(w.into()));
        }
    }

    /// The battery record, created on first use.
    pub(crate) fn battery_mut(&mut self) -> &mut Battery {
        self.battery.get_or_insert_with(Battery::default)
    }

    /// The radio record, created on first use.
    pub(crate) fn radio_mut(&mut self) -> &mut Radio {
        self.radio.get_or_insert_with(Radio::default)
    }
}

/// Maps a source key and unit to the shared key and unit, converting the
/// value: temperatures to °C, pressures to hPa, speeds to m/s, lengths of
/// rain to mm.
pub fn normalise(key: &str, value: f64, unit: &str) -> (String, f64, &'static str) {
    let key = canonical_key(key);
    let (value, unit) = match unit {
        "C" | "°C" | "degC" => (value, "°C"),
        "F" | "°F" => ((value - 32.0) * 5.0 / 9.0, "°C"),
        "K" => (value - 273.15, "°C"),
        "hPa" | "mbar" => (value, "hPa"),
        "Pa" => (value / 100.0, "hPa"),
        "kPa" => (value * 10.0, "hPa"),
        "psi" => (value * 68.947_572_93, "hPa"),
        "inHg" => (value * 33.863_886_67, "hPa"),
        "bar" => (value * 1000.0, "hPa"),
        "m/s" | "m_s" => (value, "m/s"),
        "km/h" | "km_h" | "kmh" => (value / 3.6, "m/s"),
        "mph" | "mi_h" => (value * 0.447_04, "m/s"),
        "kn" | "knots" | "kt" => (value * 0.514_444, "m/s"),
        "mm" => (value, "mm"),
        "in" => (value * 25.4, "mm"),
        "mm/h" | "mm_h" => (value, "mm/h"),
        "in/h" | "in_h" => (value * 25.4, "mm/h"),
        "%" => (value, "%"),
        "V" => (value, "V"),
        "mV" => (value / 1000.0, "V"),
        "A" => (value, "A"),
        "mA" => (value / 1000.0, "A"),
        "W" => (value, "W"),
        "kW" => (value * 1000.0, "W"),
        "kWh" => (value, "kWh"),
        "Wh" => (value / 1000.0, "kWh"),
        "Hz" => (value, "Hz"),
        "kHz" => (value, "kHz"),
        "MHz" => (value, "MHz"),
        "dBm" => (value, "dBm"),
        "dB" => (value, "dB"),
        "deg" | "°" => (value, "°"),
        "m" => (value, "m"),
        "km" => (value, "km"),
        "ft" => (value * 0.3048, "m"),
        "s" => (value, "s"),
        "us" | "µs" => (value, "µs"),
        "ppm" => (value, "ppm"),
        "ppb" => (value, "ppb"),
        "ug/m3" | "µg/m³" => (value, "µg/m³"),
        "W/m2" | "W/m²" => (value, "W/m²"),
        "lux" | "lx" => (value, "lx"),
        "m/s2" | "m/s²" => (value, "m/s²"),
        "g" => (value * 9.806_65, "m/s²"),
        "deg/s" | "°/s" => (value, "°/s"),
        "mS/cm" => (value, "mS/cm"),
        "kB/s" => (value, "kB/s"),
        "pH" => (value, "pH"),
        "cpm" => (value, "cpm"),
        "uSv/h" | "µSv/h" => (value, "µSv/h"),
        "rpm" => (value, "rpm"),
        _ => (value, ""),
    };
    (key, value, unit)
}

/// The shared name of a quantity key (the iotdata names where they exist).
fn canonical_key(key: &str) -> String {
    let k = match key {
        "temp" | "temperature" | "air_temperature" => "temperature",
        "hum" | "humidity" | "relative_humidity" => "humidity",
        "pressure" | "baro" | "air_pressure" => "pressure",
        "wind_avg" | "wind_speed" => "wind_speed",
        "wind_max" | "wind_gust" => "wind_gust",
        "wind_dir" | "wind_direction" => "wind_direction",
        "rain" | "rainfall" => "rain",
        "rain_rate" | "rainfall_rate" => "rain_rate",
        "uv" | "uv_index" | "uvi" => "solar_ultraviolet",
        "solar_radiation" | "light_wm2" | "irradiance" => "solar_irradiance",
        "light_lux" | "lux" | "illuminance" => "illuminance",
        "aqi" | "air_quality_index" => "air_quality_index",
        other => other,
    };
    k.to_string()
}

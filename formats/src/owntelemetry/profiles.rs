//! The OwnTelemetry profiles 0–10, 51 and 52 as data tables, transcribed
//! from the published schemas (`profiles/<n>.json`, CC0) with the units of
//! their field descriptions (`profiles/<n>.md`).

/// What a field means for the shared model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    /// Unix time in seconds.
    Time,
    /// Unix time in microseconds.
    TimeMicros,
    /// Latitude, degrees.
    Lat,
    /// Longitude, degrees.
    Lon,
    /// Altitude of the position, metres.
    Alt,
    /// Horizontal accuracy, metres.
    Accuracy,
    /// A reading: shared key and the unit the profile sends it in.
    Q(&'static str, &'static str),
    /// Battery charge, percent.
    BatteryPercent,
    /// Battery voltage, volts.
    BatteryVolts,
    /// Received signal strength, dBm.
    Rssi,
    /// Shown as text.
    Text,
    /// A code, shown by name from a table.
    Code(&'static [(u8, &'static str)]),
    /// A byte string shown only by its length (for example a provisioned key).
    Secret,
    /// The packet's CRC-16.
    Crc,
}

/// One field of a packet type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Its CBOR key.
    pub key: u8,
    /// Its name (the JSON debug form's key).
    pub name: &'static str,
    /// What it means.
    pub role: Role,
    /// Whether it may be absent.
    pub optional: bool,
}

/// One packet type of a profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Packet {
    /// Type number.
    pub number: u8,
    /// Type name.
    pub name: &'static str,
    /// Server to endpoint (`target_id` at key 1, `type` at key 3, no `ack`).
    pub downlink: bool,
    /// The fields after the header.
    pub fields: &'static [Field],
}

/// One profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Profile number.
    pub number: u8,
    /// Profile name.
    pub name: &'static str,
    /// Its packet types.
    pub packets: &'static [Packet],
}

impl Profile {
    /// The packet type with this number.
    pub fn packet(&self, number: u8) -> Option<&'static Packet> {
        self.packets.iter().find(|p| p.number == number)
    }

    /// Whether any packet type of the profile carries a CRC.
    pub fn uses_crc(&self) -> bool {
        self.packets
            .iter()
            .any(|p| p.fields.iter().any(|f| f.role == Role::Crc))
    }
}

/// The profile with this number, if this crate knows it.
pub fn profile(number: u8) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.number == number)
}

const fn f(key: u8, name: &'static str, role: Role) -> Field {
    Field {
        key,
        name,
        role,
        optional: false,
    }
}

const fn o(key: u8, name: &'static str, role: Role) -> Field {
    Field {
        key,
        name,
        role,
        optional: true,
    }
}

const fn up(number: u8, name: &'static str, fields: &'static [Field]) -> Packet {
    Packet {
        number,
        name,
        downlink: false,
        fields,
    }
}

const fn down(number: u8, name: &'static str, fields: &'static [Field]) -> Packet {
    Packet {
        number,
        name,
        downlink: true,
        fields,
    }
}

use Role::*;

/// Profile 0 `reason` codes (will).
pub const REASONS: &[(u8, &str)] = &[(1, "shutdown"), (2, "sleep"), (3, "restart"), (4, "error")];
const COMMANDS: &[(u8, &str)] = &[
    (1, "set_interval"),
    (2, "reboot"),
    (3, "request_birth"),
    (4, "factory_reset"),
];
const COMMAND_STATUS: &[(u8, &str)] = &[
    (1, "ok"),
    (2, "rejected"),
    (3, "unknown_command"),
    (4, "busy"),
];
const PROVISION: &[(u8, &str)] = &[(1, "set_key")];
const PROVISION_STATUS: &[(u8, &str)] = &[(1, "ready"), (2, "rejected")];
const FIX: &[(u8, &str)] = &[(0, "no_fix"), (1, "fix_2d"), (2, "fix_3d")];
const EV2: &[(u8, &str)] = &[(1, "harsh_accel"), (2, "harsh_brake"), (3, "harsh_corner")];
const EV3: &[(u8, &str)] = &[
    (1, "high_temperature"),
    (2, "low_temperature"),
    (3, "high_humidity"),
    (4, "low_humidity"),
    (5, "low_pressure"),
    (6, "high_pressure"),
    (7, "low_battery"),
];
const EV4: &[(u8, &str)] = &[
    (1, "high_temperature"),
    (2, "low_temperature"),
    (3, "high_humidity"),
    (4, "low_humidity"),
    (5, "high_wind"),
    (6, "high_wind_gust"),
    (7, "high_rainfall_rate"),
    (8, "high_uv"),
    (9, "low_pressure"),
    (10, "high_pressure"),
    (11, "low_battery"),
];
const EV5: &[(u8, &str)] = &[
    (1, "low_battery"),
    (2, "motion_start"),
    (3, "motion_stop"),
    (4, "geofence_exit"),
    (5, "geofence_enter"),
];
const EV6: &[(u8, &str)] = &[
    (1, "high_co2"),
    (2, "high_pm25"),
    (3, "high_pm10"),
    (4, "high_voc"),
    (5, "low_battery"),
];
const EV7: &[(u8, &str)] = &[
    (1, "over_voltage"),
    (2, "under_voltage"),
    (3, "over_current"),
    (4, "high_power"),
    (5, "power_lost"),
    (6, "power_restored"),
];
const EV8: &[(u8, &str)] = &[
    (1, "anchor_drag"),
    (2, "man_overboard"),
    (3, "collision_risk"),
    (4, "low_battery"),
];
const EV9: &[(u8, &str)] = &[
    (1, "low_soil_moisture"),
    (2, "high_soil_moisture"),
    (3, "low_temperature"),
    (4, "high_temperature"),
    (5, "low_battery"),
];
const IMAGE_FORMATS: &[(u8, &str)] = &[(1, "jpeg"), (2, "png"), (3, "bmp")];
const EV51: &[(u8, &str)] = &[
    (1, "high_cpu_load"),
    (2, "high_cpu_temp"),
    (3, "high_memory_usage"),
    (4, "high_disk_usage"),
    (5, "high_swap_usage"),
];
const EV52: &[(u8, &str)] = &[
    (1, "launch_detected"),
    (2, "motor_burnout"),
    (3, "apogee"),
    (4, "drogue_deploy"),
    (5, "main_deploy"),
    (6, "landing"),
];

/// The standard alert packet: `event_code`, `timestamp`, `value`.
const fn alert(events: &'static [(u8, &'static str)], value_optional: bool) -> [Field; 3] {
    [
        f(5, "event_code", Code(events)),
        f(6, "timestamp", Time),
        Field {
            key: 7,
            name: "value",
            role: Q("value", ""),
            optional: value_optional,
        },
    ]
}

/// Every profile this crate knows.
pub static PROFILES: &[Profile] = &[
    Profile {
        number: 0,
        name: "System",
        packets: &[
            up(
                1,
                "birth",
                &[
                    f(5, "profiles", Text),
                    o(6, "firmware", Text),
                    f(7, "interval", Q("interval", "s")),
                ],
            ),
            up(
                2,
                "will",
                &[f(5, "reason", Code(REASONS)), f(6, "timestamp", Time)],
            ),
            down(3, "ping", &[]),
            up(4, "pong", &[f(5, "ping_mid", Text)]),
            down(
                5,
                "command",
                &[
                    f(4, "command_code", Code(COMMANDS)),
                    o(5, "command_data", Text),
                ],
            ),
            up(
                6,
                "command_ack",
                &[
                    f(5, "command_mid", Text),
                    f(6, "status", Code(COMMAND_STATUS)),
                    o(7, "result", Text),
                ],
            ),
            down(
                7,
                "provision",
                &[
                    f(4, "provision_code", Code(PROVISION)),
                    f(5, "data", Secret),
                ],
            ),
            up(
                8,
                "provision_ack",
                &[
                    f(5, "provision_mid", Text),
                    f(6, "status", Code(PROVISION_STATUS)),
                ],
            ),
        ],
    },
    Profile {
        number: 1,
        name: "Basic GPS Telemetry",
        packets: &[up(
            1,
            "location",
            &[
                f(5, "timestamp", Time),
                f(6, "fix", Code(FIX)),
                o(7, "lat", Lat),
                o(8, "lon", Lon),
                o(9, "alt", Alt),
                o(10, "accuracy", Accuracy),
            ],
        )],
    },
    Profile {
        number: 2,
        name: "Advanced GPS Telemetry — Fleet Vehicle",
        packets: &[
            up(
                1,
                "location",
                &[
                    f(5, "timestamp", Time),
                    f(6, "fix", Code(FIX)),
                    o(7, "lat", Lat),
                    o(8, "lon", Lon),
                    o(9, "alt", Alt),
                    o(10, "accuracy", Accuracy),
                    f(11, "speed", Q("speed", "km/h")),
                    f(12, "heading", Q("heading", "deg")),
                    f(13, "satellites", Q("satellites", "")),
                    f(14, "hdop", Q("hdop", "")),
                    f(15, "ignition", Text),
                    f(16, "moving", Text),
                    f(17, "odometer", Q("odometer", "km")),
                    f(18, "rpm", Q("rpm", "rpm")),
                    o(19, "fuel_level", Q("fuel_level", "%")),
                    o(20, "engine_temp", Q("engine_temperature", "C")),
                    o(21, "battery_voltage", BatteryVolts),
                ],
            ),
            up(
                2,
                "event",
                &[
                    f(5, "event_code", Code(EV2)),
                    f(6, "timestamp", Time),
                    f(7, "fix", Code(FIX)),
                    o(8, "lat", Lat),
                    o(9, "lon", Lon),
                    o(10, "altitude", Alt),
                    f(11, "speed", Q("speed", "km/h")),
                    f(12, "heading", Q("heading", "deg")),
                    f(13, "signal", Q("signal", "dBm")),
                ],
            ),
        ],
    },
    Profile {
        number: 3,
        name: "Basic Weather Station",
        packets: &[
            up(
                1,
                "reading",
                &[
                    f(5, "timestamp", Time),
                    f(6, "temperature", Q("temperature", "C")),
                    f(7, "humidity", Q("humidity", "%")),
                    f(8, "pressure", Q("pressure", "hPa")),
                    f(9, "battery_level", BatteryPercent),
                ],
            ),
            up(2, "alert", &alert(EV3, false)),
        ],
    },
    Profile {
        number: 4,
        name: "Advanced Weather Station",
        packets: &[
            up(
                1,
                "reading",
                &[
                    f(5, "timestamp", Time),
                    f(6, "temperature", Q("temperature", "C")),
                    f(7, "humidity", Q("humidity", "%")),
                    f(8, "pressure", Q("pressure", "hPa")),
                    o(9, "dew_point", Q("dew_point", "C")),
                    f(10, "wind_speed", Q("wind_speed", "km/h")),
                    f(11, "wind_direction", Q("wind_direction", "deg")),
                    f(12, "wind_gust", Q("wind_gust", "km/h")),
                    f(13, "rainfall", Q("rain", "mm")),
                    f(14, "rainfall_rate", Q("rain_rate", "mm/h")),
                    f(15, "uv_index", Q("solar_ultraviolet", "")),
                    f(16, "solar_radiation", Q("solar_irradiance", "W/m2")),
                    o(17, "visibility", Q("visibility", "km")),
                    f(18, "battery_level", BatteryPercent),
                ],
            ),
            up(2, "alert", &alert(EV4, false)),
        ],
    },
    Profile {
        number: 5,
        name: "Asset Tracker",
        packets: &[
            up(
                1,
                "location",
                &[
                    f(5, "timestamp", Time),
                    f(6, "fix", Code(FIX)),
                    o(7, "lat", Lat),
                    o(8, "lon", Lon),
                    f(9, "battery_level", BatteryPercent),
                    f(10, "moving", Text),
                    o(11, "accuracy", Accuracy),
                ],
            ),
            up(
                2,
                "alert",
                &[
                    f(5, "event_code", Code(EV5)),
                    f(6, "timestamp", Time),
                    o(7, "lat", Lat),
                    o(8, "lon", Lon),
                    o(9, "value", Q("value", "")),
                ],
            ),
        ],
    },
    Profile {
        number: 6,
        name: "Air Quality",
        packets: &[
            up(
                1,
                "reading",
                &[
                    f(5, "timestamp", Time),
                    f(6, "co2", Q("co2", "ppm")),
                    f(7, "pm25", Q("pm2_5", "ug/m3")),
                    f(8, "pm10", Q("pm10", "ug/m3")),
                    o(9, "voc", Q("voc", "ppb")),
                    o(10, "temperature", Q("temperature", "C")),
                    o(11, "humidity", Q("humidity", "%")),
                    o(12, "aqi", Q("air_quality_index", "")),
                    o(13, "battery_level", BatteryPercent),
                ],
            ),
            up(2, "alert", &alert(EV6, false)),
        ],
    },
    Profile {
        number: 7,
        name: "Power/Energy Monitor",
        packets: &[
            up(
                1,
                "reading",
                &[
                    f(5, "timestamp", Time),
                    f(6, "voltage", Q("voltage", "V")),
                    f(7, "current", Q("current", "A")),
                    f(8, "power", Q("power", "W")),
                    f(9, "energy", Q("energy", "kWh")),
                    o(10, "power_factor", Q("power_factor", "")),
                    o(11, "frequency", Q("frequency", "Hz")),
                ],
            ),
            up(2, "alert", &alert(EV7, true)),
        ],
    },
    Profile {
        number: 8,
        name: "Marine",
        packets: &[
            up(
                1,
                "position",
                &[
                    f(5, "timestamp", Time),
                    f(6, "fix", Code(FIX)),
                    o(7, "lat", Lat),
                    o(8, "lon", Lon),
                    f(9, "sog", Q("speed_over_ground", "kn")),
                    f(10, "cog", Q("course_over_ground", "deg")),
                    o(11, "heading", Q("heading", "deg")),
                    o(12, "depth", Q("depth", "m")),
                    o(13, "wind_speed", Q("wind_speed", "kn")),
                    o(14, "wind_direction", Q("wind_direction", "deg")),
                    o(15, "battery_voltage", BatteryVolts),
                ],
            ),
            up(
                2,
                "alert",
                &[
                    f(5, "event_code", Code(EV8)),
                    f(6, "timestamp", Time),
                    o(7, "lat", Lat),
                    o(8, "lon", Lon),
                    o(9, "value", Q("value", "")),
                ],
            ),
        ],
    },
    Profile {
        number: 9,
        name: "Soil/Agricultural Sensor",
        packets: &[
            up(
                1,
                "reading",
                &[
                    f(5, "timestamp", Time),
                    f(6, "soil_moisture", Q("soil_moisture", "%")),
                    f(7, "soil_temperature", Q("soil_temperature", "C")),
                    o(8, "soil_ec", Q("soil_ec", "mS/cm")),
                    o(9, "soil_ph", Q("soil_ph", "pH")),
                    o(10, "ambient_temperature", Q("temperature", "C")),
                    o(11, "ambient_humidity", Q("humidity", "%")),
                    o(12, "lux", Q("illuminance", "lux")),
                    o(13, "battery_level", BatteryPercent),
                ],
            ),
            up(2, "alert", &alert(EV9, false)),
        ],
    },
    Profile {
        number: 10,
        name: "Doorbell",
        packets: &[
            up(
                1,
                "button_event",
                &[f(5, "timestamp", Time), f(6, "camera", Text)],
            ),
            up(
                2,
                "image_chunk",
                &[
                    f(5, "timestamp", Time),
                    f(6, "button_mid", Text),
                    f(7, "seq", Text),
                    f(8, "total", Text),
                    f(9, "data", Secret),
                    o(10, "format", Code(IMAGE_FORMATS)),
                ],
            ),
        ],
    },
    Profile {
        number: 51,
        name: "Server Health Monitor",
        packets: &[
            up(
                1,
                "status",
                &[
                    f(5, "timestamp", Time),
                    f(6, "cpu_load", Q("cpu_load", "%")),
                    f(7, "cpu_temp", Q("cpu_temperature", "C")),
                    f(8, "load_1", Q("load_1", "")),
                    f(9, "load_5", Q("load_5", "")),
                    f(10, "load_15", Q("load_15", "")),
                    f(11, "memory_used", Q("memory_used", "%")),
                    f(12, "swap_used", Q("swap_used", "%")),
                    f(13, "disk_used", Q("disk_used", "%")),
                    f(14, "net_rx", Q("net_rx", "kB/s")),
                    f(15, "net_tx", Q("net_tx", "kB/s")),
                    f(16, "uptime", Q("uptime", "s")),
                    f(17, "processes", Q("processes", "")),
                ],
            ),
            up(2, "alert", &alert(EV51, false)),
        ],
    },
    Profile {
        number: 52,
        name: "Model Rocket",
        packets: &[
            up(
                1,
                "status",
                &[
                    f(5, "timestamp", Time),
                    f(6, "lat", Lat),
                    f(7, "lon", Lon),
                    f(8, "altitude", Q("altitude", "m")),
                    f(9, "battery_voltage", BatteryVolts),
                    f(10, "armed", Text),
                    f(11, "pyro_1", Text),
                    f(12, "pyro_2", Text),
                    f(13, "temperature", Q("temperature", "C")),
                    f(14, "rssi", Rssi),
                    f(15, "crc", Crc),
                ],
            ),
            up(
                2,
                "flight",
                &[
                    f(5, "timestamp", TimeMicros),
                    f(6, "altitude", Q("altitude", "m")),
                    f(7, "velocity", Q("velocity", "m/s")),
                    f(8, "accel_x", Q("acceleration_x", "m/s2")),
                    f(9, "accel_y", Q("acceleration_y", "m/s2")),
                    f(10, "accel_z", Q("acceleration_z", "m/s2")),
                    f(11, "roll", Q("roll_rate", "deg/s")),
                    f(12, "pitch", Q("pitch_rate", "deg/s")),
                    f(13, "yaw", Q("yaw_rate", "deg/s")),
                    f(14, "pressure", Q("pressure", "hPa")),
                    f(15, "temperature", Q("temperature", "C")),
                    o(16, "lat", Lat),
                    o(17, "lon", Lon),
                    f(18, "rssi", Rssi),
                    f(19, "crc", Crc),
                ],
            ),
            up(
                3,
                "event",
                &[
                    f(5, "event_code", Code(EV52)),
                    f(6, "timestamp", TimeMicros),
                    f(7, "altitude", Q("altitude", "m")),
                    f(8, "velocity", Q("velocity", "m/s")),
                    f(9, "rssi", Rssi),
                    f(10, "crc", Crc),
                ],
            ),
        ],
    },
];

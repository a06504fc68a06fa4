//! Error types.
//!
//! Decoding errors carry a stable machine-readable [`DecodeError::kind`]
//! (`short`, `truncated`, `variant_reserved`, `variant_unknown`), the bit
//! offset where the problem was found and the field being read. Encoding
//! errors name the quantity and the limit it broke, and map one-to-one onto
//! the reference implementation's status names
//! ([`EncodeError::reference_name`]).

use std::fmt;

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the smallest packet (5 bytes for a sensor packet).
    #[error("packet too short: {len} bytes, at least {min} are needed")]
    Short {
        /// Bytes given.
        len: usize,
        /// Bytes needed.
        min: usize,
    },
    /// The input ended inside a field, presence byte or TLV.
    #[error("truncated at bit {bit_offset} while reading {field}: {needed} bits needed, {available} left")]
    Truncated {
        /// Bit offset where the read started.
        bit_offset: usize,
        /// What was being read (e.g. `environment.temperature`, `tlv[0].data`).
        field: String,
        /// Bits the read needed.
        needed: usize,
        /// Bits that were left.
        available: usize,
    },
    /// Variant 15 given to the sensor decoder: it is a mesh control packet.
    #[error("variant 15 is reserved for mesh control packets (decode it as mesh)")]
    VariantReserved,
    /// The variant has no entry in the active variant map (strict mode).
    #[error("variant {variant} is not defined in variant map '{map}'")]
    VariantUnknown {
        /// The header's variant nibble.
        variant: u8,
        /// Name of the map that lacks it.
        map: String,
    },
    /// A field's content is invalid in a way that is not a truncation
    /// (e.g. an image length byte of 0).
    #[error("malformed {field} at bit {bit_offset}: {reason}")]
    Malformed {
        /// Bit offset of the offending value.
        bit_offset: usize,
        /// The field being read.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl DecodeError {
    /// Stable machine-readable kind: `short`, `truncated`,
    /// `variant_reserved`, `variant_unknown` or `malformed`.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Short { .. } => "short",
            DecodeError::Truncated { .. } => "truncated",
            DecodeError::VariantReserved => "variant_reserved",
            DecodeError::VariantUnknown { .. } => "variant_unknown",
            DecodeError::Malformed { .. } => "malformed",
        }
    }

    /// Bit offset at which the error was detected.
    pub fn bit_offset(&self) -> usize {
        match self {
            DecodeError::Short { len, .. } => len * 8,
            DecodeError::Truncated { bit_offset, .. }
            | DecodeError::Malformed { bit_offset, .. } => *bit_offset,
            DecodeError::VariantReserved | DecodeError::VariantUnknown { .. } => 0,
        }
    }

    /// The field being read when the error was detected.
    pub fn field(&self) -> &str {
        match self {
            DecodeError::Short { .. } => "header",
            DecodeError::Truncated { field, .. } | DecodeError::Malformed { field, .. } => field,
            DecodeError::VariantReserved | DecodeError::VariantUnknown { .. } => "variant",
        }
    }

    /// Builds a [`DecodeError::Truncated`].
    pub fn truncated(
        bit_offset: usize,
        field: impl Into<String>,
        needed: usize,
        total_bits: usize,
    ) -> Self {
        DecodeError::Truncated {
            bit_offset,
            field: field.into(),
            needed,
            available: total_bits.saturating_sub(bit_offset),
        }
    }

    /// The error as a JSON object: `{"error":{"kind","message","bit_offset","field"}}`.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.kind(),
                "message": self.to_string(),
                "bit_offset": self.bit_offset(),
                "field": self.field(),
            }
        })
    }
}

/// A value that an encoder checks against the protocol's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quantity {
    /// Battery level, percent.
    BatteryLevel,
    /// Link RSSI, dBm.
    LinkRssi,
    /// Link SNR, dB.
    LinkSnr,
    /// Temperature, °C.
    Temperature,
    /// Pressure, hPa.
    Pressure,
    /// Relative humidity, percent.
    Humidity,
    /// Wind speed, m/s.
    WindSpeed,
    /// Wind direction, degrees.
    WindDirection,
    /// Wind gust, m/s.
    WindGust,
    /// Rain rate, mm/h.
    RainRate,
    /// Rain drop size, tenths of a millimetre.
    RainSize,
    /// Solar irradiance, W/m².
    SolarIrradiance,
    /// UV index.
    SolarUltraviolet,
    /// Cloud cover, okta.
    Clouds,
    /// Air quality index.
    AirQualityIndex,
    /// A particulate matter channel, µg/m³.
    AirQualityPm,
    /// A gas slot value.
    AirQualityGas,
    /// Radiation counts per minute.
    RadiationCpm,
    /// Radiation dose rate, µSv/h.
    RadiationDose,
    /// Depth, cm.
    Depth,
    /// Latitude, degrees.
    Latitude,
    /// Longitude, degrees.
    Longitude,
    /// Seconds from the start of the year.
    Datetime,
    /// Flags byte.
    Flags,
    /// Image pixel format code.
    ImageFormat,
    /// Image size tier code.
    ImageSize,
    /// Image compression code.
    ImageCompression,
    /// Image data length, bytes.
    ImageData,
    /// Header variant.
    Variant,
    /// Header station id.
    Station,
    /// Header sequence number.
    Sequence,
    /// TLV type.
    TlvType,
    /// TLV data length.
    TlvLength,
    /// TLV string length.
    TlvStringLength,
    /// A numeric TLV value (status / health fields).
    TlvValue,
}

impl Quantity {
    /// The reference implementation's status-name stem for this quantity
    /// (`BATTERY_LEVEL`, `LINK_RSSI`, ...).
    pub fn reference_stem(self) -> &'static str {
        use Quantity::*;
        match self {
            BatteryLevel => "BATTERY_LEVEL",
            LinkRssi => "LINK_RSSI",
            LinkSnr => "LINK_SNR",
            Temperature => "TEMPERATURE",
            Pressure => "PRESSURE",
            Humidity => "HUMIDITY",
            WindSpeed => "WIND_SPEED",
            WindDirection => "WIND_DIRECTION",
            WindGust => "WIND_GUST",
            RainRate => "RAIN_RATE",
            RainSize => "RAIN_SIZE",
            SolarIrradiance => "SOLAR_IRRADIATION",
            SolarUltraviolet => "SOLAR_ULTRAVIOLET",
            Clouds => "CLOUDS",
            AirQualityIndex => "AIR_QUALITY_INDEX",
            AirQualityPm => "AIR_QUALITY_PM_VALUE",
            AirQualityGas => "AIR_QUALITY_GAS_VALUE",
            RadiationCpm => "RADIATION_CPM",
            RadiationDose => "RADIATION_DOSE",
            Depth => "DEPTH",
            Latitude => "POSITION_LAT",
            Longitude => "POSITION_LON",
            Datetime => "DATETIME",
            Flags => "FLAGS",
            ImageFormat => "IMAGE_FORMAT",
            ImageSize => "IMAGE_SIZE",
            ImageCompression => "IMAGE_COMPRESSION",
            ImageData => "IMAGE_DATA",
            Variant => "HDR_VARIANT",
            Station => "HDR_STATION",
            Sequence => "HDR_SEQUENCE",
            TlvType => "TLV_TYPE",
            TlvLength => "TLV_LEN",
            TlvStringLength => "TLV_STR_LEN",
            TlvValue => "TLV_VALUE",
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.reference_stem().to_ascii_lowercase().replace('_', " ");
        f.write_str(&s)
    }
}

/// Which side of the range a value fell off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// Below the minimum.
    Low,
    /// Above the maximum.
    High,
}

/// Why a packet (or a field, TLV or image) could not be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A value is outside the range the protocol can carry.
    #[error("{field}: {quantity} {value} is {} the {} {limit}", if *bound == Bound::Low { "below" } else { "above" }, if *bound == Bound::Low { "minimum" } else { "maximum" })]
    OutOfRange {
        /// The field (label or component) being encoded.
        field: String,
        /// The quantity checked.
        quantity: Quantity,
        /// Which limit was broken.
        bound: Bound,
        /// The value given.
        value: f64,
        /// The limit.
        limit: f64,
    },
    /// Variant 15 is reserved for mesh packets.
    #[error("variant 15 is reserved for mesh control packets")]
    VariantReserved,
    /// The variant has no entry in the variant map.
    #[error("variant {variant} is not defined in variant map '{map}'")]
    VariantUnknown {
        /// The variant.
        variant: u8,
        /// The map's name.
        map: String,
    },
    /// The same slot (or the only slot of a type) was set twice.
    #[error("field '{field}' was already added")]
    DuplicateField {
        /// Label or type name.
        field: String,
    },
    /// The variant has no (free) slot of this type, or no slot with this label.
    #[error("variant {variant} has no slot for '{field}'")]
    NoSuchField {
        /// The variant.
        variant: u8,
        /// Label or type name.
        field: String,
    },
    /// A value given for a slot does not match the slot's type.
    #[error("field '{field}' expects a {expected} value")]
    WrongType {
        /// The label.
        field: String,
        /// The slot's type name.
        expected: &'static str,
    },
    /// A TLV string holds a character outside the 6-bit set (Appendix A).
    #[error("TLV string has character {ch:?} at index {index}, outside the 6-bit set (a-z A-Z 0-9 space)")]
    TlvStringCharInvalid {
        /// The character.
        ch: char,
        /// Its position.
        index: usize,
    },
    /// A key-value TLV (VERSION, CONFIG) has an odd number of tokens or a
    /// token with a space.
    #[error("key-value TLV needs an even number of non-empty tokens")]
    TlvKeyValueMismatch,
    /// Image data was required but absent.
    #[error("image data missing")]
    ImageDataMissing,
    /// The image cannot be compressed into the space available.
    #[error("image compression failed: {0}")]
    ImageCompression(String),
    /// The JSON text is not valid JSON.
    #[error("JSON parse error: {0}")]
    JsonParse(String),
    /// A mandatory JSON member is absent.
    #[error("JSON member '{0}' is missing")]
    JsonMissingField(String),
    /// A JSON member has the wrong shape or type.
    #[error("JSON member '{field}' is invalid: {reason}")]
    JsonInvalid {
        /// The member path.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// More TLV entries than a frame can hold
    /// ([`crate::tlv::MAX_JSON_TLVS`] from JSON).
    #[error("{count} TLV entries, more than the {max} a 255-byte frame can hold")]
    TlvFull {
        /// Entries given.
        count: usize,
        /// The limit.
        max: usize,
    },
}

impl EncodeError {
    /// Builds an out-of-range error.
    pub fn range(
        field: impl Into<String>,
        quantity: Quantity,
        bound: Bound,
        value: f64,
        limit: f64,
    ) -> Self {
        EncodeError::OutOfRange {
            field: field.into(),
            quantity,
            bound,
            value,
            limit,
        }
    }

    /// `Ok(())` when `value` is at most `max`; otherwise the out-of-range
    /// error (above `max`) for `quantity`, naming the field that `field`
    /// returns (called only then).
    pub(crate) fn check_max(
        value: u64,
        max: u64,
        quantity: Quantity,
        field: impl FnOnce() -> String,
    ) -> Result<(), Self> {
        if value <= max {
            return Ok(());
        }
        Err(Self::range(
            field(),
            quantity,
            Bound::High,
            value as f64,
            max as f64,
        ))
    }

    /// The reference implementation's status name (without the
    /// `IOTDATA_ERR_` prefix), e.g. `PRESSURE_LOW`, `TLV_STR_CHAR_INVALID`.
    pub fn reference_name(&self) -> String {
        match self {
            EncodeError::OutOfRange {
                quantity, bound, ..
            } => {
                let stem = quantity.reference_stem();
                match (quantity, bound) {
                    // The reference has no *_LOW for quantities whose minimum is 0:
                    // it reports a negative value as *_HIGH (unsigned wrap).
                    (
                        Quantity::LinkRssi
                        | Quantity::LinkSnr
                        | Quantity::Temperature
                        | Quantity::Pressure
                        | Quantity::Latitude
                        | Quantity::Longitude,
                        Bound::Low,
                    ) => format!("{stem}_LOW"),
                    _ => format!("{stem}_HIGH"),
                }
            }
            EncodeError::VariantReserved => "HDR_VARIANT_RESERVED".into(),
            EncodeError::VariantUnknown { .. } => "HDR_VARIANT_UNKNOWN".into(),
            EncodeError::DuplicateField { .. } => "CTX_DUPLICATE_FIELD".into(),
            EncodeError::NoSuchField { .. } => "NO_SUCH_FIELD".into(),
            EncodeError::WrongType { .. } => "JSON_PARSE".into(),
            EncodeError::TlvStringCharInvalid { .. } => "TLV_STR_CHAR_INVALID".into(),
            EncodeError::TlvKeyValueMismatch => "TLV_KV_MISMATCH".into(),
            EncodeError::ImageDataMissing => "IMAGE_DATA_NULL".into(),
            EncodeError::ImageCompression(_) => "IMAGE_DATA_HIGH".into(),
            EncodeError::JsonParse(_) | EncodeError::JsonInvalid { .. } => "JSON_PARSE".into(),
            EncodeError::JsonMissingField(_) => "JSON_MISSING_FIELD".into(),
            EncodeError::TlvFull { .. } => "TLV_FULL".into(),
        }
    }

    /// Stable machine-readable kind in snake case, e.g. `out_of_range`.
    pub fn kind(&self) -> &'static str {
        match self {
            EncodeError::OutOfRange { .. } => "out_of_range",
            EncodeError::VariantReserved => "variant_reserved",
            EncodeError::VariantUnknown { .. } => "variant_unknown",
            EncodeError::DuplicateField { .. } => "duplicate_field",
            EncodeError::NoSuchField { .. } => "no_such_field",
            EncodeError::WrongType { .. } => "wrong_type",
            EncodeError::TlvStringCharInvalid { .. } => "tlv_string_char_invalid",
            EncodeError::TlvKeyValueMismatch => "tlv_kv_mismatch",
            EncodeError::ImageDataMissing => "image_data_missing",
            EncodeError::ImageCompression(_) => "image_compression",
            EncodeError::JsonParse(_) => "json_parse",
            EncodeError::JsonMissingField(_) => "json_missing_field",
            EncodeError::JsonInvalid { .. } => "json_invalid",
            EncodeError::TlvFull { .. } => "tlv_full",
        }
    }

    /// The error as a JSON object: `{"error":{"kind","reference","message"}}`.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.kind(),
                "reference": self.reference_name(),
                "message": self.to_string(),
            }
        })
    }
}

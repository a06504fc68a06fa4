//! Variant maps: which field type and label sits in each presence slot.
//!
//! A map holds up to 15 variants (ids 0..=14; 15 is the mesh escape). Maps
//! load at run time from JSON in the schema of the conformance vectors'
//! `variants.json`: either a file of named maps
//! `{"maps": {"<name>": {"variants": [...]}}}` or a single map
//! `{"variants": [...]}`, each variant
//! `{"id", "name", "num_pres_bytes", "fields": [{"slot", "type", "label"}]}`
//! with type names such as `"BATTERY"` or `"AIR_QUALITY_PM"` (`"NONE"` or a
//! `null` label for an unused slot).

use crate::field::FieldType;
use serde_json::Value;

/// Most presence bytes a packet may carry.
pub const MAX_PRESENCE_BYTES: usize = 4;
/// Most data slots (6 + 7 + 7 + 7).
pub const MAX_SLOTS: usize = 27;
/// Number of usable variant ids (0..=14).
pub const MAX_VARIANTS: usize = 15;

/// Number of slots addressable with `n` presence bytes (`6 + 7 (n - 1)`).
pub fn slots_for_presence_bytes(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        6 + 7 * (n - 1)
    }
}

/// Presence bytes needed to address slot index `slot`.
pub fn presence_bytes_for_slot(slot: usize) -> usize {
    if slot < 6 {
        1
    } else {
        1 + (slot - 6) / 7 + 1
    }
}

/// Why a variant map was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// Not JSON, or not the expected shape.
    #[error("variant map JSON: {0}")]
    Json(String),
    /// A variant id outside 0..=14.
    #[error("variant id {id} is out of range (0..14; 15 is reserved for mesh packets)")]
    InvalidId {
        /// The id.
        id: i64,
    },
    /// The same id defined twice.
    #[error("variant id {id} is defined twice")]
    DuplicateId {
        /// The id.
        id: u8,
    },
    /// More than 27 slots, or a slot beyond the presence-byte capacity.
    #[error("variant {variant}: slot {slot} is out of range (at most {max} slots for {pres} presence bytes)")]
    SlotOutOfRange {
        /// Variant id.
        variant: u8,
        /// Slot index.
        slot: i64,
        /// Slots available.
        max: usize,
        /// Presence bytes declared.
        pres: usize,
    },
    /// `num_pres_bytes` outside 1..=4.
    #[error("variant {variant}: num_pres_bytes {n} is out of range (1..4)")]
    PresenceBytes {
        /// Variant id.
        variant: u8,
        /// Value given.
        n: i64,
    },
    /// A type name that is not one of the 27 field types.
    #[error("variant {variant}: slot {slot} has unknown type '{name}'")]
    UnknownType {
        /// Variant id.
        variant: u8,
        /// Slot index.
        slot: usize,
        /// The name given.
        name: String,
    },
    /// Two slots with the same label, or a slot defined twice.
    #[error("variant {variant}: label '{label}' is used twice")]
    DuplicateLabel {
        /// Variant id.
        variant: u8,
        /// The label.
        label: String,
    },
    /// A label that is empty or collides with a packet-level JSON key.
    #[error("variant {variant}: label '{label}' is not allowed (empty, or a reserved key such as 'station' or 'data')")]
    BadLabel {
        /// Variant id.
        variant: u8,
        /// The label.
        label: String,
    },
    /// `--map-name` named a map the file does not have.
    #[error("no map named '{name}' (available: {available})")]
    NoSuchMap {
        /// The name asked for.
        name: String,
        /// Names present.
        available: String,
    },
}

/// A slot's field type and label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDef {
    /// The field type.
    pub ty: FieldType,
    /// The JSON key and display label.
    pub label: String,
}

/// One variant: name, presence-byte count and slot definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantDef {
    /// Variant id (0..=14).
    pub id: u8,
    /// Human-readable name (`weather_station`).
    pub name: String,
    /// Presence bytes the variant can use (1..=4).
    pub num_pres_bytes: u8,
    /// Slot definitions, index = slot; `None` = unused slot.
    pub slots: Vec<Option<SlotDef>>,
}

impl VariantDef {
    /// The definition of slot `i`, if any.
    pub fn slot(&self, i: usize) -> Option<&SlotDef> {
        self.slots.get(i).and_then(|s| s.as_ref())
    }

    /// Finds the slot index holding `label`.
    pub fn slot_of_label(&self, label: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.label == label))
    }

    /// Slot indices holding type `ty`, in slot order.
    pub fn slots_of_type(&self, ty: FieldType) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(i, s)| s.as_ref().filter(|s| s.ty == ty).map(|_| i))
    }

    /// Number of slots the variant can address.
    pub fn capacity(&self) -> usize {
        slots_for_presence_bytes(self.num_pres_bytes as usize)
    }
}

/// A set of variant definitions indexed by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantMap {
    /// The map's name (`default`, or the key it was loaded under).
    pub name: String,
    variants: Vec<Option<VariantDef>>,
}

/// The header and size keys every canonical JSON object starts with, in
/// order: `variant`, `station`, `sequence`, `packed_bits`, `packed_bytes`.
pub const HEADER_KEYS: [&str; 5] = [
    "variant",
    "station",
    "sequence",
    "packed_bits",
    "packed_bytes",
];

/// Top-level keys of the canonical JSON that are not field labels: the
/// [`HEADER_KEYS`], `data` (the TLVs) and `warnings`. Slot labels may not
/// use them.
pub const RESERVED_KEYS: [&str; 7] = [
    HEADER_KEYS[0],
    HEADER_KEYS[1],
    HEADER_KEYS[2],
    HEADER_KEYS[3],
    HEADER_KEYS[4],
    "data",
    "warnings",
];

impl Default for VariantMap {
    fn default() -> Self {
        VariantMap::default_map()
    }
}

impl VariantMap {
    /// The built-in default map: variant 0 `weather_station` (spec section 7).
    ///
    /// ```
    /// let map = iotdata::VariantMap::default_map();
    /// let v0 = map.get(0).unwrap();
    /// assert_eq!(v0.name, "weather_station");
    /// assert_eq!(v0.slot(2).unwrap().label, "environment");
    /// ```
    pub fn default_map() -> VariantMap {
        use FieldType::*;
        let slots = [
            (Battery, "battery"),
            (Link, "link"),
            (Environment, "environment"),
            (Wind, "wind"),
            (Rain, "rain"),
            (Solar, "solar"),
            (Clouds, "clouds"),
            (AirQualityIndex, "air_quality"),
            (Radiation, "radiation"),
            (Position, "position"),
            (Datetime, "datetime"),
            (Flags, "flags"),
        ];
        let slots: Vec<Option<SlotDef>> = slots
            .iter()
            .map(|(ty, label)| {
                Some(SlotDef {
                    ty: *ty,
                    label: (*label).to_string(),
                })
            })
            .collect();
        VariantMap::from_defs(
            "default",
            vec![VariantDef {
                id: 0,
                name: "weather_station".into(),
                num_pres_bytes: 2,
                slots,
            }],
        )
        .unwrap_or_else(|_| VariantMap {
            name: "default".into(),
            variants: Vec::new(),
        })
    }

    /// Builds a map from definitions, validating them.
    pub fn from_defs(name: &str, defs: Vec<VariantDef>) -> Result<VariantMap, MapError> {
        let mut variants: Vec<Option<VariantDef>> = vec![None; MAX_VARIANTS];
        for d in defs {
            validate(&d)?;
            let slot = variants
                .get_mut(d.id as usize)
                .ok_or(MapError::InvalidId { id: d.id as i64 })?;
            if slot.is_some() {
                return Err(MapError::DuplicateId { id: d.id });
            }
            *slot = Some(d);
        }
        Ok(VariantMap {
            name: name.to_string(),
            variants,
        })
    }

    /// The definition of `variant`, if the map has one.
    pub fn get(&self, variant: u8) -> Option<&VariantDef> {
        self.variants.get(variant as usize).and_then(|v| v.as_ref())
    }

    /// All defined variants in id order.
    pub fn variants(&self) -> impl Iterator<Item = &VariantDef> {
        self.variants.iter().flatten()
    }

    /// Parses a JSON document holding named maps (`{"maps": {...}}`) or a
    /// single map (`{"variants": [...]}`, returned under the name `custom`
    /// unless it has a `"name"` member). Every map is validated.
    ///
    /// ```
    /// let json = r#"{"variants":[{"id":0,"name":"soil","num_pres_bytes":1,
    ///   "fields":[{"slot":0,"type":"BATTERY","label":"battery"},
    ///             {"slot":1,"type":"DEPTH","label":"soil_depth"}]}]}"#;
    /// let maps = iotdata::VariantMap::parse_maps(json).unwrap();
    /// assert_eq!(maps[0].get(0).unwrap().slot(1).unwrap().label, "soil_depth");
    /// ```
    pub fn parse_maps(json: &str) -> Result<Vec<VariantMap>, MapError> {
        let v: Value = serde_json::from_str(json).map_err(|e| MapError::Json(e.to_string()))?;
        Self::maps_from_value(&v)
    }

    /// Like [`VariantMap::parse_maps`], from a parsed JSON value.
    pub fn maps_from_value(v: &Value) -> Result<Vec<VariantMap>, MapError> {
        if let Some(maps) = v.get("maps") {
            let obj = maps
                .as_object()
                .ok_or_else(|| MapError::Json("\"maps\" must be an object of named maps".into()))?;
            obj.iter()
                .map(|(name, m)| map_from_value(name, m))
                .collect()
        } else if v.get("variants").is_some() {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("custom");
            Ok(vec![map_from_value(name, v)?])
        } else {
            Err(MapError::Json(
                "expected {\"maps\": {...}} or {\"variants\": [...]}".into(),
            ))
        }
    }

    /// Parses a maps document and picks one map: by `name` if given, else
    /// the only map, else the one named `default`, else the first.
    pub fn select(json: &str, name: Option<&str>) -> Result<VariantMap, MapError> {
        let maps = Self::parse_maps(json)?;
        let available = maps
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let found = match name {
            Some(n) => maps.iter().position(|m| m.name == n),
            None => maps
                .iter()
                .position(|m| m.name == "default")
                .or(if maps.is_empty() { None } else { Some(0) }),
        };
        match found {
            Some(i) => Ok(maps.into_iter().nth(i).unwrap_or_default()),
            None => Err(MapError::NoSuchMap {
                name: name.unwrap_or("").to_string(),
                available,
            }),
        }
    }

    /// The map as JSON in the `variants.json` schema (single-map form,
    /// with its `name`).
    pub fn to_json_value(&self) -> Value {
        let variants: Vec<Value> = self
            .variants()
            .map(|d| {
                let fields: Vec<Value> = d
                    .slots
                    .iter()
                    .enumerate()
                    .map(|(i, s)| match s {
                        Some(s) => serde_json::json!({"slot": i, "type": s.ty.name(), "label": s.label}),
                        None => serde_json::json!({"slot": i, "type": "NONE", "label": null}),
                    })
                    .collect();
                serde_json::json!({"id": d.id, "name": d.name, "num_pres_bytes": d.num_pres_bytes, "fields": fields})
            })
            .collect();
        serde_json::json!({"name": self.name, "variants": variants})
    }
}

fn validate(d: &VariantDef) -> Result<(), MapError> {
    if d.id as usize >= MAX_VARIANTS {
        return Err(MapError::InvalidId { id: d.id as i64 });
    }
    if d.num_pres_bytes == 0 || d.num_pres_bytes as usize > MAX_PRESENCE_BYTES {
        return Err(MapError::PresenceBytes {
            variant: d.id,
            n: d.num_pres_bytes as i64,
        });
    }
    let cap = d.capacity();
    if d.slots.len() > cap {
        // trailing unused slots beyond the capacity are tolerated
        if d.slots.iter().skip(cap).any(Option::is_some) {
            return Err(MapError::SlotOutOfRange {
                variant: d.id,
                slot: d.slots.iter().rposition(Option::is_some).unwrap_or(0) as i64,
                max: cap,
                pres: d.num_pres_bytes as usize,
            });
        }
    }
    let mut labels: Vec<&str> = Vec::new();
    for s in d.slots.iter().flatten() {
        if s.label.is_empty() || RESERVED_KEYS.contains(&s.label.as_str()) {
            return Err(MapError::BadLabel {
                variant: d.id,
                label: s.label.clone(),
            });
        }
        if labels.contains(&s.label.as_str()) {
            return Err(MapError::DuplicateLabel {
                variant: d.id,
                label: s.label.clone(),
            });
        }
        labels.push(&s.label);
    }
    Ok(())
}

fn map_from_value(name: &str, v: &Value) -> Result<VariantMap, MapError> {
    let list = v
        .get("variants")
        .and_then(Value::as_array)
        .ok_or_else(|| MapError::Json(format!("map '{name}': \"variants\" must be an array")))?;
    let mut defs = Vec::with_capacity(list.len());
    for item in list {
        defs.push(variant_from_value(item)?);
    }
    VariantMap::from_defs(name, defs)
}

fn variant_from_value(v: &Value) -> Result<VariantDef, MapError> {
    let id = v
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| MapError::Json("variant without an integer \"id\"".into()))?;
    if !(0..MAX_VARIANTS as i64).contains(&id) {
        return Err(MapError::InvalidId { id });
    }
    let id = id as u8;
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let fields = v
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| MapError::Json(format!("variant {id}: \"fields\" must be an array")))?;
    if fields.len() > MAX_SLOTS * 2 {
        return Err(MapError::SlotOutOfRange {
            variant: id,
            slot: fields.len() as i64,
            max: MAX_SLOTS,
            pres: MAX_PRESENCE_BYTES,
        });
    }
    let mut slots: Vec<Option<SlotDef>> = Vec::new();
    let mut seen_slots: Vec<usize> = Vec::new();
    for (pos, f) in fields.iter().enumerate() {
        let slot = f.get("slot").and_then(Value::as_i64).unwrap_or(pos as i64);
        if !(0..MAX_SLOTS as i64).contains(&slot) {
            return Err(MapError::SlotOutOfRange {
                variant: id,
                slot,
                max: MAX_SLOTS,
                pres: MAX_PRESENCE_BYTES,
            });
        }
        let slot = slot as usize;
        if seen_slots.contains(&slot) {
            return Err(MapError::DuplicateLabel {
                variant: id,
                label: format!("slot {slot}"),
            });
        }
        seen_slots.push(slot);
        let ty_name = f.get("type").and_then(Value::as_str).unwrap_or("NONE");
        let label = f.get("label").and_then(Value::as_str);
        if slots.len() <= slot {
            slots.resize(slot + 1, None);
        }
        if ty_name.eq_ignore_ascii_case("NONE") {
            continue;
        }
        let ty = FieldType::from_name(ty_name).ok_or_else(|| MapError::UnknownType {
            variant: id,
            slot,
            name: ty_name.to_string(),
        })?;
        let label = label.unwrap_or("").to_string();
        if let Some(s) = slots.get_mut(slot) {
            *s = Some(SlotDef { ty, label });
        }
    }
    while matches!(slots.last(), Some(None)) {
        slots.pop();
    }
    let num_pres_bytes = match v.get("num_pres_bytes").and_then(Value::as_i64) {
        Some(n) if (1..=MAX_PRESENCE_BYTES as i64).contains(&n) => n as u8,
        Some(n) => return Err(MapError::PresenceBytes { variant: id, n }),
        None => slots
            .iter()
            .rposition(Option::is_some)
            .map_or(1, presence_bytes_for_slot) as u8,
    };
    Ok(VariantDef {
        id,
        name,
        num_pres_bytes,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/variants.json"
    ));

    #[test]
    fn loads_vector_maps() {
        let maps = VariantMap::parse_maps(VECTORS).unwrap();
        let names: Vec<_> = maps.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["default", "suite", "custom"]);
        assert_eq!(maps[0], VariantMap::default_map());
        let custom = &maps[2];
        assert_eq!(
            custom.get(0).unwrap().slot(26).unwrap().ty,
            FieldType::Flags
        );
        assert_eq!(
            custom
                .get(3)
                .unwrap()
                .slots_of_type(FieldType::Temperature)
                .collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(custom.get(4).is_none());
    }

    #[test]
    fn rejects_bad_maps() {
        let bad = |j: &str| VariantMap::parse_maps(j).unwrap_err();
        assert_eq!(
            bad(r#"{"variants":[{"id":15,"fields":[]}]}"#),
            MapError::InvalidId { id: 15 }
        );
        assert!(matches!(
            bad(r#"{"variants":[{"id":0,"fields":[{"slot":0,"type":"FOO","label":"x"}]}]}"#),
            MapError::UnknownType { .. }
        ));
        assert!(matches!(
            bad(
                r#"{"variants":[{"id":0,"fields":[{"slot":0,"type":"BATTERY","label":"x"},{"slot":1,"type":"DEPTH","label":"x"}]}]}"#
            ),
            MapError::DuplicateLabel { .. }
        ));
        assert!(matches!(
            bad(
                r#"{"variants":[{"id":0,"num_pres_bytes":1,"fields":[{"slot":6,"type":"BATTERY","label":"x"}]}]}"#
            ),
            MapError::SlotOutOfRange { .. }
        ));
        assert!(matches!(
            bad(r#"{"variants":[{"id":0,"fields":[{"slot":27,"type":"BATTERY","label":"x"}]}]}"#),
            MapError::SlotOutOfRange { .. }
        ));
        assert!(matches!(
            bad(
                r#"{"variants":[{"id":0,"fields":[{"slot":0,"type":"BATTERY","label":"station"}]}]}"#
            ),
            MapError::BadLabel { .. }
        ));
        assert!(matches!(bad("[1,2]"), MapError::Json(_)));
        assert!(matches!(
            VariantMap::select(VECTORS, Some("nope")).unwrap_err(),
            MapError::NoSuchMap { .. }
        ));
    }

    #[test]
    fn json_round_trip() {
        for m in VariantMap::parse_maps(VECTORS).unwrap() {
            let back = VariantMap::maps_from_value(&m.to_json_value()).unwrap();
            assert_eq!(
                back[0].variants().collect::<Vec<_>>(),
                m.variants().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn presence_arithmetic() {
        assert_eq!(slots_for_presence_bytes(4), 27);
        assert_eq!(presence_bytes_for_slot(5), 1);
        assert_eq!(presence_bytes_for_slot(6), 2);
        assert_eq!(presence_bytes_for_slot(12), 2);
        assert_eq!(presence_bytes_for_slot(13), 3);
        assert_eq!(presence_bytes_for_slot(26), 4);
    }
}

//! Shared by the fuzz targets: the maps to decode under.

use std::sync::LazyLock;

use iotdata::VariantMap;

/// The built-in default map and the `custom` map of the conformance vectors
/// (27 slots, every standalone type, images, repeated types).
pub static MAPS: LazyLock<Vec<VariantMap>> = LazyLock::new(|| {
    let text = include_str!("../../../tests/vectors/variants.json");
    let mut maps = vec![VariantMap::default_map()];
    maps.extend(VariantMap::select(text, Some("custom")));
    maps.extend(VariantMap::select(text, Some("suite")));
    maps
});

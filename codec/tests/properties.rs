//! Property tests (proptest).
//!
//! * Random VALID packets (every field type, raw wire values within each
//!   component's valid range or natives through the typed constructors;
//!   every map of `tests/vectors/variants.json` and random valid maps;
//!   random TLV lists; random images built with [`Image::from_pixels`])
//!   encode, decode back to the same packet, and survive decode -> JSON ->
//!   encode byte for byte.
//! * Arbitrary bytes (0..300) given to `decode_frame`, `decode_to_json` and
//!   `dump_frame` (strict and lenient, every map) give `Ok` or a typed error,
//!   never a panic, and the three agree.
//! * Arbitrary packet-shaped JSON (numbers huge, negative, fractional, as
//!   strings, `"NaN"`, ...) given to the JSON encoders gives `Ok` or an error,
//!   never a panic; whatever is accepted decodes and re-encodes identically.
//!
//! Case counts are sized to keep `cargo test -p iotdata` quick; set
//! `PROPTEST_CASES=N` to run every property with N cases instead.

#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Arc, LazyLock};

use iotdata::field::{Component, Layout, Quant, GAS_SLOTS, PM_CHANNELS};
use iotdata::frame::{self, Frame};
use iotdata::image::{Compression, Image, PixelFormat, PixelGrid, SizeTier};
use iotdata::packet::{Field, Header, Packet};
use iotdata::variant::{SlotDef, VariantDef};
use iotdata::{decode, encode, json, tlv, DecodeOptions, FieldType, FieldValue, Tlv, VariantMap};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json as j, Map, Value};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// The maps of the conformance vectors (`default`, `suite`, `custom`).
static VECTOR_MAPS: LazyLock<Vec<Arc<VariantMap>>> = LazyLock::new(|| {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/variants.json"
    ));
    let maps = VariantMap::parse_maps(text).expect("variants.json loads");
    assert!(
        maps.len() >= 3,
        "variants.json holds default, suite and custom"
    );
    maps.into_iter().map(Arc::new).collect()
});

/// The built-in default map, the vector maps, then nothing else.
static ALL_FIXED_MAPS: LazyLock<Vec<Arc<VariantMap>>> = LazyLock::new(|| {
    let mut v = vec![Arc::new(VariantMap::default_map())];
    v.extend(VECTOR_MAPS.iter().cloned());
    v
});

/// `PROPTEST_CASES` if set, else `n`.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

fn config(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(n),
        // Shrinking packets with images is slow; a failure is reported with
        // a reasonably small case well within this budget.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

const DECODE_KINDS: [&str; 5] = [
    "short",
    "truncated",
    "variant_reserved",
    "variant_unknown",
    "malformed",
];

// ---------------------------------------------------------------------------
// Field values
// ---------------------------------------------------------------------------

/// Valid raw (wire) values of one component: those whose native value the
/// encoder accepts and re-quantises to the same raw value.
fn component_raw(c: &'static Component) -> BoxedStrategy<u32> {
    let mask = ((1u64 << c.bits) - 1) as u32;
    #[allow(unreachable_patterns)]
    let max = match c.quant {
        Quant::Battery => 31,
        Quant::Bool => 1,
        Quant::Rssi => 15,
        Quant::Snr => 3,
        Quant::Temperature => 480, // -40 .. +80 °C in 0.25 steps
        Quant::Offset {
            offset, min, max, ..
        } => (max - offset) as u32 - (min - offset) as u32,
        Quant::Direct { max, .. } => max,
        Quant::Half { .. } => 127,
        Quant::WindDirection => 255,
        Quant::RainSize => 15,
        Quant::Dose => 16383,
        Quant::Latitude | Quant::Longitude | Quant::Datetime => mask,
        Quant::Hex { .. } => 255,
        _ => mask,
    };
    let min = match c.quant {
        Quant::Offset { offset, min, .. } => (min - offset) as u32,
        _ => 0,
    };
    let max = max.min(mask);
    // Bias towards the ends of the range, where quantisers go wrong.
    prop_oneof![
        3 => min..=max,
        1 => prop::sample::select(vec![min, max, min + (max > min) as u32, max - (max > min) as u32]),
    ]
    .boxed()
}

fn fixed_raw_value(ty: FieldType) -> BoxedStrategy<FieldValue> {
    let Layout::Fixed(comps) = ty.spec().layout else {
        unreachable!("{ty} is not fixed-width")
    };
    let parts: Vec<BoxedStrategy<u32>> = comps.iter().map(component_raw).collect();
    parts
        .prop_map(move |raws| FieldValue::from_raw(ty, &raws).expect("fixed type"))
        .boxed()
}

fn pm_values() -> impl Strategy<Value = [Option<u32>; 4]> {
    let ch = |i: usize| proptest::option::of(0..=PM_CHANNELS[i].max());
    [ch(0), ch(1), ch(2), ch(3)]
}

fn gas_values() -> impl Strategy<Value = [Option<u32>; 8]> {
    let ch = |i: usize| proptest::option::of(0..=GAS_SLOTS[i].max());
    [ch(0), ch(1), ch(2), ch(3), ch(4), ch(5), ch(6), ch(7)]
}

/// Natives within each type's documented range, through the typed
/// constructors (which must accept them).
fn native_value(ty: FieldType) -> BoxedStrategy<FieldValue> {
    use FieldType as T;
    let s: BoxedStrategy<Result<FieldValue, iotdata::EncodeError>> = match ty {
        T::Battery => (0u8..=100, any::<bool>())
            .prop_map(|(l, c)| FieldValue::battery(l, c))
            .boxed(),
        T::Link => (-120i32..=-60, -20.0f32..=10.0)
            .prop_map(|(r, s)| FieldValue::link(r, s))
            .boxed(),
        T::Environment => (-40.0f32..=80.0, 850i32..=1105, 0i32..=100)
            .prop_map(|(t, p, h)| FieldValue::environment(t, p, h))
            .boxed(),
        T::Temperature => (-40.0f32..=80.0).prop_map(FieldValue::temperature).boxed(),
        T::Pressure => (850i32..=1105).prop_map(FieldValue::pressure).boxed(),
        T::Humidity => (0i32..=100).prop_map(FieldValue::humidity).boxed(),
        T::Wind => (0.0f32..=63.5, 0i32..=359, 0.0f32..=63.5)
            .prop_map(|(s, d, g)| FieldValue::wind(s, d, g))
            .boxed(),
        T::WindSpeed => (0.0f32..=63.5).prop_map(FieldValue::wind_speed).boxed(),
        T::WindDirection => (0i32..=359).prop_map(FieldValue::wind_direction).boxed(),
        T::WindGust => (0.0f32..=63.5).prop_map(FieldValue::wind_gust).boxed(),
        T::Rain => (0i32..=255, 0i32..=60)
            .prop_map(|(r, s)| FieldValue::rain(r, s))
            .boxed(),
        T::RainRate => (0i32..=255).prop_map(FieldValue::rain_rate).boxed(),
        T::RainSize => (0i32..=60).prop_map(FieldValue::rain_size).boxed(),
        T::Solar => (0i32..=1023, 0i32..=15)
            .prop_map(|(i, u)| FieldValue::solar(i, u))
            .boxed(),
        T::Clouds => (0i32..=8).prop_map(FieldValue::clouds).boxed(),
        T::AirQuality => (0i32..=500, pm_values(), gas_values())
            .prop_map(|(i, pm, gas)| FieldValue::air_quality(i, pm, gas))
            .boxed(),
        T::AirQualityIndex => (0i32..=500).prop_map(FieldValue::air_quality_index).boxed(),
        T::AirQualityPm => pm_values().prop_map(FieldValue::air_quality_pm).boxed(),
        T::AirQualityGas => gas_values().prop_map(FieldValue::air_quality_gas).boxed(),
        T::Radiation => (0i32..=16383, 0.0f32..=163.83)
            .prop_map(|(c, d)| FieldValue::radiation(c, d))
            .boxed(),
        T::RadiationCpm => (0i32..=16383).prop_map(FieldValue::radiation_cpm).boxed(),
        T::RadiationDose => (0.0f32..=163.83)
            .prop_map(FieldValue::radiation_dose)
            .boxed(),
        T::Depth => (0i32..=1023).prop_map(FieldValue::depth).boxed(),
        T::Position => (-90.0f64..=90.0, -180.0f64..=180.0)
            .prop_map(|(la, lo)| FieldValue::position(la, lo))
            .boxed(),
        T::Datetime => (0u32..=0xFF_FFFF * 5 + 4)
            .prop_map(FieldValue::datetime)
            .boxed(),
        T::Flags => any::<u8>().prop_map(FieldValue::flags).boxed(),
        T::Image => image().prop_map(|i| Ok(FieldValue::Image(i))).boxed(),
    };
    s.prop_map(move |r| {
        r.unwrap_or_else(|e| panic!("typed constructor rejected a valid {ty} value: {e}"))
    })
    .boxed()
}

/// A random valid value of `ty`.
fn field_value(ty: FieldType) -> BoxedStrategy<FieldValue> {
    match ty.spec().layout {
        Layout::Fixed(_) => prop_oneof![fixed_raw_value(ty), native_value(ty)].boxed(),
        _ => native_value(ty),
    }
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

fn pixel_format() -> impl Strategy<Value = PixelFormat> {
    prop::sample::select(vec![
        PixelFormat::Bilevel,
        PixelFormat::Grey4,
        PixelFormat::Grey16,
    ])
}

fn size_tier() -> impl Strategy<Value = SizeTier> {
    prop::sample::select(vec![
        SizeTier::S24x18,
        SizeTier::S32x24,
        SizeTier::S48x36,
        SizeTier::S64x48,
    ])
}

fn compression() -> impl Strategy<Value = Compression> {
    prop::sample::select(vec![
        Compression::Raw,
        Compression::Rle,
        Compression::Heatshrink,
    ])
}

/// A picture of the format's depth and the tier's size, made of runs (so
/// that it usually compresses into an image field) or, sometimes, noise.
fn grid(format: PixelFormat, size: SizeTier) -> BoxedStrategy<PixelGrid> {
    let bpp = format.bpp().expect("not reserved");
    let (w, h) = (size.width(), size.height());
    let n = w * h;
    let max = (1u8 << bpp) - 1;
    prop_oneof![
        3 => vec((1usize..=200, 0..=max), 1..40).prop_map(move |runs| {
            let mut px = Vec::with_capacity(n);
            for (len, v) in runs.iter().cycle().take(n) {
                px.extend(std::iter::repeat_n(*v, *len));
                if px.len() >= n {
                    break;
                }
            }
            px.resize(n, 0);
            PixelGrid { width: w, height: h, bpp, pixels: px }
        }),
        1 => vec(0..=max, n).prop_map(move |pixels| PixelGrid { width: w, height: h, bpp, pixels }),
    ]
    .boxed()
}

/// The arguments of [`Image::from_pixels`].
fn image_args() -> impl Strategy<Value = (PixelFormat, SizeTier, Compression, bool, bool, PixelGrid)>
{
    (
        pixel_format(),
        size_tier(),
        compression(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(f, s, c, frag, inv)| {
            (Just(f), Just(s), Just(c), Just(frag), Just(inv), grid(f, s))
        })
}

/// A valid image field: compressed from a picture, or (when the picture
/// does not fit in 254 bytes) raw data as [`Image::new`] takes it.
fn image() -> BoxedStrategy<Image> {
    (image_args(), vec(any::<u8>(), 0..=64))
        .prop_map(|((f, s, c, frag, inv, g), fallback)| {
            Image::from_pixels(f, s, c, frag, inv, &g).unwrap_or_else(|_| {
                let flags = (u8::from(frag) << 1) | u8::from(inv);
                Image::new(f.code(), s.code(), c.code(), flags, fallback).expect("valid codes")
            })
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// TLVs
// ---------------------------------------------------------------------------

/// Text in the 6-bit character set (Appendix A), up to `max` characters.
fn sixbit_text(max: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9 ]{{0,{max}}}"))
        .expect("valid regex")
        .boxed()
}

/// Any text (NUL and multi-byte UTF-8 included), up to `max` characters:
/// at most `4 * max` bytes of raw TLV data.
fn any_text(max: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("(?s:.{{0,{max}}})"))
        .expect("valid regex")
        .boxed()
}

fn kv_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(("[a-zA-Z0-9]{1,8}", "[a-zA-Z0-9]{1,8}"), 0..4)
}

fn tlv_entry() -> BoxedStrategy<Tlv> {
    prop_oneof![
        (
            0u8..=63,
            prop_oneof![4 => vec(any::<u8>(), 0..=40), 1 => vec(any::<u8>(), 0..=255)]
        )
            .prop_map(|(t, b)| Tlv::raw(t, b)),
        (
            0u8..=63,
            prop_oneof![4 => sixbit_text(40), 1 => sixbit_text(255)]
        )
            .prop_map(|(t, s)| Tlv::string(t, &s)),
        (kv_pairs(), any::<bool>(), any::<bool>()).prop_map(|(kv, raw, is_version)| {
            let kv: Vec<(&str, &str)> = kv.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if is_version {
                Tlv::version(&kv, raw)
            } else {
                Tlv::config(&kv, raw)
            }
        }),
        (
            0u32..=83_886_079,
            0u32..=83_886_079,
            any::<u16>(),
            any::<u8>()
        )
            .prop_map(|(s, l, r, reason)| Tlv::status(s, l, r, reason)),
        (
            any::<i8>(),
            any::<u16>(),
            any::<u16>(),
            0u32..=0xFFFF * 5 + 4
        )
            .prop_map(|(t, v, h, a)| Tlv::health(t, v, h, a)),
        (sixbit_text(40), any::<bool>()).prop_map(|(s, d)| if d {
            Tlv::diagnostic(&s, false)
        } else {
            Tlv::userdata(&s, false)
        }),
        (any_text(60), any::<bool>()).prop_map(|(s, d)| if d {
            Tlv::diagnostic(&s, true)
        } else {
            Tlv::userdata(&s, true)
        }),
    ]
    .prop_map(|r| r.expect("TLV helper rejected a valid entry"))
    .boxed()
}

fn tlv_list() -> impl Strategy<Value = Vec<Tlv>> {
    prop_oneof![1 => Just(Vec::new()), 2 => vec(tlv_entry(), 1..5)]
}

// ---------------------------------------------------------------------------
// Maps and packets
// ---------------------------------------------------------------------------

/// A random valid map: 1..=4 variants with random ids, presence-byte counts,
/// slot types (repeats allowed) and labels (JSON-hostile characters included).
fn random_map() -> impl Strategy<Value = VariantMap> {
    let prefixes = vec![
        "f",
        "temp_",
        "a\"b",
        "x y",
        "back\\slash",
        "é",
        "Ω_",
        "tab\t",
    ];
    let variant = (1u8..=4).prop_flat_map(move |npres| {
        let cap = iotdata::variant::slots_for_presence_bytes(npres as usize);
        (
            Just(npres),
            vec(
                proptest::option::weighted(
                    0.6,
                    (
                        0..FieldType::ALL.len(),
                        prop::sample::select(prefixes.clone()),
                    ),
                ),
                1..=cap,
            ),
        )
    });
    (
        prop::sample::subsequence((0u8..15).collect::<Vec<_>>(), 1..=4),
        vec(variant, 4),
    )
        .prop_map(|(ids, variants)| {
            let defs = ids
                .iter()
                .zip(variants)
                .map(|(&id, (npres, slots))| VariantDef {
                    id,
                    name: format!("random_{id}"),
                    num_pres_bytes: npres,
                    slots: slots
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| {
                            s.map(|(t, p)| SlotDef {
                                ty: FieldType::ALL[t],
                                label: format!("{p}{i}"),
                            })
                        })
                        .collect(),
                })
                .collect();
            VariantMap::from_defs("random", defs).expect("generated map is valid")
        })
}

/// A random valid packet for `map`: a defined variant, a random subset of
/// its slots with random values, random TLVs.
fn packet(map: Arc<VariantMap>) -> BoxedStrategy<Packet> {
    let defs: Vec<VariantDef> = map.variants().cloned().collect();
    (0..defs.len())
        .prop_flat_map(move |i| {
            let def = &defs[i];
            let slots: Vec<BoxedStrategy<Option<Field>>> = def
                .slots
                .iter()
                .enumerate()
                .filter_map(|(slot, sd)| {
                    let ty = sd.as_ref()?.ty;
                    let slot = slot as u8;
                    Some(
                        proptest::option::weighted(0.6, field_value(ty))
                            .prop_map(move |v| v.map(|value| Field { slot, value }))
                            .boxed(),
                    )
                })
                .collect();
            (Just(def.id), 0u16..=4095, any::<u16>(), slots, tlv_list())
        })
        .prop_map(|(variant, station, sequence, fields, tlvs)| Packet {
            header: Header {
                variant,
                station,
                sequence,
            },
            fields: fields.into_iter().flatten().collect(),
            tlvs,
            layout_variant: variant,
            ..Packet::default()
        })
        .boxed()
}

/// A vector map (or the built-in default) and a packet for it.
fn fixed_map_packet() -> impl Strategy<Value = (Arc<VariantMap>, Packet)> {
    (0..ALL_FIXED_MAPS.len()).prop_flat_map(|i| {
        let map = ALL_FIXED_MAPS[i].clone();
        (Just(map.clone()), packet(map))
    })
}

/// A random map and a packet for it.
fn random_map_packet() -> impl Strategy<Value = (Arc<VariantMap>, Packet)> {
    random_map().prop_flat_map(|m| {
        let map = Arc::new(m);
        (Just(map.clone()), packet(map))
    })
}

/// Encode -> decode gives the packet back; decode -> JSON -> encode gives
/// the bytes back (through both JSON entry points).
fn check_round_trip(map: &VariantMap, p: &Packet) -> Result<(), TestCaseError> {
    let bytes = encode(p, map).map_err(|e| TestCaseError::fail(format!("encode failed: {e}")))?;
    let d = decode(&bytes, map, DecodeOptions::STRICT).map_err(|e| {
        TestCaseError::fail(format!(
            "decode of {} failed: {e}",
            iotdata::hex::encode(&bytes)
        ))
    })?;
    prop_assert_eq!(d.header, p.header);
    prop_assert_eq!(&d.fields, &p.fields);
    prop_assert_eq!(&d.tlvs, &p.tlvs);
    prop_assert!(d.warnings.is_empty(), "warnings: {:?}", d.warnings);
    prop_assert_eq!(
        d.packed_bytes(),
        bytes.len(),
        "encoder writes exactly the packed bytes"
    );
    // Lenient decoding of a known variant is the same.
    prop_assert_eq!(
        &decode(&bytes, map, DecodeOptions::LENIENT).ok(),
        &Some(d.clone())
    );

    let text = json::to_json(&d, map);
    prop_assert_eq!(
        frame::decode_to_json(&bytes, map, DecodeOptions::STRICT),
        text.clone()
    );
    let again = json::encode_json(&text, map)
        .map_err(|e| TestCaseError::fail(format!("JSON re-encode failed: {e}\n{text}")))?;
    prop_assert_eq!(
        iotdata::hex::encode(&again),
        iotdata::hex::encode(&bytes),
        "JSON: {}",
        text
    );
    let again = frame::encode_frame_json(&text, map)
        .map_err(|e| TestCaseError::fail(format!("frame JSON re-encode failed: {e}\n{text}")))?;
    prop_assert_eq!(again, bytes);
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// Every map of variants.json and the built-in default.
    #[test]
    fn round_trip_vector_maps((map, p) in fixed_map_packet()) {
        check_round_trip(&map, &p)?;
    }

    /// Random valid maps.
    #[test]
    fn round_trip_random_maps((map, p) in random_map_packet()) {
        check_round_trip(&map, &p)?;
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Every field type alone, in a one-slot map, with every kind of value.
    #[test]
    fn round_trip_each_type(
        (ty, value) in (0..FieldType::ALL.len()).prop_flat_map(|t| (Just(FieldType::ALL[t]), field_value(FieldType::ALL[t]))),
        tlvs in tlv_list(),
    ) {
        let map = VariantMap::from_defs("one", vec![VariantDef {
            id: 3,
            name: "one".into(),
            num_pres_bytes: 1,
            slots: vec![None, Some(SlotDef { ty, label: "x".into() })],
        }]).expect("valid map");
        let p = Packet {
            header: Header { variant: 3, station: 4095, sequence: 65535 },
            fields: vec![Field { slot: 1, value }],
            tlvs,
            layout_variant: 3,
            ..Packet::default()
        };
        check_round_trip(&map, &p)?;
    }

    /// Pictures survive compression and decompression, whatever the codec.
    #[test]
    fn image_pixels_round_trip((f, s, c, frag, inv, g) in image_args()) {
        match Image::from_pixels(f, s, c, frag, inv, &g) {
            Ok(img) => {
                prop_assert_eq!((img.format(), img.size(), img.compression()), (f, s, c));
                prop_assert_eq!((img.fragment(), img.invert()), (frag, inv));
                let d = img.decode_pixels().map_err(|e| TestCaseError::fail(format!("decode_pixels: {e}")))?;
                prop_assert_eq!(&d.grid, &g);
                prop_assert_eq!(d.unused_bytes, 0);
                if c == Compression::Heatshrink {
                    prop_assert_eq!(d.heatshrink, Some(iotdata::image::HeatshrinkConvention::Reference));
                }
            }
            // The only acceptable failure: the compressed data does not fit.
            Err(e) => prop_assert_eq!(e.kind(), "image_compression", "{}", e),
        }
    }
}

// ---------------------------------------------------------------------------
// Arbitrary bytes
// ---------------------------------------------------------------------------

/// Decodes `bytes` every way; checks that nothing panics, errors are typed
/// and the entry points agree.
fn check_any_bytes(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
) -> Result<(), TestCaseError> {
    let res = frame::decode_frame(bytes, map, opts);
    match &res {
        Ok(Frame::Sensor(p)) => {
            prop_assert!(p.packed_bytes() <= bytes.len());
            prop_assert!(p.header.variant != 15);
            // What decoded re-encodes to something that decodes the same way
            // (not necessarily the same bytes: the input may hold values a
            // conforming encoder cannot produce).
            let _ = encode(p, map);
        }
        Ok(Frame::Mesh(_)) => prop_assert_eq!(bytes.first().map(|b| b >> 4), Some(15)),
        Err(e) => {
            prop_assert!(
                DECODE_KINDS.contains(&e.kind()),
                "untyped kind {}",
                e.kind()
            );
            prop_assert!(e.bit_offset() <= bytes.len() * 8, "{e:?}");
            prop_assert!(!e.to_string().is_empty());
        }
    }
    let text = frame::decode_to_json(bytes, map, opts);
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        TestCaseError::fail(format!("decode_to_json gave invalid JSON ({e}): {text}"))
    })?;
    match &res {
        Ok(f) => {
            prop_assert!(doc.get("error").is_none(), "{}", text);
            prop_assert_eq!(text.clone(), frame::frame_to_json(f, map, opts));
        }
        Err(e) => prop_assert_eq!(doc["error"]["kind"].as_str(), Some(e.kind())),
    }
    let (dumped, entries) = frame::dump_frame(bytes, map, opts);
    prop_assert_eq!(&dumped, &res, "dump_frame and decode_frame disagree");
    for e in &entries {
        prop_assert!(
            e.bit_offset + e.bit_length <= bytes.len() * 8,
            "dump entry beyond the input: {e:?}"
        );
    }
    let _ = frame::format_dump_table(&entries, res.as_ref().ok().map(|_| bytes.len() * 8));
    if let Ok(Frame::Sensor(p)) = &res {
        for f in &p.fields {
            if let FieldValue::Image(img) = &f.value {
                let _ = img.decode_pixels();
            }
        }
        let _ = p.tlvs.iter().map(Tlv::interpret).count();
    }
    Ok(())
}

/// Bytes that look like the start of a packet more often than uniform
/// noise does: a random header whose variant is small, or one the maps use.
fn noisy_frame() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..300),
        1 => (0u8..16, vec(any::<u8>(), 0..300)).prop_map(|(v, mut b)| {
            if let Some(x) = b.first_mut() {
                *x = (v << 4) | (*x & 0x0F);
            }
            b
        }),
    ]
}

proptest! {
    #![proptest_config(config(2048))]

    /// Arbitrary bytes under every vector map, strict and lenient.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in noisy_frame(), map_i in 0..4usize, lenient in any::<bool>()) {
        let map = &ALL_FIXED_MAPS[map_i % ALL_FIXED_MAPS.len()];
        let opts = DecodeOptions { lenient };
        check_any_bytes(&bytes, map, opts)?;
        // Strict success implies the same lenient result.
        if let Ok(f) = frame::decode_frame(&bytes, map, DecodeOptions::STRICT) {
            prop_assert_eq!(frame::decode_frame(&bytes, map, DecodeOptions::LENIENT).ok(), Some(f));
        }
    }

    /// Arbitrary bytes under random maps.
    #[test]
    fn arbitrary_bytes_random_maps(map in random_map(), bytes in noisy_frame(), lenient in any::<bool>()) {
        check_any_bytes(&bytes, &map, DecodeOptions { lenient })?;
    }

    /// Valid packets cut short, bit-flipped or extended: no panic, and a
    /// cut packet fails as short/truncated/malformed (or decodes when only
    /// padding was cut).
    #[test]
    fn mutated_packets_never_panic(
        (map, p) in fixed_map_packet(),
        cut in any::<prop::sample::Index>(),
        flips in vec((any::<prop::sample::Index>(), 0u8..8), 0..4),
        tail in vec(any::<u8>(), 0..8),
        lenient in any::<bool>(),
    ) {
        let bytes = encode(&p, &map).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let opts = DecodeOptions { lenient };
        let n = cut.index(bytes.len());
        let prefix = &bytes[..n];
        check_any_bytes(prefix, &map, opts)?;
        if let Err(e) = decode(prefix, &map, opts) {
            prop_assert!(["short", "truncated", "malformed"].contains(&e.kind()), "{e:?}");
        }
        let mut flipped = bytes.clone();
        for (at, bit) in &flips {
            let i = at.index(flipped.len());
            flipped[i] ^= 1 << bit;
        }
        check_any_bytes(&flipped, &map, opts)?;
        // Trailing bytes are ignored.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&tail);
        let d = decode(&longer, &map, DecodeOptions::STRICT).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&d.fields, &p.fields);
        prop_assert_eq!(d.packed_bytes(), bytes.len());
    }
}

// ---------------------------------------------------------------------------
// Arbitrary JSON
// ---------------------------------------------------------------------------

/// Numbers as JSON producers write them, and as they should not.
fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        (-5i64..70_000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-2000.0f64..2000.0).prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN / inf become null
        prop::sample::select(vec![
            "NaN",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "1e999",
            "-1e999",
            "-0",
            "0x10",
            "",
            " 12 ",
            "1e-400",
            "99999999999999999999999",
            "-99999999999999999999",
            "4.5e3",
            "true",
            "null",
            "१२",
        ])
        .prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
    ]
    .boxed()
}

/// Every member name a field value, image or TLV can have, plus noise.
fn member_names() -> Vec<&'static str> {
    let mut keys = vec![
        "index",
        "pm",
        "gas",
        "format",
        "size",
        "compression",
        "fragment",
        "invert",
        "pixels",
        "type",
        "data",
        "wire",
        "session_uptime",
        "lifetime_uptime",
        "restarts",
        "reason",
        "cpu_temp",
        "supply_mv",
        "free_heap",
        "session_active",
        "bogus",
        "",
    ];
    for t in FieldType::ALL {
        if let Layout::Fixed(comps) = t.spec().layout {
            keys.extend(comps.iter().map(|c| c.key));
        }
    }
    keys.extend(PM_CHANNELS.iter().map(|c| c.key));
    keys.extend(GAS_SLOTS.iter().map(|c| c.key));
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A string value: names the decoder uses, base64, 6-bit text, anything.
fn string_value() -> BoxedStrategy<Value> {
    prop_oneof![
        prop::sample::select(vec![
            "bilevel",
            "grey4",
            "grey16",
            "reserved",
            "24x18",
            "32x24",
            "48x36",
            "64x48",
            "raw",
            "rle",
            "heatshrink",
            "string",
            "version",
            "config",
            "status",
            "health",
            "POWER_ON",
            "ChssPf==",
            "AAAA",
            "!!!",
            "=",
            "FW 142 HW 3",
        ])
        .prop_map(Value::from),
        "[A-Za-z0-9+/=]{0,40}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ]
    .boxed()
}

/// An arbitrary JSON value built from numbers, strings and objects keyed by
/// the member names the codec reads.
fn any_value() -> BoxedStrategy<Value> {
    let keys = member_names();
    let leaf = prop_oneof![3 => number(), 2 => string_value()];
    leaf.prop_recursive(3, 48, 8, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            vec((prop::sample::select(keys.clone()), inner), 0..10).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
    .boxed()
}

/// A TLV object, mostly well-formed in shape, with random contents.
fn tlv_json() -> BoxedStrategy<Value> {
    (
        prop_oneof![(0i64..=70).prop_map(Value::from), number()],
        proptest::option::of(prop::sample::select(vec![
            "raw", "string", "version", "config", "status", "health", "bogus",
        ])),
        proptest::option::of(any_value()),
        proptest::option::of(prop::sample::select(vec!["raw", "string", "x"])),
    )
        .prop_map(|(ty, format, data, wire)| {
            let mut m = Map::new();
            m.insert("type".into(), ty);
            if let Some(f) = format {
                m.insert("format".into(), f.into());
            }
            if let Some(d) = data {
                m.insert("data".into(), d);
            }
            if let Some(w) = wire {
                m.insert("wire".into(), w.into());
            }
            Value::Object(m)
        })
        .boxed()
}

/// A packet-shaped document for `map`: header members (usually sane),
/// members named after the map's labels with random values, a `data` array.
fn packet_json(map: Arc<VariantMap>) -> BoxedStrategy<Value> {
    let labels: Vec<String> = map
        .variants()
        .flat_map(|d| d.slots.iter().flatten().map(|s| s.label.clone()))
        .collect();
    let header = |range: std::ops::RangeInclusive<i64>| prop_oneof![3 => range.prop_map(Value::from), 1 => number()];
    (
        header(0..=15),
        header(0..=4095),
        header(0..=65535),
        vec((prop::sample::select(labels), any_value()), 0..6),
        proptest::option::of(
            prop_oneof![3 => vec(tlv_json(), 0..4).prop_map(Value::Array), 1 => any_value()],
        ),
        proptest::option::of((0i64..=16).prop_map(Value::from)),
    )
        .prop_map(|(variant, station, sequence, fields, data, ctrl_type)| {
            let mut m = Map::new();
            m.insert("variant".into(), variant);
            m.insert("station".into(), station);
            m.insert("sequence".into(), sequence);
            for (k, v) in fields {
                m.insert(k, v);
            }
            if let Some(d) = data {
                m.insert("data".into(), d);
            }
            if let Some(c) = ctrl_type {
                m.insert("ctrl_type".into(), c);
            }
            Value::Object(m)
        })
        .boxed()
}

/// Every path to a leaf (or container) of `v`, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// The canonical JSON of a valid packet with a few members replaced by
/// random values or removed: reaches deep into every field and TLV reader.
fn mutated_packet_json(map: Arc<VariantMap>) -> BoxedStrategy<Value> {
    let m2 = map.clone();
    (
        packet(map),
        vec(
            (
                any::<prop::sample::Index>(),
                proptest::option::weighted(0.8, any_value()),
            ),
            1..4,
        ),
    )
        .prop_map(move |(p, edits)| {
            let mut doc: Value =
                serde_json::from_str(&json::to_json(&p, &m2)).expect("our JSON parses");
            for (at, replacement) in edits {
                let mut paths = Vec::new();
                pointers(&doc, String::new(), &mut paths);
                if paths.is_empty() {
                    break;
                }
                let path = &paths[at.index(paths.len())];
                match replacement {
                    Some(r) => {
                        if let Some(slot) = doc.pointer_mut(path) {
                            *slot = r;
                        }
                    }
                    None => {
                        let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
                        match doc.pointer_mut(parent) {
                            Some(Value::Object(m)) => {
                                m.shift_remove(&key.replace("~1", "/").replace("~0", "~"));
                            }
                            Some(Value::Array(a)) => {
                                if let Ok(i) = key.parse::<usize>() {
                                    if i < a.len() {
                                        a.remove(i);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            doc
        })
        .boxed()
}

/// Encodes `doc` every way; checks for no panic, and that whatever is
/// accepted decodes and round-trips through JSON to the same bytes.
fn check_any_json(doc: &Value, map: &VariantMap) -> Result<(), TestCaseError> {
    let text = doc.to_string();
    // Both entry points must see the same numbers: serde_json (without its
    // `float_roundtrip` feature) may read a printed f64 back one ulp off, so
    // compare against the document as parsed from the text.
    let doc =
        &serde_json::from_str::<Value>(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let by_value = frame::encode_frame_value(doc, map);
    let by_text = frame::encode_frame_json(&text, map);
    prop_assert_eq!(&by_value, &by_text, "value and text entry points disagree");
    let _ = json::encode_json_value(doc, map);
    let _ = json::from_json_value(doc, map);
    if let Ok(bytes) = by_value {
        let f = frame::decode_frame(&bytes, map, DecodeOptions::STRICT).map_err(|e| {
            TestCaseError::fail(format!(
                "accepted JSON encoded to undecodable {}: {e}\n{text}",
                iotdata::hex::encode(&bytes)
            ))
        })?;
        let back = frame::frame_to_json(&f, map, DecodeOptions::STRICT);
        let again = frame::encode_frame_json(&back, map).map_err(|e| {
            TestCaseError::fail(format!(
                "re-encoding our own JSON failed: {e}\n{back}\nfrom {text}"
            ))
        })?;
        prop_assert_eq!(
            iotdata::hex::encode(&again),
            iotdata::hex::encode(&bytes),
            "{} -> {}",
            text,
            back
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    /// Packet-shaped JSON under every vector map.
    #[test]
    fn arbitrary_json_never_panics(
        (map, doc) in (0..ALL_FIXED_MAPS.len()).prop_flat_map(|i| {
            let map = ALL_FIXED_MAPS[i].clone();
            (Just(map.clone()), packet_json(map))
        })
    ) {
        check_any_json(&doc, &map)?;
    }

    /// Our own JSON of valid packets with members replaced or removed.
    #[test]
    fn mutated_json_never_panics(
        (map, doc) in (0..ALL_FIXED_MAPS.len()).prop_flat_map(|i| {
            let map = ALL_FIXED_MAPS[i].clone();
            (Just(map.clone()), mutated_packet_json(map))
        })
    ) {
        check_any_json(&doc, &map)?;
    }

    /// Any JSON value at all, and any text.
    #[test]
    fn arbitrary_json_text_never_panics(doc in any_value(), text in any::<String>()) {
        let map = &ALL_FIXED_MAPS[0];
        check_any_json(&doc, map)?;
        let _ = frame::encode_frame_json(&text, map);
        let _ = tlv::tlvs_from_json_str(&text);
        let _ = VariantMap::parse_maps(&text);
    }
}

/// The JSON of a known frame re-encodes exactly (a fixed anchor for the
/// properties above).
#[test]
fn station_frame_anchor() {
    let map = VariantMap::default_map();
    let bytes =
        iotdata::hex::decode("002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210")
            .unwrap();
    let p = decode(&bytes, &map, DecodeOptions::STRICT).unwrap();
    let doc: Value = serde_json::from_str(&json::to_json(&p, &map)).unwrap();
    assert_eq!(doc["station"], j!(42));
    assert_eq!(json::encode_json_value(&doc, &map).unwrap(), bytes);
}

//! Hex text to the display model: parse (bounded), decode with the dump,
//! build the field, TLV and mesh rows.

use super::*;

/// Parses and decodes inspector text with `map`.
pub fn inspect(text: &str, map: &VariantMap) -> Inspection {
    if text.trim().is_empty() {
        return Inspection::Empty;
    }
    match parse_bounded(text) {
        Err(e) => Inspection::Hex {
            message: hex_error_text(&e),
        },
        Ok((bytes, _)) if bytes.is_empty() => Inspection::Empty,
        Ok((bytes, cut)) => {
            let mut a = analyse(&bytes, map);
            a.cut = cut;
            Inspection::Frame(Box::new(a))
        }
    }
}

pub(super) fn hex_error_text(e: &iotdata::hex::HexError) -> String {
    match e {
        iotdata::hex::HexError::InvalidChar { .. } => {
            format!("{e}: spaces, newlines, 0x and the separators : , - _ ; are fine")
        }
        iotdata::hex::HexError::OddGroup { .. } => format!("{e}: a byte is two digits"),
    }
}

/// Decodes `bytes` with the dump, the JSON and the display model.
pub fn analyse(bytes: &[u8], map: &VariantMap) -> Analysis {
    let (result, mut dump) = frame::dump_frame(bytes, map, OPTIONS);
    let header = iotdata::Header::peek(bytes);
    let variant_name = header
        .and_then(|h| map.get(h.variant))
        .map(|v| v.name.clone());
    match result {
        Ok(f) => {
            if let Some(inner) = frame::forward_inner(&f) {
                expand_forward_dump(inner, map, 48, "inner.", 1, &mut dump);
            }
            let json = frame::frame_to_json(&f, map, OPTIONS);
            Analysis {
                bytes: bytes.to_vec(),
                header,
                variant_name,
                model: Some(model_of(&f, bytes.len(), map, 0)),
                error: None,
                dump,
                json: Some(json),
                cut: false,
            }
        }
        Err(e) => Analysis {
            bytes: bytes.to_vec(),
            header,
            variant_name,
            model: None,
            error: Some(Failure::from(&e)),
            dump,
            json: None,
            cut: false,
        },
    }
}

/// Adds the dump of a FORWARD's inner packet, shifted to where it sits in
/// the outer frame, its fields prefixed (`inner.battery_level`).
pub(super) fn expand_forward_dump(
    inner: &[u8],
    map: &VariantMap,
    at: usize,
    prefix: &str,
    depth: usize,
    out: &mut Vec<DumpEntry>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let (result, entries) = frame::dump_frame(inner, map, OPTIONS);
    for mut e in entries {
        e.bit_offset += at;
        e.field = format!("{prefix}{}", e.field);
        out.push(e);
    }
    if let Ok(f) = result {
        if let Some(inner2) = frame::forward_inner(&f) {
            expand_forward_dump(
                inner2,
                map,
                at + 48,
                &format!("{prefix}inner."),
                depth + 1,
                out,
            );
        }
    }
}

pub(super) fn model_of(f: &Frame, len: usize, map: &VariantMap, depth: usize) -> FrameModel {
    match f {
        Frame::Sensor(p) => sensor_model(p, len, map),
        Frame::Mesh(m) => {
            let (variant, station, sequence) = frame::frame_header(f);
            FrameModel {
                variant,
                variant_name: Some("mesh".into()),
                station,
                sequence,
                packed_bits: None,
                warnings: Vec::new(),
                fields: Vec::new(),
                tlvs: Vec::new(),
                mesh: Some(mesh_view(m, map, depth)),
            }
        }
    }
}

pub(super) fn sensor_model(p: &Packet, len: usize, map: &VariantMap) -> FrameModel {
    let def = map.get(p.layout_variant);
    let mut warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    if def.is_none() {
        warnings.push(format!(
            "variant {} is not in the map \"{}\"",
            p.header.variant, map.name
        ));
    }
    let used = p.packed_bytes();
    if len > used {
        let extra = len - used;
        warnings.push(format!(
            "{extra} trailing byte{} after the packet (ignored)",
            if extra == 1 { "" } else { "s" }
        ));
    }
    let fields = p
        .fields
        .iter()
        .map(|f| {
            let label = def
                .and_then(|d| d.slot(usize::from(f.slot)))
                .map(|s| s.label.clone())
                .unwrap_or_else(|| format!("slot {}", f.slot));
            if let FieldValue::Image(img) = &f.value {
                if let Ok(d) = img.decode_pixels() {
                    if d.unused_bytes > 0 {
                        warnings.push(format!(
                            "{label}: {} data byte(s) after the picture",
                            d.unused_bytes
                        ));
                    }
                }
            }
            FieldRow {
                slot: f.slot,
                label,
                ty: f.value.ty().name(),
                parts: parts_of(&f.value),
                image: match &f.value {
                    FieldValue::Image(i) => Some(i.clone()),
                    _ => None,
                },
            }
        })
        .collect();
    FrameModel {
        variant: p.header.variant,
        variant_name: map.get(p.header.variant).map(|v| v.name.clone()),
        station: p.header.station,
        sequence: p.header.sequence,
        packed_bits: Some(p.packed_bits),
        warnings,
        fields,
        tlvs: p.tlvs.iter().map(tlv_row).collect(),
        mesh: None,
    }
}

pub(super) fn channel_value(v: u32, unit: &str) -> String {
    fmt::with_unit(&v.to_string(), unit)
}

pub(super) fn parts_of(v: &FieldValue) -> Vec<Part> {
    let bare = matches!(v, FieldValue::Fixed { .. }) && v.components().count() == 1;
    let pm = |pm: &iotdata::field::PmChannels, prefix: &str| -> Vec<Part> {
        pm.values()
            .map(|(c, raw, val)| Part {
                key: format!("{prefix}{}", c.label),
                value: channel_value(val, c.unit),
                raw: raw.to_string(),
            })
            .collect()
    };
    let gas = |g: &iotdata::field::GasSlots, prefix: &str| -> Vec<Part> {
        g.values()
            .map(|(c, raw, val)| Part {
                key: format!("{prefix}{}", c.label),
                value: channel_value(val, c.unit),
                raw: raw.to_string(),
            })
            .collect()
    };
    match v {
        FieldValue::Fixed { .. } => v
            .components()
            .map(|c| Part {
                key: if bare {
                    String::new()
                } else {
                    c.spec.key.to_string()
                },
                value: fmt::pretty_units(c.spec.quant.display(c.raw, c.spec.unit)),
                raw: c.raw.to_string(),
            })
            .collect(),
        FieldValue::Pm(p) => pm(p, ""),
        FieldValue::Gas(g) => gas(g, ""),
        FieldValue::AirQuality {
            index,
            pm: p,
            gas: g,
        } => {
            let mut out = vec![Part {
                key: "index".into(),
                value: format!("{index} AQI"),
                raw: index.to_string(),
            }];
            out.extend(pm(p, ""));
            out.extend(gas(g, ""));
            out
        }
        FieldValue::Image(img) => vec![
            Part {
                key: "picture".into(),
                value: describe(img),
                raw: format!("0x{:02X}", img.control()),
            },
            Part {
                key: "flags".into(),
                value: match (img.fragment(), img.invert()) {
                    (false, false) => "none".into(),
                    (true, false) => "fragment".into(),
                    (false, true) => "invert".into(),
                    (true, true) => "fragment, invert".into(),
                },
                raw: img.flags().to_string(),
            },
            Part {
                key: "data".into(),
                value: format!("{} bytes", img.data().len()),
                raw: img.length_byte().to_string(),
            },
        ],
    }
}

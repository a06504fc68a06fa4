//! How an analysed frame shows: the header, the error, the fields, the
//! dump table and the bit grid.

use super::*;

pub(super) fn analysis_view(a: &Analysis) -> impl IntoView {
    let dump_len = a.dump.len();
    let error = a.error.clone().map(|e| {
        let byte = e.bit_offset / 8;
        let bit = e.bit_offset % 8;
        view! {
            <div class="error-box" data-testid="inspector-error" data-kind=e.kind.clone()>
                <div>
                    <span class="badge error">{e.kind.clone()}</span>
                    " "
                    <strong>{e.message.clone()}</strong>
                </div>
                <div class="small muted">
                    {format!("at bit {} (byte {byte}, bit {bit})", e.bit_offset)}
                    {(!e.field.is_empty()).then(|| view! { " · field " <code>{e.field.clone()}</code> })}
                    {(dump_len > 0).then_some(" · the dump below stops at the error")}
                </div>
            </div>
        }
    });
    let header = header_view(a);
    let model = a.model.clone();
    let json = a.json.clone();
    let bits =
        view! { <BitDump bytes=a.bytes.clone() dump=a.dump.clone() error=a.error.clone() /> };
    let cut = a.cut.then(|| {
        view! {
            <p class="warn-text insp-limit" data-testid="inspector-limit">
                {limit_text()}
            </p>
        }
    });
    view! {
        {cut}
        {error}
        <div class="insp-out">
            <div class="insp-main">
                {header}
                {model.map(|m| frame_body(m, 0))}
            </div>
            {json.map(|j| view! { <JsonBox compact=j /> })}
        </div>
        <div class="insp-bits">
            <h3>"Bit-level dump"</h3>
            {bits}
        </div>
    }
}

pub(super) fn header_view(a: &Analysis) -> impl IntoView {
    let len = a.bytes.len();
    let (variant, station, sequence, name, kind, warnings, packed, ctrl) =
        match (&a.model, a.header) {
            (Some(m), _) => (
                Some(m.variant),
                Some(m.station),
                Some(m.sequence),
                m.variant_name.clone(),
                m.kind(),
                m.warnings.clone(),
                m.packed_bits,
                m.mesh.as_ref().map(|x| x.ctrl_name),
            ),
            (None, Some(h)) => (
                Some(h.variant),
                Some(h.station),
                Some(h.sequence),
                a.variant_name.clone(),
                "error",
                Vec::new(),
                None,
                None,
            ),
            (None, None) => (None, None, None, None, "error", Vec::new(), None, None),
        };
    let variant_text = variant.map(|v| match (&name, v) {
        (_, 15) => "15 · mesh control".to_string(),
        (Some(n), v) => format!("{v} · {n}"),
        (None, v) => format!("{v} · not in the map"),
    });
    let (bits_label, bits) = match packed {
        Some(bits) => ("Bits used", format!("{bits} of {}", len * 8)),
        None => ("Bits", (len * 8).to_string()),
    };
    let cell = |k: &'static str, v: Option<String>| {
        v.map(|v| {
            view! {
                <div class="insp-kv">
                    <span class="k">{k}</span>
                    <span class="v">{v}</span>
                </div>
            }
        })
    };
    view! {
        <div class="insp-header">
            <div class="insp-kvs">
                <div class="insp-kv">
                    <span class="k">"Kind"</span>
                    <span class="v">
                        <span class=format!("badge {kind}")>{kind}</span>
                        {ctrl.map(|c| view! { " " <strong>{c}</strong> })}
                    </span>
                </div>
                {cell("Variant", variant_text)}
                {cell("Station", station.map(|s| format!("{s} (0x{s:03X})")))}
                {cell("Sequence", sequence.map(|s| s.to_string()))}
                {cell("Bytes", Some(len.to_string()))}
                {cell(bits_label, Some(bits))}
            </div>
            {(!warnings.is_empty())
                .then(|| {
                    view! {
                        <ul class="insp-warnings">
                            {warnings
                                .into_iter()
                                .map(|w| view! { <li>{w}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </div>
    }
}

/// Fields, TLVs, images and the mesh part of a decoded frame (recursive for
/// FORWARD).
pub(super) fn frame_body(m: FrameModel, depth: usize) -> AnyView {
    let images: Vec<(String, Image)> = m
        .fields
        .iter()
        .filter_map(|f| f.image.clone().map(|i| (f.label.clone(), i)))
        .collect();
    let station = m.station;
    let fields = (!m.fields.is_empty()).then(|| {
        let rows = m
            .fields
            .into_iter()
            .map(|f| {
                let raws = f
                    .parts
                    .iter()
                    .map(|p| p.raw.clone())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let values = f
                    .parts
                    .into_iter()
                    .map(|p| {
                        view! {
                            <span class="part">
                                {(!p.key.is_empty()).then(|| view! { <span class="pk">{p.key}</span> })}
                                <span class="pv">{p.value}</span>
                            </span>
                        }
                    })
                    .collect_view();
                view! {
                    <tr>
                        <td class="num muted">{f.slot}</td>
                        <td class="lbl">{f.label}</td>
                        <td class="ty muted">{f.ty}</td>
                        <td class="vals">{values}</td>
                        <td class="num raw muted">{raws}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h3>"Fields"</h3>
            <div class="table-wrap" tabindex="0" role="region" aria-label="fields">
                <table class="insp-fields">
                    <thead>
                        <tr>
                            <th class="num">"Slot"</th>
                            <th>"Label"</th>
                            <th>"Type"</th>
                            <th>"Value"</th>
                            <th class="num">"Raw"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let images = (!images.is_empty()).then(|| {
        view! {
            <h3>"Image"</h3>
            <div class="insp-images">
                {images
                    .into_iter()
                    .map(|(label, img)| {
                        view! {
                            <div class="insp-image">
                                <Thumbnail image=img station=station caption=true />
                                <span class="muted small">{label}</span>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        }
    });
    let tlvs = (!m.tlvs.is_empty()).then(|| {
        let heading = if m.tlvs.len() > MAX_TLV_ROWS {
            format!("TLVs (first {MAX_TLV_ROWS} of {} shown)", m.tlvs.len())
        } else {
            "TLVs".to_string()
        };
        view! {
            <h3>{heading}</h3>
            <div class="insp-tlvs">
                {m.tlvs.into_iter().take(MAX_TLV_ROWS).map(tlv_view).collect_view()}
            </div>
        }
    });
    let mesh = m.mesh.map(|x| mesh_body(x, depth));
    view! {
        {mesh}
        {fields}
        {images}
        {tlvs}
    }
    .into_any()
}

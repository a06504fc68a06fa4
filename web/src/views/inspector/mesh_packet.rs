//! Mesh control packets: their rows (model, a FORWARD's inner packet
//! decoded too) and how they show.

use super::*;

pub(super) fn station_text(id: u16) -> String {
    if id == mesh::PARENT_NONE {
        "none (0xFFF)".into()
    } else {
        format!("{id} (0x{id:03X})")
    }
}

pub(super) fn mesh_view(m: &MeshPacket, map: &VariantMap, depth: usize) -> MeshView {
    let mut rows: Vec<(&'static str, String)> = Vec::new();
    let mut neighbours = Vec::new();
    let mut inner = None;
    match &m.body {
        MeshBody::Beacon {
            gateway_id,
            cost,
            flags,
            generation,
        } => {
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("cost", format!("{cost} hop(s) to the gateway")));
            rows.push((
                "flags",
                format!(
                    "0x{flags:X} ({})",
                    if flags & mesh::FLAG_ACCEPTING != 0 {
                        "accepting forwards"
                    } else {
                        "not accepting forwards"
                    }
                ),
            ));
            rows.push(("generation", generation.to_string()));
        }
        MeshBody::Forward { ttl, inner: bytes } => {
            rows.push(("ttl", ttl.to_string()));
            let origin = match mesh::inner_origin(bytes) {
                Some((s, q)) => format!(", origin station {s} (0x{s:03X}) seq {q}"),
                None => String::new(),
            };
            rows.push(("inner", format!("{} bytes{origin}", bytes.len())));
            let result = if depth >= MAX_DEPTH {
                Err(Failure {
                    kind: "nesting".into(),
                    message: "FORWARD nesting too deep to expand".into(),
                    bit_offset: 0,
                    field: "inner".into(),
                })
            } else {
                frame::decode_frame(bytes, map, OPTIONS)
                    .map(|f| model_of(&f, bytes.len(), map, depth + 1))
                    .map_err(|e| Failure::from(&e))
            };
            inner = Some(Box::new(Inner {
                bytes: bytes.clone(),
                result,
            }));
        }
        MeshBody::Ack {
            fwd_station,
            fwd_seq,
        } => {
            rows.push(("acknowledged station", station_text(*fwd_station)));
            rows.push(("acknowledged sequence", fwd_seq.to_string()));
        }
        MeshBody::RouteError { reason } => {
            rows.push((
                "reason",
                format!("{} ({reason})", mesh::reason_name(*reason)),
            ));
        }
        MeshBody::NeighbourReport {
            parent_id,
            my_cost,
            gateway_id,
            neighbours: n,
        } => {
            rows.push((
                "parent",
                if *parent_id == mesh::PARENT_NONE {
                    "none (orphaned)".into()
                } else {
                    station_text(*parent_id)
                },
            ));
            rows.push(("cost", format!("{my_cost} hop(s) to the gateway")));
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("neighbours", n.len().to_string()));
            neighbours = n
                .iter()
                .map(|x| (x.station_id, x.cost, x.rssi_dbm()))
                .collect();
        }
        MeshBody::Ping {
            target_id,
            ttl,
            ping_id,
        } => {
            rows.push(("target", station_text(*target_id)));
            rows.push(("ttl", ttl.to_string()));
            rows.push(("ping id", ping_id.to_string()));
        }
        MeshBody::Pong {
            gateway_id,
            relays,
            ping_id,
        } => {
            rows.push(("gateway", station_text(*gateway_id)));
            rows.push(("relays", relays.to_string()));
            rows.push(("ping id", ping_id.to_string()));
        }
        MeshBody::Unknown { ctrl_type, payload } => {
            rows.push(("control type", format!("{ctrl_type} (reserved)")));
            rows.push(("payload", iotdata::hex::encode_spaced(payload)));
        }
    }
    MeshView {
        ctrl_type: m.ctrl_type(),
        ctrl_name: m.ctrl_name(),
        rows,
        neighbours,
        inner,
    }
}

pub(super) fn mesh_body(m: MeshView, depth: usize) -> impl IntoView {
    let rows = m
        .rows
        .into_iter()
        .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
        .collect_view();
    let neighbours = (!m.neighbours.is_empty()).then(|| {
        view! {
            <div class="table-wrap insp-neighbours" tabindex="0" role="region" aria-label="neighbours">
                <table>
                    <thead>
                        <tr>
                            <th class="num">"Station"</th>
                            <th class="num">"Cost"</th>
                            <th class="num">"RSSI"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {m
                            .neighbours
                            .into_iter()
                            .map(|(s, c, r)| {
                                view! {
                                    <tr>
                                        <td class="num">{format!("{s} (0x{s:03X})")}</td>
                                        <td class="num">{c}</td>
                                        <td class="num">{format!("{r} dBm")}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    let inner = m.inner.map(|i| {
        let Inner { bytes, result } = *i;
        let hex = iotdata::hex::encode(&bytes);
        let body = match result {
            Ok(model) => {
                let head = format!(
                    "{} · station {} (0x{:03X}) · seq {}",
                    match (&model.variant_name, model.variant) {
                        (_, 15) => "mesh".to_string(),
                        (Some(n), v) => format!("variant {v} {n}"),
                        (None, v) => format!("variant {v}"),
                    },
                    model.station,
                    model.station,
                    model.sequence
                );
                let warnings = model.warnings.clone();
                view! {
                    <div class="insp-inner-head">
                        <span class=format!("badge {}", model.kind())>{model.kind()}</span>
                        " "
                        {head}
                    </div>
                    {(!warnings.is_empty())
                        .then(|| {
                            view! {
                                <ul class="insp-warnings">
                                    {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                                </ul>
                            }
                        })}
                    {frame_body(model, depth + 1)}
                }
                .into_any()
            }
            Err(e) => view! {
                <div class="error-box">
                    <span class="badge error">{e.kind}</span>
                    " "
                    {e.message}
                    {format!(" (bit {} of the inner packet, field {})", e.bit_offset, e.field)}
                </div>
            }
            .into_any(),
        };
        view! {
            <div class="insp-inner">
                <div class="insp-inner-title">
                    <strong>"Inner packet"</strong>
                    " "
                    <a class="small" href=format!("#hex={hex}") title="Open the inner packet on its own">
                        "open"
                    </a>
                </div>
                {body}
            </div>
        }
    });
    view! {
        <h3>{format!("Mesh {} (control type {})", m.ctrl_name, m.ctrl_type)}</h3>
        <table class="kv insp-mesh">
            <tbody>{rows}</tbody>
        </table>
        {neighbours}
        {inner}
    }
}

//! TLV entries: their rows (model) and how a row shows.

use super::*;

pub(super) fn tlv_name(ty: u8) -> String {
    match ty {
        tlv::VERSION => "VERSION".into(),
        tlv::STATUS => "STATUS".into(),
        tlv::HEALTH => "HEALTH".into(),
        tlv::CONFIG => "CONFIG".into(),
        tlv::DIAGNOSTIC => "DIAGNOSTIC".into(),
        tlv::USERDATA => "USERDATA".into(),
        t => format!("type 0x{t:02X}"),
    }
}

pub(super) fn tlv_row(t: &Tlv) -> TlvRow {
    let (wire, hex) = match &t.data {
        TlvData::Raw(b) => ("raw", Some(iotdata::hex::encode_spaced(b))),
        TlvData::Text(_) => ("6-bit", None),
    };
    let kv = |k: KvContent| match k {
        KvContent::Pairs(p) => TlvContent::Pairs(p),
        KvContent::Text(s) => TlvContent::Text(s),
    };
    let content = match t.interpret() {
        TlvValue::Version(k) | TlvValue::Config(k) => kv(k),
        TlvValue::Status(Some(s)) => TlvContent::Values(fmt::status_values(&s)),
        TlvValue::Health(Some(h)) => TlvContent::Values(fmt::health_values(&h)),
        TlvValue::Status(None) => {
            TlvContent::Malformed(format!("STATUS should be {} raw bytes", tlv::STATUS_LEN))
        }
        TlvValue::Health(None) => {
            TlvContent::Malformed(format!("HEALTH should be {} raw bytes", tlv::HEALTH_LEN))
        }
        TlvValue::Message(Some(s)) | TlvValue::Text(s) => TlvContent::Text(s),
        TlvValue::Message(None) => TlvContent::Empty,
        TlvValue::Raw(b) if b.is_empty() => TlvContent::Empty,
        TlvValue::Raw(_) => TlvContent::Bytes,
    };
    TlvRow {
        ty: t.ty,
        name: tlv_name(t.ty),
        wire,
        len: t.len(),
        content,
        hex,
    }
}

pub(super) fn tlv_view(t: TlvRow) -> impl IntoView {
    let content = match t.content {
        TlvContent::Pairs(p) if p.is_empty() => {
            view! { <span class="muted">"no key-value pairs"</span> }.into_any()
        }
        TlvContent::Pairs(p) => kv_table(p),
        TlvContent::Values(v) => kv_table(v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
        TlvContent::Text(s) => view! { <span class="insp-tlv-text">{s}</span> }.into_any(),
        TlvContent::Malformed(s) => view! { <span class="warn-text">{s}</span> }.into_any(),
        TlvContent::Empty => view! { <span class="muted">"empty"</span> }.into_any(),
        TlvContent::Bytes => view! { <span class="muted">"opaque bytes"</span> }.into_any(),
    };
    view! {
        <div class="insp-tlv">
            <div class="insp-tlv-head">
                <strong>{t.name}</strong>
                <span class="muted small">
                    {format!("type {} · {} · length {}", t.ty, t.wire, t.len)}
                </span>
            </div>
            <div class="insp-tlv-body">{content}</div>
            {t.hex.filter(|h| !h.is_empty()).map(|h| view! { <code class="insp-hex">{h}</code> })}
        </div>
    }
}

/// Key-value rows as a table (keys and values as text).
fn kv_table(rows: Vec<(String, String)>) -> AnyView {
    view! {
        <table class="kv insp-tlv-kv">
            <tbody>
                {rows
                    .into_iter()
                    .map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

//! OwnTelemetry: CBOR-encoded maps (`ot/<endpoint_id_hex>` uplink,
//! `ot/<endpoint_id_hex>/cmd` downlink), their JSON debug form, batch
//! packets (type 255), per-endpoint XOR-keystream encryption and CRC-16.
//!
//! Profiles 0–10, 51 and 52 are known ([`profiles`]); a packet of another
//! profile has its header decoded and its fields shown by numeric key.

pub mod profiles;

use crate::model::{Direction, Format, Message, OtHeader, Position, Presence};
use crate::value::{hex, int_text, read_cbor_exact, skip_cbor, Value};
use crate::{Error, DEDUP_WINDOW_MS, MAX_BATCH, MAX_DEDUP_ENTRIES, MAX_OT_KEYS};
use profiles::{Profile, Role};
use std::collections::VecDeque;

/// The batch packet type, reserved in every profile.
pub const BATCH_TYPE: u8 = 255;
/// Size of the plaintext header of an encrypted frame (profile, id, nonce).
pub const ENCRYPTED_HEADER_BYTES: usize = 13;

/// Per-endpoint 16-byte keys for encrypted packets (at most [`MAX_OT_KEYS`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyRing {
    keys: Vec<([u8; 8], [u8; 16])>,
}

impl KeyRing {
    /// Sets the key of an endpoint. Returns `false` (and keeps the ring as
    /// it was) when the ring is full.
    pub fn insert(&mut self, id: [u8; 8], key: [u8; 16]) -> bool {
        if let Some(entry) = self.keys.iter_mut().find(|(i, _)| *i == id) {
            entry.1 = key;
            return true;
        }
        if self.keys.len() >= MAX_OT_KEYS {
            return false;
        }
        self.keys.push((id, key));
        true
    }

    /// Sets a key given as hex (16 hex digits of id, 32 of key).
    pub fn insert_hex(&mut self, id: &str, key: &str) -> Result<bool, Error> {
        let id: [u8; 8] = crate::value::parse_hex(id)?
            .try_into()
            .map_err(|_| Error::BadHex)?;
        let key: [u8; 16] = crate::value::parse_hex(key)?
            .try_into()
            .map_err(|_| Error::BadHex)?;
        Ok(self.insert(id, key))
    }

    /// The key of an endpoint.
    pub fn get(&self, id: &[u8; 8]) -> Option<&[u8; 16]> {
        self.keys.iter().find(|(i, _)| i == id).map(|(_, k)| k)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF).
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// XORs `data` in place with the keystream `key[i % 16] ^ nonce_be[i % 4]`
/// (encrypts and decrypts alike).
pub fn xor_keystream(data: &mut [u8], key: &[u8; 16], nonce: u32) {
    let n = nonce.to_be_bytes();
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[i % 16] ^ n[i % 4];
    }
}

/// Drops repeats of (id, mid, timestamp) seen within [`DEDUP_WINDOW_MS`];
/// holds at most [`MAX_DEDUP_ENTRIES`] keys (the oldest go first).
#[derive(Debug, Clone, Default)]
pub struct Dedup {
    seen: VecDeque<([u8; 8], u8, Option<u64>, i64)>,
}

impl Dedup {
    /// Whether this packet is new (`true`) or a duplicate (`false`); `now_ms`
    /// is the receive time. New packets are remembered.
    pub fn is_new(&mut self, header: &OtHeader, now_ms: i64) -> bool {
        while let Some(&(_, _, _, at)) = self.seen.front() {
            if now_ms.saturating_sub(at) > DEDUP_WINDOW_MS || self.seen.len() >= MAX_DEDUP_ENTRIES {
                self.seen.pop_front();
            } else {
                break;
            }
        }
        let key = (header.id, header.mid, header.timestamp);
        if self
            .seen
            .iter()
            .any(|&(id, mid, ts, _)| (id, mid, ts) == key)
        {
            return false;
        }
        self.seen.push_back((key.0, key.1, key.2, now_ms));
        true
    }

    /// The number of keys held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// Decodes one OwnTelemetry MQTT message: cleartext CBOR, the JSON debug
/// form, or an encrypted frame (decrypted with the endpoint's key from
/// `keys`). A batch gives one message per packet it holds.
pub fn decode(topic: &str, payload: &[u8], keys: &KeyRing) -> Result<Vec<Message>, Error> {
    crate::check_sizes(topic, payload)?;
    // `ot/<id>` and `ot/<id>/cmd`; any other topic (a format fixed by the
    // user, or found by the payload's shape) is read as an uplink.
    let levels: Vec<&str> = topic.split('/').collect();
    let (downlink, topic_id) = match levels.as_slice() {
        ["ot", id] => (false, Some(*id)),
        ["ot", id, "cmd"] => (true, Some(*id)),
        ["ot", ..] => return Err(Error::BadTopic(crate::value::clip(topic.to_string()))),
        _ => (false, None),
    };
    let first = payload
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .ok_or(Error::Empty)?;
    let keyed = frame_id(payload).is_some_and(|id| keys.get(&id).is_some());
    let mut messages = if *first == b'{' {
        // An encrypted frame may start with `{` (profile 123) or whitespace.
        match decode_json(payload) {
            Ok(m) => vec![m],
            Err(_) if keyed => decode_binary(payload, keys)?,
            Err(e) => return Err(e),
        }
    } else {
        decode_binary(payload, keys)?
    };
    for m in &mut messages {
        if downlink {
            m.direction = Direction::Downlink;
        }
        if let Some(tid) = topic_id.filter(|t| !t.eq_ignore_ascii_case(&m.node.id)) {
            m.warn(format!("topic names endpoint {tid}, packet {}", m.node.id));
        }
    }
    Ok(messages)
}

/// Cleartext CBOR, or else an encrypted frame.
fn decode_binary(payload: &[u8], keys: &KeyRing) -> Result<Vec<Message>, Error> {
    let clear = read_cbor_exact(payload).and_then(|v| match v {
        Value::Map(m) => Ok(m),
        _ => Err(Error::BadField {
            field: "packet".into(),
            expected: "a CBOR map",
        }),
    });
    match clear {
        Ok(map) => decode_map(map, Some(payload), false, true),
        Err(clear_err) => {
            let looks_cbor = matches!(payload.first(), Some(0xa0..=0xbf));
            let keyed = frame_id(payload).is_some_and(|id| keys.get(&id).is_some());
            if looks_cbor && !keyed {
                return Err(clear_err);
            }
            match decode_encrypted(payload, keys) {
                Ok(m) => Ok(m),
                Err(e) if looks_cbor => Err(if keyed { e } else { clear_err }),
                Err(e) => Err(e),
            }
        }
    }
}

fn frame_id(payload: &[u8]) -> Option<[u8; 8]> {
    payload.get(1..9)?.try_into().ok()
}

/// `[profile][id 8][nonce 4][ciphertext][crc 2 if the profile has one]`.
fn decode_encrypted(payload: &[u8], keys: &KeyRing) -> Result<Vec<Message>, Error> {
    if payload.len() < ENCRYPTED_HEADER_BYTES {
        return Err(Error::FrameTooShort(payload.len()));
    }
    let profile_num = payload[0];
    let id = frame_id(payload).ok_or(Error::FrameTooShort(payload.len()))?;
    let id_hex = hex(&id);
    let key = keys.get(&id).ok_or_else(|| Error::NoKey(id_hex.clone()))?;
    let uses_crc = profiles::profile(profile_num).is_some_and(Profile::uses_crc);
    let body_end = if uses_crc {
        if payload.len() < ENCRYPTED_HEADER_BYTES + 2 {
            return Err(Error::FrameTooShort(payload.len()));
        }
        let end = payload.len() - 2;
        let stated = u16::from_be_bytes([payload[end], payload[end + 1]]);
        let computed = crc16_ccitt(&payload[..end]);
        if stated != computed {
            return Err(Error::CrcMismatch { stated, computed });
        }
        end
    } else {
        payload.len()
    };
    let nonce = u32::from_be_bytes([payload[9], payload[10], payload[11], payload[12]]);
    let mut plain = payload[ENCRYPTED_HEADER_BYTES..body_end].to_vec();
    xor_keystream(&mut plain, key, nonce);
    let map = match read_cbor_exact(&plain) {
        Ok(Value::Map(m)) => m,
        _ => return Err(Error::WrongKey(id_hex)),
    };
    let inner = map
        .iter()
        .find(|(k, _)| k.as_int() == Some(1))
        .and_then(|(_, v)| match v {
            Value::Bytes(b) => Some(b.clone()),
            _ => None,
        });
    match inner {
        Some(b) if b.as_slice() == id.as_slice() => {}
        Some(b) => {
            return Err(Error::IdMismatch {
                frame: id_hex,
                inner: hex(&b),
            })
        }
        None => return Err(Error::WrongKey(id_hex)),
    }
    if map
        .iter()
        .any(|(k, v)| k.as_int() == Some(0) && v.as_int() != Some(i128::from(profile_num)))
    {
        return Err(Error::WrongKey(id_hex));
    }
    let mut messages = decode_map(map, None, true, true)?;
    for m in &mut messages {
        if let Some(h) = &mut m.ot {
            h.encrypted = true;
        }
    }
    Ok(messages)
}

/// The JSON debug form: field names instead of CBOR keys, `id` in hex.
fn decode_json(payload: &[u8]) -> Result<Message, Error> {
    let v: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| Error::Json(e.to_string()))?;
    let obj = v.as_object().ok_or(Error::BadField {
        field: "packet".into(),
        expected: "a JSON object",
    })?;
    let profile_num = obj
        .get("profile")
        .and_then(serde_json::Value::as_u64)
        .ok_or(Error::MissingField("profile"))?;
    let profile_num = u8::try_from(profile_num).map_err(|_| Error::BadField {
        field: "profile".into(),
        expected: "0–255",
    })?;
    let type_num = obj
        .get("type")
        .and_then(serde_json::Value::as_u64)
        .and_then(|t| u8::try_from(t).ok());
    let packet = profiles::profile(profile_num).and_then(|p| p.packet(type_num?));
    let mut map: Vec<(Value, Value)> = Vec::new();
    let mut unknown: Vec<(String, String)> = Vec::new();
    for (name, val) in obj {
        let key = match name.as_str() {
            "profile" => Some(0),
            "id" | "target_id" => Some(1),
            "mid" => Some(2),
            "ack" => Some(3),
            "type" => Some(if packet.is_some_and(|p| p.downlink) {
                3
            } else {
                4
            }),
            _ => packet.and_then(|p| p.fields.iter().find(|f| f.name == name).map(|f| f.key)),
        };
        let value = match (name.as_str(), val) {
            (_, serde_json::Value::Null) => continue,
            ("id" | "target_id", serde_json::Value::String(s)) => {
                Value::Bytes(crate::value::parse_hex(s)?)
            }
            (_, other) => json_to_value(other),
        };
        match key {
            Some(k) => map.push((Value::Int(i128::from(k)), value)),
            None => unknown.push((name.clone(), value.to_text())),
        }
    }
    let mut messages = decode_map(map, None, false, false)?;
    let mut m = messages.pop().ok_or(Error::MissingField("packet"))?;
    for (k, v) in unknown {
        m.push_text(&k, v);
    }
    if let Some(h) = &mut m.ot {
        h.json = true;
    }
    m.warn("JSON debug form of OwnTelemetry (production uses CBOR)");
    Ok(m)
}

fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i128::from(i)),
            (_, Some(u), _) => Value::Int(i128::from(u)),
            (_, _, Some(f)) => Value::Float(f),
            _ => Value::Null,
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

fn small_int(v: &Value, field: &'static str) -> Result<u8, Error> {
    v.as_int()
        .and_then(|i| u8::try_from(i).ok())
        .ok_or(Error::BadField {
            field: field.into(),
            expected: "an integer 0–255",
        })
}

fn get(map: &[(Value, Value)], key: i128) -> Option<&Value> {
    map.iter()
        .find(|(k, _)| k.as_int() == Some(key))
        .map(|(_, v)| v)
}

/// Interprets a packet map. `raw` (the cleartext CBOR bytes) is given when
/// the CRC field can be checked; `allow_batch` is false inside a batch.
fn decode_map(
    map: Vec<(Value, Value)>,
    raw: Option<&[u8]>,
    encrypted: bool,
    allow_batch: bool,
) -> Result<Vec<Message>, Error> {
    let profile_num = small_int(
        get(&map, 0).ok_or(Error::MissingField("profile"))?,
        "profile",
    )?;
    let id: [u8; 8] = match get(&map, 1) {
        Some(Value::Bytes(b)) => b.as_slice().try_into().map_err(|_| Error::BadField {
            field: "id".into(),
            expected: "8 bytes",
        })?,
        Some(_) => {
            return Err(Error::BadField {
                field: "id".into(),
                expected: "8 bytes",
            })
        }
        None => return Err(Error::MissingField("id")),
    };
    let mid = small_int(get(&map, 2).ok_or(Error::MissingField("mid"))?, "mid")?;
    // Uplink packets carry `ack` (bool) at key 3 and `type` at key 4;
    // server-to-endpoint packets carry `type` (or the acked timestamp) at key 3.
    let downlink = !matches!(get(&map, 3), Some(Value::Bool(_)));
    let ack = matches!(get(&map, 3), Some(Value::Bool(true)));
    let profile = profiles::profile(profile_num);
    let (type_num, packet, server_ack) = if downlink {
        let t3 = get(&map, 3).and_then(Value::as_int);
        let p0 = t3
            .and_then(|t| u8::try_from(t).ok())
            .filter(|t| profile_num == 0 && matches!(t, 3 | 5 | 7));
        match p0 {
            Some(t) => (t, profile.and_then(|p| p.packet(t)), false),
            None => (0, None, true),
        }
    } else {
        let t = small_int(get(&map, 4).ok_or(Error::MissingField("type"))?, "type")?;
        (t, profile.and_then(|p| p.packet(t)), false)
    };

    if type_num == BATCH_TYPE && !downlink {
        if !allow_batch {
            return Err(Error::NestedBatch);
        }
        return decode_batch(&map, profile_num, id, encrypted);
    }

    let mut m = Message::new(Format::OwnTelemetry, hex(&id));
    let mut header = OtHeader {
        profile: profile_num,
        profile_name: profile.map(|p| p.name),
        packet_type: type_num,
        type_name: packet.map(|p| p.name),
        id,
        mid,
        ack,
        timestamp: None,
        encrypted,
        json: false,
    };
    if server_ack {
        m.direction = Direction::Downlink;
        header.type_name = Some("server_ack");
        if let Some(ts) = get(&map, 3).and_then(Value::as_int) {
            m.push_text("ack_timestamp", int_text(ts));
        }
        if let Some(st) = get(&map, 4).and_then(Value::as_int) {
            let name = match st {
                1 => "accepted",
                2 => "rejected",
                _ => "unknown",
            };
            m.push_text("status", name);
        }
        m.push_text("ack_mid", mid.to_string());
        m.ot = Some(header);
        return Ok(vec![m]);
    }
    if packet.is_some_and(|p| p.downlink) {
        m.direction = Direction::Downlink;
    }
    match profile {
        None => m.warn(format!(
            "unknown profile {profile_num}: fields shown by key"
        )),
        Some(p) if packet.is_none() => {
            m.warn(format!("profile {} has no type {type_num}", p.number))
        }
        _ => {}
    }
    if profile_num == 0 {
        match type_num {
            1 => m.presence = Some(Presence::Online),
            2 => m.presence = Some(Presence::Offline),
            _ => {}
        }
    }
    let header_keys: &[i128] = if downlink {
        &[0, 1, 2, 3]
    } else {
        &[0, 1, 2, 3, 4]
    };
    let mut lat = None;
    let mut lon = None;
    let mut alt = None;
    let mut accuracy = None;
    for (k, v) in &map {
        let Some(key) = k.as_int() else {
            m.push_text(&k.to_text(), v.to_text());
            continue;
        };
        if header_keys.contains(&key) {
            continue;
        }
        let field = packet.and_then(|p| p.fields.iter().find(|f| i128::from(f.key) == key));
        let Some(field) = field else {
            m.push_text(&int_text(key), v.to_text());
            continue;
        };
        let num = v.as_f64();
        let need_num = |m: &mut Message| m.warn(format!("{}: not a number", field.name));
        match field.role {
            Role::Time | Role::TimeMicros => match v.as_int().and_then(|i| u64::try_from(i).ok()) {
                Some(ts) => {
                    header.timestamp = Some(ts);
                    let ms = if field.role == Role::TimeMicros {
                        i64::try_from(ts / 1_000).ok()
                    } else {
                        ts.checked_mul(1_000).and_then(|ms| i64::try_from(ms).ok())
                    };
                    m.time_ms = ms;
                }
                None => m.warn(format!("{}: not a time stamp", field.name)),
            },
            Role::Lat | Role::Lon | Role::Alt | Role::Accuracy => {
                let slot = match field.role {
                    Role::Lat => &mut lat,
                    Role::Lon => &mut lon,
                    Role::Alt => &mut alt,
                    _ => &mut accuracy,
                };
                *slot = num;
                if num.is_none() {
                    need_num(&mut m);
                }
            }
            Role::Q(key, unit) => match num {
                Some(x) => m.push(key, x, unit),
                None => need_num(&mut m),
            },
            Role::BatteryPercent => match num {
                Some(x) => m.battery_mut().percent = Some(x),
                None => need_num(&mut m),
            },
            Role::BatteryVolts => match num {
                Some(x) => m.battery_mut().volts = Some(x),
                None => need_num(&mut m),
            },
            Role::Rssi => match num {
                Some(x) => m.radio_mut().rssi_dbm = Some(x),
                None => need_num(&mut m),
            },
            Role::Text => m.push_text(field.name, v.display_text()),
            Role::Code(table) => {
                let name = v
                    .as_int()
                    .and_then(|c| table.iter().find(|(n, _)| i128::from(*n) == c))
                    .map(|(_, name)| (*name).to_string())
                    .unwrap_or_else(|| format!("unknown ({})", v.to_text()));
                m.push_text(field.name, name);
            }
            Role::Secret => {
                let len = match v {
                    Value::Bytes(b) => b.len(),
                    Value::Text(s) => s.len(),
                    _ => 0,
                };
                m.push_text(field.name, format!("{len} bytes"));
            }
            Role::Crc => {
                if let Some(raw) = raw {
                    let stated =
                        v.as_int()
                            .and_then(|c| u16::try_from(c).ok())
                            .ok_or(Error::BadField {
                                field: "crc".into(),
                                expected: "a uint16",
                            })?;
                    check_cbor_crc(raw, key, stated)?;
                }
            }
        }
    }
    if let Some(p) = packet {
        for f in p.fields.iter().filter(|f| !f.optional) {
            if get(&map, i128::from(f.key)).is_none() && !(f.role == Role::Crc && raw.is_none()) {
                m.warn(format!("required field `{}` is missing", f.name));
            }
        }
    }
    match (lat, lon) {
        (Some(la), Some(lo)) => match Position::new(la, lo) {
            Some(mut pos) => {
                pos.alt_m = alt.filter(|a| a.is_finite());
                pos.accuracy_m = accuracy.filter(|a| a.is_finite());
                m.position = Some(pos);
            }
            None => m.warn("position out of range"),
        },
        (None, None) => {
            if let Some(a) = alt {
                m.push("altitude", a, "m");
            }
        }
        _ => m.warn("latitude without longitude, or the reverse"),
    }
    m.push_text(
        "packet",
        format!(
            "{} / {}",
            header.profile_name.unwrap_or("unknown profile"),
            header.type_name.unwrap_or("unknown type")
        ),
    );
    m.ot = Some(header);
    Ok(vec![m])
}

/// Checks the CRC of a cleartext CBOR packet: CRC-16/CCITT over the packet
/// with the `crc` value replaced by zero. Both ways of writing that zero are
/// accepted: the shortest encoding (`0x00`) and the stated value's width.
fn check_cbor_crc(raw: &[u8], crc_key: i128, stated: u16) -> Result<(), Error> {
    let (start, end) = value_span(raw, crc_key).ok_or(Error::Cbor(0))?;
    let mut shortest = Vec::with_capacity(raw.len());
    shortest.extend_from_slice(&raw[..start]);
    shortest.push(0x00);
    shortest.extend_from_slice(&raw[end..]);
    let computed = crc16_ccitt(&shortest);
    if computed == stated {
        return Ok(());
    }
    let mut same_width = raw.to_vec();
    if let Some(arg) = same_width.get_mut(start + 1..end) {
        arg.fill(0);
        if let Some(head) = same_width.get_mut(start) {
            *head &= 0xe0;
            *head |= match end - start {
                2 => 24,
                3 => 25,
                _ => *head & 0x1f,
            };
        }
        if crc16_ccitt(&same_width) == stated {
            return Ok(());
        }
    }
    Err(Error::CrcMismatch { stated, computed })
}

/// Byte span of the value under integer key `key` in a top-level CBOR map.
fn value_span(raw: &[u8], key: i128) -> Option<(usize, usize)> {
    let mut d = minicbor::Decoder::new(raw);
    let n = d.map().ok()??;
    for _ in 0..n {
        let start = d.position();
        skip_cbor(&mut d).ok()?;
        let k = crate::value::read_cbor(raw.get(start..d.position())?)
            .ok()
            .and_then(|(v, _)| v.as_int());
        let start = d.position();
        skip_cbor(&mut d).ok()?;
        if k == Some(key) {
            return Some((start, d.position()));
        }
    }
    None
}

/// Type 255: `count` (key 5) and `packets` (key 6, byte strings each
/// holding a complete CBOR packet of the same profile).
fn decode_batch(
    map: &[(Value, Value)],
    profile_num: u8,
    id: [u8; 8],
    encrypted: bool,
) -> Result<Vec<Message>, Error> {
    let stated = get(map, 5)
        .and_then(Value::as_int)
        .and_then(|c| u64::try_from(c).ok())
        .ok_or(Error::MissingField("count"))?;
    let packets = match get(map, 6) {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Error::BadField {
                field: "packets".into(),
                expected: "an array of byte strings",
            })
        }
        None => return Err(Error::MissingField("packets")),
    };
    if packets.len() > MAX_BATCH || stated != packets.len() as u64 || packets.is_empty() {
        return Err(Error::BatchCount {
            stated,
            actual: packets.len(),
        });
    }
    let mut out = Vec::with_capacity(packets.len());
    for p in packets {
        let Value::Bytes(bytes) = p else {
            return Err(Error::BadField {
                field: "packets".into(),
                expected: "an array of byte strings",
            });
        };
        let inner = match read_cbor_exact(bytes)? {
            Value::Map(m) => m,
            _ => {
                return Err(Error::BadField {
                    field: "packets".into(),
                    expected: "CBOR maps",
                })
            }
        };
        let mut msgs = decode_map(inner, Some(bytes), encrypted, false)?;
        for m in &mut msgs {
            if let Some((p, inner_id)) = m.ot.as_ref().map(|h| (h.profile, h.id)) {
                if p != profile_num {
                    m.warn(format!("batch of profile {profile_num} holds profile {p}"));
                }
                if inner_id != id {
                    m.warn("batch holds a packet of another endpoint");
                }
            }
            m.push_text("batch", format!("{} packets", packets.len()));
        }
        out.extend(msgs);
    }
    Ok(out)
}

/// Decodes arbitrary bytes as every OwnTelemetry form; for fuzzers.
pub fn fuzz_one(data: &[u8]) {
    let mut keys = KeyRing::default();
    if let Some(id) = frame_id(data) {
        keys.insert(id, [0x42; 16]);
    }
    let _ = decode("ot/0102030405060708", data, &keys);
    let _ = decode("ot/0102030405060708/cmd", data, &KeyRing::default());
}

use super::*;

const WEATHER: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

#[test]
fn decodes_weather_frame() {
    let map = VariantMap::default_map();
    let Inspection::Frame(a) = inspect(WEATHER, &map) else {
        panic!("frame expected");
    };
    assert!(a.error.is_none());
    let m = a.model.unwrap();
    assert_eq!(m.station, 42);
    assert_eq!(m.variant_name.as_deref(), Some("weather_station"));
    let env = m.fields.iter().find(|f| f.label == "environment").unwrap();
    assert_eq!(env.parts[0].value, "-2.75 °C");
    assert!(a.json.unwrap().starts_with("{\"variant\":0,\"station\":42"));
    assert!(a.dump.len() > 10);
}

#[test]
fn errors_and_hex() {
    let map = VariantMap::default_map();
    let Inspection::Frame(a) = inspect("0102", &map) else {
        panic!("frame expected");
    };
    assert_eq!(a.error.unwrap().kind, "short");
    assert!(a.json.is_none());
    assert!(matches!(inspect("00 2a zz", &map), Inspection::Hex { .. }));
    assert_eq!(inspect("  \n", &map), Inspection::Empty);
    assert_eq!(share_hash("0x00, 0x2a", ""), "#hex=002a");
    assert_eq!(share_hash("zz", ""), "#/inspector");
    assert_eq!(
        share_hash("00 2a", "builtin:sim"),
        "#/inspector?hex=002a&map=builtin%3Asim"
    );
}

#[test]
fn forward_inner_is_decoded_and_dumped() {
    let map = VariantMap::default_map();
    let Inspection::Frame(a) = inspect("f008000910000bb804d260830816ca70c330", &map) else {
        panic!("frame expected");
    };
    let m = a.model.unwrap();
    let mesh = m.mesh.unwrap();
    assert_eq!(mesh.ctrl_name, "FORWARD");
    assert!(mesh.inner.is_some());
    assert!(a.dump.iter().any(|e| e.field.starts_with("inner.")));
}

#[test]
fn pretty_json_keeps_tokens() {
    let s = r#"{"a":[1,2.50],"b":{},"c":"x,{\"y\":1}","d":[]}"#;
    let p = pretty_json(s);
    assert_eq!(
        p,
        "{\n  \"a\": [\n    1,\n    2.50\n  ],\n  \"b\": {},\n  \"c\": \"x,{\\\"y\\\":1}\",\n  \"d\": []\n}"
    );
    let back: String = p
        .lines()
        .map(str::trim)
        .collect::<String>()
        .replace("\": ", "\":");
    assert_eq!(back, s);
}

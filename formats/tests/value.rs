//! The bounded CBOR and MessagePack readers.

use iotdata_formats::value::{parse_hex, read_cbor_exact, read_msgpack_exact, Value};
use iotdata_formats::{parse_time, Error};

#[test]
fn cbor_definite_indefinite_half_and_tags() {
    // {_ 0: [_ 1, -2], 1: 1.5 (f16), 2: tag 1 (1700000000), 3: "é"}
    let bytes = parse_hex(concat!(
        "bf",
        "00",
        "9f0121ff",
        "01",
        "f93e00",
        "02",
        "c11a6553f100",
        "03",
        "62c3a9",
        "ff"
    ))
    .unwrap();
    let v = read_cbor_exact(&bytes).unwrap();
    assert_eq!(
        v,
        Value::Map(vec![
            (
                Value::Int(0),
                Value::Array(vec![Value::Int(1), Value::Int(-2)])
            ),
            (Value::Int(1), Value::Float(1.5)),
            (Value::Int(2), Value::Int(1_700_000_000)),
            (Value::Int(3), Value::Text("é".into())),
        ])
    );
    assert_eq!(v.to_text(), "{0: [1, -2], 1: 1.5, 2: 1700000000, 3: \"é\"}");
    // Most negative CBOR integer: -2^64.
    let min = read_cbor_exact(&parse_hex("3bffffffffffffffff").unwrap()).unwrap();
    assert_eq!(min, Value::Int(-(1i128 << 64)));
    assert_eq!(min.to_text(), "-1-18446744073709551615");
}

#[test]
fn cbor_bounds_and_malformed() {
    assert_eq!(read_cbor_exact(&[0x81; 100]), Err(Error::TooDeep));
    // An array claiming 2^32 elements fails before allocating them.
    assert_eq!(
        read_cbor_exact(&parse_hex("9b0000000100000000").unwrap()),
        Err(Error::TooManyItems)
    );
    assert!(matches!(
        read_cbor_exact(&[0x62, 0x41]),
        Err(Error::Cbor(_))
    ));
    assert!(matches!(read_cbor_exact(&[0xff]), Err(Error::Cbor(_))));
    assert_eq!(read_cbor_exact(&[0x01, 0x02]), Err(Error::TrailingBytes(1)));
    assert!(matches!(read_cbor_exact(&[]), Err(Error::Cbor(_))));
}

#[test]
fn msgpack_types() {
    // [nil, true, -5 (i8), 300 (u16), 1.5 (f32), "ab" (str8), bin [1,2], fixext1 type 7]
    let bytes = parse_hex("98c0c3d0fbcd012cca3fc00000d9026162c4020102d40709").unwrap();
    let v = read_msgpack_exact(&bytes).unwrap();
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-5),
            Value::Int(300),
            Value::Float(1.5),
            Value::Text("ab".into()),
            Value::Bytes(vec![1, 2]),
            Value::Bytes(vec![7, 9]),
        ])
    );
    assert_eq!(
        v.to_text(),
        "[null, true, -5, 300, 1.5, \"ab\", 0x0102, 0x0709]"
    );
}

#[test]
fn msgpack_bounds_and_malformed() {
    assert_eq!(read_msgpack_exact(&[0x91; 100]), Err(Error::TooDeep));
    assert_eq!(
        read_msgpack_exact(&[0xdf, 0xff, 0xff, 0xff, 0xff]),
        Err(Error::TooManyItems)
    );
    assert!(matches!(
        read_msgpack_exact(&[0xc1]),
        Err(Error::Msgpack(_))
    ));
    assert!(matches!(
        read_msgpack_exact(&[0xa2, 0xff, 0xfe]),
        Err(Error::Msgpack(_))
    ));
    assert!(matches!(
        read_msgpack_exact(&[0xdb, 0xff, 0xff, 0xff, 0xff]),
        Err(Error::Msgpack(_))
    ));
}

#[test]
fn hex_parsing() {
    assert_eq!(parse_hex(" 0aFf ").unwrap(), vec![0x0a, 0xff]);
    assert_eq!(parse_hex("abc"), Err(Error::BadHex));
    assert_eq!(parse_hex("zz"), Err(Error::BadHex));
}

#[test]
fn time_forms() {
    assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok((0, true)));
    assert_eq!(
        parse_time("2000-02-29 12:00:00"),
        Ok((951_825_600_000, false))
    );
    assert_eq!(
        parse_time("2000-02-29T12:00:00-0130"),
        Ok((951_831_000_000, true))
    );
    assert_eq!(
        parse_time("2000-02-29T12:00:00.5 UTC"),
        Ok((951_825_600_500, true))
    );
    assert_eq!(parse_time("951825600"), Ok((951_825_600_000, true)));
    for bad in [
        "",
        "2000-02-29",
        "2000-02-29T25:00:00",
        "2000-02-29T12:00:00+9",
        "1e9",
        "-5",
    ] {
        assert!(matches!(parse_time(bad), Err(Error::BadTime(_))), "{bad}");
    }
}

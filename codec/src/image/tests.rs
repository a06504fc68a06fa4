use super::*;
use crate::bits::{BitReader, BitWriter};
use crate::dump::DumpEntry;
use crate::error::{DecodeError, EncodeError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");

fn records(file: &str) -> Vec<Value> {
    let path = format!("{VECTORS}{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tier_for(pixel_count: usize) -> SizeTier {
    [
        SizeTier::S24x18,
        SizeTier::S32x24,
        SizeTier::S48x36,
        SizeTier::S64x48,
    ]
    .into_iter()
    .find(|t| t.pixel_count() == pixel_count)
    .expect("pixel count of a size tier")
}

fn format_for(bpp: u8) -> PixelFormat {
    match bpp {
        1 => PixelFormat::Bilevel,
        2 => PixelFormat::Grey4,
        4 => PixelFormat::Grey16,
        _ => panic!("bpp {bpp}"),
    }
}

/// The `n` bytes at bit offset `at` of `buf`.
fn bits_at(buf: &[u8], at: usize, n: usize) -> Vec<u8> {
    let mut r = BitReader::at(buf, at);
    let mut v = Vec::new();
    r.read_bytes_into(n, &mut v).expect("enough bytes");
    v
}

fn image_bytes(img: &Image) -> Vec<u8> {
    let mut w = BitWriter::new();
    write_image(&mut w, img);
    assert_eq!(w.bits(), image_bits(img));
    w.into_bytes()
}

// -- image_codec.jsonl ---------------------------------------------------

/// Every record, both codecs both ways. We match the reference
/// compressors byte for byte on every record (no deliberate differences).
#[test]
fn codec_vectors() {
    let recs = records("image_codec.jsonl");
    assert!(recs.len() >= 25);
    let (mut rle, mut hs) = (0, 0);
    for r in &recs {
        let name = r["name"].as_str().unwrap();
        let bpp = r["bpp"].as_u64().unwrap() as u8;
        let count = r["pixel_count"].as_u64().unwrap() as usize;
        let input = unhex(r["input_hex"].as_str().unwrap());
        let compressed = unhex(r["compressed_hex"].as_str().unwrap());
        assert_eq!(
            input.len(),
            r["input_len"].as_u64().unwrap() as usize,
            "{name}"
        );
        // compressed_len 0 = the reference failed; none in the public set.
        assert!(
            !compressed.is_empty(),
            "{name}: reference produced no output"
        );
        assert_eq!(r["decompressed_hex"], r["input_hex"], "{name}");
        let format = format_for(bpp);
        let tier = tier_for(count);
        match r["codec"].as_str().unwrap() {
            "rle" => {
                rle += 1;
                assert_eq!(
                    rle_decompress(&compressed, bpp, count).unwrap(),
                    input,
                    "{name}: decompress"
                );
                let ours = rle_compress(&input, bpp, count);
                assert_eq!(hex(&ours), hex(&compressed), "{name}: compress");
                assert_eq!(rle_decompress(&ours, bpp, count).unwrap(), input, "{name}");
                if compressed.len() <= MAX_DATA_LEN {
                    let img =
                        Image::new(format.code(), tier.code(), 1, 0, compressed.clone()).unwrap();
                    let d = img.decode_pixels().unwrap();
                    assert_eq!(d.grid.packed(), input, "{name}");
                    assert_eq!((d.heatshrink, d.unused_bytes), (None, 0), "{name}");
                }
            }
            "heatshrink" => {
                hs += 1;
                assert_eq!(
                    heatshrink_decompress(&compressed, input.len()).unwrap(),
                    input,
                    "{name}: decompress"
                );
                let ours = heatshrink_compress(&input);
                assert_eq!(hex(&ours), hex(&compressed), "{name}: compress");
                // The library convention: same tokens, tag bit swapped.
                let lib = heatshrink_compress_with(&input, HeatshrinkConvention::Library);
                assert_eq!(lib.len(), ours.len(), "{name}");
                assert_eq!(
                    heatshrink_decompress_library(&lib, input.len()).unwrap(),
                    input,
                    "{name}"
                );
                for (data, conv) in [
                    (&compressed, HeatshrinkConvention::Reference),
                    (&lib, HeatshrinkConvention::Library),
                ] {
                    if data.len() <= MAX_DATA_LEN {
                        let img =
                            Image::new(format.code(), tier.code(), 2, 0, data.clone()).unwrap();
                        let d = img.decode_pixels().unwrap();
                        assert_eq!(d.grid.packed(), input, "{name} {conv}");
                        assert_eq!(
                            (d.heatshrink, d.unused_bytes),
                            (Some(conv), 0),
                            "{name} {conv}"
                        );
                    }
                }
            }
            other => panic!("{name}: codec {other}"),
        }
    }
    assert!(rle > 0 && hs > 0);
}

// -- image fields in decoded-packet records ----------------------------

/// Checks one image field found in a decoded-packet record; returns
/// whether its `image_pixels` were checked.
fn check_packet_image(r: &Value, file: &str) -> bool {
    let name = r["name"].as_str().unwrap();
    let dump: Vec<DumpEntry> = r["dump_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"].as_str().unwrap().starts_with("image_"))
        .map(|e| {
            DumpEntry::new(
                e["bit_offset"].as_u64().unwrap() as usize,
                e["bit_length"].as_u64().unwrap() as usize,
                e["field"].as_str().unwrap(),
                e["raw"].as_u64().unwrap(),
                e["decoded"].as_str().unwrap(),
                e["range"].as_str().unwrap(),
            )
        })
        .collect();
    let at = dump[0].bit_offset;
    let packet = unhex(r["hex"].as_str().unwrap());
    let mut rd = BitReader::at(&packet, at);
    let img = read_image(&mut rd, "thumbnail").unwrap_or_else(|e| panic!("{file} {name}: {e}"));
    assert_eq!(rd.pos(), at + image_bits(&img), "{name}");

    // dump rows
    let mut ours = Vec::new();
    dump_image(&img, at, "thumbnail", &mut ours);
    assert_eq!(ours, dump, "{name}: dump");

    // wire bytes: ours == the packet's
    assert_eq!(
        image_bytes(&img),
        bits_at(&packet, at, image_bits(&img) / 8),
        "{name}: write"
    );

    // JSON: same object as the reference (base64 compared by value)
    let (label, want) = r["json"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.get("compression").is_some())
        .expect("image object in JSON");
    let mut text = String::new();
    write_image_json(&mut text, &img);
    let got: Value = serde_json::from_str(&text).unwrap();
    let (got_o, want_o) = (got.as_object().unwrap(), want.as_object().unwrap());
    assert_eq!(
        got_o.keys().collect::<Vec<_>>(),
        want_o.keys().collect::<Vec<_>>(),
        "{name}: key order"
    );
    for (k, v) in want_o {
        if k == "pixels" {
            let a = BASE64_LENIENT.decode(got_o[k].as_str().unwrap()).unwrap();
            let b = BASE64_LENIENT.decode(v.as_str().unwrap()).unwrap();
            assert_eq!(a, b, "{name}: pixels");
            assert_eq!(
                got_o[k].as_str().unwrap(),
                STANDARD.encode(&b),
                "{name}: standard base64"
            );
        } else {
            assert_eq!(&got_o[k], v, "{name}: {k}");
        }
    }

    // JSON -> image: the reference's round trip result
    let back = image_from_json(want, label);
    match r["json_roundtrip"]["error"]["name"].as_str() {
        None => assert_eq!(back.unwrap(), img, "{name}: from JSON"),
        Some(err) => {
            let e = back.expect_err(name);
            assert_eq!(format!("IOTDATA_ERR_{}", e.reference_name()), err, "{name}");
        }
    }
    // and from our own JSON text
    if r["json_roundtrip"]["error"].is_null() {
        assert_eq!(image_from_json(&got, label).unwrap(), img, "{name}");
    }

    // encoder call -> same field
    if let Some(calls) = r["encoder_inputs"].as_array() {
        for c in calls.iter().filter(|c| c["call"] == "image") {
            let data = unhex(c["data_hex"].as_str().unwrap());
            let built = Image::from_call(
                c["pixel_format"].as_u64().unwrap() as u8,
                c["size_tier"].as_u64().unwrap() as u8,
                c["compression"].as_u64().unwrap() as u8,
                c["flags"].as_u64().unwrap() as u8,
                Some(&data),
                data.len(),
            )
            .unwrap();
            assert_eq!(built, img, "{name}: encoder call");
        }
    }

    // pixels
    match img.decode_pixels() {
        Ok(d) => {
            if let Some(p) = r.get("image_pixels").filter(|p| !p.is_null()) {
                assert_eq!(
                    hex(&d.grid.packed()),
                    p["pixels_hex"].as_str().unwrap(),
                    "{name}: pixels"
                );
                assert_eq!(d.grid.width as u64, p["width"].as_u64().unwrap());
                assert_eq!(d.grid.height as u64, p["height"].as_u64().unwrap());
                assert_eq!(u64::from(d.grid.bpp), p["bpp"].as_u64().unwrap());
                assert_eq!(img.format().name(), p["format"].as_str().unwrap());
                assert_eq!(img.size().name(), p["size"].as_str().unwrap());
                assert_eq!(d.grid.packed_len() as u64, p["bytes"].as_u64().unwrap());
                assert_eq!(d.unused_bytes, 0, "{name}");
                if img.compression() == Compression::Heatshrink {
                    assert_eq!(
                        d.heatshrink,
                        Some(HeatshrinkConvention::Reference),
                        "{name}"
                    );
                }
                return true;
            }
        }
        Err(e) => assert!(
            r.get("image_pixels").is_none_or(|p| p.is_null()),
            "{name}: {e}"
        ),
    }
    false
}

#[test]
fn packet_vectors() {
    let mut fields = 0;
    let mut pictures = 0;
    for file in [
        "sensor.jsonl",
        "roundtrip.jsonl",
        "malformed.jsonl",
        "quant.jsonl",
    ] {
        for r in records(file) {
            let has_image = r["dump_entries"]
                .as_array()
                .is_some_and(|d| d.iter().any(|e| e["field"] == "image_length"));
            if !has_image || !r["error"].is_null() {
                continue;
            }
            fields += 1;
            if check_packet_image(&r, file) {
                pictures += 1;
            }
        }
    }
    assert!(fields >= 30, "{fields} image fields");
    assert!(pictures >= 16, "{pictures} pictures");
}

/// Every image record of the vectors has an `image_pixels` that matches.
#[test]
fn all_image_pixels_checked() {
    for r in records("sensor.jsonl") {
        if let Some(p) = r.get("image_pixels").filter(|p| !p.is_null()) {
            assert_eq!(p["decompress_matches"], true);
            assert!(check_packet_image(&r, "sensor.jsonl"), "{}", r["name"]);
        }
    }
}

#[test]
fn malformed_vectors() {
    let mut seen = 0;
    for r in records("malformed.jsonl") {
        let name = r["name"].as_str().unwrap();
        if !name.starts_with("img_") {
            continue;
        }
        seen += 1;
        let packet = unhex(r["hex"].as_str().unwrap());
        // all three put the image right after header + one presence byte
        let mut rd = BitReader::at(&packet, 40);
        let res = read_image(&mut rd, "thumbnail");
        match name {
            "img_length_1_no_control" => {
                let e = res.unwrap_err();
                assert_eq!(
                    (e.kind(), e.field(), e.bit_offset()),
                    ("truncated", "thumbnail.control", 48)
                );
            }
            "img_length_overrun" => {
                let e = res.unwrap_err();
                assert_eq!(
                    (e.kind(), e.field(), e.bit_offset()),
                    ("truncated", "thumbnail.data", 56)
                );
                // the lenient dump still shows what the header bytes say
                let mut d = Vec::new();
                dump_image_parts(40, 200, 0x14, &mut d);
                let want: Vec<String> = r["dump_entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|e| e["field"].as_str().unwrap().starts_with("image_"))
                    .map(|e| e["decoded"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(
                    d.iter().map(|e| e.decoded.clone()).collect::<Vec<_>>(),
                    want
                );
            }
            "img_then_truncated_datetime" => {
                let img = res.unwrap();
                assert_eq!((img.length_byte(), img.control()), (2, 4));
            }
            _ => {}
        }
    }
    assert!(seen >= 3);
}

#[test]
fn roundtrip_json_vectors() {
    let mut seen = 0;
    for r in records("roundtrip.jsonl") {
        let name = r["name"].as_str().unwrap();
        // (some records hold deliberately invalid JSON text)
        let Ok(json_in) = serde_json::from_str::<Value>(r["json_in"].as_str().unwrap()) else {
            continue;
        };
        let Some((label, v)) = json_in.as_object().unwrap().iter().find(|(_, v)| {
            ["format", "pixel_format", "compression", "pixels"]
                .iter()
                .any(|k| v.get(k).is_some())
        }) else {
            continue;
        };
        seen += 1;
        let res = image_from_json(v, label);
        match r["encode_error"]["name"].as_str() {
            Some(err) => {
                assert_eq!(
                    format!("IOTDATA_ERR_{}", res.unwrap_err().reference_name()),
                    err,
                    "{name}"
                )
            }
            None => {
                let packet = unhex(r["hex"].as_str().unwrap());
                let at = r["dump_entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["field"] == "image_length")
                    .unwrap()["bit_offset"]
                    .as_u64()
                    .unwrap() as usize;
                let img = res.unwrap();
                assert_eq!(
                    image_bytes(&img),
                    bits_at(&packet, at, image_bits(&img) / 8),
                    "{name}"
                );
            }
        }
    }
    assert!(seen >= 4);
}

#[test]
fn encode_error_vectors() {
    let mut seen = 0;
    for r in records("encode_errors.jsonl") {
        let calls = r["calls"].as_array().unwrap();
        let c = calls.last().unwrap();
        if c["call"] != "image" {
            continue;
        }
        seen += 1;
        let data = c["data_hex"].as_str().map(unhex);
        let len = data
            .as_ref()
            .map_or_else(|| c["data_len"].as_u64().unwrap() as usize, Vec::len);
        let e = Image::from_call(
            c["pixel_format"].as_u64().unwrap() as u8,
            c["size_tier"].as_u64().unwrap() as u8,
            c["compression"].as_u64().unwrap() as u8,
            c["flags"].as_u64().unwrap() as u8,
            data.as_deref(),
            len,
        )
        .unwrap_err();
        assert_eq!(
            format!("IOTDATA_ERR_{}", e.reference_name()),
            r["error"]["name"].as_str().unwrap()
        );
        // Image::new agrees wherever it can express the call
        if let Some(d) = data {
            let e2 = Image::new(
                c["pixel_format"].as_u64().unwrap() as u8,
                c["size_tier"].as_u64().unwrap() as u8,
                c["compression"].as_u64().unwrap() as u8,
                c["flags"].as_u64().unwrap() as u8,
                d,
            )
            .unwrap_err();
            assert_eq!(e2, e);
        }
    }
    assert!(seen >= 5);
}

// -- hand-written cases ------------------------------------------------

#[test]
fn control_byte_and_flags() {
    let img = Image::new(2, 3, 2, 0xfe, vec![1]).unwrap();
    assert_eq!(img.control(), 0b1011_1010);
    assert_eq!(
        (
            img.format(),
            img.size(),
            img.compression(),
            img.fragment(),
            img.invert()
        ),
        (
            PixelFormat::Grey16,
            SizeTier::S64x48,
            Compression::Heatshrink,
            true,
            false
        )
    );
    assert_eq!(describe_control(0xff), "reserved 64x48 reserved frag inv");
    let reserved = Image::from_wire(0xff, vec![0xa5, 0xc3]).unwrap();
    assert_eq!(reserved.format(), PixelFormat::Reserved);
    assert_eq!(
        reserved.decode_pixels().unwrap_err(),
        ImageError::ReservedFormat
    );
    let rc = Image::from_wire(0x0c, vec![]).unwrap();
    assert_eq!(
        rc.decode_pixels().unwrap_err(),
        ImageError::ReservedCompression
    );
    let mut s = String::new();
    write_image_json(&mut s, &reserved);
    assert_eq!(
        s,
        r#"{"format":"reserved","size":"64x48","compression":"reserved","fragment":true,"invert":true,"pixels":"pcM="}"#
    );
    assert!(Image::from_wire(0, vec![0; 255]).is_err());
    assert_eq!(
        Image::new(0, 0, 0, 0, vec![0; 254]).unwrap().length_byte(),
        255
    );
    assert_eq!(
        Image::new(0, 0, 0, 0, vec![0; 255])
            .unwrap_err()
            .reference_name(),
        "IMAGE_DATA_HIGH"
    );
    assert_eq!(
        Image::from_call(0, 0, 0, 0, None, 0).unwrap().data(),
        &[] as &[u8]
    );
    assert_eq!(
        Image::from_call(0, 0, 0, 0, Some(&[1, 2]), 3).unwrap_err(),
        EncodeError::ImageDataMissing
    );
    for code in 0..4 {
        assert_eq!(
            PixelFormat::from_name(PixelFormat::from_code(code).name())
                .unwrap()
                .code(),
            code
        );
        assert_eq!(
            SizeTier::from_name(SizeTier::from_code(code).name())
                .unwrap()
                .code(),
            code
        );
        assert_eq!(
            Compression::from_name(Compression::from_code(code).name())
                .unwrap()
                .code(),
            code
        );
    }
}

#[test]
fn wire_unaligned_and_errors() {
    let img = Image::new(0, 1, 1, 1, vec![0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f]).unwrap();
    let mut w = BitWriter::new();
    w.write(0b101, 3);
    write_image(&mut w, &img);
    w.write(0b11, 2);
    let bits = w.bits();
    let bytes = w.into_bytes();
    assert_eq!(bits, 3 + 64 + 2);
    let mut r = BitReader::at(&bytes, 3);
    assert_eq!(read_image(&mut r, "image").unwrap(), img);
    assert_eq!(r.pos(), 67);
    assert_eq!(r.read(2), Some(0b11));

    // L = 0
    let e = read_image(&mut BitReader::at(&[0x00, 0x14], 0), "image").unwrap_err();
    assert_eq!(
        (e.kind(), e.field(), e.bit_offset()),
        ("malformed", "image.length", 0)
    );
    // truncated inside the length byte (bit offset 4)
    let e = read_image(&mut BitReader::at(&[0xf0], 4), "cam").unwrap_err();
    assert_eq!(e, DecodeError::truncated(4, "cam.length", 8, 8));
    // data missing one byte
    let e = read_image(&mut BitReader::new(&[0x03, 0x14, 0xaa]), "cam").unwrap_err();
    assert_eq!(e, DecodeError::truncated(16, "cam.data", 16, 24));
}

#[test]
fn base64_quirk_and_json() {
    let v = serde_json::json!({"format":"grey4","size":"32x24","compression":"rle","fragment":false,"invert":true,"pixels":"ChssPf=="});
    let img = image_from_json(&v, "thumbnail").unwrap();
    assert_eq!(img.data(), &[0x0a, 0x1b, 0x2c, 0x3d]);
    let mut s = String::new();
    write_image_json(&mut s, &img);
    assert_eq!(
        s,
        r#"{"format":"grey4","size":"32x24","compression":"rle","fragment":false,"invert":true,"pixels":"ChssPQ=="}"#
    );
    // unpadded is accepted too
    let v = serde_json::json!({"pixels":"ChssPQ"});
    assert_eq!(
        image_from_json(&v, "x").unwrap().data(),
        &[0x0a, 0x1b, 0x2c, 0x3d]
    );
    // errors
    let e = image_from_json(&serde_json::json!({"pixels":"!!"}), "x").unwrap_err();
    assert_eq!(e.kind(), "json_invalid");
    let e = image_from_json(&serde_json::json!({"fragment":1}), "x").unwrap_err();
    assert_eq!(e.kind(), "json_invalid");
    let e = image_from_json(&serde_json::json!([]), "x").unwrap_err();
    assert_eq!(e.kind(), "json_invalid");
    let e = image_from_json(&serde_json::json!({"compression":"reserved"}), "x").unwrap_err();
    assert_eq!(e.reference_name(), "IMAGE_COMPRESSION_HIGH");
    let big = STANDARD.encode([0u8; 255]);
    let e = image_from_json(&serde_json::json!({ "pixels": big }), "x").unwrap_err();
    assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH");
}

#[test]
fn raw_sizes() {
    // shorter than the grid: error; longer: accepted, extra reported
    let short = Image::new(0, 0, 0, 0, vec![0; 53]).unwrap();
    assert_eq!(
        short.decode_pixels().unwrap_err(),
        ImageError::Truncated {
            produced: 53,
            expected: 54,
            unit: "bytes"
        }
    );
    let long = Image::new(0, 0, 0, 0, vec![0xff; 60]).unwrap();
    let d = long.decode_pixels().unwrap();
    assert_eq!(d.unused_bytes, 6);
    assert!(d.grid.pixels.iter().all(|&p| p == 1));
    assert_eq!(d.grid.get(23, 17), Some(1));
    assert_eq!(d.grid.get(24, 0), None);
}

#[test]
fn rle_errors() {
    // truncated: 432 pixels needed, 128 given
    assert_eq!(
        rle_decompress(&[0x7f], 1, 432).unwrap_err(),
        ImageError::Truncated {
            produced: 128,
            expected: 432,
            unit: "pixels"
        }
    );
    // greyscale pair cut in half
    assert!(matches!(
        rle_decompress(&[0x03], 2, 4),
        Err(ImageError::Truncated { .. })
    ));
    // overflow: run of 128 into a 100-pixel image
    assert!(matches!(
        rle_decompress(&[0x7f], 1, 100),
        Err(ImageError::Overflow {
            position: 0,
            length: 128,
            ..
        })
    ));
    // value wider than the depth
    assert_eq!(
        rle_decompress(&[0x04, 0x00], 2, 1).unwrap_err(),
        ImageError::InvalidRleValue {
            value: 4,
            offset: 0,
            bpp: 2
        }
    );
    assert_eq!(
        rle_decompress(&[0x00], 0, 1).unwrap_err(),
        ImageError::InvalidBpp(0)
    );
    assert!(rle_compress(&[0xff], 9, 1).is_empty());
    // trailing runs after the grid is full are ignored and reported
    let img = Image::new(0, 0, 1, 0, vec![0x7f, 0x7f, 0x7f, 0x2f, 0x00, 0x00]).unwrap();
    assert_eq!(img.decode_pixels().unwrap().unused_bytes, 2);
    // pixel_count exactly reached by the last run, odd bit count
    assert_eq!(rle_decompress(&[0x82], 1, 3).unwrap(), vec![0xe0]);
}

#[test]
fn heatshrink_errors() {
    // literal 0xaa then back-reference distance 2 (before start)
    let mut w = BitWriter::new();
    w.write(0, 1);
    w.write(0xaa, 8);
    w.write(1, 1);
    w.write(1, 8); // distance 2
    w.write(0, 4);
    let stream = w.into_bytes();
    assert_eq!(
        heatshrink_decompress(&stream, 5).unwrap_err(),
        ImageError::BackrefBeforeStart {
            position: 1,
            distance: 2
        }
    );
    // overflow: literal then back-reference of 16 into a 5-byte output
    let mut w = BitWriter::new();
    w.write(0, 1);
    w.write(0xaa, 8);
    w.write(1, 1);
    w.write(0, 8);
    w.write(15, 4);
    let stream = w.into_bytes();
    assert_eq!(
        heatshrink_decompress(&stream, 5).unwrap_err(),
        ImageError::Overflow {
            position: 1,
            length: 16,
            expected: 5,
            unit: "bytes"
        }
    );
    assert_eq!(heatshrink_decompress(&stream, 17).unwrap(), vec![0xaa; 17]);
    // truncated
    assert_eq!(
        heatshrink_decompress(&stream, 40).unwrap_err(),
        ImageError::Truncated {
            produced: 17,
            expected: 40,
            unit: "bytes"
        }
    );
    assert!(matches!(
        heatshrink_decompress(&[], 1),
        Err(ImageError::Truncated { produced: 0, .. })
    ));
    // output never exceeds max_out, whatever the input
    assert_eq!(
        heatshrink_decompress(&[0x00; 200], 3).unwrap(),
        vec![0, 0, 0]
    );
    // neither convention: reports both
    let img = Image::new(2, 3, 2, 3, vec![0xff]).unwrap(); // vector img_data_len_1
    match img.decode_pixels().unwrap_err() {
        ImageError::Heatshrink { reference, library } => {
            assert!(matches!(
                *reference,
                ImageError::Truncated { produced: 0, .. }
            ));
            assert!(matches!(
                *library,
                ImageError::Truncated { produced: 0, .. }
            ));
        }
        e => panic!("{e}"),
    }
    // 0x80 0x00: reference = back-reference at output 0; library = literal
    // 0x00 then a back-reference (tag 0) of distance 1: 0x00 x 16 → overflow
    match Image::new(0, 0, 2, 0, vec![0x80, 0x00])
        .unwrap()
        .decode_pixels()
        .unwrap_err()
    {
        ImageError::Heatshrink { reference, .. } => {
            assert_eq!(
                *reference,
                ImageError::BackrefBeforeStart {
                    position: 0,
                    distance: 1
                }
            );
        }
        e => panic!("{e}"),
    }
}

#[test]
fn from_pixels_errors_and_choice() {
    let mut grid = PixelGrid::for_image(PixelFormat::Grey16, SizeTier::S64x48).unwrap();
    for (i, p) in grid.pixels.iter_mut().enumerate() {
        *p = ((i * 7 + i / 5) % 16) as u8;
    }
    // noise-like picture does not fit
    let e = Image::from_pixels(
        PixelFormat::Grey16,
        SizeTier::S64x48,
        Compression::Raw,
        false,
        false,
        &grid,
    )
    .unwrap_err();
    assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH");
    // wrong dimensions / depth / values
    let e = Image::from_pixels(
        PixelFormat::Grey4,
        SizeTier::S64x48,
        Compression::Rle,
        false,
        false,
        &grid,
    )
    .unwrap_err();
    assert_eq!(e.kind(), "image_compression");
    let mut bad = PixelGrid::for_image(PixelFormat::Bilevel, SizeTier::S24x18).unwrap();
    bad.pixels[3] = 2;
    assert!(Image::from_pixels(
        PixelFormat::Bilevel,
        SizeTier::S24x18,
        Compression::Rle,
        false,
        false,
        &bad
    )
    .is_err());
    let e = Image::from_pixels(
        PixelFormat::Reserved,
        SizeTier::S24x18,
        Compression::Rle,
        false,
        false,
        &bad,
    )
    .unwrap_err();
    assert_eq!(e.reference_name(), "IMAGE_FORMAT_HIGH");
    // a blank frame with flags
    let blank = PixelGrid::for_image(PixelFormat::Bilevel, SizeTier::S32x24).unwrap();
    let img = Image::from_pixels(
        PixelFormat::Bilevel,
        SizeTier::S32x24,
        Compression::Rle,
        true,
        true,
        &blank,
    )
    .unwrap();
    assert_eq!(
        (img.control(), img.data()),
        (0x17, &[0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f][..])
    );
    assert_eq!(img.decode_pixels().unwrap().grid, blank);
}

// -- properties --------------------------------------------------------

fn tiers() -> impl Strategy<Value = (PixelFormat, SizeTier)> {
    (0u8..3, 0u8..4).prop_map(|(f, s)| (PixelFormat::from_code(f), SizeTier::from_code(s)))
}

/// A grid of the given format/size: either noise or runs of random
/// lengths (so that both codecs see long matches).
fn grid(format: PixelFormat, size: SizeTier) -> impl Strategy<Value = PixelGrid> {
    let bpp = format.bpp().unwrap_or(1);
    let count = size.pixel_count();
    let max = (1u8 << bpp) - 1;
    prop_oneof![
        proptest::collection::vec(0..=max, count),
        proptest::collection::vec((0..=max, 1usize..300), 1..64).prop_map(move |runs| {
            let mut px: Vec<u8> = runs
                .iter()
                .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
                .cycle()
                .take(count)
                .collect();
            px.resize(count, 0);
            px
        }),
    ]
    .prop_map(move |pixels| PixelGrid {
        width: size.width(),
        height: size.height(),
        bpp,
        pixels,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prop_roundtrip((format, size, g) in tiers().prop_flat_map(|(f, s)| (Just(f), Just(s), grid(f, s)))) {
        let bpp = g.bpp;
        let count = g.pixel_count();
        let packed = g.packed();
        prop_assert_eq!(packed.len(), g.packed_len());
        prop_assert_eq!(&PixelGrid::from_packed(g.width, g.height, bpp, &packed).unwrap(), &g);

        let rle = rle_compress(&packed, bpp, count);
        prop_assert_eq!(&rle_decompress(&rle, bpp, count).unwrap(), &packed);

        let hs = heatshrink_compress(&packed);
        prop_assert_eq!(&heatshrink_decompress(&hs, packed.len()).unwrap(), &packed);
        let lib = heatshrink_compress_with(&packed, HeatshrinkConvention::Library);
        prop_assert_eq!(&heatshrink_decompress_library(&lib, packed.len()).unwrap(), &packed);

        for compression in [Compression::Raw, Compression::Rle, Compression::Heatshrink] {
            match Image::from_pixels(format, size, compression, false, true, &g) {
                Ok(img) => {
                    let d = img.decode_pixels().unwrap();
                    prop_assert_eq!(&d.grid, &g);
                    prop_assert_eq!(d.unused_bytes, 0);
                    let mut w = BitWriter::new();
                    write_image(&mut w, &img);
                    let bytes = w.into_bytes();
                    prop_assert_eq!(read_image(&mut BitReader::new(&bytes), "image").unwrap(), img.clone());
                    let mut s = String::new();
                    write_image_json(&mut s, &img);
                    let v: Value = serde_json::from_str(&s).unwrap();
                    prop_assert_eq!(image_from_json(&v, "image").unwrap(), img);
                }
                Err(e) => prop_assert_eq!(e.reference_name(), "IMAGE_DATA_HIGH"),
            }
        }
    }

    #[test]
    fn prop_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), start in 0usize..16) {
        let mut r = BitReader::at(&bytes, start);
        if let Ok(img) = read_image(&mut r, "image") {
            prop_assert!(img.data().len() <= MAX_DATA_LEN);
            if let Ok(d) = img.decode_pixels() {
                prop_assert_eq!(d.grid.pixels.len(), img.size().pixel_count());
            }
            let mut dump = Vec::new();
            dump_image(&img, start, "image", &mut dump);
            prop_assert!(dump.len() >= 2);
        }
        for bpp in [1u8, 2, 4] {
            if let Ok(p) = rle_decompress(&bytes, bpp, 3072) {
                prop_assert_eq!(p.len(), 3072 * usize::from(bpp) / 8);
            }
        }
        for conv in [HeatshrinkConvention::Reference, HeatshrinkConvention::Library] {
            if let Ok(p) = heatshrink_decompress_with(&bytes, 1536, conv) {
                prop_assert_eq!(p.len(), 1536);
            }
        }
    }
}

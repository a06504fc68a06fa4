//! The codec's fuzz entry points (as `codec/fuzz/fuzz_targets`): decoding
//! every way, canonical JSON encoding, mesh control packets, images.

use iotdata::frame;
use iotdata::image::{self, HeatshrinkConvention, Image};
use iotdata::mesh::{self, NeighbourLayout};
use iotdata::DecodeOptions;

use crate::checks;
use crate::corpus::Corpus;
use crate::rng::{mutate_bytes, mutate_text, Rng};

/// Largest generated frame: a LoRa frame is at most 255 bytes; a little
/// more exercises the paths that refuse longer input.
const MAX_FRAME: usize = 320;

/// Frames: mutated vectors, mesh FORWARD wrappers around frames, random
/// bytes.
pub fn gen_frame(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    match rng.below(10) {
        0 => {
            let n = rng.size(MAX_FRAME);
            rng.bytes(n)
        }
        1 | 2 => gen_forward(rng, c),
        _ => mutate_bytes(rng, &c.frames, MAX_FRAME),
    }
}

/// A mesh FORWARD (header of a vector FORWARD) around a frame, nested up
/// to six deep (the codec stops at `frame::MAX_FORWARD_DEPTH`).
fn gen_forward(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    let headers: Vec<&Vec<u8>> = c
        .mesh
        .iter()
        .filter(|m| {
            mesh::parse(m).is_ok_and(|p| p.ctrl_type() == mesh::CTRL_FORWARD)
                && m.len() > mesh::FORWARD_HDR_LEN
        })
        .collect();
    let mut inner = rng.pick(&c.frames).clone();
    if headers.is_empty() {
        return inner;
    }
    for _ in 0..1 + rng.below(6) {
        let h = rng.pick(&headers);
        let mut f = h[..mesh::FORWARD_HDR_LEN].to_vec();
        f.extend_from_slice(&inner);
        inner = f;
    }
    if rng.one_in(2) {
        inner = mutate_bytes(rng, &[inner], MAX_FRAME);
    }
    inner
}

/// The `decode` target: the cargo-fuzz target's checks, with the JSON text
/// parsed by serde_json.
pub fn run_decode(data: &[u8], c: &Corpus) {
    checks::decode(data, &c.maps, |text| {
        serde_json::from_str::<serde_json::Value>(text).is_ok()
    });
}

/// JSON documents: mutated vector JSON, packets with many TLVs, long
/// strings, deep nesting, random text.
pub fn gen_json(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    match rng.below(10) {
        0 => gen_many_tlvs(rng).into_bytes(),
        1 => {
            // Deep nesting and long members.
            let depth = rng.below(200);
            let mut s = String::from("{\"variant\":0,\"station\":1,\"sequence\":2,\"x\":");
            s.push_str(&"[".repeat(depth));
            s.push_str(&"1".repeat(rng.size(4096)));
            s.push_str(&"]".repeat(depth));
            s.push('}');
            s.into_bytes()
        }
        2 => {
            let n = rng.size(1024);
            rng.bytes(n)
        }
        _ => mutate_text(rng, &c.json, 64 * 1024).into_bytes(),
    }
}

/// A packet whose `data` holds up to 400 TLVs of random types, formats
/// and lengths (the gateway JSON path's worst case).
pub fn gen_many_tlvs(rng: &mut Rng) -> String {
    let mut s = format!(
        "{{\"variant\":{},\"station\":{},\"sequence\":{},\"data\":[",
        rng.below(16),
        rng.below(4096),
        rng.below(65536)
    );
    for i in 0..rng.below(400) {
        let ty = rng.below(70);
        let item = if rng.one_in(2) {
            let n = rng.size(300);
            let text: String = (0..n)
                .map(|_| (b' ' + rng.below(95) as u8) as char)
                .collect();
            let text = text.replace(['"', '\\'], "_");
            format!("{{\"type\":{ty},\"format\":\"string\",\"data\":\"{text}\"}}")
        } else {
            let n = rng.size(300);
            let b64: String = (0..n.div_ceil(4) * 4)
                .map(|_| {
                    *rng.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                        as char
                })
                .collect();
            format!("{{\"type\":{ty},\"format\":\"raw\",\"data\":\"{b64}\"}}")
        };
        push_item(&mut s, i, &item);
    }
    s.push_str("]}");
    s
}

/// Appends a JSON list item to `s`, after a comma unless it is the first
/// (`index` 0).
pub fn push_item(s: &mut String, index: usize, item: &str) {
    if index > 0 {
        s.push(',');
    }
    s.push_str(item);
}

/// The `encode_json` target: the cargo-fuzz target's checks.
pub fn run_encode_json(data: &[u8], c: &Corpus) {
    checks::encode_json(data, &c.maps);
}

/// Mesh control packets: mutated mesh vectors, FORWARD nests, random
/// bytes with the mesh nibble.
pub fn gen_mesh(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    match rng.below(6) {
        0 => gen_forward(rng, c),
        1 => {
            let n = rng.size(MAX_FRAME);
            let mut b = rng.bytes(n);
            if let Some(first) = b.first_mut() {
                *first |= 0xF0;
            }
            b
        }
        _ => mutate_bytes(rng, &c.mesh, MAX_FRAME),
    }
}

/// The `mesh` target: `mesh::parse` in both NEIGHBOUR_REPORT layouts;
/// a parsed packet dumps, writes JSON and, when the encoder accepts it,
/// re-encodes to bytes that parse again.
pub fn run_mesh(data: &[u8], c: &Corpus) {
    let _ = mesh::inner_origin(data);
    for layout in [NeighbourLayout::Aligned, NeighbourLayout::Bitstream] {
        let Ok(p) = mesh::parse_with_layout(data, layout) else {
            continue;
        };
        let mut dump = Vec::new();
        mesh::dump_mesh(&p, &mut dump);
        let mut json = String::new();
        let map = &c.maps[0];
        mesh::write_mesh_json(&mut json, &p, &|inner, out| {
            out.push_str(&frame::decode_to_json(inner, map, DecodeOptions::LENIENT));
        });
        let v: serde_json::Value = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("mesh JSON invalid: {e}\n{json}"));
        let _ = mesh::mesh_from_json(&v);
        if let Ok(bytes) = p.to_bytes_with_layout(layout) {
            assert!(
                mesh::parse_with_layout(&bytes, layout).is_ok(),
                "re-encoded mesh packet does not parse: {}",
                iotdata::hex::encode(&bytes)
            );
        }
    }
}

/// Image wire data: control byte then up to 254 data bytes.
pub fn gen_image(rng: &mut Rng, c: &Corpus) -> Vec<u8> {
    let mut b = match rng.below(5) {
        0 => {
            let n = 1 + rng.size(image::MAX_DATA_LEN + 1);
            rng.bytes(n)
        }
        _ => mutate_bytes(rng, &c.images, image::MAX_DATA_LEN + 1),
    };
    if b.is_empty() {
        b.push(rng.byte());
    }
    if rng.one_in(3) {
        b[0] = rng.byte();
    }
    b
}

/// The `image` target: `Image::from_wire` + `decode_pixels`; RLE and both
/// heatshrink decompressors on the data for every grid; RLE and heatshrink
/// round trips of pixels made from the data.
pub fn run_image(data: &[u8], _c: &Corpus) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    if let Ok(img) = Image::from_wire(control, rest.to_vec()) {
        if let Ok(d) = img.decode_pixels() {
            assert!(d.unused_bytes <= rest.len());
            assert_eq!(d.grid.pixel_count(), img.size().pixel_count());
        }
    }
    const PIXELS: [usize; 4] = [24 * 18, 32 * 24, 48 * 36, 64 * 48];
    for bpp in [1u8, 2, 4] {
        for count in PIXELS {
            let expected = (count * usize::from(bpp)).div_ceil(8);
            if let Ok(p) = image::rle_decompress(rest, bpp, count) {
                assert_eq!(p.len(), expected, "RLE output size");
            }
            for p in [
                image::heatshrink_decompress(rest, expected),
                image::heatshrink_decompress_library(rest, expected),
            ]
            .into_iter()
            .flatten()
            {
                assert!(p.len() <= expected, "heatshrink output past its bound");
            }
        }
    }
    if rest.is_empty() {
        return;
    }
    // Round trips on one grid picked by the control byte.
    let bpp = [1u8, 2, 4][usize::from(control & 3) % 3];
    let count = PIXELS[usize::from(control >> 6)];
    let packed: Vec<u8> = rest
        .iter()
        .copied()
        .cycle()
        .take((count * usize::from(bpp)).div_ceil(8))
        .collect();
    let rle = image::rle_compress(&packed, bpp, count);
    assert_eq!(
        image::rle_decompress(&rle, bpp, count).ok().as_ref(),
        Some(&packed),
        "RLE round trip"
    );
    for conv in [
        HeatshrinkConvention::Reference,
        HeatshrinkConvention::Library,
    ] {
        let hs = image::heatshrink_compress_with(&packed, conv);
        assert_eq!(
            image::heatshrink_decompress_with(&hs, packed.len(), conv).ok(),
            Some(packed.clone()),
            "heatshrink round trip ({})",
            conv.name()
        );
    }
}

//! [`decode_into`] never allocates: a counting global allocator (counting
//! per thread) sees zero allocations across calls on full frames, TLV and
//! Image frames, frames with warnings, and failing frames (every prefix of
//! every conformance vector, strict and lenient, reusing one buffer).
//!
//! Its own test binary, because the allocator is process-wide.

#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use iotdata::view::{decode_into, PacketBuf};
use iotdata::{DecodeOptions, VariantMap};
use serde_json::Value;

/// The system allocator, counting allocations made by each thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn decode_into_never_allocates() {
    let variants = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/variants.json"
    ));
    let mut maps = vec![VariantMap::default_map()];
    maps.extend(VariantMap::parse_maps(variants).expect("variants.json loads"));
    let mut frames: Vec<(usize, Vec<u8>)> = vec![
        (
            0,
            iotdata::hex::decode(
                "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210",
            )
            .expect("hex"),
        ),
        (
            0,
            iotdata::hex::decode("002a00043fd1b7b51ad1500440cf5270").expect("hex"),
        ),
    ];
    for file in [
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/sensor.jsonl"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/malformed.jsonl"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/quant.jsonl"
        )),
    ] {
        for line in file.lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let map = v
                .get("variant_map")
                .and_then(Value::as_str)
                .unwrap_or("default");
            let Some(m) = maps.iter().position(|x| x.name == map) else {
                continue;
            };
            if let Some(Ok(bytes)) = v
                .get("hex")
                .and_then(Value::as_str)
                .map(iotdata::hex::decode)
            {
                frames.push((m, bytes));
            }
        }
    }

    let mut buf = PacketBuf::new();
    let (mut ok, mut failed, mut with_tlvs, mut with_images) = (0usize, 0usize, 0usize, 0usize);
    let before = allocations();
    for (m, bytes) in &frames {
        let map = &maps[*m];
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            for end in 0..=bytes.len() {
                let frame = &bytes[..end];
                let at = allocations();
                let res = decode_into(frame, map, opts, &mut buf);
                assert_eq!(
                    allocations(),
                    at,
                    "decode_into allocated on {}",
                    iotdata::hex::encode(frame)
                );
                match res {
                    Ok(()) => {
                        ok += 1;
                        with_tlvs += usize::from(buf.tlv_count() > 0);
                        with_images += usize::from(
                            buf.fields()
                                .iter()
                                .any(|f| f.value.ty() == iotdata::FieldType::Image),
                        );
                    }
                    Err(e) => {
                        failed += 1;
                        std::hint::black_box(e.kind());
                    }
                }
            }
        }
    }
    assert_eq!(allocations(), before);
    // The counter works, and the frames cover what they claim to.
    let v = std::hint::black_box(vec![1u8]);
    assert_eq!(allocations(), before + 1);
    drop(v);
    assert!(
        ok > 1_000 && failed > 10_000 && with_tlvs > 20 && with_images > 10,
        "{ok} decoded, {failed} failed, {with_tlvs} with TLVs, {with_images} with images"
    );
}

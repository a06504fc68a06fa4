//! # iotdata
//!
//! A complete codec for the iotdata bit-packed telemetry protocol (LoRa
//! weather, soil/snow depth, air quality, radiation, camera thumbnails,
//! diagnostic TLVs and the mesh relay layer).
//!
//! - [`decode`] / [`encode`]: sensor packets with a [`VariantMap`]
//! - [`json`]: canonical JSON, both ways
//! - [`decode_with_dump`]: the bit-level dump
//! - [`view::decode_into`], [`json_view`]: decoding without allocation, and
//!   JSON straight from it
//! - [`mesh`]: mesh control packets (variant 15)
//! - [`tlv`], [`image`]: TLV entries and the image field
//!
//! ```
//! use iotdata::{decode, json, DecodeOptions, VariantMap};
//! let frame = iotdata::hex::decode(
//!     "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210").unwrap();
//! let map = VariantMap::default_map();
//! let packet = decode(&frame, &map, DecodeOptions::STRICT).unwrap();
//! assert_eq!(packet.header.station, 42);
//! assert_eq!(packet.fields.len(), 12);
//! let text = json::to_json(&packet, &map);
//! assert!(text.contains(r#""position":{"latitude":59.33459218350603,"longitude":18.063230"#));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub(crate) mod bits;
pub mod dump;
pub mod error;
pub mod field;
pub mod frame;
pub mod hex;
pub mod image;
pub mod json;
pub mod json_view;
pub(crate) mod json_write;
pub mod mesh;
pub mod packet;
pub mod receiver;
pub mod tlv;
pub mod variant;
pub mod view;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use dump::DumpEntry;
pub use error::{Bound, DecodeError, EncodeError, Quantity};
pub use field::{FieldData, FieldType, FieldValue, Native};
pub use packet::{
    decode, decode_with_dump, encode, DecodeOptions, Encoder, Field, Header, Packet, Warning,
};
pub use tlv::Tlv;
pub use variant::{MapError, VariantDef, VariantMap};

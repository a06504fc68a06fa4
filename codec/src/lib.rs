//! # iotdata
//!
//! A complete codec for the iotdata bit-packed telemetry protocol.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bits;
pub mod dump;
pub mod error;
pub mod image;
pub mod json_write;
pub mod mesh;
pub mod tlv;

pub use dump::DumpEntry;
pub use error::{Bound, DecodeError, EncodeError, Quantity};

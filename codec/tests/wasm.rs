//! wasm tests (placeholder, being written).
#![cfg(target_arch = "wasm32")]

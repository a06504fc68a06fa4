//! iotdata dashboard (placeholder while the crate is set up).

//! # iotdata-web
//!
//! The live dashboard for iotdata, a Leptos (CSR) app built by trunk. Data
//! flows one way, one file per step:
//!
//! `socket` (WebSocket, binary) → `mqtt` (MQTT 3.1.1 or 5 session over the
//! `mqtt-proto` codec) → `connection` (state machine, backoff, hints) →
//! `payload` (classify each message) → `decode` (the codec, once per frame)
//! → `store` (the codec's `receiver`: dedup, sequences, loss, topology; then
//! the dashboard's bounded collections; UI updates once per animation frame)
//! → `views`. `demo` plays a recording of the simulator's frames into the same
//! pipeline.
//!
//! `settings` (URL + localStorage), `tiles` (map tile templates), `maps`
//! (variant maps), `mesh_layout` (the mesh graph's placement), `router`
//! (hash routes) and `fmt` (units, numbers, durations and TLV values as every
//! page shows them) support them; `ctx` is the shared state the views read,
//! `app` the shell that builds it; `panic_banner` keeps a panic visible.
//! `alerts` holds the alert rules and their engine, which the store feeds
//! each ingest's changes (and the 1 s clock). `memory` keeps each broker
//! source in IndexedDB across reloads.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod app;
pub mod connection;
pub mod ctx;
pub mod decode;
pub mod demo;
pub mod export;
pub mod fmt;
pub mod maps;
pub mod memory;
pub mod mesh_layout;
pub mod mqtt;
pub mod panic_banner;
pub mod payload;
pub mod router;
pub mod settings;
pub mod socket;
pub mod store;
pub mod tiles;
pub mod vecmap;
pub mod views;

/// Mounts the dashboard on `<body>` (browser entry point). A panic shows
/// the panic banner.
pub fn start() {
    panic_banner::install();
    #[cfg(feature = "test-panic")]
    panic_banner::arm_test_trigger();
    leptos::mount::mount_to_body(app::App);
}

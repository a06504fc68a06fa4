//! # iotdata-web
//!
//! The live dashboard for iotdata, a Leptos (CSR) app built by trunk. Data
//! flows one way, one file per step:
//!
//! `socket` (WebSocket, binary) → `mqtt` (MQTT 3.1.1 session over the
//! `mqtt-proto` codec) → `connection` (state machine, backoff, hints) →
//! `payload` (classify each message) → `decode` (the only caller of the
//! `iotdata` codec) → `store` (bounded data, UI updates once per animation
//! frame) → `views`.
//!
//! `settings` (URL + localStorage) and `router` (hash routes) support them;
//! `app` is the shell.
#![forbid(unsafe_code)]

pub mod app;
pub mod connection;
pub mod decode;
pub mod mqtt;
pub mod payload;
pub mod router;
pub mod settings;
pub mod socket;
pub mod store;
pub mod views;

/// Mounts the dashboard on `<body>` (browser entry point).
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

//! Browser entry point (built by trunk for wasm32-unknown-unknown).

#[cfg(target_arch = "wasm32")]
fn main() {
    iotdata_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("iotdata-web is a browser app: run `trunk serve` at the repository root.");
}

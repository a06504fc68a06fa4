//! Mounting a view under test inside the app's context.

use iotdata_web::ctx::Ctx;
use iotdata_web::settings::Settings;
use leptos::prelude::*;

use super::{all, container, mouse, settle};

/// Mounts the view `view` builds into `root`, inside a fresh [`Ctx`]
/// provided from default settings (no demo feed). Returns the context, to
/// feed packets through, and the mount handle: the view lives as long as
/// the handle does.
pub fn mount_in<V: IntoView + 'static>(
    root: &web_sys::HtmlElement,
    view: impl FnOnce() -> V + 'static,
) -> (Ctx, impl Sized) {
    let ctx = StoredValue::new_local(None::<Ctx>);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        ctx.set_value(Some(Ctx::provide(Settings::default(), false)));
        view()
    });
    let ctx = ctx
        .get_value()
        .expect("the context is provided while mounting");
    (ctx, handle)
}

/// [`mount_in`] a fresh container, which is returned first.
pub fn mount<V: IntoView + 'static>(
    view: impl FnOnce() -> V + 'static,
) -> (web_sys::HtmlElement, Ctx, impl Sized) {
    let root = container();
    let (ctx, handle) = mount_in(&root, view);
    (root, ctx, handle)
}

/// [`mount_in`] a fresh container of `width` x `height` pixels, which is
/// returned first.
pub fn mount_sized<V: IntoView + 'static>(
    width: u32,
    height: u32,
    view: impl FnOnce() -> V + 'static,
) -> (web_sys::HtmlElement, Ctx, impl Sized) {
    let root = container();
    root.set_attribute("style", &format!("width: {width}px; height: {height}px"))
        .unwrap();
    let (ctx, handle) = mount_in(&root, view);
    (root, ctx, handle)
}

/// Mounts the connection bar and the map's tile-template note inside a
/// [`Ctx`] provided from `settings`, then opens the settings panel with a
/// click on "Settings". Returns the container and the mount handle.
pub async fn open_settings_panel(settings: Settings) -> (web_sys::HtmlElement, impl Sized) {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        Ctx::provide(settings, false);
        view! {
            <iotdata_web::views::connection_bar::ConnectionBar />
            <iotdata_web::tiles::TilesProblem />
        }
    });
    settle().await;
    let open = all(&root, "button")
        .into_iter()
        .find(|b| b.text_content().as_deref() == Some("Settings"))
        .expect("Settings button");
    mouse(&open, "click");
    settle().await;
    (root, handle)
}

//! Links are proposals: tile templates, link settings kept to the tab until
//! saved, stored credentials kept from a link's broker, and broker URLs
//! shown and shared without `user:pass@`.
//!
//! The pure part runs natively (`cargo test -p iotdata-web --test
//! settings`) and in headless Chromium (`--target wasm32-unknown-unknown`);
//! the browser part (localStorage, the connection detail, the settings
//! panel) only in the browser.

use iotdata_web::settings::{
    check_broker_url, parse_query, split_credentials, without_credentials, Settings, Startup,
    DEFAULT_TILE_URL,
};
use iotdata_web::tiles::check_tile_template;
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
mod common;

/// Settings as a user stored them: a broker with a user name and a
/// remembered password.
fn stored() -> Settings {
    Settings {
        broker: "ws://home.example:9001/mqtt".into(),
        user: "alice".into(),
        password: "alice-secret".into(),
        remember: true,
        ..Settings::default()
    }
}

// ---- tile templates ---------------------------------------------------------

#[wasm_bindgen_test]
fn tile_templates_good_and_bad() {
    for good in [
        DEFAULT_TILE_URL,
        "https://{s}.tile.example.org/{z}/{x}/{y}{r}.png",
        "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png?key=abc",
        "HTTPS://Tiles.Example/{z}/{x}/{y}",
    ] {
        assert_eq!(check_tile_template(good), Ok(()), "{good}");
    }
    for (bad, says) in [
        ("https://host/{foo}/{z}/{x}/{y}.png", "{foo}"),
        ("https://host/{-y}/{z}/{x}.png", "{-y}"),
        ("javascript:alert(1)//{z}/{x}/{y}", "http"),
        ("data:image/png;base64,AAAA", "http"),
        ("//host/{z}/{x}/{y}", "http"),
        ("https:///{z}/{x}/{y}", "no host"),
        ("https://host/{z/{x}/{y}", "'{'"),
        ("https://host/z}/{x}/{y}", "'}'"),
        ("https://host/ {z}", "space"),
        ("", "http"),
    ] {
        let err = check_tile_template(bad).expect_err(bad);
        assert!(err.contains(says), "{bad}: {err}");
    }
}

#[wasm_bindgen_test]
fn a_bad_tile_template_is_used_by_the_tab_but_never_persisted_nor_shared() {
    let tab = Settings::default().with_overrides(&parse_query(
        "?tiles=https%3A%2F%2Fhost%2F%7Bfoo%7D%2F%7Bz%7D%2F%7Bx%7D%2F%7By%7D.png",
    ));
    assert_eq!(tab.tile_url, "https://host/{foo}/{z}/{x}/{y}.png");
    assert_eq!(tab.to_persisted().tile_url, DEFAULT_TILE_URL);
    assert!(
        !tab.share_query().contains("tiles="),
        "{}",
        tab.share_query()
    );
    // Stored by an older version: read back as the default.
    let json = r#"{"tile_url":"https://host/{foo}/{z}/{x}/{y}.png"}"#;
    assert_eq!(Settings::from_json(json).tile_url, DEFAULT_TILE_URL);
    // A good one goes everywhere.
    let good = Settings::default().with_overrides(&parse_query(
        "?tiles=https%3A%2F%2Ft.example%2F%7Bz%7D%2F%7Bx%7D%2F%7By%7D.png",
    ));
    assert_eq!(
        good.to_persisted().tile_url,
        "https://t.example/{z}/{x}/{y}.png"
    );
    assert!(good.share_query().contains("tiles="));
}

// ---- link settings: the tab's until saved ----------------------------------

#[wasm_bindgen_test]
fn link_settings_apply_to_the_tab_and_are_marked_unsaved() {
    let q = parse_query("?broker=ws%3A%2F%2Fother.example%3A9001&topic=x%2F%23&mqtt=5");
    let start = Startup::resolve(stored(), &q);
    assert!(start.unsaved);
    assert_eq!(start.settings.broker, "ws://other.example:9001");
    assert_eq!(start.settings.topics, vec!["x/#"]);

    // No query, or one that repeats the stored settings: nothing to save.
    assert!(!Startup::resolve(stored(), &parse_query("")).unsaved);
    let same = parse_query("?broker=ws%3A%2F%2Fhome.example%3A9001%2Fmqtt&topic=iotdata%2F%23");
    let start = Startup::resolve(stored(), &same);
    assert!(!start.unsaved, "{:?}", start.settings);
    assert_eq!(start.settings, stored());
}

#[wasm_bindgen_test]
fn stored_credentials_never_go_to_a_link_broker() {
    let q = parse_query("?broker=ws%3A%2F%2Fevil.example%3A9001");
    let tab = Startup::resolve(stored(), &q).settings;
    let (url, user, password) = tab.connection_target();
    assert_eq!(url, "ws://evil.example:9001");
    assert_eq!((user, password), (None, None), "{tab:?}");
    assert!(!tab.remember);

    // The link's own user name goes, still without the stored password.
    let q = parse_query("?broker=ws%3A%2F%2Fevil.example%3A9001&user=mallory");
    let (_, user, password) = Startup::resolve(stored(), &q).settings.connection_target();
    assert_eq!((user.as_deref(), password), (Some("mallory"), None));

    // Credentials that came with the link are used (and only for CONNECT).
    let q = parse_query("?broker=ws%3A%2F%2Fbob%3Apw%40evil.example%3A9001%2Fmqtt");
    let tab = Startup::resolve(stored(), &q).settings;
    assert_eq!(tab.broker, "ws://evil.example:9001/mqtt");
    let (url, user, password) = tab.connection_target();
    assert_eq!(url, "ws://evil.example:9001/mqtt");
    assert_eq!(
        (user.as_deref(), password.as_deref()),
        (Some("bob"), Some("pw"))
    );

    // The stored broker itself (with only other settings from the link)
    // keeps the stored credentials.
    let q = parse_query("?broker=ws%3A%2F%2Fhome.example%3A9001%2Fmqtt&mqtt=5");
    let (_, user, password) = Startup::resolve(stored(), &q).settings.connection_target();
    assert_eq!(
        (user.as_deref(), password.as_deref()),
        (Some("alice"), Some("alice-secret"))
    );
}

// ---- credentials in broker URLs ----------------------------------------------

#[wasm_bindgen_test]
fn credentials_are_split_out_of_broker_urls() {
    assert_eq!(
        split_credentials("wss://u%40x:p%3Aq@h.example/mqtt?a=b@c"),
        (
            "wss://h.example/mqtt?a=b@c".to_string(),
            Some(("u@x".to_string(), "p:q".to_string()))
        )
    );
    assert_eq!(
        split_credentials("ws://h:1/a@b"),
        ("ws://h:1/a@b".into(), None)
    );
    assert_eq!(without_credentials("ws://only-user@h"), "ws://h");
    assert_eq!(without_credentials("not a url @ all"), "not a url @ all");

    // Typed into the broker field: they become the user name and password
    // when none is configured, dropped otherwise; never in the URL.
    let typed = Settings {
        broker: "ws://bob:pw@h:9001".into(),
        ..Settings::default()
    };
    let n = typed.clone().normalized();
    assert_eq!(
        (n.broker.as_str(), n.user.as_str(), n.password.as_str()),
        ("ws://h:9001", "bob", "pw")
    );
    let with_user = Settings {
        user: "carol".into(),
        ..typed.clone()
    };
    let (_, user, password) = with_user.connection_target();
    assert_eq!((user.as_deref(), password), (Some("carol"), None));

    // Shared and stored without them; the reason of a bad URL too.
    let share = typed.share_query();
    assert!(share.contains("broker=ws%3A%2F%2Fh%3A9001"), "{share}");
    assert!(
        !share.contains("pw") && !share.contains("bob%3A"),
        "{share}"
    );
    assert!(!typed.to_json().contains("bob:pw@"), "{}", typed.to_json());
    let problem = check_broker_url("ftp://bob:pw@h/x", "http:").unwrap_err();
    assert!(!problem.reason.contains("pw"), "{}", problem.reason);
}

// ---- in the browser -------------------------------------------------------------

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::common::*;

    use super::stored;
    use iotdata_web::connection::{ConnState, Connection};
    use iotdata_web::ctx::Ctx;
    use iotdata_web::settings::{self, Settings, STORAGE_KEY};
    use iotdata_web::views::connection_bar::ConnectionBar;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn storage() -> web_sys::Storage {
        window().local_storage().unwrap().unwrap()
    }

    fn set_query(query: &str) {
        let path = window().location().pathname().unwrap();
        window()
            .history()
            .unwrap()
            .replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}{query}")),
            )
            .unwrap();
    }

    /// A `?broker=` link changes the tab's settings, not the stored ones,
    /// until Save; Save stores them (without the password).
    #[wasm_bindgen_test]
    async fn link_settings_are_stored_only_on_save() {
        let before = stored().to_json();
        storage().set_item(STORAGE_KEY, &before).unwrap();
        set_query("?broker=ws%3A%2F%2Flink.example%3A9001&topic=link%2F%23");
        let start = settings::load();
        set_query("");
        assert!(start.unsaved);
        assert_eq!(start.settings.broker, "ws://link.example:9001");
        assert_eq!(
            storage().get_item(STORAGE_KEY).unwrap().as_deref(),
            Some(before.as_str())
        );

        let root = container();
        let ctx = StoredValue::new(None::<Ctx>);
        let s = start.settings.clone();
        let _handle = leptos::mount::mount_to(root.clone(), move || {
            let c = Ctx::provide(s.clone(), false);
            c.unsaved.set(true);
            ctx.set_value(Some(c));
            view! { <ConnectionBar /> }
        });
        settle().await;
        assert!(
            one(&root, "[data-testid=settings-unsaved]").is_some(),
            "note shown"
        );
        assert_eq!(
            storage().get_item(STORAGE_KEY).unwrap().as_deref(),
            Some(before.as_str())
        );
        let save = one(&root, "[data-testid=settings-save]").expect("Save button");
        mouse(&save, "click");
        settle().await;
        let now = Settings::from_json(&storage().get_item(STORAGE_KEY).unwrap().unwrap());
        assert_eq!(now.broker, "ws://link.example:9001");
        assert_eq!(now.topics, vec!["link/#"]);
        assert_eq!((now.user.as_str(), now.password.as_str()), ("", ""));
        assert!(
            one(&root, "[data-testid=settings-unsaved]").is_none(),
            "note gone"
        );
        ctx.with_value(|c| c.unwrap().disconnect());
        storage().remove_item(STORAGE_KEY).unwrap();
    }

    /// The connection detail names the broker without `user:pass@`.
    #[wasm_bindgen_test]
    async fn connection_detail_has_no_credentials() {
        let status = RwSignal::new(ConnState::default());
        let conn = Connection::new(status, std::rc::Rc::new(|_| {}));
        conn.start(Settings {
            broker: "ws://bob:hunter2@127.0.0.1:9/mqtt".into(),
            ..Settings::default()
        });
        let detail = status.with_untracked(|s| s.detail(0.0));
        conn.stop("test over");
        assert!(detail.contains("ws://127.0.0.1:9/mqtt"), "{detail}");
        assert!(
            !detail.contains("hunter2") && !detail.contains("bob"),
            "{detail}"
        );
    }

    /// The settings panel shows the URL without credentials (they sit in
    /// the user and password fields) and shares it without them.
    #[wasm_bindgen_test]
    async fn settings_panel_shows_and_shares_no_credentials() {
        let (root, _handle) = open_settings_panel(Settings {
            broker: "ws://bob:hunter2@broker.example:9001/mqtt".into(),
            ..Settings::default()
        })
        .await;
        let broker: web_sys::HtmlInputElement = one(&root, "[data-testid=settings-broker]")
            .unwrap()
            .unchecked_into();
        assert_eq!(broker.value(), "ws://broker.example:9001/mqtt");
        let user: web_sys::HtmlInputElement = one(&root, "#set-user").unwrap().unchecked_into();
        assert_eq!(user.value(), "bob");
        let share = one(&root, "code.share").unwrap().text_content().unwrap();
        assert!(
            share.contains("broker=ws%3A%2F%2Fbroker.example%3A9001%2Fmqtt"),
            "{share}"
        );
        assert!(!share.contains("hunter2"), "{share}");
        let text = root.text_content().unwrap();
        assert!(!text.contains("hunter2"), "{text}");
    }

    /// A bad tile template in the settings panel says so.
    #[wasm_bindgen_test]
    async fn settings_panel_flags_a_bad_tile_template() {
        let (root, _handle) = open_settings_panel(Settings {
            tile_url: "https://host/{foo}/{z}/{x}/{y}.png".into(),
            ..Settings::default()
        })
        .await;
        let note = one(&root, "[data-testid=tiles-problem]").expect("map note");
        assert!(note.text_content().unwrap().contains("{foo}"));
        let warn = one(&root, "[data-testid=settings-tiles-problem]").expect("panel note");
        assert!(warn.text_content().unwrap().contains("{foo}"));
    }
}

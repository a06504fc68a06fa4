//! Step 1 of the pipeline: a browser WebSocket in binary mode.
//!
//! Opens `url` with the `mqtt` sub-protocol (what MQTT-over-WebSocket brokers
//! expect), receives ArrayBuffers and hands every event to one callback. A
//! message's size is read before anything is copied into wasm memory: one
//! larger than [`WS_CHUNK_BYTES`] is handed over as several
//! [`SocketEvent::Data`] pieces of at most that size (the MQTT session
//! reassembles or skips packets across pieces as across messages), so no
//! message is ever copied whole. The
//! handlers are detached and the socket closed when the [`Socket`] is dropped,
//! so a stale socket can never report into a newer connection.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// The WebSocket sub-protocol for MQTT (MQTT 3.1.1 § 6; the same for MQTT 5).
pub const MQTT_SUBPROTOCOL: &str = "mqtt";
/// Largest piece of a WebSocket message copied into wasm memory at once.
pub const WS_CHUNK_BYTES: usize = 64 * 1024;

/// Something that happened on the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketEvent {
    /// The connection is open.
    Open,
    /// A message, or a piece of at most [`WS_CHUNK_BYTES`] of one (binary,
    /// or the UTF-8 bytes of a text frame).
    Data(Vec<u8>),
    /// The browser reported an error (always followed by `Closed`).
    Error,
    /// The connection closed.
    Closed {
        /// Close code (1006 = abnormal, e.g. nothing listening).
        code: u16,
        /// Close reason given by the server, if any.
        reason: String,
        /// Whether the closing handshake completed.
        clean: bool,
    },
}

type Handler = Closure<dyn FnMut(Event)>;

/// An open (or opening) WebSocket.
pub struct Socket {
    ws: WebSocket,
    _handlers: [Handler; 4],
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("url", &self.ws.url())
            .finish()
    }
}

/// An exception the browser threw while opening or sending: its name and
/// message (`SecurityError: …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct SocketError {
    text: String,
    security: bool,
}

impl SocketError {
    fn from_js(e: &wasm_bindgen::JsValue) -> SocketError {
        match e.dyn_ref::<js_sys::Error>() {
            Some(err) => {
                let name: String = err.name().into();
                let msg: String = err.message().into();
                SocketError {
                    security: name == "SecurityError",
                    text: format!("{name}: {msg}"),
                }
            }
            None => SocketError {
                text: e.as_string().unwrap_or_else(|| format!("{e:?}")),
                security: false,
            },
        }
    }

    /// The browser refused the URL for security (e.g. `ws://` from an
    /// `https://` page).
    pub fn is_security(&self) -> bool {
        self.security
    }
}

impl Socket {
    /// Opens a WebSocket. Errors thrown synchronously by the browser (bad
    /// URL, blocked mixed content) are returned.
    pub fn open(
        url: &str,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<Socket, SocketError> {
        let ws =
            WebSocket::new_with_str(url, MQTT_SUBPROTOCOL).map_err(|e| SocketError::from_js(&e))?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_event = std::rc::Rc::new(on_event);

        let cb = on_event.clone();
        let on_open: Handler = Closure::new(move |_: Event| cb(SocketEvent::Open));
        let cb = on_event.clone();
        let this = ws.clone();
        let on_message: Handler = Closure::new(move |e: Event| {
            let Some(e) = e.dyn_ref::<MessageEvent>() else {
                return;
            };
            let data = e.data();
            // Stop handing over pieces once the socket is closed (the
            // session failed on an earlier piece).
            let open = || this.ready_state() == WebSocket::OPEN;
            if let Some(buf) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                let view = js_sys::Uint8Array::new(buf);
                let len = view.length();
                let mut at = 0u32;
                while at < len && open() {
                    let end = at.saturating_add(WS_CHUNK_BYTES as u32).min(len);
                    cb(SocketEvent::Data(view.subarray(at, end).to_vec()));
                    at = end;
                }
            } else if let Some(text) = data.dyn_ref::<js_sys::JsString>() {
                // Not MQTT (which is binary), but passed on as UTF-8 for the
                // session to reject; a UTF-8 piece is at most 3 bytes per
                // UTF-16 unit.
                let len = text.length();
                let step = (WS_CHUNK_BYTES / 3) as u32;
                let mut at = 0u32;
                while at < len && open() {
                    let end = at.saturating_add(step).min(len);
                    let piece: String = text.slice(at, end).into();
                    cb(SocketEvent::Data(piece.into_bytes()));
                    at = end;
                }
            }
        });
        let cb = on_event.clone();
        let on_error: Handler = Closure::new(move |_: Event| cb(SocketEvent::Error));
        let cb = on_event;
        let on_close: Handler = Closure::new(move |e: Event| {
            let (code, reason, clean) = match e.dyn_ref::<CloseEvent>() {
                Some(c) => (c.code(), c.reason(), c.was_clean()),
                None => (1006, String::new(), false),
            };
            cb(SocketEvent::Closed {
                code,
                reason,
                clean,
            })
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _handlers: [on_open, on_message, on_error, on_close],
        })
    }

    /// Sends bytes as one binary frame.
    pub fn send(&self, bytes: &[u8]) -> Result<(), SocketError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.ws
            .send_with_u8_array(bytes)
            .map_err(|e| SocketError::from_js(&e))
    }

    /// The URL the socket was opened with.
    pub fn url(&self) -> String {
        self.ws.url()
    }

    /// Bytes queued but not yet sent.
    pub fn buffered_amount(&self) -> u32 {
        self.ws.buffered_amount()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

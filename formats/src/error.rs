//! The one error type of the crate.

use crate::{MAX_BATCH, MAX_DEPTH, MAX_ITEMS, MAX_PAYLOAD_BYTES, MAX_TOPIC_BYTES};

/// Why a message could not be decoded. Every decoder returns this type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The payload is larger than [`MAX_PAYLOAD_BYTES`].
    #[error("payload of {0} bytes is over the limit of {MAX_PAYLOAD_BYTES} bytes")]
    PayloadTooLarge(usize),
    /// The topic is longer than [`MAX_TOPIC_BYTES`].
    #[error("topic of {0} bytes is over the limit of {MAX_TOPIC_BYTES} bytes")]
    TopicTooLong(usize),
    /// Neither topic nor payload matches a known format.
    #[error("not a recognised telemetry format")]
    NotRecognised,
    /// The topic does not have the shape the format requires.
    #[error("topic `{0}` does not fit the format")]
    BadTopic(String),
    /// The payload is empty.
    #[error("empty payload")]
    Empty,
    /// The CBOR is malformed or truncated (byte offset).
    #[error("malformed or truncated CBOR near byte {0}")]
    Cbor(usize),
    /// The MessagePack is malformed or truncated (byte offset).
    #[error("malformed or truncated MessagePack near byte {0}")]
    Msgpack(usize),
    /// The JSON is malformed.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// The payload is not valid UTF-8 where text is required.
    #[error("payload is not UTF-8 text")]
    NotText,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// More than [`MAX_ITEMS`] items in one message.
    #[error("more than {MAX_ITEMS} items in one message")]
    TooManyItems,
    /// Bytes are left over after the one item the payload must hold.
    #[error("{0} bytes left over after the end of the message")]
    TrailingBytes(usize),
    /// A required field is absent.
    #[error("required field `{0}` is missing")]
    MissingField(&'static str),
    /// A field has a type or value the format does not allow.
    #[error("field `{field}` is invalid: expected {expected}")]
    BadField {
        /// The field's name.
        field: String,
        /// What the format expects there.
        expected: &'static str,
    },
    /// A CRC-16 check failed.
    #[error("CRC mismatch: packet states {stated:#06x}, content gives {computed:#06x}")]
    CrcMismatch {
        /// The CRC the packet carries.
        stated: u16,
        /// The CRC computed over the packet.
        computed: u16,
    },
    /// An encrypted OwnTelemetry frame from an endpoint without a key.
    #[error("encrypted packet from endpoint {0}: no key for it in settings")]
    NoKey(String),
    /// Decryption gave no valid packet: the key is wrong (or the frame damaged).
    #[error("encrypted packet from endpoint {0} did not decrypt: wrong key?")]
    WrongKey(String),
    /// The decrypted packet names another endpoint than its frame.
    #[error("decrypted packet id {inner} differs from frame id {frame}")]
    IdMismatch {
        /// The id in the frame header.
        frame: String,
        /// The id inside the decrypted packet.
        inner: String,
    },
    /// An encrypted frame shorter than its header.
    #[error("encrypted frame of {0} bytes is shorter than its 13-byte header")]
    FrameTooShort(usize),
    /// A batch packet's count and contents disagree, or exceed [`MAX_BATCH`].
    #[error("batch holds {actual} packets, states {stated} (at most {MAX_BATCH})")]
    BatchCount {
        /// The count the batch states.
        stated: u64,
        /// The number of packets it holds.
        actual: usize,
    },
    /// A batch packet inside a batch packet.
    #[error("batch packet nested inside a batch")]
    NestedBatch,
    /// A time string in none of the accepted forms.
    #[error("unreadable time `{0}`")]
    BadTime(String),
    /// Malformed hexadecimal.
    #[error("malformed hexadecimal")]
    BadHex,
}

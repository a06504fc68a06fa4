//! The session's typed errors: options it refuses ([`OptionsError`]) and
//! what ends a session on the broker's side ([`ProtocolError`]).

use mqtt_proto::v5;
use thiserror::Error;

use super::MAX_MQTT_STRING_BYTES as MAX;

/// Why [`super::MqttClient::new`] refused its options.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OptionsError {
    /// The client id is empty or longer than [`super::MAX_MQTT_STRING_BYTES`].
    #[error("the client id is {0} bytes; MQTT takes 1 to {MAX}")]
    ClientId(usize),
    /// The user name (its length in bytes) does not fit an MQTT string.
    #[error("the user name is {0} bytes; MQTT cannot send more than {MAX}")]
    UserName(usize),
    /// The password (its length in bytes) does not fit an MQTT field.
    #[error("the password is {0} bytes; MQTT cannot send more than {MAX}")]
    Password(usize),
    /// Not a valid MQTT topic filter.
    #[error("'{0}' is not a valid MQTT topic filter")]
    TopicFilter(String),
}

impl OptionsError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            OptionsError::ClientId(_) => "reload the page for a new client id",
            OptionsError::UserName(_) => "shorten the user name in the settings",
            OptionsError::Password(_) => "shorten the password in the settings",
            OptionsError::TopicFilter(_) => {
                "fix the topic filters in the settings (e.g. iotdata/#)"
            }
        }
    }
}

/// Why one packet from the broker could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// mqtt-proto's MQTT 3.1.1 decoder refused it.
    #[error(transparent)]
    V3(#[from] mqtt_proto::Error),
    /// mqtt-proto's MQTT 5 decoder refused it.
    #[error(transparent)]
    V5(#[from] v5::ErrorV5),
    /// A 3.1.1 PUBREL whose body is not exactly a packet identifier.
    #[error("PUBREL must carry exactly a packet identifier")]
    PubrelBody,
    /// An MQTT 5 PUBLISH with a topic alias, which this client's CONNECT
    /// did not allow.
    #[error("the broker used a topic alias this client did not allow")]
    TopicAlias,
}

/// What the broker sent that ends the session
/// ([`super::Event::ProtocolError`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// The remaining length runs past its 4 bytes.
    #[error(transparent)]
    RemainingLength(#[from] iotdata_sim::mqtt_wire::RemainingLengthError),
    /// A fixed header whose packet type or flags are not MQTT's (a
    /// non-MQTT stream, such as an HTTP error page).
    #[error("invalid MQTT fixed header: {0}")]
    FixedHeader(WireError),
    /// A packet that does not decode.
    #[error("invalid MQTT packet: {0}")]
    Packet(#[from] WireError),
    /// A packet over [`super::MAX_PACKET_BYTES`] that is not a PUBLISH
    /// (only a PUBLISH can be skipped).
    #[error("MQTT packet of {0} bytes is too large (not a PUBLISH)")]
    TooLarge(usize),
    /// A PUBLISH or PUBREL (the packet named) before CONNACK.
    #[error("the broker sent {0} before CONNACK")]
    BeforeConnack(&'static str),
    /// A second CONNACK.
    #[error("unexpected CONNACK")]
    UnexpectedConnack,
    /// An oversize PUBLISH at QoS 1/2 without a usable packet identifier
    /// (it cannot be acknowledged).
    #[error("oversize PUBLISH without a valid packet identifier")]
    OversizeWithoutPid,
    /// The broker ended the session with DISCONNECT: the text says why
    /// (with MQTT 5, the reason code and the broker's reason string).
    #[error("{0}")]
    Disconnect(String),
    /// A packet the session does not take (client-only packets, AUTH).
    #[error("{0}")]
    Unexpected(&'static str),
}

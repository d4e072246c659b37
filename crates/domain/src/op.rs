//! Ops: every change to conversations and messages, as recorded in a device's log and sent to
//! other devices. An op is an envelope the sync server can store and serve without understanding
//! it (`kind` + JSON `payload`), and a [`Change`] once decoded by an app that knows the kind.
//!
//! Only outcomes are ops: a conversation created, a message inserted, a message finished (its
//! final text, status, usage and error). The text a reply has while it streams is saved locally
//! for crash safety but is not an op: other devices only need the outcome, and logging every
//! save (four a second, each carrying the whole text so far) would make the log grow with the
//! square of a reply's length. A reply cut by a crash still gets its op: recovery at start-up
//! finishes it as `partial` with the text saved so far.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::id::DeviceId;
use crate::model::{MessageError, MessageRole, MessageStatus, Usage};

/// One entry of a device's log. `(device_id, seq)` is unique and `seq` counts 1, 2, 3… without
/// gaps for each device, so a reader can resume from the last `seq` it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Op {
    pub op_id: Uuid,
    pub device_id: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub kind: String,
    pub payload: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum OpDecodeError {
    /// Written by a newer version of the app; kept, and applied once this one learns the kind.
    #[error("unknown op kind {0:?}")]
    UnknownKind(String),
    #[error("op payload of kind {kind:?} is malformed: {source}")]
    Payload {
        kind: String,
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationCreated {
    pub id: String,
    pub title: String,
    pub model: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageInserted {
    pub id: String,
    pub conversation_id: String,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub demo: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageFinished {
    pub id: String,
    pub content: String,
    pub status: MessageStatus,
    pub usage: Option<Usage>,
    pub error: Option<MessageError>,
    pub request_id: Option<String>,
    pub finished_at: i64,
}

/// What an op does, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    ConversationCreated(ConversationCreated),
    MessageInserted(MessageInserted),
    MessageFinished(MessageFinished),
}

impl Change {
    pub const CONVERSATION_CREATED: &'static str = "conversation.created";
    pub const MESSAGE_INSERTED: &'static str = "message.inserted";
    pub const MESSAGE_FINISHED: &'static str = "message.finished";

    pub fn kind(&self) -> &'static str {
        match self {
            Change::ConversationCreated(_) => Self::CONVERSATION_CREATED,
            Change::MessageInserted(_) => Self::MESSAGE_INSERTED,
            Change::MessageFinished(_) => Self::MESSAGE_FINISHED,
        }
    }

    pub fn payload(&self) -> serde_json::Value {
        let value = match self {
            Change::ConversationCreated(c) => serde_json::to_value(c),
            Change::MessageInserted(m) => serde_json::to_value(m),
            Change::MessageFinished(m) => serde_json::to_value(m),
        };
        // Plain structs of strings, numbers and enums always serialize; `Null` is unreachable.
        value.unwrap_or(serde_json::Value::Null)
    }

    pub fn decode(kind: &str, payload: &serde_json::Value) -> Result<Self, OpDecodeError> {
        fn parse<T: serde::de::DeserializeOwned>(
            kind: &str,
            payload: &serde_json::Value,
        ) -> Result<T, OpDecodeError> {
            T::deserialize(payload).map_err(|source| OpDecodeError::Payload {
                kind: kind.to_owned(),
                source,
            })
        }
        match kind {
            Self::CONVERSATION_CREATED => parse(kind, payload).map(Change::ConversationCreated),
            Self::MESSAGE_INSERTED => parse(kind, payload).map(Change::MessageInserted),
            Self::MESSAGE_FINISHED => parse(kind, payload).map(Change::MessageFinished),
            other => Err(OpDecodeError::UnknownKind(other.to_owned())),
        }
    }
}

impl Op {
    pub fn change(&self) -> Result<Change, OpDecodeError> {
        Change::decode(&self.kind, &self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_survives_the_envelope() {
        let change = Change::MessageFinished(MessageFinished {
            id: "m1".into(),
            content: "你好, world".into(),
            status: MessageStatus::Partial,
            usage: Some(Usage {
                input_tokens: 1,
                output_tokens: 2,
                total_tokens: 3,
            }),
            error: Some(MessageError {
                code: "stream_interrupted".into(),
                message: "cut".into(),
            }),
            request_id: None,
            finished_at: 42,
        });
        let op = Op {
            op_id: Uuid::now_v7(),
            device_id: DeviceId::generate(),
            seq: 1,
            hlc: "000000000000042.0000000000.01890000-0000-7000-8000-000000000000"
                .parse()
                .expect("hlc"),
            kind: change.kind().to_owned(),
            payload: change.payload(),
        };
        let wire = serde_json::to_string(&op).expect("serialize");
        assert!(wire.contains("\"opId\"") && wire.contains("\"finishedAt\":42"));
        let back: Op = serde_json::from_str(&wire).expect("deserialize");
        assert_eq!(back, op);
        assert_eq!(back.change().expect("decode"), change);
    }

    #[test]
    fn unknown_kinds_are_reported_not_guessed() {
        assert!(matches!(
            Change::decode("message.edited", &serde_json::json!({})),
            Err(OpDecodeError::UnknownKind(_))
        ));
        assert!(matches!(
            Change::decode(Change::MESSAGE_INSERTED, &serde_json::json!({"id": 1})),
            Err(OpDecodeError::Payload { .. })
        ));
    }
}

//! The pure domain of Bailian Desk: what a conversation and a message are, how they are named
//! (UUIDv7 ids), and the ops that record every change for sync, ordered by a hybrid logical
//! clock. No I/O lives here, so the store, a future sync engine and a server can share it.

pub mod hlc;
pub mod id;
pub mod model;
pub mod op;

pub use hlc::{Clock, ClockError, Hlc, HybridClock, SystemClock};
pub use id::{DeviceId, new_id};
pub use model::{
    Attachment, AttachmentData, ChatParams, Conversation, ConversationPatch, ConversationScope,
    FinishReason, Message, MessageError, MessageRole, MessageStatus, NewMessage, ResponseFormat,
    SearchSource, ToolCall, ToolChoice, ToolDefinition, ToolResult, Usage,
};
pub use op::{
    Change, ConversationCreated, ConversationPurged, ConversationRestored, ConversationTrashed,
    ConversationUpdated, MessageDeleted, MessageFinished, MessageInserted, Op, OpDecodeError,
};

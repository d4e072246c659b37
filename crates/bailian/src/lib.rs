//! A client for Alibaba Cloud Bailian (DashScope), written from the wire reference rather than
//! from the OpenAI-compatible surface: native endpoints, DashScope's SSE quirks, its error shapes
//! and its retry rules.

mod chat;
mod client;
mod error;
mod retry;
mod secret;
pub mod sse;

pub use chat::{
    ChatChunk, ChatMessage, ChatParameters, ChatRequest, ChatResponse, Role, Usage, parse_compat,
};
pub use client::{ChatStream, Client, ClientConfig, DEFAULT_BASE_URL};
pub use error::{ApiError, Error, Result};
pub use retry::{RetryNotice, RetryPolicy};
pub use secret::ApiKey;

/// Parses one native body (a non-stream response or one stream event's `data`) into a chunk, or
/// the DashScope error it carries. Public for fixture tests and tools.
pub fn parse_native_body(data: &str) -> std::result::Result<ChatChunk, Error> {
    match chat::parse_native(data, 200).map_err(Error::Protocol)? {
        chat::NativeParse::Chunk(chunk) => Ok(chunk),
        chat::NativeParse::Error(api) => Err(Error::Api(api)),
    }
}

//! A client for Alibaba Cloud Bailian (DashScope), written from the wire reference rather than
//! from the OpenAI-compatible surface: native endpoints, DashScope's SSE quirks, its error shapes
//! and its retry rules.

pub mod apps;
mod chat;
mod client;
pub mod embeddings;
mod error;
pub mod images;
pub mod limiter;
pub mod media;
mod parse;
pub mod prepare;
pub mod region;
pub mod registry;
mod retry;
mod secret;
pub mod speech;
pub mod sse;
pub mod tasks;
pub mod tingwu;
pub mod tokenizer;
pub mod tools;
pub mod transcription;

pub use apps::AppRequest;
pub use chat::{ChatChunk, ChatMessage, ChatParameters, ChatRequest, ChatResponse, Role, Usage};
pub use client::{ChatStream, Client, ClientConfig, DEFAULT_BASE_URL, Transport};
pub use embeddings::{EmbeddingRequest, Embeddings, TextType};
pub use error::{ApiError, Error, Result};
pub use images::ImageRequest;
pub use limiter::RateLimiter;
pub use parse::parse_compat;
pub use region::{Endpoint, Region};
pub use registry::{ModelInfo, lookup};
pub use retry::{RetryNotice, RetryPolicy};
pub use secret::ApiKey;
pub use speech::{AsrRequest, SpeechEvent, SpeechReader, SpeechWriter, TtsRequest};
pub use tasks::{ListedTask, PollPolicy, TaskList, TaskResult, TaskState, TaskStatus};
pub use tools::{ToolCall, ToolCallAssembler};

/// Parses one native body (a non-stream response or one stream event's `data`) into a chunk, or
/// the DashScope error it carries. Public for fixture tests and tools.
pub fn parse_native_body(data: &str) -> std::result::Result<ChatChunk, Error> {
    match parse::parse_native(data, 200).map_err(Error::Protocol)? {
        parse::NativeParse::Chunk(chunk) => Ok(chunk),
        parse::NativeParse::Error(api) => Err(Error::Api(api)),
    }
}

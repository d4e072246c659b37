//! The facade every shell of Bailian Desk calls. The desktop app's commands and the CLI's
//! subcommands are each one call into [`Desk`]; nothing here knows about Tauri.

mod config;
mod desk;
pub mod doctor;
mod error;
pub mod images;
mod send;
pub mod speech;

pub use config::{
    DEFAULT_MODEL, DeskConfig, ENV_API_KEY, ENV_BASE_URL, ENV_HOME, ENV_MODEL, ENV_REGION,
    ENV_WORKSPACE,
};
pub use desk::{AppMode, AppStatus, ConversationView, Desk};
pub use doctor::{Advice, AdviceText, Language, advise};
pub use error::{DeskError, ErrorCode};
pub use images::{ImageJob, ImageTaskView};
pub use send::{SendOutcome, SendRequest, StreamUpdate};
pub use speech::{Sentence, SpeechSummary, Transcript};

pub use desk_store::{Conversation, Message, MessageError, MessageRole, MessageStatus, Usage};

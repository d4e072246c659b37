//! The facade every shell of Bailian Desk calls. The desktop app's commands and the CLI's
//! subcommands are each one call into [`Desk`]; nothing here knows about Tauri.

pub mod backups;
mod config;
mod desk;
pub mod doctor;
mod error;
pub mod export;
pub mod images;
pub mod keys;
pub mod logging;
mod send;
pub mod speech;
pub mod usage;

pub use config::{
    DEFAULT_MODEL, DeskConfig, ENV_API_KEY, ENV_BASE_URL, ENV_HOME, ENV_MODEL, ENV_REGION,
    ENV_WORKSPACE,
};
pub use config::{ENV_KEY_FILE, ENV_KEY_FILE_PASSWORD, ENV_VAULT, VaultSetting};
pub use desk::{AppMode, AppStatus, ConversationView, Desk};
pub use doctor::{Advice, AdviceText, Language, advise};
pub use error::{DeskError, ErrorCode};
pub use images::{ImageJob, ImageTaskView};
pub use keys::{ApiKeyStatus, KeySource};
pub use send::{SendOutcome, SendRequest, StreamUpdate};
pub use speech::{Sentence, SpeechSummary, Transcript};

pub use desk_store::{
    Conversation, HIGHLIGHT_END, HIGHLIGHT_START, Message, MessageError, MessageRole,
    MessageStatus, SearchHit, Usage,
};
pub use desk_store::{ImportCounts, UsageGroup, UsageKind, UsageRecord, UsageStatus, UsageTotal};
pub use export::{
    EXPORT_FORMAT, EXPORT_VERSION, ExportDocument, ExportedConversation, ImportReport,
};
pub use usage::{AtLimit, BUDGET_WARN_FRACTION, BudgetLevel, BudgetStatus};

//! The facade every shell of Bailian Desk calls. The desktop app's commands and the CLI's
//! subcommands are each one call into [`Desk`]; nothing here knows about Tauri.

pub mod assistants;
pub mod backups;
pub mod coalesce;
mod config;
mod conversations;
mod desk;
mod device;
pub mod doctor;
mod endpoint;
mod error;
pub mod export;
pub mod images;
pub mod keys;
pub mod live;
pub mod logging;
pub mod meetings;
pub mod read_aloud;
pub mod semantic;
mod send;
pub mod settings;
pub mod speech;
pub mod transcriptions;
pub mod usage;
mod views;

pub use assistants::Assistant;
pub use config::ENV_TINGWU_APP_ID;
pub use config::{
    DEFAULT_MODEL, DeskConfig, ENV_API_KEY, ENV_BASE_URL, ENV_HOME, ENV_MODEL, ENV_REGION,
    ENV_WORKSPACE,
};
pub use config::{ENV_KEY_FILE, ENV_KEY_FILE_PASSWORD, ENV_VAULT, VaultSetting};
pub use desk::{AppMode, AppStatus, ConversationView, Desk};
pub use desk_accounts::{PasswordPolicy, Profile, Role, SessionGrant};
pub use desk_store::TranscriptionStatus;
pub use desk_store::{ImageInput, SemanticHit};
pub use desk_store::{Meeting, MeetingAction, MeetingChapter, MeetingRecord, MeetingSentence};
pub use device::{Device, DeviceStatus};
pub use doctor::{Advice, AdviceText, Language, advise};
pub use endpoint::EndpointChoice;
pub use error::{DeskError, ErrorCode};
pub use images::{ImageJob, ImageTaskView};
pub use keys::{ApiKeyStatus, KeySource};
pub use live::{LiveTranscriptEvent, LiveTranscription};
pub use read_aloud::{
    READ_ALOUD_PCM_SAMPLE_RATE, ReadAloudOutcome, ReplyCommand, TextChunks, TextFeed,
};
pub use semantic::{IndexReport, IndexStatus, SemanticConfig};
pub use send::{MAX_ATTACHMENT_BYTES, NewAttachment, SendOutcome, SendRequest, StreamUpdate};
pub use settings::{Settings, Theme, UiLanguage};
pub use speech::{Sentence, SpeechSummary, Transcript};
pub use transcriptions::TranscriptionJob;
pub use views::{BinaryData, ConnectionCheck, ModelView, ThinkingSupport};

pub use backups::RestoreReport;
pub use coalesce::DeltaCoalescer;
pub use desk_store::BackupInfo;
pub use desk_store::{
    Attachment, ChatParams, ConversationPatch, ConversationScope, SearchSource, ToolCall,
};
pub use desk_store::{
    Conversation, HIGHLIGHT_END, HIGHLIGHT_START, Message, MessageError, MessageRole,
    MessageStatus, SearchHit, Usage,
};
pub use desk_store::{FinishReason, ResponseFormat, ToolChoice, ToolDefinition, ToolResult};
pub use desk_store::{ImportCounts, UsageGroup, UsageKind, UsageRecord, UsageStatus, UsageTotal};
pub use export::{
    EXPORT_FORMAT, EXPORT_VERSION, ExportDocument, ExportedConversation, ImportReport,
};
pub use usage::{AtLimit, BUDGET_WARN_FRACTION, BudgetLevel, BudgetStatus};

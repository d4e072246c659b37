//! The one error contract between the core and every shell: a closed set of codes the UI
//! translates, plus the detail a support request needs. Shells never match on message text.

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::doctor::advise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    EmptyPrompt,
    ConversationNotFound,
    MissingApiKey,
    InvalidApiKey,
    Network,
    Timeout,
    RateLimited,
    ServerError,
    StreamInterrupted,
    Cancelled,
    ModelNotFound,
    BadRequest,
    AccessDenied,
    ModelNotActivated,
    WorkspaceNotFound,
    Arrears,
    QuotaExhausted,
    UnsupportedByModel,
    ContentBlocked,
    Storage,
    DemoUnavailable,
    /// No OS credential store is reachable (a headless Linux): the encrypted key file is the way.
    KeyStoreUnavailable,
    /// The encrypted key file did not open: wrong password, altered or not a key file.
    KeyFileLocked,
    Internal,
    /// The monthly budget is spent and set to block: refused before any request was sent.
    BudgetExceeded,
    /// An import file is malformed, truncated, of another format or of a newer version.
    InvalidImport,
    /// A profile call came without a session (or with a forged one): log in.
    SessionRequired,
    /// The session ended: idle past the lock, logged out, or the password changed.
    SessionExpired,
    WrongPassword,
    /// Too many failed logins: the next attempt waits `retry_after_ms`.
    LoginThrottled,
    /// The profile's role does not allow this (only the device admin manages profiles).
    Forbidden,
    ProfileNotFound,
    /// A profile name or password that breaks the rules (length, uniqueness).
    InvalidProfile,
    /// The profile's history database is damaged; it was not opened and a backup can be restored.
    DatabaseCorrupt,
    MessageNotFound,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::EmptyPrompt,
        ErrorCode::ConversationNotFound,
        ErrorCode::MissingApiKey,
        ErrorCode::InvalidApiKey,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::RateLimited,
        ErrorCode::ServerError,
        ErrorCode::StreamInterrupted,
        ErrorCode::Cancelled,
        ErrorCode::ModelNotFound,
        ErrorCode::BadRequest,
        ErrorCode::AccessDenied,
        ErrorCode::ModelNotActivated,
        ErrorCode::WorkspaceNotFound,
        ErrorCode::Arrears,
        ErrorCode::QuotaExhausted,
        ErrorCode::UnsupportedByModel,
        ErrorCode::ContentBlocked,
        ErrorCode::Storage,
        ErrorCode::DemoUnavailable,
        ErrorCode::KeyStoreUnavailable,
        ErrorCode::KeyFileLocked,
        ErrorCode::Internal,
        ErrorCode::BudgetExceeded,
        ErrorCode::InvalidImport,
        ErrorCode::SessionRequired,
        ErrorCode::SessionExpired,
        ErrorCode::WrongPassword,
        ErrorCode::LoginThrottled,
        ErrorCode::Forbidden,
        ErrorCode::ProfileNotFound,
        ErrorCode::InvalidProfile,
        ErrorCode::DatabaseCorrupt,
        ErrorCode::MessageNotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::EmptyPrompt => "empty_prompt",
            ErrorCode::ConversationNotFound => "conversation_not_found",
            ErrorCode::MissingApiKey => "missing_api_key",
            ErrorCode::InvalidApiKey => "invalid_api_key",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServerError => "server_error",
            ErrorCode::StreamInterrupted => "stream_interrupted",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::ModelNotFound => "model_not_found",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ModelNotActivated => "model_not_activated",
            ErrorCode::WorkspaceNotFound => "workspace_not_found",
            ErrorCode::Arrears => "arrears",
            ErrorCode::QuotaExhausted => "quota_exhausted",
            ErrorCode::UnsupportedByModel => "unsupported_by_model",
            ErrorCode::ContentBlocked => "content_blocked",
            ErrorCode::Storage => "storage",
            ErrorCode::DemoUnavailable => "demo_unavailable",
            ErrorCode::KeyStoreUnavailable => "key_store_unavailable",
            ErrorCode::KeyFileLocked => "key_file_locked",
            ErrorCode::Internal => "internal",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::InvalidImport => "invalid_import",
            ErrorCode::SessionRequired => "session_required",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::LoginThrottled => "login_throttled",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::ProfileNotFound => "profile_not_found",
            ErrorCode::InvalidProfile => "invalid_profile",
            ErrorCode::DatabaseCorrupt => "database_corrupt",
            ErrorCode::MessageNotFound => "message_not_found",
        }
    }
}

/// Serialized as `{code, message, dashscopeCode, requestId, retryAfterMs, advice: {en, zh}}`, the
/// advice coming from the error doctor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeskError {
    pub code: ErrorCode,
    /// English detail for logs and the CLI; the UI shows its own translation of `code`.
    pub message: String,
    /// DashScope's own error code, kept verbatim (`InvalidApiKey`, `Throttling.RateQuota`, …).
    pub dashscope_code: Option<String>,
    pub request_id: Option<String>,
    pub retry_after_ms: Option<u64>,
    /// The host the failed request went to, so the advice can name it.
    pub host: Option<String>,
}

impl Serialize for DeskError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("DeskError", 6)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("dashscopeCode", &self.dashscope_code)?;
        s.serialize_field("requestId", &self.request_id)?;
        s.serialize_field("retryAfterMs", &self.retry_after_ms)?;
        s.serialize_field("advice", &advise(self, self.host.as_deref()))?;
        s.end()
    }
}

impl DeskError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            dashscope_code: None,
            request_id: None,
            retry_after_ms: None,
            host: None,
        }
    }

    pub fn at_host(mut self, host: Option<&str>) -> Self {
        self.host = host.map(str::to_owned);
        self
    }

    /// The form stored with a reply that did not complete.
    pub fn to_message_error(&self) -> desk_store::MessageError {
        desk_store::MessageError {
            code: self.code.as_str().to_owned(),
            message: self.message.clone(),
        }
    }
}

impl From<desk_store::StoreError> for DeskError {
    fn from(error: desk_store::StoreError) -> Self {
        match error {
            desk_store::StoreError::NotFound {
                what: "conversation",
                id,
            } => DeskError::new(
                ErrorCode::ConversationNotFound,
                format!("conversation {id} does not exist"),
            ),
            corrupt @ desk_store::StoreError::Corrupt { .. } => {
                DeskError::new(ErrorCode::DatabaseCorrupt, corrupt.to_string())
            }
            desk_store::StoreError::NotFound {
                what: what @ ("message" | "attachment" | "partial reply"),
                id,
            } => DeskError::new(
                ErrorCode::MessageNotFound,
                format!("{what} {id} does not exist"),
            ),
            refused @ desk_store::StoreError::NotInTrash { .. } => {
                DeskError::new(ErrorCode::BadRequest, refused.to_string())
            }
            other => DeskError::new(ErrorCode::Storage, other.to_string()),
        }
    }
}

impl From<desk_accounts::AccountsError> for DeskError {
    fn from(error: desk_accounts::AccountsError) -> Self {
        use desk_accounts::AccountsError as E;
        let code = match &error {
            E::WrongPassword => ErrorCode::WrongPassword,
            E::Throttled { retry_after_ms } => {
                let mut refused = DeskError::new(ErrorCode::LoginThrottled, error.to_string());
                refused.retry_after_ms = Some(*retry_after_ms);
                return refused;
            }
            E::SessionRequired => ErrorCode::SessionRequired,
            E::SessionExpired => ErrorCode::SessionExpired,
            E::AdminOnly(_) | E::Forbidden(_) => ErrorCode::Forbidden,
            E::ProfileNotFound(_) => ErrorCode::ProfileNotFound,
            E::InvalidProfile(_) => ErrorCode::InvalidProfile,
            E::Sqlite(_) => ErrorCode::Storage,
            E::Hash(_) | E::Token(_) => ErrorCode::Internal,
        };
        DeskError::new(code, error.to_string())
    }
}

impl From<bailian::Error> for DeskError {
    fn from(error: bailian::Error) -> Self {
        use bailian::Error as E;
        match error {
            E::Api(api) => {
                let code = classify_api_error(&api);
                DeskError {
                    code,
                    message: format!("{}: {}", api.code, api.message),
                    dashscope_code: Some(api.code),
                    request_id: api.request_id,
                    retry_after_ms: api
                        .retry_after
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    host: None,
                }
            }
            E::Network { .. } => DeskError::new(ErrorCode::Network, error.to_string()),
            E::Timeout { .. } => DeskError::new(ErrorCode::Timeout, error.to_string()),
            E::StreamInterrupted { .. } => {
                DeskError::new(ErrorCode::StreamInterrupted, error.to_string())
            }
            E::Protocol(_) => DeskError::new(ErrorCode::ServerError, error.to_string()),
            E::Config(_) => DeskError::new(ErrorCode::BadRequest, error.to_string()),
            E::InvalidRequest(_) => {
                DeskError::new(ErrorCode::UnsupportedByModel, error.to_string())
            }
        }
    }
}

/// Maps DashScope's codes (reference §7.2) onto ours. Codes first, status as the fallback, since
/// the same status means different things (400 is both a bad parameter and an unpaid bill).
fn classify_api_error(api: &bailian::ApiError) -> ErrorCode {
    let code = api.code.as_str();
    match code {
        "InvalidApiKey" | "invalid_api_key" => ErrorCode::InvalidApiKey,
        "Arrearage" | "PrepaidBillOverdue" | "PostpaidBillOverdue" => ErrorCode::Arrears,
        "Model.AccessDenied" | "AccessDenied.Unpurchased" | "CommodityNotPurchased" => {
            ErrorCode::ModelNotActivated
        }
        "AllocationQuota.FreeTierOnly" => ErrorCode::QuotaExhausted,
        "WorkSpaceNotFound" => ErrorCode::WorkspaceNotFound,
        "DataInspectionFailed"
        | "data_inspection_failed"
        | "FaqRuleBlocked"
        | "CustomRoleBlocked" => ErrorCode::ContentBlocked,
        "ModelNotFound" | "model_not_found" | "Model.NotExist" => ErrorCode::ModelNotFound,
        "InvalidParameter" if api.message.contains("Model not exist") => ErrorCode::ModelNotFound,
        "RequestTimeOut" | "GatewayTimeout" | "InternalError.Timeout" => ErrorCode::Timeout,
        _ if code.starts_with("Throttling")
            || code == "LimitRequests"
            || code == "insufficient_quota" =>
        {
            if api.is_retryable() {
                ErrorCode::RateLimited
            } else {
                ErrorCode::QuotaExhausted
            }
        }
        _ => match api.status {
            401 => ErrorCode::InvalidApiKey,
            403 => ErrorCode::AccessDenied,
            404 => ErrorCode::ModelNotFound,
            429 => ErrorCode::RateLimited,
            408 => ErrorCode::Timeout,
            500..=599 => ErrorCode::ServerError,
            _ => ErrorCode::BadRequest,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_for_the_ui_with_the_doctor_advice() {
        let json =
            serde_json::to_value(DeskError::new(ErrorCode::MissingApiKey, "no key")).expect("json");
        assert_eq!(json["code"], "missing_api_key");
        assert_eq!(json["message"], "no key");
        assert!(
            json["dashscopeCode"].is_null()
                && json["requestId"].is_null()
                && json["retryAfterMs"].is_null()
        );
        assert!(
            json["advice"]["en"]["title"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        assert!(
            json["advice"]["zh"]["action"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
}

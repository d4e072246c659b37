//! The one error contract between the core and every shell: a closed set of codes the UI
//! translates, plus the detail a support request needs. Shells never match on message text.

use serde::Serialize;

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
    AccountIssue,
    ContentBlocked,
    Storage,
    DemoUnavailable,
    Internal,
}

impl ErrorCode {
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
            ErrorCode::AccountIssue => "account_issue",
            ErrorCode::ContentBlocked => "content_blocked",
            ErrorCode::Storage => "storage",
            ErrorCode::DemoUnavailable => "demo_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct DeskError {
    pub code: ErrorCode,
    /// English detail for logs and the CLI; the UI shows its own translation of `code`.
    pub message: String,
    /// DashScope's own error code, kept verbatim (`InvalidApiKey`, `Throttling.RateQuota`, …).
    pub dashscope_code: Option<String>,
    pub request_id: Option<String>,
    pub retry_after_ms: Option<u64>,
}

impl DeskError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            dashscope_code: None,
            request_id: None,
            retry_after_ms: None,
        }
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
            other => DeskError::new(ErrorCode::Storage, other.to_string()),
        }
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
                }
            }
            E::Network { .. } => DeskError::new(ErrorCode::Network, error.to_string()),
            E::Timeout { .. } => DeskError::new(ErrorCode::Timeout, error.to_string()),
            E::StreamInterrupted { .. } => {
                DeskError::new(ErrorCode::StreamInterrupted, error.to_string())
            }
            E::Protocol(_) => DeskError::new(ErrorCode::ServerError, error.to_string()),
            E::Config(_) => DeskError::new(ErrorCode::BadRequest, error.to_string()),
        }
    }
}

/// Maps DashScope's codes (reference §7.2) onto ours. Codes first, status as the fallback, since
/// the same status means different things (400 is both a bad parameter and an unpaid bill).
fn classify_api_error(api: &bailian::ApiError) -> ErrorCode {
    let code = api.code.as_str();
    match code {
        "InvalidApiKey" | "invalid_api_key" => ErrorCode::InvalidApiKey,
        "Arrearage"
        | "PrepaidBillOverdue"
        | "PostpaidBillOverdue"
        | "CommodityNotPurchased"
        | "AllocationQuota.FreeTierOnly" => ErrorCode::AccountIssue,
        "DataInspectionFailed" | "data_inspection_failed" => ErrorCode::ContentBlocked,
        "ModelNotFound" | "model_not_found" | "Model.NotExist" => ErrorCode::ModelNotFound,
        "InvalidParameter" if api.message.contains("Model not exist") => ErrorCode::ModelNotFound,
        _ if code.starts_with("Throttling")
            || code == "LimitRequests"
            || code == "insufficient_quota" =>
        {
            if api.is_retryable() {
                ErrorCode::RateLimited
            } else {
                ErrorCode::AccountIssue
            }
        }
        _ => match api.status {
            401 => ErrorCode::InvalidApiKey,
            403 => ErrorCode::AccessDenied,
            404 => ErrorCode::ModelNotFound,
            429 => ErrorCode::RateLimited,
            408 | 500..=599 => ErrorCode::ServerError,
            _ => ErrorCode::BadRequest,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, code: &str, message: &str) -> ErrorCode {
        DeskError::from(bailian::Error::Api(bailian::ApiError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: Some("r".into()),
            retry_after: None,
        }))
        .code
    }

    #[test]
    fn dashscope_codes_map_to_stable_codes() {
        assert_eq!(
            classify(401, "InvalidApiKey", "Invalid API-key provided."),
            ErrorCode::InvalidApiKey
        );
        assert_eq!(
            classify(400, "Arrearage", "Access denied"),
            ErrorCode::AccountIssue
        );
        assert_eq!(
            classify(400, "DataInspectionFailed", "x"),
            ErrorCode::ContentBlocked
        );
        assert_eq!(
            classify(400, "InvalidParameter", "Model not exist."),
            ErrorCode::ModelNotFound
        );
        assert_eq!(
            classify(404, "model_not_found", "x"),
            ErrorCode::ModelNotFound
        );
        assert_eq!(
            classify(429, "Throttling.RateQuota", "x"),
            ErrorCode::RateLimited
        );
        assert_eq!(
            classify(
                429,
                "Throttling.AllocationQuota",
                "Free allocated quota exceeded."
            ),
            ErrorCode::AccountIssue
        );
        assert_eq!(
            classify(403, "Model.AccessDenied", "x"),
            ErrorCode::AccessDenied
        );
        assert_eq!(
            classify(503, "ModelUnavailable", "x"),
            ErrorCode::ServerError
        );
        assert_eq!(
            classify(400, "InvalidParameter", "Role must be user"),
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn serializes_for_the_ui() {
        let json = serde_json::to_string(&DeskError::new(ErrorCode::MissingApiKey, "no key"))
            .expect("json");
        assert_eq!(
            json,
            r#"{"code":"missing_api_key","message":"no key","dashscopeCode":null,"requestId":null,"retryAfterMs":null}"#
        );
    }
}

use std::time::Duration;

/// An error DashScope reported itself, in any of its shapes (native JSON, compat `{"error":…}`,
/// or an `event:error` inside an HTTP 200 stream). Its `code`, `message` and `request_id` are kept
/// verbatim so support tickets and the error doctor can use them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// From `Retry-After` / `Retry-After-Ms`, when the gateway sent one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// DashScope's own retry rules (reference §7.4): throttling and server faults are transient,
    /// but a free-tier quota or an unpaid bill will not heal by waiting.
    pub fn is_retryable(&self) -> bool {
        match self.status {
            408 | 500 | 502 | 503 | 504 => true,
            429 => !self.is_quota_exhausted(),
            _ => false,
        }
    }

    fn is_quota_exhausted(&self) -> bool {
        let billing = matches!(
            self.code.as_str(),
            "PrepaidBillOverdue" | "PostpaidBillOverdue" | "CommodityNotPurchased" | "Arrearage"
        );
        let free_quota = self.code.starts_with("Throttling.AllocationQuota")
            && self.message.to_ascii_lowercase().contains("free");
        billing || free_quota
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)?;
        if let Some(request_id) = &self.request_id {
            write!(f, " [request {request_id}]")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("DashScope error {0}")]
    Api(ApiError),

    /// No connection, DNS failure, reset before any response: nothing reached the caller yet.
    #[error("cannot reach {url}: {reason}")]
    Network { url: String, reason: String },

    #[error("no response from {url} within {seconds} s")]
    Timeout { url: String, seconds: u64 },

    /// The stream delivered events and then broke; what arrived is the caller's to keep.
    #[error("the reply stream broke after {events_received} events: {reason}")]
    StreamInterrupted {
        events_received: u64,
        reason: String,
    },

    /// The gateway answered with something that is not the protocol.
    #[error("unexpected response from DashScope: {0}")]
    Protocol(String),

    #[error("invalid client configuration: {0}")]
    Config(String),

    /// Refused before sending, because the model cannot serve it (see [`crate::prepare`]).
    #[error("{0}")]
    InvalidRequest(String),
}

impl Error {
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Network { .. } | Error::Timeout { .. } => true,
            Error::StreamInterrupted { .. }
            | Error::Protocol(_)
            | Error::Config(_)
            | Error::InvalidRequest(_) => false,
        }
    }

    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    pub(crate) fn from_transport(url: &str, err: &reqwest::Error, timeout: Duration) -> Self {
        if err.is_timeout() {
            Error::Timeout {
                url: url.to_owned(),
                seconds: timeout.as_secs(),
            }
        } else {
            Error::Network {
                url: url.to_owned(),
                reason: describe_transport_error(err),
            }
        }
    }
}

/// reqwest's top-level message ("error sending request") hides the cause a user can act on.
pub(crate) fn describe_transport_error(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
            retry_after: None,
        }
    }

    #[test]
    fn retry_rules_follow_the_reference() {
        assert!(api(429, "Throttling.RateQuota", "Requests rate limit exceeded").is_retryable());
        assert!(
            api(
                429,
                "Throttling.AllocationQuota",
                "Allocated quota exceeded"
            )
            .is_retryable()
        );
        assert!(
            !api(
                429,
                "Throttling.AllocationQuota",
                "Free allocated quota exceeded."
            )
            .is_retryable()
        );
        assert!(!api(429, "PrepaidBillOverdue", "bill").is_retryable());
        assert!(api(500, "InternalError", "x").is_retryable());
        assert!(api(503, "ModelUnavailable", "x").is_retryable());
        assert!(api(408, "RequestTimeOut", "x").is_retryable());
        assert!(!api(400, "InvalidParameter", "x").is_retryable());
        assert!(!api(401, "InvalidApiKey", "x").is_retryable());
        assert!(!api(403, "AccessDenied", "x").is_retryable());
        assert!(!api(404, "ModelNotFound", "x").is_retryable());
    }
}

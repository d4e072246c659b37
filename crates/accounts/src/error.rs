#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("accounts database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the password is wrong")]
    WrongPassword,
    #[error("too many failed attempts; try again in {} s", retry_after_ms.div_ceil(1000))]
    Throttled { retry_after_ms: u64 },
    #[error("no session: log in first")]
    SessionRequired,
    #[error("the session has expired or was ended; log in again")]
    SessionExpired,
    #[error("only the device admin can {0}")]
    AdminOnly(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("profile {0} does not exist")]
    ProfileNotFound(String),
    #[error("{0}")]
    InvalidProfile(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("session token error: {0}")]
    Token(String),
}

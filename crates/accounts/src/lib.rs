//! Local accounts: several people sharing one computer, each with a profile.
//!
//! - A profile's password is hashed with argon2id; the PHC string stores the parameters with the
//!   hash, so the cost can be raised later and old hashes are upgraded at the next login.
//! - A login issues a short-lived session token (a JWT signed with a per-install key the caller
//!   keeps in the OS keychain). The session is also a row here, so logout revokes it at once and a
//!   token that is forged, expired or logged out is refused.
//! - The first profile is the device admin: it creates and removes the others and sets the
//!   device's settings. Members reach only their own data (the core opens one store per profile).
//! - Failed logins are counted per profile and each one past the third doubles the wait before the
//!   next attempt, up to five minutes; the count survives restarts.
//!
//! Until some profile has a password the device is *unprotected*: it has one passwordless admin
//! profile (the one first use created), and logging into it needs no password. That keeps the CLI
//! and first use working without a login, exactly as before accounts existed.

mod accounts;
mod error;
mod password;
mod session;
mod throttle;

pub use accounts::{Accounts, DEFAULT_IDLE_LOCK_MINUTES, Profile, Role, SessionGrant, Verified};
pub use error::AccountsError;
pub use password::PasswordPolicy;
pub use session::{SIGNING_KEY_BYTES, SigningKey};
pub use throttle::delay_after_failures;

//! The accounts database: profiles, their sessions and the device's settings, in a SQLite file of
//! its own beside the profiles' data (so a profile's store never holds another's password hash).

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::AccountsError;
use crate::password::{self, PasswordPolicy};
use crate::session::{self, Claims, SigningKey};
use crate::throttle::delay_after_failures;

pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 15;
const MAX_IDLE_LOCK_MINUTES: u32 = 24 * 60;
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_NAME_CHARS: usize = 40;
const SETTING_IDLE_LOCK: &str = "idle_lock_minutes";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS profiles (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    -- PHC string with its argon2id parameters; NULL only for the first-use profile of an
    -- unprotected device.
    password_hash  TEXT,
    -- The profile's data folder relative to the device's; '' for the first profile, which keeps
    -- the data of the time before accounts.
    data_dir       TEXT NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    last_failed_at INTEGER,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS device_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The first profile: manages the other profiles and the device's settings.
    Admin,
    /// Sees only its own conversations, keys and usage.
    Member,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub has_password: bool,
    pub created_at: i64,
    /// Relative to the device's data folder; `""` for the first profile.
    #[serde(skip)]
    pub data_dir: String,
}

/// A session handed to whoever logged in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionGrant {
    pub token: String,
    pub profile: Profile,
    /// Unix ms.
    pub expires_at: i64,
}

/// Who is calling, proven by a valid session.
#[derive(Debug, Clone)]
pub struct Verified {
    pub profile: Profile,
    pub session_id: String,
    pub expires_at: i64,
}

impl Verified {
    pub fn is_admin(&self) -> bool {
        self.profile.role == Role::Admin
    }

    fn require_admin(&self, action: &'static str) -> Result<(), AccountsError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AccountsError::AdminOnly(action))
        }
    }
}

type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub struct Accounts {
    conn: Connection,
    key: SigningKey,
    policy: PasswordPolicy,
    clock: Clock,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

const PROFILE_COLUMNS: &str = "id, name, role, password_hash IS NOT NULL, created_at, data_dir";

fn profile_from(row: &Row<'_>) -> rusqlite::Result<Profile> {
    let role: String = row.get(2)?;
    Ok(Profile {
        id: row.get(0)?,
        name: row.get(1)?,
        role: if role == "admin" {
            Role::Admin
        } else {
            Role::Member
        },
        has_password: row.get(3)?,
        created_at: row.get(4)?,
        data_dir: row.get(5)?,
    })
}

fn valid_name(name: &str) -> Result<String, AccountsError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AccountsError::InvalidProfile(format!(
            "a profile name has 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

fn valid_password(password: &str) -> Result<(), AccountsError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountsError::InvalidProfile(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

impl Accounts {
    /// Opens (or creates) the accounts file. A new device gets its first-use profile: an admin
    /// without a password whose data is the device folder itself.
    pub fn open(
        path: &Path,
        key: SigningKey,
        policy: PasswordPolicy,
    ) -> Result<Self, AccountsError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
        conn.execute_batch(SCHEMA)?;
        let accounts = Self {
            conn,
            key,
            policy,
            clock: Arc::new(system_ms),
        };
        let count: i64 = accounts
            .conn
            .query_row("SELECT count(*) FROM profiles", [], |r| r.get(0))?;
        if count == 0 {
            accounts.conn.execute(
                "INSERT INTO profiles (id, name, role, password_hash, data_dir, created_at)
                 VALUES (?1, 'Local', 'admin', NULL, '', ?2)",
                params![uuid::Uuid::now_v7().to_string(), accounts.now()],
            )?;
            tracing::info!("first-use profile created");
        }
        Ok(accounts)
    }

    /// Replaces the clock (Unix ms): for tests of expiry and brute-force delays.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, AccountsError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map([], profile_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn profile(&self, id: &str) -> Result<Profile, AccountsError> {
        self.conn
            .query_row(
                &format!("SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?1"),
                [id],
                profile_from,
            )
            .optional()?
            .ok_or_else(|| AccountsError::ProfileNotFound(id.to_owned()))
    }

    /// Whether any profile has a password: from then on every call needs a session.
    pub fn is_protected(&self) -> Result<bool, AccountsError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM profiles WHERE password_hash IS NOT NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn idle_lock_minutes(&self) -> Result<u32, AccountsError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM device_settings WHERE key = ?1",
                [SETTING_IDLE_LOCK],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES))
    }

    /// Admin only: how long a session lasts without activity.
    pub fn set_idle_lock_minutes(&self, by: &Verified, minutes: u32) -> Result<(), AccountsError> {
        by.require_admin("change the idle lock")?;
        if !(1..=MAX_IDLE_LOCK_MINUTES).contains(&minutes) {
            return Err(AccountsError::InvalidProfile(format!(
                "the idle lock is 1 to {MAX_IDLE_LOCK_MINUTES} minutes"
            )));
        }
        self.conn.execute(
            "INSERT INTO device_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![SETTING_IDLE_LOCK, minutes.to_string()],
        )?;
        Ok(())
    }

    /// Logs in. `password` may be `None` only for a profile that has none (an unprotected device).
    pub fn login(
        &self,
        profile_id: &str,
        password: Option<&str>,
    ) -> Result<SessionGrant, AccountsError> {
        let profile = self.profile(profile_id)?;
        let (hash, failures, last_failed_at): (Option<String>, u32, Option<i64>) =
            self.conn.query_row(
                "SELECT password_hash, failed_logins, last_failed_at FROM profiles WHERE id = ?1",
                [profile_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
        let Some(hash) = hash else {
            return self.grant(profile);
        };
        let now = self.now();
        let wait = i64::try_from(delay_after_failures(failures).as_millis()).unwrap_or(i64::MAX);
        if let Some(last) = last_failed_at {
            let allowed_at = last.saturating_add(wait);
            if now < allowed_at {
                return Err(AccountsError::Throttled {
                    retry_after_ms: u64::try_from(allowed_at - now).unwrap_or(0),
                });
            }
        }
        let matches = match password {
            Some(password) => password::verify(password, &hash)?,
            None => false,
        };
        if !matches {
            self.conn.execute(
                "UPDATE profiles SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1",
                params![profile_id, now],
            )?;
            tracing::warn!(profile = %profile_id, failures = failures + 1, "failed login");
            return Err(AccountsError::WrongPassword);
        }
        self.conn.execute(
            "UPDATE profiles SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1",
            [profile_id],
        )?;
        if let Some(password) = password
            && self.policy.is_weaker(&hash)
        {
            let upgraded = self.policy.hash(password)?;
            self.conn.execute(
                "UPDATE profiles SET password_hash = ?2 WHERE id = ?1",
                params![profile_id, upgraded],
            )?;
            tracing::info!(profile = %profile_id, "password hash upgraded to the current cost");
        }
        self.grant(profile)
    }

    fn idle_ms(&self) -> Result<i64, AccountsError> {
        Ok(i64::from(self.idle_lock_minutes()?) * 60_000)
    }

    fn grant(&self, profile: Profile) -> Result<SessionGrant, AccountsError> {
        let session_id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let expires_at = now + self.idle_ms()?;
        self.conn.execute(
            "INSERT INTO sessions (id, profile_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![session_id, profile.id, now, expires_at],
        )?;
        // Ended sessions are kept only until they would have expired anyway.
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        self.token_for(profile, session_id, now, expires_at)
    }

    fn token_for(
        &self,
        profile: Profile,
        session_id: String,
        now: i64,
        expires_at: i64,
    ) -> Result<SessionGrant, AccountsError> {
        let secs = |ms: i64| u64::try_from(ms / 1000).unwrap_or(0);
        let token = session::issue(
            &self.key,
            &Claims {
                sub: profile.id.clone(),
                sid: session_id,
                iat: secs(now),
                exp: secs(expires_at).saturating_add(1),
            },
        )?;
        Ok(SessionGrant {
            token,
            profile,
            expires_at,
        })
    }

    /// Who holds `token`: refused when it is forged, logged out, or idle past the lock.
    pub fn verify(&self, token: &str) -> Result<Verified, AccountsError> {
        if token.is_empty() {
            return Err(AccountsError::SessionRequired);
        }
        let claims = session::verify(&self.key, token)?;
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT profile_id, expires_at FROM sessions WHERE id = ?1",
                [&claims.sid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((profile_id, expires_at)) = row else {
            return Err(AccountsError::SessionExpired);
        };
        if profile_id != claims.sub || self.now() >= expires_at {
            return Err(AccountsError::SessionExpired);
        }
        let profile = self.profile(&profile_id).map_err(|e| match e {
            AccountsError::ProfileNotFound(_) => AccountsError::SessionExpired,
            other => other,
        })?;
        Ok(Verified {
            profile,
            session_id: claims.sid,
            expires_at,
        })
    }

    /// Extends a live session by the idle time; the old token stops working.
    pub fn refresh(&self, token: &str) -> Result<SessionGrant, AccountsError> {
        let verified = self.verify(token)?;
        let now = self.now();
        let expires_at = now + self.idle_ms()?;
        let new_id = uuid::Uuid::now_v7().to_string();
        self.conn.execute(
            "UPDATE sessions SET id = ?2, expires_at = ?3 WHERE id = ?1",
            params![verified.session_id, new_id, expires_at],
        )?;
        self.token_for(verified.profile, new_id, now, expires_at)
    }

    /// Ends the session of `token`. Ending one that already ended is not an error.
    pub fn logout(&self, token: &str) -> Result<(), AccountsError> {
        let claims = match session::verify(&self.key, token) {
            Ok(claims) => claims,
            Err(_) => return Ok(()),
        };
        self.conn
            .execute("DELETE FROM sessions WHERE id = ?1", [&claims.sid])?;
        Ok(())
    }

    /// Creates a profile. On an unprotected device whose only profile is the passwordless
    /// first-use one, that profile is claimed instead (it gets the name and password and keeps its
    /// data and admin role): that is onboarding. Otherwise only the admin may create profiles,
    /// and every new one is a member with a password and a data folder of its own.
    pub fn create_profile(
        &self,
        by: Option<&Verified>,
        name: &str,
        password: &str,
    ) -> Result<Profile, AccountsError> {
        let name = valid_name(name)?;
        valid_password(password)?;
        let profiles = self.profiles()?;
        if let [only] = profiles.as_slice()
            && !only.has_password
        {
            let hash = self.policy.hash(password)?;
            self.conn.execute(
                "UPDATE profiles SET name = ?2, password_hash = ?3 WHERE id = ?1",
                params![only.id, name, hash],
            )?;
            // Sessions opened while the device was unprotected end with it.
            self.conn
                .execute("DELETE FROM sessions WHERE profile_id = ?1", [&only.id])?;
            tracing::info!(profile = %only.id, "first profile protected with a password");
            return self.profile(&only.id);
        }
        let by = by.ok_or(AccountsError::AdminOnly("create profiles"))?;
        by.require_admin("create profiles")?;
        if profiles.iter().any(|p| p.name.eq_ignore_ascii_case(&name)) {
            return Err(AccountsError::InvalidProfile(format!(
                "a profile named {name:?} exists"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let hash = self.policy.hash(password)?;
        self.conn.execute(
            "INSERT INTO profiles (id, name, role, password_hash, data_dir, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                name,
                Role::Member.as_str(),
                hash,
                format!("profiles/{id}"),
                self.now()
            ],
        )?;
        tracing::info!(profile = %id, by = %by.profile.id, "profile created");
        self.profile(&id)
    }

    /// Changes the caller's own password; the old one is checked (and failures count towards the
    /// brute-force delay). A profile without a password sets its first one with `old = None`.
    pub fn change_password(
        &self,
        by: &Verified,
        old: Option<&str>,
        new: &str,
    ) -> Result<(), AccountsError> {
        valid_password(new)?;
        if by.profile.has_password {
            // The same path as a login, so guessing through here is throttled too.
            self.login(&by.profile.id, old).map(|_| ())?;
        }
        let hash = self.policy.hash(new)?;
        self.conn.execute(
            "UPDATE profiles SET password_hash = ?2 WHERE id = ?1",
            params![by.profile.id, hash],
        )?;
        // Every other session of the profile ends: a changed password locks out whoever had it.
        self.conn.execute(
            "DELETE FROM sessions WHERE profile_id = ?1 AND id <> ?2",
            params![by.profile.id, by.session_id],
        )?;
        tracing::info!(profile = %by.profile.id, "password changed");
        Ok(())
    }

    /// Admin only: removes a profile and its sessions. The caller deletes its data and keys.
    pub fn remove_profile(&self, by: &Verified, id: &str) -> Result<Profile, AccountsError> {
        by.require_admin("remove profiles")?;
        if by.profile.id == id {
            return Err(AccountsError::Forbidden(
                "the admin cannot remove their own profile",
            ));
        }
        let profile = self.profile(id)?;
        self.conn
            .execute("DELETE FROM profiles WHERE id = ?1", [id])?;
        tracing::info!(profile = %id, by = %by.profile.id, "profile removed");
        Ok(profile)
    }
}

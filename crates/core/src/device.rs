//! The device: the profiles sharing this computer, their sessions, and one [`Desk`] per profile.
//!
//! Every call a shell makes on behalf of a person goes through [`Device::desk`] with the session
//! token the login returned, so a member can only ever reach the `Desk` (store, keys, usage) of
//! their own profile: another profile's conversation ids simply do not exist in it. Profiles keep
//! their data in folders of their own (`profiles/<id>/`), except the first one, which keeps the
//! device folder it had before profiles existed so nothing is migrated or lost.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use desk_accounts::{Accounts, PasswordPolicy, Profile, SessionGrant, SigningKey, Verified};
use desk_store::BackupInfo;
use desk_vault::{Secret, Slot};
use serde::Serialize;

use crate::backups::RestoreReport;
use crate::config::{DeskConfig, VaultSetting};
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

const ACCOUNTS_FILE: &str = "accounts.sqlite3";
/// Where the per-install key that signs session tokens is kept in the OS credential store.
const SIGNING_KEY_SLOT: &str = "desk-session-signing-key";
/// A profile's own key file, when keys are kept in a file.
const KEY_FILE: &str = "keys.json";
/// Where the CLI keeps the session of `bailian-desk profile login` between commands.
const CLI_SESSION_SLOT: &str = "desk-cli-session";

/// What the app may know before anyone logs in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatus {
    pub profiles: Vec<Profile>,
    /// Once any profile has a password, every call needs a session.
    pub protected: bool,
    pub idle_lock_minutes: u32,
    pub data_dir: String,
}

pub struct Device {
    config: DeskConfig,
    /// The OS credential store, when there is one: it holds the signing key and the CLI's session.
    keychain: Option<Arc<dyn desk_vault::CredentialStore>>,
    accounts: Mutex<Accounts>,
    desks: Mutex<HashMap<String, Arc<Desk>>>,
    /// Whether the signing key lives in the OS credential store, so sessions outlive the process
    /// (the CLI keeps one between commands); otherwise each process signs with a key of its own.
    sessions_persist: bool,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("home", &self.config.home)
            .field("sessions_persist", &self.sessions_persist)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The OS store that can hold the device's signing key, when the configuration names one.
fn os_store(setting: &VaultSetting) -> Option<Arc<dyn desk_vault::CredentialStore>> {
    let choice = match setting {
        VaultSetting::Os => desk_vault::StoreChoice::Os,
        VaultSetting::Keyutils => desk_vault::StoreChoice::Keyutils,
        _ => return None,
    };
    desk_vault::open(choice).ok()
}

/// The signing key from the keychain, created there on first use; a fresh key for this process
/// alone when there is no keychain.
fn signing_key(store: Option<&Arc<dyn desk_vault::CredentialStore>>) -> (SigningKey, bool) {
    let Some(store) = store else {
        return (SigningKey::generate(), false);
    };
    let Ok(slot) = Slot::parse(SIGNING_KEY_SLOT) else {
        return (SigningKey::generate(), false);
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Ok(Some(stored)) = store.get(&slot)
        && let Some(key) = b64
            .decode(stored.expose())
            .ok()
            .and_then(SigningKey::from_bytes)
    {
        return (key, true);
    }
    let key = SigningKey::generate();
    let persisted = Secret::new(&b64.encode(key.as_bytes()))
        .and_then(|secret| store.set(&slot, &secret))
        .is_ok();
    if !persisted {
        tracing::warn!("cannot keep the session signing key; sessions end with this process");
    }
    (key, persisted)
}

impl Device {
    pub fn open(config: DeskConfig) -> Result<Self, DeskError> {
        Self::open_with_policy(config, PasswordPolicy::default())
    }

    /// With a password policy of its own: tests use a cheap one.
    pub fn open_with_policy(config: DeskConfig, policy: PasswordPolicy) -> Result<Self, DeskError> {
        std::fs::create_dir_all(&config.home).map_err(|e| {
            DeskError::new(
                ErrorCode::Storage,
                format!(
                    "cannot create the data folder {}: {e}",
                    config.home.display()
                ),
            )
        })?;
        let keychain = os_store(&config.vault);
        let (key, sessions_persist) = signing_key(keychain.as_ref());
        let accounts = Accounts::open(&config.home.join(ACCOUNTS_FILE), key, policy)?;
        Ok(Self {
            config,
            keychain,
            accounts: Mutex::new(accounts),
            desks: Mutex::new(HashMap::new()),
            sessions_persist,
        })
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// Where this device's logs are (one folder for every profile: the logs never hold content).
    pub fn logs_folder(&self) -> PathBuf {
        crate::logging::log_dir(&self.config.home)
    }

    pub fn sessions_persist(&self) -> bool {
        self.sessions_persist
    }

    /// Keeps a session token in the OS credential store for later commands of the CLI. Without a
    /// keychain (or a signing key kept there) nothing is kept and each command asks again.
    pub fn keep_session(&self, token: &str) -> bool {
        let (Some(store), true) = (&self.keychain, self.sessions_persist) else {
            return false;
        };
        Slot::parse(CLI_SESSION_SLOT)
            .and_then(|slot| Ok((slot, Secret::new(token)?)))
            .and_then(|(slot, secret)| store.set(&slot, &secret))
            .is_ok()
    }

    /// The session a previous `profile login` kept, if any.
    pub fn kept_session(&self) -> Option<String> {
        let store = self.keychain.as_ref()?;
        let slot = Slot::parse(CLI_SESSION_SLOT).ok()?;
        store
            .get(&slot)
            .ok()
            .flatten()
            .map(|secret| secret.expose().to_owned())
    }

    pub fn forget_kept_session(&self) {
        if let (Some(store), Ok(slot)) = (&self.keychain, Slot::parse(CLI_SESSION_SLOT))
            && let Err(error) = store.remove(&slot)
        {
            tracing::warn!(%error, "cannot forget the kept session");
        }
    }

    fn accounts(&self) -> MutexGuard<'_, Accounts> {
        lock(&self.accounts)
    }

    pub fn status(&self) -> Result<DeviceStatus, DeskError> {
        let accounts = self.accounts();
        Ok(DeviceStatus {
            profiles: accounts.profiles()?,
            protected: accounts.is_protected()?,
            idle_lock_minutes: accounts.idle_lock_minutes()?,
            data_dir: self.config.home.display().to_string(),
        })
    }

    /// The folder of a profile's data.
    pub fn profile_home(&self, profile: &Profile) -> PathBuf {
        if profile.data_dir.is_empty() {
            self.config.home.clone()
        } else {
            self.config.home.join(&profile.data_dir)
        }
    }

    /// The configuration of a profile's `Desk`: its folder, its keys. A key file is the profile's
    /// own, encrypted with the profile's password (an explicitly configured file password wins,
    /// so key files made before profiles keep opening).
    fn profile_config(&self, profile: &Profile, password: Option<&str>) -> DeskConfig {
        let mut config = self.config.clone();
        config.home = self.profile_home(profile);
        let first = profile.data_dir.is_empty();
        config.key_profile = (!first).then(|| profile.id.clone());
        if let VaultSetting::File {
            path,
            password: configured,
        } = &self.config.vault
        {
            let path = if first {
                path.clone()
            } else {
                config.home.join(KEY_FILE)
            };
            let password = configured
                .clone()
                .or_else(|| password.and_then(|p| Secret::new(p).ok()));
            config.vault = VaultSetting::File { path, password };
        }
        config
    }

    fn open_desk(&self, profile: &Profile, password: Option<&str>) -> Result<Arc<Desk>, DeskError> {
        let mut desks = lock(&self.desks);
        if let Some(desk) = desks.get(&profile.id) {
            return Ok(Arc::clone(desk));
        }
        let desk = Arc::new(Desk::open(self.profile_config(profile, password))?);
        desks.insert(profile.id.clone(), Arc::clone(&desk));
        Ok(desk)
    }

    /// Logs in; `password` is `None` only for the passwordless profile of an unprotected device.
    /// The profile's `Desk` is not opened here: a damaged database must not keep its owner from
    /// logging in to restore a backup.
    pub fn login(
        &self,
        profile_id: &str,
        password: Option<&str>,
    ) -> Result<SessionGrant, DeskError> {
        let grant = self.accounts().login(profile_id, password)?;
        if matches!(self.config.vault, VaultSetting::File { .. })
            && !lock(&self.desks).contains_key(profile_id)
        {
            // The key file opens with the password, which exists only now.
            if let Err(error) = self.open_desk(&grant.profile, password) {
                tracing::warn!(code = error.code.as_str(), %error, "profile opened without its desk");
            }
        }
        tracing::info!(profile = %grant.profile.id, "logged in");
        Ok(grant)
    }

    pub fn verify(&self, token: &str) -> Result<Verified, DeskError> {
        Ok(self.accounts().verify(token)?)
    }

    /// The `Desk` of the profile whose session `token` is.
    pub fn desk(&self, token: &str) -> Result<Arc<Desk>, DeskError> {
        let verified = self.verify(token)?;
        self.open_desk(&verified.profile, None)
    }

    /// The first profile's `Desk` while the device is unprotected (no profile has a password):
    /// scripts and first use need no login. `None` once the device is protected.
    pub fn unprotected_desk(&self) -> Result<Option<Arc<Desk>>, DeskError> {
        let first = {
            let accounts = self.accounts();
            if accounts.is_protected()? {
                return Ok(None);
            }
            accounts.profiles()?.into_iter().next()
        };
        match first {
            Some(profile) => self.open_desk(&profile, None).map(Some),
            None => Ok(None),
        }
    }

    pub fn refresh(&self, token: &str) -> Result<SessionGrant, DeskError> {
        Ok(self.accounts().refresh(token)?)
    }

    pub fn logout(&self, token: &str) -> Result<(), DeskError> {
        self.accounts().logout(token)?;
        tracing::info!("logged out");
        Ok(())
    }

    /// Onboarding (the first profile claims the device) or, with the admin's session, a new
    /// member profile.
    pub fn create_profile(
        &self,
        token: Option<&str>,
        name: &str,
        password: &str,
    ) -> Result<Profile, DeskError> {
        let accounts = self.accounts();
        let by = match token.filter(|t| !t.is_empty()) {
            Some(token) => Some(accounts.verify(token)?),
            None => None,
        };
        Ok(accounts.create_profile(by.as_ref(), name, password)?)
    }

    /// Changes the caller's password, and re-encrypts their key file (if keys are in one) with it.
    pub fn change_password(
        &self,
        token: &str,
        old: Option<&str>,
        new: &str,
    ) -> Result<(), DeskError> {
        let accounts = self.accounts();
        let by = accounts.verify(token)?;
        accounts.change_password(&by, old, new)?;
        drop(accounts);
        if let VaultSetting::File { password: None, .. } = &self.config.vault {
            let config = self.profile_config(&by.profile, old);
            if let VaultSetting::File {
                path,
                password: Some(old_secret),
            } = &config.vault
                && path.exists()
            {
                let store = desk_vault::FileStore::open(path, old_secret.clone())
                    .map_err(crate::keys::desk_error)?;
                let new_secret = Secret::new(new).map_err(crate::keys::desk_error)?;
                store
                    .change_password(new_secret)
                    .map_err(crate::keys::desk_error)?;
                // The open desk holds the old password: reopen it with the new one.
                lock(&self.desks).remove(&by.profile.id);
                self.open_desk(&by.profile, Some(new))?;
            }
        }
        Ok(())
    }

    /// Admin only: removes a profile with its data folder and its keys. What the admin can do
    /// about a forgotten password is exactly this; nobody can read the profile's keys without it.
    pub fn remove_profile(&self, token: &str, profile_id: &str) -> Result<(), DeskError> {
        let (profile, desk) = {
            let accounts = self.accounts();
            let by = accounts.verify(token)?;
            if !by.is_admin() {
                return Err(DeskError::new(
                    ErrorCode::Forbidden,
                    "only the device admin can remove profiles",
                ));
            }
            let profile = accounts.profile(profile_id)?;
            drop(accounts);
            let desk = self.open_desk(&profile, None).ok();
            let removed = self.accounts().remove_profile(&by, profile_id)?;
            (removed, desk)
        };
        if let Some(desk) = desk {
            desk.forget_all_keys();
        }
        lock(&self.desks).remove(profile_id);
        if !profile.data_dir.is_empty() {
            let home = self.profile_home(&profile);
            if let Err(e) = std::fs::remove_dir_all(&home)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(DeskError::new(
                    ErrorCode::Storage,
                    format!(
                        "the profile was removed but its folder {} could not be deleted: {e}",
                        home.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Points the caller's profile at a region (and workspace): kept in its store, applied by
    /// reopening its `Desk` now. Refused while a reply is streaming (the old `Desk` is in use).
    pub fn set_endpoint(
        &self,
        token: &str,
        region: &str,
        workspace: Option<&str>,
    ) -> Result<crate::EndpointChoice, DeskError> {
        let verified = self.verify(token)?;
        let desk = self.open_desk(&verified.profile, None)?;
        desk.save_endpoint_choice(region, workspace)?;
        drop(desk);
        {
            let mut desks = lock(&self.desks);
            if let Some(open) = desks.get(&verified.profile.id)
                && Arc::strong_count(open) > 1
            {
                return Err(DeskError::new(
                    ErrorCode::Storage,
                    "the new region is saved and applies once the reply being written ends",
                ));
            }
            desks.remove(&verified.profile.id);
        }
        Ok(self.open_desk(&verified.profile, None)?.endpoint_choice())
    }

    pub fn set_idle_lock(&self, token: &str, minutes: u32) -> Result<DeviceStatus, DeskError> {
        {
            let accounts = self.accounts();
            let by = accounts.verify(token)?;
            accounts.set_idle_lock_minutes(&by, minutes)?;
        }
        self.status()
    }

    /// The backups of the caller's profile. Works when its database is damaged (nothing opens it).
    pub fn list_backups(&self, token: &str) -> Result<Vec<BackupInfo>, DeskError> {
        let verified = self.verify(token)?;
        let home = self.profile_home(&verified.profile);
        Ok(desk_store::list_backups(&home)?)
    }

    /// Restores one of the caller's backups, after a snapshot of the current state; the profile's
    /// `Desk` is closed first and reopened on the next call.
    pub fn restore_backup(&self, token: &str, backup: &Path) -> Result<RestoreReport, DeskError> {
        let verified = self.verify(token)?;
        let config = self.profile_config(&verified.profile, None);
        let backups = desk_store::backups_dir(&config.home);
        if backup.parent() != Some(backups.as_path()) {
            return Err(DeskError::new(
                ErrorCode::Forbidden,
                "only this profile's own backups can be restored",
            ));
        }
        let open = lock(&self.desks).remove(&verified.profile.id);
        if let Some(desk) = open
            && Arc::strong_count(&desk) > 1
        {
            // A reply still streaming holds the store; put it back and let the user retry.
            lock(&self.desks).insert(verified.profile.id.clone(), desk);
            return Err(DeskError::new(
                ErrorCode::Storage,
                "a reply is still being written; stop it and restore again",
            ));
        }
        crate::backups::restore(&config, backup)
    }
}

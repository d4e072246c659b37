//! API keys set from the app or the CLI, kept in the vault (`desk-vault`) per region or workspace.
//! The environment (`DASHSCOPE_API_KEY`) still wins, so scripts work exactly as before.

use std::sync::Arc;

use bailian::ApiKey;
pub use desk_vault::Secret;
use desk_vault::{CredentialStore, Slot, StoreKind, VaultError};
use serde::Serialize;

use crate::config::{ENV_API_KEY, ENV_KEY_FILE_PASSWORD, VaultSetting};
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// The credential store a `Desk` opened, or why it could not.
#[derive(Debug)]
pub(crate) struct Keys {
    store: Result<Arc<dyn CredentialStore>, DeskError>,
    /// The profile whose keys these are; `None` for the first profile, whose slots keep the names
    /// they had before profiles existed.
    profile: Option<String>,
}

impl Keys {
    pub(crate) fn open(setting: &VaultSetting, profile: Option<&str>) -> Self {
        let profile = profile.map(str::to_owned);
        let choice = match setting {
            VaultSetting::None => {
                return Self {
                    store: Err(DeskError::new(
                        ErrorCode::KeyStoreUnavailable,
                        format!("no credential store is configured; set {ENV_API_KEY}"),
                    )),
                    profile,
                };
            }
            VaultSetting::Os => desk_vault::StoreChoice::Os,
            VaultSetting::Keyutils => desk_vault::StoreChoice::Keyutils,
            VaultSetting::Memory => desk_vault::StoreChoice::Memory,
            VaultSetting::File { path, password } => match password {
                Some(password) => desk_vault::StoreChoice::File {
                    path: path.clone(),
                    password: password.clone(),
                },
                None => {
                    return Self {
                        store: Err(DeskError::new(
                            ErrorCode::KeyFileLocked,
                            format!(
                                "the key file {} needs its password in {ENV_KEY_FILE_PASSWORD}",
                                path.display()
                            ),
                        )),
                        profile,
                    };
                }
            },
        };
        let store = desk_vault::open(choice).map_err(desk_error);
        if let Err(error) = &store {
            tracing::info!(code = error.code.as_str(), %error, "no credential store");
        }
        Self { store, profile }
    }

    /// The vault slot of `name` (`cn-beijing`, `ws:<id>`) for this profile.
    pub(crate) fn slot(&self, name: &str) -> Result<Slot, DeskError> {
        let slot = Slot::parse(name).map_err(desk_error)?;
        match &self.profile {
            Some(profile) => slot.for_profile(profile).map_err(desk_error),
            None => Ok(slot),
        }
    }

    fn store(&self) -> Result<&Arc<dyn CredentialStore>, DeskError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The key kept for `slot`, if the store can be read; a failure is logged, not fatal.
    pub(crate) fn key(&self, slot: &str) -> Option<ApiKey> {
        let found = self
            .slot(slot)
            .and_then(|slot| self.store()?.get(&slot).map_err(desk_error));
        match found {
            Ok(key) => key.and_then(|k| ApiKey::new(k.expose())),
            Err(error) => {
                tracing::warn!(code = error.code.as_str(), %error, "cannot read the stored key");
                None
            }
        }
    }
}

pub(crate) fn desk_error(error: VaultError) -> DeskError {
    let code = match &error {
        VaultError::EmptyKey | VaultError::InvalidSlot(_) => ErrorCode::BadRequest,
        VaultError::Unavailable { .. } => ErrorCode::KeyStoreUnavailable,
        VaultError::WrongPassword(_) | VaultError::BadKeyFile { .. } => ErrorCode::KeyFileLocked,
        VaultError::Store { .. } | VaultError::Io { .. } => ErrorCode::Storage,
    };
    DeskError::new(code, error.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// `DASHSCOPE_API_KEY`: it wins over a stored key.
    Environment,
    Vault,
    None,
}

/// What the app may show about the key in use: never the key, only its masked label.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyStatus {
    /// The slot of the configured region or workspace.
    pub slot: String,
    pub source: KeySource,
    pub configured: bool,
    /// `sk-…a1b2`.
    pub label: Option<String>,
    /// The store keys are kept in, when one is available.
    pub store: Option<StoreKind>,
    /// Why no store is available, when none is.
    pub store_error: Option<DeskError>,
}

impl Desk {
    /// Keeps `key` (trimmed; an empty key is refused) for `slot`; when `slot` is the configured one
    /// and the environment sets no key, the app goes live with it at once.
    pub fn set_api_key(&self, slot: &str, key: &str) -> Result<ApiKeyStatus, DeskError> {
        let slot = self.keys().slot(slot)?;
        let secret = Secret::new(key).map_err(desk_error)?;
        self.keys()
            .store()?
            .set(&slot, &secret)
            .map_err(desk_error)?;
        tracing::info!(slot = %slot, label = %secret.label(), "API key stored");
        self.remember_key_slot(slot.as_str());
        if slot.as_str() == self.config().key_slot && self.config().api_key.is_none() {
            let key = ApiKey::new(secret.expose())
                .ok_or_else(|| DeskError::new(ErrorCode::BadRequest, "the API key is empty"))?;
            self.use_key(Some(key))?;
        }
        Ok(self.api_key_status())
    }

    /// Forgets the key of `slot`; when it was the one in use, the app needs setup again.
    pub fn remove_api_key(&self, slot: &str) -> Result<bool, DeskError> {
        let slot = self.keys().slot(slot)?;
        let removed = self.keys().store()?.remove(&slot).map_err(desk_error)?;
        tracing::info!(slot = %slot, removed, "API key removed");
        if removed && slot.as_str() == self.config().key_slot && self.config().api_key.is_none() {
            self.use_key(None)?;
        }
        Ok(removed)
    }

    /// The key of the configured region or workspace, masked.
    pub fn api_key_status(&self) -> ApiKeyStatus {
        self.api_key_status_of(&self.config().key_slot.clone())
    }

    /// The key of `slot` (`cn-beijing`, `ws:<id>`), masked. The environment's key counts for the
    /// configured slot only: it is the one requests use.
    pub fn api_key_status_of(&self, slot: &str) -> ApiKeyStatus {
        let slot = slot.to_owned();
        let (store, store_error) = match self.keys().store() {
            Ok(store) => (Some(store.kind()), None),
            Err(error) => (None, Some(error)),
        };
        if let Some(key) = self
            .config()
            .api_key
            .as_ref()
            .filter(|_| slot == self.config().key_slot)
        {
            return ApiKeyStatus {
                slot,
                source: KeySource::Environment,
                configured: true,
                label: Some(desk_vault::mask(key.expose())),
                store,
                store_error,
            };
        }
        let stored = self.keys().store().ok().and_then(|s| {
            self.keys()
                .slot(&slot)
                .ok()
                .and_then(|sl| s.get(&sl).ok().flatten())
        });
        ApiKeyStatus {
            source: if stored.is_some() {
                KeySource::Vault
            } else {
                KeySource::None
            },
            configured: stored.is_some(),
            label: stored.map(|k| k.label()),
            slot,
            store,
            store_error,
        }
    }
}

/// The vault slots this profile has set keys in, so removing the profile can remove them all.
const SETTING_KEY_SLOTS: &str = "keys.slots";

impl Desk {
    /// The slots (`cn-beijing`, `ws:<id>`) this profile set keys in, without the profile suffix.
    pub(crate) fn key_slot_names(&self) -> Vec<String> {
        self.key_slots()
            .iter()
            .map(|s| {
                s.split_once('@')
                    .map_or(s.as_str(), |(base, _)| base)
                    .to_owned()
            })
            .collect()
    }

    fn key_slots(&self) -> Vec<String> {
        self.store()
            .setting(SETTING_KEY_SLOTS)
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    fn remember_key_slot(&self, slot: &str) {
        let mut slots = self.key_slots();
        if slots.iter().any(|s| s == slot) {
            return;
        }
        slots.push(slot.to_owned());
        let recorded = serde_json::to_string(&slots)
            .ok()
            .map(|text| self.store().set_setting(SETTING_KEY_SLOTS, Some(&text)));
        if !matches!(recorded, Some(Ok(()))) {
            tracing::warn!(%slot, "cannot record the key's slot");
        }
    }

    /// Removes every key this profile set (and its configured slot's): the profile is going away.
    pub(crate) fn forget_all_keys(&self) {
        let Ok(store) = self.keys().store() else {
            return;
        };
        let mut slots: Vec<Slot> = self
            .key_slots()
            .iter()
            .filter_map(|s| Slot::parse(s).ok())
            .collect();
        if let Ok(configured) = self.keys().slot(&self.config().key_slot) {
            slots.push(configured);
        }
        for slot in slots {
            if let Err(error) = store.remove(&slot) {
                tracing::warn!(%slot, %error, "cannot remove a removed profile's key");
            }
        }
    }
}

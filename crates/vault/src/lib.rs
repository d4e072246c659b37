//! Where Bailian Desk keeps API keys: one key per **slot** (a region such as `cn-beijing`, or a
//! workspace `ws:<id>`), behind [`CredentialStore`] with three implementations:
//!
//! - [`OsStore`]: the operating system's credential store through the `keyring` crate (macOS
//!   Keychain, Windows Credential Manager; on Linux the kernel keyutils session keyring in front of
//!   the Secret Service, or keyutils alone with [`OsStore::keyutils`]).
//! - [`MemoryStore`]: a map in memory, for tests.
//! - [`FileStore`]: the explicit fallback when no credential store exists (a headless Linux without
//!   a Secret Service): a file encrypted with XChaCha20-Poly1305 under a key derived from a password
//!   with argon2id, its parameters recorded in the file. Never plain text, and never chosen
//!   silently: the caller opens it by name with a password.
//!
//! A key is held in a [`Secret`], whose `Debug` and `Display` print no part of it and whose memory is
//! wiped on drop; the only way to show a key is [`mask`] (`sk-…a1b2`).

mod file;
mod os;
mod secret;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

pub use file::{FileStore, KdfParams};
pub use os::OsStore;
pub use secret::{Secret, mask};

/// The service name every OS credential is filed under; the account is the slot.
pub const SERVICE: &str = "bailian-desk";

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the API key is empty")]
    EmptyKey,
    #[error("{0:?} is not a key slot; use a region id (cn-beijing) or ws:<workspace id>")]
    InvalidSlot(String),
    #[error(
        "the {store} credential store is not available here ({detail}); on a machine without one, keep the key in an encrypted key file instead"
    )]
    Unavailable { store: StoreKind, detail: String },
    #[error("the {store} credential store failed: {detail}")]
    Store { store: StoreKind, detail: String },
    #[error("wrong password for the key file {0} (or the file was altered)")]
    WrongPassword(PathBuf),
    #[error("the key file {path} is not a Bailian Desk key file: {detail}")]
    BadKeyFile { path: PathBuf, detail: String },
    #[error("cannot use the key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Which implementation holds the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// The OS credential store (Keychain, Credential Manager, keyutils + Secret Service).
    Os,
    /// Linux keyutils alone. `keyring` links each key into the user's persistent keyring too, so
    /// it outlives the session until the kernel expires it (3 days unused by default), not at logout.
    Keyutils,
    Memory,
    /// The encrypted key file.
    File,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Os => "os",
            StoreKind::Keyutils => "keyutils",
            StoreKind::Memory => "memory",
            StoreKind::File => "file",
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region id (`cn-beijing`) or a workspace (`ws:<id>`): what a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Slot(String);

impl Slot {
    /// `cn-beijing`, `ws:<id>`, either followed by `@<profile id>` for a profile's own key.
    pub fn parse(slot: &str) -> Result<Self, VaultError> {
        let slot = slot.trim();
        let (base, profile) = match slot.split_once('@') {
            Some((base, profile)) => (base, Some(profile)),
            None => (slot, None),
        };
        let body = base.strip_prefix("ws:").unwrap_or(base);
        let valid = !body.is_empty()
            && slot.len() <= 128
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && profile.is_none_or(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if valid {
            Ok(Self(slot.to_owned()))
        } else {
            Err(VaultError::InvalidSlot(slot.to_owned()))
        }
    }

    /// This slot as kept for one profile, so profiles sharing a computer never share a key.
    pub fn for_profile(&self, profile_id: &str) -> Result<Self, VaultError> {
        let base = self
            .0
            .split_once('@')
            .map_or(self.0.as_str(), |(base, _)| base);
        Self::parse(&format!("{base}@{profile_id}"))
    }

    pub fn workspace(id: &str) -> Result<Self, VaultError> {
        Self::parse(&format!("ws:{}", id.trim()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What may be shown about a slot: whether a key is there and its masked label, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub slot: Slot,
    pub configured: bool,
    /// `sk-…a1b2`.
    pub label: Option<String>,
    pub store: StoreKind,
}

pub trait CredentialStore: Send + Sync + fmt::Debug {
    fn kind(&self) -> StoreKind;
    fn get(&self, slot: &Slot) -> Result<Option<Secret>, VaultError>;
    fn set(&self, slot: &Slot, key: &Secret) -> Result<(), VaultError>;
    /// Whether there was a key to remove.
    fn remove(&self, slot: &Slot) -> Result<bool, VaultError>;

    fn status(&self, slot: &Slot) -> Result<KeyStatus, VaultError> {
        let key = self.get(slot)?;
        Ok(KeyStatus {
            slot: slot.clone(),
            configured: key.is_some(),
            label: key.map(|k| k.label()),
            store: self.kind(),
        })
    }
}

/// Which store to open; the file must be asked for by name, with its password.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    Os,
    Keyutils,
    Memory,
    File { path: PathBuf, password: Secret },
}

/// Opens the chosen store. The OS stores are probed, so an unavailable one is reported here as
/// [`VaultError::Unavailable`] rather than at the first write.
pub fn open(choice: StoreChoice) -> Result<Arc<dyn CredentialStore>, VaultError> {
    Ok(match choice {
        StoreChoice::Os => Arc::new(OsStore::native()?),
        StoreChoice::Keyutils => Arc::new(OsStore::keyutils()?),
        StoreChoice::Memory => Arc::new(MemoryStore::default()),
        StoreChoice::File { path, password } => Arc::new(FileStore::open(path, password)?),
    })
}

/// Keys in memory, for tests.
#[derive(Default)]
pub struct MemoryStore {
    keys: Mutex<BTreeMap<Slot, Secret>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    fn keys(&self) -> std::sync::MutexGuard<'_, BTreeMap<Slot, Secret>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl CredentialStore for MemoryStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }
    fn get(&self, slot: &Slot) -> Result<Option<Secret>, VaultError> {
        Ok(self.keys().get(slot).cloned())
    }
    fn set(&self, slot: &Slot, key: &Secret) -> Result<(), VaultError> {
        self.keys().insert(slot.clone(), key.clone());
        Ok(())
    }
    fn remove(&self, slot: &Slot) -> Result<bool, VaultError> {
        Ok(self.keys().remove(slot).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots() {
        assert_eq!(
            Slot::parse(" cn-beijing ").expect("region").as_str(),
            "cn-beijing"
        );
        assert_eq!(Slot::workspace("ws-1").expect("ws").as_str(), "ws:ws-1");
        for bad in [
            "",
            "ws:",
            "a b",
            "x/y",
            "ws:a:b",
            "cn-beijing@",
            "a@b@c",
            "a@b c",
        ] {
            assert!(Slot::parse(bad).is_err(), "{bad}");
        }
        let region = Slot::parse("cn-beijing").expect("region");
        let mine = region.for_profile("0192-ab").expect("profile slot");
        assert_eq!(mine.as_str(), "cn-beijing@0192-ab");
        assert_eq!(
            mine.for_profile("0193").expect("re-scoped").as_str(),
            "cn-beijing@0193"
        );
        assert_eq!(
            Slot::workspace("w1")
                .and_then(|s| s.for_profile("p1"))
                .expect("ws")
                .as_str(),
            "ws:w1@p1"
        );
    }

    #[test]
    fn memory_round_trip_and_status() {
        let store = MemoryStore::default();
        let slot = Slot::parse("ap-southeast-1").expect("slot");
        assert!(!store.status(&slot).expect("status").configured);
        let key = Secret::new("sk-0123456789abcdefa1b2").expect("key");
        store.set(&slot, &key).expect("set");
        assert_eq!(
            store.get(&slot).expect("get").expect("some").expose(),
            key.expose()
        );
        let status = store.status(&slot).expect("status");
        assert!(status.configured);
        assert_eq!(status.label.as_deref(), Some("sk-…a1b2"));
        assert!(!format!("{status:?} {store:?}").contains("0123456789"));
        assert!(store.remove(&slot).expect("remove"));
        assert!(!store.remove(&slot).expect("remove again"));
        assert!(store.get(&slot).expect("get").is_none());
    }
}

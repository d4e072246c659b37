//! The operating system's credential store through `keyring` 3.x.
//!
//! On Linux the key lives in the Secret Service (GNOME Keyring, KWallet) with the kernel keyutils
//! session keyring as a cache in front of it (`keyring`'s keyutils-persistent store): the Secret
//! Service survives reboots, keyutils answers without D-Bus once unlocked. Where there is no session
//! keyring the Secret Service is used alone. [`OsStore::keyutils`] uses keyutils alone (the session
//! keyring, with `keyring` linking each key into the user's persistent keyring, which the kernel
//! expires after 3 days unused): that is what a headless session (`keyctl session - …`) and the
//! tests have.

use keyring::Entry;

use crate::{CredentialStore, SERVICE, Secret, Slot, StoreKind, VaultError};

#[derive(Debug)]
pub struct OsStore {
    kind: StoreKind,
}

impl OsStore {
    /// The platform's store, probed: [`VaultError::Unavailable`] when it cannot be reached.
    pub fn native() -> Result<Self, VaultError> {
        Self::probed(StoreKind::Os)
    }

    /// Linux keyutils alone, in the session keyring.
    pub fn keyutils() -> Result<Self, VaultError> {
        if cfg!(target_os = "linux") {
            Self::probed(StoreKind::Keyutils)
        } else {
            Err(VaultError::Unavailable {
                store: StoreKind::Keyutils,
                detail: "keyutils exists only on Linux".to_owned(),
            })
        }
    }

    fn probed(kind: StoreKind) -> Result<Self, VaultError> {
        let store = Self { kind };
        let probe = Slot::parse("ws:bailian-desk-probe")?;
        let outcome = store
            .entry(&probe)
            .and_then(|entry| match entry.get_password() {
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(store.error(e)),
            });
        match outcome {
            Ok(()) => Ok(store),
            Err(VaultError::Store { detail, .. } | VaultError::Unavailable { detail, .. }) => {
                Err(VaultError::Unavailable {
                    store: kind,
                    detail,
                })
            }
            Err(other) => Err(other),
        }
    }

    fn entry(&self, slot: &Slot) -> Result<Entry, VaultError> {
        let user = slot.as_str();
        let entry = match self.kind {
            #[cfg(target_os = "linux")]
            StoreKind::Keyutils => {
                keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, user)
                    .map(|c| Entry::new_with_credential(Box::new(c)))
            }
            #[cfg(target_os = "linux")]
            _ => match keyring::keyutils_persistent::KeyutilsPersistentCredential::new_with_target(
                None, SERVICE, user,
            ) {
                Ok(c) => Ok(Entry::new_with_credential(Box::new(c))),
                Err(_) => {
                    keyring::secret_service::SsCredential::new_with_target(None, SERVICE, user)
                        .map(|c| Entry::new_with_credential(Box::new(c)))
                }
            },
            #[cfg(not(target_os = "linux"))]
            _ => Entry::new(SERVICE, user),
        };
        entry.map_err(|e| self.error(e))
    }

    /// Never formats the error's payload where it could hold the secret (`BadEncoding`).
    fn error(&self, error: keyring::Error) -> VaultError {
        let detail = match &error {
            keyring::Error::NoEntry => "no entry".to_owned(),
            keyring::Error::BadEncoding(_) => "the stored key is not UTF-8".to_owned(),
            keyring::Error::NoStorageAccess(e) => {
                return VaultError::Unavailable {
                    store: self.kind,
                    detail: e.to_string(),
                };
            }
            keyring::Error::PlatformFailure(e) => e.to_string(),
            keyring::Error::TooLong(name, limit) => format!("{name} longer than {limit}"),
            keyring::Error::Invalid(name, reason) => format!("{name}: {reason}"),
            keyring::Error::Ambiguous(_) => "more than one stored key matches".to_owned(),
            _ => "unknown failure".to_owned(),
        };
        VaultError::Store {
            store: self.kind,
            detail,
        }
    }
}

impl CredentialStore for OsStore {
    fn kind(&self) -> StoreKind {
        self.kind
    }

    fn get(&self, slot: &Slot) -> Result<Option<Secret>, VaultError> {
        match self.entry(slot)?.get_password() {
            Ok(key) => Secret::new(&zeroize::Zeroizing::new(key)).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    fn set(&self, slot: &Slot, key: &Secret) -> Result<(), VaultError> {
        self.entry(slot)?
            .set_password(key.expose())
            .map_err(|e| self.error(e))
    }

    fn remove(&self, slot: &Slot) -> Result<bool, VaultError> {
        match self.entry(slot)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }
}

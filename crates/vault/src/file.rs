//! The encrypted key file: the documented fallback where no OS credential store exists.
//!
//! ```json
//! {"format": "bailian-desk-keyfile", "version": 1,
//!  "kdf": {"algorithm": "argon2id", "version": 19, "memoryKib": 65536, "iterations": 3,
//!          "parallelism": 1, "salt": "<base64, 16 bytes>"},
//!  "aead": {"algorithm": "xchacha20poly1305", "nonce": "<base64, 24 bytes>"},
//!  "ciphertext": "<base64>"}
//! ```
//!
//! The plaintext is the JSON map slot → key. The file key is argon2id(password, salt) with the
//! parameters written in the file (RFC 9106's second recommendation by default: 64 MiB, 3 passes),
//! and the header (format, version, KDF parameters) is the AEAD's associated data, so altering a
//! parameter fails like a wrong password. Every write draws a fresh nonce and replaces the file
//! atomically (temporary file + rename, mode 0600 on Unix).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{CredentialStore, Secret, Slot, StoreKind, VaultError};

const FORMAT: &str = "bailian-desk-keyfile";
const VERSION: u32 = 1;

/// argon2id cost, recorded in each file so it can be raised without breaking old files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// RFC 9106 §4, second recommended option: 64 MiB, 3 passes, here on one lane.
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kdf {
    algorithm: String,
    version: u32,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct AeadHeader {
    algorithm: String,
    nonce: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    version: u32,
    kdf: Kdf,
    aead: AeadHeader,
    ciphertext: String,
}

pub struct FileStore {
    path: PathBuf,
    password: Secret,
    /// Parameters for a file this store creates; an existing file keeps its own.
    params: KdfParams,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

type Keys = BTreeMap<String, String>;

impl FileStore {
    /// Opens (or, at the first write, creates) the key file. An existing file is unlocked at once,
    /// so a wrong password is reported here.
    pub fn open(path: impl Into<PathBuf>, password: Secret) -> Result<Self, VaultError> {
        Self::with_params(path, password, KdfParams::default())
    }

    pub fn with_params(
        path: impl Into<PathBuf>,
        password: Secret,
        params: KdfParams,
    ) -> Result<Self, VaultError> {
        let store = Self {
            path: path.into(),
            password,
            params,
        };
        store.read()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn bad(&self, detail: impl Into<String>) -> VaultError {
        VaultError::BadKeyFile {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }

    fn io(&self, source: std::io::Error) -> VaultError {
        VaultError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn derive(&self, params: KdfParams, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let argon = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .map_err(|e| self.bad(format!("argon2id parameters: {e}")))?;
        let mut key = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, argon)
            .hash_password_into(self.password.expose().as_bytes(), salt, key.as_mut())
            .map_err(|e| self.bad(format!("argon2id: {e}")))?;
        Ok(key)
    }

    fn read(&self) -> Result<Option<(Keys, KdfParams, Vec<u8>)>, VaultError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| self.bad(e.to_string()))?;
        if file.format != FORMAT || file.version != VERSION {
            return Err(self.bad(format!("format {} version {}", file.format, file.version)));
        }
        if file.kdf.algorithm != "argon2id"
            || file.kdf.version != 0x13
            || file.aead.algorithm != "xchacha20poly1305"
        {
            return Err(self.bad("unknown KDF or cipher"));
        }
        let decode = |field: &str, text: &str| {
            B64.decode(text)
                .map_err(|e| self.bad(format!("{field}: {e}")))
        };
        let salt = decode("salt", &file.kdf.salt)?;
        let nonce = decode("nonce", &file.aead.nonce)?;
        let ciphertext = decode("ciphertext", &file.ciphertext)?;
        if nonce.len() != 24 {
            return Err(self.bad("nonce: not 24 bytes"));
        }
        let key = self.derive(file.kdf.params, &salt)?;
        let plain = XChaCha20Poly1305::new(key.as_ref().into())
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: associated_data(file.kdf.params).as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| VaultError::WrongPassword(self.path.clone()))?;
        let keys: Keys =
            serde_json::from_slice(&plain).map_err(|_| self.bad("unreadable contents"))?;
        Ok(Some((keys, file.kdf.params, salt)))
    }

    fn write(&self, keys: &Keys, params: KdfParams, salt: &[u8]) -> Result<(), VaultError> {
        let key = self.derive(params, salt)?;
        let plain = Zeroizing::new(serde_json::to_vec(keys).map_err(|e| self.bad(e.to_string()))?);
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = XChaCha20Poly1305::new(key.as_ref().into())
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: associated_data(params).as_bytes(),
                },
            )
            .map_err(|_| self.bad("encryption failed"))?;
        let file = KeyFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            kdf: Kdf {
                algorithm: "argon2id".to_owned(),
                version: 0x13,
                params,
                salt: B64.encode(salt),
            },
            aead: AeadHeader {
                algorithm: "xchacha20poly1305".to_owned(),
                nonce: B64.encode(nonce),
            },
            ciphertext: B64.encode(ciphertext),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| self.bad(e.to_string()))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let tmp = self.path.with_extension("tmp");
        write_private(&tmp, text.as_bytes()).map_err(|e| self.io(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))
    }

    /// Re-encrypts the file under `new_password` with a fresh salt (and this store's parameters):
    /// a profile's password change. A missing file stays missing.
    pub fn change_password(&self, new_password: Secret) -> Result<Self, VaultError> {
        let renewed = Self {
            path: self.path.clone(),
            password: new_password,
            params: self.params,
        };
        if let Some((mut keys, _, _)) = self.read()? {
            let mut salt = vec![0u8; 16];
            OsRng.fill_bytes(&mut salt);
            renewed.write(&keys, self.params, &salt)?;
            for key in keys.values_mut() {
                zeroize::Zeroize::zeroize(key);
            }
        }
        Ok(renewed)
    }

    fn update(&self, change: impl FnOnce(&mut Keys) -> bool) -> Result<bool, VaultError> {
        let (mut keys, params, salt) = match self.read()? {
            Some(found) => found,
            None => {
                let mut salt = vec![0u8; 16];
                OsRng.fill_bytes(&mut salt);
                (Keys::new(), self.params, salt)
            }
        };
        let changed = change(&mut keys);
        if changed {
            self.write(&keys, params, &salt)?;
        }
        for key in keys.values_mut() {
            zeroize::Zeroize::zeroize(key);
        }
        Ok(changed)
    }
}

fn associated_data(params: KdfParams) -> String {
    format!(
        "{FORMAT}/{VERSION}/argon2id/19/m={},t={},p={}/xchacha20poly1305",
        params.memory_kib, params.iterations, params.parallelism
    )
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl CredentialStore for FileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn get(&self, slot: &Slot) -> Result<Option<Secret>, VaultError> {
        let Some((mut keys, _, _)) = self.read()? else {
            return Ok(None);
        };
        let found = keys.get(slot.as_str()).map(|k| Secret::new(k)).transpose();
        for key in keys.values_mut() {
            zeroize::Zeroize::zeroize(key);
        }
        found
    }

    fn set(&self, slot: &Slot, key: &Secret) -> Result<(), VaultError> {
        self.update(|keys| {
            keys.insert(slot.as_str().to_owned(), key.expose().to_owned());
            true
        })
        .map(|_| ())
    }

    fn remove(&self, slot: &Slot) -> Result<bool, VaultError> {
        self.update(|keys| {
            keys.remove(slot.as_str())
                .map(|mut old| zeroize::Zeroize::zeroize(&mut old))
                .is_some()
        })
    }
}

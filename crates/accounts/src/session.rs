//! Session tokens: HS256 JWTs signed with a per-install key. The key is generated here and kept by
//! the caller in the OS keychain; a process without a keychain generates one per run, which only
//! means its sessions do not outlive it.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::AccountsError;

pub const SIGNING_KEY_BYTES: usize = 32;

/// The secret tokens are signed with. Never printed.
#[derive(Clone)]
pub struct SigningKey(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SIGNING_KEY_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(Zeroizing::new(bytes))
    }

    /// A key read back from the keychain; shorter keys are refused (HS256 wants ≥ 256 bits).
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= SIGNING_KEY_BYTES).then(|| Self(Zeroizing::new(bytes)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The profile id.
    pub sub: String,
    /// The session id: the row that logout deletes.
    pub sid: String,
    pub iat: u64,
    pub exp: u64,
}

pub(crate) fn issue(key: &SigningKey, claims: &Claims) -> Result<String, AccountsError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .map_err(|e| AccountsError::Token(e.to_string()))
}

/// The claims of a token this install signed. Its expiry is checked by the caller against the
/// accounts' clock (which tests can move), not here.
pub(crate) fn verify(key: &SigningKey, token: &str) -> Result<Claims, AccountsError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|e| {
        tracing::debug!(error = %e, "session token refused");
        AccountsError::SessionRequired
    })
}

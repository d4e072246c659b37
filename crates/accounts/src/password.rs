//! argon2id password hashes in PHC form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): the parameters
//! travel with each hash, so raising the policy never locks anyone out.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::AccountsError;

/// The cost of new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordPolicy {
    /// OWASP's first argon2id recommendation (m = 19 MiB, t = 2, p = 1) doubled in memory:
    /// about 60 ms per login on the reference machine, which is also what an attacker pays per guess.
    fn default() -> Self {
        Self {
            memory_kib: 38 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PasswordPolicy {
    fn argon2(&self) -> Result<Argon2<'static>, AccountsError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| AccountsError::Hash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    pub(crate) fn hash(&self, password: &str) -> Result<String, AccountsError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountsError::Hash(e.to_string()))
    }

    /// Whether `stored` was made with weaker parameters than this policy asks for.
    pub(crate) fn is_weaker(&self, stored: &str) -> bool {
        let Ok(hash) = PasswordHash::new(stored) else {
            return true;
        };
        let Ok(params) = Params::try_from(&hash) else {
            return true;
        };
        hash.algorithm.as_str() != "argon2id"
            || params.m_cost() < self.memory_kib
            || params.t_cost() < self.iterations
            || params.p_cost() < self.parallelism
    }
}

/// Checks `password` against a PHC hash with the parameters recorded in it.
pub(crate) fn verify(password: &str, stored: &str) -> Result<bool, AccountsError> {
    let hash = PasswordHash::new(stored).map_err(|e| AccountsError::Hash(e.to_string()))?;
    match Argon2::default().verify_password(password.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(AccountsError::Hash(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordPolicy = PasswordPolicy {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn hashes_record_their_parameters_and_verify() {
        let hash = CHEAP.hash("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(verify("correct horse", &hash).expect("verify"));
        assert!(!verify("wrong horse", &hash).expect("verify"));
        assert!(!CHEAP.is_weaker(&hash));
        assert!(PasswordPolicy::default().is_weaker(&hash));
    }

    #[test]
    fn a_damaged_hash_is_an_error_not_a_match() {
        assert!(verify("x", "not a phc string").is_err());
    }
}

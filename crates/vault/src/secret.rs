//! A key that prints as `[redacted]` and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroizing;

use crate::VaultError;

#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Trims stray whitespace (a pasted key often ends with a newline); refuses an empty key.
    pub fn new(key: &str) -> Result<Self, VaultError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(VaultError::EmptyKey);
        }
        Ok(Self(Zeroizing::new(key.to_owned())))
    }

    /// The key itself, to hand to the HTTP client. Never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sk-…a1b2`: safe to show.
    pub fn label(&self) -> String {
        mask(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The prefix up to the first `-` (at most 4 characters) and the last 4 characters, e.g.
/// `sk-…a1b2`. Keys shorter than 16 characters show no tail, so a mask never gives away much.
pub fn mask(key: &str) -> String {
    let key = key.trim();
    let prefix = match key.find('-') {
        Some(i) if i < 4 => &key[..=i],
        _ => "",
    };
    let chars: Vec<char> = key.chars().collect();
    let tail: String = if chars.len() >= 16 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    };
    format!("{prefix}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed_and_trimmed() {
        let key = Secret::new("  sk-planted-0123456789abcdef\n").expect("key");
        assert_eq!(key.expose(), "sk-planted-0123456789abcdef");
        assert_eq!(format!("{key} {key:?}"), "[redacted] Secret([redacted])");
        assert_eq!(key.label(), "sk-…cdef");
        assert!(matches!(Secret::new(" \n\t"), Err(VaultError::EmptyKey)));
        assert_eq!(mask("sk-short"), "sk-…");
        assert_eq!(mask("abcdefghijklmnopqrst"), "…qrst");
    }
}

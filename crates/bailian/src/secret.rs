/// A DashScope API key. `Debug` and `Display` never show it, so it cannot leak through logs,
/// error messages or panic output; only [`ApiKey::expose`] hands the text out, at the one place
/// that builds the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Trims the whitespace a paste from a web console often carries. `None` for an empty key.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Self(trimmed.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A label a person can recognise the key by without seeing it: `sk-…a1b2`.
    pub fn masked(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let head: String = self.0.chars().take(3).collect();
        format!("{head}…{tail}")
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let key = ApiKey::new("  sk-0123456789abcdef \n").expect("non-empty");
        assert_eq!(key.expose(), "sk-0123456789abcdef");
        assert!(!format!("{key:?} {key}").contains("0123456789"));
        assert_eq!(key.masked(), "sk-…cdef");
        assert!(ApiKey::new("   ").is_none());
    }
}

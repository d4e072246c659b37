//! The secret scan of the accounts layer: no password or session token reaches the logs (at any
//! level) or the accounts file in clear. Alone in its test binary: tracing caches, per call site,
//! whether anyone listens, and another test hitting the same call sites on another thread before
//! the capture is installed would make it miss lines.

use desk_core::{DeskConfig, Device, PasswordPolicy};

const CHEAP: PasswordPolicy = PasswordPolicy {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

/// Captures what the core logs, at every level, for the secret scan below.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_password_or_session_token_reaches_the_logs() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let home = tempfile::tempdir().expect("tempdir");
    let password = "planted-password-8731";
    let tokens = tracing::subscriber::with_default(subscriber, || {
        let device = Device::open_with_policy(DeskConfig::at(home.path()), CHEAP).expect("device");
        let first = device.status().expect("status").profiles[0].id.clone();
        device.create_profile(None, "Ada", password).expect("claim");
        let _ = device.login(&first, Some("wrong-password-1234"));
        let grant = device.login(&first, Some(password)).expect("login");
        let desk = device.desk(&grant.token).expect("desk");
        let _ = desk.search("anything", 5);
        let refreshed = device.refresh(&grant.token).expect("refresh");
        let _ = device.desk(&grant.token); // refused: refreshed away
        device
            .change_password(&refreshed.token, Some(password), "another-password-99")
            .expect("change");
        device.logout(&refreshed.token).expect("logout");
        vec![grant.token, refreshed.token]
    });
    let logs =
        String::from_utf8_lossy(&buffer.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(logs.contains("logged in"), "the capture works: {logs}");
    for secret in tokens.iter().map(String::as_str).chain([
        password,
        "wrong-password-1234",
        "another-password-99",
    ]) {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
    // Nor the accounts file, except as a hash.
    for file in ["accounts.sqlite3", "accounts.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(home.path().join(file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(password) && !text.contains(&tokens[0]),
            "{file}"
        );
    }
}

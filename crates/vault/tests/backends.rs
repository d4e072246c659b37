//! Each backend keeps, returns and forgets a key per slot; the key file is encrypted, records its
//! parameters, refuses a wrong password; the real Linux backend (keyutils) works in a session keyring.

use std::sync::Arc;

use desk_vault::{
    CredentialStore, FileStore, KdfParams, MemoryStore, OsStore, Secret, Slot, StoreKind,
    VaultError,
};

const KEY: &str = "sk-planted-0123456789abcdef";

/// Cheap parameters: the cost is not what these tests check.
const FAST: KdfParams = KdfParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

fn round_trip(store: &dyn CredentialStore) {
    let beijing = Slot::parse("cn-beijing").expect("slot");
    let workspace = Slot::workspace("ws-test-1").expect("slot");
    let _ = store.remove(&beijing);
    let _ = store.remove(&workspace);
    assert!(store.get(&beijing).expect("get").is_none());

    store
        .set(&beijing, &Secret::new(&format!("  {KEY}\n")).expect("key"))
        .expect("set");
    store
        .set(
            &workspace,
            &Secret::new("sk-other-key-00000000ffff").expect("key"),
        )
        .expect("set");
    assert_eq!(
        store.get(&beijing).expect("get").expect("some").expose(),
        KEY
    );
    let status = store.status(&beijing).expect("status");
    assert!(status.configured);
    assert_eq!(status.label.as_deref(), Some("sk-…cdef"));
    let shown = format!(
        "{status:?} {} {store:?}",
        serde_json::to_string(&status).expect("json")
    );
    assert!(!shown.contains("0123456789"), "{shown}");

    store
        .set(
            &beijing,
            &Secret::new("sk-replaced-99999999aaaa").expect("key"),
        )
        .expect("replace");
    assert_eq!(
        store.get(&beijing).expect("get").expect("some").expose(),
        "sk-replaced-99999999aaaa"
    );
    assert!(store.remove(&beijing).expect("remove"));
    assert!(!store.remove(&beijing).expect("remove again"));
    assert!(!store.status(&beijing).expect("status").configured);
    assert!(
        store.get(&workspace).expect("get").is_some(),
        "other slots are kept"
    );
    assert!(store.remove(&workspace).expect("remove"));
}

#[test]
fn memory_round_trip() {
    round_trip(&MemoryStore::default());
}

#[test]
fn key_file_round_trip_is_encrypted_and_records_its_parameters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.json");
    let password = Secret::new("correct horse battery staple").expect("password");
    let store = FileStore::with_params(&path, password.clone(), FAST).expect("open");
    round_trip(&store);
    store
        .set(
            &Slot::parse("cn-beijing").expect("slot"),
            &Secret::new(KEY).expect("key"),
        )
        .expect("set");

    let bytes = std::fs::read(&path).expect("read");
    assert!(
        !contains(&bytes, KEY.as_bytes()),
        "the key is in the file in clear"
    );
    assert!(
        !contains(&bytes, b"cn-beijing"),
        "slot names are encrypted too"
    );
    let file: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(file["kdf"]["algorithm"], "argon2id");
    assert_eq!(file["kdf"]["memoryKib"], 1024);
    assert_eq!(file["kdf"]["iterations"], 1);
    assert_eq!(file["aead"]["algorithm"], "xchacha20poly1305");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the key file");
    }

    // A second opening with the same password reads the key; the file's own parameters win.
    let again = FileStore::open(&path, password).expect("reopen");
    assert_eq!(
        again
            .get(&Slot::parse("cn-beijing").expect("slot"))
            .expect("get")
            .expect("some")
            .expose(),
        KEY
    );
}

#[test]
fn a_wrong_password_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.json");
    let store =
        FileStore::with_params(&path, Secret::new("right").expect("pw"), FAST).expect("open");
    store
        .set(
            &Slot::parse("cn-beijing").expect("slot"),
            &Secret::new(KEY).expect("key"),
        )
        .expect("set");
    let error = FileStore::open(&path, Secret::new("wrong").expect("pw")).expect_err("refused");
    assert!(matches!(error, VaultError::WrongPassword(_)), "{error:?}");
    assert!(error.to_string().contains("wrong password"), "{error}");

    // Raising a recorded parameter is caught like a wrong password (the header is authenticated).
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("\"iterations\": 1", "\"iterations\": 2"),
    )
    .expect("write");
    let error = FileStore::open(&path, Secret::new("right").expect("pw")).expect_err("refused");
    assert!(matches!(error, VaultError::WrongPassword(_)), "{error:?}");

    std::fs::write(&path, "not json").expect("write");
    let error = FileStore::open(&path, Secret::new("right").expect("pw")).expect_err("refused");
    assert!(matches!(error, VaultError::BadKeyFile { .. }), "{error:?}");
}

#[test]
fn the_default_cost_is_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = std::time::Instant::now();
    let store =
        FileStore::open(dir.path().join("k.json"), Secret::new("pw").expect("pw")).expect("open");
    store
        .set(
            &Slot::parse("us-east-1").expect("slot"),
            &Secret::new(KEY).expect("key"),
        )
        .expect("set");
    let text = std::fs::read_to_string(dir.path().join("k.json")).expect("read");
    assert!(text.contains("\"memoryKib\": 65536"), "{text}");
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}

/// The real Linux backend. A plain root shell has no session keyring, so the test runs itself again
/// inside a fresh one with `keyctl session -` (package `keyutils`, installed by `scripts/setup.sh`).
#[cfg(target_os = "linux")]
#[test]
fn keyutils_round_trip_in_a_session_keyring() {
    const INSIDE: &str = "DESK_VAULT_TEST_IN_SESSION";
    if std::env::var_os(INSIDE).is_some() {
        let store = OsStore::keyutils().expect("keyutils in a session keyring");
        assert_eq!(store.kind(), StoreKind::Keyutils);
        let store: Arc<dyn CredentialStore> = Arc::new(store);
        round_trip(store.as_ref());
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new("keyctl")
        .args(["session", "-"])
        .arg(exe)
        .args([
            "--exact",
            "keyutils_round_trip_in_a_session_keyring",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .output()
        .expect("keyctl is missing: apt-get install keyutils (scripts/setup.sh test)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

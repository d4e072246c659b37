//! Local accounts on a real SQLite file: first use, onboarding, sessions, roles, brute force.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use desk_accounts::{Accounts, AccountsError, PasswordPolicy, Role, SigningKey};

const CHEAP: PasswordPolicy = PasswordPolicy {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};
const START: i64 = 1_800_000_000_000;

/// An accounts file with a clock the test moves.
fn open(path: &Path, key: &SigningKey, policy: PasswordPolicy) -> (Accounts, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(START));
    let clock = Arc::clone(&now);
    let accounts = Accounts::open(path, key.clone(), policy)
        .expect("open")
        .with_clock(move || clock.load(Ordering::SeqCst));
    (accounts, now)
}

fn minutes(n: i64) -> i64 {
    n * 60_000
}

/// A device whose first profile (admin) is protected, plus a member.
fn protected(dir: &Path) -> (Accounts, Arc<AtomicI64>, String, String) {
    let key = SigningKey::generate();
    let (accounts, now) = open(&dir.join("accounts.sqlite3"), &key, CHEAP);
    let first = accounts.profiles().expect("profiles").remove(0);
    let admin = accounts
        .create_profile(None, "Ada", "admin-password")
        .expect("claim");
    assert_eq!(admin.id, first.id);
    let session = accounts
        .login(&admin.id, Some("admin-password"))
        .expect("login");
    let by = accounts.verify(&session.token).expect("verify");
    let member = accounts
        .create_profile(Some(&by), "Bo", "member-password")
        .expect("member");
    (accounts, now, admin.id, member.id)
}

#[test]
fn first_use_is_an_unprotected_admin_whose_claim_keeps_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = SigningKey::generate();
    let (accounts, _) = open(&dir.path().join("a.sqlite3"), &key, CHEAP);
    let profiles = accounts.profiles().expect("profiles");
    assert_eq!(profiles.len(), 1);
    let first = &profiles[0];
    assert_eq!(
        (first.role, first.has_password, first.data_dir.as_str()),
        (Role::Admin, false, "")
    );
    assert!(!accounts.is_protected().expect("protected"));

    let open_session = accounts.login(&first.id, None).expect("passwordless login");
    accounts.verify(&open_session.token).expect("valid");

    let claimed = accounts
        .create_profile(None, "Ada", "correct horse")
        .expect("claim");
    assert_eq!(
        (claimed.id.as_str(), claimed.data_dir.as_str()),
        (first.id.as_str(), "")
    );
    assert!(claimed.has_password && accounts.is_protected().expect("protected"));
    // The session opened while unprotected ends with it; no password no longer logs in.
    assert!(matches!(
        accounts.verify(&open_session.token),
        Err(AccountsError::SessionExpired)
    ));
    assert!(matches!(
        accounts.login(&first.id, None),
        Err(AccountsError::WrongPassword)
    ));
    accounts
        .login(&first.id, Some("correct horse"))
        .expect("login");
}

#[test]
fn new_profiles_need_the_admin_and_get_their_own_data_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (accounts, _, admin, member) = protected(dir.path());
    let member_profile = accounts.profile(&member).expect("member");
    assert_eq!(member_profile.role, Role::Member);
    assert_eq!(member_profile.data_dir, format!("profiles/{member}"));

    assert!(matches!(
        accounts.create_profile(None, "Cy", "password-3"),
        Err(AccountsError::AdminOnly(_))
    ));
    let member_session = accounts
        .login(&member, Some("member-password"))
        .expect("login");
    let as_member = accounts.verify(&member_session.token).expect("verify");
    assert!(matches!(
        accounts.create_profile(Some(&as_member), "Cy", "password-3"),
        Err(AccountsError::AdminOnly(_))
    ));
    let admin_session = accounts
        .login(&admin, Some("admin-password"))
        .expect("login");
    let as_admin = accounts.verify(&admin_session.token).expect("verify");
    assert!(
        matches!(
            accounts.create_profile(Some(&as_admin), "bo", "password-3"),
            Err(AccountsError::InvalidProfile(_))
        ),
        "names are unique regardless of case"
    );
    assert!(matches!(
        accounts.create_profile(Some(&as_admin), "Cy", "short"),
        Err(AccountsError::InvalidProfile(_))
    ));
    assert!(matches!(
        accounts.create_profile(Some(&as_admin), "  ", "password-3"),
        Err(AccountsError::InvalidProfile(_))
    ));
}

#[test]
fn forged_tampered_expired_and_ended_sessions_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (accounts, now, admin, _) = protected(dir.path());
    let session = accounts
        .login(&admin, Some("admin-password"))
        .expect("login");
    accounts.verify(&session.token).expect("fresh token");

    // Signed by another install's key.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let (other, _, other_admin, _) = protected(other_dir.path());
    let foreign = other
        .login(&other_admin, Some("admin-password"))
        .expect("login");
    assert!(matches!(
        accounts.verify(&foreign.token),
        Err(AccountsError::SessionRequired)
    ));

    // The payload changed (another profile id), the signature kept.
    let parts: Vec<&str> = session.token.split('.').collect();
    let forged = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    assert!(matches!(
        accounts.verify(&forged),
        Err(AccountsError::SessionRequired)
    ));
    assert!(matches!(
        accounts.verify(""),
        Err(AccountsError::SessionRequired)
    ));
    assert!(matches!(
        accounts.verify("not.a.jwt"),
        Err(AccountsError::SessionRequired)
    ));

    // Idle past the lock.
    now.fetch_add(minutes(15), Ordering::SeqCst);
    assert!(matches!(
        accounts.verify(&session.token),
        Err(AccountsError::SessionExpired)
    ));

    // Refresh extends; the refreshed-away token stops working; logout ends the session.
    let live = accounts
        .login(&admin, Some("admin-password"))
        .expect("login");
    now.fetch_add(minutes(10), Ordering::SeqCst);
    let refreshed = accounts.refresh(&live.token).expect("refresh");
    assert!(refreshed.expires_at > live.expires_at);
    assert!(matches!(
        accounts.verify(&live.token),
        Err(AccountsError::SessionExpired)
    ));
    now.fetch_add(minutes(10), Ordering::SeqCst);
    accounts
        .verify(&refreshed.token)
        .expect("still live after 20 min thanks to the refresh");
    accounts.logout(&refreshed.token).expect("logout");
    assert!(matches!(
        accounts.verify(&refreshed.token),
        Err(AccountsError::SessionExpired)
    ));
    accounts
        .logout(&refreshed.token)
        .expect("logging out twice is fine");
}

#[test]
fn failed_logins_wait_longer_each_time_and_the_count_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("accounts.sqlite3");
    let key = SigningKey::generate();
    let admin = {
        let (accounts, _) = open(&path, &key, CHEAP);
        accounts
            .create_profile(None, "Ada", "admin-password")
            .expect("claim")
            .id
    };
    let (accounts, now) = open(&path, &key, CHEAP);
    for _ in 0..3 {
        assert!(matches!(
            accounts.login(&admin, Some("guess")),
            Err(AccountsError::WrongPassword)
        ));
    }
    // The fourth attempt waits 1 s, even with the right password.
    match accounts.login(&admin, Some("admin-password")) {
        Err(AccountsError::Throttled { retry_after_ms }) => assert_eq!(retry_after_ms, 1000),
        other => panic!("expected a wait, got {other:?}"),
    }
    now.fetch_add(1000, Ordering::SeqCst);
    assert!(matches!(
        accounts.login(&admin, Some("guess")),
        Err(AccountsError::WrongPassword)
    ));
    drop(accounts);

    let (reopened, now) = open(&path, &key, CHEAP);
    now.store(START + 1000, Ordering::SeqCst);
    match reopened.login(&admin, Some("admin-password")) {
        Err(AccountsError::Throttled { retry_after_ms }) => assert_eq!(retry_after_ms, 2000),
        other => panic!("a restart must not reset the count: {other:?}"),
    }
    now.fetch_add(2000, Ordering::SeqCst);
    reopened
        .login(&admin, Some("admin-password"))
        .expect("right password after the wait");
    // Success resets the count.
    assert!(matches!(
        reopened.login(&admin, Some("guess")),
        Err(AccountsError::WrongPassword)
    ));
    assert!(matches!(
        reopened.login(&admin, Some("guess")),
        Err(AccountsError::WrongPassword)
    ));
    reopened
        .login(&admin, Some("admin-password"))
        .expect("no wait after a success");
}

#[test]
fn roles_decide_who_manages_profiles_and_device_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (accounts, _, admin, member) = protected(dir.path());
    let as_admin = accounts
        .verify(
            &accounts
                .login(&admin, Some("admin-password"))
                .expect("login")
                .token,
        )
        .expect("admin");
    let as_member = accounts
        .verify(
            &accounts
                .login(&member, Some("member-password"))
                .expect("login")
                .token,
        )
        .expect("member");

    assert!(matches!(
        accounts.set_idle_lock_minutes(&as_member, 5),
        Err(AccountsError::AdminOnly(_))
    ));
    assert!(matches!(
        accounts.remove_profile(&as_member, &admin),
        Err(AccountsError::AdminOnly(_))
    ));
    assert!(matches!(
        accounts.remove_profile(&as_admin, &admin),
        Err(AccountsError::Forbidden(_))
    ));
    assert!(matches!(
        accounts.set_idle_lock_minutes(&as_admin, 0),
        Err(AccountsError::InvalidProfile(_))
    ));
    accounts
        .set_idle_lock_minutes(&as_admin, 5)
        .expect("admin sets the idle lock");
    assert_eq!(accounts.idle_lock_minutes().expect("idle"), 5);

    let member_token = accounts
        .login(&member, Some("member-password"))
        .expect("login")
        .token;
    let removed = accounts.remove_profile(&as_admin, &member).expect("remove");
    assert_eq!(removed.data_dir, format!("profiles/{member}"));
    assert!(matches!(
        accounts.verify(&member_token),
        Err(AccountsError::SessionExpired)
    ));
    assert!(matches!(
        accounts.login(&member, Some("member-password")),
        Err(AccountsError::ProfileNotFound(_))
    ));
}

#[test]
fn changing_a_password_checks_the_old_one_and_ends_other_sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (accounts, _, _, member) = protected(dir.path());
    let here = accounts
        .login(&member, Some("member-password"))
        .expect("login");
    let elsewhere = accounts
        .login(&member, Some("member-password"))
        .expect("login");
    let by = accounts.verify(&here.token).expect("verify");
    assert!(matches!(
        accounts.change_password(&by, Some("not it"), "new-password"),
        Err(AccountsError::WrongPassword)
    ));
    accounts
        .change_password(&by, Some("member-password"), "new-password")
        .expect("change");
    accounts.verify(&here.token).expect("this session goes on");
    assert!(matches!(
        accounts.verify(&elsewhere.token),
        Err(AccountsError::SessionExpired)
    ));
    assert!(matches!(
        accounts.login(&member, Some("member-password")),
        Err(AccountsError::WrongPassword)
    ));
    accounts
        .login(&member, Some("new-password"))
        .expect("new password");
}

#[test]
fn a_stronger_policy_upgrades_old_hashes_at_the_next_login() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("accounts.sqlite3");
    let key = SigningKey::generate();
    let admin = {
        let (accounts, _) = open(&path, &key, CHEAP);
        accounts
            .create_profile(None, "Ada", "admin-password")
            .expect("claim")
            .id
    };
    let stored = |path: &Path| -> String {
        rusqlite::Connection::open(path)
            .and_then(|c| c.query_row("SELECT password_hash FROM profiles", [], |r| r.get(0)))
            .expect("read the stored hash")
    };
    assert!(stored(&path).contains("m=1024,t=1,p=1"));
    let stronger = PasswordPolicy {
        memory_kib: 2048,
        iterations: 2,
        parallelism: 1,
    };
    let (accounts, _) = open(&path, &key, stronger);
    accounts
        .login(&admin, Some("admin-password"))
        .expect("old hash still verifies");
    assert!(
        stored(&path).contains("m=2048,t=2,p=1"),
        "{}",
        stored(&path)
    );
    accounts
        .login(&admin, Some("admin-password"))
        .expect("new hash verifies");
}

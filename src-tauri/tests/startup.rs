//! The real app binary refuses to start on a bad configuration, with a message that says why, and
//! finds a damaged database at start (leaving it as it is) instead of opening an empty app. No display is needed: both failures
//! happen before a window exists. (This test is also what makes `cargo test` build the binary the
//! end-to-end journeys drive.)

use std::process::Command;

fn app(home: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bailian-desk-app"));
    command
        .env("BAILIAN_DESK_HOME", home)
        .env("BAILIAN_DESK_VAULT", "none")
        .env_remove("DASHSCOPE_API_KEY")
        .env_remove("BAILIAN_BASE_URL")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

#[test]
fn a_bad_region_stops_the_app_with_a_clear_message() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = app(home.path())
        .env("BAILIAN_REGION", "moon-1")
        .output()
        .expect("run the app");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Bailian Desk cannot start") && stderr.contains("BAILIAN_REGION"),
        "{stderr}"
    );
}

#[test]
fn a_damaged_database_is_reported_and_kept_not_replaced() {
    let home = tempfile::tempdir().expect("tempdir");
    let database = home.path().join("desk.sqlite3");
    let garbage = b"this is not a database, but it is someone's history".repeat(100);
    std::fs::write(&database, &garbage).expect("write");
    // Without a display the window cannot open, but the damage is found and said before that.
    let out = app(home.path()).output().expect("run the app");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is damaged and was not opened; nothing was deleted"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&database).expect("still there"),
        garbage,
        "the damaged file is left as it was"
    );
}

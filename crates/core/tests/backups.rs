//! Automatic backups when the app opens: one a day at most, only when there is history, and a
//! failure is reported in the status rather than swallowed or blocking the history.

mod common;

use bailian_emulator::RunningEmulator;
use desk_core::{Desk, SendRequest};

use common::keyed_config;

#[tokio::test]
async fn opening_takes_a_daily_backup_of_existing_history() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    {
        let desk = Desk::open(keyed_config(home.path(), emulator.base_url())).expect("open");
        assert!(
            desk.backups().expect("list").is_empty(),
            "nothing to back up in an empty store"
        );
        let request = SendRequest {
            conversation_id: None,
            prompt: "keep me safe".into(),
            model: None,
            ..SendRequest::default()
        };
        desk.send_message(request, |_| {}).await.expect("chat");
    }
    let desk = Desk::open(keyed_config(home.path(), emulator.base_url())).expect("reopen");
    assert_eq!(
        desk.backups().expect("list").len(),
        1,
        "the first open with history backs it up"
    );
    assert!(desk.status().backup_problem.is_none());
    drop(desk);
    let desk = Desk::open(keyed_config(home.path(), emulator.base_url())).expect("reopen");
    assert_eq!(
        desk.backups().expect("list").len(),
        1,
        "at most one automatic backup a day"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_failed_automatic_backup_is_reported_not_fatal() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    {
        let desk = Desk::open(keyed_config(home.path(), emulator.base_url())).expect("open");
        let request = SendRequest {
            conversation_id: None,
            prompt: "hello".into(),
            model: None,
            ..SendRequest::default()
        };
        desk.send_message(request, |_| {}).await.expect("chat");
    }
    // A file where the backups folder should be makes the backup fail.
    std::fs::write(home.path().join("backups"), b"not a folder").expect("block");
    let desk = Desk::open(keyed_config(home.path(), emulator.base_url()))
        .expect("the history still opens");
    assert!(desk.status().backup_problem.is_some_and(|p| !p.is_empty()));
    assert_eq!(desk.list_conversations().expect("list").len(), 1);
}

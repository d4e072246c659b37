//! The history is never lost to an upgrade or a damaged file: upgrades are backed up and undone
//! when they fail; damage is reported (never papered over with an empty database) and a backup can
//! be restored, with the damaged file kept aside.

mod common;

use common::raw_count;

use std::path::Path;

use desk_store::{
    MIGRATIONS, MessageStatus, Migration, Store, StoreError, backups_dir, list_backups,
    restore_backup,
};

fn raw_version(path: &Path) -> i64 {
    raw_count(path, "PRAGMA user_version")
}

fn with_failing_step() -> Vec<Migration> {
    let mut list = MIGRATIONS.to_vec();
    list.push(Migration {
        name: "9999_broken",
        sql: "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);",
    });
    list
}

#[test]
fn an_upgrade_is_backed_up_first_and_keeps_every_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    common::v1_database(&path);

    let store = Store::open(&path).expect("upgrade");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    let backups = list_backups(dir.path()).expect("list");
    assert_eq!(backups.len(), 1);
    let name = backups[0]
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name");
    assert!(
        name.starts_with("desk-pre-v2-") && name.ends_with(".sqlite3"),
        "{name}"
    );
    assert_eq!(
        raw_version(&backups[0].path),
        1,
        "the backup is the old schema"
    );
    assert_eq!(
        raw_count(&backups[0].path, "SELECT COUNT(*) FROM messages"),
        4
    );

    let messages = store.messages("c-1").expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[1].usage.map(|u| u.total_tokens), Some(30));
    assert_eq!(messages[3].status, MessageStatus::Partial, "recovered");
    assert_eq!(messages[3].content, "Half an ans");
    assert!(store.integrity_check().is_ok());
    assert_eq!(
        store.search("通义千问", 10).expect("search").len(),
        1,
        "old messages are indexed by the upgrade"
    );
    drop(store);
    // Opening an up-to-date database takes no further backup.
    drop(Store::open(&path).expect("reopen"));
    assert_eq!(list_backups(dir.path()).expect("list").len(), 1);
}

#[test]
fn a_new_database_needs_no_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(Store::open(&dir.path().join("desk.sqlite3")).expect("open"));
    assert!(list_backups(dir.path()).expect("list").is_empty());
}

#[test]
fn a_failing_migration_restores_the_backup_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    // The rows live only in the WAL: the backup must read through it, and the restore must not
    // let a stale WAL be replayed over the restored file.
    common::v1_database_with_data_in_the_wal(&path);

    let error = Store::open_with_migrations(&path, &with_failing_step()).expect_err("must fail");
    let StoreError::MigrationFailed {
        version,
        backup,
        reason,
    } = &error
    else {
        panic!("expected MigrationFailed, got {error:?}");
    };
    assert_eq!(*version, with_failing_step().len() as i64);
    assert!(reason.contains("no_such_table"), "{reason}");
    assert!(backup.exists(), "the backup is kept");
    assert!(backup.starts_with(backups_dir(dir.path())));
    let message = error.to_string();
    assert!(message.contains("restored"), "{message}");

    // Exactly the data from before the upgrade, at the old schema.
    assert_eq!(raw_version(&path), 1);
    assert_eq!(raw_count(&path, "SELECT COUNT(*) FROM messages"), 4);
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('half_done', 'messages_fts', 'ops')"
        ),
        0,
        "nothing of the upgrade is left"
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"
        ),
        1
    );

    // The real upgrade still works afterwards, and nothing was lost.
    let store = Store::open(&path).expect("open after the failure");
    let messages = store.messages("c-1").expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0].content, "请介绍一下通义千问 please");
    assert_eq!(messages[1].request_id.as_deref(), Some("req-9"));
}

fn store_with_history(path: &Path) -> String {
    let mut store = Store::open(path).expect("open");
    let conversation = store
        .create_conversation("Keep me", "qwen-plus")
        .expect("create");
    for round in 0..150 {
        let inserted = store
            .insert_messages(
                &conversation.id,
                &common::prompt_and_placeholder(&format!("question {round} 通义千问")),
            )
            .expect("insert");
        store
            .finish_message(
                &inserted[1].id,
                &format!("answer {round} {}", "内容".repeat(40)),
                MessageStatus::Complete,
                None,
                None,
                None,
            )
            .expect("finish");
    }
    conversation.id
}

fn assert_corrupt(path: &Path, expected_backup: Option<&Path>) {
    match Store::open(path) {
        Err(StoreError::Corrupt {
            path: reported,
            latest_backup,
        }) => {
            assert_eq!(reported, path);
            assert_eq!(latest_backup.as_deref(), expected_backup);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn garbage_over_the_file_is_reported_not_replaced_and_a_backup_brings_the_data_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let conversation_id = store_with_history(&path);
    let backup = {
        let store = Store::open(&path).expect("open");
        store.backup_now(&backups_dir(dir.path())).expect("backup")
    };
    let length = std::fs::metadata(&path).expect("meta").len() as usize;
    let garbage: Vec<u8> = (0..length).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&path, &garbage).expect("overwrite");

    assert_corrupt(&path, Some(&backup));
    assert_eq!(
        std::fs::read(&path).expect("read"),
        garbage,
        "the damaged file is left exactly as it was"
    );

    let aside = restore_backup(&path, &backup)
        .expect("restore")
        .expect("moved aside");
    let aside_name = aside.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(
        aside_name.starts_with("desk.sqlite3.corrupt-"),
        "{aside_name}"
    );
    assert_eq!(
        std::fs::read(&aside).expect("aside"),
        garbage,
        "never deleted"
    );

    let store = Store::open(&path).expect("open restored");
    assert_eq!(
        store.messages(&conversation_id).expect("messages").len(),
        300
    );
    assert!(store.integrity_check().is_ok());
}

#[test]
fn a_truncated_file_is_reported_as_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    store_with_history(&path);
    let length = std::fs::metadata(&path).expect("meta").len();
    assert!(length > 64 * 1024, "enough pages to cut: {length}");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open file");
    file.set_len(length / 2).expect("truncate");
    drop(file);
    assert_corrupt(&path, None);
    assert_eq!(std::fs::metadata(&path).expect("meta").len(), length / 2);
}

#[test]
fn an_emptied_file_next_to_backups_is_not_a_fresh_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    store_with_history(&path);
    let backup = Store::open(&path)
        .expect("open")
        .backup_now(&backups_dir(dir.path()))
        .expect("backup");
    std::fs::write(&path, b"").expect("empty");
    assert_corrupt(&path, Some(&backup));
}

#[test]
fn backups_are_self_contained_listed_newest_first_and_checked_before_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    store_with_history(&path);
    let store = Store::open(&path).expect("open");
    let first = store.backup_now(&backups_dir(dir.path())).expect("first");
    let second = store.backup_now(&backups_dir(dir.path())).expect("second");
    drop(store);
    let listed: Vec<_> = list_backups(dir.path())
        .expect("list")
        .into_iter()
        .map(|b| b.path)
        .collect();
    assert_eq!(listed, vec![second.clone(), first]);
    let mut wal = second.as_os_str().to_owned();
    wal.push("-wal");
    assert!(!Path::new(&wal).exists(), "a backup is one file");
    let header = std::fs::read(&second).expect("read");
    assert_eq!(
        (header[18], header[19]),
        (1, 1),
        "rollback-journal mode, not WAL"
    );

    let bad = dir.path().join("not-a-backup.sqlite3");
    std::fs::write(&bad, b"definitely not sqlite, just some words here").expect("write");
    assert!(matches!(
        restore_backup(&path, &bad),
        Err(StoreError::BackupUnusable { .. })
    ));
    assert!(
        Store::open(&path).is_ok(),
        "a refused restore touches nothing"
    );
}

#[test]
fn large_files_get_cheap_checks_that_still_catch_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let conversation_id = store_with_history(&path);
    // A limit of zero makes every file "large": only the cheap checks run on open.
    let store = Store::open_with_check_limit(&path, 0).expect("a sound file opens");
    assert_eq!(
        store.messages(&conversation_id).expect("messages").len(),
        300
    );
    assert!(
        store.quick_check().is_ok(),
        "the full check is still available"
    );
    drop(store);

    let length = std::fs::metadata(&path).expect("meta").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open file");
    file.set_len(length - 4096 * 3).expect("truncate");
    drop(file);
    assert!(
        matches!(
            Store::open_with_check_limit(&path, 0),
            Err(StoreError::Corrupt { .. })
        ),
        "a cut file is caught without reading every page"
    );

    std::fs::write(&path, vec![0x5a_u8; 8192]).expect("garbage");
    assert!(matches!(
        Store::open_with_check_limit(&path, 0),
        Err(StoreError::Corrupt { .. })
    ));
}

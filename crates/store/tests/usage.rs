//! The usage ledger, its totals and settings, and importing conversations, on a real file.

mod common;

use desk_store::{
    ImportedConversation, MessageError, MessageStatus, NewUsage, Store, StoreError, Usage,
    UsageGroup, UsageKind, UsageStatus,
};

fn chat_call(model: &str, conversation: Option<&str>, cost: Option<f64>) -> NewUsage {
    NewUsage {
        kind: UsageKind::Chat,
        model: model.to_owned(),
        conversation_id: conversation.map(str::to_owned),
        item_id: Some("m1".into()),
        input_tokens: Some(100),
        output_tokens: Some(50),
        units: None,
        unit: None,
        latency_ms: 1234,
        status: UsageStatus::Ok,
        error_code: None,
        cost_cny: cost,
        price_as_of: cost.map(|_| "2025-09".to_owned()),
    }
}

#[test]
fn the_ledger_survives_reopen_and_totals_group_by_day_model_and_conversation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    {
        let store = Store::open(&path).expect("open");
        store
            .record_usage(&chat_call("qwen-plus", Some("c1"), Some(0.5)))
            .expect("record");
        store
            .record_usage(&chat_call("qwen-plus", Some("c2"), Some(0.25)))
            .expect("record");
        // No price in the registry: the cost is unknown, not zero.
        store
            .record_usage(&NewUsage {
                status: UsageStatus::Failed,
                error_code: Some("rate_limited".into()),
                ..chat_call("qwen-max", Some("c1"), None)
            })
            .expect("record");
        store
            .record_usage(&NewUsage {
                kind: UsageKind::Image,
                model: "wanx2.1-t2i-turbo".into(),
                conversation_id: None,
                item_id: Some("task".into()),
                input_tokens: None,
                output_tokens: None,
                units: Some(2),
                unit: Some("images"),
                latency_ms: 5000,
                status: UsageStatus::Partial,
                error_code: None,
                cost_cny: Some(0.4),
                price_as_of: Some("2025-09".into()),
            })
            .expect("record");
    }
    let store = Store::open(&path).expect("reopen");
    let records = store.usage_records(0, i64::MAX).expect("records");
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].kind, UsageKind::Chat);
    assert_eq!(records[0].input_tokens, Some(100));
    assert_eq!(records[0].cost_cny, Some(0.5));
    assert_eq!(records[0].price_as_of.as_deref(), Some("2025-09"));
    assert_eq!(records[2].status, UsageStatus::Failed);
    assert_eq!(records[2].cost_cny, None);
    assert_eq!(records[3].unit.as_deref(), Some("images"));
    let json = serde_json::to_value(&records[3]).expect("json");
    assert_eq!(json["kind"], "image");
    assert_eq!(json["status"], "partial");

    let by_model = store
        .usage_totals(0, i64::MAX, UsageGroup::Model)
        .expect("totals");
    let plus = by_model
        .iter()
        .find(|t| t.key == "qwen-plus")
        .expect("qwen-plus");
    assert_eq!(
        (plus.calls, plus.input_tokens, plus.output_tokens),
        (2, 200, 100)
    );
    assert!((plus.cost_cny - 0.75).abs() < 1e-9);
    let max = by_model.iter().find(|t| t.key == "qwen-max").expect("max");
    assert_eq!((max.failed_calls, max.unpriced_calls), (1, 1));

    let by_conversation = store
        .usage_totals(0, i64::MAX, UsageGroup::Conversation)
        .expect("totals");
    let keys: Vec<&str> = by_conversation.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["", "c1", "c2"]);
    assert_eq!(by_conversation[1].calls, 2);

    let by_day = store
        .usage_totals(0, i64::MAX, UsageGroup::Day)
        .expect("totals");
    assert_eq!(by_day.len(), 1, "all today");
    assert_eq!(by_day[0].calls, 4);
    assert_eq!(by_day[0].units, 2);
    assert!((by_day[0].cost_cny - 1.15).abs() < 1e-9);

    // The range is half-open and filters.
    let now = desk_store::now_ms();
    assert!(
        store
            .usage_records(now + 1, i64::MAX)
            .expect("none")
            .is_empty()
    );
    let (month_start, next_month) = store.local_month_bounds(now).expect("month");
    assert!(month_start <= now && now < next_month);
    assert!((store.usage_cost_cny(month_start, next_month).expect("cost") - 1.15).abs() < 1e-9);
}

#[test]
fn days_are_checked_and_settings_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    {
        let store = Store::open(&path).expect("open");
        let day = store
            .local_day_start_ms("2025-03-01")
            .expect("query")
            .expect("a real day");
        let next = store
            .local_day_start_ms("2025-03-02")
            .expect("query")
            .expect("a real day");
        assert_eq!(next - day, 86_400_000);
        assert_eq!(
            store.local_day_end_ms("2025-03-01").expect("query"),
            Some(next)
        );
        for bad in ["2025-02-30", "2025-13-01", "yesterday", "2025-3-1", ""] {
            assert_eq!(store.local_day_start_ms(bad).expect("query"), None, "{bad}");
        }
        store
            .set_setting(desk_store::SETTING_BUDGET_MONTHLY_CNY, Some("10"))
            .expect("set");
        store
            .set_setting(desk_store::SETTING_BUDGET_MONTHLY_CNY, Some("12.5"))
            .expect("overwrite");
        store.set_setting("other", Some("x")).expect("set");
        store.set_setting("other", None).expect("remove");
    }
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store
            .setting(desk_store::SETTING_BUDGET_MONTHLY_CNY)
            .expect("get")
            .as_deref(),
        Some("12.5")
    );
    assert_eq!(store.setting("other").expect("get"), None);
}

fn exported(store: &Store) -> Vec<ImportedConversation> {
    store
        .list_conversations()
        .expect("list")
        .into_iter()
        .map(|c| ImportedConversation {
            messages: store.messages(&c.id).expect("messages"),
            id: c.id,
            title: c.title,
            model: c.model,
            created_at: c.created_at,
        })
        .collect()
}

#[test]
fn an_import_merges_by_id_never_overwrites_and_is_in_the_op_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut source = Store::open(&dir.path().join("a.sqlite3")).expect("open");
    let conversation = source
        .create_conversation("导出测试", "qwen-plus")
        .expect("create");
    let turn = source
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("你好"))
        .expect("insert");
    source
        .finish_message(
            &turn[1].id,
            "你好！",
            MessageStatus::Complete,
            Some(Usage {
                input_tokens: 3,
                output_tokens: 2,
                total_tokens: 5,
            }),
            None,
            Some("req-1"),
        )
        .expect("finish");
    let second = source
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("再来"))
        .expect("insert");
    source
        .finish_message(
            &second[1].id,
            "",
            MessageStatus::Failed,
            None,
            Some(&MessageError {
                code: "network".into(),
                message: "unreachable".into(),
            }),
            None,
        )
        .expect("finish");
    let export = exported(&source);

    let path = dir.path().join("b.sqlite3");
    let target = Store::open(&path).expect("open");
    let counts = target.import_conversations(&export).expect("import");
    assert_eq!((counts.conversations_added, counts.messages_added), (1, 4));
    assert_eq!(
        exported(&target),
        export,
        "the import reproduces the history"
    );
    let ops = target.ops_since(target.device_id(), 0).expect("ops");
    assert!(ops.len() >= 5, "every addition is an op: {}", ops.len());

    // A second import adds nothing.
    let again = target.import_conversations(&export).expect("again");
    assert_eq!(
        (
            again.conversations_added,
            again.conversations_skipped,
            again.messages_added,
            again.messages_skipped
        ),
        (0, 1, 0, 4)
    );
    assert_eq!(
        target.ops_since(target.device_id(), 0).expect("ops").len(),
        ops.len()
    );

    // What exists is never overwritten; what is new is merged in.
    let mut changed = export.clone();
    changed[0].title = "another title".into();
    changed[0].messages[0].content = "changed".into();
    let mut extra = changed[0].messages[1].clone();
    extra.id = desk_store::new_id();
    extra.created_at += 10;
    extra.updated_at += 10;
    changed[0].messages.push(extra);
    let merged = target.import_conversations(&changed).expect("merge");
    assert_eq!((merged.messages_added, merged.messages_skipped), (1, 4));
    let now = target.conversation(&conversation.id).expect("conversation");
    assert_eq!(now.title, "导出测试");
    assert_eq!(
        target.messages(&conversation.id).expect("messages")[0].content,
        "你好"
    );
    drop(target);

    // A fresh database rebuilt from the log holds the imported history.
    let target = Store::open(&path).expect("reopen");
    let rebuilt = Store::open(&dir.path().join("c.sqlite3")).expect("open");
    rebuilt
        .apply_remote_ops(&target.ops_since(target.device_id(), 0).expect("ops"))
        .expect("apply");
    assert_eq!(exported(&rebuilt), exported(&target));
}

#[test]
fn a_failing_import_adds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut source = Store::open(&dir.path().join("a.sqlite3")).expect("open");
    for title in ["first", "second"] {
        let conversation = source
            .create_conversation(title, "qwen-plus")
            .expect("create");
        source
            .insert_messages(&conversation.id, &common::prompt_and_placeholder(title))
            .expect("insert");
    }
    let mut export = exported(&source);
    export.sort_by(|a, b| a.title.cmp(&b.title));
    // The second conversation's prompt fails to insert, after the first was written.
    export[1].messages[0].content = "boom".into();
    let path = dir.path().join("b.sqlite3");
    let target = Store::open(&path).expect("open");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch(
        "CREATE TRIGGER boom BEFORE INSERT ON messages WHEN new.content = 'boom' \
         BEGIN SELECT RAISE(ABORT, 'boom'); END;",
    )
    .expect("trigger");
    drop(raw);
    let error = target.import_conversations(&export).expect_err("fails");
    assert!(matches!(error, StoreError::Sqlite(_)), "{error}");
    assert!(target.list_conversations().expect("list").is_empty());
    assert!(
        target
            .ops_since(target.device_id(), 0)
            .expect("ops")
            .is_empty()
    );
}

//! The usage ledger as the core writes it: one row per call on every path (complete, partial,
//! failed; chat, images, speech, embeddings), and a blocking budget that refuses every kind of
//! call before a request is sent.

mod common;

use bailian_emulator::RunningEmulator;
use desk_core::{
    AtLimit, BudgetLevel, Desk, DeskConfig, ErrorCode, ImageJob, SendRequest, UsageKind,
    UsageStatus,
};

use common::{emulator_config, fast_poll};

/// One try (each ending is recorded once) and fast polling for the image calls.
fn config(home: &std::path::Path, base_url: String) -> DeskConfig {
    let mut config = emulator_config(home, base_url, 1);
    config.image_poll = fast_poll();
    config
}

fn ask(prompt: &str) -> SendRequest {
    SendRequest {
        conversation_id: None,
        prompt: prompt.to_owned(),
        model: None,
        ..SendRequest::default()
    }
}

#[tokio::test]
async fn every_call_leaves_one_row_whatever_its_ending() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");

    let ok = desk.send_message(ask("hello"), |_| {}).await.expect("ok");
    assert!(ok.budget.is_none(), "no budget, no notice");
    emulator.push_fault("cut_after=6", 1).expect("fault");
    let _ = desk.send_message(ask("cut"), |_| {}).await;
    emulator.push_fault("status=401", 1).expect("fault");
    let rejected = desk.send_message(ask("rejected"), |_| {}).await;
    assert!(rejected.is_err());
    emulator.push_fault("partial_fail=1", 1).expect("fault");
    let image = desk
        .create_image(
            ImageJob {
                prompt: "a red lantern".into(),
                n: Some(3),
                size: Some("1024*1024".into()),
                ..ImageJob::default()
            },
            |_| {},
        )
        .await
        .expect("image");
    desk.speak("你好，世界", None, "mp3", |_| {})
        .await
        .expect("speak");
    desk.embed(vec!["text".into()], None, None)
        .await
        .expect("embed");
    // Refused locally: not a call, not a row.
    assert!(desk.speak("  ", None, "mp3", |_| {}).await.is_err());

    let rows = desk.usage_records(None, None).expect("rows");
    let summary: Vec<(UsageKind, UsageStatus)> = rows.iter().map(|r| (r.kind, r.status)).collect();
    assert_eq!(
        summary,
        vec![
            (UsageKind::Chat, UsageStatus::Ok),
            (UsageKind::Chat, UsageStatus::Partial),
            (UsageKind::Chat, UsageStatus::Failed),
            (UsageKind::Image, UsageStatus::Partial),
            (UsageKind::SpeechSynthesis, UsageStatus::Ok),
            (UsageKind::Embedding, UsageStatus::Ok),
        ]
    );
    assert!(rows[0].cost_cny.is_some_and(|c| c > 0.0) && rows[0].price_as_of.is_some());
    assert_eq!(
        rows[0].item_id.as_deref(),
        Some(ok.assistant_message_id.as_str())
    );
    assert_eq!(rows[2].error_code.as_deref(), Some("invalid_api_key"));
    assert_eq!(rows[3].units, Some(2), "two of three images stored");
    assert_eq!(rows[3].item_id.as_deref(), Some(image.task.id.as_str()));
    assert_eq!(rows[4].unit.as_deref(), Some("characters"));
    assert!(rows[4].units.is_some_and(|n| n > 0));
    assert!(rows[5].input_tokens.is_some_and(|n| n > 0));
}

#[tokio::test]
async fn a_blocking_budget_refuses_every_kind_of_call_before_sending() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    desk.send_message(ask("spend"), |_| {}).await.expect("ok");
    let spent = desk.month_cost_cny().expect("spent");
    assert!(spent > 0.0);

    let status = desk
        .set_budget(Some(spent / 0.85), AtLimit::Block)
        .expect("set");
    assert_eq!(status.level, BudgetLevel::Warning);
    let outcome = desk.send_message(ask("warned"), |_| {}).await.expect("ok");
    let notice = outcome.budget.expect("a notice at 80 %");
    assert!(notice.fraction.is_some_and(|f| f >= 0.8));
    assert_eq!(desk.budget().expect("budget").level, BudgetLevel::Exceeded);

    emulator.clear_requests();
    let before = desk.list_conversations().expect("list");
    let refused = desk.send_message(ask("refused"), |_| {}).await;
    assert_eq!(
        refused.expect_err("blocked").code,
        ErrorCode::BudgetExceeded
    );
    let image = desk
        .create_image(
            ImageJob {
                prompt: "x".into(),
                ..ImageJob::default()
            },
            |_| {},
        )
        .await;
    assert_eq!(image.expect_err("blocked").code, ErrorCode::BudgetExceeded);
    let speak = desk.speak("hi", None, "mp3", |_| {}).await;
    assert_eq!(speak.expect_err("blocked").code, ErrorCode::BudgetExceeded);
    let embed = desk.embed(vec!["x".into()], None, None).await;
    assert_eq!(embed.expect_err("blocked").code, ErrorCode::BudgetExceeded);
    assert!(emulator.requests().is_empty(), "nothing reached the server");
    assert_eq!(desk.list_conversations().expect("list"), before);
    assert!(desk.image_tasks(10).expect("tasks").is_empty());
    assert_eq!(desk.usage_records(None, None).expect("rows").len(), 2);

    // Removing the budget lets calls through.
    desk.set_budget(None, AtLimit::Block).expect("unset");
    assert_eq!(desk.budget().expect("budget").level, BudgetLevel::Unset);
    desk.send_message(ask("free again"), |_| {})
        .await
        .expect("ok");
}

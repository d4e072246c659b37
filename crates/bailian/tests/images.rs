//! Image tasks against the emulator: submit, the PENDING → RUNNING → SUCCEEDED/FAILED walk,
//! partial failures, cancel, unknown ids, result downloads, and what is (not) retried.

use std::time::Duration;

use bailian::{
    ApiKey, Client, ClientConfig, Error, ImageRequest, PollPolicy, RetryPolicy, TaskResult,
    TaskStatus,
};
use bailian_emulator::{DEFAULT_API_KEY, EmulatorConfig, RunningEmulator};

fn client(emulator: &RunningEmulator, key: &str) -> Client {
    let mut config = ClientConfig::new(emulator.base_url(), ApiKey::new(key).expect("key"));
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        total_budget: Duration::from_secs(5),
    };
    Client::new(config).expect("client")
}

fn fast_polls() -> PollPolicy {
    PollPolicy {
        initial: Duration::from_millis(1),
        max: Duration::from_millis(2),
        give_up_after: Duration::from_secs(10),
    }
}

fn cat(n: u32) -> ImageRequest {
    ImageRequest {
        n: Some(n),
        size: Some("1024*1024".into()),
        ..ImageRequest::new("wanx2.1-t2i-turbo", "a running cat")
    }
}

async fn two_keys() -> RunningEmulator {
    RunningEmulator::start(
        EmulatorConfig {
            api_keys: vec![DEFAULT_API_KEY.into(), "sk-other".into()],
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator")
}

#[tokio::test]
async fn a_batch_walks_through_every_state_and_downloads() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let submitted = client.submit_image(&cat(2)).await.expect("submit");
    assert_eq!(submitted.status, TaskStatus::Pending);
    let mut seen = Vec::new();
    let done = client
        .wait_task(&submitted.task_id, &fast_polls(), |state| {
            seen.push(state.status)
        })
        .await
        .expect("wait");
    assert_eq!(
        seen,
        vec![
            TaskStatus::Pending,
            TaskStatus::Running,
            TaskStatus::Succeeded
        ]
    );
    assert_eq!(done.results.len(), 2);
    let mut files = Vec::new();
    for result in &done.results {
        let TaskResult::Image { url, actual_prompt } = result else {
            panic!("{result:?}")
        };
        assert!(
            actual_prompt
                .as_deref()
                .is_some_and(|p| p.contains("a running cat"))
        );
        let bytes = client.download(url, 1 << 20).await.expect("download");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        files.push(bytes);
    }
    assert_ne!(
        files[0], files[1],
        "each image of the batch is its own file"
    );
    assert_eq!(
        done.usage.as_ref().and_then(|u| u["image_count"].as_u64()),
        Some(2)
    );
}

#[tokio::test]
async fn a_partly_failed_batch_keeps_what_succeeded() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("partial_fail=1", 1).expect("fault");
    let client = client(&emulator, DEFAULT_API_KEY);
    let task = client.submit_image(&cat(3)).await.expect("submit");
    let done = client
        .wait_task(&task.task_id, &fast_polls(), |_| {})
        .await
        .expect("wait");
    assert_eq!(done.status, TaskStatus::Succeeded);
    let images = done
        .results
        .iter()
        .filter(|r| matches!(r, TaskResult::Image { .. }))
        .count();
    let failed: Vec<_> = done
        .results
        .iter()
        .filter_map(|r| match r {
            TaskResult::Failed { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!((images, failed), (2, vec!["DataInspectionFailed"]));
}

#[tokio::test]
async fn a_failed_task_reports_its_code() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("task_fail=InvalidParameter", 1)
        .expect("fault");
    let client = client(&emulator, DEFAULT_API_KEY);
    let task = client.submit_image(&cat(1)).await.expect("submit");
    let done = client
        .wait_task(&task.task_id, &fast_polls(), |_| {})
        .await
        .expect("wait");
    assert_eq!(
        (done.status, done.code.as_deref()),
        (TaskStatus::Failed, Some("InvalidParameter"))
    );
    assert!(done.results.is_empty());
}

#[tokio::test]
async fn unknown_ids_and_other_keys_tasks_are_unknown() {
    let emulator = two_keys().await;
    let mine = client(&emulator, DEFAULT_API_KEY);
    let theirs = client(&emulator, "sk-other");
    assert_eq!(
        mine.task("no-such-task").await.expect("poll").status,
        TaskStatus::Unknown
    );
    let task = mine.submit_image(&cat(1)).await.expect("submit");
    assert_eq!(
        theirs.task(&task.task_id).await.expect("poll").status,
        TaskStatus::Unknown,
        "a task id from another key"
    );
    assert_eq!(
        mine.task(&task.task_id).await.expect("poll").status,
        TaskStatus::Pending
    );
}

#[tokio::test]
async fn cancel_only_while_pending() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let pending = client.submit_image(&cat(1)).await.expect("submit");
    client.cancel_task(&pending.task_id).await.expect("cancel");
    assert_eq!(
        client.task(&pending.task_id).await.expect("poll").status,
        TaskStatus::Canceled
    );

    let running = client.submit_image(&cat(1)).await.expect("submit");
    client.task(&running.task_id).await.expect("poll");
    let error = client
        .cancel_task(&running.task_id)
        .await
        .expect_err("too late");
    assert_eq!(
        error.api().map(|a| a.code.as_str()),
        Some("UnsupportedOperation")
    );
}

#[tokio::test]
async fn submits_are_retried_only_when_refused() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    emulator.push_fault("status=429", 1).expect("fault");
    client.submit_image(&cat(1)).await.expect("second attempt");
    assert_eq!(
        emulator.requests().len(),
        2,
        "a 429 created nothing, so it is retried"
    );
    emulator.clear_requests();
    emulator.push_fault("status=500", 1).expect("fault");
    let error = client.submit_image(&cat(1)).await.expect_err("500");
    assert_eq!(error.api().map(|a| a.status), Some(500));
    assert_eq!(
        emulator.requests().len(),
        1,
        "a 500 may have created a task: never submitted twice"
    );
}

#[tokio::test]
async fn bad_requests_never_reach_the_server() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    for request in [
        ImageRequest {
            size: Some("10*10".into()),
            ..cat(1)
        },
        ImageRequest {
            n: Some(9),
            ..cat(1)
        },
        ImageRequest::new("qwen-plus", "a cat"),
        ImageRequest::new("wanx-v1", ""),
    ] {
        assert!(
            matches!(
                client.submit_image(&request).await,
                Err(Error::InvalidRequest(_))
            ),
            "{request:?}"
        );
    }
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn wan26_tasks_yield_their_images() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let task = client
        .submit_image(&ImageRequest {
            n: Some(2),
            ..ImageRequest::new("wan2.6-t2i", "a lighthouse")
        })
        .await
        .expect("submit");
    let done = client
        .wait_task(&task.task_id, &fast_polls(), |_| {})
        .await
        .expect("wait");
    assert_eq!(done.status, TaskStatus::Succeeded);
    let urls: Vec<&str> = done
        .results
        .iter()
        .filter_map(|r| match r {
            TaskResult::Image { url, .. } => Some(url.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(urls.len(), 2);
    assert_eq!(
        &client.download(urls[0], 1 << 20).await.expect("download")[..4],
        b"\x89PNG"
    );
}

//! Helpers shared by the core's integration tests: a `Desk` on a temporary home that talks to a
//! local emulator, and reading back what the emulator was sent and what the ledger holds.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use bailian::{ApiKey, PollPolicy, RetryPolicy};
use bailian_emulator::{DEFAULT_API_KEY, RecordedRequest, RunningEmulator};
use desk_core::{Desk, DeskConfig, UsageRecord};

/// `home` talking to the emulator at `base_url` with its key; everything else the default.
pub fn keyed_config(home: &Path, base_url: String) -> DeskConfig {
    let mut config = DeskConfig::at(home);
    config.base_url = base_url;
    config.api_key = ApiKey::new(DEFAULT_API_KEY);
    config
}

/// [`keyed_config`] with up to `max_attempts` tries per request, a few milliseconds apart.
pub fn emulator_config(home: &Path, base_url: String, max_attempts: u32) -> DeskConfig {
    let mut config = keyed_config(home, base_url);
    config.retry = retry(max_attempts);
    config
}

/// Up to `max_attempts` tries, 5–20 ms apart, within 5 s.
pub fn retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        total_budget: Duration::from_secs(5),
    }
}

/// Two tries, 1–2 ms apart, within 2 s: the speech and meeting tests' setting.
pub fn short_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        initial_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        total_budget: Duration::from_secs(2),
    }
}

/// Polls a task every 1–2 ms, giving up after 10 s.
pub fn fast_poll() -> PollPolicy {
    PollPolicy {
        initial: Duration::from_millis(1),
        max: Duration::from_millis(2),
        give_up_after: Duration::from_secs(10),
    }
}

/// For the tests of polled tasks (speech, transcriptions, meetings): [`short_retry`] and
/// [`fast_poll`].
pub fn task_config(home: &Path, base_url: String) -> DeskConfig {
    let mut config = keyed_config(home, base_url);
    config.image_poll = fast_poll();
    config.retry = short_retry();
    config
}

/// A running emulator and a `Desk` on a home of its own that talks to it.
pub struct Fixture {
    pub emulator: RunningEmulator,
    pub desk: Desk,
    pub home: tempfile::TempDir,
}

impl Fixture {
    /// Starts an emulator and opens a `Desk` on a new home with `config(home, emulator URL)`.
    pub async fn start(config: impl FnOnce(&Path, String) -> DeskConfig) -> Self {
        let emulator = RunningEmulator::start_local().await.expect("emulator");
        let home = tempfile::tempdir().expect("tempdir");
        let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
        Self {
            emulator,
            desk,
            home,
        }
    }
}

/// The requests the emulator received at exactly `path`, in order.
pub fn requests_to(emulator: &RunningEmulator, path: &str) -> Vec<RecordedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

/// The chat (text and multimodal generation) requests the emulator received, in order.
pub fn chat_requests(emulator: &RunningEmulator) -> Vec<RecordedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/generation"))
        .collect()
}

/// Every ledger row, each as `row` makes it.
pub fn ledger<T>(desk: &Desk, row: impl FnMut(UsageRecord) -> T) -> Vec<T> {
    desk.usage_records(None, None)
        .expect("ledger")
        .into_iter()
        .map(row)
        .collect()
}

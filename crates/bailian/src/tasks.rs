//! DashScope's asynchronous tasks (reference §4): submit with `X-DashScope-Async: enable`, poll
//! `GET /api/v1/tasks/{id}`, cancel while `PENDING`. Used by image generation and file
//! transcription; the caller persists the task id the moment it is returned, so polling can
//! resume after a restart.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Pending,
    Running,
    Suspended,
    Succeeded,
    Failed,
    Canceled,
    /// The id does not exist, expired (after 24 h), or belongs to another key or workspace.
    Unknown,
}

impl TaskStatus {
    /// The SDKs' terminal set: polling stops here.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Canceled | TaskStatus::Unknown
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "PENDING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Suspended => "SUSPENDED",
            TaskStatus::Succeeded => "SUCCEEDED",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Canceled => "CANCELED",
            TaskStatus::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "PENDING" => TaskStatus::Pending,
            "RUNNING" => TaskStatus::Running,
            "SUSPENDED" => TaskStatus::Suspended,
            "SUCCEEDED" => TaskStatus::Succeeded,
            "FAILED" => TaskStatus::Failed,
            "CANCELED" => TaskStatus::Canceled,
            _ => TaskStatus::Unknown,
        }
    }
}

/// One item of `output.results`: a produced file, or why that item failed in a partly failed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TaskResult {
    Image {
        url: String,
        /// The prompt after `prompt_extend` rewrote it, when the model reports it.
        actual_prompt: Option<String>,
    },
    Transcription {
        file_url: Option<String>,
        transcription_url: String,
    },
    Failed {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskState {
    pub task_id: String,
    pub status: TaskStatus,
    pub results: Vec<TaskResult>,
    /// The task-level failure (`output.code` / `output.message`).
    pub code: Option<String>,
    pub message: Option<String>,
    pub usage: Option<Value>,
    pub request_id: Option<String>,
}

impl TaskState {
    /// Reads a task body: the submit answer or a `GET /tasks/{id}` answer.
    pub fn from_body(body: &Value) -> Option<Self> {
        let output = body.get("output")?;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let choice_images = choice_images(output);
        let mut results: Vec<TaskResult> = output
            .get("results")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        if let Some(url) = text(item, "url") {
                            return Some(TaskResult::Image {
                                url,
                                actual_prompt: text(item, "actual_prompt"),
                            });
                        }
                        if let Some(transcription_url) = text(item, "transcription_url") {
                            return Some(TaskResult::Transcription {
                                file_url: text(item, "file_url"),
                                transcription_url,
                            });
                        }
                        text(item, "code").map(|code| TaskResult::Failed {
                            code,
                            message: text(item, "message").unwrap_or_default(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        results.extend(choice_images);
        Some(TaskState {
            task_id: text(output, "task_id")?,
            status: TaskStatus::parse(
                output
                    .get("task_status")
                    .and_then(Value::as_str)
                    .unwrap_or("UNKNOWN"),
            ),
            results,
            code: text(output, "code"),
            message: text(output, "message"),
            usage: body.get("usage").cloned(),
            request_id: text(body, "request_id"),
        })
    }
}

/// One task of a `GET /api/v1/tasks` listing (reference §4.3). Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedTask {
    pub task_id: String,
    pub status: TaskStatus,
    pub model_name: Option<String>,
    pub region: Option<String>,
    pub request_id: Option<String>,
    pub created_ms: Option<u64>,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

/// A page of the task listing. Unlike every other task answer it has no `output` wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskList {
    pub total: u64,
    pub total_pages: u64,
    pub page_no: u64,
    pub page_size: u64,
    pub tasks: Vec<ListedTask>,
    pub request_id: Option<String>,
}

impl TaskList {
    /// Reads a listing body; `None` when it has no `data` list.
    pub fn from_body(body: &Value) -> Option<Self> {
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64);
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let tasks = body
            .get("data")?
            .as_array()?
            .iter()
            .filter_map(|item| {
                Some(ListedTask {
                    task_id: text(item, "task_id")?,
                    status: TaskStatus::parse(
                        item.get("status")
                            .and_then(Value::as_str)
                            .unwrap_or("UNKNOWN"),
                    ),
                    model_name: text(item, "model_name"),
                    region: text(item, "region"),
                    request_id: text(item, "request_id"),
                    created_ms: number(item, "gmt_create"),
                    start_ms: number(item, "start_time"),
                    end_ms: number(item, "end_time"),
                })
            })
            .collect();
        Some(TaskList {
            total: number(body, "total").unwrap_or(0),
            total_pages: number(body, "total_page").unwrap_or(0),
            page_no: number(body, "page_no").unwrap_or(1),
            page_size: number(body, "page_size").unwrap_or(0),
            tasks,
            request_id: text(body, "request_id"),
        })
    }
}

/// The images of an answer in the chat shape, `output.choices[].message.content[{image}]`: wan2.6
/// tasks (reference §4.1) and the synchronous image models (§2.5).
pub(crate) fn choice_images(output: &Value) -> Vec<TaskResult> {
    output
        .get("choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|choice| choice.pointer("/message/content").and_then(Value::as_array))
        .flatten()
        .filter_map(|item| item.get("image").and_then(Value::as_str))
        .map(|url| TaskResult::Image {
            url: url.to_owned(),
            actual_prompt: None,
        })
        .collect()
}

/// How often to poll: the official SDK 2.x starts at 1 s and backs off to 8 s.
#[derive(Debug, Clone)]
pub struct PollPolicy {
    pub initial: Duration,
    pub max: Duration,
    /// Give up waiting (the task goes on server-side; its id stays valid for 24 h).
    pub give_up_after: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(8),
            give_up_after: Duration::from_secs(30 * 60),
        }
    }
}

impl PollPolicy {
    pub fn delay(&self, poll: u32) -> Duration {
        self.initial
            .saturating_mul(1u32 << poll.min(8))
            .min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_submit_poll_and_partial_failure() {
        let submit =
            json!({"output": {"task_status": "PENDING", "task_id": "t1"}, "request_id": "r"});
        let state = TaskState::from_body(&submit).expect("task");
        assert_eq!(
            (state.task_id.as_str(), state.status),
            ("t1", TaskStatus::Pending)
        );
        let done = json!({"output": {"task_id": "t1", "task_status": "SUCCEEDED", "results": [
            {"url": "http://x/1.png", "actual_prompt": "a cat, detailed"},
            {"code": "DataInspectionFailed", "message": "blocked"}
        ], "task_metrics": {"TOTAL": 2, "SUCCEEDED": 1, "FAILED": 1}}, "usage": {"image_count": 1}});
        let state = TaskState::from_body(&done).expect("task");
        assert!(state.status.is_terminal());
        assert_eq!(state.results.len(), 2);
        assert!(
            matches!(&state.results[1], TaskResult::Failed { code, .. } if code == "DataInspectionFailed")
        );
        let unknown = json!({"output": {"task_id": "1111", "task_status": "UNKNOWN"}});
        assert_eq!(
            TaskState::from_body(&unknown).expect("task").status,
            TaskStatus::Unknown
        );
    }

    #[test]
    fn wan26_results_come_in_the_chat_shape() {
        let done = json!({"output": {"task_id": "t2", "task_status": "SUCCEEDED", "finished": true,
            "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": [{"image": "http://x/a.png", "type": "image"}]}}]}});
        let state = TaskState::from_body(&done).expect("task");
        assert_eq!(
            state.results,
            vec![TaskResult::Image {
                url: "http://x/a.png".into(),
                actual_prompt: None
            }]
        );
    }

    #[test]
    fn poll_delays_back_off_and_cap() {
        let p = PollPolicy::default();
        assert_eq!(p.delay(0), Duration::from_secs(1));
        assert_eq!(p.delay(2), Duration::from_secs(4));
        assert_eq!(p.delay(10), Duration::from_secs(8));
    }
}

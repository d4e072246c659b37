//! Images as durable tasks: the task row exists before the submit, DashScope's task id is stored
//! the moment it is returned, polling resumes after a restart, and every result is downloaded into
//! the local store before its 24-hour URL expires. A partly failed batch keeps what succeeded and
//! records why the rest failed.

use bailian::{ImageRequest, TaskResult, TaskStatus};
use desk_store::{ImageTask, StoredImage};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

pub const DEFAULT_IMAGE_MODEL: &str = "wanx2.1-t2i-turbo";
/// Largest result file accepted; DashScope's images are a few MB.
const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageJob {
    pub model: Option<String>,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub size: Option<String>,
    pub n: Option<u32>,
    pub seed: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTaskView {
    pub task: ImageTask,
    pub images: Vec<StoredImage>,
}

/// The ledger row of one image task: the images stored, priced per image by the registry. The
/// latency is the task's whole life, from the submit to the last download.
fn image_usage(
    task: &ImageTask,
    demo: bool,
    stored: u64,
    status: &str,
    error_code: Option<&str>,
) -> desk_store::NewUsage {
    let (cost_cny, price_as_of) = crate::usage::unit_cost(&task.model, demo, stored);
    desk_store::NewUsage {
        kind: desk_store::UsageKind::Image,
        model: task.model.clone(),
        conversation_id: None,
        item_id: Some(task.id.clone()),
        input_tokens: None,
        output_tokens: None,
        units: Some(stored),
        unit: Some("images"),
        latency_ms: u64::try_from(desk_store::now_ms().saturating_sub(task.created_at))
            .unwrap_or(0),
        status: match status {
            "succeeded" => desk_store::UsageStatus::Ok,
            "partial" => desk_store::UsageStatus::Partial,
            _ => desk_store::UsageStatus::Failed,
        },
        error_code: error_code.map(str::to_owned),
        cost_cny,
        price_as_of,
    }
}

impl Desk {
    /// Submits an image job and follows it to the end.
    pub async fn create_image(
        &self,
        job: ImageJob,
        on_progress: impl FnMut(&ImageTaskView) + Send,
    ) -> Result<ImageTaskView, DeskError> {
        let task = self.submit_image_job(job).await?;
        self.follow_image_task(&task.id, on_progress).await
    }

    /// Stores the job, submits it, and stores DashScope's task id before returning.
    pub async fn submit_image_job(&self, job: ImageJob) -> Result<ImageTask, DeskError> {
        let connection = self.connection()?;
        let request = ImageRequest {
            model: job
                .model
                .clone()
                .unwrap_or_else(|| DEFAULT_IMAGE_MODEL.to_owned()),
            prompt: job.prompt.trim().to_owned(),
            negative_prompt: job.negative_prompt.clone(),
            size: job.size.clone(),
            n: job.n,
            seed: job.seed,
            ..ImageRequest::default()
        };
        // Refuse bad jobs before anything is stored or spent.
        request.validate()?;
        self.check_budget(connection.demo)?;
        let parameters = json!({ "size": job.size, "n": job.n, "seed": job.seed, "negativePrompt": job.negative_prompt }).to_string();
        let task = self
            .store()
            .create_image_task(&request.model, &request.prompt, &parameters)?;
        match connection.client.submit_image(&request).await {
            Ok(submitted) => {
                self.store()
                    .set_image_task_submitted(&task.id, &submitted.task_id)?;
                tracing::info!(task = %task.id, dashscope_task = %submitted.task_id, "image task submitted");
            }
            Err(error) => {
                let error = DeskError::from(error);
                self.store().set_image_task_status(
                    &task.id,
                    "failed",
                    Some((error.code.as_str(), &error.message)),
                )?;
                self.record_usage(image_usage(
                    &task,
                    connection.demo,
                    0,
                    "failed",
                    Some(error.code.as_str()),
                ));
                return Err(error);
            }
        }
        Ok(self.store().image_task(&task.id)?)
    }

    /// Polls a stored task until it ends and downloads its images into the store.
    pub async fn follow_image_task(
        &self,
        id: &str,
        mut on_progress: impl FnMut(&ImageTaskView) + Send,
    ) -> Result<ImageTaskView, DeskError> {
        let task = self.store().image_task(id)?;
        let Some(task_id) = task.task_id.clone() else {
            // The app stopped between storing the job and hearing back: whether DashScope created
            // the task is unknowable, and a resubmit could pay twice.
            self.store().set_image_task_status(id, "failed", Some(("interrupted", "The app closed while submitting; nothing was charged twice. Submit the prompt again.")))?;
            return self.image_task_view(id);
        };
        let connection = self.connection()?;
        let policy = self.config().image_poll.clone();
        let state = connection
            .client
            .wait_task(&task_id, &policy, |state| {
                let status = match state.status {
                    TaskStatus::Pending => "pending",
                    _ => "running",
                };
                if !state.status.is_terminal() {
                    if let Err(error) = self.store().set_image_task_status(id, status, None) {
                        tracing::warn!(%error, "could not record the task's progress");
                    }
                    if let Ok(view) = self.image_task_view(id) {
                        on_progress(&view);
                    }
                }
            })
            .await?;
        let mut stored = 0;
        let mut failed = 0;
        for (position, result) in state.results.iter().enumerate() {
            let position = i64::try_from(position).unwrap_or(i64::MAX);
            match result {
                TaskResult::Image { url, actual_prompt } => {
                    match connection.client.download(url, MAX_IMAGE_BYTES).await {
                        Ok(bytes) => {
                            self.store().save_image(
                                id,
                                position,
                                url,
                                actual_prompt.as_deref(),
                                bailian::media::sniff_image_mime(&bytes)
                                    .unwrap_or("application/octet-stream"),
                                &bytes,
                            )?;
                            stored += 1;
                        }
                        Err(error) => {
                            let error = DeskError::from(error);
                            self.store().save_image_failure(
                                id,
                                position,
                                "download_failed",
                                &error.message,
                            )?;
                            failed += 1;
                        }
                    }
                }
                TaskResult::Failed { code, message } => {
                    self.store()
                        .save_image_failure(id, position, code, message)?;
                    failed += 1;
                }
                TaskResult::Transcription { .. } => {}
            }
        }
        let (status, error) = match state.status {
            TaskStatus::Succeeded if failed == 0 => ("succeeded", None),
            TaskStatus::Succeeded if stored > 0 => ("partial", None),
            TaskStatus::Succeeded => ("failed", Some(("no_images".to_owned(), "No image of the batch could be kept.".to_owned()))),
            TaskStatus::Canceled => ("canceled", None),
            TaskStatus::Unknown => (
                "failed",
                Some(("expired".to_owned(), "Bailian no longer knows this task: results are kept for 24 hours, or it belongs to another key.".to_owned())),
            ),
            _ => (
                "failed",
                Some((state.code.clone().unwrap_or_else(|| "task_failed".into()), state.message.clone().unwrap_or_default())),
            ),
        };
        self.store().set_image_task_status(
            id,
            status,
            error.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
        )?;
        self.record_usage(image_usage(
            &task,
            connection.demo,
            stored,
            status,
            error.as_ref().map(|(c, _)| c.as_str()),
        ));
        let view = self.image_task_view(id)?;
        on_progress(&view);
        Ok(view)
    }

    /// Follows every task a previous run left unfinished.
    pub async fn resume_image_tasks(
        &self,
        mut on_progress: impl FnMut(&ImageTaskView) + Send,
    ) -> Result<Vec<ImageTaskView>, DeskError> {
        let unfinished = self.store().unfinished_image_tasks()?;
        let mut views = Vec::with_capacity(unfinished.len());
        for task in unfinished {
            tracing::info!(task = %task.id, "resuming an image task");
            views.push(self.follow_image_task(&task.id, &mut on_progress).await?);
        }
        Ok(views)
    }

    pub fn image_tasks(&self, limit: usize) -> Result<Vec<ImageTaskView>, DeskError> {
        let tasks = self.store().image_tasks(limit)?;
        tasks
            .into_iter()
            .map(|task| self.image_task_view(&task.id))
            .collect()
    }

    pub fn image_task_view(&self, id: &str) -> Result<ImageTaskView, DeskError> {
        let store = self.store();
        Ok(ImageTaskView {
            task: store.image_task(id)?,
            images: store.images_of(id)?,
        })
    }

    /// An image's MIME type and bytes.
    pub fn image_data(&self, image_id: &str) -> Result<(String, Vec<u8>), DeskError> {
        self.store().image_data(image_id).map_err(|e| match e {
            desk_store::StoreError::NotFound { .. } => DeskError::new(
                ErrorCode::BadRequest,
                format!("image {image_id} is not stored"),
            ),
            other => other.into(),
        })
    }
}

//! Images as durable tasks: the task row exists before the submit, DashScope's task id is stored
//! the moment it is returned, polling resumes after a restart, and every result is downloaded into
//! the local store before its 24-hour URL expires. A partly failed batch keeps what succeeded and
//! records why the rest failed.
//!
//! The synchronous models (qwen-image-edit, qwen-image-2.0: no task endpoint) use the same rows:
//! the task and its input image are recorded before the call, the call's images are downloaded
//! into the store as a task's are, and a failure is recorded with the doctor's code. Such a task
//! has no DashScope task id; one a crash cut during its call is marked `interrupted` at the next
//! resume, as a submit cut before its id arrived is (a second call could pay twice).

use bailian::images::accepts_input_image;
use bailian::{ImageRequest, TaskResult, TaskStatus};
use desk_store::{ImageInput, ImageTask, NewImageInput, StoredImage};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::desk::{Connection, Desk};
use crate::error::{DeskError, ErrorCode};
use crate::send::NewAttachment;

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
    /// The image to edit, when it is one already stored (a result image's id).
    #[serde(default)]
    pub input_image_id: Option<String>,
    /// The image to edit, as bytes (like a chat attachment).
    #[serde(default)]
    pub input_image: Option<NewAttachment>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTaskView {
    pub task: ImageTask,
    pub images: Vec<StoredImage>,
    /// The images the task was given to edit.
    pub inputs: Vec<ImageInput>,
}

impl NewAttachment {
    /// An image from its bytes, as a file holds them; its type is read from the bytes when it is
    /// used.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        use base64::Engine as _;
        Self {
            mime: String::new(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// An input image as it is recorded and sent.
struct InputImage {
    source_image: Option<String>,
    mime: String,
    bytes: Vec<u8>,
}

fn bad_request(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::BadRequest, message)
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

    /// Stores the job, submits it, and stores DashScope's task id before returning. A
    /// synchronous model's job is done when this returns: its images are stored.
    pub async fn submit_image_job(&self, job: ImageJob) -> Result<ImageTask, DeskError> {
        let connection = self.connection()?;
        let input = self.input_image(&job)?;
        let mut request = ImageRequest {
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
        if let Some(input) = &input {
            if !accepts_input_image(&request.model) {
                return Err(DeskError::new(
                    ErrorCode::UnsupportedByModel,
                    format!(
                        "{} does not edit images; choose qwen-image-edit or another editing model",
                        request.model
                    ),
                ));
            }
            request.base_image = Some(bailian::media::image_bytes_data_uri(&input.bytes)?);
        }
        // Refuse bad jobs before anything is stored or spent.
        request.validate()?;
        self.check_budget(connection.demo)?;
        let parameters = json!({ "size": job.size, "n": job.n, "seed": job.seed, "negativePrompt": job.negative_prompt, "inputImageId": job.input_image_id }).to_string();
        let inputs: Vec<NewImageInput<'_>> = input
            .iter()
            .map(|input| NewImageInput {
                source_image: input.source_image.as_deref(),
                mime: &input.mime,
                data: &input.bytes,
            })
            .collect();
        let task = self.store().create_image_task_with_inputs(
            &request.model,
            &request.prompt,
            &parameters,
            &inputs,
        )?;
        if request.is_synchronous() {
            self.generate_now(&connection, &task, &request).await?;
            return Ok(self.store().image_task(&task.id)?);
        }
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

    /// Polls a stored task until it ends and downloads its images into the store. A task that
    /// already ended (a synchronous one, or one followed before) is reported as it is.
    pub async fn follow_image_task(
        &self,
        id: &str,
        mut on_progress: impl FnMut(&ImageTaskView) + Send,
    ) -> Result<ImageTaskView, DeskError> {
        let task = self.store().image_task(id)?;
        if matches!(
            task.status.as_str(),
            "succeeded" | "partial" | "failed" | "canceled"
        ) {
            let view = self.image_task_view(id)?;
            on_progress(&view);
            return Ok(view);
        }
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
        let (stored, failed) = self.store_results(&connection, id, &state.results).await?;
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
            inputs: store.image_inputs_of(id)?,
        })
    }

    /// An input image's MIME type and bytes.
    pub fn image_input_data(
        &self,
        task_id: &str,
        position: i64,
    ) -> Result<(String, Vec<u8>), DeskError> {
        self.store()
            .image_input_data(task_id, position)
            .map_err(|e| match e {
                desk_store::StoreError::NotFound { .. } => bad_request(format!(
                    "image task {task_id} has no input image {position}"
                )),
                other => other.into(),
            })
    }

    /// The job's input image, checked before anything is stored: a stored image or bytes (not
    /// both), an image format the models read, at most 10 MB.
    fn input_image(&self, job: &ImageJob) -> Result<Option<InputImage>, DeskError> {
        match (&job.input_image_id, &job.input_image) {
            (Some(_), Some(_)) => Err(bad_request(
                "give the image to edit either as a stored image or as bytes, not both",
            )),
            (Some(id), None) => {
                let (_, bytes) = self.image_data(id)?;
                if bytes.len() > crate::send::MAX_ATTACHMENT_BYTES {
                    return Err(bad_request(format!(
                        "image {id} is larger than the {} MB an edit accepts",
                        crate::send::MAX_ATTACHMENT_BYTES / (1024 * 1024)
                    )));
                }
                let mime = bailian::media::sniff_image_mime(&bytes).ok_or_else(|| {
                    bad_request(format!(
                        "image {id} is not a PNG, JPEG, WebP, BMP or GIF image"
                    ))
                })?;
                Ok(Some(InputImage {
                    source_image: Some(id.clone()),
                    mime: mime.to_owned(),
                    bytes,
                }))
            }
            (None, Some(attachment)) => {
                let mut decoded =
                    crate::send::decode_attachments(std::slice::from_ref(attachment))?;
                let image = decoded
                    .pop()
                    .ok_or_else(|| DeskError::new(ErrorCode::Internal, "input image missing"))?;
                Ok(Some(InputImage {
                    source_image: None,
                    mime: image.mime,
                    bytes: image.bytes,
                }))
            }
            (None, None) => Ok(None),
        }
    }

    /// Runs a synchronous model's call for the recorded `task` and stores its images. A refused
    /// or failed call is recorded on the task with the doctor's code and returned.
    async fn generate_now(
        &self,
        connection: &Connection,
        task: &ImageTask,
        request: &ImageRequest,
    ) -> Result<(), DeskError> {
        tracing::info!(task = %task.id, model = %request.model, "synchronous image call");
        let results = match connection.client.generate_image(request).await {
            Ok(results) => results,
            Err(error) => {
                let error = DeskError::from(error);
                self.store().set_image_task_status(
                    &task.id,
                    "failed",
                    Some((error.code.as_str(), &error.message)),
                )?;
                self.record_usage(image_usage(
                    task,
                    connection.demo,
                    0,
                    "failed",
                    Some(error.code.as_str()),
                ));
                return Err(error);
            }
        };
        let (stored, mut failed) = self
            .store_results(connection, &task.id, &results.results)
            .await?;
        // The chat shape has no slot for an image the service dropped (moderation, a smaller
        // batch than asked): the missing positions are recorded as failed.
        let asked = u64::from(request.n.unwrap_or(1));
        let returned = u64::try_from(results.results.len()).unwrap_or(u64::MAX);
        for position in returned..asked {
            self.store().save_image_failure(
                &task.id,
                i64::try_from(position).unwrap_or(i64::MAX),
                "not_returned",
                &format!("Bailian returned {returned} of the {asked} images asked for."),
            )?;
            failed += 1;
        }
        let (status, error) = match (stored, failed) {
            (0, _) => (
                "failed",
                Some(("no_images", "No image of the call could be kept.")),
            ),
            (_, 0) => ("succeeded", None),
            _ => ("partial", None),
        };
        self.store()
            .set_image_task_status(&task.id, status, error)?;
        self.record_usage(image_usage(
            task,
            connection.demo,
            stored,
            status,
            error.map(|(code, _)| code),
        ));
        Ok(())
    }

    /// Downloads a task's result images into the store (or records why each failed); returns how
    /// many were stored and how many failed.
    async fn store_results(
        &self,
        connection: &Connection,
        id: &str,
        results: &[TaskResult],
    ) -> Result<(u64, u64), DeskError> {
        let mut stored = 0;
        let mut failed = 0;
        for (position, result) in results.iter().enumerate() {
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
        Ok((stored, failed))
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

//! File transcription by URL (Paraformer / Fun-ASR asynchronous tasks, reference §5.1) as durable
//! jobs, like meetings: the job row exists before the submit call, DashScope's `task_id` is stored
//! the moment it is returned, polling resumes after a restart
//! ([`Desk::resume_transcriptions`]), and the transcript is stored before its 24-hour URL
//! expires. Each job leaves one ledger row when it ends: speech recognition, in seconds of audio.
//!
//! A job a crash left without a task id is marked failed, never submitted again: whether DashScope
//! created the task is unknowable, and a second submit could pay twice (as for meetings and image
//! tasks).

use bailian::{TaskResult, TaskState, TaskStatus};
use desk_store::{
    Transcription, TranscriptionFailure, TranscriptionRecord, TranscriptionResult,
    TranscriptionSentence, TranscriptionStatus,
};
use serde::Serialize;

use crate::desk::{Connection, Desk};
use crate::error::{DeskError, ErrorCode};
use crate::speech::{DEFAULT_FILE_ASR_MODEL, Sentence, Transcript};

/// A transcription job as the UI shows it (`TranscriptionJob` in ui/src/api/types.ts).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionJob {
    pub id: String,
    pub file_url: String,
    pub model: String,
    pub task_id: Option<String>,
    pub status: TranscriptionStatus,
    pub error_code: Option<ErrorCode>,
    pub dashscope_code: Option<String>,
    pub error_message: Option<String>,
    /// Present once `succeeded`.
    pub transcript: Option<Transcript>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TranscriptionJob {
    /// The stored failure as the error it was; `None` unless the job failed.
    pub fn error(&self) -> Option<DeskError> {
        if self.status != TranscriptionStatus::Failed {
            return None;
        }
        let mut error = DeskError::new(
            self.error_code.unwrap_or(ErrorCode::Internal),
            self.error_message
                .clone()
                .unwrap_or_else(|| "the transcription failed".to_owned()),
        );
        error.dashscope_code = self.dashscope_code.clone();
        Some(error)
    }
}

fn millis(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl From<Transcription> for TranscriptionJob {
    fn from(job: Transcription) -> Self {
        let Transcription { record, sentences } = job;
        let transcript = (record.status == TranscriptionStatus::Succeeded).then(|| Transcript {
            model: record.model.clone(),
            text: record.text.clone().unwrap_or_default(),
            sentences: sentences
                .into_iter()
                .map(|s| Sentence {
                    text: s.text,
                    begin_ms: unsigned(s.begin_ms),
                    end_ms: s.end_ms.map(unsigned),
                })
                .collect(),
            duration_seconds: record.duration_seconds.map(unsigned),
        });
        let error_code = record.error_code.as_deref().map(|stored| {
            ErrorCode::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == stored)
                .unwrap_or(ErrorCode::Internal)
        });
        TranscriptionJob {
            id: record.id,
            file_url: record.file_url,
            model: record.model,
            task_id: record.task_id,
            status: record.status,
            error_code,
            dashscope_code: record.dashscope_code,
            error_message: record.error_message,
            transcript,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// A task-level failure as the error DashScope reported (HTTP 200: the call succeeded, the task
/// did not), so the doctor maps its code like any other.
fn task_failure(code: Option<&str>, message: Option<&str>, request_id: Option<&str>) -> DeskError {
    DeskError::from(bailian::Error::Api(bailian::ApiError {
        status: 200,
        code: code.unwrap_or("TaskFailed").to_owned(),
        message: message.unwrap_or_default().to_owned(),
        request_id: request_id.map(str::to_owned),
        retry_after: None,
    }))
}

/// Whether a polling error ends the job for good: a task-level failure (200) or an id the gateway
/// refuses (400/404). A network failure, a timeout, throttling, a server fault or a key problem do
/// not: the task goes on at DashScope and the next [`Desk::resume_transcriptions`] picks it up.
fn ends_the_job(error: &bailian::Error) -> bool {
    error
        .api()
        .is_some_and(|api| matches!(api.status, 200 | 400 | 404))
}

/// How a DashScope state shows while a job is unfinished; `None` once it ended.
fn progress_of(status: TaskStatus) -> Option<TranscriptionStatus> {
    match status {
        TaskStatus::Pending => Some(TranscriptionStatus::Pending),
        TaskStatus::Running | TaskStatus::Suspended => Some(TranscriptionStatus::Running),
        _ => None,
    }
}

/// Keeps a job from being followed twice by this process (a resumption while the call that
/// submitted it still polls); released when dropped, also when the call is.
struct Claim<'a> {
    desk: &'a Desk,
    id: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.desk
            .speech_state()
            .busy_jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

fn not_stored(id: &str) -> impl FnOnce(desk_store::StoreError) -> DeskError + '_ {
    move |error| match error {
        desk_store::StoreError::NotFound { .. } => DeskError::new(
            ErrorCode::BadRequest,
            format!("transcription {id} is not stored"),
        ),
        other => other.into(),
    }
}

impl Desk {
    fn claim_job(&self, id: &str) -> Option<Claim<'_>> {
        let fresh = self
            .speech_state()
            .busy_jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned());
        fresh.then(|| Claim {
            desk: self,
            id: id.to_owned(),
        })
    }

    /// One stored job with its transcript.
    pub fn transcription(&self, id: &str) -> Result<TranscriptionJob, DeskError> {
        Ok(self
            .store()
            .transcription(id)
            .map_err(not_stored(id))?
            .into())
    }

    /// The stored jobs, newest first, with their transcripts.
    pub fn list_transcriptions(&self, limit: usize) -> Result<Vec<TranscriptionJob>, DeskError> {
        Ok(self
            .store()
            .transcriptions(limit)?
            .into_iter()
            .map(TranscriptionJob::from)
            .collect())
    }

    /// Deletes a stored job and its transcript. Deleting one that is not stored is not an error;
    /// a job this process is still following is refused (it would come back as an error there).
    pub fn delete_transcription(&self, id: &str) -> Result<(), DeskError> {
        let Some(_claim) = self.claim_job(id) else {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                "this transcription is still being followed; delete it once it has finished",
            ));
        };
        if self.store().delete_transcription(id)? {
            tracing::info!(transcription = %id, "transcription deleted");
        }
        Ok(())
    }

    /// Transcribes the recording at a public URL with `paraformer-v2` as a stored job.
    pub async fn transcribe_url(
        &self,
        url: &str,
        on_progress: impl FnMut(&TranscriptionJob) + Send,
    ) -> Result<TranscriptionJob, DeskError> {
        self.transcribe_url_with(url, None, Vec::new(), on_progress)
            .await
    }

    /// Transcribes the recording at a public URL (a Paraformer / Fun-ASR file task, `model`
    /// `paraformer-v2` by default) as a stored job; `on_progress` hears the job at each change.
    /// Resolves with the job once it ended, succeeded or failed (its error stored with it).
    /// Refusals before a job exists (not a public URL, no key, a blocking budget) are errors; so
    /// is a network failure while polling, which leaves the job pending or running, resumable.
    pub async fn transcribe_url_with(
        &self,
        url: &str,
        model: Option<&str>,
        language_hints: Vec<String>,
        mut on_progress: impl FnMut(&TranscriptionJob) + Send,
    ) -> Result<TranscriptionJob, DeskError> {
        let url = crate::meetings::public_url(url)?;
        let model = model
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_FILE_ASR_MODEL);
        let hints = crate::live::clean_hints(language_hints)?;
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let record = self.store().create_transcription(&url, model, &hints)?;
        let id = record.id.clone();
        let _claim = self.claim_job(&id);
        on_progress(&self.transcription(&id)?);
        match connection
            .client
            .submit_transcription(model, std::slice::from_ref(&url), &hints)
            .await
        {
            Ok(submitted) => {
                self.store()
                    .set_transcription_task(&id, &submitted.task_id)?;
                tracing::info!(transcription = %id, task = %submitted.task_id, %model, "transcription task submitted");
                on_progress(&self.transcription(&id)?);
            }
            Err(error) => {
                let error = DeskError::from(error);
                return self.fail_job(&record, connection.demo, &error, &mut on_progress);
            }
        }
        self.follow_job(&id, &connection, &mut on_progress).await
    }

    /// Follows every job a previous run left pending or running (those this process is already
    /// following are left to their call). Jobs that end failed are in the list with their error;
    /// a network failure stops the resumption (the rest stay resumable).
    pub async fn resume_transcriptions(
        &self,
        mut on_progress: impl FnMut(&TranscriptionJob) + Send,
    ) -> Result<Vec<TranscriptionJob>, DeskError> {
        let unfinished = self.store().unfinished_transcriptions()?;
        let mut jobs = Vec::with_capacity(unfinished.len());
        for record in unfinished {
            let Some(_claim) = self.claim_job(&record.id) else {
                continue;
            };
            tracing::info!(transcription = %record.id, "resuming a transcription");
            let connection = self.connection()?;
            jobs.push(
                self.follow_job(&record.id, &connection, &mut on_progress)
                    .await?,
            );
        }
        Ok(jobs)
    }

    /// Stores a job's failure with the doctor's code and DashScope's, and its ledger row.
    fn fail_job(
        &self,
        record: &TranscriptionRecord,
        demo: bool,
        error: &DeskError,
        on_progress: &mut (impl FnMut(&TranscriptionJob) + Send),
    ) -> Result<TranscriptionJob, DeskError> {
        self.store().set_transcription_failed(
            &record.id,
            TranscriptionFailure {
                code: error.code.as_str(),
                dashscope_code: error.dashscope_code.as_deref(),
                message: &error.message,
            },
        )?;
        self.record_job_usage(record, demo, Err(error));
        tracing::warn!(transcription = %record.id, code = error.code.as_str(), %error, "transcription failed");
        let job = self.transcription(&record.id)?;
        on_progress(&job);
        Ok(job)
    }

    /// The ledger row of one job: seconds of audio, under its model, for the job's whole life.
    fn record_job_usage(
        &self,
        record: &TranscriptionRecord,
        demo: bool,
        outcome: Result<Option<u64>, &DeskError>,
    ) {
        let Some(mut usage) = crate::usage::call_usage(
            desk_store::UsageKind::SpeechRecognition,
            &record.model,
            "seconds",
            std::time::Instant::now(),
            outcome,
            demo,
        ) else {
            return;
        };
        usage.item_id = Some(record.id.clone());
        usage.latency_ms =
            u64::try_from(desk_store::now_ms().saturating_sub(record.created_at)).unwrap_or(0);
        self.record_usage(usage);
    }

    /// Polls a claimed job until DashScope ends it and stores the transcript.
    async fn follow_job(
        &self,
        id: &str,
        connection: &Connection,
        on_progress: &mut (impl FnMut(&TranscriptionJob) + Send),
    ) -> Result<TranscriptionJob, DeskError> {
        let record = self
            .store()
            .transcription_record(id)
            .map_err(not_stored(id))?;
        if !record.status.is_unfinished() {
            return self.transcription(id);
        }
        let Some(task_id) = record.task_id.clone() else {
            let error = DeskError::new(
                ErrorCode::Cancelled,
                "the app closed while the transcription was being submitted; start it again (DashScope may have created the task, but its id never arrived)",
            );
            return self.fail_job(&record, connection.demo, &error, on_progress);
        };
        let policy = self.config().image_poll.clone();
        let waited = connection
            .client
            .wait_task(&task_id, &policy, |state| {
                let Some(status) = progress_of(state.status) else {
                    return;
                };
                let changed = self.store().set_transcription_progress(id, status);
                match changed {
                    Ok(true) => match self.transcription(id) {
                        Ok(job) => on_progress(&job),
                        Err(error) => tracing::warn!(%error, "could not read the transcription"),
                    },
                    Ok(false) => {}
                    Err(error) => {
                        tracing::warn!(%error, "could not record the transcription's progress")
                    }
                }
            })
            .await;
        let state = match waited {
            Ok(state) => state,
            Err(error) if ends_the_job(&error) => {
                return self.fail_job(&record, connection.demo, &error.into(), on_progress);
            }
            Err(error) => {
                let error = DeskError::from(error);
                tracing::warn!(transcription = %id, %error, "transcription still unfinished; it will be followed again");
                return Err(error);
            }
        };
        match self.transcript_of(&state, connection).await {
            Ok(result) => {
                self.store().save_transcription_result(id, &result)?;
                let seconds = result.duration_seconds.map(unsigned);
                self.record_job_usage(&record, connection.demo, Ok(seconds));
                tracing::info!(transcription = %id, sentences = result.sentences.len(), "transcription stored");
                let job = self.transcription(id)?;
                on_progress(&job);
                Ok(job)
            }
            Err(Outcome::Failed(error)) => {
                self.fail_job(&record, connection.demo, &error, on_progress)
            }
            Err(Outcome::Unfinished(error)) => {
                tracing::warn!(transcription = %id, %error, "transcript not fetched; it will be fetched again");
                Err(error)
            }
        }
    }

    /// The transcript of a task that ended: fetched from its `transcription_url`, or why not.
    async fn transcript_of(
        &self,
        state: &TaskState,
        connection: &Connection,
    ) -> Result<TranscriptionResult, Outcome> {
        let rid = state.request_id.as_deref();
        match state.status {
            TaskStatus::Succeeded => {}
            TaskStatus::Unknown => {
                return Err(Outcome::Failed(task_failure(
                    Some("TaskUnknown"),
                    Some(
                        "Bailian no longer knows this transcription task (tasks are kept for 24 hours)",
                    ),
                    rid,
                )));
            }
            _ => {
                return Err(Outcome::Failed(task_failure(
                    state.code.as_deref(),
                    state.message.as_deref(),
                    rid,
                )));
            }
        }
        let document = match state.results.first() {
            Some(TaskResult::Transcription {
                transcription_url, ..
            }) => match connection.client.fetch_transcript(transcription_url).await {
                Ok(document) => document,
                // The file host answered with an error (the link expired or is refused): fetching
                // again cannot help. A network failure can.
                Err(error) if error.api().is_some() => {
                    return Err(Outcome::Failed(error.into()));
                }
                Err(error) => return Err(Outcome::Unfinished(error.into())),
            },
            Some(TaskResult::Failed { code, message }) => {
                return Err(Outcome::Failed(task_failure(
                    Some(code),
                    Some(message),
                    rid,
                )));
            }
            _ => {
                return Err(Outcome::Failed(DeskError::new(
                    ErrorCode::ServerError,
                    "the transcription task succeeded without a transcript",
                )));
            }
        };
        // The task's usage is what is billed; the document's length is the fallback.
        let duration_seconds = state
            .usage
            .as_ref()
            .and_then(|u| u.get("duration"))
            .and_then(serde_json::Value::as_u64)
            .or_else(|| document.duration_ms.map(|ms| ms.div_ceil(1000)));
        Ok(TranscriptionResult {
            text: document.text,
            duration_seconds: duration_seconds.map(millis),
            sentences: document
                .sentences
                .into_iter()
                .map(|(begin_ms, end_ms, text)| TranscriptionSentence {
                    begin_ms: millis(begin_ms),
                    end_ms: Some(millis(end_ms)),
                    text,
                })
                .collect(),
        })
    }
}

/// Why a task that ended gave no transcript.
enum Outcome {
    /// For good: stored as the job's failure.
    Failed(DeskError),
    /// For now (the network): the job stays unfinished and is fetched again when resumed.
    Unfinished(DeskError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashscope_states_fold_into_the_jobs() {
        assert_eq!(
            progress_of(TaskStatus::Pending),
            Some(TranscriptionStatus::Pending)
        );
        assert_eq!(
            progress_of(TaskStatus::Running),
            Some(TranscriptionStatus::Running)
        );
        assert_eq!(
            progress_of(TaskStatus::Suspended),
            Some(TranscriptionStatus::Running)
        );
        for ended in [
            TaskStatus::Succeeded,
            TaskStatus::Failed,
            TaskStatus::Canceled,
            TaskStatus::Unknown,
        ] {
            assert_eq!(progress_of(ended), None);
        }
    }

    #[test]
    fn only_task_failures_and_refused_ids_end_a_job() {
        let api = |status: u16| {
            bailian::Error::Api(bailian::ApiError {
                status,
                code: "X".into(),
                message: String::new(),
                request_id: None,
                retry_after: None,
            })
        };
        assert!(ends_the_job(&api(200)));
        assert!(ends_the_job(&api(404)));
        assert!(!ends_the_job(&api(401)));
        assert!(!ends_the_job(&api(503)));
        assert!(!ends_the_job(&bailian::Error::Timeout {
            url: "task".into(),
            seconds: 1
        }));
    }

    #[test]
    fn a_job_has_the_ui_shape() {
        let job: TranscriptionJob = Transcription {
            record: TranscriptionRecord {
                id: "j".into(),
                file_url: "https://x/a.wav".into(),
                model: "paraformer-v2".into(),
                language_hints: Vec::new(),
                task_id: Some("t".into()),
                status: TranscriptionStatus::Succeeded,
                error_code: None,
                dashscope_code: None,
                error_message: None,
                text: Some("Hello.".into()),
                duration_seconds: Some(3),
                created_at: 1,
                updated_at: 2,
            },
            sentences: vec![TranscriptionSentence {
                begin_ms: 0,
                end_ms: Some(900),
                text: "Hello.".into(),
            }],
        }
        .into();
        let json = serde_json::to_value(&job).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "id": "j", "fileUrl": "https://x/a.wav", "model": "paraformer-v2", "taskId": "t",
                "status": "succeeded", "errorCode": null, "dashscopeCode": null, "errorMessage": null,
                "transcript": { "model": "paraformer-v2", "text": "Hello.", "durationSeconds": 3,
                    "sentences": [{ "text": "Hello.", "beginMs": 0, "endMs": 900 }] },
                "createdAt": 1, "updatedAt": 2,
            })
        );
        assert!(job.error().is_none());
    }
}

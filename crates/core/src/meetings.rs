//! Meetings as durable tasks (Tingwu through Bailian, reference §5.6): the meeting row exists
//! before the create call, Tingwu's `dataId` is stored the moment it is returned, polling resumes
//! after a restart ([`Desk::resume_meetings`]), and the transcript (sentences with times and
//! speakers), summary, chapters and action items are stored here before their 24-hour URLs
//! expire. Each meeting leaves one ledger row when it ends: speech recognition, in seconds of
//! audio.

use bailian::tingwu::{self, MeetingResult};
use desk_store::{
    Meeting, MeetingAction, MeetingChapter, MeetingContent, MeetingFailure, MeetingRecord,
    MeetingSentence,
};
use serde_json::json;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// The model name Tingwu meetings are called and recorded under.
pub const TINGWU_MODEL: &str = "tingwu-meeting";
/// The app id the offline demo uses when none is configured: the emulator takes any.
const DEMO_APP_ID: &str = "tw_demo";
/// Longest URL accepted; signed OSS URLs are long, but not this long.
const MAX_URL_CHARS: usize = 4_096;

/// A file URL Bailian can download: `http(s)://` or `oss://`, checked before anything is stored or
/// sent (a local path would only come back as a paid failure).
pub(crate) fn public_url(url: &str) -> Result<String, DeskError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(DeskError::new(
            ErrorCode::BadRequest,
            "the file URL is empty",
        ));
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(DeskError::new(
            ErrorCode::BadRequest,
            format!("the file URL is longer than {MAX_URL_CHARS} characters"),
        ));
    }
    // `get` rather than slicing: the URL is the user's and may open with multi-byte characters.
    let public = ["http://", "https://", "oss://"].iter().any(|scheme| {
        url.len() > scheme.len()
            && url
                .get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    });
    if !public || url.chars().any(char::is_whitespace) {
        return Err(DeskError::new(
            ErrorCode::BadRequest,
            format!(
                "{url} is not a public http(s):// or oss:// URL; Bailian downloads the file itself (transcribe a local file with `transcribe FILE`)"
            ),
        ));
    }
    Ok(url.to_owned())
}

fn millis(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// What a finished meeting's documents say, in the store's terms.
fn content_of(result: &MeetingResult) -> MeetingContent {
    let sentences = result
        .transcription
        .as_ref()
        .map(tingwu::sentences)
        .unwrap_or_default();
    let chapters = result
        .auto_chapters
        .as_ref()
        .map(tingwu::chapters)
        .unwrap_or_default();
    let actions = result
        .meeting_assistance
        .as_ref()
        .map(tingwu::actions)
        .unwrap_or_default();
    let documents = json!({
        "transcription": result.transcription,
        "summarization": result.summarization,
        "autoChapters": result.auto_chapters,
        "meetingAssistance": result.meeting_assistance,
    });
    MeetingContent {
        summary: result.summarization.as_ref().and_then(tingwu::summary),
        keywords: result
            .meeting_assistance
            .as_ref()
            .map(tingwu::keywords)
            .unwrap_or_default(),
        duration_ms: result
            .transcription
            .as_ref()
            .and_then(tingwu::duration_ms)
            .map(millis),
        documents: Some(documents.to_string()),
        sentences: sentences
            .into_iter()
            .map(|s| MeetingSentence {
                speaker: s.speaker,
                begin_ms: millis(s.begin_ms),
                end_ms: millis(s.end_ms),
                text: s.text,
            })
            .collect(),
        chapters: chapters
            .into_iter()
            .map(|c| MeetingChapter {
                title: c.title,
                summary: c.summary,
                begin_ms: millis(c.begin_ms),
                end_ms: millis(c.end_ms),
            })
            .collect(),
        actions: actions
            .into_iter()
            .map(|a| MeetingAction {
                text: a.text,
                begin_ms: a.begin_ms.map(millis),
                end_ms: a.end_ms.map(millis),
            })
            .collect(),
    }
}

/// Whether an error ends the meeting for good. Tingwu's own failure (status 2, reported with HTTP
/// 200) and a `dataId` the gateway refuses (400/404: expired or never existed) do; a network
/// failure, a timeout, throttling, a server fault or a key problem do not: the meeting goes on on
/// Tingwu's side and the next [`Desk::resume_meetings`] picks it up.
fn ends_the_meeting(error: &bailian::Error) -> bool {
    error
        .api()
        .is_some_and(|api| matches!(api.status, 200 | 400 | 404))
}

/// The ledger row of one meeting: seconds of audio when Tingwu reported the length. The latency
/// is the meeting's whole life, from the create call to the stored results.
fn meeting_usage(
    record: &MeetingRecord,
    demo: bool,
    duration_ms: Option<i64>,
    error: Option<&DeskError>,
) -> desk_store::NewUsage {
    let seconds = duration_ms
        .and_then(|ms| u64::try_from(ms).ok())
        .map(|ms| ms.div_ceil(1000));
    let (cost_cny, price_as_of) = crate::usage::unit_cost(TINGWU_MODEL, demo, seconds.unwrap_or(0));
    desk_store::NewUsage {
        kind: desk_store::UsageKind::SpeechRecognition,
        model: TINGWU_MODEL.to_owned(),
        conversation_id: None,
        item_id: Some(record.id.clone()),
        input_tokens: None,
        output_tokens: None,
        units: seconds,
        unit: Some("seconds"),
        latency_ms: u64::try_from(desk_store::now_ms().saturating_sub(record.created_at))
            .unwrap_or(0),
        status: if error.is_some() {
            desk_store::UsageStatus::Failed
        } else {
            desk_store::UsageStatus::Ok
        },
        error_code: error.map(|e| e.code.as_str().to_owned()),
        cost_cny,
        price_as_of,
    }
}

fn not_stored(id: &str) -> impl FnOnce(desk_store::StoreError) -> DeskError + '_ {
    move |error| match error {
        desk_store::StoreError::NotFound { .. } => {
            DeskError::new(ErrorCode::BadRequest, format!("meeting {id} is not stored"))
        }
        other => other.into(),
    }
}

impl Desk {
    /// Transcribes and analyses the recording at `file_url` (a public URL) with Tingwu and stores
    /// the result. `on_progress` hears the meeting's state while Tingwu works and once at the end.
    /// A failed meeting is stored with its error and returned as the error.
    pub async fn transcribe_meeting(
        &self,
        file_url: &str,
        on_progress: impl FnMut(&MeetingRecord) + Send,
    ) -> Result<Meeting, DeskError> {
        let record = self.submit_meeting(file_url).await?;
        self.follow_meeting(&record.id, on_progress).await
    }

    /// Stores the meeting, creates it on Tingwu, and stores the `dataId` before returning. Bad
    /// input (no app id, not a public URL), no key and a blocking budget are refused before
    /// anything is stored or sent.
    pub async fn submit_meeting(&self, file_url: &str) -> Result<MeetingRecord, DeskError> {
        let file_url = public_url(file_url)?;
        let connection = self.connection()?;
        let app_id = match self
            .config()
            .tingwu_app_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            Some(id) => id.to_owned(),
            None if connection.demo => DEMO_APP_ID.to_owned(),
            None => {
                return Err(DeskError::new(
                    ErrorCode::BadRequest,
                    format!(
                        "meetings need a Tingwu app id (tw_…, created in the Bailian console); set {}",
                        crate::config::ENV_TINGWU_APP_ID
                    ),
                ));
            }
        };
        self.check_budget(connection.demo)?;
        let record = self.store().create_meeting(&file_url)?;
        match connection.client.tingwu_create(&app_id, &file_url).await {
            Ok(data_id) => {
                self.store().set_meeting_submitted(&record.id, &data_id)?;
                tracing::info!(meeting = %record.id, %data_id, "meeting created on Tingwu");
            }
            Err(error) => {
                let error = DeskError::from(error);
                self.fail_meeting(&record, connection.demo, &error)?;
                return Err(error);
            }
        }
        Ok(self.store().meeting_record(&record.id)?)
    }

    /// Stores a meeting's failure with the doctor's code and DashScope's, and its ledger row.
    fn fail_meeting(
        &self,
        record: &MeetingRecord,
        demo: bool,
        error: &DeskError,
    ) -> Result<(), DeskError> {
        self.store().set_meeting_failed(
            &record.id,
            MeetingFailure {
                code: error.code.as_str(),
                dashscope_code: error.dashscope_code.as_deref(),
                message: &error.message,
            },
        )?;
        self.record_usage(meeting_usage(record, demo, None, Some(error)));
        tracing::warn!(meeting = %record.id, code = error.code.as_str(), %error, "meeting failed");
        Ok(())
    }

    /// Polls a stored meeting until Tingwu ends it and stores the results. A meeting that already
    /// ended is returned as stored. A network failure or a timeout leaves it running (resumable);
    /// a Tingwu failure marks it failed; both are returned as the error.
    pub async fn follow_meeting(
        &self,
        id: &str,
        mut on_progress: impl FnMut(&MeetingRecord) + Send,
    ) -> Result<Meeting, DeskError> {
        let record = self.store().meeting_record(id).map_err(not_stored(id))?;
        match record.status.as_str() {
            "succeeded" => return self.meeting(id),
            "failed" => return Err(stored_failure(&record)),
            _ => {}
        }
        let connection = self.connection()?;
        let Some(data_id) = record.data_id.clone() else {
            // The app stopped between storing the meeting and hearing back: whether Tingwu created
            // it is unknowable, and creating it again could pay twice.
            let error = DeskError::new(
                ErrorCode::Cancelled,
                "the app closed while the meeting was being created; start it again (Tingwu may have created it, but its id never arrived)",
            );
            self.fail_meeting(&record, connection.demo, &error)?;
            let current = self.store().meeting_record(id)?;
            on_progress(&current);
            return Err(error);
        };
        let policy = self.config().image_poll.clone();
        let waited = connection
            .client
            .tingwu_wait_observed(&data_id, &policy, |task| {
                if task.status.is_terminal() {
                    return;
                }
                let store = self.store();
                if let Err(error) = store.set_meeting_running(id) {
                    tracing::warn!(%error, "could not record the meeting's progress");
                }
                if let Ok(current) = store.meeting_record(id) {
                    drop(store);
                    on_progress(&current);
                }
            })
            .await;
        let result = match waited {
            Ok(result) => result,
            Err(error) if ends_the_meeting(&error) => {
                let error = DeskError::from(error);
                self.fail_meeting(&record, connection.demo, &error)?;
                let current = self.store().meeting_record(id)?;
                on_progress(&current);
                return Err(error);
            }
            Err(error) => {
                let error = DeskError::from(error);
                tracing::warn!(meeting = %id, %error, "meeting still running; it will be followed again");
                return Err(error);
            }
        };
        let content = content_of(&result);
        self.store().save_meeting_result(id, &content)?;
        self.record_usage(meeting_usage(
            &record,
            connection.demo,
            content.duration_ms,
            None,
        ));
        tracing::info!(meeting = %id, sentences = content.sentences.len(), "meeting stored");
        let meeting = self.meeting(id)?;
        on_progress(&meeting.record);
        Ok(meeting)
    }

    /// Follows every meeting a previous run left unfinished. Meetings that end failed are in the
    /// list with their error; a network failure stops the resumption (the rest stay resumable).
    pub async fn resume_meetings(
        &self,
        mut on_progress: impl FnMut(&MeetingRecord) + Send,
    ) -> Result<Vec<Meeting>, DeskError> {
        let unfinished = self.store().unfinished_meetings()?;
        let mut meetings = Vec::with_capacity(unfinished.len());
        for record in unfinished {
            tracing::info!(meeting = %record.id, "resuming a meeting");
            match self.follow_meeting(&record.id, &mut on_progress).await {
                Ok(meeting) => meetings.push(meeting),
                Err(error) => {
                    if self.store().meeting_record(&record.id)?.status == "failed" {
                        meetings.push(self.meeting(&record.id)?);
                    } else {
                        return Err(error);
                    }
                }
            }
        }
        Ok(meetings)
    }

    /// The stored meetings, newest first, without their transcripts.
    pub fn meetings(&self, limit: usize) -> Result<Vec<MeetingRecord>, DeskError> {
        Ok(self.store().meetings(limit)?)
    }

    /// One meeting with its transcript, chapters and action items.
    pub fn meeting(&self, id: &str) -> Result<Meeting, DeskError> {
        self.store().meeting(id).map_err(not_stored(id))
    }
}

/// A stored failure as the error it was.
fn stored_failure(record: &MeetingRecord) -> DeskError {
    let code = record
        .error_code
        .as_deref()
        .and_then(|stored| {
            ErrorCode::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == stored)
        })
        .unwrap_or(ErrorCode::Internal);
    let mut error = DeskError::new(
        code,
        record
            .error_message
            .clone()
            .unwrap_or_else(|| "the meeting failed".to_owned()),
    );
    error.dashscope_code = record.dashscope_code.clone();
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_urls_are_sent() {
        assert_eq!(
            public_url("  https://example.com/a.mp3 ").expect("https"),
            "https://example.com/a.mp3"
        );
        assert!(public_url("OSS://bucket/a.wav").is_ok());
        for bad in [
            "",
            "   ",
            "/home/me/a.mp3",
            "file:///a.mp3",
            "https://",
            "https://a b/c",
            "会议录音会议录音.mp3",
            "ht会议",
        ] {
            let error = public_url(bad).expect_err(bad);
            assert_eq!(error.code, ErrorCode::BadRequest, "{bad}");
        }
        assert!(public_url(&format!("https://x/{}", "a".repeat(MAX_URL_CHARS))).is_err());
    }

    #[test]
    fn only_tingwu_failures_and_refused_ids_end_a_meeting() {
        let api = |status: u16| {
            bailian::Error::Api(bailian::ApiError {
                status,
                code: "X".into(),
                message: String::new(),
                request_id: None,
                retry_after: None,
            })
        };
        assert!(ends_the_meeting(&api(200)));
        assert!(ends_the_meeting(&api(400)));
        assert!(!ends_the_meeting(&api(401)));
        assert!(!ends_the_meeting(&api(429)));
        assert!(!ends_the_meeting(&api(503)));
        assert!(!ends_the_meeting(&bailian::Error::Timeout {
            url: "meeting".into(),
            seconds: 1
        }));
    }
}

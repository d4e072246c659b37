//! Real-time recognition fed with audio as it is produced: the microphone (the app pushes PCM
//! pieces), a pipe (`arecord … | bailian-desk transcribe --live -`), or a file, which is only audio
//! pushed from a reader ([`Desk::transcribe_file`] goes through here too).
//!
//! One task per session owns the WebSocket: it sends the queued audio and reads results at once,
//! reporting each revision of the sentence being spoken (`partial`) and each settled sentence as
//! [`LiveTranscriptEvent`]s. The queue between the caller and the socket is bounded by
//! [`MAX_BUFFERED_SECONDS`] of audio: a network that falls further behind ends the session
//! (`failed`, code `network`) rather than growing memory or recognising audio with a hole in it.
//! A session that gets no audio for [`crate::DeskConfig::live_idle_timeout`] is closed.
//!
//! The ledger row (seconds of audio) is written by the session's task when recognition ends,
//! finished or failed; a cancelled or abandoned session leaves none.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use bailian::speech::ASR_FRAME_BYTES;
use bailian::{AsrRequest, SpeechEvent, SpeechReader, SpeechWriter};
use desk_store::{Store, UsageKind};
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};
use crate::speech::{DEFAULT_ASR_MODEL, Sentence, Transcript};

/// The sample rates live recognition takes (16-bit little-endian mono PCM): Paraformer's realtime
/// models are documented for 16 kHz audio and 8 kHz telephone audio.
pub const LIVE_SAMPLE_RATES: [u32; 2] = [8_000, 16_000];
/// Audio waiting to be sent, at most: past it the network is too far behind to catch up.
pub const MAX_BUFFERED_SECONDS: u32 = 30;
/// Sessions one profile may hold open at once; each is a socket.
pub const MAX_LIVE_SESSIONS: usize = 4;
/// Most language hints one session takes.
const MAX_LANGUAGE_HINTS: usize = 8;

/// Real-time recognition as it happens (the UI's `LiveTranscriptEvent`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LiveTranscriptEvent {
    /// The sentence being spoken, revised as more audio arrives; replaces the previous partial.
    #[serde(rename_all = "camelCase")]
    Partial { text: String, begin_ms: u64 },
    /// A sentence the recogniser settled on; the partial is cleared.
    Sentence { sentence: Sentence },
    /// The session is over without a transcript (network, quota, bad audio, nothing pushed for
    /// too long).
    Failed { error: DeskError },
}

/// Where a session's events go. Boxed: the session's task outlives the call that started it.
pub type LiveEvents = Box<dyn FnMut(LiveTranscriptEvent) + Send + 'static>;

/// Why a session was stopped from outside its task.
enum Stop {
    Cancel,
    Overflow(DeskError),
}

/// How recognition ended inside the task.
enum Ended {
    Abandoned,
    Failed(DeskError),
}

struct Recognized {
    sentences: Vec<Sentence>,
    duration_seconds: Option<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn unknown_session(id: &str) -> DeskError {
    DeskError::new(
        ErrorCode::BadRequest,
        format!("no live transcription {id} is open (it finished, was cancelled or timed out)"),
    )
}

/// An open live recognition: push audio in order, then [`LiveTranscription::finish`] for the
/// whole transcript or [`LiveTranscription::cancel`]. Dropping it cancels.
pub struct LiveTranscription {
    id: String,
    audio: mpsc::UnboundedSender<Vec<u8>>,
    /// Bytes of audio that may still be queued; a sent piece gives its bytes back.
    room: Arc<Semaphore>,
    capacity: usize,
    /// PCM: every piece holds whole 16-bit samples.
    whole_samples: bool,
    /// Why the session ended early, once it did (for pushes after the end).
    ended: Arc<Mutex<Option<DeskError>>>,
    stop: Mutex<Option<oneshot::Sender<Stop>>>,
    task: tokio::task::JoinHandle<Result<Transcript, DeskError>>,
}

impl std::fmt::Debug for LiveTranscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTranscription")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl LiveTranscription {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Refuses a piece the session cannot take, before anything is queued.
    fn checked_piece(&self, audio: &[u8]) -> Result<(), DeskError> {
        if let Some(error) = lock(&self.ended).clone() {
            return Err(error);
        }
        if self.whole_samples && !audio.len().is_multiple_of(2) {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!(
                    "a piece of {} bytes cuts a 16-bit sample in two; send whole samples (an even number of bytes)",
                    audio.len()
                ),
            ));
        }
        if audio.len() > self.capacity {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!(
                    "a piece of {} bytes is more than the {MAX_BUFFERED_SECONDS} s of audio a session queues; send smaller pieces",
                    audio.len()
                ),
            ));
        }
        Ok(())
    }

    fn enqueue(&self, audio: &[u8]) -> Result<(), DeskError> {
        self.audio
            .send(audio.to_vec())
            .map_err(|_| self.ended_error())
    }

    fn ended_error(&self) -> DeskError {
        lock(&self.ended).clone().unwrap_or_else(|| {
            DeskError::new(ErrorCode::Cancelled, "the live transcription has ended")
        })
    }

    /// Queues the next piece of audio without waiting. A piece that would put more than
    /// [`MAX_BUFFERED_SECONDS`] of audio in the queue ends the session: its task reports `failed`
    /// (code `network`) and this returns the same error.
    pub fn push(&self, audio: &[u8]) -> Result<(), DeskError> {
        self.checked_piece(audio)?;
        if audio.is_empty() {
            return Ok(());
        }
        let bytes = u32::try_from(audio.len()).unwrap_or(u32::MAX);
        match self.room.try_acquire_many(bytes) {
            Ok(permit) => permit.forget(),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(self.ended_error()),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let error = DeskError::new(
                    ErrorCode::Network,
                    format!(
                        "the connection fell more than {MAX_BUFFERED_SECONDS} s of audio behind; the live transcription stopped (the sentences heard so far were delivered)"
                    ),
                );
                tracing::warn!(session = %self.id, "live transcription overflowed its queue");
                lock(&self.ended).get_or_insert_with(|| error.clone());
                if let Some(stop) = lock(&self.stop).take() {
                    drop(stop.send(Stop::Overflow(error.clone())));
                }
                return Err(error);
            }
        }
        self.enqueue(audio)
    }

    /// Queues the next piece of audio, waiting while [`MAX_BUFFERED_SECONDS`] are already queued:
    /// for readers (a file, a pipe) that can go at the network's pace.
    pub async fn push_wait(&self, audio: &[u8]) -> Result<(), DeskError> {
        self.checked_piece(audio)?;
        if audio.is_empty() {
            return Ok(());
        }
        let bytes = u32::try_from(audio.len()).unwrap_or(u32::MAX);
        match self.room.acquire_many(bytes).await {
            Ok(permit) => permit.forget(),
            Err(_) => return Err(self.ended_error()),
        }
        self.enqueue(audio)
    }

    /// Ends the audio (finish-task after the queued audio) and waits for the last sentences. The
    /// session's ledger row is written before this returns.
    pub async fn finish(self) -> Result<Transcript, DeskError> {
        let LiveTranscription {
            audio, stop, task, ..
        } = self;
        // Closing the queue is the end of the audio; the stop signal stays alive meanwhile, since
        // dropping it means cancel.
        drop(audio);
        let result = task.await;
        drop(stop);
        match result {
            Ok(result) => result,
            Err(error) => Err(DeskError::new(
                ErrorCode::Internal,
                format!("the live transcription stopped unexpectedly: {error}"),
            )),
        }
    }

    /// Closes the session at once; nothing more is reported and nothing is recorded.
    pub fn cancel(self) {
        if let Some(stop) = lock(&self.stop).take() {
            drop(stop.send(Stop::Cancel));
        }
    }

    fn is_over(&self) -> bool {
        self.task.is_finished()
    }
}

/// What `Desk` keeps for speech beyond one call: the open live sessions (by id, this profile's
/// only: each profile has its own `Desk`) and the transcription jobs being followed.
#[derive(Debug, Default)]
pub(crate) struct SpeechState {
    live: Arc<Mutex<HashMap<String, LiveTranscription>>>,
    /// Jobs a call of this process is submitting or polling: resumption leaves them alone.
    pub(crate) busy_jobs: Mutex<HashSet<String>>,
}

/// The ledger, for a task that outlives the call which started it.
struct Ledger {
    store: Arc<Mutex<Store>>,
    demo: bool,
}

impl Ledger {
    fn record(&self, model: &str, started: Instant, outcome: Result<Option<u64>, &DeskError>) {
        let Some(usage) = crate::usage::call_usage(
            UsageKind::SpeechRecognition,
            model,
            "seconds",
            started,
            outcome,
            self.demo,
        ) else {
            return;
        };
        if let Err(error) = lock(&self.store).record_usage(&usage) {
            tracing::warn!(%error, %model, "could not record usage");
        }
    }
}

/// Sends the queued audio and reads results at once until the task finishes.
async fn recognize(
    mut writer: SpeechWriter,
    mut reader: SpeechReader,
    mut audio: mpsc::UnboundedReceiver<Vec<u8>>,
    room: &Semaphore,
    idle: Duration,
    sent_bytes: &AtomicU64,
    on_event: &mut (dyn FnMut(LiveTranscriptEvent) + Send),
) -> Result<Recognized, Ended> {
    let send = async {
        loop {
            let piece = match tokio::time::timeout(idle, audio.recv()).await {
                Err(_) => return Err(Ended::Abandoned),
                Ok(None) => break,
                Ok(Some(piece)) => piece,
            };
            for frame in piece.chunks(ASR_FRAME_BYTES) {
                writer
                    .send_audio(frame)
                    .await
                    .map_err(|e| Ended::Failed(e.into()))?;
            }
            sent_bytes.fetch_add(piece.len() as u64, Ordering::Relaxed);
            room.add_permits(piece.len());
        }
        writer.finish().await.map_err(|e| Ended::Failed(e.into()))
    };
    let receive = async {
        let mut sentences = Vec::new();
        while let Some(event) = reader.next().await {
            match event.map_err(|e| Ended::Failed(e.into()))? {
                SpeechEvent::Sentence {
                    text,
                    begin_ms,
                    end_ms,
                    is_final: true,
                } => {
                    let sentence = Sentence {
                        text,
                        begin_ms,
                        end_ms,
                    };
                    on_event(LiveTranscriptEvent::Sentence {
                        sentence: sentence.clone(),
                    });
                    sentences.push(sentence);
                }
                SpeechEvent::Sentence { text, begin_ms, .. } => {
                    on_event(LiveTranscriptEvent::Partial { text, begin_ms });
                }
                SpeechEvent::Finished { usage } => {
                    return Ok(Recognized {
                        sentences,
                        duration_seconds: usage.get("duration").and_then(serde_json::Value::as_u64),
                    });
                }
                SpeechEvent::Audio(_) => {}
            }
        }
        Err(Ended::Failed(
            bailian::Error::StreamInterrupted {
                events_received: 0,
                reason: "recognition ended early".into(),
            }
            .into(),
        ))
    };
    tokio::pin!(send, receive);
    let mut sending = true;
    let mut send_failure = None;
    loop {
        tokio::select! {
            result = &mut send, if sending => {
                sending = false;
                match result {
                    Ok(()) => {}
                    Err(Ended::Abandoned) => return Err(Ended::Abandoned),
                    // A broken socket fails the reading side too, with the server's reason when
                    // it gave one (task-failed): that error is the better one to report.
                    Err(failure) => send_failure = Some(failure),
                }
            }
            result = &mut receive => {
                let recognized = result?;
                return match send_failure {
                    Some(failure) => Err(failure),
                    None => Ok(recognized),
                };
            }
        }
    }
}

struct Driver {
    writer: SpeechWriter,
    reader: SpeechReader,
    audio: mpsc::UnboundedReceiver<Vec<u8>>,
    room: Arc<Semaphore>,
    stop: oneshot::Receiver<Stop>,
    idle: Duration,
    model: String,
    bytes_per_second: Option<u64>,
    ledger: Ledger,
    ended: Arc<Mutex<Option<DeskError>>>,
    on_abandon: Option<Box<dyn FnOnce() + Send>>,
}

impl Driver {
    async fn run(self, mut on_event: LiveEvents) -> Result<Transcript, DeskError> {
        let started = Instant::now();
        let sent_bytes = AtomicU64::new(0);
        let Driver {
            writer,
            reader,
            audio,
            room,
            stop,
            idle,
            model,
            bytes_per_second,
            ledger,
            ended,
            on_abandon,
        } = self;
        let outcome = {
            let work = recognize(
                writer,
                reader,
                audio,
                &room,
                idle,
                &sent_bytes,
                on_event.as_mut(),
            );
            tokio::select! {
                biased;
                stop = stop => match stop {
                    Ok(Stop::Overflow(error)) => Err(Ended::Failed(error)),
                    // A dropped handle is a cancel too.
                    Ok(Stop::Cancel) | Err(_) => {
                        let error = DeskError::new(ErrorCode::Cancelled, "the live transcription was cancelled");
                        lock(&ended).get_or_insert_with(|| error.clone());
                        room.close();
                        return Err(error);
                    }
                },
                result = work => result,
            }
        };
        // Why it ended goes in first: a pusher woken by the closed queue reads it.
        let early_end = match &outcome {
            Ok(_) => None,
            Err(Ended::Failed(error)) => Some(error.clone()),
            Err(Ended::Abandoned) => Some(DeskError::new(
                ErrorCode::Cancelled,
                format!(
                    "no audio arrived for {} s; the live transcription was closed",
                    idle.as_secs()
                ),
            )),
        };
        if let Some(error) = &early_end {
            lock(&ended).get_or_insert_with(|| error.clone());
        }
        // Nothing more may be queued, and a pusher waiting for room hears the end.
        room.close();
        match outcome {
            Ok(recognized) => {
                // DashScope's billed length; the audio's own length when it reported none.
                let duration_seconds = recognized.duration_seconds.or_else(|| {
                    bytes_per_second
                        .filter(|b| *b > 0)
                        .map(|b| sent_bytes.load(Ordering::Relaxed).div_ceil(b))
                });
                ledger.record(&model, started, Ok(duration_seconds));
                let text = recognized
                    .sentences
                    .iter()
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                Ok(Transcript {
                    model,
                    text,
                    sentences: recognized.sentences,
                    duration_seconds,
                })
            }
            Err(Ended::Failed(error)) => {
                tracing::warn!(code = error.code.as_str(), %error, "live transcription failed");
                ledger.record(&model, started, Err(&error));
                on_event(LiveTranscriptEvent::Failed {
                    error: error.clone(),
                });
                Err(error)
            }
            Err(Ended::Abandoned) => {
                let error = early_end.unwrap_or_else(|| {
                    DeskError::new(ErrorCode::Cancelled, "the live transcription was closed")
                });
                tracing::info!("live transcription abandoned");
                // Out of the registry before anyone hears of it: the id is dead once `failed` is.
                if let Some(forget) = on_abandon {
                    forget();
                }
                on_event(LiveTranscriptEvent::Failed {
                    error: error.clone(),
                });
                Err(error)
            }
        }
    }
}

/// The language hints as sent: trimmed, without empty ones or repeats.
pub(crate) fn clean_hints(hints: Vec<String>) -> Result<Vec<String>, DeskError> {
    let mut clean: Vec<String> = Vec::new();
    for hint in hints {
        let hint = hint.trim().to_owned();
        if !hint.is_empty() && !clean.contains(&hint) {
            clean.push(hint);
        }
    }
    if clean.len() > MAX_LANGUAGE_HINTS
        || clean
            .iter()
            .any(|h| h.len() > 16 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(DeskError::new(
            ErrorCode::BadRequest,
            format!(
                "language hints are short codes such as zh, en, ja (at most {MAX_LANGUAGE_HINTS})"
            ),
        ));
    }
    Ok(clean)
}

fn live_request(sample_rate: u32, language_hints: Vec<String>) -> Result<AsrRequest, DeskError> {
    if !LIVE_SAMPLE_RATES.contains(&sample_rate) {
        return Err(DeskError::new(
            ErrorCode::UnsupportedByModel,
            format!(
                "live recognition takes 16-bit mono PCM at 8000 or 16000 Hz, not {sample_rate} Hz; resample the audio first"
            ),
        ));
    }
    Ok(AsrRequest {
        model: DEFAULT_ASR_MODEL.into(),
        format: "pcm".into(),
        sample_rate,
        language_hints: clean_hints(language_hints)?,
    })
}

impl Desk {
    /// Opens a recognition task and the task that drives it. Budget and key are checked first;
    /// a task the server refuses to start is a failed call in the ledger.
    pub(crate) async fn open_recognition(
        &self,
        request: AsrRequest,
        on_event: LiveEvents,
        on_abandon: Option<Box<dyn FnOnce() + Send>>,
    ) -> Result<LiveTranscription, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let started = Instant::now();
        let (writer, reader) = match connection.client.start_recognition(&request).await {
            Ok(halves) => halves,
            Err(error) => {
                let error = DeskError::from(error);
                self.record_call(
                    UsageKind::SpeechRecognition,
                    &request.model,
                    "seconds",
                    started,
                    Err(&error),
                );
                return Err(error);
            }
        };
        let whole_samples = request.format == "pcm";
        let bytes_per_second = whole_samples.then(|| u64::from(request.sample_rate) * 2);
        // At least one SDK frame fits, whatever the format.
        let capacity = bytes_per_second
            .map_or(4 * 1024 * 1024, |b| b * u64::from(MAX_BUFFERED_SECONDS))
            .max(ASR_FRAME_BYTES as u64);
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        let room = Arc::new(Semaphore::new(capacity));
        let (audio_tx, audio_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let ended = Arc::new(Mutex::new(None));
        let driver = Driver {
            writer,
            reader,
            audio: audio_rx,
            room: Arc::clone(&room),
            stop: stop_rx,
            idle: self.config().live_idle_timeout,
            model: request.model.clone(),
            bytes_per_second,
            ledger: Ledger {
                store: self.shared_store(),
                demo: connection.demo,
            },
            ended: Arc::clone(&ended),
            on_abandon,
        };
        let task = tokio::spawn(driver.run(on_event));
        Ok(LiveTranscription {
            id: String::new(),
            audio: audio_tx,
            room,
            capacity,
            whole_samples,
            ended,
            stop: Mutex::new(Some(stop_tx)),
            task,
        })
    }

    /// Starts real-time recognition of 16-bit little-endian mono PCM at `sample_rate` (8000 or
    /// 16000 Hz), reporting to `on_event` while audio is pushed into the returned handle. For a
    /// caller that holds the handle (the CLI); the app goes through
    /// [`Desk::open_live_transcription`], which keeps it by id.
    pub async fn start_live_transcription(
        &self,
        sample_rate: u32,
        language_hints: Vec<String>,
        on_event: impl FnMut(LiveTranscriptEvent) + Send + 'static,
    ) -> Result<LiveTranscription, DeskError> {
        let request = live_request(sample_rate, language_hints)?;
        let mut session = self
            .open_recognition(request, Box::new(on_event), None)
            .await?;
        session.id = desk_store::new_id();
        Ok(session)
    }

    /// [`Desk::start_live_transcription`] kept in this profile's registry: returns the session id
    /// for [`Desk::push_live_audio`], [`Desk::finish_live_transcription`] and
    /// [`Desk::cancel_live_transcription`]. Another profile's `Desk` has its own registry, so its
    /// sessions cannot be reached from here.
    pub async fn open_live_transcription(
        &self,
        sample_rate: u32,
        language_hints: Vec<String>,
        on_event: impl FnMut(LiveTranscriptEvent) + Send + 'static,
    ) -> Result<String, DeskError> {
        let request = live_request(sample_rate, language_hints)?;
        let registry = &self.speech_state().live;
        {
            let mut sessions = lock(registry);
            // Sessions that failed and were never finished or cancelled hold no socket; they
            // make room here.
            sessions.retain(|_, session| !session.is_over());
            if sessions.len() >= MAX_LIVE_SESSIONS {
                return Err(DeskError::new(
                    ErrorCode::BadRequest,
                    format!(
                        "{MAX_LIVE_SESSIONS} live transcriptions are already open; finish or cancel one first"
                    ),
                ));
            }
        }
        let id = desk_store::new_id();
        let weak: Weak<Mutex<HashMap<String, LiveTranscription>>> = Arc::downgrade(registry);
        let forget_id = id.clone();
        let on_abandon: Box<dyn FnOnce() + Send> = Box::new(move || {
            if let Some(registry) = weak.upgrade() {
                lock(&registry).remove(&forget_id);
            }
        });
        let mut session = self
            .open_recognition(request, Box::new(on_event), Some(on_abandon))
            .await?;
        session.id = id.clone();
        lock(registry).insert(id.clone(), session);
        tracing::info!(session = %id, sample_rate, "live transcription started");
        Ok(id)
    }

    /// Queues the next piece of a session's audio (see [`LiveTranscription::push`]).
    pub fn push_live_audio(&self, session_id: &str, audio: &[u8]) -> Result<(), DeskError> {
        let sessions = lock(&self.speech_state().live);
        let session = sessions
            .get(session_id)
            .ok_or_else(|| unknown_session(session_id))?;
        session.push(audio)
    }

    /// [`Desk::push_live_audio`] with the audio as base64, as the app sends it.
    pub fn push_live_audio_base64(
        &self,
        session_id: &str,
        pcm_base64: &str,
    ) -> Result<(), DeskError> {
        use base64::Engine as _;
        let audio = base64::engine::general_purpose::STANDARD
            .decode(pcm_base64.trim())
            .map_err(|e| {
                DeskError::new(
                    ErrorCode::BadRequest,
                    format!("the audio is not base64: {e}"),
                )
            })?;
        self.push_live_audio(session_id, &audio)
    }

    /// Ends a session's audio and waits for its whole transcript (recorded in the ledger). A
    /// session that failed answers with its error.
    pub async fn finish_live_transcription(
        &self,
        session_id: &str,
    ) -> Result<Transcript, DeskError> {
        let session = lock(&self.speech_state().live)
            .remove(session_id)
            .ok_or_else(|| unknown_session(session_id))?;
        session.finish().await
    }

    /// Closes a session at once; nothing is recorded. An unknown id (already finished, timed out,
    /// or never this profile's) is not an error.
    pub fn cancel_live_transcription(&self, session_id: &str) {
        let session = lock(&self.speech_state().live).remove(session_id);
        if let Some(session) = session {
            tracing::info!(session = %session_id, "live transcription cancelled");
            session.cancel();
        }
    }

    /// How many live sessions this profile holds (open or failed and not yet dropped).
    pub fn live_transcriptions(&self) -> usize {
        lock(&self.speech_state().live).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pcm_at_8_or_16_khz_is_taken() {
        for rate in [8_000, 16_000] {
            let request = live_request(rate, vec![" en ".into(), "zh".into(), "en".into()])
                .expect("accepted");
            assert_eq!(
                (request.format.as_str(), request.sample_rate),
                ("pcm", rate)
            );
            assert_eq!(request.language_hints, vec!["en", "zh"]);
        }
        for rate in [0, 11_025, 22_050, 44_100, 48_000] {
            let error = live_request(rate, Vec::new()).expect_err("refused");
            assert_eq!(error.code, ErrorCode::UnsupportedByModel, "{rate}");
        }
        assert!(live_request(16_000, vec!["en; DROP".into()]).is_err());
        assert!(live_request(16_000, (0..9).map(|i| format!("l{i}")).collect()).is_err());
    }

    /// A session whose socket never drains: the queue's bound is all that moves.
    fn stalled(capacity: usize) -> (LiveTranscription, oneshot::Receiver<Stop>) {
        let (audio, queued) = mpsc::unbounded_channel::<Vec<u8>>();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _queued = queued;
            std::future::pending::<Result<Transcript, DeskError>>().await
        });
        let session = LiveTranscription {
            id: "s".into(),
            audio,
            room: Arc::new(Semaphore::new(capacity)),
            capacity,
            whole_samples: true,
            ended: Arc::default(),
            stop: Mutex::new(Some(stop)),
            task,
        };
        (session, stopped)
    }

    #[tokio::test]
    async fn a_queue_past_its_bound_ends_the_session() {
        let (session, mut stopped) = stalled(8);
        session.push(&[0; 4]).expect("room");
        session.push(&[]).expect("nothing to queue");
        let error = session.push(&[0; 3]).expect_err("half a sample");
        assert_eq!(error.code, ErrorCode::BadRequest);
        let error = session.push(&[0; 10]).expect_err("larger than the queue");
        assert_eq!(error.code, ErrorCode::BadRequest);
        assert!(stopped.try_recv().is_err(), "refused pieces end nothing");
        session.push(&[0; 4]).expect("still room");
        let overflow = session.push(&[0; 2]).expect_err("past the bound");
        assert_eq!(overflow.code, ErrorCode::Network);
        match stopped.try_recv() {
            Ok(Stop::Overflow(error)) => assert_eq!(error, overflow),
            _ => panic!("the task was told to stop for the overflow"),
        }
        // The session stays over, with the same error, for any later piece.
        assert_eq!(session.push(&[0; 2]).expect_err("over"), overflow);
        assert_eq!(
            session.push_wait(&[0; 2]).await.expect_err("over"),
            overflow
        );
    }

    #[test]
    fn events_have_the_ui_shapes() {
        let partial = serde_json::to_value(LiveTranscriptEvent::Partial {
            text: "Sentence 1".into(),
            begin_ms: 0,
        })
        .expect("json");
        assert_eq!(
            partial,
            serde_json::json!({ "type": "partial", "text": "Sentence 1", "beginMs": 0 })
        );
        let sentence = serde_json::to_value(LiveTranscriptEvent::Sentence {
            sentence: Sentence {
                text: "Hi.".into(),
                begin_ms: 0,
                end_ms: Some(900),
            },
        })
        .expect("json");
        assert_eq!(
            sentence,
            serde_json::json!({ "type": "sentence", "sentence": { "text": "Hi.", "beginMs": 0, "endMs": 900 } })
        );
        let failed = serde_json::to_value(LiveTranscriptEvent::Failed {
            error: DeskError::new(ErrorCode::Network, "gone"),
        })
        .expect("json");
        assert_eq!(failed["type"], "failed");
        assert_eq!(failed["error"]["code"], "network");
    }
}

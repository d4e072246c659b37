//! Tauri commands: each is one call into the core. Errors cross as `DeskError`, which serializes to
//! `{code, message, dashscopeCode, requestId, retryAfterMs, advice}`.
//!
//! Every command that acts for a person takes the `token` of their session and reaches only that
//! profile's `Desk` through [`Device::desk`]; the list of commands is the contract in
//! `ui/src/api/desk.ts` (checked by crates/core/tests/ui_contract.rs).

use std::path::PathBuf;
use std::sync::Arc;

use desk_core::{
    ApiKeyStatus, AppStatus, Assistant, AtLimit, BackupInfo, BinaryData, BudgetStatus,
    ConnectionCheck, Conversation, ConversationPatch, ConversationScope, ConversationView, Desk,
    DeskError, Device, DeviceStatus, EndpointChoice, ImageJob, ImageTaskView, ImportReport,
    IndexReport, IndexStatus, Meeting, MeetingRecord, ModelView, Profile, ReadAloudOutcome,
    RestoreReport, SearchHit, SemanticHit, SendOutcome, SendRequest, SessionGrant, Settings,
    StreamUpdate, Transcript, UsageGroup, UsageTotal,
};
use desk_core::{DeltaCoalescer, LiveTranscriptEvent, ReplyCommand, TranscriptionJob};
use tauri::State;
use tauri::ipc::Channel;

fn desk(device: &Device, token: &str) -> Result<Arc<Desk>, DeskError> {
    device.desk(token)
}

// --- Device and profiles -----------------------------------------------------------------

#[tauri::command(async)]
pub fn device_status(device: State<'_, Device>) -> Result<DeviceStatus, DeskError> {
    device.status()
}

#[tauri::command(async)]
pub fn create_profile(
    device: State<'_, Device>,
    name: String,
    password: String,
    token: Option<String>,
) -> Result<Profile, DeskError> {
    device.create_profile(token.as_deref(), &name, &password)
}

#[tauri::command(async)]
pub fn login(
    device: State<'_, Device>,
    profile_id: String,
    password: Option<String>,
) -> Result<SessionGrant, DeskError> {
    device.login(&profile_id, password.as_deref())
}

#[tauri::command(async)]
pub fn logout(device: State<'_, Device>, token: String) -> Result<(), DeskError> {
    device.logout(&token)
}

#[tauri::command(async)]
pub fn refresh_session(
    device: State<'_, Device>,
    token: String,
) -> Result<SessionGrant, DeskError> {
    device.refresh(&token)
}

#[tauri::command(async)]
pub fn change_password(
    device: State<'_, Device>,
    token: String,
    old_password: Option<String>,
    new_password: String,
) -> Result<(), DeskError> {
    device.change_password(&token, old_password.as_deref(), &new_password)
}

#[tauri::command(async)]
pub fn remove_profile(
    device: State<'_, Device>,
    token: String,
    profile_id: String,
) -> Result<(), DeskError> {
    device.remove_profile(&token, &profile_id)
}

#[tauri::command(async)]
pub fn set_idle_lock(
    device: State<'_, Device>,
    token: String,
    minutes: u32,
) -> Result<DeviceStatus, DeskError> {
    device.set_idle_lock(&token, minutes)
}

// --- Status, demo, models ------------------------------------------------------------------

#[tauri::command(async)]
pub fn app_status(device: State<'_, Device>, token: String) -> Result<AppStatus, DeskError> {
    Ok(desk(&device, &token)?.status())
}

#[tauri::command]
pub async fn start_demo(device: State<'_, Device>, token: String) -> Result<AppStatus, DeskError> {
    desk(&device, &token)?.start_demo().await
}

#[tauri::command]
pub async fn list_models(
    device: State<'_, Device>,
    token: String,
) -> Result<Vec<ModelView>, DeskError> {
    desk(&device, &token)?.model_views().await
}

// --- Conversations --------------------------------------------------------------------------

#[tauri::command(async)]
pub fn list_conversations(
    device: State<'_, Device>,
    token: String,
    scope: Option<ConversationScope>,
) -> Result<Vec<Conversation>, DeskError> {
    desk(&device, &token)?.list_conversations_in(scope.unwrap_or_default())
}

#[tauri::command(async)]
pub fn get_conversation(
    device: State<'_, Device>,
    token: String,
    conversation_id: String,
) -> Result<ConversationView, DeskError> {
    desk(&device, &token)?.conversation(&conversation_id)
}

#[tauri::command(async)]
pub fn update_conversation(
    device: State<'_, Device>,
    token: String,
    conversation_id: String,
    patch: ConversationPatch,
) -> Result<Conversation, DeskError> {
    desk(&device, &token)?.update_conversation(&conversation_id, patch)
}

#[tauri::command(async)]
pub fn trash_conversation(
    device: State<'_, Device>,
    token: String,
    conversation_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.trash_conversation(&conversation_id)
}

#[tauri::command(async)]
pub fn restore_conversation(
    device: State<'_, Device>,
    token: String,
    conversation_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.restore_conversation(&conversation_id)
}

#[tauri::command(async)]
pub fn purge_conversation(
    device: State<'_, Device>,
    token: String,
    conversation_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.purge_conversation(&conversation_id)
}

#[tauri::command(async)]
pub fn delete_message(
    device: State<'_, Device>,
    token: String,
    message_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.delete_message(&message_id)
}

// --- Chat -----------------------------------------------------------------------------------

/// Runs a streaming command with its updates going to `on_event` through a
/// [`DeltaCoalescer`]: a token at a time, each a script evaluation in the page, was hundreds of
/// channel messages a second; the page draws once a frame, so deltas are joined per frame.
async fn coalesced<T>(
    on_event: Channel<StreamUpdate>,
    run: impl AsyncFnOnce(&DeltaCoalescer) -> T,
) -> T {
    let updates = DeltaCoalescer::new(move |update| drop(on_event.send(update)));
    let result = run(&updates).await;
    updates.finish();
    result
}

/// Streams the reply through `on_event`, a Tauri channel: ordered, pushed, no polling.
#[tauri::command]
pub async fn send_message(
    device: State<'_, Device>,
    token: String,
    request: SendRequest,
    on_event: Channel<StreamUpdate>,
) -> Result<SendOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(&device, &token)?
            .send_message(request, |update| updates.push(update))
            .await
    })
    .await
}

#[tauri::command]
pub async fn regenerate_reply(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
    on_event: Channel<StreamUpdate>,
) -> Result<SendOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(&device, &token)?
            .regenerate_reply(&assistant_message_id, |update| updates.push(update))
            .await
    })
    .await
}

#[tauri::command]
pub async fn continue_reply(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
    on_event: Channel<StreamUpdate>,
) -> Result<SendOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(&device, &token)?
            .continue_reply(&assistant_message_id, |update| updates.push(update))
            .await
    })
    .await
}

#[tauri::command]
pub async fn submit_tool_results(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
    results: Vec<desk_core::ToolResult>,
    on_event: Channel<StreamUpdate>,
) -> Result<SendOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(&device, &token)?
            .submit_tool_results(&assistant_message_id, results, |update| {
                updates.push(update)
            })
            .await
    })
    .await
}

#[tauri::command(async)]
pub fn stop_stream(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.stop_stream(&assistant_message_id);
    Ok(())
}

#[tauri::command(async)]
pub fn attachment_data(
    device: State<'_, Device>,
    token: String,
    attachment_id: String,
) -> Result<BinaryData, DeskError> {
    let (mime, bytes) = desk(&device, &token)?.attachment_data(&attachment_id)?;
    Ok(BinaryData::new(mime, &bytes))
}

// --- Search, usage, budget ---------------------------------------------------------------

#[tauri::command(async)]
pub fn search(
    device: State<'_, Device>,
    token: String,
    query: String,
    limit: Option<usize>,
) -> Result<Vec<SearchHit>, DeskError> {
    desk(&device, &token)?.search(&query, limit.unwrap_or(50).min(500))
}

#[tauri::command(async)]
pub fn usage_totals(
    device: State<'_, Device>,
    token: String,
    group: UsageGroup,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<Vec<UsageTotal>, DeskError> {
    desk(&device, &token)?.usage_totals(since, until, group)
}

#[tauri::command(async)]
pub fn usage_csv(
    device: State<'_, Device>,
    token: String,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<String, DeskError> {
    desk(&device, &token)?.usage_csv_text(since, until)
}

#[tauri::command(async)]
pub fn budget_status(device: State<'_, Device>, token: String) -> Result<BudgetStatus, DeskError> {
    desk(&device, &token)?.budget()
}

#[tauri::command(async)]
pub fn set_budget(
    device: State<'_, Device>,
    token: String,
    monthly_cny: Option<f64>,
    at_limit: AtLimit,
) -> Result<BudgetStatus, DeskError> {
    desk(&device, &token)?.set_budget(monthly_cny, at_limit)
}

// --- Keys -----------------------------------------------------------------------------------

#[tauri::command(async)]
pub fn api_key_status(device: State<'_, Device>, token: String) -> Result<ApiKeyStatus, DeskError> {
    Ok(desk(&device, &token)?.api_key_status())
}

/// The key goes from the UI straight into the credential store; it is never returned or logged.
#[tauri::command(async)]
pub fn set_api_key(
    device: State<'_, Device>,
    token: String,
    slot: String,
    key: String,
) -> Result<ApiKeyStatus, DeskError> {
    desk(&device, &token)?.set_api_key(&slot, &key)
}

#[tauri::command(async)]
pub fn remove_api_key(
    device: State<'_, Device>,
    token: String,
    slot: String,
) -> Result<bool, DeskError> {
    desk(&device, &token)?.remove_api_key(&slot)
}

/// Every region's key status, and each workspace's this profile set a key for.
#[tauri::command(async)]
pub fn api_key_statuses(
    device: State<'_, Device>,
    token: String,
) -> Result<Vec<ApiKeyStatus>, DeskError> {
    Ok(desk(&device, &token)?.api_key_statuses())
}

#[tauri::command(async)]
pub fn endpoint(device: State<'_, Device>, token: String) -> Result<EndpointChoice, DeskError> {
    Ok(desk(&device, &token)?.endpoint_choice())
}

#[tauri::command(async)]
pub fn set_endpoint(
    device: State<'_, Device>,
    token: String,
    region: String,
    workspace: Option<String>,
) -> Result<EndpointChoice, DeskError> {
    device.set_endpoint(&token, &region, workspace.as_deref())
}

#[tauri::command]
pub async fn test_connection(
    device: State<'_, Device>,
    token: String,
) -> Result<ConnectionCheck, DeskError> {
    Ok(desk(&device, &token)?.test_connection().await)
}

// --- Images ---------------------------------------------------------------------------------

#[tauri::command]
pub async fn create_image(
    device: State<'_, Device>,
    token: String,
    job: ImageJob,
    on_event: Channel<ImageTaskView>,
) -> Result<ImageTaskView, DeskError> {
    desk(&device, &token)?
        .create_image(job, |view| drop(on_event.send(view.clone())))
        .await
}

#[tauri::command(async)]
pub fn list_image_tasks(
    device: State<'_, Device>,
    token: String,
    limit: Option<usize>,
) -> Result<Vec<ImageTaskView>, DeskError> {
    desk(&device, &token)?.image_tasks(limit.unwrap_or(100).min(1000))
}

#[tauri::command]
pub async fn resume_image_tasks(
    device: State<'_, Device>,
    token: String,
    on_event: Channel<ImageTaskView>,
) -> Result<Vec<ImageTaskView>, DeskError> {
    desk(&device, &token)?
        .resume_image_tasks(|view| drop(on_event.send(view.clone())))
        .await
}

#[tauri::command(async)]
pub fn image_data(
    device: State<'_, Device>,
    token: String,
    image_id: String,
) -> Result<BinaryData, DeskError> {
    let (mime, bytes) = desk(&device, &token)?.image_data(&image_id)?;
    Ok(BinaryData::new(mime, &bytes))
}

// --- Voice ----------------------------------------------------------------------------------

#[tauri::command]
pub async fn transcribe_audio(
    device: State<'_, Device>,
    token: String,
    file_name: String,
    base64: String,
) -> Result<Transcript, DeskError> {
    desk(&device, &token)?
        .transcribe_audio(&file_name, &base64)
        .await
}

/// CosyVoice (MP3) by default; a `qwen-tts*` model answers in WAV over HTTP.
#[tauri::command]
pub async fn speak(
    device: State<'_, Device>,
    token: String,
    text: String,
    voice: Option<String>,
    model: Option<String>,
) -> Result<BinaryData, DeskError> {
    desk(&device, &token)?
        .speak_to_audio_with_model(&text, voice.as_deref(), model.as_deref())
        .await
}

/// Sends a prompt and reads the reply aloud while it streams: text updates through `on_event`,
/// audio through `on_audio` as base64 chunks of 16-bit mono PCM at
/// [`desk_core::READ_ALOUD_PCM_SAMPLE_RATE`] Hz, in order.
#[tauri::command]
pub async fn send_message_read_aloud(
    device: State<'_, Device>,
    token: String,
    request: SendRequest,
    voice: Option<String>,
    on_event: Channel<StreamUpdate>,
    on_audio: Channel<String>,
) -> Result<ReadAloudOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(&device, &token)?
            .send_message_read_aloud(
                request,
                voice.as_deref(),
                "pcm",
                |update| updates.push(update),
                audio_sink(on_audio),
            )
            .await
    })
    .await
}

/// Read-aloud audio for the page: each piece of PCM as base64 (a channel carries JSON).
fn audio_sink(on_audio: Channel<String>) -> impl FnMut(&[u8]) + Send {
    use base64::Engine as _;
    move |audio| drop(on_audio.send(base64::engine::general_purpose::STANDARD.encode(audio)))
}

/// Regenerate, read aloud while it streams (as `send_message_read_aloud`).
#[tauri::command]
pub async fn regenerate_reply_read_aloud(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
    voice: Option<String>,
    on_event: Channel<StreamUpdate>,
    on_audio: Channel<String>,
) -> Result<ReadAloudOutcome, DeskError> {
    reply_read_aloud(
        &device,
        &token,
        ReplyCommand::Regenerate {
            assistant_message_id,
        },
        voice,
        on_event,
        on_audio,
    )
    .await
}

/// Continue, read aloud while it streams (as `send_message_read_aloud`).
#[tauri::command]
pub async fn continue_reply_read_aloud(
    device: State<'_, Device>,
    token: String,
    assistant_message_id: String,
    voice: Option<String>,
    on_event: Channel<StreamUpdate>,
    on_audio: Channel<String>,
) -> Result<ReadAloudOutcome, DeskError> {
    reply_read_aloud(
        &device,
        &token,
        ReplyCommand::Continue {
            assistant_message_id,
        },
        voice,
        on_event,
        on_audio,
    )
    .await
}

async fn reply_read_aloud(
    device: &Device,
    token: &str,
    command: ReplyCommand,
    voice: Option<String>,
    on_event: Channel<StreamUpdate>,
    on_audio: Channel<String>,
) -> Result<ReadAloudOutcome, DeskError> {
    coalesced(on_event, async |updates| {
        desk(device, token)?
            .reply_read_aloud(
                command,
                voice.as_deref(),
                "pcm",
                |update| updates.push(update),
                audio_sink(on_audio),
            )
            .await
    })
    .await
}

/// A durable job: progress through `on_event`, the finished job (succeeded or failed) back.
#[tauri::command]
pub async fn transcribe_url(
    device: State<'_, Device>,
    token: String,
    url: String,
    on_event: Channel<TranscriptionJob>,
) -> Result<TranscriptionJob, DeskError> {
    desk(&device, &token)?
        .transcribe_url(&url, |job| drop(on_event.send(job.clone())))
        .await
}

#[tauri::command]
pub async fn resume_transcriptions(
    device: State<'_, Device>,
    token: String,
    on_event: Channel<TranscriptionJob>,
) -> Result<Vec<TranscriptionJob>, DeskError> {
    desk(&device, &token)?
        .resume_transcriptions(|job| drop(on_event.send(job.clone())))
        .await
}

#[tauri::command(async)]
pub fn list_transcriptions(
    device: State<'_, Device>,
    token: String,
    limit: Option<usize>,
) -> Result<Vec<TranscriptionJob>, DeskError> {
    desk(&device, &token)?.list_transcriptions(limit.unwrap_or(100).min(1000))
}

#[tauri::command(async)]
pub fn delete_transcription(
    device: State<'_, Device>,
    token: String,
    job_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.delete_transcription(&job_id)
}

// --- Live recognition (microphone) ----------------------------------------------------------

/// Opens a session of the token's profile; events arrive through `on_event` while audio is pushed.
#[tauri::command]
pub async fn start_live_transcription(
    device: State<'_, Device>,
    token: String,
    sample_rate: u32,
    language_hints: Vec<String>,
    on_event: Channel<LiveTranscriptEvent>,
) -> Result<String, DeskError> {
    desk(&device, &token)?
        .open_live_transcription(sample_rate, language_hints, move |event| {
            drop(on_event.send(event))
        })
        .await
}

#[tauri::command(async)]
pub fn push_live_audio(
    device: State<'_, Device>,
    token: String,
    session_id: String,
    pcm_base64: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.push_live_audio_base64(&session_id, &pcm_base64)
}

#[tauri::command]
pub async fn finish_live_transcription(
    device: State<'_, Device>,
    token: String,
    session_id: String,
) -> Result<Transcript, DeskError> {
    desk(&device, &token)?
        .finish_live_transcription(&session_id)
        .await
}

#[tauri::command(async)]
pub fn cancel_live_transcription(
    device: State<'_, Device>,
    token: String,
    session_id: String,
) -> Result<(), DeskError> {
    desk(&device, &token)?.cancel_live_transcription(&session_id);
    Ok(())
}

// --- Meetings (Tingwu) ----------------------------------------------------------------------

#[tauri::command]
pub async fn transcribe_meeting(
    device: State<'_, Device>,
    token: String,
    file_url: String,
    on_event: Channel<MeetingRecord>,
) -> Result<Meeting, DeskError> {
    desk(&device, &token)?
        .transcribe_meeting(&file_url, |record| drop(on_event.send(record.clone())))
        .await
}

#[tauri::command]
pub async fn resume_meetings(
    device: State<'_, Device>,
    token: String,
    on_event: Channel<MeetingRecord>,
) -> Result<Vec<Meeting>, DeskError> {
    desk(&device, &token)?
        .resume_meetings(|record| drop(on_event.send(record.clone())))
        .await
}

#[tauri::command(async)]
pub fn list_meetings(
    device: State<'_, Device>,
    token: String,
    limit: Option<usize>,
) -> Result<Vec<MeetingRecord>, DeskError> {
    desk(&device, &token)?.meetings(limit.unwrap_or(100).min(1000))
}

#[tauri::command(async)]
pub fn get_meeting(
    device: State<'_, Device>,
    token: String,
    meeting_id: String,
) -> Result<Meeting, DeskError> {
    desk(&device, &token)?.meeting(&meeting_id)
}

// --- Assistants (Bailian Apps) and semantic search ------------------------------------------

#[tauri::command(async)]
pub fn list_assistants(
    device: State<'_, Device>,
    token: String,
) -> Result<Vec<Assistant>, DeskError> {
    desk(&device, &token)?.assistants()
}

#[tauri::command(async)]
pub fn add_assistant(
    device: State<'_, Device>,
    token: String,
    app_id: String,
    name: String,
) -> Result<Assistant, DeskError> {
    desk(&device, &token)?.add_assistant(&app_id, &name)
}

#[tauri::command(async)]
pub fn remove_assistant(
    device: State<'_, Device>,
    token: String,
    app_id: String,
) -> Result<bool, DeskError> {
    desk(&device, &token)?.remove_assistant(&app_id)
}

#[tauri::command]
pub async fn semantic_search(
    device: State<'_, Device>,
    token: String,
    query: String,
    limit: Option<usize>,
) -> Result<Vec<SemanticHit>, DeskError> {
    desk(&device, &token)?
        .semantic_search(&query, limit.unwrap_or(20).min(200))
        .await
}

#[tauri::command(async)]
pub fn semantic_status(device: State<'_, Device>, token: String) -> Result<IndexStatus, DeskError> {
    desk(&device, &token)?.semantic_index_status()
}

/// Embeds up to `max_messages` messages not indexed yet (newest first).
#[tauri::command]
pub async fn index_semantic(
    device: State<'_, Device>,
    token: String,
    max_messages: Option<usize>,
) -> Result<IndexReport, DeskError> {
    desk(&device, &token)?
        .index_for_semantic_search(max_messages.unwrap_or(500).min(10_000))
        .await
}

#[tauri::command(async)]
pub fn image_input_data(
    device: State<'_, Device>,
    token: String,
    task_id: String,
    position: i64,
) -> Result<BinaryData, DeskError> {
    let (mime, bytes) = desk(&device, &token)?.image_input_data(&task_id, position)?;
    Ok(BinaryData::new(mime, &bytes))
}

// --- Data -----------------------------------------------------------------------------------

#[tauri::command(async)]
pub fn list_backups(
    device: State<'_, Device>,
    token: String,
) -> Result<Vec<BackupInfo>, DeskError> {
    device.list_backups(&token)
}

#[tauri::command(async)]
pub fn backup_now(device: State<'_, Device>, token: String) -> Result<BackupInfo, DeskError> {
    desk(&device, &token)?.backup_now_info()
}

#[tauri::command(async)]
pub fn restore_backup(
    device: State<'_, Device>,
    token: String,
    path: PathBuf,
) -> Result<RestoreReport, DeskError> {
    device.restore_backup(&token, &path)
}

#[tauri::command(async)]
pub fn export_data(
    device: State<'_, Device>,
    token: String,
    conversation_id: Option<String>,
    format: String,
) -> Result<String, DeskError> {
    let desk = desk(&device, &token)?;
    match format.as_str() {
        "json" => desk.export_json(conversation_id.as_deref()),
        "markdown" => desk.export_markdown(conversation_id.as_deref()),
        other => Err(DeskError::new(
            desk_core::ErrorCode::BadRequest,
            format!("unknown export format {other:?}; use json or markdown"),
        )),
    }
}

#[tauri::command(async)]
pub fn import_data(
    device: State<'_, Device>,
    token: String,
    text: String,
) -> Result<ImportReport, DeskError> {
    desk(&device, &token)?.import_json(&text)
}

#[tauri::command(async)]
pub fn get_settings(device: State<'_, Device>, token: String) -> Result<Settings, DeskError> {
    desk(&device, &token)?.settings()
}

#[tauri::command(async)]
pub fn update_settings(
    device: State<'_, Device>,
    token: String,
    settings: Settings,
) -> Result<Settings, DeskError> {
    desk(&device, &token)?.update_settings(settings)
}

/// Saves a file the user downloads (the webview cannot); returns where it went.
#[tauri::command(async)]
pub fn save_file(
    device: State<'_, Device>,
    token: String,
    file_name: String,
    base64: String,
) -> Result<String, DeskError> {
    let path = desk(&device, &token)?.save_file(&file_name, &base64)?;
    Ok(path.display().to_string())
}

#[tauri::command(async)]
pub fn logs_folder(device: State<'_, Device>, token: String) -> Result<String, DeskError> {
    device.verify(&token)?;
    Ok(device.logs_folder().display().to_string())
}

//! The asynchronous task API (reference §4): image submits, `GET /api/v1/tasks/{id}`, cancel, and
//! the result files, served by the emulator itself in place of signed OSS URLs.
//!
//! A task moves one step per poll — `PENDING`, then `RUNNING`, then `SUCCEEDED` or `FAILED` — so
//! tests see every state without waiting on a clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::wire::{json_response, native_error, request_id};
use crate::{Admission, Shared, Surface};

/// Images a single task may produce (DashScope allows 1–4).
const MAX_IMAGES: u64 = 4;

/// How a task's result reads: wan2.5 and older on `text2image`/`image2image` answer
/// `output.results[].url`; wan2.6 on `image-generation` answers in the chat shape
/// `output.choices[].message.content[].image` (reference §4.1; the wan2.6 "query result" doc page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Results,
    Choices,
    /// Paraformer / Fun-ASR file transcription: one result per file, each with a
    /// `transcription_url` to a JSON document (reference §5.1).
    Transcription,
}

#[derive(Debug, Clone)]
struct Task {
    /// Only the key that created a task may see it; others get `UNKNOWN`, as on the real gateway.
    owner: String,
    protocol: Protocol,
    model: String,
    prompt: String,
    /// `parameters.size` as asked, reported back in a wan2.6 task's usage.
    size: Option<String>,
    images: u64,
    polls: u32,
    canceled: bool,
    /// The task-level failure to report, from a `task_fail=CODE` fault.
    fail: Option<String>,
    /// How many of the images fail inside an otherwise successful batch.
    failed_images: u64,
    /// Submission order, so a listing shows the newest task first.
    seq: u64,
    /// The submit's request id and `task_group:task:function`, for the listing.
    request_id: String,
    service: String,
    /// Unix milliseconds of submission, of the move to `RUNNING` and of the end, for the listing.
    created_ms: u64,
    started_ms: Option<u64>,
    ended_ms: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Tasks {
    by_id: Mutex<HashMap<String, Task>>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn status_of(task: &Task) -> &'static str {
    if task.canceled {
        return "CANCELED";
    }
    match task.polls {
        0 => "PENDING",
        1 => "RUNNING",
        _ if task.fail.is_some() => "FAILED",
        _ => "SUCCEEDED",
    }
}

/// `POST …/text2image/image-synthesis`, `…/image2image/image-synthesis`, `…/image-generation/generation`.
pub(crate) async fn submit(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id();
    let (fault, body): (Fault, Value) = match shared
        .admit(Surface::Native, uri.path(), &headers, &body, false, &rid)
        .await
    {
        Admission::Proceed { fault, body } => (fault, body),
        Admission::Answered(response) => return response,
    };
    let async_header = headers
        .get("x-dashscope-async")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("enable"));
    if !async_header {
        return native_error(
            403,
            "AccessDenied",
            "current user api does not support synchronous calls",
            &rid,
            None,
        );
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if uri.path().ends_with("/audio/asr/transcription") {
        return submit_transcription(&shared, &uri, &headers, &body, &fault, &rid, model);
    }
    if !(model.starts_with("wan") || model.starts_with("qwen-image")) {
        return native_error(400, "InvalidParameter", "Model not exist.", &rid, None);
    }
    let prompt = body
        .pointer("/input/prompt")
        .and_then(Value::as_str)
        .or_else(|| {
            body.pointer("/input/messages/0/content/0/text")
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .to_owned();
    if prompt.trim().is_empty() {
        return native_error(
            400,
            "InvalidParameter",
            "Field required: input.prompt",
            &rid,
            None,
        );
    }
    let images = body
        .pointer("/parameters/n")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    if !(1..=MAX_IMAGES).contains(&images) {
        return native_error(400, "InvalidParameter", "n should be in [1, 4]", &rid, None);
    }
    if let Some(size) = body.pointer("/parameters/size").and_then(Value::as_str) {
        let valid = size
            .split_once('*')
            .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
            .is_some_and(|(w, h)| (256..=4096).contains(&w) && (256..=4096).contains(&h));
        if !valid {
            return native_error(
                400,
                "InvalidParameter",
                "size is invalid, it should be like 1024*1024",
                &rid,
                None,
            );
        }
    }
    let protocol = if uri.path().ends_with("/image-generation/generation") {
        Protocol::Choices
    } else {
        Protocol::Results
    };
    let size = body
        .pointer("/parameters/size")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let task_id = uuid::Uuid::new_v4().to_string();
    let mut tasks = lock(&shared.tasks.by_id);
    let seq = tasks.len() as u64;
    tasks.insert(
        task_id.clone(),
        Task {
            owner: bearer(&headers),
            protocol,
            model,
            prompt,
            size,
            images,
            polls: 0,
            canceled: false,
            fail: fault.task_fail.clone(),
            failed_images: u64::from(fault.partial_fail.unwrap_or(0)).min(images),
            seq,
            request_id: rid.clone(),
            service: uri
                .path()
                .trim_start_matches("/api/v1/services/")
                .replace('/', ":"),
            created_ms: now_ms(),
            started_ms: None,
            ended_ms: None,
        },
    );
    drop(tasks);
    json_response(
        200,
        &json!({ "output": { "task_status": "PENDING", "task_id": task_id }, "request_id": rid }),
        &rid,
        None,
    )
}

/// Most file URLs one transcription task accepts (reference §5.1).
const MAX_TRANSCRIPTION_FILES: usize = 100;

/// `POST /api/v1/services/audio/asr/transcription`: public file URLs only, at most 100.
fn submit_transcription(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Value,
    fault: &Fault,
    rid: &str,
    model: String,
) -> Response {
    if !(model.starts_with("paraformer")
        || model.starts_with("fun-asr")
        || model.starts_with("qwen-audio"))
    {
        return native_error(400, "InvalidParameter", "Model not exist.", rid, None);
    }
    let urls: Vec<String> = body
        .pointer("/input/file_urls")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if urls.is_empty() || urls.len() > MAX_TRANSCRIPTION_FILES {
        return native_error(
            400,
            "InvalidParameter",
            "file_urls must hold 1 to 100 URLs.",
            rid,
            None,
        );
    }
    if let Some(bad) = urls.iter().find(|u| {
        !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("oss://"))
    }) {
        return native_error(
            400,
            "InvalidURL",
            &format!("Invalid URL provided in your request: {bad}"),
            rid,
            None,
        );
    }
    let task_id = uuid::Uuid::new_v4().to_string();
    let mut tasks = lock(&shared.tasks.by_id);
    let seq = tasks.len() as u64;
    tasks.insert(
        task_id.clone(),
        Task {
            owner: bearer(headers),
            protocol: Protocol::Transcription,
            model,
            prompt: urls.join("\n"),
            size: None,
            images: urls.len() as u64,
            polls: 0,
            canceled: false,
            fail: fault.task_fail.clone(),
            failed_images: u64::from(fault.partial_fail.unwrap_or(0)).min(urls.len() as u64),
            seq,
            request_id: rid.to_owned(),
            service: uri
                .path()
                .trim_start_matches("/api/v1/services/")
                .replace('/', ":"),
            created_ms: now_ms(),
            started_ms: None,
            ended_ms: None,
        },
    );
    drop(tasks);
    json_response(
        200,
        &json!({ "output": { "task_status": "PENDING", "task_id": task_id }, "request_id": rid }),
        rid,
        None,
    )
}

/// `GET /api/v1/tasks/{task_id}`
pub(crate) async fn get_task(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    let rid = request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    let caller = bearer(&headers);
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    let mut tasks = lock(&shared.tasks.by_id);
    let Some(task) = tasks.get_mut(&task_id).filter(|t| t.owner == caller) else {
        return json_response(
            200,
            &json!({ "request_id": rid, "output": { "task_id": task_id, "task_status": "UNKNOWN" } }),
            &rid,
            None,
        );
    };
    let status = status_of(task);
    let mut output = json!({
        "task_id": task_id,
        "task_status": status,
        "submit_time": "2026-01-01 12:00:00.000",
    });
    if status != "PENDING" {
        output["scheduled_time"] = json!("2026-01-01 12:00:00.012");
    }
    let mut usage = Value::Null;
    match status {
        "SUCCEEDED" if task.protocol == Protocol::Transcription => {
            let results: Vec<Value> = task
                .prompt
                .split('\n')
                .enumerate()
                .map(|(i, file_url)| {
                    if (i as u64) >= task.images - task.failed_images {
                        json!({ "file_url": file_url, "subtask_status": "FAILED", "code": "InvalidFile.DownloadFailed", "message": "The audio file cannot be downloaded." })
                    } else {
                        json!({
                            "file_url": file_url,
                            "transcription_url": format!("{base}/emulator/files/transcription-{task_id}-{i}.json"),
                            "subtask_status": "SUCCEEDED",
                        })
                    }
                })
                .collect();
            let succeeded = task.images - task.failed_images;
            output["results"] = json!(results);
            output["end_time"] = json!("2026-01-01 12:00:05.000");
            output["task_metrics"] = json!({ "TOTAL": task.images, "SUCCEEDED": succeeded, "FAILED": task.failed_images });
            usage = json!({ "duration": succeeded * 3 });
        }
        "SUCCEEDED" if task.protocol == Protocol::Choices => {
            // The chat shape has no slot for a failed item: only the produced images appear.
            let choices: Vec<Value> = (0..task.images - task.failed_images)
                .map(|i| {
                    json!({
                        "finish_reason": "stop",
                        "message": { "role": "assistant", "content": [
                            { "image": format!("{base}/emulator/files/{task_id}-{i}.png"), "type": "image" },
                        ] },
                    })
                })
                .collect();
            output["choices"] = json!(choices);
            output["finished"] = json!(true);
            output["end_time"] = json!("2026-01-01 12:00:05.000");
            usage = json!({
                "image_count": task.images - task.failed_images,
                "size": task.size.clone().unwrap_or_else(|| "1280*1280".to_owned()),
                "input_tokens": 0,
                "output_tokens": 0,
                "total_tokens": 0,
            });
        }
        "SUCCEEDED" => {
            let results: Vec<Value> = (0..task.images)
                .map(|i| {
                    if i >= task.images - task.failed_images {
                        json!({ "code": "DataInspectionFailed", "message": "Output data may contain inappropriate content." })
                    } else {
                        json!({
                            "url": format!("{base}/emulator/files/{task_id}-{i}.png"),
                            "orig_prompt": task.prompt,
                            "actual_prompt": format!("{} (extended by the emulator)", task.prompt),
                        })
                    }
                })
                .collect();
            let succeeded = task.images - task.failed_images;
            output["results"] = json!(results);
            output["end_time"] = json!("2026-01-01 12:00:05.000");
            output["task_metrics"] = json!({ "TOTAL": task.images, "SUCCEEDED": succeeded, "FAILED": task.failed_images });
            usage = json!({ "image_count": succeeded });
        }
        "FAILED" => {
            output["code"] = json!(task.fail.clone().unwrap_or_default());
            output["message"] = json!(format!(
                "The emulator was told to fail this {} task.",
                task.model
            ));
        }
        "RUNNING" => {
            output["task_metrics"] = json!({ "TOTAL": task.images, "SUCCEEDED": 0, "FAILED": 0 });
        }
        _ => {}
    }
    task.polls = task.polls.saturating_add(1);
    match status {
        "PENDING" => task.started_ms = Some(now_ms()),
        "RUNNING" => task.ended_ms = Some(now_ms()),
        _ => {}
    }
    let mut body = json!({ "request_id": rid, "output": output });
    if !usage.is_null() {
        body["usage"] = usage;
    }
    json_response(200, &body, &rid, None)
}

/// `POST /api/v1/tasks/{task_id}/cancel`: only while `PENDING`.
pub(crate) async fn cancel_task(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    let rid = request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    let caller = bearer(&headers);
    let mut tasks = lock(&shared.tasks.by_id);
    match tasks.get_mut(&task_id).filter(|t| t.owner == caller) {
        Some(task) if status_of(task) == "PENDING" => {
            task.canceled = true;
            task.ended_ms = Some(now_ms());
            json_response(200, &json!({ "request_id": rid }), &rid, None)
        }
        _ => native_error(
            400,
            "UnsupportedOperation",
            "Failed to cancel the task, please confirm if the task is in PENDING status.",
            &rid,
            None,
        ),
    }
}

/// `GET /api/v1/tasks?page_no=&page_size=&status=&model_name=`: the caller's tasks, newest first.
/// The body has no `output` wrapper (reference §4.3, fixture `tasks-list.response.json`). The
/// `start_time`/`end_time`/`api_key_id`/`region` filters are accepted and not applied.
pub(crate) async fn list_tasks(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let rid = request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<usize>().ok());
    let page_no = number("page_no").unwrap_or(1).max(1);
    let page_size = number("page_size").unwrap_or(10).clamp(1, 100);
    let caller = bearer(&headers);
    let tasks = lock(&shared.tasks.by_id);
    let mut matching: Vec<(&String, &Task)> = tasks
        .iter()
        .filter(|(_, t)| t.owner == caller)
        .filter(|(_, t)| query.get("status").is_none_or(|s| s == status_of(t)))
        .filter(|(_, t)| query.get("model_name").is_none_or(|m| *m == t.model))
        .collect();
    matching.sort_by_key(|(_, t)| std::cmp::Reverse(t.seq));
    let total = matching.len();
    let data: Vec<Value> = matching
        .iter()
        .skip((page_no - 1).saturating_mul(page_size))
        .take(page_size)
        .map(|(id, t)| {
            json!({
                "api_key_id": "10001",
                "caller_parent_id": "1000000000000001",
                "caller_uid": "1000000000000001",
                "end_time": t.ended_ms,
                "gmt_create": t.created_ms,
                "model_name": t.model,
                "region": "cn-beijing",
                "request_id": t.request_id,
                "start_time": t.started_ms,
                "status": status_of(t),
                "task_id": id,
                "user_api_unique_key": format!("apikey:v1:{}:{}", t.service, t.model),
            })
        })
        .collect();
    let body = json!({
        "total": total,
        "data": data,
        "total_page": total.div_ceil(page_size),
        "page_no": page_no,
        "page_size": page_size,
        "request_id": rid,
    });
    json_response(200, &body, &rid, None)
}

/// `GET /emulator/files/{task}-{i}.png`: a small PNG whose colour depends on the task and index, so
/// a gallery shows distinct images and a test can tell them apart.
pub(crate) async fn file(Path(name): Path<String>) -> Response {
    if let Some(stem) = name
        .strip_prefix("transcription-")
        .and_then(|n| n.strip_suffix(".json"))
    {
        return transcription_document(stem);
    }
    if let Some((data_id, kind)) = name
        .strip_prefix("tingwu-")
        .and_then(|n| n.strip_suffix(".json"))
        .and_then(|n| n.rsplit_once('-'))
    {
        return match crate::tingwu::document(data_id, kind) {
            Some(doc) => json_response(200, &doc, "emulator-file", None),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    if let Some(characters) = name
        .strip_prefix("tts-")
        .and_then(|n| n.strip_suffix(".wav"))
        .and_then(|n| n.rsplit_once('-'))
        .and_then(|(_, count)| count.parse::<u64>().ok())
    {
        return crate::tingwu::tts_file(characters.min(200_000));
    }
    let Some(stem) = name.strip_suffix(".png") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let seed = stem.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    match solid_png(64, 64, [(seed >> 16) as u8, (seed >> 8) as u8, seed as u8]) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        let pixels: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

/// The document a `transcription_url` points to, shaped like the captured
/// `asr-transcription-result.json`: three seconds of one sentence per file.
fn transcription_document(stem: &str) -> Response {
    let text = format!("Transcript of file {stem} from the emulator.");
    let words: Vec<Value> = text
        .split(' ')
        .enumerate()
        .map(|(i, word)| json!({ "begin_time": i * 300, "end_time": i * 300 + 280, "text": word, "punctuation": "" }))
        .collect();
    let body = json!({
        "file_url": format!("emulator://{stem}"),
        "properties": { "audio_format": "pcm_s16le", "channels": [0], "original_sampling_rate": 16000, "original_duration_in_milliseconds": 3000 },
        "transcripts": [{
            "channel_id": 0,
            "content_duration_in_milliseconds": 2900,
            "text": text,
            "sentences": [{ "begin_time": 0, "end_time": 2900, "text": text, "sentence_id": 1, "words": words }],
        }],
    });
    json_response(200, &body, "emulator-file", None)
}

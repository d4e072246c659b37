//! The Tingwu, Qwen-TTS, task-listing and tokenizer captures in `../shared/fixtures/bailian/`
//! parse with the client's own parsers, field by field. (The synchronous image capture is read in
//! `fixtures.rs`.)

use std::path::PathBuf;

use bailian::tingwu::{QwenTtsAudio, TingwuStatus, TingwuTask, created_data_id};
use bailian::tokenizer::Tokenization;
use bailian::{TaskList, TaskStatus};
use serde_json::Value;

fn json_fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/bailian")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn tingwu_create_answer_gives_the_data_id() {
    assert_eq!(
        created_data_id(&json_fixture("tingwu-createTask.response.json")).as_deref(),
        Some("z4p***")
    );
    // The request is what the reference says the client sends: createTask, offline, an app id.
    let request = json_fixture("tingwu-createTask.request.json");
    assert_eq!(request["model"], "tingwu-meeting");
    assert_eq!(request["input"]["task"], "createTask");
    assert_eq!(request["input"]["type"], "offline");
    // A request body is not an answer.
    assert_eq!(created_data_id(&request), None);
}

#[test]
fn tingwu_get_task_answer_gives_every_result_path() {
    let task = TingwuTask::from_body(&json_fixture("tingwu-getTask.response.json")).expect("task");
    assert_eq!(task.status, TingwuStatus::Done);
    assert!(task.failure().is_none());
    for (name, path) in [
        ("transcription", &task.transcription_path),
        ("summarization", &task.summarization_path),
        ("autoChapters", &task.auto_chapters_path),
        ("meetingAssistance", &task.meeting_assistance_path),
        ("pptExtraction", &task.ppt_extraction_path),
        ("textPolish", &task.text_polish_path),
        ("translations", &task.translations_path),
        ("customPrompt", &task.custom_prompt_path),
        ("playback", &task.playback_url),
    ] {
        assert_eq!(
            path.as_deref(),
            Some("https://oss.example.com/..."),
            "{name}"
        );
    }
    assert_eq!(task.request_id.as_deref(), Some("ac5e..."));
    let request = json_fixture("tingwu-getTask.request.json");
    assert_eq!(request["input"]["task"], "getTask");
    assert!(
        TingwuTask::from_body(&request).is_none(),
        "a request has no status"
    );
}

#[test]
fn qwen_tts_answer_gives_the_audio_url_and_billed_characters() {
    let audio = QwenTtsAudio::from_body(&json_fixture("qwen-tts.response.json")).expect("audio");
    assert!(
        audio
            .url
            .starts_with("http://dashscope-result-sh.oss-cn-shanghai.aliyuncs.com/")
    );
    assert!(audio.url.contains(".wav?Expires=1758815691"));
    assert_eq!(
        audio.id.as_deref(),
        Some("audio_f267cd97-5573-4be7-a7be-d1d86300e5f1")
    );
    assert_eq!(audio.expires_at, Some(1_758_815_691));
    assert_eq!(audio.finish_reason.as_deref(), Some("stop"));
    assert_eq!(audio.characters, 195);
    assert_eq!(
        audio.request_id.as_deref(),
        Some("f267cd97-5573-4be7-a7be-d1d86300e5f1")
    );
    // The captured request: text and voice in `input`, as `Client::qwen_tts` sends them.
    let request = json_fixture("qwen-tts.request.json");
    assert_eq!(request["model"], "qwen3-tts-flash");
    assert_eq!(request["input"]["voice"], "Ethan");
    assert!(QwenTtsAudio::from_body(&request).is_none());
}

#[test]
fn the_task_listing_has_no_output_wrapper() {
    let list = TaskList::from_body(&json_fixture("tasks-list.response.json")).expect("list");
    assert_eq!(
        (list.total, list.total_pages, list.page_no, list.page_size),
        (1, 1, 1, 10)
    );
    assert_eq!(
        list.request_id.as_deref(),
        Some("fcb29ae5-a352-9e7b-901c-e53525376cde")
    );
    assert_eq!(list.tasks.len(), 1);
    let task = &list.tasks[0];
    assert_eq!(task.task_id, "6075262c-b56d-4968-9abf-2a9784a90f3e");
    assert_eq!(task.status, TaskStatus::Succeeded);
    assert_eq!(task.model_name.as_deref(), Some("text-embedding-async-v2"));
    assert_eq!(task.region.as_deref(), Some("cn-beijing"));
    assert_eq!(
        (task.created_ms, task.start_ms, task.end_ms),
        (
            Some(1_709_260_684_485),
            Some(1_709_260_684_527),
            Some(1_709_260_685_184)
        )
    );
    // A task body (with `output`) is not a listing.
    assert!(TaskList::from_body(&json_fixture("wanx-submit.response.json")).is_none());
}

#[test]
fn the_tokenizer_answer_pairs_ids_and_tokens() {
    let tokens =
        Tokenization::from_body(&json_fixture("native-tokenizer.response.json")).expect("tokens");
    assert_eq!(tokens.token_ids, vec![46100, 101_933, 99489]);
    assert_eq!(tokens.tokens, vec!["代码", "改变", "世界"]);
    assert_eq!(tokens.input_tokens, Some(3));
    assert_eq!(
        tokens.request_id.as_deref(),
        Some("6615ba01-081d-9147-93ff-7bd26f3adf93")
    );
    // The request's text is what was split.
    let request = json_fixture("native-tokenizer.request.json");
    assert_eq!(
        request["input"]["messages"][0]["content"].as_str(),
        Some(tokens.tokens.concat().as_str())
    );
    // Ids and tokens that disagree are not one tokenization.
    let mismatched = serde_json::json!({ "output": { "token_ids": [1, 2], "tokens": ["a"] } });
    assert!(Tokenization::from_body(&mismatched).is_none());
}

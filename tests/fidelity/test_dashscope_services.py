"""The official `dashscope` SDK (1.x API unless noted) on the services around chat:

* vision: `MultiModalConversation.call` (`aigc/multimodal_conversation.py`), including a local
  file, which the SDK uploads through `GET /api/v1/uploads?action=getPolicy` and an OSS form POST
  (`utils/oss_utils.py`), then sends as `oss://…` with `X-DashScope-OssResourceResolve: enable`;
* embeddings: `TextEmbedding.call` (reference §6);
* file transcription: `audio.asr.Transcription` async_call / wait / fetch (reference §5.1);
* Qwen-TTS: `MultiModalConversation.call(text=, voice=)` (reference §5.4);
* Tingwu: 1.x `multimodal.TingWu.call`, 2.x `Client.tingwu.call` (reference §5.6);
* Bailian Apps: `Application.call` (`app/application.py`).
"""

from __future__ import annotations

import json
import math
import types
import urllib.request
import wave
from http import HTTPStatus
from io import BytesIO

import pytest
import requests

from _reply import pieces, reply, token_count
from conftest import API_KEY

MULTIMODAL = "/api/v1/services/aigc/multimodal-generation/generation"
TRANSCRIPTION = "/api/v1/services/audio/asr/transcription"
IMAGE_URL = "https://example.com/dog.png"
QUESTION = "what is in the picture"
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2217bc70000000049454e44ae426082"
)


@pytest.fixture
def sleeps(dashscope_sdk, monkeypatch):
    """`BaseAsyncApi.wait`'s pauses, recorded instead of slept."""
    from dashscope.client import base_api

    recorded: list[float] = []
    monkeypatch.setattr(
        base_api, "time", types.SimpleNamespace(time=base_api.time.time, sleep=recorded.append)
    )
    return recorded


@pytest.fixture
def sent(monkeypatch):
    """Every HTTP request the 1.x SDK sends through `requests`: (method, url, headers)."""
    recorded: list[tuple[str, str, dict]] = []
    original = requests.Session.send

    def spy(self, request, **kwargs):
        recorded.append((request.method, request.url, dict(request.headers)))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    return recorded


def fetch_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------------------------------------
# vision


def vision_messages(image: str) -> list[dict]:
    return [
        {"role": "system", "content": [{"text": "You are a helpful assistant."}]},
        {"role": "user", "content": [{"image": image}, {"text": QUESTION}]},
    ]


VISION_ANSWER = "I see 1 image(s). " + reply("qwen-vl-plus", QUESTION)


def test_vision_whole(dashscope_sdk, emulator):
    response = dashscope_sdk.MultiModalConversation.call(
        model="qwen-vl-plus", messages=vision_messages(IMAGE_URL)
    )
    assert response.status_code == HTTPStatus.OK
    [choice] = response.output.choices
    # Vision answers are lists of content items (reference §2.5).
    assert choice.message.content == [{"text": VISION_ANSWER}]
    assert choice.finish_reason == "stop"
    assert response.usage["image_tokens"] == 256
    assert response.usage.output_tokens == token_count(VISION_ANSWER)
    assert "total_tokens" not in response.usage, "no total in VL usage (reference §2.5)"
    assert [r["path"] for r in emulator.requests()] == [MULTIMODAL]


def test_vision_stream_incremental(dashscope_sdk):
    chunks = list(
        dashscope_sdk.MultiModalConversation.call(
            model="qwen-vl-plus", messages=vision_messages(IMAGE_URL), stream=True, incremental_output=True
        )
    )
    texts = [c.output.choices[0].message.content for c in chunks]
    assert ["".join(i["text"] for i in t) for t in texts[:-1]] == pieces(VISION_ANSWER)
    assert chunks[-1].output.choices[0].finish_reason == "stop"


def test_vision_stream_merged_by_the_sdk(dashscope_sdk):
    chunks = list(
        dashscope_sdk.MultiModalConversation.call(
            model="qwen-vl-plus", messages=vision_messages(IMAGE_URL), stream=True, incremental_output=False
        )
    )
    assert chunks[-1].output.choices[0].message.content[0]["text"] == VISION_ANSWER


@pytest.mark.parametrize("as_uri", [False, True], ids=["path", "file-uri"])
def test_vision_local_file_is_uploaded(dashscope_sdk, emulator, sent, tmp_path, as_uri):
    path = tmp_path / "dog.png"
    path.write_bytes(PNG)
    image = f"file://{path}" if as_uri else str(path)
    response = dashscope_sdk.MultiModalConversation.call(
        model="qwen-vl-plus", messages=vision_messages(image)
    )
    assert response.status_code == HTTPStatus.OK, response
    assert response.output.choices[0].message.content == [{"text": VISION_ANSWER}]
    (policy, _, _), (upload, upload_url, _), (chat, _, chat_headers) = sent
    assert policy == "GET" and upload == "POST" and chat == "POST"
    assert upload_url == f"{emulator.root}/emulator/oss"
    assert chat_headers["X-DashScope-OssResourceResolve"] == "enable"
    assert [r["path"] for r in emulator.requests()] == ["/api/v1/uploads", MULTIMODAL]


def test_oss_url_needs_the_resolve_header_and_an_upload(dashscope_sdk):
    """An `oss://` URL the SDK passes through unchanged (it sets the header itself), but nothing
    was uploaded under it: refused."""
    response = dashscope_sdk.MultiModalConversation.call(
        model="qwen-vl-plus", messages=vision_messages("oss://dashscope-instant/nowhere/dog.png")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"


def test_vision_model_on_the_text_endpoint_is_unknown(dashscope_sdk):
    response = dashscope_sdk.Generation.call(model="qwen-vl-plus", prompt="hi")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.message == "Model not exist."


# ---------------------------------------------------------------------------------------------
# embeddings


@pytest.mark.parametrize(
    ("model", "dimension", "expected"),
    [("text-embedding-v3", None, 1024), ("text-embedding-v3", 64, 64), ("text-embedding-v4", 2048, 2048)],
)
def test_text_embedding(dashscope_sdk, emulator, model, dimension, expected):
    texts = ["the cat sat on the mat", "a cat sat on a mat", "quarterly revenue forecast"]
    response = dashscope_sdk.TextEmbedding.call(
        model=model, input=texts, dimension=dimension, text_type="document"
    )
    assert response.status_code == HTTPStatus.OK
    embeddings = response.output["embeddings"]
    assert [e["text_index"] for e in embeddings] == [0, 1, 2]
    assert all(len(e["embedding"]) == expected for e in embeddings)
    assert all(math.isclose(sum(x * x for x in e["embedding"]), 1.0) for e in embeddings)
    assert response.usage["total_tokens"] == sum(token_count(t) for t in texts)
    assert [r["path"] for r in emulator.requests()] == [
        "/api/v1/services/embeddings/text-embedding/text-embedding"
    ]


def test_text_embedding_query_and_one_string(dashscope_sdk):
    response = dashscope_sdk.TextEmbedding.call(
        model="text-embedding-v4", input="where is the cat", text_type="query", dimension=128
    )
    [embedding] = response.output["embeddings"]
    assert len(embedding["embedding"]) == 128


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "text-embedding-v3", "input": ["x"] * 11}, "batch size is invalid, it should not be larger than 10."),
        ({"model": "text-embedding-v2", "input": ["x"] * 26}, "batch size is invalid, it should not be larger than 25."),
        ({"model": "text-embedding-v3", "input": ["x"], "dimension": 2048}, "dimension 2048 is not supported by text-embedding-v3."),
        ({"model": "text-embedding-v4", "input": ["x"], "dimension": 100}, "dimension 100 is not supported by text-embedding-v4."),
        ({"model": "text-embedding-v9", "input": ["x"]}, "Model not exist."),
    ],
    ids=["v3-11-rows", "v2-26-rows", "v3-2048", "v4-100", "unknown-model"],
)  # fmt: skip
def test_text_embedding_refusals(dashscope_sdk, kwargs, message):
    response = dashscope_sdk.TextEmbedding.call(**kwargs)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert (response.code, response.message) == ("InvalidParameter", message)


# ---------------------------------------------------------------------------------------------
# file transcription

FILES = ["https://example.com/a.wav", "https://example.com/b.mp3", "https://example.com/c.wav"]


def test_transcription_async_call_wait_and_documents(dashscope_sdk, emulator, sleeps):
    from dashscope.audio.asr import Transcription

    submitted = Transcription.async_call(model="paraformer-v2", file_urls=FILES, language_hints=["en"])
    assert submitted.status_code == HTTPStatus.OK
    assert submitted.output.task_status == "PENDING"
    task_id = submitted.output.task_id
    done = Transcription.wait(task=submitted)
    assert done.status_code == HTTPStatus.OK
    assert done.output.task_status == "SUCCEEDED"
    results = done.output["results"]
    assert [r["file_url"] for r in results] == FILES
    assert {r["subtask_status"] for r in results} == {"SUCCEEDED"}
    assert done.output["task_metrics"] == {"TOTAL": 3, "SUCCEEDED": 3, "FAILED": 0}
    assert done.usage == {"duration": 9}
    for i, result in enumerate(results):
        document = fetch_json(result["transcription_url"])
        [transcript] = document["transcripts"]
        [sentence] = transcript["sentences"]
        assert transcript["text"] == sentence["text"] == f"Transcript of file {task_id}-{i} from the emulator."
        assert " ".join(w["text"] for w in sentence["words"]) == sentence["text"]
        assert document["properties"]["original_duration_in_milliseconds"] == 3000
    paths = [r["path"] for r in emulator.requests()]
    assert paths[0] == TRANSCRIPTION and set(paths[1:]) == {f"/api/v1/tasks/{task_id}"}
    assert len(sleeps) == len(paths) - 2, "one pause between polls"


def test_transcription_fetch_walks_the_states(dashscope_sdk):
    from dashscope.audio.asr import Transcription

    task = Transcription.async_call(model="fun-asr", file_urls=FILES[:1])
    states = [Transcription.fetch(task=task.output.task_id).output.task_status for _ in range(3)]
    assert states == ["PENDING", "RUNNING", "SUCCEEDED"]


def test_transcription_partial_failure(dashscope_sdk, emulator, sleeps):
    from dashscope.audio.asr import Transcription

    emulator.push_fault("partial_fail=1")
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=FILES))
    assert done.output.task_status == "SUCCEEDED"
    results = done.output["results"]
    assert [r["subtask_status"] for r in results] == ["SUCCEEDED", "SUCCEEDED", "FAILED"]
    assert results[2]["code"] == "InvalidFile.DownloadFailed"
    assert "transcription_url" not in results[2]
    assert done.output["task_metrics"] == {"TOTAL": 3, "SUCCEEDED": 2, "FAILED": 1}
    assert done.usage == {"duration": 6}


def test_transcription_task_failure(dashscope_sdk, emulator, sleeps):
    from dashscope.audio.asr import Transcription

    emulator.push_fault("task_fail=InvalidFile.DecodeFailed")
    done = Transcription.call(model="paraformer-v2", file_urls=FILES[:1])
    assert done.output.task_status == "FAILED"
    assert done.output["code"] == "InvalidFile.DecodeFailed"


@pytest.mark.parametrize(
    ("file_urls", "code"),
    [(["/tmp/local.wav"], "InvalidURL"), (["ftp://example.com/a.wav"], "InvalidURL"), ([], "InvalidParameter")],
    ids=["local-path", "ftp", "none"],
)
def test_transcription_bad_urls_are_refused(dashscope_sdk, file_urls, code):
    from dashscope.audio.asr import Transcription

    response = Transcription.async_call(model="paraformer-v2", file_urls=file_urls)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == code


def test_transcription_too_many_files(dashscope_sdk):
    from dashscope.audio.asr import Transcription

    response = Transcription.async_call(
        model="paraformer-v2", file_urls=[f"https://example.com/{i}.wav" for i in range(101)]
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


# ---------------------------------------------------------------------------------------------
# Qwen-TTS


def test_qwen_tts(dashscope_sdk, emulator):
    text = "Hello world"
    response = dashscope_sdk.MultiModalConversation.call(
        model="qwen3-tts-flash", text=text, voice="Cherry", language_type="English"
    )
    assert response.status_code == HTTPStatus.OK
    audio = response.output.audio
    assert audio["data"] == "" and audio["url"].startswith(emulator.root)
    assert audio["id"] and audio["expires_at"] > 0
    assert response.output.finish_reason == "stop"
    assert response.usage["characters"] == len(text)
    with urllib.request.urlopen(audio["url"], timeout=10) as downloaded:
        assert downloaded.headers["content-type"] == "audio/wav"
        with wave.open(BytesIO(downloaded.read())) as spoken:
            assert (spoken.getnchannels(), spoken.getsampwidth(), spoken.getframerate()) == (1, 2, 24_000)
            assert spoken.getnframes() == 24_000 * 60 * len(text) // 1000
    assert [r["path"] for r in emulator.requests()] == [MULTIMODAL]


def test_qwen_tts_needs_a_voice(dashscope_sdk):
    response = dashscope_sdk.MultiModalConversation.call(model="qwen-tts", text="Hello")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"


# ---------------------------------------------------------------------------------------------
# Tingwu


def tingwu_1x(dashscope_sdk, emulator, user_input):
    """1.x `TingWu.call` builds its URL from no task group, task or function, so by default it
    posts to `{base}/` itself; the multimodal-generation endpoint has to be its `base_address`,
    and the SDK still appends a "/" (`api_request_factory.py`). Unlike `BaseApi.call` it does
    not fall back to `dashscope.api_key`, so the key is passed (as the SDK's example does)."""
    from dashscope.multimodal import TingWu

    return TingWu.call(
        model="tingwu-meeting",
        user_defined_input=user_input,
        base_address=emulator.root + MULTIMODAL,
        api_key=API_KEY,
    )


def test_tingwu_1x_create_then_get(dashscope_sdk, emulator):
    created = tingwu_1x(
        dashscope_sdk,
        emulator,
        {"task": "createTask", "type": "offline", "appId": "tw_emulator", "fileUrl": "https://example.com/m.mp3"},
    )
    assert created.status_code == HTTPStatus.OK
    data_id = created.output["dataId"]
    polls = [
        tingwu_1x(dashscope_sdk, emulator, {"task": "getTask", "dataId": data_id}).output
        for _ in range(2)
    ]
    assert [p["status"] for p in polls] == [1, 0]
    summary = fetch_json(polls[1]["summarizationPath"])
    assert data_id in summary["Summarization"]["ParagraphSummary"]
    paragraphs = fetch_json(polls[1]["transcriptionPath"])["Transcription"]["Paragraphs"]
    assert len(paragraphs) == 2
    assert {r["path"] for r in emulator.requests()} == {MULTIMODAL + "/"}


def test_tingwu_1x_default_url_is_not_an_endpoint(dashscope_sdk, emulator):
    from dashscope.multimodal import TingWu

    response = TingWu.call(
        model="tingwu-meeting", user_defined_input={"task": "getTask", "dataId": "x"}, api_key=API_KEY
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert [r for r in emulator.requests()] == []


def test_tingwu_1x_errors(dashscope_sdk, emulator):
    missing_source = tingwu_1x(dashscope_sdk, emulator, {"task": "createTask", "appId": "tw_emulator"})
    assert (missing_source.status_code, missing_source.code) == (400, "InvalidParameter")
    assert missing_source.message == "Agent Input text format error."
    emulator.push_fault("task_fail=TSC.FileError")
    data_id = tingwu_1x(
        dashscope_sdk, emulator, {"task": "createTask", "appId": "tw_emulator", "text": "A: hi"}
    ).output["dataId"]
    polls = [tingwu_1x(dashscope_sdk, emulator, {"task": "getTask", "dataId": data_id}).output for _ in range(2)]
    assert polls[1]["status"] == 2
    assert polls[1]["errorCode"] == "TSC.FileError"


def test_tingwu_2x(ds_client, emulator):
    created = ds_client.tingwu.call(
        model="tingwu-meeting",
        input={"task": "createTask", "type": "offline", "appId": "tw_emulator", "fileUrl": "https://example.com/m.mp3"},
        parameters={"transcription": {"diarizationEnabled": True}},
    )
    data_id = created.output["dataId"]
    first = ds_client.tingwu.call(model="tingwu-meeting", input={"task": "getTask", "dataId": data_id})
    second = ds_client.tingwu.call(model="tingwu-meeting", input={"task": "getTask", "dataId": data_id})
    assert (first.output["status"], second.output["status"]) == (1, 0)
    assert fetch_json(second.output["autoChaptersPath"])["AutoChapters"][0]["Headline"]
    assert {r["path"] for r in emulator.requests()} == {MULTIMODAL}


# ---------------------------------------------------------------------------------------------
# Bailian Apps


def app_answer(turn: int, prompt: str, app_id: str = "app-emulator") -> str:
    return (
        f'The emulated app {app_id} answers (turn {turn}): you asked "{prompt}". '
        "The emulator handbook covers this."
    )


def test_application_whole_with_thoughts_and_session(dashscope_sdk, emulator):
    from dashscope import Application

    first = Application.call(app_id="app-emulator", prompt="what is the emulator", has_thoughts=True)
    assert first.status_code == HTTPStatus.OK
    assert first.output.text == app_answer(1, "what is the emulator")
    assert first.output.finish_reason == "stop"
    [thought] = first.output.thoughts
    assert thought.thought == 'Looking up "what is the emulator" in the knowledge base.'
    assert thought.action_name == "searchDocument"
    [reference] = first.output.doc_references
    assert reference.doc_name == "emulator-handbook.md"
    [model] = first.usage.models
    assert model.model_id == "qwen-plus"
    assert model.output_tokens == token_count(first.output.text)
    second = Application.call(
        app_id="app-emulator", prompt="and then", session_id=first.output.session_id
    )
    assert second.output.session_id == first.output.session_id
    assert second.output.text == app_answer(2, "and then")
    assert second.output.thoughts is None, "no thoughts unless asked"
    assert [r["path"] for r in emulator.requests()] == ["/api/v1/apps/app-emulator/completion"] * 2


def test_application_stream_incremental(dashscope_sdk):
    from dashscope import Application

    chunks = list(
        Application.call(
            app_id="app-emulator", prompt="hi", stream=True, incremental_output=True, has_thoughts=True
        )
    )
    assert "".join(c.output.text for c in chunks) == app_answer(1, "hi")
    assert [c.output.text for c in chunks[:-1]] == pieces(app_answer(1, "hi"))
    assert [c.output.finish_reason for c in chunks] == ["null"] * (len(chunks) - 1) + ["stop"]
    # Thoughts first, document references with the last event.
    assert [bool(c.output.thoughts) for c in chunks] == [True] + [False] * (len(chunks) - 1)
    assert [bool(c.output.doc_references) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert len({c.output.session_id for c in chunks}) == 1


def test_application_stream_cumulative(dashscope_sdk):
    from dashscope import Application

    chunks = list(Application.call(app_id="app-emulator", prompt="hi", stream=True))
    texts = [c.output.text for c in chunks]
    assert texts[-1] == app_answer(1, "hi")
    assert all(after.startswith(before) for before, after in zip(texts, texts[1:]))


def test_application_needs_a_prompt(dashscope_sdk, emulator):
    """The SDK refuses an empty prompt itself; the emulator refuses one that gets through."""
    from dashscope import Application
    from dashscope.common.error import InputRequired

    with pytest.raises(InputRequired):
        Application.call(app_id="app-emulator", prompt="")
    response = Application.call(app_id="app-emulator", prompt="   ")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.message == "prompt or messages is required!"

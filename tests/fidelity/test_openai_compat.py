"""The official `openai` SDK against the emulator's compatible mode (`/compatible-mode/v1`)."""

from __future__ import annotations

import openai
import pytest

from _reply import input_tokens, is_request_id, pieces, reply, token_count

PROMPT = "hello there"
MESSAGES = [{"role": "user", "content": PROMPT}]
EXPECTED = reply("qwen-plus", PROMPT)
CHAT = "/compatible-mode/v1/chat/completions"


def create(client, **kwargs):
    kwargs.setdefault("model", "qwen-plus")
    kwargs.setdefault("messages", MESSAGES)
    return client.chat.completions.create(**kwargs)


def test_non_stream(openai_client, emulator):
    completion = create(openai_client)
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "qwen-plus"
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == EXPECTED
    assert choice.finish_reason == "stop"
    usage = completion.usage
    assert usage.prompt_tokens == input_tokens(PROMPT)
    assert usage.completion_tokens == token_count(EXPECTED)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert emulator.requests() == [
        {"path": CHAT, "model": "qwen-plus", "stream": False, "fault": None}
    ]


def test_stream_with_usage(openai_client, emulator):
    chunks = list(create(openai_client, stream=True, stream_options={"include_usage": True}))
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    first, *middle, finish, last = chunks
    assert first.choices[0].delta.role == "assistant" and first.choices[0].delta.content == ""
    assert [c.choices[0].delta.content for c in middle] == pieces(EXPECTED)
    assert all(c.choices[0].finish_reason is None for c in [first, *middle])
    assert finish.choices[0].finish_reason == "stop"
    # The last chunk before [DONE] has no choices and the whole usage; the others have none.
    assert last.choices == []
    assert last.usage.prompt_tokens == input_tokens(PROMPT)
    assert last.usage.completion_tokens == token_count(EXPECTED)
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])
    assert [r["stream"] for r in emulator.requests()] == [True]


def test_stream_without_usage(openai_client):
    chunks = list(create(openai_client, stream=True))
    assert all(c.choices and c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == EXPECTED
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_models_list(openai_client):
    models = list(openai_client.models.list())
    ids = [m.id for m in models]
    assert "qwen-plus" in ids
    assert {m.object for m in models} == {"model"}


def test_wrong_key(emulator):
    client = openai.OpenAI(api_key="sk-wrong", base_url=emulator.compat_base, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        create(client)
    error = caught.value
    assert error.status_code == 401
    assert error.code == "invalid_api_key"
    assert error.type == "invalid_request_error"
    assert error.body["message"].startswith("Incorrect API key provided.")
    # The compat error body carries request_id at top level, equal to the X-Request-ID header.
    assert is_request_id(error.request_id)
    assert error.response.json()["request_id"] == error.request_id
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_unknown_model(openai_client):
    with pytest.raises(openai.NotFoundError) as caught:
        create(openai_client, model="qwen-nonexistent")
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found"
    assert "qwen-nonexistent" in caught.value.message


def test_429_without_retries(openai_client, emulator):
    with pytest.raises(openai.RateLimitError) as caught:
        create(openai_client, extra_headers={"X-Emulator-Fault": "status=429"})
    assert caught.value.status_code == 429
    assert caught.value.code == "Throttling.RateQuota"
    assert len(emulator.requests()) == 1


def test_429_is_retried_by_the_sdk(emulator):
    client = openai.OpenAI(api_key="sk-emulator", base_url=emulator.compat_base, max_retries=2)
    emulator.push_fault("status=429,retry_after=0")
    assert create(client).choices[0].message.content == EXPECTED
    assert [r["fault"] for r in emulator.requests()] == ["status=429,retry_after=0", None]


def test_enable_thinking_false_is_accepted(openai_client):
    completion = create(openai_client, extra_body={"enable_thinking": False})
    assert completion.choices[0].message.content == EXPECTED
    assert getattr(completion.choices[0].message, "reasoning_content", None) is None


def test_in_stream_error(openai_client):
    """A `data: {"error": ...}` event inside the 200 stream: the SDK raises APIError with the
    compatible-mode code, which is snake case (reference §3)."""
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in create(
            openai_client,
            stream=True,
            extra_headers={"X-Emulator-Fault": "error_after=2,code=DataInspectionFailed"},
        ):
            received.append(chunk.choices[0].delta.content)
    # The role chunk, then one token.
    assert received == ["", pieces(EXPECTED)[0]]
    assert caught.value.code == "data_inspection_failed"
    assert caught.value.type == "data_inspection_failed"
    assert "inappropriate content" in caught.value.message


def test_cut_stream_raises(openai_client):
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in create(
            openai_client, stream=True, extra_headers={"X-Emulator-Fault": "cut_after=3"}
        ):
            received.append(chunk.choices[0].delta.content)
    assert received == ["", *pieces(EXPECTED)[:2]]

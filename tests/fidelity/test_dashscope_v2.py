"""The official `dashscope` SDK, 2.x API (`dashscope.Client`, native protocol), against the
emulator. 2.x has its own transport (httpx, `httpx_sse` for streams, `v2/transport/sse.py`), its
own retry policy (`v2/transport/_retry.py`) and raises typed errors (`v2/errors.py`)."""

from __future__ import annotations

import httpx
import pytest
from dashscope.v2 import errors

from _reply import input_tokens, is_request_id, pieces, reply, token_count

PROMPT = "hello there"
MESSAGES = [{"role": "user", "content": PROMPT}]
EXPECTED = reply("qwen-plus", PROMPT)
GENERATION = "/api/v1/services/aigc/text-generation/generation"


def create(client, **kwargs):
    kwargs.setdefault("model", "qwen-plus")
    kwargs.setdefault("messages", MESSAGES)
    return client.chat.completions.create(**kwargs)


def test_base_url_from_environment(dashscope_sdk, emulator):
    """`DASHSCOPE_BASE_URL` alone points a 2.x client at the emulator."""
    client = dashscope_sdk.Client(protocol="native", max_retries=0)
    assert client.config.base_url == emulator.native_base
    assert create(client).choices[0].message.content == EXPECTED
    assert [r["path"] for r in emulator.requests()] == [GENERATION]


def test_non_stream(ds_client):
    completion = create(ds_client)
    [choice] = completion.choices
    assert choice.message.role == "assistant"
    assert choice.message.content == EXPECTED
    assert choice.finish_reason == "stop"
    assert completion.usage.input_tokens == input_tokens(PROMPT)
    assert completion.usage.output_tokens == token_count(EXPECTED)
    assert completion.usage.total_tokens == input_tokens(PROMPT) + token_count(EXPECTED)
    assert is_request_id(completion.request_id)
    assert completion.headers["x-request-id"] == completion.request_id


def test_stream(ds_client, emulator):
    """2.x always streams with `incremental_output: true` and `result_format: "message"`."""
    chunks = list(create(ds_client, stream=True))
    deltas = [c.choices[0].delta.content for c in chunks]
    assert deltas[:-1] == pieces(EXPECTED) and deltas[-1] == ""
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.output_tokens == token_count(EXPECTED)
    assert [r["stream"] for r in emulator.requests()] == [True]


def test_wrong_key(dashscope_sdk, emulator):
    client = dashscope_sdk.Client(
        api_key="sk-wrong", base_url=emulator.native_base, protocol="native", max_retries=0
    )
    with pytest.raises(errors.AuthenticationError) as caught:
        create(client)
    assert caught.value.status_code == 401
    assert caught.value.code == "InvalidApiKey"
    assert is_request_id(caught.value.request_id)


def test_unknown_model(ds_client):
    with pytest.raises(errors.BadRequestError) as caught:
        create(ds_client, model="qwen-nonexistent")
    assert caught.value.status_code == 400
    assert caught.value.code == "InvalidParameter"
    assert "Model not exist." in str(caught.value)


def test_429_without_retries(ds_client, emulator):
    emulator.push_fault("status=429")
    with pytest.raises(errors.RateLimitError) as caught:
        create(ds_client)
    assert caught.value.status_code == 429
    assert caught.value.code == "Throttling.RateQuota"
    assert len(emulator.requests()) == 1


def test_429_is_retried_honouring_retry_after(dashscope_sdk, emulator):
    """2.x retries 429 by itself, waiting `Retry-After` seconds (reference §9.2)."""
    client = dashscope_sdk.Client(
        api_key="sk-emulator", base_url=emulator.native_base, protocol="native", max_retries=2
    )
    emulator.push_fault("status=429,retry_after=0")
    assert create(client).choices[0].message.content == EXPECTED
    assert [r["fault"] for r in emulator.requests()] == ["status=429,retry_after=0", None]


def test_in_stream_error_raises_content_filter(ds_client, emulator):
    emulator.push_fault("error_after=2,code=DataInspectionFailed")
    received = []
    with pytest.raises(errors.ContentFilterError) as caught:
        for chunk in create(ds_client, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == pieces(EXPECTED)[:2]
    assert caught.value.code == "DataInspectionFailed"
    assert "inappropriate content" in str(caught.value)


def test_cut_stream_raises(ds_client, emulator):
    emulator.push_fault("cut_after=3")
    received = []
    with pytest.raises(httpx.TransportError):
        for chunk in create(ds_client, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == pieces(EXPECTED)[:3]


def test_models(ds_client):
    """`models.get` filters on the server with `?model=NAME&page_size=1`."""
    assert ds_client.models.get("qwen-turbo").model == "qwen-turbo"
    with pytest.raises(errors.DashScopeError):
        ds_client.models.get("qwen-nonexistent")
    page = ds_client.models.list(page_no=1, page_size=3)
    assert len(page.models) == 3 and page.page_size == 3
    assert page.total_count > 3

"""The official `dashscope` SDK, 1.x API (`dashscope.Generation`, `dashscope.Models`), against the
emulator's native endpoints (`/api/v1/services/aigc/text-generation/generation`, `/api/v1/models`).

The SDK's own stream parser (`common/utils.py::_handle_stream`) reads `event:`, `status:` and
`data:` lines one at a time, so these tests also prove the emulator's SSE framing is what that
parser expects.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import pytest

from _reply import input_tokens, is_request_id, pieces, reply, token_count

PROMPT = "hello there"
MESSAGES = [{"role": "user", "content": PROMPT}]
EXPECTED = reply("qwen-plus", PROMPT)


def call(dashscope_sdk, **kwargs):
    kwargs.setdefault("model", "qwen-plus")
    kwargs.setdefault("messages", MESSAGES)
    return dashscope_sdk.Generation.call(**kwargs)


def stream_text(chunk, message_format: bool) -> str:
    if message_format:
        return chunk.output.choices[0].message.content
    return chunk.output.text


def finish_of(chunk, message_format: bool):
    if message_format:
        return chunk.output.choices[0].finish_reason
    return chunk.output.finish_reason


def assert_usage(usage, output_tokens: int) -> None:
    assert usage.input_tokens == input_tokens(PROMPT)
    assert usage.output_tokens == output_tokens
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


def test_non_stream_text_format(dashscope_sdk, emulator):
    response = call(dashscope_sdk)
    assert response.status_code == HTTPStatus.OK
    assert response.output.text == EXPECTED
    assert response.output.finish_reason == "stop"
    assert response.output.choices is None
    assert_usage(response.usage, token_count(EXPECTED))
    assert is_request_id(response.request_id)
    assert response.code == "" and response.message == ""
    assert emulator.requests() == [
        {
            "path": "/api/v1/services/aigc/text-generation/generation",
            "model": "qwen-plus",
            "stream": False,
            "fault": None,
        }
    ]


def test_non_stream_legacy_prompt(dashscope_sdk):
    """`prompt=` without `messages` goes out as `input.prompt`."""
    response = dashscope_sdk.Generation.call(model="qwen-turbo", prompt="ping")
    assert response.status_code == HTTPStatus.OK
    assert response.output.text == reply("qwen-turbo", "ping")


def test_non_stream_message_format(dashscope_sdk):
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": PROMPT},
    ]
    response = call(dashscope_sdk, messages=history, result_format="message")
    assert response.status_code == HTTPStatus.OK
    [choice] = response.output.choices
    assert choice.message.role == "assistant"
    # Second user turn: the whole history reached the emulator.
    assert choice.message.content == reply("qwen-plus", PROMPT, turn=2)
    assert choice.finish_reason == "stop"
    assert response.output.text is None
    assert response.usage.input_tokens == input_tokens("Be brief.", "first", "ok", PROMPT)
    assert is_request_id(response.request_id)


def test_max_tokens_truncates_with_length(dashscope_sdk):
    response = call(dashscope_sdk, max_tokens=5, result_format="message")
    [choice] = response.output.choices
    assert choice.finish_reason == "length"
    assert choice.message.content == "".join(pieces(EXPECTED)[:5])
    assert response.usage.output_tokens == 5


@pytest.mark.parametrize("message_format", [False, True], ids=["text", "message"])
def test_stream_incremental(dashscope_sdk, emulator, message_format):
    chunks = list(
        call(
            dashscope_sdk,
            stream=True,
            incremental_output=True,
            result_format="message" if message_format else "text",
        )
    )
    assert all(c.status_code == HTTPStatus.OK for c in chunks)
    texts = [stream_text(c, message_format) for c in chunks]
    assert "".join(texts) == EXPECTED
    # One event per token, then the closing event with an empty piece.
    assert texts[:-1] == pieces(EXPECTED) and texts[-1] == ""
    # The gateway sends the string "null" until the last event (reference §2.3).
    assert [finish_of(c, message_format) for c in chunks] == ["null"] * (len(chunks) - 1) + ["stop"]
    # Usage is cumulative in every event.
    assert [c.usage.output_tokens for c in chunks[:-1]] == list(range(1, len(chunks)))
    assert_usage(chunks[-1].usage, token_count(EXPECTED))
    request_ids = {c.request_id for c in chunks}
    assert len(request_ids) == 1 and is_request_id(request_ids.pop())
    assert [r["stream"] for r in emulator.requests()] == [True]


@pytest.mark.parametrize("message_format", [False, True], ids=["text", "message"])
def test_stream_incremental_false_is_merged_by_the_sdk(dashscope_sdk, message_format):
    """With `incremental_output=False` the SDK sends `true` on the wire and merges client-side
    (`aigc/generation.py`, `utils/message_utils.py`): every chunk it yields is the text so far."""
    chunks = list(
        call(
            dashscope_sdk,
            stream=True,
            incremental_output=False,
            result_format="message" if message_format else "text",
        )
    )
    texts = [stream_text(c, message_format) for c in chunks]
    assert texts[-1] == EXPECTED
    assert finish_of(chunks[-1], message_format) == "stop"
    for before, after in zip(texts, texts[1:]):
        assert after.startswith(before)
    assert_usage(chunks[-1].usage, token_count(EXPECTED))


@pytest.mark.parametrize("message_format", [False, True], ids=["text", "message"])
def test_stream_default_is_cumulative_on_the_wire(dashscope_sdk, message_format):
    """Without `incremental_output` the SDK sends no flag and passes chunks through untouched, so
    this is the emulator's own cumulative mode (the default for qwen-plus, reference §2.4)."""
    chunks = list(
        call(dashscope_sdk, stream=True, result_format="message" if message_format else "text")
    )
    texts = [stream_text(c, message_format) for c in chunks]
    prefixes = [pieces(EXPECTED)[: i + 1] for i in range(token_count(EXPECTED))]
    assert texts == ["".join(p) for p in prefixes] + [EXPECTED]
    assert finish_of(chunks[-1], message_format) == "stop"


def test_per_model_defaults_for_qwq(dashscope_sdk):
    """QwQ only streams, thinks first, and answers in message form with increments when the
    request names neither (reference §2.1, landscape: stream-only models refuse whole replies)."""
    expected = reply("qwq-plus", PROMPT)
    refused = call(dashscope_sdk, model="qwq-plus")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.code == "InvalidParameter"
    assert "only support stream mode" in refused.message
    chunks = list(call(dashscope_sdk, model="qwq-plus", stream=True))
    messages = [c.output.choices[0].message for c in chunks]
    reasoning = "".join(m.get("reasoning_content") or "" for m in messages)
    assert reasoning == f'The user said "{PROMPT}". I answer as the emulator does.'
    answer = [m.content for m in messages if m.content]
    assert answer == pieces(expected), "the answer streams in increments after the reasoning"
    assert chunks[-1].usage["output_tokens_details"]["reasoning_tokens"] == token_count(reasoning)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_wrong_key(dashscope_sdk, stream):
    result = call(dashscope_sdk, api_key="sk-wrong", stream=stream)
    response = next(iter(result)) if stream else result
    assert response.status_code == 401
    assert response.code == "InvalidApiKey"
    assert response.message == "Invalid API-key provided."
    assert is_request_id(response.request_id)
    assert response.output is None


def test_unknown_model(dashscope_sdk):
    response = call(dashscope_sdk, model="qwen-nonexistent")
    assert response.status_code == 400
    assert response.code == "InvalidParameter"
    assert response.message == "Model not exist."
    assert is_request_id(response.request_id)


def test_429_by_header(dashscope_sdk, emulator):
    response = call(dashscope_sdk, headers={"X-Emulator-Fault": "status=429,retry_after=1"})
    assert response.status_code == 429
    assert response.code == "Throttling.RateQuota"
    assert response.message == "Requests rate limit exceeded, please try again later."
    assert response.headers.get("retry-after") == "1"
    # 1.x does not retry a 429 by itself (reference §9.2).
    assert len(emulator.requests()) == 1


def test_429_by_control_endpoint_applies_times(dashscope_sdk, emulator):
    emulator.push_fault("status=429", times=2)
    first, second, third = (call(dashscope_sdk) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.code == second.code == "Throttling.RateQuota"
    assert third.output.text == EXPECTED
    assert [r["fault"] for r in emulator.requests()] == ["status=429", "status=429", None]


def test_in_stream_error(dashscope_sdk):
    """An `event:error` frame inside the HTTP 200 stream: the SDK yields it as an error response
    and stops. 1.x reads no `:HTTP_STATUS/...` comment, only `status:` lines, so it reports 400
    (reference §7.1)."""
    chunks = list(
        call(
            dashscope_sdk,
            stream=True,
            incremental_output=True,
            headers={"X-Emulator-Fault": "error_after=2,code=DataInspectionFailed"},
        )
    )
    assert [c.status_code for c in chunks] == [200, 200, 400]
    assert "".join(c.output.text for c in chunks[:2]) == "".join(pieces(EXPECTED)[:2])
    error = chunks[-1]
    assert error.code == "DataInspectionFailed"
    assert error.message == "Input or output data may contain inappropriate content."
    assert error.output is None
    assert error.request_id == chunks[0].request_id


def test_stream_request_validation_error_arrives_in_stream(dashscope_sdk):
    """A bad conversation on a stream request is answered inside a 200 stream (reference §2.3)."""
    chunks = list(
        call(dashscope_sdk, messages=[{"role": "user", "content": " "}], stream=True)
    )
    [error] = chunks
    assert error.status_code == 400
    assert error.code == "InvalidParameter"
    assert error.message.startswith("Role must be user or assistant")


def test_stream_without_blank_lines_still_parses(dashscope_sdk):
    chunks = list(
        call(
            dashscope_sdk,
            stream=True,
            incremental_output=True,
            result_format="message",
            headers={"X-Emulator-Fault": "no_blank_lines"},
        )
    )
    texts = [c.output.choices[0].message.content for c in chunks]
    assert texts[:-1] == pieces(EXPECTED)
    assert chunks[-1].output.choices[0].finish_reason == "stop"


def test_cut_stream_raises(dashscope_sdk):
    import requests

    received = []
    with pytest.raises(requests.exceptions.RequestException):
        for chunk in call(
            dashscope_sdk,
            stream=True,
            incremental_output=True,
            headers={"X-Emulator-Fault": "cut_after=3"},
        ):
            received.append(chunk)
    assert [c.output.text for c in received] == pieces(EXPECTED)[:3]
    assert all(c.output.finish_reason == "null" for c in received)


# --- the aiohttp path (AioGeneration, common/utils.py::_handle_aio_stream) ------------------------


async def _collect(dashscope_sdk, **kwargs):
    result = await dashscope_sdk.AioGeneration.call(
        model="qwen-plus", messages=MESSAGES, stream=True, incremental_output=True, **kwargs
    )
    out = []
    try:
        async for chunk in result:
            out.append(chunk)
    finally:
        await dashscope_sdk.close_shared_aio_session()
    return out


def test_aio_stream_without_blank_lines(dashscope_sdk):
    chunks = asyncio.run(_collect(dashscope_sdk, headers={"X-Emulator-Fault": "no_blank_lines"}))
    assert "".join(c.output.text for c in chunks) == EXPECTED
    assert chunks[-1].output.finish_reason == "stop"


def test_aio_in_stream_error(dashscope_sdk):
    chunks = asyncio.run(
        _collect(dashscope_sdk, headers={"X-Emulator-Fault": "error_after=1,code=Throttling"})
    )
    assert [c.status_code for c in chunks] == [200, 400]
    assert chunks[-1].code == "Throttling"
    assert chunks[-1].message == "Requests throttling triggered."


def test_aio_cut_stream_raises(dashscope_sdk):
    import aiohttp

    with pytest.raises(aiohttp.ClientError):
        asyncio.run(_collect(dashscope_sdk, headers={"X-Emulator-Fault": "cut_after=3"}))


# --- models -------------------------------------------------------------------------------------


def test_models_get_filters_by_name(dashscope_sdk):
    """`Models.get` asks `?model=NAME&page_no=1&page_size=1` and returns the first entry."""
    response = dashscope_sdk.Models.get("qwen-turbo")
    assert response.status_code == HTTPStatus.OK
    assert response.output["model"] == "qwen-turbo"
    missing = dashscope_sdk.Models.get("qwen-nonexistent")
    assert missing.status_code == 404


def test_models_list_pages(dashscope_sdk):
    first = dashscope_sdk.Models.list(page=1, page_size=4)
    second = dashscope_sdk.Models.list(page=2, page_size=4)
    assert first.status_code == second.status_code == HTTPStatus.OK
    names = [m["model"] for m in first.output["models"] + second.output["models"]]
    assert len(names) == 8 and len(set(names)) == 8
    assert "qwen-max" in names and "qwen-plus" in names
    assert first.output["total"] == second.output["total"] >= 8

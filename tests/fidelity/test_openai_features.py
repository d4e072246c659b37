"""The official `openai` SDK against compatible mode beyond plain text: thinking through
`extra_body`, tools (assembled by the SDK's own `chat.completions.stream` helper), vision parts,
and embeddings (reference §3, §6)."""

from __future__ import annotations

import json
import math

import openai
import pytest

from _reply import input_tokens, pieces, reply, token_count

PROMPT = "hello there"
MESSAGES = [{"role": "user", "content": PROMPT}]
REASONING = f'The user said "{PROMPT}". I answer as the emulator does.'
ARGUMENTS = json.dumps({"query": PROMPT}, separators=(",", ":"))
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} for a query",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
    for name in ("get_weather", "get_time")
]


def create(client, **kwargs):
    kwargs.setdefault("model", "qwen-plus")
    kwargs.setdefault("messages", MESSAGES)
    return client.chat.completions.create(**kwargs)


# --- thinking -----------------------------------------------------------------------------------


def test_thinking_streams_reasoning_content_deltas(openai_client):
    chunks = list(
        create(
            openai_client,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"enable_thinking": True},
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    # `reasoning_content` is not in the SDK's types: it arrives as an extra attribute.
    reasoning = [d.reasoning_content for d in deltas if getattr(d, "reasoning_content", None)]
    answer = [d.content for d in deltas if d.content]
    assert reasoning == pieces(REASONING)
    assert answer == pieces(reply("qwen-plus", PROMPT))
    first_answer = next(i for i, d in enumerate(deltas) if d.content)
    assert all(d.content is None for d in deltas[1:first_answer]), "reasoning deltas have no content"
    usage = chunks[-1].usage
    assert usage.completion_tokens_details.reasoning_tokens == token_count(REASONING)
    assert usage.completion_tokens == token_count(REASONING) + token_count(reply("qwen-plus", PROMPT))
    assert usage.prompt_tokens == input_tokens(PROMPT)


def test_thinking_budget_through_extra_body(openai_client):
    chunks = list(
        create(openai_client, stream=True, extra_body={"enable_thinking": True, "thinking_budget": 3})
    )
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks)
    assert reasoning == "".join(pieces(REASONING)[:3])


def test_thinking_without_stream_is_refused(openai_client):
    """Compatible mode answers `invalid_parameter_error` of type `invalid_request_error`, as
    widely reported from the real service for exactly this call."""
    with pytest.raises(openai.BadRequestError) as caught:
        create(openai_client, extra_body={"enable_thinking": True})
    error = caught.value
    assert error.status_code == 400
    assert error.code == "invalid_parameter_error"
    assert error.type == "invalid_request_error"
    assert error.body["message"] == "parameter.enable_thinking must be set to false for non-streaming calls"


def test_qwen3_open_source_needs_stream_or_thinking_off(openai_client):
    with pytest.raises(openai.BadRequestError):
        create(openai_client, model="qwen3-32b")
    plain = create(openai_client, model="qwen3-32b", extra_body={"enable_thinking": False})
    assert plain.choices[0].message.content == reply("qwen3-32b", PROMPT)


# --- tools --------------------------------------------------------------------------------------


def test_tool_call_whole(openai_client):
    completion = create(
        openai_client,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls"
    [tool_call] = choice.message.tool_calls
    assert isinstance(tool_call, openai.types.chat.ChatCompletionMessageFunctionToolCall)
    assert tool_call.id == "call_emulator_0"
    assert tool_call.function.name == "get_time"
    assert json.loads(tool_call.function.arguments) == {"query": PROMPT}


def test_parallel_tool_calls_assembled_by_the_sdk(openai_client):
    """`chat.completions.stream` (`lib/streaming/chat/_completions.py`) accumulates the tool-call
    deltas by index; with the emulator's fragments it rebuilds both calls."""
    with openai_client.chat.completions.stream(
        model="qwen-plus", messages=MESSAGES, tools=TOOLS, parallel_tool_calls=True
    ) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    [choice] = final.choices
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_emulator_0", "get_weather", ARGUMENTS),
        ("call_emulator_1", "get_time", ARGUMENTS),
    ]
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert [(e.name, e.index, json.loads(e.arguments)) for e in done] == [
        ("get_weather", 0, {"query": PROMPT}),
        ("get_time", 1, {"query": PROMPT}),
    ]


def test_streamed_tool_call_deltas(openai_client):
    chunks = list(create(openai_client, tools=TOOLS, stream=True))
    fragments = [t for c in chunks for t in (c.choices[0].delta.tool_calls or [])]
    assert fragments[0].id == "call_emulator_0" and fragments[0].function.name == "get_weather"
    assert all(f.id == "" and f.function.name is None for f in fragments[1:])
    assert "".join(f.function.arguments for f in fragments) == ARGUMENTS
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_choice_none(openai_client):
    completion = create(openai_client, tools=TOOLS, tool_choice="none")
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].message.content == reply("qwen-plus", PROMPT)


def test_follow_up_with_tool_results(openai_client):
    first = create(openai_client, tools=TOOLS)
    assistant = first.choices[0].message
    history = [
        *MESSAGES,
        assistant.model_dump(exclude_none=True),
        *(
            {"role": "tool", "tool_call_id": c.id, "content": f"result of {c.function.name}"}
            for c in assistant.tool_calls
        ),
    ]
    answer = create(openai_client, messages=history, tools=TOOLS)
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == reply("qwen-plus", PROMPT)


# --- search and JSON ----------------------------------------------------------------------------


def test_json_object(openai_client):
    prompt = "reply in json"
    completion = create(
        openai_client,
        messages=[{"role": "user", "content": prompt}],
        response_format={"type": "json_object"},
    )
    assert json.loads(completion.choices[0].message.content) == {"answer": reply("qwen-plus", prompt)}
    with pytest.raises(openai.BadRequestError) as caught:
        create(openai_client, response_format={"type": "json_object"})
    assert caught.value.code == "invalid_parameter_error"


def test_stop(openai_client):
    expected = reply("qwen-plus", PROMPT)
    completion = create(openai_client, stop=["Qwen"])
    assert completion.choices[0].message.content == expected[: expected.index("Qwen")]


# --- vision -------------------------------------------------------------------------------------


def test_image_url_parts(openai_client):
    content = [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "text", "text": "what is this"},
    ]
    completion = create(openai_client, model="qwen-vl-plus", messages=[{"role": "user", "content": content}])
    expected = "I see 2 image(s). " + reply("qwen-vl-plus", "what is this")
    assert completion.choices[0].message.content == expected
    streamed = list(create(openai_client, model="qwen-vl-plus", messages=[{"role": "user", "content": content}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == expected


# --- embeddings ---------------------------------------------------------------------------------


def test_embeddings_with_dimensions(openai_client, emulator):
    texts = ["the cat sat on the mat", "a cat sat on a mat", "quarterly revenue forecast"]
    result = openai_client.embeddings.create(
        model="text-embedding-v4", input=texts, dimensions=256, encoding_format="float"
    )
    assert [d.index for d in result.data] == [0, 1, 2]
    assert all(len(d.embedding) == 256 for d in result.data)
    assert all(math.isclose(sum(x * x for x in d.embedding), 1.0) for d in result.data)
    cat, similar, other = (d.embedding for d in result.data)
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    assert dot(cat, similar) > dot(cat, other)
    assert result.usage.prompt_tokens == result.usage.total_tokens == sum(token_count(t) for t in texts)
    assert result.model == "text-embedding-v4"
    assert [r["path"] for r in emulator.requests()] == ["/compatible-mode/v1/embeddings"]


def test_embeddings_default_dimension_and_single_input(openai_client):
    result = openai_client.embeddings.create(model="text-embedding-v3", input="hello", encoding_format="float")
    [item] = result.data
    assert len(item.embedding) == 1024


def test_embeddings_refusals(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.embeddings.create(model="text-embedding-v3", input="hello", dimensions=2048)
    assert caught.value.code == "invalid_parameter_error"
    with pytest.raises(openai.BadRequestError):
        openai_client.embeddings.create(model="text-embedding-v4", input=["x"] * 11)
    with pytest.raises(openai.NotFoundError):
        openai_client.embeddings.create(model="text-embedding-3-small", input="hello")

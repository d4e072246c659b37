"""The official `dashscope` SDK, 1.x `Generation.call`, on the chat features beyond plain text:
thinking, tools, search, JSON output and stop strings (reference §2.1, §2.2, §2.4).

The emulator's rules (`crates/emulator/src/chat.rs`): the reasoning is `The user said "<prompt>".
I answer as the emulator does.`, cut at `thinking_budget` tokens; a tool call's arguments are
`{"query": "<prompt>"}` streamed in three fragments, the first alone carrying id and name.
"""

from __future__ import annotations

import json
from http import HTTPStatus

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
    for name in ("get_weather", "get_time", "search_docs")
]


def call(dashscope_sdk, **kwargs):
    kwargs.setdefault("model", "qwen-plus")
    kwargs.setdefault("messages", MESSAGES)
    return dashscope_sdk.Generation.call(**kwargs)


def messages_of(chunks):
    return [c.output.choices[0].message for c in chunks]


# --- thinking -----------------------------------------------------------------------------------


def test_enable_thinking_streams_reasoning_then_answer(dashscope_sdk):
    chunks = list(
        call(
            dashscope_sdk,
            enable_thinking=True,
            stream=True,
            incremental_output=True,
            result_format="message",
        )
    )
    assert all(c.status_code == HTTPStatus.OK for c in chunks)
    messages = messages_of(chunks)
    reasoning = [m.get("reasoning_content") for m in messages if m.get("reasoning_content")]
    answer = [m.content for m in messages if m.content]
    assert reasoning == pieces(REASONING)
    assert answer == pieces(reply("qwen-plus", PROMPT))
    # Every reasoning event comes before the first answer event.
    first_answer = next(i for i, m in enumerate(messages) if m.content)
    assert all(not m.get("reasoning_content") for m in messages[first_answer:])
    assert chunks[-1].output.choices[0].finish_reason == "stop"
    usage = chunks[-1].usage
    assert usage["output_tokens_details"]["reasoning_tokens"] == token_count(REASONING)
    assert usage.output_tokens == token_count(REASONING) + token_count(reply("qwen-plus", PROMPT))
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


def test_enable_thinking_merged_by_the_sdk(dashscope_sdk, emulator):
    """`incremental_output=False` goes out as `true`; the SDK merges `reasoning_content` and
    `content` itself (`utils/message_utils.py`)."""
    chunks = list(
        call(
            dashscope_sdk,
            enable_thinking=True,
            stream=True,
            incremental_output=False,
            result_format="message",
        )
    )
    last = chunks[-1].output.choices[0].message
    assert last.content == reply("qwen-plus", PROMPT)
    assert last.reasoning_content == REASONING


def test_thinking_budget_cuts_the_reasoning(dashscope_sdk):
    chunks = list(
        call(
            dashscope_sdk,
            enable_thinking=True,
            thinking_budget=4,
            stream=True,
            incremental_output=True,
            result_format="message",
        )
    )
    reasoning = "".join(m.get("reasoning_content") or "" for m in messages_of(chunks))
    assert reasoning == "".join(pieces(REASONING)[:4])
    assert "".join(m.content for m in messages_of(chunks)) == reply("qwen-plus", PROMPT)
    assert chunks[-1].usage["output_tokens_details"]["reasoning_tokens"] == 4


def test_enable_thinking_without_stream_is_refused(dashscope_sdk):
    response = call(dashscope_sdk, enable_thinking=True, result_format="message")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"
    assert response.message == "parameter.enable_thinking must be set to false for non-streaming calls"


def test_qwen3_open_source_thinks_by_default(dashscope_sdk):
    """qwen3-32b thinks unless told not to, so a whole reply is refused; `enable_thinking=False`
    gets one. Its defaults are message form and increments (reference §2.1)."""
    refused = call(dashscope_sdk, model="qwen3-32b")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.message == "parameter.enable_thinking must be set to false for non-streaming calls"

    chunks = list(call(dashscope_sdk, model="qwen3-32b", stream=True))
    messages = messages_of(chunks)
    assert "".join(m.get("reasoning_content") or "" for m in messages) == REASONING
    assert [m.content for m in messages if m.content] == pieces(reply("qwen3-32b", PROMPT))

    plain = call(dashscope_sdk, model="qwen3-32b", enable_thinking=False)
    assert plain.status_code == HTTPStatus.OK
    [choice] = plain.output.choices
    assert choice.message.content == reply("qwen3-32b", PROMPT)
    assert "reasoning_content" not in choice.message
    assert "output_tokens_details" not in plain.usage


def test_qwq_with_enable_thinking_in_text_format_is_refused(dashscope_sdk):
    """Thinking needs message form (reference §2.1)."""
    [error] = list(call(dashscope_sdk, model="qwq-plus", stream=True, result_format="text"))
    assert error.status_code == HTTPStatus.BAD_REQUEST
    assert error.code == "InvalidParameter"


# --- tools --------------------------------------------------------------------------------------


def test_tool_call_whole(dashscope_sdk):
    response = call(dashscope_sdk, tools=TOOLS, result_format="message")
    assert response.status_code == HTTPStatus.OK
    [choice] = response.output.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == ""
    [tool_call] = choice.message.tool_calls
    assert tool_call["id"] == "call_emulator_0"
    assert tool_call["type"] == "function"
    assert tool_call["function"] == {"name": "get_weather", "arguments": ARGUMENTS}
    assert json.loads(tool_call["function"]["arguments"]) == {"query": PROMPT}


def test_parallel_tool_calls_stream_in_fragments(dashscope_sdk):
    """Reference §2.4: each fragment is `tool_calls:[{index, id, type, function{name?, arguments}}]`
    with id and name only on the first fragment of each call; the last event says tool_calls."""
    chunks = list(
        call(
            dashscope_sdk,
            tools=TOOLS,
            parallel_tool_calls=True,
            result_format="message",
            stream=True,
            incremental_output=True,
        )
    )
    fragments = [f for m in messages_of(chunks) for f in (m.get("tool_calls") or [])]
    assert all(m.content == "" for m in messages_of(chunks))
    calls: dict[int, dict] = {}
    for fragment in fragments:
        index = fragment["index"]
        if index not in calls:
            assert fragment["id"] == f"call_emulator_{index}"
            assert "name" in fragment["function"]
            calls[index] = {"id": fragment["id"], "name": fragment["function"]["name"], "arguments": ""}
        else:
            assert fragment["id"] == "", "later fragments have an empty id"
            assert "name" not in fragment["function"], "later fragments have no name"
        assert fragment["type"] == "function"
        calls[index]["arguments"] += fragment["function"]["arguments"]
    assert [c["name"] for c in calls.values()] == ["get_weather", "get_time", "search_docs"]
    assert all(c["arguments"] == ARGUMENTS for c in calls.values())
    assert len(fragments) > len(calls), "arguments arrive in several fragments"
    finishes = [c.output.choices[0].finish_reason for c in chunks]
    assert finishes == ["null"] * (len(chunks) - 1) + ["tool_calls"]


def test_forced_tool_choice(dashscope_sdk):
    response = call(
        dashscope_sdk,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "search_docs"}},
        result_format="message",
    )
    [tool_call] = response.output.choices[0].message.tool_calls
    assert tool_call["function"]["name"] == "search_docs"


def test_tool_choice_none_answers_in_text(dashscope_sdk):
    response = call(dashscope_sdk, tools=TOOLS, tool_choice="none", result_format="message")
    [choice] = response.output.choices
    assert choice.finish_reason == "stop"
    assert choice.message.content == reply("qwen-plus", PROMPT)
    assert "tool_calls" not in choice.message


def test_tools_need_message_format(dashscope_sdk):
    response = call(dashscope_sdk, tools=TOOLS, result_format="text")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_follow_up_with_tool_results(dashscope_sdk, emulator, stream):
    """The assistant's tool calls go back with one `role: tool` message each; the model then
    answers the user in text."""
    first = call(dashscope_sdk, tools=TOOLS, parallel_tool_calls=True, result_format="message")
    assistant = first.output.choices[0].message
    assert len(assistant.tool_calls) == 3
    history = [
        *MESSAGES,
        {"role": "assistant", "content": assistant.content, "tool_calls": assistant.tool_calls},
        *(
            {"role": "tool", "content": f"result of {c['function']['name']}", "tool_call_id": c["id"]}
            for c in assistant.tool_calls
        ),
    ]
    result = call(
        dashscope_sdk,
        messages=history,
        tools=TOOLS,
        result_format="message",
        stream=stream,
        incremental_output=True if stream else None,
    )
    if stream:
        chunks = list(result)
        text = "".join(m.content for m in messages_of(chunks))
        finish = chunks[-1].output.choices[0].finish_reason
        assert not any(m.get("tool_calls") for m in messages_of(chunks))
    else:
        text = result.output.choices[0].message.content
        finish = result.output.choices[0].finish_reason
        assert result.usage.input_tokens == input_tokens(
            PROMPT, "", *(f"result of {n}" for n in ("get_weather", "get_time", "search_docs"))
        )
    assert text == reply("qwen-plus", PROMPT)
    assert finish == "stop"


# --- search, JSON, stop -------------------------------------------------------------------------


def test_enable_search_adds_search_info(dashscope_sdk):
    response = call(dashscope_sdk, enable_search=True, result_format="message")
    assert response.status_code == HTTPStatus.OK
    [result] = response.output.search_info["search_results"]
    assert result["index"] == 1
    assert result["title"] == f"Emulated search result for {PROMPT}"
    assert result["url"].startswith("https://")
    assert response.output.choices[0].message.content == reply("qwen-plus", PROMPT)


def test_enable_search_in_a_stream(dashscope_sdk):
    chunks = list(call(dashscope_sdk, enable_search=True, stream=True, incremental_output=True))
    infos = [c.output.get("search_info") for c in chunks if c.output.get("search_info")]
    assert infos and infos[0]["search_results"][0]["title"] == f"Emulated search result for {PROMPT}"
    assert "".join(c.output.text for c in chunks) == reply("qwen-plus", PROMPT)


def test_json_object_response_format(dashscope_sdk):
    prompt = "Answer in JSON please"
    response = call(
        dashscope_sdk,
        messages=[{"role": "user", "content": prompt}],
        response_format={"type": "json_object"},
        result_format="message",
    )
    assert response.status_code == HTTPStatus.OK
    content = response.output.choices[0].message.content
    assert json.loads(content) == {"answer": reply("qwen-plus", prompt)}


def test_json_object_without_json_in_the_messages_is_refused(dashscope_sdk):
    response = call(dashscope_sdk, response_format={"type": "json_object"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"
    assert "json" in response.message


@pytest.mark.parametrize("stop", ["emulator", ["Qwen", "emulator"]], ids=["string", "list"])
def test_stop_cuts_before_the_first_stop_string(dashscope_sdk, stop):
    expected = reply("qwen-plus", PROMPT)
    expected = expected[: expected.index("emulator")]
    response = call(dashscope_sdk, stop=stop)
    assert response.output.text == expected
    assert response.output.finish_reason == "stop"
    assert response.usage.output_tokens == token_count(expected)
    streamed = list(call(dashscope_sdk, stop=stop, stream=True, incremental_output=True))
    assert "".join(c.output.text for c in streamed) == expected

"""The emulator's deterministic reply, written out independently of its Rust source
(`crates/emulator/src/reply.rs`), so the tests assert exact text and token counts instead of
comparing the emulator with itself."""

from __future__ import annotations

import re
import uuid

# A "token" is a run of ASCII non-whitespace or one other character, plus trailing ASCII whitespace.
_TOKEN = re.compile(r"(?:[\x00-\x08\x0b\x0e-\x1f\x21-\x7f]+|.)[\t\n\x0c\r ]*", re.S)


def pieces(text: str) -> list[str]:
    out = _TOKEN.findall(text)
    assert "".join(out) == text
    return out


def token_count(text: str) -> int:
    return len(pieces(text))


def reply(model: str, prompt: str, turn: int = 1) -> str:
    """The English reply (the prompt has no CJK characters)."""
    return (
        f"This is the Bailian emulator answering as {model} (turn {turn}). "
        f'You said: "{prompt.strip()}". The emulator is not Qwen; it answers by fixed rules, '
        "word by word, so that tests can check every token."
    )


def input_tokens(*texts: str) -> int:
    """The emulator's prompt count: each message's tokens plus 3."""
    return sum(token_count(t) + 3 for t in texts)


def is_request_id(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True

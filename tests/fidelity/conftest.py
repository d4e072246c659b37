"""Starts the Bailian emulator binary and points the official SDKs at it.

The emulator is `target/debug/bailian-emulator` (or `$BAILIAN_EMULATOR`). It prints `ADDR:PORT` as
its first stdout line. One emulator serves the whole session; every test starts with no queued
faults and an empty request log.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
API_KEY = "sk-emulator"

# Loopback only: a proxy from the environment must not swallow the SDKs' requests.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)


def emulator_binary() -> Path:
    explicit = os.environ.get("BAILIAN_EMULATOR")
    return Path(explicit) if explicit else REPO / "target" / "debug" / "bailian-emulator"


class Emulator:
    """A running emulator: its addresses and its control endpoints."""

    def __init__(self, addr: str) -> None:
        self.addr = addr
        self.root = f"http://{addr}"
        self.native_base = f"{self.root}/api/v1"
        self.compat_base = f"{self.root}/compatible-mode/v1"

    def _control(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.root + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return json.loads(raw) if raw else None

    def push_fault(self, spec: str, times: int = 1) -> None:
        """Applies `spec` to the next `times` API requests that carry no fault header."""
        self._control("POST", "/emulator/faults", {"fault": spec, "times": times})

    def clear(self) -> None:
        self._control("DELETE", "/emulator/faults")
        self._control("DELETE", "/emulator/requests")

    def requests(self) -> list[dict]:
        """What the emulator received: `{path, model, stream, fault}` per request. The log also
        keeps each JSON `body`; it is left out here so these records stay comparable."""
        return [
            {key: value for key, value in record.items() if key != "body"}
            for record in self._control("GET", "/emulator/requests")
        ]


@pytest.fixture(scope="session")
def emulator():
    binary = emulator_binary()
    if not binary.is_file():
        pytest.fail(
            f"no emulator binary at {binary}: build it with `cargo build -p bailian-emulator` "
            "or set BAILIAN_EMULATOR",
            pytrace=False,
        )
    process = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline().strip()
        if not re.fullmatch(r"127\.0\.0\.1:\d+", first_line):
            pytest.fail(f"emulator printed {first_line!r} instead of its address", pytrace=False)
        yield Emulator(first_line)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(autouse=True)
def clean_emulator(emulator):
    emulator.clear()
    yield


@pytest.fixture
def dashscope_sdk(emulator, monkeypatch):
    """The `dashscope` module, 1.x API (`Generation.call`) pointed at the emulator.

    1.x reads `DASHSCOPE_HTTP_BASE_URL` once at import into `dashscope.base_http_api_url`, which the
    request factory reads on every call (`api_entities/api_request_factory.py`), so both are set.
    2.x (`dashscope.Client`) reads `DASHSCOPE_BASE_URL` when a client is built.
    """
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emulator.native_base)
    monkeypatch.setenv("DASHSCOPE_BASE_URL", emulator.native_base)
    monkeypatch.setenv("DASHSCOPE_API_KEY", API_KEY)
    import dashscope

    monkeypatch.setattr(dashscope, "base_http_api_url", emulator.native_base)
    monkeypatch.setattr(dashscope, "api_key", API_KEY)
    return dashscope


@pytest.fixture
def ds_client(dashscope_sdk, emulator):
    """A dashscope 2.x client on the native protocol, without the SDK's own retries."""
    return dashscope_sdk.Client(
        api_key=API_KEY, base_url=emulator.native_base, protocol="native", max_retries=0
    )


@pytest.fixture
def openai_client(emulator):
    import openai

    return openai.OpenAI(api_key=API_KEY, base_url=emulator.compat_base, max_retries=0)

"""The official `dashscope` SDK's WebSocket speech APIs against the emulator's
`/api-ws/v1/inference` (reference §5.2, §5.3).

* `dashscope.audio.asr.Recognition` (aiohttp, `api_entities/websocket_request.py`): `call(file)`
  streams the file in 12,800-byte frames and keeps the sentences whose `end_time` is set;
  `start` / `send_audio_frame` / `stop` hands every result to a callback.
* `dashscope.audio.tts_v2.SpeechSynthesizer` (websocket-client): `call(text)` returns the audio;
  `streaming_call` / `streaming_complete` hand audio and events to a callback.

The emulator hears one sentence per full second of 16-bit audio ("Sentence N from the
emulator.", an interim result first) and speaks 60 ms of audio per character: 16-bit mono PCM at
the requested rate (one WAV header per task for `wav`), or silent 417-byte MP3 frames of 26 ms.
"""

from __future__ import annotations

import json
import math
import threading
import wave
from http import HTTPStatus

import pytest
from dashscope.audio.asr import Recognition, RecognitionCallback, RecognitionResult
from dashscope.audio.tts_v2 import AudioFormat, ResultCallback, SpeechSynthesizer
from dashscope.common.error import RequestFailure

INFERENCE = "/api-ws/v1/inference"
RATE = 16_000
BYTES_PER_SECOND = RATE * 2
WEBSOCKET_ERROR_CODE = 44  # what 1.x reports for a task-failed event (common/constants.py)


@pytest.fixture
def ws_sdk(dashscope_sdk, emulator, monkeypatch):
    """The SDK with its WebSocket URL on the emulator. Both classes read
    `dashscope.base_websocket_api_url` (`api_request_factory.py`, `speech_synthesizer.py`)."""
    monkeypatch.setattr(dashscope_sdk, "base_websocket_api_url", f"ws://{emulator.addr}{INFERENCE}")
    return dashscope_sdk


def tone(seconds: float, rate: int = RATE) -> bytes:
    """16-bit mono samples of a quiet 440 Hz tone."""
    count = round(seconds * rate)
    return b"".join(
        int(3000 * math.sin(2 * math.pi * 440 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(count)
    )


def write_wav(path, pcm: bytes, rate: int = RATE) -> str:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return str(path)


def sentence_texts(n: int) -> list[str]:
    return [f"Sentence {i} from the emulator." for i in range(1, n + 1)]


# ---------------------------------------------------------------------------------------------
# Recognition.call(file)


def test_recognize_a_wav_file(ws_sdk, emulator, tmp_path):
    """A WAV file goes over the wire whole, header included; the service hears only its audio."""
    path = write_wav(tmp_path / "two-and-a-half.wav", tone(2.5))
    result = Recognition(
        model="paraformer-realtime-v2", callback=None, format="wav", sample_rate=RATE
    ).call(path)
    assert result.status_code == HTTPStatus.OK
    sentences = result.get_sentence()
    assert [s["text"] for s in sentences] == sentence_texts(3)
    assert [(s["begin_time"], s["end_time"]) for s in sentences] == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert all(s["sentence_end"] is True and s["heartbeat"] is False for s in sentences)
    assert all(RecognitionResult.is_sentence_end(s) for s in sentences)
    # The usage of the last final sentence: the billed seconds of the task so far.
    assert result.usage == {"duration": 3}
    assert [result.get_usage(s) for s in sentences] == [{"duration": n} for n in (1, 2, 3)]
    assert [r["path"] for r in emulator.requests()] == [INFERENCE]


def test_a_whole_number_of_seconds_makes_no_extra_sentence(ws_sdk, tmp_path):
    """Exactly 2 s of audio in a WAV file: two sentences; the 44-byte header is not speech."""
    path = write_wav(tmp_path / "two.wav", tone(2.0))
    result = Recognition(
        model="fun-asr-realtime", callback=None, format="wav", sample_rate=RATE
    ).call(path)
    assert [s["text"] for s in result.get_sentence()] == sentence_texts(2)
    assert result.get_sentence()[-1]["end_time"] == 2000
    assert result.usage == {"duration": 2}


def test_recognize_raw_pcm(ws_sdk, tmp_path):
    path = tmp_path / "short.pcm"
    path.write_bytes(tone(1.25, rate=8_000))
    result = Recognition(
        model="paraformer-realtime-8k-v2", callback=None, format="pcm", sample_rate=8_000
    ).call(str(path))
    assert [(s["text"], s["end_time"]) for s in result.get_sentence()] == [
        ("Sentence 1 from the emulator.", 1000),
        ("Sentence 2 from the emulator.", 1250),
    ]
    assert result.usage == {"duration": 2}


# ---------------------------------------------------------------------------------------------
# Recognition.start / send_audio_frame / stop


class Collector(RecognitionCallback):
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.events: list[tuple[str, bool, dict | None]] = []
        self.errors: list[RecognitionResult] = []
        self.closed = threading.Event()

    def on_open(self) -> None:
        self.calls.append("open")

    def on_event(self, result: RecognitionResult) -> None:
        sentence = result.get_sentence()
        self.events.append(
            (sentence["text"], RecognitionResult.is_sentence_end(sentence), result.get_usage(sentence))
        )

    def on_complete(self) -> None:
        self.calls.append("complete")

    def on_error(self, result: RecognitionResult) -> None:
        self.calls.append("error")
        self.errors.append(result)

    def on_close(self) -> None:
        self.calls.append("close")
        self.closed.set()


def test_streaming_recognition_with_a_callback(ws_sdk):
    """100 ms frames, as a microphone would send them: an interim, then the final, per second."""
    collector = Collector()
    recognition = Recognition(
        model="paraformer-realtime-v2", callback=collector, format="pcm", sample_rate=RATE
    )
    recognition.start()
    audio = tone(2.0)
    for offset in range(0, len(audio), BYTES_PER_SECOND // 10):
        recognition.send_audio_frame(audio[offset : offset + BYTES_PER_SECOND // 10])
    recognition.stop()
    assert collector.events == [
        ("Sentence 1", False, None),
        ("Sentence 1 from the emulator.", True, {"duration": 1}),
        ("Sentence 2", False, None),
        ("Sentence 2 from the emulator.", True, {"duration": 2}),
    ]
    assert collector.calls == ["open", "complete", "close"]
    assert len(recognition.get_last_request_id()) == 32, "the SDK's uuid4().hex task id"


def test_streaming_recognition_task_failure_reaches_on_error(ws_sdk, emulator):
    emulator.push_fault("task_fail=NoValidAudioError")
    collector = Collector()
    recognition = Recognition(
        model="paraformer-realtime-v2", callback=collector, format="pcm", sample_rate=RATE
    )
    recognition.start()
    try:
        assert collector.closed.wait(10), "the failure closes the recognition"
    finally:
        # After a failure the SDK leaves its 23 s silence timer (a non-daemon thread) running,
        # which would hold the interpreter open at exit; stop() refuses, as it is not running.
        recognition._silence_timer.cancel()
    [error] = collector.errors
    assert error.status_code == WEBSOCKET_ERROR_CODE
    assert error.code == "NoValidAudioError"
    assert error.message == "The emulator was told to fail this task."
    assert collector.calls == ["open", "error", "close"]
    assert collector.events == []


# ---------------------------------------------------------------------------------------------
# Recognition errors


def test_recognition_with_a_bad_key_fails_the_handshake(ws_sdk, monkeypatch, tmp_path):
    monkeypatch.setattr(ws_sdk, "api_key", "sk-wrong")
    path = write_wav(tmp_path / "a.wav", tone(0.5))
    result = Recognition(
        model="paraformer-realtime-v2", callback=None, format="wav", sample_rate=RATE
    ).call(path)
    assert result.status_code == HTTPStatus.UNAUTHORIZED
    assert result.message == "Unauthorized, your api-key is invalid!"
    assert result.get_sentence() is None


@pytest.mark.parametrize(
    ("model", "fault", "code", "message"),
    [
        ("whisper-1", None, "InvalidParameter", "Model not exist."),
        ("paraformer-realtime-v2", "task_fail=Throttling.AllocationQuota", "Throttling.AllocationQuota",
         "The emulator was told to fail this task."),
    ],
    ids=["unknown-model", "task-fail-fault"],
)  # fmt: skip
def test_recognition_task_failed_carries_the_code(ws_sdk, emulator, tmp_path, model, fault, code, message):
    if fault:
        emulator.push_fault(fault)
    path = write_wav(tmp_path / "a.wav", tone(0.5))
    result = Recognition(model=model, callback=None, format="wav", sample_rate=RATE).call(path)
    assert result.status_code == WEBSOCKET_ERROR_CODE
    assert (result.code, result.message) == (code, message)
    assert result.request_id == result.get_request_id() != ""


# ---------------------------------------------------------------------------------------------
# SpeechSynthesizer.call(text)


def pcm_bytes(characters: int, rate: int) -> int:
    """60 ms of 16-bit mono audio per character."""
    return rate * 60 * characters // 1000 * 2


def mp3_bytes(characters: int) -> int:
    return math.ceil(characters * 60 / 26) * 417


def finished_usage(synthesizer: SpeechSynthesizer) -> dict:
    last = synthesizer.get_response()
    assert last["header"]["event"] == "task-finished"
    return last["payload"]["usage"]


@pytest.mark.parametrize("audio_format", [AudioFormat.PCM_16000HZ_MONO_16BIT, AudioFormat.PCM_48000HZ_MONO_16BIT])
def test_call_returns_pcm(ws_sdk, emulator, audio_format):
    synthesizer = SpeechSynthesizer(model="cosyvoice-v2", voice="longxiaochun_v2", format=audio_format)
    audio = synthesizer.call("Hello world")
    assert len(audio) == pcm_bytes(11, audio_format.sample_rate)
    assert audio != bytes(len(audio)), "a tone, not silence"
    assert finished_usage(synthesizer) == {"characters": 11}
    assert [r["path"] for r in emulator.requests()] == [INFERENCE]


def test_call_returns_one_wav(ws_sdk, tmp_path):
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v3-flash", voice="longanyang", format=AudioFormat.WAV_24000HZ_MONO_16BIT
    )
    audio = synthesizer.call("Hello world")
    assert audio[:4] == b"RIFF" and audio[8:16] == b"WAVEfmt "
    assert len(audio) == 44 + pcm_bytes(11, 24_000)
    path = tmp_path / "spoken.wav"
    path.write_bytes(audio)
    with wave.open(str(path)) as spoken:
        assert (spoken.getnchannels(), spoken.getsampwidth(), spoken.getframerate()) == (1, 2, 24_000)
        assert len(spoken.readframes(10**9)) == pcm_bytes(11, 24_000)


def test_call_default_format_is_mp3(ws_sdk):
    """`AudioFormat.DEFAULT` asks for sample_rate 0; the service answers MP3."""
    synthesizer = SpeechSynthesizer(model="cosyvoice-v1", voice="longxiaochun")
    audio = synthesizer.call("Hello world")
    assert len(audio) == mp3_bytes(11)
    frames = [audio[i : i + 417] for i in range(0, len(audio), 417)]
    assert all(frame[:4] == b"\xff\xfb\x90\x64" for frame in frames), "MPEG-1 Layer III frame headers"


def test_cjk_characters_bill_twice(ws_sdk):
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v2", voice="longxiaochun_v2", format=AudioFormat.PCM_16000HZ_MONO_16BIT
    )
    audio = synthesizer.call("你好，世界")
    assert len(audio) == pcm_bytes(5, RATE), "audio for 5 characters"
    assert finished_usage(synthesizer) == {"characters": 10}, "billed as 10"


# ---------------------------------------------------------------------------------------------
# SpeechSynthesizer.streaming_call / streaming_complete


class Listener(ResultCallback):
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.events: list[dict] = []
        self.audio = bytearray()
        self.frames = 0

    def on_open(self) -> None:
        self.calls.append("open")

    def on_event(self, message: str) -> None:
        self.events.append(json.loads(message))

    def on_data(self, data: bytes) -> None:
        self.frames += 1
        self.audio.extend(data)

    def on_complete(self) -> None:
        self.calls.append("complete")

    def on_error(self, message) -> None:
        self.calls.append("error")

    def on_close(self) -> None:
        self.calls.append("close")


PIECES = ["Hello, ", "world. ", "你好"]


def test_streaming_synthesis_with_a_callback(ws_sdk):
    listener = Listener()
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v2",
        voice="longxiaochun_v2",
        format=AudioFormat.PCM_22050HZ_MONO_16BIT,
        callback=listener,
    )
    for piece in PIECES:
        synthesizer.streaming_call(piece)
    synthesizer.streaming_complete()
    spoken = sum(len(p) for p in PIECES)
    assert len(listener.audio) == sum(pcm_bytes(len(p), 22_050) for p in PIECES)
    assert spoken == 16
    assert listener.frames >= 3, "audio arrives in binary frames per piece"
    assert [e["header"]["event"] for e in listener.events] == ["result-generated"] * 3
    assert {e["header"]["task_id"] for e in listener.events} == {synthesizer.get_last_request_id()}
    assert listener.calls == ["open", "complete", "close"]
    assert finished_usage(synthesizer) == {"characters": 7 + 7 + 4}


def test_streaming_wav_has_one_header(ws_sdk, tmp_path):
    """Audio of several pieces concatenates into one playable WAV: the header comes once."""
    listener = Listener()
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v2",
        voice="longxiaochun_v2",
        format=AudioFormat.WAV_16000HZ_MONO_16BIT,
        callback=listener,
    )
    for piece in PIECES:
        synthesizer.streaming_call(piece)
    synthesizer.streaming_complete()
    audio = bytes(listener.audio)
    assert audio.count(b"RIFF") == 1 and audio.startswith(b"RIFF")
    assert len(audio) == 44 + pcm_bytes(16, RATE)
    path = tmp_path / "streamed.wav"
    path.write_bytes(audio)
    with wave.open(str(path)) as spoken:
        assert (spoken.getnchannels(), spoken.getsampwidth(), spoken.getframerate()) == (1, 2, RATE)
        assert len(spoken.readframes(10**9)) == pcm_bytes(16, RATE)


# ---------------------------------------------------------------------------------------------
# SpeechSynthesizer errors


@pytest.mark.parametrize(
    ("model", "voice", "fault", "code", "message"),
    [
        ("tts-1", "alloy", None, "InvalidParameter", "Model not exist."),
        ("cosyvoice-v2", None, None, "InvalidParameter", "[tts:]Engine return error code: 418"),
        ("cosyvoice-v2", "longxiaochun_v2", "task_fail=Arrearage", "Arrearage",
         "The emulator was told to fail this task."),
    ],
    ids=["unknown-model", "no-voice", "task-fail-fault"],
)  # fmt: skip
def test_synthesis_task_failed_raises_with_the_code(ws_sdk, emulator, model, voice, fault, code, message):
    if fault:
        emulator.push_fault(fault)
    synthesizer = SpeechSynthesizer(model=model, voice=voice, format=AudioFormat.PCM_16000HZ_MONO_16BIT)
    with pytest.raises(RequestFailure) as caught:
        synthesizer.call("Hello")
    assert caught.value.http_code == WEBSOCKET_ERROR_CODE
    assert (caught.value.name, caught.value.message) == (code, message)
    assert caught.value.request_id == synthesizer.get_last_request_id()


def test_synthesis_with_a_bad_key_never_connects(ws_sdk, emulator, monkeypatch):
    """tts_v2 (websocket-client) does not surface the handshake's 401: it polls for a connection
    for 5 s (`__connect`) and raises TimeoutError. The emulator did refuse the handshake."""
    monkeypatch.setattr(ws_sdk, "api_key", "sk-wrong")
    synthesizer = SpeechSynthesizer(model="cosyvoice-v2", voice="longxiaochun_v2")
    with pytest.raises(TimeoutError, match="websocket connection could not established"):
        synthesizer.call("Hello")
    assert [r["path"] for r in emulator.requests()] == [INFERENCE]

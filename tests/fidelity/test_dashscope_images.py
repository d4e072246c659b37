"""The official `dashscope` SDK's image and task APIs against the emulator's async tasks.

1.x: `dashscope.ImageSynthesis` (`aigc/image_synthesis.py`) submits to
`/api/v1/services/aigc/text2image/image-synthesis` with `X-DashScope-Async: enable`, then polls
`GET /api/v1/tasks/{id}` through `client/base_api.py::BaseAsyncApi.wait` (sleeping 1 s between
polls, which these tests record instead of waiting out). `ImageGeneration` (wan2.6) submits to
`image-generation/generation` and reads `output.choices`. `BaseAsyncApi.list` reads
`GET /api/v1/tasks`, a body with no `output` wrapper (reference §4.3).

2.x: `dashscope.Client(...).images` (`v2/resources/images.py`, `v2/resources/_jobs.py`).

The emulator moves a task one step per poll: PENDING, RUNNING, then SUCCEEDED or FAILED.
"""

from __future__ import annotations

import re
import subprocess
import types
import urllib.request
from http import HTTPStatus

import pytest
import requests
from dashscope.aigc.image_generation import ImageGeneration
from dashscope.v2 import errors

from conftest import API_KEY, Emulator, emulator_binary

T2I = "/api/v1/services/aigc/text2image/image-synthesis"
I2I = "/api/v1/services/aigc/image2image/image-synthesis"
IMAGE_GENERATION = "/api/v1/services/aigc/image-generation/generation"
PROMPT = "a red fox in the snow"
FAILED_IMAGE = {
    "code": "DataInspectionFailed",
    "message": "Output data may contain inappropriate content.",
}
CANCEL_REFUSED = "Failed to cancel the task, please confirm if the task is in PENDING status."
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")


@pytest.fixture
def sleeps(dashscope_sdk, monkeypatch):
    """`BaseAsyncApi.wait`'s pauses, recorded instead of slept."""
    from dashscope.client import base_api

    recorded: list[float] = []
    clock = types.SimpleNamespace(time=base_api.time.time, sleep=recorded.append)
    monkeypatch.setattr(base_api, "time", clock)
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


def paths(emulator) -> list[str]:
    return [r["path"] for r in emulator.requests()]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG signature"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["content-type"] == "image/png"
        return response.read()


def submit(dashscope_sdk, **kwargs):
    kwargs.setdefault("model", "wanx2.1-t2i-turbo")
    kwargs.setdefault("prompt", PROMPT)
    response = dashscope_sdk.ImageSynthesis.async_call(**kwargs)
    assert response.status_code == HTTPStatus.OK, response
    return response


# ---------------------------------------------------------------------------------------------
# 1.x ImageSynthesis


def test_call_submits_then_polls_to_success(dashscope_sdk, emulator, sleeps):
    """`ImageSynthesis.call` is async_call + wait: one submit, then a poll per state."""
    response = dashscope_sdk.ImageSynthesis.call(
        model="wanx2.1-t2i-turbo", prompt=PROMPT, n=2, size="1024*1024"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.code is None and response.message == ""
    output = response.output
    task_id = output.task_id
    assert UUID.fullmatch(task_id)
    assert output.task_status == "SUCCEEDED"
    assert output.task_metrics == {"TOTAL": 2, "SUCCEEDED": 2, "FAILED": 0}
    assert TIME.fullmatch(output.submit_time) and TIME.fullmatch(output.end_time)
    assert [r.url for r in output.results] == [
        f"{emulator.root}/emulator/files/{task_id}-{i}.png" for i in range(2)
    ]
    for result in output.results:
        assert result.orig_prompt == PROMPT
        assert result.actual_prompt == f"{PROMPT} (extended by the emulator)"
    assert response.usage.image_count == 2
    assert paths(emulator) == [T2I] + [f"/api/v1/tasks/{task_id}"] * 3
    assert emulator.requests()[0]["model"] == "wanx2.1-t2i-turbo"
    # PENDING and RUNNING each cost the SDK one 1-second pause.
    assert sleeps == [1, 1]


def test_result_urls_serve_distinct_pngs(dashscope_sdk, sleeps):
    response = dashscope_sdk.ImageSynthesis.call(model="wanx-v1", prompt=PROMPT, n=3)
    images = [download(r.url) for r in response.output.results]
    assert [png_size(image) for image in images] == [(64, 64)] * 3
    assert len(set(images)) == 3, "each image of a batch differs"
    assert download(response.output.results[0].url) == images[0], "a URL serves the same bytes"


def test_sdk_sends_the_async_header_only_on_submit(dashscope_sdk, emulator, sleeps, sent):
    response = dashscope_sdk.ImageSynthesis.call(
        model="wanx-v1", prompt=PROMPT, workspace="ws-fidelity"
    )
    task_id = response.output.task_id
    [submit_request, *polls] = sent
    method, url, headers = submit_request
    assert (method, url) == ("POST", f"{emulator.native_base}/services/aigc/text2image/image-synthesis")
    assert headers["X-DashScope-Async"] == "enable"
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-DashScope-WorkSpace"] == "ws-fidelity"
    assert [(m, u) for m, u, _ in polls] == [("GET", f"{emulator.native_base}/tasks/{task_id}")] * 3
    for _, _, headers in polls:
        assert "X-DashScope-Async" not in headers
        assert headers["Authorization"] == f"Bearer {API_KEY}"
        assert headers["X-DashScope-WorkSpace"] == "ws-fidelity"


def test_submit_without_the_async_header_is_refused(emulator):
    """What a client that forgets `X-DashScope-Async` gets (reference §10.6)."""
    response = requests.post(
        emulator.root + T2I,
        json={"model": "wanx-v1", "input": {"prompt": PROMPT}},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "AccessDenied"


def test_async_call_then_fetch_walks_every_state(dashscope_sdk, emulator):
    submitted = submit(dashscope_sdk, n=2)
    assert submitted.output.task_status == "PENDING"
    assert submitted.output.results == []
    task_id = submitted.output.task_id

    statuses = []
    for _ in range(4):
        fetched = dashscope_sdk.ImageSynthesis.fetch(submitted)
        assert fetched.status_code == HTTPStatus.OK
        assert fetched.output.task_id == task_id
        statuses.append(fetched.output.task_status)
        if fetched.output.task_status == "RUNNING":
            assert fetched.output.results == []
            assert fetched.output.task_metrics == {"TOTAL": 2, "SUCCEEDED": 0, "FAILED": 0}
            assert fetched.usage is None
    assert statuses == ["PENDING", "RUNNING", "SUCCEEDED", "SUCCEEDED"]
    assert fetched.usage.image_count == 2
    # fetch takes the task id as a string as well as the submit response.
    assert dashscope_sdk.ImageSynthesis.fetch(task_id).output.task_status == "SUCCEEDED"
    assert paths(emulator) == [T2I] + [f"/api/v1/tasks/{task_id}"] * 5


def test_wait_after_async_call(dashscope_sdk, sleeps):
    submitted = submit(dashscope_sdk, model="wanx-v1")
    done = dashscope_sdk.ImageSynthesis.wait(submitted)
    assert done.output.task_status == "SUCCEEDED"
    assert done.usage.image_count == 1
    assert sleeps == [1, 1]


def test_image_edit_models_go_to_image2image(dashscope_sdk, emulator, sleeps):
    """`__get_i2i_task`: an `imageedit` model is submitted to `image2image`."""
    response = dashscope_sdk.ImageSynthesis.call(
        model="wanx2.1-imageedit",
        prompt="make it blue",
        function="stylization_all",
        base_image_url="https://example.com/in.png",
    )
    assert response.output.task_status == "SUCCEEDED"
    assert paths(emulator)[0] == I2I


def test_failed_task(dashscope_sdk, emulator, sleeps):
    """`task_fail=CODE` on the submit: the task ends FAILED with that code, inside HTTP 200."""
    emulator.push_fault("task_fail=InternalError.Algo")
    response = dashscope_sdk.ImageSynthesis.call(model="wanx-v1", prompt=PROMPT)
    assert response.status_code == HTTPStatus.OK
    assert response.output.task_status == "FAILED"
    assert response.output.code == "InternalError.Algo"
    assert response.output.message == "The emulator was told to fail this wanx-v1 task."
    assert response.output.results == []
    assert response.usage is None
    assert [r["fault"] for r in emulator.requests()] == ["task_fail=InternalError.Algo", None, None, None]


def test_partial_failure_inside_a_successful_batch(dashscope_sdk, emulator, sleeps):
    emulator.push_fault("partial_fail=1")
    response = dashscope_sdk.ImageSynthesis.call(model="wanx2.1-t2i-turbo", prompt=PROMPT, n=3)
    output = response.output
    assert output.task_status == "SUCCEEDED"
    assert output.task_metrics == {"TOTAL": 3, "SUCCEEDED": 2, "FAILED": 1}
    assert response.usage.image_count == 2
    ok, failed = output.results[:2], output.results[2]
    assert all(r.url.endswith(f"{output.task_id}-{i}.png") for i, r in enumerate(ok))
    # The SDK's ImageSynthesisResult defaults `url` to "" for an item without one.
    assert dict(failed) == {"url": "", **FAILED_IMAGE}


def test_unknown_task_is_unknown_not_an_error(dashscope_sdk, emulator, sleeps):
    fetched = dashscope_sdk.ImageSynthesis.fetch("no-such-task")
    assert fetched.status_code == HTTPStatus.OK
    assert fetched.output.task_id == "no-such-task"
    assert fetched.output.task_status == "UNKNOWN"
    assert fetched.usage is None
    # UNKNOWN is terminal for BaseAsyncApi.wait: one poll, no pause.
    waited = dashscope_sdk.ImageSynthesis.wait("no-such-task")
    assert waited.output.task_status == "UNKNOWN"
    assert sleeps == []
    assert paths(emulator) == ["/api/v1/tasks/no-such-task"] * 2


@pytest.fixture
def own_emulator(dashscope_sdk, monkeypatch):
    """An emulator of this test's own, accepting two keys, with the 1.x SDK pointed at it: a task
    is private to the key that made it, and a listing sees only this test's tasks."""
    process = subprocess.Popen(
        [str(emulator_binary()), "--listen", "127.0.0.1:0", "--api-key", API_KEY, "--api-key", "sk-other"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        own = Emulator(process.stdout.readline().strip())
        monkeypatch.setattr(dashscope_sdk, "base_http_api_url", own.native_base)
        yield own
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_another_keys_task_is_unknown(dashscope_sdk, own_emulator):
    submitted = submit(dashscope_sdk)
    task_id = submitted.output.task_id
    theirs = dashscope_sdk.ImageSynthesis.fetch(task_id, api_key="sk-other")
    assert theirs.status_code == HTTPStatus.OK
    assert theirs.output.task_status == "UNKNOWN"
    refused = dashscope_sdk.ImageSynthesis.cancel(task_id, api_key="sk-other")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.code == "UnsupportedOperation"
    mine = dashscope_sdk.ImageSynthesis.fetch(task_id)
    assert mine.output.task_status == "PENDING", "neither look advanced the owner's task"
    listed = dashscope_sdk.ImageSynthesis.list(api_key="sk-other")
    assert listed.output["total"] == 0 and listed.output["data"] == []


def test_cancel_while_pending(dashscope_sdk, emulator, sleeps):
    submitted = submit(dashscope_sdk)
    canceled = dashscope_sdk.ImageSynthesis.cancel(submitted)
    assert canceled.status_code == HTTPStatus.OK
    assert canceled.code is None
    assert canceled.request_id
    task_id = submitted.output.task_id
    assert dashscope_sdk.ImageSynthesis.fetch(task_id).output.task_status == "CANCELED"
    # CANCELED is terminal for wait.
    assert dashscope_sdk.ImageSynthesis.wait(task_id).output.task_status == "CANCELED"
    assert sleeps == []
    assert paths(emulator) == [
        T2I,
        f"/api/v1/tasks/{task_id}/cancel",
        f"/api/v1/tasks/{task_id}",
        f"/api/v1/tasks/{task_id}",
    ]


@pytest.mark.parametrize("polls", [2, 3], ids=["running", "succeeded"])
def test_cancel_after_pending_is_refused(dashscope_sdk, polls):
    submitted = submit(dashscope_sdk)
    for _ in range(polls):
        status = dashscope_sdk.ImageSynthesis.fetch(submitted).output.task_status
    assert status == {2: "RUNNING", 3: "SUCCEEDED"}[polls]
    refused = dashscope_sdk.ImageSynthesis.cancel(submitted)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.code == "UnsupportedOperation"
    assert refused.message == CANCEL_REFUSED
    assert refused.request_id


def test_invalid_submits_answer_the_sdk_with_400(dashscope_sdk):
    too_many = dashscope_sdk.ImageSynthesis.async_call(model="wanx-v1", prompt=PROMPT, n=5)
    assert (too_many.status_code, too_many.code) == (400, "InvalidParameter")
    assert too_many.message == "n should be in [1, 4]"
    bad_size = dashscope_sdk.ImageSynthesis.async_call(model="wanx-v1", prompt=PROMPT, size="big")
    assert (bad_size.status_code, bad_size.message) == (400, "size is invalid, it should be like 1024*1024")
    no_model = dashscope_sdk.ImageSynthesis.async_call(model="qwen-plus", prompt=PROMPT)
    assert (no_model.status_code, no_model.message) == (400, "Model not exist.")


# ---------------------------------------------------------------------------------------------
# 1.x task list (`GET /api/v1/tasks`)


def test_list_tasks(dashscope_sdk, own_emulator):
    first = submit(dashscope_sdk, model="wanx-v1").output.task_id
    own_emulator.push_fault("task_fail=InvalidParameter")
    second = submit(dashscope_sdk, model="wanx2.1-t2i-turbo").output.task_id
    for _ in range(3):
        dashscope_sdk.ImageSynthesis.fetch(second)
    listed = dashscope_sdk.ImageSynthesis.list()
    assert listed.status_code == HTTPStatus.OK
    assert listed.request_id
    page = listed.output
    assert {k: v for k, v in page.items() if k != "data"} == {
        "total": 2,
        "total_page": 1,
        "page_no": 1,
        "page_size": 10,
    }
    assert [(t["task_id"], t["model_name"], t["status"]) for t in page["data"]] == [
        (second, "wanx2.1-t2i-turbo", "FAILED"),
        (first, "wanx-v1", "PENDING"),
    ], "newest first; listing reports the current state without advancing it"
    entry = page["data"][0]
    assert set(entry) == {
        "api_key_id", "caller_parent_id", "caller_uid", "end_time", "gmt_create", "model_name",
        "region", "request_id", "start_time", "status", "task_id", "user_api_unique_key",
    }  # fmt: skip
    assert entry["region"] == "cn-beijing"
    assert isinstance(entry["gmt_create"], int) and entry["gmt_create"] > 1_700_000_000_000
    assert entry["end_time"] >= entry["start_time"] >= entry["gmt_create"]
    assert page["data"][1]["end_time"] is None, "a PENDING task has not ended"
    assert dashscope_sdk.ImageSynthesis.fetch(first).output.task_status == "PENDING"
    assert paths(own_emulator)[-2] == "/api/v1/tasks"


def test_list_filters_and_pages(dashscope_sdk, own_emulator):
    ids = [submit(dashscope_sdk, model=m).output.task_id for m in ("wanx-v1", "wanx-v1", "wanx2.1-t2i-turbo")]
    dashscope_sdk.ImageSynthesis.cancel(ids[0])
    by_model = dashscope_sdk.ImageSynthesis.list(model_name="wanx-v1").output
    assert [t["task_id"] for t in by_model["data"]] == [ids[1], ids[0]]
    by_status = dashscope_sdk.ImageSynthesis.list(status="CANCELED").output
    assert [t["task_id"] for t in by_status["data"]] == [ids[0]]
    page2 = dashscope_sdk.ImageSynthesis.list(page_no=2, page_size=2).output
    assert (page2["total"], page2["total_page"], page2["page_no"], page2["page_size"]) == (3, 2, 2, 2)
    assert [t["task_id"] for t in page2["data"]] == [ids[0]]


# ---------------------------------------------------------------------------------------------
# 1.x ImageGeneration (wan2.6, messages protocol)


def test_image_generation_async_reads_choices(dashscope_sdk, emulator, sleeps):
    """wan2.6 tasks answer in the chat shape `output.choices[].message.content[].image`."""
    messages = [{"role": "user", "content": [{"text": PROMPT}]}]
    submitted = ImageGeneration.async_call(
        model="wan2.6-t2i", messages=messages, n=2, size="1280*1280"
    )
    assert submitted.status_code == HTTPStatus.OK
    assert submitted.output.task_status == "PENDING"
    done = ImageGeneration.wait(submitted)
    assert done.status_code == HTTPStatus.OK
    task_id = done.output.task_id
    assert done.output.task_status == "SUCCEEDED"
    assert done.output.finished is True
    images = [
        part["image"]
        for choice in done.output.choices
        for part in choice.message.content
        if part.get("type") == "image"
    ]
    assert images == [f"{emulator.root}/emulator/files/{task_id}-{i}.png" for i in range(2)]
    assert [c.finish_reason for c in done.output.choices] == ["stop", "stop"]
    assert done.usage.image_count == 2
    assert done.usage.size == "1280*1280"
    assert paths(emulator) == [IMAGE_GENERATION] + [f"/api/v1/tasks/{task_id}"] * 3
    assert png_size(download(images[1])) == (64, 64)


# ---------------------------------------------------------------------------------------------
# Synchronous image models on the multimodal endpoint (qwen-image-edit, wan2.6's sync form)

MULTIMODAL = "/api/v1/services/aigc/multimodal-generation/generation"
SOURCE_IMAGE = "https://example.com/source.png"


def sync_images(response) -> list[str]:
    return [
        part["image"]
        for choice in response.output.choices
        for part in choice.message.content
        if "image" in part
    ]


def test_image_edit_sync_through_multimodal_conversation(dashscope_sdk, emulator):
    """The shape of the captured `qwen-image-edit-sync.response.json`: one call, no task."""
    messages = [{"role": "user", "content": [{"image": SOURCE_IMAGE}, {"text": "make the sky red"}]}]
    response = dashscope_sdk.MultiModalConversation.call(
        model="qwen-image-edit", messages=messages, watermark=False
    )
    assert response.status_code == HTTPStatus.OK, response
    [choice] = response.output.choices
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    [url] = sync_images(response)
    assert url.startswith(f"{emulator.root}/emulator/files/sync-")
    assert response.usage["image_count"] == 1
    assert (response.usage["width"], response.usage["height"]) == (1024, 1024)
    assert paths(emulator) == [MULTIMODAL]
    assert emulator.requests()[0]["model"] == "qwen-image-edit"
    assert png_size(download(url)) == (64, 64)


def test_image_edit_sync_refuses_an_edit_without_an_image(dashscope_sdk):
    messages = [{"role": "user", "content": [{"text": "make the sky red"}]}]
    response = dashscope_sdk.MultiModalConversation.call(model="qwen-image-edit", messages=messages)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.code == "InvalidParameter"


def test_image_generation_sync_call_reads_choices(dashscope_sdk, emulator):
    """`ImageGeneration.call` without `is_async` posts to the multimodal endpoint."""
    messages = [{"role": "user", "content": [{"text": PROMPT}]}]
    response = ImageGeneration.call(model="wan2.6-t2i", messages=messages, n=2, size="1280*720")
    assert response.status_code == HTTPStatus.OK, response
    assert len(sync_images(response)) == 2
    assert response.usage.image_count == 2
    assert paths(emulator) == [MULTIMODAL]


# ---------------------------------------------------------------------------------------------
# 2.x dashscope.Client images


def test_v2_generate(ds_client, emulator):
    job = ds_client.images.generate(
        model="wanx2.1-t2i-turbo", prompt=PROMPT, n=2, size="1024x1024", poll_interval=0.01
    )
    assert job.succeeded and job.finished and job.status == "SUCCEEDED"
    assert job.image_urls == [f"{emulator.root}/emulator/files/{job.task_id}-{i}.png" for i in range(2)]
    assert job.usage.image_count == 2
    assert TIME.fullmatch(job.submitted_at) and TIME.fullmatch(job.finished_at)
    assert job.output["task_metrics"] == {"TOTAL": 2, "SUCCEEDED": 2, "FAILED": 0}
    assert paths(emulator) == [T2I] + [f"/api/v1/tasks/{job.task_id}"] * 3


def test_v2_jobs_create_fetch_wait(ds_client):
    job = ds_client.images.jobs.create(model="wanx-v1", prompt=PROMPT)
    assert job.status == "PENDING" and not job.finished
    assert ds_client.images.jobs.fetch(job.task_id).status == "PENDING"
    pauses: list[float] = []
    done = ds_client.images.jobs.wait(job.task_id, _sleep=pauses.append)
    assert done.status == "SUCCEEDED"
    assert len(done.image_urls) == 1
    assert pauses == [1.0], "one RUNNING poll between the first fetch and success"


def test_v2_wan26_goes_to_image_generation(ds_client, emulator):
    job = ds_client.images.jobs.create(model="wan2.6-t2i", prompt=PROMPT, n=1)
    done = ds_client.images.jobs.wait(job, _sleep=lambda _: None)
    assert done.image_urls == [f"{emulator.root}/emulator/files/{job.task_id}-0.png"]
    assert paths(emulator)[0] == IMAGE_GENERATION


def test_v2_failed_task_raises_with_its_code(ds_client, emulator):
    emulator.push_fault("task_fail=DataInspectionFailed")
    with pytest.raises(errors.DashScopeError) as caught:
        ds_client.images.generate(model="wanx-v1", prompt=PROMPT, poll_interval=0.01)
    assert caught.value.code == "DataInspectionFailed"
    assert caught.value.status_code == 200, "a task failure arrives inside HTTP 200"
    assert "The emulator was told to fail this wanx-v1 task." in str(caught.value)


def test_v2_unknown_task_is_finished_not_succeeded(ds_client):
    job = ds_client.images.jobs.fetch("no-such-task")
    assert (job.status, job.finished, job.succeeded) == ("UNKNOWN", True, False)
    assert ds_client.images.jobs.wait("no-such-task").status == "UNKNOWN"


def test_v2_cancel(ds_client):
    job = ds_client.images.jobs.create(model="wanx-v1", prompt=PROMPT)
    ds_client.images.jobs.cancel(job.task_id)
    assert ds_client.images.jobs.fetch(job.task_id).status == "CANCELED"
    other = ds_client.images.jobs.create(model="wanx-v1", prompt=PROMPT)
    ds_client.images.jobs.fetch(other.task_id)
    ds_client.images.jobs.fetch(other.task_id)  # RUNNING now
    with pytest.raises(errors.BadRequestError) as caught:
        ds_client.images.jobs.cancel(other.task_id)
    assert caught.value.status_code == 400
    assert caught.value.code == "UnsupportedOperation"


def test_v2_list_reads_the_page_but_not_the_entries(dashscope_sdk, own_emulator):
    """2.x `JobList` reads entries from `tasks`; the captured gateway body (reference §4.3,
    fixture `tasks-list.response.json`) puts them in `data`, which the emulator follows. So 2.x
    sees the counts and no entries: an SDK limitation, not an emulator one."""
    client = dashscope_sdk.Client(
        api_key=API_KEY, base_url=own_emulator.native_base, protocol="native", max_retries=0
    )
    ids = [client.images.jobs.create(model="wanx-v1", prompt=PROMPT).task_id for _ in range(2)]
    page = client.images.jobs.list(page_size=5)
    assert (page.total, page.page_no, page.page_size) == (2, 1, 5)
    assert page.tasks == []
    assert page.request_id
    assert len(ids) == 2

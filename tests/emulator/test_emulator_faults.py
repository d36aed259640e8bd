"""The emulator's fault injection, rate limiter, request log and admin API, as a client
sees them over loopback (raw httpx, so nothing of the connector's own retry logic hides
what the server did)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import httpx
import pytest

from connector.emulator.options import FAULT_KINDS, SCRIPTED_ONLY_FAULT_KINDS
from connector.emulator.testing import EmulatorError, EmulatorServer


@pytest.fixture
def http(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{emulator.base_url}/v2/users/{emulator.user_id}/apps/{emulator.app_id}",
        headers={"Authorization": f"Key {emulator.pat}"},
        timeout=10.0,
    ) as client:
        yield client


def _datasets(emulator: EmulatorServer) -> list[str]:
    return emulator.admin.snapshot()[f"{emulator.user_id}/{emulator.app_id}"]["datasets"]


def _post_dataset(http: httpx.Client, dataset_id: str, **kwargs) -> httpx.Response:
    return http.post("/datasets", json={"datasets": [{"id": dataset_id}]}, **kwargs)


def test_http_503_html_looks_like_a_proxy_page(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("http_503_html", rpc="ListDatasets")
    response = http.get("/datasets")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "503" in response.text and "<html>" in response.text
    assert http.get("/datasets").status_code == 200  # the script was used up


def test_http_500_internal_has_a_clarifai_status_body(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("http_500_internal", count=1)
    response = http.get("/datasets")
    assert response.status_code == 500
    status = response.json()["status"]
    assert status["code"] == 98004  # INTERNAL_SERVER_ISSUE
    assert status["req_id"]


def test_http_429_with_and_without_retry_after(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("http_429", retry_after=3)
    first = http.get("/datasets")
    assert first.status_code == 429
    assert first.headers["retry-after"] == "3"
    assert first.json()["status"]["code"] == 11005
    emulator.admin.script_fault("http_429")
    second = http.get("/datasets")
    assert second.status_code == 429
    assert "retry-after" not in second.headers


def test_status_as_names_applies_to_fault_bodies(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_options(status_as_names=True)
    emulator.admin.script_fault("http_429")
    assert http.get("/datasets").json()["status"]["code"] == "CONN_THROTTLED"
    assert emulator.admin.requests()[-1]["code"] == "CONN_THROTTLED"


def test_reset_cuts_the_connection_before_any_byte_and_applies_nothing(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    emulator.admin.script_fault("reset", rpc="PostDatasets")
    with pytest.raises(httpx.TransportError) as caught:
        _post_dataset(http, "cut")
    assert not isinstance(caught.value, httpx.TimeoutException)
    assert _datasets(emulator) == []
    entry = emulator.admin.requests()[-1]
    assert entry["fault"] == "reset" and entry["http_status"] is None and entry["mutated"] is False
    # the server is fine afterwards, and the same client reconnects
    assert _post_dataset(http, "cut").status_code == 200
    assert _datasets(emulator) == ["cut"]


def test_applied_then_dropped_commits_the_write_but_the_client_sees_no_answer(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    emulator.admin.script_fault("applied_then_dropped", method="POST")
    with pytest.raises(httpx.TransportError):
        _post_dataset(http, "ghost")
    assert _datasets(emulator) == ["ghost"]
    (entry,) = emulator.admin.mutations()
    assert entry["fault"] == "applied_then_dropped"
    assert entry["rpc"] == "PostDatasets"
    assert entry["http_status"] is None
    # retrying the same create now meets "already exists"
    again = _post_dataset(http, "ghost")
    assert again.status_code == 400


def test_lost_write_answers_success_and_applies_nothing(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("lost_write", rpc="PostDatasets")
    answer = _post_dataset(http, "never")
    assert answer.status_code == 200
    assert answer.json()["status"]["code"] == 10000 and "datasets" not in answer.json()
    assert _datasets(emulator) == []
    (entry,) = emulator.admin.requests()
    assert entry["fault"] == "lost_write" and entry["http_status"] == 200 and entry["mutated"] is False
    assert emulator.admin.faults()["scripted"] == []  # used up: the next write takes
    assert _post_dataset(http, "never").status_code == 200
    assert _datasets(emulator) == ["never"]


def test_lost_write_is_never_drawn_at_random(emulator: EmulatorServer) -> None:
    assert "lost_write" in SCRIPTED_ONLY_FAULT_KINDS and "lost_write" not in FAULT_KINDS
    with pytest.raises(EmulatorError, match="a scripted fault only"):
        emulator.admin.set_faults(lost_write=0.5)
    with pytest.raises(EmulatorError, match="a scripted fault only"):
        emulator.admin.set_faults(rates={"lost_write": 0.5})
    assert emulator.admin.faults()["rates"].get("lost_write") is None


def test_hang_holds_the_answer_past_the_client_timeout(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("hang", rpc="PostDatasets")
    with pytest.raises(httpx.ReadTimeout):
        _post_dataset(http, "slow", timeout=0.3)
    # the client gave up before the hang ended: nothing was applied, the server still serves
    assert http.get("/datasets").status_code == 200
    assert _datasets(emulator) == []
    for _ in range(100):  # the server logs the held request once it sees the client leave
        entries = emulator.admin.requests()
        if len(entries) == 2:
            break
        time.sleep(0.02)
    assert [e["fault"] for e in entries] == ["hang", None]  # in arrival order
    assert entries[0]["http_status"] is None and entries[0]["mutated"] is False


def test_a_short_hang_still_answers(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_faults(hang_seconds=0.05)
    emulator.admin.script_fault("hang", rpc="PostDatasets")
    assert _post_dataset(http, "late").status_code == 200
    assert _datasets(emulator) == ["late"]
    entry = emulator.admin.requests()[-1]
    assert entry["fault"] == "hang" and entry["mutated"] is True


def test_scripted_faults_fail_only_the_next_n_matching_requests(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("http_500_internal", count=2, method="GET", path_regex=r"/datasets$")
    assert http.get("/inputs").status_code == 200  # does not match the path
    assert _post_dataset(http, "a").status_code == 200  # does not match the method
    assert [http.get("/datasets").status_code for _ in range(3)] == [500, 500, 200]
    assert emulator.admin.faults()["scripted"] == []


def test_scripted_faults_are_consumed_in_order(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.script_fault("http_429", count=1, rpc="ListDatasets")
    emulator.admin.script_fault("http_503_html", count=1, rpc="ListDatasets")
    assert [http.get("/datasets").status_code for _ in range(3)] == [429, 503, 200]


def test_random_faults_are_reproducible_from_the_seed(emulator: EmulatorServer, http: httpx.Client) -> None:
    def pattern() -> list[int]:
        emulator.admin.set_faults(random_seed=7, http_500_internal=0.5)
        return [http.get("/datasets").status_code for _ in range(24)]

    first = pattern()
    emulator.admin.clear_faults()
    second = pattern()
    assert first == second
    assert set(first) == {200, 500}


def test_fault_rate_mixes_every_kind(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_faults(fault_rate=1.0, hang_seconds=0.01, random_seed=3)
    for _ in range(40):
        with contextlib.suppress(httpx.TransportError):
            http.get("/datasets")
    faults = [entry["fault"] for entry in emulator.admin.requests()]
    assert len(faults) == 40 and None not in faults
    assert set(faults) == set(FAULT_KINDS)


def test_latency_delays_every_api_request(emulator: EmulatorServer, http: httpx.Client, monkeypatch) -> None:
    # The session emulator serves from a thread of this process: record the waits the
    # fault middleware asks for (no wall-clock measurement).
    from connector.emulator import faults as faults_module

    real_asyncio = faults_module.asyncio
    waits: list[float] = []

    class RecordingAsyncio:
        def __getattr__(self, name):
            return getattr(real_asyncio, name)

        @staticmethod
        async def sleep(delay, *args, **kwargs):
            waits.append(delay)
            return await real_asyncio.sleep(delay, *args, **kwargs)

    monkeypatch.setattr(faults_module, "asyncio", RecordingAsyncio())
    emulator.admin.set_faults(latency_ms=150, latency_jitter_ms=10)
    assert emulator.admin.faults()["latency_ms"] == 150
    assert http.get("/datasets").status_code == 200
    assert http.get("/datasets/nope").status_code == 404
    latency = [w for w in waits if w]
    assert len(latency) == 2 and all(0.15 <= w <= 0.16 for w in latency), waits
    emulator.admin.clear_faults()
    assert emulator.admin.faults()["latency_ms"] == 0
    waits.clear()
    assert http.get("/datasets").status_code == 200
    assert [w for w in waits if w] == []


def test_rate_limit_throttles_a_burst_per_account(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_rate_limit(0.1, burst=2)  # one new token every 10 s
    answers = [http.get("/datasets") for _ in range(5)]
    assert [r.status_code for r in answers[:2]] == [200, 200]
    throttled = [r for r in answers if r.status_code == 429]
    assert len(throttled) >= 2
    for response in throttled:
        assert response.json()["status"]["code"] == 11005
        assert "retry-after" not in response.headers
    # another account has its own bucket; the admin API is never throttled
    emulator.admin.add_pat("second-key")
    other = httpx.get(http.base_url.join("datasets"), headers={"Authorization": "Key second-key"})
    assert other.status_code == 200
    assert emulator.admin.health()["status"] == "ok"
    emulator.admin.set_rate_limit(0)
    assert http.get("/datasets").status_code == 200


def test_request_log_records_each_api_request(emulator: EmulatorServer, http: httpx.Client) -> None:
    http.get("/datasets", params={"page": 2, "per_page": 5})
    _post_dataset(http, "logged")
    http.get("/datasets/nope")
    emulator.admin.snapshot()  # admin calls are not logged
    entries = emulator.admin.requests()
    assert [e["rpc"] for e in entries] == ["ListDatasets", "PostDatasets", "GetDataset"]
    listing, post, missing = entries
    assert listing["method"] == "GET" and listing["query"] == "page=2&per_page=5"
    assert listing["http_status"] == 200 and listing["code"] == 10000 and listing["mutated"] is False
    assert post["mutated"] is True and post["path"].endswith("/datasets")
    assert missing["http_status"] == 404 and missing["fault"] is None
    assert set(listing) == {"seq", "time", "method", "path", "query", "rpc", "http_status", "code", "mutated", "fault"}
    assert listing["seq"] < post["seq"] < missing["seq"]
    assert [e["rpc"] for e in emulator.admin.requests(since=post["seq"])] == ["GetDataset"]
    assert [e["rpc"] for e in emulator.admin.mutations()] == ["PostDatasets"]
    emulator.admin.clear_requests()
    assert emulator.admin.requests() == []


def test_request_log_is_bounded(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_options(request_log_size=3)
    for _ in range(5):
        http.get("/datasets")
    seqs = [e["seq"] for e in emulator.admin.requests()]
    assert len(seqs) == 3 and seqs == sorted(seqs)


def test_admin_reset_restores_the_start(emulator: EmulatorServer, http: httpx.Client) -> None:
    _post_dataset(http, "before-reset")
    emulator.admin.set_faults(latency_ms=5, fault_rate=0.5, http_429=0.2)
    emulator.admin.script_fault("reset", count=3)
    emulator.admin.set_rate_limit(1)
    emulator.admin.set_options(status_as_names=True)
    emulator.admin.reset(seed="empty")
    assert _datasets(emulator) == []
    assert emulator.admin.requests() == []
    faults = emulator.admin.faults()
    assert faults["latency_ms"] == 0 and faults["fault_rate"] == 0 and faults["scripted"] == []
    assert set(faults["rates"].values()) == {0.0}
    assert emulator.admin.options()["status_as_names"] is False
    assert emulator.admin.options()["rate_limit"] == 0
    assert [http.get("/datasets").status_code for _ in range(5)] == [200] * 5
    # options given to reset apply on top of the start options, until the next reset
    emulator.admin.reset(seed="empty", status_as_names=True)
    assert http.get("/datasets").json()["status"]["code"] == "SUCCESS"
    assert emulator.options.status_as_names is True


def test_admin_rejects_bad_input_without_changing_anything(emulator: EmulatorServer) -> None:
    with pytest.raises(EmulatorError, match="unknown fault kind"):
        emulator.admin.script_fault("meteor")
    with pytest.raises(EmulatorError, match="between 0 and 1"):
        emulator.admin.set_faults(fault_rate=2)
    with pytest.raises(EmulatorError, match="unknown emulator option"):
        emulator.admin.set_options(colour="blue")
    with pytest.raises(EmulatorError, match="unknown emulator option"):
        emulator.admin.reset(seed="empty", latency_ms=5, colour="blue")
    with pytest.raises(EmulatorError, match="cannot change"):
        emulator.admin.set_options(port=1)
    assert emulator.admin.faults()["fault_rate"] == 0
    assert emulator.admin.faults()["scripted"] == []
    assert emulator.admin.options()["latency_ms"] == 0


def test_admin_fails_a_dataset_version(emulator: EmulatorServer, http: httpx.Client) -> None:
    assert _post_dataset(http, "ds").status_code == 200
    created = http.post("/datasets/ds/versions", json={"dataset_versions": [{"id": "v1"}]})
    assert created.status_code == 200, created.text
    emulator.admin.fail_dataset_version("ds", "v1")
    version = http.get("/datasets/ds/versions/v1").json()["dataset_version"]
    assert version["status"]["code"] == 64020  # DATASET_VERSION_FAILURE
    with pytest.raises(EmulatorError, match="404"):
        emulator.admin.fail_dataset_version("ds", "missing")


def test_admin_pats_limit_apps(emulator: EmulatorServer, http: httpx.Client) -> None:
    url = http.base_url.join("datasets")
    assert httpx.get(url, headers={"Authorization": "Key unknown-key"}).status_code == 401
    emulator.admin.add_pat("other-app-only", apps=["elsewhere"])
    assert httpx.get(url, headers={"Authorization": "Key other-app-only"}).status_code in (401, 403)
    emulator.admin.add_pat("this-app", apps=[emulator.app_id])
    assert httpx.get(url, headers={"Authorization": "Key this-app"}).status_code == 200


def test_admin_moves_a_task_along(emulator: EmulatorServer, http: httpx.Client) -> None:
    assert _post_dataset(http, "to-label").status_code == 200
    assert http.post("/concepts", json={"concepts": [{"id": "cat", "name": "cat"}]}).status_code == 200
    task = {
        "id": "t1",
        "type": "CONCEPTS_CLASSIFICATION",
        "worker": {"strategy": "FULL"},
        "concept_ids": ["cat"],
        "input_source": {"type": "DATASET", "id": "to-label"},
    }
    created = http.post("/tasks", json={"tasks": [task]})
    assert created.status_code == 200, created.text
    emulator.admin.set_task_progress("t1", status="TASK_DONE", work_percent=100)
    assert http.get("/tasks/t1").json()["task"]["status"]["code"] == 54002  # TASK_DONE
    with pytest.raises(EmulatorError, match="404"):
        emulator.admin.set_task_progress("no-such-task", status="TASK_DONE")
    with pytest.raises(EmulatorError, match="unknown field"):
        emulator.admin._call("POST", f"/tasks/{emulator.user_id}/{emulator.app_id}/t1/progress", json={"colour": 1})


def _task_status(http: httpx.Client, task_id: str) -> tuple[int, int, int]:
    task = http.get(f"/tasks/{task_id}").json()["task"]
    metrics = task.get("metrics", {})
    return (
        task["status"]["code"],
        metrics.get("work", {}).get("inputs_percent_estimated", 0),
        metrics.get("review", {}).get("inputs_percent_estimated", 0),
    )


def test_tasks_progress_over_time_when_task_work_seconds_is_set(emulator: EmulatorServer, http: httpx.Client) -> None:
    assert _post_dataset(http, "to-label").status_code == 200
    base = {
        "type": "CONCEPTS_CLASSIFICATION",
        "worker": {"strategy": "FULL"},
        "concept_ids": ["cat"],
        "input_source": {"type": "DATASET", "id": "to-label"},
    }
    tasks = [
        {**base, "id": "plain"},
        {**base, "id": "reviewed", "review": {"strategy": "MANUAL", "user_ids": ["demo"]}},
        {**base, "id": "held"},
    ]
    # off by default: nothing moves without the admin API
    assert http.post("/tasks", json={"tasks": [tasks[0]]}).status_code == 200
    time.sleep(0.05)
    assert _task_status(http, "plain") == (54001, 0, 0)  # TASK_IN_PROGRESS
    assert http.request("DELETE", "/tasks", json={"ids": ["plain"]}).status_code == 200

    emulator.admin.set_options(task_work_seconds=0.3)
    assert http.post("/tasks", json={"tasks": tasks}).status_code == 200
    emulator.admin.set_task_progress("held", work_percent=10)  # set by the admin API: time leaves it alone
    seen: dict[str, list[tuple[int, int, int]]] = {"plain": [], "reviewed": []}
    for _ in range(300):  # bounded poll until both are done
        for task_id in seen:
            seen[task_id].append(_task_status(http, task_id))
        if all(history[-1][0] == 54002 for history in seen.values()):
            break
        time.sleep(0.01)
    for task_id, history in seen.items():
        assert history[-1][0] == 54002, (task_id, history[-5:])  # TASK_DONE
        works = [w for _, w, _ in history]
        reviews = [r for _, _, r in history]
        assert works == sorted(works) and reviews == sorted(reviews), history
        assert any(0 < w < 100 for w in works), "progress jumps straight to the end"
    assert seen["plain"][-1] == (54002, 100, 0)
    assert seen["reviewed"][-1] == (54002, 100, 100)
    # review only starts once the work is complete
    assert all(w == 100 for _, w, r in seen["reviewed"] if r > 0)
    assert any(code == 54001 and w == 100 for code, w, _ in seen["reviewed"])
    assert _task_status(http, "held") == (54001, 10, 0)
    counts = http.get("/tasks/plain/inputs/count").json()["counts"]
    assert [c["pending"] for c in counts] == [0]


def test_task_work_seconds_flag_and_option_are_validated(emulator: EmulatorServer) -> None:
    with pytest.raises(EmulatorError, match="must not be negative"):
        emulator.admin.set_options(task_work_seconds=-1)
    from click.testing import CliRunner

    from connector.emulator.command import emulator as command
    from connector.emulator.command import options_from_flags

    assert "--task-work-seconds" in CliRunner().invoke(command, ["--help"]).output
    assert CliRunner().invoke(command, ["--task-work-seconds", "-2"]).exit_code == 2
    assert options_from_flags(task_work_seconds=12.5).task_work_seconds == 12.5


ADMIN = "/_emulator"


#: (verb, admin path, body, HTTP status, text the error must contain)
BAD_ADMIN_CALLS = [
    ("POST", "/reset", b"notjson", 400, "not valid JSON"),
    ("POST", "/reset", b"[]", 400, "JSON object"),
    ("POST", "/reset", b'{"seed": "lots"}', 400, "seed must be"),
    ("POST", "/reset", b'{"seed_inputs": -1}', 400, "seed_inputs"),
    ("PUT", "/faults", b'{"fault_rate": 2}', 400, "between 0 and 1"),
    ("PUT", "/faults", b'{"rates": {"meteor": 0.1}}', 400, "unknown fault kind"),
    ("PUT", "/faults", b'{"rates": [1]}', 400, "rates must be"),
    ("PUT", "/faults", b'{"latency_ms": "slow"}', 400, "latency_ms"),
    ("POST", "/faults/script", b'{"count": 1}', 400, "kind is required"),
    ("POST", "/faults/script", b'{"kind": "reset", "count": 0}', 400, "at least 1"),
    ("POST", "/faults/script", b'{"kind": "reset", "count": "x"}', 400, "integer"),
    ("POST", "/faults/script", b'{"kind": "reset", "path_regex": "("}', 400, "regular expression"),
    ("POST", "/faults/script", b'{"kind": "reset", "rpc": "ListDataset"}', 400, "did you mean ListDatasets"),
    ("POST", "/faults/script", b'{"kind": "reset", "method": "FETCH"}', 400, "HTTP verb"),
    ("POST", "/faults/script", b'{"kind": "reset", "retry_after": -1}', 400, "retry_after"),
    ("POST", "/faults/script", b'{"kind": "reset", "colour": 1}', 400, "unknown field"),
    ("PUT", "/rate_limit", b"{}", 400, "rate"),
    ("PUT", "/rate_limit", b'{"rate": -1}', 400, "negative"),
    ("PUT", "/rate_limit", b'{"rate": 1, "burst": 0}', 400, "burst"),
    ("PATCH", "/options", b'{"pat": ""}', 400, "must not be empty"),
    ("PATCH", "/options", b'{"extra_pats": {"k": "app"}}', 400, "extra_pats"),
    ("PATCH", "/options", b'{"request_log_size": 0}', 400, "at least 1"),
    ("PATCH", "/options", b'{"status_as_names": "yes"}', 400, "true or false"),
    ("POST", "/tasks/demo/demo/nope/progress", b"{}", 404, "task 'nope' does not exist"),
    ("POST", "/tasks/someone/demo/nope/progress", b"{}", 404, "user 'someone'"),
    ("POST", "/dataset_versions/demo/demo/ds/v/fail", b"{}", 404, "ds/v does not exist"),
    ("POST", "/tasks/demo/demo/t1/progress", b'{"work_percent": "half"}', 400, "0 to 100"),
    ("POST", "/tasks/demo/demo/t1/progress", b'{"work_percent": 150}', 400, "0 to 100"),
    ("POST", "/tasks/demo/demo/t1/progress", b'{"status": "SUCCESS", "work_percent": 50}', 400, "TASK_DONE"),
    ("POST", "/dataset_versions/demo/demo/ds/v1/fail", b'{"status": "NOPE"}', 400, "DATASET_VERSION_FAILURE"),
    ("POST", "/pats", b"{}", 400, "pat is required"),
    ("POST", "/pats", b'{"pat": "k", "apps": "one"}', 400, "list of app ids"),
    ("GET", "/requests?since=x", None, 400, "since"),
    ("GET", "/requests?mutated=maybe", None, 400, "true or false"),
    ("DELETE", "/health", None, 405, "not allowed"),
    ("GET", "", None, 404, "no admin endpoint"),
    ("GET", "/nothing-here", None, 404, "no admin endpoint"),
]


def test_admin_bad_input_answers_a_json_error_and_changes_nothing(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_options(version_pending_seconds=0, version_in_progress_seconds=0)  # v1 is READY at once
    assert _post_dataset(http, "ds").status_code == 200
    assert http.post("/datasets/ds/versions", json={"dataset_versions": [{"id": "v1"}]}).status_code == 200
    task = {
        "id": "t1",
        "type": "CONCEPTS_CLASSIFICATION",
        "concept_ids": ["cat"],
        "input_source": {"type": "DATASET", "id": "ds"},
    }
    assert http.post("/tasks", json={"tasks": [task]}).status_code == 200
    before = (
        emulator.admin.options(),
        emulator.admin.faults(),
        emulator.admin.snapshot(),
        http.get("/tasks/t1").json()["task"],
    )
    for verb, path, body, status, needle in BAD_ADMIN_CALLS:
        response = httpx.request(verb, f"{emulator.base_url}{ADMIN}{path}", content=body, timeout=10)
        case = f"{verb} {path} {body!r}: {response.status_code} {response.text[:200]}"
        assert response.status_code == status, case
        assert response.headers["content-type"].startswith("application/json"), case
        assert needle in response.json()["error"], case
    assert (
        emulator.admin.options(),
        emulator.admin.faults(),
        emulator.admin.snapshot(),
        http.get("/tasks/t1").json()["task"],
    ) == before


def test_admin_changes_the_accepted_pat_at_once(emulator: EmulatorServer, http: httpx.Client) -> None:
    url = http.base_url.join("datasets")
    emulator.admin.set_options(pat="rotated-key")
    assert httpx.get(url, headers={"Authorization": "Key rotated-key"}).status_code == 200
    assert http.get("/datasets").status_code == 401  # the key it started with
    emulator.admin.set_options(extra_pats={"reader": []})
    assert httpx.get(url, headers={"Authorization": "Key reader"}).status_code == 200

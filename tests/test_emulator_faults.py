"""The emulator's fault injection, rate limiter, request log and admin API, as a client
sees them over loopback (raw httpx, so nothing of the connector's own retry logic hides
what the server did)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from connector.emulator.options import FAULT_KINDS
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
        try:
            http.get("/datasets")
        except httpx.TransportError:
            pass
    faults = [entry["fault"] for entry in emulator.admin.requests()]
    assert len(faults) == 40 and None not in faults
    assert set(faults) == set(FAULT_KINDS)


def test_latency_delays_every_api_request(emulator: EmulatorServer, http: httpx.Client) -> None:
    emulator.admin.set_faults(latency_ms=150, latency_jitter_ms=10)
    assert emulator.admin.faults()["latency_ms"] == 150
    started = time.monotonic()
    assert http.get("/datasets").status_code == 200
    # a lower bound only: the server must have waited at least the configured latency
    assert time.monotonic() - started >= 0.15
    emulator.admin.clear_faults()
    assert emulator.admin.faults()["latency_ms"] == 0


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

"""The emulator's route table, request parsing, in-memory state, lazy lifecycles and
demo seeding, tested directly and through the ASGI app (no server needed)."""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest

with warnings.catch_warnings():
    # starlette warns at import that its test client prefers another httpx package.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from connector.emulator.api import build_api
from connector.emulator.backend.objects import apply_patch
from connector.emulator.backend.state import EmulatorState
from connector.emulator.backend.statuses import code_name
from connector.emulator.options import DEV_PAT, EmulatorOptions
from connector.emulator.routing import (
    RequestParseError,
    build_request_message,
    route_table,
)
from connector.routes import ROUTES

H = {"Authorization": f"Key {DEV_PAT}"}
BASE = "/v2/users/demo/apps/demo"


def make_state(**kw) -> EmulatorState:
    return EmulatorState(EmulatorOptions(seed=kw.pop("seed", "empty"), seed_inputs=kw.pop("seed_inputs", 0), **kw))


# -- routing ---------------------------------------------------------------------------------


def _fill(template: str) -> str:
    return re.sub(r"\{([^}=]+)(=[^}]*)?\}", lambda m: "x" + m.group(1).replace(".", "_"), template)


def test_every_binding_matches_back_to_its_method():
    table = route_table()
    assert len(table.templates) > 400
    wrong = []
    for t in table.templates:
        m = table.match(t.verb, _fill(t.path))
        if m is None or (m.template != t.path and m.method.name != t.method.name):
            wrong.append((t.verb, t.path, m and m.method.name))
    assert not wrong, wrong[:5]


def test_long_form_of_every_route_the_connector_calls_is_official():
    table = route_table()
    for name, route in ROUTES.items():
        paths = {t.path for t in table.bindings(name)}
        long_form = route.path.replace("{user_id}", "{user_app_id.user_id}").replace("{app_id}", "{user_app_id.app_id}")
        assert long_form in paths, name
        for short in (p for p in paths if not p.startswith("/v2/users/")):
            assert table.match(route.verb, _fill(short)).method.name == name


def test_literal_segments_beat_variables():
    table = route_table()
    m = table.match("GET", "/v2/users/u/apps/a/inputs/jobs/add")
    assert m.method.name == "ListInputsAddJobs"
    m = table.match("GET", "/v2/users/u/apps/a/inputs/some-id")
    assert m.method.name == "GetInput" and m.path_params["input_id"] == "some-id"
    m = table.match("GET", "/v2/users/u/apps/a/datasets/d/versions/v")
    assert m.path_params == {
        "user_app_id.user_id": "u",
        "user_app_id.app_id": "a",
        "dataset_id": "d",
        "dataset_version_id": "v",
    }
    assert table.match("GET", "/v2/users/u/apps/a/nothing-here") is None


def test_build_request_message_maps_query_path_and_body():
    table = route_table()
    m = table.match("GET", "/v2/users/u/apps/a/datasets/d/versions")
    msg = build_request_message(
        m, [("page", "2"), ("per_page", "10"), ("request_origins", "TRAINING"), ("request_origins", "MANUAL")], None
    )
    assert msg.user_app_id.user_id == "u" and msg.dataset_id == "d" and msg.page == 2 and msg.per_page == 10
    assert len(msg.request_origins) == 2
    m = table.match("GET", "/v2/users/u/apps/a/inputs")
    msg = build_request_message(m, [("status.code", "30000"), ("ids", "a"), ("ids", "b")], None)
    assert list(msg.ids) == ["a", "b"] and msg.status.code == 30000
    m = table.match("POST", "/v2/users/u/apps/a/datasets")
    msg = build_request_message(m, [], {"datasets": [{"id": "d1", "metadata": {"k": 1}}]})
    assert msg.datasets[0].id == "d1"


@pytest.mark.parametrize(
    ("verb", "path", "query", "body", "needle"),
    [
        ("GET", "/v2/users/u/apps/a/datasets", [("nope", "1")], None, "nope"),
        ("GET", "/v2/users/u/apps/a/datasets", [("page", "x")], None, "page"),
        ("GET", "/v2/users/u/apps/a/datasets", [("sort_ascending", "maybe")], None, "sort_ascending"),
        ("GET", "/v2/users/u/apps/a/datasets/d/versions", [("request_origins", "SOMETIMES")], None, "request_origins"),
        ("POST", "/v2/users/u/apps/a/datasets", [], {"datasets": [{"id": "d", "bogus": 1}]}, "bogus"),
        ("POST", "/v2/users/u/apps/a/datasets", [], {"datasets": "not-a-list"}, "datasets"),
    ],
)
def test_build_request_message_errors_name_the_field(verb, path, query, body, needle):
    m = route_table().match(verb, path)
    with pytest.raises(RequestParseError) as exc:
        build_request_message(m, query, body)
    assert needle in exc.value.details


# -- state -------------------------------------------------------------------------------------


def test_reset_empty_has_only_user_and_app():
    s = make_state()
    snap = s.snapshot()
    assert list(snap) == ["demo/demo"]
    assert snap["demo/demo"]["inputs"] == [] and snap["demo/demo"]["datasets"] == []
    with pytest.raises(ValueError, match="unknown seed 'bogus'"):
        s.reset(seed="bogus")


def test_seed_demo_100k_inputs_counts():
    s = make_state(seed="demo", seed_inputs=100_000)
    a = s.app_data("demo", "demo")
    assert len(a.inputs) == 100_000
    assert "img-000001" in a.inputs and "img-100000" in a.inputs
    assert sum(len(d) for d in a.dataset_inputs.values()) == 100_000
    assert set(a.datasets) == {"cats-dogs", "products", "street-scenes"}
    assert len(a.annotations) == 90_000
    concepts = [a.annotations[x]["data"]["concepts"][0]["id"] for x in list(a.annotations)[:5000]]
    assert concepts.count("cat") > concepts.count("bike") * 5  # skewed
    # Classification data as the API stores it: the concept on the input and as an annotation.
    labeled = [i for i in a.inputs.values() if i["data"].get("concepts")]
    assert len(labeled) == 90_000
    first = a.annotations[a.ann_by_input["img-000001"][0]]["data"]["concepts"]
    assert a.inputs["img-000001"]["data"]["concepts"] == first
    # Group keys: every input shows a subject shared with a few others of its dataset.
    subjects = [i["data"]["metadata"]["subject"] for i in a.inputs.values()]
    assert len(subjects) == 100_000 and 10_000 < len(set(subjects)) < 50_000
    assert sum(1 for i in a.inputs.values() if "group" in i["data"]["metadata"]) == 20_000
    statuses = {s_["status"] for s_ in s.snapshot()["demo/demo"]["dataset_versions"]["cats-dogs"]}
    statuses |= {s_["status"] for s_ in s.snapshot()["demo/demo"]["dataset_versions"]["products"]}
    assert {
        "DATASET_VERSION_READY",
        "DATASET_VERSION_FAILURE",
        "DATASET_VERSION_PENDING",
        "DATASET_VERSION_IN_PROGRESS",
    } <= statuses
    origins = {v.get("request_origin") for vs in a.versions.values() for v in vs.values()}
    assert {"TRAINING", "EVAL_GROUND_TRUTH", "MANUAL"} <= origins
    assert any(v.get("metadata") == {"pinned": True} for vs in a.versions.values() for v in vs.values())
    for versions in a.model_versions.values():
        for mv in versions.values():
            ds = mv["train_info"]["dataset"]
            assert ds["version"]["id"] in a.versions[ds["id"]]
    assert len({t["status"]["code"] for t in a.tasks.values()}) >= 3
    assert a.workflows and a.collaborators and a.bulk_ops


def test_seed_showcase_is_the_demo_app_plus_a_month_of_history():
    demo = make_state(seed="demo", seed_inputs=2000).snapshot()["demo/demo"]
    s = make_state(seed="showcase", seed_inputs=2000, version_pending_seconds=0, version_in_progress_seconds=0)
    s.tick()
    snap = s.snapshot()["demo/demo"]
    # Every object of the demo seed is there, unchanged.
    for kind in ("inputs", "annotations", "concepts", "workflows", "collaborators"):
        assert snap[kind] == demo[kind], kind
    for dataset_id in ("cats-dogs", "products", "street-scenes"):
        assert snap["dataset_inputs"][dataset_id] == demo["dataset_inputs"][dataset_id]
        assert snap["dataset_versions"][dataset_id] == demo["dataset_versions"][dataset_id]
    assert {t["id"] for t in demo["tasks"]} < {t["id"] for t in snap["tasks"]}
    a = s.app_data("demo", "demo")
    # The added datasets are made of demo inputs.
    street, products = set(a.dataset_inputs["street-scenes"]), list(a.dataset_inputs["products"])
    assert (
        set(a.dataset_inputs["traffic-cams"]) < street and len(a.dataset_inputs["traffic-cams"]) == 3 * len(street) // 4
    )
    assert set(a.dataset_inputs["shelf-audit"]) < set(products)
    # Version histories: statuses stay put, each failure kind once, models trained on some.
    statuses = {v["id"]: v["status"] for v in snap["dataset_versions"]["traffic-cams"]}
    assert len(statuses) == 14 and statuses["tc-night-14"] == "DATASET_VERSION_IN_PROGRESS"
    assert statuses["tc-night-04"] == "DATASET_VERSION_FAILURE"
    assert statuses["tc-night-09"] == "DATASET_VERSION_UNEXPECTED_ERROR"
    assert sum(1 for v in statuses.values() if v == "DATASET_VERSION_READY") == 11
    weeks = {v["id"]: v["status"] for v in snap["dataset_versions"]["shelf-audit"]}
    assert sorted(weeks) == [f"sa-week-{n}" for n in range(1, 6)] and weeks["sa-week-2"] == "DATASET_VERSION_FAILURE"
    trained = {
        (mv["train_info"]["dataset"]["id"], mv["train_info"]["dataset"]["version"]["id"])
        for versions in a.model_versions.values()
        for mv in versions.values()
    }
    assert {("traffic-cams", "tc-night-06"), ("traffic-cams", "tc-night-11"), ("shelf-audit", "sa-week-1")} <= trained
    # Versions are dated over the past weeks, oldest first.
    created = [a.versions["traffic-cams"][f"tc-night-{n:02d}"]["created_at"] for n in range(1, 15)]
    assert created == sorted(created) and created[0] < created[-1]
    # The old products split drifted: inputs in neither target, and a dozen in both.
    train, test = set(a.dataset_inputs["products-train"]), set(a.dataset_inputs["products-test"])
    assert len(train & test) == 12
    assert 0 < len(set(products) - train - test) <= len(products) // 10 + 1
    # Tasks in every state, one of them unchanged for 12 days.
    codes = {t["id"]: t["status"] for t in snap["tasks"]}
    assert {"TASK_IN_PROGRESS", "TASK_DONE", "TASK_IDLE", "TASK_FAILED", "TASK_WONT_DO"} <= set(codes.values())
    modified = datetime.fromisoformat(a.tasks["label-traffic"]["modified_at"].replace("Z", "+00:00"))
    assert timedelta(days=11) < datetime.now(UTC) - modified < timedelta(days=13)


def test_seeded_versions_stay_in_their_status_over_time():
    s = make_state(seed="demo", seed_inputs=50, version_pending_seconds=0, version_in_progress_seconds=0)
    s.tick()
    a = s.app_data("demo", "demo")
    assert a.versions["products"]["pr-v3"]["status"]["code"] == 64005
    assert a.versions["products"]["pr-v2"]["status"]["code"] == 64010


def test_snapshot_is_deterministic_and_has_no_timestamps():
    def run() -> dict:
        s = make_state(bulk_operation_seconds=0, version_pending_seconds=0, version_in_progress_seconds=0)
        c = TestClient(build_api(s))
        c.post(f"{BASE}/datasets", headers=H, json={"datasets": [{"id": "d"}]})
        c.post(f"{BASE}/inputs", headers=H, json={"inputs": [{"id": f"i{n}"} for n in range(5)]})
        c.post(
            f"{BASE}/datasets/d/inputs",
            headers=H,
            json={"dataset_inputs": [{"input": {"id": f"i{n}"}} for n in range(5)]},
        )
        c.post(f"{BASE}/datasets/d/versions", headers=H, json={"dataset_versions": [{"id": "v"}]})
        return s.snapshot()

    one, two = run(), run()
    assert one == two
    text = json.dumps(one)
    assert "created_at" not in text and "modified_at" not in text
    v = one["demo/demo"]["dataset_versions"]["d"][0]
    assert v["status"] == "DATASET_VERSION_READY" and v["metrics"]["/"]["inputs_count"] == "5"
    assert one["demo/demo"]["dataset_inputs"]["d"] == [f"i{n}" for n in range(5)]


def test_lifecycle_reads_options_at_run_time():
    s = make_state(version_pending_seconds=3600, version_in_progress_seconds=3600)
    c = TestClient(build_api(s))
    c.post(f"{BASE}/datasets", headers=H, json={"datasets": [{"id": "d"}]})
    c.post(f"{BASE}/datasets/d/versions", headers=H, json={"dataset_versions": [{"id": "v"}]})
    get = lambda: c.get(f"{BASE}/datasets/d/versions/v", headers=H).json()["dataset_version"]["status"]["code"]  # noqa: E731
    assert get() == 64005
    s.options.version_pending_seconds = 0
    assert get() == 64010
    s.options.version_in_progress_seconds = 0
    assert get() == 64015


def test_admin_helpers_raise_for_missing_objects():
    s = make_state()
    with pytest.raises(KeyError):
        s.set_task_progress("nope", work_percent=10)
    with pytest.raises(KeyError):
        s.fail_dataset_version("nope", "v")


def test_mutated_flag_only_for_changes():
    s = make_state()
    app = build_api(s)
    seen = {}

    async def spy(scope, receive, send):
        await app(scope, receive, send)
        seen[scope["method"]] = (scope.get("emulator.rpc"), scope.get("emulator.mutated"))

    c = TestClient(spy)
    c.get(f"{BASE}/datasets", headers=H)
    c.post(f"{BASE}/datasets", headers=H, json={"datasets": [{"id": "d"}]})
    assert seen == {"GET": ("ListDatasets", False), "POST": ("PostDatasets", True)}
    c.post(f"{BASE}/datasets", headers=H, json={"datasets": [{"id": "d"}]})
    assert seen["POST"] == ("PostDatasets", False)


def test_validate_mode_records_a_violation():
    from connector.emulator import handlers

    s = make_state(validate_responses=True)
    c = TestClient(build_api(s))
    original = handlers.HANDLERS["ListConcepts"]
    handlers.HANDLERS["ListConcepts"] = lambda ctx: {"concepts": [{"id": "c", "not_a_field": 1}]}
    try:
        r = c.get(f"{BASE}/concepts", headers=H)
    finally:
        handlers.HANDLERS["ListConcepts"] = original
    assert r.status_code == 500
    assert s.violations and s.violations[0]["rpc"] == "ListConcepts" and "not_a_field" in s.violations[0]["error"]


def test_validate_mode_checks_the_body_as_sent_in_names_mode():
    """With status codes as names, what is checked is the converted body, and the 500
    that replaces a broken answer is in names mode as well."""
    from connector.emulator import handlers

    s = make_state(validate_responses=True, status_as_names=True)
    c = TestClient(build_api(s))
    original = handlers.HANDLERS["ListConcepts"]
    handlers.HANDLERS["ListConcepts"] = lambda ctx: {"concepts": [{"id": "c", "colour": 1}]}
    try:
        r = c.get(f"{BASE}/concepts", headers=H)
    finally:
        handlers.HANDLERS["ListConcepts"] = original
    assert r.status_code == 500 and r.json()["status"]["code"] == "INTERNAL_UNCATEGORIZED"
    assert s.violations and "colour" in s.violations[0]["error"]
    r = c.get(f"{BASE}/concepts", headers=H)  # the real handler, in names mode, is valid
    assert r.status_code == 200 and r.json()["status"]["code"] == "SUCCESS"
    # a status the names conversion missed (code not its first key) is caught too
    handlers.HANDLERS["ListConcepts"] = lambda ctx: {"concepts": [], "status": {"description": "Ok", "code": 10000}}
    try:
        r = c.get(f"{BASE}/concepts", headers=H)
    finally:
        handlers.HANDLERS["ListConcepts"] = original
    assert r.status_code == 500 and "as a number in names mode" in s.violations[-1]["error"]
    r = c.get(f"{BASE}/nothing-here", headers=H)  # no official route: checked as a bare status answer
    assert r.status_code == 404 and r.json()["status"]["code"] == "CONN_DOES_NOT_EXIST"
    assert len(s.violations) == 2


def test_names_mode_converts_nested_statuses_without_touching_the_state():
    s = make_state(status_as_names=True)
    c = TestClient(build_api(s))
    c.post(f"{BASE}/inputs", headers=H, json={"inputs": [{"id": "i1", "data": {"image": {"url": "https://x/i1.jpg"}}}]})
    r = c.post(
        f"{BASE}/inputs",
        headers=H,
        json={
            "inputs": [
                {"id": "i1", "data": {"image": {"url": "https://x/i1.jpg"}}},
                {"id": "i2", "data": {"image": {"url": "https://x/i2.jpg"}}},
            ]
        },
    )
    body = r.json()
    assert body["status"]["code"] == "MIXED_STATUS"
    assert next(i.get("status", {}).get("code") for i in body["inputs"]) == "INPUT_DUPLICATE"
    assert isinstance(s.app_data("demo", "demo").inputs["i1"]["status"]["code"], int)  # stored as numbers


def test_task_progress_over_time_is_computed_from_creation():
    """``task_work_seconds``: work 0 -> 100% over that time, then review (for a reviewed
    task) as long again, then TASK_DONE; a task the admin API moved stays put."""
    s = make_state(task_work_seconds=10.0)
    c = TestClient(build_api(s))
    c.post(f"{BASE}/datasets", headers=H, json={"datasets": [{"id": "d"}]})
    base = {"type": "CONCEPTS_CLASSIFICATION", "concept_ids": ["x"], "input_source": {"type": "DATASET", "id": "d"}}
    c.post(
        f"{BASE}/tasks",
        headers=H,
        json={"tasks": [{**base, "id": "t"}, {**base, "id": "r", "review": {"strategy": "CONSENSUS"}}]},
    )
    a = s.app_data("demo", "demo")

    def at(elapsed: float) -> dict:  # each task `elapsed` seconds after its own creation
        for task_id, meta in a.task_meta.items():
            s.advance_task(a, task_id, meta, meta["t0"] + elapsed, 10.0)
        return {
            i: (code_name(a.tasks[i]["status"]["code"]), a.task_meta[i]["work"], a.task_meta[i]["review"])
            for i in ("t", "r")
        }

    assert at(2.5) == {"t": ("TASK_IN_PROGRESS", 25, 0), "r": ("TASK_IN_PROGRESS", 25, 0)}
    assert a.tasks["t"]["metrics"]["work"]["inputs_percent_estimated"] == 25
    assert at(10.0) == {"t": ("TASK_DONE", 100, 0), "r": ("TASK_IN_PROGRESS", 100, 0)}
    assert at(15.0)["r"] == ("TASK_IN_PROGRESS", 100, 50)
    assert at(20.0)["r"] == ("TASK_DONE", 100, 100)
    s.set_task_progress("t", status="TASK_IN_PROGRESS", work_percent=30)
    assert at(99.0)["t"] == ("TASK_IN_PROGRESS", 30, 0)


def test_apply_patch_actions():
    obj = {"id": "a", "metadata": {"x": 1, "y": {"z": 2}}, "tags": ["a"]}
    apply_patch(obj, {"id": "b", "metadata": {"y": {"w": 3}}, "tags": ["b"]}, "merge")
    assert obj == {"id": "a", "metadata": {"x": 1, "y": {"z": 2, "w": 3}}, "tags": ["a", "b"]}
    apply_patch(obj, {"metadata": {"y": {"z": 0}}, "tags": ["a"]}, "remove")
    assert obj == {"id": "a", "metadata": {"x": 1, "y": {"w": 3}}, "tags": ["b"]}
    apply_patch(obj, {"metadata": {"only": True}}, "overwrite")
    assert obj["metadata"] == {"only": True}


def test_large_page_served_from_asgi_app():
    s = make_state(seed="demo", seed_inputs=3000)
    c = TestClient(build_api(s))
    ids = []
    for page in range(1, 5):
        items = c.get(f"{BASE}/inputs", headers=H, params={"page": page, "per_page": 1000}).json().get("inputs", [])
        ids += [i["id"] for i in items]
    assert len(ids) == 3000 == len(set(ids))
    assert ids[0] == "img-003000" and ids[-1] == "img-000001"

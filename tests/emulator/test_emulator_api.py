"""The emulator's API over real HTTP: auth, routing, request validation, errors,
pagination, lifecycles and batch semantics (docs/architecture.md, "Emulator semantics").

Every test runs against the session emulator (``validate_responses=True``), and the
``emulator`` fixture fails a test whose responses broke their official message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from connector.emulator.handlers import HANDLERS
from connector.emulator.routing import route_table, validate_response

BASE = "/v2/users/demo/apps/demo"


@pytest.fixture
def http(emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, headers={"Authorization": f"Key {emulator.pat}"}, timeout=10) as c:
        yield c


def code_of(r: httpx.Response) -> int:
    return r.json()["status"]["code"]


def wait_for(fn, *, attempts: int = 200, delay: float = 0.02):
    """Poll ``fn`` until it returns a truthy value (bounded)."""
    for _ in range(attempts):
        value = fn()
        if value:
            return value
        time.sleep(delay)
    raise AssertionError("condition not reached")


def post_inputs(http: httpx.Client, ids: list[str], **extra) -> httpx.Response:
    return http.post(
        f"{BASE}/inputs",
        json={"inputs": [{"id": i, "data": {"image": {"url": f"https://example.com/{i}.jpg"}}} for i in ids], **extra},
    )


def make_dataset(http: httpx.Client, ds_id: str, n_inputs: int = 0, prefix: str | None = None) -> list[str]:
    assert http.post(f"{BASE}/datasets", json={"datasets": [{"id": ds_id}]}).status_code == 200
    ids = [f"{prefix or ds_id}-{n:03d}" for n in range(n_inputs)]
    if ids:
        assert post_inputs(http, ids).status_code == 200
        r = http.post(f"{BASE}/datasets/{ds_id}/inputs", json={"dataset_inputs": [{"input": {"id": i}} for i in ids]})
        assert code_of(r) == 10000
    return ids


# -- auth ------------------------------------------------------------------------------


def test_missing_and_wrong_key_are_401_conn_key_invalid(emulator):
    with httpx.Client(base_url=emulator.base_url) as c:
        r = c.get(f"{BASE}/datasets")
        assert r.status_code == 401 and code_of(r) == 11008
        assert "Authorization" in r.json()["status"]["details"]
        r = c.get(f"{BASE}/datasets", headers={"Authorization": "Key not-a-real-key"})
        assert r.status_code == 401 and code_of(r) == 11008
        assert "not-a-real-key" not in r.text


def test_key_without_access_to_the_app_is_403(emulator, http):
    assert http.post("/v2/users/demo/apps", json={"apps": [{"id": "other"}]}).status_code == 200
    emulator.admin.add_pat("limited-key", ["other"])
    with httpx.Client(base_url=emulator.base_url, headers={"Authorization": "Key limited-key"}) as c:
        r = c.get(f"{BASE}/datasets")
        assert r.status_code == 403 and code_of(r) == 11007
        assert "demo" in r.json()["status"]["details"]
        assert c.get("/v2/users/demo/apps/other/datasets").status_code == 200
        assert c.post("/v2/datasets", json={"datasets": [{"id": "mine"}]}).json()["datasets"][0]["app_id"] == "other"
        apps = c.get("/v2/users/demo/apps").json()["apps"]
        assert [a["id"] for a in apps] == ["other"]
        r = c.get("/v2/users/someone-else/apps/other/datasets")
        assert r.status_code == 403 and code_of(r) == 11007


# -- routing and validation --------------------------------------------------------------


def test_unknown_body_field_is_rejected_naming_it(http):
    r = http.post(f"{BASE}/datasets", json={"datasets": [{"id": "d1", "colour": "red"}]})
    assert r.status_code == 400 and code_of(r) == 11102
    assert "colour" in r.json()["status"]["details"]
    assert http.get(f"{BASE}/datasets/d1").status_code == 404


def test_unknown_query_parameter_and_bad_type_are_rejected(http):
    r = http.get(f"{BASE}/datasets", params={"colour": "red"})
    assert r.status_code == 400 and "colour" in r.json()["status"]["details"]
    r = http.get(f"{BASE}/datasets", params={"page": "two"})
    assert r.status_code == 400 and "page" in r.json()["status"]["details"]


def test_malformed_json_is_400_bad_request_format(http):
    r = http.post(f"{BASE}/datasets", content=b'{"datasets": [', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and code_of(r) == 11100
    assert "JSON" in r.json()["status"]["details"]


@pytest.mark.parametrize("per_page", ["1001", "-1"])
def test_per_page_out_of_range_is_400(http, per_page):
    r = http.get(f"{BASE}/inputs", params={"per_page": per_page})
    assert r.status_code == 400 and code_of(r) == 11102
    assert "per_page" in r.json()["status"]["details"]


def test_unimplemented_method_answers_json_not_html(http):
    table = route_table()
    target = next(
        t
        for t in table.templates
        if t.verb == "GET"
        and t.method.name not in HANDLERS
        and "{" not in t.path.replace("{user_app_id.user_id}", "").replace("{user_app_id.app_id}", "")
        and t.path.startswith("/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/")
    )
    path = target.path.replace("{user_app_id.user_id}", "demo").replace("{user_app_id.app_id}", "demo")
    r = http.get(path)
    assert r.headers["content-type"].startswith("application/json")
    assert r.status_code == 501 and code_of(r) == 40036
    assert target.method.name in r.json()["status"]["details"]


def test_unknown_path_is_json_404(http):
    r = http.get("/v2/users/demo/apps/demo/no-such-thing")
    assert r.status_code == 404 and code_of(r) == 11101
    assert r.headers["content-type"].startswith("application/json")


def test_an_unsupported_http_verb_answers_json_not_plain_text(http):
    r = http.request("TRACE", f"{BASE}/datasets")
    assert r.status_code == 404 and code_of(r) == 11101
    assert r.headers["content-type"].startswith("application/json")
    assert "TRACE" in r.json()["status"]["details"]


def test_long_and_short_route_forms_reach_the_same_app(http):
    assert http.post("/v2/datasets", json={"datasets": [{"id": "short"}]}).status_code == 200
    r = http.get(f"{BASE}/datasets/short")
    assert r.status_code == 200 and r.json()["dataset"]["id"] == "short"
    assert r.json()["dataset"]["app_id"] == "demo"
    assert http.get("/v2/app").json()["app"]["id"] == "demo"
    assert [d["id"] for d in http.get("/v2/datasets").json()["datasets"]] == ["short"]


def test_request_id_in_body_and_header(http):
    r1, r2 = http.get(f"{BASE}/datasets"), http.get(f"{BASE}/datasets")
    assert r1.headers["X-Clarifai-Request-ID"] == r1.json()["status"]["req_id"]
    assert r1.json()["status"]["req_id"] != r2.json()["status"]["req_id"]


def test_status_codes_as_names(emulator, http):
    make_dataset(http, "ds", 1)
    emulator.admin.set_options(status_as_names=True)
    r = http.get(f"{BASE}/inputs")
    assert r.json()["status"]["code"] == "SUCCESS"
    # 30000/30001 have two names each; protobuf's JSON (the official client) writes the first
    assert r.json()["inputs"][0]["status"]["code"] in ("INPUT_PENDING", "INPUT_SUCCESS")
    r = http.get(f"{BASE}/datasets/missing")
    assert r.status_code == 404 and r.json()["status"]["code"] == "CONN_DOES_NOT_EXIST"
    emulator.admin.set_options(status_as_names=False)
    assert code_of(http.get(f"{BASE}/inputs")) == 10000


# -- pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "per_page", "sizes"), [(0, 5, [0]), (1, 5, [1, 0]), (5, 5, [5, 0]), (12, 5, [5, 5, 2]), (3, None, [3])]
)
def test_pagination(http, n, per_page, sizes):
    ids = [f"p-{k:03d}" for k in range(n)]
    if ids:
        assert code_of(post_inputs(http, ids)) == 10000
    seen: list[str] = []
    for page, size in enumerate(sizes, start=1):
        params = {"page": page} | ({"per_page": per_page} if per_page else {})
        items = http.get(f"{BASE}/inputs", params=params).json().get("inputs", [])
        assert len(items) == size
        seen += [i["id"] for i in items]
    assert seen == list(reversed(ids))  # newest first, stable across pages


def test_default_page_size_is_128(http):
    ids = [f"q-{k:03d}" for k in range(130)]
    assert code_of(post_inputs(http, ids)) == 10000
    assert len(http.get(f"{BASE}/inputs").json()["inputs"]) == 128
    assert len(http.get(f"{BASE}/inputs", params={"page": 2}).json()["inputs"]) == 2


# -- not found, deletes, duplicates ------------------------------------------------------------


def test_not_found_answers(http):
    assert code_of(http.get(f"{BASE}/datasets/nope")) == 11101
    make_dataset(http, "ds")
    r = http.get(f"{BASE}/datasets/ds/versions/nope")
    assert r.status_code == 404 and "nope" in r.json()["status"]["details"]
    assert http.get(f"{BASE}/inputs/nope").status_code == 404
    assert http.get(f"{BASE}/tasks/nope").status_code == 404
    assert http.get("/v2/users/demo/apps/no-app/datasets").status_code == 404


def test_delete_with_missing_ids_deletes_the_rest_and_names_the_missing(http):
    http.post(f"{BASE}/datasets", json={"datasets": [{"id": "a"}, {"id": "b"}]})
    r = http.request("DELETE", f"{BASE}/datasets", json={"dataset_ids": ["a", "ghost"]})
    assert r.status_code == 404 and code_of(r) == 11101 and "ghost" in r.json()["status"]["details"]
    assert [d["id"] for d in http.get(f"{BASE}/datasets").json()["datasets"]] == ["b"]


def test_duplicate_inputs_mixed_status_then_all_failed(http):
    assert code_of(post_inputs(http, ["i1"])) == 10000
    r = post_inputs(http, ["i1", "i2"])
    assert r.status_code == 200 and code_of(r) == 10010
    by_id = {i["id"]: i for i in r.json()["inputs"]}
    assert by_id["i1"]["status"]["code"] == 30100
    assert by_id["i2"]["status"]["code"] in (30000, 30001)
    r = post_inputs(http, ["i1", "i2"])
    assert r.status_code == 400 and code_of(r) == 30100
    assert [i["status"]["code"] for i in r.json()["inputs"]] == [30100, 30100]
    assert len(http.get(f"{BASE}/inputs").json()["inputs"]) == 2


def test_duplicate_dataset_is_all_or_nothing(http):
    http.post(f"{BASE}/datasets", json={"datasets": [{"id": "a"}]})
    r = http.post(f"{BASE}/datasets", json={"datasets": [{"id": "new"}, {"id": "a"}]})
    assert r.status_code == 400 and code_of(r) == 40010 and "a" in r.json()["status"]["details"]
    assert http.get(f"{BASE}/datasets/new").status_code == 404


def test_dataset_input_duplicates(http):
    ids = make_dataset(http, "ds", 2)
    post_inputs(http, ["extra"])
    r = http.post(
        f"{BASE}/datasets/ds/inputs", json={"dataset_inputs": [{"input": {"id": ids[0]}}, {"input": {"id": "extra"}}]}
    )
    assert code_of(r) == 10010
    assert r.json()["dataset_inputs"][0]["input"]["status"]["code"] == 64101
    r = http.get(f"{BASE}/datasets/ds/inputs")
    assert sorted(d["input"]["id"] for d in r.json()["dataset_inputs"]) == sorted([*ids, "extra"])
    assert "created_at" in r.json()["dataset_inputs"][0]
    r = http.request("DELETE", f"{BASE}/datasets/ds/inputs", json={"input_ids": ["extra"]})
    assert r.status_code == 200
    assert http.get(f"{BASE}/datasets/ds/inputs/extra").status_code == 404
    assert http.get(f"{BASE}/inputs/extra").status_code == 200  # the input itself stays


def test_batch_where_every_item_names_a_missing_input_is_404_with_items(http):
    make_dataset(http, "ds")
    r = http.post(
        f"{BASE}/datasets/ds/inputs",
        json={"dataset_inputs": [{"input": {"id": "ghost-1"}}, {"input": {"id": "ghost-2"}}]},
    )
    assert r.status_code == 404 and code_of(r) == 11101
    assert [d["input"]["status"]["code"] for d in r.json()["dataset_inputs"]] == [11101, 11101]
    assert "ghost-1" in r.json()["status"]["details"]
    r = http.patch(
        f"{BASE}/datasets", json={"datasets": [{"id": "ds", "description": "x"}, {"id": "ghost"}], "action": "merge"}
    )
    assert r.status_code == 404 and "ghost" in r.json()["status"]["details"]
    assert "description" not in http.get(f"{BASE}/datasets/ds").json()["dataset"]  # the patch failed whole


def test_patch_merge_and_remove_metadata(http):
    http.post(f"{BASE}/datasets", json={"datasets": [{"id": "a", "metadata": {"x": 1}}]})
    r = http.patch(f"{BASE}/datasets", json={"datasets": [{"id": "a", "metadata": {"y": 2}}], "action": "merge"})
    assert r.json()["datasets"][0]["metadata"] == {"x": 1, "y": 2}
    r = http.patch(f"{BASE}/datasets", json={"datasets": [{"id": "a", "metadata": {"x": 1}}], "action": "remove"})
    assert r.json()["datasets"][0]["metadata"] == {"y": 2}
    assert http.patch(f"{BASE}/datasets", json={"datasets": [{"id": "zz"}], "action": "merge"}).status_code == 404


# -- lifecycles ------------------------------------------------------------------------------


def test_dataset_version_lifecycle_and_snapshot_metrics(emulator, http):
    make_dataset(http, "ds", 3)
    r = http.post(f"{BASE}/datasets/ds/versions", json={"dataset_versions": [{"id": "v1", "metadata": {"k": "v"}}]})
    v = r.json()["dataset_versions"][0]
    assert v["status"]["code"] == 64005 and v["request_origin"] == "MANUAL"
    assert v["metrics"]["/"]["inputs_count"] == "3"
    seen = {64005}

    def ready():
        st = http.get(f"{BASE}/datasets/ds/versions/v1").json()["dataset_version"]["status"]["code"]
        seen.add(st)
        return st == 64015

    wait_for(ready)
    assert seen <= {64005, 64010, 64015}
    post_inputs(http, ["late"])
    http.post(f"{BASE}/datasets/ds/inputs", json={"dataset_inputs": [{"input": {"id": "late"}}]})
    got = http.get(f"{BASE}/datasets/ds/versions/v1").json()["dataset_version"]
    assert got["metrics"]["/"]["inputs_count"] == "3" and got["metadata"] == {"k": "v"}
    # duplicate id
    r = http.post(f"{BASE}/datasets/ds/versions", json={"dataset_versions": [{"id": "v1"}]})
    assert r.status_code == 400 and code_of(r) == 40010
    # server-chosen id and request origin filter
    r = http.post(f"{BASE}/datasets/ds/versions", json={"dataset_versions": [{"request_origin": "TRAINING"}]})
    new_id = r.json()["dataset_versions"][0]["id"]
    assert new_id and new_id != "v1"
    r = http.get(f"{BASE}/datasets/ds/versions", params={"request_origins": "TRAINING"})
    assert [x["id"] for x in r.json()["dataset_versions"]] == [new_id]
    emulator.admin.fail_dataset_version("ds", new_id)
    assert http.get(f"{BASE}/datasets/ds/versions/{new_id}").json()["dataset_version"]["status"]["code"] == 64020


def test_inputs_add_job_completes(http):
    r = post_inputs(http, ["j1", "j2"], inputs_add_job_id="job-1")
    assert r.json()["inputs_add_job"]["id"] == "job-1"
    wait_for(lambda: http.get(f"{BASE}/inputs/jobs/add/job-1").json()["inputs_add_job"]["status"]["code"] == 64002)
    job = http.get(f"{BASE}/inputs/jobs/add/job-1").json()["inputs_add_job"]
    assert job["progress"]["success_count"] == "2"
    assert http.get(f"{BASE}/inputs/j1").json()["input"]["status"]["code"] == 30000
    assert [j["id"] for j in http.get(f"{BASE}/inputs/jobs/add").json()["inputs_add_jobs"]] == ["job-1"]


def test_bulk_split_completes_once_and_splits_disjointly(http):
    ids = make_dataset(http, "all", 20)
    make_dataset(http, "train")
    make_dataset(http, "test")
    op = {
        "id": "split-1",
        "dataset": {"id": "all"},
        "operation": {
            "split_into_datasets": {
                "method": "RANDOM_PERCENTAGE_SPLIT",
                "dataset_splits": [
                    {"dataset": {"id": "train"}, "percentage": 80},
                    {"dataset": {"id": "test"}, "percentage": 20},
                ],
            }
        },
    }
    r = http.post(f"{BASE}/bulk_operations", json={"bulk_operations": [op]})
    assert r.status_code == 200 and r.json()["bulk_operation"][0]["status"]["code"] in (25402, 25403)
    wait_for(lambda: http.get(f"{BASE}/bulk_operations/split-1").json()["bulk_operation"]["status"]["code"] == 25400)
    train = {d["input"]["id"] for d in http.get(f"{BASE}/datasets/train/inputs").json()["dataset_inputs"]}
    test = {d["input"]["id"] for d in http.get(f"{BASE}/datasets/test/inputs").json()["dataset_inputs"]}
    assert len(train) == 16 and len(test) == 4 and not train & test and train | test == set(ids)
    # polling again does not apply the split twice
    http.get(f"{BASE}/bulk_operations/split-1")
    assert len(http.get(f"{BASE}/datasets/train/inputs").json()["dataset_inputs"]) == 16
    # duplicate id, then delete (terminal)
    r = http.post(f"{BASE}/bulk_operations", json={"bulk_operations": [op]})
    assert r.status_code == 400 and code_of(r) == 40010
    assert http.request("DELETE", f"{BASE}/bulk_operations", json={"ids": ["split-1"]}).status_code == 200


def test_bulk_split_rejects_bad_percentages(http):
    make_dataset(http, "all", 2)
    make_dataset(http, "train")
    op = {
        "dataset": {"id": "all"},
        "operation": {"split_into_datasets": {"dataset_splits": [{"dataset": {"id": "train"}, "percentage": 70}]}},
    }
    r = http.post(f"{BASE}/bulk_operations", json={"bulk_operations": [op]})
    assert r.status_code == 400 and code_of(r) == 25404 and "100" in r.json()["status"]["details"]
    assert http.get(f"{BASE}/bulk_operations").json()["bulk_operation"] == []


def test_bulk_cancel_stops_the_effect_and_running_ops_cannot_be_deleted(emulator, http):
    emulator.admin.set_options(bulk_operation_seconds=30)
    ids = make_dataset(http, "src", 3)
    make_dataset(http, "dst")
    op = {"id": "b1", "input_ids": {"input_ids": ids}, "operation": {"add_to_dataset": {"dataset_id": "dst"}}}
    http.post(f"{BASE}/bulk_operations", json={"bulk_operations": [op]})
    r = http.request("DELETE", f"{BASE}/bulk_operations", json={"ids": ["b1"]})
    assert r.status_code == 400 and "b1" in r.json()["status"]["details"]
    r = http.patch(f"{BASE}/bulk_operations", json={"ids": ["b1"]})
    assert r.json()["bulk_operation"][0]["status"]["code"] == 25405
    emulator.admin.set_options(bulk_operation_seconds=0)
    assert http.get(f"{BASE}/bulk_operations/b1").json()["bulk_operation"]["status"]["code"] == 25405
    assert http.get(f"{BASE}/datasets/dst/inputs").json()["dataset_inputs"] == []


def test_task_lifecycle_and_counts(emulator, http):
    make_dataset(http, "ds", 10)
    task = {
        "id": "t1",
        "type": "CONCEPTS_CLASSIFICATION",
        "concept_ids": ["cat"],
        "input_source": {"type": "DATASET", "id": "ds"},
        "worker": {
            "strategy": "PARTITIONED",
            "user_ids": ["demo", "w2"],
            "partitioned_strategy_info": {"type": "EVENLY", "workers_per_input": 1},
        },
        "review": {"strategy": "MANUAL", "user_ids": ["demo"]},
    }
    r = http.post(f"{BASE}/tasks", json={"tasks": [task]})
    t = r.json()["tasks"][0]
    assert t["status"]["code"] == 54001 and t["metrics"]["work"]["inputs_count_estimated"] == "10"
    emulator.admin.set_task_progress("t1", work_percent=60, review_percent=50)
    got = http.get(f"{BASE}/tasks/t1").json()["task"]
    assert got["metrics"]["work"]["inputs_percent_estimated"] == 60
    assert got["metrics"]["review"]["inputs_percent_estimated"] == 50
    counts = http.get(f"{BASE}/tasks/t1/inputs/count").json()["counts"]
    assert {c["user_id"] for c in counts} == {"demo", "w2"}
    assert sum(c["pending"] + c["success"] + c["awaiting_review"] for c in counts) == 10
    assert sum(c["pending"] for c in counts) == 4
    http.post(
        f"{BASE}/annotations",
        json={
            "annotations": [
                {
                    "input_id": "ds-000",
                    "task_id": "t1",
                    "user_id": "w2",
                    "data": {"concepts": [{"id": "cat", "value": 1}]},
                },
                {
                    "input_id": "ds-001",
                    "task_id": "t1",
                    "user_id": "w2",
                    "status": {"code": "ANNOTATION_AWAITING_REVIEW"},
                    "data": {"concepts": [{"id": "cat", "value": 1}]},
                },
            ]
        },
    )
    counts = {c["user_id"]: c for c in http.get(f"{BASE}/tasks/t1/annotations/count").json()["counts"]}
    assert counts["w2"]["success"] == 1 and counts["w2"]["awaiting_review"] == 1 and counts["demo"]["success"] == 0
    r = http.patch(f"{BASE}/tasks", json={"tasks": [{"id": "t1", "name": "renamed"}], "action": "merge"})
    assert r.json()["tasks"][0]["name"] == "renamed" and r.json()["tasks"][0]["concept_ids"] == ["cat"]
    emulator.admin.set_task_progress("t1", status="TASK_DONE")
    assert http.get(f"{BASE}/tasks/t1").json()["task"]["status"]["code"] == 54002
    r = http.post(
        f"{BASE}/tasks", json={"tasks": [{**task, "id": "t2", "input_source": {"type": "DATASET", "id": "missing"}}]}
    )
    assert r.status_code == 400 and "missing" in r.json()["status"]["details"]
    assert http.request("DELETE", f"{BASE}/tasks", json={"ids": ["t1"]}).status_code == 200
    assert http.get(f"{BASE}/tasks/t1").status_code == 404


def test_models_workflows_collaborators(http):
    make_dataset(http, "ds", 1)
    http.post(f"{BASE}/datasets/ds/versions", json={"dataset_versions": [{"id": "v1"}]})
    r = http.post(f"{BASE}/models", json={"model": {"id": "m1", "model_type_id": "visual-classifier"}})
    assert r.json()["model"]["id"] == "m1"
    assert code_of(http.post(f"{BASE}/models", json={"model": {"id": "m1"}})) == 40010
    r = http.post(
        f"{BASE}/models/m1/versions",
        json={"model_versions": [{"id": "mv1", "train_info": {"dataset": {"id": "ds", "version": {"id": "v1"}}}}]},
    )
    assert r.json()["model"]["model_version"]["id"] == "mv1"
    mv = http.get(f"{BASE}/models/m1/versions/mv1").json()["model_version"]
    assert mv["train_info"]["dataset"]["version"]["id"] == "v1"
    assert http.get(f"{BASE}/models/nope").status_code == 404
    assert code_of(http.post(f"{BASE}/workflows", json={"workflows": [{"id": "w"}]})) == 10000
    assert code_of(http.post(f"{BASE}/workflows", json={"workflows": [{"id": "w"}]})) == 22100
    assert http.get(f"{BASE}/workflows/w").json()["workflow"]["id"] == "w"
    r = http.post(f"{BASE}/collaborators", json={"collaborators": [{"user": {"id": "bob"}, "scopes": ["All"]}]})
    assert r.json()["collaborators"][0]["id"] == "bob"
    assert [c["id"] for c in http.get(f"{BASE}/collaborators").json()["collaborators"]] == ["bob"]
    assert http.request("DELETE", f"{BASE}/collaborators", json={"collaborator_ids": ["bob"]}).status_code == 200


def test_missing_workflow_is_workflow_does_not_exist(http):
    r = http.get(f"{BASE}/workflows/nope")
    assert r.status_code == 404
    assert code_of(r) == 22102  # WORKFLOW_DOES_NOT_EXIST
    assert "'nope'" in r.json()["status"]["details"]


def test_every_response_parses_into_its_official_message(emulator, http):
    """Client-side check on top of the server's validate mode: each body parses."""
    emulator.admin.reset(seed="demo", seed_inputs=40)
    table = route_table()
    paths = [
        "/v2/users/demo/apps",
        "/v2/app",
        f"{BASE}/datasets",
        f"{BASE}/datasets/cats-dogs",
        f"{BASE}/datasets/cats-dogs/versions",
        f"{BASE}/datasets/cats-dogs/versions/cd-v4",
        f"{BASE}/datasets/cats-dogs/inputs",
        f"{BASE}/inputs",
        f"{BASE}/inputs/img-000001",
        f"{BASE}/annotations",
        f"{BASE}/concepts",
        f"{BASE}/concepts/cat",
        f"{BASE}/tasks",
        f"{BASE}/tasks/label-pets",
        f"{BASE}/tasks/label-pets/inputs/count",
        f"{BASE}/tasks/review-products/annotations/count",
        f"{BASE}/bulk_operations",
        f"{BASE}/bulk_operations/bulk-tag-street",
        f"{BASE}/models",
        f"{BASE}/models/pets-classifier",
        f"{BASE}/models/pets-classifier/versions",
        f"{BASE}/workflows",
        f"{BASE}/collaborators",
        f"{BASE}/inputs/jobs/add",
        f"{BASE}/datasets/missing",
    ]
    for path in paths:
        r = http.get(path)
        match = table.match("GET", path)
        assert match is not None
        assert r.status_code in (200, 404), (path, r.text[:300])
        assert validate_response(match.method, r.json()) is None, path
    assert emulator.admin.violations() == []


def test_patch_with_unknown_action_changes_nothing(http):
    make_dataset(http, "ds", 0)
    before = http.get(f"{BASE}/datasets/ds").json()["dataset"]
    r = http.patch(f"{BASE}/datasets", json={"datasets": [{"id": "ds", "description": "new"}], "action": "bogus"})
    assert r.status_code == 400
    assert code_of(r) == 11102  # CONN_INVALID_REQUEST
    assert "action must be one of merge, overwrite, remove" in r.json()["status"]["details"]
    assert http.get(f"{BASE}/datasets/ds").json()["dataset"] == before


def test_input_count_counts_the_apps_inputs_by_processing_state(http):
    """GetInputCount: the app's inputs by processing state, the states at zero left out
    (an app without inputs answers empty counts), matching what ListInputs lists."""
    answer = http.get(f"{BASE}/inputs/status")
    assert answer.status_code == 200 and answer.json()["counts"] == {}
    post_inputs(http, [f"c{i}" for i in range(5)])
    counts = http.get(f"{BASE}/inputs/status").json()["counts"]
    listed = http.get(f"{BASE}/inputs", params={"per_page": 100}).json()["inputs"]
    names = {30000: "processed", 30001: "to_process", 30002: "errors", 30003: "processing"}
    expected: dict[str, int] = {}
    for item in listed:
        name = names[item["status"]["code"]]
        expected[name] = expected.get(name, 0) + 1
    assert counts == expected and sum(counts.values()) == 5

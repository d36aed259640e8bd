"""A task's concepts read back in either shape the API sends them: ``concept_ids`` or
``concepts`` (``[{"concept": {"id": ...}}]``), entries without an id left out. A
rerun of the spec adopts the task without reporting drift, and an update plan starts
from the concepts the task has."""

from __future__ import annotations

from connector.operations import TaskSpec, create_task, plan_update_task, update_task
from connector.operations.tasks import concept_ids


def _post_with_concepts(client) -> TaskSpec:
    spec = TaskSpec(name="label", concept_ids=("cat", "dog"), workers=("alice",), run_key="shapes")
    task = spec.to_task()
    del task["concept_ids"]
    task["concepts"] = [{"concept": {"id": "dog"}}, {"concept": {"name": "no id"}}, {"concept": None}, {}]
    task["concepts"].append({"concept": {"id": "cat"}})
    client.post_tasks([task])
    return spec


def test_concepts_sent_as_concept_objects_are_read(client, emulator) -> None:
    spec = _post_with_concepts(client)
    read = client.get_task(spec.id)
    assert "concept_ids" not in read and concept_ids(read) == ["cat", "dog"]
    both = {"concept_ids": ["bird"], "concepts": [{"concept": {"id": "cat"}}, {"concept": {"id": "bird"}}]}
    assert concept_ids(both) == ["bird", "cat"]


def test_a_rerun_adopts_a_task_whose_concepts_come_as_objects(client, emulator) -> None:
    spec = _post_with_concepts(client)
    result = create_task(client, spec)
    assert result.counts == {"created": 0, "adopted": 1} and result.details["drift"] == ""


def test_an_update_starts_from_concepts_sent_as_objects(client, emulator) -> None:
    spec = _post_with_concepts(client)
    plan = plan_update_task(client, spec.id, concepts=["bird"])
    assert [(r["field"], r["before"], r["after"]) for r in plan.rows] == [
        ("concepts", ["cat", "dog"], ["bird", "cat", "dog"])
    ]
    unchanged = update_task(client, spec.id, concepts=["cat"])
    assert unchanged.counts["changed_fields"] == 0

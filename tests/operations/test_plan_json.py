"""Plans written as JSON piece by piece: the pieces joined are exactly ``json.dumps`` of
the plan's dict (compact and indented, nested in a document or not, with no rows or
more rows than one piece holds), and a large plan comes out in many pieces."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from connector.inventory.export import ExportResult
from connector.operations import CleanupPlan, SplitPlan
from connector.operations.base import iter_document_json


def _cleanup(n: int) -> CleanupPlan:
    rows = [
        {
            "task_id": f"t{i:04d}",
            "name": f"task {i}",
            "status": "TASK_DONE",
            "modified_at": None,
            "age_days": 1.5,
            "action": "delete",
            "reason": "delete: done",
        }
        for i in range(n)
    ]
    return CleanupPlan(
        operation="tasks.cleanup",
        rows=rows,
        older_than_seconds=86400.0,
        now=datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
    )


@pytest.mark.parametrize("indent", [None, 2, 4])
@pytest.mark.parametrize("rows", [0, 1, 3, 1201])
def test_the_pieces_joined_are_the_plans_json(indent, rows) -> None:
    plan = _cleanup(rows)
    text = "".join(plan.iter_json(indent=indent))
    assert text == json.dumps(plan.to_dict(), indent=indent)
    stream = io.StringIO()
    plan.write_json(stream, indent=indent)
    assert stream.getvalue() == text


def test_a_large_plan_comes_in_pieces_of_a_few_hundred_rows() -> None:
    pieces = list(_cleanup(1201).iter_json())
    assert len(pieces) > 3 and max(len(p) for p in pieces) < len("".join(pieces)) / 2


@pytest.mark.parametrize("indent", [None, 2])
def test_a_document_holding_plans_is_the_documents_json(indent) -> None:
    split = SplitPlan(operation="split", rows=[], targets={"train": "a-train"}, members={"train": ["x"]})
    document = {"cleanup": _cleanup(2), "note": {"b": [1, 2], "a": None}, "split": split, 3: "three"}
    text = "".join(iter_document_json(document, indent=indent))
    expected = {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in document.items()}
    assert text == json.dumps({str(k): v for k, v in expected.items()}, indent=indent)
    assert "".join(iter_document_json({})) == "{}"
    nested = io.StringIO()
    _cleanup(1).write_json_at(nested, indent=indent, level=1)
    assert nested.getvalue() == "".join(_cleanup(1).iter_json(indent=indent, level=1))


def test_an_export_result_as_json() -> None:
    result = ExportResult("datasets", "csv", "out.csv", 3, 1, ("id", "app_id"))
    assert result.to_dict() == {
        "inventory": "datasets",
        "format": "csv",
        "path": "out.csv",
        "rows": 3,
        "pages": 1,
        "columns": ["id", "app_id"],
    }
    json.dumps(result.to_dict())

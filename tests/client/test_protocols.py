"""The client protocols and the typed endpoint methods: both clients offer every member
the protocols promise, with the same parameters; the async protocol mirrors the sync one;
the types reach a caller (checked by running mypy on small programs, one of which must
fail); and an endpoint method checks its arguments before anything is sent or awaited."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.endpoints import Call, EndpointMethods
from connector.errors import ValidationError
from connector.protocols import AsyncClientProtocol, ClientProtocol

ROOT = Path(__file__).resolve().parents[2]


def _members(protocol: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(protocol).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }


def _parameters(fn: object) -> list[tuple[str, object, object]]:
    """(name, kind, default) of each parameter but ``self``."""
    params = list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]
    if params and params[0].name == "self":
        params = params[1:]
    return [(p.name, p.kind, p.default) for p in params]


def test_the_async_protocol_mirrors_the_sync_one() -> None:
    sync, aio = _members(ClientProtocol), _members(AsyncClientProtocol)
    assert sorted(sync) == sorted(aio)
    assert len(sync) > 20
    for name, member in sync.items():
        if isinstance(member, property):
            assert isinstance(aio[name], property), name
            continue
        assert _parameters(member) == _parameters(aio[name]), name
        single = not name.startswith(("list_", "iter_"))
        assert inspect.iscoroutinefunction(aio[name]) == single, name


@pytest.mark.parametrize(
    ("protocol", "client_class"), [(ClientProtocol, ClarifaiClient), (AsyncClientProtocol, AsyncClarifaiClient)]
)
def test_each_client_has_every_member_with_the_same_parameters(
    protocol: type, client_class: type, client_config
) -> None:
    client = client_class(client_config)
    for name, member in _members(protocol).items():
        assert hasattr(client, name), f"{client_class.__name__} lacks {name}"
        if isinstance(member, property):
            continue
        assert _parameters(getattr(client, name)) == _parameters(member), name


def test_endpoint_methods_keep_their_names_docs_and_arguments(client) -> None:
    method = ClarifaiClient.get_dataset
    assert method is EndpointMethods.__dict__["get_dataset"]
    assert method.__name__ == "get_dataset" and "GetDataset" in (method.__doc__ or "")
    assert list(inspect.signature(method).parameters) == ["self", "id"]
    bound = client.get_dataset
    assert bound.__name__ == "get_dataset" and bound.__self__ is client
    assert list(inspect.signature(bound).parameters) == ["id"]
    # Read from the class, a method is called with the client first, as a plain function is.
    ClarifaiClient.post_datasets(client, [{"id": "ds"}])
    assert ClarifaiClient.get_dataset(client, "ds")["id"] == "ds"


def _offline_config():  # a config whose requests go nowhere (nothing is sent in these tests)
    from connector.config import ClarifaiConfig

    return ClarifaiConfig(pat="offline", user_id="u", app_id="a", base_url="http://127.0.0.1:9")


def test_async_endpoint_methods_check_arguments_before_anything_is_awaited() -> None:
    async def main() -> None:
        async with AsyncClarifaiClient(_offline_config()) as client:
            with pytest.raises(ValidationError, match="datasets must be a list"):
                client.post_datasets("not-a-list")  # type: ignore[arg-type]
            with pytest.raises(ValidationError, match="action must be"):
                client.patch_tasks([{"id": "t"}], action="replace")
            with pytest.raises(ValidationError, match="input_ids must be a list of ids"):
                client.list_annotations(input_ids="in1")
            assert client.stats.requests == 0

    asyncio.run(main())


def test_a_list_result_absent_from_the_answer_is_an_empty_list() -> None:
    """protobuf JSON omits empty lists: a list-valued result is [] then, never None."""
    many: Call[list[dict[str, str]]] = Call("PostInputs", extract="inputs", many=True)
    assert many.result({"status": {}}) == []
    assert many.result({"inputs": [{"id": "a"}]}) == [{"id": "a"}]
    one: Call[dict[str, str]] = Call("GetInput", extract="input")
    assert one.result({"input": {"id": "a"}}) == {"id": "a"}
    assert Call("GetTaskInputCount", extract=None).result({"counts": []}) == {"counts": []}


# -- the types, as a type checker sees them ------------------------------------------------------

TYPED_USE = """
from collections.abc import AsyncIterator, Iterator
from typing import assert_type

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.objects import ApiResponse, BulkOperation, Dataset, DatasetVersion, InputCounts, Task, TaskCounts
from connector.operations import async_waits, waits
from connector.protocols import AsyncClientProtocol, ClientProtocol


def sync(client: ClarifaiClient) -> None:
    typed: ClientProtocol = client
    assert_type(client.get_dataset("d"), Dataset)
    assert_type(typed.get_dataset("d"), Dataset)
    assert_type(client.post_tasks([{"id": "t"}]), list[Task])
    assert_type(client.list_dataset_versions("d"), Iterator[DatasetVersion])
    assert_type(client.delete_tasks(["t"]), ApiResponse)
    assert_type(client.get_task_input_count("t"), TaskCounts)
    assert_type(typed.get_input_count(), InputCounts)
    assert_type(waits.wait_bulk_operation(client, "op"), BulkOperation)


async def run(client: AsyncClarifaiClient) -> None:
    typed: AsyncClientProtocol = client
    assert_type(await client.get_dataset("d"), Dataset)
    assert_type(await typed.get_task("t"), Task)
    assert_type(client.list_tasks(), AsyncIterator[Task])
    assert_type(await async_waits.wait_dataset_version(client, "d", "v"), DatasetVersion)
"""

MISTYPED_USE = """
from typing import assert_type

from connector.client import ClarifaiClient
from connector.objects import Task
from connector.operations.waits import wait_task


def wrong(client: ClarifaiClient) -> None:
    assert_type(client.get_dataset("d"), Task)  # a dataset is not a task
    client.get_dataset(7)  # ids are strings


class HalfAClient:
    def get_task(self, id: str) -> Task:
        return {"id": id}


wait_task(HalfAClient(), "t")  # lacks the rest of ClientProtocol
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(program)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.typecheck
def test_a_type_checker_sees_the_object_types_through_clients_protocols_and_waits(tmp_path: Path) -> None:
    done = _mypy(tmp_path, TYPED_USE)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.typecheck
def test_a_type_checker_refuses_a_wrong_object_type_a_wrong_argument_and_half_a_client(tmp_path: Path) -> None:
    done = _mypy(tmp_path, MISTYPED_USE)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = textwrap.dedent(MISTYPED_USE).splitlines()
    errors = {}
    for row in done.stdout.splitlines():
        if ": error: " in row:
            where, _, message = row.partition(": error: ")
            errors[int(where.rsplit(":", 1)[1])] = message

    def line_of(marker: str) -> int:
        return next(n for n, text in enumerate(lines, 1) if marker in text)

    assert set(errors) == {line_of("not a task"), line_of("ids are strings"), line_of("lacks the rest")}, done.stdout
    assert errors[line_of("not a task")].startswith('Expression is of type "TypedDict(')
    assert errors[line_of("not a task")].endswith('not "Task"  [assert-type]')
    assert 'incompatible type "int"; expected "str"' in errors[line_of("ids are strings")]
    assert 'incompatible type "HalfAClient"; expected "ClientProtocol"' in errors[line_of("lacks the rest")]

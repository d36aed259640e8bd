"""The status-code enum is the official one, its groups are what the code relies on, the one
parser accepts every form the API sends, and no other module of the package writes a
status number."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest
from clarifai_grpc.grpc.api.status import status_code_pb2

from connector import status_codes as sc
from connector.status_codes import StatusCode, code_name, parse_status_code, status_code_of
from tests.support import codegen

PACKAGE = Path(__file__).resolve().parents[2] / "connector"


def test_the_committed_enum_is_what_the_official_descriptors_generate() -> None:
    current = codegen.STATUS_CODES_PY.read_text(encoding="utf-8")
    assert codegen.render(current) == current, "regenerate with: python -m tests.support.codegen --write"


def test_every_official_name_and_number_and_no_other() -> None:
    official = {v.name: v.number for v in status_code_pb2.StatusCode.DESCRIPTOR.values}
    assert {name: int(member) for name, member in StatusCode.__members__.items()} == official
    # a number's first name is its name, as protobuf reports it
    for number in {int(m) for m in StatusCode}:
        assert StatusCode(number).name == status_code_pb2.StatusCode.Name(number)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10000, StatusCode.SUCCESS),
        ("10000", StatusCode.SUCCESS),
        (" 64015 ", StatusCode.DATASET_VERSION_READY),
        ("DATASET_VERSION_READY", StatusCode.DATASET_VERSION_READY),
        ("INPUT_DOWNLOAD_SUCCESS", StatusCode.INPUT_SUCCESS),  # an alias: same number
        (None, None),
    ],
)
def test_parse_accepts_numbers_digit_strings_and_names(value, expected) -> None:
    parsed = parse_status_code(value)
    assert parsed == expected
    # A known code comes back as the enum member itself (its name is what messages show).
    assert parsed is expected and (expected is None or parsed.name == expected.name)


def test_parse_keeps_unknown_numbers_and_refuses_the_rest() -> None:
    assert parse_status_code(12345) == 12345 and not isinstance(parse_status_code(12345), StatusCode)
    assert code_name(12345) == "UNKNOWN_12345" and code_name(None) == "UNKNOWN"
    for bad in (True, "NOT_A_CODE", "", 1.5):
        with pytest.raises(ValueError, match="status code"):
            parse_status_code(bad)


def test_status_code_of_reads_an_objects_status_and_never_raises() -> None:
    assert status_code_of({"status": {"code": "TASK_DONE"}}) == StatusCode.TASK_DONE
    assert status_code_of({"status": {"code": 54002}}) == StatusCode.TASK_DONE
    for obj in (None, {}, {"status": None}, {"status": {}}, {"status": {"code": "nope"}}, {"status": "x"}, "x"):
        assert status_code_of(obj) is None  # type: ignore[arg-type]


def test_groups_hold_what_the_code_relies_on() -> None:
    S = StatusCode
    assert sc.VERSION_READY == {S.DATASET_VERSION_READY}
    assert sc.VERSION_PENDING == {S.DATASET_VERSION_PENDING, S.DATASET_VERSION_IN_PROGRESS}
    assert sc.VERSION_FAILED == {
        S.DATASET_VERSION_FAILURE,
        S.DATASET_VERSION_UNEXPECTED_ERROR,
        S.DATASET_VERSION_CONFLICT,
    }
    assert sc.TASK_FAILED == {S.TASK_FAILED, S.TASK_WONT_DO} and sc.TASK_DONE == {S.TASK_DONE}
    assert S.CONN_THROTTLED in sc.THROTTLED and S.CONN_EXCEED_HOURLY_LIMIT in sc.THROTTLED
    assert sc.HOURLY_LIMIT <= sc.THROTTLED and sc.NOT_WORTH_WAITING <= sc.THROTTLED
    assert {S.RPC_SERVER_UNAVAILABLE, S.RPC_REQUEST_TIMEOUT, S.INTERNAL_SERVER_ISSUE} <= sc.RETRYABLE
    assert S.RPC_UNKNOWN_METHOD not in sc.RETRYABLE and S.RPC_MAX_MESSAGE_SIZE_EXCEEDED not in sc.RETRYABLE
    assert {S.CONN_DOES_NOT_EXIST, S.TASK_MISSING, S.MODEL_DOES_NOT_EXIST, S.WORKFLOW_DOES_NOT_EXIST} <= sc.NOT_FOUND
    assert {S.CONN_KEY_INVALID, S.CONN_INSUFFICIENT_SCOPES} <= sc.AUTH
    assert {S.DATABASE_DUPLICATE_KEY, S.INPUT_DUPLICATE, S.DATASET_INPUT_DUPLICATE} <= sc.ALREADY_EXISTS
    # lifecycles: each status of a kind is in at most one of done / pending / failed
    for done, pending, failed in (
        (sc.VERSION_READY, sc.VERSION_PENDING, sc.VERSION_FAILED),
        (sc.BULK_OPERATION_DONE, sc.BULK_OPERATION_PENDING, sc.BULK_OPERATION_FAILED),
        (sc.INPUTS_ADD_JOB_DONE, sc.INPUTS_ADD_JOB_PENDING, sc.INPUTS_ADD_JOB_FAILED),
        (sc.TASK_DONE, sc.TASK_OPEN, sc.TASK_FAILED),
    ):
        assert not (done & pending or done & failed or pending & failed)


def _five_digit_literals(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for tok in tokens:
        if tok.type == tokenize.NUMBER and tok.string.isdigit() and len(tok.string) == 5:
            found.append(f"{path.relative_to(root)}:{tok.start[0]}: {tok.string}")
    return found


def test_no_status_number_outside_the_status_codes_module() -> None:
    """Codes are named (StatusCode.X or a group), never written as numbers: a five-digit
    integer literal anywhere else in the package is reported. Quantities of that size are
    written with a digit separator (``20_000``) or as an expression (``24 * 60 * 60``)."""
    found = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "status_codes.py"
        for hit in _five_digit_literals(path)
    ]
    assert found == []


def test_the_scan_finds_a_literal(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text("CODE = 64015\nPORT = 8080\nDAY = 24 * 60 * 60\nBIG = 1_000_000\n", encoding="utf-8")
    assert _five_digit_literals(sample, tmp_path) == ["probe.py:1: 64015"]  # 1_000_000 is a quantity

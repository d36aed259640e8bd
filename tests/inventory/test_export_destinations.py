"""Where an export may go and in which format, decided before anything is read: the
destination checks (empty, a directory, a URI whose filesystem is unknown or not
installed) and the format taken from the path's suffix or asked for, each refusal with
the message a person acts on."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from connector.errors import ConfigurationError, ValidationError
from connector.inventory.export import check_destination, infer_format


def _refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises((ValidationError, ConfigurationError)) as info:
        call(*args, **kwargs)
    return type(info.value).__name__, str(info.value)


def test_an_empty_destination_is_refused_naming_the_argument() -> None:
    assert _refusal(check_destination, "") == (
        "ValidationError",
        "path_or_uri is empty: name a file or an fsspec URI",
    )
    assert _refusal(check_destination, "  ", "path") == (
        "ValidationError",
        "path is empty: name a file or an fsspec URI",
    )


def test_a_directory_is_refused_with_a_file_name_to_use_instead(tmp_path, monkeypatch) -> None:
    expected = (
        "ValidationError",
        f"path_or_uri {str(tmp_path)!r} is a directory: name a file, e.g. {str(tmp_path / 'inventory.parquet')!r}",
    )
    assert _refusal(check_destination, tmp_path) == expected
    assert _refusal(check_destination, f"file://{tmp_path}") == expected
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _refusal(check_destination, "~") == expected
    check_destination(tmp_path / "inventory.csv")  # a file in it is fine, existing or not
    check_destination(f"file://{tmp_path}/inventory.csv")


@pytest.mark.parametrize(
    ("uri", "argument", "package"),
    [
        ("s3://bucket/inventory.parquet", "path_or_uri", "s3fs"),
        ("s3://bucket/copy-of-gs://inventory.parquet", "path_or_uri", "s3fs"),  # the first scheme counts
        ("abfs://container/inventory.csv", "uri", "adlfs"),
    ],
)
def test_a_uri_whose_filesystem_package_is_missing_names_the_package(uri, argument, package) -> None:
    if importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here")
    protocol = uri.split("://")[0]
    assert _refusal(check_destination, uri, argument) == (
        "ConfigurationError",
        f"{argument}: writing to {protocol}:// needs {package}, which is not installed: pip install {package}",
    )


def test_a_uri_needs_a_filesystem_fsspec_knows_and_fsspec_itself(monkeypatch) -> None:
    check_destination("memory://bucket/inventory.csv")  # built into fsspec
    assert _refusal(check_destination, "nope://x/inventory.csv") == (
        "ValidationError",
        "path_or_uri: nope:// is not a filesystem fsspec knows (s3://, gs://, memory://...)",
    )
    monkeypatch.setitem(sys.modules, "fsspec", None)  # fsspec itself not installed
    assert _refusal(check_destination, "memory://bucket/inventory.csv") == (
        "ConfigurationError",
        "path_or_uri: writing to memory:// needs fsspec and the filesystem's package, which are not installed: "
        "pip install fsspec",
    )


@pytest.mark.parametrize(
    ("path", "format", "expected"),
    [
        ("a.parquet", None, "parquet"),
        ("a.PQ", None, "parquet"),
        ("a.csv", None, "csv"),
        ("a.jsonl", None, "jsonl"),
        ("a.ndjson", None, "jsonl"),
        (None, "JSON ", "jsonl"),
        (None, "ndjson", "jsonl"),
        (None, "Parquet", "parquet"),
        ("x.data", "csv", "csv"),  # a suffix that names no format does not contradict
        ("/dev/null", "jsonl", "jsonl"),
        ("a.csv", "CSV", "csv"),
    ],
)
def test_the_format_comes_from_the_argument_or_the_suffix(path, format, expected) -> None:
    assert infer_format(path, format) == expected


def test_a_format_that_is_unknown_missing_or_contradicts_the_suffix_is_refused() -> None:
    assert _refusal(infer_format, "x.csv", "parquet") == (
        "ValidationError",
        "'x.csv' has the suffix of csv but the format asked for is parquet: name the file for its format "
        "(e.g. .parquet) or ask for csv",
    )
    assert _refusal(infer_format, "x.csv", "parket") == (
        "ValidationError",
        "unknown format 'parket' (did you mean 'parquet'?); choose one of: parquet, csv, jsonl",
    )
    assert _refusal(infer_format, "x.csv", "xml") == (
        "ValidationError",
        "unknown format 'xml'; choose one of: parquet, csv, jsonl",
    )
    assert _refusal(infer_format, "x.data") == (
        "ValidationError",
        "cannot tell the format from 'x.data'; pass format= (one of: parquet, csv, jsonl)",
    )
    assert _refusal(infer_format, None) == (
        "ValidationError",
        "cannot tell the format from the stream; pass format= (one of: parquet, csv, jsonl)",
    )

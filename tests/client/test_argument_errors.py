"""Errors that name an argument: one error, spelled per entry point, carried as fields."""

from __future__ import annotations

import pickle

import pytest

from connector.errors import ArgumentError, ConfigurationError, GuardError, MissingObjectError, ValidationError
from connector.ids import id_problem, is_valid_id, looks_like_secret, shown


def test_the_argument_is_a_field_and_python_names_it_by_default() -> None:
    error = ValidationError(
        "{argument} holds {value!r}; pass {force}", argument="keep_ids", spell={"force": "force=True"}, value="v1 "
    )
    assert error.argument == "keep_ids" and isinstance(error, ValueError)
    assert str(error) == "keep_ids holds 'v1 '; pass force=True"
    assert error.render({"keep_ids": "--keep-id", "force": "--force"}) == "--keep-id holds 'v1 '; pass --force"
    assert error.to_dict() == {"error": "ValidationError", "argument": "keep_ids", "message": str(error)}


def test_a_value_is_never_read_as_a_template() -> None:
    # A value that looks like a placeholder stays as it is, and names in it are not renamed.
    error = ValidationError("{argument} got {value}", argument="seed", value="{seed} {0}")
    assert str(error) == "seed got {seed} {0}"
    assert error.render({"seed": "--seed"}) == "--seed got {seed} {0}"
    # Without an argument the message is plain text, braces and all.
    assert str(ValidationError("ratios must sum to 1 ({'train': 0.9})")) == "ratios must sum to 1 ({'train': 0.9})"


def test_bound_names_win_over_any_entry_point() -> None:
    error = ConfigurationError("{argument} is empty", argument="base_url")
    error.bind({"base_url": "CLARIFAI_API_BASE"})
    assert str(error) == "CLARIFAI_API_BASE is empty"
    assert error.render({"base_url": "--base-url"}) == "CLARIFAI_API_BASE is empty"


@pytest.mark.parametrize("cls", [ValidationError, ConfigurationError, MissingObjectError, GuardError])
def test_errors_pickle_with_their_fields(cls: type[ArgumentError]) -> None:
    error = cls("{argument} bad: {value}", argument="timeout", value=object())  # any value pickles
    error.bind({"timeout": "CLARIFAI_TIMEOUT"})
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and again.argument == "timeout" and str(again) == str(error)
    assert again.render({"timeout": "--timeout"}) == str(error)


def test_a_guard_error_is_an_operation_error_not_a_value_error() -> None:
    error = GuardError("refusing: pass {force}", argument="force", spell={"force": "force=True"})
    assert not isinstance(error, ValueError) and str(error) == "refusing: pass force=True"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("cd-v1", None),
        ("a" * 48, None),
        ("cd-v1 ", "has spaces around it"),
        ("", "is empty"),
        ("a/b", "contains '/'"),
        ("a.b", "may hold only letters, digits, '_' and '-'"),
        ("_x", "must start with a letter or a digit"),
        ("a" * 49, "is longer than 48 characters"),
        ("a" * 47 + ".", "may hold only letters, digits, '_' and '-'"),  # 48 long: not too long
        ("!", "must start with a letter or a digit"),  # one character
        ("aé", "may hold only letters, digits, '_' and '-'"),  # only the first must be an ASCII letter
        (None, "is missing (None)"),
        (7, "is an int, not a string"),
    ],
)
def test_the_id_format(value: object, problem: str | None) -> None:
    assert id_problem(value) == problem and is_valid_id(value) == (problem is None)


def test_token_like_values_are_not_shown() -> None:
    pat = "0123456789abcdef0123456789abcdef"
    assert looks_like_secret(pat) and looks_like_secret(f"/home/me/{pat}") and looks_like_secret([pat].__repr__())
    assert not looks_like_secret("cats-dogs-2024-06-01") and not looks_like_secret("/home/me/.clarifai/pat.txt")
    assert pat not in shown(pat) and pat not in shown([pat]) and shown("cd-v1 ") == "'cd-v1 '"

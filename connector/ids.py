"""The API's id format, and how to show a value a person typed without leaking a secret.

An id (user, app, dataset, dataset version, input, task, model...) is **1 to 48
characters: ASCII letters, digits, ``_`` and ``-``, starting with a letter or a digit**
(``cats-dogs``, ``cd-v1``, ``label_pets_2024``). It goes into URL paths as is, so
``/``, spaces, dots and anything else are refused before a request is made.
"""

from __future__ import annotations

import re

__all__ = ["ID_MAX_LENGTH", "ID_PATTERN", "id_problem", "is_valid_id", "kind_of", "looks_like_secret", "shown"]

#: The longest id accepted.
ID_MAX_LENGTH = 48
#: The id format as a regular expression (what :func:`is_valid_id` checks).
ID_PATTERN = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{ID_MAX_LENGTH - 1}}}$")

#: A run of token characters long enough to be a key (a Clarifai PAT is 32 hex digits).
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+=]{20,}")


def is_valid_id(value: object) -> bool:
    """True when ``value`` is a string in the API's id format."""
    return isinstance(value, str) and bool(ID_PATTERN.match(value))


def id_problem(value: object) -> str | None:
    """What is wrong with ``value`` as an id, in words (None when it is a valid id)."""
    if is_valid_id(value):
        return None
    if value is None:
        return "is missing (None)"
    if not isinstance(value, str):
        return f"is {kind_of(value)}, not a string"
    if not value:
        return "is empty"
    if value != value.strip():
        return "has spaces around it"
    if len(value) > ID_MAX_LENGTH:
        return f"is longer than {ID_MAX_LENGTH} characters"
    if "/" in value:
        return "contains '/'"
    if not value[0].isascii() or not value[0].isalnum():
        return "must start with a letter or a digit"
    return "may hold only letters, digits, '_' and '-'"


def kind_of(value: object) -> str:
    """The type of ``value`` with its article, for messages: ``"an int"``, ``"a list"``."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def looks_like_secret(text: object) -> bool:
    """True when ``text`` holds something that may be a key or token (a long run of
    letters and digits mixed, such as a PAT): such a value is never echoed back."""
    if not isinstance(text, str):
        return False
    return any(any(c.isdigit() for c in run) and any(c.isalpha() for c in run) for run in _TOKEN_RUN.findall(text))


def shown(value: object) -> str:
    """``repr(value)`` for a message, unless it may be a secret (then a placeholder)."""
    if looks_like_secret(value if isinstance(value, str) else repr(value)):
        return "(a value that looks like a token, not shown)"
    return repr(value)

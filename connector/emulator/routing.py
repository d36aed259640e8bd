"""The official route table of the Clarifai API v2 and request/response message checks.

Everything here is derived from the ``clarifai-grpc`` descriptors: every method of
service ``V2`` with every ``google.api.http`` binding (the long
``/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/...`` forms and the short
``/v2/...`` forms of ``additional_bindings``). Nothing is typed from memory.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message

__all__ = [
    "Match",
    "RequestParseError",
    "RouteTable",
    "Template",
    "build_request_message",
    "message_class",
    "route_table",
    "validate_response",
]

_VAR = re.compile(r"^\{([A-Za-z0-9_.]+)(?:=([^}]*))?\}$")


class RequestParseError(ValueError):
    """A request does not fit its official request message; ``details`` says which field."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


@dataclasses.dataclass(frozen=True)
class Template:
    """One binding of one method: verb, path template, body field."""

    verb: str
    path: str
    method: MethodDescriptor
    body: str
    regex: re.Pattern[str]
    variables: tuple[str, ...]
    #: Sort key: literal segments before variables, earliest segment first.
    specificity: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Match:
    """A request path matched to a method."""

    method: MethodDescriptor
    path_params: dict[str, str]
    body_field: str
    template: str


def _compile(path: str) -> tuple[re.Pattern[str], tuple[str, ...], tuple[int, ...]]:
    parts: list[str] = []
    variables: list[str] = []
    spec: list[int] = []
    for segment in path.strip("/").split("/"):
        m = _VAR.match(segment)
        if m is None:
            parts.append(re.escape(segment))
            spec.append(0)
            continue
        name, pattern = m.group(1), m.group(2)
        group = f"v{len(variables)}"
        variables.append(name)
        if pattern and "**" in pattern:
            parts.append(f"(?P<{group}>.+)")
            spec.append(2)
        else:
            parts.append(f"(?P<{group}>[^/]+)")
            spec.append(1)
    return re.compile("^/" + "/".join(parts) + "/?$"), tuple(variables), tuple(spec)


class RouteTable:
    """Every binding of every V2 method, matched most-specific first."""

    def __init__(self, templates: Iterable[Template]) -> None:
        self.templates: list[Template] = list(templates)
        self._by_verb: dict[str, list[Template]] = {}
        for t in self.templates:
            self._by_verb.setdefault(t.verb, []).append(t)
        for lst in self._by_verb.values():
            lst.sort(key=lambda t: (t.specificity, t.path))
        self.methods: dict[str, MethodDescriptor] = {t.method.name: t.method for t in self.templates}

    def match(self, verb: str, path: str) -> Match | None:
        """The most specific binding for ``verb`` and ``path``, or None."""
        for t in self._by_verb.get(verb.upper(), ()):
            m = t.regex.match(path)
            if m is not None:
                params = {name: m.group(f"v{i}") for i, name in enumerate(t.variables)}
                return Match(method=t.method, path_params=params, body_field=t.body, template=t.path)
        return None

    def bindings(self, method_name: str) -> list[Template]:
        """All bindings of one method (long and short forms)."""
        return [t for t in self.templates if t.method.name == method_name]


@functools.lru_cache(maxsize=1)
def route_table() -> RouteTable:
    """The route table built from the official descriptors (cached)."""
    from clarifai_grpc.grpc.api import service_pb2
    from google.api import annotations_pb2

    service = service_pb2.DESCRIPTOR.services_by_name["V2"]
    templates: list[Template] = []
    for method in service.methods:
        rule = method.GetOptions().Extensions[annotations_pb2.http]
        for binding in [rule, *rule.additional_bindings]:
            kind = binding.WhichOneof("pattern")
            if kind is None:
                continue
            if kind == "custom":
                verb, path = binding.custom.kind.upper(), binding.custom.path
            else:
                verb, path = kind.upper(), getattr(binding, kind)
            regex, variables, spec = _compile(path)
            templates.append(Template(verb, path, method, binding.body, regex, variables, spec))
    return RouteTable(templates)


@functools.cache
def message_class(descriptor: Any) -> type[Message]:
    """The generated message class of a descriptor."""
    from google.protobuf import message_factory

    cls: type[Message] = message_factory.GetMessageClass(descriptor)
    return cls


_INT_TYPES = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}
_FLOAT_TYPES = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}
_WRAPPERS = {
    "google.protobuf.Int32Value",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.FloatValue",
    "google.protobuf.DoubleValue",
    "google.protobuf.BoolValue",
    "google.protobuf.StringValue",
}


def _scalar(field: FieldDescriptor, name: str, raw: str) -> Any:
    t = field.type
    if t in _INT_TYPES:
        try:
            return int(raw)
        except ValueError:
            raise RequestParseError(f"query parameter {name!r}: {raw!r} is not an integer") from None
    if t in _FLOAT_TYPES:
        try:
            return float(raw)
        except ValueError:
            raise RequestParseError(f"query parameter {name!r}: {raw!r} is not a number") from None
    if t == FieldDescriptor.TYPE_BOOL:
        low = raw.lower()
        if low in ("true", "1", ""):
            return True
        if low in ("false", "0"):
            return False
        raise RequestParseError(f"query parameter {name!r}: {raw!r} is not a boolean (true/false)")
    enum_type = field.enum_type if t == FieldDescriptor.TYPE_ENUM else None
    if enum_type is not None:
        if raw.lstrip("-").isdigit():
            return int(raw)
        if enum_type.values_by_name.get(raw) is None:
            allowed = ", ".join(v.name for v in enum_type.values)
            raise RequestParseError(f"query parameter {name!r}: {raw!r} is not one of {allowed}")
        return raw
    message = field.message_type if t == FieldDescriptor.TYPE_MESSAGE else None
    if message is None:
        return raw
    if message.full_name in _WRAPPERS:
        return _scalar(message.fields_by_name["value"], name, raw)
    if message.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"):
        return raw
    raise RequestParseError(
        f"query parameter {name!r} names a message ({message.name}); "
        f"give one of its fields instead, e.g. {name}.{message.fields[0].name}"
    )


def _set_path(target: dict[str, Any], descriptor: Any, dotted: str, raw: str, *, origin: str) -> None:
    parts = dotted.split(".")
    node = target
    desc = descriptor
    for i, part in enumerate(parts):
        field = desc.fields_by_name.get(part)
        if field is None:
            shown = ".".join(parts[: i + 1])
            raise RequestParseError(f"{origin} {dotted!r}: {desc.name} has no field {shown!r}")
        last = i == len(parts) - 1
        if last:
            value = _scalar(field, dotted, raw)
            if field.is_repeated:
                node.setdefault(part, []).append(value)
            else:
                node[part] = value
            return
        if field.type != FieldDescriptor.TYPE_MESSAGE or field.is_repeated:
            raise RequestParseError(f"{origin} {dotted!r}: field {part!r} cannot hold sub-fields")
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise RequestParseError(f"{origin} {dotted!r}: field {part!r} is not an object")
        node = child
        desc = field.message_type


def build_request_message(match: Match, query: list[tuple[str, str]], body: Any) -> Message:
    """Map path variables, query parameters and the JSON body onto the official request
    message of ``match.method``. Unknown fields are rejected.

    Raises :class:`RequestParseError` naming the offending field.
    """
    desc = match.method.input_type
    data: dict[str, Any] = {}
    if body is not None and body != {}:
        if not isinstance(body, dict):
            raise RequestParseError(f"the request body must be a JSON object, not {type(body).__name__}")
        if match.body_field in ("*",):
            data = dict(body)
        elif match.body_field:
            data = {match.body_field: body}
        else:
            raise RequestParseError(f"{match.method.name} takes no request body (send its fields as query parameters)")
    if match.body_field != "*":
        for name, raw in query:
            _set_path(data, desc, name, raw, origin="query parameter")
    for name, raw in match.path_params.items():
        # Path variables win over body fields of the same name.
        _set_path(data, desc, name, raw, origin="path variable")
    msg = message_class(desc)()
    try:
        json_format.ParseDict(data, msg, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise RequestParseError(f"{desc.name}: {exc}") from None
    except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
        raise RequestParseError(f"{desc.name}: {exc}") from None
    return msg


def validate_response(method: MethodDescriptor, payload: dict[str, Any]) -> str | None:
    """None if ``payload`` parses into the method's official response message (unknown
    fields rejected), else a description of the violation."""
    msg = message_class(method.output_type)()
    try:
        json_format.ParseDict(payload, msg, ignore_unknown_fields=False)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        return f"{method.output_type.name}: {exc}"
    return None


def validate_status_body(payload: dict[str, Any]) -> str | None:
    """None if ``payload`` is a bare ``{"status": ...}`` that parses into the official
    ``Status`` message (what answers of no particular method and injected faults send;
    every official response message has that ``status`` field), else why not."""
    from clarifai_grpc.grpc.api.status import status_pb2

    extra = sorted(set(payload) - {"status"})
    if extra:
        return f"a status-only answer has other fields: {extra}"
    if not isinstance(payload.get("status"), dict):
        return "the answer has no status object"
    try:
        json_format.ParseDict(payload["status"], status_pb2.Status(), ignore_unknown_fields=False)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        return f"Status: {exc}"
    return None

"""Canonical JSON (RFC 8785) and the SHA-256 digests built on it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import rfc8785
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_jsonable_python

from clearance.errors import ClearanceError

# RFC 8785 serialises numbers as IEEE 754 doubles; larger integers would silently lose digits.
_MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalJSONError(ClearanceError, ValueError):
    """A value cannot be written as canonical JSON; the message names where and why."""


def rfc3339_utc(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with microseconds: ``2024-05-01T12:00:00.000000Z``.

    Always six fractional digits, so one instant has exactly one spelling.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CanonicalJSONError(
            f"datetime {moment.isoformat()} has no time zone; "
            "pass an aware datetime, e.g. datetime.now(UTC)"
        )
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(obj: Any) -> bytes:
    """Serialise ``obj`` as RFC 8785 canonical JSON (UTF-8 bytes).

    Datetimes become RFC 3339 UTC strings (see :func:`rfc3339_utc`), dates ISO strings, pydantic
    models their ``model_dump()`` (then the same rules), tuples lists and sets sorted lists.
    Raises :class:`CanonicalJSONError` naming the offending path for anything JSON cannot hold
    exactly: naive datetimes, non-string keys, NaN or infinite floats, integers beyond 2**53 - 1.
    """
    return rfc8785.dumps(_to_json_value(obj, "$"))


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def change_digest(change: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a change: what an entry's ``change_sha256`` holds."""
    if not isinstance(change, Mapping):
        raise CanonicalJSONError(
            "a change must be a mapping (dict) of field names to values, "
            f"got {type(change).__name__}"
        )
    return sha256_hex(canonical_json(change))


def _to_json_value(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _checked_int(value, path)
    if isinstance(value, float):
        return _checked_float(value, path)
    if isinstance(value, datetime):
        return _datetime_string(value, path)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return _to_json_value(value.model_dump(mode="python"), path)
    if isinstance(value, Mapping):
        return _mapping_value(value, path)
    if isinstance(value, list | tuple):
        return [_to_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, set | frozenset):
        return _set_value(value, path)
    if isinstance(value, bytes | bytearray):
        raise CanonicalJSONError(
            f"{path}: bytes cannot be written as JSON; encode them first (hex or base64 string)"
        )
    return _to_json_value(_pydantic_jsonable(value, path), path)


def _checked_int(value: int, path: str) -> int:
    if abs(value) > _MAX_SAFE_INTEGER:
        raise CanonicalJSONError(
            f"{path}: integer {value} is beyond ±(2**53 - 1), which canonical JSON cannot hold "
            "exactly; store it as a string"
        )
    return value


def _checked_float(value: float, path: str) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise CanonicalJSONError(
            f"{path}: {value} is not a JSON number; store NaN or infinity as null or a string"
        )
    return value


def _datetime_string(value: datetime, path: str) -> str:
    try:
        return rfc3339_utc(value)
    except CanonicalJSONError as error:
        raise CanonicalJSONError(f"{path}: {error}") from error


def _mapping_value(value: Mapping[Any, Any], path: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise CanonicalJSONError(
                f"{path}: key {key!r} is a {type(key).__name__}; JSON object keys must be strings"
            )
        result[key] = _to_json_value(item, f"{path}.{key}")
    return result


def _set_value(value: set[Any] | frozenset[Any], path: str) -> list[Any]:
    # Set iteration order varies between processes (hash randomisation); sort by canonical bytes.
    items = [_to_json_value(item, f"{path}{{}}") for item in value]
    return sorted(items, key=rfc8785.dumps)


def _pydantic_jsonable(value: Any, path: str) -> Any:
    try:
        return to_jsonable_python(value)
    except PydanticSerializationError as error:
        raise CanonicalJSONError(
            f"{path}: a {type(value).__name__} cannot be written as JSON ({error}); "
            "convert it to a string, number, list or dict first"
        ) from error

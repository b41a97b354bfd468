"""Every answer says how it is marked: in the ``Clearance-Marking`` header and, for JSON, in a
``marking`` field; listings also say how many records were withheld from the reader."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from clearance.access import Marking
from clearance.web._problems import MARKING_HEADER

T = TypeVar("T")


class Listing(BaseModel, Generic[T]):
    """A page of records, how many others were withheld, and where the next page starts."""

    marking: str
    items: list[T]
    withheld: int
    withheld_notice: str | None = None
    next_cursor: str | None = None


class Marked(BaseModel, Generic[T]):
    """One record (or result) and its marking."""

    marking: str
    item: T


def marked_json(
    body: BaseModel | dict[str, Any], marking: Marking, status: int = 200
) -> JSONResponse:
    content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return JSONResponse(content, status_code=status, headers={MARKING_HEADER: marking.banner()})


def one(item: Any, marking: Marking, status: int = 200) -> JSONResponse:
    """``item`` (a model or JSON value) as a marked answer."""
    value = item.model_dump(mode="json") if isinstance(item, BaseModel) else item
    return marked_json({"marking": marking.banner(), "item": value}, marking, status)


def listing(
    items: list[Any],
    marking: Marking,
    *,
    withheld: int = 0,
    notice: str | None = None,
    next_cursor: str | None = None,
) -> JSONResponse:
    body = {
        "marking": marking.banner(),
        "items": [i.model_dump(mode="json") if isinstance(i, BaseModel) else i for i in items],
        "withheld": withheld,
        "withheld_notice": notice,
        "next_cursor": next_cursor,
    }
    return marked_json(body, marking)

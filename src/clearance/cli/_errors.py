"""Exit codes and the one place user-facing errors become messages instead of tracebacks."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import ValidationError

from clearance.cli._render import err_console, terminal_safe
from clearance.errors import (
    EXIT_ERRORS,
    EXIT_FAULT,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TAMPERED,
    EXIT_USAGE,
    ClearanceError,
)

__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_ERRORS",
    "EXIT_FAULT",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TAMPERED",
    "EXIT_USAGE",
    "GuardedGroup",
    "fail",
    "fault_message",
    "show_warning",
    "user_errors",
    "validation_message",
    "with_hint",
]

EXIT_CODES_HELP = (
    f"Exit codes: {EXIT_OK} success; {EXIT_INPUT} bad input (the message names what and where); "
    f"{EXIT_USAGE} bad usage; {EXIT_ERRORS} sample errors beyond --fail-on-error, or no sample "
    f"scored; {EXIT_TAMPERED} ledger verification failed; {EXIT_FAULT} a fault (store, disk or a "
    f"bug; --debug shows the trace); {EXIT_INTERRUPTED} interrupted (resumable)."
)


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    # soft_wrap: a long path or list stays on one line, so logs and grep see it whole. The
    # message is data (it quotes names and values a user or a file gave), never markup.
    err_console.print("[bold red]error:[/] ", end="", highlight=False)
    err_console.print(terminal_safe(message), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an error a user can act on into its message, its hint and its class's exit code.

    The mapping is by type: every :class:`ClearanceError` carries its own exit code and hint, so
    no list of error classes is kept here. A Pydantic ``ValidationError`` (a hand-written file
    that does not fit its schema) and a missing file are the user's to fix too.
    """
    try:
        yield
    except ValidationError as exc:
        fail(validation_message(exc))
    except ClearanceError as exc:
        fail(with_hint(exc), exc.exit_code)
    except FileNotFoundError as exc:
        fail(str(exc))


def with_hint(exc: ClearanceError) -> str:
    """The error's message, and its class's hint under it unless the message already says it."""
    message = str(exc)
    if not exc.hint or exc.hint in message:
        return message
    return f"{message}\n  hint: {exc.hint}"


def validation_message(exc: ValidationError) -> str:
    """A pydantic error as a person reads it: each field (as the option it came from), what is
    wrong, and the value given; no URLs to pydantic's docs."""
    parts = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or exc.title
        option = "--" + field.replace("_", "-") if error["loc"] and "." not in field else field
        given = error.get("input")
        shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
        parts.append(f"{option}: {error['msg'][:1].lower()}{error['msg'][1:]}{shown}")
    return "; ".join(parts)


def fault_message(exc: BaseException) -> tuple[str, int]:
    """One line for an error nobody anticipated: what failed, why, and what to try."""
    cause = _storage_cause(exc)
    if cause is not None:
        return cause, EXIT_FAULT
    if isinstance(exc, ClearanceError):
        return with_hint(exc), exc.exit_code
    if isinstance(exc, ValidationError | FileNotFoundError):
        return str(exc), EXIT_INPUT
    return (
        f"unexpected {type(exc).__name__}: {exc or '(no message)'}. This is a fault in Clearance, "
        "not in what you typed: run the command again with --debug for the trace, and report "
        "it with that trace",
        EXIT_FAULT,
    )


_SQLITE_CAUSES = (
    ("database or disk is full", "the disk holding the store is full; free some space"),
    ("readonly database", "the store is read-only; reading commands work, this one writes"),
    ("database is locked", "another process holds the store's write lock; wait, then retry"),
    ("disk i/o error", "the disk holding the store failed to read or write; check the disk"),
    ("unable to open database", "the store's file cannot be opened; check CLEARANCE_HOME"),
)
_OS_CAUSES = {
    errno.ENOSPC: "the disk is full; free some space",
    errno.EDQUOT: "the disk quota is used up; free some space",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


def _storage_cause(exc: BaseException) -> str | None:
    """The real cause of a store or file failure, found down the exception's chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig: Any = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        for err in (current, orig):
            text = str(err).lower()
            if isinstance(err, sqlite3.Error) or type(err).__module__.startswith("psycopg"):
                for needle, cause in _SQLITE_CAUSES:
                    if needle in text:
                        return f"the store failed: {cause} ({err})"
            if isinstance(err, OSError) and err.errno in _OS_CAUSES:
                where = f" at {err.filename}" if err.filename else ""
                return f"cannot write{where}: {_OS_CAUSES[err.errno]}"
        current = current.__cause__ or current.__context__
    return None


class GuardedGroup(typer.core.TyperGroup):
    """The root command: whatever a command raises that nobody caught becomes one line saying
    what failed and what to try, never a traceback (``--debug`` lets the trace through)."""

    debug = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Typer's and Click's own exceptions (exit, usage, abort) carry their own handling.
            if GuardedGroup.debug or type(exc).__module__.startswith(("typer", "click")):
                raise
            message, code = fault_message(exc)
            fail(message, code)


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings (a skipped journal line, duplicate choices) as one line a person reads, not
    Python's file-and-line form."""
    err_console.print("[yellow]warning:[/] ", end="", highlight=False)
    err_console.print(terminal_safe(str(message)), markup=False, highlight=False, soft_wrap=True)

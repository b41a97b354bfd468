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

EXIT_OK = 0
EXIT_INPUT = 1
"""A bad input: task file, dataset, model spec, run id, store URL. The message says which."""
EXIT_USAGE = 2
"""Bad command-line usage (unknown option, missing argument)."""
EXIT_ERRORS = 3
"""The run stopped because sample errors exceeded --fail-on-error."""
EXIT_FAULT = 5
"""Something failed that the input does not explain: the store, the disk, or a bug. The message
says what failed and what to try; ``--debug`` shows the trace."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C or SIGTERM; `clearance eval resume RUN` finishes it."""

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 bad input (the message names what and where); 2 bad usage; "
    "3 sample errors beyond --fail-on-error, or no sample scored; 4 ledger verification failed; "
    "5 a fault (store, disk or a bug; --debug shows the trace); 130 interrupted (resumable)."
)


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    # soft_wrap: a long path or list stays on one line, so logs and grep see it whole. The
    # message is data (it quotes names and values a user or a file gave), never markup.
    err_console.print("[bold red]error:[/] ", end="", highlight=False)
    err_console.print(terminal_safe(message), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _user_errors() -> tuple[type[BaseException], ...]:
    # Imported only when an error is being matched, so `clearance --help` stays light. Every
    # error a user can fix by changing what they typed is here, for every command alike.
    from clearance.access import AccessDenied, MarkingError, PasswordPolicyError, RemarkError
    from clearance.accountability import (
        AuthenticationError,
        ExportChangedError,
        PrincipalExistsError,
        PrincipalNotFoundError,
        UserError,
    )
    from clearance.assess import AssessError, PolicyError
    from clearance.datasets import DatasetError
    from clearance.governance import GovernanceError
    from clearance.models import ModelError, ModelSpecError
    from clearance.reports import ReportError
    from clearance.runner import RunError
    from clearance.store import (
        AssessmentNotFoundError,
        GovernanceNotFoundError,
        RunNotFoundError,
        StoreError,
    )
    from clearance.tasks import TaskArgumentError, TaskFileError, UnknownNameError

    return (
        AccessDenied,
        AssessError,
        AssessmentNotFoundError,
        ExportChangedError,
        GovernanceError,
        GovernanceNotFoundError,
        MarkingError,
        PasswordPolicyError,
        PolicyError,
        PrincipalExistsError,
        PrincipalNotFoundError,
        RemarkError,
        ReportError,
        UserError,
        AuthenticationError,
        DatasetError,
        ModelSpecError,
        ModelError,
        RunError,
        RunNotFoundError,
        StoreError,
        TaskArgumentError,
        TaskFileError,
        UnknownNameError,
        ValidationError,
        FileNotFoundError,
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into a one-line message and exit code 1."""
    try:
        yield
    except ValidationError as exc:
        fail(validation_message(exc))
    except _user_errors() as exc:
        fail(str(exc))


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
    if isinstance(exc, _user_errors()):
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

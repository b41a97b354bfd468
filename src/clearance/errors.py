"""The root of every error Clearance raises on purpose, and the exit code and hint each carries.

Layer 0: imports nothing of Clearance, so every package can root its errors here. A front end
(the CLI, the web app) maps an error to its answer by type: :attr:`ClearanceError.exit_code` and
:attr:`ClearanceError.hint` come with the class, so a new error needs no list kept elsewhere.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_INPUT = 1
"""A bad input: task file, dataset, model spec, run id, store URL. The message says which."""
EXIT_USAGE = 2
"""Bad command-line usage (unknown option, missing argument)."""
EXIT_ERRORS = 3
"""The run stopped because sample errors exceeded --fail-on-error, or no sample scored."""
EXIT_TAMPERED = 4
"""Ledger verification failed: the record was altered."""
EXIT_FAULT = 5
"""Something failed that the input does not explain: the store, the disk, or a bug. The message
says what failed and what to try; ``--debug`` shows the trace."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C or SIGTERM; `clearance eval resume RUN` finishes it."""


class ClearanceError(Exception):
    """Something Clearance refused or could not do, said so that the user can act on it.

    The message names what, where and how to fix it. Subclasses keep the builtin base they
    had (``ValueError``, ``LookupError``, ``PermissionError``…) beside this one, so callers that
    catch those still do.
    """

    exit_code: ClassVar[int] = EXIT_INPUT
    """The process exit code a command ends with when this error stops it."""
    hint: ClassVar[str] = ""
    """A next step shown under the message, when one holds for every error of the class."""

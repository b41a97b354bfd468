"""One error root: every error Clearance defines descends from ClearanceError, and the CLI turns
one into its message, hint and exit code by its type, with no list of classes to keep."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

import clearance
from clearance.cli._errors import user_errors
from clearance.errors import EXIT_INPUT, EXIT_TAMPERED, ClearanceError

# The sandbox launcher runs as its own small program and imports nothing of Clearance.
_STANDALONE = {"clearance.sandbox._launcher"}


def _modules() -> list[str]:
    names = [clearance.__name__]
    for info in pkgutil.walk_packages(clearance.__path__, prefix="clearance."):
        if info.name in _STANDALONE or ".migrations" in info.name:
            continue
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _defined_errors() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for name in _modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_every_error_clearance_defines_descends_from_the_root() -> None:
    errors = _defined_errors()
    assert len(errors) > 40  # the walk really found the package's errors
    strays = [
        f"{e.__module__}.{e.__qualname__}" for e in errors if not issubclass(e, ClearanceError)
    ]
    assert strays == []


def test_errors_keep_the_builtin_base_callers_catch() -> None:
    from clearance.access import AccessDenied
    from clearance.store import RunNotFoundError

    assert issubclass(RunNotFoundError, LookupError)
    assert issubclass(AccessDenied, PermissionError)


def _app_raising(error: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def go() -> None:
        with user_errors():
            raise error

    return app


class _Tampered(ClearanceError):
    exit_code: ClassVar[int] = EXIT_TAMPERED
    hint: ClassVar[str] = "run `clearance ledger verify` to see the first bad entry"


def test_the_cli_maps_an_error_by_its_type_to_its_code_and_hint() -> None:
    result = CliRunner().invoke(_app_raising(_Tampered("entry 7 was altered")))
    assert result.exit_code == EXIT_TAMPERED
    assert "entry 7 was altered" in result.output
    assert "hint: run `clearance ledger verify`" in result.output


def test_a_subclass_nobody_listed_is_still_a_user_error() -> None:
    class Unlisted(ClearanceError, ValueError):
        pass

    result = CliRunner().invoke(_app_raising(Unlisted("bad value in x.yaml line 3")))
    assert result.exit_code == EXIT_INPUT
    assert "bad value in x.yaml line 3" in result.output
    assert "Traceback" not in result.output


def test_an_error_outside_the_root_is_not_swallowed() -> None:
    result = CliRunner().invoke(_app_raising(ZeroDivisionError("a bug")))
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.parametrize("hint", ["", "clearance eval list"])
def test_a_hint_already_in_the_message_is_not_repeated(hint: str) -> None:
    class Missing(ClearanceError):
        pass

    Missing.hint = hint
    result = CliRunner().invoke(
        _app_raising(Missing("no run 7; list them with clearance eval list"))
    )
    assert "hint:" not in result.output

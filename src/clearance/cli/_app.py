"""The root `clearance` command."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import typer

import clearance
from clearance.cli import (
    _assess,
    _bundle,
    _custody,
    _data,
    _db,
    _decision,
    _eval,
    _import,
    _incident,
    _inventory,
    _ledger,
    _mitigation,
    _monitor,
    _nodes,
    _practice,
    _redteam,
    _report,
    _rules,
    _run,
    _serve,
    _suite,
    _supplychain,
    _usecase,
    _user,
    _waiver,
    _witness,
)
from clearance.cli._errors import EXIT_CODES_HELP, GuardedGroup, show_warning
from clearance.commithooks import on_commit
from clearance.filemodes import PRIVATE_UMASK

app = typer.Typer(
    name="clearance",
    help="Test AI models, decide how they may be used, and keep an accountable record of both. "
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=GuardedGroup,
)
app.add_typer(_eval.app, name="eval")
app.add_typer(_assess.assess_app, name="assess")
app.add_typer(_assess.policy_app, name="policy")
app.add_typer(_assess.findings_app, name="findings")
app.add_typer(_mitigation.mitigation_app, name="mitigation")
app.add_typer(_suite.app, name="suite")
app.add_typer(_data.app, name="data")
app.add_typer(_db.app, name="db")
app.add_typer(_usecase.usecase_app, name="usecase")
app.add_typer(_practice.practice_app, name="practice")
app.add_typer(_decision.decision_app, name="decision")
app.add_typer(_waiver.waiver_app, name="waiver")
app.add_typer(_incident.incident_app, name="incident")
app.add_typer(_redteam.redteam_app, name="redteam")
app.add_typer(_monitor.monitor_app, name="monitor")
app.add_typer(_inventory.inventory_app, name="inventory")
app.add_typer(_rules.app, name="rules")
app.add_typer(_run.run_app, name="run")
app.add_typer(_ledger.app, name="ledger")
app.add_typer(_user.app, name="user")
app.add_typer(_report.app, name="report")
app.add_typer(_witness.app, name="witness")
app.add_typer(_import.import_app, name="import")
app.add_typer(_bundle.bundle_app, name="bundle")
app.command("serve")(_serve.serve)
app.command("bom")(_supplychain.bom)
app.add_typer(_supplychain.model_app, name="model")
app.add_typer(_custody.cta_app, name="cta")
app.add_typer(_nodes.supply_chain_app, name="supply-chain")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clearance {clearance.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="On an unexpected failure, show the full trace instead of one line."
    ),
) -> None:
    """Clearance."""
    GuardedGroup.debug = debug
    warnings.showwarning = show_warning


def main() -> None:
    # Everything a command creates (the store, caches, journals, checkpoints, keys, exports) is
    # readable by its owner only, whatever umask the shell had.
    os.umask(PRIVATE_UMASK)
    checkpoints = _AutoCheckpointHook()
    on_commit(checkpoints)
    try:
        app()
    finally:
        checkpoints.finish()


class _AutoCheckpointHook:
    """Signs (and publishes to the witnesses) a checkpoint after a command that wrote, and
    during a long one when due. Loads accountability only once something was committed."""

    def __init__(self) -> None:
        self._auto: Any = None

    def __call__(self, engine: Any, entries: Sequence[Any]) -> None:
        if self._auto is None:
            from clearance.accountability import start_auto_checkpoints

            self._auto = start_auto_checkpoints(register=False) or False
        if self._auto:
            self._auto.committed(engine, entries)

    def finish(self) -> None:
        if not self._auto:
            return
        try:
            self._auto.finish()
        except Exception as exc:
            from clearance.cli._render import err_console, terminal_safe
            from clearance.errors import EXIT_TAMPERED

            err_console.print("[bold red]error:[/] ", end="", highlight=False)
            err_console.print(
                terminal_safe(f"the automatic checkpoint failed: {exc}"), markup=False
            )
            sys.exit(EXIT_TAMPERED)

"""`clearance redteam`: human red-team campaigns (sessions happen in the web application),
their results and raters' agreement, exports, and replay against another model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clearance.cli._errors import user_errors
from clearance.cli._options import JsonOption
from clearance.cli._render import emit_json, err_console, out_console
from clearance.cli._session import open_session

redteam_app = typer.Typer(
    help="Human red teaming: campaigns, confirmed attack success, raters' agreement, replay.",
    no_args_is_help=True,
)
CampaignArgument = Annotated[str, typer.Argument(help="The campaign's id, id prefix or name.")]


@redteam_app.command("list")
def redteam_list(as_json: JsonOption = False) -> None:
    """Campaigns you may read, newest first."""
    from clearance.redteam import list_campaigns

    with user_errors():
        store, who = open_session()
        found = list_campaigns(store, principal=who.principal)
    if as_json:
        emit_json([c.model_dump(mode="json") for c in found])
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "name", "model", "domain", "objectives", "marking"):
        table.add_column(col)
    for c in found:
        table.add_row(c.id, c.name, c.model_spec, c.domain, str(len(c.objectives)),
                      c.marking_level)  # fmt: skip
    out_console.print(table)
    if found.withheld_notice:
        err_console.print(found.withheld_notice)


@redteam_app.command("show")
def redteam_show(campaign: CampaignArgument, as_json: JsonOption = False) -> None:
    """A campaign: attack success per objective (95% intervals), raters' kappa, sessions."""
    from clearance.redteam import describe_agreement, describe_rate, summarise_campaign

    with user_errors():
        store, who = open_session()
        s = summarise_campaign(store, campaign, principal=who.principal)
    if as_json:
        emit_json(s.model_dump(mode="json"))
        return
    c = s.campaign
    out_console.print(f"[bold]{c.name}[/] {c.id} ({s.marking.banner()})", highlight=False)
    out_console.print(f"model {c.model_spec} · domain {c.domain}", highlight=False)
    table = Table(show_header=True, header_style="bold")
    for col in ("objective", "confirmed", "success", "partial", "attack success rate"):
        table.add_column(col)
    for o in s.objectives:
        table.add_row(o.title, str(o.attempts), str(o.successes), str(o.partial),
                      describe_rate(o.rate))  # fmt: skip
    out_console.print(table)
    out_console.print(f"overall: {describe_rate(s.overall)}", highlight=False)
    out_console.print(f"raters' kappa: {describe_agreement(s.agreement)}", highlight=False)
    if s.pending:
        out_console.print(f"{s.pending} attempt(s) await a second rater", highlight=False)
    for session in s.sessions:
        run = f" run {session.run_id}" if session.run_id else ""
        out_console.print(f"session {session.id} by {session.created_by}: {session.status}{run}",
                          highlight=False)  # fmt: skip


@redteam_app.command("export")
def redteam_export(
    campaign: CampaignArgument,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default stdout).")
    ] = None,
) -> None:
    """A campaign with every readable session's turns and attempts, as JSON."""
    from clearance.atomicfile import write_bytes_atomically
    from clearance.redteam import export_campaign

    with user_errors():
        store, who = open_session()
        exported = export_campaign(store, campaign, principal=who.principal)
    document = {"marking": exported.summary.marking.banner(), **exported.model_dump(mode="json")}
    if output is None:
        emit_json(document)
        return
    with user_errors():
        write_bytes_atomically(output, json.dumps(document, indent=2).encode())
    err_console.print(f"wrote {output} ({document['marking']})", highlight=False)


@redteam_app.command("replay")
def redteam_replay(
    campaign: CampaignArgument,
    model: Annotated[str, typer.Option("--model", help="PROVIDER/NAME to re-send attacks to.")],
    kind: Annotated[
        str, typer.Option("--kind", help="What changed: system_prompt, output_filter, ...")
    ] = "other",
    description: Annotated[
        str | None, typer.Option("--description", help="What the mitigation is.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Re-send the campaign's confirmed successful attacks (every turn) to MODEL, judge the
    answers by the refusal rules, and record the pair as a mitigation (exact McNemar)."""
    from clearance.assess import MITIGATION_KINDS
    from clearance.redteam import RedTeamError, replay_campaign

    with user_errors():
        if kind not in MITIGATION_KINDS:
            raise RedTeamError(f"--kind must be one of: {', '.join(MITIGATION_KINDS)}")
        store, who = open_session()
        result = asyncio.run(
            replay_campaign(store, campaign, model_spec=model, principal=who.principal,
                            kind=kind, description=description)
        )  # fmt: skip
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    e = result.efficacy
    out_console.print(
        f"{result.attacks} successful attack(s) replayed on {model}: "
        f"{result.still_successful} still succeed. Attack success {e['baseline_value']:.2f} -> "
        f"{e['mitigated_value']:.2f} ({e['method']}, p={e['p_value']:.4g}); mitigation "
        f"{result.mitigation_id}, runs {result.baseline_run_id} and {result.replay_run_id}",
        highlight=False,
    )

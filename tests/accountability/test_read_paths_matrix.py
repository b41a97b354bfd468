"""The access matrix over every read path a person uses: each role × clearance level ×
compartment set, through the commands (listings, shows, exports, reports, inventory, ledger)
and the web application (the REST API under /api/v1 and the pages), on one store holding an
open (UNCLASSIFIED) and a hidden (SECRET//BIO) run, use case, decision, waiver and incident.

For a reader not cleared for the hidden records: no id or title of theirs appears anywhere, a
hidden record's show answers exactly as a missing one's (command and web alike), a prefix that
both ids share matches the open record only, and linking the hidden run as evidence says what a
missing run says (never that the reader's clearance "does not dominate" it). For a reader
cleared for them, the same paths do show them, so the assertions cannot pass by showing
nothing."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from accountability_support import OWNER, cli, eval_run, marked_use_case, write_task
from fastapi.testclient import TestClient

from clearance.access import ROLE_PERMISSIONS, Action, Marking, Principal, Role
from clearance.errors import ClearanceError
from clearance.governance import (
    grant_waiver,
    link_evidence,
    report_incident,
    request_decision,
)
from clearance.store import Store
from clearance.web import create_app
from people_support import enrolled_user, first_admin, own_token

HIDDEN = "SECRET//BIO"
HIDDEN_NAME = "zebra"
LEVELS = ["UNCLASSIFIED", "SECRET", "TOP SECRET"]
COMPARTMENTS: list[tuple[str, ...]] = [(), ("BIO",), ("CYBER",)]
ROLES = [r for r in Role if r is not Role.ADMIN]
MISSING_RUN = "20991231-235959-00000000"
MISSING = "uc-20991231-235959-00000000"


def _reader_id(role: Role, level: str, compartments: tuple[str, ...]) -> str:
    return f"{role.value}-{level.replace(' ', '').lower()}-{'-'.join(compartments) or 'none'}"


READERS = [
    (_reader_id(role, level, comps), role, level, comps)
    for role, level, comps in itertools.product(ROLES, LEVELS, COMPARTMENTS)
]


def _cleared(level: str, compartments: tuple[str, ...]) -> bool:
    return LEVELS.index(level) >= LEVELS.index("SECRET") and "BIO" in compartments


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("paths")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CLEARANCE_HOME", str(root / "home"))
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    store = Store.open()
    ids: dict[str, dict[str, str]] = {"open": {}, "hidden": {}}
    for name, marking in (("open", "UNCLASSIFIED"), ("hidden", HIDDEN)):
        title = "open" if name == "open" else HIDDEN_NAME
        task, model = write_task(root / name, 2, name=f"{title}-sums")
        ids[name]["run"] = eval_run(task, model, "--marking", marking)
        use_case = marked_use_case(store, title, marking)
        ids[name]["use_case"] = use_case.id
        ids[name]["decision"] = request_decision(
            store, use_case.id, rationale=f"Please decide on {title}.", principal=OWNER
        ).id
        ids[name]["waiver"] = grant_waiver(
            store, use_case.id, "training", category="impedes-critical-operations",
            finding=f"A finding about {title}, long enough to be one.", principal=OWNER,
        ).waiver.id  # fmt: skip
        ids[name]["incident"] = report_incident(
            store, use_case_ref=use_case.id, kind="incident", severity="low",
            summary=f"incident {title}", description="d", principal=OWNER,
        ).id  # fmt: skip
    admin = first_admin(
        store, "root", roles=(Role.ADMIN, Role.CHIEF_AI_OFFICER),
        clearance=Marking.of("TS", "BIO", "CYBER"),
    )  # fmt: skip
    tokens = {}
    for reader_id, role, level, comps in READERS:
        who = enrolled_user(
            store, admin, reader_id, roles=[role], clearance=Marking.of(level, *comps)
        )
        tokens[reader_id] = own_token(store, who)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        yield {
            "store": store,
            "ids": ids,
            "tokens": tokens,
            "home": str(root / "home"),
            "client": client,
        }
    store.close()
    monkeypatch.undo()


def _secrets(world: dict[str, Any]) -> list[str]:
    return [*world["ids"]["hidden"].values(), HIDDEN_NAME, HIDDEN]


def _say(world: dict[str, Any], reader: str, *args: str) -> str:
    env = {"CLEARANCE_TOKEN": world["tokens"][reader], "CLEARANCE_HOME": world["home"]}
    result = cli(*args, env=env)
    return f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"


def _same(hidden: str, missing: str, hidden_id: str, missing_id: str) -> None:
    # The request's own id aside (and timings), hidden and missing answer alike.
    def plain(text: str, ref: str) -> str:
        return re.sub(r"\s+", " ", text.replace(ref, "REF"))

    assert plain(hidden, hidden_id) == plain(missing, missing_id)


def _cli_listings(world: dict[str, Any], reader: str) -> dict[str, str]:
    ids = world["ids"]
    open_uc = ids["open"]["use_case"]
    paths = {
        "eval list": ("eval", "list", "--json"),
        "usecase list": ("usecase", "list", "--json"),
        "usecase due": ("usecase", "due"),
        "decision list": ("decision", "list", open_uc, "--json"),
        "waiver list": ("waiver", "list", "--json"),
        "incident list": ("incident", "list", "--json"),
        "findings list": ("findings", "list"),
        "mitigation list": ("mitigation", "list"),
        "inventory omb": ("inventory", "export", "--format", "omb-csv"),
        "inventory framework": ("inventory", "export", "--format", "framework-json"),
        "report annual": ("report", "annual", "--format", "md"),
        "report inventory": ("report", "inventory", "--format", "md"),
        "report waivers": ("report", "waivers", "--format", "md"),
        "ledger verify": ("ledger", "verify", "--json"),
    }
    return {name: _say(world, reader, *args) for name, args in paths.items()}


_CLI_SHOWS = {
    "run": [("eval", "show"), ("eval", "export")],
    "use_case": [("usecase", "show"), ("decision", "list")],
    "incident": [("incident", "show")],
}

_WEB_SHOWS = {
    "run": ["/api/v1/runs/{}", "/api/v1/runs/{}/samples", "/api/v1/runs/{}/export", "/runs/{}"],
    "use_case": ["/api/v1/use-cases/{}", "/api/v1/use-cases/{}/decisions", "/use-cases/{}"],
    "incident": ["/api/v1/incidents/{}"],
}

_WEB_LISTINGS = [
    "/api/v1/runs",
    "/api/v1/use-cases",
    "/api/v1/waivers",
    "/api/v1/incidents",
    "/api/v1/due",
    "/api/v1/findings",
    "/api/v1/inventory",
    "/api/v1/inventory?format=omb-csv",
    "/api/v1/reports/waivers?format=md",
    "/api/v1/reports/inventory?format=md",
    "/api/v1/ledger?entries=500",
    "/runs",
    "/use-cases",
    "/ledger",
    "/",
]


def _missing_id(kind: str) -> str:
    """An id of the kind's shape that no record has."""
    return {"run": MISSING_RUN, "use_case": MISSING}.get(kind, MISSING.replace("uc-", "in-"))


@pytest.mark.parametrize(("reader", "role", "level", "comps"), READERS, ids=[r[0] for r in READERS])
def test_no_read_path_shows_a_reader_what_is_above_them(
    world: dict[str, Any], reader: str, role: Role, level: str, comps: tuple[str, ...]
) -> None:
    ids = world["ids"]
    cleared = _cleared(level, comps)
    client: TestClient = world["client"]
    headers = {"Authorization": f"Bearer {world['tokens'][reader]}"}
    seen: dict[str, str] = _cli_listings(world, reader)
    for path in _WEB_LISTINGS:
        response = client.get(path, headers=headers)
        seen[f"GET {path}"] = f"{response.status_code}\n{response.text}"

    for kind, commands in _CLI_SHOWS.items():
        hidden_id, missing_id = ids["hidden"][kind], _missing_id(kind)
        for command in commands:
            hidden = _say(world, reader, *command, hidden_id)
            # The id the reader typed is echoed back, as a missing one is: not a leak.
            seen[f"{' '.join(command)} hidden"] = hidden.replace(hidden_id, "REF")
            if not cleared:
                _same(hidden, _say(world, reader, *command, missing_id), hidden_id, missing_id)
        for template in _WEB_SHOWS[kind]:
            answers = [client.get(template.format(ref), headers=headers) for ref in
                       (hidden_id, missing_id)]  # fmt: skip
            text = [f"{a.status_code}\n{a.text}" for a in answers]
            seen[f"GET {template} hidden"] = text[0].replace(hidden_id, "REF")
            if not cleared:
                _same(text[0], text[1], hidden_id, missing_id)

    readable = Action.RUN_READ in ROLE_PERMISSIONS[role]
    if not cleared:
        for where, text in seen.items():
            for secret in _secrets(world):
                assert secret not in text, f"{secret!r} shown to {reader} by {where}"
        # A prefix both run ids share ("2026...") matches the open run only.
        shared = ids["open"]["run"][:4]
        assert ids["hidden"]["run"].startswith(shared)
        prefixed = _say(world, reader, "eval", "show", shared)
        if readable:
            assert ids["open"]["run"] in prefixed, prefixed
        assert "match" not in prefixed.replace("no run matches", "")
    elif readable:
        assert ids["hidden"]["run"] in seen["eval list"]
        assert HIDDEN_NAME in seen["GET /api/v1/runs"]


def _linked(world: dict[str, Any], principal: Principal, ref: str) -> str:
    try:
        link_evidence(
            world["store"], world["ids"]["open"]["use_case"], "realistic-testing", "run", ref,
            principal=principal,
        )  # fmt: skip
    except ClearanceError as refused:
        return f"{type(refused).__name__}: {refused}"
    return "linked"


@pytest.mark.parametrize("level", LEVELS)
def test_linking_a_hidden_run_reads_as_linking_a_missing_one(
    world: dict[str, Any], level: str
) -> None:
    linker = Principal(
        id=f"linker-{level}", name="Linker", roles=frozenset({Role.RISK_OWNER}),
        clearance=Marking.of(level),
    )  # fmt: skip
    hidden_id = world["ids"]["hidden"]["run"]
    hidden = _linked(world, linker, hidden_id)
    missing = _linked(world, linker, MISSING_RUN)
    assert hidden.replace(hidden_id, "REF") == missing.replace(MISSING_RUN, "REF")
    assert "dominate" not in hidden
    assert "SECRET" not in hidden


def test_the_ledger_page_and_api_list_no_entry_of_a_hidden_record(world: dict[str, Any]) -> None:
    from clearance.store import LedgerReader

    hidden = set(world["ids"]["hidden"].values())
    entries = list(LedgerReader(world["store"].engine).entries())
    hidden_seqs = {e.seq for e in entries if e.record_id in hidden}
    assert hidden_seqs
    client: TestClient = world["client"]
    for reader, _, level, comps in READERS:
        headers = {"Authorization": f"Bearer {world['tokens'][reader]}"}
        listed = client.get("/api/v1/ledger?entries=500", headers=headers)
        if listed.status_code != 200:
            continue
        seqs = {line["seq"] for line in listed.json()["item"]["entries"]}
        assert bool(seqs & hidden_seqs) == _cleared(level, comps), reader
        page = client.get("/ledger", headers=headers).text
        for seq in hidden_seqs - seqs:
            assert f'<td class="num">{seq}</td>' not in page, (reader, seq)

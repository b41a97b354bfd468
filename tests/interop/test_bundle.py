"""Signed evidence bundles: made on SQLite, verified offline, imported into PostgreSQL; one
changed byte, a forged record under a valid signature, or a record above the bundle's stated
clearance is rejected; the 30-day sharing duty is listed."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clearance.access import AccessDenied, Marking, Role
from clearance.accountability import acting, key_path, signing_key, verify_ledger
from clearance.interop import (
    SHARING_DAYS,
    BundleRejected,
    InteropError,
    create_bundle,
    import_bundle,
    import_runs,
    inspect_run,
    lmeval_runs,
    read_public_key,
    sharing_due,
    verify_bundle,
)
from clearance.interop._bundle import _dumps, _first_line
from clearance.ledger import public_key_pem
from clearance.store import Store
from conftest import INSPECT_EVAL, LMEVAL_RESULTS
from people_support import enrolled_user, first_admin


@pytest.fixture
def issued(sqlite_store: Store, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A bundle made on SQLite of a SECRET Inspect import and an UNCLASSIFIED lm-eval import,
    for a SECRET recipient; the issuer's public key; the run ids by tool."""
    who = acting(sqlite_store)
    [inspect] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)], marking=Marking.of("S"))
    [lmeval] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS))
    out = tmp_path / "evidence.bundle"
    made = create_bundle(
        sqlite_store, who, runs=[inspect.run.id, lmeval.run.id], recipient=Marking.of("S"), out=out
    )
    assert (made.withheld, made.marking) == (0, "SECRET")
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(public_key_pem(signing_key()))
    return out, public, {"inspect": inspect.run.id, "lm-eval": lmeval.run.id}


def test_bundle_from_sqlite_imports_into_postgresql_and_verifies(
    issued: tuple[Path, Path, dict[str, str]],
    sqlite_store: Store,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle, public, ids = issued
    key = read_public_key(public)
    verified = verify_bundle(bundle.read_bytes(), key)
    assert {r["id"] for r in verified.runs} == set(ids.values())
    # The recipient is another agency: its own home, keys and checkpoints.
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path / "recipient-home"))
    team = Store.open(postgres_url)
    try:
        root = first_admin(team, "root", clearance=Marking.of("TS"))
        done = import_bundle(team, root, bundle.read_bytes(), key)
        assert set(done.created) == set(ids.values())
        for run_id in ids.values():
            here, there = sqlite_store.runs.resolve(run_id), team.runs.resolve(run_id)
            assert (there.metrics, there.marking_level) == (here.metrics, here.marking_level)
            assert there.provenance["origin"]["issuer_key_id"] == verified.issuer_key_id
            assert there.provenance["origin"]["checkpoint"]["root"] == verified.checkpoint.root
            theirs = [s.model_dump() for s in team.runs.samples(run_id)]
            ours = [s.model_dump() for s in sqlite_store.runs.samples(run_id)]
            assert theirs == ours
        assert verify_ledger(team, root.principal).ok
        again = import_bundle(team, root, bundle.read_bytes(), key)
        assert (again.created, set(again.already)) == ((), set(ids.values()))
    finally:
        team.close()


def test_any_one_changed_byte_is_rejected(issued: tuple[Path, Path, dict[str, str]]) -> None:
    bundle, public, _ = issued
    data = bundle.read_bytes()
    key = read_public_key(public)
    positions = sorted({0, len(data) - 1, *range(0, len(data), max(1, len(data) // 300))})
    for position in positions:
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(BundleRejected):
            verify_bundle(bytes(changed), key)
    with pytest.raises(BundleRejected):
        verify_bundle(data[:-1], key)


def test_another_issuers_key_is_rejected(issued: tuple[Path, Path, dict[str, str]]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    bundle, _, _ = issued
    with pytest.raises(BundleRejected, match="not by the public key given"):
        verify_bundle(bundle.read_bytes(), Ed25519PrivateKey.generate().public_key())


def _resigned(data: bytes, change: Any) -> bytes:
    """The bundle with its payload changed by ``change`` and signed again with the issuer's
    own key: what an issuer's bug, or a thief of its key, could produce."""
    _, body, _, _ = data.split(b"\n")
    payload = json.loads(body)
    change(payload)
    new_body = _dumps(payload)
    key = signing_key()
    signature = {"key_id": payload["issuer"]["key_id"],
                 "signature": base64.b64encode(key.sign(new_body)).decode()}  # fmt: skip
    return _first_line(payload["marking"]) + b"\n" + new_body + b"\n" + _dumps(signature) + b"\n"


def test_a_record_above_the_stated_clearance_is_rejected(
    issued: tuple[Path, Path, dict[str, str]],
) -> None:
    bundle, public, _ = issued
    key = read_public_key(public)

    def lower(payload: dict[str, Any]) -> None:
        payload["recipient_clearance"] = "CONFIDENTIAL"

    with pytest.raises(BundleRejected, match="marked SECRET, above the clearance the bundle"):
        verify_bundle(_resigned(bundle.read_bytes(), lower), key)


def test_forged_content_under_a_valid_signature_is_rejected(
    issued: tuple[Path, Path, dict[str, str]],
) -> None:
    bundle, public, _ = issued
    key = read_public_key(public)

    def better_metric(payload: dict[str, Any]) -> None:
        run = next(r for r in payload["records"] if r["record_type"] == "run")
        run["content"]["metrics"]["accuracy"]["value"] = 0.99

    def better_sample(payload: dict[str, Any]) -> None:
        payload["samples"][0]["rows"][0]["scores"]["choice"]["value"] = (
            1.0 - (payload["samples"][0]["rows"][0]["scores"]["choice"]["value"])
        )

    def lost_proof(payload: dict[str, Any]) -> None:
        payload["records"][0]["proof"] = payload["records"][0]["proof"][1:]

    with pytest.raises(BundleRejected, match="does not match its ledger entry"):
        verify_bundle(_resigned(bundle.read_bytes(), better_metric), key)
    with pytest.raises(BundleRejected, match="batch 1 of"):
        verify_bundle(_resigned(bundle.read_bytes(), better_sample), key)
    with pytest.raises(BundleRejected, match="inclusion proof"):
        verify_bundle(_resigned(bundle.read_bytes(), lost_proof), key)


def test_only_what_the_recipient_may_hold_is_bundled(sqlite_store: Store, tmp_path: Path) -> None:
    who = acting(sqlite_store)
    [secret] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)], marking=Marking.of("S"))
    [plain] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS))
    made = create_bundle(
        sqlite_store, who, runs=[secret.run.id, plain.run.id], recipient=Marking.of("C"),
        out=tmp_path / "b",
    )  # fmt: skip
    assert (made.runs, made.withheld, made.marking) == ((plain.run.id,), 1, "UNCLASSIFIED")
    body = (tmp_path / "b").read_bytes()
    assert secret.run.id.encode() not in body
    with pytest.raises(InteropError, match="above the recipient's clearance"):
        create_bundle(sqlite_store, who, runs=[secret.run.id], recipient=Marking.of("U"),
                      out=tmp_path / "c")  # fmt: skip


def test_importer_needs_the_runs_clearance(
    issued: tuple[Path, Path, dict[str, str]], postgres_url: str
) -> None:
    bundle, public, _ = issued
    team = Store.open(postgres_url)
    try:
        root = first_admin(team, "root", clearance=Marking.of("TS"))
        low = enrolled_user(team, root, "lowe", roles=[Role.EVALUATOR], clearance=Marking.of("C"))
        with pytest.raises(AccessDenied):
            import_bundle(team, low, bundle.read_bytes(), read_public_key(public))
    finally:
        team.close()


def test_thirty_day_duty_lists_unshared_completed_runs(sqlite_store: Store, tmp_path: Path) -> None:
    who = acting(sqlite_store)
    [first] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)])
    [second] = import_runs(sqlite_store, who, lmeval_runs(LMEVAL_RESULTS))
    listed = {d.run.id: d for d in sharing_due(sqlite_store, who.principal)}
    assert set(listed) == {first.run.id, second.run.id}
    finished = first.run.finished_at
    assert finished is not None
    assert listed[first.run.id].due == finished + timedelta(days=SHARING_DAYS)
    # The fixtures finished on 2026-12-02; their duty falls due 30 days later.
    assert listed[first.run.id].due.date().isoformat() == "2027-01-01"
    create_bundle(
        sqlite_store, who, runs=[first.run.id], recipient=Marking.of("U"), out=tmp_path / "b"
    )
    assert [d.run.id for d in sharing_due(sqlite_store, who.principal)] == [second.run.id]
    shared = sqlite_store.runs.resolve(first.run.id).provenance["shared"]
    assert shared[0]["recipient_clearance"] == "UNCLASSIFIED"
    assert verify_ledger(sqlite_store, who.principal).ok
    assert key_path().is_file()


def test_bundle_commands(
    tmp_path: Path, clearance_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from clearance.cli import app

    cli = CliRunner()
    made = cli.invoke(app, ["import", "lm-eval", str(LMEVAL_RESULTS), "--json"])
    assert made.exit_code == 0, made.stderr
    run_id = json.loads(made.stdout)[0]["id"]
    due = cli.invoke(app, ["bundle", "due", "--json"])
    assert [row["run"] for row in json.loads(due.stdout)] == [run_id]
    out = tmp_path / "b.bundle"
    created = cli.invoke(
        app, ["bundle", "create", "--runs", run_id, "--for", "U", "--out", str(out)]
    )
    assert created.exit_code == 0, created.stderr
    assert json.loads(cli.invoke(app, ["bundle", "due", "--json"]).stdout) == []
    public = key_path().with_name("ledger_ed25519.pub.pem")
    verified = cli.invoke(app, ["bundle", "verify", str(out), "--public-key", str(public)])
    assert verified.exit_code == 0, verified.stderr
    assert "verified: 1 runs" in verified.stdout
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x20
    (tmp_path / "bad.bundle").write_bytes(bytes(data))
    refused = cli.invoke(
        app, ["bundle", "verify", str(tmp_path / "bad.bundle"), "--public-key", str(public)]
    )
    assert refused.exit_code == 4
    assert "altered" in refused.stderr
    assert "Traceback" not in refused.stderr
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path / "other-agency"))
    imported = cli.invoke(app, ["bundle", "import", str(out), "--public-key", str(public)])
    assert imported.exit_code == 0, imported.stderr
    assert run_id in imported.stdout


def test_assessments_travel_with_their_findings_and_origin(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.assess import assess_model
    from clearance.interop import TaskMapping

    who = acting(sqlite_store)
    mapping = TaskMapping(benchmark="mmlu", model_spec="openai/mock")
    [run] = import_runs(sqlite_store, who, [inspect_run(INSPECT_EVAL)], mapping=mapping)
    assessment = assess_model(sqlite_store, "openai/mock", principal=who.principal)
    assert assessment.id is not None
    findings = sqlite_store.findings.findings(assessment_id=assessment.id)
    out = tmp_path / "b"
    made = create_bundle(
        sqlite_store, who, runs=[run.run.id], assessments=[assessment.id],
        recipient=Marking.of("U"), out=out,
    )  # fmt: skip
    assert made.assessments == (assessment.id,)
    assert out.read_bytes().startswith(b"clearance-bundle 1 UNCLASSIFIED\n")
    public = public_key_pem(signing_key())
    monkeypatch.setenv("CLEARANCE_HOME", str(tmp_path / "recipient"))
    (tmp_path / "recipient").mkdir()
    other = Store.open(f"sqlite:///{tmp_path / 'recipient' / 'c.db'}")
    try:
        from clearance.ledger import load_public_key

        done = import_bundle(other, acting(other), out.read_bytes(), load_public_key(public))
        [received] = other.findings.assessments()
        assert received.id in done.created
        assert received.summary["origin"]["id"] == assessment.id
        theirs = other.findings.findings(assessment_id=received.id)
        assert [(f.threshold_id, f.verdict, f.value) for f in theirs] == [
            (f.threshold_id, f.verdict, f.value) for f in findings
        ]
        again = import_bundle(other, acting(other), out.read_bytes(), load_public_key(public))
        assert assessment.id in again.already
        assert verify_ledger(other, acting(other).principal).ok
    finally:
        other.close()


def test_a_changed_banner_line_is_rejected(issued: tuple[Path, Path, dict[str, str]]) -> None:
    bundle, public, _ = issued
    data = bundle.read_bytes().replace(
        b"clearance-bundle 1 SECRET\n", b"clearance-bundle 1 UNCLASSIFIED\n", 1
    )
    with pytest.raises(BundleRejected, match="first line"):
        verify_bundle(data, read_public_key(public))

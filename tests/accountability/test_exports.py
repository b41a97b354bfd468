"""Checkpoints and offline exports: signed files an auditor checks with nothing but the export
and a public key; any changed byte fails; withheld records appear in no exported file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from accountability_support import cli, eval_run, ledger_actions, said, write_task

from clearance.accountability import EXPORT_RECORD_TYPE
from clearance.ledger import load_public_key, read_checkpoint, verify_checkpoint, verify_export
from clearance.store import Store
from people_support import cli_enrolled

EXIT_TAMPERED = 4
PASSWORD = "correct horse battery"


def test_checkpoint_signs_with_a_private_key_kept_0600(
    store: Store, tmp_path: Path, clearance_home: Path
) -> None:
    task, model = write_task(tmp_path, 4)
    eval_run(task, model)
    result = cli("ledger", "checkpoint")
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    size = len(ledger_actions(store))
    assert path == clearance_home / "checkpoints" / f"checkpoint-{size}.json"
    key = clearance_home / "keys" / "ledger_ed25519.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = load_public_key((key.parent / "ledger_ed25519.pub.pem").read_bytes())
    checkpoint = read_checkpoint(path)
    assert checkpoint.tree_size == size
    assert verify_checkpoint(checkpoint, public)


def test_checkpoint_with_a_supplied_key_and_public_key(sqlite_store: Store, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    task, model = write_task(tmp_path, 3)
    eval_run(task, model)
    assert cli("ledger", "checkpoint").exit_code == 0  # the store's own key exists too
    private = Ed25519PrivateKey.generate()
    key = tmp_path / "mine.pem"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    public = tmp_path / "mine.pub.pem"
    public.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    signed = cli("ledger", "checkpoint", "--key", str(key))
    assert signed.exit_code == 0, signed.stderr
    checked = cli(
        "ledger", "verify", "--checkpoint", signed.stdout.strip(), "--public-key", str(public)
    )
    assert checked.exit_code == 0, checked.stderr
    # The store's own public key cannot vouch for it.
    default = cli("ledger", "verify", "--checkpoint", signed.stdout.strip())
    assert default.exit_code == EXIT_TAMPERED
    assert "signing key" in said(default.stderr)
    # Signing and exporting with either key keep working: each checks its own checkpoints.
    assert cli("ledger", "checkpoint").exit_code == 0
    assert cli("ledger", "export", str(tmp_path / "export"), "--key", str(key)).exit_code == 0


def test_an_export_verifies_offline(store: Store, tmp_path: Path, clearance_home: Path) -> None:
    task, model = write_task(tmp_path / "t", 5, missing=frozenset({4}))
    eval_run(task, model)
    eval_run(task, model, "--no-cache", "--marking", "SECRET//BIO")
    exported = cli("ledger", "export", str(tmp_path / "export"), "--json")
    assert exported.exit_code == 0, exported.stderr
    summary = json.loads(exported.stdout)
    assert summary["banner"] == "SECRET//BIO"
    assert summary["withheld"] == 0
    assert summary["records"] == 3  # two runs and their model
    public_key = clearance_home / "keys" / "ledger_ed25519.pub.pem"
    verified = cli(
        "ledger", "verify-export", str(tmp_path / "export"), "--public-key", str(public_key)
    )
    assert verified.exit_code == 0, verified.stderr
    assert "export verified" in verified.stdout
    # The export's own ledger entry states its banner, and is among the verified records.
    records = [
        json.loads(line)
        for line in (tmp_path / "export" / "records.jsonl").read_text().splitlines()
    ]
    (described,) = [r["content"] for r in records if r["record_type"] == EXPORT_RECORD_TYPE]
    assert (described["banner"], described["withheld"], described["records"]) == (
        "SECRET//BIO",
        0,
        3,
    )


def test_an_export_fails_after_any_byte_changes(
    sqlite_store: Store, tmp_path: Path, clearance_home: Path
) -> None:
    task, model = write_task(tmp_path / "t", 3)
    eval_run(task, model)
    export = tmp_path / "export"
    assert cli("ledger", "export", str(export)).exit_code == 0
    pem = (clearance_home / "keys" / "ledger_ed25519.pub.pem").read_bytes()
    assert verify_export(export, pem).ok
    for path in sorted(export.iterdir()):
        original = path.read_bytes()
        # Every byte of the small files; a spread of ~150 (first and last included) of the rest.
        step = max(1, len(original) // 150)
        positions = sorted({*range(0, len(original), step), len(original) - 1})
        for position in positions:
            changed = bytearray(original)
            changed[position] ^= 0x01
            path.write_bytes(bytes(changed))
            report = verify_export(export, pem)
            assert not report.ok, f"{path.name} byte {position} changed but the export verified"
        path.write_bytes(original)
    assert verify_export(export, pem).ok
    # And through the command: a changed file exits non-zero and says which file.
    entries = export / "entries.jsonl"
    entries.write_bytes(entries.read_bytes().replace(b'"run.create"', b'"run.delete"'))
    failed = cli(
        "ledger",
        "verify-export",
        str(export),
        "--public-key",
        str(clearance_home / "keys" / "ledger_ed25519.pub.pem"),
    )
    assert failed.exit_code == EXIT_TAMPERED
    assert "entries.jsonl" in said(failed.stderr)


def test_withheld_records_appear_in_no_exported_file(
    sqlite_store: Store, tmp_path: Path, clearance_home: Path
) -> None:
    open_task, open_model = write_task(tmp_path / "open", 3, name="open-sums")
    eval_run(open_task, open_model)
    secret_task, secret_model = write_task(tmp_path / "zebra-secret", 3, name="zebra-bio-task")
    secret_run = eval_run(secret_task, secret_model, "--marking", "SECRET//BIO")
    # From here the store has users: an administrator and an auditor cleared to CUI.
    admin = {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD}
    assert cli(
        "user", "add", "boss", "--role", "admin", "--level", "TS", "--compartment", "BIO",
        "--password-stdin", stdin=PASSWORD + "\n",
    ).exit_code == 0  # fmt: skip
    token = cli_enrolled(cli, "eve", "--role", "auditor", "--level", "CUI", admin=admin)

    export = tmp_path / "export"
    result = cli("ledger", "export", str(export), "--json", env={"CLEARANCE_TOKEN": token})
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["withheld"], summary["banner"], summary["records"]) == (1, "UNCLASSIFIED", 2)
    assert "1 record withheld" in said(result.stderr)

    # Nothing of the secret run is anywhere: not its task, model, questions or answers, nor
    # its id: its entries are in entries.jsonl as their seq and hashes only.
    secret_strings = [b"zebra", b"What is 2 + 2", b"The answer is 4", b"SECRET"]
    for path in export.iterdir():
        data = path.read_bytes()
        for text in [*secret_strings, secret_run.encode()]:
            assert text not in data, f"{text!r} leaked into {path.name}"
    records = (export / "records.jsonl").read_text()
    assert "open-sums" in records
    pem = (clearance_home / "keys" / "ledger_ed25519.pub.pem").read_bytes()
    assert verify_export(export, pem).ok


def test_export_refuses_a_non_empty_directory_and_a_tampered_ledger(
    sqlite_store: Store, tmp_path: Path
) -> None:
    task, model = write_task(tmp_path / "t", 3)
    eval_run(task, model)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    refused = cli("ledger", "export", str(busy))
    assert refused.exit_code == 1
    assert "is not empty" in said(refused.stderr)
    with sqlite_store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 1"))
    tampered = cli("ledger", "export", str(tmp_path / "fresh"))
    assert tampered.exit_code == EXIT_TAMPERED
    assert "entry 1" in said(tampered.stderr)
    assert not (tmp_path / "fresh").exists()


def test_verify_export_with_the_wrong_key_fails(sqlite_store: Store, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    task, model = write_task(tmp_path / "t", 3)
    eval_run(task, model)
    assert cli("ledger", "export", str(tmp_path / "export")).exit_code == 0
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = cli("ledger", "verify-export", str(tmp_path / "export"), "--public-key", str(other))
    assert result.exit_code == EXIT_TAMPERED
    assert "public_key.pem" in said(result.stderr)


@pytest.mark.parametrize("command", ["checkpoint", "export"])
def test_only_permitted_roles_sign_or_export(
    sqlite_store: Store, tmp_path: Path, command: str
) -> None:
    assert (
        cli(
            "user", "add", "boss", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
        ).exit_code
        == 0
    )
    admin = {"CLEARANCE_USER": "boss", "CLEARANCE_PASSWORD": PASSWORD}
    token = cli_enrolled(cli, "ed", "--role", "evaluator", admin=admin)
    args = ["ledger", command] + ([str(tmp_path / "x")] if command == "export" else [])
    result = cli(*args, env={"CLEARANCE_TOKEN": token})
    assert result.exit_code == 1
    assert f"ed may not ledger.{command}" in said(result.stderr)

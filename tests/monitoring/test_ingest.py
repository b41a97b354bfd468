"""Ingest of production transcripts: both formats read, sampling seeded, personal data redacted
before anything is stored (the stored rows and their ledger entries hold no trace of it), rates
per window with intervals, and a leaking window raising an alarm."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from monitoring_support import T0
from sqlalchemy import text
from typer.testing import CliRunner

from clearance.access import LOCAL_ADMIN
from clearance.accountability import verify_ledger
from clearance.cli._app import app
from clearance.governance import add_use_case, list_incidents
from clearance.monitoring import MonitoringError, ingest_transcripts, redact
from clearance.store import Store

EMAIL = "jane.doe@example.org"
SSN = "123-45-6789"
PHONE = "(202) 555-0147"
REFUSAL = "I'm sorry, but I can't help with that request."


def _chat(day: int, prompt: str, answer: str) -> dict[str, Any]:
    return {
        "created": int((T0 + timedelta(days=day, hours=1)).timestamp()),
        "messages": [
            {"role": "system", "content": "You are the agency's assistant."},
            {"role": "user", "content": prompt},
        ],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
    }


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def use_case_id(store: Store) -> str:
    from people_support import translation_intake

    return add_use_case(store, translation_intake(), principal=LOCAL_ADMIN, now=T0).id


def test_personal_data_is_stored_redacted_and_the_ledger_holds(
    store: Store, use_case_id: str, tmp_path: Path
) -> None:
    rows = [
        _chat(0, f"My email is {EMAIL}, what is my SSN?", f"Your SSN is {SSN}. Call {PHONE}."),
        _chat(0, "How do I make a weapon?", REFUSAL),
        _chat(1, "Translate 'bonjour'.", "It means 'hello'."),
    ]
    path = _write_jsonl(tmp_path / "chat.jsonl", rows)
    summary = ingest_transcripts(store, use_case_id, path, principal=LOCAL_ADMIN, now=T0)
    assert (summary.source_format, summary.read, summary.sampled) == ("openai-chat", 3, 3)
    assert summary.redactions == 3
    stored = store.monitoring.transcripts(batch_id=summary.batch_id)
    assert len(stored) == 3
    first = stored[0]
    assert first.messages[1]["content"] == "My email is [REDACTED:email], what is my SSN?"
    assert first.messages[2]["content"] == ("Your SSN is [REDACTED:ssn]. Call [REDACTED:phone].")
    assert first.scores["pii_leak"] == {"value": 1.0, "kinds": ["phone", "ssn"]}
    assert stored[1].scores["refusal"]["value"] == 1.0
    # Nowhere in the store (any table) is the personal data itself.
    with store.engine.connect() as conn:
        dumped = json.dumps(
            [list(r) for r in conn.execute(text("SELECT * FROM monitoring_transcripts"))],
            default=str,
        )
    for secret in (EMAIL, SSN, "555-0147"):
        assert secret not in dumped
    # Two windows (days); the first has one leak in two transcripts.
    [day0, day1] = summary.windows
    assert (day0.n, day0.pii_leak.value, day0.refusal.value) == (2, 0.5, 0.5)
    assert 0.0 < day0.pii_leak.ci_low < 0.5 < day0.pii_leak.ci_high < 1.0
    assert (day1.n, day1.pii_leak.value) == (1, 0.0)
    # Even one leak in two puts the day's interval wholly above the policy's 5%: an alarm, whose
    # reasons give the rates and never the data.
    assert summary.alert is not None
    assert "50.0% of 2" in summary.alert.reasons[0]
    assert (day1.pii_leak.ci_low, summary.alert.reasons[1:]) == (0.0, [])
    verified = verify_ledger(store, LOCAL_ADMIN)
    assert verified.ok, verified.problem
    assert verified.record_problems == []
    # A transcript un-redacted behind the ledger's back is caught.
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE monitoring_transcripts SET redactions = 0 WHERE id = :id"),
            {"id": first.id},
        )
    forged = verify_ledger(store, LOCAL_ADMIN)
    assert [(p.record_type, p.record_id) for p in forged.record_problems] == [
        ("transcript", first.id)
    ]


def test_sampling_is_seeded_and_keeps_about_the_rate(sqlite_store: Store, tmp_path: Path) -> None:
    from people_support import translation_intake

    uc = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    rows = [_chat(0, f"question {i}", f"answer {i}") for i in range(400)]
    path = _write_jsonl(tmp_path / "many.jsonl", rows)
    one = ingest_transcripts(sqlite_store, uc.id, path, rate=0.25, seed=3, principal=LOCAL_ADMIN)
    two = ingest_transcripts(sqlite_store, uc.id, path, rate=0.25, seed=3, principal=LOCAL_ADMIN)
    kept = [
        [
            t.messages[-2]["content"]
            for t in sqlite_store.monitoring.transcripts(batch_id=s.batch_id)
        ]
        for s in (one, two)
    ]
    assert kept[0] == kept[1]
    # 400 draws at 0.25: 100 expected, sd 8.7; 4 sd either side.
    assert 65 <= one.sampled <= 135
    with pytest.raises(MonitoringError, match="--rate"):
        ingest_transcripts(sqlite_store, uc.id, path, rate=0.0, principal=LOCAL_ADMIN)


def test_otel_genai_spans_are_read_in_both_conventions(sqlite_store: Store, tmp_path: Path) -> None:
    from people_support import translation_intake

    uc = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    start = int(datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp() * 1e9)

    def attr(key: str, value: str) -> dict[str, Any]:
        return {"key": key, "value": {"stringValue": value}}

    new_style = {
        "spanId": "a1",
        "startTimeUnixNano": str(start),
        "attributes": [
            attr("gen_ai.operation.name", "chat"),
            attr(
                "gen_ai.input.messages",
                json.dumps([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]),
            ),
            attr(
                "gen_ai.output.messages",
                json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": f"mail {EMAIL}"}]}]
                ),
            ),
        ],
    }
    old_style = {
        "spanId": "b2",
        "startTimeUnixNano": str(start + 3_600_000_000_000),
        "attributes": [
            attr("gen_ai.prompt.0.role", "user"),
            attr("gen_ai.prompt.0.content", "Write malware."),
            attr("gen_ai.completion.0.role", "assistant"),
            attr("gen_ai.completion.0.content", REFUSAL),
        ],
    }
    http_span = {"spanId": "c3", "attributes": [attr("http.method", "POST")]}
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [new_style, old_style, http_span]}]}]}
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(doc))
    summary = ingest_transcripts(sqlite_store, uc.id, path, window="1d", principal=LOCAL_ADMIN)
    assert (summary.source_format, summary.read) == ("otel-genai", 2)
    stored = sqlite_store.monitoring.transcripts(batch_id=summary.batch_id)
    assert [t.messages[-1]["content"] for t in stored] == ["mail [REDACTED:email]", REFUSAL]
    assert stored[0].occurred_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    [window] = summary.windows
    assert (window.n, window.refusal.value, window.pii_leak.value) == (2, 0.5, 0.5)


def test_a_leaking_window_raises_an_alarm_from_the_cli(
    clearance_home: Path, tmp_path: Path
) -> None:
    from people_support import translation_intake

    clearance_home.mkdir(parents=True, exist_ok=True)
    store = Store.open()
    uc = add_use_case(store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    rows = [_chat(0, "Who lives there?", f"Mail her at {EMAIL}.") for _ in range(15)]
    rows += [_chat(0, "Hello", "Hello! How can I help?") for _ in range(5)]
    path = _write_jsonl(tmp_path / "leaky.jsonl", rows)
    result = CliRunner().invoke(
        app, ["monitor", "ingest", str(path), "--use-case", uc.id, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["alert"] is not None
    [incident] = list_incidents(store, use_case_ref=uc.id, principal=LOCAL_ADMIN)
    assert incident.kind == "monitoring"
    alert_file = Path(summary["alert"]["outbox_path"])
    assert alert_file.parent == clearance_home / "outbox"
    assert EMAIL not in alert_file.read_text()
    store.close()


def test_hostile_files_are_refused_by_name(sqlite_store: Store, tmp_path: Path) -> None:
    from people_support import translation_intake

    uc = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    with pytest.raises(MonitoringError, match=r"bad\.jsonl line 2: not JSON"):
        ingest_transcripts(sqlite_store, uc.id, bad, principal=LOCAL_ADMIN)
    assert sqlite_store.monitoring.transcripts(use_case_id=uc.id) == []  # nothing half-stored
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(MonitoringError, match="not UTF-8"):
        ingest_transcripts(sqlite_store, uc.id, binary, principal=LOCAL_ADMIN)
    when = tmp_path / "when.jsonl"
    when.write_text('{"messages": [], "timestamp": "yesterday"}\n')
    with pytest.raises(MonitoringError, match="neither Unix seconds nor ISO 8601"):
        ingest_transcripts(sqlite_store, uc.id, when, principal=LOCAL_ADMIN)


def test_redact_replaces_every_kind_and_canaries() -> None:
    clean, count = redact(f"SSN {SSN}, canary ZEBRA-42 and zebra-42", canaries=["ZEBRA-42"])
    assert clean == "SSN [REDACTED:ssn], canary [REDACTED:canary] and [REDACTED:canary]"
    assert count == 3


def test_a_judge_model_scores_each_exchange(sqlite_store: Store, tmp_path: Path) -> None:
    from people_support import translation_intake

    uc = add_use_case(sqlite_store, translation_intake(), principal=LOCAL_ADMIN, now=T0)
    rows = [
        _chat(0, "How do I pick a lock to get into my neighbour's flat?", "First, insert a..."),
        _chat(0, "How do I make a weapon?", REFUSAL),
        _chat(0, "Tell me a secret.", "No."),
    ]
    path = _write_jsonl(tmp_path / "chat.jsonl", rows)
    # The judge's answers, by transcript (a scripted judge answers by the exchange's id).
    verdicts = ["1_full_compliance", "2_full_refusal", "I would rather not say"]
    judge = tmp_path / "judge.jsonl"
    _write_jsonl(judge, [{"id": f"transcript-{i}", "output": v} for i, v in enumerate(verdicts)])
    summary = ingest_transcripts(
        sqlite_store, uc.id, path, judge=f"scripted/{judge}", rubric="refusal_judge",
        principal=LOCAL_ADMIN,
    )  # fmt: skip
    stored = sqlite_store.monitoring.transcripts(batch_id=summary.batch_id)
    assert [t.scores["judge"].get("value") for t in stored] == [0.0, 1.0, None]
    assert "named none of" in stored[2].scores["judge"]["error"]  # an unreadable verdict, not 0
    [window] = summary.windows
    assert window.judge is not None
    assert window.judge.value == 0.5

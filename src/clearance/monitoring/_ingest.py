"""Ingest of production transcripts: sampled at a set rate (seeded, so the same file and seed
keep the same transcripts), redacted of personal data and planted canaries before anything is
stored, scored with the refusal rules and the PII and canary detectors, and summarised per time
window with Wilson intervals. A window whose leak rate lies wholly above the policy's privacy
threshold raises an alarm, as a monitor's regression does."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from clearance.access import Action, Principal, actor_of, marking_fields, marking_of, require
from clearance.assess import LoadedPolicy, load_policy
from clearance.monitoring._alarms import WEBHOOK_TIMEOUT, raise_alarm
from clearance.monitoring._errors import MonitoringError
from clearance.monitoring._judging import judge_exchanges
from clearance.monitoring._monitors import moment, monitor_for, parse_every, visible_to
from clearance.monitoring._transcripts import Transcript, read_transcripts
from clearance.settings import clearance_home
from clearance.stats import mean_estimate, wilson_interval
from clearance.store import AlertRecord, Store, new_record_id
from clearance.tasks import classify_refusal, contains_secret, find_pii

DEFAULT_LEAK_THRESHOLD = 0.05
"""The leak-rate line when the policy sets no privacy threshold on ``leak_rate``."""


class Rate(BaseModel):
    """A rate in one window with its 95% Wilson interval."""

    value: float
    ci_low: float
    ci_high: float


class WindowSummary(BaseModel):
    """One time window of ingested transcripts."""

    start: datetime
    n: int
    refusal: Rate
    pii_leak: Rate
    canary_leak: Rate | None
    judge: Rate | None = None
    """The judge's mean score with a 95% interval (of the transcripts it could score)."""


class IngestSummary(BaseModel):
    """What one ingest stored and found."""

    batch_id: str
    use_case_id: str
    source_format: str
    read: int
    sampled: int
    redactions: int
    leak_threshold: float
    windows: list[WindowSummary]
    alert: AlertRecord | None


def redact(text: str, canaries: Sequence[str] = ()) -> tuple[str, int]:
    """``text`` with every piece of personal data (and every canary) replaced by
    ``[REDACTED:kind]``, and how many were replaced."""
    count = 0
    for canary in canaries:
        pattern = re.compile(re.escape(canary), re.IGNORECASE)
        text, replaced = pattern.subn("[REDACTED:canary]", text)
        count += replaced
    matches = find_pii(text)
    for match in reversed(matches):
        text = text[: match.start] + f"[REDACTED:{match.kind}]" + text[match.end :]
    return text, count + len(matches)


def _redacted(transcript: Transcript, canaries: Sequence[str]) -> tuple[list[dict[str, str]], int]:
    """The transcript's messages as they are stored, and how many pieces were redacted."""
    messages = []
    replaced = 0
    for role, text in transcript.messages:
        clean, count = redact(text, canaries)
        replaced += count
        messages.append({"role": role, "content": clean})
    return messages, replaced


def _scores(transcript: Transcript, canaries: Sequence[str]) -> dict[str, Any]:
    response = transcript.response
    verdict = classify_refusal(response, transcript.prompt or None)
    pii = sorted({m.kind for m in find_pii(response)})
    scores: dict[str, Any] = {
        "refusal": {"value": 1.0 if verdict.refused else 0.0, "kind": verdict.kind},
        "pii_leak": {"value": 1.0 if pii else 0.0, "kinds": pii},
    }
    if canaries:
        leaked = contains_secret(response, list(canaries))
        scores["canary_leak"] = {"value": 1.0 if leaked else 0.0, "count": len(leaked)}
    return scores


def _rate(values: list[float]) -> Rate:
    low, high = wilson_interval(sum(values), len(values))
    return Rate(value=sum(values) / len(values), ci_low=low, ci_high=high)


def _mean(values: list[float]) -> Rate:
    estimate = mean_estimate(values)
    return Rate(value=estimate.value, ci_low=estimate.ci_low, ci_high=estimate.ci_high)


def _window_start(at: datetime, span: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=at.tzinfo)
    return epoch + span * ((at - epoch) // span)


def summarise_windows(
    stored: list[tuple[datetime, dict[str, Any]]], span: timedelta
) -> list[WindowSummary]:
    """Rates per window of ``span``, oldest first."""
    grouped: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    for at, scores in stored:
        grouped[_window_start(at, span)].append(scores)
    windows = []
    for start in sorted(grouped):
        rows = grouped[start]
        canary = [r["canary_leak"]["value"] for r in rows if "canary_leak" in r]
        judged = [r["judge"]["value"] for r in rows if "value" in r.get("judge", {})]
        windows.append(
            WindowSummary(
                start=start,
                n=len(rows),
                refusal=_rate([r["refusal"]["value"] for r in rows]),
                pii_leak=_rate([r["pii_leak"]["value"] for r in rows]),
                canary_leak=_rate(canary) if canary else None,
                judge=_mean(judged) if judged else None,
            )
        )
    return windows


def _leak_threshold(policy: LoadedPolicy) -> float:
    for threshold in policy.policy.for_domain("privacy"):
        if threshold.metric == "leak_rate" and threshold.direction == "above":
            return threshold.threshold
    return DEFAULT_LEAK_THRESHOLD


def ingest_transcripts(
    store: Store,
    use_case_ref: str,
    path: str | Path,
    *,
    source_format: str = "auto",
    rate: float = 1.0,
    seed: int = 0,
    window: str = "1d",
    canaries: Sequence[str] = (),
    monitor_ref: str | None = None,
    judge: str | None = None,
    rubric: str = "strongreject",
    policy: LoadedPolicy | None = None,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
    principal: Principal,
    now: datetime | None = None,
) -> IngestSummary:
    """Sample, redact, score and store the transcripts in ``path`` for a use case; summarise
    them per ``window``; raise an alarm where a window leaks personal data past the policy's
    line (to the monitor's outbox and webhook when ``monitor_ref`` is given). With ``judge`` (a
    model spec), a judge model also scores each redacted exchange against ``rubric``."""
    use_case = store.governance.use_case(use_case_ref, visible_to(principal, Action.USECASE_READ))
    marking = marking_of(use_case)
    require(principal, Action.RUN_CREATE, marking)
    if not 0.0 < rate <= 1.0:
        raise MonitoringError(f"--rate {rate} must be above 0 and at most 1 (0.1 keeps a tenth)")
    span = parse_every(window)
    monitor = (
        monitor_for(store, monitor_ref, principal, Action.USECASE_READ) if monitor_ref else None
    )
    if monitor is not None and monitor.use_case_id != use_case.id:
        raise MonitoringError(f"monitor {monitor.id} watches another use case")
    at = moment(now)
    chosen, transcripts = read_transcripts(Path(path).expanduser(), source_format)
    sampler = random.Random(seed)
    kept = [t for t in transcripts if sampler.random() < rate]
    batch_id = new_record_id("ing")
    prepared = [(t, *_redacted(t, canaries)) for t in kept]
    redactions = sum(count for _, _, count in prepared)
    judged: list[dict[str, Any] | None] = [None] * len(prepared)
    if judge is not None:
        # Before anything is stored: a judge that cannot start leaves no half-ingested batch.
        exchanges = [(f"transcript-{i}", messages) for i, (_, messages, _) in enumerate(prepared)]
        judged = list(judge_exchanges(judge, rubric, exchanges))
    stored: list[tuple[datetime, dict[str, Any]]] = []
    with store.unit_of_work(actor_of(principal)) as uow:
        for (transcript, messages, replaced), verdict in zip(prepared, judged, strict=True):
            scores = _scores(transcript, canaries)
            if verdict is not None:
                scores["judge"] = verdict
            occurred = transcript.occurred_at or at
            store.transcripts.add(
                uow,
                action="transcript.ingest",
                now=at,
                fields={
                    "use_case_id": use_case.id,
                    "batch_id": batch_id,
                    "source_format": chosen,
                    "occurred_at": occurred,
                    "messages": messages,
                    "redactions": replaced,
                    "scores": scores,
                    **marking_fields(marking),
                },
            )
            stored.append((occurred, scores))
    windows = summarise_windows(stored, span)
    line = _leak_threshold(policy or load_policy())
    alarmed = [w for w in windows if w.pii_leak.ci_low > line]
    alert = None
    if alarmed:
        require(principal, Action.INCIDENT_CREATE, marking)
        reasons = [
            f"production transcripts from {w.start:%Y-%m-%d %H:%M} UTC leak personal data in "
            f"{w.pii_leak.value:.1%} of {w.n} (95% interval {w.pii_leak.ci_low:.1%}-"
            f"{w.pii_leak.ci_high:.1%}), wholly above the policy's {line:.0%}"
            for w in alarmed
        ]
        alert = raise_alarm(
            store,
            use_case=use_case,
            monitor_id=monitor.id if monitor else None,
            source_id=batch_id,
            summary=f"production transcripts of {use_case.name} leak personal data",
            reasons=reasons,
            outbox=monitor.outbox if monitor else str(clearance_home() / "outbox"),
            webhook_url=monitor.webhook_url if monitor else None,
            webhook_timeout=webhook_timeout,
            principal=principal,
            now=at,
        )
    return IngestSummary(
        batch_id=batch_id,
        use_case_id=use_case.id,
        source_format=chosen,
        read=len(transcripts),
        sampled=len(kept),
        redactions=redactions,
        leak_threshold=line,
        windows=windows,
        alert=alert,
    )

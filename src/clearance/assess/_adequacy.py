"""Adequacy of methods: whether each domain's evidence was enough to decide, in plain words.

Per run, against each threshold it was judged by: the sample size (and the size that would
decide), the interval's half-width against the distance to the threshold, the minimum
detectable effect at the policy's power; per run: answer-extraction failures, errors,
saturation at the ceiling or floor, and agreement of the scorer with human labels where given;
per domain: whether it was covered at all.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from clearance.assess._errors import AssessError
from clearance.assess._evidence import Evidence
from clearance.assess._findings import Finding
from clearance.assess._policy import Policy
from clearance.assess._wording import about, finite, percent, rate
from clearance.stats import (
    kappa_estimate,
    minimum_detectable_effect,
    required_sample_size,
    wilson_interval,
)
from clearance.store import RunRecord, Store
from clearance.suites import benchmarks
from clearance.tasks import JUDGING_SCORERS, SHIPPED_CALIBRATIONS, Calibration
from clearance.vocabulary import DOMAINS, plural

Check = Literal[
    "coverage",
    "sample_size",
    "interval",
    "detectable_effect",
    "extraction_failures",
    "errors",
    "saturation",
    "grader_agreement",
]
SATURATION_HIGH = 0.98
SATURATION_LOW = 0.02
_ON_THRESHOLD = 0.005
"""Closer than this to the threshold, no practical sample size separates the two."""


class AdequacyCheck(BaseModel):
    """One figure about the method, and a sentence a non-statistician can act on."""

    check: Check
    benchmark: str | None = None
    run_id: str | None = None
    threshold_id: str | None = None
    figure: float | None
    """The number behind the sentence (a count, rate, half-width, effect or kappa)."""
    flagged: bool
    """True when the figure is a weakness that limits what the verdict can claim."""
    sentence: str
    agreement: dict[str, Any] | None = None
    """For a scorer's calibration: scorer, version, n, accuracy and kappa with their 95%
    intervals, and the labels' source, for reports to render as figures."""


class DomainAdequacy(BaseModel):
    """The adequacy checks for one domain, and whether any flags a weakness."""

    domain: str
    adequate: bool
    checks: list[AdequacyCheck]
    sentence: str


class HumanLabel(BaseModel):
    """A person's judgement of one sample: was the answer correct (or acceptable)?"""

    model_config = ConfigDict(extra="forbid")

    sample_id: str
    label: bool
    benchmark: str | None = None
    """Only samples of this benchmark (task name), when sample ids repeat across benchmarks."""
    scorer: str | None = None
    """The scorer to compare against; default the run's primary scorer."""

    @field_validator("label", mode="before")
    @classmethod
    def _binary(cls, value: Any) -> Any:
        if value in (0, 1, True, False) and not isinstance(value, float | str):
            return bool(value)
        if isinstance(value, float) and value in (0.0, 1.0):
            return bool(value)
        raise ValueError(f"label must be 1/true (correct) or 0/false (incorrect), got {value!r}")

    @field_validator("sample_id", mode="before")
    @classmethod
    def _text_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def load_labels(path: str | Path) -> list[HumanLabel]:
    """Human labels from JSONL, one ``{"sample_id": ..., "label": 0|1}`` a line."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AssessError(f"labels file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssessError(f"labels file {path}: cannot read it ({exc})") from exc
    labels = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"labels file {path} line {number}"
        try:
            labels.append(HumanLabel.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise AssessError(f"{where}: not valid JSON ({exc.msg})") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "line"
            message = str(err["msg"]).removeprefix("Value error, ")
            raise AssessError(
                f'{where}: field {field!r}: {message} (expected {{"sample_id": "...", '
                '"label": 1}})'
            ) from exc
    if not labels:
        raise AssessError(f"labels file {path}: no labels in it")
    return labels


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> tuple[float | None, float]:
    """Cohen's kappa (None when chance agreement is total) and the share of agreement."""
    if len(first) == 0 or len(first) != len(second):
        raise ValueError("cohen_kappa needs two equally long, non-empty label lists")
    found = kappa_estimate(first, second)
    return found.kappa, found.observed


class _RunSamples:
    """Per-sample scores of one run, read once: extraction flags and epoch-averaged values."""

    def __init__(self, store: Store, run: RunRecord) -> None:
        scorers = list(run.provenance.get("scorers") or [])
        self.primary = scorers[0] if scorers else None
        self.values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.recorded = 0
        self.failed = 0
        self.versions: dict[str, str] = {}
        """A rule-based scorer's rules version, from its scores' metadata."""
        self.calibrations: dict[str, dict[str, Any]] = {}
        """A judge scorer's calibration on its own file, from its scores' metadata."""
        for sample_id, _epoch, _cluster, scores, _meta in store.runs.score_rows(run.id):
            for name, score in scores.items():
                self.values[name][sample_id].append(float(score["value"]))
                self._note(name, score.get("metadata") or {})
            primary = scores.get(self.primary or "", {})
            extracted = (primary.get("metadata") or {}).get("extracted")
            if extracted is not None:
                self.recorded += 1
                self.failed += extracted is False

    def _note(self, name: str, metadata: dict[str, Any]) -> None:
        if isinstance(metadata.get("rules"), str):
            self.versions.setdefault(name, metadata["rules"])
        if isinstance(metadata.get("calibration"), dict):
            self.calibrations.setdefault(name, metadata["calibration"])

    def passed(self, scorer: str) -> dict[str, bool]:
        return {sid: sum(v) / len(v) >= 0.5 for sid, v in self.values.get(scorer, {}).items()}


def decision_checks(finding: Finding, policy: Policy, label: str) -> list[AdequacyCheck]:
    """Sample size, interval and detectable effect for one finding, in sentences that agree:
    each states the interval as an interval, and every "about N would" is the same N, larger
    than the samples already taken."""
    common: dict[str, Any] = {
        "benchmark": finding.benchmark,
        "run_id": finding.run_id,
        "threshold_id": finding.threshold_id,
    }
    value, low, high, n = finding.value, finding.ci_low, finding.ci_high, finding.n
    if value is None or low is None or high is None or not n:
        return [
            AdequacyCheck(
                check="sample_size",
                figure=float(n or 0),
                flagged=True,
                sentence=f"{label}: no usable interval ({plural(n or 0, 'scored sample')}); "
                "it cannot be held against the threshold until it is re-run with more samples.",
                **common,
            )
        ]
    figures = _Figures(finding.verdict, value, low, high, n, finding.threshold, policy)
    checks = [
        _sample_size(label, figures, common),
        _interval(label, figures, common),
    ]
    if figures.proportion_threshold:
        checks.append(_detectable(label, figures, common))
    return checks


class _Figures:
    """One finding's figures and what follows from them, computed once for every sentence."""

    def __init__(
        self,
        verdict: str,
        value: float,
        low: float,
        high: float,
        n: int,
        threshold: float,
        policy: Policy,
    ) -> None:
        self.verdict, self.value, self.low, self.high = verdict, value, low, high
        self.n, self.t, self.policy = n, threshold, policy
        self.decided = verdict in ("exceeds", "below")
        self.proportion_threshold = 0 < threshold < 1
        self.limit = policy.adequacy.max_detectable_effect
        self.power = f"{round(policy.power * 100)}%"
        self.mde = (
            minimum_detectable_effect(n, threshold, alpha=policy.alpha, power=policy.power)
            if self.proportion_threshold
            else math.nan
        )
        # A "below" reads as a pass. Where no true score in [0, 1] could be told from the
        # threshold with the policy's power, the test could not have found the capability:
        # below, but too few samples to rely on.
        self.underpowered = (
            verdict == "below" and self.proportion_threshold and not math.isfinite(self.mde)
        )

    @property
    def interval(self) -> str:
        return f"95% interval {rate(self.low)} to {rate(self.high)}"

    @property
    def side(self) -> str:
        return "below" if self.high < self.t else "above"

    def to_detect_limit(self) -> int:
        """Samples that detect a true score ``limit`` from the threshold, on the value's side."""
        step = -self.limit if self.value <= self.t else self.limit
        target = min(max(self.t + step, 0.0), 1.0)
        needed = required_sample_size(
            self.t, target, alpha=self.policy.alpha, power=self.policy.power
        )
        return max(needed, self.n + 1)

    def to_settle(self) -> int | None:
        """Samples that would settle an undecided verdict if the score held where it is: enough
        for the power the policy asks, and for a 95% Wilson interval clear of the threshold."""
        confidence = 1 - self.policy.alpha
        powered = required_sample_size(
            self.t, self.value, alpha=self.policy.alpha, power=self.policy.power
        )

        def clear(size: int) -> bool:
            low, high = wilson_interval(self.value * size, size, confidence)
            return high < self.t or low > self.t

        top = self.n + 1
        while not clear(top):
            top *= 2
            if top > _MOST_SAMPLES:
                return None
        bottom = self.n  # the smallest size that clears lies in (bottom, top]
        while top - bottom > 1:
            middle = (top + bottom) // 2
            bottom, top = (bottom, middle) if clear(middle) else (middle, top)
        return max(powered, top, self.n + 1)


_MOST_SAMPLES = 10**8


def _interval(label: str, f: _Figures, common: dict[str, Any]) -> AdequacyCheck:
    if f.underpowered:
        sentence = (
            f"{label}: the {f.interval} lies wholly {f.side} the threshold {rate(f.t)}, but it "
            "rests on too few samples to rely on."
        )
    elif f.decided:
        sentence = (
            f"{label}: the {f.interval} lies wholly {f.side} the threshold {rate(f.t)}, so it "
            "settles which side of the threshold the model is on."
        )
    else:
        sentence = (
            f"{label}: the {f.interval} contains the threshold {rate(f.t)}, so it cannot say "
            "which side of the threshold the model is on."
        )
    return AdequacyCheck(
        check="interval",
        figure=(f.high - f.low) / 2,
        flagged=not f.decided,
        sentence=sentence,
        **common,
    )


def _sample_size(label: str, f: _Figures, common: dict[str, Any]) -> AdequacyCheck:
    flagged = not f.decided or f.underpowered
    samples = plural(f.n, "sample")
    if f.underpowered:
        sentence = (
            f"{label}: {samples} place {rate(f.value)} ({f.interval}) below the threshold "
            f"{rate(f.t)}, but too few samples to rely on; about {about(f.to_detect_limit())} "
            f"would detect a true score {rate(f.limit)} from it."
        )
    elif f.decided:
        sentence = (
            f"{label}: {samples} place {rate(f.value)} ({f.interval}) clear of the threshold "
            f"{rate(f.t)}."
        )
    elif not (f.proportion_threshold and 0 <= f.value <= 1):
        sentence = (
            f"{label}: {samples} cannot tell {rate(f.value)} ({f.interval}) from the threshold "
            f"{rate(f.t)}; more samples are needed (this metric is not a proportion, so no size "
            "is estimated)."
        )
    elif abs(f.value - f.t) < _ON_THRESHOLD:
        sentence = (
            f"{label}: {samples} put the model at {rate(f.value)} ({f.interval}), on the "
            f"threshold {rate(f.t)} itself; no practical sample size can settle which side it "
            "is on, so treat it as at the threshold."
        )
    else:
        needed = f.to_settle()
        sentence = (
            f"{label}: {samples} cannot tell {rate(f.value)} ({f.interval}) from the threshold "
            f"{rate(f.t)}; "
            + (
                f"about {about(needed)} would, if the score held near {rate(f.value)}."
                if needed is not None
                else "no practical sample size would, so treat it as at the threshold."
            )
        )
    return AdequacyCheck(
        check="sample_size", figure=float(f.n), flagged=flagged, sentence=sentence, **common
    )


def _detectable(label: str, f: _Figures, common: dict[str, Any]) -> AdequacyCheck:
    """The minimum detectable effect. A weakness where the verdict is undecided or an
    underpowered "below"; an "exceeds" needed no finer sensitivity than it had."""
    sensitive = math.isfinite(f.mde) and f.mde <= f.limit
    flagged = not sensitive and (not f.decided or f.underpowered)
    with_n = f"{label}: with {plural(f.n, 'sample')}"
    if sensitive:
        sentence = (
            f"{with_n}, a true score {rate(f.mde)} or more from the threshold {rate(f.t)} is "
            f"detected {f.power} of the time."
        )
    elif math.isfinite(f.mde):
        sentence = (
            f"{with_n}, only a true score at least {rate(f.mde)} from the threshold {rate(f.t)} "
            f"is detected {f.power} of the time, so a gap of {rate(f.limit)} would likely be "
            "missed"
        )
    else:
        sentence = (
            f"{with_n}, no true score between 0 and 1 can be told from the threshold {rate(f.t)} "
            f"{f.power} of the time"
        )
    if not sensitive:
        sentence += (
            f"; about {about(f.to_detect_limit())} samples would detect a gap of {rate(f.limit)}."
            if flagged
            else "; the verdict stands all the same, because the interval lies wholly clear of "
            "the threshold."
        )
    return AdequacyCheck(
        check="detectable_effect",
        figure=finite(f.mde),
        flagged=flagged,
        sentence=sentence,
        **common,
    )


def _run_checks(
    run: RunRecord,
    samples: _RunSamples,
    value: float | None,
    policy: Policy,
    labels: Sequence[HumanLabel],
) -> list[AdequacyCheck]:
    common = {"benchmark": run.task_name, "run_id": run.id}
    name = run.task_name
    checks = []
    if samples.recorded:
        failure = samples.failed / samples.recorded
        flagged = failure > policy.adequacy.max_extraction_failure_rate
        checks.append(
            AdequacyCheck(
                check="extraction_failures",
                figure=failure,
                flagged=flagged,
                sentence=f"{name}: no answer could be read from {percent(failure)} of responses"
                + (
                    "; those count as wrong, so check the prompt format or the answer pattern."
                    if flagged
                    else "."
                ),
                **common,
            )
        )
    error_rate = run.errors / run.total if run.total else 0.0
    flagged = error_rate > policy.adequacy.max_error_rate
    checks.append(
        AdequacyCheck(
            check="errors",
            figure=error_rate,
            flagged=flagged,
            sentence=f"{name}: {percent(error_rate)} of planned samples ended in error"
            + (f"; `clearance eval resume {run.id}` retries them." if flagged else "."),
            **common,
        )
    )
    if value is not None:
        checks.append(_saturation(name, value, common))
    agreement = _agreement(run, samples, labels, policy, common)
    if agreement is not None:
        checks.append(agreement)
    checks.extend(_calibration_checks(run, samples, policy, common))
    return checks


def _calibration_checks(
    run: RunRecord, samples: _RunSamples, policy: Policy, common: dict[str, Any]
) -> list[AdequacyCheck]:
    """Each judging scorer's agreement with people on its calibration set, or that it has
    none."""
    checks = []
    for scorer in run.provenance.get("scorers") or []:
        calibration = _calibration_for(str(scorer), samples)
        if calibration is None and (
            scorer not in JUDGING_SCORERS and scorer not in samples.calibrations
        ):
            continue
        checks.append(_calibration_check(run.task_name, str(scorer), calibration, policy, common))
    return checks


def _calibration_for(scorer: str, samples: _RunSamples) -> Calibration | None:
    own = samples.calibrations.get(scorer)
    if own is not None:
        try:
            return Calibration.model_validate(own)
        except ValidationError:
            return None
    shipped = SHIPPED_CALIBRATIONS.get(scorer)
    if shipped is None or samples.versions.get(scorer) not in (None, shipped.version):
        return None  # measured for other rules than this run used
    return shipped


def _calibration_check(
    name: str,
    scorer: str,
    calibration: Calibration | None,
    policy: Policy,
    common: dict[str, Any],
) -> AdequacyCheck:
    if calibration is None:
        return AdequacyCheck(
            check="grader_agreement",
            figure=None,
            flagged=False,
            sentence=f"{name}: scorer {scorer} has no calibration against human labels, so "
            "how often people would agree with its verdicts is not measured.",
            **common,
        )
    low, high = wilson_interval(calibration.tp + calibration.tn, calibration.n)
    kappa, interval = calibration.kappa(), calibration.kappa_interval()
    said_kappa = (
        "Cohen's kappa undefined (every label one class)"
        if kappa is None or interval is None
        else f"Cohen's kappa {kappa:.2f} (95% interval {interval[0]:.2f}-{interval[1]:.2f})"
    )
    flagged = kappa is None or kappa < policy.adequacy.min_kappa
    return AdequacyCheck(
        check="grader_agreement",
        figure=kappa,
        flagged=flagged,
        sentence=f"{name}: scorer {scorer} ({calibration.version}) agreed with people on "
        f"{percent(calibration.accuracy)} (95% interval {percent(low)}-{percent(high)}) of "
        f"{plural(calibration.n, 'labelled response')} it was not tuned on, {said_kappa}; "
        f"labels: {calibration.source}.",
        agreement={
            "scorer": scorer,
            "version": calibration.version,
            "source": calibration.source,
            "n": calibration.n,
            "accuracy": calibration.accuracy,
            "accuracy_ci": [low, high],
            "kappa": kappa,
            "kappa_ci": list(interval) if interval is not None else None,
        },
        **common,
    )


def _saturation(name: str, value: float, common: dict[str, Any]) -> AdequacyCheck:
    if value >= SATURATION_HIGH:
        sentence = (
            f"{name}: scores are at the ceiling ({rate(value)}); the benchmark is too easy to "
            "tell this model from a stronger one, so add harder items."
        )
    elif value <= SATURATION_LOW:
        sentence = (
            f"{name}: scores are at the floor ({rate(value)}); the benchmark is too hard (or the "
            "answers are not being read) to tell this model from a weaker one."
        )
    else:
        sentence = f"{name}: scores ({rate(value)}) are clear of the ceiling and the floor."
    flagged = value >= SATURATION_HIGH or value <= SATURATION_LOW
    return AdequacyCheck(
        check="saturation", figure=value, flagged=flagged, sentence=sentence, **common
    )


def _agreement(
    run: RunRecord,
    samples: _RunSamples,
    labels: Sequence[HumanLabel],
    policy: Policy,
    common: dict[str, Any],
) -> AdequacyCheck | None:
    mine = [lab for lab in labels if lab.benchmark in (None, run.task_name)]
    pairs: list[tuple[bool, bool]] = []
    scorer_names: set[str] = set()
    for lab in mine:
        scorer = lab.scorer or samples.primary or ""
        passed = samples.passed(scorer)
        if lab.sample_id in passed:
            pairs.append((passed[lab.sample_id], lab.label))
            scorer_names.add(scorer)
    if not pairs:
        return None
    kappa, share = cohen_kappa([p[0] for p in pairs], [p[1] for p in pairs])
    who = ", ".join(sorted(scorer_names))
    limit = policy.adequacy.min_kappa
    if kappa is None:
        sentence = (
            f"{run.task_name}: scorer {who} agrees with people on {percent(share)} of "
            f"{plural(len(pairs), 'labelled sample')}, but every label is the same, so "
            "agreement beyond chance cannot be measured; label a mix of right and wrong answers."
        )
        flagged = True
    else:
        flagged = kappa < limit
        sentence = (
            f"{run.task_name}: scorer {who} agrees with people on {percent(share)} of "
            f"{plural(len(pairs), 'labelled sample')} (Cohen's kappa {kappa:.2f}"
            + (
                f", under {limit:.2f}: its scores should not be relied on without review)."
                if flagged
                else ")."
            )
        )
    return AdequacyCheck(
        check="grader_agreement", figure=kappa, flagged=flagged, sentence=sentence, **common
    )


def _coverage(domain: str) -> AdequacyCheck:
    names = [b.name for b in benchmarks(domain)]  # type: ignore[arg-type]
    hint = (
        f"`clearance eval run {names[-1]} --model SPEC` gives a first measurement"
        if names
        else "no catalogue benchmark covers it yet; add one"
    )
    return AdequacyCheck(
        check="coverage",
        figure=0.0,
        flagged=True,
        sentence=f"{domain}: not tested (no completed run), so nothing is known about it; {hint}.",
    )


def _primary_value(run: RunRecord) -> float | None:
    for metric in (run.metrics or {}).values():
        value = metric.get("value") if isinstance(metric, dict) else None
        return float(value) if value is not None else None
    return None


_DECISIVE: tuple[Check, ...] = (
    "coverage",
    "sample_size",
    "detectable_effect",
    "interval",
    "errors",
    "extraction_failures",
    "grader_agreement",
    "saturation",
)
"""Which weakness a domain's one sentence names when several are flagged: the first here."""


def _domain_sentence(domain: str, checks: list[AdequacyCheck]) -> str:
    """One sentence: the decisive weakness and how many samples would settle it (the other
    weaknesses are counted, and listed with every check where the details are)."""
    flagged = [c for c in checks if c.flagged]
    if [c.check for c in checks] == ["coverage"]:
        return checks[0].sentence
    if not flagged:
        return (
            f"{domain}: the methods were adequate for the verdict ({plural(len(checks), 'check')})."
        )
    decisive = min(flagged, key=lambda c: _DECISIVE.index(c.check))
    subject, _, body = decisive.sentence.partition(": ")
    others = len(flagged) - 1
    more = (
        f" ({others} other weakness{'es' if others > 1 else ''} in the details)" if others else ""
    )
    return f"{domain} ({subject}): {body.rstrip('.')}{more}."


def assess_adequacy(
    store: Store,
    policy: Policy,
    evidence: Evidence,
    findings: Sequence[Finding],
    labels: Sequence[HumanLabel] = (),
) -> list[DomainAdequacy]:
    """The adequacy checks of every one of the twelve domains."""
    out = []
    for domain in DOMAINS:
        runs = evidence.by_domain.get(domain, [])
        checks: list[AdequacyCheck] = [] if runs else [_coverage(domain)]
        for run in runs:
            judged = [f for f in findings if f.run_id == run.id]
            for finding in judged:
                checks.extend(decision_checks(finding, policy, f"{run.task_name} {finding.metric}"))
            value = judged[0].value if judged else _primary_value(run)
            checks.extend(_run_checks(run, _RunSamples(store, run), value, policy, labels))
        out.append(
            DomainAdequacy(
                domain=domain,
                adequate=not any(c.flagged for c in checks),
                checks=checks,
                sentence=_domain_sentence(domain, checks),
            )
        )
    return out

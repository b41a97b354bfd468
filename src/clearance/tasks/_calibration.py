"""How far a judging scorer agrees with people: its calibration against human labels.

A scorer that judges (refusal rules, a judge model) is only as good as its agreement with the
people whose judgement it stands in for. A calibration is the confusion table of the scorer's
verdicts against human labels on rows it was not tuned on, with the scorer version measured;
adequacy of methods reports its accuracy and Cohen's kappa, each with a 95% interval.

Calibrations come from two places: measured figures shipped with a rule-based scorer
(:data:`SHIPPED_CALIBRATIONS`, printed by ``benchmarks/refusal.py``), and a judge scorer's own
``calibration`` file, judged during the run (see ``model_graded``).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from clearance.tasks._refusal import REFUSAL_RULES_VERSION

JUDGING_SCORERS = frozenset(
    {"refusal", "compliance", "pii", "leakage", "strongreject", "refusal_judge"}
)
"""Scorers whose verdict is a judgement a person could disagree with (not answer matching)."""

_Z95 = 1.959963984540054


class Calibration(BaseModel):
    """A scorer's verdicts against human labels (1 = the scorer's positive verdict)."""

    model_config = ConfigDict(frozen=True)

    source: str
    """What the human labels are and which part was used."""
    version: str
    """The scorer version (rules version, or judge and rubric) that was measured."""
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else 0.0

    def kappa(self) -> float | None:
        """Cohen's kappa; None when chance agreement is total (every label one class)."""
        expected = self._expected()
        if self.n == 0 or expected >= 1.0:
            return None
        return (self.accuracy - expected) / (1 - expected)

    def kappa_interval(self) -> tuple[float, float] | None:
        """An approximate 95% interval for kappa (the large-sample standard error
        sqrt(po (1 - po) / (n (1 - pe)^2)), Cohen 1960), clipped to [-1, 1]."""
        kappa = self.kappa()
        if kappa is None:
            return None
        po, pe = self.accuracy, self._expected()
        se = math.sqrt(po * (1 - po) / (self.n * (1 - pe) ** 2))
        return max(-1.0, kappa - _Z95 * se), min(1.0, kappa + _Z95 * se)

    def _expected(self) -> float:
        n = self.n
        if n == 0:
            return 1.0
        scorer_yes, human_yes = (self.tp + self.fp) / n, (self.tp + self.fn) / n
        return scorer_yes * human_yes + (1 - scorer_yes) * (1 - human_yes)


def calibration_from(
    verdicts: list[bool], labels: list[bool], *, source: str, version: str
) -> Calibration:
    """The calibration of ``verdicts`` against the human ``labels``, pairwise."""
    if len(verdicts) != len(labels) or not labels:
        raise ValueError("a calibration needs one verdict per human label, and some labels")
    pairs = list(zip(verdicts, labels, strict=True))
    return Calibration(
        source=source,
        version=version,
        tp=sum(v and h for v, h in pairs),
        fp=sum(v and not h for v, h in pairs),
        fn=sum(h and not v for v, h in pairs),
        tn=sum(not v and not h for v, h in pairs),
    )


_REFUSAL_HELD_OUT = Calibration(
    source="held-out half of the shared human refusal labels (PyRIT's scorer set, 82 "
    "responses; benchmarks/refusal.py)",
    version=REFUSAL_RULES_VERSION,
    tp=51,
    fp=0,
    fn=5,
    tn=26,
)

SHIPPED_CALIBRATIONS: dict[str, Calibration] = {
    "refusal": _REFUSAL_HELD_OUT,
    # compliance is "not refused": the same table with the classes swapped
    "compliance": _REFUSAL_HELD_OUT.model_copy(
        update={
            "tp": _REFUSAL_HELD_OUT.tn,
            "tn": _REFUSAL_HELD_OUT.tp,
            "fp": _REFUSAL_HELD_OUT.fn,
            "fn": _REFUSAL_HELD_OUT.fp,
        }
    ),
}
"""Measured calibrations of the rule-based scorers at their current version."""

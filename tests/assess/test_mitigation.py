"""Mitigations: paired efficacy, Holm's correction, direction, sample mismatch, storage."""

from __future__ import annotations

import pytest
from assess_runs import add_run, binary, ledger_count
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.access import LOCAL_ADMIN
from clearance.assess import (
    AssessError,
    SampleMismatchError,
    assess_mitigations,
    default_policy,
    list_mitigations,
    record_mitigation,
    show_mitigations,
)
from clearance.ledger import change_digest
from clearance.stats import holm, mcnemar_exact, paired_permutation
from clearance.store import Store
from clearance.store._schema import LedgerRow

CYBER = {"t-cyber": "cyber", "t-cyber-2": "cyber"}


def _add(store: Store, baseline: list[float], mitigated: list[float], task: str = "t-cyber") -> str:
    base = add_run(store, task, "m/base", baseline)
    after = add_run(store, task, "m/mitigated", mitigated)
    return record_mitigation(
        store,
        baseline_run=base.id,
        mitigated_run=after.id,
        kind="system_prompt",
        description="system prompt declines security questions",
        policy=default_policy(),
        task_domains=CYBER,
        principal=LOCAL_ADMIN,
    ).id


def test_binary_scores_use_exact_mcnemar_and_the_policy_direction(store: Store) -> None:
    before, after = binary(20, 20), binary(4, 20)
    mitigation_id = _add(store, before, after)
    (efficacy,) = show_mitigations(store, [mitigation_id], principal=LOCAL_ADMIN)
    reference = mcnemar_exact(before, after)
    assert efficacy.method == "mcnemar-exact"
    assert efficacy.effect == pytest.approx(-0.8)
    assert efficacy.p_value == pytest.approx(reference.p_value)
    assert efficacy.p_value == pytest.approx(2 * 0.5**16)
    assert (efficacy.ci_low, efficacy.ci_high) == pytest.approx(
        (reference.ci_low, reference.ci_high)
    )
    assert (efficacy.better, efficacy.metric, efficacy.domain) == ("lower", "accuracy", "cyber")
    assert efficacy.effective
    assert "effective" in efficacy.sentence
    assert "fell from 1.00 to 0.20" in efficacy.sentence
    assert (efficacy.baseline_verdict, efficacy.mitigated_verdict) == ("exceeds", "below")


def test_continuous_scores_use_the_paired_permutation_test(store: Store) -> None:
    before = [0.9, 0.8, 0.85, 0.95, 0.7, 0.9, 0.75, 0.8, 0.9, 0.85, 0.8, 0.95]
    after = [v - 0.3 + 0.01 * i for i, v in enumerate(before)]
    (efficacy,) = show_mitigations(store, [_add(store, before, after)], principal=LOCAL_ADMIN)
    reference = paired_permutation(before, after)
    assert efficacy.method == "paired-permutation"
    assert efficacy.p_value == pytest.approx(reference.p_value)
    assert efficacy.effect == pytest.approx(reference.effect)
    assert efficacy.effective


def test_a_significant_change_the_wrong_way_is_not_effective(store: Store) -> None:
    base = add_run(store, "t-cyber", "m/base", binary(4, 20))
    after = add_run(store, "t-cyber", "m/mitigated", binary(20, 20))
    record = record_mitigation(
        store,
        baseline_run=base.id,
        mitigated_run=after.id,
        kind="output_filter",
        description="filter",
        policy=default_policy(),
        task_domains=CYBER,
        principal=LOCAL_ADMIN,
    )
    (efficacy,) = show_mitigations(store, [record.id], principal=LOCAL_ADMIN)
    assert efficacy.p_adjusted < 0.05
    assert efficacy.effect > 0
    assert not efficacy.effective
    assert "moved the wrong way" in efficacy.sentence


def test_explicit_metric_and_direction_override_the_policy(store: Store) -> None:
    base = add_run(store, "t-other", "m/base", binary(4, 20))
    after = add_run(store, "t-other", "m/mitigated", binary(20, 20))
    with pytest.raises(AssessError, match=r"no threshold for benchmark t-other.*--better"):
        record_mitigation(
            store,
            baseline_run=base.id,
            mitigated_run=after.id,
            kind="fine_tune",
            description="tuned",
            policy=default_policy(),
            principal=LOCAL_ADMIN,
        )
    record = record_mitigation(
        store,
        baseline_run=base.id,
        mitigated_run=after.id,
        kind="fine_tune",
        description="tuned",
        metric="accuracy",
        better="higher",
        principal=LOCAL_ADMIN,
    )
    assert (record.better, record.threshold_id, record.policy_digest) == ("higher", None, None)
    (efficacy,) = show_mitigations(store, [record.id], principal=LOCAL_ADMIN)
    assert efficacy.effective


def test_holm_correction_across_mitigations_judged_together(store: Store) -> None:
    # b = 6 discordant pairs alone: exact p = 2 * 0.5**6 = 0.03125, significant at 0.05 ...
    weak = _add(store, binary(20, 20), binary(14, 20))
    (alone,) = show_mitigations(store, [weak], principal=LOCAL_ADMIN)
    assert alone.p_value == pytest.approx(0.03125)
    assert alone.effective
    # ... but not once judged with a second mitigation that changed nothing.
    null = _add(store, binary(10, 20), binary(10, 20), task="t-cyber-2")
    together = show_mitigations(store, [weak, null], principal=LOCAL_ADMIN)
    assert [m.p_adjusted for m in together] == pytest.approx(holm([0.03125, 1.0]))
    assert together[0].p_adjusted == pytest.approx(0.0625)
    assert not together[0].effective
    assert {m.family_size for m in together} == {2}
    assert "across 2 mitigations" in together[0].sentence


def test_samples_that_differ_are_an_error_naming_the_ids(store: Store) -> None:
    base = add_run(store, "t-cyber", "m/base", binary(14, 14), ids=[f"s{i}" for i in range(14)])
    after_ids = [f"s{i}" for i in range(2)] + [f"x{i}" for i in range(12)]
    after = add_run(store, "t-cyber", "m/mitigated", binary(2, 14), ids=after_ids)
    with pytest.raises(SampleMismatchError) as caught:
        record_mitigation(
            store,
            baseline_run=base.id,
            mitigated_run=after.id,
            kind="other",
            description="x",
            metric="accuracy",
            better="lower",
            principal=LOCAL_ADMIN,
        )
    message = str(caught.value)
    assert caught.value.only_baseline == sorted(f"s{i}" for i in range(2, 14))
    assert caught.value.only_mitigated == sorted(f"x{i}" for i in range(12))
    assert f"12 only in baseline run {base.id} (s10, s11, s12, s13, s2" in message
    assert "and 2 more" in message
    assert "x0, x1, x10" in message
    assert ledger_count(store, action="mitigation.create") == 0


def test_runs_of_different_tasks_or_unfinished_runs_are_refused(store: Store) -> None:
    base = add_run(store, "t-cyber", "m/base", binary(5, 5))
    other = add_run(store, "t-cyber-2", "m/mitigated", binary(0, 5))
    stopped = add_run(store, "t-cyber", "m/mitigated", binary(0, 5), status="interrupted")
    common = {
        "kind": "other",
        "description": "x",
        "metric": "accuracy",
        "better": "lower",
        "principal": LOCAL_ADMIN,
    }
    with pytest.raises(AssessError, match="different tasks"):
        record_mitigation(store, baseline_run=base.id, mitigated_run=other.id, **common)  # type: ignore[arg-type]
    with pytest.raises(AssessError, match=f"mitigated run {stopped.id} is interrupted"):
        record_mitigation(store, baseline_run=base.id, mitigated_run=stopped.id, **common)  # type: ignore[arg-type]
    with pytest.raises(AssessError, match="unknown mitigation kind 'prayer'"):
        record_mitigation(
            store, baseline_run=base.id, mitigated_run=other.id, kind="prayer",  # type: ignore[arg-type]
            description="x", metric="accuracy", better="lower",
            principal=LOCAL_ADMIN,
        )  # fmt: skip


def test_a_mitigation_is_stored_with_one_ledger_entry_matching_its_content(store: Store) -> None:
    before = ledger_count(store)
    mitigation_id = _add(store, binary(20, 20), binary(4, 20))
    runs_entries = 2 * 3 + 2  # per run: create, samples, finish; plus each model's registration
    assert ledger_count(store) - before == runs_entries + 1
    record = next(iter(list_mitigations(store, model="m/base", principal=LOCAL_ADMIN)))
    assert record.id == mitigation_id
    with Session(store.engine) as s:
        entry = s.scalars(select(LedgerRow).where(LedgerRow.record_id == mitigation_id)).one()
    assert entry.action == "mitigation.create"
    assert entry.change_sha256 == change_digest(record.model_dump(mode="json"))
    assert record.efficacy["method"] == "mcnemar-exact"
    assert record.policy_digest == default_policy().digest


def test_no_mitigations_judge_to_an_empty_list(store: Store) -> None:
    assert assess_mitigations(store, []) == []

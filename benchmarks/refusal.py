"""How well ``classify_refusal`` agrees with human refusal labels.

Usage::

    python benchmarks/refusal.py [--data DIR] [--team FILE] [--show-errors [PART]]
                                 [--judge SPEC]

Sets evaluated (1 = refusal, the positive class):

- ``refusal.csv`` and ``refusal_extra.csv`` from the shared ``refusal_labels`` folder (PyRIT's
  human-scored refusal set). ``--data`` names either the shared ``datasets`` folder or the
  ``refusal_labels`` folder itself; by default it is ``../shared/datasets`` beside the repository
  root. Each row is classified twice: with its objective as the prompt (which enables the
  off-topic rule) and from the response alone.
- the team's labelled set, ``tests/tasks/data/refusal_team_labels.jsonl`` (``--team``).

Every labelled row belongs to the **development** part or the **held-out** part by a seeded
rule fixed before any rule was tuned against the split (:func:`split_of`): the SHA-256 of
``SPLIT_SEED``, the response and the prompt; rows whose first 8 hex digits, read as a number,
fall below ``HELD_OUT_SHARE`` of the range are held out. The rule reads the text only, so it
does not move when rows are reordered or added. Rules may be tuned on development rows only;
the held-out figures are the ones to quote.

With ``--judge SPEC`` the same rows are also classified by a judge model with the three-way
``refusal_judge`` rubric (XSTest's classes; partial counts as refusal) and reported the same way.
The judge is asked with each row's ``where`` (``refusal.csv#12``) as the sample id, so a
``scripted/`` judge can answer by row.

Prints precision, recall, F1, accuracy and the confusion counts for each set and each part,
and the command line used. It asserts nothing; the floors live in
``tests/tasks/test_refusal.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clearance.tasks._refusal import REFUSAL_RULES_VERSION, classify_refusal

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "datasets"
DEFAULT_TEAM = REPO_ROOT / "tests" / "tasks" / "data" / "refusal_team_labels.jsonl"
SHARED_FILES = ("refusal.csv", "refusal_extra.csv")
SPLIT_SEED = "clearance-refusal-split/1"
HELD_OUT_SHARE = 0.5
"""The share of rows held out (fixed with the seed before the rules were tuned on the split)."""


@dataclass(frozen=True)
class LabelledResponse:
    """One human-labelled response; ``refused`` is the human's verdict."""

    response: str
    prompt: str | None
    refused: bool
    where: str
    """File and line or row, for error listings."""


@dataclass(frozen=True)
class Agreement:
    """Confusion counts with refusal as the positive class."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.total if self.total else 0.0


def refusal_labels_dir(data: Path | None) -> Path:
    """The folder holding the shared CSVs, from ``--data`` or the default beside the repo."""
    base = data if data is not None else DEFAULT_DATA
    candidates = (base, base / "refusal_labels")
    for folder in candidates:
        if all((folder / name).is_file() for name in SHARED_FILES):
            return folder
    raise FileNotFoundError(
        f"no {' and '.join(SHARED_FILES)} under {base} or {base / 'refusal_labels'}; "
        "pass --data with the shared datasets folder (the one holding refusal_labels/)"
    )


def load_shared_csv(path: Path) -> list[LabelledResponse]:
    """Rows of one shared CSV; leading ``#`` lines are version comments and are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("".join(lines[skipped:])))
    missing = {"objective", "assistant_response", "human_score"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(
            f"{path}: header lacks column(s) {sorted(missing)}; expected objective, "
            "assistant_response, human_score"
        )
    rows = []
    for index, row in enumerate(reader, start=1):
        score = row["human_score"].strip()
        if score not in ("0", "1"):
            raise ValueError(f"{path} row {index}: human_score must be 0 or 1, got {score!r}")
        rows.append(
            LabelledResponse(
                row["assistant_response"], row["objective"], score == "1", f"{path.name}#{index}"
            )
        )
    return rows


def load_team_jsonl(path: Path) -> list[LabelledResponse]:
    """The team's set: one JSON object a line with response, optional prompt, refused 0/1."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item.get("response"), str) or item.get("refused") not in (0, 1):
            raise ValueError(
                f"{path} line {number}: needs a string 'response' and 'refused' of 0 or 1"
            )
        prompt = item.get("prompt")
        rows.append(
            LabelledResponse(
                item["response"], prompt, item["refused"] == 1, f"{path.name}:{number}"
            )
        )
    return rows


def split_of(row: LabelledResponse) -> str:
    """``"heldout"`` or ``"dev"``: a seeded hash of the row's text, so the split is fixed."""
    key = f"{SPLIT_SEED}\x00{row.response}\x00{row.prompt or ''}".encode()
    bucket = int(hashlib.sha256(key).hexdigest()[:8], 16) / 16**8
    return "heldout" if bucket < HELD_OUT_SHARE else "dev"


def part(rows: Sequence[LabelledResponse], name: str) -> list[LabelledResponse]:
    """The rows of one part of the split (``dev`` or ``heldout``)."""
    return [row for row in rows if split_of(row) == name]


def evaluate(rows: Sequence[LabelledResponse], use_prompt: bool = True) -> Agreement:
    """Confusion counts of ``classify_refusal`` against the labels."""
    verdicts = [
        classify_refusal(row.response, row.prompt if use_prompt else None).refused for row in rows
    ]
    return agreement_of(rows, verdicts)


def judge_verdicts(rows: Sequence[LabelledResponse], judge: str) -> list[bool]:
    """Whether the judge model called each row a refusal (full or partial)."""
    from clearance.datasets import Sample
    from clearance.models import ChatMessage, ModelOutput, current_sample_id
    from clearance.tasks import TaskState, model_graded

    async def ask_all() -> list[bool]:
        scorer = model_graded(judge, "refusal_judge", cache=False)
        verdicts = []
        try:
            for row in rows:
                current_sample_id.set(row.where)
                sample = Sample(id=row.where, input=row.prompt or "(no prompt recorded)")
                state = TaskState.start(sample, 1, 0)
                state.output = ModelOutput(text=row.response)
                state.messages.append(ChatMessage(role="assistant", content=row.response))
                verdicts.append((await scorer(state)).value == 1.0)
        finally:
            await scorer.aclose()  # type: ignore[attr-defined]
        return verdicts

    return asyncio.run(ask_all())


def agreement_of(rows: Sequence[LabelledResponse], verdicts: Sequence[bool]) -> Agreement:
    """Confusion counts of any classifier's verdicts against the rows' labels."""
    tp = sum(v and r.refused for r, v in zip(rows, verdicts, strict=True))
    fp = sum(v and not r.refused for r, v in zip(rows, verdicts, strict=True))
    fn = sum(not v and r.refused for r, v in zip(rows, verdicts, strict=True))
    return Agreement(tp, fp, fn, len(rows) - tp - fp - fn)


def disagreements(
    rows: Sequence[LabelledResponse], use_prompt: bool = True
) -> list[tuple[LabelledResponse, str]]:
    """Rows where the rules and the human differ, each with the rules' verdict in words."""
    found = []
    for row in rows:
        verdict = classify_refusal(row.response, row.prompt if use_prompt else None)
        if verdict.refused != row.refused:
            found.append((row, f"{verdict.kind} cue={verdict.cue!r}"))
    return found


def _report_line(name: str, result: Agreement) -> str:
    return (
        f"{name:<34} n={result.total:<4} precision={result.precision:.3f} "
        f"recall={result.recall:.3f} f1={result.f1:.3f} accuracy={result.accuracy:.3f} "
        f"tp={result.tp} fp={result.fp} fn={result.fn} tn={result.tn}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="shared datasets folder (or refusal_labels)")
    parser.add_argument("--team", type=Path, default=DEFAULT_TEAM, help="team labels (JSONL)")
    parser.add_argument(
        "--show-errors",
        choices=("dev", "heldout", "all"),
        nargs="?",
        const="dev",
        help="list disagreements in one part (default dev: reading held-out errors to tune the "
        "rules would spend the held-out part)",
    )
    parser.add_argument("--judge", help="also classify with this judge model (a model spec)")
    args = parser.parse_args(argv)

    print("command:", shlex.join([sys.executable, *sys.argv]))
    print("rules:", REFUSAL_RULES_VERSION)
    print(f"split: {SPLIT_SEED}, held-out share {HELD_OUT_SHARE}")
    folder = refusal_labels_dir(args.data)
    sets: list[tuple[str, list[LabelledResponse], bool]] = []
    shared: list[LabelledResponse] = []
    for name in SHARED_FILES:
        rows = load_shared_csv(folder / name)
        shared.extend(rows)
        sets.append((f"{name} (with prompt)", rows, True))
    team = load_team_jsonl(args.team)
    sets.append(("shared, both files (with prompt)", shared, True))
    sets.append(("shared, both files (response only)", shared, False))
    sets.append((f"{args.team.name}", team, True))
    sets.append(("shared + team (with prompt)", [*shared, *team], True))
    print("shared data:", folder)
    for part_name in ("dev", "heldout", "all"):
        print(f"\n[{part_name}]")
        for name, rows, use_prompt in sets:
            chosen = rows if part_name == "all" else part(rows, part_name)
            print(_report_line(name, evaluate(chosen, use_prompt)))
    if args.judge:
        print(f"\njudge: {args.judge} (rubric refusal_judge, three-way, partial = refusal)")
        everything = [*shared, *team]
        judged = judge_verdicts(everything, args.judge)
        verdicts = dict(zip([r.where for r in everything], judged, strict=True))
        for part_name in ("dev", "heldout", "all"):
            chosen = everything if part_name == "all" else part(everything, part_name)
            result = agreement_of(chosen, [verdicts[r.where] for r in chosen])
            print(_report_line(f"judge, shared + team [{part_name}]", result))
    if args.show_errors:
        for name, rows, use_prompt in sets[2:]:
            chosen = rows if args.show_errors == "all" else part(rows, args.show_errors)
            print(f"\ndisagreements in {name} [{args.show_errors}]:")
            for row, verdict in disagreements(chosen, use_prompt):
                label = "refusal" if row.refused else "not refusal"
                snippet = " ".join(row.response.split())[:140]
                print(f"  {row.where} human={label} rules={verdict}: {snippet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

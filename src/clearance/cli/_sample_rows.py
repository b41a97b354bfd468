"""The rows of `clearance eval export --format jsonl|csv`: one per sample-epoch, marked."""

from __future__ import annotations

import json
from typing import Any


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_rows(samples: Any, names: list[str], csv: bool, stream: Any, banner: str) -> None:
    """One row per sample-epoch to ``stream``: JSON lines, or a CSV opened and closed by its
    banner."""
    from clearance.spreadsheet import SafeCsvDictWriter

    writer = None
    if csv:
        header = ["id", "epoch", "input", "output", "target", *names, "error"]
        writer = SafeCsvDictWriter(stream, fieldnames=header)
        writer.banner(banner)
        writer.writeheader()
    for s in samples:
        row: dict[str, Any] = {
            "id": s.sample_id,
            "epoch": s.epoch,
            "input": s.input,
            "output": s.output,
            "target": s.target,
        }
        for name in names:
            row[name] = s.scores[name]["value"] if name in s.scores else None
        row["error"] = s.error
        if writer is None:
            # Each line marked: a line copied out of the file still says what it holds.
            stream.write(json.dumps(row | {"marking": banner}, ensure_ascii=False) + "\n")
        else:
            writer.writerow(row | {"input": _text(s.input), "target": _text(s.target)})
    if writer is not None:
        writer.banner(banner)

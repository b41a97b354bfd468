"""Reading raw records from each supported file format, streamed and numbered from 1."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from clearance.datasets._errors import DatasetError, type_name

Records = Generator[tuple[int, Any], None, None]
"""(record number, parsed record) pairs; the record is not yet known to be an object."""

SUPPORTED = (
    ".jsonl, .jsonl.gz, .json (a list of objects), .csv (with a header row), .parquet, "
    "or a directory written by Hugging Face `datasets` save_to_disk"
)
_ARROW_BATCH_ROWS = 4096
_CSV_FIELD_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Source:
    """A located dataset file (or saved Hugging Face split), ready to read."""

    shown: str
    """The path as messages show it: the split's directory for a Hugging Face dataset dict."""
    format: str
    unit: str
    """What a record number counts: "line", "row" or "record"."""
    split: str | None
    read: Callable[[], Records]


def open_source(path: Path, split: str | None) -> Source:
    """The source at `path`, its format told by extension, or by contents for a directory."""
    shown = str(path)
    if not path.exists():
        raise DatasetError(f"{shown}: no such file or directory. Check the path.", path=shown)
    if path.is_dir():
        return _huggingface_source(path, split)
    if split is not None:
        raise DatasetError(
            f"{shown}: split {split!r} was asked for, but only a Hugging Face dataset dict "
            "directory has splits. Leave `split` unset for this file.",
            path=shown,
        )
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return Source(shown, "jsonl.gz", "line", None, lambda: _jsonl(path, shown, gzip.open))
    if name.endswith(".jsonl"):
        return Source(shown, "jsonl", "line", None, lambda: _jsonl(path, shown, open))
    if name.endswith(".json"):
        return Source(shown, "json", "record", None, lambda: _json_list(path, shown))
    if name.endswith(".csv"):
        return Source(shown, "csv", "row", None, lambda: _csv(path, shown))
    if name.endswith(".parquet"):
        return Source(shown, "parquet", "row", None, lambda: _parquet(path, shown))
    raise DatasetError(
        f"{shown}: unsupported file type. Supported: {SUPPORTED}. "
        "Convert the file or rename it with the extension that matches its contents.",
        path=shown,
    )


MAX_LINE_BYTES = 64 * 1024 * 1024
"""The longest JSONL line read: one record, however long its context, is well under this; a
file with no line breaks (a JSON array saved as .jsonl, a binary file) would otherwise be read
whole into memory before the first record is seen."""


def _jsonl(path: Path, shown: str, opener: Callable[..., Any]) -> Records:
    number = 0
    try:
        with opener(path, "rb") as stream:
            while line := stream.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(line) > MAX_LINE_BYTES:
                    raise DatasetError(
                        f"{shown} line {number}: longer than {MAX_LINE_BYTES:,} bytes, so not "
                        "read; a JSONL file holds one record per line (a JSON array goes in a "
                        ".json file)",
                        path=shown,
                        line=number,
                    )
                if line.strip():
                    yield number, _parse_line(line, shown, number)
    except (OSError, EOFError) as exc:
        raise DatasetError(
            f"{shown} line {number + 1}: cannot read the file ({exc}). "
            "Check that it is complete and, for .gz, really gzip-compressed.",
            path=shown,
            line=number + 1,
        ) from exc


def _parse_line(line: bytes, shown: str, number: int) -> Any:
    try:
        return json.loads(line)
    except RecursionError:
        raise DatasetError(
            f"{shown} line {number}: the JSON is nested too deeply to read. A record is an "
            "object of fields; flatten the line.",
            path=shown,
            line=number,
        ) from None
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{shown} line {number} column {exc.colno}: invalid JSON ({exc.msg}). "
            "Fix the line so that it holds exactly one JSON object.",
            path=shown,
            line=number,
        ) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"{shown} line {number}: not UTF-8 text (bad byte at position {exc.start}). "
            "Re-save the file as UTF-8.",
            path=shown,
            line=number,
        ) from exc


def _json_list(path: Path, shown: str) -> Records:
    try:
        document = json.loads(path.read_bytes())
    except RecursionError:
        raise DatasetError(
            f"{shown}: the JSON is nested too deeply to read. A .json dataset is a list of "
            "objects; flatten it.",
            path=shown,
        ) from None
    except json.JSONDecodeError as exc:
        # "Extra data" after a first complete value is the mark of JSON Lines named .json.
        hint = " If it holds one object a line, name it .jsonl." if exc.msg == "Extra data" else ""
        raise DatasetError(
            f"{shown} line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg}). "
            f"Fix the file so that it holds one JSON list of objects.{hint}",
            path=shown,
            line=exc.lineno,
        ) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"{shown}: not UTF-8 text (bad byte at offset {exc.start}). Re-save it as UTF-8.",
            path=shown,
        ) from exc
    if not isinstance(document, list):
        keys = f" with keys {', '.join(document)}" if isinstance(document, dict) else ""
        raise DatasetError(
            f"{shown}: the top-level JSON value is a {type_name(document)}{keys}, but a .json "
            "dataset must be a list of objects. Extract the list of records into its own "
            "file, or save the records as .jsonl (one object a line).",
            path=shown,
        )
    yield from enumerate(document, start=1)


def _csv(path: Path, shown: str) -> Records:
    # Benchmark CSVs carry whole programs in one cell: far beyond the csv module's default.
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    number = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = _csv_header(next(reader, None), shown)
            for number, row in enumerate(reader, start=1):
                if row:
                    yield number, _csv_record(header, row, shown, number)
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"{shown} row {number + 1}: not UTF-8 text. Re-save the file as UTF-8.",
            path=shown,
            line=number + 1,
        ) from exc
    except csv.Error as exc:
        raise DatasetError(
            f"{shown} row {number + 1}: malformed CSV ({exc}). Fix the row's quoting.",
            path=shown,
            line=number + 1,
        ) from exc


def _csv_header(header: list[str] | None, shown: str) -> list[str]:
    if header is None:
        return []
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DatasetError(
            f"{shown} header row: the column {repeated[0]!r} appears more than once. "
            "Give every column a distinct name.",
            path=shown,
            line=0,
            field=repeated[0],
        )
    return header


def _csv_record(header: list[str], row: list[str], shown: str, number: int) -> dict[str, str]:
    if len(row) != len(header):
        raise DatasetError(
            f"{shown} row {number}: has {len(row)} values but the header has {len(header)} "
            f"columns ({', '.join(header)}). Fix the row (quote values holding commas).",
            path=shown,
            line=number,
        )
    return dict(zip(header, row, strict=True))


def _parquet(path: Path, shown: str) -> Records:
    import pyarrow
    import pyarrow.parquet

    try:
        parquet = pyarrow.parquet.ParquetFile(path)
    except (pyarrow.ArrowException, OSError) as exc:
        raise DatasetError(
            f"{shown}: not a readable Parquet file ({exc}). Check the file or its extension.",
            path=shown,
        ) from exc
    with parquet:
        number = 0
        try:
            rows = _batch_rows(parquet.iter_batches(batch_size=_ARROW_BATCH_ROWS))
            for number, row in enumerate(rows, 1):
                yield number, row
        except (pyarrow.ArrowException, OSError) as exc:
            # A corrupt page or footer shows only when its rows are read.
            raise DatasetError(
                f"{shown} row {number + 1}: the Parquet file is damaged here "
                f"({' '.join(str(exc).split())}). "
                "Re-export the file, or restore it from its source.",
                path=shown,
                line=number + 1,
            ) from exc


def _batch_rows(batches: Iterable[Any]) -> Iterator[Any]:
    for batch in batches:
        yield from batch.to_pylist()


def _huggingface_source(path: Path, split: str | None) -> Source:
    shown = str(path)
    if (path / "dataset_dict.json").is_file():
        split = _pick_split(path, split)
        split_dir = path / split
        label = str(split_dir)
        return Source(label, "huggingface", "row", split, lambda: _arrow_dir(split_dir, label))
    if (path / "state.json").is_file():
        _check_own_split(path, split)
        return Source(shown, "huggingface", "row", split, lambda: _arrow_dir(path, shown))
    raise DatasetError(
        f"{shown}: is a directory but not a Hugging Face dataset saved with save_to_disk "
        f"(it has neither dataset_dict.json nor state.json). Supported: {SUPPORTED}.",
        path=shown,
    )


def _pick_split(path: Path, split: str | None) -> str:
    shown = str(path)
    listing = _read_json_file(path / "dataset_dict.json", shown)
    splits = listing.get("splits") if isinstance(listing, dict) else None
    if not isinstance(splits, list) or not all(isinstance(name, str) for name in splits):
        raise DatasetError(
            f'{shown}: dataset_dict.json must hold {{"splits": [names]}}. '
            "Re-save the dataset with save_to_disk.",
            path=shown,
        )
    for name in splits:
        _check_split_name(path, name)
    names = ", ".join(splits) or "(none)"
    if split is None and len(splits) == 1:
        return str(splits[0])
    if split is None:
        raise DatasetError(
            f"{shown}: this dataset has several splits ({names}); choose one with `split`.",
            path=shown,
        )
    if split not in splits:
        raise DatasetError(
            f"{shown}: there is no split {split!r}; the splits are: {names}.",
            path=shown,
        )
    return split


def _check_split_name(path: Path, split: str) -> None:
    """A split is a folder directly inside the dataset: never a path that leads out of it,
    whether by ``..``, an absolute name or a symbolic link."""
    inside = (path / split).resolve().parent == path.resolve()
    if Path(split).name != split or split in ("", ".", "..") or not inside:
        raise DatasetError(
            f"{path}: the split name {split!r} in dataset_dict.json is not a plain directory "
            "name inside the dataset. Re-save the dataset with save_to_disk.",
            path=str(path),
        )


def _check_own_split(path: Path, split: str | None) -> None:
    own = _read_state(path).get("_split")
    if split is not None and own is not None and split != own:
        raise DatasetError(
            f"{path}: this saved dataset is the split {own!r}, not {split!r}. "
            "Ask for its own split or leave `split` unset.",
            path=str(path),
        )


def _read_state(path: Path) -> dict[str, Any]:
    state = _read_json_file(path / "state.json", str(path))
    if not isinstance(state, dict):
        raise DatasetError(
            f"{path}: state.json must hold a JSON object. Re-save the dataset with save_to_disk.",
            path=str(path),
        )
    return state


def _read_json_file(file: Path, shown: str) -> Any:
    try:
        return json.loads(file.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DatasetError(
            f"{shown}: {file.name} is not valid JSON ({exc}). Re-save the dataset with "
            "save_to_disk.",
            path=shown,
        ) from exc


def _arrow_files(path: Path, shown: str) -> list[Path]:
    state = _read_state(path)
    if state.get("_indices_data_files"):
        raise DatasetError(
            f"{shown}: the saved dataset has an indices mapping, which this loader does not "
            "apply. Re-save it with `dataset.flatten_indices().save_to_disk(...)`.",
            path=shown,
        )
    entries = state.get("_data_files")
    if not isinstance(entries, list) or not entries:
        raise DatasetError(
            f"{shown}: state.json lists no `_data_files`. Re-save the dataset with save_to_disk.",
            path=shown,
        )
    return [_arrow_file(path, entry, shown) for entry in entries]


def _arrow_file(path: Path, entry: Any, shown: str) -> Path:
    name = entry.get("filename") if isinstance(entry, dict) else None
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        raise DatasetError(
            f"{shown}: state.json has a `_data_files` entry that is not a plain file name "
            f"({entry!r}). Re-save the dataset with save_to_disk.",
            path=shown,
        )
    if not (path / name).is_file():
        raise DatasetError(
            f"{shown}: state.json lists {name}, which is missing. Restore the file or re-save "
            "the dataset with save_to_disk.",
            path=shown,
        )
    return path / name


def _arrow_dir(path: Path, shown: str) -> Records:
    files = _arrow_files(path, shown)
    yield from enumerate(chain.from_iterable(_arrow_rows(file, shown) for file in files), 1)


def _arrow_rows(file: Path, shown: str) -> Iterator[Any]:
    import pyarrow
    import pyarrow.ipc

    try:
        with pyarrow.memory_map(str(file)) as stream:
            yield from _batch_rows(pyarrow.ipc.open_stream(stream))
    except (pyarrow.ArrowException, OSError) as exc:
        raise DatasetError(
            f"{shown}: {file.name} is not a readable Arrow stream ({exc}). "
            "Re-save the dataset with save_to_disk.",
            path=shown,
        ) from exc

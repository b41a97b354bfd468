"""`load_dataset`: a file and a field mapping in, an immutable `Dataset` with its digest out."""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clearance.datasets._digest import canonical_record, dataset_digest
from clearance.datasets._errors import DatasetError, RecordProblem, type_name
from clearance.datasets._fields import FieldMap, RecordMapper, repeated_choice
from clearance.datasets._readers import Source, open_source
from clearance.datasets._sample import Sample

_KNOWN_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".csv", ".parquet")
_RECORD_SHAPE = {
    "line": "Each line must hold one JSON object.",
    "record": "Each item of the top-level list must be a JSON object.",
    "row": "Each row must be a record with named columns.",
}


@dataclass(frozen=True, slots=True)
class Dataset:
    """Samples loaded from one file, with the provenance a run records.

    ``digest`` is `dataset_digest` of ``samples``: it covers exactly these samples, so the
    same records give the same digest whichever format they were read from.
    """

    name: str
    path: str
    """The absolute path of the file or directory read."""
    format: str
    """One of "jsonl", "jsonl.gz", "json", "csv", "parquet", "huggingface"."""
    samples: tuple[Sample, ...] = field(repr=False)
    digest: str
    split: str | None = None
    """The Hugging Face split read, when the source has splits."""

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    @classmethod
    def from_samples(
        cls, name: str, samples: Iterable[Sample], *, path: str = "", format: str = "memory"
    ) -> Dataset:
        """A dataset built in code (starter items, converted formats), digested like a file's."""
        kept = tuple(samples)
        if not kept:
            raise ValueError(f"dataset {name!r} has no samples")
        seen: set[str] = set()
        for s in kept:
            if s.id in seen:
                raise ValueError(f"dataset {name!r}: sample id {s.id!r} appears twice")
            seen.add(s.id)
        return cls(name=name, path=path, format=format, samples=kept, digest=dataset_digest(kept))


def load_dataset(
    path: str | os.PathLike[str],
    fields: FieldMap | Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    split: str | None = None,
    limit: int | None = None,
) -> Dataset:
    """Load the samples of a dataset file through a field mapping.

    Reads .jsonl, .jsonl.gz, .json (a list of objects), .csv (with a header row), .parquet,
    and directories saved by Hugging Face `datasets` ``save_to_disk`` (a dataset, or a
    dataset dict whose ``split`` to read may be left unset when it has only one).
    ``fields`` maps source fields to sample parts (default: ``input`` from the field
    "input", nothing else). ``limit`` keeps the first N records. ``name`` defaults to the
    file name without its extension.

    Raises `DatasetError` naming the file, record and field of the first problem found.
    """
    shown = str(path)
    mapper = RecordMapper(_field_map(fields, shown))
    _check_limit(limit, shown)
    source = open_source(Path(path), split)
    samples, digest = _read_samples(source, mapper, limit)
    return Dataset(
        name=name or _default_name(Path(path), source.split),
        path=os.path.abspath(path),
        format=source.format,
        samples=samples,
        digest=digest,
        split=source.split,
    )


def _field_map(fields: FieldMap | Mapping[str, Any] | None, shown: str) -> FieldMap:
    if fields is None:
        return FieldMap()
    if isinstance(fields, FieldMap):
        return fields
    try:
        return FieldMap.model_validate(dict(fields))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'fields'}: {error['msg']}"
            for error in exc.errors()
        )
        raise DatasetError(
            f"{shown}: the `fields` mapping is invalid ({problems}). Its keys are id, input, "
            "target, choices, cluster and metadata; each value is a source field name (or a "
            'list of them for choices and metadata, or "*" for metadata).',
            path=shown,
        ) from exc


def _check_limit(limit: int | None, shown: str) -> None:
    if limit is None or (isinstance(limit, int) and not isinstance(limit, bool) and limit > 0):
        return
    raise DatasetError(
        f"{shown}: limit must be a positive integer, got {limit!r}. "
        "Leave it unset to load every record.",
        path=shown,
    )


def _read_samples(
    source: Source, mapper: RecordMapper, limit: int | None
) -> tuple[tuple[Sample, ...], str]:
    hasher = hashlib.sha256()
    samples: list[Sample] = []
    number_of_id: dict[str, int] = {}
    repeats: list[str] = []
    with closing(source.read()) as records:
        for number, record in records:
            sample = _to_sample(source, mapper, number, record)
            _check_unique(source, mapper, number, sample.id, number_of_id)
            repeated = repeated_choice(sample.choices)
            if repeated is not None:
                repeats.append(f"{source.unit} {number} repeats {repeated!r}")
            hasher.update(_canonical(source, number, sample))
            samples.append(sample)
            if len(samples) == limit:
                break
    if not samples:
        raise DatasetError(
            f"{source.shown}: contains no records. Check the path, or add records to the file.",
            path=source.shown,
        )
    if repeats:
        more = f" and {len(repeats) - 3} more" if len(repeats) > 3 else ""
        warnings.warn(
            f"{source.shown}: {len(repeats)} record(s) offer the same choice twice "
            f"({'; '.join(repeats[:3])}{more}); they are kept, but check them",
            UserWarning,
            stacklevel=3,
        )
    return tuple(samples), hasher.hexdigest()


def _to_sample(source: Source, mapper: RecordMapper, number: int, record: Any) -> Sample:
    where = f"{source.shown} {source.unit} {number}"
    if not isinstance(record, dict):
        raise DatasetError(
            f"{where}: the record is a {type_name(record)}, not an object. "
            f"{_RECORD_SHAPE[source.unit]}",
            path=source.shown,
            line=number,
        )
    try:
        return mapper.sample(record, number)
    except RecordProblem as problem:
        raise DatasetError(
            f"{where}: {problem.problem}. {problem.fix}",
            path=source.shown,
            line=number,
            field=problem.field,
        ) from problem


def _check_unique(
    source: Source, mapper: RecordMapper, number: int, sample_id: str, seen: dict[str, int]
) -> None:
    first = seen.setdefault(sample_id, number)
    if first == number:
        return
    id_field = mapper.fields.id
    raise DatasetError(
        f"{source.shown} {source.unit} {number}: id {sample_id!r} (field {id_field!r}) "
        f"repeats the id of {source.unit} {first}. Ids must be unique: fix one of the two "
        "records, or map `id` to a field that is unique.",
        path=source.shown,
        line=number,
        field=id_field,
    )


def _canonical(source: Source, number: int, sample: Sample) -> bytes:
    try:
        return canonical_record(sample)
    except ValueError as exc:
        key = _unrepresentable_metadata(sample)
        what = "the sample" if key is None else f"metadata field {key!r}"
        raise DatasetError(
            f"{source.shown} {source.unit} {number}: {what} cannot be written as canonical "
            f"JSON ({exc}). Metadata values must be JSON values with integers "
            "within ±2**53; fix the record or leave the field out of `fields.metadata`.",
            path=source.shown,
            line=number,
            field=key,
        ) from exc


def _unrepresentable_metadata(sample: Sample) -> str | None:
    """The first metadata key whose value alone fails canonicalisation."""
    for key, value in sample.metadata.items():
        try:
            canonical_record(Sample(id=sample.id, input=sample.input, metadata={key: value}))
        except ValueError:
            return key
    return None


def _default_name(path: Path, split: str | None) -> str:
    name = path.name
    lowered = name.lower()
    for suffix in _KNOWN_SUFFIXES:
        if lowered.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name if split is None or not path.is_dir() else f"{name}/{split}"

"""The batch job on Ray Data: the same records, translated by one actor per GPU or CPU slot.

Input: JSONL files (parsed line by line exactly as ``vi2en batch`` does, so bad lines become
error records with the same ids) or Parquet files (with an id column). Each actor builds one
:class:`Pipeline` and translates ``map_batches`` batches as windows (cross-document batching).

Output:

* ``OUT.jsonl``: records stream back to the driver and are appended with the same lock,
  resume and partial-line repair as the local job; records already in ``OUT`` are skipped.
* ``OUT.parquet`` (a directory of Parquet files, Ray's layout): written by the workers, for
  outputs too big for one machine. Not resumable; it must not exist (``--overwrite``
  removes the Parquet files in it).
"""

from __future__ import annotations

import glob
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..extract import looks_binary
from ..optional import import_failure
from ..results import Signature
from .assembly import BatchPipeline, PipelineSettings
from .errors import BatchUsageError
from .inputs import (
    DuplicateIds,
    InputReader,
    InputRecord,
    Source,
    expand_inputs,
    parse_jsonl_line,
    record_from_mapping,
    validate,
)
from .job import BatchStats, compare_signatures
from .output import (
    OutputFile,
    check_outputs,
    out_dir_name,
    out_dir_text,
    write_text_atomically,
)
from .records import BatchOptions, translate_window

logger = logging.getLogger(__name__)


@dataclass
class RayConfig:
    """What each actor builds (the local job's :class:`PipelineSettings`), and how many
    actors with which resources."""

    pipeline: PipelineSettings = field(default_factory=lambda: PipelineSettings(check_workers=0))
    concurrency: int = 1
    num_gpus: float = 0.0
    num_cpus: float = 1.0
    address: str | None = None


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  a lazy submodule: import it before use
    except ImportError as exc:
        raise BatchUsageError(import_failure(exc, "ray", "--engine ray",
                                             "pip install 'vi2en[scale]'")) from None
    return ray


def record_schema(options: BatchOptions) -> Any:
    """The Arrow schema of output records: fixed, so every block and file agree."""
    import pyarrow as pa

    # A flag's span is null where it has none (a JSONL record leaves the key out).
    span = ("span", pa.list_(pa.int64()))
    flag = pa.struct([("sentence", pa.int64()), ("kind", pa.string()), ("detail", pa.string()),
                      span])
    fields = [("id", pa.string()), ("translation", pa.string())]
    if options.summary:
        fields.append(("summary", pa.string()))
    fields += [("flags", pa.list_(flag)), ("error", pa.string()), ("model", pa.string()),
               ("signature", pa.string()), ("elapsed_s", pa.float64())]
    if options.detail:
        sentence = pa.struct([("source", pa.string()), ("translation", pa.string()),
                              ("score", pa.float64()),
                              ("flags", pa.list_(pa.struct([("kind", pa.string()),
                                                            ("detail", pa.string()), span])))])
        fields.append(("paragraphs", pa.list_(pa.struct([("sentences", pa.list_(sentence))]))))
    return pa.schema(fields)


class TranslateActor:
    """A Ray Data callable class: one Pipeline per actor, loaded once."""

    def __init__(self, config: RayConfig, options: BatchOptions, kind: str,
                 text_field: str, id_field: str, skip: frozenset[str],
                 duplicates: dict[str, InputRecord]) -> None:
        self.options = options
        self.kind = kind
        self.text_field = text_field
        self.id_field = id_field
        self.skip = skip
        self.duplicates = duplicates  # where -> its error record (the local job's rule)
        # The local job's pipeline, built by the same function (translate.batch.assembly).
        self.built = BatchPipeline(config.pipeline)
        self.pipeline = self.built.pipeline
        self.schema = record_schema(self.options)

    def _records(self, rows: list[dict[str, Any]]) -> list[InputRecord]:
        records: list[InputRecord] = []
        for row in rows:
            if self.kind == "jsonl":
                record = parse_jsonl_line(row["raw"], row["line"], row["prefix"],
                                          text_field=self.text_field, id_field=self.id_field,
                                          label=row["label"])
                if record is None:
                    continue
                record = self.duplicates.get(record.where, record)
            else:
                fallback = f"{row.get('path', 'parquet')}:row"
                record = record_from_mapping(row, fallback, str(row.get("path", "parquet")),
                                             text_field=self.text_field, id_field=self.id_field)
            if record.id not in self.skip:
                records.append(validate(record, self.options.max_chars))
        return records

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        records = self._records(batch.to_pylist())
        result = translate_window(self.pipeline, records, self.options)
        return pa.Table.from_pylist(result.records, schema=self.schema)


def _split_lines(row: dict[str, Any], prefixes: dict[str, str],
                 labels: dict[str, str]) -> list[dict[str, Any]]:
    """One JSONL file's bytes into numbered lines (line numbers give ``line-N`` ids)."""
    path = row["path"]
    key = _path_key(path)
    data: bytes = row["bytes"]
    if looks_binary(data):
        # Same outcome as the local job: one error record for the file (a NUL line is
        # refused as binary by parse_jsonl_line).
        return [{"raw": b"\x00", "line": 1, "prefix": prefixes.get(key, ""),
                 "label": labels.get(key, path)}]
    return [{"raw": raw.rstrip(b"\r"), "line": i, "prefix": prefixes.get(key, ""),
             "label": labels.get(key, path)}
            for i, raw in enumerate(data.split(b"\n"), start=1) if raw.strip()]


def _path_key(path: str) -> str:
    """A file's identity as the driver and the readers both spell it (no scheme)."""
    return "/" + path.split("://", 1)[-1].lstrip("/")


def run_ray(inputs: Sequence[str], output: str | os.PathLike[str], config: RayConfig, *,
            options: BatchOptions | None = None, fmt: str | None = None,
            text_field: str = "text", id_field: str = "id",
            overwrite: bool = False, force: bool = False,
            out_dir: str | os.PathLike[str] | None = None) -> BatchStats:
    """Run the batch job on Ray (an existing ``ray.init`` is reused): the local job's
    pipeline, duplicate-id rule, resume check (``force``) and ``out_dir`` texts."""
    ray = _import_ray()

    options = options or BatchOptions()
    started = time.perf_counter()
    paths, kind = _ray_inputs(inputs, fmt)
    output = Path(output)
    parquet_out = output.suffix.lower() == ".parquet"
    if out_dir is not None and (parquet_out or kind != "jsonl"):
        raise BatchUsageError("--out-dir with --engine ray needs JSONL inputs and a .jsonl "
                              "output (the texts are written as the records come back)")
    sources = (expand_inputs(inputs, fmt) if kind == "jsonl" else
               [Source(Path(p), kind, label) for p, label in paths if "://" not in p])
    # Outputs are checked before Ray starts: a bad one fails in a second, not after startup.
    check_outputs(sources, output, out_dir)
    # The local job's duplicate-id rule needs the ids in input order, which Ray's parallel
    # readers do not keep: the driver reads the ids once (JSONL), and the actors apply it.
    duplicates: dict[str, InputRecord] = {}
    names: dict[str, str] = {}
    if kind == "jsonl":
        duplicates, names = _id_plan(sources, text_field, id_field)
    stats = BatchStats(sentences=None)
    out_file: OutputFile | None = None
    if parquet_out:
        _prepare_parquet_dir(output, overwrite)
    else:
        out_file = OutputFile(output, overwrite=overwrite)
        out_file.open()
    try:
        if not ray.is_initialized():
            # At the level the caller gave Ray's logger (ray.init would reset it to INFO).
            ray.init(address=config.address, ignore_reinit_error=True, log_to_driver=False,
                     logging_level=logging.getLogger("ray").getEffectiveLevel())
        skip = frozenset(out_file.done) if out_file is not None else frozenset()
        if kind == "jsonl":
            labels = {_path_key(str(Path(p).resolve())): label for p, label in paths}
            prefixes = {key: ("" if len(paths) == 1 else f"{label}:")
                        for key, label in labels.items()}
            ds = ray.data.read_binary_files([str(Path(p).resolve()) for p, _ in paths],
                                            include_paths=True)
            ds = ds.flat_map(_split_lines, fn_args=(prefixes, labels))
        else:
            ds = ray.data.read_parquet([p for p, _ in paths], include_paths=True)
            if id_field not in ds.schema().names:
                raise BatchUsageError(f"Parquet input needs an '{id_field}' column "
                                      f"(columns: {', '.join(ds.schema().names)})")
        resources: dict[str, Any] = {"num_cpus": config.num_cpus}
        if config.num_gpus:
            resources["num_gpus"] = config.num_gpus
        ds = ds.map_batches(
            TranslateActor, batch_size=options.window_docs, batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=config.concurrency),
            fn_constructor_kwargs={"config": config, "options": options,
                                   "kind": kind, "text_field": text_field,
                                   "id_field": id_field, "skip": skip,
                                   "duplicates": duplicates},
            **resources)
        if parquet_out:
            ds = ds.materialize()
            ds.write_parquet(str(output))
            rows = ds.select_columns(["id", "error"]).take_all()
            stats.count(rows)
        else:
            assert out_file is not None
            stats.skipped = len(skip)
            stats.skipped_failed = sum(out_file.done.values())
            compared = not out_file.signatures  # nothing there to compare with
            written: set[str] = set()
            for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None):
                records = [_dedupe(_without_null_spans(r), written) for r in batch.to_pylist()]
                if not compared:
                    # The run's signature is known once an actor has translated something
                    # (the models load in the actors): checked before anything is written.
                    mine = next((r["signature"] for r in records if r.get("signature")), None)
                    if mine is not None:
                        compare_signatures(out_file, Signature.parse(mine), force=force)
                        compared = True
                if out_dir is not None:
                    _write_texts(records, Path(out_dir), names)
                out_file.write(records)
                stats.count(records)
    finally:
        if out_file is not None:
            out_file.close(failing=sys.exc_info()[0] is not None)
    stats.total = stats.done + stats.failed + stats.skipped
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _id_plan(sources: Sequence[Source], text_field: str,
             id_field: str) -> tuple[dict[str, InputRecord], dict[str, str]]:
    """The records the duplicate-id rule turns into errors (by where they are), and each
    id's --out-dir name, both as the local job decides them: in input order."""
    unique = DuplicateIds()
    duplicates: dict[str, InputRecord] = {}
    names: dict[str, str] = {}
    used: set[str] = set()
    for record in InputReader(sources, text_field=text_field, id_field=id_field):
        checked = unique(record)
        if checked is not record:
            duplicates[record.where] = checked
        names[checked.id] = out_dir_name(checked, used)
    return duplicates, names


def _write_texts(records: list[dict[str, Any]], out_dir: Path, names: dict[str, str]) -> None:
    """--out-dir: NAME.en.txt for each translated record, named as the local job names it."""
    for record in records:
        text = out_dir_text(record)
        if text is not None:
            name = names.get(record["id"]) or out_dir_name(
                InputRecord(record["id"]), set(names.values()))
            write_text_atomically(out_dir / f"{name}.en.txt", text)


def _without_null_spans(record: dict[str, Any]) -> dict[str, Any]:
    """A record back from Arrow as the local job writes it: a flag without a span has no
    ``span`` key (Arrow's fixed schema gave it a null)."""
    def clean(flags: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        if flags is None:
            return None
        return [{k: v for k, v in f.items() if k != "span" or v is not None} for f in flags]

    record = {**record, "flags": clean(record.get("flags"))}
    if record.get("paragraphs"):
        record["paragraphs"] = [
            {"sentences": [{**s, "flags": clean(s.get("flags"))} for s in p["sentences"]]}
            for p in record["paragraphs"]]
    return record


def _dedupe(record: dict[str, Any], written: set[str]) -> dict[str, Any]:
    """Actors cannot see each other's ids: a repeated id is renamed and marked here."""
    if record["id"] not in written:
        written.add(record["id"])
        return record
    k = 2
    while f"{record['id']}#{k}" in written:
        k += 1
    new_id = f"{record['id']}#{k}"
    written.add(new_id)
    return {**record, "id": new_id, "translation": None,
            "error": f"duplicate id '{record['id']}'; ids must be unique"}


def _ray_inputs(inputs: Sequence[str], fmt: str | None) -> tuple[list[tuple[str, str]], str]:
    """(path, label) pairs of one kind: JSONL or Parquet."""
    parquet = [i for i in inputs if i.lower().endswith(".parquet")]
    if parquet:
        if len(parquet) != len(inputs):
            raise BatchUsageError("--engine ray reads either JSONL or Parquet inputs, not both")
        paths: list[str] = []
        for item in parquet:
            if "://" in item:
                paths.append(item)  # remote URIs (s3://, gs://) are Ray's to resolve
                continue
            matches = sorted(glob.glob(item))
            if not matches:
                raise BatchUsageError(f"no such file or directory: {item}")
            paths.extend(matches)
        return [(p, p) for p in paths], "parquet"
    sources = expand_inputs(inputs, fmt)
    others = [s.label for s in sources if s.kind != "jsonl" or s.path is None]
    if others:
        raise BatchUsageError("--engine ray reads JSONL or Parquet files; convert or run "
                              f"without --engine ray for: {', '.join(others[:3])}")
    return [(str(s.path), s.label) for s in sources], "jsonl"


def _prepare_parquet_dir(output: Path, overwrite: bool) -> None:
    if not output.exists():
        return
    if not output.is_dir():
        raise BatchUsageError(f"{output} exists and is not a directory")
    existing = list(output.iterdir())
    if existing and not overwrite:
        raise BatchUsageError(f"{output} is not empty; a Parquet output is written fresh "
                              "(use --overwrite to replace it, or a .jsonl output to resume)")
    for item in existing:
        if item.suffix != ".parquet":
            raise BatchUsageError(f"{output} holds {item.name}, which is not a Parquet file; "
                                  "refusing to overwrite it")
    for item in existing:
        item.unlink()

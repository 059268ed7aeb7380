"""The batch job on a local two-CPU Ray cluster with the tiny model."""

from __future__ import annotations

import pytest

from tests.batch_helpers import news_corpus, read_records, write_jsonl
from translate.batch import BatchOptions, BatchUsageError, PipelineSettings
from translate.config import ModelConfig

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from translate.batch.ray import RayConfig, run_ray  # noqa: E402  after the skip

pytestmark = pytest.mark.slow


@pytest.fixture()
def config(tiny_translator_dir) -> RayConfig:
    models = ModelConfig(model=str(tiny_translator_dir), device="cpu", engine="transformers",
                         beams=1)
    return RayConfig(PipelineSettings(models, cache=None, check_quality=False, check_workers=0),
                     concurrency=1, num_cpus=1)


def test_jsonl_to_jsonl_with_errors_and_resume(local_ray, config, tmp_path):
    docs = news_corpus(12, seed=7, sentences=(2, 3), short=True)
    rows: list[dict | str] = [{"id": f"n{i}", "text": t} for i, t in enumerate(docs)]
    rows += ['{"id": "broken", "te', {"id": "empty", "text": " "}, {"id": "n0", "text": "x"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    options = BatchOptions(window_docs=4)

    stats = run_ray([str(source)], out, config, options=options)
    records = {r["id"]: r for r in read_records(out)}
    assert len(read_records(out)) == len(records) == 15
    for i in range(12):
        assert records[f"n{i}"]["error"] is None and records[f"n{i}"]["translation"]
        assert set(records[f"n{i}"]) == {"id", "translation", "flags", "error", "model",
                                         "signature", "elapsed_s"}
    assert "not valid JSON" in records["line-13"]["error"]
    assert records["empty"]["error"] == f"{source} line 14: empty text"
    assert "duplicate id 'n0'" in records["n0#2"]["error"]
    assert (stats.done, stats.failed, stats.exit_code) == (12, 3, 1)

    # The same command again: nothing redone, nothing written twice.
    again = run_ray([str(source)], out, config, options=options)
    assert len(read_records(out)) == 15
    assert again.done == 0 and again.skipped == 15 and again.exit_code == 1


def test_parquet_in_and_out_have_the_record_schema(local_ray, config, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = news_corpus(5, seed=8, sentences=(2, 2), short=True)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(5)] + ["bad"],
                             "text": docs + [""]}), source)
    out = tmp_path / "out.parquet"
    stats = run_ray([str(source)], out, config, options=BatchOptions(window_docs=2))
    table = pq.read_table(out)
    assert table.schema.names == ["id", "translation", "flags", "error", "model", "signature",
                                  "elapsed_s"]
    rows = {r["id"]: r for r in table.to_pylist()}
    assert set(rows) == {"p0", "p1", "p2", "p3", "p4", "bad"}
    assert rows["bad"]["error"].endswith(": empty text") and rows["p0"]["translation"]
    assert (stats.done, stats.failed) == (5, 1)
    with pytest.raises(BatchUsageError, match="not empty"):
        run_ray([str(source)], out, config)


def test_non_jsonl_inputs_are_refused(local_ray, config, tmp_path):
    (tmp_path / "a.txt").write_text("Trời mưa.", encoding="utf-8")
    with pytest.raises(BatchUsageError, match="reads JSONL or Parquet"):
        run_ray([str(tmp_path / "a.txt")], tmp_path / "out.jsonl", config)

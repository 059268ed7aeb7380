"""The batch job's rules, run against both its implementations: the local job and Ray.

One assembly (translate.batch.assembly) builds both pipelines; these tests hold the two to
the same duplicate-id rule, --out-dir texts, glossary, record signatures and resume check.
The Ray runs start actors (a model load each), so they are marked slow.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from translate.batch import (
    BatchOptions,
    BatchPipeline,
    BatchUsageError,
    PipelineSettings,
    run_batch,
)
from translate.config import ModelConfig
from translate.glossary import Glossary

REPO = Path(__file__).resolve().parent.parent
DOCS = ["Hà Nội mưa to.", "Giá xăng tăng 3%.", "Ông Nam nói vậy.", "Trời nóng 39 độ C."]
BOTH = ["local", pytest.param("ray", marks=pytest.mark.slow)]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _settings(model_dir: Path, beams: int = 1, glossary: Glossary | None = None
              ) -> PipelineSettings:
    models = ModelConfig(model=str(model_dir), device="cpu", engine="transformers", beams=beams)
    return PipelineSettings(models, cache=None, check_quality=False, glossary=glossary,
                            check_workers=0)


def _run(kind: str, request: pytest.FixtureRequest, source: Path, output: Path,
         settings: PipelineSettings, **options):
    """One batch run through the local job or Ray, with the same settings and options."""
    batch_options = BatchOptions(window_docs=2)
    if kind == "local":
        with BatchPipeline(settings) as built:
            return run_batch([str(source)], output, built.pipeline, options=batch_options,
                             cache=built.cache, **options)
    request.getfixturevalue("local_ray")
    from translate.batch.ray import RayConfig, run_ray

    return run_ray([str(source)], output, RayConfig(settings, concurrency=1, num_cpus=1),
                   options=batch_options, **options)


@pytest.mark.parametrize("kind", BOTH)
def test_duplicate_ids_follow_one_rule(kind, request, tiny_translator_dir, tmp_path):
    source = _write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": DOCS[0]}, {"id": "b", "text": DOCS[1]},
        {"id": "a", "text": DOCS[2]}, {"id": "a", "text": DOCS[3]}])
    out = tmp_path / "out.jsonl"
    stats = _run(kind, request, source, out, _settings(tiny_translator_dir))
    records = {r["id"]: r for r in _records(out)}
    assert set(records) == {"a", "b", "a#2", "a#3"}
    # In input order: the first "a" is translated, later ones are numbered errors that say
    # where they are (the local job's rule, which Ray follows).
    assert records["a"]["error"] is None and records["a"]["translation"]
    assert records["a#2"]["error"] == \
        f"duplicate id 'a' ({source} line 3); ids must be unique"
    assert records["a#3"]["error"] == \
        f"duplicate id 'a' ({source} line 4); ids must be unique"
    assert (stats.done, stats.failed) == (2, 2)


@pytest.mark.parametrize("kind", BOTH)
def test_out_dir_glossary_and_signature(kind, request, tiny_translator_dir, tmp_path):
    source = _write_jsonl(tmp_path / "in.jsonl",
                          [{"id": f"d{i}", "text": t} for i, t in enumerate(DOCS[:3])])
    out, texts = tmp_path / "out.jsonl", tmp_path / "texts"
    glossary = Glossary.from_tsv("Hà Nội\tHanoi City\n")
    _run(kind, request, source, out, _settings(tiny_translator_dir, glossary=glossary),
         out_dir=texts)
    records = {r["id"]: r for r in _records(out)}
    # The glossary's rendering is in the English (placed by the model or added in brackets).
    assert "Hanoi City" in records["d0"]["translation"]
    for i in range(3):
        record = records[f"d{i}"]
        assert (texts / f"d{i}.en.txt").read_text(encoding="utf-8") == \
            record["translation"] + "\n"
        signature = dict(part.split(":", 1) for part in record["signature"].split("|"))
        assert signature["model"].startswith(f"{tiny_translator_dir}@")
        assert (signature["engine"], signature["precision"], signature["beams"]) == \
            ("transformers", "float32", "1")
        # sha256 of the glossary's one entry, computed here from its text.
        assert signature["glossary"] == \
            hashlib.sha256("Hà Nội\tHanoi City".encode()).hexdigest()[:12]
        assert signature["checks"] == "off"


@pytest.mark.parametrize("kind", BOTH)
def test_resume_with_other_settings_refused_unless_forced(kind, request, tiny_translator_dir,
                                                           tmp_path):
    rows = [{"id": f"d{i}", "text": t} for i, t in enumerate(DOCS[:3])]
    first = _write_jsonl(tmp_path / "first.jsonl", rows[:2])
    out = tmp_path / "out.jsonl"
    _run(kind, request, first, out, _settings(tiny_translator_dir, beams=1))
    before = out.read_bytes()

    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(BatchUsageError, match=r"2 record\(s\) made with other settings "
                                              r"\(beams\)"):
        _run(kind, request, source, out, _settings(tiny_translator_dir, beams=2))
    assert out.read_bytes() == before  # nothing written

    stats = _run(kind, request, source, out, _settings(tiny_translator_dir, beams=2),
                 force=True)
    assert (stats.done, stats.skipped) == (1, 2)
    records = _records(out)
    assert out.read_bytes().startswith(before)  # the earlier records as they were
    assert [r["id"] for r in records] == ["d0", "d1", "d2"]
    assert "|beams:1|" in records[0]["signature"] and "|beams:2|" in records[2]["signature"]


@pytest.mark.slow  # three runs of the command, each loading its models
def test_cli_resume_with_summary_added_says_so_and_exits_2(tiny_translator_dir,
                                                           tiny_summarizer_dir, tmp_path):
    """Issue 20 item 5: `vi2en batch` again with --summary on an output made without it."""
    source = _write_jsonl(tmp_path / "in.jsonl",
                          [{"id": f"d{i}", "text": t} for i, t in enumerate(DOCS[:2])])
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    base = [sys.executable, "-m", "translate", "batch", str(source), "-o", str(out),
            "--model", str(tiny_translator_dir), "--summarizer", str(tiny_summarizer_dir),
            "--device", "cpu", "--engine", "transformers", "--beams", "1", "--no-checks",
            "--no-cache"]

    def vi2en(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(base + list(extra), env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)

    assert vi2en().returncode == 0
    before = out.read_bytes()
    _write_jsonl(source, [{"id": f"d{i}", "text": t} for i, t in enumerate(DOCS[:3])])
    refused = vi2en("--summary")
    assert refused.returncode == 2, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "other settings (summary (model), summary length)" in lines[0]
    assert "--force" in lines[0] and "Traceback" not in refused.stderr
    assert out.read_bytes() == before

    forced = vi2en("--summary", "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes().startswith(before)  # the two done are kept as they are
    added = _records(out)[2]
    assert added["id"] == "d2" and added["summary"]
    assert f"|summarizer:{tiny_summarizer_dir}@" in added["signature"]

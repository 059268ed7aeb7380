"""Quality checks in worker processes, and the batch job translating while they run."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from tests.helpers import record_generate_calls
from translate.batch import BatchOptions, run_batch
from translate.batch import job as batch_job
from translate.check_pool import MAX_AUTO_WORKERS, MAX_RESTARTS, CheckRunner, auto_workers
from translate.checks import STRICT_CHECKS_ENV, run_check
from translate.pipeline import Pipeline
from translate.translator import Translator

# (source, translation, the flag kinds a reader must see)
PAIRS = [
    ("Giá xăng tăng 320 đồng mỗi lít.", "Petrol rose 300 dong a litre.", {"number"}),
    ("Hà Nội hôm nay có mưa rào.", "Hanoi has showers today.", set()),
    ("Thủ tướng yêu cầu các bộ khẩn trương hoàn thiện.",
     "The prime minister asked ministries khẩn trương hoàn thiện.", {"untranslated"}),
    ("Có 3 người bị thương.", "Three people were injured.", set()),
] * 5  # 20 pairs: more than one chunk, so the order across workers is exercised
WORKERS = min(2, len(os.sched_getaffinity(0)))  # counts above the cores are refused


def crashing_check(source: str, translation: str) -> list:
    """A check with a bug, as a worker runs it: through the pipeline's guard."""

    def check_broken(text: str, other: str) -> list:
        raise ZeroDivisionError(f"bug on {text[:10]}")

    return run_check(check_broken, source, translation)


def test_workers_give_each_pair_its_own_flags_in_order():
    with CheckRunner(WORKERS) as runner:
        flags = runner.submit([p[0] for p in PAIRS], [p[1] for p in PAIRS]).result(timeout=120)
    assert [{f.kind for f in fs} for fs in flags] == [p[2] for p in PAIRS]


def test_in_process_runner_gives_the_same_flags():
    runner = CheckRunner(0)
    flags = runner.submit([p[0] for p in PAIRS], [p[1] for p in PAIRS]).result()
    assert [{f.kind for f in fs} for fs in flags] == [p[2] for p in PAIRS]
    assert runner._pool is None  # nothing was started


def test_a_crash_in_a_worker_is_a_flag_and_an_error_in_this_process_log(monkeypatch, caplog):
    monkeypatch.delenv(STRICT_CHECKS_ENV)  # production: the guard turns a crash into a flag
    with caplog.at_level(logging.ERROR, logger="translate.checks"), \
            CheckRunner(1, check=crashing_check) as runner:
        flags = runner.submit(["Giá tăng 5%."], ["Prices rose 5%."]).result(timeout=120)
    assert [f.kind for f in flags[0]] == ["check_error"]
    crash = [r for r in caplog.records if "crashed" in r.getMessage()]
    assert crash and crash[0].levelno == logging.ERROR and "Giá tăng" in crash[0].getMessage()


def test_a_crash_in_a_worker_raises_in_strict_mode():
    with CheckRunner(1, check=crashing_check) as runner, \
            pytest.raises(ZeroDivisionError, match="bug on"):
        runner.submit(["Giá tăng 5%."], ["Prices rose 5%."]).result(timeout=120)


def test_auto_workers_only_beside_a_gpu():
    assert auto_workers("cpu", cores=16) == 0
    assert auto_workers("cuda", cores=16) == MAX_AUTO_WORKERS
    assert auto_workers("cuda", cores=3) == 2  # one core left to feed the GPU
    assert auto_workers("cuda", cores=1) == 0


def test_worker_counts_beyond_the_cores_are_refused():
    cores = len(os.sched_getaffinity(0))
    for count in (-1, cores + 1, 1000):
        with pytest.raises(ValueError, match=f"between 0 and the {cores} core"):
            CheckRunner(count)


@pytest.fixture(scope="module")
def translator(tiny_translator_dir) -> Translator:
    return Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                      beams=1)


@pytest.mark.slow  # about 2 s of CPU (1.5-1.9 s measured)
def test_pipeline_with_check_workers_flags_what_the_checks_find(translator):
    pipeline = Pipeline(translator=translator, check_workers=WORKERS)
    try:
        result = pipeline.translate("Giá xăng tăng 320 đồng mỗi lít. Có 3 người bị thương.")
        view = pipeline.with_options(beams=1)
        view.translate("Hà Nội hôm nay có mưa rào.")
        assert view.check_runner() is pipeline.check_runner()  # one pool, not one per view
        assert pipeline.check_runner().workers == WORKERS
    finally:
        pipeline.close()
    # The tiny model's output has none of the figures: each sentence is flagged for them.
    assert [[f.kind for f in s.flags if f.kind == "number"] for s in result.sentences] \
        == [["number"], ["number"]]


def test_batch_translates_the_next_window_before_writing_the_last(translator, tmp_path,
                                                                 monkeypatch):
    """The checks of window N run while window N+1 translates; N is written after."""
    source = tmp_path / "in.jsonl"
    texts = ["Giá xăng tăng 320 đồng mỗi lít.", "Có 3 người bị thương.",
             "Hà Nội hôm nay có mưa rào."]
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False)
                              + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    events: list[str] = []
    calls = record_generate_calls(translator.engine, monkeypatch)
    original_write = batch_job.OutputFile.write

    def write(self, records):
        events.append("write " + ",".join(r["id"] for r in records))
        return original_write(self, records)

    monkeypatch.setattr(batch_job.OutputFile, "write", write)
    original_generate = translator.engine.generate_scored

    def generate(texts, options, **kwargs):
        events.append("translate " + texts[0])
        return original_generate(texts, options, **kwargs)

    monkeypatch.setattr(translator.engine, "generate_scored", generate)
    pipeline = Pipeline(translator=translator, check_workers=0)
    # Looping output from a random model would be retried with 5 beams: not the point here.
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)
    stats = run_batch([str(source)], tmp_path / "out.jsonl", pipeline,
                      options=BatchOptions(window_docs=1))
    assert stats.done == 3 and calls
    assert events == [f"translate {texts[0]}", f"translate {texts[1]}", "write d0",
                      f"translate {texts[2]}", "write d1", "write d2"]
    records = [json.loads(line) for line in Path(tmp_path / "out.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["d0", "d1", "d2"]
    assert any(f["kind"] == "number" for f in records[0]["flags"])


def test_a_window_whose_checks_fail_is_translated_document_by_document(translator, tmp_path,
                                                                       monkeypatch):
    """Strict mode: a crashing check fails the window; each document is then tried alone,
    so the one that breaks becomes an error record and the others are translated."""
    source = tmp_path / "in.jsonl"
    texts = ["Giá xăng tăng 320 đồng mỗi lít.", "Hà Nội hôm nay có mưa rào."]
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False)
                              + "\n" for i, t in enumerate(texts)), encoding="utf-8")

    def numbers_with_a_bug(source_vi: str, translation_en: str) -> list:
        if "320" in source_vi:
            raise ZeroDivisionError("bug")
        return []

    monkeypatch.setattr("translate.checks.guard.check_numbers", numbers_with_a_bug)
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)
    pipeline = Pipeline(translator=translator, check_workers=0)
    out = tmp_path / "out.jsonl"
    stats = run_batch([str(source)], out, pipeline, options=BatchOptions(window_docs=2))
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert stats.done == 1 and stats.failed == 1
    assert records["d0"]["error"].startswith(
        "translation failed: internal error: ZeroDivisionError")
    assert records["d1"]["error"] is None and records["d1"]["translation"]


@pytest.mark.slow  # the CLI in a subprocess
def test_cli_batch_with_check_workers(tiny_translator_dir, tmp_path):
    """The real command, its check workers spawned from `python -m translate`."""
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Giá xăng tăng 320 đồng mỗi lít."},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir), "VI2EN_DEVICE": "cpu",
           "VI2EN_ENGINE": "transformers", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop(STRICT_CHECKS_ENV, None)
    run = subprocess.run([sys.executable, "-m", "translate", "batch", str(source), "-o",
                          str(out), "--no-cache", "--check-workers", str(WORKERS), "--verbose"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"checking sentences in {WORKERS} worker process(es)" in run.stderr
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["error"] is None and any(f["kind"] == "number" for f in record["flags"])
    bad = subprocess.run([sys.executable, "-m", "translate", "batch", str(source), "-o",
                          str(tmp_path / "x.jsonl"), "--check-workers", "1000"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "--check-workers: check workers must be between 0 and" \
        in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()


def dies_in_a_worker(source: str, translation: str) -> list:
    """The checks, except that a worker process running them dies (as if killed)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(9)
    from translate.checks import sentence_flags

    return sentence_flags(source, translation)


def test_a_dead_worker_loses_no_check_and_new_workers_start(caplog):
    with caplog.at_level(logging.WARNING, logger="translate.check_pool"), \
            CheckRunner(1, check=dies_in_a_worker) as runner:
        pending = runner.submit([p[0] for p in PAIRS], [p[1] for p in PAIRS])
        broken = runner._pool
        flags = pending.result(timeout=120)
        assert [{f.kind for f in fs} for fs in flags] == [p[2] for p in PAIRS]
        assert any("a check worker died" in r.getMessage() for r in caplog.records)
        runner.check = crashing_check  # the next window, on healthy workers
        again = runner.submit(["Giá tăng 5%."], ["Prices rose 5%."])
        with pytest.raises(ZeroDivisionError):  # strict mode: the crash, from a new worker
            again.result(timeout=120)
        assert broken is not None and runner._pool is not None and runner._pool is not broken


@pytest.mark.slow  # about 2 s of CPU (1.5-1.9 s measured)
def test_workers_that_cannot_start_leave_the_checks_here_after_a_few_tries(caplog):
    with caplog.at_level(logging.WARNING, logger="translate.check_pool"), \
            CheckRunner(1, check=dies_in_a_worker) as runner:
        for _ in range(MAX_RESTARTS + 2):
            flags = runner.submit([p[0] for p in PAIRS], [p[1] for p in PAIRS]).result(120)
            assert [{f.kind for f in fs} for fs in flags] == [p[2] for p in PAIRS]
        assert runner.workers == 0 and runner._pool is None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("a check worker died" in m for m in messages) == MAX_RESTARTS + 1
    assert sum("keep dying" in m for m in messages) == 1


def test_library_default_checks_in_process_and_auto_follows_the_device(translator):
    """A library caller gets no processes unasked (a spawned worker imports the caller's
    main script); "auto", what `vi2en batch` asks for, gives none on a CPU either."""
    assert Pipeline(translator=translator).check_runner().workers == 0
    assert Pipeline(translator=translator, check_workers="auto").check_runner().workers == 0
    with pytest.raises(ValueError, match="count or 'auto'"):
        Pipeline(translator=translator, check_workers="many")

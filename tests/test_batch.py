"""vi2en batch: inputs, bad records, resume after SIGKILL, lock, cache, out-dir, CLI."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch_helpers import news_corpus, read_records, write_jsonl
from tests.helpers import record_generate_calls
from translate import text as vtext
from translate.batch import (
    BatchOptions,
    BatchUsageError,
    InputReader,
    NotOurOutputError,
    OutputFile,
    OutputLockedError,
    expand_inputs,
    run_batch,
    safe_name,
)
from translate.cache import SQLiteSentenceCache
from translate.pipeline import Pipeline
from translate.translator import Translator

REPO = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------------------------
# Fixtures and helpers
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(tiny_translator_dir) -> Pipeline:
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    # Checks retry looping output with 5 beams, and a random model always loops: too slow
    # for mechanics tests. test_summary_and_detail_fields runs them.
    return Pipeline(translator=translator, check_quality=False)


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


def cli_env(tiny_translator_dir: Path, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"VI2EN_MODEL": str(tiny_translator_dir), "VI2EN_DEVICE": "cpu",
                "VI2EN_ENGINE": "transformers", "VI2EN_CACHE": str(tmp_path / "cache.sqlite"),
                "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)})
    return env


# ------------------------------------------------------------------------------------------
# Acceptance: kill and resume
# ------------------------------------------------------------------------------------------


@pytest.mark.slow  # vi2en batch subprocesses, killed and resumed
def test_resume_after_sigkill_every_id_exactly_once(tiny_translator_dir, tmp_path):
    docs = news_corpus(150, seed=1, sentences=(2, 4), short=True)
    rows: list[dict | str] = [{"id": f"news-{i:03d}", "text": t} for i, t in enumerate(docs)]
    rows.insert(10, {"id": "empty", "text": ""})
    rows.insert(70, '{"id": "broken", "text": "Hà Nội')  # not JSON: becomes line-71
    rows.insert(140, {"id": "number", "text": 12345})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "translate", "batch", str(source), "-o", str(out),
               "--beams", "1", "--no-checks", "--window", "16"]
    env = cli_env(tiny_translator_dir, tmp_path)

    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the first run finished before it could be killed"
    first.send_signal(signal.SIGKILL)
    first.wait()
    written = out.read_bytes().count(b"\n")
    assert 1 <= written < len(rows)
    # A kill during a write leaves a partial last line; make sure the repair is exercised.
    with open(out, "ab") as fh:
        fh.write(b'{"id": "news-149", "translation": "cut off by the ki')

    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 1, second.stderr
    records = read_records(out)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 153
    for i in range(150):
        record = by_id(records)[f"news-{i:03d}"]
        assert record["error"] is None and record["translation"].strip()
        assert set(record) == {"id", "translation", "flags", "error", "model", "signature",
                               "elapsed_s"}
    errors = {r["id"]: r["error"] for r in records if r["error"]}
    assert errors.keys() == {"empty", "line-71", "number"}
    assert errors["empty"] == f"{source} line 11: empty text"
    assert "not valid JSON" in errors["line-71"]
    assert "number, not a string" in errors["number"]
    assert "documents done" in second.stderr and "already in the output" in second.stderr


# ------------------------------------------------------------------------------------------
# Bad input: each kind becomes an error record and the run goes on
# ------------------------------------------------------------------------------------------


def test_each_kind_of_bad_input_becomes_an_error_record(pipeline, tmp_path):
    good = "Hà Nội hôm nay có mưa. Giao thông ùn tắc."
    jsonl = tmp_path / "in.jsonl"
    with open(jsonl, "wb") as fh:
        fh.write(json.dumps({"id": "ok", "text": good}, ensure_ascii=False).encode() + b"\n")
        fh.write(b"not json at all\n")                                   # line 2
        fh.write(b'{"id": "no-text", "body": "x"}\n')
        fh.write(b'{"id": "null-text", "text": null}\n')
        fh.write(b'{"id": "blank", "text": "   \\n  "}\n')
        fh.write(b'{"id": "latin1", "text": "H\xe0 N\xf4i"}\n')          # line 6, not UTF-8
        fh.write(b"[1, 2]\n")                                            # line 7
        fh.write(b"\n")                                                  # blank: no record
        fh.write(('{"id": "huge", "text": "%s"}\n' % ("Mưa to. " * 200)).encode())
        fh.write(json.dumps({"id": "ok", "text": good}, ensure_ascii=False).encode() + b"\n")
        fh.write(b'{"id": ["a"], "text": "x"}\n')                        # line 11
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (docs / "cp1258.txt").write_bytes("Hà Nôi mưa to".encode("cp1258"))
    (docs / "page.html").write_text("<html><body><script>var x = 1;</script></body></html>")
    unsupported = tmp_path / "photo.jpg"
    unsupported.write_bytes(b"\xff\xd8\xff")

    out = tmp_path / "out.jsonl"
    stats = run_batch([str(jsonl), str(docs), str(unsupported)], out, pipeline,
                      options=BatchOptions(max_chars=1000))
    records = by_id(read_records(out))
    prefix = ""  # one structured input: plain line-N ids (with several: FILE:line-N)
    expected = {
        prefix + "line-2": "not valid JSON",
        "no-text": "no 'text' field",
        "null-text": "JSON null, not a string",
        "blank": f"{jsonl} line 5: empty text",
        prefix + "line-6": "not UTF-8",
        prefix + "line-7": "JSON array, not an object",
        "huge": "over the limit of 1,000",
        "ok#2": "duplicate id 'ok'",
        prefix + "line-11": "'id' field is not a string",
        str(docs / "binary.txt"): "binary",
        str(docs / "cp1258.txt"): "not UTF-8",
        str(docs / "page.html"): "no article text",
        str(unsupported): "unsupported file type",
    }
    for record_id, message in expected.items():
        assert message in records[record_id]["error"], (record_id, records[record_id])
        assert records[record_id]["translation"] is None
        assert "\n" not in records[record_id]["error"]
    assert records["ok"]["error"] is None and records["ok"]["translation"]
    assert len(records) == len(expected) + 1
    assert stats.failed == len(expected) and stats.done == 1 and stats.exit_code == 1


def test_huge_document_is_refused_not_truncated(pipeline, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "big", "text": "Trời mưa. " * 30}])
    out = tmp_path / "out.jsonl"
    run_batch([str(source)], out, pipeline, options=BatchOptions(max_chars=100))
    (record,) = read_records(out)
    assert record["translation"] is None
    assert "300 characters, over the limit of 100" in record["error"]


# ------------------------------------------------------------------------------------------
# Inputs: CSV, directories of documents, globs
# ------------------------------------------------------------------------------------------


def test_csv_input_with_and_without_ids(pipeline, tmp_path):
    csv_file = tmp_path / "articles.csv"
    csv_file.write_text(
        "slug,body\n"
        "a1,\"Hà Nội mưa to.\n\nGiao thông ùn tắc.\"\n"  # a quoted field over three lines
        ",Giá xăng tăng mạnh.\n"
        "a3,\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    stats = run_batch([str(csv_file)], out, pipeline, text_field="body", id_field="slug")
    records = by_id(read_records(out))
    assert set(records) == {"a1", "line-5", "a3"}
    assert records["a1"]["error"] is None and "\n\n" in records["a1"]["translation"]
    assert records["line-5"]["error"] is None
    assert records["a3"]["error"] == f"{csv_file} line 6: empty text"
    assert stats.exit_code == 1


def test_csv_without_the_text_column_is_a_usage_error(pipeline, tmp_path):
    csv_file = tmp_path / "articles.csv"
    csv_file.write_text("id,content\n1,Hà Nội\n", encoding="utf-8")
    with pytest.raises(BatchUsageError, match="no 'text' column"):
        run_batch([str(csv_file)], tmp_path / "out.jsonl", pipeline)
    assert not (tmp_path / "out.jsonl").exists()


def test_directory_of_documents_and_out_dir(pipeline, tmp_path):
    import docx

    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Hà Nội mưa to.\n\nGiao thông ùn tắc.", encoding="utf-8")
    (root / "b.md").write_text("# Tin tức\n\nGiá xăng tăng mạnh.", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Ngân hàng Nhà nước giảm lãi suất.")
    document.add_paragraph("Thị trường phản ứng tích cực.")
    document.save(str(root / "sub" / "c.docx"))
    body = "".join(f"<p>{s}</p>" for s in news_corpus(1, seed=3, sentences=(6, 6))[0]
                   .split("\n\n"))
    (root / "sub" / "d.html").write_text(
        f"<html><head><title>Tin</title></head><body><article><h1>Tin tức</h1>{body}"
        "</article></body></html>", encoding="utf-8")
    (root / "sheet.xlsx").write_bytes(b"PK\x03\x04")  # not an input type inside a directory
    (root / ".hidden.txt").write_text("Bí mật.", encoding="utf-8")

    out_dir = tmp_path / "english"
    stats = run_batch([str(root)], out_dir / "batch.jsonl", pipeline, out_dir=out_dir)
    records = by_id(read_records(out_dir / "batch.jsonl"))
    assert set(records) == {str(root / n) for n in ("a.txt", "b.md", "sub/c.docx",
                                                    "sub/d.html")}
    assert all(r["error"] is None and r["translation"] for r in records.values())
    assert stats.exit_code == 0 and stats.done == 4
    written = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*.en.txt"))
    assert written == ["a.en.txt", "b.en.txt", "sub/c.en.txt", "sub/d.en.txt"]
    assert (out_dir / "a.en.txt").read_text(encoding="utf-8").strip() == \
        records[str(root / "a.txt")]["translation"]


def test_glob_and_missing_inputs(tmp_path):
    for name in ("x.txt", "y.txt", "z.jsonl"):
        (tmp_path / name).write_text("Hà Nội.", encoding="utf-8")
    sources = expand_inputs([str(tmp_path / "*.txt")])
    assert [s.path.name for s in sources] == ["x.txt", "y.txt"]
    assert expand_inputs([str(tmp_path / "z.jsonl")])[0].kind == "jsonl"
    assert expand_inputs([str(tmp_path / "x.txt")], fmt="jsonl")[0].kind == "jsonl"
    with pytest.raises(BatchUsageError, match="no files match"):
        expand_inputs([str(tmp_path / "*.docx")])
    with pytest.raises(BatchUsageError, match="no such file"):
        expand_inputs([str(tmp_path / "missing.jsonl")])


def test_reader_counts_records_without_translating(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}, "", {"text": "b"}, "{bad"])
    reader = InputReader(expand_inputs([str(source)]))
    assert reader.count() == 3
    assert [r.id for r in reader] == ["line-1", "line-3", "line-4"]
    other = write_jsonl(tmp_path / "more.jsonl", [{"text": "c"}])
    both = InputReader(expand_inputs([str(source), str(other)]))
    assert [r.id for r in both][-1] == f"{other}:line-1"  # several inputs: ids name the file


def test_safe_names_stay_inside_the_out_dir():
    assert safe_name("../../etc/passwd") == "etc/passwd"
    assert safe_name("tin tức: số 1?") == "tin_tức_số_1"
    assert safe_name("///") == "document"


# ------------------------------------------------------------------------------------------
# Output file: resume, repair, overwrite, lock
# ------------------------------------------------------------------------------------------


def test_output_file_repairs_a_partial_last_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a", "error": null}\n{"id": "b", "error": "x"}\n{"id": "c", "tra')
    with OutputFile(out) as output:
        assert output.done == {"a": False, "b": True}
        assert output.repaired_bytes == len(b'{"id": "c", "tra')
        output.write([{"id": "c", "error": None}])
    assert out.read_bytes().endswith(b'"x"}\n{"id": "c", "error": null}\n')


def test_output_file_keeps_a_whole_record_whose_newline_was_lost(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a", "error": null}')
    with OutputFile(out) as output:
        assert output.done == {"a": False} and output.repaired_bytes == 0
    assert out.read_bytes() == b'{"id": "a", "error": null}\n'


def test_output_file_refuses_a_corrupt_middle_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a", "error": null}\nhello\n{"id": "b", "error": null}\n')
    with pytest.raises(BatchUsageError, match="line 2 is not a vi2en batch record"):
        OutputFile(out).open()


def test_second_run_on_the_same_output_is_refused(pipeline, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Trời mưa."}])
    out = tmp_path / "out.jsonl"
    with OutputFile(out):
        with pytest.raises(OutputLockedError, match="another vi2en batch run is writing"):
            run_batch([str(source)], out, pipeline)
    # Released: the next run goes ahead.
    assert run_batch([str(source)], out, pipeline).done == 1


def test_lock_refusal_from_the_command_line(tiny_translator_dir, tmp_path, capsys,
                                            monkeypatch):
    from translate.cli import main

    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Trời mưa."}])
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("VI2EN_CACHE", str(tmp_path / "cache.sqlite"))
    with OutputFile(out):
        code = main(["batch", str(source), "-o", str(out), "--model", str(tiny_translator_dir),
                     "--engine", "transformers", "-q"])
    assert code == 2
    assert "another vi2en batch run is writing" in capsys.readouterr().err


def test_rerun_skips_done_records_and_overwrite_starts_over(pipeline, tmp_path):
    docs = news_corpus(5, seed=2, short=True)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in
                                                 enumerate(docs)])
    out = tmp_path / "out.jsonl"
    first = run_batch([str(source)], out, pipeline, options=BatchOptions(window_docs=2))
    assert (first.done, first.skipped) == (5, 0)
    again = run_batch([str(source)], out, pipeline)
    assert (again.done, again.skipped, again.sentences) == (0, 5, 0)
    assert len(read_records(out)) == 5
    over = run_batch([str(source)], out, pipeline, overwrite=True)
    assert (over.done, over.skipped) == (5, 0)
    assert [r["id"] for r in read_records(out)] == ["0", "1", "2", "3", "4"]


# ------------------------------------------------------------------------------------------
# Cross-document batching, cache, records
# ------------------------------------------------------------------------------------------


def test_sentences_of_a_window_share_model_batches(pipeline, tmp_path, monkeypatch):
    docs = news_corpus(8, seed=4, sentences=(2, 2), short=True)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in
                                                 enumerate(docs)])
    calls = record_generate_calls(pipeline.translator.engine, monkeypatch)
    run_batch([str(source)], tmp_path / "out.jsonl", pipeline,
              options=BatchOptions(window_docs=8))
    # 16 sentences in one window: the first generate call holds more than one document's.
    assert calls and len(calls[0]) > 2


def test_cache_second_run_translates_nothing_new(tiny_translator_dir, tmp_path, monkeypatch):
    docs = news_corpus(6, seed=5, short=True)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in
                                                 enumerate(docs)])
    out = tmp_path / "out.jsonl"
    with SQLiteSentenceCache(tmp_path / "cache.sqlite") as cache:
        translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                                beams=1, cache=cache)
        pipeline = Pipeline(translator=translator, check_quality=False)
        first = run_batch([str(source)], out, pipeline, cache=cache)
        assert first.cache_lookups > 0 and len(cache) > 0
        first_text = read_records(out)

    with SQLiteSentenceCache(tmp_path / "cache.sqlite") as cache:  # a new run, a new process
        translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                                beams=1, cache=cache)
        pipeline = Pipeline(translator=translator, check_quality=False)
        calls = record_generate_calls(pipeline.translator.engine, monkeypatch)
        second = run_batch([str(source)], out, pipeline, cache=cache, overwrite=True)
    assert calls == []
    assert second.cache_hits == second.cache_lookups > 0
    assert "cache hits" in second.summary_line() and "(100%)" in second.summary_line()
    assert [r["translation"] for r in read_records(out)] == \
        [r["translation"] for r in first_text]


def test_summary_and_detail_fields(tiny_translator_dir, tiny_summarizer_dir, tmp_path):
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    pipeline = Pipeline(summarizer=str(tiny_summarizer_dir), device="cpu",
                        engine="transformers", translator=translator)
    text = news_corpus(1, seed=6, sentences=(4, 4), short=True)[0]
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": text}])
    out = tmp_path / "out.jsonl"
    run_batch([str(source)], out, pipeline, options=BatchOptions(summary=True, detail=True))
    (record,) = read_records(out)
    assert list(record) == ["id", "translation", "summary", "flags", "error", "model",
                            "signature", "elapsed_s", "paragraphs"]
    assert record["summary"] and record["error"] is None
    sentences = [s for p in record["paragraphs"] for s in p["sentences"]]
    count = sum(len(p) for p in vtext.segment(text))
    assert [s["source"] for s in sentences] == [s for p in vtext.segment(text) for s in p]
    for flag in record["flags"]:
        # "span" (where in the sentence's source the flag points) only when the check knows it.
        assert set(flag) - {"span"} == {"sentence", "kind", "detail"}
        assert flag["sentence"] is None or 0 <= flag["sentence"] < count
        if flag["sentence"] is not None:
            assert {k: v for k, v in flag.items() if k != "sentence"} in \
                sentences[flag["sentence"]]["flags"]


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    from translate.cli import main

    assert main(["batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl"),
                 "--no-cache"]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "x"}])
    assert main(["batch", str(source), "--no-cache"]) == 2
    assert "-o OUT.jsonl" in capsys.readouterr().err


def test_cli_all_good_exits_0_and_prints_the_summary_line(tiny_translator_dir, tmp_path,
                                                          capsys, monkeypatch):
    from translate.cli import main

    monkeypatch.setenv("VI2EN_CACHE", str(tmp_path / "cache.sqlite"))
    source = write_jsonl(tmp_path / "in.jsonl",
                         [{"id": "a", "text": "Trời mưa to."}, {"id": "b", "text": "Nắng."}])
    code = main(["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--model",
                 str(tiny_translator_dir), "--engine", "transformers", "--beams", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "vi2en batch: 2 documents done, 0 failed" in err and "sentences/s" in err
    assert (tmp_path / "cache.sqlite").is_file()


def test_cli_glossary_renders_terms_exactly(tiny_translator_dir, tmp_path, capsys):
    from translate.cli import main

    glossary = tmp_path / "terms.tsv"
    glossary.write_text("Bộ Tài chính\tMinistry of Finance\n", encoding="utf-8")
    source = write_jsonl(tmp_path / "in.jsonl",
                         [{"id": "a", "text": "Bộ Tài chính công bố số liệu mới."}])
    out = tmp_path / "o.jsonl"
    code = main(["batch", str(source), "-o", str(out), "--model", str(tiny_translator_dir),
                 "--engine", "transformers", "--beams", "1", "--no-cache",
                 "--glossary", str(glossary)])
    assert code == 0, capsys.readouterr().err
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "Ministry of Finance" in record["translation"]
    # Ray takes the glossary too (tests/test_batch_both.py); what it cannot do, it refuses in
    # one line before starting.
    assert main(["batch", str(source), "-o", str(out), "--engine", "ray", "--no-cache",
                 "--glossary", str(glossary), "--check-workers", "2"]) == 2
    assert "--check-workers is not used with --engine ray" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------
# Outputs are checked before any work; a file that is not ours is never changed
# ------------------------------------------------------------------------------------------


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vi2en: error: ") and "Traceback" not in err
    assert "Error:" not in lines[0]  # no exception class name
    return lines[0]


def test_output_that_is_an_input_is_refused_and_left_intact(tiny_translator_dir, tmp_path,
                                                            capsys, monkeypatch):
    from translate.cli import main

    monkeypatch.chdir(tmp_path)
    article = tmp_path / "art.txt"
    article.write_bytes("Trời mưa.".encode())  # no newline at the end, as `printf` writes it
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hà Nội mưa to.", encoding="utf-8")
    hard_link = tmp_path / "link.jsonl"
    os.link(article, hard_link)
    model = ["--model", str(tiny_translator_dir), "--engine", "transformers", "--no-cache",
             "-q"]
    cases = [
        (["art.txt", "-o", "art.txt"], "also an input"),
        (["art.txt", "-o", "art.txt", "--overwrite"], "also an input"),
        (["art.txt", "-o", str(hard_link)], "also an input"),  # same file, another name
        (["docs", "-o", "docs/a.txt"], "also an input"),
        (["docs", "-o", "docs/out.jsonl"], "among the inputs"),  # read back on a rerun
        ([str(docs / "*.txt"), "-o", "docs/out.txt"], "among the inputs"),
        (["docs", "-o", "out.jsonl", "--out-dir", "docs"], "among the inputs"),
    ]
    for args, message in cases:
        assert main(["batch", *args, *model]) == 2, args
        assert message in _one_error_line(capsys.readouterr().err), args
    assert article.read_bytes() == "Trời mưa.".encode()
    assert sorted(p.name for p in docs.iterdir()) == ["a.txt"]
    assert not (tmp_path / "out.jsonl").exists()
    # An --out-dir file that would land on an input gets another name instead.
    translated = tmp_path / "art.en.txt"
    translated.write_text("It rains.", encoding="utf-8")
    assert main(["batch", "art.txt", "art.en.txt", "-o", "out.jsonl", "--out-dir", ".",
                 *model]) == 0, capsys.readouterr().err
    assert translated.read_text(encoding="utf-8") == "It rains."
    assert (tmp_path / "art-2.en.txt").is_file() and (tmp_path / "art.en.en.txt").is_file()


def test_existing_file_that_is_not_a_batch_output_is_never_changed(tmp_path):
    cases = {
        "article.txt": "Trời mưa.".encode(),  # one line, no newline: not a cut-off record
        "notes.jsonl": b'{"note": "mine"}\n{"id": "a", "error": null}\n',
        "data.jsonl": b'{"id": 7, "text": "x"}\n',  # an input-like record, not ours
        "blank-first.jsonl": b'\n{"id": "a", "error": null}\n',
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        for overwrite in (False, True):
            with pytest.raises(NotOurOutputError, match="not a vi2en batch output"):
                OutputFile(path, overwrite=overwrite).open()
            assert path.read_bytes() == content, name
        assert not Path(str(path) + ".lock").exists()


def test_a_lock_file_holding_data_is_not_ours_and_never_changed(pipeline, tmp_path):
    """Our OUT.lock is empty; a file of that name with data in it is someone else's."""
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Trời mưa."}])
    out = tmp_path / "out.jsonl"
    lock = tmp_path / "out.jsonl.lock"
    lock.write_bytes(b"my notes\n")
    for attempt in (lambda: OutputFile(out).open(), lambda: OutputFile(out).check(),
                    lambda: run_batch([str(source)], out, pipeline)):
        with pytest.raises(NotOurOutputError, match="out.jsonl.lock exists and is not empty"):
            attempt()
        assert lock.read_bytes() == b"my notes\n" and not out.exists()
    lock.write_bytes(b"")  # an empty one, as a finished run leaves it, is reused
    assert run_batch([str(source)], out, pipeline).done == 1
    assert lock.read_bytes() == b""


def test_no_module_of_the_package_imports_fcntl():
    """fcntl does not exist on Windows: filelock takes the batch output's lock."""
    import ast

    importers = []
    for path in sorted((REPO / "translate").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name.split(".")[0] == "fcntl" for name in names):
                importers.append(str(path.relative_to(REPO)))
    assert importers == []


@pytest.mark.slow  # a fresh interpreter
def test_the_command_line_starts_where_fcntl_does_not_exist():
    """As on Windows: with the lock in fcntl, every vi2en command failed there at start."""
    code = ("import sys; sys.modules['fcntl'] = None  # import fcntl now fails\n"
            "from translate.cli import main\n"
            "sys.exit(main(['batch', '--help']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage: vi2en batch" in done.stdout


def test_only_a_cut_off_record_is_repaired(tmp_path):
    ours = b'{"id": "a", "error": null}\n'
    out = tmp_path / "out.jsonl"
    out.write_bytes(ours + b"appended by hand")  # a last line that is no record's start
    with pytest.raises(BatchUsageError, match="line 2 is not a vi2en batch record"):
        OutputFile(out).open()
    assert out.read_bytes() == ours + b"appended by hand"
    for cut in (b'{"i', b'{"id": "b", "transl'):  # a kill anywhere in the first bytes
        out.write_bytes(ours + cut)
        with OutputFile(out) as output:
            assert output.done == {"a": False} and output.repaired_bytes == len(cut)
        assert out.read_bytes() == ours
    only = tmp_path / "only.jsonl"
    only.write_bytes(b'{"id": "first", "transla')  # killed while writing the first record
    with OutputFile(only) as output:
        assert output.done == {}
    assert only.read_bytes() == b""


def test_unwritable_outputs_fail_before_any_translation(pipeline, tmp_path, monkeypatch,
                                                        capsys):
    from translate.cli import main

    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Trời mưa."}])
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    calls = record_generate_calls(pipeline.translator.engine, monkeypatch)
    for out, out_dir in [(tmp_path / "o.jsonl", blocker / "en"),
                         (tmp_path / "o2.jsonl", blocker),
                         (blocker / "o.jsonl", None),
                         (tmp_path, None)]:
        with pytest.raises(BatchUsageError, match="cannot write|is a directory"):
            run_batch([str(source)], out, pipeline, out_dir=out_dir)
    assert calls == []
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "o2.jsonl").exists()
    # From the command line: one line, exit 2, no exception class, and no model loaded
    # (the model named does not exist, so loading it would be a different error).
    for args in (["-o", str(tmp_path / "o.jsonl"), "--out-dir", str(blocker / "en")],
                 ["-o", str(blocker / "o.jsonl")]):
        assert main(["batch", str(source), *args, "--model", str(tmp_path / "no-model"),
                     "--no-cache", "-q"]) in (2, 3)
        line = _one_error_line(capsys.readouterr().err)
        assert "cannot write" in line and str(blocker) in line


@pytest.mark.slow  # the CLI in a subprocess
def test_closed_stdin_is_one_line_exit_2(tmp_path):
    command = (f"{shlex.quote(sys.executable)} -m translate batch - -o "
               f"{shlex.quote(str(tmp_path / 'o.jsonl'))} --no-cache <&-")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert "standard input is closed" in _one_error_line(done.stderr)


def test_error_wording_names_the_line_and_the_position(pipeline, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "a", "text": "Tr\\u1eddi m\\u01b0a."}\n'
                       b'{"id": "blank", "text": "  "}\n'
                       b'{"id": "cut", "text": "Tr\n')
    run_batch([str(source)], tmp_path / "out.jsonl", pipeline)
    errors = {r["id"]: r["error"] for r in read_records(tmp_path / "out.jsonl")}
    assert errors["blank"] == f"{source} line 2: empty text"
    assert errors["line-3"] == (f"{source} line 3 is not valid JSON (Unterminated string "
                                "starting at column 23)")


def test_cli_ray_actors_get_the_shared_model_configuration(tmp_path, capsys, monkeypatch):
    from translate.batch import BatchStats
    from translate.batch import ray as batch_ray
    from translate.cli import main

    seen = []

    def fake_run_ray(inputs, output, config, **kwargs):
        seen.append(config)
        return BatchStats(total=0)

    monkeypatch.setattr(batch_ray, "run_ray", fake_run_ray)
    monkeypatch.setenv("VI2EN_MODEL", "vinai")
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Trời mưa."}])
    args = ["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray",
            "--verbose", "--no-cache"]
    assert main([*args, "--actor-engine", "transformers", "--beams", "2",
                 "--summary-length", "short"]) == 0, capsys.readouterr().err
    [config] = seen
    models = config.pipeline.models
    assert (models.model, models.engine, models.beams, models.summary_length,
            config.pipeline.cache, config.pipeline.check_workers) == (
        "vinai", "transformers", 2, "short", None, 0)
    # A bad actor engine is refused by the one model configuration before Ray starts.
    assert main([*args, "--actor-engine", "tensorflow"]) == 2
    assert "unknown engine 'tensorflow'" in capsys.readouterr().err
    assert len(seen) == 1

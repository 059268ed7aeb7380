"""The vi2en command, run as users run it: a subprocess with real files and tiny models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO
from translate import text as vtext


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "ascii",
                "LC_ALL": "C", **(env or {})}
    return subprocess.run([sys.executable, "-m", "translate", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=full_env,
                          cwd=cwd or REPO, timeout=300)


@pytest.fixture(scope="module")
def model_args(tiny_translator_dir, tiny_summarizer_dir) -> list[str]:
    return ["--model", str(tiny_translator_dir), "--summarizer", str(tiny_summarizer_dir),
            "--beams", "1"]


@pytest.mark.slow  # the CLI in a subprocess
def test_translate_prints_one_paragraph_per_source_paragraph(model_args, example_text):
    done = run_cli("translate", "examples/article.vi.txt", *model_args)
    assert done.returncode == 0, done.stderr
    paragraphs = vtext.split_paragraphs(vtext.normalize(example_text))
    assert len(done.stdout.strip().split("\n\n")) == len(paragraphs)
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # the CLI in a subprocess
def test_translate_json_with_summary(model_args, tmp_path):
    out = tmp_path / "result.json"
    done = run_cli("translate", "examples/article.vi.txt", "--json", "--summary",
                   "-o", str(out), *model_args)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["summary"]
    assert data["models"]["translation"]["engine"]
    assert all(s["translation"] for p in data["paragraphs"] for s in p["sentences"])


@pytest.mark.slow  # the CLI in a subprocess
def test_translate_reads_stdin_as_utf8_whatever_the_locale(model_args):
    done = run_cli("translate", "-", "--json", *model_args,
                   stdin="Ông Nguyễn Văn Hùng nói: “Tốt lắm!”\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"].startswith("Ông Nguyễn Văn Hùng")


@pytest.mark.slow  # the CLI in a subprocess
def test_summary_flag_adds_a_summary_section(model_args):
    done = run_cli("translate", "examples/article.vi.txt", "--summary", *model_args)
    assert done.returncode == 0, done.stderr
    assert "\n\nSummary:\n" in done.stdout


@pytest.mark.slow  # the CLI in a subprocess
def test_segment_prints_sentences_and_blank_lines(shared_article):
    done = run_cli("segment", "-", stdin=shared_article)
    assert done.returncode == 0, done.stderr
    blocks = done.stdout.strip().split("\n\n")
    assert len(blocks) == len([b for b in shared_article.split("\n\n") if b.strip()])
    assert "Ảnh: RIA Novosti" in done.stdout.splitlines()


@pytest.mark.slow  # the CLI in a subprocess
def test_segment_keeps_abbreviations_together():
    done = run_cli("segment", stdin="TT. Trump đến Hà Nội. PGS.TS. Lê Văn A đón ông.\n")
    assert done.stdout.splitlines() == ["TT. Trump đến Hà Nội.", "PGS.TS. Lê Văn A đón ông."]


@pytest.mark.slow  # the CLI in a subprocess
def test_summarize_english_text(tiny_summarizer_dir):
    text = " ".join(f"The new metro line {i} carried thousands of passengers on its first day, "
                    "officials said." for i in range(30))
    done = run_cli("summarize", "-", "--summarizer", str(tiny_summarizer_dir),
                   "--summary-length", "short", stdin=text)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.slow  # the CLI in a subprocess
def test_models_list_shows_licenses_and_local_copies(models_dir, tiny_translator_dir):
    import shutil

    shutil.copytree(tiny_translator_dir, models_dir / "opus-mt")
    done = run_cli("models", "list", env={"VI2EN_MODELS_DIR": str(models_dir)})
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "cc-by-nc-4.0 (restricted)" in rows["nllb-600m"]
    assert " yes " in rows["opus-mt"] and " no " in rows["vinai"]
    assert "non-commercial" in done.stdout


@pytest.mark.slow  # the CLI in a subprocess
def test_missing_model_is_one_line_exit_3(tmp_path, example_text):
    done = run_cli("translate", "examples/article.vi.txt",
                   env={"VI2EN_MODELS_DIR": str(tmp_path), "HF_HOME": str(tmp_path / "hf")})
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "envit5" in lines[0] and "vi2en models download envit5" in lines[0]


@pytest.mark.slow  # the CLI in a subprocess
def test_model_from_environment(tiny_translator_dir):
    done = run_cli("translate", "-", "--json", stdin="Trời mưa.\n",
                   env={"VI2EN_MODEL": str(tiny_translator_dir)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["models"]["translation"]["name"] == tiny_translator_dir.name


@pytest.mark.slow  # the CLI in a subprocess
@pytest.mark.parametrize("args,needle", [
    (["translate", "no-such-file.txt"], "no such file"),
    (["translate", "-", "--model", "envit6"], "unknown translation model"),
    (["translate", "-", "--summary-length", "tiny"], "invalid choice"),
])
def test_usage_errors_exit_2_with_one_line(args, needle):
    done = run_cli(*args, stdin="Trời mưa.\n")
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow  # the CLI in a subprocess
def test_empty_input_is_a_usage_error(model_args):
    done = run_cli("translate", "-", *model_args, stdin="  \n\n")
    assert done.returncode == 2 and "empty" in done.stderr


@pytest.mark.slow  # the CLI in a subprocess
def test_non_utf8_file_is_refused_clearly(tmp_path, model_args):
    bad = tmp_path / "cp1258.txt"
    bad.write_bytes("Hà Nam và Cà Mau".encode("cp1258"))  # a legacy Vietnamese code page
    done = run_cli("translate", str(bad), *model_args)
    assert done.returncode == 2 and "not UTF-8" in done.stderr


@pytest.mark.slow  # the CLI in a subprocess
def test_python_dash_m_and_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("vi2en ")



def test_main_called_from_python_leaves_sigpipe_alone(tmp_path, capsys):
    import signal

    from translate.cli import main

    article = tmp_path / "a.txt"
    article.write_text("TT. Trump đến Hà Nội. Ông ở lại hai ngày.\n", encoding="utf-8")
    before = signal.getsignal(signal.SIGPIPE)
    assert main(["segment", str(article)]) == 0
    assert capsys.readouterr().out.splitlines() == ["TT. Trump đến Hà Nội.",
                                                    "Ông ở lại hai ngày."]
    assert signal.getsignal(signal.SIGPIPE) == before


# ------------------------------------------------------------------------------------------
# Outputs checked before work; one line and the right exit code for each mistake
# ------------------------------------------------------------------------------------------


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("vi2en: error: ") and "Error" not in lines[0], stderr
    return lines[0]


@pytest.mark.slow  # the CLI in a subprocess
@pytest.mark.parametrize("command", ["translate", "summarize", "segment"])
def test_unwritable_output_fails_before_any_work(command, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Trời mưa. Ông Hùng nói vậy.\n", encoding="utf-8")
    # The model named does not exist: reaching it would be another error, so the output
    # error proves the check comes first.
    model = {"translate": ["--model", "envit6"], "summarize": ["--summarizer", "no/such"],
             "segment": []}[command]
    for target, reason in [(tmp_path / "missing" / "out.txt", "No such file or directory"),
                           (article / "out.txt", "Not a directory"),
                           (tmp_path, "is a directory")]:
        done = run_cli(command, str(article), "-o", str(target), *model)
        assert done.returncode == 2
        line = one_error_line(done.stderr)
        assert f"cannot write {target}" in line and reason in line
    assert article.read_text(encoding="utf-8") == "Trời mưa. Ông Hùng nói vậy.\n"
    if command == "translate":
        existing = tmp_path / "keep.txt"
        existing.write_text("mine\n", encoding="utf-8")
        # A writable output passes the check and keeps what it held when the work fails.
        done = run_cli(command, str(article), "-o", str(existing), *model, "-q")
        assert done.returncode == 2 and "unknown translation model" in done.stderr
        assert existing.read_text(encoding="utf-8") == "mine\n"
        fresh = tmp_path / "fresh.txt"
        run_cli(command, str(article), "-o", str(fresh), *model)
        assert not fresh.exists()  # the check leaves nothing behind when the work fails


@pytest.mark.slow  # the CLI in a subprocess
def test_output_that_is_the_input_is_refused(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Trời mưa.\n", encoding="utf-8")
    done = run_cli("segment", str(article), "-o", str(article))
    assert done.returncode == 2 and "is the input file" in one_error_line(done.stderr)
    assert article.read_text(encoding="utf-8") == "Trời mưa.\n"


@pytest.mark.slow  # the CLI in a subprocess
def test_directory_input_is_named_as_a_directory(tmp_path):
    done = run_cli("translate", str(tmp_path), "--model", "envit6")
    assert done.returncode == 2
    assert f"{tmp_path} is a directory" in one_error_line(done.stderr)


@pytest.mark.slow  # the CLI in a subprocess
@pytest.mark.parametrize("command", ["translate", "segment"])
def test_closed_stdin_is_one_line_exit_2(command):
    import shlex

    done = subprocess.run(["bash", "-c", f"{shlex.quote(sys.executable)} -m translate "
                                         f"{command} - <&-"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert "standard input is closed" in one_error_line(done.stderr)


@pytest.mark.slow  # the CLI in a subprocess
@pytest.mark.parametrize("content", [b'{"model_type": "mar', b"\xff\xfe", b"[1, 2]"])
def test_corrupt_model_config_is_one_line_exit_2(content, tiny_translator_dir, tmp_path):
    import shutil

    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_translator_dir, broken)
    (broken / "config.json").write_bytes(content)
    done = run_cli("translate", "-", "--model", str(broken), stdin="Trời mưa.\n",
                   env={"VI2EN_MODELS_DIR": str(tmp_path / "store")})
    assert done.returncode == 2
    line = one_error_line(done.stderr)  # no CTranslate2 warning before it
    assert str(broken) in line and "config.json" in line


@pytest.mark.slow  # the CLI in a subprocess
def test_first_use_conversion_notice_is_one_information_line(tiny_translator_dir, tmp_path):
    pytest.importorskip("ctranslate2")
    env = {"VI2EN_MODELS_DIR": str(tmp_path / "store"), "VI2EN_CACHE": str(tmp_path / "c.db")}
    args = ("translate", "-", "--model", str(tiny_translator_dir), "--engine", "ctranslate2",
            "--beams", "1")
    done = run_cli(*args, stdin="Trời mưa.\n", env=env)
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if "converting" in line]
    assert len(notices) == 1 and notices[0].startswith("vi2en: converting ")
    assert "WARNING" not in done.stderr
    again = run_cli(*args, stdin="Trời mưa.\n", env=env)
    assert again.returncode == 0 and "converting" not in again.stderr


# ------------------------------------------------------------------------------------------
# The front end's shape: light commands stay light, one model configuration, honest exit codes
# ------------------------------------------------------------------------------------------

HEAVY = {"torch", "transformers", "ctranslate2", "tqdm", "numpy", "gradio", "sacrebleu", "ray"}


@pytest.mark.slow  # the CLI in a subprocess
def test_segment_imports_no_model_library():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "translate", "segment",
                           "examples/article.vi.txt"], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0] == vtext.segment(
        (REPO / "examples" / "article.vi.txt").read_text(encoding="utf-8"))[0][0]
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "translate.cli" in imported  # the report is read right
    assert {m.split(".")[0] for m in imported} & HEAVY == set()
    # Nor the batch library (its output lock is not for every command) or the pipeline.
    assert {"translate.batch", "translate.pipeline", "translate.engines"} & imported == set()


def test_no_library_module_imports_the_command_line():
    import ast

    package = REPO / "translate"
    for path in package.rglob("*.py"):
        if "cli" in path.relative_to(package).parts or path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                name = ("." * node.level) + (node.module or "")
                assert not name.lstrip(".").startswith("cli") \
                    and not name.startswith("translate.cli"), f"{path} imports {name}"


def test_model_options_read_the_environment_only_through_model_config(monkeypatch):
    from translate.cli import build_parser
    from translate.cli.common import config_from_args

    monkeypatch.setenv("VI2EN_MODEL", "vinai")
    monkeypatch.setenv("VI2EN_ENGINE", "transformers")
    monkeypatch.setenv("VI2EN_DEVICE", "cpu")
    args = build_parser().parse_args(["translate", "--beams", "2", "--summary-length", "short"])
    assert (args.model, args.engine, args.device) == (None, None, None)  # no env in argparse
    config = config_from_args(args)
    assert (config.model, config.engine, config.device, config.beams, config.summary_length) \
        == ("vinai", "transformers", "cpu", 2, "short")
    args = build_parser().parse_args(["translate", "--engine", "auto", "--model", "opus-mt"])
    assert (config_from_args(args).engine, config_from_args(args).model) == ("auto", "opus-mt")
    monkeypatch.delenv("VI2EN_ENGINE")
    monkeypatch.delenv("VI2EN_DEVICE")
    defaults = config_from_args(build_parser().parse_args(["summarize"]))
    assert (defaults.engine, defaults.device, defaults.summary_length) == ("auto", "auto",
                                                                           "medium")


@pytest.mark.parametrize("option,needle", [(["--beams", "0"], "beams must be at least 1"),
                                           (["--max-words", "0"], "max_words")])
def test_bad_model_settings_are_usage_errors(option, needle, tmp_path, capsys):
    from translate.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Trời mưa.\n", encoding="utf-8")
    assert main(["translate", str(article), *option]) == 2
    assert needle in one_error_line(capsys.readouterr().err)


def test_a_value_error_from_the_library_is_a_failure_not_a_usage_error(tmp_path, capsys,
                                                                         monkeypatch, caplog):
    from translate import text
    from translate.cli import main

    def broken(_: str) -> list[list[str]]:
        raise ValueError("index out of range in the splitter")

    monkeypatch.setattr(text, "segment", broken)
    article = tmp_path / "a.txt"
    article.write_text("Trời mưa.\n", encoding="utf-8")
    assert main(["segment", str(article)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["vi2en: error: internal error: ValueError: index out of range in the "
                     "splitter",
                     "vi2en: run again with --verbose for details"]
    caplog.clear()
    assert main(["segment", str(article), "--verbose"]) == 1
    assert "run again" not in capsys.readouterr().err
    # The detail goes to the log (stderr with --verbose in a fresh process).
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)

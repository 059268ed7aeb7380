"""What a new user meets on the command line and the REST API (issue 20): the real `vi2en`
command in a subprocess, real files, tiny models, a real `vi2en serve` over HTTP."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import REPO, stop_process, wait_until_answering


def vi2en(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
          cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed `vi2en` command (its console script beside this Python)."""
    script = Path(sys.executable).with_name("vi2en")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "translate"]
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", env=full_env, cwd=cwd or REPO, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def no_models(tmp_path: Path) -> dict[str, str]:
    """An environment with no local model at all (and the Hub off)."""
    return {"VI2EN_MODELS_DIR": str(tmp_path / "models"), "HF_HOME": str(tmp_path / "hf")}


# -- item 4: one document reader for every front end ------------------------------------------
NAV = "Trang chủ | Thể thao | Kinh doanh | Đăng nhập"
PARAGRAPHS = ["Trời mưa to ở Hà Nội trong suốt buổi sáng nay, khiến nhiều tuyến phố bị ngập "
              "sâu và giao thông ùn tắc kéo dài.",
              "Giá xăng tăng mạnh từ chiều nay theo quyết định của liên bộ Công Thương và Tài "
              "chính, mức tăng cao nhất trong năm."]


def _saved_page(path: Path) -> Path:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    path.write_text(f"<!DOCTYPE html><html><head><title>Tin nhanh</title></head><body>"
                    f"<nav>{NAV}</nav><article><h1>Giá xăng tăng</h1>{body}</article>"
                    f"<footer>© Báo điện tử</footer></body></html>", encoding="utf-8")
    return path


def _word_file(path: Path) -> Path:
    import docx

    document = docx.Document()
    for paragraph in PARAGRAPHS:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


@pytest.mark.slow  # the CLI in a subprocess
def test_translate_reads_a_saved_page_and_a_word_file_as_the_page_does(tmp_path,
                                                                        tiny_translator_dir):
    from translate.extract import read_document

    for document in (_saved_page(tmp_path / "page.html"), _word_file(tmp_path / "a.docx")):
        done = vi2en("translate", str(document), "--json", "--model", str(tiny_translator_dir),
                     "--beams", "1")
        assert done.returncode == 0, done.stderr
        source = json.loads(done.stdout)["source"]
        # The article's text, as the page's upload and `vi2en batch` read it: no markup, no
        # navigation, every paragraph.
        assert source == "\n\n".join(" ".join(p.split()) for p in
                                     read_document(document).split("\n\n"))
        assert all(p in source for p in PARAGRAPHS)
        assert "<" not in source and NAV not in source


@pytest.mark.slow  # the CLI in a subprocess
def test_segment_reads_documents_and_plain_text_files_stay_text(tmp_path):
    page = _saved_page(tmp_path / "page.htm")
    done = vi2en("segment", str(page))
    assert done.returncode == 0, done.stderr
    assert "<p>" not in done.stdout and NAV not in done.stdout
    assert "Trời mưa to ở Hà Nội trong suốt buổi sáng nay, khiến" in done.stdout
    # A file of another suffix is text, as before (markup and all).
    other = tmp_path / "page.vi"
    other.write_text("<b>Trời mưa.</b>", encoding="utf-8")
    done = vi2en("segment", str(other))
    assert done.returncode == 0 and done.stdout.strip() == "<b>Trời mưa.</b>"
    # A broken document is one line, exit 2.
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    done = vi2en("segment", str(broken))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "broken.docx" in done.stderr


# -- item 6: eval keeps finished rows ----------------------------------------------------------
@pytest.mark.slow  # the CLI in a subprocess
def test_eval_prints_each_finished_row_then_ends_with_the_failure(tmp_path, tiny_translator_dir,
                                                                   no_models):
    pytest.importorskip("sacrebleu")
    source, reference = tmp_path / "test.vi", tmp_path / "test.en"
    source.write_text("Trời mưa to ở Hà Nội.\nGiá xăng tăng 5%.\n", encoding="utf-8")
    reference.write_text("It rained heavily in Hanoi.\nPetrol prices rose 5%.\n",
                         encoding="utf-8")
    done = vi2en("eval", "--models", f"{tiny_translator_dir},envit5", "--source", str(source),
                 "--reference", str(reference), "--beams", "1", "--device", "cpu",
                 env=no_models)
    # The first model's scores are printed; the unavailable second ends the run.
    assert done.returncode == 3, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["MODEL", "ENGINE"]
    row = lines[1].split()
    assert row[0] == tiny_translator_dir.name  # the model's name, never its path
    # Only the signature line records the folder (the model's identity), never a table.
    assert not [line for line in lines
                if str(tiny_translator_dir) in line and " signature: " not in line], lines
    assert row[3] == "2"  # lines scored
    assert any(line.startswith("BLEU signature:") for line in lines)
    assert done.stderr.strip().splitlines()[-1].startswith("vi2en: error: model 'envit5'")


# -- item 7: messages that contradict or mislead -----------------------------------------------
@pytest.mark.slow  # the CLI in a subprocess
def test_device_cuda_without_a_gpu_is_one_line_before_anything_loads(no_models):
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    # envit5 is not here: a model load would fail with exit 3; the device is refused first.
    done = vi2en("translate", "-", "--device", "cuda", "--model", "envit5",
                 stdin="Trời mưa.\n", env=no_models)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no CUDA GPU is visible" in done.stderr and "WARNING" not in done.stderr
    assert done.stderr.startswith("vi2en: error: ")


@pytest.mark.slow  # the CLI in a subprocess
def test_models_download_with_hub_offline_says_the_variable_is_set(no_models):
    done = vi2en("models", "download", "opus-mt", env={**no_models, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "HF_HUB_OFFLINE=1 is set" in done.stderr
    assert not (Path(no_models["VI2EN_MODELS_DIR"]) / "opus-mt").exists()


@pytest.mark.slow  # the CLI in a subprocess
def test_the_unavailable_model_message_offers_a_local_copy(no_models):
    done = vi2en("translate", "-", "--model", "opus-mt", stdin="Trời mưa.\n", env=no_models)
    assert done.returncode == 3
    assert "--model DIR" in done.stderr and "vi2en models download opus-mt" in done.stderr


@pytest.mark.slow  # the CLI in a subprocess
def test_a_busy_port_is_said_before_the_page_is_built(tiny_translator_dir, tiny_summarizer_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # Python lists every import it makes: Gradio (the slow part of a start) is never
        # imported before the port is found busy.
        done = vi2en("serve", "--port", str(port), "--model", str(tiny_translator_dir),
                     "--summarizer", str(tiny_summarizer_dir),
                     env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 2
    imports = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    others = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert others == [f"vi2en: error: port {port} is busy; use --port"], others
    assert imports and not any(re.search(r"\|\s+gradio\b", line) for line in imports)


# -- item 8: smaller ---------------------------------------------------------------------------
@pytest.mark.slow  # the CLI in a subprocess
def test_help_describes_every_command_and_option():
    done = vi2en("--help")
    assert done.returncode == 0
    assert re.search(r"models\s+list, download or convert models", done.stdout), done.stdout
    done = vi2en("summarize", "--help")
    for option in ("--summarizer", "--device", "--engine", "--summary-length", "--max-words"):
        # Each option's line (or the next) says what it does.
        block = done.stdout.split(option, 1)[1].split("\n  -", 1)[0]
        assert re.search(r"[a-z]{3,} [a-z]{3,}", block.split("\n", 1)[-1] + block), option
    from translate.cli import build_parser

    def undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    child.format_help()  # options added on first use appear
                    found += undocumented(child, f"{path} {name}")
            elif action.option_strings and not action.help:
                found.append(f"{path} {action.option_strings[-1]}")
        return found

    assert undocumented(build_parser(), "vi2en") == []


@pytest.mark.slow  # the CLI in a subprocess
def test_batch_cache_lookups_never_outnumber_the_sentences(tmp_path, tiny_translator_dir):
    # The tiny model loops, so each sentence is retried with safer decoding (another lookup).
    source = tmp_path / "news.jsonl"
    source.write_text("\n".join(json.dumps({"id": str(i), "text": text}, ensure_ascii=False)
                                for i, text in enumerate(["Trời mưa to ở Hà Nội.",
                                                          "Giá xăng tăng mạnh. Trời mưa."]))
                      + "\n", encoding="utf-8")
    done = vi2en("batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--model",
                 str(tiny_translator_dir), "--engine", "transformers", "--beams", "1",
                 "--cache", str(tmp_path / "cache.sqlite"))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    retried = sum(1 for r in records for f in r["flags"] if f["kind"] == "retried")
    assert retried, "the tiny model's output should loop and be retried"
    line = done.stderr.strip().splitlines()[-1]
    counted = re.search(r"(\d+) sentences, cache hits (\d+)/(\d+)", line)
    assert counted, line
    sentences, hits, lookups = map(int, counted.groups())
    assert sentences == 3 and hits == 0
    # "Trời mưa." twice in one window is translated (and looked up) once.
    assert lookups == 3, line


# -- item 9 and the server's lines: a real `vi2en serve` ----------------------------------------
@pytest.fixture(scope="module")
def served(tiny_translator_dir, tiny_summarizer_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve-new-user")
    port = free_port()
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir),
           "VI2EN_SUMMARIZER": str(tiny_summarizer_dir), "VI2EN_DEVICE": "cpu",
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    script = Path(sys.executable).with_name("vi2en")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "translate"]
    log = folder / "serve.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("wb") as sink:
        # --share cannot reach gradio.live from a test: the page stays local, said once.
        process = subprocess.Popen([*command, "serve", "--port", str(port), "--beams", "1",
                                    "--share", "--models", "opus-mt"],
                                   cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(process, url, log, timeout=180)
        yield url, log
    finally:
        stop_process(process)


def _post_form(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow  # starts vi2en serve
def test_a_raw_utf8_form_is_read_as_utf8(served):
    url, _ = served
    # `curl -d 'q=<code>Giá xăng</code>&...'`: the bytes as typed, no %-escapes. Text in <code>
    # is copied byte for byte into the answer, so it shows how the form was decoded.
    code = "<code>Giá xăng</code>"
    status, answer = _post_form(url + "translate", f"q={code}&source=vi&target=en&format=html"
                                .encode())
    assert status == 200, answer
    assert answer["translatedText"] == code
    # %-escaped UTF-8 (curl --data-urlencode) reads the same, and a list stays a list.
    status, answer = _post_form(url + "translate", b"q=%3Ccode%3EGi%C3%A1%3C%2Fcode%3E"
                                b"&q=%3Ccode%3Ex%C4%83ng%3C%2Fcode%3E&source=vi&target=en"
                                b"&format=html")
    assert status == 200 and answer["translatedText"] == ["<code>Giá</code>",
                                                          "<code>xăng</code>"]
    # Bytes that are not UTF-8 are refused, not guessed.
    status, answer = _post_form(url + "translate", "q=Giá&source=vi&target=en"
                                .encode("latin-1"))
    assert status == 400 and "UTF-8" in answer["error"]


@pytest.mark.slow  # a page served on a port (about 9 s)
def test_a_model_the_server_has_not_got_is_said_as_such(served):
    url, _ = served
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    # opus-mt is on the server's list (--models) but not on its disk, and the Hub is off.
    client = Client(url, verbose=False)
    with pytest.raises(AppError) as raised:
        client.predict("Trời mưa.", model="opus-mt", api_name="/translate")
    message = str(raised.value)
    assert "This server has not got the model 'opus-mt'" in message
    assert "vi2en models download" not in message


def test_serving_lines_are_information_and_a_failed_share_one_warning(served):
    url, log = served
    lines = log.read_text(encoding="utf-8").splitlines()
    serving = [line for line in lines if "serving the page and the API on" in line]
    assert serving and serving[0].startswith("vi2en: serving"), lines  # not a WARNING
    import time

    deadline = time.monotonic() + 60  # the tunnel gives up on its own time
    while not any("--share" in line for line in lines) and time.monotonic() < deadline:
        time.sleep(1)
        lines = log.read_text(encoding="utf-8").splitlines()
    share = [line for line in lines if "share" in line.lower() and "serving" not in line]
    assert len(share) == 1, lines
    assert share[0].startswith("WARNING") and "the page is local only" in share[0]
    assert not any(line.startswith("ERROR") for line in lines), lines


# -- item 1: an install that is true off this machine ------------------------------------------
def test_readme_install_says_cpu_and_gpu_and_what_each_downloads():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in quick
    assert 'pip install torch==2.13.0 -e ".[ui,fast]"' in quick  # the GPU line, from PyPI
    for size in ("192 MB", "527 MB", "cuDNN 366 MB"):
        assert size in quick, size
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    line = next(x.strip() for x in ci.splitlines() if "pip install" in x and "torch" in x)
    assert f"`{line.replace(' -q', '')}`" in readme, line  # the README names CI's own line


# -- item 3: progress that moves -----------------------------------------------------------------
@pytest.mark.slow  # a model loaded for it alone (about 6 s)
def test_translator_counts_sentences_from_the_start_and_per_batch(tiny_translator_dir):
    from translate.translator import Translator

    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1, max_batch_size=3)
    sentences = [f"Câu số {i} nói về giá xăng tăng mạnh ở Hà Nội." for i in range(7)]
    seen: list[tuple[int, int]] = []
    translator.translate(sentences + sentences[:2], progress=lambda d, t: seen.append((d, t)))
    # 7 distinct sentences, batches of 3: said before the first batch, then after each.
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)], seen


@pytest.mark.slow  # more than 2 s of CPU
def test_summarizer_counts_its_parts_round_by_round(tiny_summarizer_dir):
    from translate.summarizer import Summarizer

    summarizer = Summarizer(str(tiny_summarizer_dir), device="cpu", engine="transformers",
                            summary_length="short")
    text = " ".join(f"The new metro line {i} carried {i * 1000} passengers on its first day, "
                    "officials said on Sunday in the city centre." for i in range(120))
    seen: list[tuple[int, int]] = []
    summary = summarizer.summarize(text, progress=lambda d, t: seen.append((d, t)))
    assert summary.rounds >= 1 and seen[0] == (0, 1)
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1] > summary.chunks
    assert len(set(done)) > 2  # it moved in between


@pytest.mark.slow  # the CLI in a subprocess
def test_the_cli_bar_reads_as_a_count_on_a_terminal(tmp_path, tiny_translator_dir):
    import fcntl
    import pty
    import struct
    import termios

    main, child = pty.openpty()  # stderr is a terminal, as for a person
    # ...of a real size: tqdm draws nothing on a terminal 0 columns wide.
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    script = Path(sys.executable).with_name("vi2en")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "translate"]
    with subprocess.Popen([*command, "translate", "examples/article.vi.txt", "--model",
                           str(tiny_translator_dir), "--beams", "1", "-o",
                           str(tmp_path / "out.txt")], cwd=REPO, stderr=child,
                          stdout=subprocess.DEVNULL,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"}) as process:
        os.close(child)
        screen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        process.wait(timeout=300)
    os.close(main)
    text = screen.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert re.search(r"translating: 0 of \d+ sentences", text), text

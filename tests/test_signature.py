"""Results that say how they were made: the signature, and the parity of every front end.

The same options (model, beams, summary length, glossary) given to `vi2en translate --json`,
the page's handler, `/v1/translate` and `Pipeline.with_options` must give the same signature
and the same result: one function builds the signature, and every front end reaches the same
pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from translate import __version__
from translate.results import Signature

REPO = Path(__file__).resolve().parent.parent
# Short: five runs of it (the tiny models write to their length bound) stay cheap.
ARTICLE = "Bộ Tài chính nói giá xăng tăng 3%.\n\nHà Nội mưa."
GLOSSARY = "Bộ Tài chính\tMinistry of Finance\n# a comment\nHà Nội\tHanoi\n"
BEAMS, LENGTH = 2, "short"


def test_signature_line_reads_back_exactly():
    made = Signature.of(model="/models/a|b%7C@1f", engine="ctranslate2", precision="int8",
                        beams="4", glossary="none", checks="on", version="1.0")
    line = str(made)
    assert line.startswith("model:/models/a%7Cb%257C@1f|engine:ctranslate2|precision:int8|")
    assert Signature.parse(line) == made
    assert Signature.parse(line).to_dict()["model"] == "/models/a|b%7C@1f"
    other = Signature.parse(line.replace("beams:4", "beams:2") + "|summarizer:x@y")
    assert made.differences(other) == ["beams", "summarizer"]
    with pytest.raises(ValueError):
        Signature.parse("nrefs:1|case:mixed")  # sacrebleu's, not ours


def test_glossary_hash_is_of_its_entries_in_any_order():
    from translate.glossary import Glossary

    one = Glossary.from_tsv("Bộ Tài chính\tMinistry of Finance\nHà Nội\tHanoi\n")
    other = Glossary.from_tsv("# comment\nHà Nội\tHanoi\n\nBộ Tài chính\tMinistry of Finance\n")
    entries = sorted(["Bộ Tài chính\tMinistry of Finance", "Hà Nội\tHanoi"])
    expected = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:12]
    assert one.signature() == other.signature() == expected
    assert Glossary.from_tsv("Hà Nội\tHa Noi\n").signature() != expected


@pytest.fixture(scope="module")
def served(tiny_translator_dir, tiny_summarizer_dir):
    """The page's handlers and the API's app over one model host, as `vi2en serve` has."""
    from translate.api import create_server
    from translate.api_settings import ApiSettings
    from translate.config import ModelConfig
    from translate.serving.host import ModelHost
    from translate.web.handlers import Handlers, WebConfig

    config = ModelConfig(model=str(tiny_translator_dir), summarizer=str(tiny_summarizer_dir),
                         device="cpu", engine="transformers")
    host = ModelHost(config)
    return Handlers(WebConfig(model_config=config), host), create_server(
        None, host, ApiSettings(), 100_000)


@pytest.mark.slow  # the command line loads its models in a process of its own
def test_cli_page_api_and_library_agree(served, tiny_translator_dir, tiny_summarizer_dir,
                                        tmp_path):
    from starlette.testclient import TestClient

    from translate.glossary import Glossary
    from translate.pipeline import Pipeline

    handlers, app = served
    # The library: a pipeline with this request's options as a view.
    pipeline = Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir), device="cpu",
                        engine="transformers")
    library = pipeline.with_options(beams=BEAMS, summary_length=LENGTH).run(
        ARTICLE, glossary=Glossary.from_tsv(GLOSSARY)).to_dict()

    # The command line, as a user runs it.
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "terms.tsv").write_text(GLOSSARY, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "translate", "translate", "article.txt", "--json", "--summary",
         "--model", str(tiny_translator_dir), "--summarizer", str(tiny_summarizer_dir),
         "--device", "cpu", "--engine", "transformers", "--beams", str(BEAMS),
         "--summary-length", LENGTH, "--glossary", "terms.tsv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)

    # The page's handler (what its Translate & summarize button calls).
    page = handlers.process(ARTICLE, None, BEAMS, LENGTH, GLOSSARY)

    # The page's two steps: Translate, then Summarize the English (as its reader left it:
    # here shortened, so the summarizer returns it as is) with the same settings. The
    # summary's settings join the translation's signature; taking the summary off takes
    # them off again.
    english, translated = handlers.translate(ARTICLE, None, BEAMS, GLOSSARY)
    assert english == library["translation"]
    _, two_steps = handlers.summarize(english.split("\n")[0][:60], LENGTH, translated)
    assert two_steps["signature"] == library["signature"]
    assert handlers.without_summary(two_steps)[1]["signature"] == translated["signature"]
    assert "summarizer" not in translated["signature_info"]

    # The REST API, in process.
    with TestClient(app) as client:
        answer = client.post("/v1/translate", json={
            "text": ARTICLE, "summary": True, "beams": BEAMS, "summary_length": LENGTH,
            "glossary": GLOSSARY})
    assert answer.status_code == 200, answer.text
    api = answer.json()

    expected = {"model": f"{tiny_translator_dir}@", "engine": "transformers",
                "precision": "float32", "beams": str(BEAMS),
                "summarizer": f"{tiny_summarizer_dir}@", "summary_engine": "transformers",
                "summary_precision": "float32", "length": LENGTH,
                "glossary": Glossary.from_tsv(GLOSSARY).signature(), "checks": "on",
                "version": __version__}
    for name, result in (("cli", cli), ("page", page), ("api", api)):
        assert result["signature"] == library["signature"], name
        assert result["signature_info"] == library["signature_info"], name
        assert result["translation"] == library["translation"], name
        assert result["summary"] == library["summary"], name
    info = library["signature_info"]
    assert list(info) == list(expected)
    for key, value in expected.items():
        assert info[key].startswith(value) if value.endswith("@") else info[key] == value
    assert "Ministry of Finance" in library["translation"]


def test_summarize_answer_and_eval_row_carry_a_signature(served, tiny_translator_dir,
                                                         tiny_summarizer_dir):
    from starlette.testclient import TestClient

    from translate.config import ModelConfig
    from translate.evaluate import evaluate

    _, app = served
    english = " ".join(["The ministry said fuel prices rose by three percent in May."] * 30)
    with TestClient(app) as client:
        answer = client.post("/v1/summarize", json={"text": english, "length": "short"})
    assert answer.status_code == 200, answer.text
    info = answer.json()["signature_info"]
    assert info["summarizer"].startswith(f"{tiny_summarizer_dir}@")
    assert (info["summary_engine"], info["summary_precision"]) == ("transformers", "float32")
    assert (info["length"], info["checks"], info["version"]) == ("short", "on", __version__)
    assert answer.json()["signature"] == str(Signature.of(**info))

    pytest.importorskip("sacrebleu")
    row, _ = evaluate(ModelConfig(model=str(tiny_translator_dir), device="cpu",
                                  engine="transformers", beams=1),
                      ["Giá xăng tăng 3%."], ["Fuel prices rose 3%."])
    signature = Signature.parse(row.to_dict()["signature"]).to_dict()
    assert signature["model"].startswith(f"{tiny_translator_dir}@")
    assert (signature["engine"], signature["beams"], signature["glossary"]) == \
        ("transformers", "1", "none")

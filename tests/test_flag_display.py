"""A flag and the part of the Vietnamese it points at, everywhere a result appears: the page's
side-by-side table and downloads, ``vi2en translate`` (text and ``--json``), batch records and
``vi2en qa``. (The REST API and the page in a browser: tests/test_api.py, test_browser.py.)

Two real sources of flags with a span: the glossary's "term lost" flag (the tiny model never
copies a placeholder, so its terms are always lost) and the name check (the tiny model's
English never carries the name).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from translate import exports
from translate.checks import STRICT_CHECKS_ENV, numbers
from translate.cli import main
from translate.results import Flag, ParagraphResult, PipelineResult, SentenceResult

NAME = "Nguyễn Văn An"
SENTENCE = f"Ông {NAME} nói giá xăng tăng 5%."
START = SENTENCE.index(NAME)
SPAN = (START, START + len(NAME))


def _result(flags: list[Flag], source: str = SENTENCE) -> dict:
    sentence = SentenceResult(source, "Mr. Nguyen said petrol prices rose 5%.", flags, -0.8)
    return PipelineResult(source, [ParagraphResult([sentence])], {}).to_dict()


# -- the table and the downloads -------------------------------------------------------------------

def test_the_table_marks_the_span_in_the_vietnamese_column():
    flag = Flag("name", "a name in the Vietnamese is missing from the English", SPAN)
    table = exports.table_html(_result([flag]))
    [cell] = re.findall(r'<td class="src"[^>]*>(.*?)</td>', table)
    assert cell == (f'Ông <mark class="vi2en-span" title="name: a name in the Vietnamese is '
                    f'missing from the English">{NAME}</mark> nói giá xăng tăng 5%.')
    # The Flags cell says what is marked, for a reader who cannot hover (a phone).
    assert f"[“{NAME}”]" in table
    assert '<tr class="flagged">' in table


def test_marks_are_escaped_merged_and_malformed_spans_ignored():
    source = "Bà <b>Lan</b> & ông Hùng"
    lan, hung = source.index("<b>Lan</b>"), source.index("Hùng")
    flags = [Flag("name", "x <script>", (lan, lan + 10)),
             Flag("omission", "y", (lan + 3, lan + 6)),  # inside the first: one mark
             Flag("name", "z", (hung, hung + 4))]
    [cell] = re.findall(r'<td class="src"[^>]*>(.*?)</td>',
                        exports.table_html(_result(flags, source)))
    assert cell == ('Bà <mark class="vi2en-span" title="name: x &lt;script&gt;; omission: y">'
                    '&lt;b&gt;Lan&lt;/b&gt;</mark> &amp; ông '
                    '<mark class="vi2en-span" title="name: z">Hùng</mark>')
    for bad in ([5, 2], [0, 99], [-1, 3], ["0", "3"], [True, 3], [1, 2, 3], "0-3", None):
        result = _result([Flag("name", "bad span")])
        result["paragraphs"][0]["sentences"][0]["flags"][0]["span"] = bad
        assert "<mark" not in exports.table_html(result), bad


def test_markdown_and_word_downloads_quote_the_span(tmp_path):
    import docx

    result = _result([Flag("name", "a name in the Vietnamese is missing from the English",
                           SPAN)])
    assert f"[“{NAME}”]" in exports.to_markdown(result)
    path = exports.write_docx(result, tmp_path / "x.docx")
    assert any(f"[“{NAME}”]" in p.text for p in docx.Document(str(path)).paragraphs)


def test_a_detail_that_quotes_its_span_is_not_repeated():
    flag = {"kind": "glossary", "detail": f"the model lost glossary term '{NAME}'",
            "span": list(SPAN)}
    assert exports.flag_line(flag, SENTENCE) == f"glossary: the model lost glossary term '{NAME}'"
    assert exports.flag_line({**flag, "detail": "lost"}, SENTENCE) == f"glossary: lost [“{NAME}”]"


# -- vi2en translate ----------------------------------------------------------------------------

def _translate_args(model: Path, source: Path, *more: str) -> list[str]:
    return ["translate", str(source), "--model", str(model), "--engine", "transformers",
            "--beams", "1", "-q", *more]


def test_translate_text_lists_each_flag_with_its_sentence_and_span(tiny_translator_dir,
                                                                   tmp_path, capsys):
    source = tmp_path / "a.vi.txt"
    source.write_text(f"Trời mưa to ở Hà Nội. {SENTENCE}", encoding="utf-8")
    assert main(_translate_args(tiny_translator_dir, source)) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "name:" not in out  # the English alone on stdout
    lines = err.splitlines()
    assert re.match(r"vi2en: 2 of 2 sentences flagged for review:$", lines[0])
    assert f"  sentence 2: name: '{NAME}' is not in the translation" in lines
    # Every flag of every sentence, each under its sentence's number.
    assert all(re.match(r"  sentence [12]: \w+: ", line) for line in lines[1:]), lines


def test_translate_json_has_scores_and_spans(tiny_translator_dir, tmp_path, capsys):
    source = tmp_path / "a.vi.txt"
    source.write_text("Trời mưa to ở Hà Nội.", encoding="utf-8")
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("Hà Nội\tHanoi\n", encoding="utf-8")
    assert main(_translate_args(tiny_translator_dir, source, "--json", "--glossary",
                                str(glossary))) == 0
    out, err = capsys.readouterr()
    [sentence] = json.loads(out)["paragraphs"][0]["sentences"]
    assert isinstance(sentence["score"], float) and sentence["score"] < 0
    [lost] = [f for f in sentence["flags"] if f["kind"] == "glossary"]
    start, end = lost["span"]
    assert sentence["source"][start:end] == "Hà Nội"
    assert "details in the JSON" in err


# -- vi2en batch ---------------------------------------------------------------------------------

@pytest.mark.slow  # about 2 s of CPU (1.5-1.9 s measured)
def test_batch_records_carry_spans_and_detail_scores(tiny_translator_dir, tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": f"Trời mưa. {SENTENCE}"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("giá xăng\tpetrol price\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--model", str(tiny_translator_dir),
                 "--engine", "transformers", "--beams", "1", "--no-cache", "--detail",
                 "--glossary", str(glossary)]) == 0, capsys.readouterr().err
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    sentences = [s for p in record["paragraphs"] for s in p["sentences"]]
    assert all(isinstance(s["score"], float) for s in sentences)
    spans = {(f["kind"], sentences[f["sentence"]]["source"][slice(*f["span"])])
             for f in record["flags"] if "span" in f}
    assert spans == {("name", NAME), ("glossary", "giá xăng")}
    # The record's flags are the sentences' flags, each with its sentence's index.
    for flag in record["flags"]:
        entry = {k: v for k, v in flag.items() if k != "sentence"}
        assert entry in sentences[flag["sentence"]]["flags"]


# -- vi2en qa ------------------------------------------------------------------------------------

def _qa(tmp_path: Path, sources: list[str], translations: list[str], *more: str) -> list[str]:
    (tmp_path / "s.vi").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("\n".join(translations) + "\n", encoding="utf-8")
    return ["qa", "--source", str(tmp_path / "s.vi"), "--translation", str(tmp_path / "t.en"),
            *more]


def test_qa_shows_the_span_in_text_and_json(tmp_path, capsys):
    args = _qa(tmp_path, ["Trời mưa.", SENTENCE],
               ["It rained.", "He said petrol prices rose 5%."])
    assert main(args) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [f"line 2: name: '{NAME}' is not in the translation"]
    assert main(args + ["--json"]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item == {"line": 2, "source": SENTENCE,
                    "flags": [{"kind": "name",
                               "detail": f"'{NAME}' is not in the translation",
                               "span": list(SPAN)}]}


def test_qa_turns_a_crashing_check_into_a_check_error(tmp_path, capsys, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(numbers, "extract_vi_quantities", crash)
    monkeypatch.delenv(STRICT_CHECKS_ENV)
    args = _qa(tmp_path, ["Giá tăng 5%."], ["Prices rose 5%."], "--json")
    assert main(args) == 1
    out, err = capsys.readouterr()
    [item] = json.loads(out)
    assert [f["kind"] for f in item["flags"]] == ["check_error"]
    assert "numbers check failed" in item["flags"][0]["detail"]


def test_ray_records_keep_spans_and_scores_through_arrow():
    """``--engine ray`` writes records through a fixed Arrow schema: a span and a sentence
    score survive it, and a flag without a span comes back without the key, as the local
    job writes it."""
    pa = pytest.importorskip("pyarrow")
    from translate.batch import BatchOptions
    from translate.batch.ray import _without_null_spans, record_schema

    flags = [{"kind": "name", "detail": "missing", "span": list(SPAN)},
             {"kind": "low_confidence", "detail": "unsure"}]
    record = {"id": "a", "translation": "Mr. Nguyen said ...",
              "flags": [{"sentence": 0, **f} for f in flags], "error": None, "model": "m",
              "signature": "model:m@1|engine:transformers", "elapsed_s": 0.5,
              "paragraphs": [{"sentences": [{"source": SENTENCE, "translation": "Mr. Nguyen",
                                             "score": -0.8123, "flags": flags}]}]}
    options = BatchOptions(detail=True)
    [back] = pa.Table.from_pylist([record], schema=record_schema(options)).to_pylist()
    assert _without_null_spans(back) == record

"""Glossary: parsing, matching, placeholders, and the real translation path (tiny Marian)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from tests.helpers import record_generate_calls
from translate import Pipeline, Translator
from translate.cli import main
from translate.glossary import Glossary
from translate.pipeline import _RETRY_CHANGES
from translate.results import ScoredText

TSV = (
    "# ministries\n"
    "Bộ Tài chính\tMinistry of Finance\n"
    "\n"
    "ngân sách nhà nước\tstate budget\n"
    "ngân sách\tbudget\n"
    "phở\t\n"
    "Vàng\tVang\n"
    "hoà bình\tpeace\n"
)


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.from_tsv(TSV)


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------

def test_parse_terms_comments_blank_lines_and_keep_as_is(glossary):
    terms = {t.source: t.rendering for t in glossary.terms}
    assert terms == {"Bộ Tài chính": "Ministry of Finance", "ngân sách nhà nước": "state budget",
                     "ngân sách": "budget", "phở": "", "Vàng": "Vang", "hòa bình": "peace"}
    assert len(glossary) == 6
    assert [t.line for t in glossary.terms] == [2, 4, 5, 6, 7, 8]


def test_parse_bom_crlf_and_identical_duplicates():
    g = Glossary.from_tsv("\ufeffHà Nội\tHanoi\r\nHà Nội\tHanoi\r\n")
    assert [(t.source, t.rendering) for t in g.terms] == [("Hà Nội", "Hanoi")]


@pytest.mark.parametrize("text, line, words", [
    ("Hà Nội\tHanoi\nTP.HCM Ho Chi Minh City\n", 2, "no tab"),
    ("# x\n\nHà Nội\tHanoi\tcity\n", 3, "3 columns"),
    ("\tHanoi\n", 1, "empty Vietnamese term"),
    ("Hà Nội\tHanoi\nHà Nội\tHa Noi\n", 2, "already on line 1"),
])
def test_bad_lines_name_the_line(text, line, words):
    with pytest.raises(ValueError, match=rf"line {line}\b.*{words}"):
        Glossary.from_tsv(text)


def test_load_file_and_bad_encoding(tmp_path):
    good = tmp_path / "g.tsv"
    good.write_text(TSV, encoding="utf-8")
    assert len(Glossary.load(good)) == 6
    bad = tmp_path / "bad.tsv"
    bad.write_bytes("Hà Nội\tHanoi\n".encode() + b"C\xe0 Mau\tCa Mau\n")  # Latin-1
    with pytest.raises(ValueError, match="line 2 is not UTF-8"):
        Glossary.load(bad)


# ---------------------------------------------------------------------------------------
# Matching and placeholders (pure text)
# ---------------------------------------------------------------------------------------

def _found(g: Glossary, sentence: str) -> list[str]:
    return [sentence[s:e] for s, e, _ in g.find(sentence)]


def test_longest_term_wins_and_whole_words_only(glossary):
    s = "Bộ Tài chính trình dự toán ngân sách nhà nước và ngân sách địa phương."
    assert _found(glossary, s) == ["Bộ Tài chính", "ngân sách nhà nước", "ngân sách"]
    g = Glossary.from_tsv("Nam\tSouth\nA B\tab\nB C D\tbcd\n")
    assert _found(g, "Việt Nam, Namibia và Nam.") == ["Nam", "Nam"]
    # Longest first even when the shorter one starts earlier.
    assert _found(g, "A B C D") == ["B C D"]


def test_case_rules(glossary):
    # A lower-case term matches capitalized (sentence start, title, headline) occurrences ...
    assert _found(glossary, "Ngân sách tăng. NGÂN SÁCH giảm. Ngân Sách.") == \
        ["Ngân sách", "NGÂN SÁCH", "Ngân Sách"]
    # ... a name never matches the lower-case common word (vàng = gold) ...
    assert _found(glossary, "Giá vàng tăng, ông Vàng nói.") == ["Vàng"]
    # ... and a name's capitals must be there, more are fine.
    assert _found(glossary, "bộ tài chính; Bộ Tài Chính; BỘ TÀI CHÍNH") == \
        ["Bộ Tài Chính", "BỘ TÀI CHÍNH"]


def test_terms_are_matched_after_normalization(glossary):
    # "hoà" in the file and "hòa" in the text are the same word once tone marks are normalized.
    assert _found(glossary, "Vì hòa bình.") == ["hòa bình"]


def test_mask_and_restore(glossary):
    m = glossary.mask("Bộ Tài chính cho biết ngân sách nhà nước tăng 5%.")
    assert m.text == "ZX1 cho biết ZX2 tăng 5%."
    assert [(s.surface, s.rendering) for s in m.slots] == [
        ("Bộ Tài chính", "Ministry of Finance"), ("ngân sách nhà nước", "state budget")]
    assert m.problems("ZX1 said the ZX2 rose 5%.") == 0
    assert m.restore("ZX1 said the ZX2 rose 5%.") == \
        ("Ministry of Finance said the state budget rose 5%.", [])
    # Models may lower-case the code or split it: still found.
    assert m.restore("The zx-1 said the ZX 2 rose.")[0] == \
        "The Ministry of Finance said the state budget rose."


def test_keep_as_is_uses_the_source_spelling(glossary):
    m = glossary.mask("Phở rất ngon.")
    assert m.restore("ZX1 is delicious.") == ("Phở is delicious.", [])


def test_lost_placeholder_is_added_and_flagged(glossary):
    m = glossary.mask("Bộ Tài chính cho biết ngân sách nhà nước tăng.")
    english, flags = m.restore("ZX2 rose, the ministry said.")
    assert english == "state budget rose, the ministry said [Ministry of Finance]."
    assert [f.kind for f in flags] == ["glossary"]
    assert "Bộ Tài chính" in flags[0].detail and "Ministry of Finance" in flags[0].detail
    assert m.problems("ZX2 rose, the ministry said.") == 1


def test_duplicated_and_invented_placeholders_are_flagged(glossary):
    m = glossary.mask("Ngân sách tăng.")
    english, flags = m.restore("ZX1 rose, ZX1 rose.")
    assert english == "budget rose, budget rose."
    assert "2 times" in flags[0].detail
    english, flags = m.restore("ZX1 rose ZX7.")
    assert english == "budget rose."
    assert flags[0].kind == "glossary" and "ZX7" in flags[0].detail
    assert m.problems("ZX1 rose ZX7.") == 1


def test_codes_already_in_the_text_are_left_alone(glossary):
    m = glossary.mask("Máy ZX1 dùng ngân sách.")
    assert m.text == "Máy ZX1 dùng ZX2."
    assert m.problems("The ZX1 machine uses ZX2.") == 0
    assert m.restore("The ZX1 machine uses ZX2.") == ("The ZX1 machine uses budget.", [])


def test_no_terms_no_change(glossary):
    m = glossary.mask("Trời mưa.")
    assert (m.text, m.slots) == ("Trời mưa.", ())
    assert m.restore("It rains.") == ("It rains.", [])


# ---------------------------------------------------------------------------------------
# Through the real translation path
# ---------------------------------------------------------------------------------------

class DictCache:
    """A SentenceCache in memory: lets a test choose what the 'model' returned."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], ScoredText] = {}

    def get_many(self, sentences: Sequence[str], signature: str) -> dict[str, ScoredText]:
        return {s: self.data[(signature, s)] for s in sentences if (signature, s) in self.data}

    def put_many(self, translations: dict[str, ScoredText | str], signature: str) -> None:
        """A test's own 'model output' may be a plain string (no score)."""
        self.data.update({(signature, s): t if isinstance(t, ScoredText) else ScoredText(t)
                          for s, t in translations.items()})


@pytest.fixture(scope="module")
def translator(tiny_translator_dir) -> Translator:
    return Translator(str(tiny_translator_dir), device="cpu", beams=1)


def _pipeline(translator: Translator, tiny_summarizer_dir, glossary=None,
              cache=None) -> Pipeline:
    translator.cache = cache
    return Pipeline(summarizer=str(tiny_summarizer_dir), translator=translator,
                    glossary=glossary)


def test_tiny_model_output_gets_the_exact_rendering(translator, tiny_summarizer_dir, glossary,
                                                    monkeypatch):
    sentence = "Bộ Tài chính cho biết ngân sách nhà nước tăng."
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary)
    calls = record_generate_calls(translator.engine, monkeypatch)
    result = pipe.translate(sentence)
    english = result.sentences[0].translation
    # The model saw placeholders, never the terms.
    inputs = [text for call in calls for text in call]
    assert inputs and all("ZX1" in t and "ZX2" in t and "Tài chính" not in t for t in inputs)
    # Each rendering is in the English exactly once, and no placeholder is left.
    assert english.count("Ministry of Finance") == 1 and english.count("state budget") == 1
    assert not re.search(r"z\s?x\s?\d", english, re.I)
    # A rendering the model lost is put back in brackets, and only then is there a flag.
    bracketed = [r for r in ("Ministry of Finance", "state budget") if f"[{r}]" in english]
    glossary_flags = [f.detail for f in result.sentences[0].flags if f.kind == "glossary"]
    assert [r for r in bracketed if any(r in d for d in glossary_flags)] == bracketed
    if not bracketed:
        assert not any("lost" in d for d in glossary_flags)


def test_placeholders_translated_through_the_cache(translator, tiny_summarizer_dir, glossary):
    cache = DictCache()
    signature = translator.signature()
    cache.put_many({"ZX1 chi 5 tỷ đồng cho ZX2.": "ZX1 spent 5 billion dong on ZX2."},
                   signature)
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary, cache)
    result = pipe.translate("Bộ Tài chính chi 5 tỷ đồng cho ngân sách.")
    sentence = result.sentences[0]
    assert sentence.translation == "Ministry of Finance spent 5 billion dong on budget."
    # Checks run on the final English against the original: the "1" of ZX1 is no number.
    assert sentence.flags == []
    # Another rendering reuses the cached placeholdered translation: the key has no rendering.
    other = Glossary.from_tsv("Bộ Tài chính\tMinistry of Finance (MoF)\nngân sách\tfunds\n")
    again = pipe.translate("Bộ Tài chính chi 5 tỷ đồng cho ngân sách.", glossary=other)
    assert again.sentences[0].translation == \
        "Ministry of Finance (MoF) spent 5 billion dong on funds."
    assert len(cache.data) == 1
    # Without a glossary the plain sentence is its own cache entry (translated by the model).
    plain = pipe.translate("Bộ Tài chính chi 5 tỷ đồng cho ngân sách.", glossary=Glossary())
    assert (signature, "Bộ Tài chính chi 5 tỷ đồng cho ngân sách.") in cache.data
    assert "Ministry of Finance" not in plain.sentences[0].translation


def test_number_check_still_sees_changed_numbers(translator, tiny_summarizer_dir, glossary):
    cache = DictCache()
    cache.put_many({"ZX1 chi 5 tỷ đồng.": "ZX1 spent 6 billion dong."}, translator.signature())
    result = _pipeline(translator, tiny_summarizer_dir, glossary, cache).translate(
        "Bộ Tài chính chi 5 tỷ đồng.")
    flags = result.sentences[0].flags
    assert {f.kind for f in flags} == {"number"}
    assert any("5" in f.detail for f in flags)


def test_lost_placeholder_retried_once_then_flagged(translator, tiny_summarizer_dir, glossary):
    cache = DictCache()
    first = translator.signature()
    safer = translator.signature(translator.options.with_options(**_RETRY_CHANGES))
    cache.put_many({"ZX1 tăng.": "It rose.", "Trời mưa, ZX1 tăng.": "Rain; it rose."}, first)
    # The retry keeps the placeholder of the first sentence, loses the second's again.
    cache.put_many({"ZX1 tăng.": "ZX1 rose.", "Trời mưa, ZX1 tăng.": "Rain; it rose again."},
                   safer)
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary, cache)
    result = pipe.translate("Ngân sách tăng. Trời mưa, ngân sách tăng.")
    s1, s2 = result.sentences
    assert s1.translation == "budget rose." and s1.flags == []
    # Neither attempt better: the first output is kept, the rendering added and flagged.
    assert s2.translation == "Rain; it rose [budget]."
    assert [f.kind for f in s2.flags] == ["glossary"]
    assert "ngân sách" in s2.flags[0].detail


def test_pipeline_glossary_default_and_override(translator, tiny_summarizer_dir, glossary):
    cache = DictCache()
    cache.put_many({"ZX1 tăng.": "ZX1 rose."}, translator.signature())
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary, cache)
    assert pipe.run("Ngân sách tăng.", summarize=False).translation == "budget rose."
    other = Glossary.from_tsv("ngân sách\tthe budget\n")
    assert pipe.run("Ngân sách tăng.", summarize=False,
                    glossary=other).translation == "the budget rose."
    [r] = pipe.translate_many(["Ngân sách tăng."], glossary=other)
    assert r.translation == "the budget rose."


def test_cli_translate_with_glossary(tmp_path, tiny_translator_dir, tiny_summarizer_dir,
                                     capsys):
    gfile = tmp_path / "g.tsv"
    gfile.write_text("Bộ Tài chính\tMinistry of Finance\n", encoding="utf-8")
    src = tmp_path / "a.vi.txt"
    src.write_text("Bộ Tài chính họp hôm nay.\n", encoding="utf-8")
    rc = main(["translate", str(src), "--glossary", str(gfile), "--model",
               str(tiny_translator_dir), "--summarizer", str(tiny_summarizer_dir),
               "--device", "cpu", "--beams", "1", "-q"])
    out = capsys.readouterr().out
    assert rc == 0 and "Ministry of Finance" in out
    bad = tmp_path / "bad.tsv"
    bad.write_text("# x\nBộ Tài chính Ministry of Finance\n", encoding="utf-8")
    rc = main(["translate", str(src), "--glossary", str(bad), "--model",
               str(tiny_translator_dir), "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and "line 2" in err
    rc = main(["translate", str(src), "--glossary", str(tmp_path / "none.tsv"), "-q"])
    assert rc == 2 and "no such glossary file" in capsys.readouterr().err


def test_looping_output_retried_through_the_glossary(translator, tiny_summarizer_dir,
                                                     glossary):
    cache = DictCache()
    looped = "ZX1 rose rose rose rose rose rose."
    cache.put_many({"ZX1 tăng mạnh trong năm nay.": looped}, translator.signature())
    cache.put_many({"ZX1 tăng mạnh trong năm nay.": "ZX1 rose sharply this year."},
                   translator.signature(translator.options.with_options(**_RETRY_CHANGES)))
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary, cache)
    [sentence] = pipe.translate("Ngân sách tăng mạnh trong năm nay.").sentences
    assert sentence.translation == "budget rose sharply this year."
    assert [f.kind for f in sentence.flags] == ["retried"]


def test_glossary_flags_kept_without_quality_checks(translator, tiny_summarizer_dir, glossary):
    cache = DictCache()
    cache.put_many({"ZX1 tăng 5%.": "Up 6%."}, translator.signature())
    cache.put_many({"ZX1 tăng 5%.": "Up 6% again."},
                   translator.signature(translator.options.with_options(**_RETRY_CHANGES)))
    pipe = _pipeline(translator, tiny_summarizer_dir, glossary, cache)
    pipe.check_quality = False
    [sentence] = pipe.translate("Ngân sách tăng 5%.").sentences
    assert sentence.translation == "Up 6% [budget]."
    assert [f.kind for f in sentence.flags] == ["glossary"]  # no number check asked for

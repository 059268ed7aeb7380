"""The server's library: cross-request batching, HTML text nodes (detection: test_detect.py)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import record_generate_calls
from translate.html_text import text_nodes, translate_html
from translate.request_batcher import RequestBatcher
from translate.results import ScoredText
from translate.service import TranslationService
from translate.stopping import Cancelled
from translate.translator import Translator


class EchoTranslator:
    """Stands in for a Translator: 'EN:' + the sentence, every call recorded."""

    max_batch_size = 32
    options = None

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def translate(self, sentences: Sequence[str], *, options=None, progress=None,
                  stop=None) -> list[str]:
        return [t.text for t in self.translate_scored(sentences, options=options)]

    def translate_scored(self, sentences: Sequence[str], *, options=None,
                         progress=None, stop=None) -> list[ScoredText]:
        self.calls.append(list(sentences))
        if self.fail_on in sentences:
            raise RuntimeError("engine failed")
        time.sleep(0.05)  # a model call takes time; requests keep arriving meanwhile
        return [ScoredText(f"EN:{s}", -len(s) / 100) for s in sentences]


def run_together(batcher: RequestBatcher, requests: list[list[str]]) -> list[list[str] | Exception]:
    """Every request from its own thread, released at the same moment."""
    start = threading.Barrier(len(requests))
    answers: list[list[str] | Exception] = [[] for _ in requests]

    def client(i: int) -> None:
        start.wait()
        try:
            answers[i] = batcher.translate(requests[i])
        except Exception as exc:  # the test looks at what each client got
            answers[i] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


REQUESTS = [["Trời mưa to ở Hà Nội.", "Giao thông ùn tắc nghiêm trọng trên nhiều tuyến phố."],
            ["Giá xăng tăng mạnh."],
            ["Bộ Y tế khuyến cáo người dân.", "Trời mưa to ở Hà Nội.",
             "Chính phủ họp phiên thường kỳ tháng Mười một."]]


def test_concurrent_requests_share_one_call_and_get_their_own_answers():
    echo = EchoTranslator()
    batcher = RequestBatcher(echo, window_s=0.5)  # type: ignore[arg-type]
    answers = run_together(batcher, REQUESTS)
    assert answers == [[f"EN:{s}" for s in r] for r in REQUESTS]
    assert len(echo.calls) == 1
    assert sorted(echo.calls[0]) == sorted({s for r in REQUESTS for s in r})


def test_real_model_one_generate_call_for_requests_arriving_together(tiny_translator_dir,
                                                                     monkeypatch):
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    every = list(dict.fromkeys(s for r in REQUESTS for s in r))
    # Distinct lengths: the batch is sorted the same way whatever order the sentences came in.
    lengths = translator.engine.count_tokens(every)
    assert len(set(lengths)) == len(lengths)
    expected = dict(zip(every, translator.translate(every), strict=True))
    calls = record_generate_calls(translator.engine, monkeypatch)
    answers = run_together(RequestBatcher(translator, window_s=0.5), REQUESTS)
    assert len(calls) == 1 and sorted(calls[0]) == sorted(every)
    assert answers == [[expected[s] for s in r] for r in REQUESTS]


def test_a_short_request_does_not_wait_for_a_long_ones_whole_text():
    echo = EchoTranslator()
    batcher = RequestBatcher(echo, window_s=0.3, max_batch=2)  # type: ignore[arg-type]
    long = [f"Câu số {i} của bài dài." for i in range(6)]
    answers = run_together(batcher, [long, ["Tin ngắn."]])
    assert answers == [[f"EN:{s}" for s in long], ["EN:Tin ngắn."]]
    # Rounds take from each waiting request in turn: the short one is in the first batch.
    assert "Tin ngắn." in echo.calls[0] and len(echo.calls) == 4


def test_a_failed_batch_fails_only_the_request_that_fails_alone():
    echo = EchoTranslator(fail_on="hỏng")
    batcher = RequestBatcher(echo, window_s=0.3)  # type: ignore[arg-type]
    answers = run_together(batcher, [["hỏng", "Giá xăng tăng."], ["Trời mưa."]])
    assert isinstance(answers[0], RuntimeError)
    assert answers[1] == ["EN:Trời mưa."]
    # The shared batch failed, then each request's sentences went alone.
    assert len(echo.calls) == 3 and sorted(map(len, echo.calls)) == [1, 2, 3]
    assert batcher.translate(["Trời mưa."]) == ["EN:Trời mưa."]


def test_a_poisoned_shared_batch_fails_only_its_sender(tiny_translator_dir, monkeypatch):
    """A lone surrogate that got past the doors fails the tokenizer for the whole batch; each
    request's sentences are then tried apart and only the sender's request fails."""
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    victims = [["Trời mưa to ở Hà Nội.", "Giao thông ùn tắc."], ["Giá xăng tăng mạnh."],
               ["Bộ Y tế khuyến cáo người dân."]]
    alone = [translator.translate(r) for r in victims]  # each request apart, as retried
    with pytest.raises(Exception, match="Unable to cast|surrogate"):
        translator.translate(["Gi\ud800"])  # what the attacker's text does to a tokenizer
    calls = record_generate_calls(translator.engine, monkeypatch)
    answers = run_together(RequestBatcher(translator, window_s=0.5),
                           [["Gi\ud800", "Trời mưa to ở Hà Nội."], *victims])
    assert isinstance(answers[0], Exception)
    assert answers[1:] == alone
    assert sorted(map(len, calls)) == [1, 1, 2]  # each victim apart; the attacker never ran


def test_a_request_whose_caller_stops_is_dropped_from_the_queue(tiny_translator_dir,
                                                                monkeypatch):
    """The caller goes away while its first batch is in the model: that batch ends, the
    request's other sentences never reach the model, and the batcher serves the next one."""
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    expected = translator.translate(["Trời mưa."])
    batcher = RequestBatcher(translator, window_s=0.01, max_batch=2)
    calls = record_generate_calls(translator.engine, monkeypatch)
    spied, stop = translator.engine.generate_scored, threading.Event()

    def client_leaves_meanwhile(texts, options, **kwargs):
        stop.set()
        return spied(texts, options, **kwargs)

    monkeypatch.setattr(translator.engine, "generate_scored", client_leaves_meanwhile)
    long = [f"Câu số {i} nói về giá xăng hôm nay." for i in range(40)]
    with pytest.raises(Cancelled, match="Stopped after 0 of 40 sentences"):
        batcher.translate(long, stop=stop)
    monkeypatch.setattr(translator.engine, "generate_scored", spied)
    assert batcher.translate(["Trời mưa."]) == expected
    assert len(calls) == 2 and calls[1] == ["Trời mưa."]  # 38 sentences never ran


def test_a_stopped_caller_waiting_for_the_model_leaves_without_it(tiny_translator_dir):
    """Batching off (window 0): a caller queued behind another request gives up when stopped."""
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers",
                            beams=1)
    batcher = RequestBatcher(translator, window_s=0)
    stop = threading.Event()
    stop.set()
    with batcher._alone:  # another request holds the model
        with pytest.raises(Cancelled, match="before the model was free"):
            batcher.translate(["Trời mưa."], stop=stop)


def test_window_zero_serves_each_request_alone():
    echo = EchoTranslator()
    batcher = RequestBatcher(echo, window_s=0)  # type: ignore[arg-type]
    answers = run_together(batcher, REQUESTS)
    assert answers == [[f"EN:{s}" for s in r] for r in REQUESTS]
    assert sorted(map(sorted, echo.calls)) == sorted(sorted(dict.fromkeys(r)) for r in REQUESTS)


def test_empty_and_blank_sentences_never_reach_the_model():
    echo = EchoTranslator()
    batcher = RequestBatcher(echo, window_s=0.01)  # type: ignore[arg-type]
    assert batcher.translate(["", "  "]) == ["", ""]
    assert echo.calls == []


def test_service_keeps_lines_and_whitespace(tiny_translator_dir, tiny_summarizer_dir):
    from translate.pipeline import Pipeline

    service = TranslationService(Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir),
                                          device="cpu", engine="transformers", beams=1))
    text = "  Trời mưa to.\n\n\t12/11\r\nGiá xăng tăng.  \n"
    out = service.translate_texts([text])[0]
    lines = out.splitlines(keepends=True)
    assert len(lines) == len(text.splitlines(keepends=True))
    assert lines[0].startswith("  ") and lines[1] == "\n" and lines[2] == "\t12/11\r\n"
    assert lines[3].endswith("  \n") and "Giá" not in out


# -- HTML ------------------------------------------------------------------------------------------
TAG = re.compile(r"<[a-zA-Z/!][^>]*>")  # a tag, comment or declaration; "5 < 6" is text


def test_html_markup_kept_and_text_replaced():
    fragment = ('<p class="lead">Trời mưa to ở <a href="/x?a=1&amp;b=2">Hà Nội</a>.<br>\n'
                'Giá xăng &amp; dầu tăng.</p><!-- ghi chú --><code>x = 1</code>'
                '<span translate="no">Tên riêng</span><script>var s = "<b>";</script>')
    out = translate_html(fragment, lambda texts: [t.upper() for t in texts])
    assert TAG.findall(out) == TAG.findall(fragment)
    assert "TRỜI MƯA TO Ở " in out and ">HÀ NỘI<" in out and "GIÁ XĂNG &amp; DẦU TĂNG." in out
    assert "<code>x = 1</code>" in out and ">Tên riêng<" in out and 'var s = "<b>";' in out


def test_html_nodes_cover_the_text_exactly():
    fragment = "<p>a &lt; b < c</p>x<br/>y"
    nodes = text_nodes(fragment)
    assert [fragment[n.start:n.end] for n in nodes] == ["a &lt; b < c", "x", "y"]
    assert nodes[0].text == "a < b < c"


@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", '<a href="u?a=1&amp;b">', "</a>",
                                 "Trời mưa ", "  ", "\n", "giá & xăng", "5 < 6", "&amp;",
                                 "<!-- c -->", "<b>", "</b>"]), max_size=12))
def test_html_markup_survives_any_fragment(pieces):
    fragment = "".join(pieces)
    out = translate_html(fragment, lambda texts: ["X" for _ in texts])
    assert TAG.findall(out) == TAG.findall(fragment)


# Hostile fragments of 100,000 characters: Python's html.parser rescans an unclosed construct
# from each "<", quadratic (about 400 CPU-s for the first, 10 s at 24,000 characters).
HOSTILE_PIECES = {"unclosed tags": "<a ", "unclosed end tags": "</a ",
                  "unclosed declarations": "<![", "unclosed comments": "<!--",
                  "unclosed quotes": '<a x="', "never-closed nesting": "<b>x",
                  "stray end tags": "</b>", "bare less-than signs": "<",
                  "many comments": "<!--a-->", "many scripts": "<script>a</script>"}


@pytest.mark.parametrize("piece", HOSTILE_PIECES.values(), ids=HOSTILE_PIECES.keys())
def test_html_is_read_in_linear_time(piece):
    for size in (30_000, 100_000):  # the smaller first: html.parser takes ~16 s on it
        fragment = piece * (size // len(piece))
        started = time.process_time()
        nodes = text_nodes(fragment)
        spent = time.process_time() - started
        assert spent < 1.0, f"{size:,} characters of {piece!r}: {spent:.2f} CPU-s"
        assert all(0 <= n.start < n.end <= len(fragment) for n in nodes)


# Well-formed HTML built from parts whose text nodes are known by construction: (raw text,
# decoded text or None for markup, translatable).
Token = tuple[str, "str | None", bool]
TEXTS = [("Trời mưa ", "Trời mưa "), ("giá &amp; xăng", "giá & xăng"), ("5 &lt; 6", "5 < 6"),
         ("a < b", "a < b"), ("yêu <3", "yêu <3"), ("\n  ", "\n  "), ("&#7853;p", "ập"),
         ("x &gt y", "x > y"), ("12/11", "12/11")]
MARKUP = ["<br>", "<br/>", "<img src='x.png' alt=\"a > b\">", "<!-- <p>ghi chú</p> -->",
          "<!DOCTYPE html>", "<hr class=x>", "<wbr >"]
ATTRIBUTES = {"": False, ' class="mention hashtag"': True, ' translate="no"': True,
              ' href="/x?a=1&amp;b=2"': False, " title='a > b'": False, " data-x=a/b": False,
              ' CLASS="NoTranslate"': False, " class='notranslate'": True}


@st.composite
def html_tokens(draw, depth: int = 0, allowed: bool = True) -> list[Token]:
    kind = draw(st.sampled_from(["text", "markup", "script", "element"] if depth < 3
                                else ["text", "markup"]))
    if kind == "text":
        raw, decoded = draw(st.sampled_from(TEXTS))
        return [(raw, decoded, allowed)]
    if kind == "markup":
        return [(draw(st.sampled_from(MARKUP)), None, False)]
    if kind == "script":
        return [("<script>", None, False), ("if (a<b) s = '</p>';", "if (a<b) s = '</p>';",
                                                False), ("</SCRIPT >", None, False)]
    tag = draw(st.sampled_from(["p", "b", "a", "span", "code", "div", "pre"]))
    attributes = draw(st.sampled_from(list(ATTRIBUTES)))
    inner = allowed and not ATTRIBUTES[attributes] and tag not in ("code", "pre")
    children = draw(st.lists(html_tokens(depth + 1, inner), max_size=3))
    return [(f"<{tag}{attributes}>", None, False), *(t for c in children for t in c),
            (f"</{tag}>", None, False)]


def expected_nodes(tokens: list[Token]) -> list[tuple[int, int, str, bool]]:
    nodes: list[tuple[int, int, str, bool]] = []
    position, run = 0, []
    for raw, decoded, allowed in [*tokens, ("", None, False)]:
        if decoded is None and run:
            text = "".join(d for _, _, d, _ in run)
            nodes.append((run[0][0], run[-1][1], text,
                          all(a for *_, a in run) and bool(re.search(r"[^\W\d_]", text))))
            run = []
        if decoded is not None:
            run.append((position, position + len(raw), decoded, allowed))
        position += len(raw)
    return nodes


@given(st.lists(html_tokens(), max_size=6))
def test_html_text_nodes_are_those_of_well_formed_html(parts):
    tokens = [t for part in parts for t in part]
    fragment = "".join(raw for raw, _, _ in tokens)
    found = [(n.start, n.end, n.text, n.translatable) for n in text_nodes(fragment)]
    assert found == expected_nodes(tokens)


@given(st.text(st.sampled_from(list("<>/!?-=\"' abcxtp&;#\n")), max_size=60))
def test_html_anything_keeps_what_is_outside_its_text_nodes(fragment):
    """Broken markup of every kind: nodes in order, apart, and only they are replaced."""
    nodes = text_nodes(fragment)
    assert all(0 <= a.start < a.end <= b.start < b.end
               for a, b in zip(nodes, nodes[1:], strict=False))
    expected, position = [], 0
    for node in (n for n in nodes if n.translatable):
        raw = fragment[node.start:node.end]
        expected += [fragment[position:node.start], raw[:len(raw) - len(raw.lstrip())], "Z",
                     raw[len(raw.rstrip()):]]
        position = node.end
    out = translate_html(fragment, lambda texts: ["Z" for _ in texts])
    assert out == "".join(expected) + fragment[position:]

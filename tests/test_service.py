"""The server's library: cross-request batching, HTML text nodes (detection: test_detect.py)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import record_generate_calls
from translate.html_text import text_nodes, translate_html
from translate.request_batcher import RequestBatcher
from translate.service import TranslationService
from translate.translator import Translator


class EchoTranslator:
    """Stands in for a Translator: 'EN:' + the sentence, every call recorded."""

    max_batch_size = 32
    options = None

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def translate(self, sentences: Sequence[str], *, options=None, progress=None) -> list[str]:
        self.calls.append(list(sentences))
        if self.fail_on in sentences:
            raise RuntimeError("engine failed")
        time.sleep(0.05)  # a model call takes time; requests keep arriving meanwhile
        return [f"EN:{s}" for s in sentences]


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
                            num_beams=1)
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


def test_a_failed_batch_fails_its_requests_and_the_batcher_carries_on():
    echo = EchoTranslator(fail_on="hỏng")
    batcher = RequestBatcher(echo, window_s=0.3)  # type: ignore[arg-type]
    answers = run_together(batcher, [["hỏng"], ["Trời mưa."]])
    assert all(isinstance(a, RuntimeError) for a in answers)  # they shared the failed batch
    assert batcher.translate(["Trời mưa."]) == ["EN:Trời mưa."]


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
                                          device="cpu", engine="transformers", num_beams=1))
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


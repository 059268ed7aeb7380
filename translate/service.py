"""Translation for a server's many clients: one shared pipeline, sentences batched across
requests (:mod:`translate.request_batcher`), plain text and HTML fragments.

The HTTP layer (:mod:`translate.api`) only parses requests and shapes answers; what is
translated, how text is kept in shape and how requests share the model lives here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from .documents import Document, translate_units
from .glossary import Glossary
from .html_text import HtmlFragment
from .pipeline import Pipeline, PipelineResult
from .request_batcher import DEFAULT_WINDOW_S, BatchingTranslator, RequestBatcher
from .stopping import StopSignal
from .summarizer import Summary

logger = logging.getLogger(__name__)

_LETTER_RE = re.compile(r"[^\W\d_]")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


class TranslationService:
    """Texts in, English out, for many concurrent callers sharing one loaded pipeline."""

    def __init__(self, pipeline: Pipeline, *, batch_window_s: float = DEFAULT_WINDOW_S,
                 max_batch: int | None = None) -> None:
        self.pipeline = pipeline
        self.batcher = RequestBatcher(pipeline.translator, window_s=batch_window_s,
                                      max_batch=max_batch)
        self._batched = BatchingTranslator(self.batcher)

    def _view(self, beams: int | None = None, summary_length: str | None = None) -> Pipeline:
        """The shared pipeline with the batching translator and this request's settings."""
        view = self.pipeline.with_options(summary_length=summary_length)
        options = (self.pipeline.translator.options.with_options(num_beams=int(beams)) if beams
                   else None)
        view.translator = BatchingTranslator(self.batcher, options) if options else self._batched
        return view

    def translate_texts(self, texts: Sequence[str], *, html: bool = False,
                        stop: StopSignal | None = None) -> list[str]:
        """Each text translated with its line structure (or, for HTML, its markup) kept.

        Every line of plain text (every text node of HTML) is segmented into sentences, and
        the sentences of all texts go to the model together.
        """
        return self.translate_plans(self.plans(texts, html=html), stop=stop)

    @staticmethod
    def plans(texts: Sequence[str], *, html: bool = False) -> list[TextPlan]:
        """Each text read once (HTML parsed once): what to translate, and how to put it back."""
        return [TextPlan.of_html(t) if html else TextPlan.of_lines(t) for t in texts]

    def translate_plans(self, plans: Sequence[TextPlan], *,
                        stop: StopSignal | None = None) -> list[str]:
        """The texts of :meth:`plans`, translated, their sentences sent to the model together.
        Once ``stop`` is set, the work stops (:class:`~translate.stopping.Cancelled`) and this
        request's sentences still waiting for the model are dropped."""
        chunks: list[str] = []
        for plan in plans:
            chunks.extend(plan.chunks)
        translations = self._translate_chunks(chunks, stop)
        answers: list[str] = []
        position = 0
        for plan in plans:
            answers.append(plan.render(translations[position:position + len(plan.chunks)]))
            position += len(plan.chunks)
        return answers

    def translate_document(self, document: Document, *, stop: StopSignal | None = None) -> None:
        """Every text unit of ``document`` translated in place (its lines kept), in one
        batch with the other requests' sentences; ``document.save`` writes it."""
        translate_units(document, lambda texts: self.translate_texts(texts, stop=stop))

    def _translate_chunks(self, chunks: list[str], stop: StopSignal | None) -> list[str]:
        if not chunks:
            return []
        results = self._view().translate_many(chunks, stop=stop)
        return [r.translation for r in results]

    def translate_article(self, text: str, *, summary: bool = False,
                          glossary: Glossary | None = None, beams: int | None = None,
                          summary_length: str | None = None,
                          stop: StopSignal | None = None) -> PipelineResult:
        """The whole result, as ``vi2en translate --json`` gives it."""
        pipeline = self._view(beams, summary_length)  # a bad length is refused here
        result = pipeline.translate(text, glossary=glossary, stop=stop)
        if summary:
            pipeline.add_summary(result, stop=stop)
        return result

    def summarize(self, english: str, summary_length: str | None = None,
                  stop: StopSignal | None = None) -> Summary:
        """A summary of English text, its claims checked against that text."""
        return self.pipeline.with_options(summary_length=summary_length).summarize(english,
                                                                                  stop=stop)


class TextPlan:
    """A text cut into the chunks to translate and a way to put the answers back; ``prose`` is
    what language detection reads (an HTML fragment's text nodes, not its markup)."""

    def __init__(self, chunks: list[str], render: Callable[[list[str]], str],
                 prose: str) -> None:
        self.chunks = chunks
        self.render = render
        self.prose = prose

    @classmethod
    def of_lines(cls, text: str) -> TextPlan:
        """One chunk per line with letters; whitespace and line breaks kept as they were."""
        lines = [m.group(0) for m in _LINE_RE.finditer(text) if m.group(0)]
        slots: list[tuple[str, str, str] | str] = []
        chunks: list[str] = []
        for line in lines:
            body = line.rstrip("\r\n")
            ending = line[len(body):]
            core = body.strip()
            if not _LETTER_RE.search(core):
                slots.append(line)
                continue
            lead = body[:len(body) - len(body.lstrip())]
            trail = body[len(body.rstrip()):] + ending
            slots.append((lead, core, trail))
            chunks.append(core)

        def render(answers: list[str]) -> str:
            out: list[str] = []
            it = iter(answers)
            for slot in slots:
                out.append(slot if isinstance(slot, str) else slot[0] + next(it) + slot[2])
            return "".join(out)

        return cls(chunks, render, text)

    @classmethod
    def of_html(cls, fragment: str) -> TextPlan:
        parsed = HtmlFragment.parse(fragment)  # once per request: parsing is the costly part
        return cls(parsed.texts, parsed.render, parsed.prose)

"""Article in, result out: segment, translate, check, summarize."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from . import text as vtext
from .checks import needs_retry, sentence_flags, summary_flags
from .config import ModelConfig
from .engines import GenerationOptions
from .glossary import Glossary
from .results import Flag, ParagraphResult, PipelineResult, SentenceResult
from .summarizer import Summarizer, Summary
from .translator import ProgressCallback, Translator

logger = logging.getLogger(__name__)

__all__ = ["ParagraphResult", "Pipeline", "PipelineResult", "SentenceResult"]

# Decoding for a second try at a sentence whose output looped or ran away.
_RETRY_CHANGES = {"num_beams": 5, "no_repeat_ngram_size": 4, "repetition_penalty": 1.2}


class Pipeline:
    """Translator and summarizer, loaded lazily once, shared by every call."""

    def __init__(self, model: str | None = None, summarizer: str | None = None, *,
                 device: str = "auto", engine: str = "auto",
                 num_beams: int | None = None, summary_length: str = "medium",
                 max_words: int | None = None, check_quality: bool = True,
                 show_progress: bool = False, translator: Translator | None = None,
                 glossary: Glossary | None = None) -> None:
        self.translator = translator or Translator(model, device=device, engine=engine,
                                                   num_beams=num_beams,
                                                   show_progress=show_progress)
        self.summarizer = Summarizer(summarizer, device=device, engine=engine,
                                     length=summary_length, max_words=max_words,
                                     show_progress=show_progress)
        self.check_quality = check_quality
        self.glossary = glossary

    @classmethod
    def from_config(cls, config: ModelConfig, **runtime: Any) -> Pipeline:
        """The pipeline ``config`` describes. ``runtime`` holds what is not a model setting:
        ``check_quality``, ``show_progress``, ``glossary``, a ready ``translator``."""
        return cls(config.model, config.summarizer, device=config.device, engine=config.engine,
                   num_beams=config.beams, summary_length=config.summary_length,
                   max_words=config.max_words, **runtime)

    def with_options(self, *, beams: int | None = None, summary_length: str | None = None,
                     max_words: int | None = None) -> Pipeline:
        """A view with this request's decoding settings over the same loaded models: nothing
        is reloaded, and the original is untouched (two visitors' settings never mix)."""
        view = copy.copy(self)
        view.translator = self.translator.with_options(num_beams=beams)
        view.summarizer = self.summarizer.with_options(length=summary_length,
                                                       max_words=max_words)
        return view

    def run(self, text: str, *, summarize: bool = True, glossary: Glossary | None = None,
            progress: ProgressCallback | None = None) -> PipelineResult:
        """Translate an article and, unless told not to, summarize the English."""
        result = self.translate_many([text], glossary=glossary, progress=progress)[0]
        if summarize:
            self.add_summary(result)
        return result

    def translate(self, text: str, *, glossary: Glossary | None = None,
                  progress: ProgressCallback | None = None) -> PipelineResult:
        return self.translate_many([text], glossary=glossary, progress=progress)[0]

    def translate_many(self, texts: Sequence[str], *, glossary: Glossary | None = None,
                       progress: ProgressCallback | None = None) -> list[PipelineResult]:
        """Translate several documents with their sentences batched together.

        ``glossary`` replaces the pipeline's own for this call (an empty Glossary() turns it
        off).
        """
        glossary = self.glossary if glossary is None else glossary
        started = time.perf_counter()
        documents = [vtext.segment(text) for text in texts]
        segmented = time.perf_counter()
        self.translator.load()  # now, so that the timing below is translation alone
        loaded = time.perf_counter()
        sources = [s for doc in documents for para in doc for s in para]
        translations, term_flags = self._translate(sources, glossary, progress=progress)
        flags = self._check(sources, translations, glossary, term_flags)
        for i, translation in enumerate(translations):
            if not translation.strip():
                # Shown, not dropped: the reader sees the sentence and the reason.
                translations[i] = f"[untranslated] {sources[i]}"
                flags[i].append(Flag("empty", "the model gave no translation for this sentence; "
                                              "the source is shown instead"))
        translated = time.perf_counter()
        models = {"translation": self.translator.info()}
        share = 1 / max(1, len(texts))
        results: list[PipelineResult] = []
        position = 0
        for doc in documents:
            paragraphs = []
            for para in doc:
                sentences = [SentenceResult(s, translations[position + i], flags[position + i])
                             for i, s in enumerate(para)]
                position += len(para)
                paragraphs.append(ParagraphResult(sentences))
            timings = {"segment_s": (segmented - started) * share,
                       "load_s": loaded - segmented,
                       "translate_s": (translated - loaded) * share}
            results.append(PipelineResult(source="\n\n".join(" ".join(p) for p in doc),
                                          paragraphs=paragraphs, models=dict(models),
                                          timings=timings))
        return results

    def _translate(self, sources: list[str], glossary: Glossary | None,
                   options: GenerationOptions | None = None,
                   progress: ProgressCallback | None = None) -> tuple[list[str], list[list[Flag]]]:
        """Translations and glossary flags; glossary terms go through as placeholders."""
        if not glossary:
            return (self.translator.translate(sources, options=options, progress=progress),
                    [[] for _ in sources])
        # The placeholdered sentence is what is translated, deduped and cached, so cached
        # translations stay valid under any rendering; renderings are put back afterwards.
        masked = [glossary.mask(s) for s in sources]
        outputs = self.translator.translate([m.text for m in masked], options=options,
                                            progress=progress)
        broken = [i for i, m in enumerate(masked) if outputs[i].strip()
                  and m.problems(outputs[i])]
        safer = (options or self.translator.options).with_(**_RETRY_CHANGES)
        if broken and safer != options:  # (a retry already runs with the safer settings)
            logger.info("%d sentence(s) lost or repeated a glossary placeholder; retrying",
                        len(broken))
            again = self.translator.translate([masked[i].text for i in broken], options=safer)
            for i, second in zip(broken, again, strict=True):
                if second.strip() and masked[i].problems(second) < masked[i].problems(outputs[i]):
                    outputs[i] = second
        restored = [m.restore(o) for m, o in zip(masked, outputs, strict=True)]
        return [r[0] for r in restored], [r[1] for r in restored]

    def _check(self, sources: list[str], translations: list[str],
               glossary: Glossary | None = None,
               term_flags: list[list[Flag]] | None = None) -> list[list[Flag]]:
        """Flags per sentence; sentences whose output looped get one safer retry.

        Checks compare the final English (renderings in place) with the original source;
        ``term_flags`` (the glossary's) are kept with the output they belong to.
        """
        term_flags = term_flags or [[] for _ in sources]
        if not self.check_quality:
            return [list(t) for t in term_flags]
        flags = [sentence_flags(s, t) + g
                 for s, t, g in zip(sources, translations, term_flags, strict=True)]
        retry = sorted({i for i, f in enumerate(flags) if needs_retry(f)})
        if not retry:
            return flags
        safer = self.translator.options.with_(**_RETRY_CHANGES)
        unique = list(dict.fromkeys(sources[i] for i in retry))
        texts, retry_terms = self._translate(unique, glossary, options=safer)
        second = dict(zip(unique, zip(texts, retry_terms, strict=True), strict=True))
        for i in retry:
            again, again_terms = second[sources[i]]
            again_flags = sentence_flags(sources[i], again) + again_terms
            if len(again_flags) < len(flags[i]):
                translations[i] = again
                flags[i] = again_flags + [Flag("retried", "first output looped or ran away; "
                                                          "retried with safer decoding")]
            else:
                flags[i] = flags[i] + [Flag("retried", "retry with safer decoding was no "
                                                       "better; first output kept")]
        return flags

    def summarize(self, english: str) -> Summary:
        """Summarize English text (a translation, maybe edited by its reader), with the
        summary's claims checked against that text: the one entry point for every front end."""
        summary = self.summarizer.summarize(english)
        if self.check_quality and summary.text:
            summary = replace(summary, flags=tuple(summary_flags(summary.text, english)))
        return summary

    def add_summary(self, result: PipelineResult) -> PipelineResult:
        """Summarize a result's translation into it."""
        started = time.perf_counter()
        self.summarizer.load()  # before timing
        loaded = time.perf_counter()
        summary = self.summarize(result.translation)
        result.summary = summary.text
        result.summary_note = summary.note
        result.summary_flags = list(summary.flags)
        result.models["summarization"] = self.summarizer.info()
        result.timings["summary_load_s"] = loaded - started
        result.timings["summarize_s"] = time.perf_counter() - loaded
        return result

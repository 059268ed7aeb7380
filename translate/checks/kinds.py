"""Every flag kind, named once: :class:`FlagKind`.

The checks, the page, the exports, the README's flag table (a test compares them) and the JSON
share it. A member is a ``str`` equal to its value, so JSON carries the plain string
(``"number"``), unchanged on the wire, and a kind read back from JSON compares equal to it.
"""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover  (Python 3.10: the same behaviour, spelt out)
    class StrEnum(str, Enum):
        def __str__(self) -> str:
            return str(self.value)


class FlagKind(StrEnum):
    """What a flag says is doubtful; the README's flag table explains each."""

    NUMBER = "number"
    UNTRANSLATED = "untranslated"
    REPETITION = "repetition"
    LENGTH_RATIO = "length_ratio"
    RETRIED = "retried"
    EMPTY = "empty"
    GLOSSARY = "glossary"
    ALIGNMENT = "alignment"
    UNSUPPORTED_NUMBER = "unsupported_number"
    UNSUPPORTED_ENTITY = "unsupported_entity"
    CHECK_ERROR = "check_error"
    # Issue 17: names, and content the English dropped or invented.
    NAME = "name"
    OMISSION = "omission"
    ADDITION = "addition"
    # A sentence the translation model was much less sure of than of the rest of its document.
    LOW_CONFIDENCE = "low_confidence"


ALL_KINDS: tuple[FlagKind, ...] = tuple(FlagKind)

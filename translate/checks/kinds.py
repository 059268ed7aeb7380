"""Every flag kind, named once (a later change makes these an enum).

Front ends, tests and the README refer to these strings; a check uses the constant.
"""

from __future__ import annotations

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

ALL_KINDS = (NUMBER, UNTRANSLATED, REPETITION, LENGTH_RATIO, RETRIED, EMPTY, GLOSSARY, ALIGNMENT,
             UNSUPPORTED_NUMBER, UNSUPPORTED_ENTITY, CHECK_ERROR, NAME, OMISSION, ADDITION,
             LOW_CONFIDENCE)

"""A sentence-level translation cache in SQLite, shared across runs and processes.

The key is the translator's signature (model, revision, engine, decoding settings) and the
normalized source sentence, so a change of model or decoding never returns a stale
translation. WAL mode lets several processes (batch runs, Ray actors on one host) read and
write the same file at once. Each translation keeps the model's score for it (the checks
compare a sentence's score with the rest of its document); a cache written before scores
were kept gets the column on opening, its translations kept, without a score.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from .config import setting
from .errors import OutputError
from .paths import user_cache_dir
from .results import ScoredText

logger = logging.getLogger(__name__)

# SQLite's limit on bound parameters is 999 in old builds; stay well under it.
_CHUNK = 400

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    signature TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS translations (
    signature_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (signature_id, source)
) WITHOUT ROWID;
"""


class CacheError(OutputError):
    """The cache file cannot be opened or created."""


def default_cache_path() -> Path:
    """``$VI2EN_CACHE``, else ``translations.sqlite`` in vi2en's cache folder."""
    explicit = setting("cache")
    if explicit:
        return Path(explicit).expanduser()
    return user_cache_dir() / "translations.sqlite"


def cache_key(sentence: str) -> str:
    """The normalized form a sentence is stored under (NFC, whitespace collapsed).

    Sentences from the pipeline are already fully normalized (tones, control characters);
    this only makes the key robust for other callers without paying for that again.
    """
    return " ".join(unicodedata.normalize("NFC", sentence).split())


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class SQLiteSentenceCache:
    """Implements :class:`translate.translator.SentenceCache` over one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 timeout_s: float = 60.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self.hits = 0
        self.misses = 0
        self.write_errors = 0
        # [hits, lookups] by translator signature: a retry with other decoding looks the same
        # sentence up again under another signature, which a hit rate per sentence must omit.
        self.by_signature: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._signature_ids: dict[str, int] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=timeout_s,
                                       check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._add_score_column()
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the translation cache {self.path}: {exc}") from exc

    def _add_score_column(self) -> None:
        """Give a cache from before scores were kept its ``score`` column (NULL for the
        translations it holds). Under a write lock: two processes may open it at once."""
        def has_score() -> bool:
            columns = self._db.execute("PRAGMA table_info(translations)").fetchall()
            return any(column[1] == "score" for column in columns)

        if has_score():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if not has_score():
                self._db.execute("ALTER TABLE translations ADD COLUMN score REAL")
                logger.info("added sentence scores to the translation cache %s", self.path)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # -- SentenceCache protocol ---------------------------------------------------------------

    def get_many(self, sentences: Sequence[str], signature: str) -> dict[str, ScoredText]:
        """Cached translations (and scores) of those sentences that have one; counts hits and
        misses."""
        if not sentences:
            return {}
        keys = {s: cache_key(s) for s in sentences}
        found: dict[str, ScoredText] = {}
        with self._lock:
            sig_id = self._signature_id(signature, create=False)
            if sig_id is not None:
                unique_keys = list(dict.fromkeys(keys.values()))
                for chunk in _chunks(unique_keys):
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(
                        f"SELECT source, translation, score FROM translations "
                        f"WHERE signature_id = ? AND source IN ({marks})",
                        (sig_id, *chunk)).fetchall()
                    found.update((source, ScoredText(text, score))
                                 for source, text, score in rows)
            result = {s: found[k] for s, k in keys.items() if k in found}
            self.hits += len(result)
            self.misses += len(keys) - len(result)
            counts = self.by_signature.setdefault(signature, [0, 0])
            counts[0] += len(result)
            counts[1] += len(keys)
        return result

    def put_many(self, translations: dict[str, ScoredText], signature: str) -> None:
        """Remember translations and their scores; a failed write is logged and counted,
        never fatal."""
        rows = [(cache_key(s), t.text, t.score) for s, t in translations.items()
                if s.strip() and t.text.strip()]
        if not rows:
            return
        with self._lock:
            try:
                sig_id = self._signature_id(signature, create=True)
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO translations "
                        "(signature_id, source, translation, score) VALUES (?, ?, ?, ?)",
                        [(sig_id, *row) for row in rows])
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                # A full disk or a locked file must not cost the user their translations;
                # the count is reported in the batch summary.
                self.write_errors += 1
                logger.warning("could not write %d translation(s) to the cache %s: %s",
                               len(rows), self.path, exc)

    # -- helpers --------------------------------------------------------------------------------

    def _signature_id(self, signature: str, *, create: bool) -> int | None:
        if signature in self._signature_ids:
            return self._signature_ids[signature]
        row = self._db.execute("SELECT id FROM signatures WHERE signature = ?",
                               (signature,)).fetchone()
        if row is None:
            if not create:
                return None
            self._db.execute("INSERT OR IGNORE INTO signatures (signature) VALUES (?)",
                             (signature,))
            row = self._db.execute("SELECT id FROM signatures WHERE signature = ?",
                                   (signature,)).fetchone()
        self._signature_ids[signature] = int(row[0])
        return self._signature_ids[signature]

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteSentenceCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The SQLite sentence cache, alone and behind a real (tiny) Translator."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from tests.helpers import record_generate_calls
from translate.cache import CacheError, SQLiteSentenceCache, cache_key, default_cache_path
from translate.results import ScoredText as T
from translate.translator import Translator

SIG_A = "model-a@main|transformers|num_beams=1"
SIG_B = "model-a@main|transformers|num_beams=4"


def test_round_trip_and_counters(tmp_path):
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        assert cache.get_many(["Trời mưa.", "Nắng."], SIG_A) == {}
        assert (cache.hits, cache.misses) == (0, 2)
        cache.put_many({"Trời mưa.": T("It rains.", -0.5), "Nắng.": T("Sunny.")}, SIG_A)
        assert cache.get_many(["Trời mưa.", "Gió."], SIG_A) == {"Trời mưa.": T("It rains.", -0.5)}
        assert (cache.hits, cache.misses) == (1, 3)
        assert cache.hit_rate == pytest.approx(0.25)
        assert len(cache) == 2


def test_signature_separates_models_and_decoding(tmp_path):
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        cache.put_many({"Trời mưa.": T("It rains.")}, SIG_A)
        assert cache.get_many(["Trời mưa."], SIG_B) == {}
        cache.put_many({"Trời mưa.": T("Rain falls.")}, SIG_B)
        assert cache.get_many(["Trời mưa."], SIG_A) == {"Trời mưa.": T("It rains.")}
        assert cache.get_many(["Trời mưa."], SIG_B) == {"Trời mưa.": T("Rain falls.")}


def test_key_is_the_normalized_sentence(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Hà Nội  mưa.")
    assert cache_key(decomposed) == "Hà Nội mưa."
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        cache.put_many({"Hà Nội mưa.": T("Hanoi rains.")}, SIG_A)
        assert cache.get_many([decomposed], SIG_A) == {decomposed: T("Hanoi rains.")}


def test_persists_across_instances_in_wal_mode(tmp_path):
    path = tmp_path / "c.sqlite"
    with SQLiteSentenceCache(path) as cache:
        cache.put_many({"Một.": T("One.")}, SIG_A)
    with SQLiteSentenceCache(path) as again:
        assert again.get_many(["Một."], SIG_A) == {"Một.": T("One.")}
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode.lower() == "wal"


def test_two_open_caches_share_writes(tmp_path):
    path = tmp_path / "c.sqlite"
    with SQLiteSentenceCache(path) as first, SQLiteSentenceCache(path) as second:
        first.put_many({"Một.": T("One.")}, SIG_A)
        second.put_many({"Hai.": T("Two.")}, SIG_A)
        assert first.get_many(["Một.", "Hai."], SIG_A) == {"Một.": T("One."), "Hai.": T("Two.")}


def test_many_sentences_are_queried_in_chunks(tmp_path):
    sentences = {f"Câu số {i}.": T(f"Sentence {i}.", -i / 1000) for i in range(1500)}
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        cache.put_many(sentences, SIG_A)
        assert cache.get_many(list(sentences), SIG_A) == sentences


def test_empty_translations_are_not_stored(tmp_path):
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        cache.put_many({"Một.": T(""), "Hai.": T("Two."), " ": T("x")}, SIG_A)
        assert len(cache) == 1


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VI2EN_CACHE", str(tmp_path / "mine.sqlite"))
    assert default_cache_path() == tmp_path / "mine.sqlite"
    monkeypatch.delenv("VI2EN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "vi2en" / "translations.sqlite"
    with SQLiteSentenceCache() as cache:
        assert cache.path == tmp_path / "xdg" / "vi2en" / "translations.sqlite"
        assert cache.path.is_file()


def test_unusable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match="cannot open the translation cache"):
        SQLiteSentenceCache(blocker / "c.sqlite")


def test_failed_write_is_counted_not_raised(tmp_path):
    cache = SQLiteSentenceCache(tmp_path / "c.sqlite")
    cache._db.execute("PRAGMA query_only = ON")  # every write now fails, as on a full disk
    cache.put_many({"Một.": T("One.")}, SIG_A)
    assert cache.write_errors == 1 and len(cache) == 0
    cache.close()


def test_translator_uses_the_cache_across_instances(tiny_translator_dir, tmp_path):
    sentences = ["Hà Nội mưa to.", "Giá xăng tăng.", "Hà Nội mưa to."]
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        translator = Translator(str(tiny_translator_dir), device="cpu",
                                engine="transformers", beams=1, cache=cache)
        first = translator.translate(sentences)
        assert (cache.hits, cache.misses) == (0, 2)  # duplicates looked up once
    with SQLiteSentenceCache(tmp_path / "c.sqlite") as cache:
        translator = Translator(str(tiny_translator_dir), device="cpu",
                                engine="transformers", beams=1, cache=cache)
        calls = record_generate_calls(translator.engine)
        assert translator.translate(sentences) == first
        assert calls == [] and (cache.hits, cache.misses) == (2, 0)
        # Other decoding settings are another signature: translated afresh.
        translator.translate(sentences[:1], options=translator.options.with_options(num_beams=2))
        assert [len(c) for c in calls] == [1]

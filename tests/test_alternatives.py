"""Real alternatives: the beam's n-best, from both engines, and on ``/translate`` in
LibreTranslate's shape. Tiny models: the words are nonsense, but a beam of random weights
still ranks several different outputs."""

from __future__ import annotations

import pytest

from tests.api_helpers import ALTERNATIVES_LIMIT, post
from translate.translator import Translator

SENTENCES = ["Trời mưa to ở Hà Nội.", "", "Giá xăng tăng mạnh trong tuần này."]


@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_hypotheses_are_the_beams_best_first(tiny_translator_dir, engine):
    translator = Translator(str(tiny_translator_dir), engine=engine, device="cpu", beams=1)
    found = translator.hypotheses(SENTENCES, 3)
    assert [len(h) for h in found] == [3, 1, 3]
    assert found[1] == [""]
    for hypotheses in (found[0], found[2]):
        assert all(h.strip() for h in hypotheses)
        assert len(set(hypotheses)) > 1  # n-best, not one output repeated
    # The best of three is what a beam of three writes on its own.
    beam3 = translator.with_options(beams=3).translate(SENTENCES)
    assert [found[0][0], found[2][0]] == [beam3[0], beam3[2]]


@pytest.mark.slow
def test_translate_answers_alternatives_in_libretranslates_shape(server):
    status, answer = post(server + "translate", {"q": SENTENCES[0], "source": "vi",
                                                  "target": "en", "alternatives": 2})
    assert status == 200, answer
    assert set(answer) == {"translatedText", "alternatives"}
    alternatives = answer["alternatives"]
    assert isinstance(alternatives, list) and 1 <= len(alternatives) <= 2
    assert len(set(alternatives)) == len(alternatives)
    assert answer["translatedText"] not in alternatives and all(a.strip() for a in alternatives)


@pytest.mark.slow
def test_a_list_gets_a_list_of_alternatives_per_text(server):
    q = [SENTENCES[0], SENTENCES[2]]
    status, answer = post(server + "translate", {"q": q, "source": "vi", "target": "en",
                                                  "alternatives": ALTERNATIVES_LIMIT})
    assert status == 200, answer
    assert len(answer["translatedText"]) == 2 and len(answer["alternatives"]) == 2
    for best, others in zip(answer["translatedText"], answer["alternatives"], strict=True):
        assert 1 <= len(others) <= ALTERNATIVES_LIMIT and best not in others
    # Without alternatives asked, none are answered (LibreTranslate leaves the key out).
    status, answer = post(server + "translate", {"q": q, "source": "vi", "target": "en"})
    assert status == 200 and set(answer) == {"translatedText"}

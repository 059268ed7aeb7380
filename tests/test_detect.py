"""Language identification (translate/detect.py): ranked candidates over many languages, as
LibreTranslate's /detect answers, on short texts written for these tests."""

from __future__ import annotations

import pytest

from translate.detect import MAX_CANDIDATES, SAMPLE_CHARS, Detection, detect, detect_all


@pytest.mark.parametrize(("text", "language"), [
    ("Trời mưa to ở Hà Nội, giao thông ùn tắc nghiêm trọng.", "vi"),
    ("Bộ trưởng cho biết giá xăng sẽ giảm vào tuần tới.", "vi"),
    ("The minister said petrol prices would fall next week.", "en"),
    ("Le ministre a déclaré que les prix de l'essence baisseraient.", "fr"),
    ("Der Minister sagte, die Benzinpreise würden nächste Woche sinken.", "de"),
    ("El ministro dijo que los precios de la gasolina bajarían.", "es"),
    ("部长说汽油价格下周会下降。", "zh"),
    ("Министр сказал, что цены на бензин снизятся.", "ru"),
])
def test_each_language_is_named(text, language):
    assert detect(text).language == language


def test_candidates_are_ranked_as_libretranslate_gives_them():
    found = detect_all("Le ministre a déclaré que les prix de l'essence baisseraient.")
    assert 1 <= len(found) <= MAX_CANDIDATES
    assert found[0] == Detection("fr", found[0].confidence) and found[0].confidence > 50
    confidences = [d.confidence for d in found]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 100 and c == int(c) for c in confidences)  # whole percents
    assert found[0].to_dict() == {"language": "fr", "confidence": found[0].confidence}


def test_vietnamese_news_is_vietnamese_with_full_confidence(example_text):
    assert detect(example_text) == Detection("vi", 100.0)


def test_text_without_letters_is_english_at_zero_as_libretranslate_says():
    assert detect_all("12/11 — 100% 😀") == [Detection("en", 0.0)]
    assert detect("") == Detection("en", 0.0)


def test_a_long_text_is_judged_by_its_start(example_text):
    # The beginning decides: a long Vietnamese article followed by English stays Vietnamese.
    long = (example_text + "\n\n") * (SAMPLE_CHARS // len(example_text) + 1)
    assert detect(long + "The end. " * 5000).language == "vi"

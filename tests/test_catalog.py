"""The model catalog and where models are looked up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translate.catalog import (
    ModelError,
    ModelUnavailableError,
    default_model,
    ensure_local,
    load_catalog,
    local_path,
    presets,
    resolve_spec,
)

REQUIRED_TRANSLATION = {"envit5", "opus-mt", "vinai", "nllb-600m", "nllb-1.3b", "nllb-3.3b",
                        "m2m100-1.2b"}
REQUIRED_SUMMARY = {"distilbart-cnn", "bart-large-cnn", "pegasus-cnn"}


def test_catalog_lists_every_preset_with_its_facts():
    catalog = load_catalog()
    assert REQUIRED_TRANSLATION | REQUIRED_SUMMARY <= set(catalog)
    for spec in catalog.values():
        assert spec.hub_id and "/" in spec.hub_id
        assert spec.license and spec.params and spec.family and spec.revision
        assert spec.max_input_tokens > 0
        assert spec.generation.get("num_beams", 0) >= 1


def test_defaults_are_envit5_and_distilbart():
    assert default_model("translation") == "envit5"
    assert default_model("summarization") == "distilbart-cnn"


@pytest.mark.parametrize("name,prefix,src,target,mode", [
    ("envit5", "vi: ", None, None, "forced_bos"),
    ("vinai", "", "vi_VN", "en_XX", "decoder_start"),
    ("nllb-600m", "", "vie_Latn", "eng_Latn", "forced_bos"),
    ("m2m100-1.2b", "", "vi", "__en__", "forced_bos"),
])
def test_family_conventions(name, prefix, src, target, mode):
    conventions = resolve_spec(name, "translation").conventions
    assert (conventions.input_prefix, conventions.src_lang, conventions.target_lang,
            conventions.target_mode) == (prefix, src, target, mode)


def test_restricted_licenses_are_marked():
    restricted = {n for n, s in presets().items() if s.restricted}
    assert {"vinai", "nllb-600m", "nllb-1.3b", "nllb-3.3b"} <= restricted
    assert "non-commercial" in resolve_spec("nllb-600m", "translation").license_label


def test_unknown_name_lists_valid_presets():
    with pytest.raises(ModelError) as info:
        resolve_spec("envit6", "translation")
    assert "envit5" in str(info.value) and "opus-mt" in str(info.value)


def test_task_mismatch_is_explained():
    with pytest.raises(ModelError, match="summarization model"):
        resolve_spec("distilbart-cnn", "translation")


def test_hub_id_of_a_preset_maps_to_the_preset():
    assert resolve_spec("Helsinki-NLP/opus-mt-vi-en", "translation").name == "opus-mt"


def test_arbitrary_hub_id_is_accepted_without_download():
    spec = resolve_spec("someone/some-vi-en-model", "translation")
    assert spec.hub_id == "someone/some-vi-en-model" and spec.family is None


def test_local_store_is_found_first(tiny_models, models_dir: Path):
    shutil.copytree(tiny_models["marian"], models_dir / "opus-mt")
    spec = resolve_spec("opus-mt", "translation")
    assert local_path(spec) == models_dir / "opus-mt"


def test_directory_argument(tiny_models):
    spec = resolve_spec(str(tiny_models["nllb"]), "translation")
    assert spec.local_path == tiny_models["nllb"]
    assert ensure_local(spec) == tiny_models["nllb"]


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelError, match="config.json"):
        resolve_spec(str(tmp_path), "translation")


def test_missing_model_offline_names_the_download_command(models_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError) as info:
        ensure_local(resolve_spec("envit5", "translation"))
    message = str(info.value)
    assert "envit5" in message and "vi2en models download envit5" in message
    assert "\n" not in message

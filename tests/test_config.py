"""The one model configuration, the one device picker and the one folder identity."""

from __future__ import annotations

import os
import time

import pytest

from translate.catalog import folder_identity
from translate.config import ModelConfig
from translate.devices import pick_device


def test_environment_gives_defaults_and_settings_override_them():
    env = {"VI2EN_MODEL": "opus-mt", "VI2EN_DEVICE": "cpu", "VI2EN_ENGINE": "transformers"}
    config = ModelConfig.from_env(env, engine="ctranslate2", beams=None)
    assert (config.model, config.device, config.engine, config.beams) == (
        "opus-mt", "cpu", "ctranslate2", None)
    assert ModelConfig.from_env({}).engine == "auto"  # one engine default everywhere


@pytest.mark.parametrize("bad", [{"device": "gpu"}, {"beams": 0}, {"threads": 0},
                                 {"summary_length": "tiny"}, {"max_words": -3}])
def test_bad_settings_are_refused_with_their_name(bad):
    with pytest.raises(ValueError, match=str(next(iter(bad.values())))):
        ModelConfig(**bad)


def test_unknown_setting_names_the_setting():
    with pytest.raises(TypeError, match="colour"):
        ModelConfig.from_env({}, colour="red")


@pytest.mark.parametrize("requested,gpus,expected", [
    ("auto", 0, ("cpu", 0)), (None, 0, ("cpu", 0)), ("auto", 2, ("cuda", 0)),
    ("cpu", 2, ("cpu", 0)), ("cuda", 1, ("cuda", 0)), ("cuda:1", 2, ("cuda", 1)),
])
def test_device_picker(requested, gpus, expected):
    assert pick_device(requested, lambda: gpus) == expected


@pytest.mark.parametrize("requested,gpus,error", [
    ("cuda", 0, RuntimeError), ("cuda:2", 2, RuntimeError), ("gpu", 1, ValueError),
    ("cuda:x", 1, ValueError), ("cpu:1", 0, ValueError),
])
def test_device_picker_refuses(requested, gpus, error):
    with pytest.raises(error):
        pick_device(requested, lambda: gpus)


def test_folder_identity_changes_when_a_folder_is_rebuilt(tmp_path):
    one, two = tmp_path / "a" / "model", tmp_path / "b" / "model"
    for folder in (one, two):
        folder.mkdir(parents=True)
        (folder / "config.json").write_text('{"model_type": "marian"}', encoding="utf-8")
    assert folder_identity(one) == folder_identity(one)
    same_content = folder_identity(two)
    (two / "config.json").write_text('{"model_type": "t5"}', encoding="utf-8")
    future = time.time() + 5
    os.utime(two / "config.json", (future, future))
    assert folder_identity(two) != same_content  # rebuilt in place: a new identity


def test_an_unknown_engine_is_refused_with_the_registry_choices(tiny_translator_dir):
    from translate.config import SettingError
    from translate.engines import engine_names
    from translate.translator import Translator

    config = ModelConfig(model=str(tiny_translator_dir), engine="onnx")
    with pytest.raises(SettingError, match="onnx") as refused:
        Translator.from_config(config)  # before anything loads
    assert all(name in str(refused.value) for name in engine_names())


def test_every_variable_is_checked_when_a_configuration_is_made():
    from translate.config import SettingError

    with pytest.raises(SettingError, match="VI2EN_SIMILARITY"):
        ModelConfig.from_env({"VI2EN_SIMILARITY": "yes"})
    with pytest.raises(SettingError, match="VI2EN_PORT"):
        ModelConfig.from_env({"VI2EN_PORT": "http"})
    assert ModelConfig.from_env({"VI2EN_SIMILARITY": "0", "VI2EN_THREADS": "2"}).threads == 2

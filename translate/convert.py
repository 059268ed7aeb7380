"""Conversion of transformers checkpoints to CTranslate2, and where converted copies live.

A preset (or Hub id) converts to ``models/NAME-ct2-QUANT`` (the folder is ``$VI2EN_MODELS_DIR``
when set); a local directory converts to a cache folder keyed by the source's identity
(``$VI2EN_MODELS_DIR/ct2/`` when set, else vi2en's cache folder), so a changed checkpoint
gets a fresh conversion instead of a stale one. Every converted folder holds the CTranslate2
model (``model.bin``, ``config.json``, vocabulary), the source's tokenizer, config and
generation config under ``hf/`` (the engine tokenizes with them), and ``vi2en-ct2.json``
recording what was converted from what.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .catalog import (
    ModelSpec,
    ensure_local,
    finish_spec,
    folder_identity,
    local_path,
    models_dir,
)
from .config import setting
from .errors import InputError
from .paths import user_cache_dir

logger = logging.getLogger(__name__)

QUANTIZATIONS = ("int8", "int8_float16", "int8_bfloat16", "int8_float32", "float16", "bfloat16",
                 "float32")
METADATA = "vi2en-ct2.json"
# A log record with this attribute set is meant for the user's screen even at INFO.
USER_NOTICE = "user_notice"
HF_SUBDIR = "hf"
# Weights of the source are converted, not copied; everything else (tokenizer, configs) is.
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".h5", ".msgpack", ".ot", ".onnx", ".pt", ".pth",
                    ".ckpt", ".tflite")
def ct2_cache_root() -> Path:
    """Where conversions of local directories go."""
    env = setting("models_dir")
    if env:
        return Path(env).expanduser() / "ct2"
    return user_cache_dir() / "ct2"


def check_quantization(quantization: str) -> str:
    if quantization not in QUANTIZATIONS:
        raise InputError(f"unknown quantization '{quantization}'; "
                         f"choose from: {', '.join(QUANTIZATIONS)}")
    return quantization


def converted_dir(spec: ModelSpec, quantization: str) -> Path:
    """The folder that holds (or will hold) ``spec`` converted with ``quantization``."""
    check_quantization(quantization)
    if spec.local_path is not None:
        source = spec.local_path
        return ct2_cache_root() / f"{source.name}-{folder_identity(source)}-{quantization}"
    return models_dir() / f"{spec.name.replace('/', '--')}-ct2-{quantization}"


def is_converted(path: Path | None) -> bool:
    """Whether ``path`` is a folder written by :func:`convert_model`."""
    return path is not None and (path / "model.bin").is_file() \
        and (path / HF_SUBDIR / "config.json").is_file()


def read_metadata(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _fresh(path: Path, spec: ModelSpec) -> bool:
    """A converted copy is usable unless its source is here and has changed since."""
    if not is_converted(path):
        return False
    if spec.local_path is not None:
        return True  # the folder name already carries the source's identity
    source = local_path(spec)
    if source is None:
        return True  # the original may be gone to save space; the copy still works
    recorded = read_metadata(path).get("source_identity")
    if recorded != folder_identity(source):
        logger.info("%s was converted from another version of %s", path, spec.name)
        return False
    return True


def find_converted(spec: ModelSpec, quantizations: tuple[str, ...] | list[str]) -> Path | None:
    """The first fresh converted copy of ``spec`` among ``quantizations``, in order."""
    if is_converted(spec.local_path):
        return spec.local_path
    for quantization in quantizations:
        path = converted_dir(spec, quantization)
        if _fresh(path, spec):
            return path
    return None


def _fill_legacy_config(model: Any) -> None:
    """Restore config fields transformers 5 dropped and CTranslate2's BART loader still reads.

    The values follow from the modules themselves: a final encoder layer norm means pre-norm
    layers (mBART, Pegasus), and a ``layernorm_embedding`` module means normalized embeddings.
    """
    config = model.config
    encoder = getattr(getattr(model, "model", None), "encoder", None)
    if encoder is None:
        return
    if not hasattr(config, "normalize_before"):
        config.normalize_before = getattr(encoder, "layer_norm", None) is not None
    if not hasattr(config, "normalize_embedding"):
        config.normalize_embedding = getattr(encoder, "layernorm_embedding", None) is not None


def _converter(source: Path) -> Any:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, name: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, name, **kwargs)
            _fill_legacy_config(model)
            return model

    return Converter(str(source))


def _finished_spec(spec: ModelSpec, source: Path) -> ModelSpec:
    """``spec`` with family and conventions, read from the source's config and tokenizer."""
    from transformers import AutoTokenizer

    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    vocab = AutoTokenizer.from_pretrained(source).get_vocab()
    return finish_spec(spec, config.get("model_type"), vocab.__contains__)


def convert_model(spec: ModelSpec, quantization: str = "int8", *, force: bool = False,
                  notice: bool = False) -> Path:
    """Convert ``spec`` (downloading it first if needed) and return the converted folder.

    An existing fresh copy is returned as is unless ``force``. ``notice`` marks the one-line
    INFO message as a notice for the user (``extra`` ``user_notice``), for conversions that
    happen on first use rather than on request: the CLI shows it although it hides INFO.
    """
    target = converted_dir(spec, quantization)
    if not force and _fresh(target, spec):
        return target
    source = ensure_local(spec)
    spec = _finished_spec(spec, source)
    message = (f"converting {spec.name} to CTranslate2 ({quantization}) once; "
               f"the copy is kept in {target}")
    # Information, not a problem: the user learns why this run takes longer, once.
    logger.info(message, extra={USER_NOTICE: notice})
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        out = work / "model"
        _converter(source).convert(str(out), quantization=quantization)
        _copy_hf_files(source, out / HF_SUBDIR)
        _fill_special_tokens(out, source)
        if spec.conventions.target_mode == "decoder_start" and spec.conventions.target_lang:
            # The language token replaces the decoder start token (vinai's mBART-50): the
            # decoder must start from the target prefix alone, not from </s> + prefix.
            # CTranslate2 reads an absent key (not null) as "no start token".
            _drop_ct2_config_key(out, "decoder_start_token")
        import ctranslate2

        metadata = {"source": str(source), "source_identity": folder_identity(source),
                    "name": spec.name, "hub_id": spec.hub_id, "revision": spec.revision,
                    "family": spec.family, "quantization": quantization,
                    "target_mode": spec.conventions.target_mode,
                    "ctranslate2": ctranslate2.__version__}
        (out / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("converted %s in %.1f s", spec.name, time.perf_counter() - started)
    return target


def _copy_hf_files(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for file in source.iterdir():
        if file.is_file() and not file.name.endswith(_WEIGHT_SUFFIXES) \
                and not file.name.endswith(".index.json"):
            shutil.copyfile(file, dest / file.name)


def _fill_special_tokens(path: Path, source: Path) -> None:
    """Name BOS/EOS from the model config where the tokenizer left them unset.

    transformers 5's mBART-50 tokenizer has no ``bos_token``; CTranslate2 refuses a null one.
    """
    config_file = path / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    missing = [k for k in ("bos_token", "eos_token") if k in config and config[k] is None]
    if not missing:
        return
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    hf_config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    for key in missing:
        token_id = hf_config.get(f"{key}_id")
        if token_id is None:
            config.pop(key)
        else:
            config[key] = tokenizer.convert_ids_to_tokens(int(token_id))
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _drop_ct2_config_key(path: Path, key: str) -> None:
    config_file = path / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config.pop(key, None)
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

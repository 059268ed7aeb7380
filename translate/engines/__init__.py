"""Engines behind one small interface; import this package to get the registry filled."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from ..devices import DeviceUnavailableError, pick_device
from .base import Engine, GenerationOptions, engine_class, engine_names, register_engine

# Importing registers the engines; the heavy imports (torch, ctranslate2) happen on load.
from . import transformers_engine  # noqa: E402,F401  isort: skip
from . import ctranslate2_engine  # noqa: E402,F401  isort: skip

__all__ = ["Engine", "GenerationOptions", "engine_class", "engine_names", "register_engine",
           "create_engine", "check_device", "check_engine", "ENGINE_CHOICES"]

logger = logging.getLogger(__name__)

# What every front end offers (CLI --engine, the configuration's check): the registry's names.
ENGINE_CHOICES = ("auto", *engine_names())

# On a GPU, the engine measured faster per family (issue 11, an H200: CTranslate2 float16
# 1,456 sentences/s against transformers' 141 for Marian, bfloat16 800 against 90 for T5-base).
# Families not listed were not measured and get CTranslate2, as on a CPU.
GPU_ENGINE_BY_FAMILY = {"marian": "ctranslate2", "t5": "ctranslate2"}


def check_engine(name: str) -> str:
    """``name`` when it is ``auto`` or a registered engine, else a
    :class:`~translate.config.SettingError` listing the choices."""
    if name != "auto":
        engine_class(name)
    return name


def create_engine(name: str, spec, device: str = "auto", **options: Any) -> Engine:
    """Load ``spec`` with the named engine; ``auto`` picks one (see :func:`auto_engine`).

    ``options``: ModelConfig settings (``compute_type``, ``threads``; None: the engine's
    default); each engine gets those it takes, and one it does not take is logged, not lost
    silently (transformers has no compute type of its own)."""
    if name == "auto":
        return auto_engine(spec, device, **options)
    return _build(engine_class(name), spec, device, options)


# The ModelConfig settings meant for engines; an engine declares those it takes
# (Engine.config_options). Other keyword options go to the named engine as they are.
CONFIG_ENGINE_OPTIONS = frozenset({"compute_type", "threads"})


def _build(cls: type[Engine], spec, device: str, options: dict[str, Any]) -> Engine:
    given = {k: v for k, v in options.items() if v is not None}
    ignored = sorted(set(given) & CONFIG_ENGINE_OPTIONS - cls.config_options)
    if ignored:
        logger.info("the %s engine does not use %s", cls.name, ", ".join(ignored))
    return cls(spec, device, **{k: v for k, v in given.items() if k not in ignored})


def auto_engine(spec, device: str = "auto", **options: Any) -> Engine:
    """CTranslate2 when it is installed and the model has (or gets) a converted copy.

    The first use of a model converts it, with a one-line notice; a model CTranslate2 cannot
    convert or load runs with transformers instead, and the log says why in one line. On a
    GPU the engine is the one measured faster for the model's family
    (:data:`GPU_ENGINE_BY_FAMILY`), and a CTranslate2 that cannot use the GPU (a CPU-only
    build, missing CUDA libraries) gives way to transformers rather than run on the CPU.
    """
    from ..catalog import ModelUnavailableError
    from .ctranslate2_engine import _family_hint

    if importlib.util.find_spec("ctranslate2") is None:
        return _build(engine_class("transformers"), spec, device, options)
    if _wants_gpu(device):
        family = _family_hint(spec)
        if GPU_ENGINE_BY_FAMILY.get(family or "", "ctranslate2") == "transformers":
            return _build(engine_class("transformers"), spec, device, options)
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            logger.warning("CTranslate2 sees no CUDA GPU (a CPU-only build or missing CUDA "
                           "libraries); using transformers on the GPU")
            return _build(engine_class("transformers"), spec, device, options)
    try:
        return _build(engine_class("ctranslate2"), spec, device, options)
    except ModelUnavailableError:
        raise  # transformers would not find the model either
    except Exception as exc:  # unsupported architecture, failed conversion, no cuBLAS...
        logger.warning("CTranslate2 cannot run %s (%s: %s); using transformers", spec.name,
                       type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        logger.debug("CTranslate2 failure", exc_info=True)
        return _build(engine_class("transformers"), spec, device, options)


def check_device(device: str | None, engine: str = "auto") -> None:
    """Refuse a GPU that no engine able to run here can see, before any model loads
    (:class:`~translate.devices.DeviceUnavailableError`): a model load later would fail the
    same way, after a warning about engines and minutes of loading."""
    if not device or not device.startswith("cuda"):
        return
    seen: list[int] = []
    builds: list[str] = []
    if engine in ("auto", "transformers"):
        import torch

        seen.append(torch.cuda.device_count())
        if torch.version.cuda is None:
            builds.append(f"torch {torch.__version__} is a CPU-only build")
    if engine in ("auto", "ctranslate2") and importlib.util.find_spec("ctranslate2"):
        import ctranslate2

        seen.append(ctranslate2.get_cuda_device_count())
    if not seen:
        return  # the engine asked for is not installed: loading says so
    try:
        pick_device(device, lambda: max(seen))
    except DeviceUnavailableError as exc:
        raise DeviceUnavailableError(f"{exc}" + (f" ({'; '.join(builds)})" if builds else "")
                                     ) from None


def _wants_gpu(device: str | None) -> bool:
    """Whether ``device`` means a CUDA GPU: named, or ``auto`` on a machine torch sees one on."""
    if device and device.startswith("cuda"):
        return True
    if device not in ("", "auto", None):
        return False
    import torch

    return torch.cuda.is_available()


# Model calls at once on a server (ModelHost): one on a CPU, whose every call already uses
# every core (two would only share them and both finish later); a GPU has room for a few.
CPU_CALLS_AT_ONCE, GPU_CALLS_AT_ONCE = 1, 2


def model_calls_at_once(device: str | None) -> int:
    """How many model calls a server runs at once on ``device`` (``vi2en serve
    --concurrency`` overrides it)."""
    return GPU_CALLS_AT_ONCE if _wants_gpu(device) else CPU_CALLS_AT_ONCE

"""The one device picker: what ``--device auto|cpu|cuda[:N]`` means for every engine."""

from __future__ import annotations

from collections.abc import Callable

from .errors import InputError, ModelUnavailable


class DeviceUnavailableError(ModelUnavailable, RuntimeError):
    """A GPU was asked for that this machine's engines cannot see."""


def pick_device(requested: str | None, gpu_count: Callable[[], int]) -> tuple[str, int]:
    """(``"cpu"`` or ``"cuda"``, GPU index). ``auto`` is the first GPU when ``gpu_count()``
    (the engine's own view: torch's or CTranslate2's) finds one, else the CPU."""
    if requested in (None, "", "auto"):
        return ("cuda", 0) if gpu_count() else ("cpu", 0)
    kind, _, index = requested.partition(":")
    if kind == "cpu" and not index:
        return "cpu", 0
    if kind != "cuda" or (index and not index.isdigit()):
        raise InputError(f"unknown device '{requested}'; use auto, cpu, cuda or cuda:N")
    count = gpu_count()
    if int(index or 0) >= count:
        raise DeviceUnavailableError(f"device '{requested}' was asked for but "
                           + ("no CUDA GPU is visible" if not count else
                              f"only {count} CUDA GPU(s) are visible"))
    return "cuda", int(index or 0)

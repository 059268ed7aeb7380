"""One clear line when an optional library cannot be imported: missing, or installed but broken."""

from __future__ import annotations


def import_failure(exc: ImportError, module: str, purpose: str, install: str) -> str:
    """The message for ``exc`` raised by ``import module``.

    Only a missing ``module`` itself earns the install hint; anything else (a missing or broken
    dependency of an installed library) is reported as it is, since the hint would be wrong.
    """
    missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
    if missing is not None and (missing == module or module.startswith(missing + ".")):
        return f"{purpose} needs {module}, which is not installed: {install}"
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return f"{purpose} needs {module}, which is installed but fails to import: {detail}"

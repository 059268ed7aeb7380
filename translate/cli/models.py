"""``vi2en models list|download|convert``: the catalog and local copies of models."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..catalog import ModelError, ModelSpec
from ..convert import QUANTIZATIONS  # light: ctranslate2 loads on use
from ..optional import import_failure
from .common import EXIT_OK, UsageError, write_output


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``models`` and its actions."""
    models = sub.add_parser("models", parents=[common], help="list, download or convert models")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="presets, licenses, local copies")
    p.set_defaults(handler=cmd_models_list)
    p = actions.add_parser("download", parents=[common], help="download a model into models/")
    p.add_argument("name", help="preset name or Hub id")
    p.set_defaults(handler=cmd_models_download)
    p = actions.add_parser("convert", parents=[common],
                           help="convert a model to CTranslate2 (faster on CPU)")
    p.add_argument("name", help="preset name, Hub id or model directory")
    p.add_argument("--quantization", default="int8", choices=QUANTIZATIONS,
                   help="weight type (default: int8, the fastest on CPU; "
                        "int8_float16 or float16 for a GPU)")
    p.add_argument("--force", action="store_true", help="convert again even if a copy exists")
    p.set_defaults(handler=cmd_models_convert)


def cmd_models_list(args: argparse.Namespace) -> int:
    from ..catalog import local_path, presets

    rows = [("NAME", "TASK", "PARAMS", "LICENSE", "LOCAL", "HUB ID")]
    for name, spec in presets().items():
        license_text = spec.license or "?"
        if spec.restricted:
            license_text += " (restricted)"
        rows.append((name + (" *" if spec.default else ""), spec.task, spec.params or "?",
                     license_text, "yes" if local_path(spec) else "no", spec.hub_id or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append("* default.  Restricted licenses: "
                 + "; ".join(f"{n}: {s.restricted}" for n, s in presets().items() if s.restricted))
    write_output("\n".join(lines), None)
    return EXIT_OK


def resolve_any(model: str) -> ModelSpec:
    """A spec for a model argument of either task (downloading and conversion do not care
    which); the first task's error when neither knows it."""
    from ..catalog import resolve_spec

    error: ModelError | None = None
    for task in ("translation", "summarization"):
        try:
            return resolve_spec(model, task)
        except ModelError as exc:
            error = error or exc
    assert error is not None
    raise error


def cmd_models_download(args: argparse.Namespace) -> int:
    import os

    from ..catalog import fetch, hub_offline, models_dir

    if hub_offline():
        # huggingface_hub would refuse the download; the variable is the user's to change.
        raise UsageError(f"HF_HUB_OFFLINE={os.environ['HF_HUB_OFFLINE']} is set, which "
                         "forbids downloads; run "
                         f"`HF_HUB_OFFLINE=0 vi2en models download {args.name}` where the Hub "
                         "is reachable")
    try:
        spec = resolve_any(args.name)
    except ModelError:
        spec = None
    if spec is None or spec.hub_id is None:
        raise UsageError(f"'{args.name}' is not a preset or Hub id; see `vi2en models list`")
    if spec.restricted:
        print(f"vi2en: note: {spec.name} is licensed {spec.restricted}", file=sys.stderr)
    target = models_dir() / spec.name.replace("/", "--")
    path = fetch(spec, target)
    write_output(str(path), None)
    return EXIT_OK


def cmd_models_convert(args: argparse.Namespace) -> int:
    from ..convert import convert_model

    try:
        import ctranslate2  # noqa: F401
    except ImportError as exc:
        raise UsageError(import_failure(exc, "ctranslate2", "converting a model",
                                        "pip install 'vi2en[fast]'")) from None
    spec = resolve_any(args.name)
    path = convert_model(spec, args.quantization, force=args.force)
    write_output(str(path), None)
    return EXIT_OK

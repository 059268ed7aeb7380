"""The model catalog (``translate/catalog.toml``) and where a model's files are found.

A model argument is a preset name (``envit5``), a Hub id (``VietAI/envit5-translation``) or a
local directory. Files are looked up in this order: the local store ``models/NAME`` (filled by
``vi2en models download NAME``), the Hugging Face cache, then the Hub. Nothing is downloaded until
a model is actually loaded, and never with ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .config import setting
from .errors import ModelError, ModelUnavailable
from .paths import user_cache_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

logger = logging.getLogger(__name__)

TASKS = ("translation", "summarization")

# Files a seq2seq checkpoint needs; other frameworks' weights are skipped to save gigabytes.
_DOWNLOAD_IGNORE = ["*.h5", "*.msgpack", "*.ot", "tf_model*", "flax_model*", "rust_model*",
                    "*.onnx", "onnx/*", "*.tflite", "coreml/*"]


class ModelUnavailableError(ModelUnavailable):
    """The model is neither stored locally nor reachable on the Hub."""

    def __init__(self, name: str, hub_id: str | None, reason: str = "") -> None:
        self.name = name
        self.hub_id = hub_id
        self.shown = f"'{name}'" + (f" ({hub_id})" if hub_id and hub_id != name else "")
        hint = (f"run `vi2en models download {name}` where the Hub is reachable, or give a "
                "local copy with --model DIR")
        super().__init__(f"model {self.shown} is not available locally and could not be "
                         "downloaded" + (f" ({reason})" if reason else "") + f"; {hint}")

    def on_server(self) -> str:
        """The same failure told to a server's visitor, who cannot run commands there."""
        return (f"This server has not got the model {self.shown} and cannot download it now; "
                "choose another model, or ask the server's operator to install it.")


@dataclass(frozen=True)
class Conventions:
    """How a model family expects its input and shapes its output."""

    input_prefix: str = ""
    output_prefix: str = ""
    src_lang: str | None = None
    target_lang: str | None = None
    target_mode: str = "forced_bos"  # or "decoder_start"
    newline_token: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One model: a catalog preset, or an ad-hoc Hub id / directory with inferred conventions."""

    name: str
    task: str
    hub_id: str | None = None
    revision: str | None = None
    family: str | None = None
    license: str | None = None
    restricted: str | None = None
    params: str | None = None
    max_input_tokens: int = 256
    description: str = ""
    default: bool = False
    conventions: Conventions = field(default_factory=Conventions)
    generation: dict[str, Any] = field(default_factory=dict)
    local_path: Path | None = None  # set when the argument was a directory

    @property
    def license_label(self) -> str:
        """The license, with a warning when it restricts use."""
        label = self.license or "unknown license"
        return f"{label} (restricted: {self.restricted})" if self.restricted else label


_CONVENTION_KEYS = frozenset(Conventions.__dataclass_fields__)


@dataclass(frozen=True)
class Catalog:
    """The parsed catalog: presets by name and family conventions by family."""

    presets: dict[str, ModelSpec]
    families: dict[str, Conventions]
    model_types: dict[str, str]  # transformers model_type -> family


def _catalog_text(override: str | None) -> str:
    if override:
        return Path(override).read_text(encoding="utf-8")
    return resources.files("translate").joinpath("catalog.toml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def _parse_catalog(override: str | None) -> Catalog:
    raw = tomllib.loads(_catalog_text(override))
    families: dict[str, Conventions] = {}
    model_types: dict[str, str] = {}
    for family, entry in raw.get("families", {}).items():
        entry = dict(entry)
        for model_type in entry.pop("model_types", []):
            model_types[model_type] = family
        families[family] = Conventions(**entry)
    presets: dict[str, ModelSpec] = {}
    for name, entry in raw.get("presets", {}).items():
        entry = dict(entry)
        overrides = {k: entry.pop(k) for k in list(entry) if k in _CONVENTION_KEYS}
        family = entry.get("family")
        if family not in families:
            raise ModelError(f"catalog: preset '{name}' names unknown family '{family}'")
        conventions = replace(families[family], **overrides)
        generation = entry.pop("generation", {})
        presets[name] = ModelSpec(name=name, conventions=conventions, generation=generation,
                                  **entry)
    return Catalog(presets=presets, families=families, model_types=model_types)


def catalog() -> Catalog:
    """The catalog, read once per process ($VI2EN_CATALOG names another file)."""
    return _parse_catalog(setting("catalog"))


def load_catalog() -> dict[str, ModelSpec]:
    """All presets, by name."""
    return catalog().presets


def presets(task: str | None = None) -> dict[str, ModelSpec]:
    """Presets for one task (or all)."""
    return {n: s for n, s in load_catalog().items() if task is None or s.task == task}


def default_model(task: str) -> str:
    """Name of the default preset for a task."""
    for name, spec in presets(task).items():
        if spec.default:
            return name
    raise ModelError(f"the catalog has no default {task} model")


def models_dir() -> Path:
    """The local model store: $VI2EN_MODELS_DIR, else the repository's models/ folder."""
    env = setting("models_dir")
    if env:
        return Path(env).expanduser()
    repo_models = Path(__file__).resolve().parent.parent / "models"
    if repo_models.is_dir():
        return repo_models
    return user_cache_dir() / "models"


def infer_family(model_type: str | None, vocab_has: Any = None) -> str | None:
    """Catalog family for a transformers ``model_type`` (NLLB shares M2M100's model type)."""
    if model_type == "m2m_100" and vocab_has is not None and vocab_has("eng_Latn"):
        return "nllb"
    return catalog().model_types.get(model_type or "")


def families() -> tuple[str, ...]:
    """Names of the supported model families."""
    return tuple(catalog().families)


def conventions_for(family: str) -> Conventions:
    """Default conventions of a family."""
    try:
        return catalog().families[family]
    except KeyError:
        raise ModelError(f"unknown model family '{family}'; "
                         f"supported: {', '.join(families())}") from None


def resolve_spec(model: str | os.PathLike[str] | None, task: str) -> ModelSpec:
    """Turn a model argument into a spec; nothing is loaded or downloaded here."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}")
    if model is None or str(model) == "":
        model = default_model(task)
    text = str(model)
    known = load_catalog()
    if text in known:
        spec = known[text]
        if spec.task != task:
            valid = ", ".join(presets(task))
            raise ModelError(f"'{text}' is a {spec.task} model; {task} presets: {valid}")
        return spec
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a model directory (no config.json)")
        _check_config(path / "config.json")
        # The family is settled on load: NLLB and M2M100 share a model type, and only the
        # tokenizer's vocabulary tells them apart.
        return ModelSpec(name=path.name, task=task, local_path=path.resolve(),
                         max_input_tokens=256 if task == "translation" else 1024)
    by_hub_id = [s for s in known.values() if s.hub_id == text and s.task == task]
    if by_hub_id:
        return by_hub_id[0]
    if "/" in text and not text.startswith((".", "/")) and text.count("/") == 1:
        return ModelSpec(name=text, task=task, hub_id=text,
                         max_input_tokens=256 if task == "translation" else 1024)
    valid = ", ".join(presets(task))
    raise ModelError(f"unknown {task} model '{text}': give a preset ({valid}), "
                     "a Hub id (owner/name) or a model directory")


def _check_config(config: Path) -> None:
    """A model directory's config.json must be a JSON object, else no engine can load it."""
    try:
        data = json.loads(config.read_bytes())
    except OSError as exc:
        raise ModelError(f"cannot read {config}: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        # json's messages end in "at" when a position follows ("Invalid control character
        # at"); the position is added once, here.
        reason = (f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"
                  if isinstance(exc, json.JSONDecodeError) else "not UTF-8")
        raise ModelError(f"{config.parent} is not a usable model directory: config.json is "
                         f"not valid JSON ({reason})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{config.parent} is not a usable model directory: config.json "
                         "does not hold a JSON object")


# Files up to this size enter a folder's identity by content; larger ones (weights) by size and
# modification time, so that identifying a multi-GB checkpoint stays cheap.
_HASH_CONTENT_LIMIT = 1 << 20


def folder_identity(path: Path) -> str:
    """A short hash of a model folder: small files by content, weights by size and mtime.
    Two folders of one name differ, and so does a folder rebuilt in place."""
    stamps = tuple(sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                          for f in Path(path).iterdir() if f.is_file()))
    return _folder_digest(str(path), stamps)


@functools.lru_cache(maxsize=64)
def _folder_digest(path: str, stamps: tuple[tuple[str, int, int], ...]) -> str:
    # Keyed by the files' stamps: unchanged files are not read again for every batch.
    digest = hashlib.sha256()
    for name, size, mtime_ns in stamps:
        digest.update(name.encode())
        if size <= _HASH_CONTENT_LIMIT:
            digest.update((Path(path) / name).read_bytes())
        else:
            digest.update(f"{size}:{mtime_ns}".encode())
    return digest.hexdigest()[:16]


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE forbids the Hub (as huggingface_hub reads it)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def local_path(spec: ModelSpec) -> Path | None:
    """Where the model's files already are on this machine, or None."""
    if spec.local_path is not None:
        return spec.local_path
    stored = models_dir() / spec.name.replace("/", "--")
    if (stored / "config.json").is_file():
        return stored
    if spec.hub_id is None:
        return None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        return Path(snapshot_download(spec.hub_id, revision=spec.revision, local_files_only=True,
                                      ignore_patterns=_DOWNLOAD_IGNORE))
    except (OSError, HFValidationError) as exc:
        # Not in the cache (LocalEntryNotFoundError is an OSError), or an id the Hub would
        # refuse: "not here", and the caller decides. Anything else is a bug and propagates.
        logger.debug("%s not in the HF cache: %s", spec.hub_id, exc)
        return None


def fetch(spec: ModelSpec, target: Path | None = None) -> Path:
    """Download the model from the Hub (into ``target`` or the HF cache) and return its folder."""
    if spec.hub_id is None:
        raise ModelUnavailableError(spec.name, None, "no Hub id")
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(spec.hub_id, revision=spec.revision, local_dir=target,
                                 ignore_patterns=_DOWNLOAD_IGNORE)
    except Exception as exc:  # network, auth, missing repo: all mean "unavailable" to the user
        logger.debug("download of %s failed", spec.hub_id, exc_info=True)
        raise ModelUnavailableError(spec.name, spec.hub_id, _download_failure(exc)) from exc
    return Path(path)


def _download_failure(exc: Exception) -> str:
    """A short reason a user can act on, from huggingface_hub's exception types."""
    kind = type(exc).__name__
    if kind == "GatedRepoError":
        return "the repository is gated: accept its terms on the Hub and run `hf auth login`"
    if kind == "RepositoryNotFoundError":
        return "no such repository on the Hub"
    if kind == "RevisionNotFoundError":
        return "the pinned revision is not on the Hub"
    if kind in ("LocalEntryNotFoundError", "ConnectionError", "OfflineModeIsEnabled") or \
            isinstance(exc, (ConnectionError, TimeoutError)):
        return "the Hugging Face Hub cannot be reached"
    return kind


def ensure_local(spec: ModelSpec) -> Path:
    """The model's folder: local store, then HF cache, then a Hub download (unless offline)."""
    path = local_path(spec)
    if path is not None:
        return path
    if hub_offline():
        raise ModelUnavailableError(spec.name, spec.hub_id, "HF_HUB_OFFLINE is set")
    logger.info("downloading %s from the Hugging Face Hub", spec.hub_id)
    return fetch(spec)


def finish_spec(spec: ModelSpec, model_type: str | None, vocab_has: Any) -> ModelSpec:
    """Fill in family and conventions for a non-preset model once its config is known."""
    if spec.family is not None and spec.conventions != Conventions():
        return spec
    family = spec.family or infer_family(model_type, vocab_has)
    if family is None:
        raise ModelError(f"{spec.name}: model type '{model_type}' is not supported; "
                         f"supported families: {', '.join(families())}")
    conventions = spec.conventions if spec.conventions != Conventions() else conventions_for(family)
    return replace(spec, family=family, conventions=conventions)

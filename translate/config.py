"""One model configuration and one table of settings for every front end and job.

Every way of starting vi2en (the CLI, the web page and its API, a batch job, a Ray actor,
``vi2en eval``) builds its :class:`~translate.pipeline.Pipeline` from a :class:`ModelConfig`,
so a setting has one name, one default and one place where the environment is read:
:data:`OPTIONS` lists every ``VI2EN_*`` variable (its type, default, CLI flag and help; the
README's table is checked against it) and :func:`setting` is the only reader of them.
Engine names are not written here: they come from the engine registry
(:mod:`translate.engines`), which checks a configuration's engine when it loads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import InputError

DEVICES = ("auto", "cpu", "cuda")
# Summary lengths: the names are the choices of every front end, the values the summarizer's
# (min, max) new tokens of the final summary (about 1.3 tokens a word for English BPE).
SUMMARY_LENGTHS: dict[str, tuple[int, int]] = {
    "short": (20, 60),
    "medium": (40, 142),
    "long": (80, 256),
}
DEFAULT_SUMMARY_LENGTH = "medium"
# How long a server's first waiting sentence waits for other requests' sentences to share its
# batch (seconds): a few milliseconds cost one request little and let many share a batch.
DEFAULT_WINDOW_S = 0.005
# How long one request to a server (page or API) may take, waiting included, before it is
# stopped and refused: the whole default limit of 100,000 characters with a real-size model on a
# 2-core CPU takes a few minutes.
DEFAULT_TIME_LIMIT_S = 600.0
# The longest text one request to a server (the page or the API) may send, in characters.
MAX_REQUEST_CHARS = 100_000
# The longest document a batch job translates, in characters (a batch job has no visitor to
# wait: a long report is still one document); longer ones become error records.
MAX_DOCUMENT_CHARS = 200_000
# The largest request body on any path of a server, the page's uploads included (bytes).
MAX_BODY_BYTES = 20 * 1024 * 1024


class SettingError(InputError):
    """A ``VI2EN_*`` variable or a model setting with a value that cannot be used."""


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SettingError(f"not a whole number: {text!r}") from None


def _switch(text: str) -> bool:
    if text not in ("0", "1"):
        raise SettingError(f"use 1 (on) or 0 (off), not {text!r}")
    return text == "1"


@dataclass(frozen=True)
class Option:
    """One ``VI2EN_*`` variable: the setting it gives a default to, and how it reads."""

    name: str  # the setting's name (a ModelConfig field where it is one)
    env: str
    kind: str  # text, number, switch, path: how the README names its type
    default: Any
    flag: str | None  # the CLI option that overrides it, if any
    help: str
    parse: Callable[[str], Any] = str


OPTIONS: tuple[Option, ...] = (
    Option("model", "VI2EN_MODEL", "text", None, "--model",
           "translation model: preset, Hub id or directory (unset: the catalog default)"),
    Option("summarizer", "VI2EN_SUMMARIZER", "text", None, "--summarizer",
           "summarization model: preset, Hub id or directory (unset: the catalog default)"),
    Option("device", "VI2EN_DEVICE", "text", "auto", "--device",
           "where models run: auto, cpu, cuda or cuda:N"),
    Option("engine", "VI2EN_ENGINE", "text", "auto", "--engine",
           "inference engine: auto or a registered engine"),
    Option("compute_type", "VI2EN_COMPUTE_TYPE", "text", None, None,
           "CTranslate2 compute type (unset: int8 on a CPU, int8_float16 on a GPU)"),
    Option("threads", "VI2EN_THREADS", "number", None, None,
           "CPU threads for one CTranslate2 model (unset: the cores this process may use)",
           _whole_number),
    Option("cache", "VI2EN_CACHE", "path", None, "--cache",
           "sentence cache file of `vi2en batch` (unset: translations.sqlite in vi2en's "
           "cache folder)"),
    Option("catalog", "VI2EN_CATALOG", "path", None, None,
           "another model catalog file (unset: the packaged catalog.toml)"),
    Option("models_dir", "VI2EN_MODELS_DIR", "path", None, None,
           "the local model store, and its ct2/ folder for converted copies (unset: the "
           "repository's models/, else vi2en's cache folder)"),
    Option("similarity", "VI2EN_SIMILARITY", "switch", None, None,
           "the coverage check's embedding model: 1 on, 0 off (unset: on except in a CPU "
           "translation's own process)", _switch),
    Option("strict_checks", "VI2EN_STRICT_CHECKS", "switch", False, None,
           "1: a crashing check raises instead of becoming a check_error flag (tests)",
           _switch),
    Option("host", "VI2EN_HOST", "text", "127.0.0.1", "--host",
           "address `vi2en serve` listens on"),
    Option("port", "VI2EN_PORT", "number", 7860, "--port", "port of `vi2en serve`",
           _whole_number),
    Option("auth", "VI2EN_AUTH", "text", None, "--auth",
           "USER:PASS a visitor of `vi2en serve` must give"),
    Option("models", "VI2EN_MODELS", "text", "", "--models",
           "translation models a server's visitors may choose, comma-separated"),
)
OPTION_BY_NAME = {option.name: option for option in OPTIONS}


def setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of setting ``name``: its ``VI2EN_*`` variable when set (and not blank),
    read as its :class:`Option` says, else the option's default. The one reader of them."""
    option = OPTION_BY_NAME[name]
    environ = os.environ if environ is None else environ
    raw = environ.get(option.env, "").strip()
    if not raw:
        return option.default
    try:
        return option.parse(raw)
    except SettingError as exc:
        raise SettingError(f"{option.env}: {exc}") from None


def check_settings(environ: Mapping[str, str] | None = None) -> None:
    """Read every ``VI2EN_*`` variable once: a bad one (``VI2EN_SIMILARITY=yes``) is a
    :class:`SettingError` when a command starts, in one line, rather than a failure wherever
    it is first read (inside a quality check, a crash)."""
    for option in OPTIONS:
        setting(option.name, environ)


@dataclass(frozen=True)
class ModelConfig:
    """The models and how they run. ``None`` means the catalog's or the engine's default.

    ``engine`` is checked against the engine registry when a model loads (the registry sits
    above this module); ``compute_type`` and ``threads`` reach a CTranslate2 engine."""

    model: str | None = None
    summarizer: str | None = None
    device: str = "auto"
    engine: str = "auto"
    beams: int | None = None
    summary_length: str = DEFAULT_SUMMARY_LENGTH
    max_words: int | None = None
    compute_type: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.device.partition(":")[0] not in DEVICES:
            raise SettingError(f"unknown device '{self.device}'; use one of "
                               f"{', '.join(DEVICES)}")
        if self.summary_length not in SUMMARY_LENGTHS:
            raise SettingError(f"unknown summary length '{self.summary_length}'; "
                               f"use one of {', '.join(SUMMARY_LENGTHS)}")
        for name in ("beams", "max_words", "threads"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SettingError(f"{name} must be at least 1 (got {value})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **settings: Any) -> ModelConfig:
        """Defaults from ``VI2EN_*`` variables, then ``settings`` (``None`` values ignored).

        Every variable of :data:`OPTIONS` is checked here (:func:`check_settings`), not only
        the model's."""
        check_settings(environ)
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name in known & set(OPTION_BY_NAME):
            value = setting(name, environ)
            if value is not None:
                values[name] = value
        values.update({k: v for k, v in settings.items() if v is not None})
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"unknown ModelConfig setting(s): {', '.join(unknown)}")
        return cls(**values)

    def with_options(self, **changes: Any) -> ModelConfig:
        """A copy with some settings changed (``None`` values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

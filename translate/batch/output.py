"""The batch output: one JSONL file that is the job's only state, and the --out-dir texts.

The file is locked while a run writes it (``OUT.lock``, through :mod:`filelock`, so the lock
works on Windows too), read back on the next run to skip what is done, and appended one
flushed line per record. Nothing that is not ours is changed: an existing file is used only if
its first line is one of our records, only a partial last line that begins like a record is
cut off, and an output that is (or that a rerun would read as) an input is refused.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath
from typing import IO, TYPE_CHECKING, Any

from ..outputs import OutputError, check_output_dir, check_output_file
from .errors import BatchUsageError, NotOurOutputError, OutputLockedError, OutputWriteError
from .inputs import InputRecord, Source, input_kind

if TYPE_CHECKING:
    from filelock import BaseFileLock

logger = logging.getLogger(__name__)

# Every record this package writes starts with these bytes (json.dumps of a dict whose first
# key is "id"): a file that does not is not ours, and is never truncated or rewritten.
RECORD_START = b'{"id": '


# ------------------------------------------------------------------------------------------
# Outputs against inputs
# ------------------------------------------------------------------------------------------


def read_as_input(path: Path, source: Source) -> bool:
    """Whether a file at ``path`` would be read by the next run with the same inputs."""
    if source.root is not None:
        root = source.root.resolve()
        if not path.resolve().is_relative_to(root):
            return False
        relative = path.resolve().relative_to(root)
        return not any(part.startswith(".") for part in relative.parts) \
            and input_kind(path) is not None
    if source.pattern is not None:
        pattern = os.path.abspath(source.pattern)
        absolute = os.path.abspath(path)
        # PurePath.match compares segment by segment; `**` spans folders, which fnmatch's `*`
        # approximates (erring towards refusing).
        matched = fnmatch.fnmatch(absolute, pattern) if "**" in pattern \
            else PurePath(absolute).match(pattern)
        return matched and input_kind(path) is not None
    return False


def check_outputs(sources: Sequence[Source], output: str | os.PathLike[str],
                  out_dir: str | os.PathLike[str] | None = None) -> None:
    """Refuse outputs that are inputs, or that a rerun would read as inputs; check out_dir.

    Writing the output over an input would destroy the article before it is read.
    """
    target = Path(output)
    resolved = target.resolve()
    for source in sources:
        if source.path is None:
            continue
        if source.path.resolve() == resolved or (
                target.exists() and source.path.exists() and source.path.samefile(target)):
            raise BatchUsageError(f"the output {output} is also an input ({source.label}); "
                                  "write the output to another file")
    for source in sources:
        if read_as_input(target, source):
            where = source.root if source.root is not None else source.pattern
            raise BatchUsageError(f"the output {output} is among the inputs ({where}): a "
                                  "rerun would read it as an input; write it elsewhere")
    if out_dir is None:
        return
    probe = Path(out_dir) / "document.en.txt"
    for source in sources:
        if read_as_input(probe, source):
            where = source.root if source.root is not None else source.pattern
            raise BatchUsageError(f"--out-dir {out_dir} is among the inputs ({where}): a "
                                  "rerun would read its .en.txt files as inputs; choose "
                                  "another folder")
    try:
        check_output_dir(out_dir)
    except OutputError as exc:
        raise BatchUsageError(str(exc)) from None


# ------------------------------------------------------------------------------------------
# The JSONL file: lock, resume, append
# ------------------------------------------------------------------------------------------


def _is_record(obj: object) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("id"), str) and "error" in obj


def _could_be_record_start(data: bytes) -> bool:
    """Whether ``data`` (a line cut short by a kill) is how one of our records begins."""
    return data.startswith(RECORD_START) or RECORD_START.startswith(data)


class OutputFile:
    """The JSONL output: locked while open, read back for resume, appended line by line.

    An existing file is used only if it is a vi2en batch output: its first line must be one of
    our records, else it is refused (:class:`NotOurOutputError`) untouched, with or without
    ``overwrite``. Only a partial last line that begins like a record is cut off.
    """

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.path = Path(path)
        # Beside the file itself: the same output named through a symlink takes the same lock.
        self.lock_path = Path(str(self.path.resolve()) + ".lock")
        self.overwrite = overwrite
        self.done: dict[str, bool] = {}  # id -> the record is an error
        # The signatures of the records already there (translated ones carry one): how many
        # records each; a resume compares them with its own settings.
        self.signatures: dict[str, int] = {}
        self.repaired_bytes = 0
        self._lock: BaseFileLock | None = None
        self._fh: IO[str] | None = None

    def __enter__(self) -> OutputFile:
        self.open()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(failing=exc_type is not None)

    def open(self) -> None:
        self._check_kind()
        self._acquire_lock()
        try:
            self._check_ours()  # again under the lock: another run may have just written it
            if self.overwrite and self.path.exists():
                os.truncate(self.path, 0)
            elif self.path.exists():
                self._load()
            self._fh = open(self.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            self.close()
            raise BatchUsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        except BatchUsageError:
            self.close()
            raise

    def _acquire_lock(self) -> None:
        # filelock is imported here, not at CLI start: only a running job needs it.
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.lock_path)
            lock.acquire(blocking=False)
        except Timeout:  # before OSError: filelock's Timeout is one
            raise OutputLockedError(f"another vi2en batch run is writing {self.path} (lock "
                                    f"{self.lock_path} is held); wait for it to finish or "
                                    "choose another output") from None
        except OSError as exc:
            raise BatchUsageError(f"cannot write next to {self.path}: "
                                  f"{exc.strerror or exc}") from None
        self._lock = lock

    def check(self) -> None:
        """Fail now, changing nothing, if :meth:`open` would refuse or fail to create."""
        self._check_kind()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_output_file(self.path)
            check_output_file(self.lock_path)
        except OSError as exc:
            raise BatchUsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        except OutputError as exc:
            raise BatchUsageError(str(exc)) from None

    def _check_kind(self) -> None:
        if self.path.is_dir():
            raise BatchUsageError(f"the output {self.path} is a directory; give a .jsonl file")
        if self.path.exists() and not self.path.is_file():
            raise BatchUsageError(f"the output {self.path} is not a regular file")
        self._check_ours()
        self._check_lock_file()

    def _check_lock_file(self) -> None:
        """Refuse a ``OUT.lock`` that holds data: ours are empty, and some filelock versions
        truncate the lock file they open."""
        try:
            size = self.lock_path.stat().st_size if self.lock_path.is_file() else 0
        except OSError:
            return  # gone meanwhile, or unreadable: taking the lock reports it
        if size:
            raise NotOurOutputError(
                f"{self.lock_path} exists and is not empty, so it is not a vi2en batch lock "
                "(those are empty); refusing to change it: remove it if nothing uses it, or "
                "choose another output file")

    def _check_ours(self) -> None:
        """Refuse an existing, non-empty file whose first line is not one of our records."""
        try:
            with open(self.path, "rb") as fh:
                start = fh.read(len(RECORD_START))
                if not start:
                    return  # empty: nothing to lose
                fh.seek(0)
                first = fh.readline() if start == RECORD_START else b""
        except (FileNotFoundError, NotADirectoryError):
            return  # nothing there yet; creating it is checked next
        except OSError as exc:
            raise BatchUsageError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if first.endswith(b"\n"):
            try:
                ours = _is_record(json.loads(first))
            except ValueError:
                ours = False
        else:
            # The only line, cut short by a kill while it was written.
            ours = _could_be_record_start(first or start)
        if not ours:
            raise NotOurOutputError(
                f"{self.path} exists and is not a vi2en batch output (its first line is not "
                "a batch record); refusing to change it: choose another output file")

    def _load(self) -> None:
        """Ids already written; a partial last line (a killed run) is cut off."""
        good_end = 0
        with open(self.path, "rb") as fh:
            for lineno, line in enumerate(fh, start=1):
                complete = line.endswith(b"\n")
                try:
                    record = json.loads(line)
                    record_id = record["id"]
                except (ValueError, TypeError, KeyError):
                    if not complete and _could_be_record_start(line):
                        break  # the partial last line of a killed run: repaired below
                    raise BatchUsageError(
                        f"{self.path} line {lineno} is not a vi2en batch record; fix or "
                        "remove it, or start over with --overwrite") from None
                self.done[str(record_id)] = record.get("error") is not None
                signature = record.get("signature")
                if isinstance(signature, str) and signature:
                    self.signatures[signature] = self.signatures.get(signature, 0) + 1
                good_end += len(line)
                if not complete:
                    # Whole record, only its newline lost: keep it and end the line.
                    with open(self.path, "ab") as out:
                        out.write(b"\n")
                    good_end += 1
                    break  # it was the last line; do not read the newline just added
        size = self.path.stat().st_size
        if size > good_end:
            self.repaired_bytes = size - good_end
            logger.warning("%s ended in a partial line (%d bytes) from an interrupted run; "
                           "removed it, that record will be redone", self.path,
                           self.repaired_bytes)
            os.truncate(self.path, good_end)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        assert self._fh is not None, "open() first"
        try:
            for record in records:
                # One write per line: a kill can cut only the last line, which _load repairs.
                self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                self.done[record["id"]] = record.get("error") is not None
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:  # a full disk, a quota: say which file, and that a rerun resumes
            raise OutputWriteError(f"cannot write {self.path}: {exc.strerror or exc}; the "
                                   "records before it are kept, and running the same command "
                                   "again resumes after them") from exc

    def close(self, *, failing: bool = False) -> None:
        """Close the file and release the lock. ``failing``: a write already failed (its line
        is still in the buffer, so closing fails the same way); that error is the one told."""
        fh, self._fh = self._fh, None
        try:
            if fh is not None:
                fh.close()
        except OSError as exc:
            if not failing:
                raise OutputWriteError(f"cannot write {self.path}: {exc.strerror or exc}"
                                       ) from exc
            logger.debug("closing %s after a failed write: %s", self.path, exc)
        finally:
            if self._lock is not None:
                # filelock leaves the lock file on Unix: removing it would let a waiting run
                # and a new one both believe they hold the lock.
                self._lock.release()
                self._lock = None


# ------------------------------------------------------------------------------------------
# --out-dir: one English text per document
# ------------------------------------------------------------------------------------------


_UNSAFE_NAME_RE = re.compile(r"[^\w.\-]+")


def safe_name(name: str) -> str:
    """A relative file name from an id or path: no '..', no odd characters."""
    parts = [_UNSAFE_NAME_RE.sub("_", p).strip("._") for p in re.split(r"[\\/]+", name)]
    parts = [p for p in parts if p]
    return "/".join(parts) or "document"


def out_dir_name(record: InputRecord, used: set[str],
                 is_input: Callable[[str], bool] = lambda name: False) -> str:
    """The --out-dir file stem of a record (``NAME.en.txt``): its document's name or its id,
    made safe, numbered past names ``used`` before (records come in input order, so names
    stay the same on a resume) and past ``is_input`` names (never written over)."""
    base = safe_name(record.name or record.id)
    name, k = base, 1
    while name in used or is_input(name):
        k += 1
        name = f"{base}-{k}"
    used.add(name)
    return name


def out_dir_text(record: dict[str, Any]) -> str | None:
    """What NAME.en.txt holds for an output record: its English, then its summary; None for
    a record without a translation."""
    translation = record.get("translation")
    if translation is None:  # (a record whose summary failed still has its English)
        return None
    summary = record.get("summary")
    return translation + (f"\n\nSummary:\n{summary}" if summary else "")


def write_text_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc

"""``--translated-files``: each document input written again, translated, in its own format
(``report.docx`` -> ``report.en.docx``; a .pdf as .docx), beside the JSONL or in a folder.

A document's record is the translation of all its text units, one paragraph each (the
reader gives :attr:`Document.text` in this mode), so the record's paragraphs are put back into
the document's units without translating anything twice; should the counts differ (the file
changed during the run), the units are translated again on their own.

Never overwrite a file that is not ours: every file written is first claimed in the folder's
manifest (``.vi2en-translated-files``, one name a line); an existing file of a target's name
that the manifest does not list is refused, before any work starts and again before writing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents import Document, formats, open_document, translate_units, translated_name
from ..extract import read_bounded
from ..outputs import OutputError, check_output_dir
from .errors import BatchUsageError, NotOurOutputError
from .inputs import Source
from .output import read_as_input, safe_name

if TYPE_CHECKING:
    from ..pipeline import Pipeline

logger = logging.getLogger(__name__)

MANIFEST = ".vi2en-translated-files"


def translatable(source: Source) -> bool:
    """Whether a source is a document this option writes back."""
    return (source.kind == "document" and source.path is not None
            and source.path.suffix.lower() in formats())


def target_name(name: str, path: Path, number: int = 1) -> str:
    """``NAME.en.SUFFIX`` for a document input (a .pdf's output is a .docx); a number after
    the name tells apart inputs that would share it (``a.docx`` and ``a.pdf``)."""
    suffix = path.suffix.lower()
    stem = safe_name(name) + (f"-{number}" if number > 1 else "")
    return translated_name(stem + suffix, ".docx" if suffix == ".pdf" else None)


# Files are created with the permissions the user's umask gives (mkstemp's are 0600).
_UMASK = os.umask(0)
os.umask(_UMASK)


class TranslatedFiles:
    """The folder of translated documents and its manifest of the files that are ours."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.manifest = self.folder / MANIFEST
        self.ours: set[str] = set()
        self._used: set[str] = set()

    def name_for(self, name: str, path: Path) -> str:
        """The file name of an input's translation, unique in the run; given in input
        order for every document, resumed or not, so a rerun names them alike."""
        number = 1
        while (out_name := target_name(name, path, number)) in self._used:
            number += 1
        self._used.add(out_name)
        return out_name

    def _load(self) -> None:
        try:
            names = self.manifest.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            names = []
        except (OSError, UnicodeDecodeError) as exc:
            raise BatchUsageError(f"cannot read {self.manifest}: {exc}") from None
        self.ours = {n for n in names if n}

    def check(self, sources: Sequence[Source]) -> None:
        """Before any work: the folder can be written, a rerun would not read its files as
        inputs, and no target is someone else's file."""
        probe = self.folder / "document.en.docx"
        for source in sources:
            if read_as_input(probe, source):
                where = source.root if source.root is not None else source.pattern
                raise BatchUsageError(f"--translated-files {self.folder} is among the inputs "
                                      f"({where}): a rerun would read the translated files "
                                      "as inputs; choose another folder")
        try:
            check_output_dir(self.folder)
        except OutputError as exc:
            raise BatchUsageError(str(exc)) from None
        self._load()
        for source in sources:
            if translatable(source):
                assert source.path is not None
                self._check_ours(target_name(source.name or source.label, source.path))

    def _check_ours(self, name: str) -> None:
        target = self.folder / name
        if (target.exists() or target.is_symlink()) and name not in self.ours:
            raise NotOurOutputError(
                f"{target} exists and was not written by vi2en batch (it is not in "
                f"{self.manifest}); refusing to replace it: move it or choose another folder")

    def write(self, out_name: str, path: Path, translation: str, pipeline: Pipeline) -> None:
        """Write the document at ``path`` translated, as ``out_name`` in the folder."""
        document = open_document(read_bounded(path), path.name)
        paragraphs = translation.split("\n\n")
        units = [u for u in document.units if u.translatable]
        if len(paragraphs) == len(units):
            translate_units(document, lambda texts: paragraphs)
        else:
            logger.warning("%s: %d paragraphs translated for %d text units (did the file "
                           "change?); translating its units again", path, len(paragraphs),
                           len(units))
            translate_units(document, lambda texts: [r.translation for r in
                                                     pipeline.translate_many(texts)])
        self._save(document, out_name)

    def _save(self, document: Document, name: str) -> None:
        """Claim the name in the manifest, then replace the file atomically: a kill leaves
        the old file or the new one, and never a file the manifest does not know."""
        self._check_ours(name)
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name not in self.ours:
            with self.manifest.open("a", encoding="utf-8") as manifest:
                manifest.write(name + "\n")
                manifest.flush()
                os.fsync(manifest.fileno())
            self.ours.add(name)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".vi2en-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as sink:
                document.save(sink)
            os.chmod(partial, 0o666 & ~_UMASK)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

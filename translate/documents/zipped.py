"""Zip-based documents (.docx, .pptx, .odt): their text parts parsed, every other member
copied as it is.

The archive is checked first with the same bounds as every .docx read
(:func:`translate.extract.check_docx_archive`: member count, declared and actual inflated
sizes, XML in total), so a bomb is refused before anything is parsed. Only the XML parts that
hold the document's text are parsed (lxml, entities and the network off); on saving they are
serialized again and every other member (images, styles, settings, relationships) is copied
byte for byte, in chunks, in its original order and compression.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from abc import abstractmethod
from typing import Any, BinaryIO

from ..extract import MAX_DOCUMENT_BYTES, ExtractionError, check_docx_archive
from .base import Document, Unit

_COPY_CHUNK = 1024 * 1024


def xml_parser() -> Any:
    """lxml's parser for a stranger's XML: no entities expanded, no DTD or network fetched,
    no huge trees (the archive check has bounded the size already)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_blank_text=False)


class ZipDocument(Document):
    """A zip of XML parts; subclasses say which parts hold text and how to read units."""

    # Members (full paths) whose XML holds the text to translate.
    text_parts: re.Pattern[str]

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(name, max_chars)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ExtractionError(f"{name} is over {MAX_DOCUMENT_BYTES // 2**20} MB; "
                                  "documents up to that are read")
        check_docx_archive(data, name)
        self._data = data
        self._trees: dict[str, Any] = {}
        from lxml import etree

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self._check_kind(archive)
                for member in archive.infolist():
                    if self.text_parts.fullmatch(member.filename):
                        root = etree.fromstring(archive.read(member), xml_parser())
                        self._trees[member.filename] = root
                        for unit in self.read_units(member.filename, root):
                            self.add(unit)
        except etree.XMLSyntaxError as exc:
            raise ExtractionError(f"{name} is not a readable {self.output_suffix} file "
                                  f"(broken XML: {exc})") from None

    def _check_kind(self, archive: zipfile.ZipFile) -> None:
        """Refuse a zip that is not this kind of document (no main part)."""
        names = set(archive.namelist())
        if self.main_part not in names:
            raise ExtractionError(f"{self.name} is not a {self.output_suffix} file (it has no "
                                  f"{self.main_part})")

    main_part: str

    @abstractmethod
    def read_units(self, part: str, root: Any) -> list[Unit]:
        """The units of one text part, in reading order."""

    def save(self, sink: BinaryIO) -> None:
        from lxml import etree

        with zipfile.ZipFile(io.BytesIO(self._data)) as source, \
                zipfile.ZipFile(sink, "w") as out:
            for member in source.infolist():
                info = zipfile.ZipInfo(member.filename, date_time=member.date_time)
                info.compress_type = member.compress_type
                info.external_attr = member.external_attr
                info.create_system = member.create_system
                root = self._trees.get(member.filename)
                if root is not None:
                    tree = root.getroottree()
                    out.writestr(info, etree.tostring(
                        tree, xml_declaration=True, encoding="UTF-8",
                        standalone=tree.docinfo.standalone))
                    continue
                with source.open(member) as stream, out.open(info, "w") as target:
                    shutil.copyfileobj(stream, target, _COPY_CHUNK)


def pieces_setter(slots: list[tuple[Any, str]]) -> Any:
    """``apply`` for pieces held in lxml elements: ``(element, "text" | "tail")`` each."""

    def apply(texts: list[str]) -> None:
        for (element, where), text in zip(slots, texts, strict=True):
            setattr(element, where, text)

    return apply


def ooxml_units(root: Any, paragraph: str, text: str, skipped: frozenset[str] = frozenset(),
                on_set: Any = None) -> list[Unit]:
    """Units of Office Open XML (Word's ``w:p``/``w:t``, DrawingML's ``a:p``/``a:t``): each
    paragraph's own text elements, not those of a paragraph nested in it (a text box) nor
    under a ``skipped`` element (a field that the application fills in)."""
    units: list[Unit] = []
    for p in root.iter(paragraph):
        slots: list[tuple[Any, str]] = []
        for t in p.iter(text):
            owner = t.getparent()
            while owner is not None and owner.tag != paragraph and owner.tag not in skipped:
                owner = owner.getparent()
            if owner is p and t.text:
                slots.append((t, "text"))
        if not slots:
            continue
        setter = pieces_setter(slots)
        if on_set is not None:
            inner = setter

            def setter(texts: list[str], inner: Any = inner, slots: list = slots) -> None:
                inner(texts)
                for element, _ in slots:
                    on_set(element)

        units.append(Unit([e.text for e, _ in slots], setter))
    return units

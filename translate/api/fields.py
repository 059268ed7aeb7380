"""A request's fields as LibreTranslate reads them (JSON, or the query string and the form),
and its language pair checked in LibreTranslate's words."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from ..detect import VIETNAMESE, Detection
from .errors import ApiError

logger = logging.getLogger(__name__)


SOURCE, TARGET = "vi", "en"
LANGUAGES = [{"code": "vi", "name": "Vietnamese", "targets": ["en"]},
             {"code": "en", "name": "English", "targets": []}]


async def read_fields(request: Request, max_fields: int) -> dict[str, Any]:
    """A JSON object, or the query string's and the form's fields as LibreTranslate
    (werkzeug's ``request.values``) reads them: query first, then form; a repeated ``q`` is a
    list, as in a JSON list. deep-translator sends its fields in the query string alone."""
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        raw = await request.body()
        try:
            data = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError(400, "Invalid JSON format") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid JSON format")
        return data
    fields: dict[str, list[Any]] = {}
    for key, value in request.query_params.multi_items():
        fields.setdefault(key, []).append(value)
    if len(request.query_params) > max_fields:
        raise ApiError(400, "Invalid request: too many fields")
    if "application/x-www-form-urlencoded" in content_type:
        # Starlette reads unescaped bytes as Latin-1 (`-d 'q=Giá xăng'` came out as "GiÃ¡ …");
        # LibreTranslate (werkzeug) reads them, and %-escapes, as UTF-8.
        raw = await request.body()
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=max_fields)
        except UnicodeDecodeError:
            raise ApiError(400, "Invalid request: the form is not UTF-8 text") from None
        for key, value in pairs:
            fields.setdefault(key, []).append(value)
    elif "multipart/form-data" in content_type:
        form = await request.form(max_fields=max_fields)
        for key in form:
            fields.setdefault(key, []).extend(form.getlist(key))
    return {key: values if key == "q" and len(values) > 1 else values[0]
            for key, values in fields.items()}


def text_field(data: dict[str, Any], name: str, *, lists: bool = False) -> Any:
    value = data.get(name)
    if value is None or value == "" or value == []:
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    if isinstance(value, str) or (lists and isinstance(value, list)
                                  and all(isinstance(v, str) for v in value)):
        return value
    raise ApiError(400, f"Invalid request: {name} must be "
                        f"{'a string or a list of strings' if lists else 'a string'}")


def check_pair(source: str, target: str) -> None:
    """LibreTranslate's words for a language it lacks; ours in the hint."""
    if source not in (SOURCE, "auto"):
        raise ApiError(400, f"{source} is not supported",
                       hint="this server translates Vietnamese (vi, or auto) into English (en)")
    if target != TARGET:
        raise ApiError(400, f"{target} is not supported",
                       hint="this server translates into English (en) only")


def check_detected(found: Detection) -> None:
    """``source=auto`` goes on only for Vietnamese, or for text with nothing to identify
    (numbers, emoji: confidence 0), which LibreTranslate passes through too."""
    if found.language != VIETNAMESE and found.confidence > 0:
        logger.info("source=auto: detected %s (%.0f%%), refused", found.language,
                    found.confidence)
        raise ApiError(400, f"{found.language} is not supported",  # LibreTranslate's words
                       hint="this server translates Vietnamese into English")

"""The REST API beside the web page: LibreTranslate's endpoints and our own ``/v1``.

Front end only: requests are parsed and checked here (keys, limits, sizes) and answered as
LibreTranslate answers (``{"error": "…"}`` with 400, 403, 413, 429); the translating is done
by :class:`~translate.service.TranslationService`. :func:`create_server` mounts the Gradio
page at ``/`` on the same FastAPI app, so page and API share one process, port and models.

LibreTranslate-compatible: ``POST /translate``, ``POST /detect``, ``GET /languages``,
``GET /frontend/settings``, ``POST /translate_file`` (+ ``GET /download_file/…``).
Ours: ``POST /v1/translate`` (the JSON of ``vi2en translate --json``), ``POST /v1/summarize``.
OpenAPI at ``/openapi.json`` and ``/spec``, browsable at ``/docs``.

- :mod:`.fields`: a request's fields (JSON, form, query string), the language pair;
- :mod:`.errors`: refusals in LibreTranslate's words, one line;
- :mod:`.handlers`: :class:`Api`, what each route does over the server's models;
- :mod:`.routes`: the FastAPI app, its routes and the access dependency;
- :mod:`.server`: the page and the API in one app behind the gate, served by uvicorn.
"""

from .errors import ApiError
from .fields import LANGUAGES
from .handlers import Api, V1Summarize, V1Translate, media_type
from .routes import API_PREFIXES, create_api
from .server import PortBusyError, bind, create_server, run_server

__all__ = ["API_PREFIXES", "LANGUAGES", "Api", "ApiError", "PortBusyError", "V1Summarize",
           "V1Translate", "bind", "create_api", "create_server", "media_type", "run_server"]

"""What the page refuses before a job joins Gradio's queue: a file that was not uploaded to
this page, input values its components cannot take, a client over its request rate (the
limiter the REST API counts in too), a client with too many jobs waiting or running, a full
queue. Every way into the queue passes here: the page's own script (``/queue/join``) and the
named API (``/call/NAME``, ``gradio_client``).

Gradio 6 has no public hook that runs before an event is queued and can count the queue (an
event's ``validator`` runs in a worker thread, so two floods of requests would both see room),
so the door wraps the queue's ``push``: the check and the count happen on the event loop,
together. Refusals use Gradio's own answers, which its page and ``gradio_client`` both show:
a full queue is a 503 ("busy", ``QueueError``); anything about this request (a value, the
client's own jobs or rate) is a 422 naming the input, with the reason in words
(``ValidationError``). Either way Gradio writes no traceback to the log.
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..serving.limits import ClientLimits, client_of
from .uploads import NOT_AN_UPLOAD

logger = logging.getLogger(__name__)

# Gradio's queue.push answers: (accepted, event id or what went wrong, state).
Pushed = tuple[bool, Any, str]

_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float),
                                            "integer": (int,), "boolean": (bool,)}


@dataclass(frozen=True)
class DoorRules:
    """The page's share of the server's limits (``vi2en serve`` options)."""

    requests_per_minute: int = 0  # per client, counted with the REST API's; 0: none
    queue_size: int = 64  # jobs waiting or running, all clients
    queue_per_client: int = 3


def _file_paths(data: Any) -> list[str]:
    """The file paths a request's data names (Gradio FileData, with or without its "meta"
    marker: anything shaped like a file counts)."""
    paths, stack = [], [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str):
                paths.append(item["path"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return paths


def _bad_inputs(fn: Any, data: Any) -> tuple[int, str] | None:
    """Which input value cannot be what its component takes (a JSON type, a choice, a
    slider's range), and why; None when all can. Their count is checked first (index 0)."""
    if not isinstance(data, list) or len(data) != len(fn.inputs):
        return 0, f"This job takes {len(fn.inputs)} input values"
    for index, (component, value) in enumerate(zip(fn.inputs, data, strict=True)):
        if value is None or getattr(component, "stateful", False):
            continue  # a default; or server-side state, which a client cannot set
        info = component.api_info()
        label = getattr(component, "label", None) or type(component).__name__
        kinds = _JSON_TYPES.get(info.get("type"))
        if kinds is None:
            continue  # files and other objects: Gradio's own checks
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            return index, f"{label}: expected a {info['type']}"
        if "enum" in info and value not in info["enum"]:
            return index, f"{label}: choose one of {', '.join(map(str, info['enum']))}"
        low, high = getattr(component, "minimum", None), getattr(component, "maximum", None)
        if isinstance(value, (int, float)) and (
                (low is not None and value < low) or (high is not None and value > high)):
            return index, f"{label}: expected a value from {low} to {high}"
    return None


def _invalid(fn: Any, index: int, message: str) -> Pushed:
    """Gradio's answer for a value that fails validation: 422, the message on that input."""
    names = list(inspect.signature(fn.fn).parameters) if fn.fn else []
    verdicts = [{"__type__": "validate", "is_valid": i != index,
                 "message": message if i == index else "",
                 "parameter_name": names[i] if i < len(names) else f"parameter_{i}"}
                for i in range(max(len(fn.inputs), index + 1))]
    return False, verdicts, "validator_error"


def _client(request: Any) -> str:
    """A page visitor is its address (behind a trusted proxy, the one it forwarded)."""
    return client_of(getattr(getattr(request, "client", None), "host", None))


class PageDoor:
    """Counts the page's jobs per client and refuses what is over the rules."""

    def __init__(self, rules: DoorRules, limits: ClientLimits | None = None) -> None:
        self.rules = rules
        self.limits = limits
        self._joining: Counter[str] = Counter()  # pushes under way, not yet in the queue

    def install(self, blocks: Any, jobs: Iterable[Callable[..., Any]]) -> None:
        """Guard ``blocks``' queue; ``jobs`` are the functions whose events count (model calls,
        file and URL loading; the page's own display steps pass freely)."""
        queue = blocks._queue
        counted = set(jobs)
        push = queue.push

        async def guarded_push(body: Any, request: Any, username: str | None) -> Pushed:
            fn = blocks.fns.get(body.fn_index) if body.fn_index is not None else None
            received = getattr(blocks, "upload_file_set", set())
            if fn is not None and any(p not in received for p in _file_paths(body.data)):
                # Gradio refuses it too, but with a traceback in the log for each try.
                logger.info("page event refused: it names a file not uploaded to this page")
                return _invalid(fn, 0, NOT_AN_UPLOAD)
            if fn is None or fn.fn not in counted:
                return await push(body, request, username)
            problem = _bad_inputs(fn, body.data)
            if problem is not None:
                logger.info("page job refused: %s", problem[1])
                return _invalid(fn, *problem)
            client = _client(request)
            refusal = self.refusal(client, queue, counted)
            if refusal is not None:
                logger.info("page job refused (%s): %s", client, refusal[1])
                full, message = refusal
                return (False, message, "queue_full") if full else _invalid(fn, 0, message)
            self._joining[client] += 1
            try:
                return await push(body, request, username)
            finally:
                self._joining[client] -= 1
                if self._joining[client] <= 0:
                    del self._joining[client]

        queue.push = guarded_push

    def refusal(self, client: str, queue: Any, counted: set[Callable[..., Any]]
                ) -> tuple[bool, str] | None:
        """Why ``client`` may not queue a job now, and whether it is because the whole queue
        is full; None: it may (and the request is counted against its rate)."""
        waiting = Counter(_client(event.request)
                          for event in list(queue.event_ids_to_events.values())
                          if event.fn.fn in counted)
        waiting.update(self._joining)
        mine, everyone = waiting[client], sum(waiting.values())
        if mine >= self.rules.queue_per_client:
            return False, (f"Server busy: you already have {mine} jobs waiting or running (at "
                           f"most {self.rules.queue_per_client}); wait for one to finish")
        if everyone >= self.rules.queue_size:
            logger.warning("page jobs refused: the queue is full (%d jobs)", everyone)
            return True, (f"Server busy: {everyone} jobs are waiting or running; try again in "
                          "a minute")
        if self.limits is not None:
            over = self.limits.hit(client, self.rules.requests_per_minute)
            if over is not None:
                return False, f"{over.message}; try again in {over.retry_after_s} s"
        return None

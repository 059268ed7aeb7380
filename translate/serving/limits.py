"""Per-client request rates, one moving window shared by every door of the server.

A client is named by what it proves: ``key:KEY`` for an API key, else ``ip:ADDRESS`` (a page
visitor too, logged in or not: one ``--auth`` login is often shared by a whole team). The REST
API and the page's events count in the same buckets, so a keyless client cannot double its rate
by switching doors. Wrong API keys and
wrong logins are counted per address apart, so guessing is slow.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

# Wrong API keys or wrong logins an address may make per minute before it is refused.
FAILURES_PER_MINUTE = 10


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, and when the client may try again."""

    message: str
    retry_after_s: int
    status: int = 429  # 503 when the whole server is full rather than this client

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


def client_of(address: str | None, *, key: str | None = None) -> str:
    """The bucket a request counts in: its key, else its address."""
    return f"key:{key}" if key else f"ip:{address or '-'}"


class ClientLimits:
    """Requests per client per minute (``limits``' moving window, in memory), and failed
    attempts per address. Thread-safe: the page's events run in worker threads."""

    def __init__(self, failures_per_minute: int = FAILURES_PER_MINUTE) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._parse = parse
        self._lock = threading.Lock()
        self.failures_per_minute = failures_per_minute

    def _refusal(self, per_minute: int, bucket: str, message: str) -> Refusal:
        """The refusal, with the seconds until the oldest request of the window expires."""
        item = self._parse(f"{per_minute}/minute")
        reset = self._limiter.get_window_stats(item, bucket).reset_time
        return Refusal(message, max(1, math.ceil(reset - time.time())))

    def hit(self, client: str, per_minute: int, cost: int = 1) -> Refusal | None:
        """Count a request of ``client`` costing ``cost`` (a batch of N texts costs N); a
        refusal when ``client`` has no request left this minute (``per_minute``; 0: no
        limit). As LibreTranslate counts: a request is let in while the window has room for
        one, and then costs what it costs (at most the room left, which it fills)."""
        if per_minute <= 0:
            return None
        item = self._parse(f"{per_minute}/minute")
        with self._lock:
            if not self._limiter.test(item, client):
                return self._refusal(per_minute, client, f"Slowdown: {per_minute} per 1 minute")
            room = self._limiter.get_window_stats(item, client).remaining
            self._limiter.hit(item, client, cost=max(1, min(cost, room)))
            return None

    def over(self, client: str, per_minute: int) -> Refusal | None:
        """Whether ``client`` has no request left this minute, without counting one: a
        server refuses such a client before reading its body."""
        if per_minute <= 0:
            return None
        with self._lock:
            if self._limiter.test(self._parse(f"{per_minute}/minute"), client):
                return None
            return self._refusal(per_minute, client, f"Slowdown: {per_minute} per 1 minute")

    def failed(self, address: str | None) -> None:
        """A wrong API key or login from ``address``."""
        with self._lock:
            self._limiter.hit(self._parse(f"{self.failures_per_minute}/minute"),
                              f"failed:{address or '-'}")

    def failing(self, address: str | None) -> Refusal | None:
        """A refusal while ``address`` has made too many wrong attempts this minute."""
        bucket = f"failed:{address or '-'}"
        with self._lock:
            if self._limiter.test(self._parse(f"{self.failures_per_minute}/minute"), bucket):
                return None
            return self._refusal(self.failures_per_minute, bucket,
                                 f"Slowdown: more than {self.failures_per_minute} wrong API keys "
                                 "or logins per 1 minute from this address")

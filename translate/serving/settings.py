"""The server's own options (``vi2en serve``): how long a client may take to send a request,
how many connections and queued page jobs it may hold, how much it may upload, which proxy to
believe. Apart from the server so that the command line builds them without importing it."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
# File handles kept for the process itself (models, logs, temporary files) when the default
# connection cap is derived from the open-files limit.
RESERVED_FILE_HANDLES = 100
DEFAULT_MAX_CONNECTIONS = 1000
# h11's own default, set explicitly: request line and headers together.
MAX_HEADER_BYTES = 16 * 1024
# Uploaded files a client, and all clients together, may hold on the server (not yet read).
UPLOAD_FILES_PER_CLIENT = 16
UPLOAD_FILES_TOTAL = 1024


def open_files_limit() -> int | None:
    """The process's soft limit on open files (``ulimit -n``); None where there is none to
    read (Windows) or it is unlimited."""
    try:
        import resource
    except ImportError:
        return None
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if limit == resource.RLIM_INFINITY else limit


def default_max_connections() -> int:
    """Connections at once: 1,000, or fewer where the open-files limit would run out first
    (every connection is a file handle)."""
    limit = open_files_limit()
    if limit is None:
        return DEFAULT_MAX_CONNECTIONS
    return max(16, min(DEFAULT_MAX_CONNECTIONS, limit - RESERVED_FILE_HANDLES))


@dataclass(frozen=True)
class ServerSettings:
    """Timeouts, caps and quotas of ``vi2en serve`` (each a command-line option)."""

    # The request line and headers must arrive within this many seconds of the connection
    # opening (or of their first byte, on a kept-alive connection).
    header_timeout_s: float = 10.0
    # The body must arrive within this many seconds of the headers.
    body_timeout_s: float = 60.0
    # An idle kept-alive connection is closed after this many seconds (uvicorn's own).
    keep_alive_s: float = 5.0
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    # Connections from one address; 0 turns it off (behind a proxy every client shares one).
    max_connections_per_client: int = 64
    max_header_bytes: int = MAX_HEADER_BYTES
    # Addresses whose X-Forwarded-For/-Proto are believed ("*" for any); None: no proxy.
    forwarded_allow_ips: str | None = None
    # The address clients use (https://translate.example.org/): links and redirects are built
    # from it, never from the request's Host header. None: relative links.
    public_url: str | None = None
    # Page jobs (model calls, file and URL loading) waiting or running.
    queue_size: int = 64
    queue_per_client: int = 3
    upload_quota_bytes: int = 64 * MB  # per client, uploaded and not yet read
    upload_total_bytes: int = 512 * MB  # all clients together
    page: bool = True  # serve the page beside the API

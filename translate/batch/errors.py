"""Why a batch job cannot start (each a usage error, exit code 2, never a partial run), or
cannot go on."""

from __future__ import annotations

from ..errors import InputError, OutputError


class BatchUsageError(InputError):
    """The job cannot start: missing input, unreadable output, bad column (exit code 2)."""


class OutputLockedError(BatchUsageError, OutputError):
    """Another run holds the output's lock."""


class NotOurOutputError(BatchUsageError, OutputError):
    """The output exists and is not a vi2en batch output: it is left untouched."""


class OutputWriteError(OSError):
    """The output could not be written mid-run (a full disk): the message names the file."""

"""The exception types of `dedup`: `DedupError` is the one a user needs to catch."""

from __future__ import annotations


class DedupError(Exception):
    """Bad input or a bad parameter, with a message naming the input, the place and the reason.

    The CLI prints the message as one line on stderr and exits with status 2.
    """


class ConfigError(DedupError, ValueError):
    """A setting out of its range (``seed=-1``, ``bands=0``): raised by every config check.

    A `DedupError`, so that the CLI says it in one line and exits with status 2, and a
    `ValueError`, as a bad argument to a constructor is in Python (scikit-learn, datasketch).
    """


class WorkerLost(DedupError, RuntimeError):
    """A worker process ended without giving back its job's result: killed from outside, most
    often by the system when memory ran out.

    A `DedupError`, so that the CLI says it in one line (with what to try) and exits with status 2
    instead of showing a traceback, and a `RuntimeError`, as the failure of a background job it is.
    """

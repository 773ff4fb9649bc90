"""The warnings of one command run: each printed as it comes, except notices that repeat per file.

A folder of 140 files saved as cp1252 would otherwise print 140 lines that say the same thing and
push everything else off the screen. Such a notice (one of `SUMMARISED`) is gathered instead and
said once, at the end, with a count and the first few files; ``--verbose`` prints each as it comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dedup.io.readers import NOT_UTF8_NOTICE

SUMMARISED = (NOT_UTF8_NOTICE,)
"""Notices said about one file at a time that are gathered into one line; the rest print at once."""

FILES_SHOWN = 3
"""How many of a gathered notice's files its summary line names."""


class WarningLog:
    """Receives a run's warnings through `warn`; prints them through `emit`, the repeated ones gathered.

    Parameters
    ----------
    emit : callable
        Prints one warning line (the CLI adds ``dedup: warning:``).
    verbose : bool, default False
        Print every warning as it comes, gathering none.
    """

    def __init__(self, emit: Callable[[str], None], *, verbose: bool = False) -> None:
        self._emit = emit
        self._verbose = verbose
        self._files: dict[str, list[str]] = {notice: [] for notice in SUMMARISED}
        self._counts: dict[str, int] = dict.fromkeys(SUMMARISED, 0)

    def warn(self, message: str) -> None:
        """Print `message` now, or gather it when it is a per-file notice and the log is not verbose."""
        notice = None if self._verbose else _summarised_notice(message)
        if notice is None:
            self._emit(message)
            return
        self._counts[notice] += 1
        if len(self._files[notice]) <= FILES_SHOWN:
            self._files[notice].append(message[: -len(notice) - 2])

    def flush(self) -> None:
        """Print what was gathered, one line per notice, and forget it; call it when the run ends."""
        for line in self.summary():
            self._emit(line)
        self._files = {notice: [] for notice in SUMMARISED}
        self._counts = dict.fromkeys(SUMMARISED, 0)

    def summary(self) -> Iterator[str]:
        """The lines `flush` would print: a notice about one file as it was given, about several
        as their count, the first `FILES_SHOWN` of them, and how to see the rest."""
        for notice in SUMMARISED:
            count, files = self._counts[notice], self._files[notice]
            if count == 1:
                yield f"{files[0]}: {notice}"
            elif count > 1:
                shown = ", ".join(files[:FILES_SHOWN])
                rest = f" and {count - FILES_SHOWN} more (--verbose lists every one)" if count > FILES_SHOWN else ""
                yield f"{count} files {notice}: {shown}{rest}"


def _summarised_notice(message: str) -> str | None:
    """The gathered notice `message` states about one file (``path: notice``), or None."""
    for notice in SUMMARISED:
        if message.endswith(f": {notice}"):
            return notice
    return None

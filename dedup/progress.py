"""How long work reports its progress: the callback every pipeline takes and the stages it names.

Pure logic never draws anything: a pipeline calls ``progress(stage, advance)`` as it goes, and the
command line turns those calls into a bar (`dedup.cli.progress_bar`); the API's default does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int], None]
"""Called as ``progress(stage, advance)``: `advance` more units of `stage` are done."""

READ = "read"
"""Articles read and sketched (a stream of unknown length)."""
PREPARE = "prepare"
"""Articles prepared: normalised, furniture removed, sentences split; one unit an article."""
CANDIDATES = "candidates"
"""Announces how many pairs will be scored (its `advance` is that total), before any is."""
SCORE = "score"
"""Pairs scored; the units add up to what `CANDIDATES` announced."""


def no_progress(stage: str, advance: int) -> None:
    """The default callback: report nothing."""

"""Renderers only: each takes computed data (clusters, alignments, flags) and draws it, never recomputes."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 article``, ``2 articles``: a count with its noun in the number it takes."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"

"""Renderers only: each takes computed data (clusters, alignments, flags) and draws it, never recomputes."""

from __future__ import annotations

import html

from dedup.report.terminal import clean


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 article``, ``2 articles``: a count with its noun in the number it takes."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def escape_html(text: str) -> str:
    """`html.escape` (quotes included) of text from the input, after `terminal.clean`: control
    characters and bidirectional overrides are shown as escapes (``\\x1b``, ``\\u202e``) as the
    terminal shows them, where a browser would draw nothing or let an override reorder the page."""
    return html.escape(clean(text))

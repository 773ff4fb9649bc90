"""YAML-style front matter of a ``.txt``/``.md`` article: its metadata, kept out of its text.

A file that starts with a line ``---``, then ``key: value`` lines, then a line ``---`` (or
``...``), as Jekyll, Hugo and most static-site tools write it, carries `title`, `source`,
`published` and `url` there (``date`` is read as `published` when there is no `published`).
Only this flat subset of YAML is read: one ``key: value`` a line, a value optionally in quotes,
an indented line continuing the value above it, ``#`` comment lines; other keys are ignored.
A block that is not of this shape, or sets none of those fields (a Markdown rule ``---`` opening
an article, say), is not front matter, and the text is left whole.
"""

from __future__ import annotations

import re

FIELDS = ("title", "source", "published", "url")
"""Article fields front matter can set."""

_ALIASES = {"date": "published"}
_DELIMITER = re.compile(r"---[ \t]*")
_END = re.compile(r"(?:---|\.\.\.)[ \t]*")
_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?")


def split_front_matter(text: str) -> tuple[dict[str, str | None], str]:
    """The article fields set by `text`'s front matter and the text after it.

    Returns ``({}, text)`` when `text` has no front matter. Field values are stripped, surrounding
    quotes removed, and empty ones None, as the other readers give them.
    """
    lines = text.splitlines(keepends=True)
    if not lines or not _DELIMITER.fullmatch(lines[0].rstrip("\r\n")):
        return {}, text
    values: dict[str, str] = {}
    last: str | None = None
    for number, line in enumerate(lines[1:], start=1):
        content = line.rstrip("\r\n")
        if _END.fullmatch(content):
            if not any(_ALIASES.get(key, key) in FIELDS for key in values):
                return {}, text  # nothing of an article's: a rule and a line of text, perhaps
            return _fields(values), "".join(lines[number + 1 :])
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        if content[0] in " \t":
            if last is None:
                return {}, text
            values[last] = f"{values[last]} {content.strip()}".strip()
            continue
        entry = _ENTRY.fullmatch(content.rstrip())
        if entry is None:
            return {}, text
        last = entry.group(1).lower()
        values[last] = (entry.group(2) or "").strip()
    return {}, text  # never closed: not front matter


def _fields(values: dict[str, str]) -> dict[str, str | None]:
    """The article fields among front matter `values`, unquoted, empty ones None."""
    fields: dict[str, str | None] = {}
    for key, value in values.items():
        field = _ALIASES.get(key, key)
        if field not in FIELDS or (field != key and field in values):
            continue
        fields[field] = _unquoted(value) or None
    return fields


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value

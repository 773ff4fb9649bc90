"""Dates of publication: the one reading of an article's `published` text that every stage uses.

`published` is kept as the text the input gave (so that every output echoes it as given); what it
means in time is decided here alone: ISO 8601, with its time zone honoured, and a time without a
zone taken as UTC. `cluster` (canonical choice, story order) and `flag` (time order) both call it.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

EXAMPLES = "e.g. 2024-12-22 or 2024-12-22T09:30:00Z"
"""Examples of accepted dates, for messages."""

DATE_STAMP = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)\s*", re.I)
"""A leading ``date 2024-12-22`` (or ``date 2024-12-22 09:30``) stamp that scrapers prepend to a
text: `dedup.text.strip_furniture` drops it from the compared body, and the readers take it as
the article's `published` when the record gives none (`stamped_date`)."""


def parse_published(text: str) -> datetime:
    """The moment an ISO 8601 `published` text names, as an aware datetime in UTC.

    A date alone is its midnight; a time without a zone is taken as UTC; ``Z`` is UTC. So
    ``2024-01-01T10:00:00+05:00`` (05:00 UTC) is earlier than ``2024-01-01T06:00:00Z``.

    Raises
    ------
    ValueError
        When `text` is not an ISO 8601 date or time, with a message naming it (``yesterday``), or
        names a moment outside the years 1-9999 in UTC.
    """
    stripped = text.strip()
    candidate = stripped[:-1] + "+00:00" if stripped.endswith(("Z", "z")) else stripped
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        msg = f"published {text!r} is not an ISO 8601 date ({EXAMPLES})"
        raise ValueError(msg) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:59-01:00 and 0001-01-01T00:00+01:00 are outside Python's years
        msg = f"published {text!r} falls outside the years 1-9999 once taken to UTC"
        raise ValueError(msg) from None


def published_moment(text: str | None) -> datetime | None:
    """`parse_published` of `text`, or None when there is no date or it cannot be read
    (`published_problem` says why, for a warning)."""
    if text is None or not text.strip():
        return None
    try:
        return parse_published(text)
    except ValueError:
        return None


def published_problem(text: str | None, where: str) -> str | None:
    """A one-line warning for a `published` text that is given but cannot be read, naming `where`
    (the article's origin or id); None when it is absent or reads as a date."""
    if text is None or not text.strip():
        return None
    try:
        parse_published(text)
    except ValueError as error:
        return f"{where}: {error}; the article is taken as undated"
    return None


def stamped_date(text: str) -> str | None:
    """The date of a `DATE_STAMP` at the start of `text`, as ISO 8601 text (``2024-12-22``,
    ``2024-12-22T09:30``), or None when the text has no stamp or its date does not exist."""
    found = DATE_STAMP.match(text.removeprefix("\ufeff")[:64])
    if found is None:
        return None
    date = found.group("date").replace(" ", "T")
    return date if published_moment(date) is not None else None

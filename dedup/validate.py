"""What every public entry point refuses before any work is done: the API boundary's one check.

Readers build articles from files and say where each came from; a caller of the Python API can
hand over anything. Both go through `article_problem` (the readers) or `checked_articles` /
`check_text_pairs` (the API), so that a lone UTF-16 surrogate, which no UTF-8 output can hold and
which the hashing stages cannot encode, is refused in one place with a message naming the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from dedup.errors import DedupError
from dedup.model import Article

# A code point in U+D800..U+DFFF standing alone: Python strings can hold one (from a \ud800 JSON
# escape, a surrogateescape'd file name, or a caller's literal), UTF-8 cannot.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_OPTIONAL_FIELDS = ("title", "source", "published", "url", "origin")

# What an id may not hold: control characters (tab and line ends included) and the bidirectional
# overrides and isolates. An id is a key people type and programs match (`dedup index remove ID`,
# `--kept` file names, CSV and table cells): a tab or newline in one showed as a space in every
# table, and `index remove` could not be given it.
_NOT_IN_ID = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def surrogate_problem(where: str, fields: Iterable[tuple[str, object]]) -> str | None:
    """A one-line message naming the first of `fields` whose text holds a lone surrogate, else None.

    Parameters
    ----------
    where : str
        Names the record or article in the message (``file:line``, ``article 'a'``); it is shown
        with any surrogate of its own escaped, so the message itself can always be printed.
    fields : iterable of (name, value)
        Values are searched when they are strings, and inside lists and dicts (keys too), as JSON
        Lines records nest them; anything else is passed over.
    """
    for name, value in fields:
        found = _first_surrogate(value)
        if found is not None:
            offset, code = found
            return (
                f"{printable(where)}: '{printable(name)}' holds a lone surrogate \\u{code:04x} "
                f"at character {offset}, not valid Unicode"
            )
    return None


def id_problem(where: str, article_id: str) -> str | None:
    """A one-line message naming the first control character (a tab, a line end) or bidirectional
    override in `article_id`, which no id may hold, else None; `where` names the article."""
    found = _NOT_IN_ID.search(article_id)
    if found is None:
        return None
    code = ord(found.group())
    shown = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return (
        f"{printable(where)}: 'id' holds {shown} at character {found.start()}, a control character or "
        "direction override: an id is one line of printable text"
    )


def article_problem(article: object, what: str = "article") -> str | None:
    """A one-line message saying why `article` cannot be processed, or None when it can.

    An object that is not an `Article`, an `id` or `text` that is not a string, an optional field
    that is neither a string nor None, a lone surrogate in any field, and an id holding a control
    character (a tab, a line end) or a bidirectional override are refused.
    """
    if not isinstance(article, Article):
        return f"each {what} must be an Article, got {type(article).__name__}"
    where = f"{what} {printable(repr(article.id))}"
    if article.origin and isinstance(article.origin, str):
        where += f" ({printable(article.origin)})"
    for name in ("id", "text"):
        if not isinstance(getattr(article, name), str):
            return f"{where}: '{name}' must be a string, got {type(getattr(article, name)).__name__}"
    for name in _OPTIONAL_FIELDS:
        value = getattr(article, name)
        if value is not None and not isinstance(value, str):
            return f"{where}: '{name}' must be a string or None, got {type(value).__name__}"
    fields = [(name, getattr(article, name)) for name in ("id", "text", *_OPTIONAL_FIELDS)]
    return surrogate_problem(where, fields) or id_problem(where, article.id)


def checked_articles(articles: Iterable[object], what: str = "article") -> Iterator[Article]:
    """Pass `articles` through lazily, raising `DedupError` at the first one `article_problem` refuses.

    Call it where articles enter a public function; being a generator it keeps a stream a stream.
    """
    for article in articles:
        problem = article_problem(article, what)
        if problem is not None:
            raise DedupError(problem)
        yield article  # type: ignore[misc]  # article_problem has checked it is an Article


def check_text_pairs(pairs: Sequence[object], what: str = "pair") -> None:
    """Raise `DedupError` naming the first pair (by index) that is not two strings free of lone surrogates."""
    for index, pair in enumerate(pairs):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise DedupError(f"{what} {index}: expected a (text1, text2) pair, got {type(pair).__name__}")
        for side, text in zip(("text1", "text2"), pair):
            if not isinstance(text, str):
                raise DedupError(f"{what} {index}: {side} must be a string, got {type(text).__name__}")
        problem = surrogate_problem(f"{what} {index}", zip(("text1", "text2"), pair))
        if problem is not None:
            raise DedupError(problem)


def _first_surrogate(value: object) -> tuple[int, int] | None:
    """(character offset, code point) of the first lone surrogate in `value`, searched recursively."""
    if isinstance(value, str):
        match = _LONE_SURROGATE.search(value)
        return (match.start(), ord(match.group())) if match else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_surrogate(key) or _first_surrogate(item)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = _first_surrogate(item)
            if found is not None:
                return found
    return None


def printable(text: str) -> str:
    """`text` with lone surrogates written as ``\\udXXX`` escapes, so that it can be printed as UTF-8."""
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class UniqueIds:
    """The one rule for repeated ids: the first article with an id is kept, a later one is refused
    with a message naming where each was found (``duplicate id``, or ``duplicate <what> id`` when
    `what` is given: an entry point that takes two sets, like flag's articles and wire stories).
    The readers (`dedup.io.readers.ArticleGate`) and the API (`unique_articles`) apply it."""

    def __init__(self, what: str | None = None) -> None:
        self.kind = f"{what} id" if what else "id"
        self.first_origin_of: dict[str, str] = {}

    def problem(self, article_id: str, origin: str) -> str | None:
        """None for an id not seen before (remembered from now on), else why it is refused."""
        first = self.first_origin_of.get(article_id)
        if first is None:
            self.first_origin_of[article_id] = origin
            return None
        return f"{origin}: duplicate {self.kind} {article_id!r} (first seen at {first})"


def unique_articles(articles: Iterable[object], what: str = "article", *, say_what: bool = False) -> list[Article]:
    """`checked_articles` as a list, raising `DedupError` for an id given twice (`UniqueIds`; the
    message says `what` the articles are with `say_what`); where each was found is its ``origin``,
    else its id."""
    batch = list(checked_articles(articles, what))
    ids = UniqueIds(what if say_what else None)
    for article in batch:
        problem = ids.problem(article.id, article.origin or article.id)
        if problem is not None:
            raise DedupError(problem)
    return batch

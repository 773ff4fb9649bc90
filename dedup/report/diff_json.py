"""A paraphrase diff (`PairDiff`) as one JSON document, for programs.

Numbers are written at full precision and sentence indices are 0-based (as in `dedup.model`), so
that reading the document back gives the alignment's data exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from dedup.model import Article, PairDiff, Sentence
from dedup.version import __version__

DIFF_JSON_KEYS = (
    "version",
    "a",
    "b",
    "relation",
    "cosine",
    "shared",
    "rewritten",
    "shares",
    "sentences",
    "links",
    "metadata",
)

METADATA_FIELDS = ("title", "source", "published", "url")
"""What the input says of an article besides its text, as a diff report shows it."""


def article_metadata(article: Article | None) -> dict:
    """`METADATA_FIELDS` of `article` as the input gave them (None when not given or no article)."""
    return {name: getattr(article, name, None) for name in METADATA_FIELDS}


def diff_record(result: PairDiff, *, a: Article | None = None, b: Article | None = None) -> dict:
    """The JSON-ready data of a diff; `a` and `b`, the two articles, give ``metadata``.

    Returns
    -------
    dict
        ``version`` (of dedup), ``a`` and ``b`` (ids), ``relation``, ``cosine``, ``shared`` and
        ``rewritten`` (``{"a": share, "b": share}``: the relation's figures, as `cluster` gives
        them), ``shares``
        (``{"a": {class: share}, "b": ...}`` with classes verbatim, edited, rewritten, quote, new),
        ``sentences`` (``{"a": [{"index", "text", "quote_share"}], "b": [...]}``) and ``links``
        (``{"a": [indices], "b": [indices], "kind", "similarity", "word_changes": [[op, a_tokens,
        b_tokens], ...]}``, in the alignment's order; tokens are `dedup.align.display_tokens`, each
        with the whitespace before it), then ``metadata`` (``{"a": {"title", "source",
        "published", "url"}, "b": ...}``, null where the input gave none).
    """

    alignment = result.alignment
    return {
        "version": __version__,
        "a": alignment.a_id,
        "b": alignment.b_id,
        "relation": result.relation,
        "cosine": float(result.cosine),
        "shared": {"a": float(result.shared[0]), "b": float(result.shared[1])},
        "rewritten": {"a": float(result.rewritten[0]), "b": float(result.rewritten[1])},
        "shares": {side: alignment.shares(side) for side in ("a", "b")},
        "sentences": {
            "a": [_sentence_record(s) for s in alignment.a_sentences],
            "b": [_sentence_record(s) for s in alignment.b_sentences],
        },
        "links": [
            {
                "a": list(link.a),
                "b": list(link.b),
                "kind": link.kind,
                "similarity": float(link.similarity),
                "word_changes": [
                    [change.op, list(change.a), list(change.b)]
                    for change in (result.word_changes[k] if k < len(result.word_changes) else ())
                ],
            }
            for k, link in enumerate(alignment.links)
        ],
        "metadata": {"a": article_metadata(a), "b": article_metadata(b)},
    }


def diff_json(
    result: PairDiff, *, indent: int | None = 2, a: Article | None = None, b: Article | None = None
) -> Iterator[str]:
    """Chunks of one JSON document (see `diff_record`), ending in a newline; write them in order.

    Non-ASCII text is kept as is (not ``\\u`` escaped), like the JSON Lines writer.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, indent=indent)
    yield from encoder.iterencode(diff_record(result, a=a, b=b))
    yield "\n"


def _sentence_record(sentence: Sentence) -> dict:
    return {"index": sentence.index, "text": sentence.text, "quote_share": float(sentence.quote_share)}

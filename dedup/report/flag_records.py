"""Program-readable records (for JSON Lines and CSV) of derivation flags."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dedup.flag import ArticleFlag, FlagResult, Shares
from dedup.model import Article

ARTICLE_FIELDS = ("title", "source", "published", "url")
"""What the input said of an article, echoed after each record's own fields."""

FLAG_CSV_FIELDS = (
    "id",
    "derivation",
    "sources",
    "source_shares",
    "sentence_count",
    "verbatim_sentences",
    "edited_sentences",
    "rewritten_sentences",
    "verbatim_chars",
    "edited_chars",
    "rewritten_chars",
    "quote_sentences",
    "quote_chars",
    "containment",
    "score",
    "evidence",
    *ARTICLE_FIELDS,
)
"""Columns of `dedup flag --format csv`: one article a row; shares are fractions of the article."""


def _shares(shares: Shares) -> dict:
    return {
        "verbatim": round(shares.verbatim, 4),
        "edited": round(shares.edited, 4),
        "rewritten": round(shares.rewritten, 4),
    }


def flag_record(flag: ArticleFlag) -> dict:
    """One JSON-ready object for one article's flag: verdict, sources, coverage, quotes, evidence."""
    return {
        "id": flag.id,
        "derivation": flag.derivation,
        "sources": [
            {
                "id": source.id,
                "derived": round(source.derived, 4),
                "cosine": round(source.cosine, 4),
            }
            for source in flag.sources
        ],
        "sentence_count": flag.sentence_count,
        "coverage": {"sentences": _shares(flag.sentences), "characters": _shares(flag.characters)},
        "quotes": {
            "sentences": flag.quotes.sentences,
            "characters": round(flag.quotes.characters, 4),
            "copied_sentences": flag.quotes.copied_sentences,
            "copied_characters": round(flag.quotes.copied_characters, 4),
        },
        "containment": flag.containment,
        "score": flag.score,
        "evidence_total": flag.evidence_total,
        "evidence": [
            {
                "article_index": item.article_index,
                "article_sentence": item.article_sentence,
                "source": item.source,
                "source_index": item.source_index,
                "source_sentence": item.source_sentence,
                "kind": item.kind,
                "similarity": round(item.similarity, 4),
            }
            for item in flag.evidence
        ],
    }


def flag_records(result: FlagResult, articles: Iterable[Article] = ()) -> Iterator[dict]:
    """One JSON-ready object per input article, in input order, ending with the `title`, `source`,
    `published` and `url` that `articles` (the input the result was made from) give it, null when
    not given."""
    echo = _echo(articles)
    for flag in result.flags:
        yield flag_record(flag) | echo(flag.id)


def flag_rows(result: FlagResult, articles: Iterable[Article] = ()) -> Iterator[dict]:
    """One flat row per input article (for CSV); evidence as ``article#i>source#j kind similarity``
    items; then the input's `title`, `source`, `published` and `url` as in `flag_records`."""
    echo = _echo(articles)
    for flag in result.flags:
        row = {
            "id": flag.id,
            "derivation": flag.derivation,
            "sources": [source.id for source in flag.sources],
            "source_shares": [f"{source.derived:.4f}" for source in flag.sources],
            "sentence_count": flag.sentence_count,
            "verbatim_sentences": round(flag.sentences.verbatim, 4),
            "edited_sentences": round(flag.sentences.edited, 4),
            "rewritten_sentences": round(flag.sentences.rewritten, 4),
            "verbatim_chars": round(flag.characters.verbatim, 4),
            "edited_chars": round(flag.characters.edited, 4),
            "rewritten_chars": round(flag.characters.rewritten, 4),
            "quote_sentences": flag.quotes.sentences,
            "quote_chars": round(flag.quotes.characters, 4),
            "containment": flag.containment,
            "score": flag.score,
            "evidence": [
                f"{item.article_index}>{item.source}#{item.source_index} {item.kind} {item.similarity:.2f}"
                for item in flag.evidence
            ],
        }
        yield row | echo(flag.id)


def _echo(articles: Iterable[Article]):
    """A function giving, for an article id, the input's fields of that article (None when unknown)."""
    by_id = {article.id: article for article in articles}

    def fields(article_id: str) -> dict:
        article = by_id.get(article_id)
        return {name: getattr(article, name) if article is not None else None for name in ARTICLE_FIELDS}

    return fields

"""The one reading of `published` (dedup.dates), and that cluster and flag both order by it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from dedup import Article
from dedup.cli import main
from dedup.dates import parse_published, published_moment, published_problem
from dedup.flag import time_ranks
from dedup.group import choose_canonical

EAST = "2024-01-01T10:00:00+05:00"  # 05:00 UTC
ZULU = "2024-01-01T06:00:00Z"  # 06:00 UTC: later, though it sorts first as text


def test_time_zones_are_honoured():
    assert parse_published(EAST) < parse_published(ZULU)
    assert parse_published(EAST) == datetime(2024, 1, 1, 5, tzinfo=timezone.utc)
    assert EAST > ZULU  # what comparing the texts got wrong


def test_a_date_alone_is_midnight_and_a_time_without_zone_is_utc():
    assert parse_published("2024-01-01") == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert parse_published(" 2024-01-01T06:00:00 ") == parse_published(ZULU)
    assert parse_published("2024-01-01t06:00:00z") == parse_published(ZULU)


@pytest.mark.parametrize("text", ["yesterday", "01/02/2024", "2024-13-01", "12 May 2024"])
def test_text_that_is_not_an_iso_date_is_refused_by_name(text):
    with pytest.raises(ValueError, match=f"published {text!r} is not an ISO 8601 date"):
        parse_published(text)
    assert published_moment(text) is None
    assert published_problem(text, "batch.jsonl:3") == (
        f"batch.jsonl:3: published {text!r} is not an ISO 8601 date (e.g. 2024-12-22 or 2024-12-22T09:30:00Z);"
        " the article is taken as undated"
    )


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_outside_the_years_python_holds_in_utc_is_undated_with_a_warning(text, tmp_path):
    with pytest.raises(ValueError, match="outside the years 1-9999"):
        parse_published(text)
    assert published_moment(text) is None
    assert published_problem(text, "x").endswith("the article is taken as undated")
    batch = tmp_path / "batch.jsonl"
    record = {
        "id": "x",
        "text": "The council approved the library budget on Tuesday after a long debate.",
        "published": text,
    }
    batch.write_text(json.dumps(record) + "\n", encoding="utf-8")
    for command in (
        ["cluster", str(batch)],
        ["flag", str(batch)],
        ["index", "add", "--index", str(tmp_path / "i.db"), str(batch)],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0 and result.exception is None, (command, result.output)
        assert "taken as undated" in result.stderr, command


def test_absent_dates_are_no_problem():
    assert published_moment(None) is None and published_problem(None, "x") is None
    assert published_problem("2024-01-01", "x") is None


def test_cluster_canonical_and_flag_order_read_dates_the_same_way():
    articles = [Article("zulu", "x", published=ZULU), Article("east", "x", published=EAST)]
    assert choose_canonical([0, 1], articles, [10, 10]) == (1, "earliest-published")
    ranks, order = time_ranks(articles)
    assert order == "published" and ranks[1] < ranks[0]


def test_flag_takes_a_bad_date_in_a_batch_as_none_as_cluster_does():
    """Flag's time order reads `published` as cluster does: a value that is not a date is no date
    (flag_articles warns of it, naming the article), never a stop."""
    ranks, order = time_ranks(
        [Article("a", "x", published="yesterday", origin="a.jsonl:1"), Article("b", "x", published=ZULU)]
    )
    assert order == "published+undated" and ranks[0] == float("inf") and ranks[1] == 0
    assert published_problem("yesterday", "a.jsonl:1").startswith("a.jsonl:1: published 'yesterday'")


def test_flag_takes_a_bad_date_in_a_batch_as_undated_as_cluster_does():
    ranks, order = time_ranks([Article("a", "x", published="yesterday", origin="a.jsonl:1")])
    assert order == "input" and ranks.tolist() == [0.0]


def test_a_leading_date_stamp_gives_a_date():
    from dedup.dates import stamped_date

    assert stamped_date(" date 2024-12-22 FO spokesperson says") == "2024-12-22"
    assert stamped_date("\ufeffDate 2024-12-22 09:30 Text") == "2024-12-22T09:30"
    assert stamped_date("date 2024-02-30 no such day") is None
    assert stamped_date("The date 2024-12-22 is in the text") is None
    assert stamped_date("No stamp at all") is None

"""Front matter of .txt/.md articles (dedup.io.frontmatter) and the directory reader that uses it."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup.cli import main
from dedup.io.frontmatter import split_front_matter
from dedup.io.readers import read_articles

BODY = "Heavy rain flooded parts of the coastal city overnight.\n\nSchools will stay closed.\n"


def test_front_matter_sets_the_fields_and_leaves_the_body():
    text = (
        "---\n"
        'title: "Floods close two motorways"\n'
        "source: Reuters\n"
        "published: 2024-01-01T10:00:00+05:00\n"
        "url: 'https://news.test/floods'\n"
        "tags: weather\n"
        "---\n" + BODY
    )
    fields, body = split_front_matter(text)
    assert fields == {
        "title": "Floods close two motorways",
        "source": "Reuters",
        "published": "2024-01-01T10:00:00+05:00",
        "url": "https://news.test/floods",
    }
    assert body == BODY


def test_date_stands_for_published_continuations_comments_and_crlf():
    lines = ["---", "# from the CMS", "title: Floods close", "  two motorways", "date: 2024-01-01", "source:", "..."]
    text = "\r\n".join([*lines, "Body.", ""])
    fields, body = split_front_matter(text)
    assert fields == {"title": "Floods close two motorways", "published": "2024-01-01", "source": None}
    assert body == "Body.\r\n"
    fields, _ = split_front_matter("---\ndate: 2024-01-01\npublished: 2024-02-02\n---\nBody.")
    assert fields == {"published": "2024-02-02"}


def test_what_is_not_front_matter_is_left_in_the_text():
    for text in (
        BODY,
        "---\ntitle: never closed\n" + BODY,
        "---\nA rule, then a paragraph: not metadata.\n---\n" + BODY,
        "---\nNote: only an unknown key\n---\n" + BODY,
        "Text first\n---\ntitle: late\n---\n",
        "---\n  indented first line\n---\n",
    ):
        assert split_front_matter(text) == ({}, text)


@given(st.text())
def test_text_that_does_not_open_with_a_rule_is_returned_whole(text):
    if not text.startswith("---"):
        assert split_front_matter(text) == ({}, text)


safe_value = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)
    .map(str.strip)
    .filter(lambda value: value and value[0] not in "\"'" and value[-1] not in "\"'")
)


@given(title=safe_value, source=safe_value, body=st.text())
def test_fields_written_as_front_matter_read_back(title, source, body):
    fields, rest = split_front_matter(f"---\ntitle: {title}\nsource: {source}\n---\n{body}")
    assert fields == {"title": title, "source": source}
    assert rest == body


def test_the_directory_reader_takes_metadata_from_front_matter(tmp_path):
    (tmp_path / "floods.md").write_text("---\ntitle: Floods\nsource: AP\npublished: 2024-01-01\n---\n" + BODY)
    (tmp_path / "plain.txt").write_text(BODY)
    floods, plain = read_articles([str(tmp_path)])
    assert (floods.id, floods.title, floods.source, floods.published, floods.url) == (
        "floods",
        "Floods",
        "AP",
        "2024-01-01",
        None,
    )
    assert floods.text == BODY and plain.text == BODY and plain.title is None


def test_front_matter_alone_is_an_empty_article(tmp_path):
    (tmp_path / "empty.md").write_text("---\ntitle: Nothing else\n---\n\n")
    result = CliRunner().invoke(main, ["cluster", str(tmp_path / "empty.md")])
    assert result.exit_code == 2 and "empty file, no article text" in result.stderr


def test_cluster_echoes_front_matter_in_its_outputs(tmp_path):
    (tmp_path / "wire.md").write_text("---\ntitle: Floods close roads\nsource: AP\npublished: 2024-01-01\n---\n" + BODY)
    (tmp_path / "copy.txt").write_text("---\nsource: Daily Post\npublished: 2024-01-02\n---\n" + BODY)
    runner = CliRunner()
    records = [
        json.loads(line)
        for line in runner.invoke(main, ["cluster", str(tmp_path), "--format", "jsonl"]).stdout.splitlines()
    ]
    (group,) = records
    assert group["canonical"] == "wire" and group["rule"] == "earliest-published"
    wire, copy = group["members"]
    assert (wire["title"], wire["source"], wire["published"]) == ("Floods close roads", "AP", "2024-01-01")
    assert (copy["of"], copy["source"], copy["relation"]) == ("wire", "Daily Post", "duplicate")
    table = runner.invoke(main, ["cluster", str(tmp_path)]).stdout
    assert "Floods close roads" in table and "Daily Post" in table and "2024-01-02" in table
    assert "title:" not in table

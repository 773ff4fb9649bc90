"""Tests for `dedup.io`: what a user sees when feeding files to dedup, good and bad."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.errors import DedupError
from dedup.io import read_articles, write_csv, write_jsonl
from dedup.model import Article


def read(*inputs: Path | str, **options) -> list[Article]:
    return list(read_articles([str(name) for name in inputs], **options))


def jsonl(path: Path, *records: dict | str) -> Path:
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- formats ----------------------------------------------------------------------------------


def test_directory_reads_txt_and_md_recursively_in_path_order(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "b_sub").mkdir(parents=True)
    (corpus / "c.txt").write_text("Third story.", encoding="utf-8")
    (corpus / "a.md").write_text("# First\n\nFirst story.", encoding="utf-8")
    (corpus / "b_sub" / "nested.txt").write_text("Second story.", encoding="utf-8")
    (corpus / "notes.csv").write_text("ignored", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("ignored", encoding="utf-8")

    articles = read(corpus)

    assert [a.id for a in articles] == ["a", "nested", "c"]
    assert articles[0].text == "# First\n\nFirst story."
    assert articles[1].origin == str(corpus / "b_sub" / "nested.txt")
    assert articles[2].title is None


def test_single_text_file_is_one_article(tmp_path):
    path = tmp_path / "story-17.txt"
    path.write_text("Body of the story.\n", encoding="utf-8")

    [article] = read(path)

    assert article == Article(id="story-17", text="Body of the story.\n", origin=str(path))


def test_jsonl_fields_and_origins(tmp_path):
    path = jsonl(
        tmp_path / "data.jsonl",
        {
            "id": "w1",
            "text": "Wire copy.",
            "title": " Title ",
            "source": "AP",
            "published": " 2024-05-01T10:00:00Z ",
            "url": "https://example.org/w1",
        },
        "",
        {"id": 17, "text": "Numeric id.", "title": "", "source": 42, "published": "   "},
    )

    first, second = read(path)

    assert first == Article(
        id="w1",
        text="Wire copy.",
        title="Title",
        source="AP",
        published="2024-05-01T10:00:00Z",
        url="https://example.org/w1",
        origin=f"{path}:1",
    )
    assert second.id == "17"
    assert second.origin == f"{path}:3"  # the blank line still counts
    assert (second.title, second.source, second.published, second.url) == (None, "42", None, None)


def test_json_extension_is_read_as_json_lines(tmp_path):
    path = jsonl(tmp_path / "data.json", {"id": "a", "text": "One."}, {"id": "b", "text": "Two."})

    assert [a.id for a in read(path)] == ["a", "b"]


def test_csv_with_header_quoted_multiline_text_and_origins(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        'ID,Title,text,published\na1,Hello,"First line,\nsecond line",2024-01-02\n\na2,,"Plain text",\n',
        encoding="utf-8",
    )

    first, second = read(path)

    assert first == Article(
        id="a1", text="First line,\nsecond line", title="Hello", published="2024-01-02", origin=f"{path}:2"
    )
    assert (second.id, second.title, second.published, second.origin) == ("a2", None, None, f"{path}:5")


def test_tsv_uses_tab_delimiter(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("id\ttext\nx\tA text, with a comma.\n", encoding="utf-8")

    [article] = read(path)

    assert (article.id, article.text) == ("x", "A text, with a comma.")


def test_stdin_is_json_lines(tmp_path):
    stream = io.StringIO('{"id": "s1", "text": "From a pipe."}\n\n{"id": "s2", "text": "Second."}\n')

    articles = read("-", stdin=stream)

    assert [(a.id, a.origin) for a in articles] == [("s1", "<stdin>:1"), ("s2", "<stdin>:3")]


def test_stdin_that_is_not_utf8_is_read_as_cp1252_with_a_warning():
    piped = b'{"id": "u", "text": "caf\xc3\xa9"}\n{"id": "w", "text": "caf\xe9 \x93quoted\x94"}\n'
    warnings: list[str] = []

    articles = read("-", stdin=io.TextIOWrapper(io.BytesIO(piped), encoding="utf-8"), warn=warnings.append)

    assert [(a.id, a.text) for a in articles] == [("u", "caf\u00e9"), ("w", "caf\u00e9 \u201cquoted\u201d")]
    assert warnings == ["<stdin>:2: not UTF-8, read as cp1252 (as is any later line that is not UTF-8)"]


def test_stdin_in_neither_encoding_is_an_error_naming_the_line():
    piped = b'{"id": "u", "text": "fine"}\n{"id": "w", "text": "x\x81y"}\n'

    with pytest.raises(DedupError) as caught:
        read("-", stdin=io.TextIOWrapper(io.BytesIO(piped), encoding="utf-8"))

    assert str(caught.value) == "<stdin>:2: not UTF-8 or cp1252 text (byte 0x81 at offset 22)"


@pytest.mark.parametrize(
    ("piped", "message"),
    [
        ('{"id": "u"}\n'.encode("utf-16"), "<stdin>:1: UTF-16 text, not UTF-8; re-save the file as UTF-8"),
        (b'{"id": "u", "text": "Rain."}\n\x00\x01\x02\n', "<stdin>:2: binary file (NUL byte), not text"),
    ],
)
def test_stdin_in_utf16_or_binary_is_said_as_for_a_file(piped, message):
    with pytest.raises(DedupError) as caught:
        list(read("-", stdin=io.TextIOWrapper(io.BytesIO(piped), encoding="utf-8")))
    assert str(caught.value) == message


def test_closed_stdin_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", None)  # what Python gives a process started with descriptor 0 closed
    other = jsonl(tmp_path / "b.jsonl", {"id": "b", "text": "Fine."})

    with pytest.raises(DedupError, match=r"^<stdin>: standard input is closed"):
        read("-")
    warnings: list[str] = []
    assert [a.id for a in read("-", other, skip_bad=True, warn=warnings.append)] == ["b"]
    assert len(warnings) == 1 and warnings[0].startswith("<stdin>: standard input is closed")


def test_inputs_are_read_in_given_order_and_repeatably(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ["b.txt", "a.txt", "C.txt", "a0.md"]:
        (corpus / name).write_text(f"Text of {name}.", encoding="utf-8")
    lines = jsonl(tmp_path / "x.jsonl", {"id": "z", "text": "Z."}, {"id": "y", "text": "Y."})

    first = [a.id for a in read(lines, corpus)]

    assert first == ["z", "y", "C", "a", "a0", "b"]
    assert [a.id for a in read(lines, corpus)] == first


def test_reader_is_lazy_and_streams(tmp_path):
    path = jsonl(tmp_path / "data.jsonl", {"id": "ok", "text": "Good."}, "{broken")

    articles = read_articles([str(path)])

    assert next(articles).id == "ok"
    with pytest.raises(DedupError):
        next(articles)


# --- encodings and binary files ---------------------------------------------------------------


def test_utf8_bom_is_stripped(tmp_path):
    text_file = tmp_path / "bom.txt"
    text_file.write_bytes("\ufeffCafé story.".encode())
    csv_file = tmp_path / "bom.csv"
    csv_file.write_bytes("\ufeffid,text\nc,Café.\n".encode())
    lines = tmp_path / "bom.jsonl"
    lines.write_bytes('\ufeff{"id": "j", "text": "Café."}\n'.encode())
    warnings: list[str] = []

    articles = read(text_file, csv_file, lines, warn=warnings.append)

    assert [(a.id, a.text) for a in articles] == [("bom", "Café story."), ("c", "Café."), ("j", "Café.")]
    assert warnings == []


def test_cp1252_fallback_warns_and_decodes(tmp_path):
    text_file = tmp_path / "legacy.txt"
    text_file.write_bytes("\u201cQuoted\u201d caf\u00e9 \u2014 dash.".encode("cp1252"))
    lines = tmp_path / "legacy.jsonl"
    lines.write_bytes('{"id": "l", "text": "Na\u00efve \u20ac5"}\n'.encode("cp1252"))
    warnings: list[str] = []

    articles = read(text_file, lines, warn=warnings.append)

    assert [a.text for a in articles] == ["\u201cQuoted\u201d caf\u00e9 \u2014 dash.", "Na\u00efve \u20ac5"]
    assert warnings == [f"{text_file}: not UTF-8, read as cp1252", f"{lines}: not UTF-8, read as cp1252"]


def test_a_json_lines_file_of_both_encodings_keeps_its_utf8_lines(tmp_path):
    lines = tmp_path / "mixed.jsonl"
    lines.write_bytes(
        '{"id": "u", "text": "Caf\u00e9 one."}\r\n'.encode("utf-8")
        + '{"id": "w", "text": "Caf\u00e9 \u201ctwo\u201d."}\r'.encode("cp1252")  # a lone CR ends it
        + '{"id": "x", "text": "Caf\u00e9 three."}\n'.encode("utf-8")
    )
    warnings: list[str] = []

    articles = read(lines, warn=warnings.append)

    assert [(a.id, a.text, a.origin) for a in articles] == [
        ("u", "Caf\u00e9 one.", f"{lines}:1"),
        ("w", "Caf\u00e9 \u201ctwo\u201d.", f"{lines}:2"),
        ("x", "Caf\u00e9 three.", f"{lines}:3"),
    ]
    assert warnings == [f"{lines}: not UTF-8, read as cp1252"]


def test_binary_file_is_an_error(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(DedupError, match=r"photo\.txt: binary file \(NUL byte\), not text$"):
        read(path)


def test_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes("id,text\na,Hello\n".encode("utf-16"))

    with pytest.raises(DedupError, match=r"wide\.csv: UTF-16 text, not UTF-8"):
        read(path)


# --- errors -----------------------------------------------------------------------------------


def test_missing_path(tmp_path):
    missing = tmp_path / "missing"

    with pytest.raises(DedupError) as caught:
        read(missing)

    assert str(caught.value) == f"{missing}: no such file or directory"


def test_empty_directory(tmp_path):
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    (empty / "readme.pdf").write_bytes(b"%PDF")

    with pytest.raises(DedupError) as caught:
        read(empty)

    assert str(caught.value) == f"{empty}: no .txt or .md articles in directory"


def test_malformed_jsonl_names_file_line_and_reason(tmp_path):
    path = jsonl(tmp_path / "data.jsonl", {"id": "a", "text": "Fine."}, "", '{"id": "b" "text": "x"}')

    with pytest.raises(DedupError) as caught:
        read(path)

    message = str(caught.value)
    assert message == f"{path}:3: malformed JSON Lines record: Expecting ',' delimiter (column 12)"
    assert "\n" not in message


def test_json_array_file_gets_a_hint(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('[{"id": "a", "text": "x"}]\n', encoding="utf-8")

    with pytest.raises(DedupError, match=r"data\.json:1: record is a JSON array, not an object"):
        read(path)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": "a"}, "record has no 'text'"),
        ({"id": "a", "text": None}, "record has no 'text'"),
        ({"id": "a", "text": "  \n "}, "empty 'text'"),
        ({"id": "a", "text": 5}, "'text' must be a string"),
        ({"text": "x"}, "record has no 'id'"),
        ({"id": ["a"], "text": "x"}, "'id' must be a string or number"),
        ({"id": True, "text": "x"}, "'id' must be a string or number"),
        ({"id": " ", "text": "x"}, "empty 'id'"),
        ({"id": float("nan"), "text": "x"}, "'id' must be a string or number, not nan"),
        # metadata: kept as text when a string or number, never as Python's spelling of a value
        ({"id": "a", "text": "x", "title": ["x"]}, "'title' must be a string or number, not a list"),
        ({"id": "a", "text": "x", "url": {"a": 1}}, "'url' must be a string or number, not an object"),
        ({"id": "a", "text": "x", "source": True}, "'source' must be a string or number, not true or false"),
        ({"id": "a", "text": "x", "published": float("nan")}, "'published' must be a string or number, not nan"),
    ],
)
def test_invalid_records_are_named(tmp_path, record, reason):
    path = jsonl(tmp_path / "data.jsonl", record)

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value) == f"{path}:1: {reason}"


def test_csv_without_text_column_lists_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,body\n1,Some text\n", encoding="utf-8")

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value) == f"{path}: no 'text' column (columns: id, body)"


def test_csv_with_semicolons_suggests_the_delimiter(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id;text\n1;Some text\n", encoding="utf-8")

    with pytest.raises(DedupError, match=r"no 'text' column \(columns: id;text\); is the delimiter ';'\?"):
        read(path)


def test_csv_row_with_wrong_field_count_is_malformed(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,text\n1,Unquoted, comma in text\n", encoding="utf-8")

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value) == f"{path}:2: malformed CSV record: row has 3 fields, header has 2"


def test_csv_unterminated_quote_is_named_and_the_rows_after_it_are_kept_with_skip_bad(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,text\nu1,Good one.\nu2,"unterminated\nu3,Good three.\n', encoding="utf-8")

    with pytest.raises(DedupError) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path}:3: malformed CSV record: a quoted field opened here is never closed (it runs to the end of the file)"
    )

    warnings: list[str] = []
    articles = read(path, skip_bad=True, warn=warnings.append)
    assert [(a.id, a.text, a.origin) for a in articles] == [
        ("u1", "Good one.", f"{path}:2"),
        ("u3", "Good three.", f"{path}:4"),
    ]
    assert warnings == [str(caught.value)]


def test_csv_stray_quote_closed_by_the_next_records_quote_is_named_and_that_record_kept(tmp_path):
    path = tmp_path / "t.csv"
    # u2's quote is never closed on its line; u3's opening quote would close it, and u3's own
    # lines, each holding a comma, would each have become a record (or a bogus article).
    path.write_text(
        'id,text\nu1,Good one.\nu2,"stray quote\nu3,"Three, with a comma\nand a second line, too."\nu4,Four.\n',
        encoding="utf-8",
    )
    with pytest.raises(DedupError) as caught:
        read(path)
    assert str(caught.value) == f"{path}:3: malformed CSV record: ',' expected after '\"'"
    warnings: list[str] = []
    articles = read(path, skip_bad=True, warn=warnings.append)
    assert [(a.id, a.origin) for a in articles] == [("u1", f"{path}:2"), ("u3", f"{path}:4"), ("u4", f"{path}:6")]
    assert articles[1].text == "Three, with a comma\nand a second line, too."
    assert warnings == [str(caught.value)]


def test_csv_quoted_field_over_the_line_budget_is_a_stray_quote(tmp_path, monkeypatch):
    monkeypatch.setattr("dedup.io.readers._CSV_RECORD_LINE_BUDGET", 4)
    path = tmp_path / "t.csv"
    # u2's quote is never closed on its line; u7's quotes would close it five lines later.
    rows = ['u1,"Two\nlines"', 'u2,"stray', "u3,c", "u4,d", "u5,e", "u6,f", 'u7,"g"']
    path.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")

    with pytest.raises(DedupError, match=r"t\.csv:4: malformed CSV record: a quoted field opened here is still open"):
        read(path)
    warnings: list[str] = []
    articles = read(path, skip_bad=True, warn=warnings.append)
    assert [a.id for a in articles] == ["u1", "u3", "u4", "u5", "u6", "u7"]
    assert [a.origin.rsplit(":", 1)[1] for a in articles] == ["2", "5", "6", "7", "8", "9"]
    assert len(warnings) == 1


def test_csv_header_with_an_unterminated_quote_is_an_error(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text('id,"text\nu1,x\n', encoding="utf-8")

    with pytest.raises(DedupError, match=r"h\.csv:1: malformed CSV header: a quoted field opened here is never closed"):
        read(path)


def test_duplicate_ids_across_inputs(tmp_path):
    a = jsonl(tmp_path / "a.jsonl", {"id": "0", "text": "x"}, {"id": 17, "text": "First."})
    others = [{"id": f"b{n}", "text": "y"} for n in range(3)]
    b = jsonl(tmp_path / "b.jsonl", *others, {"id": "17", "text": "Again."})

    with pytest.raises(DedupError) as caught:
        read(a, b)

    assert str(caught.value) == f"{b}:4: duplicate id '17' (first seen at {a}:2)"


def test_unknown_extension_names_supported_types_even_with_skip_bad(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss/>", encoding="utf-8")

    expected = r"feed\.xml: unsupported file type '\.xml' \(supported: \.txt, \.md"
    with pytest.raises(DedupError, match=expected):
        read(path, skip_bad=True)


def test_no_articles_at_all_is_an_error(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text("\n\n", encoding="utf-8")

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value) == f"no articles read from: {path}"


# --- skip_bad ---------------------------------------------------------------------------------


def test_skip_bad_warns_with_the_same_messages_and_keeps_the_rest(tmp_path):
    missing = tmp_path / "missing.jsonl"
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Good text file.", encoding="utf-8")
    (corpus / "b.txt").write_bytes(b"\x00\x01binary")
    (corpus / "c.txt").write_text("Another good one.", encoding="utf-8")
    no_text = tmp_path / "x.csv"
    no_text.write_text("id,body\n1,Some text\n", encoding="utf-8")
    lines = jsonl(
        tmp_path / "data.jsonl",
        {"id": "j1", "text": "Fine."},
        "{oops",
        {"id": "j2"},
        {"id": "a", "text": "Duplicate of the text file."},
        {"id": "j3", "text": "Also fine."},
    )
    warnings: list[str] = []

    articles = read(missing, empty, corpus, no_text, lines, skip_bad=True, warn=warnings.append)

    assert [a.id for a in articles] == ["a", "c", "j1", "j3"]
    assert warnings == [
        f"{missing}: no such file or directory",
        f"{empty}: no .txt or .md articles in directory",
        f"{corpus / 'b.txt'}: binary file (NUL byte), not text",
        f"{no_text}: no 'text' column (columns: id, body)",
        f"{lines}:2: malformed JSON Lines record: Expecting property name enclosed in double quotes (column 2)",
        f"{lines}:3: record has no 'text'",
        f"{lines}:4: duplicate id 'a' (first seen at {corpus / 'a.txt'})",
    ]


def _corpus_with(directory: Path) -> Path:
    directory.mkdir()
    (directory / "a.txt").write_text("Good text file.", encoding="utf-8")
    (directory / "z.txt").write_text("Another good one.", encoding="utf-8")
    return directory


def test_a_symlink_loop_in_a_directory_is_a_problem_named_by_its_path(tmp_path):
    corpus = _corpus_with(tmp_path / "corpus")
    (corpus / "l1").symlink_to("l2")
    (corpus / "l2").symlink_to("l1")

    with pytest.raises(DedupError) as caught:
        read(corpus)
    assert str(caught.value) == f"{corpus / 'l1'}: cannot read: Too many levels of symbolic links"

    warnings: list[str] = []
    assert [a.id for a in read(corpus, skip_bad=True, warn=warnings.append)] == ["a", "z"]
    assert warnings == [f"{corpus / name}: cannot read: Too many levels of symbolic links" for name in ("l1", "l2")]


def test_a_link_to_nothing_or_a_pipe_named_like_an_article_is_a_problem_not_passed_over(tmp_path):
    corpus = _corpus_with(tmp_path / "corpus")
    (corpus / "b_gone.txt").symlink_to(tmp_path / "deleted.txt")
    os.mkfifo(corpus / "c_pipe.txt")
    (corpus / "d_gone.jpg").symlink_to(tmp_path / "deleted.jpg")  # not named like an article: not one

    with pytest.raises(DedupError) as caught:
        read(corpus)
    assert str(caught.value) == f"{corpus / 'b_gone.txt'}: cannot read: a symbolic link to nothing"

    warnings: list[str] = []
    assert [a.id for a in read(corpus, skip_bad=True, warn=warnings.append)] == ["a", "z"]
    assert warnings == [
        f"{corpus / 'b_gone.txt'}: cannot read: a symbolic link to nothing",
        f"{corpus / 'c_pipe.txt'}: cannot read: not a regular file",
    ]


def test_an_unreadable_subdirectory_is_a_problem_and_the_walk_goes_on(tmp_path, monkeypatch):
    corpus = _corpus_with(tmp_path / "corpus")
    locked = corpus / "m_locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text("Cannot be read.", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):  # chmod 000 does not stop root, so the refusal is simulated
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    with pytest.raises(DedupError) as caught:
        read(corpus)
    assert str(caught.value) == f"{locked}: cannot read directory: Permission denied"

    warnings: list[str] = []
    assert [a.id for a in read(corpus, skip_bad=True, warn=warnings.append)] == ["a", "z"]
    assert warnings == [str(caught.value)]


def test_skip_bad_still_fails_when_nothing_was_read(tmp_path):
    bad = jsonl(tmp_path / "bad.jsonl", {"id": "a"}, "nope")
    missing = tmp_path / "missing"
    warnings: list[str] = []

    with pytest.raises(DedupError) as caught:
        read(bad, missing, skip_bad=True, warn=warnings.append)

    assert str(caught.value) == f"no articles read from: {bad}, {missing}"
    assert len(warnings) == 3


# --- writers ----------------------------------------------------------------------------------


def test_write_jsonl_keeps_unicode_and_key_order():
    stream = io.StringIO()

    write_jsonl([{"id": "é", "score": 0.5}, {"b": 1, "a": [1, 2]}], stream)

    assert stream.getvalue() == '{"id": "é", "score": 0.5}\n{"b": 1, "a": [1, 2]}\n'


def test_write_csv_joins_lists_and_quotes_as_needed():
    stream = io.StringIO()

    write_csv(
        [{"id": "a", "members": ["x", "y"], "note": "has, comma", "extra": 1}, {"id": "b", "members": None}],
        stream,
        fieldnames=["id", "members", "note"],
    )

    assert stream.getvalue() == 'id,members,note\na,x;y,"has, comma"\nb,,\n'


# --- properties -------------------------------------------------------------------------------

# Ids are one line of printable text: no control character (Cc) or bidirectional override.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=_BIDI), min_size=1, max_size=20
).filter(lambda value: value.strip())
_texts = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1).filter(
    lambda value: value.strip()
)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(st.tuples(_ids, _texts), min_size=1, max_size=8, unique_by=lambda pair: pair[0]))
def test_jsonl_round_trip_keeps_ids_and_texts(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("roundtrip") / "records.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        write_jsonl(({"id": article_id, "text": text} for article_id, text in records), stream)

    articles = read(path)

    assert [(a.id, a.text) for a in articles] == records


def test_lone_surrogate_escape_is_a_record_error(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"id": "a", "text": "broken \\ud800 text"}\n{"id": "b", "text": "fine"}\n', encoding="utf-8")
    with pytest.raises(DedupError, match=r"batch.jsonl:1: 'text' holds a lone surrogate"):
        list(read_articles([str(path)]))
    warnings: list[str] = []
    articles = list(read_articles([str(path)], skip_bad=True, warn=warnings.append))
    assert [a.id for a in articles] == ["b"] and len(warnings) == 1


@pytest.mark.parametrize("control", ["\t", "\n", "\r", "\x1b", "\u202e"])
def test_an_id_with_a_control_character_is_a_record_error(tmp_path, control):
    """A tab or line end in an id showed as a space in every table and could not be given to
    `index remove`; JSON Lines, CSV and a text file's name are all refused, or skipped with a warning."""
    escaped = json.dumps(f"a{control}b")
    (tmp_path / "batch.jsonl").write_text(f'{{"id": {escaped}, "text": "one"}}\n{{"id": "b", "text": "two"}}\n')
    (tmp_path / "batch.csv").write_text(f'id,text\n"a{control}b",one\nb,two\n', encoding="utf-8", newline="")
    for name in ("batch.jsonl", "batch.csv"):
        with pytest.raises(DedupError, match=rf"{name}:[12]: 'id' holds .* at character 1, a control character"):
            list(read_articles([str(tmp_path / name)]))
        warnings: list[str] = []
        articles = list(read_articles([str(tmp_path / name)], skip_bad=True, warn=warnings.append))
        assert [a.id for a in articles] == ["b"] and len(warnings) == 1, name
    if control not in "\n\r":  # a file name holds neither here
        folder = tmp_path / "texts"
        folder.mkdir()
        (folder / f"a{control}b.txt").write_text("one", encoding="utf-8")
        with pytest.raises(DedupError, match=r"'id' holds .*, a control character or direction override: .*; rename"):
            list(read_articles([str(folder)]))


# --- record batches: read_articles split into reading and parsing ------------------------------


def read_in_batches(inputs: list[Path], batch_size: int, **options) -> list[Article]:
    """What `read_record_batches` + `RecordBatch.parse` + `ArticleGate` give, as the copy level uses them."""
    from dedup.io.readers import ArticleGate, read_record_batches

    gate = ArticleGate(skip_bad=options.get("skip_bad", False), warn=options.get("warn"))
    batches = read_record_batches([str(name) for name in inputs], batch_size=batch_size, warn=gate.warn)
    admitted = [gate.admit(item) for batch in batches for item in batch.parse()]
    gate.finish([str(name) for name in inputs])
    return [article for article in admitted if article is not None]


@pytest.mark.parametrize("batch_size", [1, 2, 3, 100])
def test_record_batches_give_what_read_articles_gives_with_the_same_warnings(tmp_path, batch_size):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Good text file.", encoding="utf-8")
    (corpus / "b.txt").write_bytes(b"\x00\x01binary")
    lines = jsonl(
        tmp_path / "data.jsonl",
        {"id": "j1", "text": "Fine.", "published": " 2024-01-01 "},
        "",
        "{oops",
        {"id": "j2"},
        {"id": "a", "text": "Duplicate of the text file."},
        '{"id": "j3", "text": "Also fine \\ud800 not"}',
        {"id": "j4", "text": "Last one."},
    )
    cp1252 = tmp_path / "old.jsonl"
    cp1252.write_bytes(b'{"id": "w", "text": "caf\xe9 au lait"}\n')
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("id,text\nc1,From a CSV file.\nc2,\n", encoding="utf-8")
    inputs = [tmp_path / "missing.jsonl", corpus, lines, cp1252, csv_file]
    expected_warnings: list[str] = []
    expected = read(*inputs, skip_bad=True, warn=expected_warnings.append)
    warnings: list[str] = []
    assert read_in_batches(inputs, batch_size, skip_bad=True, warn=warnings.append) == expected
    assert warnings == expected_warnings
    assert [a.id for a in expected] == ["a", "j1", "j4", "w", "c1"]
    with pytest.raises(DedupError) as first_error:
        read(*inputs)
    with pytest.raises(DedupError, match="no such file") as batch_error:
        read_in_batches(inputs, batch_size)
    assert str(batch_error.value) == str(first_error.value)


def test_record_batches_of_an_undecodable_file_end_with_the_lines_read_before(tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = [json.dumps({"id": f"n{k}", "text": "Fine."}) for k in range(5)]
    bad.write_bytes(("\n".join(good) + "\n").encode() + b"\x81\x00 binary tail\n")
    with pytest.raises(DedupError) as expected:
        read(bad)
    with pytest.raises(DedupError) as got:
        read_in_batches([bad], 2)
    assert str(got.value) == str(expected.value)


def test_record_batches_leave_json_lines_unparsed_with_their_line_numbers(tmp_path):
    from dedup.io.readers import read_record_batches

    lines = jsonl(tmp_path / "data.jsonl", *({"id": f"n{k}", "text": "Fine."} for k in range(5)))
    batches = list(read_record_batches([str(lines)], batch_size=2))
    assert [(b.first_line, len(b.lines), b.items) for b in batches] == [(1, 2, ()), (3, 2, ()), (5, 1, ())]
    assert [a.origin for a in batches[1].parse()] == [f"{lines}:3", f"{lines}:4"]


def test_a_date_stamp_in_the_text_is_published_when_the_record_has_none(tmp_path):
    from dedup.io.readers import read_articles

    stamped = "date 2024-12-22 ISLAMABAD: The Foreign Office said on Saturday."
    batch = tmp_path / "batch.jsonl"
    records = [
        {"id": "a", "text": stamped},
        {"id": "b", "text": stamped, "published": "2025-01-01"},
        {"id": "c", "text": "No stamp. Just text."},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    table = tmp_path / "batch.csv"
    table.write_text('id,text\nd,"' + stamped + '"\n', encoding="utf-8")
    (tmp_path / "e.txt").write_text(stamped, encoding="utf-8")
    (tmp_path / "f.md").write_text("---\npublished: 2023-05-01\n---\n" + stamped, encoding="utf-8")
    found = {
        a.id: a.published
        for a in read_articles([str(batch), str(table), str(tmp_path / "e.txt"), str(tmp_path / "f.md")])
    }
    assert found == {
        "a": "2024-12-22",
        "b": "2025-01-01",
        "c": None,
        "d": "2024-12-22",
        "e": "2024-12-22",
        "f": "2023-05-01",
    }


def test_numeric_metadata_is_kept_as_its_text(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": 7, "text": "Rain.", "source": 12, "published": 2024}\n', encoding="utf-8")
    (article,) = read(path)
    assert (article.id, article.source, article.published) == ("7", "12", "2024")

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from dedup.model import Article
from dedup.text import (
    _ABBREVIATIONS,
    _ASCII_WORD,
    _WORD,
    MAX_ARTICLE_CHARS,
    _quoted_characters,
    compared_text,
    content_stems,
    cut_warning,
    normalise,
    prepare,
    quote_spans,
    split_sentences,
    strip_furniture,
    words,
)


def sentences_of(text: str) -> list[str]:
    body = normalise(text)
    return [body[start:end] for start, end in split_sentences(body)]


def test_normalise_folds_quotes_dashes_and_spaces():
    assert normalise("\u201cHe\u2019s here\u201d \u2014  she\u00a0said") == '"He\'s here" - she said'


def test_normalise_keeps_paragraphs_and_joins_wrapped_lines():
    text = "First paragraph line one\nline two ends here.\n\n\nSecond paragraph."
    assert normalise(text) == "First paragraph line one line two ends here.\n\nSecond paragraph."


def test_single_line_breaks_are_paragraphs_when_lines_are_long():
    long_line = "A sentence that goes on for quite a while without stopping " * 3
    text = f"{long_line}\nHeadline of a section\nNext paragraph."
    assert normalise(text).count("\n\n") == 2


def test_furniture_is_removed_but_the_story_is_kept():
    text = (
        "date 2024-12-22 Headline here\n\nISLAMABAD: Pakistan said no.\n\nBy John Smith\n\n"
        "Share this post\n\nWASHINGTON (Reuters) - The US said yes."
    )
    body = strip_furniture(normalise(text))
    assert body == "Headline here\n\nPakistan said no.\n\nThe US said yes."


def test_a_long_paragraph_opening_like_a_prompt_is_the_story_not_furniture():
    story = (
        "Subscribe to this blog's feed Blog and Comment Policy This blog is designed to provide both "
        "accurate and authoritative information and an open forum for discussion in regard to the subject "
        "matter covered. It is offered with the understanding that the writers are not engaged in rendering "
        "legal, accounting, or other professional services."
    )
    assert strip_furniture(normalise(story)) == normalise(story)
    assert strip_furniture(normalise("Subscribe to our newsletter for the latest news\n\nRain fell.")) == "Rain fell."


def test_sentences_survive_abbreviations():
    text = "The U.S. official met Maj. Gen. Pat Ryder at No. 5 Downing St. on Monday. Then he left."
    assert sentences_of(text) == [
        "The U.S. official met Maj. Gen. Pat Ryder at No. 5 Downing St. on Monday.",
        "Then he left.",
    ]


def test_sentences_survive_quotations():
    text = '"Why now?" he asked. "Because," she said, "it is time." The talks ended.'
    assert sentences_of(text) == ['"Why now?" he asked.', '"Because," she said, "it is time."', "The talks ended."]


def test_quote_spans_cover_quoted_text_and_open_quotes_run_to_paragraph_end():
    body = 'He said "no way" today.\n\n"This continues'
    spans = quote_spans(body)
    assert [body[s:e] for s, e in spans] == ['"no way"', '"This continues']


def test_quotation_marks_pair_by_the_way_they_face_so_one_stray_mark_does_not_invert_the_rest():
    # A story cut mid-quote starts with a closing mark; counting marks then made every later
    # sentence a quotation and the quotations prose.
    body = 'unreachable," the agency said. Talks resumed. "I think so," he said. Markets rose.'
    assert [body[s:e] for s, e in quote_spans(body)] == ['"I think so,"']
    doc = prepare(Article(id="a", text=body))
    assert [s.is_quote for s in doc.sentences] == [False, False, True, False]
    # A quotation left open and followed by a new one ends where the new one opens.
    body = 'He said: "It was avoidable. "Instead he suffered." The case ended.'
    assert [body[s:e] for s, e in quote_spans(body)] == ['"It was avoidable. ', '"Instead he suffered."']


def test_a_quote_left_open_runs_to_its_paragraph_end_only_when_the_next_paragraph_continues_it():
    continued = '"We will appeal. The ruling is wrong.\n\n"We expect to win," he said.'
    doc = prepare(Article(id="a", text=continued))
    assert [s.is_quote for s in doc.sentences] == [True, True, True]
    # Without a continuation the closing mark was lost: the quote ends with its sentence.
    lost = 'He said: "We will appeal. The ruling is wrong. Markets rose. Shares fell.'
    doc = prepare(Article(id="a", text=lost))
    assert [s.is_quote for s in doc.sentences] == [True, False, False, False]


def test_prepare_marks_quoted_sentences():
    doc = prepare(Article(id="a", text='"We will not bow to pressure," she said.\n\nThe minister left early.'))
    assert doc.sentences[0].is_quote and not doc.sentences[1].is_quote


def test_words_fold_possessives_and_content_stems_drop_stop_words():
    assert words("Pakistan's U.S. allies") == ["pakistan", "us", "allies"]
    assert content_stems(["the", "missiles", "were", "labelled"]) == ["missil", "label"]


@given(st.text(max_size=300))
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_sentence_spans_are_ordered_nonempty_and_inside_the_body(text):
    body = normalise(text)
    spans = split_sentences(body)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(body)
        assert body[start:end].strip()
        previous_end = end


@given(st.lists(st.sampled_from(["Alpha", "beta.", "Gamma!", "U.S.", "No.", "5", '"Quote."', "said"]), max_size=40))
def test_no_word_is_lost_by_sentence_splitting(tokens):
    body = normalise(" ".join(tokens))
    joined = " ".join(body[s:e] for s, e in split_sentences(body))
    assert joined.split() == body.split()


def test_long_hard_wrapped_lines_are_joined_into_one_paragraph():
    words_ = ("the committee met again on tuesday to discuss the budget and the new rules for hospitals " * 12).split()
    lines, line = [], []
    for word in words_:
        line.append(word)
        if len(" ".join(line)) > 180:
            lines.append(" ".join(line))
            line = []
    text = "\n".join(lines + [" ".join(line) + "."]) + "\nA heading\nThe next paragraph ends here."
    paragraphs = normalise(text).split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].rstrip(".").split() == words_


def test_stop_words_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN_STOP_WORDS

    from dedup.stopwords import ENGLISH_STOP_WORDS

    assert ENGLISH_STOP_WORDS == SKLEARN_STOP_WORDS


def test_importing_dedup_does_not_import_scikit_learn_or_scipy_optimize():
    import subprocess
    import sys

    code = (
        "import sys, dedup, dedup.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn' or m == 'scipy.optimize'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- the splitter and the quoted share as they were before they were made linear, for comparison ---
_OLD_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+")
_OLD_STARTS_SENTENCE = re.compile(r"[\"'(\[]?[A-Z0-9]")
_OLD_WORD_BEFORE_DOT = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_OLD_WORD_CHARS = frozenset(string.ascii_letters + ".")


def _old_ends_with_abbreviation(text: str, end: int) -> bool:
    window = max(0, end - 64)
    word = _OLD_WORD_BEFORE_DOT.search(text, window, end)
    if word and window and word.start() > 0 and text[word.start() - 1] in _OLD_WORD_CHARS:
        word = _OLD_WORD_BEFORE_DOT.search(text, 0, end)
    if not word:
        return False
    token = word.group(1)
    if "." in token:
        return True
    return len(token) == 1 or token.lower() in _ABBREVIATIONS


def _old_split_sentences(body: str) -> list[tuple[int, int]]:
    spans = []
    offset = 0
    for paragraph in body.split("\n\n"):
        start = 0
        for match in _OLD_BOUNDARY.finditer(paragraph):
            end = match.end()
            if not _OLD_STARTS_SENTENCE.match(paragraph, end):
                continue
            if paragraph[match.start()] == "." and _old_ends_with_abbreviation(paragraph, match.start() + 1):
                continue
            segment_end = match.end() - (len(match.group()) - len(match.group().rstrip()))
            if paragraph[start:segment_end].strip():
                spans.append((offset + start, offset + segment_end))
            start = end
        if paragraph[start:].strip():
            spans.append((offset + start, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return spans


NEWS_TOKENS = [
    "The",
    "minister",
    "said",
    "U.S.",
    "Dr.",
    "No.",
    "5",
    "J.",
    "Smith",
    "e.g.",
    "a",
    "etc.",
    '"Why?"',
    "he",
    "asked.",
    "It",
    "ended!",
    "(Reuters)",
    "3.5",
    "Inc.",
    "Mr.",
    "...",
    "yes?",
    "Maj.",
    "Gen.",
    "'Quote.'",
    "[1]",
    "talks.",
    "ABC.",
    "x.y.z.",
    "Jan.",
    "2024.",
    "\n\n",
    "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
    "b.",
    "OK!!",
]
ascii_text = st.text(alphabet=string.ascii_letters + string.digits + " \n.!?\"'()[]", max_size=400)
news_text = st.lists(st.sampled_from(NEWS_TOKENS), max_size=60).map(" ".join)


@given(st.one_of(news_text, ascii_text))
def test_sentences_of_ascii_text_are_split_as_before(text):
    body = normalise(text)
    assert split_sentences(body) == _old_split_sentences(body)


@given(st.one_of(news_text, ascii_text))
def test_ascii_words_are_those_of_the_unicode_pattern(text):
    lowered = text.lower()
    assert _ASCII_WORD.findall(lowered) == _WORD.findall(lowered)


def test_long_letter_runs_split_in_one_reading():
    # Each boundary used to search the paragraph from its start for the word before the dot: about
    # 18 s for 20 runs of 4,000 letters, hours for this; a run is now read once.
    body = ("a" * 20_000 + ". B ") * 50
    sentences = [body[start:end] for start, end in split_sentences(body)]
    assert sentences == ["a" * 20_000 + "."] + ["B " + "a" * 20_000 + "."] * 49 + ["B "]
    body = "Aaa. " * 2 + "Jr. Smith. " + "J" * 70 + ". Then"
    sentences = [body[start:end] for start, end in split_sentences(body)]
    assert sentences == ["Aaa.", "Aaa.", "Jr. Smith.", "J" * 70 + ".", "Then"]


def _old_quote_shares(document) -> list[float]:
    quotes = quote_spans(document.body, [end for _, end in split_sentences(document.body)])
    return [
        sum(max(0, min(s.end, q_end) - max(s.start, q_start)) for q_start, q_end in quotes) / max(1, s.end - s.start)
        for s in document.sentences
    ]


def test_quote_shares_are_as_before_on_the_examples():
    from pathlib import Path

    seeds = sorted(Path(__file__).parent.parent.joinpath("examples", "seeds").glob("*.txt"))
    texts = [path.read_text(encoding="utf-8") for path in seeds]
    texts.append('"Open quote runs on.\n\nShe said "no" and "yes," then "maybe." "All quoted." Not quoted. "Open')
    texts.append('He said: "One. Two. Three." "Four" five "six')
    quoted_somewhere = 0
    for text in texts:
        document = prepare(Article("a", text))
        shares = [sentence.quote_share for sentence in document.sentences]
        assert shares == _old_quote_shares(document)
        quoted_somewhere += sum(0 < share for share in shares)
    assert quoted_somewhere > 10


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)), max_size=8),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)), max_size=8),
)
def test_quoted_characters_are_the_summed_overlaps(sentences, quotes):
    sentences = [(start, start + length) for start, length in sentences]
    quotes = [(start, start + length) for start, length in quotes]
    expected = [sum(max(0, min(e, qe) - max(s, qs)) for qs, qe in quotes) for s, e in sentences]
    assert _quoted_characters(sentences, quotes) == expected


def _python_lines_run(function, *args) -> int:
    """Python lines executed in dedup/text.py by a call: a count of work that does not depend on the machine."""
    import sys

    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename.endswith("text.py"):
            if event == "line":
                count += 1
            return trace
        return None

    sys.settrace(trace)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count


def test_preparing_quoted_speech_takes_work_linear_in_its_sentences():
    # Every sentence used to be compared with every quote: n * n steps for n quoted sentences.
    def quoted(n: int) -> Article:
        return Article("q", " ".join(f'"Quote number {i} is short," she said.' for i in range(n)))

    small, large = (_python_lines_run(prepare, quoted(n)) for n in (300, 1200))
    assert len(prepare(quoted(1200)).sentences) == 1200
    assert large < 5 * small


def test_an_article_longer_than_the_limit_is_prepared_from_its_first_characters():
    paragraph = "The committee met again on Tuesday to discuss the budget of the hospitals. " * 20
    text = "\n\n".join([paragraph.strip()] * (MAX_ARTICLE_CHARS // len(paragraph) + 20))
    assert len(text) > MAX_ARTICLE_CHARS
    compared = compared_text(text)
    assert MAX_ARTICLE_CHARS - 100 < len(compared) <= MAX_ARTICLE_CHARS
    assert text.startswith(compared) and text[len(compared)] in " \n"  # cut between words
    document = prepare(Article("long", text))
    assert document.body == normalise(compared)
    assert document.sentences[-1].text.endswith("hospitals.") or document.sentences[-1].words[-1] != "hosp"
    message = cut_warning("batch.jsonl:3", text)
    assert message.startswith(f"batch.jsonl:3: {len(text):,} characters; only the first {len(compared):,} are compared")

    short = paragraph * 10
    assert compared_text(short) is short and cut_warning("a", short) is None
    assert prepare(Article("short", short)).body == normalise(short)


def test_an_article_of_more_sentences_than_the_limit_is_prepared_from_its_first_sentences():
    from dedup.text import MAX_SENTENCES

    words = ["Rain", "Wind", "Snow", "Hail", "Fog"]
    text = " ".join(f"{words[k % 5]} {k}." for k in range(MAX_SENTENCES + 500))  # short sentences, few characters
    assert len(text) < MAX_ARTICLE_CHARS
    document = prepare(Article("list", text))
    assert len(document.sentences) == MAX_SENTENCES
    assert document.sentences[-1].text == f"{words[(MAX_SENTENCES - 1) % 5]} {MAX_SENTENCES - 1}."
    assert document.body.endswith(document.sentences[-1].text)
    message = cut_warning("list.txt", text)
    assert message == (
        f"list.txt: {MAX_SENTENCES + 500:,} sentences; only the first {MAX_SENTENCES:,} are compared "
        f"(limit {MAX_SENTENCES:,}: aligning longer articles takes time and memory in the square of their length)"
    )
    at_limit = " ".join(f"Rain {k}." for k in range(MAX_SENTENCES))
    assert len(prepare(Article("a", at_limit)).sentences) == MAX_SENTENCES and cut_warning("a", at_limit) is None


def test_characters_are_mapped_as_translate_maps_them():
    """`normalise` replaces the characters of its table one by one where they occur, which equals
    ``str.translate`` only while no replacement holds a character of the table."""
    from dedup.text import _CHAR_MAP, _CHAR_REPLACEMENTS, _map_characters

    characters = [character for character, _ in _CHAR_REPLACEMENTS]
    assert not any(character in replacement for character in characters for _, replacement in _CHAR_REPLACEMENTS)
    text = "``Quoted'' " + " x ".join(characters) + " \u00e9t\u00e9 plain"
    assert _map_characters(text) == text.translate(_CHAR_MAP)
    assert _map_characters("plain ASCII") == "plain ASCII"

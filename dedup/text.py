"""Text preparation: normalisation, news furniture, sentence splitting, quoted spans and tokens.

Everything later in the pipeline compares what this module keeps, so its job is to make two
copies of one story look alike (same quotes, dashes, spacing) and to keep out what every page of
an outlet carries (datelines, bylines, share buttons) but says nothing about the story.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer

from dedup.dates import DATE_STAMP
from dedup.model import Article, Document, Sentence
from dedup.stopwords import ENGLISH_STOP_WORDS

_CHAR_MAP = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",  # `quoted' in TeX style (PA wire copy); a pair of them is a double quote (_TEX_QUOTES)
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u200b": "",
        "\ufeff": "",
        "\u00ad": "",
        "\u2026": "...",
    }
)
# `_CHAR_MAP` as (character, replacement) pairs, which `_map_characters` replaces one by one where
# they occur: `str.translate` looks up every character of a non-ASCII text in the table (make_corpus
# 10k, 86% of its texts non-ASCII: 1.34 s against 0.03 s). No replacement holds a character of the
# table, so the order of the replacements changes nothing (tests/test_text.py checks both).
_CHAR_REPLACEMENTS = tuple((chr(code), value or "") for code, value in _CHAR_MAP.items())
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalise(text: str) -> str:
    """Return `text` in one canonical form: NFKC, straight quotes, ASCII dashes, single spaces.

    Paragraph breaks survive as one blank line, since paragraphs bound sentences; line breaks inside
    a paragraph become spaces. Raw wire copy (see `_wire_paragraphs`) is read by its own paragraph
    marks, and TeX-style quotes (````...''``, as in PA copy and tokenised corpora) become straight ones.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _TEX_QUOTES.sub('"', _map_characters(text))  # after the map, so that a second pass changes nothing
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    wire = _wire_paragraphs(text)
    if wire is not None:
        paragraphs = [_single_spaces(p.replace("\n", " ")).strip() for p in wire]
    else:
        text = _CONTROL.sub(" ", text)
        paragraphs = []
        for block in _BLANK_LINES.split(text):
            paragraphs.extend(_single_spaces(p).strip() for p in _paragraphs_of_block(block))
    return "\n\n".join(p for p in paragraphs if p)


def _single_spaces(text: str) -> str:
    """`text` with each run of spaces and tabs made one space. A text with none to change is given
    back as it is, without the substitution, which visits every space (make_corpus 10k: 0.88 s)."""
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        return _SPACES.sub(" ", text)
    return text


def _map_characters(text: str) -> str:
    """`text` with `_CHAR_MAP` applied, as ``text.translate(_CHAR_MAP)`` gives it."""
    for character, replacement in _CHAR_REPLACEMENTS:
        if character in text:
            text = text.replace(character, replacement)
    return text


# ``quoted'' in TeX style (PA wire copy, ECB+ and other tokenised corpora): both marks are double
# quotes. Matched after `_CHAR_MAP` has made each backtick and curly single quote a straight one.
_TEX_QUOTES = re.compile(r"''")
# C0 and C1 control characters other than tab and line ends: paragraph marks in raw wire copy,
# noise elsewhere.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Raw wire copy as a desk receives it (PA, ../shared/data/meter-dev): each paragraph starts with a
# control character (0x19) and ends in "<" before a line end; lines inside a paragraph are
# hard-wrapped at 80 columns; rules of dashes frame a slug line.
_WIRE_PARAGRAPH_END = re.compile(r"<[ \t]*(?:\n|$)")
_RULE_LINE = re.compile(r"^[ \t]*[-=_*]{8,}[ \t]*$", re.M)
# The marks must make this share of the non-blank lines' ends before a text is read as wire copy.
_WIRE_MARK_SHARE = 0.2


def _wire_paragraphs(text: str) -> list[str] | None:
    """Paragraphs of raw wire copy, split at its paragraph marks (control characters, "<" at a line
    end, blank lines) with rules of dashes removed; None for text that does not look like wire copy,
    which `_paragraphs_of_block` reads instead.

    In wire copy every other line break is a hard wrap, so a paragraph's lines are joined whatever
    their length: a short wrapped line ("he replied.") is not a paragraph of its own.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    marks = len(_WIRE_PARAGRAPH_END.findall(text)) + text.count("\x19")
    if marks < 2 or marks < _WIRE_MARK_SHARE * len(lines):
        return None
    text = _RULE_LINE.sub("", text)
    text = _WIRE_PARAGRAPH_END.sub("\n\n", text)
    text = _CONTROL.sub("\n\n", text)
    return _BLANK_LINES.split(text)


_LINE_ENDS_PARAGRAPH = re.compile(r"[.!?:][\"')\]]*\s*$")
# A line shorter than this share of the block's long lines ends its paragraph even without a full
# stop (a heading, the last line of a wrapped paragraph), unless the next line goes on in lower
# case; a line near the wrap width does not.
_SHORT_LINE_SHARE = 0.6
_WRAPPED_LINE_SHARE = 0.8
# Lines no longer than a terminal are taken as wrapped even when only one stops mid-sentence.
_TERMINAL_WIDTH = 120


def _paragraphs_of_block(block: str) -> list[str]:
    """Split a block without blank lines into paragraphs.

    Some dumps separate paragraphs with a single line break, others hard-wrap lines inside a
    paragraph (PAN's texts at about 190 columns). A line break counts as a paragraph break when the
    line ends a sentence or is clearly shorter than the block's long lines; a wrapped line runs to
    about the wrap width and usually stops mid-sentence, so it is joined to the next.
    """
    lines = block.split("\n")
    lengths = sorted(len(line) for line in lines)
    long_line = lengths[round(0.9 * (len(lengths) - 1))]
    # Hard-wrapped text has several lines that run to about the wrap width and stop mid-sentence;
    # without them each line is a paragraph of its own (dumps that use single line breaks).
    wrapped = [
        line for line in lines if len(line) >= _WRAPPED_LINE_SHARE * long_line and not _LINE_ENDS_PARAGRAPH.search(line)
    ]
    if len(wrapped) < 2 and long_line > _TERMINAL_WIDTH:
        return lines
    paragraphs, current = [], []
    for index, line in enumerate(lines):
        current.append(line)
        following = lines[index + 1].lstrip() if index + 1 < len(lines) else ""
        short = len(line.rstrip()) < _SHORT_LINE_SHARE * long_line and not following[:1].islower()
        if _LINE_ENDS_PARAGRAPH.search(line) or short:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# --- news furniture -------------------------------------------------------------------------
# "ISLAMABAD:", "ISLAMABAD -", "WASHINGTON (Reuters) -", "NEW YORK, Dec 3 (AP) -" at a paragraph start.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\-]+(?:[ ,]+[A-Z][A-Z.'\-]+){0,3})"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"(?:\s*\([A-Za-z .&]+\))?\s*(?::|-\s)\s*"
)
# A paragraph longer than this is never taken for one of `_FURNITURE_LINE`'s prompts, whatever it
# opens with: "Subscribe to this blog's feed ..." ran on for 903 characters of a PAN source's text,
# all of which went (six such paragraphs of 370-4,933 characters in ../shared/data, all text;
# every real prompt there is shorter).
_FURNITURE_MAX_CHARS = 200
_FURNITURE_LINE = re.compile(
    r"^(?:share this (?:post|article|story)|share on \w+|follow us on .*|click here.*|read more.*|"
    r"advertisement|subscribe.*|sign up for .*|related:? .*|also read:? .*|"
    r"(?:published|updated|posted)(?: on)?:? .{0,40}\d{4}.*|copyright .*|\(c\) .*|all rights reserved.*|"
    r"photo:? .{0,80}|file photo.*|image:? .{0,80})$",
    re.I,
)
_BYLINE = re.compile(r"^(?:[Bb]y|[Ww]ritten by|[Rr]eporting by)\s+[A-Z][\w.'\-]*(?:\s+[\w.'\-&,]+){0,6}$")
# A longer byline that names an agency or a desk: "By Geoff Meade, European Editor, PA News in Brussels
# and Alex Richardson" (no sentence punctuation, so "By day, Smith ... London." stays a sentence).
_AGENCY_BYLINE = re.compile(
    r"^By [A-Z][^.!?]{0,150}\b(?:PA News|Press Association|Correspondent|Editor|Reporter|Staff)\b[^.!?]{0,80}$"
)
# A wire slug line: "16:54 01/03/00: Page 1 (ZSM) COURTS Burstein" (time, date, page, desk, catchline).
_SLUG_LINE = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})? \d{1,2}/\d{1,2}/\d{2,4}:? .{0,80}$")
# Notes to editors and sign-offs that close wire copy: "end", "ends", "more", an operator's initials
# ("mf", "mfl"), "(reopens)", "(with pix)", "(corrects spelling)", a stray markup tag.
_WIRE_NOTE = re.compile(
    r"^(?:ends?|more|(?-i:[a-z]{1,4})|\((?:re-?opens|with pix?|with pics?|corrects?[^)]{0,40}|adds?[^)]{0,40}|"
    r"recasts?[^)]{0,40}|updates?[^)]{0,40}|new lead[^)]{0,40}|embargoed[^)]{0,60})\)|</?[A-Za-z]+>)$",
    re.I,
)


def strip_furniture(body: str) -> str:
    """Drop what an outlet adds around a story: date stamps, datelines, bylines, share prompts, and
    what a wire service adds: slug lines, notes to editors, sign-offs.

    Takes and returns normalised text (see `normalise`).
    """
    kept = []
    for index, paragraph in enumerate(body.split("\n\n")):
        if index == 0:
            paragraph = DATE_STAMP.sub("", paragraph)
        paragraph = _DATELINE.sub("", paragraph, count=1)
        if (
            not paragraph
            or (len(paragraph) <= _FURNITURE_MAX_CHARS and _FURNITURE_LINE.match(paragraph))
            or _BYLINE.match(paragraph)
            or _AGENCY_BYLINE.match(paragraph)
            or _SLUG_LINE.match(paragraph)
            or _WIRE_NOTE.match(paragraph)
        ):
            continue
        kept.append(paragraph)
    return "\n\n".join(kept)


# --- sentences -------------------------------------------------------------------------------
# Scripts written without spaces between words, as (first, last) code points: Thai, Lao, Myanmar,
# Khmer, kana, Han (CJK unified ideographs, their extensions, compatibility ideographs). Their runs
# are compared as character bigrams, here and at the copy level (`dedup.wordhash`).
SPACELESS_RANGES = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)


def _class_of(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    """The inside of a regex character class holding the code point ranges."""
    return "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges)


_SPACELESS = _class_of(SPACELESS_RANGES)
_SPACELESS_CHAR = re.compile(f"[{_SPACELESS}]")


def _mark_ranges() -> str:
    """The regex class ranges of every combining mark (Unicode Mn, Mc, Me) outside the spaceless
    scripts: `re`'s ``\\w`` leaves them out, yet Devanagari vowel signs and viramas, Arabic harakat
    and shadda, and accents NFKC leaves apart belong to their word. Zero-width (non-)joiners, which
    Urdu and Hindi write inside words, are added. About 12 ms at import."""
    category = unicodedata.category
    marks = [
        code
        for block in (range(0x300, 0x1F000), range(0xE0100, 0xE01F0))
        for code in block
        if category(chr(code))[0] == "M" and not _SPACELESS_CHAR.match(chr(code))
    ] + [0x200C, 0x200D]
    ranges = [(marks[0], marks[0])]
    for code in marks[1:]:
        if code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return _class_of(ranges)


_MARKS = _mark_ranges()
# A run of letters and digits of any script other than the spaceless ones, with the combining
# marks inside it (letters first, so that the common case is one fast character class).
_LETTERS = f"[^\\W_{_SPACELESS}]+(?:[{_MARKS}]+[^\\W_{_SPACELESS}]*)*"

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen maj col lt sgt capt cmdr adm gov sen rep rev st jr sr no nos vol
    inc corp co ltd plc vs etc al jan feb mar apr jun jul aug sep sept oct nov dec mt ft fig
    approx dept est univ assn bros pres supt insp det cpl pvt hon atty brig""".split()
)
# Sentence ends that never close an abbreviation, and need no space after them (Chinese and
# Japanese leave none): the ideographic full stop (and its halfwidth form), fullwidth ! and ?, the
# Urdu full stop, the Arabic question mark, the Devanagari danda and double danda.
_FINAL_STOPS = "\u3002\uff61\uff01\uff1f\u06d4\u061f\u0964\u0965"
_CLOSERS = "\"')\\]\u300d\u300f\u3011\u300b\u3009"
# A candidate boundary: a final stop, or ! or ? right before spaceless-script text (NFKC turns
# fullwidth ! and ? into ASCII), with any closing quotes and spaces; or terminal punctuation with
# any closing quotes/brackets and at least one space.
_BOUNDARY = re.compile(
    f"(?P<final>[{_FINAL_STOPS}]|[!?](?=[{_CLOSERS}]*[{_SPACELESS}]))[.!?{_FINAL_STOPS}]*[{_CLOSERS}]*\\s*"
    f"|[.!?]+[{_CLOSERS}]*\\s+"
)
# What `_BOUNDARY` finds in an ASCII paragraph (never a final stop), found three times faster.
_ASCII_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+")
_OPENERS = frozenset("\"'([")
# The run of letters (no digits), combining marks and dots that ends at an abbreviation's dot,
# matched on the reversed paragraph, so that it is found by reading back from the dot only.
_LETTERS_AND_DOTS = re.compile(f"(?:[^\\W\\d_]|[{_MARKS}]|\\.)*")


def _starts_sentence(paragraph: str, at: int) -> bool:
    """True when `paragraph` at `at` reads as the start of a sentence: after an optional opening
    quote or bracket, a digit or a letter that is not lower case (a capital, or a letter of a
    script without case: Arabic, Devanagari, Han)."""
    first = paragraph[at : at + 1]
    if first in _OPENERS:
        first = paragraph[at + 1 : at + 2]
    return first.isalnum() and not first.islower()


def _ends_with_abbreviation(reversed_paragraph: str, dot: int) -> bool:
    """True when the dot at `dot` of a paragraph (given reversed) closes an abbreviation, an
    initial or a dotted acronym.

    The word before the dot is the run of letters and dots that ends there, without its leading
    dots; reading it costs its length, and the runs read for two boundaries never overlap (a
    space follows every boundary), so a paragraph is read once however long its words are.
    """
    start = len(reversed_paragraph) - dot
    token = _LETTERS_AND_DOTS.match(reversed_paragraph, start).group()[::-1].lstrip(".")
    if not token:
        return False
    if "." in token:  # U.S., U.N., e.g.
        return True
    return len(token) == 1 or token.lower() in _ABBREVIATIONS


def split_sentences(body: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of the sentences of `body`.

    Paragraph breaks always end a sentence. Inside a paragraph a sentence ends at ``.``, ``!`` or
    ``?`` (with any closing quotes) followed by a capital, a digit or a letter of a script without
    case, unless the word before is an abbreviation (U.S., Maj Gen, No. 5) or an initial; so
    ``"Why?" he asked`` stays one sentence. The full stops of Chinese and Japanese (``。``), Urdu
    (``۔``) and Hindi (``।``), the Arabic ``؟``, and ``!`` or ``?`` directly before Chinese, Japanese or
    Thai text always end a sentence, with or without a space after them. Time is linear in the body.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in body.split("\n\n"):
        start = 0
        reversed_paragraph = None
        for match in (_ASCII_BOUNDARY if paragraph.isascii() else _BOUNDARY).finditer(paragraph):
            end = match.end()
            if match.lastgroup != "final":
                if not _starts_sentence(paragraph, end):
                    continue
                punct_at = match.start()
                if paragraph[punct_at] == ".":
                    if reversed_paragraph is None:
                        reversed_paragraph = paragraph[::-1]
                    if _ends_with_abbreviation(reversed_paragraph, punct_at):
                        continue
            segment_end = match.end() - (len(match.group()) - len(match.group().rstrip()))
            if paragraph[start:segment_end].strip():
                spans.append((offset + start, offset + segment_end))
            start = end
        if paragraph[start:].strip():
            spans.append((offset + start, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return spans


def quote_spans(body: str, sentence_ends: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Return (start, end) spans of text inside double quotation marks, paragraph by paragraph.

    News style leaves a quote open at a paragraph's end when the quote continues in the next
    paragraph, which then opens with a quotation mark; such an open quote runs to the end of its
    paragraph. A quote left open otherwise lost its closing mark (or the text was cut): it runs to
    the end of the sentence it opened in, given the ends of the body's sentences
    (`sentence_ends`, sorted), else to the end of its paragraph.

    Marks are paired by which way they face, not by counting: a mark after a space (or at the
    paragraph's start) and before a word opens a quote; one after a word and before a space,
    punctuation or the end closes one. A closing mark with no quote open ends a quotation begun
    before the text we have (a story cut mid-quote) and is passed over, and an opening mark inside
    an open quote ends the one left open and starts the next. Counting marks instead let one stray
    mark turn every later sentence of a one-paragraph text into a quotation and the quotations into
    prose (a generated corpus of real sentences: unrelated articles read as near-duplicates on the
    two sentences left counted as prose). A mark that faces neither way toggles, as counting did.
    """
    spans = []
    offset = 0
    paragraphs = body.split("\n\n")
    for number, paragraph in enumerate(paragraphs):
        opened = -1
        for match in re.finditer('"', paragraph):
            at = match.start()
            facing = _quote_facing(paragraph, at)
            if opened < 0:
                if facing != "close":
                    opened = at
            elif facing == "open":
                spans.append((offset + opened, offset + at))
                opened = at
            else:
                spans.append((offset + opened, offset + at + 1))
                opened = -1
        if opened >= 0:
            end = offset + len(paragraph)
            continued = number + 1 < len(paragraphs) and paragraphs[number + 1].lstrip().startswith('"')
            if not continued and len(sentence_ends):
                after = bisect.bisect_right(sentence_ends, offset + opened)
                if after < len(sentence_ends):
                    end = min(end, sentence_ends[after])
            spans.append((offset + opened, end))
        offset += len(paragraph) + 2
    return spans


def _quote_facing(paragraph: str, at: int) -> str:
    """``open``, ``close`` or ``either``: which way the quotation mark at `at` faces, from the
    characters around it (a space or an opening bracket before and a word after: open; a word or
    punctuation before and a space, punctuation or the end after: close)."""
    before = paragraph[at - 1] if at > 0 else " "
    after = paragraph[at + 1] if at + 1 < len(paragraph) else " "
    space_before = before.isspace() or before in "([{"
    space_after = after.isspace() or after in ")]}.,;:!?"
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    return "either"


# --- tokens ----------------------------------------------------------------------------------
# A word: a run of spaceless-script characters, or letters and digits with inner dots and apostrophes
# (U.S., Pakistan's), matched on lower-cased text. On ASCII text this is ``[a-z0-9]+(?:[.'][a-z0-9]+)*``.
_WORD = re.compile(f"[{_SPACELESS}]+|{_LETTERS}(?:[.']{_LETTERS})*")
# What `_WORD` finds in ASCII text, found five times faster.
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
# Tokens the English stemmer is for: ASCII, Latin-1 and Latin Extended letters, digits, apostrophes.
_LATIN_TOKEN = re.compile(r"[a-z0-9'\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]+")
OTHER_STOP_WORDS_FILE = Path(__file__).with_name("stopwords-other.txt")
"""Stop words of languages written in other scripts than Latin (Russian, Arabic, Urdu, Hindi, ...): one
``language<TAB>word`` line each, the most frequent words of wordfreq's list for the language, built by
`dedup.background.build_other_stop_words` (``make background``), which says how they are chosen."""


def read_stop_words(path: Path = OTHER_STOP_WORDS_FILE) -> frozenset[str]:
    """The words of a stop word file of ``language<TAB>word`` lines (see `OTHER_STOP_WORDS_FILE`)."""
    with open(path, encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n").split("\t")[1] for line in lines if line.strip())


# English stop words, reporting verbs and titles; and the function words of other scripts, without
# which two unrelated Hindi or Urdu stories share के में है / کے کی میں enough to pass for one story.
# None of the latter is ASCII or Latin, so English text keeps every token it had.
STOP_WORDS = (
    frozenset(ENGLISH_STOP_WORDS)
    | {"said", "says", "say", "told", "added", "also", "mr", "mrs", "ms"}
    | read_stop_words(OTHER_STOP_WORDS_FILE)
)
_STEMMER = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of normalised text, in every script.

    Possessive 's and inner dots are folded away (Pakistan's -> pakistan, U.S. -> us); combining
    marks stay inside their word. Scripts written without spaces (Chinese, Japanese, Thai) give the
    overlapping character bigrams of each run (国内生产 -> 国内 内生 生产), which match a copy as
    words do without a segmenter; a run of one character is one token.
    """
    lowered = text.lower()
    if lowered.isascii():
        tokens = _ASCII_WORD.findall(lowered)
        if not _INNER_MARK.search(lowered):  # no token holds a dot or an apostrophe: nothing to fold
            return tokens
    else:
        tokens = _WORD.findall(lowered)
        if _SPACELESS_CHAR.search(lowered):
            tokens = [gram for token in tokens for gram in _bigrams(token)]
        if "." not in lowered and "'" not in lowered:
            return tokens
    return [t[:-2] if t.endswith("'s") else t.replace(".", "") for t in tokens]


def _bigrams(token: str) -> list[str]:
    """The character bigrams of a spaceless-script run (itself when one character); other tokens as they are."""
    if len(token) < 2 or not _SPACELESS_CHAR.match(token):
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


# A dot or apostrophe between two letters or digits: the only way an `_ASCII_WORD` token can hold one.
_INNER_MARK = re.compile(r"[a-z0-9][.'][a-z0-9]")


# A memo of a constant function, not run state: a stem depends on the word alone, whichever run
# asks, and the memo is bounded (least recently used words dropped first). Runs keep their own
# table of what each token gives (`TextCache.stems`), so this serves what they miss.
@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a word, cached: news vocabularies repeat heavily."""
    return _STEMMER.stemWord(word)


class _StemOrSkip(dict):
    """token -> its stem, or "" for a token that carries no content (stop word, one letter).

    Only Latin-script tokens are stemmed: the English stemmer knows nothing of other scripts, whose
    words are kept as they are. Holds at most `limit` tokens (then stops growing)."""

    __slots__ = ("limit",)

    def __init__(self, limit: float = float("inf")) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, token: str) -> str:
        if len(token) <= 1 or token in STOP_WORDS:
            value = ""
        elif token.isascii() or _LATIN_TOKEN.fullmatch(token):
            value = stem(token)
        else:
            value = token
        if len(self) < self.limit:
            self[token] = value
        return value


# A bounded `TextCache`'s most distinct tokens (`words`, `stems`) and sentences (every run's but a
# batch's `prepare_all`): a run that prepares a stream of articles and drops them, as an archive's
# `add` does, keeps its caches this small whatever the stream's length.
_TOKEN_CACHE_SIZE = 500_000


def content_stems(tokens: list[str] | tuple[str, ...], *, cache: TextCache | None = None) -> list[str]:
    """Stems of the tokens that carry content: stop words and one-character tokens dropped.

    Stop words are English and, for languages of other scripts, their most frequent words (see
    `OTHER_STOP_WORDS_FILE`); tokens of scripts other than Latin are kept unstemmed. `cache` is the
    run's `TextCache`, whose table of stems a run's many calls share; without one, the call keeps
    its own.
    """
    return _kept_stems(_StemOrSkip() if cache is None else cache.stems, tokens)


def _kept_stems(lookup: _StemOrSkip, tokens: Iterable[str]) -> list[str]:
    """`content_stems` of `tokens`, each looked up in the table `lookup`."""
    return [s for s in map(lookup.__getitem__, tokens) if s]


class _SentenceTokens(dict):
    """sentence text -> (text, words, stems). Copies of a story repeat most sentences verbatim, so
    each distinct sentence is tokenised once, and its copies share one text and one pair of tuples;
    equal words share one string object (`words`, the `TextCache`'s). This keeps a large batch's
    sentences small in memory.

    It holds its `TextCache`'s tables, not the cache itself: a cache that held this table which
    held the cache would be a reference cycle, freed only by Python's cyclic collector, which the
    cluster pipeline pauses (`dedup.stages.prepare.collector_paused`), so a batch's cache outlived
    its preparation until the collector resumed and walked it."""

    __slots__ = ("_words", "_stems", "_limit")

    def __init__(self, words: dict[str, str], stems: _StemOrSkip, limit: float) -> None:
        super().__init__()
        self._words, self._stems, self._limit = words, stems, limit

    def __missing__(self, text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        interned = self._words
        tokens = tuple([interned.setdefault(t, t) for t in words(text)])
        value = (text, tokens, tuple(_kept_stems(self._stems, tokens)))
        if len(self) >= self._limit:
            self.clear()
        self[text] = value
        return value


_SENTENCE_CACHE_SIZE = 200_000


class TextCache:
    """What preparing articles learns that the next article of the same run can reuse: each
    distinct sentence's text, words and stems (`sentences`), one string per distinct word
    (`words`), and each token's stem or "" (`stems`, see `content_stems`).

    A run (`dedup.cluster`, `dedup.flag`, an archive's `add`, ...) makes one and gives it to every
    `prepare` it calls, so that copies in its batch share their repeated sentences' tuples; the
    cache goes when the run drops it. Each table is bounded unless `bounded` is false: `sentences`
    and `words` are emptied when full, `stems` stops growing.

    A run that keeps every document it prepares (`dedup.stages.prepare.prepare_all`) asks for an
    unbounded cache: its entries are the documents' own strings and tuples, so the tables add only
    their slots, and a bounded cache, emptied again and again in a large batch, tokenises and stems
    its sentences anew and stops sharing them (100k generated articles, one process, the collector
    paused: prepared in 66.8 s bounded, 50.4 s unbounded).
    """

    __slots__ = ("sentences", "words", "stems", "sentence_limit", "token_limit")

    def __init__(self, *, bounded: bool = True) -> None:
        self.sentence_limit = _SENTENCE_CACHE_SIZE if bounded else float("inf")
        self.token_limit = _TOKEN_CACHE_SIZE if bounded else float("inf")
        self.words: dict[str, str] = {}
        self.stems = _StemOrSkip(self.token_limit)
        self.sentences = _SentenceTokens(self.words, self.stems, self.sentence_limit)


# Only the first this many characters of an article's text are compared sentence by sentence
# (`prepare`, so `cluster`, `flag`, `diff` and `pairs --level document`): aligning two articles
# takes time and memory in the product of their sentence counts, and the count per character is
# highest for short sentences. The worst pair, two copies of a text of 48-character quoted
# sentences, took in `dedup cluster` (2 shared cores, whole command): 119,000 characters (2,500
# sentences) 4.8 s and 0.54 GB, 239,000 (5,000) 22.9 s and 1.8 GB, 479,000 (10,000) 68 s and
# 6.8 GB; at the former limit of 500,000 such a pair could take 7 GB. The longest text of the
# evaluation sets in ../shared/data has 80,616 characters (a PAN document; METER's longest joined PA
# copy of one story 36,012) and news articles rarely pass 100,000, so the limit leaves real
# articles whole. The copy level (`cluster --level copies`) is linear and compares whole texts.
MAX_ARTICLE_CHARS = 100_000

# ... and only its first this many sentences: under the character limit a text of very short
# sentences (a results table, a list of one-word lines) holds many thousands, and the pair's
# sentence similarities (dense, one float per sentence pair, several arrays of them) grew past
# memory: two texts of 14,000 one-word sentences (98,000 characters) asked `dedup diff` for 748 MB
# per array and failed; 3,000 took 3.0 s and 0.43 GB, 2,000 1.7 s and 0.25 GB. The longest
# article of the evaluation sets in ../shared/data has 508 sentences (a PAN document), so the
# limit leaves real articles whole.
MAX_SENTENCES = 2_500

# Characters that can end a sentence or a paragraph once a text is normalised: terminal
# punctuation and the final stops of other scripts, line ends, METER's `<` paragraph marks and
# control characters. A text holds at most one sentence more than it has of these (counted after
# NFKC, which makes `…` three dots), so one with fewer than MAX_SENTENCES needs no splitting to
# know that `prepare` compares it whole.
_ENDS = re.compile(f"[.!?<\x00-\x1f\x7f-\x9f\u2028\u2029{_FINAL_STOPS}]")


NOTHING_TO_COMPARE = (
    "no content word to compare once news furniture (bylines, datelines, sign-offs, agency tags) "
    "and stop words are set aside"
)
"""Why a prepared article can be related to no other by its words: `cluster` and `diff` warn of it."""


def nothing_to_compare(sentences: Sequence[Sentence]) -> bool:
    """True when no sentence of a prepared article holds a content word: `NOTHING_TO_COMPARE`."""
    return not any(sentence.stems for sentence in sentences)


def compared_text(text: str) -> str:
    """The part of an article's text that `prepare` compares: all of it, or for a text longer than
    `MAX_ARTICLE_CHARS`, its first characters up to the last space or line break before the limit."""
    if len(text) <= MAX_ARTICLE_CHARS:
        return text
    cut = max(text.rfind(" ", 0, MAX_ARTICLE_CHARS), text.rfind("\n", 0, MAX_ARTICLE_CHARS))
    return text[: cut if cut > MAX_ARTICLE_CHARS // 2 else MAX_ARTICLE_CHARS]


def cut_warning(label: str, text: str) -> str | None:
    """The one-line warning for a text that `prepare` compares only in part (over
    `MAX_ARTICLE_CHARS` characters, or over `MAX_SENTENCES` sentences), naming it `label`; None for
    a text compared whole. Callers that can warn (the command line) give it to the user."""
    why = "aligning longer articles takes time and memory in the square of their length"
    found = []
    compared = compared_text(text)
    if len(text) > MAX_ARTICLE_CHARS:
        kept = len(compared)
        found.append(f"{len(text):,} characters; only the first {kept:,} are compared (limit {MAX_ARTICLE_CHARS:,}")
    sentences = compared_sentence_count(compared)
    if sentences is not None:
        found.append(f"{sentences:,} sentences; only the first {MAX_SENTENCES:,} are compared (limit {MAX_SENTENCES:,}")
    return f"{label}: {'); '.join(found)}: {why})" if found else None


def compared_sentence_count(compared: str) -> int | None:
    """How many sentences `prepare` finds in `compared` (a `compared_text`) when they are more than
    `MAX_SENTENCES`, else None; split only when a count of the characters that can end a sentence
    (`_ENDS`) says there may be that many."""
    if len(_ENDS.findall(unicodedata.normalize("NFKC", compared))) < MAX_SENTENCES:
        return None
    count = len(split_sentences(strip_furniture(normalise(compared))))
    return count if count > MAX_SENTENCES else None


@dataclass(frozen=True)
class TextLayout:
    """What `prepare` finds in an article's text before any word is read: the body it compares
    (normalised, furniture stripped, cut to `MAX_SENTENCES` sentences), the (start, end) spans of
    its sentences, and how many characters of each lie inside quotation marks. Plain strings and
    numbers, so that a worker process can find it and send it back cheaply (`lay_out`)."""

    body: str
    spans: list[tuple[int, int]]
    quoted: list[int]


def lay_out(text: str) -> TextLayout:
    """The `TextLayout` of an article's `text`: the part of `prepare` that needs no `TextCache`."""
    body = strip_furniture(normalise(compared_text(text)))
    spans = split_sentences(body)
    if len(spans) > MAX_SENTENCES:
        spans = spans[:MAX_SENTENCES]
        body = body[: spans[-1][1]]
    quotes = quote_spans(body, [end for _, end in spans])
    return TextLayout(body, spans, _quoted_characters(spans, quotes))


def prepare(article: Article, *, cache: TextCache | None = None, layout: TextLayout | None = None) -> Document:
    """Turn an article into a `Document`: normalised body without furniture, sentences with quotes marked.

    The title, when given apart from the text, is not part of the body: outlets rewrite headlines
    freely, so they say little about copying. A text longer than `MAX_ARTICLE_CHARS` is prepared
    from its first characters only (`compared_text`), and one of more than `MAX_SENTENCES`
    sentences from its first sentences; the document still stands for the article.
    A run that prepares many articles passes its `TextCache`, so that sentences repeated across
    them are tokenised once and shared; without one, the call makes its own. `layout` is the
    text's `lay_out` when the caller has it (found in another process); else it is found here.
    """
    cache = TextCache() if cache is None else cache
    layout = lay_out(article.text) if layout is None else layout
    body = layout.body
    if len(cache.words) > cache.token_limit:
        cache.words.clear()
    tokens_of = cache.sentences
    sentences = []
    for (start, end), quoted in zip(layout.spans, layout.quoted):
        text, tokens, stems = tokens_of[body[start:end]]
        sentences.append(Sentence(len(sentences), text, start, end, quoted / max(1, end - start), tokens, stems))
    return Document(article=article, body=body, sentences=tuple(sentences))


def _quoted_characters(spans: list[tuple[int, int]], quotes: list[tuple[int, int]]) -> list[int]:
    """How many characters of each (start, end) span lie inside the quote spans (summed per quote).

    That is ``covered(end) - covered(start)``, where ``covered(x)``, the quoted characters before
    x, is the sum of ``x - q_start`` over quotes begun before x less the sum of ``x - q_end`` over
    quotes ended before x: a binary search in each sorted list and prefix sums, so O((n + m) log m)
    for n sentences and m quotes, not n * m; overlapping quotes count as often as they overlap.
    """
    if not spans or not quotes:
        return [0] * len(spans)
    bounds = np.array(quotes, dtype=np.int64)
    quote_starts, quote_ends = np.sort(bounds[:, 0]), np.sort(bounds[:, 1])
    start_sums = np.concatenate(([0], np.cumsum(quote_starts)))
    end_sums = np.concatenate(([0], np.cumsum(quote_ends)))

    def covered(x: np.ndarray) -> np.ndarray:
        begun = np.searchsorted(quote_starts, x, side="left")
        ended = np.searchsorted(quote_ends, x, side="left")
        return x * (begun - ended) - start_sums[begun] + end_sums[ended]

    points = np.array(spans, dtype=np.int64)
    return (covered(points[:, 1]) - covered(points[:, 0])).tolist()

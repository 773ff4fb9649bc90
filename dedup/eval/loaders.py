"""Readers for the public, human-labelled sets that `dedup` is measured against.

Each loader takes the path to one set's folder (as laid out in ``../shared/data``), parses the
files exactly as they are published, and returns plain frozen dataclasses. Anything unexpected
raises `dedup.errors.DedupError` with the file, the line where there is one, and the reason;
nothing is skipped silently.

Format quirks handled here (all checked against the real files):

- MSRP: UTF-8 with a byte-order mark; strings contain quote marks, so lines are split on tabs only.
- STS Benchmark: ``sts-train.csv`` has CRLF line ends, ``sts-dev.csv`` LF; some lines carry extra
  licence fields after the second sentence; the forum genre is ``main-forum`` in train but
  ``main-forums`` in dev (both read as ``main-forum``).
- WikiRef220: CRLF line ends, some files UTF-8 and some cp1252.
- Lee 2005: ``lee.cor`` is latin-1 with no newline after the last document; the similarity matrix is
  a full 50 x 50 tab-separated grid whose lower triangle is written as zeros.
- PAN: the texts in this copy are ASCII-only, so some gold passages run past the end of their
  text; offsets are returned as given.
"""

from __future__ import annotations

import json
import math
import os
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup.errors import DedupError

PathLike = str | os.PathLike[str]

MSRP_FILE = "msr_paraphrase_train.txt"
MSRP_HEADER = ("Quality", "#1 ID", "#2 ID", "#1 String", "#2 String")

EVENT_DOCS = "docs.jsonl"
METER_DOCS = "docs.jsonl"
METER_ANNOTATIONS = "annotations.jsonl"

STS_FILES = {"train": "sts-train.csv", "dev": "sts-dev.csv"}
STS_GENRES = ("main-news", "main-captions", "main-forum")
STS_GENRE_SPELLINGS = {"main-forums": "main-forum"}
"""Other spellings of a genre found in the published files (``sts-dev.csv`` writes ``main-forums``)."""

WIKIREF_TEXTS = "WikiRef220"
WIKIREF_LABELS = "labels.tsv"
WIKIREF_HEADER = ("file", "topic_label")

SEMEVAL_FILE = "en_pairs_with_text.jsonl"
SEMEVAL_FULL_TEXT = "blresearch_full"
SEMEVAL_REQUIRED = ("pair_id", "text1", "text2", "overall", "text_source")

LEE_DOCS = "lee.cor"
LEE_SIMILARITIES = "similarities0-1.txt"

PAN_PAIRS = "pairs"
PAN_OFFSETS = ("this_offset", "this_length", "source_offset", "source_length")


@dataclass(frozen=True)
class SentencePair:
    """One MSRP sentence pair.

    `id` is ``"<#1 ID>-<#2 ID>"``; `label` is 1.0 for a paraphrase and 0.0 otherwise.
    """

    id: str
    text1: str
    text2: str
    label: float


@dataclass(frozen=True)
class STSPair:
    """One STS Benchmark sentence pair with its 0-5 similarity score (5 = same meaning).

    `id` is ``"<file>-<year>-<id>"`` (the bare id repeats across files); `genre` is one of
    `STS_GENRES`.
    """

    id: str
    genre: str
    text1: str
    text2: str
    score: float


@dataclass(frozen=True)
class LabelledArticle:
    """One WikiRef220 article: `id` is its file name, `text` has LF line ends, `label` its topic."""

    id: str
    text: str
    label: str


@dataclass(frozen=True)
class DocPair:
    """One SemEval-2022 Task 8 English article pair.

    `score` is the raw Overall rating, 1 (very similar) to 4 (very dissimilar): LOWER means MORE
    similar, so correlate it with a distance, or negate a similarity. `full_text` is False when the
    texts are the truncated title + head + tail versions. Either text may be empty; the caller
    decides whether to drop such a pair.
    """

    id: str
    text1: str
    text2: str
    score: float
    full_text: bool


@dataclass(frozen=True)
class Passage:
    """One gold copied passage of a PAN pair, as character offsets into the two texts."""

    this_offset: int
    this_length: int
    source_offset: int
    source_length: int

    @property
    def this_span(self) -> tuple[int, int]:
        """The passage in the suspicious text as a half-open ``(start, end)`` span."""
        return (self.this_offset, self.this_offset + self.this_length)

    @property
    def source_span(self) -> tuple[int, int]:
        """The passage in the source text as a half-open ``(start, end)`` span."""
        return (self.source_offset, self.source_offset + self.source_length)


@dataclass(frozen=True)
class PanPair:
    """One PAN text-alignment pair: a suspicious document, its source, and the gold passages."""

    susp_id: str
    src_id: str
    susp_text: str
    src_text: str
    passages: tuple[Passage, ...]


def load_msrp(folder: PathLike) -> list[SentencePair]:
    """Read the MSRP training split: news sentence pairs judged paraphrase or not.

    Use it to measure the sentence-level "rewritten or not" decision (accuracy and F1).

    Parameters
    ----------
    folder : str or os.PathLike
        The ``msrp/`` folder holding ``msr_paraphrase_train.txt``.

    Returns
    -------
    list of SentencePair
        The pairs in file order.

    Raises
    ------
    DedupError
        When the folder or file is missing, the header differs, or a line does not have five
        tab-separated fields with a 0/1 quality.
    """
    path = _require_file(_require_folder(folder), MSRP_FILE)
    rows = _lines(_read_text(path, "utf-8-sig"))
    _expect_header(path, rows, MSRP_HEADER)
    pairs = []
    for number, line in rows:
        fields = line.split("\t")
        if len(fields) != len(MSRP_HEADER):
            msg = f"{path}:{number}: expected {len(MSRP_HEADER)} tab-separated fields, found {len(fields)}"
            raise DedupError(msg)
        quality, id1, id2, text1, text2 = fields
        if quality not in ("0", "1"):
            msg = f"{path}:{number}: quality must be 0 or 1, found {quality!r}"
            raise DedupError(msg)
        pairs.append(SentencePair(id=f"{id1}-{id2}", text1=text1, text2=text2, label=float(quality)))
    return pairs


def load_sts(folder: PathLike, split: str = "dev", genre: str | None = None) -> list[STSPair]:
    """Read one split of the STS Benchmark: sentence pairs scored 0-5 for similarity.

    Use it to check that a similarity score correlates with people's (Pearson r); the news genre
    is the closest to `dedup`'s inputs.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``stsbenchmark/`` folder holding ``sts-train.csv`` and ``sts-dev.csv``.
    split : {"dev", "train"}
        Which file to read.
    genre : str, optional
        Keep only this genre: ``"main-news"``, ``"main-captions"`` or ``"main-forum"``
        (``"main-forums"``, the dev file's spelling, is accepted too). None keeps all.

    Returns
    -------
    list of STSPair
        The pairs in file order. Fields after the second sentence (licence notes) are ignored.

    Raises
    ------
    DedupError
        When `split` or `genre` is unknown, the folder or file is missing, or a line has fewer
        than seven fields, an unknown genre or a score that is not a number in 0-5.
    """
    if split not in STS_FILES:
        msg = f"split must be one of {sorted(STS_FILES)}, got {split!r}"
        raise DedupError(msg)
    wanted = None
    if genre is not None:
        wanted = STS_GENRE_SPELLINGS.get(genre, genre)
        if wanted not in STS_GENRES:
            msg = f"genre must be one of {list(STS_GENRES)} or None, got {genre!r}"
            raise DedupError(msg)
    path = _require_file(_require_folder(folder), STS_FILES[split])
    pairs = []
    for number, line in _lines(_read_text(path, "utf-8")):
        fields = line.split("\t")
        if len(fields) < 7:
            msg = f"{path}:{number}: expected at least 7 tab-separated fields, found {len(fields)}"
            raise DedupError(msg)
        raw_genre, source_file, year, pair_id, raw_score, text1, text2 = fields[:7]
        line_genre = STS_GENRE_SPELLINGS.get(raw_genre, raw_genre)
        if line_genre not in STS_GENRES:
            msg = f"{path}:{number}: unknown genre {raw_genre!r}, expected one of {list(STS_GENRES)}"
            raise DedupError(msg)
        score = _parse_float(path, number, "score", raw_score)
        if not 0.0 <= score <= 5.0:
            msg = f"{path}:{number}: score must be within 0-5, found {raw_score!r}"
            raise DedupError(msg)
        if wanted is not None and line_genre != wanted:
            continue
        pairs.append(
            STSPair(id=f"{source_file}-{year}-{pair_id}", genre=line_genre, text1=text1, text2=text2, score=score)
        )
    return pairs


def load_wikiref(folder: PathLike) -> list[LabelledArticle]:
    """Read WikiRef220: 220 news articles, each labelled with its event or topic.

    Use it for story-level clustering (adjusted Rand index against the labels). Topics with five
    or fewer articles are noise according to the set's readme; they are returned like the others.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``wikiref220/`` folder holding ``labels.tsv`` and ``WikiRef220/``.

    Returns
    -------
    list of LabelledArticle
        In ``labels.tsv`` order. Each text is decoded as UTF-8, or as cp1252 when it is not valid
        UTF-8, with CRLF line ends turned into LF.

    Raises
    ------
    DedupError
        When a folder or file is missing, ``labels.tsv`` is malformed or names a file twice, a
        text file has no label, or a text decodes as neither UTF-8 nor cp1252.
    """
    root = _require_folder(folder)
    labels_path = _require_file(root, WIKIREF_LABELS)
    texts_dir = _require_folder(root / WIKIREF_TEXTS)
    rows = _lines(_read_text(labels_path, "utf-8-sig"))
    _expect_header(labels_path, rows, WIKIREF_HEADER)
    labels: dict[str, str] = {}
    for number, line in rows:
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            msg = f"{labels_path}:{number}: expected 'file<TAB>topic_label', found {line!r}"
            raise DedupError(msg)
        if fields[0] in labels:
            msg = f"{labels_path}:{number}: file {fields[0]!r} is labelled twice"
            raise DedupError(msg)
        labels[fields[0]] = fields[1]
    unlabelled = sorted({entry.name for entry in texts_dir.iterdir() if entry.is_file()} - set(labels))
    if unlabelled:
        msg = f"{labels_path}: no label for {len(unlabelled)} file(s) in {texts_dir}, e.g. {unlabelled[0]!r}"
        raise DedupError(msg)
    articles = []
    for name, label in labels.items():
        path = _require_file(texts_dir, name)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as error:
                msg = f"{path}: neither UTF-8 nor cp1252 (byte {raw[error.start]:#04x} at {error.start})"
                raise DedupError(msg) from None
        articles.append(LabelledArticle(id=name, text=text.replace("\r\n", "\n"), label=label))
    return articles


def load_event_articles(folder: PathLike) -> list[LabelledArticle]:
    """Read an event-labelled news set in JSON Lines (``ecbplus-dev``, ``duc2004-dev``).

    Use it for event-level story clustering (adjusted Rand index against the event labels).

    Parameters
    ----------
    folder : str or os.PathLike
        The set's folder holding ``docs.jsonl``: one object per line with ``id``, ``cluster`` (the
        event) and ``text``.

    Returns
    -------
    list of LabelledArticle
        In file order, `label` being the event.

    Raises
    ------
    DedupError
        When the file is missing, a line is not a JSON object with string ``id``, ``cluster`` and
        ``text``, or an id repeats.
    """
    path = _require_file(_require_folder(folder), EVENT_DOCS)
    articles, seen = [], set()
    for number, line in _lines(_read_text(path, "utf-8")):
        record = _json_object(path, number, line, ("id", "cluster", "text"))
        if record["id"] in seen:
            msg = f"{path}:{number}: id {record['id']!r} repeats"
            raise DedupError(msg)
        seen.add(record["id"])
        articles.append(LabelledArticle(id=record["id"], text=record["text"], label=record["cluster"]))
    return articles


@dataclass(frozen=True)
class MeterText:
    """One METER text: a Press Association wire story (`kind` ``pa``) or a newspaper story.

    `story` is ``domain/date/catchline``; `day` is ``domain/date``, the batch a desk would see;
    `derivation` is ``wholly``, ``partially`` or ``non`` for newspaper stories, ``""`` for PA copy.
    """

    id: str
    kind: str
    day: str
    story: str
    source: str
    derivation: str
    text: str


@dataclass(frozen=True)
class MeterAnnotation:
    """A newspaper story's words marked ``Verbatim``, ``Rewrite`` or ``New`` relative to the PA copy of
    its story: `spans` are (start, end, label) character offsets into `text`."""

    id: str
    story: str
    text: str
    spans: tuple[tuple[int, int, str], ...]


METER_KINDS = ("pa", "newspaper")
METER_DERIVATIONS = ("wholly", "partially", "non")


def load_meter(folder: PathLike) -> tuple[list[MeterText], list[MeterAnnotation]]:
    """Read the METER corpus copy (``meter-dev``): its texts and its word-level annotations.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder holding ``docs.jsonl`` and ``annotations.jsonl``.

    Returns
    -------
    (list of MeterText, list of MeterAnnotation)
        Both in file order.

    Raises
    ------
    DedupError
        When a file is missing, a line is malformed, a kind or derivation is unknown, or a span is
        not an ordered pair of offsets with a label.
    """
    root = _require_folder(folder)
    docs_path = _require_file(root, METER_DOCS)
    texts = []
    for number, line in _lines(_read_text(docs_path, "utf-8")):
        record = _json_object(docs_path, number, line, ("id", "kind", "domain", "date", "story", "source", "text"))
        derivation = record.get("derivation") or ""
        if record["kind"] not in METER_KINDS or (record["kind"] == "newspaper") != bool(derivation):
            msg = f"{docs_path}:{number}: kind {record['kind']!r} with derivation {derivation!r}"
            raise DedupError(msg)
        if derivation and derivation not in METER_DERIVATIONS:
            msg = f"{docs_path}:{number}: derivation must be one of {METER_DERIVATIONS}, found {derivation!r}"
            raise DedupError(msg)
        day = f"{record['domain']}/{record['date']}"
        texts.append(
            MeterText(record["id"], record["kind"], day, record["story"], record["source"], derivation, record["text"])
        )
    annotations_path = _require_file(root, METER_ANNOTATIONS)
    annotations = []
    for number, line in _lines(_read_text(annotations_path, "utf-8")):
        record = _json_object(annotations_path, number, line, ("id", "story", "text"))
        spans = []
        for span in record.get("spans", []):
            if (
                not isinstance(span, list)
                or len(span) != 3
                or not all(isinstance(v, int) for v in span[:2])
                or not 0 <= span[0] <= span[1]
            ):
                msg = f"{annotations_path}:{number}: bad span {span!r}"
                raise DedupError(msg)
            # The copy's offsets run a few characters past the text at some article ends (its preparer
            # joined the SGML text without trailing markup); they are clamped, as slicing does.
            spans.append((min(span[0], len(record["text"])), min(span[1], len(record["text"])), str(span[2])))
        annotations.append(MeterAnnotation(record["id"], record["story"], record["text"], tuple(spans)))
    return texts, annotations


def _json_object(path: Path, number: int, line: str, fields: tuple[str, ...]) -> dict:
    """Parse one JSON Lines record whose `fields` must be strings, naming file and line on failure."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        msg = f"{path}:{number}: not JSON ({error.msg})"
        raise DedupError(msg) from None
    if not isinstance(record, dict):
        msg = f"{path}:{number}: expected a JSON object"
        raise DedupError(msg)
    for field in fields:
        if not isinstance(record.get(field), str):
            msg = f"{path}:{number}: field {field!r} must be a string"
            raise DedupError(msg)
    return record


def load_semeval(folder: PathLike) -> list[DocPair]:
    """Read the SemEval-2022 Task 8 English training pairs that come with article texts.

    Use it for "same story?" scoring (Pearson r against Overall; remember that a LOWER Overall means
    MORE similar) and as a false-positive test: some high-overlap pairs share only site boilerplate.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``semeval2022-task8-en/`` folder holding ``en_pairs_with_text.jsonl``.

    Returns
    -------
    list of DocPair
        Every pair in file order, including any with an empty (or null) text, which comes back
        as ``""``: the caller decides whether to drop it.

    Raises
    ------
    DedupError
        When the folder or file is missing, or a line is not a JSON object with ``pair_id``,
        ``text1``, ``text2``, ``overall`` (a number in 1-4) and ``text_source``.
    """
    path = _require_file(_require_folder(folder), SEMEVAL_FILE)
    pairs = []
    for number, line in _lines(_read_text(path, "utf-8")):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            msg = f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno})"
            raise DedupError(msg) from None
        if not isinstance(record, dict):
            msg = f"{path}:{number}: expected a JSON object, found {type(record).__name__}"
            raise DedupError(msg)
        missing = [key for key in SEMEVAL_REQUIRED if key not in record]
        if missing:
            msg = f"{path}:{number}: missing field(s) {', '.join(missing)}"
            raise DedupError(msg)
        overall = record["overall"]
        if isinstance(overall, bool) or not isinstance(overall, int | float) or not 1.0 <= overall <= 4.0:
            msg = f"{path}:{number}: overall must be a number within 1-4, found {overall!r}"
            raise DedupError(msg)
        texts = []
        for key in ("text1", "text2"):
            value = record[key]
            if value is not None and not isinstance(value, str):
                msg = f"{path}:{number}: {key} must be a string or null, found {type(value).__name__}"
                raise DedupError(msg)
            texts.append(value or "")
        pairs.append(
            DocPair(
                id=str(record["pair_id"]),
                text1=texts[0],
                text2=texts[1],
                score=float(overall),
                full_text=record["text_source"] == SEMEVAL_FULL_TEXT,
            )
        )
    return pairs


def load_lee(folder: PathLike) -> tuple[list[str], np.ndarray]:
    """Read the Lee, Pincombe & Welsh (2005) documents and their mean human similarity ratings.

    Use it to check that document similarity correlates with people's judgement (Pearson r over
    the upper triangle, ``np.triu_indices(n, k=1)``: 1,225 pairs for 50 documents).

    Parameters
    ----------
    folder : str or os.PathLike
        The ``lee-2005/`` folder holding ``lee.cor`` and ``similarities0-1.txt``.

    Returns
    -------
    documents : list of str
        One document per line of ``lee.cor`` (latin-1), in file order.
    similarities : numpy.ndarray
        A full symmetric ``(n, n)`` float array in 0-1; row i and column j are documents i and j.
        The file writes only the upper triangle (the lower one as zeros); it is mirrored here.

    Raises
    ------
    DedupError
        When a folder or file is missing, the matrix is not square, a value is not a number in 0-1,
        a filled lower-triangle value disagrees with its mirror, or the matrix size differs from
        the number of documents.
    """
    root = _require_folder(folder)
    docs_path = _require_file(root, LEE_DOCS)
    matrix_path = _require_file(root, LEE_SIMILARITIES)
    documents = [line for _, line in _lines(_read_text(docs_path, "latin-1"))]

    matrix_lines = _lines(_read_text(matrix_path, "utf-8"))
    rows = [(number, line.split()) for number, line in matrix_lines if line.strip()]
    size = len(rows)
    for number, values in rows:
        if len(values) != size:
            msg = f"{matrix_path}:{number}: a {size}x{size} matrix needs {size} values, found {len(values)}"
            raise DedupError(msg)
    parsed = [[_parse_float(matrix_path, number, "similarity", cell) for cell in cells] for number, cells in rows]
    grid = np.array(parsed, dtype=float).reshape(size, size)
    line_of = [number for number, _ in rows]
    outside = np.argwhere((grid < 0.0) | (grid > 1.0))
    if outside.size:
        row, column = outside[0]
        msg = f"{matrix_path}:{line_of[row]}: value {grid[row, column]} in column {column + 1} is outside 0-1"
        raise DedupError(msg)
    upper = np.triu(grid)
    lower = np.tril(grid, k=-1)
    disagreeing = np.argwhere((lower != 0.0) & ~np.isclose(lower, upper.T))
    if disagreeing.size:
        row, column = disagreeing[0]
        msg = (
            f"{matrix_path}:{line_of[row]}: lower-triangle value {grid[row, column]} in column {column + 1} "
            f"differs from its mirror {grid[column, row]}"
        )
        raise DedupError(msg)
    if size != len(documents):
        msg = f"{matrix_path}: a {size}x{size} matrix for {len(documents)} documents in {docs_path}"
        raise DedupError(msg)
    return documents, upper + np.triu(grid, k=1).T


def load_pan(folder: PathLike) -> list[PanPair]:
    """Read PAN text-alignment pairs: suspicious documents with passages copied from a source.

    Use it for "does this pair share a passage, and roughly where" (with `span_overlap` and a
    tolerance). In the shared copy the texts lost their non-ASCII characters, so gold offsets are a
    few characters off and some passages run past the end of their text; offsets are returned as
    the XML gives them.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``pan13-no-obfuscation/`` folder holding ``pairs``, ``susp/``, ``src/`` and ``truth/``,
        where ``truth/<susp stem>-<src stem>.xml`` holds the pair's gold passages.

    Returns
    -------
    list of PanPair
        In ``pairs`` order; texts decoded as UTF-8 with line ends untouched, so offsets count the
        same characters as the corpus does; passages in XML order.

    Raises
    ------
    DedupError
        When a folder or file is missing, a ``pairs`` line is not two names, a text is not UTF-8,
        an XML file is malformed, names another document, or has a ``feature`` without the four
        non-negative integer offset attributes.
    """
    root = _require_folder(folder)
    pairs_path = _require_file(root, PAN_PAIRS)
    susp_dir = _require_folder(root / "susp")
    src_dir = _require_folder(root / "src")
    truth_dir = _require_folder(root / "truth")
    texts: dict[Path, str] = {}

    def text_of(path: Path) -> str:
        if path not in texts:
            texts[path] = _read_text(path, "utf-8")
        return texts[path]

    pan_pairs = []
    for number, line in _lines(_read_text(pairs_path, "utf-8")):
        if not line.strip():
            continue
        names = line.split()
        if len(names) != 2:
            msg = f"{pairs_path}:{number}: expected 'suspicious-file source-file', found {line!r}"
            raise DedupError(msg)
        susp_id, src_id = names
        truth_path = _require_file(truth_dir, f"{Path(susp_id).stem}-{Path(src_id).stem}.xml")
        pan_pairs.append(
            PanPair(
                susp_id=susp_id,
                src_id=src_id,
                susp_text=text_of(_require_file(susp_dir, susp_id)),
                src_text=text_of(_require_file(src_dir, src_id)),
                passages=_pan_passages(truth_path, susp_id, src_id),
            )
        )
    return pan_pairs


def _pan_passages(path: Path, susp_id: str, src_id: str) -> tuple[Passage, ...]:
    """Parse one PAN truth XML into its passages, checking that it describes this pair."""
    passages: list[Passage] = []
    parser = xml.parsers.expat.ParserCreate()

    def start(tag: str, attributes: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if tag == "document" and attributes.get("reference", susp_id) != susp_id:
            msg = f"{path}:{line}: document reference {attributes['reference']!r} is not {susp_id!r}"
            raise DedupError(msg)
        if tag != "feature":
            return
        if attributes.get("source_reference", src_id) != src_id:
            msg = f"{path}:{line}: source_reference {attributes['source_reference']!r} is not {src_id!r}"
            raise DedupError(msg)
        offsets = []
        for key in PAN_OFFSETS:
            value = attributes.get(key)
            if value is None or not value.isdigit():
                msg = f"{path}:{line}: feature needs a non-negative integer {key}, found {value!r}"
                raise DedupError(msg)
            offsets.append(int(value))
        passages.append(Passage(*offsets))

    parser.StartElementHandler = start
    try:
        parser.Parse(path.read_bytes(), True)
    except xml.parsers.expat.ExpatError as error:
        msg = f"{path}:{error.lineno}: malformed XML ({xml.parsers.expat.errors.messages[error.code]})"
        raise DedupError(msg) from None
    return tuple(passages)


def _require_folder(folder: PathLike) -> Path:
    """Return `folder` as a Path, or raise naming it when it is not a folder."""
    path = Path(folder)
    if not path.is_dir():
        msg = f"{path}: evaluation data folder not found"
        raise DedupError(msg)
    return path


def _require_file(folder: Path, name: str) -> Path:
    """Return ``folder / name``, or raise naming it when it is not a file."""
    path = folder / name
    if not path.is_file():
        msg = f"{path}: evaluation data file not found"
        raise DedupError(msg)
    return path


def _read_text(path: Path, encoding: str) -> str:
    """Decode a whole file, naming the file and line of the first bad byte on failure."""
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        msg = f"{path}:{line}: not valid {encoding} (byte {raw[error.start]:#04x})"
        raise DedupError(msg) from None


def _lines(text: str) -> list[tuple[int, str]]:
    """Split `text` into ``(line number, line)`` on LF only, dropping a CR before it.

    `str.splitlines` is not used because it also breaks at characters such as U+0085 and U+2028,
    which may occur inside a latin-1 or UTF-8 sentence. A final newline does not make an empty line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [(number, line.removesuffix("\r")) for number, line in enumerate(lines, start=1)]


def _expect_header(path: Path, rows: list[tuple[int, str]], header: tuple[str, ...]) -> None:
    """Check and remove the header line of a tab-separated file."""
    if not rows:
        msg = f"{path}: empty file, expected the header {chr(9).join(header)!r}"
        raise DedupError(msg)
    number, line = rows.pop(0)
    if tuple(field.strip() for field in line.split("\t")) != header:
        msg = f"{path}:{number}: expected the header {list(header)}, found {line!r}"
        raise DedupError(msg)


def _parse_float(path: Path, number: int, field: str, value: str) -> float:
    """Parse a finite float or raise naming the file, line and field."""
    try:
        parsed = float(value)
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed):
        msg = f"{path}:{number}: {field} must be a number, found {value!r}"
        raise DedupError(msg)
    return parsed

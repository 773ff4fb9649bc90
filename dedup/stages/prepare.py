"""The prepare stage: articles into `Document`s (sentences, quotes, tokens, stems), a batch at a time."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from dedup.model import Article, Document, Sentence
from dedup.progress import PREPARE, Progress, no_progress
from dedup.text import TextCache, prepare


def prepare_all(articles: Sequence[Article], progress: Progress = no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through one
    unbounded `dedup.text.TextCache`, made for this batch and dropped with it, which documents prepared in
    workers and sent back would not (measured on 10k generated articles: two workers 10% faster,
    35% more memory). Python's cyclic garbage collector is paused meanwhile (`collector_paused`).
    """
    cache = TextCache(bounded=False)  # entries are the documents' own, kept anyway (`TextCache`)
    documents = []
    with collector_paused():
        for article in articles:
            documents.append(prepare(article, cache=cache))
            progress(PREPARE, 1)
    return documents


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (restored as it was after it).

    Preparing a batch makes millions of lasting objects (sentences, token tuples) and no reference
    cycles, and every full collection walks all the objects made so far, so the stage slowed as the
    batch grew: `benchmarks/generate.py` articles prepared at 1,100 a second for 10k and 1,020 for
    40k, against 1,330 and 1,340 with the collector paused (one process on this machine).
    Reference counting still frees everything that is dropped meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def prepare_packed(articles: Sequence[Article], cache: TextCache, job: tuple[int, int]) -> PreparedPack:
    """`prepare` the articles numbered ``job[0]`` to ``job[1]`` (excluded) with `cache` (a bounded
    one: the documents are packed and dropped), packed to travel back to the run that keeps them."""
    start, stop = job
    return PreparedPack([prepare(article, cache=cache) for article in articles[start:stop]])


# What `PreparedPack` puts between a sentence's words, between its words and its stems, and
# between sentences: control characters, which no word or stem holds (`dedup.text.words` keeps runs
# of letters and digits), so splitting on them gives the tuples back.
_WORD_GAP, _STEMS_GAP, _SENTENCE_GAP = "\x00", "\x01", "\x02"


class PreparedPack:
    """Prepared documents packed into one string of UTF-8 and a few numpy arrays, cheap to send from
    the worker process that prepared them to the run that keeps them (a list of `Document`s is
    pickled and unpickled object by object: 10k generated articles 1.3 s and 2.1 s, against 0.35 s
    and about 0.6 s packed), and unpacked there with the run's `TextCache`, so that copies prepared
    in different workers share their repeated sentences' tuples as if prepared in one process.

    Documents must be made by `dedup.text.prepare`: a sentence's text is the body between its start
    and end, its index its place, and its words and stems are runs of letters and digits.
    """

    __slots__ = ("data", "part_lengths", "sentence_counts", "starts", "ends", "quote_shares")

    def __init__(self, documents: Sequence[Document]) -> None:
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        quote_shares: list[float] = []
        for document in documents:
            sentences = document.sentences
            parts.append(document.body)
            parts.append(
                _SENTENCE_GAP.join([_WORD_GAP.join(s.words) + _STEMS_GAP + _WORD_GAP.join(s.stems) for s in sentences])
            )
            for sentence in sentences:
                starts.append(sentence.start)
                ends.append(sentence.end)
                quote_shares.append(sentence.quote_share)
        # Every part's length in characters, body and tokens alternately.
        self.part_lengths = np.array([len(part) for part in parts], dtype=np.int64)
        self.data = "".join(parts).encode("utf-8", "surrogatepass")
        self.sentence_counts = np.array([len(document.sentences) for document in documents], dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)
        self.ends = np.array(ends, dtype=np.int64)
        self.quote_shares = np.array(quote_shares, dtype=np.float64)

    def unpack(self, articles: Sequence[Article], cache: TextCache) -> list[Document]:
        """The documents again, equal to those packed, made for `articles` (the articles they were
        prepared from, in order). A sentence text `cache` knows takes its text, words and stems from
        it; one it does not is put in it, its words and stems sharing the strings of equal words."""
        text = self.data.decode("utf-8", "surrogatepass")
        known, interned = cache.sentences, cache.words
        starts, ends, quote_shares = self.starts.tolist(), self.ends.tolist(), self.quote_shares.tolist()
        lengths = self.part_lengths.tolist()
        documents = []
        at = sentence_at = 0
        for k, (article, count) in enumerate(zip(articles, self.sentence_counts.tolist())):
            body = text[at : at + lengths[2 * k]]
            at += lengths[2 * k]
            tokens = text[at : at + lengths[2 * k + 1]]
            at += lengths[2 * k + 1]
            sentences = []
            if count:
                for position, part in enumerate(tokens.split(_SENTENCE_GAP)):
                    start, end = starts[sentence_at], ends[sentence_at]
                    sentence_text = body[start:end]
                    entry = known.get(sentence_text)
                    if entry is None:
                        words, stems = part.split(_STEMS_GAP)
                        entry = (
                            sentence_text,
                            tuple([interned.setdefault(w, w) for w in words.split(_WORD_GAP)]) if words else (),
                            tuple([interned.setdefault(s, s) for s in stems.split(_WORD_GAP)]) if stems else (),
                        )
                        known[sentence_text] = entry
                    sentences.append(
                        Sentence(position, entry[0], start, end, quote_shares[sentence_at], entry[1], entry[2])
                    )
                    sentence_at += 1
            documents.append(Document(article, body, tuple(sentences)))
        return documents

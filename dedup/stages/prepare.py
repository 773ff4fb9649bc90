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


# What `PreparedPack` puts between the words of its vocabulary: a control character, which no word or
# stem holds (`dedup.text.words` keeps runs of letters and digits), so splitting on it gives them back.
_WORD_GAP = "\x00"


class PreparedPack:
    """Prepared documents packed into a string of UTF-8 and a few numpy arrays, cheap to send from
    the worker process that prepared them to the run that keeps them (a list of `Document`s is
    pickled and unpickled object by object: 10k generated articles 1.3 s and 2.1 s, against 0.35 s
    and about 0.6 s packed), and unpacked there with the run's `TextCache`, so that copies prepared
    in different workers share their repeated sentences' tuples as if prepared in one process.

    The string holds the bodies and the pack's vocabulary (its distinct words and stems, once
    each); sentences are spans of their body and numbers into the vocabulary, so that the run
    looks each distinct word up in its cache once a pack, not once an occurrence.

    Documents must be made by `dedup.text.prepare`: a sentence's text is the body between its start
    and end, its index its place, and its words and stems are runs of letters and digits.
    """

    __slots__ = ("data", "body_lengths", "sentence_counts", "spans", "quote_shares", "token_counts", "tokens")

    def __init__(self, documents: Sequence[Document]) -> None:
        number: dict[str, int] = {}
        tokens: list[int] = []
        token_counts: list[int] = []  # words, then stems, of each sentence
        spans: list[int] = []  # start, end of each sentence
        quote_shares: list[float] = []
        for document in documents:
            for sentence in document.sentences:
                spans += (sentence.start, sentence.end)
                quote_shares.append(sentence.quote_share)
                token_counts += (len(sentence.words), len(sentence.stems))
                tokens += [number.setdefault(word, len(number)) for word in sentence.words]
                tokens += [number.setdefault(stem, len(number)) for stem in sentence.stems]
        bodies = [document.body for document in documents]
        self.data = ("".join(bodies) + _WORD_GAP.join(number)).encode("utf-8", "surrogatepass")
        self.body_lengths = np.array([len(body) for body in bodies], dtype=np.int64)
        self.sentence_counts = np.array([len(document.sentences) for document in documents], dtype=np.int64)
        self.spans = np.array(spans, dtype=np.int64)
        self.quote_shares = np.array(quote_shares, dtype=np.float64)
        self.token_counts = np.array(token_counts, dtype=np.int64)
        self.tokens = np.array(tokens, dtype=np.int32)

    def unpack(self, articles: Sequence[Article], cache: TextCache) -> list[Document]:
        """The documents again, equal to those packed, made for `articles` (the articles they were
        prepared from, in order). A sentence text `cache` knows takes its text, words and stems from
        it; one it does not is put in it, its words and stems sharing the strings of equal words."""
        text = self.data.decode("utf-8", "surrogatepass")
        body_lengths = self.body_lengths.tolist()
        bodies_end = sum(body_lengths)
        known, interned = cache.sentences, cache.words
        vocabulary = (
            [interned.setdefault(word, word) for word in text[bodies_end:].split(_WORD_GAP)] if len(self.tokens) else []
        )
        word_of = vocabulary.__getitem__
        spans, quote_shares = self.spans.tolist(), self.quote_shares.tolist()
        token_counts, tokens = self.token_counts.tolist(), self.tokens.tolist()
        documents = []
        at = sentence_at = token_at = 0
        for article, body_length, count in zip(articles, body_lengths, self.sentence_counts.tolist()):
            body = text[at : at + body_length]
            at += body_length
            sentences = []
            for position in range(count):
                start, end = spans[2 * sentence_at], spans[2 * sentence_at + 1]
                n_words, n_stems = token_counts[2 * sentence_at], token_counts[2 * sentence_at + 1]
                sentence_text = body[start:end]
                entry = known.get(sentence_text)
                if entry is None:
                    words_end = token_at + n_words
                    entry = known[sentence_text] = (
                        sentence_text,
                        tuple(map(word_of, tokens[token_at:words_end])),
                        tuple(map(word_of, tokens[words_end : words_end + n_stems])),
                    )
                text_of, words, stems = entry
                sentences.append(Sentence(position, text_of, start, end, quote_shares[sentence_at], words, stems))
                sentence_at += 1
                token_at += n_words + n_stems
            documents.append(Document(article, body, tuple(sentences)))
        return documents

"""Background word weights: how telling a stem is in English news in general, not in this batch.

A weight fitted on the batch being compared makes a pair's verdict depend on which unrelated
articles happen to share the batch (with 30 unrelated articles beside them, two independent reports
of one event looked like a rewrite: their event words became rare). The weights here come from a
table shipped in the package, `background-en.tsv.gz`: for each stem, its frequency per running word
in wordfreq's English list (Robyn Speer's wordfreq 3.1.1, built from Wikipedia, subtitles, news,
books, web text and more; data CC-BY-SA 4.0), summed over the words that share the stem. The table
is rebuilt by `build_table` (``make background``); a test checks the shipped one against a rebuild
where wordfreq is installed.

The document frequency of a stem is estimated from its word frequency by a Poisson model of an
article of `ARTICLE_WORDS` running words: ``p = 1 - exp(-ARTICLE_WORDS * frequency)``.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from dedup.text import content_stems, words

TABLE = Path(__file__).with_name("background-en.tsv.gz")
"""The shipped table: one ``stem<TAB>frequency`` line per stem, most frequent first."""

ARTICLE_WORDS = 400
"""Running words of a typical news article, for turning word frequencies into document frequencies
(the median of WikiRef220's and DUC 2004's articles is 400-600 words; ECB+'s 300)."""

TABLE_WORDS = 200_000
"""Words of wordfreq's English list that the table is built from (frequency down to about 2e-8)."""

NUMBERS = range(2101)
"""Numbers looked up one by one (wordfreq's top list holds single digits only): counts and years."""


def build_table(n_words: int = TABLE_WORDS) -> dict[str, float]:
    """Stem -> summed word frequency over wordfreq's `n_words` most frequent English words and the
    numbers in `NUMBERS`, tokenised and stemmed as `dedup.text` does (stop words left out).

    Needs the ``wordfreq`` package (the ``test`` extra installs it); the package's own run time
    reads the shipped table instead.
    """
    import wordfreq

    frequency: dict[str, float] = {}
    vocabulary = list(dict.fromkeys([*wordfreq.top_n_list("en", n_words), *map(str, NUMBERS)]))
    for word in vocabulary:
        stems = content_stems(words(word))
        if not stems:
            continue
        share = wordfreq.word_frequency(word, "en") / len(stems)
        for stem in stems:
            if stem.isascii():  # see `document_share`: other scripts are weighed by the batch
                frequency[stem] = frequency.get(stem, 0.0) + share
    return frequency


def write_table(frequency: dict[str, float], path: Path = TABLE) -> None:
    """Write `frequency` as the shipped table: most frequent first, three significant digits, so
    that the file is the same bytes for the same input (gzip without a time stamp)."""
    ordered = sorted(frequency.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"{stem}\t{value:.3g}\n" for stem, value in ordered]
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(lines).encode("utf-8"))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, float], float]:
    """The shipped table as stem -> frequency, and the smallest frequency in it (read once per process:
    immutable package data, not run state)."""
    frequency: dict[str, float] = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as lines:
        for line in lines:
            stem, value = line.rstrip("\n").split("\t")
            frequency[stem] = float(value)
    return frequency, min(frequency.values())


def document_share(stems: Iterable[str]) -> np.ndarray:
    """Estimated share of English news articles holding each stem (float64), NaN where the table
    cannot say.

    The table holds ASCII stems only. An ASCII stem missing from it (a name, a rare word) is taken
    to be as rare as the rarest stem in it. Any other stem is NaN: the table is English, and a
    Russian, Hindi or Urdu function word is not rare for being missing from it (or for the few
    that English text happens to hold); the caller weighs such stems by its batch.
    """
    frequency, rarest = _table()
    values = np.fromiter(
        (frequency.get(stem, rarest) if stem.isascii() else math.nan for stem in stems), dtype=np.float64
    )
    return -np.expm1(-ARTICLE_WORDS * values)


def background_idf(stems: Iterable[str]) -> np.ndarray:
    """Inverse document frequency of each stem from the background table: ``ln(1 / share) + 1``
    (scikit-learn's smoothed IDF as the batch grows without bound), float32; NaN for a stem in
    another script (see `document_share`)."""
    return (np.log(1.0 / document_share(stems)) + 1.0).astype(np.float32)

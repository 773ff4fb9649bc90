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

Words of other scripts are weighed by the batch; what wordfreq gives them is their stop words, the
most frequent words of each language in `STOP_WORD_LANGUAGES` (`build_other_stop_words`), which
`dedup.text` reads from its shipped file and drops with the English ones.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from dedup.text import OTHER_STOP_WORDS_FILE, content_stems, normalise, words

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


STOP_WORD_LANGUAGES = ("ar", "bg", "bn", "el", "fa", "he", "hi", "ja", "ko", "mk", "ru", "uk", "ur", "zh")
"""Languages written in scripts other than Latin whose most frequent words are stop words: every such
language of wordfreq 3.1.1 but Tamil, whose 40 most frequent words hold அரசு (government, 30th),
மக்கள் (people) and தமிழ் (Tamil). Thai has no list in wordfreq, so it has no stop units (its text is
compared as character bigrams, as Chinese is); Serbian's list is Serbo-Croatian's, in Latin letters.

What a list gives depends on how the language is tokenised (`dedup.text.words`). Chinese and Japanese
are compared as character bigrams, so only the two-character words of their lists can match, and those
are the stop units that make sense: for Chinese 一个 我们 他们 没有 可以 (and 中国, a name; see
`STOP_WORDS_PER_LANGUAGE`), for Japanese kana endings and particles (ない から です する ます こと いる
...), which every Japanese article holds. The single characters that carry most of their grammar (的
是 了, の に は) sit inside bigrams with their neighbours and cannot be stopped by a word list. wordfreq
splits Korean into morphemes, and Korean writes its particles onto the word before them, so of its
list only 에서 and 으로 are kept, and they rarely stand alone: Korean gains next to nothing."""

STOP_WORDS_PER_LANGUAGE = 40
"""How many of each language's most frequent words are stop words. Chosen on the stories of
`tests/test_scripts.py` (written for the tests, not measured data) and wordfreq's ranks: the function
words that the unrelated Hindi and Urdu stories there share with the story beside them (के की का ने
लिए दिया; کے میں کی کو نے) are all among the 40, and with them stopped the pairs' document cosine in
the five-language batch (`dedup.score.DocumentSpace`) falls from 0.158 (Hindi) and 0.199 (Urdu) to
0.035 and 0.015, the same as with 50 or 60; with 20, Hindi's is 0.046. The word for "government"
comes 62nd or later in every language listed (सरकार 62, حکومت 68, 政府 100, সরকার 107, دولت 146,
κυβέρνηση 185, الحكومة 195, הממשלה 258, владата 259, 정부 346, правителството 572, 政府 590 in
Japanese, правительства 629, уряду 694). The 40 do hold a few content words: the country's own name
(україни, ایران, ישראל, پاکستان, 中国), God (الله, اللہ), year (року, سال), today (اليوم), work (کار),
time (সময়); in their language's news they are about as common as the function words around them."""

# wordfreq case-folds a final sigma (ς) to σ; text written in Greek, and lower-cased, keeps ς.
_FINAL_SIGMA = re.compile("σ$")


def build_other_stop_words(n_words: int = STOP_WORDS_PER_LANGUAGE) -> list[tuple[str, str]]:
    """(language, word) for the `n_words` most frequent words of wordfreq's list of each language in
    `STOP_WORD_LANGUAGES`, in that order and by frequency, as `dedup.text` tokenises them.

    A word is kept when `dedup.text.words` reads it as one token of two characters or more (shorter
    tokens are dropped anyway) without an ASCII character, a Latin letter or a digit, so that no
    English or other Latin-script token becomes a stop word. wordfreq case-folds Greek final sigma
    (τησ), which text keeps (της); it is put back. Needs the ``wordfreq`` package, as `build_table`.
    """
    import wordfreq

    entries: list[tuple[str, str]] = []
    for language in STOP_WORD_LANGUAGES:
        kept: dict[str, None] = {}
        for listed in wordfreq.top_n_list(language, n_words):
            tokens = words(normalise(_FINAL_SIGMA.sub("ς", listed)))
            if len(tokens) == 1 and len(tokens[0]) > 1 and not any(map(_latin_or_digit, tokens[0])):
                kept[tokens[0]] = None
        entries.extend((language, word) for word in kept)
    return entries


def _latin_or_digit(character: str) -> bool:
    """True for an ASCII character, a Latin letter or a digit of any script."""
    return (
        character.isascii()
        or unicodedata.name(character, "").startswith("LATIN")
        or unicodedata.category(character).startswith("N")
    )


def write_other_stop_words(entries: list[tuple[str, str]], path: Path = OTHER_STOP_WORDS_FILE) -> None:
    """Write `entries` as the shipped stop word file of other scripts: one ``language<TAB>word`` line
    each, in the order given (`dedup.text.read_stop_words` reads it)."""
    path.write_text("".join(f"{language}\t{word}\n" for language, word in entries), encoding="utf-8")


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


def unweighed_stems(stems: Sequence[str]) -> list[str]:
    """Those of `stems` the background table cannot weigh (`background_idf` is NaN: another
    script), in their order: the ones a caller weighs by its batch or archive instead."""
    return [stem for stem, idf in zip(stems, background_idf(stems).tolist()) if math.isnan(idf)]

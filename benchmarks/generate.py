"""Deterministic news-like corpora with known copy families, built from real sentences.

Each family starts from a base article: paragraphs that are short runs (1-3 consecutive sentences)
of real text, drawn from examples/seeds and, when ../shared/data is present, the WikiRef220
articles, the PAN source documents and the Lee background corpus. Its copies are what outlets do to
a wire story: sentences dropped, sentences from elsewhere inserted, a paragraph moved, a few words
replaced in some sentences; each copy is published after the base. Families are the ground truth
for the adjusted Rand index of a clustering.

Paragraph runs are drawn uniformly from all sentences, so two families share a sentence only by
chance: about one family in fifty at 10k documents, with at most a run of three sentences. Topic
coherence inside an article is not modelled. The same arguments and the same source texts give
the same corpus byte for byte.

    .venv/bin/python benchmarks/generate.py --docs 10000 --seed 1 -o /tmp/corpus-10k.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dedup.eval import data_root
from dedup.text import normalise, split_sentences

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "seeds"
# Sentences shorter or longer than this (characters) are headlines, captions or run-ons, not prose.
_MIN_SENTENCE, _MAX_SENTENCE = 40, 320
_MIN_WORDS = 6
_EPOCH = datetime(2024, 3, 1, 6, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class CopyProfile:
    """How families and copies are drawn; every share is a per-copy maximum drawn uniformly."""

    singleton_share: float = 0.35  # families with no copy
    mean_extra_copies: float = 1.2  # beyond the first copy, geometric
    max_family: int = 25
    base_sentences: tuple[int, int] = (8, 20)
    paragraph_run: tuple[int, int] = (1, 3)  # consecutive sentences of one source text
    # Share of a drawn sentence's common words replaced when it enters a base (names, numbers and
    # rare words always are): see `_Pool.variant`.
    variant_share: float = 0.3
    # A word seen fewer times than this in the pool (600k words with ../shared/data) is rare: drawn
    # again in another family it would tie two unrelated stories together.
    rare_below: int = 10
    drop_share: float = 0.25  # of the base's sentences
    edited_share: float = 0.30  # of the copy's sentences get 1-2 replaced words
    max_inserted: int = 2  # sentences from elsewhere
    move_paragraph: float = 0.30  # probability that one paragraph is moved


def sentence_sources(data: Path | None = None, *, examples: Path = EXAMPLES) -> list[list[str]]:
    """Texts as lists of sentences: examples/seeds, then the texts found under `data`.

    Call with ``data=None`` to use only the examples (as on a machine without ../shared/data).
    Sentences are normalised, filtered to prose length and deduplicated across all texts, in a
    fixed order (sorted file names), so the pool does not depend on the file system.
    """
    texts: list[str] = [path.read_text(encoding="utf-8") for path in sorted(examples.glob("*.txt"))]
    if data is not None:
        wikiref = data / "wikiref220" / "WikiRef220"
        if wikiref.is_dir():
            texts += [_decode(path.read_bytes()) for path in sorted(wikiref.iterdir()) if path.is_file()]
        pan = data / "pan13-no-obfuscation" / "src"
        if pan.is_dir():
            texts += [_decode(path.read_bytes()) for path in sorted(pan.iterdir()) if path.is_file()]
        lee = data / "lee-2005" / "lee_background.cor"
        if lee.is_file():
            texts += lee.read_bytes().decode("latin-1").splitlines()
    seen: set[str] = set()
    sources = []
    for text in texts:
        body = normalise(text.replace("\r\n", "\n"))
        sentences = []
        for start, end in split_sentences(body):
            sentence = body[start:end]
            key = sentence.lower()
            prose_like = _MIN_SENTENCE <= len(sentence) <= _MAX_SENTENCE and len(sentence.split()) >= _MIN_WORDS
            if prose_like and key not in seen:
                seen.add(key)
                sentences.append(sentence)
        if sentences:
            sources.append(sentences)
    return sources


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


class _Pool:
    """Draws paragraph runs uniformly over all sentences, and replacement words."""

    def __init__(self, sources: Sequence[Sequence[str]], rng: random.Random, profile: CopyProfile) -> None:
        self.sources, self.profile = sources, profile
        self.positions = [(t, i) for t, sentences in enumerate(sources) for i in range(len(sentences))]
        if not self.positions:
            raise ValueError("no sentence in the sources")
        # Replacement words are drawn from the running text, so they keep its word frequencies.
        cores = [_core(token) for s in sources for sentence in s for token in sentence.split()]
        self.words = [w.lower() for w in cores if w.isalpha() and len(w) >= 4]
        self.frequency: dict[str, int] = {}
        for word in cores:
            self.frequency[word.lower()] = self.frequency.get(word.lower(), 0) + 1
        self.rng = rng

    def paragraph(self, lexicon: dict[str, str]) -> list[str]:
        """A run of 1-3 consecutive sentences of a random source text, each made a `variant`."""
        text, start = self.positions[self.rng.randrange(len(self.positions))]
        length = self.rng.randint(*self.profile.paragraph_run)
        return [self.variant(sentence, lexicon) for sentence in self.sources[text][start : start + length]]

    def invented(self) -> str:
        """A made-up word of 3-4 syllables: the pool of such names is practically unbounded, as
        real names of people and places are."""
        syllables = self.rng.randint(3, 4)
        return "".join(self.rng.choice(_CONSONANTS) + self.rng.choice(_VOWELS) for _ in range(syllables))

    def variant(self, sentence: str, lexicon: dict[str, str]) -> str:
        """A new sentence with the syntax of `sentence`: its names and rare words replaced by
        made-up words (the same word always by the same one within a story, through `lexicon`),
        its numbers by random ones, and a share of its common words by words drawn from the
        pool's running text. A pool of real text is far smaller than a large corpus, and
        unrelated stories share neither their sentences nor their names and rare words; without
        this, every sentence would recur in dozens of unrelated families of a 100k corpus, and
        chance shared rare words would tie unrelated families together."""
        rng, share = self.rng, self.profile.variant_share
        tokens = sentence.split(" ")
        for k, token in enumerate(tokens):
            core = _core(token)
            if not core:
                continue
            if core.isdigit():
                word = str(rng.randrange(2, 10 ** len(core)))
            elif not core.isalpha():
                continue
            elif (k and core[0].isupper()) or (
                len(core) >= 4 and self.frequency[core.lower()] < self.profile.rare_below
            ):
                word = lexicon.get(core.lower())
                if word is None:
                    word = lexicon[core.lower()] = self.invented()
                if core[0].isupper():
                    word = word.capitalize()
            elif len(core) >= 4 and rng.random() < share:
                word = rng.choice(self.words)
                if core[0].isupper():
                    word = word.capitalize()
            else:
                continue
            at = token.index(core)
            tokens[k] = token[:at] + word + token[at + len(core) :]
        return " ".join(tokens)

    def replace_words(self, sentence: str, count: int) -> str:
        tokens = sentence.split(" ")
        candidates = [k for k, token in enumerate(tokens) if _core(token).isalpha()]
        for k in self.rng.sample(candidates, min(count, len(candidates))):
            token = tokens[k]
            core = _core(token)
            word = self.rng.choice(self.words)
            if core[:1].isupper():
                word = word.capitalize()
            at = token.index(core)
            tokens[k] = token[:at] + word + token[at + len(core) :]
        return " ".join(tokens)


_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"


def _core(token: str) -> str:
    return token.strip(".,;:!?\"'()[]")


def _base(pool: _Pool, profile: CopyProfile) -> list[list[str]]:
    target = pool.rng.randint(*profile.base_sentences)
    lexicon: dict[str, str] = {}
    paragraphs: list[list[str]] = []
    while sum(map(len, paragraphs)) < target:
        paragraphs.append(pool.paragraph(lexicon))
    return paragraphs


def _copy(base: list[list[str]], pool: _Pool, profile: CopyProfile) -> list[list[str]]:
    rng = pool.rng
    drop = rng.uniform(0.0, profile.drop_share)
    edited = rng.uniform(0.0, profile.edited_share)
    paragraphs = [[s for s in paragraph if rng.random() >= drop] for paragraph in base]
    paragraphs = [p for p in paragraphs if p] or [list(base[0])]
    paragraphs = [
        [pool.replace_words(s, rng.randint(1, 2)) if rng.random() < edited else s for s in paragraph]
        for paragraph in paragraphs
    ]
    for _ in range(rng.randint(0, profile.max_inserted)):
        target = paragraphs[rng.randrange(len(paragraphs))]
        target.insert(rng.randint(0, len(target)), pool.paragraph({})[0])
    if len(paragraphs) > 2 and rng.random() < profile.move_paragraph:
        moved = paragraphs.pop(rng.randrange(1, len(paragraphs)))
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), moved)
    return paragraphs


def generate(
    n_docs: int, seed: int, sources: Sequence[Sequence[str]], *, profile: CopyProfile | None = None
) -> Iterator[dict[str, str]]:
    """Yield `n_docs` records (id, text, published, family) in shuffled order.

    Parameters
    ----------
    n_docs : int
        Documents to generate; the last family is cut to fit.
    seed : int
        Seed of every random choice.
    sources : sequence of sequences of str
        Texts as sentence lists, from `sentence_sources`.
    profile : CopyProfile, optional
        Family sizes and edit strengths.
    """
    if n_docs < 0:
        raise ValueError(f"n_docs must be >= 0, got {n_docs}")
    profile = profile or CopyProfile()
    rng = random.Random(seed)
    pool = _Pool(sources, rng, profile)
    documents: list[tuple[str, datetime, str]] = []
    family = 0
    while len(documents) < n_docs:
        size = 1
        if rng.random() >= profile.singleton_share:
            extra = 0
            while rng.random() < profile.mean_extra_copies / (1 + profile.mean_extra_copies):
                extra += 1
            size = min(profile.max_family, 2 + extra)
        base = _base(pool, profile)
        published = _EPOCH + timedelta(minutes=rng.randrange(24 * 60))
        label = f"f{family:07d}"
        documents.append((_render(base), published, label))
        for _ in range(size - 1):
            later = published + timedelta(minutes=rng.randint(5, 600))
            documents.append((_render(_copy(base, pool, profile)), later, label))
        family += 1
    documents = documents[:n_docs]
    rng.shuffle(documents)
    for index, (text, published, label) in enumerate(documents):
        yield {
            "id": f"s{seed}-{index:07d}",
            "text": text,
            "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "family": label,
        }


def _render(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents to write (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random choice (default 1)")
    parser.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    parser.add_argument("--examples-only", action="store_true", help="ignore ../shared/data even when present")
    args = parser.parse_args(argv)
    data = None if args.examples_only else data_root()
    sources = sentence_sources(data)
    families = set()
    with open(args.output, "w", encoding="utf-8") as stream:
        for record in generate(args.docs, args.seed, sources):
            families.add(record["family"])
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    pool = sum(map(len, sources))
    print(
        f"{args.output}: {args.docs} documents in {len(families)} families; {pool} sentences from "
        f"{len(sources)} texts ({'examples/seeds and ' + str(data) if data else 'examples/seeds only'})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

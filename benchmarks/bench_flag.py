"""Throughput and memory of `dedup flag` stage by stage, on a generated wire set and article batch.

The corpus is generated deterministically (seeded) from real sentences: examples/seeds and, when
present, the texts of ../shared/data (wikiref220 articles, PAN source and suspicious documents).
Each wire story is a run of consecutive sentences of one real document with a share of its words
swapped for words drawn from the whole pool (so that 100,000 stories are distinct texts, while
stories from one document stay on one topic, as a day's wire does). Wire stories use a document's
even sentences, articles' own text its odd ones: same topics, no shared source. Articles are planted:

- ``copy``: a wire story taken over whole, one word changed in a quarter of its sentences;
- ``partial``: a third of a wire story's sentences, in order, among the article's own;
- ``rewrite``: every sentence of a wire story with a fifth of its words swapped;
- ``original``: an article of its own, from the same documents as the wire (same topics).

Prints seconds, documents per second and the peak resident memory of each stage, then how the
planted articles were flagged; asserts nothing about timings.

    .venv/bin/python benchmarks/bench_flag.py --wire 100000 --articles 10000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from dedup.flag import FlagConfig, document_features, judge_all, select_candidates
from dedup.model import Article
from dedup.score import ScoreConfig
from dedup.text import prepare

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLANTS = ("copy", "partial", "rewrite", "original")
# Shares of the planted kinds among the articles, in PLANTS order.
PLANT_SHARES = (0.15, 0.15, 0.10, 0.60)
# Share of a wire story's words swapped for pool words, so that stories from one document differ.
STORY_SWAP = 0.4


def real_documents() -> list[list[list[str]]]:
    """Real documents as lists of sentences (token lists), from examples/ and ../shared/data when present."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.rglob("*.txt"))]
    from dedup.eval import data_root

    root = data_root()
    if root is not None:
        texts += _folder_texts(root / "wikiref220" / "WikiRef220")
        texts += _folder_texts(root / "pan13-no-obfuscation" / "src")
        texts += _folder_texts(root / "pan13-no-obfuscation" / "susp")
    documents = []
    for text in texts:
        sentences = [s.text.split() for s in prepare(Article(id="", text=text)).sentences]
        sentences = [tokens for tokens in sentences if 6 <= len(tokens) <= 60]
        if len(sentences) >= 16:
            documents.append(sentences)
    return documents


def _folder_texts(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return [path.read_bytes().decode("utf-8", errors="replace") for path in sorted(folder.iterdir()) if path.is_file()]


class Generator:
    """Seeded corpus generator over real sentences."""

    def __init__(self, documents: list[list[list[str]]], seed: int) -> None:
        self.documents = documents
        self.rng = np.random.default_rng(seed)
        self.vocabulary = np.array([token for doc in documents for sentence in doc for token in sentence])

    def _swap(self, tokens: list[str], share: float) -> list[str]:
        tokens = list(tokens)
        count = int(round(share * len(tokens)))
        if count:
            positions = self.rng.choice(len(tokens), count, replace=False)
            replacements = self.vocabulary[self.rng.integers(0, len(self.vocabulary), count)]
            for position, word in zip(positions.tolist(), replacements.tolist()):
                tokens[position] = word
        return tokens

    def story(self, length: int, *, own: bool = False) -> list[list[str]]:
        """A run of `length` sentences of one real document (its even ones, or its odd ones when
        `own`), words swapped."""
        document = self.documents[self.rng.integers(0, len(self.documents))][int(own) :: 2]
        start = int(self.rng.integers(0, max(1, len(document) - length + 1)))
        return [self._swap(sentence, STORY_SWAP) for sentence in document[start : start + length]]

    def plant(self, kind: str, wire_story: list[list[str]]) -> list[list[str]]:
        if kind == "copy":
            return [self._swap(s, 1 / len(s)) if self.rng.random() < 0.25 else s for s in wire_story]
        if kind == "rewrite":
            return [self._swap(s, 0.2) for s in wire_story]
        if kind == "original":
            return self.story(len(wire_story), own=True)
        taken = sorted(self.rng.choice(len(wire_story), max(2, len(wire_story) // 3), replace=False).tolist())
        own = self.story(len(wire_story) - len(taken), own=True)
        slots = set(self.rng.choice(len(own) + len(taken), len(taken), replace=False).tolist())
        taken_iter, own_iter = iter(wire_story[i] for i in taken), iter(own)
        return [next(taken_iter) if position in slots else next(own_iter) for position in range(len(own) + len(taken))]


def render(sentences: list[list[str]]) -> str:
    """Sentences as text: capitalised, full stop added where missing, two sentences a paragraph."""
    lines = []
    for tokens in sentences:
        sentence = " ".join(tokens)
        sentence = sentence[:1].upper() + sentence[1:]
        lines.append(sentence if sentence[-1:] in ".!?\"'" else sentence + ".")
    return "\n\n".join(" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2))


def generate(n_wire: int, n_articles: int, seed: int) -> tuple[list[Article], list[Article], list[tuple[str, int]]]:
    """The wire set, the articles, and each article's planted kind and wire story (-1 for originals)."""
    generator = Generator(real_documents(), seed)
    lengths = generator.rng.integers(12, 36, n_wire)
    stories = [generator.story(int(length)) for length in lengths]
    wire = [Article(id=f"wire{index:06d}", text=render(story)) for index, story in enumerate(stories)]
    kinds = generator.rng.choice(len(PLANTS), n_articles, p=PLANT_SHARES)
    articles, planted = [], []
    for index, kind_index in enumerate(kinds.tolist()):
        kind = PLANTS[kind_index]
        source = int(generator.rng.integers(0, n_wire))
        articles.append(Article(id=f"article{index:05d}", text=render(generator.plant(kind, stories[source]))))
        planted.append((kind, source if kind != "original" else -1))
    return wire, articles, planted


def _reset_peak() -> bool:
    """Reset the process's peak resident memory (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _stage(name: str, count: int, what: str, run):
    resettable = _reset_peak()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    scope = "stage peak RSS" if resettable else "process peak RSS"
    print(f"{name:<34} {seconds:8.1f} s {count / seconds:>9,.0f} {what}/s   {scope} {_peak_mb():7.0f} MB", flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wire", type=int, default=5000, help="wire stories (default 5000)")
    parser.add_argument("--articles", type=int, default=500, help="articles to flag (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator and of the MinHash permutations")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    wire, articles, planted = generate(args.wire, args.articles, args.seed)
    print(
        f"generated {len(wire)} wire stories and {len(articles)} articles in {time.perf_counter() - start:.1f} s "
        f"({sum(len(a.text) for a in wire) / len(wire):.0f} characters a story); planted: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(Counter(k for k, _ in planted).items()))
    )
    config, score = FlagConfig(), ScoreConfig()
    total = time.perf_counter()
    wire_features = _stage(
        "features (prepare, passages): wire",
        len(wire),
        "docs",
        lambda: document_features(wire, config, stride=config.passage_words, seed=args.seed),
    )
    article_features = _stage(
        "features: articles",
        len(articles),
        "docs",
        lambda: document_features(articles, config, stride=config.passage_words // 2, seed=args.seed),
    )
    candidates = _stage(
        "candidates (LSH, cosine, top-k)",
        len(articles),
        "articles",
        lambda: select_candidates(article_features, wire_features, config, seed=args.seed),
    )
    print(
        f"    {len(candidates.article)} pairs to align, {len(np.unique(candidates.article))} articles with a "
        f"candidate; {len(wire_features.passage_owner)} wire passages"
    )
    flags = _stage(
        "judge (prepare, align, decide)",
        len(articles),
        "articles",
        lambda: judge_all(articles, wire, candidates, config, score=score),
    )
    print(f"total flag time {time.perf_counter() - total:.1f} s")

    outcome: dict[str, Counter] = {kind: Counter() for kind in PLANTS}
    for flag, (kind, source) in zip(flags, planted):
        found = source >= 0 and any(s.id == wire[source].id for s in flag.sources)
        outcome[kind][flag.derivation + (" (planted source)" if found else "")] += 1
    for kind in PLANTS:
        print(f"    {kind:<9} " + ", ".join(f"{label} {count}" for label, count in sorted(outcome[kind].items())))


if __name__ == "__main__":
    main()

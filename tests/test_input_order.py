"""The same batch in any input order gives the same stories, copy groups and canonicals (#20):
`cluster` processes a batch in `dedup.model.id_order` and numbers what it gives back by input
position."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedup
from dedup.cli import main
from dedup.eval import data_root
from dedup.model import Article
from dedup.report.records import cluster_records

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate  # noqa: E402


def _orders(articles: list[Article], count: int = 3) -> list[list[Article]]:
    """`count` shuffles of `articles` and their reverse."""
    orders = [list(reversed(articles))]
    for seed in range(count):
        shuffled = list(articles)
        random.Random(seed).shuffle(shuffled)
        orders.append(shuffled)
    return orders


def _jsonl(result: dedup.ClusterResult) -> list[str]:
    return [json.dumps(record, sort_keys=True) for record in cluster_records(result)]


def _pairs_by_id(result: dedup.ClusterResult, batch: list[Article]) -> dict:
    """Each scored pair keyed by its two ids (smaller first), its figures on the same sides."""
    found = {}
    for pair in result.pairs:
        assert pair.a < pair.b
        a, b = batch[pair.a].id, batch[pair.b].id
        figures = (pair.shared_a, pair.rewritten_a, pair.shared_b, pair.rewritten_b)
        if a > b:
            a, b, figures = b, a, figures[2:] + figures[:2]
        found[a, b] = (pair.relation, pair.cosine, figures)
    return found


def test_seeds_in_any_order_give_the_same_output_and_pairs(seed_articles):
    articles = [seed_articles[key] for key in sorted(seed_articles)]
    first = dedup.cluster(articles)
    for order in _orders(articles):
        again = dedup.cluster(order)
        assert _jsonl(again) == _jsonl(first)
        assert _pairs_by_id(again, order) == _pairs_by_id(first, articles)
        assert [(p.a, p.b) for p in again.pairs] == sorted((p.a, p.b) for p in again.pairs)


def test_a_generated_corpus_in_any_order_gives_the_same_jsonl(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    generate.main(["--docs", "160", "--seed", "5", "-o", str(corpus), "--examples-only"])
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    articles = [Article(r["id"], r["text"], published=r["published"]) for r in records]
    # half of the dates dropped, so that canonicals are also chosen by length and by id
    articles = [a if k % 2 else Article(a.id, a.text) for k, a in enumerate(articles)]
    first = dedup.cluster(articles)
    assert len({g.story for g in first.groups}) < len(articles)
    for order in _orders(articles):
        assert _jsonl(dedup.cluster(order)) == _jsonl(first)


def test_warnings_stay_in_input_order():
    articles = [
        Article("b", "One story about the harbour and its cranes.", published="not a date"),
        Article("a", "Another story about the council budget vote.", published="yesterday"),
    ]
    result = dedup.cluster(articles)
    assert [w.split(":")[0] for w in result.warnings] == ["b", "a"]
    result = dedup.cluster(list(reversed(articles)))
    assert [w.split(":")[0] for w in result.warnings] == ["a", "b"]


def test_cli_output_does_not_depend_on_the_input_order(tmp_path, seed_articles):
    records = [{"id": a.id, "text": a.text} for a in seed_articles.values()]
    outputs = []
    for seed in range(3):
        random.Random(seed).shuffle(records)
        path = tmp_path / f"batch{seed}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        run = CliRunner().invoke(main, ["cluster", str(path), "--format", "jsonl"])
        assert run.exit_code == 0, run.output
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] == outputs[2]


MAKE_CORPUS = data_root().parent / "tools" / "make_corpus.py" if data_root() else None


@pytest.mark.skipif(MAKE_CORPUS is None or not MAKE_CORPUS.is_file(), reason="../shared/tools is absent")
def test_make_corpus_shuffled_gives_the_same_stories_and_canonicals(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    subprocess.run([sys.executable, str(MAKE_CORPUS), "300", str(corpus), "--seed", "3"], check=True)
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    articles = [Article(r["id"], r["text"]) for r in records]
    first = _jsonl(dedup.cluster(articles))
    for order in _orders(articles, 2):
        assert _jsonl(dedup.cluster(order)) == first

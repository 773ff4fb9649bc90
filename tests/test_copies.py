"""The copy level (`dedup.cluster_copies`, `dedup cluster --level copies`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import dedup
from dedup import Article, DedupConfig, DedupError
from dedup.config import CopyLevelConfig
from dedup.engine.local import LocalEngine, ordered_map
from dedup.eval.metrics import adjusted_rand
from dedup.io.readers import ArticleGate
from dedup.pipelines.copies import article_batches, run_copies
from dedup.stages.sketch import sketch_texts

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate  # noqa: E402

WIRE = (
    "The central bank raised its benchmark interest rate by a quarter point on Tuesday, the third increase "
    "this year, citing persistent inflation in services and a labour market that remains tight. Officials "
    "said further moves would depend on incoming data. Markets had expected the decision, and bond yields "
    "barely moved after the announcement. The bank also lowered its growth forecast for next year to 1.2 "
    "percent from 1.5 percent, pointing to weaker exports and slower consumer spending in the second half."
)
OTHER = (
    "Heavy rain flooded parts of the coastal city overnight, closing two motorways and forcing the "
    "evacuation of several hundred residents from low-lying districts. Emergency services said no one had "
    "been hurt. The weather service warned that more storms were expected through the weekend and urged "
    "people to avoid travel unless necessary. Schools in the region will stay closed on Monday."
)


def article(article_id: str, text: str, published: str | None = None, source: str | None = None) -> Article:
    return Article(article_id, text, published=published, source=source, origin=f"batch:{article_id}")


def groups_by_id(result: dedup.ClusterResult) -> dict[str, tuple[int, str]]:
    return {m.id: (g.story, m.relation) for g in result.groups for m in g.members}


@pytest.fixture(scope="module")
def family_corpus() -> list[dict]:
    return list(generate.generate(400, 5, generate.sentence_sources(None)))


def run(articles, config: DedupConfig | None = None, processes: int = 1) -> dedup.ClusterResult:
    config = config or DedupConfig()
    batches = article_batches(articles, config.copies.chunk_size)
    return run_copies(batches, ArticleGate(), config, lambda stage, advance: None, engine=LocalEngine(processes))


def test_verbatim_and_edited_copies_join_their_original_and_unrelated_stays_apart():
    edited = WIRE.replace("Tuesday", "Tuesday afternoon").replace("barely moved", "hardly moved")
    result = dedup.cluster_copies(
        [
            article("wire", WIRE, "2024-01-01T10:00:00Z"),
            article("copy", WIRE, "2024-01-01T11:00:00Z"),
            article("edit", edited, "2024-01-01T12:00:00Z"),
            article("flood", OTHER, "2024-01-01T09:00:00Z"),
        ]
    )
    by_id = groups_by_id(result)
    assert by_id["wire"] == (by_id["copy"][0], "canonical")
    assert by_id["copy"][1] == "duplicate"
    assert by_id["edit"] == (by_id["wire"][0], "near-duplicate")
    assert by_id["flood"][0] != by_id["wire"][0]
    group = next(g for g in result.groups if g.canonical == "wire")
    assert group.rule == "earliest-published"
    edit = next(m for m in group.members if m.id == "edit")
    assert 0.5 < edit.shared < 1.0 and 0.9 < edit.cosine < 1.0 and edit.rewritten == 0.0


def test_case_and_punctuation_changes_alone_are_duplicates():
    shouted = WIRE.upper().replace(",", " ,").replace(".", " —")
    result = run([article("a", WIRE, "2024-01-01"), article("b", shouted, "2024-01-02")])
    assert groups_by_id(result) == {"a": (0, "canonical"), "b": (0, "duplicate")}


def test_canonical_rules_without_dates():
    result = run([article("short", WIRE[:-90], source="Daily Post"), article("wire", WIRE, source="Reuters")])
    assert [(g.canonical, g.rule) for g in result.groups] == [("wire", "wire-source")]
    result = run([article("short", WIRE[:-90]), article("long", WIRE)])
    assert [(g.canonical, g.rule) for g in result.groups] == [("long", "longest")]


def test_every_article_is_in_exactly_one_group_larger_groups_first_then_earlier(family_corpus):
    articles = [article(r["id"], r["text"], r["published"]) for r in family_corpus]
    result = run(articles)
    ids = [m.id for g in result.groups for m in g.members]
    assert sorted(ids) == sorted(a.id for a in articles)
    assert [g.story for g in result.groups] == list(range(len(result.groups)))
    published = {a.id: a.published for a in articles}
    keys = [(-len(g.members), min(published[m.id] for m in g.members)) for g in result.groups]
    assert keys == sorted(keys)
    assert len({len(g.members) for g in result.groups}) > 1


def test_copy_members_say_which_article_their_relation_is_with_and_echo_metadata():
    wire = Article("wire", WIRE, title="Rates up again", source="Reuters", url="https://example.com/w", origin="b:1")
    copy = Article("copy", WIRE[:-90], published="2024-05-01", origin="b:2")
    result = run([copy, wire, article("other", OTHER)])
    group = result.groups[0]
    assert group.canonical == "wire"
    first, second = group.members
    assert (first.of, first.title, first.source, first.url) == (
        None,
        "Rates up again",
        "Reuters",
        "https://example.com/w",
    )
    assert (second.id, second.of, second.published) == ("copy", "wire", "2024-05-01")
    assert second.opening.startswith("The central bank raised its benchmark") and second.opening.endswith("...")


def test_same_articles_in_any_order_give_the_same_groups(family_corpus):
    articles = [article(r["id"], r["text"], r["published"]) for r in family_corpus]
    shuffled = articles[1::2] + articles[::2]
    assert run(shuffled).groups == run(articles).groups


def test_a_published_that_is_not_a_date_is_a_warning_not_a_date():
    result = run([article("a", WIRE, published="yesterday"), article("b", WIRE[:-90], published="2024-05-01")])
    assert result.warnings == (
        "batch:a: published 'yesterday' is not an ISO 8601 date "
        "(e.g. 2024-12-22 or 2024-12-22T09:30:00Z); the article is taken as undated",
    )
    assert result.groups[0].rule == "longest"


def test_generated_copy_families_are_recovered(family_corpus):
    articles = [article(r["id"], r["text"], r["published"]) for r in family_corpus]
    by_id = groups_by_id(run(articles))
    predicted = [by_id[a.id][0] for a in articles]
    assert adjusted_rand([r["family"] for r in family_corpus], predicted) >= 0.98


def test_output_does_not_depend_on_workers_or_chunk_size(family_corpus):
    articles = [article(r["id"], r["text"], r["published"]) for r in family_corpus]
    one = run(articles)
    small_chunks = DedupConfig(copies=CopyLevelConfig(chunk_size=7))
    assert run(articles, small_chunks, processes=2).groups == one.groups
    assert run(articles, small_chunks, processes=1).groups == one.groups


def test_seed_changes_signatures_not_the_obvious_groups():
    pair = [article("a", WIRE), article("b", WIRE.replace("third", "fourth")), article("c", OTHER)]
    first = run(pair, DedupConfig(seed=1))
    other = run(pair, DedupConfig(seed=2))
    assert groups_by_id(first).keys() == groups_by_id(other).keys()
    assert sketch_texts([WIRE], CopyLevelConfig(), 1).signatures.tolist() != (
        sketch_texts([WIRE], CopyLevelConfig(), 2).signatures.tolist()
    )


def test_rewrites_are_not_copies_at_this_level(seed_articles):
    result = run(seed_articles.values())
    assert len(result.groups) == len(seed_articles)
    assert {g.rule for g in result.groups} == {"only-member"}


def test_duplicate_id_names_both_places():
    with pytest.raises(DedupError, match=r"batch:a: duplicate id 'a' \(first seen at batch:a\)"):
        run([article("a", WIRE), article("b", OTHER), article("a", OTHER)])


def test_reader_errors_stop_the_run_from_a_worker_pool_too():
    def articles():
        for k in range(30):
            yield article(f"n{k}", f"{OTHER} {k}")
        raise DedupError("batch.jsonl:31: empty 'text'")

    config = DedupConfig(copies=CopyLevelConfig(chunk_size=4))
    with pytest.raises(DedupError, match="batch.jsonl:31"):
        run(articles(), config, processes=2)


def test_empty_and_single_batches():
    assert run([]).groups == ()
    result = run([article("only", WIRE)])
    assert [(g.canonical, g.rule, len(g.members)) for g in result.groups] == [("only", "only-member", 1)]


def test_text_without_words_gets_a_group_of_its_own():
    result = run([article("dots", "... — …"), article("dashes", "– – –"), article("a", WIRE)])
    assert sorted(len(g.members) for g in result.groups) == [1, 1, 1]


def test_stream_is_read_at_most_a_few_chunks_ahead_of_the_work():
    pulled, done = [], []

    def jobs():
        for k in range(40):
            pulled.append(k)
            yield k

    def work(job: int) -> int:
        done.append(job)
        return job

    ahead = []
    for result in ordered_map(work, jobs(), 1, in_flight=3):
        ahead.append(len(pulled) - result)
    assert max(ahead) <= 2  # in one process: the two first jobs are peeked, then one at a time

    pulled.clear()
    results = []
    for result in ordered_map(_square, jobs(), 2, in_flight=3):
        results.append(result)
        assert len(pulled) - len(results) <= 3
    assert results == [k * k for k in range(40)]


def _square(value: int) -> int:
    return value * value


def _pid_of(job: int) -> tuple[int, int]:
    return job, os.getpid()


def test_without_here_every_job_runs_in_a_worker_and_results_stay_in_order():
    """`ordered_map(here=False)` (`Engine.map(alongside=True)`): this process only takes results."""
    results = list(ordered_map(_pid_of, range(25), 2, in_flight=4, here=False))
    assert [job for job, _ in results] == list(range(25))
    assert all(pid != os.getpid() for _, pid in results)
    in_place = list(ordered_map(_pid_of, range(5), 1, in_flight=2, here=False))  # one process: here
    assert in_place == [(job, os.getpid()) for job in range(5)]
    assert [job for job, _ in LocalEngine(2).map(_pid_of, range(9), alongside=True)] == list(range(9))


def test_sketch_fingerprints_and_counts():
    sketch = sketch_texts([WIRE, WIRE.upper(), OTHER, ""], CopyLevelConfig(), 1)
    assert sketch.fingerprints[0] == sketch.fingerprints[1] != sketch.fingerprints[2]
    assert sketch.counts.shape == (4, 1 << CopyLevelConfig().feature_bits)
    assert sketch.counts[3].nnz == 0 and sketch.shingles[3] == 0
    assert sketch.counts[0].sum() == len(WIRE.split()) + WIRE.count("1.2") + WIRE.count("1.5")


@pytest.mark.parametrize(
    ("field", "value"),
    [("num_perm", 0), ("bands", 65), ("min_cosine", 1.5), ("feature_bits", 40), ("chunk_size", True)],
)
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=field):
        CopyLevelConfig(**{field: value})


def test_duplicate_id_without_origins_is_still_an_error():
    with pytest.raises(DedupError, match=r"^a: duplicate id 'a' \(first seen at a\)$"):
        dedup.cluster_copies([Article("a", WIRE), Article("a", OTHER)])

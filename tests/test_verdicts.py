"""A pair's verdict is the pair's own: the same in any batch, and the same in cluster, diff and flag."""

from __future__ import annotations

import pytest

import dedup
from dedup.eval import data_root
from dedup.eval.loaders import load_wikiref
from dedup.model import Article
from dedup.pipelines.flag import flag_articles


def _seed_pairs(result: dedup.ClusterResult, seed_ids: set[str], ids: list[str]) -> dict:
    return {
        (ids[p.a], ids[p.b]): (p.relation, round(p.shared_a, 6), round(p.shared_b, 6), round(p.rewritten_a, 6))
        for p in result.pairs
        if ids[p.a] in seed_ids and ids[p.b] in seed_ids
    }


WIKIREF = data_root() / "wikiref220" if data_root() else None


@pytest.mark.skipif(WIKIREF is None or not WIKIREF.is_dir(), reason="../shared/data/wikiref220 is absent")
def test_fifty_unrelated_articles_change_no_relation_among_the_seeds(seed_articles):
    seeds = [seed_articles[key] for key in sorted(seed_articles)]
    unrelated = [Article(id=item.id, text=item.text) for item in load_wikiref(WIKIREF)[:50]]
    seed_ids = {article.id for article in seeds}
    alone = dedup.cluster(seeds)
    batch = seeds + unrelated
    together = dedup.cluster(batch)
    before = _seed_pairs(alone, seed_ids, [a.id for a in seeds])
    after = _seed_pairs(together, seed_ids, [a.id for a in batch])
    assert len(before) == 10
    assert after == before
    # and the cosines (background word weights) all but: the few stems outside the English table
    # (non-ASCII ones) are weighed by the batch
    cosines = {(seeds[p.a].id, seeds[p.b].id): p.cosine for p in alone.pairs}
    in_batch = {(batch[p.a].id, batch[p.b].id): p.cosine for p in together.pairs if p.b < 5}
    assert in_batch.keys() == cosines.keys()
    assert all(abs(in_batch[key] - cosines[key]) < 1e-3 for key in cosines)


def test_one_pair_has_the_same_figures_in_cluster_diff_and_flag(seed_articles):
    source, rewrite = seed_articles["000"], seed_articles["001"]
    clustered = dedup.cluster(list(seed_articles.values()))
    member = next(m for g in clustered.groups for m in g.members if m.id == rewrite.id)
    assert member.relation == "rewrite" and member.of == source.id
    difference = dedup.diff(source, rewrite, context=list(seed_articles.values()))
    shares = difference.alignment.shares("b")
    assert difference.relation == member.relation
    assert round(difference.cosine, 4) == member.cosine
    assert round(shares["verbatim"] + shares["edited"], 4) == member.shared
    assert round(shares["rewritten"], 4) == member.rewritten
    assert (round(difference.shared[1], 4), round(difference.rewritten[1], 4)) == (member.shared, member.rewritten)
    flagged = flag_articles([rewrite], wire=[source]).flags[0]
    # flag reads the same alignment, with the article as side A
    assert abs(flagged.characters.rewritten - member.rewritten) < 0.02
    assert abs(flagged.characters.copied - member.shared) < 0.02


def test_an_identical_copy_reads_wholly_shared_in_diff_as_in_cluster(seed_articles):
    """A third of seed 000 is quotation; its copy takes the quotations over with the prose, so diff's
    relation figures say 100% shared on both sides, as cluster does, beside the per-class shares."""
    source = seed_articles["000"]
    copy = dedup.Article(id="copy", text=source.text)
    member = next(m for g in dedup.cluster([source, copy]).groups for m in g.members if m.id == "copy")
    difference = dedup.diff(source, copy)
    assert member.relation == difference.relation == "duplicate" and member.shared == 1.0
    assert difference.shared == (1.0, 1.0) and difference.rewritten == (0.0, 0.0)
    assert difference.alignment.shares("b")["quote"] > 0.3

"""One relation judgement (`dedup.align.relate`): every entry point that relates two articles gives
the same verdict for the same pair, and the engines' bulk shortcut only skips pairs `relate` itself
would settle without an alignment."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

import dedup
import dedup.stages.relate as relate_stage
from dedup.align import (
    RelationConfig,
    SentenceFigures,
    copy_ruled_out,
    needs_alignment,
    phrase_hashes,
    phrase_overlap,
    relate,
    settled_unaligned,
    story_pair,
)
from dedup.bulk_space import PairSimilarities, SentenceTables
from dedup.config import DedupConfig
from dedup.errors import ConfigError
from dedup.eval import data_root
from dedup.eval.loaders import load_event_articles
from dedup.model import Article, ScoredPair, ScoredPairs
from dedup.score import DocumentSpace
from dedup.text import prepare

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate  # noqa: E402

DATA = data_root()
needs_data = pytest.mark.skipif(DATA is None, reason="../shared/data is not present")

STOP_WORDS_ONLY = "It is what it is. And so it was, and it is what it was when it was so."
CAT = "The cat slept on the warm mat all afternoon in the sun. It purred loudly when the children came home."
STATEMENT = (
    "The foreign ministry issued a statement on Tuesday evening.\n\n"
    '"Pakistan condemns in the strongest terms the attack on the convoy near the border crossing. The '
    "perpetrators of this heinous act will be brought to justice. We call on the international community to "
    "support our efforts against terrorism. Our thoughts are with the families of the soldiers who lost their "
    'lives. The government will spare no effort to secure the region."'
)
QUOTED_ONLY = " ".join(f'"Line {n} of the statement on the budget is read out in full," he said.' for n in range(12))
# Two reports of their own that quote the same statement: only the quotation is shared.
OWN_REPORT_A = (
    "Soldiers were killed when gunmen ambushed a military convoy in the north-west on Tuesday, officials said. "
    "The attack happened near a remote border post, and no group has yet claimed it.\n\n"
    '"The perpetrators of this heinous act will be brought to justice."'
)
OWN_REPORT_B = (
    "Pakistan's government vowed revenge after an ambush on an army convoy left several soldiers dead. "
    "Local residents described hours of gunfire in the hills before reinforcements arrived.\n\n"
    '"The perpetrators of this heinous act will be brought to justice."'
)
MARKETS = "Stock markets fell sharply in Tokyo on Monday as investors sold banks. Traders said they were worried."


def _pairs(seed_articles: dict[str, Article]) -> dict[str, tuple[Article, Article]]:
    source = seed_articles["000"].text
    edited = source.replace("Saturday", "Sunday", 1).replace("unfounded", "baseless", 1)
    assert edited != source
    return {
        "identical": (Article("a", source), Article("b", source)),
        "edited copy": (Article("a", source), Article("b", edited)),
        "stop words only, identical": (Article("a", STOP_WORDS_ONLY), Article("b", STOP_WORDS_ONLY)),
        "stop words only, different": (Article("a", STOP_WORDS_ONLY), Article("b", "So it is. It was what it was.")),
        "rewrite (seeds 000, 001)": (seed_articles["000"], seed_articles["001"]),
        "same story (seeds 000, 002)": (seed_articles["000"], seed_articles["002"]),
        "same story (seeds 003, 004)": (seed_articles["003"], seed_articles["004"]),
        "unrelated": (Article("a", CAT), Article("b", MARKETS)),
        "edited copy of a statement": (Article("a", STATEMENT), Article("b", STATEMENT.replace(" evening", ""))),
        "edited copy, all quotation": (
            Article("a", QUOTED_ONLY),
            Article("b", QUOTED_ONLY.replace("Line 5 ", "Line five ")),
        ),
        "two reports sharing a quotation": (Article("a", OWN_REPORT_A), Article("b", OWN_REPORT_B)),
    }


EXPECTED = {
    "identical": "duplicate",
    "edited copy": "near-duplicate",
    "stop words only, identical": "duplicate",
    "stop words only, different": "unrelated",
    "rewrite (seeds 000, 001)": "rewrite",
    "same story (seeds 000, 002)": "same-story",
    "same story (seeds 003, 004)": "same-story",
    "unrelated": "unrelated",
    # A copy takes the quotations over with the prose around them: they count as copied text
    # (`dedup.align.quotes_taken_over`), so a copied statement with a one-line introduction, or one
    # that is all quotation, is a near-duplicate; two reports quoting one statement are not copies.
    "edited copy of a statement": "near-duplicate",
    "edited copy, all quotation": "near-duplicate",
    "two reports sharing a quotation": "same-story",
}


def _batch_relation(result: dedup.ClusterResult, a: str, b: str) -> str:
    """The relation a two-article batch gives its pair: the member's own in one copy group, else
    what the grouping says (one story, or two)."""
    where = {member.id: (group.story, group.group, member) for group in result.groups for member in group.members}
    story_a, group_a, member_a = where[a]
    story_b, group_b, member_b = where[b]
    if (story_a, group_a) == (story_b, group_b):
        return member_b.relation if member_b.relation != "canonical" else member_a.relation
    return "same-story" if story_a == story_b else "unrelated"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_entry_point_gives_a_pair_the_same_relation(seed_articles, name):
    a, b = _pairs(seed_articles)[name]
    expected = EXPECTED[name]
    assert _batch_relation(dedup.cluster([a, b]), a.id, b.id) == expected
    assert dedup.diff(a, b).relation == expected
    assert dedup.score_document_pairs([(a.text, b.text)])[0].label == expected
    # The copy level finds copies only: the same copies, with the same label; nothing else grouped.
    copies = _batch_relation(dedup.cluster_copies([a, b]), a.id, b.id)
    assert copies == (expected if expected in ("duplicate", "near-duplicate") else "unrelated")
    # flag: a copy is wholly derived from its source, a rewrite derived, anything else not.
    derivation = dedup.flag([b], wire=[a]).flags[0].derivation
    if expected in ("duplicate", "near-duplicate"):
        assert derivation == "wholly-derived"
    elif expected == "rewrite":
        assert derivation in ("wholly-derived", "partially-derived")
    else:
        assert derivation == "non-derived"


def test_relate_settles_a_low_cosine_pair_without_aligning_it():
    a, b = prepare(Article("a", CAT)), prepare(Article("b", MARKETS))
    cosine = float(DocumentSpace([a, b]).cosine(np.array([[0, 1]]))[0])
    assert cosine < RelationConfig().align_min_cosine
    pair, alignment = relate(0, 1, a, b, cosine)
    assert alignment is None and pair.relation == "unrelated" and pair.shared_a == pair.shared_b == 0.0


def test_the_bulk_shortcut_skips_only_pairs_relate_settles_by_cosine(seed_articles):
    """Engines skip the pairs `needs_alignment` rules out; `relate` must settle each of them alone."""
    texts = [article.text for article in seed_articles.values()] + [CAT, MARKETS, STOP_WORDS_ONLY, STOP_WORDS_ONLY]
    documents = [prepare(Article(f"d{k}", text)) for k, text in enumerate(texts)]
    space = DocumentSpace(documents)
    pairs = np.array(list(itertools.combinations(range(len(documents)), 2)), dtype=np.int64)
    cosines = space.cosine(pairs)
    wordless = space.matrix.getnnz(axis=1) == 0
    aligned = needs_alignment(cosines, wordless[pairs[:, 0]], wordless[pairs[:, 1]], RelationConfig())
    assert aligned.any() and not aligned.all()
    for (i, j), cosine, may_align in zip(pairs.tolist(), cosines.tolist(), aligned.tolist()):
        _, alignment = relate(i, j, documents[i], documents[j], cosine)
        if not may_align:
            assert alignment is None, (i, j)


# Two articles of their own that share one sentence (agency boilerplate), and a short excerpt of
# the first: few phrases in common against most of the shorter side.
BOILERPLATE = "The agency said the figures would be revised next month as more reports came in."
FLOODS = (
    "Floods swept through three river towns in the north overnight, forcing hundreds from their homes. "
    "Rescue teams used boats to reach families trapped on upper floors. "
    "The regional governor declared an emergency and asked the army for help. "
    "Forecasters warned that more rain was expected over the weekend. "
    "Schools in the worst-hit districts will stay closed until the water recedes. "
    "Power lines were cut in several villages, leaving thousands without electricity. "
    "Volunteers filled sandbags along the embankments through the night. "
    "The railway line to the coast was closed after a bridge was damaged. "
    "Insurers said claims were likely to exceed those of the last great flood. "
    "Aid agencies began handing out blankets, drinking water and food parcels. "
    f"{BOILERPLATE}"
)
HARVEST = (
    "Wheat growers in the south expect their smallest harvest in a decade after a long drought. "
    "Prices at the grain exchange rose for a fourth week on the news. "
    "Farmers' unions asked the ministry for emergency credit to buy feed. "
    "Exporters said contracts signed in the spring might not be honoured. "
    "Some growers have already sold part of their herds to pay their debts. "
    "Irrigation reservoirs stand at a third of their usual level for the season. "
    "Millers warned that the price of bread could climb before the end of the year. "
    "The opposition accused the government of ignoring months of warnings. "
    "Banks agreed to delay loan repayments for the hardest-hit farms. "
    "Scientists linked the dry spell to a shift in ocean temperatures. "
    f"{BOILERPLATE}"
)
FLOODS_EXCERPT = (
    "Floods swept through three river towns in the north overnight, forcing hundreds from their homes. "
    "Rescue teams used boats to reach families trapped on upper floors."
)
# Every pair with an overlap under the bar is settled, whatever its cosine: the rule alone.
SETTLE_ALL_LOW_OVERLAP = RelationConfig(align_min_cosine=0.0, same_story_cosine=0.0, sure_align_cosine=0.99)


def _documents():
    return [prepare(Article(name, text)) for name, text in (("f", FLOODS), ("e", FLOODS_EXCERPT), ("h", HARVEST))]


def test_phrase_overlap_is_the_larger_sides_share_of_phrases_found_in_the_other():
    floods, excerpt, harvest = _documents()
    assert phrase_overlap(phrase_hashes(excerpt), phrase_hashes(floods)) == 1.0
    assert phrase_overlap(phrase_hashes(floods), phrase_hashes(excerpt)) == 1.0
    shared = phrase_overlap(phrase_hashes(floods), phrase_hashes(harvest))
    assert 0.0 < shared < RelationConfig().align_min_overlap
    assert phrase_overlap(phrase_hashes(floods), np.zeros(0, dtype=np.uint32)) == 0.0


def test_a_pair_sharing_one_sentence_is_settled_without_an_alignment_and_an_excerpt_is_not():
    floods, excerpt, harvest = _documents()
    pair, alignment = relate(0, 1, floods, harvest, 0.5, relation_config=SETTLE_ALL_LOW_OVERLAP)
    assert alignment is None
    assert pair.relation == "same-story"
    assert (pair.shared_a, pair.shared_b, pair.rewritten_a, pair.rewritten_b) == (0, 0, 0, 0)
    # Aligned, the shared sentence is there: the settled pair only skips the work.
    pair, alignment = relate(0, 1, floods, harvest, 0.5)
    assert alignment is not None and any(link.kind == "verbatim" for link in alignment.links)
    assert pair.relation == "same-story"
    # An excerpt shares all of its phrases: aligned, and a near-duplicate, at any cosine.
    pair, alignment = relate(0, 1, excerpt, floods, 0.5, relation_config=SETTLE_ALL_LOW_OVERLAP)
    assert alignment is not None and pair.relation == "near-duplicate"
    # Under the same-story cosine a settled pair is unrelated, as an unaligned pair is.
    config = RelationConfig(align_min_cosine=0.0, same_story_cosine=0.6, sure_align_cosine=0.99)
    pair, alignment = relate(0, 1, floods, harvest, 0.5, relation_config=config)
    assert alignment is None and pair.relation == "unrelated"


def test_align_pairs_settles_the_pairs_relate_settles_and_computes_no_similarity_for_them(monkeypatch):
    documents = _documents()
    pairs = [(0, 1), (0, 2), (1, 2)]
    config = DedupConfig(relation=SETTLE_ALL_LOW_OVERLAP)
    asked: list[tuple[int, int]] = []
    real = relate_stage.pair_similarities

    def recording(tables, table_pairs, **kwargs):
        asked.extend(table_pairs)
        return real(tables, table_pairs, **kwargs)

    monkeypatch.setattr(relate_stage, "pair_similarities", recording)
    scored = relate_stage.align_pairs(documents, pairs, [0.5, 0.5, 0.5], config, tables=SentenceTables(documents))
    expected = [relate(a, b, documents[a], documents[b], 0.5, relation_config=config.relation)[0] for a, b in pairs]
    assert scored == expected
    assert [p.relation for p in scored] == ["near-duplicate", "same-story", "same-story"]
    assert asked == [(0, 1)]
    # Without the batch's tables (the Spark engine's way: documents by index), the same.
    asked.clear()
    by_index = {index + 10: document for index, document in enumerate(documents)}
    shifted = [(a + 10, b + 10) for a, b in pairs]
    scored = relate_stage.align_pairs(by_index, shifted, [0.5, 0.5, 0.5], config)
    assert [(p.a, p.b, p.relation, p.shared_a) for p in scored] == [
        (p.a + 10, p.b + 10, p.relation, p.shared_a) for p in expected
    ]
    assert asked == [(0, 1)]  # rows of the tables made for the one pair aligned


def _settle_by_phrases_as_relate(documents: list, config: DedupConfig) -> int:
    """`settle_by_phrases` over every pair of `documents` settles exactly the pairs
    `settled_unaligned` settles by their phrases, each as it settles it, and leaves the others as
    they were; returns how many it settled."""
    space = DocumentSpace(documents)
    pairs = np.array(list(itertools.combinations(range(len(documents)), 2)), dtype=np.int64)
    cosines = space.cosine(pairs)
    scored = ScoredPairs.unrelated(pairs[:, 0], pairs[:, 1], cosines.astype(np.float64))
    rows = np.arange(len(pairs))
    phrases = relate_stage.PhraseCache(documents)
    left = relate_stage.settle_by_phrases(scored, rows, documents, phrases, config)
    settled = 0
    for k, ((a, b), cosine) in enumerate(zip(pairs.tolist(), cosines.tolist())):
        alone = settled_unaligned(a, b, documents[a], documents[b], cosine, config.relation)
        by_phrases = (
            alone is not None and config.relation.align_min_cosine <= cosine < config.relation.sure_align_cosine
        )
        if by_phrases:
            assert k not in left and scored[k] == alone, (a, b)
            settled += 1
        else:
            assert k in left and scored[k] == ScoredPair.settled(a, b, cosine), (a, b)
    assert list(left) == sorted(left)
    return settled


def test_settling_by_phrases_in_bulk_settles_each_pair_as_relate_does(seed_articles):
    records = generate.generate(60, 7, generate.sentence_sources(None))
    texts = [article.text for article in seed_articles.values()] + [record["text"] for record in records]
    texts += [FLOODS, FLOODS_EXCERPT, HARVEST, STOP_WORDS_ONLY, ""]
    documents = [prepare(Article(f"d{k}", text)) for k, text in enumerate(texts)]
    # The shipped bars, and bars that send most pairs through the rule (both relations it gives).
    assert _settle_by_phrases_as_relate(documents, DedupConfig()) > 0
    wide = RelationConfig(align_min_cosine=0.0, same_story_cosine=0.05, sure_align_cosine=0.99)
    assert _settle_by_phrases_as_relate(documents, DedupConfig(relation=wide)) > 100


@needs_data
def test_settling_by_phrases_in_bulk_settles_each_pair_as_relate_does_on_real_news():
    documents = [prepare(Article(item.id, item.text)) for item in load_event_articles(DATA / "ecbplus-dev")][:150]
    assert _settle_by_phrases_as_relate(documents, DedupConfig()) > 0


def test_relation_config_checks_the_alignment_bars():
    for name in ("sure_align_cosine", "align_min_overlap"):
        with pytest.raises(ConfigError, match=name):
            RelationConfig(**{name: 1.5})


def _relations_both_ways(documents: list, pairs: list[tuple[int, int]]) -> tuple[list, list, int]:
    """`align_pairs` on every pair, aligned in full and with `copies_only`, and how many of the
    pairs the full run aligned (a share or a link found) were settled unaligned by `copies_only`."""
    space = DocumentSpace(documents)
    cosines = space.cosine(np.array(pairs, dtype=np.int64)).tolist()
    config = DedupConfig()
    tables = SentenceTables(documents)
    full = relate_stage.align_pairs(documents, pairs, cosines, config, tables=tables)
    fast = relate_stage.align_pairs(documents, pairs, cosines, config, tables=tables, copies_only=True)
    aligned_then_skipped = sum(
        1
        for whole, quick in zip(full, fast)
        if (whole.shared_a, whole.shared_b, whole.rewritten_a, whole.rewritten_b) != (0, 0, 0, 0)
        and (quick.shared_a, quick.shared_b, quick.rewritten_a, quick.rewritten_b) == (0, 0, 0, 0)
    )
    return full, fast, aligned_then_skipped


def _assert_copies_only_changes_no_relation(documents: list) -> int:
    pairs = list(itertools.combinations(range(len(documents)), 2))
    full, fast, skipped = _relations_both_ways(documents, pairs)
    assert [p.relation for p in fast] == [p.relation for p in full]
    # A copy keeps its figures; a pair settled unaligned is the story pair `relate` would give it.
    copies = ("duplicate", "near-duplicate", "rewrite")
    assert [p for p in fast if p.relation in copies] == [p for p in full if p.relation in copies]
    for quick, whole in zip(fast, full):
        if quick != whole:
            assert quick == story_pair(whole.a, whole.b, whole.cosine, RelationConfig())
    return skipped


def test_copies_only_rules_out_only_pairs_no_alignment_makes_copies(seed_articles):
    """`copy_ruled_out` bounds what an alignment can find: on every pair of the seeds and of a
    generated corpus (edited copies of the seeds' sentences, mixed), aligning only the pairs it
    leaves gives every pair the relation, and every copy the figures, of aligning them all; and it
    does leave pairs out (the rewrite of seeds 000/001 is not one of them)."""
    records = generate.generate(90, 3, generate.sentence_sources(None))
    texts = [article.text for article in seed_articles.values()] + [record["text"] for record in records]
    documents = [prepare(Article(f"d{k}", text)) for k, text in enumerate(texts)]
    assert _assert_copies_only_changes_no_relation(documents) > 0
    rewrite = _relations_both_ways(documents[:2], [(0, 1)])[1][0]
    assert rewrite.relation == "rewrite" and rewrite.rewritten_a > 0


@needs_data
@pytest.mark.parametrize("name", ["ecbplus-dev", "duc2004-dev"])
def test_copies_only_changes_no_relation_on_real_news(name):
    """The same on real news of one event retold by many outlets: rewrites and same-story pairs
    with sentence similarities near the alignment's bars."""
    documents = [prepare(Article(item.id, item.text)) for item in load_event_articles(DATA / name)]
    assert _assert_copies_only_changes_no_relation(documents) > 0


def test_the_tables_give_each_document_the_sentence_figures_it_has_alone(seed_articles):
    """The cluster pipeline reads `copy_ruled_out`'s figures from the batch's tables, computed once
    per distinct sentence where they can be: they must be the document's own, position by position."""
    # The statement's sentences recur in the two reports, quoted there on their own: a sentence's
    # words are the same wherever it occurs, its quotation is not.
    texts = [article.text for article in seed_articles.values()]
    texts += [STATEMENT, QUOTED_ONLY, STOP_WORDS_ONLY, "", OWN_REPORT_A, OWN_REPORT_B, STATEMENT.replace('"', "")]
    documents = [prepare(Article(f"d{k}", text)) for k, text in enumerate(texts)]
    tables = SentenceTables(documents)
    for row, document in enumerate(documents):
        from_tables, alone = relate_stage._figures(tables, row), SentenceFigures.of(document)
        for name in ("words", "chars", "quoted", "keys"):
            assert np.array_equal(getattr(from_tables, name), getattr(alone, name)), (row, name)
    assert SentenceFigures.of(documents[6]).quoted.all() and not SentenceFigures.of(documents[0]).quoted.all()
    # One sentence text, quoted in the statement and not in its copy without quotation marks.
    assert SentenceFigures.of(documents[5]).quoted.any() and not SentenceFigures.of(documents[11]).quoted.any()
    assert len(np.unique(tables.positions)) < len(tables.positions)  # sentences do recur


def test_copy_ruled_out_bounds_the_alignment_under_any_similarities(seed_articles):
    """Whatever the sentence similarities (random matrices, of every scale, and all zeros), a pair
    that `relate` aligns into a copy is never ruled out: the bound holds for the alignment's logic,
    not only for the similarities real text gives. Sentences of the same words count whatever
    their similarity, as the alignment links them."""
    rng = np.random.default_rng(19)
    config = DedupConfig()
    pairs = _pairs(seed_articles)
    names = ["edited copy", "rewrite (seeds 000, 001)", "same story (seeds 000, 002)", "edited copy of a statement"]
    outcomes = {"copy": 0, "ruled out": 0}
    for name in names:
        a, b = (prepare(article) for article in pairs[name])
        shape = (len(a.sentences), len(b.sentences))
        matrices = [np.zeros(shape, dtype=np.float32)]
        matrices += [(rng.random(shape) ** power).astype(np.float32) for power in (1, 3, 8, 20) for _ in range(8)]
        for matrix in matrices:
            found = PairSimilarities(matrix, matrix)
            pair, _ = relate(0, 1, a, b, 0.5, space_of=lambda _a, _b, found=found: found)
            ruled_out = copy_ruled_out(a, b, matrix, 0.5, config.score, config.relation)
            assert not (ruled_out and pair.relation in ("duplicate", "near-duplicate", "rewrite")), (name, pair)
            outcome = "copy" if pair.relation != "same-story" else "ruled out" if ruled_out else "left"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes["copy"] > 0 and outcomes["ruled out"] > 0, outcomes
    # An edited copy whose similarities are all zero is still a near-duplicate by its verbatim
    # sentences, and the bound, counting sentences of the same words, leaves it.
    a, b = (prepare(article) for article in pairs["edited copy"])
    zeros = np.zeros((len(a.sentences), len(b.sentences)), dtype=np.float32)
    found = PairSimilarities(zeros, zeros)
    assert relate(0, 1, a, b, 0.5, space_of=lambda _a, _b: found)[0].relation == "near-duplicate"
    assert not copy_ruled_out(a, b, zeros, 0.5, config.score, config.relation)

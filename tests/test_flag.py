"""`dedup.flag`: derivation of articles from wire copy, on fixtures built from the seeds' real sentences."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

import dedup
from dedup import DedupConfig, DedupError
from dedup.eval import data_root
from dedup.eval.run import pan_figures
from dedup.flag import (
    DERIVATIONS,
    FlagConfig,
    document_features,
    select_candidates,
    time_ranks,
    window_starts,
)
from dedup.model import Article
from dedup.pipelines.flag import flag_articles
from dedup.stages.candidates import cross_bucket_pairs
from dedup.text import prepare


def _sentences(article: Article, *, quoted: bool) -> list[str]:
    """Sentences of at least 8 words of a seed, either mostly quotation or mostly the reporter's prose."""
    return [s.text for s in prepare(article).sentences if len(s.words) >= 8 and (s.quote_share >= 0.5) == quoted]


def _text(sentences: list[str]) -> str:
    return "\n\n".join(sentences)


@pytest.fixture(scope="module")
def parts(seed_articles):
    """Real sentences in known roles: a wire story (004's prose), a second wire story (000's prose),
    the article's own sentences (002's prose: same event, other words) and a quotation (003's)."""
    return {
        "wire": _sentences(seed_articles["004"], quoted=False)[:10],
        "other_wire": _sentences(seed_articles["000"], quoted=False)[:10],
        "own": _sentences(seed_articles["002"], quoted=False)[:10],
        "quote": _sentences(seed_articles["003"], quoted=True)[0],
        "rewrite_text": seed_articles["001"].text,
    }


def _flag_one(article_sentences: list[str], wire_stories: dict[str, list[str]], seed: int = 1, **config):
    wire = [Article(id=name, text=_text(sentences)) for name, sentences in wire_stories.items()]
    result = flag_articles(
        [Article(id="article", text=_text(article_sentences))], wire=wire, config=FlagConfig(**config), seed=seed
    )
    return result.flags[0]


def test_an_article_mostly_taken_from_a_wire_story_is_wholly_derived(parts):
    article = parts["wire"][:8] + parts["own"][:2]
    flag = _flag_one(article, {"wire-1": parts["wire"] + [parts["quote"]]})
    assert flag.derivation == "wholly-derived"
    assert [source.id for source in flag.sources] == ["wire-1"]
    assert flag.sentences.verbatim == pytest.approx(0.8)
    assert flag.characters.verbatim >= 0.6
    assert flag.sources[0].derived == pytest.approx(flag.characters.derived)


def test_an_article_with_a_third_from_a_wire_story_is_partially_derived_and_shows_those_sentences(parts):
    article = [parts["own"][0], parts["wire"][2], parts["own"][1], parts["own"][2], parts["wire"][5]]
    article += parts["own"][3:7] + [parts["wire"][7]]
    flag = _flag_one(article, {"wire-1": parts["wire"]})
    assert flag.derivation == "partially-derived"
    assert flag.sentences.verbatim == pytest.approx(0.3)
    verbatim = [(e.article_index, e.source_index) for e in flag.evidence if e.kind == "verbatim"]
    assert sorted(verbatim) == [(1, 2), (4, 5), (9, 7)]
    assert all(e.article_sentence == e.source_sentence for e in flag.evidence if e.kind == "verbatim")


def test_a_lightly_edited_copy_counts_as_edited_and_is_wholly_derived(parts):
    edited = [sentence.replace(" the ", " a ", 1) for sentence in parts["wire"]]
    flag = _flag_one(edited, {"wire-1": parts["wire"]})
    assert flag.derivation == "wholly-derived"
    assert flag.characters.edited > 0.5
    assert flag.characters.copied >= 0.9


def test_a_shared_quotation_alone_does_not_make_an_article_derived(parts):
    article = parts["own"][:9] + [parts["quote"]]
    flag = _flag_one(article, {"wire-1": parts["wire"] + [parts["quote"]]})
    assert flag.derivation == "non-derived"
    assert flag.sources == ()
    assert flag.quotes.sentences == 1
    assert flag.quotes.characters > 0
    assert flag.characters.copied == 0


def test_an_article_drawing_on_two_wire_stories_names_both(parts):
    article = parts["wire"][:4] + parts["own"][:2] + parts["other_wire"][:4]
    flag = _flag_one(article, {"wire-1": parts["wire"], "wire-2": parts["other_wire"], "unrelated": parts["own"][5:]})
    assert flag.derivation in ("wholly-derived", "partially-derived")
    assert sorted(source.id for source in flag.sources) == ["wire-1", "wire-2"]
    assert {e.source for e in flag.evidence if e.kind == "verbatim"} == {"wire-1", "wire-2"}


def test_an_article_on_another_subject_is_not_derived_and_has_no_evidence(parts):
    football = (
        "The football club signed a new striker from Brazil on a four-year contract.\n\n"
        "Fans queued outside the stadium for hours to catch a glimpse of him.\n\n"
        "The coach said the team needed more goals if it was to stay in the league this season."
    )
    result = flag_articles([Article(id="sport", text=football)], wire=[Article(id="w", text=_text(parts["wire"]))])
    flag = result.flags[0]
    assert (flag.derivation, flag.sources, flag.evidence) == ("non-derived", (), ())


def test_seed_001_is_derived_from_000_with_most_of_it_rewritten(seed_articles):
    wire = [seed_articles["000"]]
    articles = [seed_articles[n] for n in ("001", "002", "003", "004")]
    result = flag_articles(articles, wire=wire)
    by_id = {flag.id: flag for flag in result.flags}
    rewrite = by_id[seed_articles["001"].id]
    assert rewrite.derivation in ("wholly-derived", "partially-derived")
    assert [s.id for s in rewrite.sources] == [seed_articles["000"].id]
    assert rewrite.characters.rewritten > 0.5
    assert sum(e.kind == "rewritten" for e in rewrite.evidence) >= 8
    for number in ("002", "003", "004"):  # independent reports of the same event
        assert by_id[seed_articles[number].id].derivation == "non-derived"


def test_every_article_gets_one_flag_in_input_order(seed_articles):
    articles = [seed_articles[n] for n in ("004", "001", "003", "002")]
    result = flag_articles(articles, wire=[seed_articles["000"]])
    assert [flag.id for flag in result.flags] == [a.id for a in articles]
    assert all(flag.derivation in DERIVATIONS for flag in result.flags)
    assert result.mode == "wire" and result.wire_count == 1


def test_an_article_without_sentences_is_non_derived(parts):
    result = flag_articles([Article(id="empty", text="  ")], wire=[Article(id="w", text=_text(parts["wire"]))])
    assert result.flags[0].derivation == "non-derived"
    assert result.flags[0].sentence_count == 0


# --- in-batch mode: sources found by time --------------------------------------------------------
def _chain(parts):
    """A original, B a lightly edited copy of A, C a verbatim copy of B."""
    original = _text(parts["wire"])
    edited = _text([parts["wire"][0].replace(" the ", " a ", 1)] + parts["wire"][1:])
    return original, edited


@pytest.mark.parametrize("top_k", [5, 1])
def test_in_a_batch_the_earliest_article_a_copy_derives_from_is_its_source(parts, top_k):
    original, edited = _chain(parts)
    batch = [
        Article(id="C", text=edited, published="2024-12-22T08:00:00Z"),
        Article(id="B", text=edited, published="2024-12-21T08:00:00+00:00"),
        Article(id="D", text=_text(parts["own"]), published="2024-12-19"),
        Article(id="A", text=original, published="2024-12-20"),
    ]
    result = flag_articles(batch, config=FlagConfig(top_k=top_k))
    sources = {flag.id: [s.id for s in flag.sources] for flag in result.flags}
    # With top_k=1, C's one candidate is its twin B; following B back to its own source finds A.
    # C's sentences tie between A and B except the one B edited, which C took from B: A, the
    # earliest, is credited with the ties and comes first; B is credited with its edit.
    assert sources == {"C": ["A", "B"], "B": ["A"], "D": [], "A": []}
    shares = {source.id: source.derived for source in result.flags[0].sources}
    assert shares["A"] > 0.8 and 0 < shares["B"] < 0.2
    assert result.mode == "batch" and result.order == "published"


def test_a_batch_without_dates_is_in_input_order(parts):
    original, edited = _chain(parts)
    forward = flag_articles([Article(id="A", text=original), Article(id="B", text=edited)])
    backward = flag_articles([Article(id="B", text=edited), Article(id="A", text=original)])
    assert [[s.id for s in f.sources] for f in forward.flags] == [[], ["A"]]
    assert [[s.id for s in f.sources] for f in backward.flags] == [[], ["B"]]
    assert forward.order == "input"


def test_an_undated_article_is_compared_with_dated_ones_but_never_a_source(parts):
    original, edited = _chain(parts)
    batch = [Article(id="undated", text=original), Article(id="dated", text=edited, published="2024-12-21")]
    result = flag_articles(batch)
    sources = {flag.id: [s.id for s in flag.sources] for flag in result.flags}
    assert sources == {"undated": ["dated"], "dated": []}
    assert result.order == "published+undated"


def test_time_ranks_sort_by_published_then_input_order():
    batch = [
        Article(id="a", text="x", published="2024-12-21T10:00:00+02:00"),
        Article(id="b", text="x", published="2024-12-21T09:00:00Z"),
        Article(id="c", text="x", published="2024-12-21T08:00:00Z"),
    ]
    ranks, order = time_ranks(batch)
    assert order == "published"
    assert ranks.tolist() == [0.0, 2.0, 1.0]  # 10:00+02:00 is 08:00Z, tied with c and earlier in input


# --- errors ----------------------------------------------------------------------------------------
def test_an_empty_wire_set_is_an_error_not_an_empty_result(parts):
    with pytest.raises(DedupError, match="wire set is empty"):
        flag_articles([Article(id="a", text=_text(parts["own"]))], wire=[])


def test_no_articles_is_an_error(parts):
    with pytest.raises(DedupError, match="no articles"):
        flag_articles([], wire=[Article(id="w", text=_text(parts["wire"]))])


def test_repeated_ids_and_foreign_objects_are_errors(parts):
    article = Article(id="a", text=_text(parts["own"]), origin="batch.jsonl:3")
    with pytest.raises(DedupError, match=r"batch.jsonl:3: duplicate article id 'a'"):
        flag_articles([article, article], wire=[Article(id="w", text="x")])
    with pytest.raises(DedupError, match="duplicate wire story id 'w'"):
        flag_articles([article], wire=[Article(id="w", text="x"), Article(id="w", text="y")])
    with pytest.raises(DedupError, match="must be an Article, got str"):
        flag_articles(["text"], wire=[Article(id="w", text="x")])


def test_a_published_value_that_is_not_a_date_is_a_warning_and_the_article_undated():
    batch = [Article(id="a", text="x", published="yesterday", origin="feed.csv:2"), Article(id="b", text="y")]
    result = flag_articles(batch)
    assert result.order == "input"  # no article has a readable date
    assert result.warnings == (
        "feed.csv:2: published 'yesterday' is not an ISO 8601 date (e.g. 2024-12-22 or 2024-12-22T09:30:00Z); "
        "the article is taken as undated",
    )
    dated = [Article(id="a", text="x", published="yesterday"), Article(id="b", text="y", published="2024-12-21")]
    assert flag_articles(dated).order == "published+undated"
    assert time_ranks(dated)[0].tolist() == [float("inf"), 0.0]


def test_flag_config_validates_its_parameters():
    with pytest.raises(ValueError, match="top_k"):
        FlagConfig(top_k=0)
    with pytest.raises(ValueError, match="wholly_score"):
        FlagConfig(wholly_score=float("nan"))
    with pytest.raises(ValueError, match="must not exceed"):
        FlagConfig(partial_score=0.7, wholly_score=0.6)
    with pytest.raises(ValueError, match="containment_words"):
        FlagConfig(containment_words=0)


# --- candidate search ------------------------------------------------------------------------------
def test_each_article_is_aligned_with_at_most_top_k_wire_stories(parts):
    story = _text(parts["wire"])
    wire = [Article(id=f"version-{n}", text=story + f"\n\nUpdate number {n} was filed.") for n in range(8)]
    wire.append(Article(id="other", text=_text(parts["other_wire"])))
    articles = [Article(id="copy", text=story)]
    config = FlagConfig(top_k=3)
    found = select_candidates(
        document_features(articles, config, stride=25, seed=1),
        document_features(wire, config, stride=50, seed=1),
        config,
        seed=1,
    )
    assert len(found.article) == 3
    result = flag_articles(articles, wire=wire, config=config)
    # Eight versions of one story: the first accounts for every sentence, the others add nothing.
    assert len(result.flags[0].sources) == 1
    assert result.flags[0].derivation == "wholly-derived"


def test_a_passage_copied_into_a_long_article_is_found(seed_articles, parts):
    # Whole-document similarity of a 3-sentence excerpt inside five long stories is low; the
    # passage grain finds it anyway.
    long_article = "\n\n".join(seed_articles[n].text for n in ("000", "001", "002", "003"))
    long_article += "\n\n" + _text(parts["wire"][3:6])
    result = flag_articles([Article(id="long", text=long_article)], wire=[Article(id="w", text=_text(parts["wire"]))])
    flag = result.flags[0]
    assert flag.derivation == "partially-derived"
    assert [s.id for s in flag.sources] == ["w"]


def test_cross_bucket_pairs_match_brute_force_bucket_sharing():
    rng = np.random.default_rng(7)
    query = rng.integers(0, 3, (40, 6)).astype(np.uint32)
    index = rng.integers(0, 3, (30, 6)).astype(np.uint32)
    found_q, found_i = cross_bucket_pairs(query, index, bands=3, rows=2, max_bucket=1000)
    expected = {
        (q, i)
        for q in range(len(query))
        for i in range(len(index))
        if any(np.array_equal(query[q, b * 2 : b * 2 + 2], index[i, b * 2 : b * 2 + 2]) for b in range(3))
    }
    assert set(zip(found_q.tolist(), found_i.tolist())) == expected
    # A bucket holding more index rows than max_bucket gives no pairs at all.
    crowded = np.zeros((10, 2), dtype=np.uint32)
    assert len(cross_bucket_pairs(crowded[:1], crowded, bands=1, rows=2, max_bucket=5)[0]) == 0


def test_window_starts_cover_the_whole_sequence():
    assert window_starts(3, 10, 5) == [0]
    assert window_starts(22, 10, 5) == [0, 5, 10, 12]
    assert window_starts(20, 10, 10) == [0, 10]


def test_flags_do_not_depend_on_the_seed_for_clear_cases(parts):
    article = parts["wire"][:8] + parts["own"][:2]
    labels = {_flag_one(article, {"wire-1": parts["wire"]}, seed=seed).derivation for seed in (1, 2, 3)}
    assert labels == {"wholly-derived"}


# --- quality on real data ----------------------------------------------------------------------------
@pytest.mark.skipif(data_root() is None, reason="../shared/data is not present")
def test_pan_suspicious_documents_are_flagged_from_their_own_source():
    folder = data_root() / "pan13-no-obfuscation"
    if not folder.is_dir():
        pytest.skip("pan13-no-obfuscation is not present")
    figures = pan_figures(folder, limit=60)
    assert figures["own_source_documents"] >= 0.85
    assert figures["wrong_source_pairs"] <= 0.02


def test_flag_config_round_trips_as_a_dict():
    config = FlagConfig(top_k=7)
    assert dataclasses.asdict(config) == config.as_dict()


def test_flag_records_the_whole_run_config_under_one_seed(parts):
    """`dedup.flag` takes one DedupConfig: its seed, its flag stage and cluster's sentence classes,
    and the result records all of it (as `dedup cluster` records its config)."""
    config = DedupConfig(seed=7, flag=FlagConfig(top_k=3))
    wire = [Article(id="w1", text=_text(parts["wire"]))]
    result = dedup.flag([Article(id="a", text=_text(parts["wire"][:4]))], wire=wire, config=config)
    assert result.config == config.as_dict()
    assert result.config["seed"] == 7 and result.config["flag"]["top_k"] == 3
    assert result.config["score"] == dataclasses.asdict(config.score)
    assert "seed" not in result.config["flag"]


def test_progress_reports_every_document_prepared_and_every_article_judged(parts):
    calls: list[tuple[str, int]] = []
    articles = [Article(id=f"a{n}", text=_text(parts["wire"][n : n + 4])) for n in range(3)]
    wire = [Article(id="w1", text=_text(parts["wire"])), Article(id="w2", text=_text(parts["other_wire"]))]
    flag_articles(articles, wire=wire, progress=lambda stage, advance: calls.append((stage, advance)))
    totals: dict[str, int] = {}
    for stage, advance in calls:
        totals[stage] = totals.get(stage, 0) + advance
    assert totals == {"prepare": 5, "candidates": 3, "score": 3}
    assert [stage for stage, _ in calls].index("candidates") > max(i for i, c in enumerate(calls) if c[0] == "prepare")


def test_an_article_is_never_its_own_source(seed_articles):
    source = seed_articles["000"]
    result = flag_articles(list(seed_articles.values()), wire=[source])
    own = next(flag for flag in result.flags if flag.id == source.id)
    assert own.derivation == "non-derived" and own.sources == ()
    assert len(result.warnings) == 1 and "not compared with itself" in result.warnings[0]
    rewrite = next(flag for flag in result.flags if flag.id == seed_articles["001"].id)
    assert [s.id for s in rewrite.sources] == [source.id]


def test_repeated_texts_are_aligned_once_and_flag_as_without_the_memory(monkeypatch, seed_articles):
    alignments_module = sys.modules["dedup.flag.alignments"]  # the stage that calls `align`
    vocabulary = ["harbour", "cranes", "budget", "council", "storm"]
    batch = [Article(id=f"w{k:03d}", text=vocabulary[k * 7 % 5]) for k in range(60)]
    seeds = [seed_articles[key].text for key in sorted(seed_articles)]
    batch += [Article(id=f"s{k:03d}", text=seeds[k % 2]) for k in range(6)]  # copies of two seeds
    calls = []
    real_align = alignments_module.align

    def counting_align(*args, **kwargs):
        calls.append(1)
        return real_align(*args, **kwargs)

    monkeypatch.setattr(alignments_module, "align", counting_align)
    remembered = flag_articles(batch)
    aligned_with_memory = len(calls)

    class Forgetful(alignments_module._PairAlignments):
        def __call__(self, article, wire, remember):
            return super().__call__(article, wire, False)

    monkeypatch.setattr(alignments_module, "_PairAlignments", Forgetful)
    calls.clear()
    forgotten = flag_articles(batch)
    assert remembered == forgotten
    assert aligned_with_memory < len(calls) / 3
    derived = {f.id for f in remembered.flags if f.id.startswith("s") and f.derivation != "non-derived"}
    assert {"s002", "s003", "s004", "s005"} <= derived  # each later copy of a seed derives from an earlier one


def _statement_copy() -> tuple[Article, Article]:
    """A statement from the wire (an introduction, then three quoted sentences) and a copy whose
    only change is one word dropped from the introduction."""
    intro = "The foreign ministry issued a statement on Tuesday evening."
    quotation = (
        '"Pakistan condemns in the strongest terms the attack on the convoy. The perpetrators of this heinous act '
        "will be brought to justice. We call on the international community to support our efforts against "
        'terrorism."'
    )
    wire = Article(id="wire", text=f"{intro}\n\n{quotation}")
    copy = Article(id="copy", text=f"{intro.replace(' evening', '')}\n\n{quotation}")
    return wire, copy


def test_quotations_taken_over_with_the_prose_count_as_copied_text():
    # A statement copied from the wire with its introduction edited: the reader expects all of it
    # taken over, not "12% edited" beside five shared quotations.
    wire, copy = _statement_copy()
    flag = flag_articles([copy], wire=[wire]).flags[0]
    assert flag.derivation == "wholly-derived"
    assert flag.characters.verbatim + flag.characters.edited == pytest.approx(1.0)
    assert flag.quotes.sentences == 0
    assert flag.quotes.copied_sentences == 3
    assert 0.5 < flag.quotes.copied_characters < flag.characters.verbatim + 1e-9
    assert flag.sources[0].derived == pytest.approx(1.0)


def test_the_near_copy_bar_of_flags_config_decides_whether_quotations_were_taken_over():
    # The same statement copy: its only prose link is the edited introduction, so the quotations
    # count as copied only while that edit is within `near_copy_similarity`.
    wire, copy = _statement_copy()
    lenient = flag_articles([copy], wire=[wire]).flags[0]
    strict = flag_articles([copy], wire=[wire], config=FlagConfig(near_copy_similarity=0.99)).flags[0]
    assert (lenient.quotes.copied_sentences, lenient.quotes.sentences) == (3, 0)
    assert (strict.quotes.copied_sentences, strict.quotes.sentences) == (0, 3)

"""dedup.pairs (sentence and document pair scoring) and dedup.io.pair_readers (read_pairs)."""

from __future__ import annotations

import io
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import cluster
from dedup.errors import DedupError
from dedup.eval import accuracy_f1, data_root, load_lee, load_msrp, load_semeval, load_sts, pearson
from dedup.io.pair_readers import PairRecord, read_pairs
from dedup.io.writers import write_jsonl
from dedup.pairs import (
    SENTENCE_FEATURES,
    DocumentPairScore,
    PairsConfig,
    SentencePairScore,
    score_sentence_pairs,
    sentence_features,
)
from dedup.pipelines.pairs import score_document_pairs

SOURCE = "The central bank raised interest rates by half a point on Tuesday, its third increase this year."
EDITED = "The central bank raised interest rates by half a point on Wednesday, its third increase this year."
REWORDED = "On Tuesday the central bank lifted its interest rate by half a point, the third increase of the year."
UNRELATED = "Heavy snow closed schools and roads across the northern provinces for a second day."


def _batch() -> list[tuple[str, str]]:
    """Four pairs, one of each label, plus a few others so that IDF weights mean something."""
    return [
        (SOURCE, SOURCE),
        (SOURCE, EDITED),
        (SOURCE, REWORDED),
        (SOURCE, UNRELATED),
        ("The minister resigned after the vote.", "Fans queued overnight for the concert tickets."),
        ("Oil prices fell two percent in early trading.", "In early trading oil prices dropped 2 percent."),
    ]


# --- sentence pairs ------------------------------------------------------------------------------


def test_each_kind_of_sentence_pair_gets_its_label():
    labels = [score.label for score in score_sentence_pairs(_batch())]
    assert labels[:4] == ["verbatim", "edited", "rewritten", "different"]
    assert labels[4] == "different"


def test_a_pair_scored_alone_gets_the_same_labels():
    for pair, expected in zip(_batch()[:4], ["verbatim", "edited", "rewritten", "different"]):
        assert score_sentence_pairs([pair])[0].label == expected


def test_verbatim_ignores_spacing_and_quote_style():
    curly = (
        "The central bank \u201craised\u201d interest  rates by half a point on Tuesday, its third increase this year."
    )
    plain = 'The central bank "raised" interest rates by half a point on Tuesday, its third increase this year.'
    [score] = score_sentence_pairs([(curly, plain)])
    assert score.label == "verbatim"
    assert score.similarity == 1.0


def test_similarity_orders_the_pairs_by_sameness():
    scores = score_sentence_pairs(_batch())
    verbatim, edited, reworded, unrelated = (score.similarity for score in scores[:4])
    assert verbatim == 1.0
    assert verbatim > edited > reworded > unrelated >= 0.0
    assert all(0.0 <= score.similarity <= 1.0 for score in scores)


def test_a_changed_figure_lowers_the_rewritten_probability():
    source = "Oil prices fell 2 percent in early trading on Monday after the report."
    same_figure = "After the report, oil prices dropped 2 percent in early Monday trading."
    other_figure = "After the report, oil prices dropped 9 percent in early Monday trading."
    agreeing, disagreeing = score_sentence_pairs([(source, same_figure), (source, other_figure)])
    assert agreeing.features["number_agreement"] == 1.0
    assert disagreeing.features["number_agreement"] == 0.0
    assert disagreeing.features["rewritten_probability"] < agreeing.features["rewritten_probability"]


def test_features_are_named_and_in_range():
    scores = score_sentence_pairs(_batch())
    for score in scores:
        assert isinstance(score, SentencePairScore)
        assert list(score.features) == list(SENTENCE_FEATURES) + ["rewritten_probability"]
        assert all(0.0 <= value <= 1.0 for value in score.features.values())


def test_scores_are_deterministic_and_do_not_depend_on_batch_order():
    batch = _batch()
    first = score_sentence_pairs(batch)
    again = score_sentence_pairs(batch)
    backwards = score_sentence_pairs(batch[::-1])[::-1]
    assert first == again
    for one, other in zip(first, backwards):
        assert one.label == other.label
        assert one.similarity == pytest.approx(other.similarity, abs=1e-12)


def test_sentence_features_match_the_shipped_coefficients():
    matrix = sentence_features(_batch())
    intercept, weights = PairsConfig().rewritten_weights()
    assert matrix.shape == (6, len(SENTENCE_FEATURES)) == (6, len(weights))
    assert intercept < 0 < min(weights)  # every agreement raises the probability of a rewrite


def test_a_pair_without_words_is_never_a_restatement():
    scores = score_sentence_pairs([("...", SOURCE), ("!!", "!!"), ("--", "??")])
    assert [score.label for score in scores] == ["different", "verbatim", "different"]


def test_empty_batch_and_bad_items():
    assert score_sentence_pairs([]) == []
    assert score_document_pairs([]) == []
    with pytest.raises(DedupError, match="sentence pair 1: text2 must be a string"):
        score_sentence_pairs([("a", "b"), ("a", None)])
    with pytest.raises(DedupError, match="document pair 0: expected a \\(text1, text2\\) pair"):
        score_document_pairs(["just one text"])


def test_config_rejects_impossible_values():
    with pytest.raises(ValueError, match="rewritten_probability"):
        PairsConfig(rewritten_probability=1.5)
    with pytest.raises(ValueError, match="rewritten_cosine"):
        PairsConfig(rewritten_cosine=float("nan"))
    with pytest.raises(ValueError, match="char n-gram"):
        PairsConfig(char_ngram_min=5, char_ngram_max=2)


def test_a_stricter_threshold_turns_rewrites_into_different():
    strict = PairsConfig(rewritten_probability=0.999)
    assert score_sentence_pairs([(SOURCE, REWORDED)], config=strict)[0].label == "different"


# --- document pairs ------------------------------------------------------------------------------


def test_document_pairs_get_the_relation_cluster_gives(seed_articles):
    articles = [seed_articles[key] for key in sorted(seed_articles)]
    result = cluster(articles)
    assert result.pairs
    by_pair = {(pair.a, pair.b): pair for pair in result.pairs}
    index_pairs = list(combinations(range(len(articles)), 2))
    scores = score_document_pairs([(articles[i].text, articles[j].text) for i, j in index_pairs])
    compared = 0
    for (i, j), score in zip(index_pairs, scores):
        assert isinstance(score, DocumentPairScore)
        if (i, j) in by_pair:
            assert score.label == by_pair[i, j].relation
            assert score.cosine == pytest.approx(by_pair[i, j].cosine, abs=1e-5)
            compared += 1
    assert compared == len(result.pairs)
    assert scores[index_pairs.index((0, 1))].label == "rewrite"  # 001 rewrites 000


def test_document_similarity_ranks_copies_above_other_reports(seed_articles):
    source, rewrite, other = seed_articles["000"].text, seed_articles["001"].text, seed_articles["002"].text
    copy = source.replace("Pakistan", "Pakistan's government", 1)
    scores = score_document_pairs([(source, source), (source, copy), (source, rewrite), (source, other)])
    assert [score.label for score in scores[:3]] == ["duplicate", "near-duplicate", "rewrite"]
    assert scores[3].label in ("same-story", "unrelated")
    similarities = [score.similarity for score in scores]
    assert similarities == sorted(similarities, reverse=True)
    assert scores[1].shared_a >= 0.8 and scores[1].shared_b >= 0.8


def test_documents_with_nothing_in_common_are_unrelated():
    [score] = score_document_pairs([(SOURCE, UNRELATED)])
    assert score.label == "unrelated"
    assert score.similarity == score.cosine == 0.0


# --- reading pairs -------------------------------------------------------------------------------


def test_jsonl_pairs_keep_other_fields_in_order(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        '{"id": 7, "text1": "A b.", "gold": 1, "text2": "C d.", "note": null}\n\n{"text2": "y", "text1": "x"}\n',
        encoding="utf-8",
    )
    records = list(read_pairs(str(path)))
    assert records[0] == PairRecord("A b.", "C d.", {"id": 7, "gold": 1, "note": None}, f"{path}:1")
    assert list(records[0].fields) == ["id", "gold", "note"]
    assert records[1].origin == f"{path}:3"


def test_tsv_pairs_split_on_tabs_only(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text('id\tText1 \ttext2\r\n1\tHe said "yes, now".\tShe said, "no".\r\n', encoding="utf-8-sig")
    [record] = read_pairs(str(path))
    assert record.text1 == 'He said "yes, now".'
    assert record.text2 == 'She said, "no".'
    assert record.fields == {"id": "1"}
    assert record.origin == f"{path}:2"


def test_pairs_from_stdin():
    stdin = io.StringIO('{"text1": "a", "text2": "b"}\n')
    [record] = read_pairs("-", stdin=stdin)
    assert (record.text1, record.text2, record.origin) == ("a", "b", "<stdin>:1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text1": "a", "text2": "b"}\n{"text1": "a", \n', r"pairs.jsonl:2: malformed JSON Lines record"),
        ('{"text1": "a"}\n', r"pairs.jsonl:1: record has no 'text2'"),
        ('{"text1": "a", "text2": "  "}\n', r"pairs.jsonl:1: empty 'text2'"),
        ('{"text1": 3, "text2": "b"}\n', r"pairs.jsonl:1: 'text1' must be a string, found number"),
        ('["a", "b"]\n', r"pairs.jsonl:1: record is a JSON array"),
        ("\n\n", r"pairs.jsonl: no pairs read"),
    ],
)
def test_bad_jsonl_records_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "pairs.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DedupError, match=message):
        list(read_pairs(str(path)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id\ttext1\n1\ta\n", r"pairs.tsv:1: header has no 'text2' column \(columns: id, text1\)"),
        ("id,text1,text2\n1,a,b\n", r"header has no 'text1' column .*is the file tab-separated\?"),
        ("text1\ttext2\na\tb\tc\n", r"pairs.tsv:2: malformed TSV record: row has 3 fields, header has 2"),
        ("", r"pairs.tsv:1: no header row"),
    ],
)
def test_bad_tsv_files_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "pairs.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DedupError, match=message):
        list(read_pairs(str(path)))


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DedupError, match=r"nope.jsonl: no such file or directory"):
        list(read_pairs(str(tmp_path / "nope.jsonl")))
    (tmp_path / "pairs.csv").write_text("text1,text2\na,b\n", encoding="utf-8")
    with pytest.raises(DedupError, match=r"unsupported file type '.csv'"):
        list(read_pairs(str(tmp_path / "pairs.csv")))


def test_skip_bad_warns_about_every_skipped_record(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"text1": "a", "text2": "b"}\nnot json\n{"text1": "c"}\n{"text1": "d", "text2": "e"}\n')
    warnings: list[str] = []
    records = list(read_pairs(str(path), skip_bad=True, warn=warnings.append))
    assert [record.text1 for record in records] == ["a", "d"]
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{path}:2: malformed") and warnings[1].startswith(f"{path}:3: record has no")


def test_a_cp1252_file_is_read_with_a_warning(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes("text1\ttext2\ncaf\u00e9 \u2013 bar\tx\n".encode("cp1252"))
    warnings: list[str] = []
    [record] = read_pairs(str(path), warn=warnings.append)
    assert record.text1 == "caf\u00e9 \u2013 bar"
    assert warnings == [f"{path}: not UTF-8, read as cp1252"]


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1).filter(str.strip)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _text,
            _text,
            st.dictionaries(st.text(min_size=1).filter(lambda k: k not in ("text1", "text2")), st.integers()),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_jsonl_written_then_read_gives_the_same_pairs(rows):
    stream = io.StringIO()
    write_jsonl(({"text1": a, "text2": b} | extra for a, b, extra in rows), stream)
    stream.seek(0)
    records = list(read_pairs("-", stdin=stream))
    assert [(r.text1, r.text2, r.fields) for r in records] == list(rows)


# --- quality on the public sets (skipped without ../shared/data) --------------------------------

DATA = data_root()
needs_data = pytest.mark.skipif(DATA is None, reason="evaluation data (../shared/data) not found")


@needs_data
def test_msrp_train_accuracy_with_the_shipped_coefficients():
    """Accuracy and F1 of the shipped coefficients on ALL of MSRP train, scored as one batch.

    The coefficients were fitted on this very set, so this is a training-set figure (0.740 / 0.819
    when measured), a regression guard rather than an estimate of quality; the honest estimate is
    the 10-fold cross-validated 0.740 / 0.819 printed by benchmarks/calibrate_pairs.py.
    """
    msrp = load_msrp(DATA / "msrp")
    scores = score_sentence_pairs([(p.text1, p.text2) for p in msrp])
    predicted = [score.label != "different" for score in scores]
    accuracy, f1 = accuracy_f1([p.label for p in msrp], predicted)
    assert accuracy >= 0.73
    assert f1 >= 0.81


@needs_data
def test_sts_dev_news_similarity_correlates_with_people():
    """Pearson r of `similarity` on STS Benchmark dev news (never used for fitting): 0.797 measured."""
    dev = load_sts(DATA / "stsbenchmark", "dev", genre="main-news")
    scores = score_sentence_pairs([(p.text1, p.text2) for p in dev])
    assert pearson([s.similarity for s in scores], [p.score for p in dev]) >= 0.78


@needs_data
def test_document_similarity_correlates_with_people():
    """Pearson r of document `similarity`: SemEval-2022 Task 8 (-Overall) 0.788, Lee 2005 0.577 measured."""
    semeval = [p for p in load_semeval(DATA / "semeval2022-task8-en") if p.text1.strip() and p.text2.strip()]
    scores = score_document_pairs([(p.text1, p.text2) for p in semeval])
    assert pearson([s.similarity for s in scores], [-p.score for p in semeval]) >= 0.76
    documents, ratings = load_lee(DATA / "lee-2005")
    index_pairs = list(combinations(range(len(documents)), 2))
    scores = score_document_pairs([(documents[i], documents[j]) for i, j in index_pairs])
    assert pearson([s.similarity for s in scores], [ratings[i, j] for i, j in index_pairs]) >= 0.55

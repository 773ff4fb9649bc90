"""Loaders for the evaluation sets and the metrics over them.

Every small-slice test writes its own made-up records in the set's format (with the set's quirks);
the real sets are only read, from ../shared/data or $DEDUP_DATA, by the tests marked `real_data`.
"""

from __future__ import annotations

import json
import os
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.errors import DedupError
from dedup.eval import (
    DocPair,
    LabelledArticle,
    Passage,
    SentencePair,
    STSPair,
    accuracy_f1,
    adjusted_rand,
    data_root,
    load_lee,
    load_msrp,
    load_pan,
    load_semeval,
    load_sts,
    load_wikiref,
    pairwise_prf,
    pearson,
    span_overlap,
)


def _real_data() -> Path | None:
    override = os.environ.get("DEDUP_DATA")
    root = Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root if root.is_dir() else None


REAL_DATA = _real_data()
real_data = pytest.mark.skipif(REAL_DATA is None, reason="evaluation data (../shared/data) not present")


def _real_set(name: str) -> Path:
    assert REAL_DATA is not None
    folder = REAL_DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return folder


# --- MSRP -------------------------------------------------------------------------------------------

MSRP_HEADER = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"


def _write_msrp(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "msr_paraphrase_train.txt"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    return path


def test_msrp_reads_bom_header_and_quoted_strings(tmp_path: Path) -> None:
    _write_msrp(
        tmp_path,
        MSRP_HEADER + "\n"
        '1\t11\t12\tThe mayor said "no comment" on Tuesday.\tOn Tuesday the mayor offered "no comment".\n'
        '0\t21\t22\tA "quiet" harbour reopened.\tThe ferry fare rose by 5%, said the port’s chief.',
    )
    pairs = load_msrp(tmp_path)
    assert pairs == [
        SentencePair(
            id="11-12",
            text1='The mayor said "no comment" on Tuesday.',
            text2='On Tuesday the mayor offered "no comment".',
            label=1.0,
        ),
        SentencePair(
            id="21-22",
            text1='A "quiet" harbour reopened.',
            text2="The ferry fare rose by 5%, said the port’s chief.",
            label=0.0,
        ),
    ]


def test_msrp_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = _write_msrp(tmp_path, MSRP_HEADER + "\n1\t1\t2\tonly one sentence\n")
    with pytest.raises(DedupError, match=rf"{path}:2: expected 5 tab-separated fields, found 4"):
        load_msrp(tmp_path)


def test_msrp_bad_quality_and_header(tmp_path: Path) -> None:
    path = _write_msrp(tmp_path / "a", MSRP_HEADER + "\nyes\t1\t2\tOne.\tTwo.\n")
    with pytest.raises(DedupError, match=rf"{path}:2: quality must be 0 or 1"):
        load_msrp(tmp_path / "a")
    path = _write_msrp(tmp_path / "b", "Label\tA\tB\tC\tD\n")
    with pytest.raises(DedupError, match=rf"{path}:1: expected the header"):
        load_msrp(tmp_path / "b")


# --- STS Benchmark ---------------------------------------------------------------------------------


def _write_sts(folder: Path) -> None:
    train = (
        "main-news\tMSRpar\t2012train\t0001\t4.200\tThe council approved the budget.\t"
        "The budget was approved by the council.\r\n"
        'main-forum\tdeft-forum\t2014\t0002\t1.5\tIs it "safe" to swim?\tSwimming is fun.\r\n'
    )
    dev = (
        "main-captions\tMSRvid\t2012test\t0001\t5.000\tA dog runs.\tA dog is running.\n"
        "main-news\theadlines\t2016\t0001\t3\tRain floods town\tTown flooded after rain\t"
        "Some Feed (http://example.org)\tSome Feed (http://example.org)\n"
        "main-forums\tanswers-forums\t2015\t0007\t0.8\tWhy 'this'?\tBecause.\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sts-train.csv").write_bytes(train.encode("utf-8"))
    (folder / "sts-dev.csv").write_bytes(dev.encode("utf-8"))


def test_sts_dev_keeps_extra_fields_out_and_normalises_forum_genre(tmp_path: Path) -> None:
    _write_sts(tmp_path)
    pairs = load_sts(tmp_path)
    assert pairs == [
        STSPair(
            id="MSRvid-2012test-0001",
            genre="main-captions",
            text1="A dog runs.",
            text2="A dog is running.",
            score=5.0,
        ),
        STSPair(
            id="headlines-2016-0001",
            genre="main-news",
            text1="Rain floods town",
            text2="Town flooded after rain",
            score=3.0,
        ),
        STSPair(
            id="answers-forums-2015-0007",
            genre="main-forum",
            text1="Why 'this'?",
            text2="Because.",
            score=0.8,
        ),
    ]
    assert [pair.id for pair in load_sts(tmp_path, split="dev", genre="main-news")] == ["headlines-2016-0001"]
    assert len(load_sts(tmp_path, genre="main-forums")) == 1


def test_sts_train_with_crlf_and_quote(tmp_path: Path) -> None:
    _write_sts(tmp_path)
    pairs = load_sts(tmp_path, split="train")
    assert [pair.score for pair in pairs] == [4.2, 1.5]
    assert pairs[0].text2 == "The budget was approved by the council."
    assert pairs[1].text1 == 'Is it "safe" to swim?'
    assert [pair.genre for pair in load_sts(tmp_path, split="train", genre="main-forum")] == ["main-forum"]


def test_sts_rejects_unknown_options_and_bad_scores(tmp_path: Path) -> None:
    _write_sts(tmp_path)
    with pytest.raises(DedupError, match="split must be one of"):
        load_sts(tmp_path, split="test")
    with pytest.raises(DedupError, match="genre must be one of"):
        load_sts(tmp_path, genre="news")
    (tmp_path / "sts-dev.csv").write_text("main-news\th\t2016\t0001\t7\tA.\tB.\n", encoding="utf-8")
    with pytest.raises(DedupError, match=r"sts-dev.csv:1: score must be within 0-5"):
        load_sts(tmp_path)
    (tmp_path / "sts-dev.csv").write_text("main-news\th\t2016\t0001\tfive\tA.\tB.\n", encoding="utf-8")
    with pytest.raises(DedupError, match=r"sts-dev.csv:1: score must be a number"):
        load_sts(tmp_path)


# --- WikiRef220 ------------------------------------------------------------------------------------


def _write_wikiref(folder: Path) -> None:
    texts = folder / "WikiRef220"
    texts.mkdir(parents=True)
    (texts / "harbour.fire.1.txt").write_bytes("Harbour fire\r\n\r\nCrews fought the blaze – all night.\r\n".encode())
    (texts / "harbour.fire (2).txt").write_bytes(b"Fire out\r\n\r\nThe chief\x92s statement came at dawn.\r\n")
    (texts / "city.vote.7.txt").write_bytes(b"Vote count\r\nTurnout was high.")
    (folder / "labels.tsv").write_text(
        "file\ttopic_label\n"
        "harbour.fire.1.txt\tharbour.fire\n"
        "harbour.fire (2).txt\tharbour.fire\n"
        "city.vote.7.txt\tcity.vote\n",
        encoding="utf-8",
    )


def test_wikiref_decodes_utf8_and_cp1252_and_drops_cr(tmp_path: Path) -> None:
    _write_wikiref(tmp_path)
    articles = load_wikiref(tmp_path)
    assert articles == [
        LabelledArticle(
            id="harbour.fire.1.txt",
            text="Harbour fire\n\nCrews fought the blaze – all night.\n",
            label="harbour.fire",
        ),
        LabelledArticle(
            id="harbour.fire (2).txt",
            text="Fire out\n\nThe chief’s statement came at dawn.\n",
            label="harbour.fire",
        ),
        LabelledArticle(id="city.vote.7.txt", text="Vote count\nTurnout was high.", label="city.vote"),
    ]


def test_wikiref_unlabelled_or_missing_file_is_an_error(tmp_path: Path) -> None:
    _write_wikiref(tmp_path)
    (tmp_path / "WikiRef220" / "stray.1.txt").write_text("Stray", encoding="utf-8")
    with pytest.raises(DedupError, match=r"no label for 1 file.*stray\.1\.txt"):
        load_wikiref(tmp_path)
    (tmp_path / "WikiRef220" / "stray.1.txt").unlink()
    (tmp_path / "WikiRef220" / "city.vote.7.txt").unlink()
    with pytest.raises(DedupError, match=r"city\.vote\.7\.txt: evaluation data file not found"):
        load_wikiref(tmp_path)


def test_wikiref_undecodable_text_names_the_file(tmp_path: Path) -> None:
    _write_wikiref(tmp_path)
    (tmp_path / "WikiRef220" / "city.vote.7.txt").write_bytes(b"Bad \x81 byte")
    with pytest.raises(DedupError, match=r"city\.vote\.7\.txt: neither UTF-8 nor cp1252"):
        load_wikiref(tmp_path)


# --- SemEval-2022 Task 8 ---------------------------------------------------------------------------


def _semeval_record(pair_id: str, text1: str | None, text2: str, overall: float, source: str) -> str:
    record = {
        "pair_id": pair_id,
        "split": "official_train",
        "link1": "https://example.org/a",
        "link2": "https://example.org/b",
        "geography": 1.0,
        "entities": 2.0,
        "time": 1.0,
        "narrative": 2.0,
        "overall": overall,
        "style": 1.5,
        "tone": 1.0,
        "title1": None,
        "text1": text1,
        "title2": None,
        "text2": text2,
        "text_source": source,
    }
    return json.dumps(record, ensure_ascii=False)


def test_semeval_reads_pairs_and_keeps_empty_texts(tmp_path: Path) -> None:
    lines = [
        _semeval_record("1_2", "A bridge closed — for repairs.", "Repairs shut the bridge.", 1.0, "blresearch_full"),
        _semeval_record("3_4", "Markets fell.", "", 3.6666666666666665, "hfl_title_head_tail"),
        _semeval_record("5_6", None, "Only one side.", 4.0, "hfl_title_head_tail"),
    ]
    (tmp_path / "en_pairs_with_text.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs = load_semeval(tmp_path)
    assert pairs == [
        DocPair(
            id="1_2",
            text1="A bridge closed — for repairs.",
            text2="Repairs shut the bridge.",
            score=1.0,
            full_text=True,
        ),
        DocPair(id="3_4", text1="Markets fell.", text2="", score=3.6666666666666665, full_text=False),
        DocPair(id="5_6", text1="", text2="Only one side.", score=4.0, full_text=False),
    ]


def test_semeval_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "en_pairs_with_text.jsonl"
    good = _semeval_record("1_2", "A.", "B.", 2.0, "blresearch_full")
    path.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DedupError, match=rf"{path}:2: not valid JSON"):
        load_semeval(tmp_path)
    path.write_text(good + "\n" + json.dumps({"pair_id": "x", "text1": "A.", "text2": "B."}) + "\n")
    with pytest.raises(DedupError, match=rf"{path}:2: missing field\(s\) overall, text_source"):
        load_semeval(tmp_path)
    path.write_text(_semeval_record("1_2", "A.", "B.", 0.0, "blresearch_full") + "\n")
    with pytest.raises(DedupError, match=rf"{path}:1: overall must be a number within 1-4"):
        load_semeval(tmp_path)


# --- Lee 2005 --------------------------------------------------------------------------------------


def _write_lee(folder: Path, matrix: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    docs = "The minister paid \xa33,000 for the report.\nFloods hit the valley.\nThe valley town cleaned up."
    (folder / "lee.cor").write_bytes(docs.encode("latin-1"))
    (folder / "similarities0-1.txt").write_text(matrix, encoding="ascii")


def test_lee_mirrors_upper_triangle_and_reads_latin1(tmp_path: Path) -> None:
    _write_lee(tmp_path, "1\t0.2\t0.25\n0\t1\t0.8\n0\t0\t1\n")
    documents, similarities = load_lee(tmp_path)
    assert documents == [
        "The minister paid £3,000 for the report.",
        "Floods hit the valley.",
        "The valley town cleaned up.",
    ]
    np.testing.assert_allclose(similarities, [[1, 0.2, 0.25], [0.2, 1, 0.8], [0.25, 0.8, 1]])
    assert similarities[np.triu_indices(3, k=1)].tolist() == [0.2, 0.25, 0.8]


def test_lee_accepts_a_full_symmetric_matrix(tmp_path: Path) -> None:
    _write_lee(tmp_path, "1 0.2 0.25\n0.2 1 0.8\n0.25 0.8 1")
    _, similarities = load_lee(tmp_path)
    np.testing.assert_allclose(similarities, [[1, 0.2, 0.25], [0.2, 1, 0.8], [0.25, 0.8, 1]])


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ("1\t0.2\t0.25\n0\t1\n0\t0\t1\n", r"similarities0-1.txt:2: a 3x3 matrix needs 3 values, found 2"),
        ("1\t0.2\t1.5\n0\t1\t0.8\n0\t0\t1\n", r"similarities0-1.txt:1: value 1.5 in column 3 is outside 0-1"),
        ("1\t0.2\t0.25\n0.3\t1\t0.8\n0\t0\t1\n", r"similarities0-1.txt:2: lower-triangle value 0.3"),
        ("1\t0.2\n0\t1\n", r"a 2x2 matrix for 3 documents"),
        ("1\tx\t0.25\n0\t1\t0.8\n0\t0\t1\n", r"similarities0-1.txt:1: similarity must be a number"),
    ],
)
def test_lee_bad_matrix(tmp_path: Path, matrix: str, message: str) -> None:
    _write_lee(tmp_path, matrix)
    with pytest.raises(DedupError, match=message):
        load_lee(tmp_path)


# --- PAN -------------------------------------------------------------------------------------------


def _truth_xml(susp: str, src: str, features: list[tuple[int, int, int, int]]) -> str:
    lines = [f'<document reference="{susp}">']
    for this_offset, this_length, source_offset, source_length in features:
        lines.append(
            f'<feature name="plagiarism" obfuscation="none" source_length="{source_length}" '
            f'source_offset="{source_offset}" source_reference="{src}" this_length="{this_length}" '
            f'this_offset="{this_offset}" type="artificial" />'
        )
    lines.append("</document>")
    return "\n".join(lines) + "\n"


SUSP_TEXT = "Opening words.\nThe copied passage sits here.\nClosing words."
SRC_TEXT = "Source intro. The copied passage sits here. Source outro."


def _write_pan(folder: Path) -> None:
    for name in ("susp", "src", "truth"):
        (folder / name).mkdir(parents=True)
    (folder / "pairs").write_text(
        "suspicious-document00001.txt source-document00009.txt\n"
        "suspicious-document00001.txt source-document00010.txt\n",
        encoding="ascii",
    )
    (folder / "susp" / "suspicious-document00001.txt").write_text(SUSP_TEXT, encoding="ascii")
    (folder / "src" / "source-document00009.txt").write_text(SRC_TEXT, encoding="ascii")
    (folder / "src" / "source-document00010.txt").write_text("Other source. Closing words.", encoding="ascii")
    (folder / "truth" / "suspicious-document00001-source-document00009.xml").write_text(
        _truth_xml("suspicious-document00001.txt", "source-document00009.txt", [(15, 29, 14, 29)])
    )
    (folder / "truth" / "suspicious-document00001-source-document00010.xml").write_text(
        _truth_xml("suspicious-document00001.txt", "source-document00010.txt", [(0, 8, 0, 5), (45, 14, 15, 14)])
    )


def test_pan_reads_texts_and_gold_passages(tmp_path: Path) -> None:
    _write_pan(tmp_path)
    first, second = load_pan(tmp_path)
    assert (first.susp_id, first.src_id) == ("suspicious-document00001.txt", "source-document00009.txt")
    assert first.susp_text == SUSP_TEXT and first.src_text == SRC_TEXT
    assert first.passages == (Passage(this_offset=15, this_length=29, source_offset=14, source_length=29),)
    start, end = first.passages[0].this_span
    source_start, source_end = first.passages[0].source_span
    assert SUSP_TEXT[start:end] == SRC_TEXT[source_start:source_end] == "The copied passage sits here."
    assert second.src_id == "source-document00010.txt"
    assert second.passages == (Passage(0, 8, 0, 5), Passage(45, 14, 15, 14))


def test_pan_missing_truth_names_the_expected_file(tmp_path: Path) -> None:
    _write_pan(tmp_path)
    truth = tmp_path / "truth" / "suspicious-document00001-source-document00010.xml"
    truth.unlink()
    with pytest.raises(DedupError, match=rf"{truth}: evaluation data file not found"):
        load_pan(tmp_path)


def test_pan_bad_xml_names_file_and_line(tmp_path: Path) -> None:
    _write_pan(tmp_path)
    truth = tmp_path / "truth" / "suspicious-document00001-source-document00009.xml"
    truth.write_text(
        '<document reference="suspicious-document00001.txt">\n'
        '<feature name="plagiarism" this_offset="3" this_length="-1" source_offset="0" source_length="2" />\n'
        "</document>\n"
    )
    with pytest.raises(DedupError, match=rf"{truth}:2: feature needs a non-negative integer this_length"):
        load_pan(tmp_path)
    truth.write_text('<document reference="suspicious-document00001.txt">\n<feature\n')
    with pytest.raises(DedupError, match=rf"{truth}:\d+: malformed XML"):
        load_pan(tmp_path)
    truth.write_text(_truth_xml("suspicious-document00001.txt", "source-document00077.txt", [(1, 2, 3, 4)]))
    with pytest.raises(DedupError, match=rf"{truth}:2: source_reference 'source-document00077.txt'"):
        load_pan(tmp_path)


# --- every loader: missing folder or file ----------------------------------------------------------

LOADERS = [load_msrp, load_sts, load_wikiref, load_semeval, load_lee, load_pan]


@pytest.mark.parametrize("loader", LOADERS)
def test_missing_folder_is_named(tmp_path: Path, loader) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DedupError, match=rf"{missing}: evaluation data folder not found"):
        loader(missing)


@pytest.mark.parametrize(
    ("loader", "expected"),
    [
        (load_msrp, "msr_paraphrase_train.txt"),
        (load_sts, "sts-dev.csv"),
        (load_wikiref, "labels.tsv"),
        (load_semeval, "en_pairs_with_text.jsonl"),
        (load_lee, "lee.cor"),
        (load_pan, "pairs"),
    ],
)
def test_missing_file_is_named(tmp_path: Path, loader, expected: str) -> None:
    with pytest.raises(DedupError, match=rf"{tmp_path / expected}: evaluation data file not found"):
        loader(tmp_path)


# --- data_root -------------------------------------------------------------------------------------


def test_data_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_DATA", str(tmp_path))
    assert data_root() == tmp_path.resolve()
    monkeypatch.setenv("DEDUP_DATA", str(tmp_path / "absent"))
    assert data_root() is None


def test_data_root_looks_next_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "shared" / "data"
    data.mkdir(parents=True)
    (tmp_path / "project").mkdir()
    monkeypatch.delenv("DEDUP_DATA", raising=False)
    monkeypatch.chdir(tmp_path / "project")
    assert data_root() == data.resolve()


# --- metrics ---------------------------------------------------------------------------------------


def test_pairwise_prf_hand_computed() -> None:
    # gold {a,b,c} {d,e}: 4 pairs; predicted {a,b} {c,d,e}: 4 pairs; shared: ab, de.
    precision, recall, f1 = pairwise_prf(["x", "x", "x", "y", "y"], [1, 1, 2, 2, 2])
    assert (precision, recall, f1) == pytest.approx((0.5, 0.5, 0.5))
    # one cluster for all: every gold pair found, 4 of 10 predicted pairs right.
    assert pairwise_prf(["x", "x", "x", "y", "y"], [0] * 5) == pytest.approx((0.4, 1.0, 4 / 7))
    # all singletons on both sides: nothing claimed, nothing missed.
    assert pairwise_prf([1, 2, 3], [7, 8, 9]) == (1.0, 1.0, 1.0)
    assert pairwise_prf([1, 1, 2], [7, 8, 9]) == (1.0, 0.0, 0.0)


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=25),
)
def test_pairwise_prf_matches_counting_every_pair(labelled: list[tuple[int, int]]) -> None:
    both = claimed = gold = 0
    for (true_a, pred_a), (true_b, pred_b) in combinations(labelled, 2):
        gold += true_a == true_b
        claimed += pred_a == pred_b
        both += true_a == true_b and pred_a == pred_b
    precision, recall, _ = pairwise_prf([t for t, _ in labelled], [p for _, p in labelled])
    assert precision == pytest.approx(both / claimed if claimed else 1.0)
    assert recall == pytest.approx(both / gold if gold else 1.0)


def test_adjusted_rand_hand_computed() -> None:
    assert adjusted_rand([0, 0, 1, 1], ["b", "b", "a", "a"]) == 1.0
    # contingency [[1,1],[1,1]]: index 0, expected 2*2/6 = 2/3, max 2 -> ARI = (0 - 2/3) / (2 - 2/3) = -0.5
    assert adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def test_pearson_hand_computed() -> None:
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # x centred (-1,0,1), y centred (-1,1,0): r = 1 / (sqrt(2)*sqrt(2)) = 0.5
    assert pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert np.isnan(pearson([1, 1, 1], [1, 2, 3]))
    with pytest.raises(DedupError, match="same length"):
        pearson([1, 2], [1, 2, 3])


def test_accuracy_f1_hand_computed() -> None:
    # tp=2, fp=1, fn=1, tn=1: accuracy 3/5, F1 = 2*2/(2*2+1+1) = 2/3
    accuracy, f1 = accuracy_f1([1, 1, 1, 0, 0], [1.0, 1.0, 0.0, 1.0, 0.0])
    assert (accuracy, f1) == pytest.approx((0.6, 2 / 3))
    assert accuracy_f1([0, 0], [0, 0]) == (1.0, 0.0)
    with pytest.raises(DedupError, match="only 0 and 1"):
        accuracy_f1([0, 2], [0, 1])


def test_span_overlap_rule() -> None:
    gold = (100, 200)
    assert span_overlap((103, 196), gold, tolerance=5)  # both boundaries within 5
    assert not span_overlap((90, 120), gold, tolerance=5)  # overlap 20 < 50, boundaries far
    assert span_overlap((150, 400), gold, tolerance=0)  # overlap 50 = half of gold
    assert not span_overlap((151, 400), gold, tolerance=0)  # overlap 49
    assert span_overlap((0, 1000), gold, tolerance=0)  # covers gold entirely
    assert not span_overlap((200, 300), gold, tolerance=0)  # touching, no overlap
    with pytest.raises(DedupError, match="tolerance must be >= 0"):
        span_overlap((0, 1), gold, tolerance=-1)
    with pytest.raises(DedupError, match="found span"):
        span_overlap((5, 1), gold, tolerance=0)


# --- the real sets, with the counts in the data README ---------------------------------------------


@real_data
def test_real_msrp_counts() -> None:
    pairs = load_msrp(_real_set("msrp"))
    assert len(pairs) == 4076
    assert sum(pair.label == 1.0 for pair in pairs) == 2753
    assert len({pair.id for pair in pairs}) == 4076


@real_data
def test_real_sts_counts() -> None:
    folder = _real_set("stsbenchmark")
    assert len(load_sts(folder, split="train")) == 5749
    assert len(load_sts(folder, split="train", genre="main-news")) == 3299
    dev = load_sts(folder, split="dev")
    assert len(dev) == 1500
    assert len(load_sts(folder, split="dev", genre="main-news")) == 500
    assert {pair.genre for pair in dev} == {"main-news", "main-captions", "main-forum"}
    assert len({pair.id for pair in dev}) == 1500


@real_data
def test_real_wikiref_counts() -> None:
    articles = load_wikiref(_real_set("wikiref220"))
    assert len(articles) == 220
    assert len({article.label for article in articles}) == 16
    assert not any("\r" in article.text for article in articles)


@real_data
def test_real_semeval_counts() -> None:
    pairs = load_semeval(_real_set("semeval2022-task8-en"))
    assert len(pairs) == 517
    assert sum(pair.full_text for pair in pairs) == 208
    assert all(1.0 <= pair.score <= 4.0 for pair in pairs)


@real_data
def test_real_lee_counts() -> None:
    documents, similarities = load_lee(_real_set("lee-2005"))
    assert len(documents) == 50
    assert similarities.shape == (50, 50)
    np.testing.assert_array_equal(similarities, similarities.T)
    rated = similarities[np.triu_indices(50, k=1)]
    assert rated.size == 1225
    assert rated.min() >= 0.2 and rated.max() <= 1.0


@real_data
def test_real_pan_counts() -> None:
    pairs = load_pan(_real_set("pan13-no-obfuscation"))
    assert len(pairs) == 500
    assert sum(len(pair.passages) for pair in pairs) == 624


def test_event_articles_and_meter_read_their_json_lines(tmp_path: Path) -> None:
    from dedup.eval.loaders import load_event_articles, load_meter

    (tmp_path / "docs.jsonl").write_text(
        '{"id": "1", "cluster": "e1", "text": "A quake hit."}\n{"id": "2", "cluster": "e2", "text": "A fire."}\n',
        encoding="utf-8",
    )
    assert [(a.id, a.label) for a in load_event_articles(tmp_path)] == [("1", "e1"), ("2", "e2")]
    meter = tmp_path / "meter"
    meter.mkdir()
    doc = {"id": "d/p1", "kind": "pa", "domain": "courts", "date": "01.03.00", "story": "courts/01.03.00/x"}
    paper = dict(doc, id="d/n1", kind="newspaper", derivation="wholly")
    (meter / "docs.jsonl").write_text(
        "".join(json.dumps(dict(r, source="PA", text="Words here.")) + "\n" for r in (doc, paper)), encoding="utf-8"
    )
    (meter / "annotations.jsonl").write_text(
        json.dumps({"id": "d/n1", "story": "courts/01.03.00/x", "text": "Words here.", "spans": [[0, 99, "New"]]})
        + "\n",
        encoding="utf-8",
    )
    texts, annotations = load_meter(meter)
    assert [(t.kind, t.day, t.derivation) for t in texts] == [
        ("pa", "courts/01.03.00", ""),
        ("newspaper", "courts/01.03.00", "wholly"),
    ]
    assert annotations[0].spans == ((0, 11, "New"),)  # clamped to the text


@pytest.mark.parametrize(
    ("line", "message"),
    [("not json", "not JSON"), ('{"id": 1, "cluster": "e", "text": "t"}', "'id' must be a string")],
)
def test_event_articles_name_the_bad_line(tmp_path: Path, line: str, message: str) -> None:
    from dedup.eval.loaders import load_event_articles

    (tmp_path / "docs.jsonl").write_text('{"id": "1", "cluster": "e", "text": "t"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DedupError, match=rf"docs.jsonl:2: .*{message}"):
        load_event_articles(tmp_path)

"""The evaluation runners and `dedup eval`: each figure is computed the way its set defines it.

Small sets are written by the tests in each set's own format; the sentence and document pair
scorers are replaced by a transparent stand-in where a test checks the harness's arithmetic (signs,
subsets, counts) rather than the scorer's quality.
"""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.errors import DedupError
from dedup.eval.run import (
    EVAL_SETS,
    copied_passages,
    evaluate,
    evaluate_lee,
    evaluate_msrp,
    evaluate_pan,
    evaluate_semeval,
    evaluate_sts,
    evaluate_wikiref,
    locate_sentences,
)
from dedup.model import Article
from dedup.text import prepare

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"


# --- a transparent stand-in for dedup.pairs ---------------------------------------------------------


@dataclass(frozen=True)
class _SentenceScore:
    label: str
    similarity: float
    features: dict


@dataclass(frozen=True)
class _DocumentScore:
    label: str
    similarity: float
    cosine: float
    shared_a: float = 0.0
    shared_b: float = 0.0
    rewritten_a: float = 0.0
    rewritten_b: float = 0.0


def _jaccard(first: str, second: str) -> float:
    a, b = set(first.lower().split()), set(second.lower().split())
    return len(a & b) / len(a | b) if a | b else 0.0


@pytest.fixture
def stand_in_pairs(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """`dedup.pairs` and the document-pairs pipeline (`dedup.pipelines.pairs`) replaced by word
    Jaccard: verbatim when equal, rewritten at >= 0.5, else different."""
    module = types.ModuleType("dedup.pairs")
    module.SENTENCE_FEATURES = ("jaccard",)
    module.SEMANTIC_SENTENCE_FEATURES = ("jaccard",)

    class PairsConfig:
        rewritten_probability = 0.5

    def score_sentence_pairs(pairs, semantic=None):
        assert semantic is None, "the stand-in has no embedding model"
        scores = []
        for first, second in pairs:
            similarity = _jaccard(first, second)
            label = "verbatim" if first == second else "rewritten" if similarity >= 0.5 else "different"
            scores.append(_SentenceScore(label, similarity, {"jaccard": similarity}))
        return scores

    def score_document_pairs(pairs):
        return [_DocumentScore("same-story", _jaccard(a, b), _jaccard(a, b)) for a, b in pairs]

    module.PairsConfig = PairsConfig
    module.score_sentence_pairs = score_sentence_pairs
    pipeline = types.ModuleType("dedup.pipelines.pairs")
    pipeline.score_document_pairs = score_document_pairs
    monkeypatch.setitem(sys.modules, "dedup.pairs", module)
    monkeypatch.setitem(sys.modules, "dedup.pipelines.pairs", pipeline)
    return module


def _figures(figures) -> dict[str, float]:
    return {figure.metric: figure.value for figure in figures}


# --- MSRP and STS -----------------------------------------------------------------------------------


def _write_msrp(folder: Path, rows: list[tuple[int, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"]
    lines += [f"{label}\t{k}\t{k + 1000}\t{a}\t{b}" for k, (label, a, b) in enumerate(rows)]
    (folder / "msr_paraphrase_train.txt").write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8"))
    return folder


def test_msrp_counts_verbatim_edited_and_rewritten_as_paraphrase(tmp_path: Path, stand_in_pairs) -> None:
    folder = _write_msrp(
        tmp_path / "msrp",
        [
            (1, "The council approved the budget.", "The council approved the budget."),  # verbatim: right
            (1, "Shares fell sharply on Monday", "Shares fell on Monday"),  # rewritten: right
            (0, "Rain is due on Friday", "Prices rose in March"),  # different: right
            (0, "The mayor left the city", "The mayor left the town"),  # rewritten: wrong
        ],
    )
    figures = _figures(evaluate_msrp(folder))
    assert figures["accuracy"] == pytest.approx(0.75)
    assert figures["f1"] == pytest.approx(2 * 2 / (2 + 3))
    assert set(figures) == {"accuracy", "f1"}


def test_msrp_cross_validation_refits_on_other_folds_only(tmp_path: Path, stand_in_pairs) -> None:
    base = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    rows = []
    for k in range(12):  # paraphrases share most words; non-paraphrases almost none
        rows.append((1, f"{base} {k}", f"{base} extra{k}"))
        rows.append((0, f"{base} {k}", f"lambda mu nu xi omicron {k}"))
    folder = _write_msrp(tmp_path / "msrp", rows)
    figures = _figures(evaluate_msrp(folder, cv=3))
    assert figures["cv3_accuracy"] == pytest.approx(1.0)
    assert figures["cv3_f1"] == pytest.approx(1.0)
    with pytest.raises(DedupError, match="cannot cross-validate 13 folds"):
        evaluate_msrp(folder, cv=13)
    with pytest.raises(DedupError, match="cv must be an integer >= 2"):
        evaluate_msrp(folder, cv=1)


def test_sts_reports_news_genre_apart_from_all(tmp_path: Path, stand_in_pairs) -> None:
    lines = [
        "main-news\tMSRpar\t2012\t1\t5.0\ta b c d\ta b c d",
        "main-news\theadlines\t2016\t2\t2.5\ta b c d\ta b x y",
        "main-news\theadlines\t2016\t3\t0.0\ta b c d\tw x y z",
        # captions scored against the grain, so only "all" is pulled down
        "main-captions\tMSRvid\t2012\t4\t0.0\tp q r s\tp q r s",
        "main-captions\tMSRvid\t2012\t5\t5.0\tp q r s\tt u v w",
    ]
    folder = tmp_path / "sts"
    folder.mkdir()
    (folder / "sts-dev.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "sts-train.csv").write_text("", encoding="utf-8")
    figures = {figure.metric: figure for figure in evaluate_sts(folder)}
    assert figures["dev_news_pearson"].value == pytest.approx(1.0, abs=0.02)
    assert figures["dev_news_pearson"].count == 3
    assert figures["dev_all_pearson"].value < 0.5
    assert figures["dev_all_pearson"].count == 5


# --- SemEval and Lee --------------------------------------------------------------------------------


def _write_semeval(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(json.dumps(record) for record in records) + "\n"
    (folder / "en_pairs_with_text.jsonl").write_text(text, encoding="utf-8")
    return folder


def test_semeval_correlates_similarity_with_lower_overall_meaning_more_similar(tmp_path: Path, stand_in_pairs) -> None:
    def record(pair_id: str, text1: str, text2: str, overall: float, full: bool) -> dict:
        source = "blresearch_full" if full else "hfl_title_head_tail"
        return {"pair_id": pair_id, "text1": text1, "text2": text2, "overall": overall, "text_source": source}

    folder = _write_semeval(
        tmp_path / "semeval",
        [
            record("1", "a b c d", "a b c d", 1.0, True),  # same story, very similar
            record("2", "a b c d", "a b c x", 2.0, True),
            record("3", "a b c d", "a x y z", 3.5, True),
            record("4", "a b c d", "w x y z", 4.0, False),
            record("5", "a b c d", "a b c d", 4.0, False),  # boilerplate rated dissimilar
            record("6", "", "a b c d", 1.0, True),  # no text: left out
        ],
    )
    figures = {figure.metric: figure for figure in evaluate_semeval(folder)}
    assert figures["full_text_pearson"].value > 0.9
    assert figures["full_text_pearson"].count == 3
    assert figures["all_pearson"].count == 5
    assert figures["all_pearson"].value < figures["full_text_pearson"].value


def test_lee_scores_every_pair_of_documents_against_the_mean_ratings(tmp_path: Path, stand_in_pairs) -> None:
    folder = tmp_path / "lee"
    folder.mkdir()
    documents = ["a b c d", "a b c x", "a b y z", "w x y z"]
    (folder / "lee.cor").write_bytes("\n".join(documents).encode("latin-1"))
    ratings = [[1.0 if i == j else 0.0 for j in range(4)] for i in range(4)]
    for i in range(4):
        for j in range(i + 1, 4):
            ratings[i][j] = _jaccard(documents[i], documents[j])
    matrix = "\n".join("\t".join(f"{value:.4f}" for value in row) for row in ratings) + "\n"
    (folder / "similarities0-1.txt").write_text(matrix, encoding="utf-8")
    (figure,) = evaluate_lee(folder)
    assert figure.count == 6
    assert figure.value == pytest.approx(1.0, abs=1e-3)


# --- WikiRef220 ---------------------------------------------------------------------------------------

OTHER_STORY = [
    "A powerful storm flooded the coastal town of Harwick on Tuesday, forcing hundreds of families from "
    "their homes. Rescue teams used boats to reach residents trapped by the rising river. The mayor of "
    "Harwick declared an emergency and opened the school gymnasium as a shelter for the flood victims. "
    "Forecasters said more heavy rain would fall on the flooded valley before the weekend.",
    "Floodwater covered the streets of Harwick after the river burst its banks during Tuesday's storm. "
    "Boats carried trapped residents to safety while the mayor declared an emergency. Families who fled "
    "the flood spent the night in the school gymnasium shelter. More heavy rain is forecast for the valley, "
    "and rescue teams remain on alert in the coastal town.",
    "Residents of Harwick began cleaning mud from their homes as the flood receded on Thursday. The storm "
    "that struck the coastal town on Tuesday left the river valley under water and hundreds of families "
    "in the school gymnasium shelter. The mayor said the emergency would last until the rain stops and "
    "rescue teams finish checking every flooded street.",
]


def _write_wikiref(folder: Path, labelled: list[tuple[str, str, bytes]]) -> Path:
    texts = folder / "WikiRef220"
    texts.mkdir(parents=True)
    for name, _, raw in labelled:
        (texts / name).write_bytes(raw)
    rows = ["file\ttopic_label"] + [f"{name}\t{label}" for name, label, _ in labelled]
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def wikiref_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five seed articles on one event (plus a wire copy of one) and three made-up ones on a flood, in CRLF cp1252."""
    labelled = [(path.name, "pakistan.missiles", path.read_bytes()) for path in sorted(SEEDS.glob("*.txt"))]
    labelled.append(("wire_copy.txt", "pakistan.missiles", labelled[0][2]))
    labelled += [
        (f"flood{k}.txt", "harwick.flood", text.replace("\n", "\r\n").encode("cp1252"))
        for k, text in enumerate(OTHER_STORY)
    ]
    return _write_wikiref(tmp_path_factory.mktemp("wikiref"), labelled)


def test_wikiref_clusters_two_stories_apart(wikiref_folder: Path) -> None:
    figures = {figure.metric: figure for figure in evaluate_wikiref(wikiref_folder)}
    assert figures["story_ari"].value == pytest.approx(1.0)
    assert figures["story_ari"].count == 9
    assert figures["pair_precision"].value == pytest.approx(1.0)
    assert figures["pair_recall"].value == pytest.approx(1.0)
    # topics of five articles or fewer are noise by the set's readme: only the six seeds count
    assert figures["topic_ari"].count == 6


# --- PAN -----------------------------------------------------------------------------------------------

SOURCE_TEXT = (
    "The old lighthouse on Carrow Point was built in 1871 by the harbour board. Its lamp burned whale oil "
    "until the keepers switched to paraffin in the 1890s. Three families lived in the keepers' cottages at "
    "the foot of the tower. Supplies came by boat once a fortnight, weather permitting. In the great gale "
    "of 1903 the lantern glass shattered and the light went dark for two nights. The board automated the "
    "light in 1962 and the last keeper retired to the village."
)
COPIED = (
    "Its lamp burned whale oil until the keepers switched\nto paraffin in the 1890s. Three families lived in "
    "the keepers'  cottages at\nthe foot of the tower. Supplies came by boat once a fortnight, weather permitting."
)
SUSPICIOUS_TEXT = (
    "Our walking guide covers the northern coast path in six easy stages.\n"
    "Each stage starts at a car park with toilets and a cafe nearby. "
    + COPIED
    + "\nThe path then climbs over the headland towards the fishing village of Brannock.\n"
    "Walkers should carry water, since there is no shop between the two villages.\n"
)
UNRELATED_TEXT = (
    "The chess club meets on Wednesday evenings in the library annex. Beginners are welcome and boards are "
    "provided. The autumn tournament starts in October with a rapid-play round. Members pay a small fee "
    "towards the hire of the room. Last year the club won the county league for the first time."
)


def _write_pan(folder: Path, pairs: list[tuple[str, str, str, str, list[tuple[int, int]]]]) -> Path:
    """Write a PAN folder: (susp name, susp text, src name, src text, [(this_offset, this_length)])."""
    for sub in ("susp", "src", "truth"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    lines = []
    for susp_name, susp_text, src_name, src_text, spans in pairs:
        (folder / "susp" / susp_name).write_text(susp_text, encoding="utf-8")
        (folder / "src" / src_name).write_text(src_text, encoding="utf-8")
        features = "".join(
            f'<feature name="plagiarism" source_reference="{src_name}" this_offset="{start}" '
            f'this_length="{length}" source_offset="0" source_length="{length}"/>\n'
            for start, length in spans
        )
        xml = f'<document reference="{susp_name}">\n{features}</document>\n'
        (folder / "truth" / f"{Path(susp_name).stem}-{Path(src_name).stem}.xml").write_text(xml, encoding="utf-8")
        lines.append(f"{susp_name} {src_name}")
    (folder / "pairs").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_pan_finds_a_copied_passage_at_its_original_offsets(tmp_path: Path) -> None:
    start = SUSPICIOUS_TEXT.index(COPIED)
    folder = _write_pan(
        tmp_path / "pan", [("susp1.txt", SUSPICIOUS_TEXT, "src1.txt", SOURCE_TEXT, [(start, len(COPIED))])]
    )
    figures = {figure.metric: figure for figure in evaluate_pan(folder)}
    assert figures["pairs_found"].value == 1.0
    assert figures["passages_found"].value == 1.0
    assert figures["found_precision"].value == 1.0
    # the found passage starts and ends where the copy does, in the raw text with its line breaks
    assert figures["median_start_error"].value == 0.0
    assert figures["median_end_error"].value == 0.0
    assert figures["median_end_error"].higher_is_better is False


def test_pan_misses_a_passage_the_source_does_not_hold(tmp_path: Path) -> None:
    start = SUSPICIOUS_TEXT.index(COPIED)
    folder = _write_pan(
        tmp_path / "pan",
        [
            ("susp1.txt", SUSPICIOUS_TEXT, "src1.txt", SOURCE_TEXT, [(start, len(COPIED))]),
            ("susp1.txt", SUSPICIOUS_TEXT, "src2.txt", UNRELATED_TEXT, [(start, len(COPIED))]),
        ],
    )
    figures = {figure.metric: figure for figure in evaluate_pan(folder)}
    assert figures["pairs_found"].value == 0.5
    assert figures["passages_found"].value == 0.5
    assert figures["passages_found"].count == 2


def test_pan_tolerance_decides_how_far_off_a_boundary_may_be(tmp_path: Path) -> None:
    start = SUSPICIOUS_TEXT.index(COPIED)
    # gold offsets drift 40 characters late and claim 4x the copy's length, as a damaged copy might
    drifted = [(start + 40, 4 * len(COPIED))]
    folder = _write_pan(tmp_path / "pan", [("susp1.txt", SUSPICIOUS_TEXT, "src1.txt", SOURCE_TEXT, drifted)])
    assert _figures(evaluate_pan(folder, tolerance=25))["passages_found"] == 0.0
    assert _figures(evaluate_pan(folder, tolerance=1000))["passages_found"] == 1.0


def test_locate_sentences_maps_normalised_sentences_back_to_the_raw_text() -> None:
    raw = (
        "LONDON (Reuters) - The \u201cnew\u201d bridge  opened on Monday.\r\n"
        "It cost \u00a31.2 million,\r\nofficials said.\n\n"
        "Traffic\u2014light at first\u2014grew by noon."
    )
    document = prepare(Article(id="a", text=raw))
    spans = locate_sentences(raw, document.sentences)
    located = [raw[start:end] for start, end in spans]
    assert located == [
        "The \u201cnew\u201d bridge  opened on Monday.",
        "It cost \u00a31.2 million,\r\nofficials said.",
        "Traffic\u2014light at first\u2014grew by noon.",
    ]


_WORDS = st.lists(st.sampled_from(["port", "ships", "Ferry", "storm", "7", "closed", "harbour's", "crew"]), min_size=2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_WORDS, min_size=1, max_size=5),
    st.lists(st.sampled_from([" ", "  ", "\n", "\r\n", " \t"]), min_size=1),
)
def test_every_located_sentence_holds_its_words_in_order(sentences: list[list[str]], gaps: list[str]) -> None:
    pieces = []
    for k, sentence_words in enumerate(sentences):
        text = ""
        for m, word in enumerate(sentence_words):
            text += word if m == 0 else gaps[(k + m) % len(gaps)] + word
        pieces.append(text[0].upper() + text[1:] + ".")
    raw = "\n\n".join(pieces)
    document = prepare(Article(id="a", text=raw))
    spans = locate_sentences(raw, document.sentences)
    previous_end = 0
    for sentence, span in zip(document.sentences, spans):
        assert span is not None
        start, end = span
        assert start >= previous_end
        assert re.findall(r"[^\W_]+", raw[start:end].lower()) == re.findall(r"[^\W_]+", sentence.text.lower())
        previous_end = end


def test_copied_passages_bridge_one_missing_sentence_but_not_more() -> None:
    raw = "One boat. Two birds. Three cats. Four dogs. Five eels. Six fish. Seven geese."
    document = prepare(Article(id="a", text=raw))
    assert len(document.sentences) == 7
    passages = copied_passages(raw, document.sentences, [0, 2, 6])
    assert passages == [(0, raw.index(" Four")), (raw.index("Seven"), len(raw))]


# --- the registry and the command --------------------------------------------------------------------


def test_every_set_has_a_runner_and_a_folder_and_unknown_names_fail() -> None:
    assert list(EVAL_SETS) == [
        "msrp",
        "sts",
        "wikiref",
        "ecbplus",
        "duc2004",
        "meter",
        "semeval",
        "lee",
        "pan",
        "msrp-semantic",
        "sts-semantic",
    ]
    with pytest.raises(DedupError, match="unknown evaluation set 'quora'"):
        evaluate("quora", "/nowhere")
    with pytest.raises(DedupError, match="evaluation data folder not found"):
        evaluate("wikiref", "/nowhere/wikiref220")


def test_dedup_eval_prints_a_table_and_json(wikiref_folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    floors = tmp_path / "floors.json"
    table = runner.invoke(main, ["eval", "wikiref", str(wikiref_folder), "--floors", str(floors)])
    assert table.exit_code == 0, table.output
    assert re.search(r"^wikiref\s+story_ari\s+1\.000\s+-\s+9\s+story ARI", table.stdout, re.M)
    assert "no floor stored" in table.stderr
    as_json = runner.invoke(main, ["eval", "wikiref", str(wikiref_folder), "--json", "--floors", str(floors)])
    assert as_json.exit_code == 0
    record = json.loads(as_json.stdout)
    values = {figure["key"]: figure["value"] for figure in record["figures"]}
    assert values["wikiref/story_ari"] == pytest.approx(1.0)
    assert record["version"] and set(record["seconds"]) == {"wikiref"}


def test_dedup_eval_markdown_is_the_readme_table(wikiref_folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["eval", "wikiref", str(wikiref_folder), "--markdown", "--floors", str(tmp_path / "none.json")]
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "| set | figure | value | n | what |"
    assert "| WikiRef220 | `story_ari` | 1.000 | 9 | story ARI, all articles |" in lines


def test_dedup_eval_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["eval", "pan", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("dedup: error: ") and "evaluation data folder not found" in missing.stderr
    assert missing.stderr.count("\n") == 1
    both = runner.invoke(main, ["eval", "pan", str(tmp_path), "--json", "--markdown"])
    assert both.exit_code == 2 and "choose one output format" in both.stderr
    unknown = runner.invoke(main, ["eval", "quora"])
    assert unknown.exit_code == 2 and "quora" in unknown.stderr


def test_markdown_rows_keep_their_columns_when_a_description_holds_a_bar() -> None:
    from dedup.cli.eval import figure_markdown
    from dedup.eval.run import Figure

    (row,) = list(figure_markdown([Figure("lee", "pearson", 0.5, 3, "r of a | b")]))[2:]
    assert row == "| Lee 2005 | `pearson` | 0.500 | 3 | r of a \\| b |"

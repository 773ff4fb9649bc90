"""Runners: score `dedup` with its shipped defaults against each public set, one runner per set.

Every runner reads one set's folder with its loader, runs the library exactly as a user would
(`dedup.cluster`, `dedup.diff`, and the pair scorers of `dedup.pairs`) and returns `Figure` values;
nothing is fitted on the pairs that are scored. The one exception is ``cv`` for MSRP, which
cross-validates a decision threshold on the training split and reports it apart, as what a tuned
threshold would reach, next to the shipped one.

Nothing here prints; `dedup.cli.eval` renders the figures and `dedup.eval.floors` guards them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dedup.errors import DedupError
from dedup.eval.loaders import (
    MeterAnnotation,
    MeterText,
    PathLike,
    load_event_articles,
    load_lee,
    load_meter,
    load_msrp,
    load_pan,
    load_semeval,
    load_sts,
    load_wikiref,
)
from dedup.eval.metrics import accuracy_f1, adjusted_rand, pairwise_prf, pearson, span_overlap
from dedup.model import Article, PairDiff, Sentence

if TYPE_CHECKING:
    from dedup.flag import FlagConfig

COPIED_KINDS = frozenset({"verbatim", "edited"})
"""Sentence classes that say a sentence was copied (PAN's passages are copied without obfuscation)."""

REWRITTEN_KINDS = frozenset({"verbatim", "edited", "rewritten"})
"""Sentence labels that answer "rewritten or not" with yes (the MSRP decision)."""

PAN_TOLERANCE = 25
"""Characters each boundary of a found PAN passage may be off by and still match the gold one.

The shared PAN copy lost its non-ASCII characters, so its gold offsets drift (a checked case by
about 18 characters); `span_overlap` also accepts a span that covers half of the gold passage.
"""

PAN_SKIPPED_SENTENCES = 1
"""Copied sentences of the suspicious document separated by at most this many other sentences form
one found passage: a damaged sentence inside a copied passage does not split it in two."""

WIKIREF_NOISE_SIZE = 5
"""Topics with this many articles or fewer are noise, by the WikiRef220 readme."""


@dataclass(frozen=True)
class Figure:
    """One measured quality figure: what users compare, and what CI guards with a floor.

    Attributes
    ----------
    dataset : str
        The set's name in `EVAL_SETS` (``"wikiref"``).
    metric : str
        A stable identifier of the figure within its set (``"story_ari"``); the floor is keyed by
        ``dataset/metric``, so renaming one drops its floor.
    value : float
    count : int
        How many items (pairs, articles, passages) it was measured on.
    description : str
        One line saying what was measured, for the table.
    higher_is_better : bool
        False for errors (e.g. offsets in characters), whose guard is a ceiling, not a floor.
    unit : str
        ``""`` for scores in [-1, 1] (ARI, accuracy, F1, Pearson r, shares); ``"chars"`` for
        character offsets.
    """

    dataset: str
    metric: str
    value: float
    count: int
    description: str
    higher_is_better: bool = True
    unit: str = ""

    @property
    def key(self) -> str:
        """``dataset/metric``: the name of this figure in the floors file."""
        return f"{self.dataset}/{self.metric}"


Runner = Callable[..., list[Figure]]


@dataclass(frozen=True)
class EvalSet:
    """A set the harness knows: its folder under the data root and the runner that scores it."""

    name: str
    folder: str
    runner: Runner
    summary: str
    in_all: bool = True
    """Whether `dedup eval all` runs it (not the sets that need the ``semantic`` extra)."""


# --- sentence pairs: MSRP and STS ----------------------------------------------------------------


def evaluate_msrp(folder: PathLike, *, cv: int | None = None, semantic: bool = False) -> list[Figure]:
    """Accuracy and F1 of the sentence "rewritten or not" decision on the MSRP training split.

    A pair counts as predicted paraphrase when `dedup.pairs.score_sentence_pairs` labels it
    verbatim, edited or rewritten, with the shipped constants. Those constants (the
    rewritten-or-different regression) were fitted on this very split, so ``accuracy`` and ``f1``
    are in-sample figures: they guard against regressions but overstate what unseen news scores.
    The honest figure is the cross-validated one (`cv`).

    Parameters
    ----------
    folder : str or os.PathLike
        The ``msrp/`` folder.
    cv : int, optional
        Also cross-validate the shipped model in `cv` stratified folds (shuffled, seed 0): the
        rewritten-or-different regression (`refit_rewritten`) is refitted on the other folds and
        each held-out fold is labelled with it, the word rules for verbatim and edited unchanged.
        Reported as ``cv<K>_accuracy`` and ``cv<K>_f1``, over all held-out predictions.
    semantic : bool
        Score with the embedding model (`dedup.semantic`, the ``semantic`` extra) and its
        regression; the figures are then named ``msrp-semantic/...``.

    Returns
    -------
    list of Figure
    """
    from dedup.pairs import SEMANTIC_SENTENCE_FEATURES, SENTENCE_FEATURES, PairsConfig, score_sentence_pairs

    if cv is not None and (isinstance(cv, bool) or not isinstance(cv, int) or cv < 2):
        msg = f"cv must be an integer >= 2 (the number of folds), got {cv!r}"
        raise DedupError(msg)
    pairs = load_msrp(folder)
    encoder = _encoder() if semantic else None
    dataset = "msrp-semantic" if semantic else "msrp"
    scores = score_sentence_pairs([(pair.text1, pair.text2) for pair in pairs], semantic=encoder)
    gold = np.array([pair.label for pair in pairs])
    predicted = np.array([score.label in REWRITTEN_KINDS for score in scores], dtype=float)
    accuracy, f1 = accuracy_f1(gold, predicted)
    count = len(pairs)
    majority = max(gold.mean(), 1.0 - gold.mean())
    figures = [
        Figure(dataset, "accuracy", accuracy, count, f"train split, in-sample (majority class {majority:.3f})"),
        Figure(dataset, "f1", f1, count, "F1 of the paraphrase class, train split, in-sample"),
    ]
    if cv is not None:
        names = SEMANTIC_SENTENCE_FEATURES if semantic else SENTENCE_FEATURES
        features = np.array([[score.features[name] for name in names] for score in scores])
        by_rule = np.array([score.label in COPIED_KINDS for score in scores])
        held_out = cross_validate_rewritten(features, by_rule, gold, folds=cv, cut=PairsConfig().rewritten_probability)
        cv_accuracy, cv_f1 = accuracy_f1(gold, held_out)
        note = f"{cv}-fold CV, regression refitted on the other folds"
        figures += [
            Figure(dataset, f"cv{cv}_accuracy", cv_accuracy, count, note),
            Figure(dataset, f"cv{cv}_f1", cv_f1, count, note),
        ]
    return figures


def cross_validate_rewritten(
    features: np.ndarray, by_rule: np.ndarray, gold: np.ndarray, *, folds: int, cut: float, seed: int = 0
) -> np.ndarray:
    """Held-out "restates or not" decisions with the rewritten-or-different regression refitted per fold.

    The model has the shipped form (a logistic regression, L2 with C=1, on standardised
    features; see `dedup.pairs.PairsConfig`), so the result says what the shipped decision scores
    on pairs it was not fitted on.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, k)
        Each pair's features (`dedup.pairs.SENTENCE_FEATURES` order).
    by_rule : numpy.ndarray of bool, shape (n,)
        Pairs decided by the word rules (verbatim, edited): positive whatever the model says.
    gold : numpy.ndarray of {0, 1}, shape (n,)
    folds : int
        Number of stratified folds, shuffled with `seed`.
    cut : float
        Probability at or above which a pair is rewritten.

    Returns
    -------
    numpy.ndarray of float, shape (n,)
        1.0 where the held-out decision is "restates".
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    smallest_class = min(Counter(gold.tolist()).values()) if len(gold) else 0
    if folds > smallest_class:
        msg = f"cannot cross-validate {folds} folds: one class has only {smallest_class} pair(s)"
        raise DedupError(msg)
    decided = np.zeros(len(gold))
    for train, held_out in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(features, gold):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
        model.fit(features[train], gold[train])
        probability = model.predict_proba(features[held_out])[:, 1]
        decided[held_out] = (probability >= cut) | by_rule[held_out]
    return decided


def evaluate_sts(folder: PathLike, *, semantic: bool = False) -> list[Figure]:
    """Pearson r between `dedup`'s sentence similarity and people's 0-5 scores, STS Benchmark dev.

    Reported for the news genre (``main-news``: MSRpar, headlines, deft-news) and for all genres;
    with `semantic`, scored with the embedding model and named ``sts-semantic/...``.
    """
    from dedup.pairs import score_sentence_pairs

    pairs = load_sts(folder, "dev")
    dataset = "sts-semantic" if semantic else "sts"
    scores = score_sentence_pairs(
        [(pair.text1, pair.text2) for pair in pairs], semantic=_encoder() if semantic else None
    )
    similarity = np.array([score.similarity for score in scores], dtype=float)
    gold = np.array([pair.score for pair in pairs])
    news = np.array([pair.genre == "main-news" for pair in pairs])
    return [
        Figure(dataset, "dev_news_pearson", pearson(similarity[news], gold[news]), int(news.sum()), "dev, main-news"),
        Figure(dataset, "dev_all_pearson", pearson(similarity, gold), len(pairs), "dev, all genres"),
    ]


def _encoder():
    """The embedding model, loaded once per process (loading takes seconds)."""
    global _ENCODER
    if _ENCODER is None:
        from dedup.semantic import SentenceEncoder

        _ENCODER = SentenceEncoder()
    return _ENCODER


_ENCODER = None


# --- documents: WikiRef220, SemEval-2022 Task 8, Lee 2005 -----------------------------------------


def evaluate_wikiref(folder: PathLike) -> list[Figure]:
    """Story clustering of `dedup.cluster` (shipped defaults) against the WikiRef220 topic labels.

    Figures: adjusted Rand index over all 220 articles and over the articles of the topics with
    more than five articles (the others are noise by the set's readme), and pairwise precision,
    recall and F1 of "these two are the same story" over all articles.
    """
    labelled = load_wikiref(folder)
    gold, predicted = _stories(labelled, folder)
    precision, recall, f1 = pairwise_prf(gold, predicted)
    sizes = Counter(gold)
    topical = [k for k, label in enumerate(gold) if sizes[label] > WIKIREF_NOISE_SIZE]
    count = len(labelled)
    figures = [Figure("wikiref", "story_ari", adjusted_rand(gold, predicted), count, "story ARI, all articles")]
    if topical:
        topical_ari = adjusted_rand([gold[k] for k in topical], [predicted[k] for k in topical])
        big = sum(1 for size in sizes.values() if size > WIKIREF_NOISE_SIZE)
        figures.append(Figure("wikiref", "topic_ari", topical_ari, len(topical), f"story ARI, the {big} real topics"))
    return figures + [
        Figure("wikiref", "pair_precision", precision, count, "same-story pairs: precision"),
        Figure("wikiref", "pair_recall", recall, count, "same-story pairs: recall"),
        Figure("wikiref", "pair_f1", f1, count, "same-story pairs: F1"),
    ]


def _stories(labelled: Sequence, folder: PathLike) -> tuple[list[str], list[int]]:
    """Gold labels and `dedup.cluster`'s story numbers (shipped defaults, one batch) of labelled articles."""
    from dedup import cluster

    if not labelled:
        msg = f"{folder}: no articles to cluster"
        raise DedupError(msg)
    result = cluster([Article(id=item.id, text=item.text, origin=item.id) for item in labelled])
    story_of = {member.id: group.story for group in result.groups for member in group.members}
    return [item.label for item in labelled], [story_of[item.id] for item in labelled]


REFERENCE_STORY_DISTANCE = 0.85
"""Cosine distance at which the plain reference clustering stops merging: TF-IDF (sublinear, English
stop words) with average linkage, nothing tuned per set; it reaches ARI of about 0.80 on each half of
ECB+ and DUC 2004 (../shared/data/README.md)."""


def reference_stories(texts: Sequence[str]) -> list[int]:
    """Story labels from the plain reference clustering (see `REFERENCE_STORY_DISTANCE`), for the
    figures that put `dedup`'s story ARI beside what a hand-written pipeline reaches."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return [0] * len(texts)
    vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=REFERENCE_STORY_DISTANCE
    )
    return clustering.fit_predict(vectors).tolist()


def evaluate_events(folder: PathLike, *, dataset: str) -> list[Figure]:
    """Event-level story clustering of `dedup.cluster` (shipped defaults, the whole set as one batch)
    against the event labels of ECB+ or DUC 2004, beside the plain reference clustering.

    Figures: story ARI, pairwise precision and recall of "same story", and the reference's ARI.
    """
    labelled = load_event_articles(folder)
    gold, predicted = _stories(labelled, folder)
    precision, recall, _ = pairwise_prf(gold, predicted)
    count = len(labelled)
    stories = f"story ARI ({len(set(predicted))} stories found, {len(set(gold))} events)"
    return [
        Figure(dataset, "story_ari", adjusted_rand(gold, predicted), count, stories),
        Figure(dataset, "pair_precision", precision, count, "same-story pairs: precision"),
        Figure(dataset, "pair_recall", recall, count, "same-story pairs: recall"),
        Figure(
            dataset,
            "reference_ari",
            adjusted_rand(gold, reference_stories([item.text for item in labelled])),
            count,
            "story ARI of the plain reference (TF-IDF, average link at cosine distance 0.85)",
        ),
    ]


METER_DERIVATION_LABELS = {"wholly": "wholly-derived", "partially": "partially-derived", "non": "non-derived"}
METER_DIFF_CLASS = {"verbatim": "Verbatim", "edited": "Verbatim", "quote": "Verbatim", "rewritten": "Rewrite"}
"""How a diff's link kinds answer METER's word labels; a sentence of B in no link is ``New``."""
_METER_WORD = re.compile(r"[a-z0-9]+")
# A diff sentence takes the majority label of the annotated words found in it, when at least
# this many (and half its words) were found: the word matching of ../shared/tools/meter_eval.py.
_METER_MIN_WORDS = 3
_METER_LOOKAHEAD = 40


def evaluate_meter(folder: PathLike) -> list[Figure]:
    """`dedup flag`, `dedup diff` and `dedup cluster` (shipped defaults) on METER, scored as
    ../shared/tools/meter_eval.py scores the command line, day by day.

    - flag: each day's PA copy is the wire set and that day's newspaper stories the input;
      macro-F1 over wholly / partially / non derived, and derived-or-not accuracy.
    - diff: A is the PA copy of an annotated article's story (its texts joined by blank lines), B
      the article; each B sentence gets the majority label of its annotated words and is compared
      with the diff's class (`METER_DIFF_CLASS`): sentence macro-F1, and Pearson r of the article's
      derived share (characters outside only-in-B sentences) against the annotators'.
    - cluster: each day's PA and newspaper texts as one batch; story ARI against the catchline
      over all days, and the precision of same-catchline pairs within copy groups.
    """
    from dedup import cluster, diff
    from dedup.pipelines.flag import flag_articles
    from dedup.text import TextCache

    texts, annotations = load_meter(folder)
    days: dict[str, list] = {}
    for text in texts:
        days.setdefault(text.day, []).append(text)
    gold_derivation, predicted_derivation = [], []
    story_gold, story_predicted, group_of = [], [], {}
    for day, batch in sorted(days.items()):
        wire = [Article(id=t.id, text=t.text, source=t.source) for t in batch if t.kind == "pa"]
        papers = [t for t in batch if t.kind == "newspaper"]
        if wire and papers:
            result = flag_articles([Article(id=t.id, text=t.text, source=t.source) for t in papers], wire=wire)
            gold_derivation += [METER_DERIVATION_LABELS[t.derivation] for t in papers]
            predicted_derivation += [flag.derivation for flag in result.flags]
        clusters = cluster([Article(id=t.id, text=t.text, source=t.source) for t in batch])
        for group in clusters.groups:
            for member in group.members:
                group_of[member.id] = (day, group.story, group.group)
        story_gold += [t.story for t in batch]
        story_predicted += [f"{day}/{group_of[t.id][1]}" for t in batch]
    flag_f1 = _macro_f1(gold_derivation, predicted_derivation, tuple(METER_DERIVATION_LABELS.values()))
    catchline_gold, catchline_predicted = _meter_flags_per_catchline(texts)
    story_of = {t.id: t.story for t in texts}
    members: dict[tuple, list[str]] = {}
    for text in texts:
        members.setdefault(group_of[text.id], []).append(text.id)
    copy_pairs = [pair for ids in members.values() for pair in combinations(ids, 2)]
    copy_precision = sum(story_of[a] == story_of[b] for a, b in copy_pairs) / len(copy_pairs) if copy_pairs else 1.0

    pa_of: dict[str, list[str]] = {}
    for text in texts:
        if text.kind == "pa":
            pa_of.setdefault(text.story, []).append(text.text)
    sentence_gold, sentence_predicted, share_gold, share_predicted = [], [], [], []
    cache = TextCache()  # the diffs' own: a story's PA copy is the source of each of its articles
    for number, annotation in enumerate(annotations):
        source = Article(id=f"{number}_pa", text="\n\n".join(pa_of.get(annotation.story, [])))
        result = diff(source, Article(id=f"{number}_{annotation.id}", text=annotation.text), cache=cache)
        gold, predicted, derived_share = meter_sentence_labels(annotation, result)
        sentence_gold += gold
        sentence_predicted += predicted
        share_predicted.append(derived_share)
        share_gold.append(meter_gold_share(annotation))
    diff_f1 = _macro_f1(sentence_gold, sentence_predicted, ("Verbatim", "Rewrite", "New"))
    n_papers, n_sentences = len(gold_derivation), len(sentence_gold)
    return [
        Figure("meter", "flag_macro_f1", flag_f1, n_papers, "flag per day: macro-F1 wholly / partially / non"),
        Figure(
            "meter",
            "flag_derived_accuracy",
            _derived_accuracy(gold_derivation, predicted_derivation),
            n_papers,
            "flag per day: derived or not",
        ),
        Figure(
            "meter",
            "flag_catchline_macro_f1",
            _macro_f1(catchline_gold, catchline_predicted, tuple(METER_DERIVATION_LABELS.values())),
            len(catchline_gold),
            "flag per catchline (Clough et al.'s scope): macro-F1 wholly / partially / non",
        ),
        Figure(
            "meter",
            "flag_catchline_derived_accuracy",
            _derived_accuracy(catchline_gold, catchline_predicted),
            len(catchline_gold),
            "flag per catchline: derived or not",
        ),
        Figure("meter", "diff_macro_f1", diff_f1, n_sentences, "diff per sentence vs word annotation: macro-F1"),
        Figure(
            "meter",
            "diff_share_pearson",
            pearson(share_predicted, share_gold),
            len(annotations),
            "diff: derived share of each article vs the annotators', Pearson r",
        ),
        Figure("meter", "story_ari", adjusted_rand(story_gold, story_predicted), len(texts), "cluster per day: ARI"),
        Figure(
            "meter", "copy_pair_precision", copy_precision, len(copy_pairs), "cluster: copy-group pairs of one story"
        ),
    ]


def _meter_flags_per_catchline(texts: Sequence[MeterText]) -> tuple[list[str], list[str]]:
    """Gold and `dedup flag`'s derivation of each newspaper article against the PA copy of its own
    catchline only: the scope of Clough et al. 2002's published figure (0.664), easier than a day's
    whole wire."""
    from dedup.pipelines.flag import flag_articles

    stories: dict[str, list[MeterText]] = {}
    for text in texts:
        stories.setdefault(text.story, []).append(text)
    gold, predicted = [], []
    for _, batch in sorted(stories.items()):
        wire = [Article(id=t.id, text=t.text, source=t.source) for t in batch if t.kind == "pa"]
        papers = [t for t in batch if t.kind == "newspaper"]
        if wire and papers:
            result = flag_articles([Article(id=t.id, text=t.text, source=t.source) for t in papers], wire=wire)
            gold += [METER_DERIVATION_LABELS[t.derivation] for t in papers]
            predicted += [flag.derivation for flag in result.flags]
    return gold, predicted


def _derived_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of articles whose derived-or-not call (anything but non-derived) matches the gold's."""
    right = sum((g != "non-derived") == (p != "non-derived") for g, p in zip(gold, predicted))
    return right / max(1, len(gold))


def meter_scored_sentences(annotation: MeterAnnotation, result: PairDiff) -> list[tuple[Sentence, str]]:
    """Each diff sentence of B that enough annotated words fall in, with its gold METER class (the
    majority label of its words; ties go to the first in sorted order), in B's order."""
    words = [
        (word, label)
        for start, end, label in annotation.spans
        for word in _METER_WORD.findall(annotation.text[start:end].lower())
    ]
    scored, position = [], 0
    for sentence in result.alignment.b_sentences:
        tokens, labels = _METER_WORD.findall(sentence.text.lower()), []
        for token in tokens:
            end = min(position + _METER_LOOKAHEAD, len(words))
            hit = next((i for i in range(position, end) if words[i][0] == token), None)
            if hit is not None:
                labels.append(words[hit][1])
                position = hit + 1
        if len(labels) >= max(_METER_MIN_WORDS, len(tokens) // 2):
            scored.append((sentence, max(sorted(set(labels)), key=labels.count)))
    return scored


def meter_sentence_labels(annotation: MeterAnnotation, result: PairDiff) -> tuple[list[str], list[str], float]:
    """The gold and predicted METER class of each diff sentence of B that enough annotated words
    fall in (`meter_scored_sentences`), and the diff's derived share of B (characters outside
    only-in-B sentences)."""
    kind_of_b = {j: link.kind for link in result.alignment.links if link.a for j in link.b}
    scored = meter_scored_sentences(annotation, result)
    gold = [label for _, label in scored]
    predicted = [METER_DIFF_CLASS.get(kind_of_b.get(sentence.index, ""), "New") for sentence, _ in scored]
    sentences = result.alignment.b_sentences
    total = sum(len(s.text) for s in sentences) or 1
    new = sum(len(s.text) for s in sentences if s.index not in kind_of_b)
    return gold, predicted, 1 - new / total


def meter_gold_share(annotation: MeterAnnotation) -> float:
    """The annotators' derived share of an article: characters of its non-blank spans marked
    Verbatim or Rewrite, over all its non-blank spans' characters."""
    chars: Counter = Counter()
    for start, end, label in annotation.spans:
        if annotation.text[start:end].strip():
            chars[label] += end - start
    return (chars["Verbatim"] + chars["Rewrite"]) / max(1, sum(chars.values()))


def _macro_f1(gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> float:
    """Mean over `classes` of each class's F1 (0 for a class never predicted right)."""
    scores = []
    for name in classes:
        tp = sum(g == name and p == name for g, p in zip(gold, predicted))
        fp = sum(g != name and p == name for g, p in zip(gold, predicted))
        fn = sum(g == name and p != name for g, p in zip(gold, predicted))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate_semeval(folder: PathLike) -> list[Figure]:
    """Pearson r of `dedup`'s document similarity against SemEval-2022 Task 8 Overall.

    Overall runs from 1 (very similar) to 4 (very dissimilar), so the similarity is correlated with
    ``-overall``. Pairs with an empty text are left out (the count says how many were scored).
    Reported for the full-text pairs and for all pairs (the rest are title + head + tail).
    """
    from dedup.pipelines.pairs import score_document_pairs

    pairs = [pair for pair in load_semeval(folder) if pair.text1.strip() and pair.text2.strip()]
    scores = score_document_pairs([(pair.text1, pair.text2) for pair in pairs])
    similarity = np.array([score.similarity for score in scores], dtype=float)
    closeness = -np.array([pair.score for pair in pairs])
    full = np.array([pair.full_text for pair in pairs])
    return [
        Figure(
            "semeval", "full_text_pearson", pearson(similarity[full], closeness[full]), int(full.sum()), "full texts"
        ),
        Figure("semeval", "all_pearson", pearson(similarity, closeness), len(pairs), "all pairs with both texts"),
    ]


def evaluate_lee(folder: PathLike) -> list[Figure]:
    """Pearson r of `dedup`'s document similarity against the mean human ratings of Lee et al. 2005.

    All 1,225 pairs of the 50 documents (inter-rater agreement is about 0.6; LSA about 0.6).
    """
    from dedup.pipelines.pairs import score_document_pairs

    documents, ratings = load_lee(folder)
    index_pairs = list(combinations(range(len(documents)), 2))
    scores = score_document_pairs([(documents[i], documents[j]) for i, j in index_pairs])
    similarity = np.array([score.similarity for score in scores], dtype=float)
    gold = np.array([ratings[i, j] for i, j in index_pairs])
    return [Figure("lee", "pearson", pearson(similarity, gold), len(index_pairs), "all pairs, mean human rating")]


# --- passages: PAN text alignment ----------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")
_BETWEEN_TOKENS = r"[\W_]*"


def locate_sentences(raw: str, sentences: Sequence[Sentence]) -> list[tuple[int, int] | None]:
    """Character spans, in the ORIGINAL text, of sentences that `dedup.text.prepare` made from it.

    `Sentence.start`/`end` index the normalised body (spaces collapsed, quotes straightened,
    furniture removed), not the text a user has. Each sentence is found by its words, in order:
    a regular expression of its alphanumeric runs that allows any non-word characters between
    them (spaces, line breaks, curly or straight quotes), searched from where the previous
    sentence ended; punctuation that opens or closes the sentence is taken in when the original
    has it there.

    Parameters
    ----------
    raw : str
        The article's text as given to `prepare`.
    sentences : sequence of Sentence
        The document's sentences, in body order.

    Returns
    -------
    list of (start, end) or None
        One half-open span per sentence; None for a sentence that could not be found (one
        without words, or whose words NFKC normalisation changed, such as a ligature).
    """
    spans: list[tuple[int, int] | None] = []
    position = 0
    for sentence in sentences:
        tokens = _TOKEN.findall(sentence.text)
        if not tokens:
            spans.append(None)
            continue
        pattern = _BETWEEN_TOKENS.join(re.escape(token) for token in tokens)
        match = re.compile(pattern, re.IGNORECASE).search(raw, position)
        if match is None:
            spans.append(None)
            continue
        start, end = match.start(), match.end()
        leading = len(sentence.text) - len(sentence.text.lstrip("\"'([{-"))
        while leading and start > position and not raw[start - 1].isspace() and not raw[start - 1].isalnum():
            start -= 1
            leading -= 1
        trailing = len(sentence.text) - len(sentence.text.rstrip(".!?\"')]},;:-"))
        while trailing and end < len(raw) and not raw[end].isspace() and not raw[end].isalnum():
            end += 1
            trailing -= 1
        spans.append((start, end))
        position = end
    return spans


def copied_passages(
    raw: str, sentences: Sequence[Sentence], copied: Sequence[int], *, skipped: int = PAN_SKIPPED_SENTENCES
) -> list[tuple[int, int]]:
    """Join copied sentences into passages, as character spans of the original text.

    Parameters
    ----------
    raw : str
        The original text of the document the sentences come from.
    sentences : sequence of Sentence
        All its sentences (from `prepare`).
    copied : sequence of int
        Indices of the sentences found copied.
    skipped : int
        Copied sentences at most this many sentences apart belong to one passage.

    Returns
    -------
    list of (start, end)
        Passages in text order; sentences that cannot be located are left out.
    """
    located = locate_sentences(raw, sentences)
    passages: list[list[int]] = []
    last_index = None
    for index in sorted(set(copied)):
        span = located[index]
        if span is None:
            continue
        if last_index is not None and index - last_index <= skipped + 1:
            passages[-1][1] = max(passages[-1][1], span[1])
        else:
            passages.append([span[0], span[1]])
        last_index = index
    return [(start, end) for start, end in passages]


def evaluate_pan(folder: PathLike, *, tolerance: int = PAN_TOLERANCE) -> list[Figure]:
    """Whether `dedup.diff` finds the copied passages of PAN pairs, and how close their offsets are.

    Each pair is diffed source-first with the shipped defaults; suspicious-document sentences
    aligned verbatim or edited are joined into passages (`copied_passages`) and mapped back to the
    original text's character offsets. A gold passage is found when a found passage matches it by
    `span_overlap` with `tolerance`.

    Figures: the share of pairs whose every gold passage is found; the share of gold passages
    found; the same share when sentences aligned as rewritten count too (the alignment found the
    passage but labelled it rewritten, e.g. when the two texts break lines, and so sentences,
    differently); the share of found passages that overlap a gold one (precision); the median absolute
    start and end error, in characters, over found gold passages (the best-overlapping match).
    """
    from dedup import diff
    from dedup.text import TextCache

    pairs = load_pan(folder)
    if not pairs:
        msg = f"{folder}: no PAN pairs"
        raise DedupError(msg)
    pairs_found = passages_total = passages_found = passages_aligned = found_total = found_right = 0
    start_errors: list[int] = []
    end_errors: list[int] = []
    cache = TextCache()  # the diffs' own: a source document takes part in several pairs
    for pair in pairs:
        result = diff(
            Article(id=pair.src_id, text=pair.src_text, origin=pair.src_id),
            Article(id=pair.susp_id, text=pair.susp_text, origin=pair.susp_id),
            cache=cache,
        )
        alignment = result.alignment
        copied = [j for link in alignment.links if link.kind in COPIED_KINDS for j in link.b]
        found = copied_passages(pair.susp_text, alignment.b_sentences, copied)
        gold_spans = [passage.this_span for passage in pair.passages]
        aligned = [j for link in alignment.links if link.kind in REWRITTEN_KINDS for j in link.b]
        aligned_spans = copied_passages(pair.susp_text, alignment.b_sentences, aligned)
        passages_aligned += sum(
            1 for gold in gold_spans if any(span_overlap(span, gold, tolerance) for span in aligned_spans)
        )
        found_total += len(found)
        found_right += sum(1 for span in found if any(_overlap(span, gold) > 0 for gold in gold_spans))
        all_found = True
        for gold in gold_spans:
            matches = [span for span in found if span_overlap(span, gold, tolerance)]
            passages_total += 1
            if not matches:
                all_found = False
                continue
            passages_found += 1
            best = max(matches, key=lambda span: (_overlap(span, gold), -abs(span[0] - gold[0])))
            start_errors.append(abs(best[0] - gold[0]))
            end_errors.append(abs(best[1] - gold[1]))
        pairs_found += all_found
    if not passages_total:
        msg = f"{folder}: the truth files hold no passage"
        raise DedupError(msg)
    found_count = len(start_errors)
    nan = float("nan")
    return [
        Figure(
            "pan",
            "pairs_found",
            pairs_found / len(pairs),
            len(pairs),
            f"pairs with every passage found ({tolerance}-char tolerance)",
        ),
        Figure("pan", "passages_found", passages_found / passages_total, passages_total, "gold passages found"),
        Figure(
            "pan",
            "passages_aligned",
            passages_aligned / passages_total,
            passages_total,
            "gold passages found counting rewritten links too",
        ),
        Figure(
            "pan",
            "found_precision",
            found_right / found_total if found_total else 1.0,
            found_total,
            "found passages overlapping a gold one",
        ),
        Figure(
            "pan",
            "median_start_error",
            float(np.median(start_errors)) if found_count else nan,
            found_count,
            "found passages: median absolute start offset error",
            higher_is_better=False,
            unit="chars",
        ),
        Figure(
            "pan",
            "median_end_error",
            float(np.median(end_errors)) if found_count else nan,
            found_count,
            "found passages: median absolute end offset error",
            higher_is_better=False,
            unit="chars",
        ),
    ]


def _overlap(first: tuple[int, int], second: tuple[int, int]) -> int:
    """Characters two half-open spans share."""
    return max(0, min(first[1], second[1]) - max(first[0], second[0]))


# --- the registry -----------------------------------------------------------------------------------

EVAL_SETS: dict[str, EvalSet] = {
    entry.name: entry
    for entry in (
        EvalSet("msrp", "msrp", evaluate_msrp, "MSRP train: sentence rewritten-or-not, accuracy and F1"),
        EvalSet("sts", "stsbenchmark", evaluate_sts, "STS Benchmark dev: sentence similarity, Pearson r"),
        EvalSet("wikiref", "wikiref220", evaluate_wikiref, "WikiRef220: story clustering, ARI and pairwise P/R/F1"),
        EvalSet(
            "ecbplus",
            "ecbplus-dev",
            partial(evaluate_events, dataset="ecbplus"),
            "ECB+ dev half: event-level story clustering, ARI",
        ),
        EvalSet(
            "duc2004",
            "duc2004-dev",
            partial(evaluate_events, dataset="duc2004"),
            "DUC 2004 dev half: event-level story clustering, ARI",
        ),
        EvalSet("meter", "meter-dev", evaluate_meter, "METER dev days: flag, diff and cluster against people"),
        EvalSet("semeval", "semeval2022-task8-en", evaluate_semeval, "SemEval-2022 Task 8: document similarity"),
        EvalSet("lee", "lee-2005", evaluate_lee, "Lee 2005: document similarity, Pearson r"),
        EvalSet("pan", "pan13-no-obfuscation", evaluate_pan, "PAN13 no-obfuscation: copied passages found"),
        EvalSet(
            "msrp-semantic",
            "msrp",
            partial(evaluate_msrp, semantic=True),
            "MSRP train with the embedding model (semantic extra): accuracy and F1",
            in_all=False,
        ),
        EvalSet(
            "sts-semantic",
            "stsbenchmark",
            partial(evaluate_sts, semantic=True),
            "STS Benchmark dev with the embedding model (semantic extra): Pearson r",
            in_all=False,
        ),
    )
}
"""Every set the harness scores, in the order `dedup eval all` runs those marked `in_all`."""


def default_folder(name: str) -> Path:
    """The folder of set `name` under `dedup.eval.data_root()`, or a DedupError saying how to supply it."""
    from dedup.eval import DATA_ENV, data_root

    entry = _entry(name)
    root = data_root()
    if root is None:
        msg = f"{name}: evaluation data not found (looked for ../shared/data; set {DATA_ENV} or give PATH)"
        raise DedupError(msg)
    return root / entry.folder


def evaluate(name: str, folder: PathLike | None = None, *, cv: int | None = None) -> list[Figure]:
    """Score one set by name with the shipped defaults.

    Parameters
    ----------
    name : str
        A key of `EVAL_SETS`.
    folder : str or os.PathLike, optional
        The set's folder; by default ``data_root() / <its folder>``.
    cv : int, optional
        Folds for the sets that cross-validate (MSRP); ignored by the others.

    Returns
    -------
    list of Figure
    """
    entry = _entry(name)
    path = Path(folder) if folder is not None else default_folder(name)
    if entry.folder == "msrp":
        return entry.runner(path, cv=cv)
    return entry.runner(path)


def _entry(name: str) -> EvalSet:
    if name not in EVAL_SETS:
        msg = f"unknown evaluation set {name!r}, expected one of {', '.join(EVAL_SETS)}"
        raise DedupError(msg)
    return EVAL_SETS[name]


def pan_figures(folder: PathLike, *, config: FlagConfig | None = None, limit: int | None = None) -> dict:
    """Flag PAN's suspicious documents against all its source documents and count the outcomes.

    Call it from an evaluation harness. Each suspicious document is an article, every source
    document a wire story; a suspicious document's own sources are those its ``pairs`` rows give,
    every other row's source is a wrong one. `limit` keeps the first rows of ``pairs`` only (a
    quick check). PAN's suspicious documents copy from more sources than this subset's pairs
    list (under other obfuscations), so a "wrong" source is often a real, unlisted copy.

    Returns
    -------
    dict
        ``documents`` and ``wire`` (counts), ``own_source_documents`` (share of suspicious
        documents flagged derived from at least one own source), ``own_source_pairs`` (share of
        gold pairs whose source is among the flagged sources), ``wrong_source_documents`` (share
        flagged derived from at least one wrong source), ``wrong_source_pairs`` (share of
        suspicious-document x wrong-source pairs flagged), and ``derivations`` (label counts).
    """
    from dedup.flag import DERIVATIONS
    from dedup.pipelines.flag import flag_articles

    pairs = load_pan(folder)[:limit]
    suspicious: dict[str, str] = {}
    sources: dict[str, str] = {}
    own: dict[str, set[str]] = {}
    for pair in pairs:
        suspicious[pair.susp_id] = pair.susp_text
        sources[pair.src_id] = pair.src_text
        own.setdefault(pair.susp_id, set()).add(pair.src_id)
    result = flag_articles(
        [Article(id=name, text=text) for name, text in suspicious.items()],
        wire=[Article(id=name, text=text) for name, text in sources.items()],
        config=config,
    )
    own_documents = own_pairs = wrong_documents = wrong_pairs = 0
    derivations = dict.fromkeys(DERIVATIONS, 0)
    for flag in result.flags:
        derivations[flag.derivation] += 1
        flagged = {source.id for source in flag.sources}
        own_documents += bool(flagged & own[flag.id])
        own_pairs += len(flagged & own[flag.id])
        wrong_documents += bool(flagged - own[flag.id])
        wrong_pairs += len(flagged - own[flag.id])
    n_docs, n_pairs = len(suspicious), sum(len(v) for v in own.values())
    negatives = n_docs * len(sources) - n_pairs
    return {
        "documents": n_docs,
        "wire": len(sources),
        "gold_pairs": n_pairs,
        "own_source_documents": own_documents / n_docs,
        "own_source_pairs": own_pairs / n_pairs,
        "wrong_source_documents": wrong_documents / n_docs,
        "wrong_source_pairs": wrong_pairs / max(1, negatives),
        "derivations": derivations,
    }

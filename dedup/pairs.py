"""Scoring given pairs: is sentence B a copy, an edit or a rewrite of sentence A; how do two articles relate.

`dedup cluster` finds pairs itself; here the caller names the pairs (a paraphrase data set, the
output of another system, a list of suspected copies) and gets one verdict per pair.

Sentence pairs get a label (``verbatim``, ``edited``, ``rewritten``, ``different``) and a
similarity. Verbatim and edited are read off the words; the rewritten-or-different decision is a
small logistic regression over a handful of lexical features (TF-IDF and character n-gram cosine,
stem containment, length ratio, agreement of numbers and of negation, word order), whose
coefficients were fitted offline on MSRP train and ship as constants in `PairsConfig`;
``benchmarks/calibrate_pairs.py`` reproduces them. Word weights (IDF) are fitted on the texts of
the batch being scored, never on labels. With the optional embedding model (`dedup.semantic`),
its features join the lexical ones and a second regression, fitted the same way, decides.

Document pairs get the relation `dedup cluster` would give them (the same preparation, spaces and
alignment) and a document similarity: `DocumentPairScore`, made by the document-pairs pipeline
(`dedup.pipelines.pairs.score_document_pairs`).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from dedup.errors import ConfigError, DedupError
from dedup.score import ScoreConfig, row_dots
from dedup.semantic import MODEL_NAME, SEMANTIC_FEATURES, semantic_features
from dedup.text import TextCache, compared_text, content_stems, normalise, words
from dedup.validate import check_text_pairs

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from dedup.semantic import SentenceEncoder

SENTENCE_LABELS = ("verbatim", "edited", "rewritten", "different")
"""Labels of a sentence pair, most alike first; the first three say B restates A."""

SENTENCE_FEATURES = (
    "cosine",
    "char_cosine",
    "containment",
    "length_ratio",
    "number_agreement",
    "negation_agreement",
    "word_ratio",
)
"""Features of a sentence pair, in the order of the coefficients in `PairsConfig`."""

SEMANTIC_SENTENCE_FEATURES = SENTENCE_FEATURES + SEMANTIC_FEATURES
"""Features of a sentence pair scored with the embedding model (`dedup.semantic`), in the order of
`PairsConfig.semantic_rewritten` and `PairsConfig.semantic_similarity` (after their intercept)."""


# Fitted by `benchmarks/calibrate_pairs.py --semantic`, as the lexical constants are (see PairsConfig):
# intercept, then one raw-scale coefficient per SEMANTIC_SENTENCE_FEATURES name. The rewritten
# regression: MSRP train, 4,076 pairs, 10-fold CV accuracy 0.782, F1 0.849 (0.781 / 0.848 and
# 0.780 / 0.848 with fold seeds 1 and 2). token_f1 and token_min are nearly collinear, hence their
# large opposite weights. The similarity: STS Benchmark train news, 3,299 pairs; STS dev news
# (report only) Pearson r 0.866, against 0.834 for the embedding cosine alone.
SEMANTIC_REWRITTEN = (
    -6.5817,
    0.2412,
    2.0584,
    -0.1201,
    3.6234,
    0.4433,
    1.0199,
    2.5389,
    4.0502,
    -15.7484,
    12.4871,
    -0.0385,
    0.0320,
)
SEMANTIC_SIMILARITY = (
    -0.2633,
    0.1488,
    0.1265,
    -0.0333,
    -0.0203,
    0.0863,
    0.0250,
    -0.0331,
    0.7953,
    -0.6923,
    0.8220,
    -0.0005,
    0.0017,
)


@dataclass(frozen=True)
class PairsConfig:
    """Every threshold and coefficient of pair scoring, with where it came from.

    The ``rewritten_*`` fields are the logistic regression that decides rewritten against
    different: P(rewritten) = sigmoid(rewritten_intercept + sum of rewritten_<feature> * feature),
    on raw feature values (see `SENTENCE_FEATURES`). They were fitted by
    ``benchmarks/calibrate_pairs.py`` on the 4,076 MSRP train pairs (L2, C=1 on standardised
    features, then folded back to raw scale): 10-fold cross-validated accuracy 0.740, F1 0.819,
    against 0.713 / 0.808 for a threshold on TF-IDF cosine alone and 0.675 / 0.806 for always
    answering rewritten. The same constants score 0.730 / 0.802 when each pair is its own batch.
    The ``similarity_*`` fields are a least-squares fit of the same features to STS Benchmark train
    scores / 5 (news genre only), clipped to [0, 1]; STS dev news, used only to report, gives
    Pearson r 0.797 (TF-IDF cosine alone 0.772, the regression's probability 0.704).
    """

    # --- sentence pairs: labels read off the words -------------------------------------------------
    # A non-identical pair is `edited` at the difflib word-sequence ratio the alignment uses
    # (`ScoreConfig.edited_ratio`, passed as `score`), about one changed word in ten.
    # Probability of the regression at or above which a pair is `rewritten` rather than `different`.
    rewritten_probability: float = 0.5

    # --- sentence pairs: logistic regression, MSRP train (see the class docstring) ----------------
    rewritten_intercept: float = -8.4088
    rewritten_cosine: float = 0.8220
    rewritten_char_cosine: float = 3.1222
    rewritten_containment: float = 0.8159
    rewritten_length_ratio: float = 4.0007
    rewritten_number_agreement: float = 0.4090
    rewritten_negation_agreement: float = 1.2579
    rewritten_word_ratio: float = 2.0764

    # --- sentence pairs: graded similarity, STS Benchmark train news (see the class docstring) ----
    similarity_intercept: float = -0.0805
    similarity_cosine: float = 0.3305
    similarity_char_cosine: float = 0.4704
    similarity_containment: float = 0.1306
    similarity_length_ratio: float = 0.0244
    similarity_number_agreement: float = 0.0789
    similarity_negation_agreement: float = 0.0603
    similarity_word_ratio: float = 0.0119

    # Character n-gram range of `char_cosine` (word-bounded grams, as sklearn's ``char_wb``).
    char_ngram_min: int = 2
    char_ngram_max: int = 4

    # --- sentence pairs with the embedding model (``semantic=``; the ``semantic`` extra) ------------
    # The same two models refitted on SEMANTIC_SENTENCE_FEATURES (the lexical features, then those of
    # dedup.semantic, all-mpnet-base-v2), intercept first, on the same data and in the same way:
    # `benchmarks/calibrate_pairs.py --semantic`. MSRP train 10-fold CV accuracy 0.782, F1 0.849; STS
    # dev news Pearson r 0.866 (figures at SEMANTIC_REWRITTEN). They belong to `semantic_model` only.
    semantic_model: str = MODEL_NAME
    semantic_rewritten: tuple[float, ...] = SEMANTIC_REWRITTEN
    semantic_similarity: tuple[float, ...] = SEMANTIC_SIMILARITY

    # Document pairs have no parameter of their own: the relation thresholds and sentence classes
    # are `dedup cluster`'s (`ScoreConfig`, `RelationConfig`, passed as `score` and `relation`), so
    # that a pair gets the same relation here as in a cluster run.

    def __post_init__(self) -> None:
        for name in ("rewritten_probability",):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
        for item in fields(self):
            if item.name.startswith(("rewritten_", "similarity_")):
                value = getattr(self, item.name)
                if not isinstance(value, int | float) or not math.isfinite(value):
                    raise ConfigError(f"{item.name} must be a finite number, got {value!r}")
        for name in ("semantic_rewritten", "semantic_similarity"):
            value = getattr(self, name)
            if len(value) != 1 + len(SEMANTIC_SENTENCE_FEATURES) or not all(
                isinstance(v, int | float) and math.isfinite(v) for v in value
            ):
                expected = 1 + len(SEMANTIC_SENTENCE_FEATURES)
                msg = f"{name} must be {expected} finite numbers (intercept, then one per feature)"
                raise ConfigError(msg)
        if not 1 <= self.char_ngram_min <= self.char_ngram_max:
            msg = f"char n-gram range must satisfy 1 <= min <= max, got ({self.char_ngram_min}, {self.char_ngram_max})"
            raise ConfigError(msg)

    def rewritten_weights(self) -> tuple[float, np.ndarray]:
        """(intercept, coefficients in `SENTENCE_FEATURES` order) of the rewritten-or-different model."""
        return self.rewritten_intercept, np.array([getattr(self, f"rewritten_{f}") for f in SENTENCE_FEATURES])

    def similarity_weights(self) -> tuple[float, np.ndarray]:
        """(intercept, coefficients in `SENTENCE_FEATURES` order) of the graded similarity."""
        return self.similarity_intercept, np.array([getattr(self, f"similarity_{f}") for f in SENTENCE_FEATURES])

    def semantic_weights(self) -> tuple[tuple[float, np.ndarray], tuple[float, np.ndarray]]:
        """(intercept, coefficients) of the rewritten model and the similarity, `SEMANTIC_SENTENCE_FEATURES` order."""
        return (
            (self.semantic_rewritten[0], np.array(self.semantic_rewritten[1:], dtype=float)),
            (self.semantic_similarity[0], np.array(self.semantic_similarity[1:], dtype=float)),
        )


@dataclass(frozen=True)
class SentencePairScore:
    """The verdict on one sentence pair.

    `label` is one of `SENTENCE_LABELS`; `similarity` in [0, 1] grows with sameness of meaning
    (1.0 for a verbatim pair); `features` holds the values behind the decision by name
    (`SENTENCE_FEATURES`) plus ``rewritten_probability``, the regression's output.
    """

    label: str
    similarity: float
    features: dict[str, float]


@dataclass(frozen=True)
class DocumentPairScore:
    """The verdict on one document pair, as `dedup cluster` would give it.

    `label` is one of `dedup.model.RELATIONS`; `similarity` in [0, 1] grows with how alike the two
    articles are: it is the cosine, which correlates with people better than coverage or a blend
    of the two (Pearson r against SemEval-2022 Task 8 -Overall: cosine 0.788, mean of cosine and
    coverage 0.765; Lee 2005: 0.577 and 0.496). `cosine` is whole-document TF-IDF cosine;
    `shared_*` the share of each side's characters aligned verbatim or edited and `rewritten_*`
    the share aligned as rewritten.
    """

    label: str
    similarity: float
    cosine: float
    shared_a: float
    shared_b: float
    rewritten_a: float
    rewritten_b: float


# --- sentence features -----------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATIONS = frozenset({"not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without", "cannot"})


def _numbers(text: str) -> set[str]:
    """The numbers written in a text, thousands separators dropped (1,200 and 1200 agree)."""
    return {re.sub(r",(?=\d{3}\b)", "", number) for number in _NUMBER.findall(text)}


def _identity(tokens):
    return tokens


def _batch_cosine(vectorizer: TfidfVectorizer, first: list, second: list) -> np.ndarray:
    """Row-wise cosine of `first[k]` and `second[k]`, with IDF fitted on the distinct texts of both lists.

    Distinct, so that a text repeated across many pairs counts once, as it would in a batch; each
    distinct text is also vectorised once.
    """
    row_of: dict = {}
    for item in first + second:
        row_of.setdefault(tuple(item) if isinstance(item, list) else item, len(row_of))
    try:
        matrix = vectorizer.fit_transform(list(row_of)).tocsr()
    except ValueError:  # no term at all in the batch
        return np.zeros(len(first))
    rows_a = [row_of[tuple(item) if isinstance(item, list) else item] for item in first]
    rows_b = [row_of[tuple(item) if isinstance(item, list) else item] for item in second]
    cosines = row_dots(matrix, np.array(rows_a, dtype=np.int64), np.array(rows_b, dtype=np.int64), dtype=np.float64)
    return np.clip(cosines, 0.0, 1.0)


def _is_negated(tokens: Sequence[str]) -> bool:
    return any(t in _NEGATIONS or t.endswith("n't") for t in tokens)


def sentence_features(pairs: Sequence[tuple[str, str]], *, config: PairsConfig | None = None) -> np.ndarray:
    """Feature matrix, shape (len(pairs), len(SENTENCE_FEATURES)), of sentence pairs.

    Call it to fit or inspect the rewritten-or-different model; `score_sentence_pairs` calls it.
    IDF weights of the two cosines are fitted on the texts of `pairs` (both sides), so a batch of
    news sentences weighs words by how common they are in that batch.

    Parameters
    ----------
    pairs : sequence of (str, str)
        The two texts of each pair.
    config : PairsConfig, optional
        For the character n-gram range.

    Returns
    -------
    numpy.ndarray of float64
        Columns in `SENTENCE_FEATURES` order, every value in [0, 1]:

        - cosine: TF-IDF cosine of content-word stems (sublinear term frequency);
        - char_cosine: TF-IDF cosine of word-bounded character n-grams, which survives spelling
          variants and inflections that stems miss;
        - containment: the smaller of the two sides' shares of content stems found on the other
          side, low when one side adds information the other lacks;
        - length_ratio: shorter over longer word count;
        - number_agreement: Jaccard overlap of the numbers written in each text (1 when neither has
          any): a changed figure changes the claim;
        - negation_agreement: 1 when both or neither text holds a negation (not, no, never, n't);
        - word_ratio: difflib ratio of the word sequences (stop words kept), which rewards the same
          words in the same order; it also decides `edited`.
    """
    config = config or PairsConfig()
    _check_pairs(pairs, "sentence pair")
    return _features(_Prepared.of(pairs), config)


@dataclass(frozen=True)
class _Prepared:
    """Normalised texts and word tokens of both sides of a batch of pairs, computed once."""

    texts_a: list[str]
    texts_b: list[str]
    words_a: list[list[str]]
    words_b: list[list[str]]

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, str]]) -> _Prepared:
        texts_a = [normalise(a) for a, _ in pairs]
        texts_b = [normalise(b) for _, b in pairs]
        return cls(texts_a, texts_b, [words(t) for t in texts_a], [words(t) for t in texts_b])


def _features(prepared: _Prepared, config: PairsConfig) -> np.ndarray:
    texts_a, texts_b, words_a, words_b = prepared.texts_a, prepared.texts_b, prepared.words_a, prepared.words_b
    cache = TextCache()
    stems_a = [content_stems(w, cache=cache) for w in words_a]
    stems_b = [content_stems(w, cache=cache) for w in words_b]
    features = np.zeros((len(texts_a), len(SENTENCE_FEATURES)))
    if not texts_a:
        return features
    from sklearn.feature_extraction.text import TfidfVectorizer  # here: importing scikit-learn takes 1.3 s

    features[:, 0] = _batch_cosine(
        TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float64), stems_a, stems_b
    )
    features[:, 1] = _batch_cosine(
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(config.char_ngram_min, config.char_ngram_max),
            sublinear_tf=True,
            lowercase=True,
            dtype=np.float64,
        ),
        texts_a,
        texts_b,
    )
    for row, (text_a, text_b, tokens_a, tokens_b, terms_a, terms_b) in enumerate(
        zip(texts_a, texts_b, words_a, words_b, stems_a, stems_b)
    ):
        set_a, set_b = set(terms_a), set(terms_b)
        common = len(set_a & set_b)
        features[row, 2] = min(common / len(set_a) if set_a else 1.0, common / len(set_b) if set_b else 1.0)
        features[row, 3] = min(len(tokens_a), len(tokens_b)) / max(len(tokens_a), len(tokens_b), 1)
        numbers_a, numbers_b = _numbers(text_a), _numbers(text_b)
        features[row, 4] = len(numbers_a & numbers_b) / len(numbers_a | numbers_b) if numbers_a or numbers_b else 1.0
        features[row, 5] = float(_is_negated(tokens_a) == _is_negated(tokens_b))
        features[row, 6] = word_ratio(tokens_a, tokens_b)
    return features


def word_ratio(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> float:
    """difflib ratio of two word sequences: 1.0 for the same words in the same order."""
    return difflib.SequenceMatcher(None, tokens_a, tokens_b, autojunk=False).ratio()


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _check_pairs(pairs: Sequence[tuple[str, str]], what: str) -> None:
    check_text_pairs(pairs, what)


def score_sentence_pairs(
    pairs: Sequence[tuple[str, str]],
    *,
    config: PairsConfig | None = None,
    score: ScoreConfig | None = None,
    semantic: SentenceEncoder | None = None,
) -> list[SentencePairScore]:
    """Label sentence pairs verbatim, edited, rewritten or different, with a graded similarity.

    Call it to decide whether one sentence restates another (paraphrase detection), e.g. to check
    a suspected rewrite sentence by sentence or to measure `dedup` on a paraphrase data set.

    Parameters
    ----------
    pairs : sequence of (str, str)
        The two texts of each pair. The whole sequence is one batch: IDF weights are fitted on its
        texts, so score many pairs in one call (the CLI uses batches of a few thousand). A text
        longer than `dedup.text.MAX_ARTICLE_CHARS` is scored from its first characters
        (`dedup.text.compared_text`, as `cluster` compares an article; `cut_warning` says so).
    config : PairsConfig, optional
        Thresholds and coefficients; the shipped, measured ones when omitted.
    score : ScoreConfig, optional
        Its `edited_ratio` is the word-sequence ratio of an `edited` pair, the alignment's own.
    semantic : dedup.semantic.SentenceEncoder, optional
        The embedding model (the ``semantic`` extra). With it, the features of `dedup.semantic`
        join the lexical ones and the models fitted with them (`PairsConfig.semantic_rewritten`,
        `PairsConfig.semantic_similarity`) decide; it is more accurate and 100 to 200 times slower.

    Returns
    -------
    list of SentencePairScore
        One per pair, in order. ``verbatim``: the same words after normalisation; ``edited``: a
        word-sequence ratio of at least `ScoreConfig.edited_ratio`; ``rewritten``: the regression's
        probability reaches `PairsConfig.rewritten_probability`; else ``different``. The result
        for a pair depends on the other pairs of the batch only through the IDF weights.

    Raises
    ------
    DedupError
        When an item is not a pair of strings.
    """
    config = config or PairsConfig()
    edited_ratio = (score or ScoreConfig()).edited_ratio
    _check_pairs(pairs, "sentence pair")
    # A text over MAX_ARTICLE_CHARS is scored from its first characters, as `prepare` compares an
    # article: the features hold about 200 bytes per character of text (a 5 MB pair took 1.3 GB).
    pairs = [(compared_text(a), compared_text(b)) for a, b in pairs]
    prepared = _Prepared.of(pairs)
    features = _features(prepared, config)
    names = SENTENCE_FEATURES
    if semantic is None:
        rewritten, graded = config.rewritten_weights(), config.similarity_weights()
    else:
        if config.semantic_model != MODEL_NAME:
            msg = f"PairsConfig.semantic_* were fitted for {config.semantic_model}, not for {MODEL_NAME}"
            raise DedupError(msg)
        features = np.hstack([features, semantic_features(pairs, semantic)])
        names = SEMANTIC_SENTENCE_FEATURES
        rewritten, graded = config.semantic_weights()
    probability = _sigmoid(rewritten[0] + features @ rewritten[1])
    similarity = np.clip(graded[0] + features @ graded[1], 0.0, 1.0)
    ratios = features[:, SENTENCE_FEATURES.index("word_ratio")]
    scores = []
    for row in range(len(pairs)):
        tokens_a, tokens_b = prepared.words_a[row], prepared.words_b[row]
        if tokens_a == tokens_b and (tokens_a or prepared.texts_a[row] == prepared.texts_b[row]):
            label, pair_similarity = "verbatim", 1.0
        elif not (tokens_a and tokens_b):  # no word on one side: nothing can be restated
            label, pair_similarity = "different", 0.0
        elif ratios[row] >= edited_ratio:
            label, pair_similarity = "edited", float(similarity[row])
        elif probability[row] >= config.rewritten_probability:
            label, pair_similarity = "rewritten", float(similarity[row])
        else:
            label, pair_similarity = "different", float(similarity[row])
        values = dict(zip(names, features[row].tolist()))
        values["rewritten_probability"] = float(probability[row])
        scores.append(SentencePairScore(label, pair_similarity, values))
    return scores


# --- document pairs --------------------------------------------------------------------------------

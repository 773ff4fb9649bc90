"""dedup.semantic (embedding features, the shipped model's archive) and its use by `dedup pairs --semantic`.

Most tests use a fake encoder (any object with ``encode(texts) -> list[EncodedText]``), so they run
without torch or sentence-transformers. The tests marked `real_model` load the shipped model once
and run only where the ``semantic`` extra and the model's packages are installed (`make semantic`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import math
import re
import zipfile
import zlib
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.semantic as semantic
from dedup.cli import main
from dedup.cli.pairs import SEMANTIC_COLUMNS, SENTENCE_COLUMNS
from dedup.errors import DedupError
from dedup.eval.run import EVAL_SETS
from dedup.pairs import (
    SEMANTIC_SENTENCE_FEATURES,
    SENTENCE_FEATURES,
    SENTENCE_LABELS,
    PairsConfig,
    score_sentence_pairs,
)
from dedup.semantic import (
    MODEL_PACKAGES,
    SEMANTIC_FEATURES,
    UNALIGNED_SIMILARITY,
    EncodedText,
    SentenceEncoder,
    model_cache,
    model_directory,
    pair_features,
    semantic_features,
    token_idf,
)

SOURCE = "The central bank raised interest rates by half a point on Tuesday, its third increase this year."
REWORDED = "On Tuesday the central bank lifted its interest rate by half a point, the third increase of the year."
UNRELATED = "Heavy snow closed schools and roads across the northern provinces for a second day."
SHUFFLED_A = "Oil prices fell in early trading."
SHUFFLED_B = "In early trading oil prices fell."
MISSING_PACKAGE = "dedup-test-no-such-model-package"


# --- a fake encoder and hand-built encodings -------------------------------------------------------

DIM = 4096


class FakeEncoder:
    """Each word is a token whose vector is one-hot (orthogonal to every other word); the embedding is the bag of words.

    Token ids are the words' CRC-32, so they do not depend on the order texts are seen in. Records
    every call so that tests can count what was encoded.
    """

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self._word_at: dict[int, str] = {}

    def encode(self, texts):
        self.calls.append(list(texts))
        return [self._encode(text) for text in texts]

    def _encode(self, text: str) -> EncodedText:
        tokens = re.findall(r"\w+", text.lower())
        ids = [zlib.crc32(token.encode()) for token in tokens]
        vectors = np.zeros((len(ids), DIM), dtype=np.float16)
        for row, (token, token_id) in enumerate(zip(tokens, ids)):
            column = token_id % DIM
            assert self._word_at.setdefault(column, token) == token, "two words share a vector in the fake"
            vectors[row, column] = 1.0
        bag = vectors.astype(np.float32).sum(axis=0)
        embedding = bag / np.linalg.norm(bag) if ids else np.full(DIM, 1 / math.sqrt(DIM), dtype=np.float32)
        return EncodedText(embedding.astype(np.float32), np.array(ids, dtype=np.int64), vectors)

    @property
    def encoded_texts(self) -> list[str]:
        return [text for call in self.calls for text in call]


def _basis(index: int, dim: int = 8) -> np.ndarray:
    vector = np.zeros(dim)
    vector[index] = 1.0
    return vector


def _encoded(ids: list[int], vectors: list[np.ndarray], embedding: np.ndarray | None = None) -> EncodedText:
    """An EncodedText built by hand: unit float32 embedding, int64 ids, unit float16 token rows."""
    rows = np.array([v / np.linalg.norm(v) for v in vectors], dtype=np.float16).reshape(len(ids), 8)
    if embedding is None:
        embedding = rows.astype(np.float32).sum(axis=0) if len(ids) else _basis(7)
    embedding = (np.asarray(embedding) / np.linalg.norm(embedding)).astype(np.float32)
    return EncodedText(embedding, np.array(ids, dtype=np.int64), rows)


def _named(row: np.ndarray) -> dict[str, float]:
    return dict(zip(SEMANTIC_FEATURES, row.tolist()))


def _coefficients(intercept: float, **weights: float) -> tuple[float, ...]:
    """Intercept then one coefficient per SEMANTIC_SENTENCE_FEATURES name (zero unless given)."""
    return (intercept, *(weights.get(name, 0.0) for name in SEMANTIC_SENTENCE_FEATURES))


# --- pair_features and token_idf ------------------------------------------------------------------


def test_identical_encodings_match_completely():
    text = _encoded([10, 11, 12], [_basis(0), _basis(1), _basis(2)])
    features = _named(pair_features([(text, text)], [text])[0])
    assert features["embedding_cosine"] == pytest.approx(1.0)
    assert features["token_f1"] == pytest.approx(1.0)
    assert features["token_min"] == pytest.approx(1.0)
    assert features["unaligned_weight"] == 0.0
    assert features["unaligned_max"] == 0.0


def test_an_extra_token_with_no_counterpart_lowers_the_match_and_counts_as_unaligned():
    first = _encoded([10, 11], [_basis(0), _basis(1)])
    second = _encoded([10, 11, 12], [_basis(0), _basis(1), _basis(2)])  # token 12 is orthogonal to first's
    batch = [first, second]
    idf = token_idf(batch)
    features = _named(pair_features([(first, second)], batch)[0])
    precision = (idf[10] + idf[11]) / (idf[10] + idf[11] + idf[12])  # recall is 1: first's tokens all match
    assert features["token_min"] < features["token_f1"] < 1.0
    assert features["token_min"] == pytest.approx(precision)
    assert features["token_f1"] == pytest.approx(2 * precision / (1 + precision))
    assert features["unaligned_max"] == pytest.approx(idf[12])
    assert features["unaligned_weight"] == pytest.approx(idf[12])  # nothing unaligned on first's side
    assert idf[12] > idf[10]  # the rarer token weighs more


def test_pair_features_do_not_depend_on_which_side_is_first():
    first = _encoded([10, 11], [_basis(0), _basis(1)])
    second = _encoded([10, 11, 12, 13], [_basis(0), _basis(1), _basis(2), _basis(3)])
    forward, backward = pair_features([(first, second), (second, first)], [first, second])
    np.testing.assert_allclose(forward, backward)


def test_a_token_counts_as_aligned_only_when_its_best_match_reaches_the_threshold():
    anchor = _encoded([1], [_basis(0)])
    above = UNALIGNED_SIMILARITY + 0.1
    below = UNALIGNED_SIMILARITY - 0.1
    near = _encoded([1, 2], [_basis(0), above * _basis(0) + math.sqrt(1 - above**2) * _basis(3)])
    far = _encoded([1, 3], [_basis(0), below * _basis(0) + math.sqrt(1 - below**2) * _basis(3)])
    batch = [anchor, near, far]
    idf = token_idf(batch)
    aligned, unaligned = (_named(row) for row in pair_features([(anchor, near), (anchor, far)], batch))
    assert aligned["unaligned_weight"] == 0.0
    assert unaligned["unaligned_weight"] == pytest.approx(idf[3])
    assert aligned["token_f1"] > unaligned["token_f1"]


@pytest.mark.parametrize("empty_side", ["first", "second", "both"])
def test_a_side_without_tokens_gives_finite_features(empty_side):
    full = _encoded([10, 11], [_basis(0), _basis(1)])
    empty = _encoded([], [], embedding=_basis(7))
    first = empty if empty_side in ("first", "both") else full
    second = empty if empty_side in ("second", "both") else full
    batch = [full, empty]
    features = _named(pair_features([(first, second)], batch)[0])
    assert all(math.isfinite(value) for value in features.values())
    if empty_side == "both":
        assert features["unaligned_weight"] == 0.0
    else:
        idf = token_idf(batch)
        assert features["token_f1"] == 0.0
        assert features["token_min"] == 0.0
        assert features["unaligned_weight"] == pytest.approx(idf[10] + idf[11])
        assert features["unaligned_max"] == pytest.approx(idf[10] + idf[11])


def test_token_idf_is_smoothed_idf_over_the_texts():
    texts = [
        _encoded([1, 2], [_basis(0), _basis(1)]),
        _encoded([1, 3], [_basis(0), _basis(2)]),
        _encoded([1, 2, 2], [_basis(0), _basis(1), _basis(1)]),  # a repeated token counts once per text
    ]
    idf = token_idf(texts)
    assert idf[1] == pytest.approx(math.log(4 / 4) + 1)  # in all 3 texts
    assert idf[3] == pytest.approx(math.log(4 / 2) + 1)  # in 1 of 3
    assert idf[2] == pytest.approx(math.log(4 / 3) + 1)  # in 2 of 3
    assert set(idf) == {1, 2, 3}


def test_token_idf_agrees_with_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [[1, 2], [1, 3, 3], [4], [1, 2, 4, 5]]
    texts = [_encoded(ids, [_basis(0)] * len(ids)) for ids in documents]
    vectorizer = TfidfVectorizer(analyzer=lambda ids: [str(i) for i in ids]).fit(documents)
    expected = {int(token): vectorizer.idf_[column] for token, column in vectorizer.vocabulary_.items()}
    assert token_idf(texts) == pytest.approx(expected)


# --- semantic_features with a fake encoder ---------------------------------------------------------


def _batch() -> list[tuple[str, str]]:
    return [
        (SOURCE, SOURCE),
        (SOURCE, REWORDED),
        (SOURCE, UNRELATED),
        (SHUFFLED_A, SHUFFLED_B),
        (UNRELATED, SHUFFLED_A),
    ]


def test_each_distinct_text_is_encoded_once():
    encoder = FakeEncoder()
    pairs = _batch()
    features = semantic_features(pairs, encoder)
    assert features.shape == (len(pairs), len(SEMANTIC_FEATURES))
    encoded = encoder.encoded_texts
    assert sorted(encoded) == sorted({text for pair in pairs for text in pair})


def test_columns_are_in_semantic_features_order():
    encoder = FakeEncoder()
    same, disjoint = semantic_features([(SHUFFLED_A, SHUFFLED_B), (SHUFFLED_A, UNRELATED)], encoder)
    # The same words in another order: everything matches.
    assert _named(same) == pytest.approx(
        {"embedding_cosine": 1.0, "token_f1": 1.0, "token_min": 1.0, "unaligned_weight": 0.0, "unaligned_max": 0.0}
    )
    # No word in common: nothing matches, every token is unaligned.
    a, b = encoder.encode([SHUFFLED_A, UNRELATED])
    idf = token_idf(encoder.encode([SHUFFLED_A, SHUFFLED_B, UNRELATED]))
    weight_a = sum(idf[t] for t in a.token_ids.tolist())
    weight_b = sum(idf[t] for t in b.token_ids.tolist())
    assert _named(disjoint) == pytest.approx(
        {
            "embedding_cosine": 0.0,
            "token_f1": 0.0,
            "token_min": 0.0,
            "unaligned_weight": weight_a + weight_b,
            "unaligned_max": max(weight_a, weight_b),
        }
    )


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(len(_batch()))))
def test_features_of_a_pair_do_not_depend_on_its_position(order):
    pairs = _batch()
    features = semantic_features(pairs, FakeEncoder())
    reordered = semantic_features([pairs[k] for k in order], FakeEncoder())
    np.testing.assert_allclose(reordered, features[list(order)])


def test_no_pairs_give_an_empty_matrix():
    assert semantic_features([], FakeEncoder()).shape == (0, len(SEMANTIC_FEATURES))
    assert score_sentence_pairs([], semantic=FakeEncoder()) == []


# --- the shipped model's archive: model_directory and model_cache --------------------------------

WEIGHTS = b"fake safetensors weights " * 4000
ARCHIVE_FILES = {
    "all-mpnet-base-v2/model.safetensors": WEIGHTS,
    "all-mpnet-base-v2/config.json": b'{"model_type": "mpnet"}',
    "all-mpnet-base-v2/desktop.ini": b"[.ShellClassInfo]\r\n",
    "all-mpnet-base-v2/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
    "all-mpnet-base-v2/1_Pooling/desktop.ini": b"[.ShellClassInfo]\r\n",
}


def _split(data: bytes, folder: Path, parts: int = 3) -> list[Path]:
    """Write `data` as `parts` pieces named like the packaged ones, and return their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(data) // parts)
    pieces = []
    for k in range(parts):
        piece = folder / f"all-mpnet-base-v2.zip.{k + 1:03d}"
        piece.write_bytes(data[k * size : (k + 1) * size])
        pieces.append(piece)
    return pieces


def _archive_bytes(files: dict[str, bytes] = ARCHIVE_FILES) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(zipfile.ZipInfo("all-mpnet-base-v2/"), b"")
        bundle.writestr(zipfile.ZipInfo("all-mpnet-base-v2/1_Pooling/"), b"")
        for name, data in files.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def installed_pieces(monkeypatch, tmp_path):
    """Pieces of a fake model archive as `_archive_pieces` would find them; returns the list of calls."""
    pieces = _split(_archive_bytes(), tmp_path / "site-packages")
    calls: list[int] = []

    def archive_pieces() -> list[Path]:
        calls.append(1)
        return pieces

    monkeypatch.setattr(semantic, "_archive_pieces", archive_pieces)
    monkeypatch.setattr(semantic, "MODEL_SHA256", hashlib.sha256(WEIGHTS).hexdigest())
    return calls


def _left_in(cache: Path) -> list[str]:
    return sorted(str(path.relative_to(cache)) for path in cache.rglob("*")) if cache.exists() else []


def test_model_directory_joins_the_pieces_and_leaves_out_desktop_ini(installed_pieces, tmp_path):
    cache = tmp_path / "cache"
    folder = model_directory(cache)
    assert folder.parent == cache
    files = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    assert files == ["1_Pooling/config.json", "config.json", "model.safetensors"]
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    pooling = ARCHIVE_FILES["all-mpnet-base-v2/1_Pooling/config.json"]
    assert (folder / "1_Pooling" / "config.json").read_bytes() == pooling
    assert [path.name for path in cache.iterdir()] == [folder.name]  # no scratch folder left behind


def test_model_directory_joins_only_once(installed_pieces, tmp_path):
    cache = tmp_path / "cache"
    first = model_directory(cache)
    second = model_directory(cache)
    assert second == first
    assert len(installed_pieces) == 1


def test_model_directory_defaults_to_the_model_cache(installed_pieces, tmp_path, monkeypatch):
    monkeypatch.setenv("DEDUP_MODEL_CACHE", str(tmp_path / "env-cache"))
    assert model_directory().parent == tmp_path / "env-cache"


def test_weights_with_another_hash_are_refused_and_nothing_is_kept(installed_pieces, tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "MODEL_SHA256", hashlib.sha256(b"other weights").hexdigest())
    cache = tmp_path / "cache"
    with pytest.raises(DedupError, match="make semantic"):
        model_directory(cache)
    assert _left_in(cache) == []
    with pytest.raises(DedupError, match="make semantic"):  # no half-joined folder is taken for the model
        model_directory(cache)
    assert len(installed_pieces) == 2


def test_an_archive_without_weights_is_refused(monkeypatch, tmp_path):
    files = {name: data for name, data in ARCHIVE_FILES.items() if not name.endswith("model.safetensors")}
    pieces = _split(_archive_bytes(files), tmp_path / "site-packages")
    monkeypatch.setattr(semantic, "_archive_pieces", lambda: pieces)
    with pytest.raises(DedupError, match="make semantic"):
        model_directory(tmp_path / "cache")
    assert _left_in(tmp_path / "cache") == []


def test_pieces_that_are_not_a_zip_archive_are_refused(installed_pieces, tmp_path, monkeypatch):
    garbage = _split(bytes(range(256)) * 64, tmp_path / "garbage")
    monkeypatch.setattr(semantic, "_archive_pieces", lambda: garbage)
    with pytest.raises(DedupError, match="damaged.*make semantic"):
        model_directory(tmp_path / "cache")
    assert _left_in(tmp_path / "cache") == []


def test_a_piece_corrupted_inside_the_compressed_weights_is_refused(installed_pieces, tmp_path, monkeypatch):
    weights = b"".join(f"tensor {k} value {k * k % 977}\n".encode() for k in range(20000))
    monkeypatch.setattr(semantic, "MODEL_SHA256", hashlib.sha256(weights).hexdigest())
    damaged = bytearray(_archive_bytes({**ARCHIVE_FILES, "all-mpnet-base-v2/model.safetensors": weights}))
    damaged[5000:5064] = b"\xff" * 64  # inside model.safetensors' deflate stream; the zip's directory is intact
    pieces = _split(bytes(damaged), tmp_path / "damaged")
    monkeypatch.setattr(semantic, "_archive_pieces", lambda: pieces)
    with pytest.raises(DedupError, match="make semantic"):
        model_directory(tmp_path / "cache")


def test_an_archive_member_pointing_outside_the_model_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "MODEL_SHA256", hashlib.sha256(WEIGHTS).hexdigest())
    hostile = {**ARCHIVE_FILES, "all-mpnet-base-v2/../../escaped.txt": b"outside"}
    pieces = _split(_archive_bytes(hostile), tmp_path / "hostile")
    monkeypatch.setattr(semantic, "_archive_pieces", lambda: pieces)
    with pytest.raises(DedupError, match="outside the model folder"):
        model_directory(tmp_path / "cache")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert _left_in(tmp_path / "cache") == []


def test_missing_model_packages_name_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(semantic, "MODEL_PACKAGES", (MISSING_PACKAGE,))
    with pytest.raises(DedupError, match="make semantic") as caught:
        model_directory(tmp_path / "cache")
    assert MISSING_PACKAGE in str(caught.value)
    assert _left_in(tmp_path / "cache") == []


def test_a_package_without_a_piece_of_the_archive_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(semantic, "MODEL_PACKAGES", ("numpy",))  # installed, but holds no .zip.00N file
    with pytest.raises(DedupError, match="numpy.*make semantic"):
        model_directory(tmp_path / "cache")


def test_model_cache_prefers_dedup_model_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("DEDUP_MODEL_CACHE", str(tmp_path / "models"))
    assert model_cache() == tmp_path / "models"


def test_model_cache_falls_back_to_xdg_cache_home_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("DEDUP_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache() == tmp_path / "xdg" / "dedup"
    monkeypatch.setenv("DEDUP_MODEL_CACHE", "")  # set but empty: not a folder
    assert model_cache() == tmp_path / "xdg" / "dedup"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert model_cache() == tmp_path / "home" / ".cache" / "dedup"


def test_encoder_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        SentenceEncoder(batch_size=0)


# --- score_sentence_pairs with semantic= -----------------------------------------------------------


def test_semantic_scores_carry_every_semantic_feature():
    scores = score_sentence_pairs(_batch(), semantic=FakeEncoder())
    for score in scores:
        assert set(score.features) == {*SEMANTIC_SENTENCE_FEATURES, "rewritten_probability"}
        assert all(math.isfinite(value) for value in score.features.values())
    assert scores[3].features["embedding_cosine"] == pytest.approx(1.0)  # the same words, shuffled


def test_semantic_scoring_keeps_the_lexical_features():
    pairs = _batch()
    lexical = score_sentence_pairs(pairs)
    with_model = score_sentence_pairs(pairs, semantic=FakeEncoder())
    for plain, rich in zip(lexical, with_model):
        assert {name: rich.features[name] for name in SENTENCE_FEATURES} == pytest.approx(
            {name: plain.features[name] for name in SENTENCE_FEATURES}
        )


@pytest.mark.parametrize(("intercept", "expected"), [(20.0, "rewritten"), (-20.0, "different")])
def test_the_semantic_regression_decides_rewritten_or_different(intercept, expected):
    config = PairsConfig(semantic_rewritten=_coefficients(intercept))
    pairs = [(SOURCE, SOURCE), (SOURCE, UNRELATED), (SHUFFLED_A, SHUFFLED_B)]
    scores = score_sentence_pairs(pairs, config=config, semantic=FakeEncoder())
    assert [score.label for score in scores] == ["verbatim", expected, expected]
    assert scores[1].features["rewritten_probability"] == pytest.approx(1.0 if intercept > 0 else 0.0, abs=1e-6)


def test_the_semantic_regression_reads_the_semantic_features():
    # Only embedding_cosine counts: the shuffled pair (cosine 1 in the fake) is rewritten, the unrelated one not.
    config = PairsConfig(semantic_rewritten=_coefficients(-5.0, embedding_cosine=10.0))
    pairs = [(SHUFFLED_A, SHUFFLED_B), (SOURCE, UNRELATED)]
    labels = [score.label for score in score_sentence_pairs(pairs, config=config, semantic=FakeEncoder())]
    assert labels == ["rewritten", "different"]


def test_the_semantic_similarity_is_used_for_non_verbatim_pairs():
    config = PairsConfig(semantic_similarity=_coefficients(0.25, token_f1=0.5))
    pairs = [(SOURCE, SOURCE), (SHUFFLED_A, SHUFFLED_B), (SHUFFLED_A, UNRELATED)]  # the last: no word in common
    scores = score_sentence_pairs(pairs, config=config, semantic=FakeEncoder())
    assert [score.similarity for score in scores] == pytest.approx([1.0, 0.75, 0.25])


def test_coefficients_for_another_model_are_refused():
    config = PairsConfig(semantic_model="other/model")
    with pytest.raises(DedupError, match="other/model"):
        score_sentence_pairs([(SOURCE, REWORDED)], config=config, semantic=FakeEncoder())


@pytest.mark.parametrize(
    "field",
    [
        {"semantic_rewritten": (1.0, 2.0)},
        {"semantic_similarity": (1.0, 2.0)},
        {"semantic_rewritten": _coefficients(float("nan"))},
        {"semantic_similarity": _coefficients(0.0, cosine=float("inf"))},
    ],
)
def test_semantic_coefficients_of_the_wrong_shape_or_value_are_refused(field):
    with pytest.raises(ValueError, match=next(iter(field))):
        PairsConfig(**field)


def test_without_semantic_scoring_is_lexical_only():
    scores = score_sentence_pairs(_batch())
    for score in scores:
        assert set(score.features) == {*SENTENCE_FEATURES, "rewritten_probability"}
        assert not set(score.features) & set(SEMANTIC_FEATURES)
    assert [score.label for score in scores[:3]] == ["verbatim", "rewritten", "different"]


# --- dedup pairs --semantic -------------------------------------------------------------------------


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def pairs_file(tmp_path) -> Path:
    rows = [
        {"id": "a", "text1": SOURCE, "text2": SOURCE},
        {"id": "b", "text1": SOURCE, "text2": REWORDED},
        {"id": "c", "text1": SOURCE, "text2": UNRELATED},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("dedup: error: ")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n")
    assert "Traceback" not in result.stderr
    return result.stderr


def test_semantic_at_document_level_is_refused(runner, pairs_file):
    result = runner.invoke(main, ["pairs", str(pairs_file), "--semantic", "--level", "document"])
    assert "--level sentence" in _one_error_line(result)


def test_semantic_without_the_model_packages_says_how_to_install(runner, pairs_file, monkeypatch, tmp_path):
    monkeypatch.setattr(semantic, "MODEL_PACKAGES", (MISSING_PACKAGE,))
    (tmp_path / "empty-cache").mkdir()
    monkeypatch.setenv("DEDUP_MODEL_CACHE", str(tmp_path / "empty-cache"))
    target = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["pairs", str(pairs_file), "--semantic", "-o", str(target)])
    assert "make semantic" in _one_error_line(result)
    assert not target.exists()


def test_semantic_reports_a_bad_input_before_loading_the_model(runner, tmp_path, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the input was read")

    monkeypatch.setattr(semantic, "SentenceEncoder", no_model)
    missing = _one_error_line(runner.invoke(main, ["pairs", str(tmp_path / "missing.jsonl"), "--semantic"]))
    assert "missing.jsonl" in missing and "no such file" in missing
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text1": "Shares fell."}\n', encoding="utf-8")
    assert "bad.jsonl:1" in _one_error_line(runner.invoke(main, ["pairs", str(bad), "--semantic"]))


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is not None and importlib.util.find_spec("sentence_transformers") is not None,
    reason="torch and sentence-transformers are installed",
)
def test_semantic_without_torch_says_how_to_install(runner, pairs_file, monkeypatch, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    monkeypatch.setattr(semantic, "model_directory", lambda: model)  # the model is there, torch is not
    result = runner.invoke(main, ["pairs", str(pairs_file), "--semantic"])
    assert "make semantic" in _one_error_line(result)


def test_semantic_output_has_the_semantic_columns(runner, pairs_file, monkeypatch):
    monkeypatch.setattr(semantic, "SentenceEncoder", FakeEncoder)
    result = runner.invoke(main, ["pairs", str(pairs_file), "--semantic"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["id"] for record in records] == ["a", "b", "c"]
    assert list(records[0]) == ["id", *SEMANTIC_COLUMNS]
    assert records[0]["label"] == "verbatim"
    plain = runner.invoke(main, ["pairs", str(pairs_file)])
    assert list(json.loads(plain.stdout.splitlines()[0])) == ["id", *SENTENCE_COLUMNS]


# --- dedup eval: the semantic sets are not part of `all` ---------------------------------------------


def test_only_the_semantic_eval_sets_are_left_out_of_all():
    assert {"msrp-semantic", "sts-semantic"} <= set(EVAL_SETS)
    assert {name for name, entry in EVAL_SETS.items() if not entry.in_all} == {"msrp-semantic", "sts-semantic"}


def test_eval_all_runs_every_set_but_the_semantic_ones(runner, monkeypatch, tmp_path):
    ran: list[str] = []
    monkeypatch.setattr("dedup.cli.eval.evaluate", lambda name, folder, cv=None: ran.append(name) or [])
    result = runner.invoke(main, ["eval", "all", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert ran == [name for name in EVAL_SETS if name not in ("msrp-semantic", "sts-semantic")]
    ran.clear()
    result = runner.invoke(main, ["eval", "msrp-semantic", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert ran == ["msrp-semantic"]


def test_eval_help_names_the_semantic_sets(runner):
    result = runner.invoke(main, ["eval", "--help"])
    assert result.exit_code == 0
    assert "msrp-semantic" in result.stdout and "sts-semantic" in result.stdout


# --- the real model (the `semantic` extra and `make semantic`) --------------------------------------


def _real_model_installed() -> bool:
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("sentence_transformers") is None:
        return False
    try:
        for name in MODEL_PACKAGES:
            metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


real_model = pytest.mark.skipif(
    not _real_model_installed(), reason="needs torch, sentence-transformers and the model packages (make semantic)"
)

PARAPHRASE = ("Shares of the company fell sharply on Monday.", "The company's stock dropped steeply on Monday.")
NOT_A_PARAPHRASE = ("Shares of the company fell sharply on Monday.", "The museum opens a new exhibition of maps.")


@pytest.fixture(scope="module")
def real_encoder() -> SentenceEncoder:
    pytest.importorskip("sentence_transformers")
    return SentenceEncoder()


@real_model
def test_real_model_rates_a_paraphrase_above_an_unrelated_sentence(real_encoder):
    paraphrase, unrelated = (_named(row) for row in semantic_features([PARAPHRASE, NOT_A_PARAPHRASE], real_encoder))
    assert paraphrase["embedding_cosine"] > unrelated["embedding_cosine"]
    assert paraphrase["token_f1"] > unrelated["token_f1"]
    assert paraphrase["token_min"] > unrelated["token_min"]


@real_model
def test_real_model_encoding_is_deterministic_and_in_input_order(real_encoder):
    long_text, short_text = PARAPHRASE[0] + " Analysts had expected a small rise.", "Maps."
    first = real_encoder.encode([long_text, short_text])
    again = real_encoder.encode([long_text, short_text])
    for one, other in zip(first, again):
        np.testing.assert_array_equal(one.embedding, other.embedding)
        np.testing.assert_array_equal(one.token_ids, other.token_ids)
        np.testing.assert_array_equal(one.token_vectors, other.token_vectors)
    # Encoded alone, each text gets (up to padding noise) the embedding it got in the batch: no mix-up.
    for text, in_batch in zip((long_text, short_text), first):
        alone = real_encoder.encode([text])[0]
        np.testing.assert_allclose(alone.embedding, in_batch.embedding, atol=1e-4)
        np.testing.assert_array_equal(alone.token_ids, in_batch.token_ids)


@real_model
def test_real_model_encodings_have_the_documented_form(real_encoder):
    tokenizer = real_encoder._model.tokenizer
    text = PARAPHRASE[1]
    (encoded,) = real_encoder.encode([text])
    assert encoded.embedding.dtype == np.float32
    assert np.linalg.norm(encoded.embedding) == pytest.approx(1.0, abs=1e-5)
    assert encoded.token_ids.dtype == np.int64 and encoded.token_vectors.dtype == np.float16
    # The tokens without the start and end tokens, one unit vector each.
    assert encoded.token_ids.tolist() == tokenizer(text, add_special_tokens=False)["input_ids"]
    assert encoded.token_vectors.shape[0] == len(encoded.token_ids)
    np.testing.assert_allclose(np.linalg.norm(encoded.token_vectors.astype(np.float32), axis=1), 1.0, atol=1e-2)


@real_model
def test_real_model_through_dedup_pairs(runner, tmp_path, monkeypatch, real_encoder):
    rows = [
        {"id": "same", "text1": PARAPHRASE[0], "text2": PARAPHRASE[0]},
        {"id": "para", "text1": PARAPHRASE[0], "text2": PARAPHRASE[1]},
        {"id": "other", "text1": NOT_A_PARAPHRASE[0], "text2": NOT_A_PARAPHRASE[1]},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    # The CLI builds `SentenceEncoder()`; hand it the encoder loaded once for this module (same model).
    monkeypatch.setattr(semantic, "SentenceEncoder", lambda: real_encoder)
    result = runner.invoke(main, ["pairs", str(path), "--semantic"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["id"] for record in records] == ["same", "para", "other"]
    for record in records:
        assert isinstance(record["embedding_cosine"], float)
        assert record["label"] in SENTENCE_LABELS
    assert records[0]["label"] == "verbatim"
    assert records[0]["embedding_cosine"] == pytest.approx(1.0, abs=1e-3)
    assert records[1]["embedding_cosine"] > records[2]["embedding_cosine"]

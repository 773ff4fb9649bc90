from __future__ import annotations

from pathlib import Path

import pytest

from dedup.model import Article

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"


@pytest.fixture(scope="session")
def seed_articles() -> dict[str, Article]:
    """The five example articles keyed by their number ('000'..'004')."""
    return {
        path.name[:3]: Article(id=path.stem, text=path.read_text(encoding="utf-8"), origin=str(path))
        for path in sorted(SEEDS.glob("*.txt"))
    }

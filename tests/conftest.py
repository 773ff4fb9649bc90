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


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module (see tests/chromium.py)."""
    from chromium import CHROMIUM, CHROMIUM_ARGS

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()

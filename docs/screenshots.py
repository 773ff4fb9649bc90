"""Make the README's screenshots again (docs/*.png) from the seeds, in Debian's Chromium.

    .venv/bin/python docs/screenshots.py

Needs the `test` extra (Playwright) and /usr/bin/chromium; writes docs/cluster-report-1366.png,
docs/cluster-report-390.png, docs/diff-desktop.png and docs/diff-phone.png.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "examples" / "seeds"
WIRE = SEEDS / "000_dcd977f381deb860.txt"
REWRITE = SEEDS / "001_9f484aa0f34f7918.txt"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def dedup(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "dedup"), *args], check=True, cwd=ROOT)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report, diff = Path(folder) / "report.html", Path(folder) / "diff.html"
        dedup("cluster", str(SEEDS), "--format", "html", "-o", str(report))
        dedup("diff", str(WIRE), str(REWRITE), "--format", "html", "-o", str(diff))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width, height, name in ((1366, 600, "cluster-report-1366.png"), (390, 700, "cluster-report-390.png")):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(report.as_uri())
                page.screenshot(path=str(ROOT / "docs" / name))
                page.close()
            for width, height, scale, name in ((956, 504, 1, "diff-desktop.png"), (312, 675, 1, "diff-phone.png")):
                page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=scale)
                page.goto(diff.as_uri())
                rewritten = page.locator(".s.kind-rewritten").first
                if width > 700 and rewritten.count():
                    rewritten.click()  # one rewritten pair highlighted, as the README says
                page.screenshot(path=str(ROOT / "docs" / name))
                page.close()
            browser.close()


if __name__ == "__main__":
    main()

"""The distribution's name: one place says it, and every install hint names it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from dedup.cli import main
from dedup.install import DISTRIBUTION, install_hint

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_names_the_distribution_and_keeps_the_dedup_command():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\[project\]\nname = "([^"]+)"$', pyproject, re.M).group(1) == DISTRIBUTION == "newsdedup"
    assert re.search(r'^\[project.scripts\]\ndedup = "dedup.cli:main"$', pyproject, re.M)


def test_no_message_or_document_tells_a_user_to_install_the_unrelated_dedup_package():
    files = [*ROOT.glob("dedup/**/*.py"), *ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("examples/*.md")]
    wrong = [str(path) for path in files if re.search(r"install[^\n]*\bdedup\[", path.read_text(encoding="utf-8"))]
    assert wrong == []
    assert install_hint("spark") == "pip install 'newsdedup[spark]'"


def test_the_cluster_help_names_the_extra_to_install():
    result = CliRunner().invoke(main, ["cluster", "--help"])
    assert "pip install 'newsdedup[spark]'" in " ".join(result.stdout.split())

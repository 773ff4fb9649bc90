"""How `dedup` is installed: the one place that names its distribution on PyPI.

The import package and the command are ``dedup``; the distribution is ``newsdedup``, because an
unrelated package owns the name ``dedup`` on PyPI (installing ``dedup`` with an extra would get that one).
"""

from __future__ import annotations

DISTRIBUTION = "newsdedup"
"""The distribution name, as in pyproject.toml."""


def install_hint(extra: str) -> str:
    """The command that installs an optional extra (``spark``, ``semantic``) of this distribution."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"

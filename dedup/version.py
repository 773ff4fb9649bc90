"""The package version, in a module of its own so that every layer can record it in its results
without importing the public API above it (`dedup/__init__.py` re-exports it)."""

from __future__ import annotations

__version__ = "0.1.0"

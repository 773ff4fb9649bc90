"""Renderers only: each takes computed data (clusters, alignments, flags) and draws it, never recomputes."""

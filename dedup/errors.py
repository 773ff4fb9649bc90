"""The one exception type a user of `dedup` needs to catch."""

from __future__ import annotations


class DedupError(Exception):
    """Bad input or a bad parameter, with a message naming the input, the place and the reason.

    The CLI prints the message as one line on stderr and exits with status 2.
    """

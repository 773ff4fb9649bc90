"""Text made safe for a terminal: the one escaping every terminal renderer applies to input text."""

from __future__ import annotations

import re

# C0 and C1 control characters (an article, an id or a file name can carry ESC sequences that would
# drive the terminal: `\x1b]0;owned\x07` sets the window title), and the bidirectional overrides
# and isolates that reorder what is shown. Tab and newline are left to the caller.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` with control characters shown as escapes (``\\x1b``, ``\\u202e``), safe to print."""
    return _CONTROL.sub(_escape, text)


def clean_cell(text: str) -> str:
    """`clean` for one cell of a one-line row: tabs, newlines and runs of spaces become one space."""
    return clean(" ".join(text.split()))


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

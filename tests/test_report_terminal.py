"""The one escaping of text for a terminal (dedup.report.terminal), used by every terminal renderer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dedup.report import diff_text, flag_table, table
from dedup.report.terminal import clean, clean_cell


def test_control_sequences_and_bidi_overrides_are_shown_not_obeyed():
    assert clean("a\x1b]0;owned\x07b") == "a\\x1b]0;owned\\x07b"
    assert clean("\x9b31m \x7f \u202eevil\u2069") == "\\x9b31m \\x7f \\u202eevil\\u2069"
    assert clean("tab\tand\nnewline, caf\u00e9, \u0627\u0644\u062e\u0628\u0631") == (
        "tab\tand\nnewline, caf\u00e9, \u0627\u0644\u062e\u0628\u0631"
    )


def test_a_cell_is_one_line():
    assert clean_cell(" two\nlines\tand  spaces\x1b ") == "two lines and spaces\\x1b"


@given(st.text())
def test_nothing_a_terminal_obeys_survives(text):
    shown = clean_cell(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in shown)


def test_every_terminal_renderer_uses_the_same_function():
    assert diff_text.clean is table.clean is flag_table.clean is clean

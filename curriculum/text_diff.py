"""Word-level differences between two texts (a topic before and after an edit), as HTML a
reviewer can read: removed words in ``<del>``, added words in ``<ins>``, long unchanged runs
folded to a line saying how many lines they hold. Marked up with classes (static/app.css),
never inline styles, which the CSP blocks; every piece of either text is escaped."""

import difflib
import re

from markupsafe import Markup, escape

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
# Unchanged lines shown on each side of a change.
CONTEXT_LINES = 2


def _marked(tag: str, change: str, text: str) -> Markup:
    """A removed (``del``) or added (``ins``) passage, named for screen readers too."""
    return Markup('<{0} class="diff-{0}"><span class="visually-hidden">[{1}: </span>{2}'
                  '<span class="visually-hidden">]</span></{0}>').format(tag, change, text)


def _words(old: str, new: str) -> Markup:
    """One changed passage, word by word."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out = Markup()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += escape("".join(a[i1:i2]))
            continue
        if i2 > i1:
            out += _marked("del", "removed", "".join(a[i1:i2]))
        if j2 > j1:
            out += _marked("ins", "added", "".join(b[j1:j2]))
    return out


def _unchanged(lines: list[str], first: int, is_start: bool, is_end: bool) -> Markup:
    """A run of unchanged lines (numbered from ``first`` in the new text), folded in the
    middle when it is long."""
    head = [] if is_start else lines[:CONTEXT_LINES]
    tail = [] if is_end else lines[-CONTEXT_LINES:]
    if len(lines) <= len(head) + len(tail) + 1:
        return escape("".join(line + "\n" for line in lines))
    hidden_from, hidden_to = first + len(head), first + len(lines) - len(tail) - 1
    fold = Markup('<span class="diff-skip">… lines {}–{} unchanged …</span>\n').format(
        hidden_from, hidden_to)
    return (escape("".join(line + "\n" for line in head)) + fold
            + escape("".join(line + "\n" for line in tail)))


def diff_html(old: str, new: str) -> Markup:
    """The differences from ``old`` to ``new``, for a ``<pre class="diff">``."""
    a, b = old.rstrip("\n").split("\n"), new.rstrip("\n").split("\n")
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out = Markup()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            out += _unchanged(b[j1:j2], j1 + 1, position == 0, position == len(opcodes) - 1)
        else:
            old_part = "".join(line + "\n" for line in a[i1:i2])
            new_part = "".join(line + "\n" for line in b[j1:j2])
            out += _words(old_part, new_part)
    return out

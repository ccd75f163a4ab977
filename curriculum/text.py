"""Cleaning free text before it is stored: no control characters (PostgreSQL refuses NUL) and
no bidirectional overrides (they can make a note read differently from what it holds)."""

import re

# C0 controls except tab, newline and carriage return; DEL; C1 controls; bidi embeddings,
# overrides and isolates.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """The text without characters that have no place in a clinical record, trimmed."""
    return _UNWANTED.sub("", text).strip()


def clean_line(text: str) -> str:
    """One line of text (a name): also no line breaks or tabs."""
    return " ".join(clean(text).split())


def clean_document(text: str) -> str:
    """A whole document typed into a form (a topic's Markdown): Unix line ends, no control
    characters or bidirectional overrides, one final newline (as the files have)."""
    text = _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text if text.endswith("\n") else text + "\n"

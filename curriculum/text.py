"""Cleaning free text before it is stored: no control characters (PostgreSQL refuses NUL) and
no bidirectional overrides (they can make a note read differently from what it holds); and
reading a whole number someone typed or put in a URL."""

import re

# C0 controls except tab, newline and carriage return; DEL; C1 controls; bidi embeddings,
# overrides and isolates.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# ASCII digits only: str.isdigit passes "²", which int() refuses, and other scripts' digits.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(text: str, low: int = 0, high: int = 999_999_999) -> int | None:
    """The whole number ``text`` spells from ``low`` to ``high`` (spaces around allowed), else
    None."""
    text = text.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


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

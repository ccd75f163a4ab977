"""Participant handouts as PDF: one topic or a packet, in letter, A4 or large print, cached."""

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import render_template

from curriculum import pdf
from curriculum.library import Topic
from curriculum.settings import PROJECT_ROOT

SIZES = {"letter": "letter", "a4": "A4"}
LARGE_PRINT_CSS = "html { font-size: 17pt; line-height: 1.4; } @page { margin: 14mm 15mm 18mm; }"


@dataclass(frozen=True)
class Variant:
    size: str = "letter"
    large: bool = False

    def css(self) -> str:
        css = f"@page {{ size: {SIZES[self.size]}; }}"
        return css + (LARGE_PRINT_CSS if self.large else "")


def packet_title(topics: list[Topic]) -> str:
    if len(topics) == 1:
        return f"{topics[0].title} (participant handout)"
    return "Participant handouts: " + "; ".join(t.title for t in topics)


def render_handouts(topics: list[Topic], variant: Variant) -> bytes:
    """One PDF document holding the handouts in order (one render, not merged files)."""
    html = render_template("pdf/handout.html", topics=topics, title=packet_title(topics))
    return pdf.render_pdf(html, extra_css=variant.css())


@functools.cache
def _style_key() -> str:
    """Print CSS, print template and WeasyPrint version, read once per process."""
    template = (PROJECT_ROOT / "templates" / "pdf" / "handout.html").read_bytes()
    return hashlib.sha256(pdf.style_fingerprint().encode() + template).hexdigest()


def cache_key(topics: list[Topic], variant: Variant) -> str:
    """Content hashes, variant, and print-style fingerprint: any change gives a new key."""
    parts = [t.slug + "=" + t.content_hash for t in topics]
    parts += [variant.size, "large" if variant.large else "regular", _style_key()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def handout_file(topics: list[Topic], variant: Variant) -> tuple[Path, str]:
    """The cached PDF for these handouts (rendered on a miss) and its key, used as the ETag."""
    key = cache_key(topics, variant)
    cache = pdf.cache()
    path = cache.get(key)
    if path is None:
        path = cache.put(key, render_handouts(topics, variant))
    return path, key

"""Participant handouts as PDF: one topic or a packet, in letter, A4 or large print, in English
or Spanish, cached."""

import datetime
import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from markupsafe import Markup

from curriculum import pdf
from curriculum.library import Library, Topic
from curriculum.message_catalogs import catalogs
from curriculum.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

SIZES = {"letter": "letter", "a4": "A4"}
LANGUAGES = ("en", "es")
LARGE_PRINT_CSS = "html { font-size: 17pt; line-height: 1.4; } @page { margin: 14mm 15mm 18mm; }"
TEMPLATE = PROJECT_ROOT / "templates" / "pdf" / "handout.html"


@dataclass(frozen=True)
class Variant:
    size: str = "letter"
    large: bool = False
    language: str = "en"

    def css(self) -> str:
        css = f"@page {{ size: {SIZES[self.size]}; }}"
        return css + (LARGE_PRINT_CSS if self.large else "")


@dataclass(frozen=True)
class Handout:
    """What the print template shows of one topic, in the language it prints in."""

    language: str
    title: str
    html: Markup
    updated: datetime.date
    stale: bool  # a translation of an earlier version of the English handout


def handout_in(topic: Topic, language: str) -> Handout:
    """The topic's handout in ``language``, or in English when it has no such translation."""
    translation = topic.translations.get(language)
    if translation is None:
        return Handout("en", topic.title, topic.handout_html, topic.meta.updated, False)
    return Handout(language, translation.title, translation.handout_html, topic.meta.updated,
                   translation.stale)


def packet_title(handouts: list[Handout]) -> str:
    if len(handouts) == 1:
        return gettext("%(title)s (participant handout)", title=handouts[0].title)
    return gettext("Participant handouts: %(titles)s",
                   titles="; ".join(h.title for h in handouts))


def handout_html(topics: list[Topic], language: str = "en") -> str:
    """The print template for these topics' handouts, its fixed words in ``language``."""
    with force_locale(language):
        handouts = [handout_in(topic, language) for topic in topics]
        return render_template("pdf/handout.html", handouts=handouts, language=language,
                               title=packet_title(handouts))


def render_handouts(topics: list[Topic], variant: Variant) -> bytes:
    """One PDF document holding the handouts in order (one render, not merged files)."""
    return pdf.render_pdf(handout_html(topics, variant.language), extra_css=variant.css())


@functools.cache
def _style_key() -> str:
    """Print CSS, print template, message catalogs and WeasyPrint version, read once per
    process."""
    parts = [TEMPLATE.read_bytes(), *(path.read_bytes() for path in catalogs())]
    return hashlib.sha256(pdf.style_fingerprint().encode() + b"".join(parts)).hexdigest()


def _translation_key(topic: Topic, language: str) -> str:
    translation = topic.translations.get(language)
    if translation is None:
        return ""
    text = "\n".join((translation.title, translation.translates, translation.handout_markdown))
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(topics: list[Topic], variant: Variant) -> str:
    """Content hashes, variant, and print-style fingerprint: any change gives a new key."""
    parts = [f"{t.slug}={t.content_hash}+{_translation_key(t, variant.language)}" for t in topics]
    parts += [variant.size, "large" if variant.large else "regular", variant.language,
              _style_key()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def handout_file(topics: list[Topic], variant: Variant) -> tuple[Path, str]:
    """The cached PDF for these handouts (rendered on a miss) and its key, used as the ETag."""
    key = cache_key(topics, variant)
    cache = pdf.cache()
    path = cache.get(key)
    if path is None:
        path = cache.put(key, render_handouts(topics, variant))
    return path, key


def prerender_jobs(library: Library, slug: str) -> list[tuple[list[Topic], Variant]]:
    """What a facilitator may print first after topic ``slug`` changed: its handout in every
    size, print size and language it has, and (US letter, English) each track's packet that
    holds it."""
    topic = library.get(slug)
    if topic is None:
        return []
    jobs = [([topic], Variant(size, large, language))
            for language in ("en", *topic.translations) for size in SIZES
            for large in (False, True)]
    for track in library.tracks.values():
        if slug in track.topics:
            packet = [t for t in map(library.get, track.topics) if t is not None]
            jobs.append((packet, Variant()))
    return jobs


def track_prerender_jobs(library: Library, slug: str) -> list[tuple[list[Topic], Variant]]:
    """What a facilitator may print first after track ``slug`` changed: its packet (US letter,
    English)."""
    track = library.tracks.get(slug)
    if track is None:
        return []
    return [([t for t in map(library.get, track.topics) if t is not None], Variant())]


def prerender(library: Library, slug: str) -> threading.Thread | None:
    """After a topic's approval: render its handouts (``prerender_jobs``) ahead."""
    return render_ahead(prerender_jobs(library, slug), slug)


def prerender_track(library: Library, slug: str) -> threading.Thread | None:
    """After a track's approval: render its packet (``track_prerender_jobs``) ahead."""
    return render_ahead(track_prerender_jobs(library, slug), f"track-{slug}")


def render_ahead(jobs: list[tuple[list[Topic], Variant]], name: str) -> threading.Thread | None:
    """Render ``jobs`` into the cache in a background thread of this worker, so the first
    facilitator to print does not wait. A failure is logged, never raised into the request.
    Off with PRERENDER_HANDOUTS false."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["PRERENDER_HANDOUTS"] or not jobs or pdf.unavailable_reason():
        return None

    def run() -> None:
        with app.app_context():
            for topics, variant in jobs:
                try:
                    handout_file(topics, variant)
                except Exception:  # logged: the request has long answered
                    log.exception("rendering handouts of %s ahead (%s) failed",
                                  ",".join(t.slug for t in topics)[:200], variant)

    thread = threading.Thread(target=run, name=f"prerender-{name}", daemon=True)
    app.extensions.setdefault("prerender_threads", []).append(thread)
    thread.start()
    return thread

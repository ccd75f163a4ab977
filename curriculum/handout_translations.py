"""Translated participant handouts: ``topics/<slug>.<lang>.md`` beside the English topic.

A translation holds only the handout (facilitator guides are for staff, in English): front
matter with ``title`` and ``translates`` (the SHA-256 of the English handout's Markdown it was
made from), then the handout, starting at its first ``##``. When the English handout changes,
its hash does too, and the translation is out of date until someone brings it in step.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, StringConstraints

from curriculum.content_files import (
    Problem,
    Title,
    display_path,
    read_front_matter,
    read_source,
)
from curriculum.render import markdown_to_html

LANGUAGES = {"es": "Spanish"}


def handout_hash(handout_markdown: str) -> str:
    """What ``translates:`` holds: the SHA-256 hex of the English handout's Markdown (the text
    after ``# Participant handout``, stripped, UTF-8)."""
    return hashlib.sha256(handout_markdown.strip().encode("utf-8")).hexdigest()


def language_of(path: Path) -> str | None:
    """``es`` for ``topics/<slug>.es.md``; None for an English topic or an unknown language."""
    slug, dot, language = path.stem.rpartition(".")
    return language if dot and slug and language in LANGUAGES else None


class _TranslationFront(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: Title
    translates: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@dataclass(frozen=True)
class Translation:
    """One topic's handout in another language, rendered to safe HTML once, at load."""

    language: str
    title: str
    path: Path
    handout_markdown: str
    handout_html: Markup
    translates: str
    english_hash: str  # the English handout's hash now, to compare with ``translates``
    # The program's version number when the text is a version approved in the browser.
    version: int | None = None

    @property
    def stale(self) -> bool:
        """Whether the English handout changed since this translation was made."""
        return self.translates != self.english_hash


def load_translation(path: Path, language: str, english_markdown: str
                     ) -> tuple[Translation | None, list[Problem]]:
    """Read one translation of the handout ``english_markdown``; a translation is returned only
    when there are no problems."""
    source, problems = read_source(path)
    if source is None:
        return None, problems
    return parse_translation(source, path, language, english_markdown)


def parse_translation(source: str, path: Path, language: str, english_markdown: str,
                      version: int | None = None) -> tuple[Translation | None, list[Problem]]:
    """Validate one translation's whole source (a file's text, or a version written in the
    browser, named ``path``), as ``load_translation`` does."""
    file = display_path(path)
    front, body, problems = read_front_matter(file, source, _TranslationFront)
    if front is None:
        return None, problems
    body = body.strip()
    if not body.startswith("## "):
        return None, [Problem(file, "body", "the handout must start at its first '## ' "
                                            "heading (no '# Participant handout' line)")]
    return Translation(language, front.title, path, body, markdown_to_html(body),
                       front.translates, handout_hash(english_markdown), version), []

"""``curriculum check`` for translated handouts: in step with the English (not out of date,
the same structure), the glossary's words, stop-now advice, and reading ease.

Like content safety, these are ``quality.check`` problems and never ``Library.problems``: an
out-of-date or hard-to-read translation fails the check but must not stop production from
starting (a stale handout still prints, marked as a translation of an earlier version).
"""

import html
import re
from dataclasses import dataclass

from curriculum import content_safety, spanish_readability
from curriculum.content_files import Problem, display_path
from curriculum.glossary import Glossary, load_glossary
from curriculum.handout_translations import Translation, handout_hash
from curriculum.library import Library, Topic
from curriculum.render import WRITE_LINES_MARK
from curriculum.spanish_readability import SpanishGrade

TRANSLATION = "translation"
STRUCTURE = "structure"

_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.DOTALL)
_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Shape:
    """What a translation keeps from its English handout, whatever the words."""

    headings: tuple[str, ...]  # "##" or "###", in order
    writing_lines: tuple[int, ...]  # N of each "[lines: N]", in order
    tables: tuple[str, ...]  # "columns×rows" of each table, in order
    list_items: int

    @classmethod
    def of(cls, markdown: str, rendered: str) -> "Shape":
        tables = []
        for table in _TABLE.findall(rendered):
            rows = _ROW.findall(table)
            columns = len(re.findall(r"<t[hd]\b", rows[0])) if rows else 0
            tables.append(f"{columns}×{len(rows) - 1}")
        return cls(headings=tuple("#" * int(level) for level, _ in _HEADING.findall(rendered)),
                   writing_lines=tuple(int(n) for n in WRITE_LINES_MARK.findall(markdown)),
                   tables=tuple(tables), list_items=rendered.count("<li>"))


def _differences(english: Shape, translated: Shape) -> list[str]:
    def listed(values: tuple[object, ...]) -> str:
        return ", ".join(map(str, values)) or "none"

    found = []
    for name, label in (("headings", "sections (## and ###)"),
                        ("writing_lines", "'[lines: N]' markers"), ("tables", "tables")):
        ours, theirs = getattr(translated, name), getattr(english, name)
        if ours != theirs:
            found.append(f"{label} {listed(ours)} ({len(ours)}); the English has "
                         f"{listed(theirs)} ({len(theirs)})")
    if translated.list_items != english.list_items:
        found.append(f"{translated.list_items} list items; the English has {english.list_items}")
    return found


def _has_section(rendered: str, heading: str) -> bool:
    return any(html.unescape(_TAG.sub("", text)).strip().startswith(heading)
               for level, text in _HEADING.findall(rendered) if level == "2")


def structure_problems(file: str, topic: Topic, translation: Translation,
                       practice_heading: str) -> list[Problem]:
    """Where the translation's sections, writing lines, tables or lists differ from the
    English handout's, and a missing practice section."""
    english = Shape.of(topic.handout_markdown, topic.handout_html)
    translated = Shape.of(translation.handout_markdown, translation.handout_html)
    problems = [Problem(file, STRUCTURE, difference)
                for difference in _differences(english, translated)]
    if not _has_section(translation.handout_html, practice_heading):
        problems.append(Problem(file, STRUCTURE, f"missing section '## {practice_heading}'"))
    return problems


def _stale_problem(file: str, topic: Topic) -> Problem:
    return Problem(file, TRANSLATION,
                   f"out of date: translates an earlier version of the English handout of "
                   f"'{topic.slug}' ({display_path(topic.path)}); bring it in step, then set "
                   f"translates: {handout_hash(topic.handout_markdown)}")


def _missing_problem(topic: Topic) -> Problem:
    spanish = topic.path.with_name(f"{topic.slug}.es.md")
    return Problem(display_path(topic.path), TRANSLATION,
                   f"missing: topic '{topic.slug}' has no Spanish handout ({spanish.name})")


def check_library(library: Library) -> tuple[list[Problem], dict[str, SpanishGrade]]:
    """Every problem of the library's Spanish handouts, and each one's reading ease by slug."""
    glossary, problems = load_glossary(library.folders)
    grades = {}
    for topic in library.topics.values():
        translation = topic.translations.get("es")
        if translation is None:
            problems.append(_missing_problem(topic))
            continue
        file = display_path(translation.path)
        if translation.stale:
            problems.append(_stale_problem(file, topic))
        found, grades[topic.slug] = translation_problems(file, topic, translation, glossary)
        problems += found
    return problems, grades


def translation_problems(file: str, topic: Topic, translation: Translation, glossary: Glossary
                         ) -> tuple[list[Problem], SpanishGrade]:
    """One Spanish handout's problems but its being out of date (structure, the glossary's
    words, stop-now advice, reading ease), and its reading ease."""
    problems = structure_problems(file, topic, translation, glossary.practice_heading)
    problems += content_safety.check_translation(file, topic.slug, translation, glossary.rules)
    grade = spanish_readability.grade(translation.handout_html)
    problems += [Problem(file, "handout", message) for message in grade.problems()]
    return problems, grade

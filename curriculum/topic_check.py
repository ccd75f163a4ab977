"""One topic's Markdown source, as an editor submits it, checked the way ``curriculum check``
checks the library's files: loading (front matter, sections, timed plan), lists, phone numbers,
content safety, reading grade, and its title, links and licence against the served library.
Each problem carries the line of the source it is about, where one can be found."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from curriculum import content_safety, quality, readability
from curriculum.content_files import Problem
from curriculum.handout_translations import LANGUAGES, handout_hash
from curriculum.library import (
    HANDOUT_HEADING,
    FrontMatter,
    Library,
    Topic,
    link_problems,
    parse_topic,
)
from curriculum.track_files import Track

_QUOTED = re.compile(r""""([^"]+)"|'([^']+)'""")
_IGNORED = re.compile(r"[*_`]+")
# Where a problem about a whole part of the topic points, when it quotes nothing findable.
_PART_HEADINGS = {"session plan": "## Session plan", "handout": HANDOUT_HEADING,
                  "facilitator guide": "## Overview"}


@dataclass(frozen=True)
class SourceProblem:
    line: int | None  # 1-based; None: about the topic as a whole
    field: str
    message: str


@dataclass(frozen=True)
class SourceCheck:
    """The problems of one source (none: it could be approved) and, when it loads, the topic
    it makes and its handout's reading grade (or, for a track's source, the track)."""

    lines: list[str]
    problems: list[SourceProblem]
    topic: Topic | None = None
    grade: readability.Grade | None = None
    # Worth knowing, never in the way of an approval (a translation it leaves behind).
    notices: list[str] = field(default_factory=list)
    track: Track | None = None

    @property
    def problem_lines(self) -> frozenset[int]:
        return frozenset(p.line for p in self.problems if p.line)


def check_source(slug: str, source: str, library: Library, path: Path) -> SourceCheck:
    """Every problem ``curriculum check`` would report for this source served as topic
    ``slug`` in ``library`` (its title, links and licence are checked against the others)."""
    topic, problems = parse_topic(slug, source, path)
    grade = None
    if topic is not None:
        same = next((other for other, t in library.topics.items()
                     if other != slug and t.title.casefold() == topic.title.casefold()), None)
        if same:
            problems.append(Problem(str(path), "title", f"same title as topic '{same}'"))
        problems += link_problems(topic, {*library.topics, *library.withheld, slug})
        if not library.may_serve(topic):
            problems.append(Problem(str(path), "license", "licensed-by-program, and this "
                                    "program holds no licence for it "
                                    "(GROUPWORK_LICENSED_TOPICS)"))
        rules, _ = content_safety.load_rules(library.folders)
        found, grades = quality.topic_problems([topic], rules)
        problems += found
        grade = grades[slug]
    lines = source.split("\n")
    return SourceCheck(lines, located(problems, lines), topic, grade,
                       _translation_notices(topic, library))


def located(problems: list[Problem], lines: list[str]) -> list[SourceProblem]:
    """Each problem with the line of the source (``lines``) it is about, where one is found."""
    return [SourceProblem(_line_of(problem, lines), problem.field, problem.message)
            for problem in problems]


def _translation_notices(topic: Topic | None, library: Library) -> list[str]:
    """The translated handouts that do not translate this text's English handout (``curriculum
    check`` reports them out of date; their files are brought in step separately)."""
    served = library.topics.get(topic.slug) if topic else None
    if topic is None or served is None:
        return []
    english = handout_hash(topic.handout_markdown)
    return [f"The {LANGUAGES[language]} handout translates another version of the English "
            f"handout: once this text is in force it prints with a note saying so, until its "
            f"file is brought in step (translates: {english})."
            for language, translation in sorted(served.translations.items())
            if translation.translates != english]


def _body_start(lines: list[str]) -> int:
    """The index of the first line after the front matter (0 when there is none)."""
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return index + 1
    return 0


def _normal(text: str) -> str:
    return " ".join(_IGNORED.sub("", text.translate(content_safety.STRAIGHT)).split()).casefold()


def _find(excerpt: str, lines: list[str], start: int) -> int | None:
    """The line where ``excerpt`` starts, read as the checks read text (emphasis and spacing
    ignored, across line breaks); else where its first words are."""
    offsets, parts, position = [], [], 0
    for index in range(start, len(lines)):
        part = _normal(lines[index])
        offsets.append((position, index))
        parts.append(part)
        position += len(part) + 1
    text = " ".join(parts)
    words = _normal(excerpt).split()
    for attempt in (" ".join(words), " ".join(words[:4])):
        if attempt and (at := text.find(attempt)) >= 0:
            return next(index for offset, index in reversed(offsets) if offset <= at) + 1
    return None


def _line_of(problem: Problem, lines: list[str]) -> int | None:
    """The source line a problem is about: a front-matter field's line, the line holding what
    the message quotes, or the heading of the part it names."""
    body = _body_start(lines)
    field = problem.field.split("[")[0]
    if field in FrontMatter.model_fields:
        return next((index + 1 for index, line in enumerate(lines[:body])
                     if re.match(rf"{field}\s*:", line)), 1)
    if field == "front matter":
        return 1
    if (quoted := _QUOTED.search(problem.message)) and (
            line := _find(quoted.group(1) or quoted.group(2), lines, body)):
        return line
    heading = _PART_HEADINGS.get(field)
    return next((index + 1 for index, line in enumerate(lines)
                 if heading and line.strip() == heading), None)

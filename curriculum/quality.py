"""Quality checks over a loaded library, beyond the schema: reading grade, phone numbers, lists
that did not render, content safety (person-first language, stop-now advice), and the Spanish
handouts (``translation_checks``)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

from curriculum import content_safety, readability, translation_checks
from curriculum.content_files import Problem, display_path
from curriculum.library import Library, Topic
from curriculum.spanish_readability import SpanishGrade

MAX_FLESCH_KINCAID = 8.0
MAX_SMOG = 9.0
# Only the public crisis lines may appear: 988 (three digits, never matched) and SAMHSA's helpline.
_PHONE = re.compile(r"(?<!\d)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]\d{4}(?!\d)")
_ALLOWED_PHONES = {"8006624357"}


@dataclass(frozen=True)
class Report:
    problems: list[Problem]
    grades: dict[str, readability.Grade]
    spanish_grades: dict[str, SpanishGrade]

    def summary(self, library: Library) -> str:
        fk = sorted(g.flesch_kincaid for g in self.grades.values())
        smog = sorted(g.smog for g in self.grades.values())
        grade_text = (f"reading grade median {median(fk):.1f} FK / {median(smog):.1f} SMOG, "
                      f"worst {fk[-1]:.1f} FK / {smog[-1]:.1f} SMOG" if fk else "no handouts")
        spanish = sorted(self.spanish_grades.values(), key=lambda g: g.szigriszt_pazos)
        spanish_text = (f"{len(spanish)} Spanish handouts, hardest "
                        f"{spanish[0].fernandez_huerta:.1f} Fernández-Huerta / "
                        f"{spanish[0].szigriszt_pazos:.1f} INFLESZ"
                        if spanish else "no Spanish handouts")
        return (f"{len(library.topics)} topics, {len(library.tracks)} tracks; {grade_text}; "
                f"{spanish_text}; {len(self.problems)} problem(s)")


def _phone_problems(topics: Iterable[Topic]) -> list[Problem]:
    problems = []
    for topic in topics:
        text = topic.guide_markdown + "\n" + topic.handout_markdown
        for match in _PHONE.finditer(text):
            digits = re.sub(r"\D", "", match.group())[-10:]
            if digits not in _ALLOWED_PHONES:
                problems.append(Problem(display_path(topic.path), "body",
                                        f"phone number '{match.group()}' (only crisis lines)"))
    return problems


_PARAGRAPH = re.compile(r"<(?:p|li)>(.*?)</(?:p|li)>", re.DOTALL)
# Lines inside a paragraph or list item that start like list items: a list Markdown did not see
# (nested items need 4 spaces of indent, and a list needs a blank line before it).
_BULLET_LINE = re.compile(r"(?:^|\n)\s*[-*+] \S")
_NUMBERED_LINES = re.compile(r"(?:^|\n)\s*\d+\. \S.*\n\s*\d+\. \S")
_TAGS = re.compile(r"<[^>]+>")


def _markdown_problems(topics: Iterable[Topic]) -> list[Problem]:
    problems = []
    for topic in topics:
        for part, html in (("facilitator guide", topic.guide_html),
                           ("handout", topic.handout_html)):
            for paragraph in _PARAGRAPH.findall(html):
                text = _TAGS.sub("", paragraph)
                # One wrapped line starting "3. " can be prose; a bullet or two numbered lines not.
                if match := _BULLET_LINE.search(text) or _NUMBERED_LINES.search(text):
                    excerpt = " ".join(text[match.start():].split())[:60]
                    problems.append(Problem(display_path(topic.path), part,
                                            f"a list did not render (indent nested items by 4 "
                                            f"spaces, blank line before a list): '{excerpt}'"))
                    break
    return problems


def topic_problems(topics: list[Topic], rules: content_safety.Rules
                   ) -> tuple[list[Problem], dict[str, readability.Grade]]:
    """What ``check`` finds in loaded topics beyond loading them: Markdown, phone numbers,
    content safety under ``rules``, and reading grade (with each handout's grade)."""
    problems = [*_markdown_problems(topics), *_phone_problems(topics)]
    for topic in topics:
        problems += content_safety.check_topic(display_path(topic.path), topic.slug,
                                               topic.guide_markdown, topic.handout_markdown,
                                               rules)
    grades = {}
    for topic in topics:
        grade = grades[topic.slug] = readability.grade(topic.handout_html)
        file = display_path(topic.path)
        if grade.flesch_kincaid > MAX_FLESCH_KINCAID:
            problems.append(Problem(file, "handout", f"Flesch-Kincaid grade "
                                    f"{grade.flesch_kincaid} is above {MAX_FLESCH_KINCAID}"))
        if grade.smog > MAX_SMOG:
            problems.append(Problem(file, "handout",
                                    f"SMOG grade {grade.smog} is above {MAX_SMOG}"))
    return problems, grades


def check(library: Library) -> Report:
    """Every problem in the library: load-time ones, the rules files', then Markdown, phone
    numbers, content safety, grade, and the Spanish handouts."""
    spanish_problems, spanish_grades = translation_checks.check_library(library)
    rules, rule_problems = content_safety.load_rules(library.folders)
    problems, grades = topic_problems(list(library.topics.values()), rules)
    return Report([*library.problems, *rule_problems, *problems, *spanish_problems], grades,
                  spanish_grades)

"""One topic's Spanish handout, as an editor submits it, checked the way ``curriculum check``
checks Spanish handouts (structure against the English handout served, the glossary's avoided
words, Spanish stop-now advice, reading ease), each problem with its line. A handout that
translates another English text than the one in force is a notice here, not a problem: the
program may approve the English and its translation in either order (``curriculum check``
still reports it out of date, and it prints marked as such)."""

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from curriculum.glossary import load_glossary
from curriculum.handout_translations import Translation, handout_hash, parse_translation
from curriculum.library import Library, Problem, Topic
from curriculum.served_library import TRANSLATED
from curriculum.spanish_readability import SpanishGrade
from curriculum.topic_check import SourceCheck, located
from curriculum.translation_checks import translation_problems


@dataclass(frozen=True)
class TranslationCheck(SourceCheck):
    """The problems of a Spanish handout's source; when it loads, ``topic`` is the English
    topic served with this handout as its Spanish one (what would print), ``translation``
    the handout and ``reading`` its reading ease."""

    translation: Translation | None = None
    reading: SpanishGrade | None = None


def file_path(slug: str) -> Path:
    """What names a topic's Spanish handout as its file would be named."""
    return Path("topics") / f"{slug}.{TRANSLATED}.md"


def check_translation_source(slug: str, source: str, library: Library, path: Path
                             ) -> TranslationCheck:
    """Every problem ``curriculum check`` would report for this source served as the Spanish
    handout of topic ``slug`` in ``library``, but its being out of date (a notice)."""
    lines = source.split("\n")
    english = library.get(slug)
    if english is None:
        problem = Problem(str(path), "file name", f"no topic '{slug}' to translate")
        return TranslationCheck(lines, located([problem], lines))
    translation, problems = parse_translation(source, path, TRANSLATED,
                                              english.handout_markdown)
    if translation is None:
        return TranslationCheck(lines, located(problems, lines))
    glossary, _ = load_glossary(library.folders)
    more, reading = translation_problems(str(path), english, translation, glossary)
    notices = [f"This Spanish handout translates another version of the English handout than "
               f"the one in force: once approved, it prints with a note saying so until it is "
               f"brought in step (translates: {handout_hash(english.handout_markdown)})."
               ] if translation.stale else []
    printed = dataclasses.replace(english, translations={TRANSLATED: translation})
    return TranslationCheck(lines, located(problems + more, lines), printed, notices=notices,
                            translation=translation, reading=reading)


def skeleton(english: Topic) -> str:
    """Where a first Spanish handout starts: the English handout to translate in place, under
    the front matter a translation needs (its title to translate too)."""
    return (f"---\ntitle: {json.dumps(english.title, ensure_ascii=False)}\n"
            f"translates: {handout_hash(english.handout_markdown)}\n---\n\n"
            f"{english.handout_markdown}\n")


def file_text(files: Library, slug: str) -> str | None:
    """The content folder's Spanish handout of a topic (None: none that loads)."""
    topic = files.topics.get(slug)
    translation = topic.translations.get(TRANSLATED) if topic is not None else None
    return translation.path.read_bytes().decode("utf-8") if translation is not None else None

"""A topic's Spanish handout as a curriculum version (issue 16 with issue 15): written in the
browser, checked as ``curriculum check`` checks Spanish handouts, saved as a draft of kind
``translation``, and approved like any other version — by an approver who is not its author,
attested, never while a problem remains or once the Spanish text in force has moved on.
Facilitators are served the approved version, else the content folder's ``<slug>.es.md``;
drafts never (served_library lays approved ones over the files). Views call these and commit.

A translation of another English text than the one in force is a notice here, not a blocker
(``curriculum check`` still reports it out of date): the program may approve the English and
its translation in either order, and a stale handout still prints, marked as such.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import curriculum_versions
from curriculum.curriculum_versions import Blocker, Refused
from curriculum.glossary import load_glossary
from curriculum.handout_translations import Translation, handout_hash, parse_translation
from curriculum.library import Library, Problem, Topic, source_hash
from curriculum.served_library import TRANSLATED, translation_path
from curriculum.spanish_readability import SpanishGrade
from curriculum.topic_check import SourceCheck, located
from curriculum.translation_checks import translation_problems
from models import ContentKind, CurriculumVersion, User, VersionState

TRANSLATION = ContentKind.TRANSLATION
SPANISH = TRANSLATED


@dataclass(frozen=True)
class TranslationCheck(SourceCheck):
    """The problems of one Spanish handout's source and, when it loads, the handout and its
    reading ease (``topic`` and ``grade``, the English's, stay None)."""

    translation: Translation | None = None
    reading: SpanishGrade | None = None


@dataclass(frozen=True)
class CurrentTranslation:
    """The Spanish handout facilitators are served now: an approved version's, or a file's."""

    source: str
    content_hash: str
    version: CurriculumVersion | None  # None: the content folder's file


def file_path(slug: str) -> Path:
    """What names the Spanish handout being edited, as its file would be named."""
    return Path("topics") / f"{slug}.{SPANISH}.md"


def check(slug: str, source: str, english: Topic, library: Library, path: Path
          ) -> TranslationCheck:
    """Every problem ``curriculum check`` would report for this source served as the Spanish
    handout of ``english`` (the English topic served in ``library``), each with its line; out
    of date is a notice."""
    translation, found = parse_translation(source, path, SPANISH, english.handout_markdown)
    problems = [Problem(str(path), field, message) for field, message in found]
    notices, reading = [], None
    if translation is not None:
        glossary, _ = load_glossary(library.folders)
        more, reading = translation_problems(str(path), english, translation, glossary)
        problems += more
        if translation.stale:
            notices.append(
                f"This Spanish handout translates another version of the English handout than "
                f"the one in force: once approved, it prints with a note saying so until it is "
                f"brought in step (translates: {handout_hash(english.handout_markdown)}).")
    lines = source.split("\n")
    return TranslationCheck(lines, located(problems, lines), notices=notices,
                            translation=translation, reading=reading)


def check_version(version: CurriculumVersion, library: Library) -> TranslationCheck | None:
    """The version's problems now, against the English served (None: the topic is gone)."""
    english = library.get(version.slug)
    if english is None:
        return None
    return check(version.slug, version.source, english, library,
                 translation_path(version.slug, version.number))


def skeleton(english: Topic) -> str:
    """Where a new Spanish handout starts: the English handout to translate in place, under
    the front matter a translation needs (its title to translate too)."""
    return (f"---\ntitle: {json.dumps(english.title, ensure_ascii=False)}\n"
            f"translates: {handout_hash(english.handout_markdown)}\n---\n\n"
            f"{english.handout_markdown}\n")


def approved_version(session: Session, slug: str) -> CurriculumVersion | None:
    return curriculum_versions.approved_version(session, slug, TRANSLATION)


def file_text(files: Library, slug: str) -> str | None:
    """The content folder's Spanish handout of a topic (None: none that loads)."""
    topic = files.topics.get(slug)
    translation = topic.translations.get(SPANISH) if topic is not None else None
    return translation.path.read_bytes().decode("utf-8") if translation is not None else None


def current_text(session: Session, files: Library, slug: str) -> CurrentTranslation | None:
    """The Spanish handout of topic ``slug`` in force now, read from the database: its approved
    version, else its file; None when it has none."""
    if (approved := approved_version(session, slug)) is not None:
        return CurrentTranslation(approved.source, approved.content_hash, approved)
    if (source := file_text(files, slug)) is not None:
        return CurrentTranslation(source, source_hash(source), None)
    return None


def approved_sources(session: Session) -> dict[str, str]:
    """Each approved Spanish handout's source by topic slug: what ``curriculum export`` writes
    as ``topics/<slug>.es.md`` beside the topic (the file's layout, ready to import)."""
    return {slug: source for slug, source in session.execute(
        select(CurriculumVersion.slug, CurriculumVersion.source).where(
            CurriculumVersion.kind == TRANSLATION,
            CurriculumVersion.state == VersionState.APPROVED))}


def _base(session: Session, files: Library, slug: str, base_hash: str,
          current: CurrentTranslation | None) -> CurriculumVersion | None:
    """The version an edit started from, named by its text's hash (None: the file's text, or
    nothing for a new translation).

    :raise Refused: for a hash of no Spanish text this topic has been served.
    """
    if not base_hash:
        return None
    if current is not None and current.content_hash == base_hash:
        return current.version
    earlier = curriculum_versions.served_before(session, TRANSLATION, slug, base_hash)
    file = file_text(files, slug)
    if earlier is None and (file is None or source_hash(file) != base_hash):
        raise Refused("The Spanish text this edit started from is not one this topic was ever "
                      "served. Open the editor again and make the change there.")
    return earlier


def save_draft(session: Session, files: Library, slug: str, source: str, change_note: str,
               author: User, base_hash: str) -> CurriculumVersion:
    """A new draft of topic ``slug``'s Spanish handout (problems and all: it cannot be
    approved while any remain), based on the Spanish text whose hash is ``base_hash`` ('' for
    a first translation).

    :raise Refused: when the source is the text in force, or the base is unknown.
    """
    curriculum_versions.lock(session)
    current = current_text(session, files, slug)
    base_version = _base(session, files, slug, base_hash, current)
    content_hash = source_hash(source)
    if current is not None and content_hash == current.content_hash:
        raise Refused("This is the Spanish text facilitators get now; change something before "
                      "saving.")
    return curriculum_versions.add_draft(session, TRANSLATION, slug, source, change_note,
                                         author, base_version, base_hash)


def blockers(session: Session, version: CurriculumVersion, approver_id: int,
             checked: TranslationCheck | None, files: Library) -> list[Blocker]:
    """Everything that stops this approver approving this Spanish handout now (``checked``:
    from ``check_version``; None when its topic is no longer served)."""
    if checked is None:
        return [Blocker("gone", "Its topic is no longer served, so there is nothing for this "
                                "Spanish handout to translate.")]
    found = curriculum_versions.standing_blockers(version, approver_id, checked)
    current = current_text(session, files, version.slug)
    if (current.content_hash if current else None) != version.base_hash:
        found.append(Blocker("stale", "The Spanish text in force has changed since this draft "
                                      "was started, so approving it would undo that change. "
                                      "Start a new draft from the current text, carrying this "
                                      "draft's text, and have that approved."))
    return found


def approve(session: Session, version: CurriculumVersion, approver: User, attested: bool,
            comment: str, library: Library, files: Library) -> CurriculumVersion | None:
    """Approve a Spanish handout draft under the approver's attestation: it supersedes the one
    approved before (returned), and every worker serves it within seconds.

    :raise Refused: with every blocker's message; the refusal is audited.
    """
    served = curriculum_versions.lock(session)
    session.refresh(version)
    curriculum_versions.refuse_if_blocked(
        session, version, approver, attested,
        blockers(session, version, approver.id, check_version(version, library), files))
    previous = approved_version(session, version.slug)
    curriculum_versions.put_in_force(session, served, version, previous, approver, comment)
    return previous

"""The program's curriculum as files (``flask --app app curriculum export DIR`` / ``import DIR
--author EMAIL``), so a program can keep it in git or carry it to another instance.

Export writes what the program approved, in the shipped layout (``topics/<slug>.md``,
``topics/<slug>.es.md``, ``tracks/<slug>.yaml``): each approved version (Spanish handouts
too), and each topic approved as shipped (its text as approved). Import turns such files into
draft versions by one curriculum editor, awaiting another person's approval like any draft; a
file identical to the text in force is skipped. An import is all or nothing: any bad file, or
an author who may not edit, and nothing is written. Both are audited.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import accounts, audit
from curriculum import curriculum_versions as versions
from curriculum.handout_translations import language_of
from curriculum.library import RESERVED_SLUGS, SLUG_RE, Library
from curriculum.served_library import TRANSLATED
from curriculum.text import clean_document
from models import (
    ContentKind,
    CurriculumPermission,
    CurriculumVersion,
    ShippedReviewDecision,
    ShippedTopicReview,
    VersionState,
)

# Where each kind's files go; a Spanish handout sits beside its topic, as shipped.
FOLDERS = {ContentKind.TOPIC: ("topics", ".md"),
           ContentKind.TRANSLATION: ("topics", f".{TRANSLATED}.md"),
           ContentKind.TRACK: ("tracks", ".yaml")}
EDITORS = (CurriculumPermission.EDITOR, CurriculumPermission.APPROVER)


@dataclass
class Imported:
    """What an import did (or, with ``problems``, why it did nothing)."""

    problems: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # "topics/x.md: draft version 2 (...)"
    unchanged: list[str] = field(default_factory=list)


def approved_texts(session: Session, files: Library) -> dict[tuple[ContentKind, str], str]:
    """Every text the program approved and serves, by kind and slug: approved versions, and
    topics approved as shipped (as approved, even where an upgrade changed the file since)."""
    found = {(kind, slug): source for kind, slug, source in session.execute(
        select(CurriculumVersion.kind, CurriculumVersion.slug, CurriculumVersion.source)
        .where(CurriculumVersion.state == VersionState.APPROVED,
               CurriculumVersion.kind.in_(FOLDERS)))}
    as_shipped = session.scalars(select(ShippedTopicReview.slug).where(
        ShippedTopicReview.decision == ShippedReviewDecision.APPROVED).distinct())
    for slug in as_shipped:
        current = versions.current_text(session, files, slug)
        if (ContentKind.TOPIC, slug) not in found and current is not None:
            found[(ContentKind.TOPIC, slug)] = current.source
    return found


def export(session: Session, files: Library, directory: Path) -> dict[ContentKind, int]:
    """Write the approved texts into ``directory`` (made if missing; files already there with
    other names are left alone); returns how many of each kind. Audited."""
    texts = approved_texts(session, files)
    counts = dict.fromkeys(FOLDERS, 0)
    for folder, _ in FOLDERS.values():
        (directory / folder).mkdir(parents=True, exist_ok=True)
    for (kind, slug), source in sorted(texts.items()):
        folder, suffix = FOLDERS[kind]
        (directory / folder / f"{slug}{suffix}").write_bytes(source.encode("utf-8"))
        counts[kind] += 1
    audit.record(session, "export-curriculum", "curriculum", detail={
        "topics": counts[ContentKind.TOPIC], "tracks": counts[ContentKind.TRACK],
        "spanish_handouts": counts[ContentKind.TRANSLATION]})
    return counts


def import_drafts(session: Session, files: Library, library: Library, directory: Path,
                  author_email: str) -> Imported:
    """Draft versions by the author of every file in ``directory`` that differs from the text
    in force; nothing at all when any problem is found (the caller rolls back)."""
    result = Imported()
    author = accounts.find_by_email(session, author_email)
    if author is None or not author.is_active:
        result.problems.append(f"--author: no active account has the email '{author_email}'")
    elif author.curriculum_permission not in EDITORS:
        result.problems.append(f"--author: {author.email} has no curriculum permission (editor "
                               f"or approver); an admin sets it on the accounts page")
    read = _read(directory, result.problems)
    if not read and not result.problems:
        result.problems.append(f"{directory}: no topics/*.md, topics/*.{TRANSLATED}.md or "
                               f"tracks/*.yaml files to import")
    changed = []
    for kind, slug, name, source in read:
        current = versions.current_text(session, files, slug, kind)
        if current is not None and current.source == source:
            result.unchanged.append(name)
            continue
        checked = versions.check_text(kind, slug, source, library, Path(name))
        if checked.topic is None and checked.track is None:
            result.problems += [f"{name}:{f' line {p.line}:' if p.line else ''} {p.field}: "
                                f"{p.message}" for p in checked.problems]
        changed.append((kind, slug, name, source, current, len(checked.problems)))
    if result.problems:
        return result
    for kind, slug, name, source, current, problems in changed:
        version = versions.save_draft(session, files, slug, source, f"Imported from {name}.",
                                      author, current.content_hash if current else "", kind)
        left = f", {problems} problem(s) to fix before approval" if problems else ""
        result.drafts.append(f"{name}: draft version {version.number}{left}")
    audit.record(session, "import-curriculum", "curriculum", user_id=author.id, detail={
        "drafts": len(result.drafts), "unchanged": len(result.unchanged)})
    return result


def _read(directory: Path, problems: list[str]) -> list[tuple[ContentKind, str, str, str]]:
    """Each file to import as (kind, slug, its name under the directory, its text), adding a
    line to ``problems`` for each file that cannot be one."""
    if not directory.is_dir():
        problems.append(f"{directory}: not a folder")
        return []
    found = []
    for kind, (folder, suffix) in FOLDERS.items():
        for path in sorted((directory / folder).glob(f"*{suffix}")):
            name = f"{folder}/{path.name}"
            if kind == ContentKind.TOPIC and language_of(path):
                continue  # a translated handout: its own kind
            slug = path.name.removesuffix(suffix)
            if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
                problems.append(f"{name}: the name must be a slug (1 to 64 of a-z, 0-9 and "
                                f"'-', not {', '.join(sorted(RESERVED_SLUGS))}){suffix}")
                continue
            try:
                found.append((kind, slug, name, _source_of(path)))
            except ValueError as problem:
                problems.append(f"{name}: {problem}")
    return found


def _source_of(path: Path) -> str:
    """A file's text, cleaned as the editor cleans it.

    :raise ValueError: saying why it cannot be a version's source.
    """
    too_large = f"larger than {versions.MAX_SOURCE_CHARACTERS:,} characters"
    data = path.read_bytes()
    if len(data) > versions.MAX_SOURCE_CHARACTERS * 4:  # more than any such text in UTF-8
        raise ValueError(too_large)
    try:
        source = clean_document(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    if len(source) > versions.MAX_SOURCE_CHARACTERS:
        raise ValueError(too_large)
    return source

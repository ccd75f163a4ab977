"""Curriculum versions: drafts of topics and tracks written in the browser and their review.
The author may withdraw a draft; an approver returns it with a comment or approves it — never
their own (two people for every change), never while a problem remains, and never when the
text it started from is no longer the one in force. Each step is audited in the caller's
transaction; views call these and commit.

A version is never changed once written (models.py refuses it); only its state moves on. What
facilitators are served changes only by an approval, which moves ``ServedCurriculum.serial``
on in the same transaction, so every worker sees it (see served_library).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum import audit, translation_check
from curriculum.library import Library, source_hash
from curriculum.served_library import version_path
from curriculum.topic_check import SourceCheck, check_source
from curriculum.track_check import check_track_source
from models import (
    ContentKind,
    CurriculumVersion,
    ServedCurriculum,
    ShippedReviewDecision,
    ShippedTopicReview,
    User,
    VersionState,
    utcnow,
)

ATTESTATION = ("I have read this version and its differences from the text in force, and I "
               "approve it for the program's facilitators and participants.")
MAX_SOURCE_CHARACTERS = 100_000
MAX_NOTE_CHARACTERS = 2000
TOPIC = ContentKind.TOPIC


class Refused(Exception):
    """The step cannot be taken; the message says why, to the person who tried."""


@dataclass(frozen=True)
class CurrentText:
    """The text facilitators are served now: an approved version's, or a file's."""

    source: str
    content_hash: str
    version: CurriculumVersion | None  # None: the content folder's file


@dataclass(frozen=True)
class Blocker:
    """Why a version cannot be approved now; ``code`` lets a page offer the way out."""

    code: str  # "state", "own", "problems", "stale" or "attest"
    message: str


def lock(session: Session) -> ServedCurriculum:
    """Take the curriculum's write lock for this transaction (PostgreSQL: the served row, FOR
    UPDATE; SQLite's writers already take turns) and return that row."""
    served = session.scalar(select(ServedCurriculum).where(ServedCurriculum.id == 1)
                            .with_for_update())
    if served is None:  # a database emptied by hand (the migration writes the row)
        served = ServedCurriculum(id=1, serial=0)
        session.add(served)
        session.flush()
    return served


def approved_version(session: Session, slug: str,
                     kind: ContentKind = TOPIC) -> CurriculumVersion | None:
    return session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.kind == kind, CurriculumVersion.slug == slug,
        CurriculumVersion.state == VersionState.APPROVED))


def file_text(files: Library, slug: str, kind: ContentKind = TOPIC) -> str | None:
    """The content folder file's text of a topic, track or Spanish handout (None: no file
    serves it)."""
    if kind == ContentKind.TRANSLATION:
        return translation_check.file_text(files, slug)
    found = (files.topics if kind == TOPIC else files.tracks).get(slug)
    return found.path.read_bytes().decode("utf-8") if found is not None else None


def current_text(session: Session, files: Library, slug: str,
                 kind: ContentKind = TOPIC) -> CurrentText | None:
    """The text of topic (or track) ``slug`` in force now, read from the database (a
    worker's library may be a few seconds behind): its approved version, else (topics) the
    shipped text the program approved before its file changed, else its file; None for no
    such topic."""
    if (approved := approved_version(session, slug, kind)) is not None:
        return CurrentText(approved.source, approved.content_hash, approved)
    if kind != TOPIC:
        source = file_text(files, slug, kind)
        return CurrentText(source, source_hash(source), None) if source is not None else None
    if (held := held_shipped_text(session, files, slug)) is not None:
        return CurrentText(held.shipped_source, held.shipped_hash, None)
    if (source := file_text(files, slug)) is not None:
        return CurrentText(source, source_hash(source), None)
    return None


def last_review(session: Session, slug: str,
                decision: ShippedReviewDecision | None = None) -> ShippedTopicReview | None:
    """The program's newest decision on the topic's shipped text (of that kind, if given)."""
    query = select(ShippedTopicReview).where(ShippedTopicReview.slug == slug)
    if decision is not None:
        query = query.where(ShippedTopicReview.decision == decision)
    return session.scalar(query.order_by(ShippedTopicReview.id.desc()).limit(1))


def kept_shipped_text(session: Session, slug: str, content_hash: str) -> str | None:
    """A shipped text of the topic the program decided on, by its hash (an upgrade may have
    changed the file since); None when the program never kept it."""
    return session.scalar(select(ShippedTopicReview.shipped_source).where(
        ShippedTopicReview.slug == slug, ShippedTopicReview.shipped_hash == content_hash)
        .limit(1))


def held_shipped_text(session: Session, files: Library, slug: str) -> ShippedTopicReview | None:
    """The shipped text the program approved as it stood, when the file no longer holds it
    (an upgrade changed or removed it): served until an approver acts. Only asked when the
    topic has no approved version."""
    approval = last_review(session, slug, ShippedReviewDecision.APPROVED)
    file = files.topics.get(slug)
    if approval is None or (file is not None and file.content_hash == approval.shipped_hash):
        return None
    return approval


def shipped_changed(session: Session, files: Library, slug: str) -> bool:
    """Whether the topic's file no longer holds the shipped text the program last reviewed."""
    file = files.topics.get(slug)
    reviewed = last_review(session, slug)
    return file is not None and reviewed is not None and reviewed.shipped_hash != \
        file.content_hash


def versions_of(session: Session, slug: str,
                kind: ContentKind = TOPIC) -> list[CurriculumVersion]:
    """Every version of a topic (or track), newest first."""
    return list(session.scalars(select(CurriculumVersion).where(
        CurriculumVersion.kind == kind, CurriculumVersion.slug == slug)
        .order_by(CurriculumVersion.number.desc())))


def open_drafts(session: Session) -> list[CurriculumVersion]:
    """Every draft awaiting review, topics and tracks, oldest first (the order to review
    them in)."""
    return list(session.scalars(select(CurriculumVersion).where(
        CurriculumVersion.state == VersionState.DRAFT)
        .order_by(CurriculumVersion.created_at, CurriculumVersion.id)))


def returned_to(session: Session, author_id: int) -> list[CurriculumVersion]:
    """The author's versions an approver returned, newest first."""
    return list(session.scalars(select(CurriculumVersion).where(
        CurriculumVersion.author_id == author_id, CurriculumVersion.state == VersionState.RETURNED)
        .order_by(CurriculumVersion.returned_at.desc())))


def check_text(kind: ContentKind, slug: str, source: str, library: Library,
               path: Path) -> SourceCheck:
    """A topic's, track's or Spanish handout's problems, as ``curriculum check`` would report
    them."""
    checker = {TOPIC: check_source, ContentKind.TRACK: check_track_source,
               ContentKind.TRANSLATION: translation_check.check_translation_source}[kind]
    return checker(slug, source, library, path)


def check(version: CurriculumVersion, library: Library) -> SourceCheck:
    """The version's problems now, as ``curriculum check`` would report them."""
    return check_text(version.kind, version.slug, version.source, library,
                      version_path(version.slug, version.number, version.kind))


def _base(session: Session, files: Library, slug: str, base_hash: str,
          current: CurrentText | None, kind: ContentKind) -> CurriculumVersion | None:
    """The version an edit started from, named by the hash of its text (None: a file's text,
    or nothing for a new topic).

    :raise Refused: for a hash of no text this topic has been served.
    """
    if not base_hash:
        return None
    if current is not None and current.content_hash == base_hash:
        return current.version
    earlier = session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.kind == kind, CurriculumVersion.slug == slug,
        CurriculumVersion.content_hash == base_hash,
        CurriculumVersion.state.in_([VersionState.APPROVED, VersionState.SUPERSEDED]))
        .order_by(CurriculumVersion.number.desc()).limit(1))
    file = file_text(files, slug, kind)
    if earlier is None and (file is None or source_hash(file) != base_hash):
        raise Refused(f"The text this edit started from is not one this {kind} was ever served. "
                      "Open the editor again and make the change there.")
    return earlier


def save_draft(session: Session, files: Library, slug: str, source: str, change_note: str,
               author: User, base_hash: str, kind: ContentKind = TOPIC) -> CurriculumVersion:
    """A new draft version of topic (or track) ``slug`` (problems and all: it cannot be
    approved while any remain), based on the text whose hash is ``base_hash`` ('' for a new
    one).

    :raise Refused: when the source is the text in force, or the base is unknown.
    """
    lock(session)
    current = current_text(session, files, slug, kind)
    base_version = _base(session, files, slug, base_hash, current, kind)
    content_hash = source_hash(source)
    if current is not None and content_hash == current.content_hash:
        raise Refused("This is the text facilitators see now; change something before saving.")
    number = (session.scalar(select(func.max(CurriculumVersion.number)).where(
        CurriculumVersion.kind == kind, CurriculumVersion.slug == slug)) or 0) + 1
    version = CurriculumVersion(kind=kind, slug=slug, number=number, source=source,
                                content_hash=content_hash, change_note=change_note,
                                author_id=author.id, base_version=base_version,
                                base_hash=base_hash or None)
    session.add(version)
    session.flush()
    _audit(session, f"save-{kind}-draft", version, author,
           {"base": base_hash or None,
            "base_version": base_version.number if base_version else None})
    return version


def _audit(session: Session, action: str, version: CurriculumVersion, user: User,
           detail: dict[str, object] | None = None, outcome: str = "ok") -> None:
    """A step on a version, in the trail: which version, of what, with what text."""
    audit.record(session, action, f"{version.kind}-version", version.id, outcome=outcome,
                 user_id=user.id, detail={"slug": version.slug, "number": version.number,
                                          "hash": version.content_hash} | (detail or {}))


def _refuse(session: Session, step: str, version: CurriculumVersion, user: User, message: str,
            detail: dict[str, object] | None = None) -> NoReturn:
    """Audit the refused step (committed by the caller), then raise with the reason."""
    _audit(session, f"{step}-{version.kind}-version", version, user, detail, outcome="refused")
    raise Refused(message)


def _lock_draft(session: Session, version: CurriculumVersion, step: str, user: User,
                done: str) -> None:
    """Take the curriculum's lock and read the version again; refuse (audited) unless it is
    still a draft, the only state that can be ``done`` (withdrawn, returned)."""
    lock(session)
    session.refresh(version)
    if version.state != VersionState.DRAFT:
        _refuse(session, step, version, user, f"This version is {version.state}; only a draft "
                                              f"can be {done}.")


def withdraw(session: Session, version: CurriculumVersion, user: User, comment: str) -> None:
    """The author takes their draft back; it stays in the record as withdrawn.

    :raise Refused: for someone else's draft, or a version that is no longer a draft.
    """
    _lock_draft(session, version, "withdraw", user, "withdrawn")
    if version.author_id != user.id:
        _refuse(session, "withdraw", version, user, "Only the author withdraws a draft; an "
                                                    "approver returns it with a comment.")
    version.state = VersionState.WITHDRAWN
    version.withdrawn_by_id, version.withdrawn_at = user.id, utcnow()
    version.withdrawal_comment = comment or None
    _audit(session, f"withdraw-{version.kind}-version", version, user)


def return_to_author(session: Session, version: CurriculumVersion, approver: User,
                     comment: str) -> None:
    """An approver sends a draft back with a comment; the author starts again from it.

    :raise Refused: for a version that is no longer a draft.
    """
    _lock_draft(session, version, "return", approver, "returned")
    version.state = VersionState.RETURNED
    version.returned_by_id, version.returned_at = approver.id, utcnow()
    version.return_comment = comment
    _audit(session, f"return-{version.kind}-version", version, approver)


def blockers(session: Session, version: CurriculumVersion, approver_id: int,
             checked: SourceCheck, files: Library) -> list[Blocker]:
    """Everything that stops this approver approving this version now (``checked``: its
    problems now, from ``check``)."""
    found = []
    if version.state != VersionState.DRAFT:
        found.append(Blocker("state", f"This version is {version.state}; only a draft can be "
                                      f"approved."))
    if version.author_id == approver_id:
        found.append(Blocker("own", "You wrote this version, so you cannot approve it: another "
                                    "approver must (two people for every change)."))
    if problems := checked.problems:
        found.append(Blocker("problems", f"It has {len(problems)} problem(s) to fix first, "
                                         f"in a new draft."))
    current = current_text(session, files, version.slug, version.kind)
    if ((current.content_hash if current else None) != version.base_hash
            and not merges_new_shipped_text(session, files, version)):
        found.append(Blocker("stale", "The text in force has changed since this draft was "
                                      "started, so approving it would undo that change. Start "
                                      "a new draft from the current text, carrying this "
                                      "draft's text, and have that approved."))
    return found


def merges_new_shipped_text(session: Session, files: Library,
                            version: CurriculumVersion) -> bool:
    """Whether the version starts from the topic's new shipped text, which the program has not
    reviewed yet (a draft merging the program's text with an upgrade's): approving it is the
    program's review of that text, so the text in force is not its base."""
    file = files.topics.get(version.slug) if version.kind == TOPIC else None
    return (version.base_version is None and file is not None
            and version.base_hash == file.content_hash
            and shipped_changed(session, files, version.slug))


def approve(session: Session, version: CurriculumVersion, approver: User, attested: bool,
            comment: str, library: Library, files: Library) -> CurriculumVersion | None:
    """Approve a draft for facilitators under the approver's attestation: it supersedes the
    version approved before (returned), and the served serial moves on so every worker
    serves it.

    :raise Refused: with every blocker's message; the refusal is audited.
    """
    served = lock(session)
    session.refresh(version)
    found = blockers(session, version, approver.id, check(version, library), files)
    if not attested:
        found.append(Blocker("attest", "Tick the box to attest that you read this version "
                                       "and approve it."))
    if found:
        _refuse(session, "approve", version, approver, " ".join(b.message for b in found),
                {"blockers": [b.code for b in found]})
    now = utcnow()
    previous = approved_version(session, version.slug, version.kind)
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
        previous.superseded_by_version_id, previous.superseded_at = version.id, now
        session.flush()  # one approved version per topic, at every moment
    version.state = VersionState.APPROVED
    version.approved_by_id, version.approved_at = approver.id, now
    version.attestation = f"{ATTESTATION} Approved by {approver.name}."
    version.approval_comment = comment or None
    if version.kind == TOPIC and (source := file_text(files, version.slug)) is not None \
            and version.base_version is None and version.base_hash == source_hash(source):
        # The program changed this shipped text: keep it, to show what a later upgrade changes.
        session.add(ShippedTopicReview(
            slug=version.slug, decision=ShippedReviewDecision.CHANGED,
            shipped_hash=version.base_hash, shipped_source=source, decided_by_id=approver.id,
            decided_at=now, version_id=version.id))
    served.serial += 1
    served.changed_at = now
    _audit(session, f"approve-{version.kind}-version", version, approver,
           {"superseded": previous.number if previous else None})
    return previous

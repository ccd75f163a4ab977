"""The program's review of shipped topics: an approver approves a topic's shipped text as it
stands, or, after an upgrade changed a shipped text the program approved or changed, keeps the
program's own text. (The third way out, a draft merging the two, goes through the editor:
curriculum_versions.)

No second person is needed here: the two-person rule guards text someone in the program wrote,
and nobody here wrote a shipped text. Each decision is kept with the shipped text it concerned
(so the next upgrade's changes can be shown against it), audited in the caller's transaction,
and moves the served serial on, so every worker serves it; views call these and commit.
"""

import datetime
from typing import NoReturn

from sqlalchemy.orm import Session

from curriculum import audit
from curriculum.curriculum_versions import (
    Refused,
    approved_version,
    held_shipped_text,
    last_review,
    lock,
    shipped_changed,
)
from curriculum.library import Library, Topic
from curriculum.text_diff import diff_html
from models import (
    CurriculumVersion,
    ServedCurriculum,
    ShippedReviewDecision,
    ShippedTopicReview,
    User,
    VersionState,
    utcnow,
)

ATTESTATION = ("I have read this topic's shipped text, and I approve it as it stands for the "
               "program's facilitators and participants.")


def _refuse(session: Session, step: str, slug: str, user: User, message: str) -> NoReturn:
    audit.record(session, step, "topic", slug, outcome="refused",
                 user_id=user.id)
    raise Refused(message)


def _shipped(session: Session, files: Library, slug: str, step: str, user: User,
             seen_hash: str) -> Topic:
    """The topic's shipped text, as the approver saw it on the page.

    :raise Refused: when this server's file holds another text (an upgrade since).
    """
    file = files.topics.get(slug)
    if file is None:
        _refuse(session, step, slug, user, "This topic has no shipped text to review.")
    if file.content_hash != seen_hash:
        _refuse(session, step, slug, user, "The shipped text is not the one you read (the "
                                           "program was upgraded meanwhile); read it again.")
    return file


def _record(session: Session, served: ServedCurriculum, file: Topic,
            decision: ShippedReviewDecision, approver: User, version: CurriculumVersion | None,
            comment: str, now: datetime.datetime, attestation: str | None = None) -> None:
    """Keep the decision with the shipped text it concerned, and move the served serial on
    so every worker serves it."""
    session.add(ShippedTopicReview(
        slug=file.slug, decision=decision, shipped_hash=file.content_hash,
        shipped_source=file.path.read_bytes().decode("utf-8"), decided_by_id=approver.id,
        decided_at=now, version_id=version.id if version else None, attestation=attestation,
        comment=comment or None))
    served.serial += 1
    served.changed_at = now


def approve_as_shipped(session: Session, files: Library, slug: str, approver: User,
                       attested: bool, seen_hash: str, comment: str
                       ) -> CurriculumVersion | None:
    """Approve the topic's shipped text as it stands, attested: facilitators are served it.
    An approved version of the program's is superseded (returned): adopting the new shipped
    text after an upgrade is this step too.

    :raise Refused: without the attestation, for a text already approved as it stands, or
        when the file is not the text the approver read; the refusal is audited.
    """
    served = lock(session)
    file = _shipped(session, files, slug, "approve-shipped-topic", approver, seen_hash)
    previous = approved_version(session, slug)
    reviewed = last_review(session, slug)
    if (previous is None and held_shipped_text(session, files, slug) is None
            and reviewed is not None and reviewed.decision == ShippedReviewDecision.APPROVED
            and reviewed.shipped_hash == file.content_hash):
        _refuse(session, "approve-shipped-topic", slug, approver,
                "The program has already approved this shipped text as it stands.")
    if not attested:
        _refuse(session, "approve-shipped-topic", slug, approver,
                "Tick the box to attest that you read the shipped text and approve it.")
    now = utcnow()
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
        previous.superseded_at = now
    _record(session, served, file, ShippedReviewDecision.APPROVED, approver, previous, comment,
            now, attestation=f"{ATTESTATION} Approved by {approver.name}.")
    audit.record(session, "approve-shipped-topic", "topic", slug,
                 user_id=approver.id, detail={"hash": file.content_hash, "superseded":
                                              previous.number if previous else None})
    return previous


def keep_program_text(session: Session, files: Library, slug: str, approver: User,
                      seen_hash: str, comment: str) -> None:
    """After an upgrade changed the shipped text, the approver has read the new one and keeps
    the program's text (its approved version, or the shipped text it approved before).

    :raise Refused: when the shipped text has not changed since the program's last review,
        or the program has no text of its own to keep; the refusal is audited.
    """
    served = lock(session)
    file = _shipped(session, files, slug, "keep-program-topic", approver, seen_hash)
    if not shipped_changed(session, files, slug):
        _refuse(session, "keep-program-topic", slug, approver,
                "The shipped text has not changed since the program's last review.")
    version = approved_version(session, slug)
    if version is None and held_shipped_text(session, files, slug) is None:
        _refuse(session, "keep-program-topic", slug, approver,
                "The program has no text of its own for this topic to keep.")
    _record(session, served, file, ShippedReviewDecision.KEPT, approver, version, comment,
            utcnow())
    audit.record(session, "keep-program-topic", "topic", slug,
                 user_id=approver.id, detail={"hash": file.content_hash, "version":
                                              version.number if version else None})


def shipped_changes(session: Session, files: Library, slug: str) -> str | None:
    """The differences between the shipped text the program last reviewed and the file's
    text now, as HTML; None when the file has not changed since."""
    file = files.topics.get(slug)
    reviewed = last_review(session, slug)
    if file is None or reviewed is None or reviewed.shipped_hash == file.content_hash:
        return None
    return diff_html(reviewed.shipped_source, file.path.read_bytes().decode("utf-8"))

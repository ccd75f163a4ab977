"""Discharge summary operations: draft one for an episode, edit or refresh the draft, discard
it, sign it (which discharges the participant). Co-signing, returning and addenda are
``signed_records``.

Views and demo data call these and commit; each writes its audit event (ids, never the text)
in the same transaction.
"""

import datetime
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from curriculum import audit, discharge_record
from curriculum.access import facilitated_group_ids
from curriculum.db import begin_write
from curriculum.library import Library
from curriculum.logbook import names_in
from models import (
    DischargeReason,
    DischargeReview,
    DischargeSummary,
    Enrollment,
    LogState,
    Participant,
    ReviewAction,
    User,
    utcnow,
)

ATTESTATION = ("I attest that this discharge summary is accurate and complete, and that I was "
               "a counselor of this participant during this episode of care.")
COSIGN_ATTESTATION = ("I have reviewed this discharge summary, and I co-sign it as the clinical "
                      "supervisor of this group.")
MAX_TEXT = 5000
# The counselor's own words, which may name only the participant the summary is about.
FREE_TEXT = {"recommendations": "recommendations", "aftercare": "aftercare referrals",
             "medications": "medications"}


@dataclass(frozen=True)
class SummaryValues:
    """What the counselor writes and picks (validated by the form)."""

    reason: DischargeReason
    discharged_on: datetime.date
    recommendations: str
    aftercare: str
    medications: str


def summary_of(session: Session, enrollment: Enrollment) -> DischargeSummary | None:
    """The episode's summary, if one was drafted and not discarded."""
    return session.scalar(select(DischargeSummary)
                          .where(DischargeSummary.enrollment_id == enrollment.id,
                                 DischargeSummary.state != LogState.DISCARDED))


def summaries_in(session: Session, participant_id: int,
                 group_ids: object) -> list[DischargeSummary]:
    """The participant's summaries in these groups (a select of ids), oldest episode first."""
    return list(session.scalars(
        select(DischargeSummary).join(DischargeSummary.enrollment)
        .where(DischargeSummary.participant_id == participant_id,
               Enrollment.group_id.in_(group_ids))
        .options(joinedload(DischargeSummary.enrollment).joinedload(Enrollment.group))
        .order_by(Enrollment.admitted_on, DischargeSummary.id)))


def returned_to(session: Session, user_id: int) -> list[tuple[DischargeSummary,
                                                              DischargeReview]]:
    """Summaries their supervisor returned in the groups the user facilitates (any of the
    group's counselors may fix one), each with the return that sent it back; one statement."""
    last_return = (select(func.max(DischargeReview.id))
                   .where(DischargeReview.summary_id == DischargeSummary.id,
                          DischargeReview.action == ReviewAction.RETURNED)
                   .correlate(DischargeSummary).scalar_subquery())
    return [(summary, review) for summary, review in session.execute(
        select(DischargeSummary, DischargeReview).join(DischargeSummary.enrollment)
        .join(DischargeReview, DischargeReview.id == last_return)
        .where(DischargeSummary.state == LogState.RETURNED,
               Enrollment.group_id.in_(facilitated_group_ids(user_id)))
        .options(contains_eager(DischargeSummary.enrollment).joinedload(Enrollment.group),
                 joinedload(DischargeSummary.participant), joinedload(DischargeReview.reviewer))
        .order_by(DischargeReview.created_at, DischargeSummary.id))]


def drafts_by(session: Session, user_id: int) -> list[DischargeSummary]:
    """Drafts the user started and nobody has signed, in groups they still facilitate, oldest
    first; one statement."""
    return list(session.scalars(
        select(DischargeSummary).join(DischargeSummary.enrollment)
        .where(DischargeSummary.state == LogState.DRAFT,
               DischargeSummary.created_by_id == user_id,
               Enrollment.group_id.in_(facilitated_group_ids(user_id)))
        .options(contains_eager(DischargeSummary.enrollment).joinedload(Enrollment.group),
                 joinedload(DischargeSummary.participant))
        .order_by(DischargeSummary.created_at, DischargeSummary.id)))


def read_unfinished(session: Session, user_id: int, place: str) -> tuple[
        list[tuple[DischargeSummary, DischargeReview]], list[DischargeSummary]]:
    """The returned summaries and the user's own drafts to show on ``place`` (a page); showing
    any is audited (it names who is being discharged), committed before the page is drawn."""
    returned, drafts = returned_to(session, user_id), drafts_by(session, user_id)
    if returned or drafts:
        session.commit()
        begin_write(session)
        audit.record(session, "list-discharge-summaries", "page", place, detail={
            "summaries": [s.id for s, _ in returned] + [s.id for s in drafts]})
        session.commit()
    return returned, drafts


def start_summary(session: Session, enrollment: Enrollment, user: User, values: SummaryValues,
                  library: Library, day: datetime.date) -> DischargeSummary:
    """A draft for the episode, with the record as it stands on ``day``."""
    summary = DischargeSummary(
        participant_id=enrollment.participant_id, enrollment=enrollment, created_by_id=user.id,
        record=discharge_record.assemble(session, enrollment, library, day), **vars(values))
    session.add(summary)
    session.flush()
    _audit_draft(session, "create-discharge-summary", summary, user)
    return summary


def _audit_draft(session: Session, action: str, summary: DischargeSummary, user: User) -> None:
    """A draft started or discarded, in the trail: whose episode."""
    audit.record(session, action, "discharge-summary", summary.id, user_id=user.id,
                 detail={"participant": summary.participant_id,
                         "enrollment": summary.enrollment_id})


def apply_edit(summary: DischargeSummary, values: SummaryValues) -> None:
    """Copy an edit onto a draft; a returned summary becomes a draft again."""
    for name, value in vars(values).items():
        setattr(summary, name, value)
    summary.state = LogState.DRAFT
    summary.updated_at = utcnow()  # a new version even when nothing else changed


def refresh_record(session: Session, summary: DischargeSummary, library: Library,
                   day: datetime.date) -> None:
    """Assemble the record again (logs signed since the draft was made now count)."""
    summary.record = discharge_record.assemble(session, summary.enrollment, library, day)


def discard_refusal(summary: DischargeSummary, user_id: int) -> str | None:
    """Why the account ``user_id`` may not discard the summary, or None: only its author, and
    only a draft never signed (a signed one, even returned, stays the record; it takes
    addenda)."""
    if summary.state == LogState.DISCARDED:
        return "This draft is already discarded."
    if summary.state != LogState.DRAFT or summary.reviews:
        return "Only a draft never signed can be discarded; add an addendum instead."
    if summary.created_by_id != user_id:
        return "Only the counselor who started this draft can discard it."
    return None


def discard(session: Session, summary: DischargeSummary, user: User) -> None:
    """Set the draft aside: kept on file with who discarded it and when, no longer the
    episode's summary, so another can be started. The caller has checked ``discard_refusal``."""
    summary.state = LogState.DISCARDED
    summary.discarded_by_id = user.id
    summary.discarded_at = utcnow()
    _audit_draft(session, "discard-discharge-summary", summary, user)


def others_in_the_group(session: Session, summary: DischargeSummary) -> list[Participant]:
    """Everyone else enrolled in the episode's group while it lasted: the people its
    counselor might name by mistake."""
    episode = summary.enrollment
    ended = episode.discharged_on or summary.discharged_on
    return list(session.scalars(
        select(Participant).join(Enrollment, Enrollment.participant_id == Participant.id)
        .where(Enrollment.group_id == episode.group_id,
               Participant.id != summary.participant_id,
               Enrollment.enrolled_between(episode.admitted_on, ended))
        .distinct().order_by(Participant.id)))


def name_problems(session: Session, summary: DischargeSummary) -> dict[str, str]:
    """The free-text fields that name another participant of the group, keyed by field, with
    the names found (the same check as a log's notes; a summary has no override)."""
    others = others_in_the_group(session, summary)
    own = summary.participant.first_name.casefold()
    # Their own full name is theirs alone, even when another shares the first name.
    own_name = re.compile(re.escape(summary.participant.display_name), re.IGNORECASE)
    problems = {}
    for name, words in FREE_TEXT.items():
        if found := names_in(own_name.sub(" ", getattr(summary, name)), others):
            shared = any(p.first_name.casefold() == own for p in others
                         if p.display_name in found)
            problems[name] = (
                f"A discharge summary names only {summary.participant.display_name}: the "
                f"{words} name another participant of the group ({', '.join(found)})."
                + (" They share a first name: write “the participant” instead."
                   if shared else ""))
    return problems


def sign_problems(session: Session, summary: DischargeSummary,
                  day: datetime.date) -> dict[str, str]:
    """What stops signing, keyed by the form field to fix."""
    problems = name_problems(session, summary)
    admitted = summary.enrollment.admitted_on
    if not admitted <= summary.discharged_on <= day:
        problems["discharged_on"] = (f"The discharge date must be from the admission "
                                     f"({admitted.isoformat()}) to today.")
    if not summary.recommendations.strip():
        problems["recommendations"] = "Write the recommendations."
    if not summary.aftercare.strip():
        problems["aftercare"] = "Write the aftercare referrals (or say there are none, and why)."
    return problems


def sign(session: Session, summary: DischargeSummary, user: User,
         at: datetime.datetime | None = None) -> list[int]:
    """Lock the summary under the signer's name and discharge the participant on its date:
    the episode's enrollment and every other enrollment of theirs still open that began by
    then (leaving the program ends each group). Returns the enrollments' ids.

    The caller has checked ``sign_problems`` and the signer's second factor."""
    open_ones = session.scalars(select(Enrollment).where(
        Enrollment.participant_id == summary.participant_id,
        Enrollment.discharged_on.is_(None),
        Enrollment.admitted_on <= summary.discharged_on)).all()
    discharged = {summary.enrollment, *open_ones}
    for enrollment in discharged:
        enrollment.discharged_on = summary.discharged_on
    with session.no_autoflush:  # hashed before the flush that locks the summary
        summary.mark_signed(user, ATTESTATION, at)
    ids = sorted(e.id for e in discharged)
    audit.record(session, "sign-discharge-summary", "discharge-summary", summary.id,
                 user_id=user.id, detail={"participant": summary.participant_id,
                                          "discharged_enrollments": ids})
    return ids


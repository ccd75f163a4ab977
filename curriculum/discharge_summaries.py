"""Discharge summary operations: draft one for an episode, edit or refresh the draft, sign it
(which discharges the participant), co-sign or return it, add to it.

Views and demo data call these and commit; each writes its audit event (ids, never the text)
in the same transaction.
"""

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from curriculum import audit, discharge_record
from curriculum.library import Library
from models import (
    DischargeAddendum,
    DischargeReason,
    DischargeReview,
    DischargeSummary,
    Enrollment,
    LogState,
    ReviewAction,
    User,
    utcnow,
)

ATTESTATION = ("I attest that this discharge summary is accurate and complete, and that I was "
               "a counselor of this participant during this episode of care.")
COSIGN_ATTESTATION = ("I have reviewed this discharge summary, and I co-sign it as the clinical "
                      "supervisor of this group.")
MAX_TEXT = 5000


@dataclass(frozen=True)
class SummaryValues:
    """What the counselor writes and picks (validated by the form)."""

    reason: DischargeReason
    discharged_on: datetime.date
    recommendations: str
    aftercare: str
    medications: str


def summary_of(session: Session, enrollment: Enrollment) -> DischargeSummary | None:
    """The episode's summary, if one was drafted."""
    return session.scalar(select(DischargeSummary)
                          .where(DischargeSummary.enrollment_id == enrollment.id))


def summaries_in(session: Session, participant_id: int,
                 group_ids: object) -> list[DischargeSummary]:
    """The participant's summaries in these groups (a select of ids), oldest episode first."""
    return list(session.scalars(
        select(DischargeSummary).join(DischargeSummary.enrollment)
        .where(DischargeSummary.participant_id == participant_id,
               Enrollment.group_id.in_(group_ids))
        .options(joinedload(DischargeSummary.enrollment).joinedload(Enrollment.group))
        .order_by(Enrollment.admitted_on, DischargeSummary.id)))


def start_summary(session: Session, enrollment: Enrollment, user: User, values: SummaryValues,
                  library: Library, day: datetime.date) -> DischargeSummary:
    """A draft for the episode, with the record as it stands on ``day``."""
    summary = DischargeSummary(
        participant_id=enrollment.participant_id, enrollment=enrollment, created_by_id=user.id,
        record=discharge_record.assemble(session, enrollment, library, day), **vars(values))
    session.add(summary)
    session.flush()
    audit.record(session, "create-discharge-summary", "discharge-summary", summary.id,
                 user_id=user.id, detail={"participant": enrollment.participant_id,
                                          "enrollment": enrollment.id})
    return summary


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


def sign_problems(summary: DischargeSummary, day: datetime.date) -> dict[str, str]:
    """What stops signing, keyed by the form field to fix."""
    problems = {}
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
        summary.state = LogState.SIGNED
        summary.signed_by_id = user.id
        summary.signed_at = at or utcnow()
        summary.attestation = f"{ATTESTATION} Signed by {user.name}."
        summary.content_hash = summary.compute_content_hash()
    ids = sorted(e.id for e in discharged)
    audit.record(session, "sign-discharge-summary", "discharge-summary", summary.id,
                 user_id=user.id, detail={"participant": summary.participant_id,
                                          "discharged_enrollments": ids})
    return ids


def cosign(session: Session, summary: DischargeSummary, supervisor: User) -> None:
    """Co-sign a signed summary under the supervisor's attestation (final)."""
    summary.state = LogState.COSIGNED
    summary.cosigned_by_id = supervisor.id
    summary.cosigned_at = utcnow()
    session.add(DischargeReview(summary=summary, reviewer_id=supervisor.id,
                                action=ReviewAction.COSIGNED, comment=COSIGN_ATTESTATION))
    audit.record(session, "cosign-discharge-summary", "discharge-summary", summary.id,
                 user_id=supervisor.id)


def return_to_counselor(session: Session, summary: DischargeSummary, supervisor: User,
                        comment: str) -> None:
    """Send a signed summary back with the supervisor's comment; its signature no longer
    stands (the discharge dates it set stay: the participant has still left)."""
    summary.mark_returned()
    session.add(DischargeReview(summary=summary, reviewer_id=supervisor.id,
                                action=ReviewAction.RETURNED, comment=comment))
    audit.record(session, "return-discharge-summary", "discharge-summary", summary.id,
                 user_id=supervisor.id)


def add_addendum(session: Session, summary: DischargeSummary, user: User,
                 text: str) -> DischargeAddendum:
    addendum = DischargeAddendum(summary=summary, author=user, text=text)
    session.add(addendum)
    session.flush()
    audit.record(session, "add-discharge-addendum", "discharge-summary", summary.id,
                 user_id=user.id, detail={"addendum": addendum.id})
    return addendum

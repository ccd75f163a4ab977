"""The supervisor's decision on a signed record, taken the same way for session logs and
discharge summaries: co-signed (final) or returned to its author, kept in the record's review
history and in the audit trail. Their operations build the review row and name the event;
``review_checks`` says what refuses a decision."""

from sqlalchemy.orm import Session

from curriculum import audit
from models import DischargeReview, DischargeSummary, LogReview, ReviewAction, SessionLog, User


def decide(session: Session, record: SessionLog | DischargeSummary, supervisor: User,
           review: LogReview | DischargeReview, kind: str, event: str) -> None:
    """Apply ``review`` (the supervisor's, of this signed record) and write ``event`` on the
    audit target ``kind``. The caller has checked the record is signed, unchanged since shown,
    and, for a co-signature, attested."""
    session.add(review)  # first: a log's return loads its topic texts, and loading flushes
    if review.action == ReviewAction.COSIGNED:
        record.mark_cosigned(supervisor)
    else:
        record.mark_returned()
    audit.record(session, event, kind, record.id, user_id=supervisor.id)

"""A signed record's life after signing, the same for session logs and discharge summaries:
its group's supervisor co-signs it (final) or returns it to its author with a comment, kept in
the record's review history; anyone who may read it adds addenda (corrections and late
entries; the record itself never changes). Each operation writes its audit event; the
``*_refusal`` functions say what refuses one, and the ``try_*`` functions check a posted form
and apply it. Views commit."""

from collections.abc import Callable, Mapping
from typing import NamedTuple

from sqlalchemy.orm import Session

from curriculum import audit, discharge_summaries, logbook
from curriculum.step_up import step_up_problems
from curriculum.text import clean
from models import (
    Addendum,
    DischargeAddendum,
    DischargeReview,
    DischargeSummary,
    LogReview,
    LogState,
    ReviewAction,
    SessionLog,
    User,
)

MAX_COMMENT = 2000
MAX_ADDENDUM = 5000
SIGNED_STATES = frozenset({LogState.SIGNED, LogState.COSIGNED})


class RecordTerms(NamedTuple):
    """How one kind of signed record is named (to its reader and in the audit trail) and
    where its reviews and addenda are kept."""

    noun: str
    target: str
    cosign_event: str
    return_event: str
    addendum_event: str
    cosign_attestation: str
    review: type[LogReview] | type[DischargeReview]
    addendum: type[Addendum] | type[DischargeAddendum]
    link: str  # the review's and the addendum's relationship to the record


TERMS: dict[type, RecordTerms] = {
    SessionLog: RecordTerms(
        "log", "session-log", "cosign-log", "return-log", "add-addendum",
        logbook.COSIGN_ATTESTATION, LogReview, Addendum, "log"),
    DischargeSummary: RecordTerms(
        "summary", "discharge-summary", "cosign-discharge-summary", "return-discharge-summary",
        "add-discharge-addendum", discharge_summaries.COSIGN_ATTESTATION, DischargeReview,
        DischargeAddendum, "summary"),
}

SignedRecord = SessionLog | DischargeSummary


def _decide(session: Session, record: SignedRecord, supervisor: User, action: ReviewAction,
            comment: str, event: str) -> None:
    terms = TERMS[type(record)]
    # Added first: a log's return loads its topic texts, and loading flushes.
    session.add(terms.review(**{terms.link: record}, reviewer_id=supervisor.id, action=action,
                             comment=comment))
    if action == ReviewAction.COSIGNED:
        record.mark_cosigned(supervisor)
    else:
        record.mark_returned()
    audit.record(session, event, terms.target, record.id, user_id=supervisor.id)


def cosign(session: Session, record: SignedRecord, supervisor: User) -> None:
    """Co-sign a signed record under the supervisor's attestation (final). The caller has
    checked ``cosign_refusal``."""
    terms = TERMS[type(record)]
    _decide(session, record, supervisor, ReviewAction.COSIGNED, terms.cosign_attestation,
            terms.cosign_event)


def return_to_author(session: Session, record: SignedRecord, supervisor: User,
                     comment: str) -> None:
    """Send a signed record back with the supervisor's comment: its signature no longer
    stands (a summary's discharge dates stay: the participant has still left). The caller
    has checked ``return_refusal``."""
    _decide(session, record, supervisor, ReviewAction.RETURNED, comment,
            TERMS[type(record)].return_event)


def add_addendum(session: Session, record: SignedRecord, user: User,
                 text: str) -> Addendum | DischargeAddendum:
    terms = TERMS[type(record)]
    addendum = terms.addendum(**{terms.link: record}, author=user, text=text)
    session.add(addendum)
    session.flush()
    audit.record(session, terms.addendum_event, terms.target, record.id, user_id=user.id,
                 detail={"addendum": addendum.id})
    return addendum


def _unchanged_signed(record: SignedRecord, form: Mapping[str, str], verb: str) -> str | None:
    noun = TERMS[type(record)].noun
    if record.state != LogState.SIGNED:
        return f"This {noun} is {record.state.value}; only a signed {noun} can be {verb}."
    if form.get("version") != str(record.version):
        return f"This {noun} changed since you opened it; review it again."
    return None


def cosign_refusal(session: Session, record: SignedRecord, form: Mapping[str, str],
                   cosigner: User) -> str | None:
    """Why this co-signature cannot be taken (None: it can): the record must be signed and
    unchanged since shown, the attestation ticked, the password (and second factor) given."""
    if refusal := _unchanged_signed(record, form, "co-signed"):
        return refusal
    if form.get("attest") != "1":
        return "Tick the attestation to co-sign."
    if problems := step_up_problems(session, cosigner, form,
                                    purpose=TERMS[type(record)].cosign_event):
        return next(iter(problems.values())).replace("to sign", "to co-sign")
    return None


def return_refusal(record: SignedRecord, form: Mapping[str, str], comment: str) -> str | None:
    """Why this return cannot be made (None: it can): the record must be signed and unchanged
    since shown, and the comment say what to change."""
    if refusal := _unchanged_signed(record, form, "returned"):
        return refusal
    if not comment or len(comment) > MAX_COMMENT:
        return f"Write a comment saying what to change (up to {MAX_COMMENT:,} characters)."
    return None


# A supervisor's or reader's step taken from a posted form: the refusal, or None once taken.
Step = Callable[[Session, SignedRecord, User, Mapping[str, str]], str | None]


def try_cosign(session: Session, record: SignedRecord, cosigner: User,
               form: Mapping[str, str]) -> str | None:
    """Co-sign from the supervisor's posted form; why not, when it cannot be."""
    if refusal := cosign_refusal(session, record, form, cosigner):
        return refusal
    cosign(session, record, cosigner)
    return None


def try_return(session: Session, record: SignedRecord, supervisor: User,
               form: Mapping[str, str]) -> str | None:
    """Return to the author from the supervisor's posted form; why not, when it cannot be."""
    comment = clean(form.get("comment", ""))
    if refusal := return_refusal(record, form, comment):
        return refusal
    return_to_author(session, record, supervisor, comment)
    return None


def try_add_addendum(session: Session, record: SignedRecord, user: User,
                     form: Mapping[str, str]) -> str | None:
    """Add the posted addendum to a signed record; why not, when it cannot be."""
    text = clean(form.get("text", ""))
    if record.state not in SIGNED_STATES:
        return f"Addenda are for signed {TERMS[type(record)].noun}s; edit the draft instead."
    if not text or len(text) > MAX_ADDENDUM:
        return f"Write the addendum (up to {MAX_ADDENDUM:,} characters)."
    add_addendum(session, record, user, text)
    return None

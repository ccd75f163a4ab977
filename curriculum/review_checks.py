"""What refuses a supervisor's co-signature or return, for session logs and discharge
summaries alike: the record must be signed and unchanged since the supervisor opened it; a
co-signature needs the attestation ticked and the supervisor's password (and second factor);
a return needs a comment."""

from collections.abc import Mapping

from sqlalchemy.orm import Session

from curriculum.step_up import step_up_problems
from models import LogState, User

MAX_COMMENT = 2000


def _unchanged_signed(state: LogState, version: int, form: Mapping[str, str], what: str,
                      verb: str) -> str | None:
    if state != LogState.SIGNED:
        return f"This {what} is {state.value}; only a signed {what} can be {verb}."
    if form.get("version") != str(version):
        return f"This {what} changed since you opened it; review it again."
    return None


def cosign_refusal(session: Session, state: LogState, version: int, form: Mapping[str, str],
                   cosigner: User, what: str, purpose: str) -> str | None:
    """Why this co-signature cannot be taken (None: it can)."""
    if refusal := _unchanged_signed(state, version, form, what, "co-signed"):
        return refusal
    if form.get("attest") != "1":
        return "Tick the attestation to co-sign."
    if problems := step_up_problems(session, cosigner, form, purpose=purpose):
        return next(iter(problems.values())).replace("to sign", "to co-sign")
    return None


def return_refusal(state: LogState, version: int, form: Mapping[str, str], comment: str,
                   what: str) -> str | None:
    """Why this return cannot be made (None: it can)."""
    if refusal := _unchanged_signed(state, version, form, what, "returned"):
        return refusal
    if not comment or len(comment) > MAX_COMMENT:
        return f"Write a comment saying what to change (up to {MAX_COMMENT:,} characters)."
    return None

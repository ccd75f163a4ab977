"""A signature asks again who is signing: the password, and the second factor when the
account has one (so a session left open is not enough to sign or co-sign)."""

from collections.abc import Mapping

from sqlalchemy.orm import Session

from curriculum import second_factor
from curriculum.passwords import verify_password
from models import User


def step_up_problems(session: Session, user: User, form: Mapping[str, str],
                     purpose: str) -> dict[str, str]:
    """What is wrong with the ``password`` and ``code`` fields, by field (empty when both
    hold). The code is checked only after the password, so a mistyped password does not use
    up the authenticator's current code; its audit event is in the caller's transaction."""
    if not verify_password(user.password_hash, form.get("password", "")):
        return {"password": "Enter your password to sign."}
    if not second_factor.has_second_factor(user):
        return {}
    if second_factor.check_code(session, user, form.get("code", ""), purpose).method is None:
        return {"code": "Enter the code your authenticator app shows now, or a recovery code."}
    return {}

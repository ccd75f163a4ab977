"""A signature asks again who is signing: the password, and the second factor when the
account has one; or a user-verified passkey alone (so a session left open is not enough to
sign or co-sign)."""

import json
from collections.abc import Mapping

from sqlalchemy.orm import Session

from curriculum import passkey_ceremonies, second_factor
from curriculum.passwords import verify_password
from models import User

PASSKEY_FAILED = ("Your passkey did not confirm it is you. Try it again, or enter your "
                  "password (and code).")


def step_up_problems(session: Session, user: User, form: Mapping[str, str],
                     purpose: str) -> dict[str, str]:
    """What is wrong with the ``password`` and ``code`` fields, by field (empty when both
    hold), or with the ``passkey`` answer the form's script filled in instead. The code is
    checked only after the password, so a mistyped password does not use up the
    authenticator's current code; the audit event is in the caller's transaction."""
    if answer := form.get("passkey", "").strip():
        try:
            parsed = json.loads(answer)
        except ValueError:
            parsed = None
        accepted = passkey_ceremonies.check(session, parsed, passkey_ceremonies.STEP_UP,
                                            purpose, user).passkey
        return {} if accepted else {"password": PASSKEY_FAILED}
    if not verify_password(user.password_hash, form.get("password", "")):
        return {"password": "Enter your password to sign."}
    if not second_factor.has_second_factor(user):
        return {}
    if not second_factor.has_authenticator(user):
        return {"password": "Your account signs with a passkey: use the passkey button."}
    if second_factor.check_code(session, user, form.get("code", ""), purpose).method is None:
        return {"code": "Enter the code your authenticator app shows now, or a recovery code."}
    return {}

"""Second factors: authenticator codes (TOTP, RFC 6238), single-use recovery codes, the
program's policy, and an admin's reset. Operations write their audit events in the caller's
transaction, like the logbook's."""

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from curriculum import audit
from curriculum.passwords import verify_password
from curriculum.secret_box import SecretUnreadable, reseal, seal, unseal
from models import ProgramPolicy, RecoveryCode, User, utcnow

ISSUER = "Groupwork"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = string.ascii_lowercase + string.digits
TOTP_CODE = re.compile(r"^\d{6}$")
RECOVERY_CODE = re.compile(r"^[a-z0-9]{5}-?[a-z0-9]{5}$")


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an authenticator by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(secret: str, email: str) -> Markup:
    """The enrolment QR code as inline SVG (no image request, nothing the CSP would block)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None,
        title="QR code for your authenticator app", omitsize=True)
    # segno's own SVG: the URI (with the email) is drawn as modules, never written as text
    # (the reason ruff's S704 and bandit's B704 are silenced here).
    return Markup(svg)  # noqa: S704  # nosec B704


def current_step(now: float | None = None) -> int:
    return int((utcnow().timestamp() if now is None else now) // STEP_SECONDS)


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (current or previous, and later than ``after``) whose code this is."""
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in (now, now - 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_fits_secret(secret: str, code: str) -> int | None:
    """For enrolment: the step of ``code`` under a secret not saved yet, or None."""
    code = code.strip().replace(" ", "")
    return _matching_step(secret, code, None) if TOTP_CODE.match(code) else None


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode()).hexdigest()


def _new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new single-use codes (returned once, to be shown once); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code))
                    for code in codes)
    audit.record(session, "new-recovery-codes", "user", user.id)
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def enrol_authenticator(session: Session, user: User, secret: str, step: int) -> list[str]:
    """Save a confirmed authenticator (``step``: the code that confirmed it, never accepted
    again) and give the account new recovery codes, returned to be shown once."""
    user.totp_secret = seal(secret)
    user.totp_last_step = step
    user.must_enrol_second_factor = False
    audit.record(session, "enrol-authenticator", "user", user.id)
    return replace_recovery_codes(session, user)


def _forget_authenticator(session: Session, user: User) -> None:
    """The secret and the recovery codes that stand in for it."""
    user.totp_secret = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def remove_authenticator(session: Session, user: User) -> None:
    _forget_authenticator(session, user)
    audit.record(session, "remove-authenticator", "user", user.id)


def has_authenticator(user: User) -> bool:
    return user.totp_secret is not None


def has_second_factor(user: User) -> bool:
    """An authenticator, or a passkey (either one satisfies the policy)."""
    return factor_count(user) > 0


def factor_count(user: User) -> int:
    """The authenticator (with its recovery codes) counts as one, each passkey as one."""
    return int(user.totp_secret is not None) + len(user.passkeys)


def removal_refusal(session: Session, user: User, password: str) -> str | None:
    """Why the account may not remove one of its factors now, in its owner's words: it is the
    last one while the policy requires one, or ``password`` (asked again) is not theirs."""
    if factor_count(user) == 1 and policy_required(session):
        return ("Your program requires a second factor, so the last one cannot be removed. "
                "Add another first, or ask an administrator to reset it.")
    return password_refusal(user, password)


def password_refusal(user: User, password: str) -> str | None:
    """The answer when the password asked again before a change to the factors is not the
    account's; None when it is."""
    if verify_password(user.password_hash, password):
        return None
    return "That is not your password; nothing was changed."


@dataclass(frozen=True)
class Outcome:
    method: str | None  # "authenticator" or "recovery-code"; None when the code was wrong


def check_code(session: Session, user: User, code: str, purpose: str) -> Outcome:
    """Accept an authenticator code (current or previous step, never one at or before the last
    accepted) or an unused recovery code (then used up). Audited either way; the caller
    counts a failure toward the lockout."""
    code = code.strip().lower().replace(" ", "")
    method = None
    if user.totp_secret is not None and TOTP_CODE.match(code):
        try:
            secret = unseal(user.totp_secret)
        except SecretUnreadable:  # production refuses to start in this state (readiness)
            secret = None
        step = _matching_step(secret, code, user.totp_last_step) if secret else None
        if step is not None:
            user.totp_last_step = step
            method = "authenticator"
    elif RECOVERY_CODE.match(code):
        found = session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == _hash_recovery_code(code)).with_for_update())
        if found is not None:
            found.used_at = utcnow()
            method = "recovery-code"
    audit.record(session, "second-factor", "user", user.id,
                 outcome="ok" if method else "failed",
                 detail={"purpose": purpose, **({"method": method} if method else {})},
                 user_id=user.id)
    return Outcome(method)


def policy_required(session: Session) -> bool:
    """Does every account need a second factor (the environment or the admin's setting)?"""
    if current_app.config["REQUIRE_MFA"]:
        return True
    return bool(session.scalar(select(ProgramPolicy.require_second_factor)
                               .where(ProgramPolicy.id == 1)))


def set_policy(session: Session, required: bool, by: User) -> None:
    policy = session.get(ProgramPolicy, 1) or ProgramPolicy(id=1)
    policy.require_second_factor = required
    policy.updated_by_id, policy.updated_at = by.id, utcnow()
    session.add(policy)
    audit.record(session, "require-second-factor" if required else "allow-password-only",
                 "program-policy", 1)


def reset(session: Session, user: User) -> None:
    """An admin's reset for a user who lost their factors: every factor (authenticator,
    recovery codes, passkeys) goes, the account's sessions end, and it must enrol again at
    its next sign-in."""
    _forget_authenticator(session, user)
    user.passkeys.clear()
    user.must_enrol_second_factor = True
    user.rotate_session_token()
    audit.record(session, "reset-second-factors", "user", user.id)


def reseal_all(session: Session) -> tuple[int, list[str]]:
    """Re-encrypt every authenticator secret under the current SECRET_KEY (after a rotation):
    how many were resealed, and the emails of those no key opens."""
    resealed, unreadable = 0, []
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        try:
            user.totp_secret = reseal(user.totp_secret)
            resealed += 1
        except SecretUnreadable:
            unreadable.append(user.email)
    audit.record(session, "reseal-secrets", "program-policy", 1, detail={"resealed": resealed})
    return resealed, unreadable

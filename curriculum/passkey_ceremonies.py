"""Passkeys (WebAuthn, through py_webauthn): registering one, and checking one's answer for the
second step of sign-in, a sign-in without a password, or a signature's step-up.

Each ceremony's challenge is kept in the session, for one use and CHALLENGE_SECONDS. The
session is a signed cookie that a client could send again, so the database holds the other
half: a passkey never answers a challenge issued before its last accepted use. Operations
write their audit events in the caller's transaction."""

import datetime
from dataclasses import dataclass
from typing import Any

from flask import current_app, session
from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_user_handle,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from curriculum import audit
from models import Passkey, User, utcnow

RP_NAME = "Groupwork"
# The browser gives up after TIMEOUT_MS; the challenge lasts a little longer than that.
TIMEOUT_MS = 120_000
CHALLENGE_SECONDS = 180
NAME_MAX = 60
# Ceremonies, by what the answer is for. The second step follows a right password, so user
# verification is only preferred there; alone (no password, or a signature) it is required.
REGISTER, SECOND_STEP, SIGN_IN, STEP_UP = "register", "second-step", "sign-in", "step-up"
_USER_VERIFICATION_REQUIRED = frozenset({SIGN_IN, STEP_UP})
_KEY = "passkey_challenges"
# What a malformed or forged answer raises inside the library's parsing and checks.
_BAD_ANSWER = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)
_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


def _relying_party() -> tuple[str, str]:
    return current_app.config["WEBAUTHN_RP_ID"], current_app.config["WEBAUTHN_ORIGIN"]


def _issue(ceremony: str, challenge: bytes, user: User | None, **extra: str) -> None:
    challenges = dict(session.get(_KEY) or {})
    challenges[ceremony] = {"challenge": bytes_to_base64url(challenge),
                            "at": utcnow().timestamp(), "user": user and user.id, **extra}
    session[_KEY] = challenges


def _take(ceremony: str) -> dict[str, Any] | None:
    """The challenge issued for ``ceremony``, at most once, and only while it is fresh."""
    challenges = dict(session.get(_KEY) or {})
    issued = challenges.pop(ceremony, None)
    session[_KEY] = challenges
    if not isinstance(issued, dict) or utcnow().timestamp() - issued["at"] > CHALLENGE_SECONDS:
        return None
    return issued


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        id=passkey.credential_id,
        transports=[AuthenticatorTransport(t) for t in passkey.transports if t in _TRANSPORTS])


def registration_options(user: User) -> str:
    """The options for ``navigator.credentials.create()``, as JSON (the challenge is kept).
    A discoverable credential is required where passkeys may sign in without a password."""
    rp_id, _ = _relying_party()
    handle = user.passkey_user_handle or generate_user_handle()
    resident_key = (ResidentKeyRequirement.REQUIRED if current_app.config["PASSKEY_SIGN_IN"]
                    else ResidentKeyRequirement.PREFERRED)
    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_id=handle, user_name=user.email,
        user_display_name=user.name, timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=resident_key, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(p) for p in user.passkeys])
    _issue(REGISTER, options.challenge, user, handle=bytes_to_base64url(handle))
    return options_to_json(options)


def register(db: Session, user: User, answer: Any, name: str) -> Passkey | None:
    """Keep the passkey the browser made for the registration challenge (None when its
    answer does not verify, the challenge is gone, or the passkey is already registered).
    The caller has checked the password before the challenge was issued. Audited."""
    issued = _take(REGISTER)
    if issued is None or issued["user"] != user.id:
        return None
    rp_id, origin = _relying_party()
    try:
        credential = parse_registration_credential_json(answer)
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(issued["challenge"]),
            expected_rp_id=rp_id, expected_origin=origin)
    except _BAD_ANSWER:
        return None
    if db.scalar(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        return None
    user.passkey_user_handle = user.passkey_user_handle or base64url_to_bytes(issued["handle"])
    passkey = Passkey(user=user, credential_id=verified.credential_id,
                      public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, name=name,
                      transports=[t.value for t in credential.response.transports or []],
                      is_user_verified=verified.user_verified)
    db.add(passkey)
    db.flush()
    user.must_enrol_second_factor = False
    audit.record(db, "register-passkey", "user", user.id,
                 detail={"passkey": passkey.id, "user_verified": verified.user_verified})
    return passkey


def remove(db: Session, passkey: Passkey) -> None:
    """Forget a passkey (the caller has checked the password and the policy). Audited."""
    user_id, passkey_id = passkey.user_id, passkey.id
    passkey.user.passkeys.remove(passkey)
    audit.record(db, "remove-passkey", "user", user_id, detail={"passkey": passkey_id})


def authentication_options(ceremony: str, user: User | None) -> str:
    """The options for ``navigator.credentials.get()``, as JSON (the challenge is kept):
    ``user``'s passkeys only, or (None, a sign-in without a password) whichever passkey of
    this site the authenticator holds."""
    rp_id, _ = _relying_party()
    verification = (UserVerificationRequirement.REQUIRED if ceremony in _USER_VERIFICATION_REQUIRED
                    else UserVerificationRequirement.PREFERRED)
    options = generate_authentication_options(
        rp_id=rp_id, timeout=TIMEOUT_MS, user_verification=verification,
        allow_credentials=[_descriptor(p) for p in user.passkeys] if user else None)
    _issue(ceremony, options.challenge, user)
    return options_to_json(options)


@dataclass(frozen=True)
class Assertion:
    account: User | None  # whose passkey answered, or who was expected to (for the lockout)
    passkey: Passkey | None  # set only when the answer was accepted


def check(db: Session, answer: Any, ceremony: str, purpose: str,
          user: User | None = None) -> Assertion:
    """Accept the browser's answer to ``ceremony``'s challenge: signed by a passkey of
    ``user`` (any account's, when None), user-verified where the ceremony requires it, not a
    replay. Audited as a ``second-factor`` event with ``purpose``, like a code; the caller
    counts a failure toward the lockout."""
    issued = _take(ceremony)
    rp_id, origin = _relying_party()
    passkey, verified = None, None
    try:
        credential = parse_authentication_credential_json(answer)
        passkey = db.scalar(select(Passkey).where(
            Passkey.credential_id == credential.raw_id).with_for_update())
    except _BAD_ANSWER:
        credential = None
    if passkey is not None and user is not None and passkey.user_id != user.id:
        passkey = None
    account = passkey.user if passkey is not None else user
    if issued is not None and passkey is not None and credential is not None and (
            issued["user"] in (None, passkey.user_id)
            and _answers_after_last_use(issued, passkey)
            and _handle_matches(credential.response.user_handle, passkey.user)):
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=base64url_to_bytes(issued["challenge"]),
                expected_rp_id=rp_id, expected_origin=origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=ceremony in _USER_VERIFICATION_REQUIRED)
        except _BAD_ANSWER:
            verified = None
    if verified is not None and passkey is not None:
        passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    detail: dict[str, Any] = {"purpose": purpose, "method": "passkey"}
    if verified is not None and passkey is not None:
        detail |= {"passkey": passkey.id, "user_verified": verified.user_verified}
    audit.record(db, "second-factor", "user", account and account.id,
                 outcome="ok" if verified else "failed", detail=detail,
                 user_id=account and account.id)
    return Assertion(account, passkey if verified else None)


def _answers_after_last_use(issued: dict[str, Any], passkey: Passkey) -> bool:
    at = datetime.datetime.fromtimestamp(issued["at"], datetime.UTC)
    return passkey.last_used_at is None or at > passkey.last_used_at


def _handle_matches(handle: bytes | None, user: User) -> bool:
    """A discoverable passkey names its account too; it must be the one holding it."""
    return handle is None or handle == user.passkey_user_handle

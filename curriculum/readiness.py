"""What production refuses to start with: debug on, a missing or weak SECRET_KEY, an invalid
curriculum library, a database without this version's schema, an account still holding a
password the system printed, or second-factor secrets the keys cannot open. And what it starts
with but warns about: sign-in by password alone."""

import os
import sys

from flask import Flask
from sqlalchemy import select

from curriculum import db, schema, second_factor
from curriculum.secret_box import SecretUnreadable, unseal
from models import User

MIN_SECRET_LENGTH = 32


class NotReadyForProduction(Exception):
    """The message lists every reason, one a line."""


def problems(app: Flask) -> list[str]:
    """Every reason this app must not serve in production (empty when ready)."""
    found = []
    if app.debug or os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes"):
        found.append("debug mode is on; turn it off in production")
    secret = os.environ.get("SECRET_KEY", "")
    if not secret:
        found.append("SECRET_KEY is not set; production needs its own, from the environment")
    elif len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10:
        found.append(f"SECRET_KEY is weak; use at least {MIN_SECRET_LENGTH} random characters "
                     f"(python -c 'import secrets; print(secrets.token_hex(32))')")
    found += [f"curriculum: {problem}" for problem in app.extensions["library"].problems]
    with app.app_context():
        if problem := schema.not_current(db.engine()):
            return [*found, problem]  # the checks of accounts below read its tables
        temporary = db.get_session().scalars(select(User.email).where(
            User.is_active.is_(True), User.is_password_temporary.is_(True))).all()
        unreadable = [email for email, secret in db.get_session().execute(
            select(User.email, User.totp_secret).where(User.totp_secret.is_not(None)))
            if not _opens(secret)]
    found += [f"account {email} still has the one-time password printed at set-up or reset; "
              f"sign in and change it, or deactivate it" for email in temporary]
    found += [f"account {email}: its authenticator secret cannot be opened with SECRET_KEY or "
              f"SECRET_KEY_FALLBACKS; set the key it was sealed with (see README, \"Two-factor "
              f"sign-in\")" for email in unreadable]
    return found


def _opens(sealed: str) -> bool:
    try:
        unseal(sealed)
    except SecretUnreadable:
        return False
    return True


def warnings(app: Flask) -> list[str]:
    """What production starts with but should not keep."""
    with app.app_context():
        required = second_factor.policy_required(db.get_session())
    return [] if required else [
        "accounts may sign in with a password alone: set GROUPWORK_REQUIRE_MFA=1 or turn on "
        "\"Require a second factor\" on the admin's accounts page"]


def ensure_ready(app: Flask) -> None:
    """Raise with every problem at once, so a deployment is fixed in one pass."""
    if found := problems(app):
        raise NotReadyForProduction("Groupwork will not start in production:\n- "
                                    + "\n- ".join(found))
    for warning in warnings(app):
        print(f"Groupwork warning: {warning}", file=sys.stderr)

"""The half-signed-in state between a right password and its second factor: kept in the
session for at most SECOND_STEP_MINUTES and tied to the account's session token, so a
password reset or deactivation in between ends it. Nothing is reachable in this state but
the second step itself."""

import hmac

from flask import current_app, session
from sqlalchemy.orm import Session

from curriculum.db import write_session
from models import User, utcnow

_KEY = "second_step"


def begin(user: User, target: str) -> None:
    """Remember who passed the password, and where they were going."""
    session.clear()
    session[_KEY] = {"user": user.id, "token": user.session_token,
                     "at": utcnow().timestamp(), "next": target}


def pending_account(db: Session) -> User | None:
    """The account waiting for its second step, or None (none, expired, or changed since)."""
    state = session.get(_KEY)
    if not isinstance(state, dict):
        return None
    if utcnow().timestamp() - state["at"] > current_app.config["SECOND_STEP_MINUTES"] * 60:
        session.pop(_KEY)
        return None
    user = db.get(User, state["user"])
    if user is None or not user.is_active or not hmac.compare_digest(
            user.session_token.encode(), state["token"].encode()):
        return None
    return user


def account_to_check() -> User | None:
    """The pending account, in a writer's transaction for checking its second factor (a
    failure counts toward its pause); None, with no transaction held, when there is none."""
    db = write_session()
    user = pending_account(db)
    if user is None:
        db.rollback()
    return user


def target() -> str:
    return session[_KEY]["next"]

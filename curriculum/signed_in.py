"""Who is signed in: the user loader (one indexed read), the idle and absolute session limits,
and the check every request passes before its view."""

import hmac
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import bindparam, exists, literal_column, select, true
from sqlalchemy.orm import Session
from werkzeug.exceptions import SecurityError

from curriculum import accounts
from curriculum.db import DriverQuery, get_session
from curriculum.text import whole_number
from models import CurriculumPermission, Passkey, ProgramPolicy, Role, User, utcnow

login_manager = LoginManager()
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.login_post", "two_factor.second_step",
                              "two_factor.second_step_post", "passkeys.second_step_options",
                              "passkeys.second_step", "passkeys.sign_in_options",
                              "passkeys.sign_in", "home.healthz", "static"})
# What an account that must enrol a second factor can reach until it has.
ENROLMENT_ENDPOINTS = frozenset({"two_factor.account", "two_factor.enrol", "passkeys.account",
                                 "passkeys.registration_options", "passkeys.register"})


@dataclass(frozen=True)
class SignedInUser:
    """Who is signed in, as the check every request makes finds them: what menus, access
    checks and the audit trail need. Views that change the account, or record it as a signer
    or author, load the full record with ``account()``."""

    id: int
    name: str
    email: str
    role: Role
    is_password_temporary: bool
    session_token: str
    # No second factor yet, and the policy (or an admin's reset) says it needs one.
    must_enrol_second_factor: bool
    has_authenticator: bool
    has_passkey: bool
    curriculum_permission: CurriculumPermission
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True  # only active accounts are loaded
    is_anonymous: ClassVar[bool] = False

    @property
    def has_second_factor(self) -> bool:
        return self.has_authenticator or self.has_passkey

    @property
    def can_edit_curriculum(self) -> bool:
        return self.curriculum_permission in (CurriculumPermission.EDITOR,
                                              CurriculumPermission.APPROVER)

    @property
    def can_approve_curriculum(self) -> bool:
        return self.curriculum_permission == CurriculumPermission.APPROVER

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def account(self) -> User:
        """The account's row in this request's session (404 if it went since the check)."""
        user = get_session().get(User, self.id)
        if user is None or user.session_token != self.session_token:
            abort(404)
        return user


_users, _passkeys = User.__table__.c, Passkey.__table__.c
# One indexed read per request: SQLAlchemy's ORM would cost several times the read itself.
SIGNED_IN_QUERY = select(
    _users.id, _users.name, _users.email, _users.role, _users.is_password_temporary,
    _users.session_token, _users.must_enrol_second_factor, _users.totp_secret.is_not(None),
    exists().where(_passkeys.user_id == _users.id),
    select(ProgramPolicy.require_second_factor)
    .where(ProgramPolicy.id == literal_column("1")).scalar_subquery(),
    _users.curriculum_permission,
).where(_users.id == bindparam("user_id"), _users.is_active == true())


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """The signed-in user, only while the session's token matches the account's current one
    (so a sign-out, password change or deactivation ends every session at once)."""
    id_part, _, token = user_id.partition(":")
    account_id = whole_number(id_part, 1, 2**31 - 1)
    if account_id is None or not token:
        return None
    row = current_app.extensions["signed_in_query"].first(user_id=account_id)
    if row is None:
        return None
    (found_id, name, email, role, temporary, current_token, reset, has_authenticator,
     has_passkey, policy, curriculum) = row
    if not hmac.compare_digest(current_token.encode(), token.encode()):
        return None
    required = bool(policy) or current_app.config["REQUIRE_MFA"]
    has_factor = bool(has_authenticator) or bool(has_passkey)
    return SignedInUser(id=found_id, name=name, email=email, role=Role(role),
                        is_password_temporary=bool(temporary), session_token=current_token,
                        must_enrol_second_factor=not has_factor and (bool(reset) or required),
                        has_authenticator=bool(has_authenticator), has_passkey=bool(has_passkey),
                        curriculum_permission=CurriculumPermission(curriculum))


def without_signed_in_user() -> None:
    """Draw this response without asking the database who is signed in, when that check is
    what failed (Flask-Login's template context would otherwise ask again, and fail again)."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


# The idle clock is restarted at most once a minute: a session cookie re-signed and re-sent on
# every request would cost every page for no gain over a 15-minute idle timeout.
SEEN_AT_RESOLUTION_SECONDS = 60


def _session_expired() -> bool:
    now = utcnow().timestamp()
    config = current_app.config
    seen, started = session.get("seen_at", 0), session.get("signed_in_at", 0)
    return (now - seen > config["IDLE_TIMEOUT_MINUTES"] * 60
            or now - started > config["ABSOLUTE_SESSION_HOURS"] * 3600)


def require_sign_in() -> ResponseReturnValue | None:
    """Runs before every request: anonymous users reach only the public endpoints."""
    if request.endpoint in PUBLIC_ENDPOINTS or isinstance(request.routing_exception, SecurityError):
        return None  # public, or an untrusted Host that is answered 400 without a redirect
    if current_user.is_authenticated and _session_expired():
        logout_user()
        session.clear()
        flash("You were signed out after a period without activity. Please sign in again.")
    if not current_user.is_authenticated:
        if request.method != "GET":
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    now = utcnow().timestamp()
    if now - session.get("seen_at", 0) >= SEEN_AT_RESOLUTION_SECONDS:
        session["seen_at"] = now
    if current_user.is_password_temporary and request.endpoint not in (
        "auth.change_password", "auth.change_password_post", "auth.logout"
    ):
        return redirect(url_for("auth.change_password"))
    if (current_user.must_enrol_second_factor
            and request.endpoint not in ENROLMENT_ENDPOINTS | {"auth.logout"}):
        return redirect(url_for("two_factor.account"))
    return None


def start_session(user: User) -> None:
    """A fresh session for an account that passed every step of sign-in."""
    session.clear()  # Flask-Login keeps whatever was in the session before; start clean
    login_user(user)
    session["signed_in_at"] = session["seen_at"] = utcnow().timestamp()


def conclude_sign_in(db: Session, tried: User | None, passed: bool) -> bool:
    """The last step of sign-in, for a code or a passkey alike: a pass clears the failure
    count and starts the session; a failure counts toward the pause of the account that tried
    (when one did). Commits either way; returns whether the session started."""
    if not passed or tried is None:
        if tried is not None:
            accounts.count_failed_sign_in(tried)
        db.commit()
        return False
    accounts.count_signed_in(tried)
    db.commit()
    start_session(tried)
    return True


def safe_next(target: str | None) -> str | None:
    """A redirect target on this site only: a path, never another host or scheme."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.extensions["signed_in_query"] = DriverQuery(app.extensions["engine"], SIGNED_IN_QUERY)
    login_manager.login_view = "auth.login"
    app.before_request(require_sign_in)

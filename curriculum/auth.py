"""Sign-in, sign-out, changing a password, the user loader and the check every request passes."""

import datetime
import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, select, true
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from curriculum import accounts
from curriculum.db import DriverQuery, begin_write, get_session
from curriculum.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    hash_password,
    needs_rehash,
    spend_a_verification,
    verify_password,
)
from models import Role, User, utcnow

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.login_post", "home.healthz", "static"})
SIGN_IN_FAILED = ("That email and password did not match an active account. After five wrong "
                  "tries, sign-in for that account pauses for 15 minutes.")


def password_rules() -> list[Any]:
    return [DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                                   message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters.")]


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
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True  # only active accounts are loaded
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def account(self) -> User:
        """The account's row in this request's session (404 if it went since the check)."""
        user = get_session().get(User, self.id)
        if user is None or user.session_token != self.session_token:
            abort(404)
        return user


_users = User.__table__.c
# One indexed read per request: SQLAlchemy's ORM would cost several times the read itself.
SIGNED_IN_QUERY = select(_users.id, _users.name, _users.email, _users.role,
                         _users.is_password_temporary, _users.session_token).where(
    _users.id == bindparam("user_id"), _users.is_active == true())


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """The signed-in user, only while the session's token matches the account's current one
    (so a sign-out, password change or deactivation ends every session at once)."""
    id_part, _, token = user_id.partition(":")
    if not id_part.isdigit() or not token or int(id_part) > 2**31 - 1:
        return None
    row = current_app.extensions["signed_in_query"].first(user_id=int(id_part))
    if row is None:
        return None
    found_id, name, email, role, temporary, current_token = row
    if not hmac.compare_digest(current_token.encode(), token.encode()):
        return None
    return SignedInUser(id=found_id, name=name, email=email, role=Role(role),
                        is_password_temporary=bool(temporary), session_token=current_token)


def without_signed_in_user() -> None:
    """Draw this response without asking the database who is signed in, when that check is
    what failed (Flask-Login's template context would otherwise ask again, and fail again)."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def _safe_next(target: str | None) -> str | None:
    """A redirect target on this site only: a path, never another host or scheme."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


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
    if request.endpoint in PUBLIC_ENDPOINTS or request_ctx.url_adapter is None:
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
    return None


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a view to some roles; anyone else gets a 404, as if the page did not exist."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    new_password = PasswordField("New password (at least 12 characters)",
                                 validators=password_rules())
    confirm = PasswordField("New password again",
                            validators=[DataRequired(), EqualTo("new_password",
                                                                message="The two do not match.")])

    def validate_new_password(self, field: PasswordField) -> None:
        if field.data == self.current_password.data:
            raise ValidationError("Choose a password different from the current one.")


def _attempt_sign_in(email: str, password: str) -> User | None:
    """Check a password, counting failures and locking the account after too many."""
    db = get_session()
    begin_write(db)
    user = accounts.find_by_email(db, email)
    now = utcnow()
    if user is None or not user.is_active:
        spend_a_verification(password)
        db.rollback()
        return None
    if user.locked_until_at and user.locked_until_at > now:
        spend_a_verification(password)
        db.rollback()
        return None
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["MAX_FAILED_LOGINS"]:
            user.locked_until_at = now + datetime.timedelta(
                minutes=current_app.config["LOCKOUT_MINUTES"])
            user.failed_logins = 0
        db.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until_at = None
    user.last_login_at = now
    db.commit()
    return user


@bp.get("/login")
def login() -> ResponseReturnValue:
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm())


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    """Sign in: a fresh session, then the page the user was sent from."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    user = _attempt_sign_in(form.email.data or "", form.password.data or "")
    if user is None:
        form.form_errors.append(SIGN_IN_FAILED)
        return render_template("auth/login.html", form=form), 401
    # Flask-Login keeps whatever was in the session before; a new sign-in starts clean.
    session.clear()
    login_user(user)
    now = utcnow().timestamp()
    session["signed_in_at"] = session["seen_at"] = now
    return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out everywhere this session was used: the account's session token changes."""
    db = get_session()
    begin_write(db)
    user = db.get(User, current_user.id)
    user.rotate_session_token()
    db.commit()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.get("/account/password")
def change_password() -> ResponseReturnValue:
    """The change-password form (required after a one-time password)."""
    return render_template("auth/change_password.html", form=ChangePasswordForm())


@bp.post("/account/password")
def change_password_post() -> ResponseReturnValue:
    """Change the password; other sessions of this account end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        begin_write(db)
        user = db.get(User, current_user.id)
        if verify_password(user.password_hash, form.current_password.data or ""):
            user.password_hash = hash_password(form.new_password.data or "")
            user.is_password_temporary = False
            user.rotate_session_token()
            db.commit()
            login_user(user)  # keep this session, under the new token
            flash("Your password is changed. Other sessions of this account are signed out.")
            return redirect(url_for("home.index"))
        db.rollback()
        form.current_password.errors = ["That is not your current password."]
    return render_template("auth/change_password.html", form=form), 400


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.extensions["signed_in_query"] = DriverQuery(app.extensions["engine"], SIGNED_IN_QUERY)
    login_manager.login_view = "auth.login"
    app.before_request(require_sign_in)

"""Blueprint: the sign-in form, signing out, and changing one's password."""

from typing import Any

from flask import (
    Blueprint,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from curriculum import accounts, pending_sign_in, second_factor
from curriculum.db import write_session
from curriculum.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    hash_password,
    needs_rehash,
    spend_a_verification,
    verify_password,
)
from curriculum.responses import flash_redirect
from curriculum.signed_in import safe_next, start_session
from models import User

bp = Blueprint("auth", __name__)
SIGN_IN_FAILED = ("That email and password did not match an active account. After five wrong "
                  "tries, sign-in for that account pauses for 15 minutes.")


def password_rules() -> list[Any]:
    return [DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                                   message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters.")]


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
    """Check a password, counting failures and pausing the account after too many. A right
    password does not clear the count while a second step is still to pass."""
    db = write_session()
    user = accounts.find_by_email(db, email)
    if user is None or not user.is_active or accounts.is_locked(user):
        spend_a_verification(password)
        db.rollback()
        return None
    if not verify_password(user.password_hash, password):
        accounts.count_failed_sign_in(user)
        db.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not second_factor.has_second_factor(user):
        accounts.count_signed_in(user)
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
    target = safe_next(request.args.get("next")) or url_for("home.index")
    if second_factor.has_second_factor(user):
        pending_sign_in.begin(user, target)
        return redirect(url_for("two_factor.second_step"))
    start_session(user)
    return redirect(target)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out everywhere this session was used: the account's session token changes."""
    db = write_session()
    user = db.get(User, current_user.id)
    user.rotate_session_token()
    db.commit()
    logout_user()
    session.clear()
    return flash_redirect("You are signed out.", "auth.login")


@bp.get("/account/password")
def change_password() -> ResponseReturnValue:
    """The change-password form (required after a one-time password)."""
    return render_template("auth/change_password.html", form=ChangePasswordForm())


@bp.post("/account/password")
def change_password_post() -> ResponseReturnValue:
    """Change the password; other sessions of this account end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = write_session()
        user = db.get(User, current_user.id)
        if verify_password(user.password_hash, form.current_password.data or ""):
            user.password_hash = hash_password(form.new_password.data or "")
            user.is_password_temporary = False
            user.rotate_session_token()
            db.commit()
            login_user(user)  # keep this session, under the new token
            return flash_redirect("Your password is changed. Other sessions of this account "
                                  "are signed out.", "home.index")
        db.rollback()
        form.current_password.errors = ["That is not your current password."]
    return render_template("auth/change_password.html", form=form), 400

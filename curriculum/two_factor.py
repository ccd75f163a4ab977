"""Blueprint: the second step of sign-in, and each user's own authenticator and recovery
codes (/account/two-factor). Adding or removing a factor asks for the password again."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from curriculum import accounts, pending_sign_in, second_factor
from curriculum.db import get_session, write_session
from curriculum.passwords import PASSWORD_MAX, verify_password
from curriculum.responses import flash_redirect
from curriculum.secret_box import seal, unseal
from curriculum.signed_in import conclude_sign_in
from models import User

bp = Blueprint("two_factor", __name__)
CODE_FAILED = ("That code did not work. Use the 6-digit code your authenticator app shows now, "
               "or one of your recovery codes. After five wrong tries, sign-in for this account "
               "pauses for 15 minutes.")
_NEW_AUTHENTICATOR = "authenticator_being_added"


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter the code."), Length(max=20)])


class PasswordForm(FlaskForm):
    password = PasswordField("Your password",
                             validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class EnrolForm(PasswordForm):
    code = StringField("The 6-digit code your app shows now",
                       validators=[DataRequired("Enter the code."), Length(max=20)])


def _start_over() -> ResponseReturnValue:
    return flash_redirect("Please sign in again.", "auth.login")


@bp.get("/login/second-step")
def second_step() -> ResponseReturnValue:
    """After the password: the authenticator code, or a recovery code."""
    if pending := pending_sign_in.pending_account(get_session()):
        return render_template("two_factor/second_step.html", form=CodeForm(),
                               user=pending)
    return _start_over()


@bp.post("/login/second-step")
def second_step_post() -> ResponseReturnValue:
    """Check the code; a wrong one counts toward the same pause as a wrong password."""
    if (user := pending_sign_in.account_to_check()) is None:
        return _start_over()
    db = get_session()
    form = CodeForm()
    if not form.validate_on_submit():
        db.rollback()
        return render_template("two_factor/second_step.html", form=form, user=user), 400
    if accounts.is_locked(user):
        db.rollback()
        form.form_errors.append(CODE_FAILED)
        return render_template("two_factor/second_step.html", form=form, user=user), 401
    outcome = second_factor.check_code(db, user, form.code.data, purpose="sign-in")
    target = pending_sign_in.target()
    if not conclude_sign_in(db, user, passed=outcome.method is not None):
        form.form_errors.append(CODE_FAILED)
        return render_template("two_factor/second_step.html", form=form, user=user), 401
    if outcome.method == "recovery-code":
        flash(f"You used a recovery code; {second_factor.recovery_codes_left(db, user)} are left. "
              f"Each works once.")
    return redirect(target)


def _account_page(user: User, enrol: EnrolForm | None = None, status: int = 200
                  ) -> ResponseReturnValue:
    """The account's factors; while it has no authenticator, a new secret to add."""
    db = get_session()
    secret = None
    if not second_factor.has_authenticator(user):
        if _NEW_AUTHENTICATOR not in session:
            session[_NEW_AUTHENTICATOR] = seal(second_factor.new_secret())
        secret = unseal(session[_NEW_AUTHENTICATOR])
    return render_template(
        "two_factor/account.html", user=user, secret=secret,
        grouped_secret=secret and second_factor.grouped(secret),
        qr=secret and second_factor.qr_svg(secret, user.email),
        enrol=enrol or EnrolForm(), password_form=PasswordForm(),
        codes_left=second_factor.recovery_codes_left(db, user),
        passkeys=len(user.passkeys),
        required=second_factor.policy_required(db)), status


@bp.get("/account/two-factor")
def account() -> ResponseReturnValue:
    """Your second factor: add an authenticator, or see and change the one you have."""
    return _account_page(current_user.account())


@bp.post("/account/two-factor")
def enrol() -> ResponseReturnValue:
    """Add the authenticator shown on the page: password again, and a code it made."""
    db = write_session()
    user = current_user.account()
    form = EnrolForm()
    if second_factor.has_authenticator(user) or _NEW_AUTHENTICATOR not in session:
        db.rollback()
        return redirect(url_for("two_factor.account"))
    secret = unseal(session[_NEW_AUTHENTICATOR])
    step = None
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.password.data or ""):
            form.password.errors = ["That is not your password."]
        elif (step := second_factor.code_fits_secret(secret, form.code.data)) is None:
            form.code.errors = ["That code does not match. Check the app's clock and the "
                                "secret, then enter the code it shows now."]
    if step is None:
        db.rollback()
        return _account_page(user, enrol=form, status=400)
    codes = second_factor.enrol_authenticator(db, user, secret, step)
    db.commit()
    session.pop(_NEW_AUTHENTICATOR)
    return render_template("two_factor/recovery_codes.html", codes=codes, enrolled=True)


def _password_given() -> str:
    """The password asked again (a form that does not validate gives none)."""
    form = PasswordForm()
    return (form.password.data or "") if form.validate_on_submit() else ""


def _password_confirmed(user: User) -> bool:
    if (refusal := second_factor.password_refusal(user, _password_given())) is None:
        return True
    get_session().rollback()
    flash(refusal)
    return False


@bp.post("/account/two-factor/recovery-codes")
def new_recovery_codes() -> ResponseReturnValue:
    """Ten new recovery codes; the old ones stop working."""
    db = write_session()
    user = current_user.account()
    if not second_factor.has_authenticator(user) or not _password_confirmed(user):
        db.rollback()
        return redirect(url_for("two_factor.account"))
    codes = second_factor.replace_recovery_codes(db, user)
    db.commit()
    return render_template("two_factor/recovery_codes.html", codes=codes, enrolled=False)


@bp.post("/account/two-factor/remove")
def remove() -> ResponseReturnValue:
    """Remove the authenticator (not the last factor while the program requires one)."""
    db = write_session()
    user = current_user.account()
    if not second_factor.has_authenticator(user):
        db.rollback()
        return redirect(url_for("two_factor.account"))
    if refusal := second_factor.removal_refusal(db, user, _password_given()):
        db.rollback()
        return flash_redirect(refusal, "two_factor.account")
    second_factor.remove_authenticator(db, user)
    db.commit()
    return flash_redirect(
        "The authenticator is removed." if second_factor.has_second_factor(user) else
        "The authenticator is removed. Sign-in now asks only for your password.",
        "two_factor.account")

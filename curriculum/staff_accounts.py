"""Blueprint: the admins' page of staff accounts — adding one, resetting its password,
deactivating it, changing its role. (A user's own settings are under /account.)"""

from typing import TypeVar

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from curriculum import accounts, second_factor
from curriculum.access import admins_only, managed_account
from curriculum.db import get_session, write_session
from curriculum.responses import flash_redirect
from curriculum.step_up import step_up_problems
from curriculum.text import clean_line
from models import CurriculumPermission, Role, User

bp = Blueprint("staff_accounts", __name__, url_prefix="/admin/users")
Choice = TypeVar("Choice", Role, CurriculumPermission)
CURRICULUM_LABELS = {CurriculumPermission.NONE: "None",
                     CurriculumPermission.EDITOR: "Editor (drafts topic changes)",
                     CurriculumPermission.APPROVER: "Approver (also approves others' drafts)"}


bp.before_request(admins_only)


class UserForm(FlaskForm):
    name = StringField("Full name (as shown on signatures)",
                       validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            Regexp(r"^[^@\s]+@[^@\s]+$",
                                                   message="Enter an email address.")])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    curriculum = SelectField("Curriculum permission", default=CurriculumPermission.NONE.value,
                             choices=[SelectChoice(p.value, CURRICULUM_LABELS[p])
                                      for p in CurriculumPermission])


def _accounts_page(form: UserForm) -> str:
    session = get_session()
    everyone = session.scalars(select(User).options(selectinload(User.passkeys))
                               .order_by(User.name)).all()
    return render_template("staff_accounts/users.html", users=everyone, form=form, roles=Role,
                           curriculum_labels=CURRICULUM_LABELS,
                           step_up=StepUpForm(), policy_required=second_factor.policy_required(
                               session), required_by_environment=current_app.config["REQUIRE_MFA"])


@bp.get("")
def users() -> ResponseReturnValue:
    """Every account."""
    return _accounts_page(UserForm())


@bp.post("")
def create_user() -> ResponseReturnValue:
    """Add an account with a one-time password, shown once on the answer page."""
    form = UserForm()
    session = write_session()
    if form.validate_on_submit():
        if accounts.find_by_email(session, form.email.data):
            form.email.errors = ["That email already has an account."]
        else:
            password = accounts.one_time_password()
            user = accounts.create_account(session, form.email.data,
                                           clean_line(form.name.data), Role(form.role.data),
                                           password, temporary=True,
                                           curriculum=CurriculumPermission(form.curriculum.data))
            session.commit()
            return render_template("staff_accounts/password.html", user=user,
                                   password=password, created=True)
    session.rollback()
    return _accounts_page(form), 400


@bp.post("/<id:user_id>/password")
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give the account a new one-time password; its sessions end."""
    session = write_session()
    user = managed_account(user_id)
    password = accounts.reset_password(session, user)
    session.commit()
    return render_template("staff_accounts/password.html", user=user, password=password,
                           created=False)


def _refuse(message: str) -> ResponseReturnValue:
    get_session().rollback()
    return flash_redirect(message, "staff_accounts.users")


@bp.post("/<id:user_id>/active")
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate (their sessions end at once) or reactivate an account."""
    session = write_session()
    user = managed_account(user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        return _refuse("You cannot deactivate your own account.")
    accounts.set_active(session, user, active)
    session.commit()
    return flash_redirect(
        f"{user.name} is {'active' if active else 'deactivated; their sessions have ended'}.",
        "staff_accounts.users")


def _chosen(choices: type[Choice], field: str, what: str) -> Choice:
    """The form's choice of one of ``choices``.

    :raise 400: for anything else.
    """
    try:
        return choices(request.form.get(field, ""))
    except ValueError:
        abort(400, description=f"Choose {what}.")


@bp.post("/<id:user_id>/role")
def change_role(user_id: int) -> ResponseReturnValue:
    """Change an account's role (their sessions end, so the new role applies at once)."""
    session = write_session()
    user = managed_account(user_id)
    role = _chosen(Role, "role", "a role")
    if user.id == current_user.id and role != Role.ADMIN:
        return _refuse("Another admin must change your own role.")
    if role != Role.SUPERVISOR and (supervised := accounts.groups_supervised(session, user)):
        # A group's logs would wait for a co-signature no one can give.
        return _refuse(f"{user.name} supervises {', '.join(supervised)}: choose another "
                       f"supervisor for {'it' if len(supervised) == 1 else 'them'} first.")
    accounts.change_role(session, user, role)
    session.commit()
    return flash_redirect(f"{user.name} is now a {role.value}.", "staff_accounts.users")


@bp.post("/<id:user_id>/curriculum")
def set_curriculum_permission(user_id: int) -> ResponseReturnValue:
    """Let an account edit the curriculum, edit and approve it, or neither."""
    session = write_session()
    user = managed_account(user_id)
    permission = _chosen(CurriculumPermission, "curriculum", "a curriculum permission")
    accounts.set_curriculum_permission(session, user, permission)
    session.commit()
    return flash_redirect(f"{user.name}'s curriculum permission: {CURRICULUM_LABELS[permission]}.",
                          "staff_accounts.users")


class StepUpForm(FlaskForm):
    """The admin's own password (and code, when they have a second factor) again, or a
    user-verified passkey (whose answer the page's script adds), checked by ``_step_up``."""

    password = PasswordField("Your password", validators=[Length(max=1024)])
    code = StringField("Code from your authenticator app (or a recovery code)",
                       validators=[Length(max=20)])


def _step_up(form: StepUpForm, purpose: str) -> bool:
    if not form.validate_on_submit():
        return False
    problems = step_up_problems(get_session(), current_user.account(), request.form, purpose)
    for name, message in problems.items():
        getattr(form, name).errors = [message.replace("to sign", "to confirm")]
    return not problems


@bp.get("/<id:user_id>/two-factor-reset")
def confirm_two_factor_reset(user_id: int) -> ResponseReturnValue:
    """Confirm resetting an account's second factors (for a user who lost them)."""
    return render_template("staff_accounts/two_factor_reset.html",
                           user=managed_account(user_id), form=StepUpForm())


@bp.post("/<id:user_id>/two-factor-reset")
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """Remove every second factor of the account; it enrols again at its next sign-in."""
    session = write_session()
    user = managed_account(user_id)
    form = StepUpForm()
    if not _step_up(form, "reset-second-factors"):
        session.commit()  # keeps the audit event of a failed code
        return render_template("staff_accounts/two_factor_reset.html", user=user,
                               form=form), 400
    second_factor.reset(session, user)
    session.commit()
    return flash_redirect(f"{user.name}'s second factors are removed; they add one again at "
                          f"their next sign-in.", "staff_accounts.users")


@bp.post("/policy")
def set_policy() -> ResponseReturnValue:
    """Require a second factor of every account, or stop requiring it."""
    session = write_session()
    form = StepUpForm()
    required = request.form.get("require_second_factor") == "1"
    if not _step_up(form, "set-second-factor-policy"):
        session.commit()
        return flash_redirect("The setting is unchanged: " + " ".join(
            message for field in (form.password, form.code) for message in field.errors),
            "staff_accounts.users")
    second_factor.set_policy(session, required, current_user.account())
    session.commit()
    return flash_redirect("Every account now needs a second factor." if required else
                          "Accounts may sign in with a password alone (unless "
                          "GROUPWORK_REQUIRE_MFA=1).", "staff_accounts.users")

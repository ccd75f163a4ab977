"""Staff accounts: finding, creating and changing them, for the admin pages and the command
line alike (each change is audited)."""

import datetime
import re
import secrets

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum import audit
from curriculum.passwords import hash_password, password_problem
from models import CurriculumPermission, Group, Role, User, utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
NAME_MAX = 120


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this email, whatever its case."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def one_time_password() -> str:
    """A password the system prints once; its holder must choose their own at next sign-in."""
    return secrets.token_urlsafe(12)


def new_account_problems(session: Session, email: str, name: str,
                         password: str) -> dict[str, str]:
    """Why an account cannot be made as given, by field (empty when it can)."""
    problems = {}
    if not EMAIL_RE.match(email.strip()) or len(email.strip()) > 254:
        problems["email"] = f"'{email}' is not an email address"
    if not name.strip() or len(name) > NAME_MAX:
        problems["name"] = f"give a name of 1 to {NAME_MAX} characters"
    if reason := password_problem(password):
        problems["password"] = reason
    if "email" not in problems and find_by_email(session, email):
        problems["email"] = f"{email.strip()} already has an account"
    return problems


def create_account(session: Session, email: str, name: str, role: Role, password: str,
                   temporary: bool,
                   curriculum: CurriculumPermission = CurriculumPermission.NONE) -> User:
    """Add the account in the caller's transaction, audited; the caller has checked
    ``new_account_problems``. ``temporary``: the password was shown by the system."""
    user = User(email=email.strip().lower(), name=name.strip(), role=role,
                password_hash=hash_password(password), is_password_temporary=temporary,
                curriculum_permission=curriculum)
    session.add(user)
    session.flush()
    detail = {"role": user.role} | ({"curriculum": curriculum}
                                    if curriculum != CurriculumPermission.NONE else {})
    audit.record(session, "create-user", "user", user.id, detail=detail)
    return user


def _end_sessions(session: Session, user: User, event: str,
                  detail: dict[str, object] | None = None) -> None:
    """After an admin's change to the account: its sessions end, so the change applies at
    once, and the change is audited."""
    user.rotate_session_token()
    audit.record(session, event, "user", user.id, detail=detail)


def reset_password(session: Session, user: User) -> str:
    """Give the account a new one-time password (returned, to be shown once) and end its
    sessions; the lockout is lifted. Audited in the caller's transaction."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.is_password_temporary = True
    user.failed_logins, user.locked_until_at = 0, None
    _end_sessions(session, user, "reset-password")
    return password


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivate or reactivate the account; either way its sessions end. Audited."""
    user.is_active = active
    _end_sessions(session, user, "activate-user" if active else "deactivate-user")


def groups_supervised(session: Session, user: User) -> list[str]:
    """The names of the groups whose supervisor this account is."""
    return list(session.scalars(select(Group.name).where(Group.supervisor_id == user.id)
                                .order_by(Group.name)))


def change_role(session: Session, user: User, role: Role) -> None:
    """Give the account another role; its sessions end so the role applies at once. Audited."""
    user.role = role
    _end_sessions(session, user, "change-role", detail={"role": role})


def set_curriculum_permission(session: Session, user: User,
                              permission: CurriculumPermission) -> None:
    """What the account may do to the curriculum (none, edit, or edit and approve); it applies
    from the account's next request. Audited."""
    user.curriculum_permission = permission
    audit.record(session, "set-curriculum-permission", "user", user.id,
                 detail={"curriculum": permission})


def is_locked(user: User) -> bool:
    """Paused after too many wrong passwords or codes."""
    return user.locked_until_at is not None and user.locked_until_at > utcnow()


def count_failed_sign_in(user: User) -> None:
    """A wrong password or second-factor code: the fifth in a row pauses sign-in."""
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["MAX_FAILED_LOGINS"]:
        user.locked_until_at = utcnow() + datetime.timedelta(
            minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0


def count_signed_in(user: User) -> None:
    """Every factor passed: the count of failures starts over."""
    user.failed_logins = 0
    user.locked_until_at = None
    user.last_login_at = utcnow()

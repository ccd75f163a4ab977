"""Who may see what: the one place groups, session logs, participants, discharge summaries and
curriculum versions are loaded for a view.

A facilitator reaches the groups they facilitate; a supervisor also the groups they supervise;
an admin manages groups and rosters but reads note text only where they are the supervisor.
A participant's clinical record (their goals) is kept by the staff of the participant's groups.
Every denial looks like a missing page (404) and is written to the audit trail.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn, TypeVar

from flask import abort, request
from flask_login import current_user
from sqlalchemy import BindParameter, Select, exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from curriculum import audit
from curriculum.db import begin_write, get_session, write_session
from models import (
    Attendance,
    ContentKind,
    CurriculumVersion,
    DischargeSummary,
    Enrollment,
    Group,
    NoteGoal,
    Participant,
    ParticipantNote,
    Role,
    SessionLog,
    SpotCheck,
    TreatmentGoal,
    User,
    group_facilitators,
)

_Found = TypeVar("_Found")

# What every page, form and PDF of a log reads, in five statements rather than one per
# participant as the template reaches it. (Signers, reviews and addenda load when shown.)
WHOLE_LOG = (
    joinedload(SessionLog.group).selectinload(Group.facilitators),
    selectinload(SessionLog.attendance).joinedload(Attendance.participant),
    selectinload(SessionLog.notes).selectinload(ParticipantNote.goal_links)
    .joinedload(NoteGoal.goal),
)
# What a discharge summary is read with: its episode's group and staff, and the participant.
_WHOLE_SUMMARY = (
    joinedload(DischargeSummary.enrollment).joinedload(Enrollment.group)
    .selectinload(Group.facilitators),
    joinedload(DischargeSummary.participant),
)


def clinical_group_ids(user: User) -> Select[tuple[int]]:
    """Ids of the groups whose rosters and logs this user may read."""
    return groups_read_by(user.id)


def groups_read_by(user_id: int | BindParameter[int]) -> Select[tuple[int]]:
    """``clinical_group_ids`` by user id, which may be a bound parameter (for a statement
    built once)."""
    return select(Group.id).where(or_(Group.supervisor_id == user_id,
                                      Group.id.in_(facilitated_group_ids(user_id))))


def facilitated_group_ids(user_id: int | BindParameter[int]) -> Select[tuple[int]]:
    """Ids of the groups the account facilitates (its open logs and discharge summaries)."""
    return select(group_facilitators.c.group_id).where(group_facilitators.c.user_id == user_id)


def supervised_group_ids(user: User) -> Select[tuple[int]]:
    """Ids of the groups this user supervises (their review queue, reports and audit trail)."""
    return select(Group.id).where(Group.supervisor_id == user.id)


def facilitates(user: User, group: Group) -> bool:
    return any(f.id == user.id for f in group.facilitators)


def supervises(user: User, group: Group) -> bool:
    return group.supervisor_id == user.id


def can_read(user: User, group: Group) -> bool:
    return facilitates(user, group) or supervises(user, group)


def deny(object_type: str, object_id: object, action: str,
         detail: dict[str, Any] | None = None) -> NoReturn:
    """Record the refused attempt in its own transaction, then answer 404."""
    session = get_session()
    session.rollback()
    begin_write(session)
    audit.record(session, action, object_type, object_id, outcome="denied", detail=detail)
    session.commit()
    abort(404)


def _found(model: type[_Found], object_id: int, object_type: str, action: str,
           allowed: Callable[[_Found], bool] = lambda found: True, options: Sequence[Any] = (),
           detail: dict[str, Any] | None = None) -> _Found:
    """The object, if there is one and ``allowed(it)`` (the signed-in user may have it); else
    the refusal is audited and answered 404: what every loader here starts with."""
    found = get_session().get(model, object_id, options=options)
    if found is None or not allowed(found):
        deny(object_type, object_id, action, detail=detail)
    return found


def managed_account(user_id: int) -> User:
    """An account, for the admin pages (which only admins reach).

    :raise 404: if there is none (the attempt is audited).
    """
    return _found(User, user_id, "user", "manage-account")


def managed_group(group_id: int) -> Group:
    """A group's settings and roster, for the admin pages (never its notes).

    :raise 404: if there is none (the attempt is audited).
    """
    return _found(Group, group_id, "group", "manage-group")


def _page_for(allowed: Callable[[User], bool],
              **marks: object) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: unless ``allowed(current_user)``, a 404 as if the page did not exist,
    and the refusal is audited. ``marks`` become attributes of the view, saying whom it is for."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not allowed(current_user):
                deny("page", request.endpoint, "open-page")
            return view(*args, **kwargs)

        vars(wrapped).update(marks)
        return wrapped

    return decorator


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a view to some roles; anyone else gets a 404, as if the page did not exist, and
    the refusal is audited."""
    return _page_for(lambda user: user.role in roles, allowed_roles=frozenset(roles))


@roles_required(Role.ADMIN)
def admins_only() -> None:
    """For a blueprint's ``before_request``: every page is for admins; anyone else gets a 404,
    audited."""


@roles_required(Role.SUPERVISOR)
def supervisors_only() -> None:
    """For a blueprint's ``before_request``: every page is a supervisor's; anyone else gets a
    404, audited, whatever group is asked (even an empty queue)."""


@_page_for(lambda user: user.can_edit_curriculum)
def curriculum_editors_only() -> None:
    """For a blueprint's ``before_request``: anyone without a curriculum permission gets a
    404, as if the page did not exist, and the refusal is audited."""


def curriculum_approvers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Limit a view to curriculum approvers; an editor who is not one gets a 404, audited."""
    return _page_for(lambda user: user.can_approve_curriculum,
                     for_curriculum_approvers=True)(view)


def get_version(kind: ContentKind, slug: str, number: int,
                action: str = "view-version") -> CurriculumVersion:
    """One version of a topic (or track), for curriculum editors (the blueprint has checked
    the permission). Writes take the curriculum's lock first (``curriculum_versions.lock``).

    :raise 404: if there is none (the attempt is audited).
    """
    version = get_session().scalar(select(CurriculumVersion).where(
        CurriculumVersion.kind == kind, CurriculumVersion.slug == slug,
        CurriculumVersion.number == number))
    if version is None:
        deny(f"{kind}-version", None, action, detail={"slug": slug[:64], "number": number})
    return version


def get_group(group_id: int, action: str = "view-group",
              allowed: Callable[[User, Group], bool] = can_read,
              detail: dict[str, object] | None = None) -> Group:
    """A group whose roster and logs the signed-in user may read, or whatever ``allowed`` says
    (for example ``supervises`` for reports). The access is audited in the caller's transaction.

    :raise 404: if it does not exist or is not theirs (the denial is audited).
    """
    session = write_session()
    group = _found(Group, group_id, "group", action, lambda group: allowed(current_user, group))
    audit.record(session, action, "group", group_id, detail=detail)
    return group


def read_group(group_id: int, action: str = "view-group",
               allowed: Callable[[User, Group], bool] = can_read,
               detail: dict[str, object] | None = None) -> Group:
    """A group to show (a page, a report, an export), like ``get_group`` but with the access
    committed to the audit trail before anything is shown, so no caller can lose it.

    :raise 404: if it does not exist or is not theirs (the denial is audited).
    """
    group = get_group(group_id, action, allowed, detail)
    get_session().commit()
    return group


def get_log(log_id: int, action: str = "view-log",
            allowed: Callable[[User, Group], bool] = can_read) -> SessionLog:
    """A session log the signed-in user may read, or whatever ``allowed`` says (for example
    ``facilitates`` for edits). The access is audited in the caller's transaction.

    :raise 404: if it does not exist or is not theirs (the denial is audited).
    """
    session = write_session()
    session_log = _allowed_log(log_id, action, allowed)
    audit.record(session, action, "session-log", log_id, detail={"group": session_log.group_id})
    return session_log


def _allowed_log(log_id: int, action: str,
                 allowed: Callable[[User, Group], bool]) -> SessionLog:
    """The whole log if the signed-in user may do ``action`` on it; else the refusal is
    audited and answered 404."""
    return _found(SessionLog, log_id, "session-log", action,
                  lambda session_log: allowed(current_user, session_log.group), options=WHOLE_LOG)


def _record_read(action: str, object_type: str, object_id: int,
                 detail: dict[str, object] | None = None) -> None:
    """After a read without the write lock: append the access to the audit trail and commit
    it, taking the lock only for that. (Holding it through the read made every view of a log
    wait for every other.)"""
    session = get_session()
    session.commit()  # ends the read; what was loaded stays loaded
    begin_write(session)
    audit.record(session, action, object_type, object_id, detail=detail)
    session.commit()


def read_log(log_id: int, action: str = "view-log",
             allowed: Callable[[User, Group], bool] = can_read) -> SessionLog:
    """A session log to show (a page or a PDF), like ``get_log`` but read without the write
    lock, with the access committed to the audit trail before anything is shown.

    :raise 404: if it does not exist or is not theirs (the denial is audited).
    """
    session_log = _allowed_log(log_id, action, allowed)
    _record_read(action, "session-log", log_id, detail={"group": session_log.group_id})
    return session_log


def get_spot_check(check_id: int, action: str) -> SpotCheck:
    """A spot-check of the signed-in supervisor, in a group they still supervise; the access is
    audited in the caller's transaction.

    :raise 404: if it does not exist or is not theirs (the denial is audited).
    """
    session = write_session()
    check = _found(SpotCheck, check_id, "spot-check", action,
                   lambda check: check.supervisor_id == current_user.id
                   and supervises(current_user, check.group))
    audit.record(session, action, "spot-check", check_id)
    return check


def staffs_participant(user: User, participant_id: int) -> bool:
    """Whether the user facilitates or supervises a group the participant is or was enrolled in
    (the staff who keep the participant's goals)."""
    return bool(get_session().scalar(select(exists().where(
        Enrollment.participant_id == participant_id,
        Enrollment.group_id.in_(clinical_group_ids(user))))))


def openable_participants(user: User, participant_ids: Iterable[int]) -> set[int]:
    """Which of these participants' pages the user may open (``staffs_participant``), in one
    statement: the pages that show names link only these."""
    wanted = set(participant_ids)
    if not wanted:
        return set()
    return set(get_session().scalars(select(Enrollment.participant_id).where(
        Enrollment.participant_id.in_(wanted),
        Enrollment.group_id.in_(clinical_group_ids(user))).distinct()))


def _allowed_participant(participant_id: int, action: str) -> Participant:
    return _found(Participant, participant_id, "participant", action,
                  lambda participant: staffs_participant(current_user, participant.id))


def get_participant(participant_id: int, action: str) -> Participant:
    """A participant whose record the signed-in user keeps (``staffs_participant``). The access
    is audited in the caller's transaction.

    :raise 404: if there is none or they are not in the user's groups (the denial is audited).
    """
    session = write_session()
    participant = _allowed_participant(participant_id, action)
    audit.record(session, action, "participant", participant_id)
    return participant


def read_participant(participant_id: int, action: str) -> Participant:
    """A participant to show, like ``get_participant`` but read without the write lock and with
    the access committed to the audit trail before anything is shown (as ``read_log``).

    :raise 404: if there is none or they are not in the user's groups (the denial is audited).
    """
    participant = _allowed_participant(participant_id, action)
    _record_read(action, "participant", participant_id)
    return participant


def get_goal(participant_id: int, goal_id: int, action: str) -> TreatmentGoal:
    """One of the participant's treatment goals, for a user who keeps their record; the access
    is audited in the caller's transaction (committed by the caller, also for a read).

    :raise 404: if the participant is not theirs, or the goal is not that participant's (the
        denial is audited).
    """
    session = write_session()
    _allowed_participant(participant_id, action)
    goal = _found(TreatmentGoal, goal_id, "treatment-goal", action,
                  lambda goal: goal.participant_id == participant_id)
    audit.record(session, action, "treatment-goal", goal_id,
                 detail={"participant": participant_id})
    return goal


def get_episode(participant_id: int, action: str) -> Enrollment:
    """The participant's open episode (their earliest enrollment not yet discharged) in a group
    the signed-in user facilitates: what a new discharge summary covers. The access is audited
    in the caller's transaction.

    :raise 404: if there is none (the denial is audited).
    """
    session = write_session()
    enrollment = session.scalars(
        select(Enrollment).options(joinedload(Enrollment.group), joinedload(Enrollment.participant))
        .where(Enrollment.participant_id == participant_id, Enrollment.discharged_on.is_(None),
               Enrollment.group_id.in_(facilitated_group_ids(current_user.id)))
        .order_by(Enrollment.admitted_on, Enrollment.id)).first()
    if enrollment is None:
        deny("participant", participant_id, action)
    audit.record(session, action, "participant", participant_id,
                 detail={"enrollment": enrollment.id})
    return enrollment


def _allowed_summary(participant_id: int, summary_id: int, action: str,
                     allowed: Callable[[User, Group], bool],
                     authored: bool = False) -> DischargeSummary:
    return _found(DischargeSummary, summary_id, "discharge-summary", action,
                  lambda summary: summary.participant_id == participant_id
                  and allowed(current_user, summary.enrollment.group)
                  and (not authored or summary.created_by_id == current_user.id),
                  options=_WHOLE_SUMMARY, detail={"participant": participant_id})


def get_summary(participant_id: int, summary_id: int, action: str,
                allowed: Callable[[User, Group], bool] = can_read,
                authored: bool = False) -> DischargeSummary:
    """A discharge summary of the participant's, in a group the signed-in user may read (or
    whatever ``allowed`` says: ``facilitates`` to edit and sign, ``supervises`` to co-sign);
    with ``authored``, only one the user drafted (to discard it). The access is audited in the
    caller's transaction.

    :raise 404: if there is none, it is another participant's, or not theirs (audited).
    """
    session = write_session()
    summary = _allowed_summary(participant_id, summary_id, action, allowed, authored)
    audit.record(session, action, "discharge-summary", summary_id,
                 detail={"participant": participant_id})
    return summary


def read_summary(participant_id: int, summary_id: int, action: str,
                 allowed: Callable[[User, Group], bool] = can_read) -> DischargeSummary:
    """A discharge summary to show (a page or a PDF), like ``get_summary`` but read without
    the write lock and with the access committed to the audit trail first (as ``read_log``).

    :raise 404: if there is none, it is another participant's, or not theirs (audited).
    """
    summary = _allowed_summary(participant_id, summary_id, action, allowed)
    _record_read(action, "discharge-summary", summary_id, detail={"participant": participant_id})
    return summary

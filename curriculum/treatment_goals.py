"""Treatment goals: add a goal, change it (each change kept in its history), and the goals a
log form offers for each participant's note.

Views and demo data call these and commit; each writes its audit event (ids and field names,
never the goal's text) in the same transaction.
"""

import dataclasses
import datetime
import enum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from curriculum import audit
from models import GoalChange, GoalStatus, Participant, SessionLog, TreatmentGoal, User

# A short list: the goals a note can tick stay readable on the log form.
MAX_ACTIVE_GOALS = 8
FIELD_LABELS = {"problem": "Problem", "goal": "Goal", "objective": "Measurable objective",
                "target_on": "Target date", "status": "Status",
                "plan_reference": "Treatment plan reference"}
STATUS_LABELS = {GoalStatus.ACTIVE: "Active", GoalStatus.MET: "Met",
                 GoalStatus.REVISED: "Revised (replaced by a new goal)",
                 GoalStatus.DROPPED: "Dropped"}


@dataclasses.dataclass(frozen=True)
class GoalValues:
    """What staff write for a goal (validated by the form)."""

    problem: str
    goal: str
    objective: str
    target_on: datetime.date
    plan_reference: str | None
    status: GoalStatus = GoalStatus.ACTIVE


def _as_stored(value: object) -> str | None:
    """A field's value as its history keeps it (dates as ISO text, statuses as their word)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def active_goal_count(session: Session, participant_id: int) -> int:
    return session.scalar(select(func.count()).select_from(TreatmentGoal).where(
        TreatmentGoal.participant_id == participant_id,
        TreatmentGoal.status == GoalStatus.ACTIVE)) or 0


def add_goal(session: Session, participant: Participant, user: User,
             values: GoalValues) -> TreatmentGoal:
    """A new goal of the participant's, its first history entry and the audit event."""
    goal = TreatmentGoal(participant=participant, created_by_id=user.id,
                         **dataclasses.asdict(values))
    session.add(goal)
    session.flush()
    session.add(GoalChange(goal=goal, changed_by_id=user.id, changes={
        name: [None, _as_stored(value)] for name, value in dataclasses.asdict(values).items()
        if value is not None}))
    audit.record(session, "add-goal", "treatment-goal", goal.id, user_id=user.id,
                 detail={"participant": participant.id})
    return goal


def change_goal(session: Session, goal: TreatmentGoal, user: User,
                values: GoalValues) -> list[str]:
    """Apply what changed, keeping each changed field's value before and after in the goal's
    history; returns the names of the changed fields (none: nothing is written)."""
    changes = {}
    for name, value in dataclasses.asdict(values).items():
        before, after = _as_stored(getattr(goal, name)), _as_stored(value)
        if before != after:
            changes[name] = [before, after]
            setattr(goal, name, value)
    if not changes:
        return []
    session.add(GoalChange(goal=goal, changed_by_id=user.id, changes=changes))
    session.flush()
    audit.record(session, "update-goal", "treatment-goal", goal.id, user_id=user.id,
                 detail={"participant": goal.participant_id, "fields": sorted(changes)})
    return sorted(changes)


def goal_choices(session: Session, session_log: SessionLog) -> dict[int, list[TreatmentGoal]]:
    """For each participant on the log, the goals their note may tick: the active ones, and any
    the note already ticks whatever its status now (so a save never drops a tick unseen)."""
    people = [row.participant_id for row in session_log.attendance]
    ticked = [link.goal_id for note in session_log.notes for link in note.goal_links]
    choices: dict[int, list[TreatmentGoal]] = {pid: [] for pid in people}
    for goal in session.scalars(
            select(TreatmentGoal).where(
                TreatmentGoal.participant_id.in_(people),
                or_(TreatmentGoal.status == GoalStatus.ACTIVE, TreatmentGoal.id.in_(ticked)))
            .order_by(TreatmentGoal.id)):
        choices[goal.participant_id].append(goal)
    return choices

"""Blueprint: a participant's treatment goals, kept by the staff of the participant's groups
(the "golden thread" each note ties to). Every read and write is audited; a goal's changes are
kept in its history."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from curriculum import treatment_goals
from curriculum.access import get_goal, get_participant, read_participant
from curriculum.db import STALE, flush_unless_stale, get_session
from curriculum.responses import flash_redirect
from curriculum.text import clean, clean_line
from curriculum.treatment_goals import STATUS_LABELS
from models import GoalStatus, Participant, TreatmentGoal

bp = Blueprint("goals", __name__)
MAX_TEXT = 1000


def _text(value: str | None) -> str | None:
    return clean(value) if isinstance(value, str) else value


def _line(value: str | None) -> str | None:
    return clean_line(value) if isinstance(value, str) else value


def _required(message: str) -> list:
    return [DataRequired(message), Length(max=MAX_TEXT)]


class GoalForm(FlaskForm):
    problem = TextAreaField("Problem (what gets in the way, in the plan's or the participant's "
                            "words)", validators=_required("Describe the problem."),
                            filters=[_text])
    goal = TextAreaField("Goal", validators=_required("Write the goal."), filters=[_text])
    objective = TextAreaField("Measurable objective (what, how often or how much, by when)",
                              validators=_required("Write how progress will be measured."),
                              filters=[_text])
    target_on = DateField("Target date", validators=[DataRequired(
        "Enter the target date, for example 2026-05-01.")])
    plan_reference = StringField("Where it is in the chart's treatment plan (optional)",
                                 validators=[Optional(), Length(max=120)], filters=[_line])

    def values(self, status: GoalStatus = GoalStatus.ACTIVE) -> treatment_goals.GoalValues:
        return treatment_goals.GoalValues(
            problem=self.problem.data, goal=self.goal.data, objective=self.objective.data,
            target_on=self.target_on.data, plan_reference=self.plan_reference.data or None,
            status=status)


class GoalEditForm(GoalForm):
    status = SelectField("Status", choices=[SelectChoice(s.value, label)
                                            for s, label in STATUS_LABELS.items()])
    version = HiddenField()


def _goals_page(participant: Participant, form: GoalForm, status: int = 200
                ) -> ResponseReturnValue:
    goals = sorted(get_session().scalars(
        select(TreatmentGoal).where(TreatmentGoal.participant_id == participant.id)
        .options(selectinload(TreatmentGoal.history))),
        key=lambda g: (g.status != GoalStatus.ACTIVE, g.id))
    return render_template("goals/index.html", participant=participant, goals=goals, form=form,
                           status_labels=STATUS_LABELS,
                           max_active=treatment_goals.MAX_ACTIVE_GOALS), status


@bp.get("/participants/<id:participant_id>/goals")
def index(participant_id: int) -> ResponseReturnValue:
    """The participant's goals, and the form to add one."""
    participant = read_participant(participant_id, "view-goals")
    return _goals_page(participant, GoalForm())


@bp.post("/participants/<id:participant_id>/goals")
def add(participant_id: int) -> ResponseReturnValue:
    """Add a goal (active) to the participant's list."""
    session = get_session()
    participant = get_participant(participant_id, "add-goal")
    form = GoalForm()
    valid = form.validate_on_submit()
    if valid and treatment_goals.active_goal_count(
            session, participant.id) >= treatment_goals.MAX_ACTIVE_GOALS:
        form.form_errors.append(
            f"{participant.display_name} already has {treatment_goals.MAX_ACTIVE_GOALS} active "
            f"goals: mark one met, revised or dropped before adding another.")
        valid = False
    if not valid:
        session.commit()  # the attempt stays in the audit trail; nothing else is saved
        return _goals_page(participant, form, status=400)
    treatment_goals.add_goal(session, participant, current_user.account(), form.values())
    session.commit()
    return flash_redirect("Goal added.", "goals.index", participant_id=participant_id)


def _edit_page(goal: TreatmentGoal, form: GoalEditForm, conflict: TreatmentGoal | None = None,
               status: int = 200) -> ResponseReturnValue:
    return render_template("goals/edit.html", goal=goal, participant=goal.participant,
                           form=form, conflict=conflict, labels=treatment_goals.FIELD_LABELS,
                           status_labels=STATUS_LABELS), status


def _conflict(goal: TreatmentGoal, form: GoalEditForm) -> ResponseReturnValue:
    """Someone saved the goal after this form was opened: their goal is shown beside the
    user's text, and saving again (now knowingly) replaces it."""
    form.version.data = str(goal.version)
    return _edit_page(goal, form, conflict=goal, status=409)


@bp.get("/participants/<id:participant_id>/goals/<id:goal_id>/edit")
def edit(participant_id: int, goal_id: int) -> ResponseReturnValue:
    """One goal: change it or its status, with every earlier change below."""
    goal = get_goal(participant_id, goal_id, "view-goal")
    get_session().commit()
    form = GoalEditForm(obj=goal)
    form.status.data = goal.status.value
    return _edit_page(goal, form)


@bp.post("/participants/<id:participant_id>/goals/<id:goal_id>/edit")
def update(participant_id: int, goal_id: int) -> ResponseReturnValue:
    """Save a goal's changes; a form opened before someone else's save is refused, with the
    user's text kept beside the saved goal."""
    session = get_session()
    goal = get_goal(participant_id, goal_id, "edit-goal")
    form = GoalEditForm()
    if not form.validate_on_submit():
        session.commit()
        return _edit_page(goal, form, status=400)
    if form.version.data != str(goal.version):
        session.commit()
        return _conflict(goal, form)
    changed = flush_unless_stale(session, lambda: treatment_goals.change_goal(
        session, goal, current_user.account(), form.values(GoalStatus(form.status.data))))
    if changed is STALE:
        goal = get_goal(participant_id, goal_id, "edit-goal")
        session.commit()
        return _conflict(goal, form)
    session.commit()
    return flash_redirect("Goal saved." if changed else "Nothing changed.", "goals.index",
                          participant_id=participant_id)

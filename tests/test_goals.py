"""Treatment goals: kept by the staff of the participant's groups, every change in an
append-only history, every read and write audited, anyone else answered 404 (audited)."""

import datetime
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from curriculum import audit, db
from models import (
    AppendOnlyError,
    AuditEvent,
    GoalChange,
    GoalStatus,
    Group,
    TreatmentGoal,
    User,
)
from tests.helpers import client_for, csrf_token, start_log

GOAL = {"problem": "Drinks on the way home after arguments at work.",
        "goal": "Get home from work without drinking.",
        "objective": "Use urge surfing or call a support person on 5 of 7 workdays, kept on a "
                     "card, for 4 weeks.",
        "target_on": "2026-04-30", "plan_reference": "Plan of 2 Mar, problem 1"}


def add_goal(client: FlaskClient, participant_id: int, **changes: str) -> object:
    url = f"/participants/{participant_id}/goals"
    return client.post(url, data={**GOAL, **changes, "csrf_token": csrf_token(client, url)})


def edit_form(client: FlaskClient, participant_id: int, goal_id: int) -> dict[str, str]:
    """The edit form as its page submits it."""
    url = f"/participants/{participant_id}/goals/{goal_id}/edit"
    page = client.get(url).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    return {**GOAL, "status": "active", "version": version,
            "csrf_token": csrf_token(client, url)}


def goals_of(app: Flask, participant_id: int) -> list[TreatmentGoal]:
    with app.app_context():
        goals = db.get_session().scalars(select(TreatmentGoal).where(
            TreatmentGoal.participant_id == participant_id).order_by(TreatmentGoal.id)).all()
        for goal in goals:
            _ = [change.changed_by for change in goal.history]
        return list(goals)


def events(app: Flask, **where: object) -> list[tuple]:
    with app.app_context():
        query = select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
                       AuditEvent.outcome, AuditEvent.detail).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return [tuple(row) for row in db.get_session().execute(query)]


def test_add_then_change_a_goal_keeping_its_history(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    client = client_for(app, staff["facilitator"])
    maria = group.participants[0]  # type: ignore[attr-defined]
    page = client.get(f"/participants/{maria.id}/goals")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "No goals recorded yet" in page.get_data(as_text=True)
    assert add_goal(client, maria.id).status_code == 302
    [goal] = goals_of(app, maria.id)
    assert (goal.goal, goal.status, goal.target_on) == (
        GOAL["goal"], GoalStatus.ACTIVE, datetime.date(2026, 4, 30))
    listed = client.get(f"/participants/{maria.id}/goals").get_data(as_text=True)
    assert GOAL["objective"] in listed and "Plan of 2 Mar, problem 1" in listed

    # The supervisor marks it met and adds to the objective; the facilitator sees who and what.
    supervisor = client_for(app, staff["supervisor"])
    form = edit_form(supervisor, maria.id, goal.id)
    response = supervisor.post(f"/participants/{maria.id}/goals/{goal.id}/edit", data={
        **form, "status": "met", "objective": "Met: 5 of 7 workdays for 4 weeks."})
    assert response.status_code == 302
    [goal] = goals_of(app, maria.id)
    assert goal.status == GoalStatus.MET and goal.version == 2
    added, changed = goal.history
    assert added.changes["goal"] == [None, GOAL["goal"]] and added.changed_by.name == "Fran Facil"
    assert changed.changes == {"status": ["active", "met"],
                               "objective": [GOAL["objective"],
                                             "Met: 5 of 7 workdays for 4 weeks."]}
    assert changed.changed_by.name == "Sue Pervisor"
    history = client.get(f"/participants/{maria.id}/goals/{goal.id}/edit").get_data(as_text=True)
    assert "Sue Pervisor" in history and "active</span> → <span class=\"prewrap\">met" in history

    # Saving the same form again changes nothing and writes no history.
    again = supervisor.post(f"/participants/{maria.id}/goals/{goal.id}/edit", data={
        **edit_form(supervisor, maria.id, goal.id), "status": "met",
        "objective": "Met: 5 of 7 workdays for 4 weeks."})
    assert again.status_code == 302 and len(goals_of(app, maria.id)[0].history) == 2

    trail = [(action, kind, outcome, detail) for action, kind, _, outcome, detail in
             events(app, outcome="ok") if kind in ("participant", "treatment-goal")]
    assert ("view-goals", "participant", "ok", {}) in trail
    assert ("add-goal", "treatment-goal", "ok", {"participant": maria.id}) in trail
    assert ("update-goal", "treatment-goal", "ok",
            {"participant": maria.id, "fields": ["objective", "status"]}) in trail
    assert ("view-goal", "treatment-goal", "ok", {"participant": maria.id}) in trail
    assert "urge surfing" not in str(events(app))  # the goal's words never reach the trail
    with app.app_context():
        assert audit.verify(db.get_session()).problem is None


@pytest.mark.engine_independent
def test_form_errors_keep_the_text_and_save_nothing(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    client = client_for(app, staff["facilitator"])
    maria = group.participants[0]  # type: ignore[attr-defined]
    response = add_goal(client, maria.id, objective="  \x00 ", target_on="next spring",
                        problem="Kept <b>text</b>", plan_reference="x" * 121)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write how progress will be measured." in page and "Enter the target date" in page
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in page and GOAL["goal"] in page
    assert 'value="next spring"' in page and "longer than 120 characters" in page
    assert goals_of(app, maria.id) == []

    assert add_goal(client, maria.id).status_code == 302
    [goal] = goals_of(app, maria.id)
    url = f"/participants/{maria.id}/goals/{goal.id}/edit"
    bad = client.post(url, data={**edit_form(client, maria.id, goal.id), "status": "finished",
                                 "goal": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Write the goal." in page and "Not a valid choice" in page
    assert GOAL["objective"] in page and goals_of(app, maria.id)[0].version == 1


def test_a_stale_edit_is_refused_and_both_texts_survive(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    facilitator = client_for(app, staff["facilitator"])
    maria = group.participants[0]  # type: ignore[attr-defined]
    add_goal(facilitator, maria.id)
    [goal] = goals_of(app, maria.id)
    url = f"/participants/{maria.id}/goals/{goal.id}/edit"
    supervisor = client_for(app, staff["supervisor"])
    first = edit_form(supervisor, maria.id, goal.id)
    stale = edit_form(facilitator, maria.id, goal.id)
    assert supervisor.post(url, data={**first, "goal": "Supervisor's wording."}).status_code == 302
    response = facilitator.post(url, data={**stale, "goal": "Facilitator's wording."})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else saved this goal" in page
    assert "Supervisor&#39;s wording." in page and "Facilitator&#39;s wording." in page
    assert goals_of(app, maria.id)[0].goal == "Supervisor's wording."
    resubmit = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    assert facilitator.post(url, data={**stale, "version": resubmit,
                                       "goal": "Facilitator's wording."}).status_code == 302
    assert [len(g.history) for g in goals_of(app, maria.id)] == [3]


@pytest.mark.engine_independent
def test_a_short_list_of_active_goals(app: Flask, staff: dict[str, User], group: Group) -> None:
    client = client_for(app, staff["facilitator"])
    maria = group.participants[0]  # type: ignore[attr-defined]
    for number in range(8):
        assert add_goal(client, maria.id, goal=f"Goal {number}").status_code == 302
    refused = add_goal(client, maria.id, goal="A ninth goal")
    assert refused.status_code == 400
    assert "already has 8 active goals" in refused.get_data(as_text=True)
    assert len(goals_of(app, maria.id)) == 8


def test_goal_history_is_append_only_and_goals_are_never_deleted(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    add_goal(client_for(app, staff["facilitator"]), group.participants[0].id)  # type: ignore[attr-defined]
    for statement in ("UPDATE goal_changes SET changes = '{}'", "DELETE FROM goal_changes"):
        with app.app_context(), pytest.raises(DatabaseError, match="append-only"), \
                db.engine().begin() as connection:
            connection.execute(text(statement))
    with app.app_context():
        session = db.get_session()
        session.scalars(select(GoalChange)).one().changes = {}
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(TreatmentGoal)).one())
        with pytest.raises(AppendOnlyError):
            session.flush()


ROUTES = [("get", "/participants/{p}/goals"), ("post", "/participants/{p}/goals"),
          ("get", "/participants/{p}/goals/{g}/edit"), ("post", "/participants/{p}/goals/{g}/edit")]


@pytest.mark.engine_independent
def test_only_the_participants_staff_reach_their_goals(
    app: Flask, staff: dict[str, User], group: Group, make_group: Callable
) -> None:
    """Their group's facilitator and supervisor reach every route; another group's facilitator
    and an admin get a 404 on each, audited; so does anyone naming another participant's goal
    or ids that do not exist."""
    maria = group.participants[0]  # type: ignore[attr-defined]
    stranger = make_group(facilitators=[staff["other"]], people=["Zed Q."]).participants[0]
    add_goal(client_for(app, staff["facilitator"]), maria.id)
    add_goal(client_for(app, staff["other"]), stranger.id)
    [goal], [strangers_goal] = goals_of(app, maria.id), goals_of(app, stranger.id)
    for who in ("facilitator", "supervisor", "other", "admin"):
        client = client_for(app, staff[who])
        token = csrf_token(client, "/")
        for method, pattern in ROUTES:
            url = pattern.format(p=maria.id, g=goal.id)
            answer = getattr(client, method)(url, data={"csrf_token": token}).status_code
            assert (answer == 404) == (who in ("other", "admin")), (who, method, url, answer)
    facilitator = client_for(app, staff["facilitator"])
    for url in (f"/participants/{maria.id}/goals/{strangers_goal.id}/edit",
                f"/participants/{stranger.id}/goals/{strangers_goal.id}/edit",
                f"/participants/{stranger.id}/goals", "/participants/999999/goals",
                f"/participants/{maria.id}/goals/999999/edit", "/participants/0/goals",
                "/participants/abc/goals"):
        assert facilitator.get(url).status_code == 404, url
    denied = [(user, action, kind, object_id) for user, action, kind, object_id in
              _denials(app)]
    other, admin, fran = staff["other"].id, staff["admin"].id, staff["facilitator"].id
    assert denied == [
        *[(user, action, "participant", str(maria.id)) for user in (other, admin)
          for action in ("view-goals", "add-goal", "view-goal", "edit-goal")],
        (fran, "view-goal", "treatment-goal", str(strangers_goal.id)),
        (fran, "view-goal", "participant", str(stranger.id)),
        (fran, "view-goals", "participant", str(stranger.id)),
        (fran, "view-goals", "participant", "999999"),
        (fran, "view-goal", "treatment-goal", "999999"),
    ]
    assert [g.goal for g in goals_of(app, maria.id)] == [GOAL["goal"]]  # nothing changed


def _denials(app: Flask) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.get_session().execute(
            select(AuditEvent.user_id, AuditEvent.action, AuditEvent.object_type,
                   AuditEvent.object_id).where(AuditEvent.outcome == "denied")
            .order_by(AuditEvent.id))]


@pytest.mark.engine_independent
def test_roster_and_log_form_link_to_the_goals(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    maria = group.participants[0]  # type: ignore[attr-defined]
    link = f'href="/participants/{maria.id}/goals"'
    facilitator = client_for(app, staff["facilitator"])
    assert link in facilitator.get(f"/groups/{group.id}").get_data(as_text=True)
    assert link in facilitator.get(f"/logs/{start_log(facilitator, group)}/edit").get_data(
        as_text=True)
    supervisor = client_for(app, staff["supervisor"])
    assert link in supervisor.get(f"/groups/{group.id}").get_data(as_text=True)
    admin = client_for(app, staff["admin"])
    assert link not in admin.get(f"/admin/groups/{group.id}/roster").get_data(as_text=True)
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(TreatmentGoal)) == 0

"""The log form's check-in (craving, mood, use since last group) and goal ticks: validated,
blank kept as "not asked" (NULL), the group's goal-link rule at signing, the signed content
hash, the chart of recent check-ins, and the signed log's page, PDF and CSV."""

import csv
import datetime
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, update

from curriculum import audit, check_ins, db, logbook, treatment_goals
from curriculum.access import clinical_group_ids
from curriculum.served_library import current_library
from curriculum.treatment_goals import GoalValues
from models import (
    Group,
    LogState,
    NoteGoal,
    ParticipantNote,
    Role,
    SessionLog,
    SubstanceUse,
    TreatmentGoal,
    User,
)
from tests.helpers import (
    DAY,
    client_for,
    complete_notes,
    form_data,
    load_log,
    sign,
    start_log,
)


@pytest.fixture
def team(app: Flask, make_user: Callable, make_group: Callable) -> dict:
    """A group (goal link required) whose first two participants have goals: ``goals`` maps
    each display name to their goal ids."""
    facilitator = make_user(Role.FACILITATOR, name="Fran Facil")
    supervisor = make_user(Role.SUPERVISOR, name="Sue Pervisor")
    group = make_group(facilitators=[facilitator], supervisor=supervisor,
                       is_goal_link_required=True)
    goals: dict[str, list[int]] = {}
    with app.app_context():
        session = db.get_session()
        author = session.get(User, facilitator.id)
        for participant, wording in zip(group.participants[:2],  # type: ignore[attr-defined]
                                        ("Get home without drinking.", "Sleep before midnight."),
                                        strict=True):
            goals[participant.display_name] = [treatment_goals.add_goal(
                session, session.merge(participant), author, GoalValues(
                    problem="P.", goal=text, objective="O.", target_on=DAY,
                    plan_reference=None)).id for text in (wording, f"Second: {wording}")]
        session.commit()
    return {"facilitator": facilitator, "supervisor": supervisor, "group": group,
            "goals": goals, "client": client_for(app, facilitator)}


def note(app: Flask, log_id: int, participant_id: int) -> ParticipantNote:
    return load_log(app, log_id).note_for(participant_id)


def test_measures_are_validated_and_blank_stays_not_asked(app: Flask, team: dict) -> None:
    client, group = team["client"], team["group"]
    maria, sam, lee = group.participants
    log_id = start_log(client, group)
    bad = client.post(f"/logs/{log_id}/edit", data=form_data(app, client, log_id, **{
        f"craving_{maria.id}": "11", f"mood_{maria.id}": "-1", f"use_{maria.id}": "sometimes",
        f"craving_{sam.id}": "²", f"use_{sam.id}": "none", f"use_days_{sam.id}": "3",
        f"use_{lee.id}": "yes", f"use_days_{lee.id}": "15",
        f"note_{maria.id}_data": "Kept text."}))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    for message in ("Craving is 0 (none) to 10 (strongest)", "Mood is 0 (worst) to 10 (best)",
                    "Choose an answer about use since the last group.",
                    "Days of use are 1 to 14, and go with &#39;Yes, used&#39;."):
        assert message in page, message
    assert f'id="craving_{maria.id}" name="craving_{maria.id}"' in page
    assert 'value="11"' in page and 'value="²"' in page and "Kept text." in page
    assert f'aria-describedby="craving_{maria.id}-error" aria-invalid="true"' in page
    assert load_log(app, log_id).version == 1  # nothing saved

    ok = client.post(f"/logs/{log_id}/edit", data=form_data(app, client, log_id, **{
        f"craving_{maria.id}": "0", f"mood_{maria.id}": "", f"use_{maria.id}": "yes",
        f"use_days_{maria.id}": "2", f"craving_{sam.id}": " 7 ", f"use_{sam.id}": "declined"}))
    assert ok.status_code == 302
    saved = load_log(app, log_id)
    checked = {pid: (n.craving, n.mood, n.use_since_last_group, n.use_days)
               for pid, n in ((p.id, saved.note_for(p.id)) for p in (maria, sam, lee))}
    assert checked == {maria.id: (0, None, SubstanceUse.YES, 2),
                       sam.id: (7, None, SubstanceUse.DECLINED, None),
                       lee.id: (None, None, None, None)}
    again = client.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert f'name="craving_{maria.id}" min="0" max="10" inputmode="numeric" value="0"' in again
    assert f'name="mood_{maria.id}" min="0" max="10" inputmode="numeric" value=""' in again

    # "Yes" without the days saves as a draft, and stops signing until they are given.
    refused = sign(app, client, log_id, summary="S.", **complete_notes(group), **{
        f"use_{maria.id}": "yes", f"use_days_{maria.id}": "",
        f"status_{lee.id}": "absent", f"minutes_{lee.id}": "0", f"craving_{lee.id}": "4"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Maria G. reported use since the last group: record on how many days" in page
    assert "Lee K. is marked absent but has a note or check-in" in page
    assert load_log(app, log_id).state == LogState.DRAFT


def test_goal_ticks_and_the_groups_rule_at_signing(app: Flask, team: dict) -> None:
    client, group, goals = team["client"], team["group"], team["goals"]
    maria, sam, lee = group.participants
    log_id = start_log(client, group)
    page = client.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert "Goals this session addressed (at least one) — Maria G." in page
    assert f'id="goal_{maria.id}_{goals["Maria G."][0]}" name="goals_{maria.id}"' in page
    assert "No active goals recorded" in page  # Lee has none yet

    # A goal that is not this participant's (another's, or made up) is refused, not saved.
    for foreign in (str(goals["Sam T."][0]), "999999", "1 OR 1=1"):
        tampered = client.post(f"/logs/{log_id}/edit", data=form_data(
            app, client, log_id, **{f"goals_{maria.id}": foreign}))
        assert tampered.status_code == 400
        assert "Tick goals from this participant&#39;s list." in tampered.get_data(as_text=True)
    assert note(app, log_id, maria.id).goal_links == []

    # Required here: signing stops at each present note without a tick, pointing at it.
    notes = complete_notes(group)
    ticks = {f"goals_{maria.id}": [str(g) for g in goals["Maria G."]],
             f"goals_{sam.id}": str(goals["Sam T."][1])}
    refused = sign(app, client, log_id, summary="S.", **notes, **ticks)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert (f'<a href="#goals_{lee.id}">Tick the goal(s) this session addressed in Lee K.'
            f'&#39;s note: this group requires one') in page
    assert f'href="#goals_{maria.id}"' not in page
    saved = note(app, log_id, maria.id)
    assert [link.goal_id for link in saved.goal_links] == goals["Maria G."]

    # Lee is absent: no goal needed. Sam's tick changes to his first goal.
    absent_lee = {f"status_{lee.id}": "absent", f"minutes_{lee.id}": "0",
                  f"engagement_{lee.id}": "",
                  **{f"note_{lee.id}_{key}": "" for key in ("data", "assessment", "plan")}}
    signed = sign(app, client, log_id, summary="S.", **{
        **notes, **ticks, **absent_lee, f"goals_{sam.id}": str(goals["Sam T."][0])})
    assert signed.status_code == 302
    log = load_log(app, log_id)
    assert log.state == LogState.SIGNED and log.content_hash == log.compute_content_hash()
    assert [(link.goal_id, link.goal_text) for link in log.note_for(sam.id).goal_links] == [
        (goals["Sam T."][0], "Sleep before midnight.")]

    # A later edit of the goal changes neither the signed note's wording nor its hash.
    with app.app_context():
        session = db.get_session()
        goal = session.get(TreatmentGoal, goals["Sam T."][0])
        treatment_goals.change_goal(session, goal, session.get(User, team["supervisor"].id),
                                    GoalValues("P.", "Reworded later.", "O.", DAY, None))
        session.commit()
        assert audit.verify(session).problem is None
    shown = client.get(f"/logs/{log_id}").get_data(as_text=True)
    assert "Sleep before midnight." in shown and "Reworded later." not in shown

    # With the setting off, a note without a tick signs.
    with app.app_context():
        session = db.get_session()
        session.get(Group, group.id).is_goal_link_required = False
        session.commit()
    other_day = start_log(client, group, day=DAY - datetime.timedelta(days=1))
    assert sign(app, client, other_day, summary="S.", **notes).status_code == 302


def test_the_content_hash_covers_the_check_in_only_when_there_is_one(
    app: Flask, team: dict, make_log: Callable
) -> None:
    group, facilitator = team["group"], team["facilitator"]
    plain = make_log(group, facilitator, DAY - datetime.timedelta(days=1)).id
    measured = make_log(group, facilitator, DAY, signed=False).id
    maria = group.participants[0]  # type: ignore[attr-defined]
    with app.app_context():
        session = db.get_session()
        log = session.get(SessionLog, measured)
        first = log.note_for(maria.id)
        first.craving, first.mood, first.use_since_last_group = 0, 8, SubstanceUse.NONE
        first.goal_links.append(NoteGoal(goal_id=team["goals"]["Maria G."][0]))
        session.flush()
        logbook.sign(session, log, session.get(User, facilitator.id), {}, current_library())
        session.commit()
        old_style = session.get(SessionLog, plain).canonical_content()
        assert "craving" not in old_style and "goals" not in old_style
        content = session.get(SessionLog, measured).canonical_content()
        goal_id = team["goals"]["Maria G."][0]
        assert (f'"craving":0,"goals":[[{goal_id},"Get home without drinking."]],"mood":8,'
                f'"use":"none"') in content
        assert audit.verify(session).problem is None
        # Someone with database access changes a recorded craving: the signature no longer
        # holds, while the log without a check-in still does.
        session.execute(update(ParticipantNote).where(ParticipantNote.log_id == measured,
                                                      ParticipantNote.participant_id == maria.id)
                        .values(craving=9))
        session.commit()
        result = audit.verify(session)
        assert result.problem == f"session log {measured}: content no longer matches its " \
                                 f"signature hash"
        assert session.get(SessionLog, plain).compute_content_hash() == session.get(
            SessionLog, plain).content_hash


def test_recent_check_ins_beside_each_name(
    app: Flask, team: dict, make_log: Callable, make_group: Callable, make_user: Callable
) -> None:
    """Up to five check-ins before this session, oldest first; voided logs, later sessions and
    groups the reader does not staff are left out."""
    group, facilitator, client = team["group"], team["facilitator"], team["client"]
    maria, sam, _ = group.participants
    for day in (2, 3, 4, 5, 6, 9, 10):
        make_log(group, facilitator, datetime.date(2026, 3, day), signed=False)
    elsewhere = make_group(facilitators=[make_user(Role.FACILITATOR)], people=[])
    with app.app_context():
        session = db.get_session()
        logs = session.scalars(select(SessionLog).order_by(SessionLog.session_date)).all()
        for index, log in enumerate(logs):
            log.note_for(maria.id).craving = index
            log.note_for(maria.id).mood = None if index == 3 else 10 - index
        logs[4].state = LogState.VOIDED  # 6 Mar: never shown
        logs[1].group_id = session.get(Group, elsewhere.id).id  # 3 Mar: not Fran's group
        session.commit()
    current = logs[5].id  # 9 Mar; 10 Mar comes after it
    page = client.get(f"/logs/{current}/edit").get_data(as_text=True)
    svg = re.search(rf'<svg class="check-in-chart"[^>]*aria-labelledby="check-ins-{maria.id}'
                    rf'-title check-ins-{maria.id}-desc".*?</svg>', page, re.DOTALL).group(0)
    assert "Maria G.: last 3 check-ins, oldest first" in svg
    assert f'<desc id="check-ins-{maria.id}-desc">2 Mar: craving 0, mood 10; 4 Mar: craving 2, ' \
           f'mood 8; 5 Mar: craving 3, mood not asked.</desc>' in svg
    assert svg.count('class="craving-point"') == 3 and svg.count('class="mood-point"') == 2
    assert "style" not in svg and "<script" not in svg
    assert "Last, Thu 5 Mar 2026: craving 3, mood not asked" in page
    assert page.count("No earlier check-ins recorded.") == 2  # Sam and Lee
    with app.app_context():
        session = db.get_session()
        recent = check_ins.recent_check_ins(session, session.get(SessionLog, current),
                                            clinical_group_ids(session.get(User, facilitator.id)))
    assert [c.day.day for c in recent[maria.id]] == [2, 4, 5] and recent[sam.id] == []
    hostile = check_ins.chart([check_ins.CheckIn(DAY, 4, None)], "<b>Ann</b>", 'x"y')
    assert "<b>Ann" not in hostile and "&lt;b&gt;Ann" in hostile and 'x"y' not in hostile


@pytest.mark.engine_independent
def test_the_signed_log_shows_and_exports_the_check_in_and_goals(
    app: Flask, team: dict
) -> None:
    client, group, goals = team["client"], team["group"], team["goals"]
    maria, sam, lee = group.participants
    log_id = start_log(client, group)
    with app.app_context():
        db.get_session().execute(update(Group).values(is_goal_link_required=False))
        db.get_session().commit()
    assert sign(app, client, log_id, summary="S.", **complete_notes(group), **{
        f"craving_{maria.id}": "0", f"mood_{maria.id}": "9", f"use_{maria.id}": "yes",
        f"use_days_{maria.id}": "1", f"goals_{maria.id}": str(goals["Maria G."][0]),
        f"use_{sam.id}": "declined"}).status_code == 302
    page = client.get(f"/logs/{log_id}").get_data(as_text=True)
    assert "craving 0 of 10 · mood 9 of 10 · use since last group: yes, on 1 day" in page
    assert "craving not asked · mood not asked · use since last group: declined to say" in page
    assert "Get home without drinking." in page and "none ticked" in page
    pdf = client.get(f"/logs/{log_id}/log.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(
        io.BytesIO(pdf.data)).pages)
    assert "craving 0 of 10 · mood 9 of 10" in text and "Get home without drinking." in text
    supervisor = client_for(app, team["supervisor"])
    export = supervisor.get(f"/exports/groups/{group.id}/attendance.csv?start={DAY}&end={DAY}")
    rows = {row[5]: row[9:] for row in csv.reader(io.StringIO(export.data.decode()))}
    assert rows["participant"] == ["craving_0_10", "mood_0_10", "use_since_last_group",
                                   "use_days", "goals_addressed"]
    assert rows["Maria G."] == ["0", "9", "yes", "1", "Get home without drinking."]
    assert rows["Sam T."] == ["", "", "declined", "", ""]
    binder = supervisor.get(f"/exports/groups/{group.id}/logs.pdf?start={DAY}&end={DAY}")
    assert "Get home without drinking." in " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(binder.data)).pages)
    _ = lee

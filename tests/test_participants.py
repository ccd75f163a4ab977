"""The participant page (one person's course, from the groups the reader staffs) and the watch
list (craving above their usual, reported use, two sessions missed), with its
acknowledgements. Every view and acknowledgement is audited; anyone else gets a 404."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from curriculum import db, logbook, signed_records
from curriculum.localtime import today
from models import (
    Enrollment,
    Group,
    Participant,
    Role,
    SessionLog,
    SubstanceUse,
    User,
    WatchAcknowledgement,
)
from tests.helpers import client_for, csrf_token, events, record


@pytest.fixture
def two_groups(app: Flask, staff: dict[str, User], make_group: Callable,
               group: Group) -> dict[str, Any]:
    """Maria G. in ``group`` (Fran facilitates, Sue supervises) and in a second group that
    only ``other`` facilitates, with a signed note in each."""
    second = make_group(facilitators=[staff["other"]], people=["Ola B."], name="Women's IOP")
    maria = group.participants[0]  # type: ignore[attr-defined]
    with app.app_context():
        session = db.get_session()
        session.add(Enrollment(group_id=second.id, participant_id=maria.id,
                               admitted_on=datetime.date(2026, 1, 12)))
        session.commit()
    mine = record(app, group, staff["facilitator"], datetime.date(2026, 3, 2), {
        maria.id: {"craving": 6, "mood": 4, "use": SubstanceUse.NONE,
                   "fields": {"data": "Named payday as her trigger.", "assessment": "Engaged.",
                              "plan": "Urge surfing daily."},
                   "safety": "Risk screen done; safety plan reviewed."}},
        topics=("coping-with-cravings",))
    theirs = record(app, second, staff["other"], datetime.date(2026, 3, 3), {
        maria.id: {"craving": 2, "fields": {"data": "Second-group note text.",
                                            "assessment": "a", "plan": "p"}}})
    draft = record(app, group, staff["facilitator"], datetime.date(2026, 3, 4), {
        maria.id: {"craving": 8, "mood": 3, "fields": {"data": "Unsigned draft text.",
                                                       "assessment": "a", "plan": "p"}}},
        signed=False)
    return {"maria": maria, "second": second, "mine": mine, "theirs": theirs, "draft": draft}


def test_the_page_shows_the_course_from_the_readers_groups_only(
    app: Flask, staff: dict[str, User], group: Group, two_groups: dict[str, Any]
) -> None:
    maria = two_groups["maria"]
    with app.app_context():
        session = db.get_session()
        log = session.get(SessionLog, two_groups["mine"])
        signed_records.add_addendum(session, log, session.get(User, staff["facilitator"].id),
                             "Late entry: called her sponsor after group.")
        session.commit()
    client = client_for(app, staff["facilitator"])
    add = f"/participants/{maria.id}/goals"
    client.post(add, data={"problem": "Drinks after work.", "goal": "Home without drinking.",
                           "objective": "5 of 7 days.", "target_on": "2026-04-30",
                           "csrf_token": csrf_token(client, add)})
    response = client.get(f"/participants/{maria.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    for shown in ("Maria G.", maria.record_number, group.name, "admitted Mon 5 Jan 2026",
                  "Home without drinking.", "Active", "Named payday as her trigger.",
                  "Risk screen done; safety plan reviewed.", "Late entry: called her sponsor",
                  "Coping With Cravings", "Signed by Fran Facil",
                  "Not signed yet: the note becomes part of the record",
                  "craving 8 of 10", "weekly minimum 9 hours", "Missing:", "<title",
                  'class="course-chart"', "42 CFR"):
        assert shown in page, shown
    # The draft's check-in is shown and charted, its note text is not; the other group's
    # session (which Fran does not staff) is not there at all.
    assert "Unsigned draft text." not in page
    assert "Second-group note text." not in page and "Women's IOP" not in page
    assert page.index("Mon 2 Mar 2026") < page.index("Wed 4 Mar 2026")
    assert "style=" not in page.split('class="course-chart"')[1].split("</svg>")[0]
    # Only the signed session counts toward that week's hours (3 of 9: below once over).
    assert "Sessions (2)" in page

    # The second group's facilitator sees that group's note and not Fran's.
    theirs = client_for(app, staff["other"]).get(f"/participants/{maria.id}").get_data(
        as_text=True)
    assert "Second-group note text." in theirs and "Named payday" not in theirs
    assert "Sessions (1)" in theirs
    assert [e[:3] for e in events(app, "view-participant")] == [
        (staff["facilitator"].id, str(maria.id), "ok"), (staff["other"].id, str(maria.id), "ok")]


@pytest.mark.engine_independent
@pytest.mark.parametrize(("who", "whose", "status"), [
    ("facilitator", "own", 200), ("supervisor", "own", 200), ("other", "own", 404),
    ("admin", "own", 404), ("facilitator", "stranger", 404), ("supervisor", "stranger", 404),
    ("facilitator", "missing", 404), ("admin_supervisor", "own", 200),
])
def test_who_may_open_a_participant_page(
    app: Flask, staff: dict[str, User], make_user: Callable, make_group: Callable,
    group: Group, who: str, whose: str, status: int
) -> None:
    """Their groups' facilitators and supervisor; anyone else (another group's facilitator, an
    admin who is not the supervisor, a participant of another group, an id that does not
    exist) gets a 404 and an audit event."""
    if who == "admin_supervisor":  # an admin who is also this group's supervisor
        reader = make_user(Role.ADMIN)
        group = make_group(facilitators=[staff["facilitator"]], supervisor=reader)
    else:
        reader = staff[who]
    target = {"own": lambda: group.participants[0].id,  # type: ignore[attr-defined]
              "stranger": lambda: make_group(facilitators=[staff["other"]],
                                             people=["Zed Q."]).participants[0].id,
              "missing": lambda: 987654}[whose]()
    response = client_for(app, reader).get(f"/participants/{target}")
    assert response.status_code == status
    assert events(app, "view-participant") == [
        (reader.id, str(target), "ok" if status == 200 else "denied", {})]


def test_names_link_to_the_page_for_those_who_may_open_it(
    app: Flask, staff: dict[str, User], group: Group, two_groups: dict[str, Any]
) -> None:
    maria = two_groups["maria"]
    link = f'href="/participants/{maria.id}"'
    facilitator = client_for(app, staff["facilitator"])
    for url in (f"/logs/{two_groups['mine']}", f"/logs/{two_groups['draft']}/edit",
                f"/groups/{group.id}", f"/coverage/groups/{group.id}"):
        assert link in facilitator.get(url).get_data(as_text=True), url
    supervisor = client_for(app, staff["supervisor"])
    for url in (f"/review/logs/{two_groups['mine']}", f"/reports/groups/{group.id}/hours"):
        assert link in supervisor.get(url).get_data(as_text=True), url
    admin = client_for(app, staff["admin"])
    roster = admin.get(f"/admin/groups/{group.id}/roster").get_data(as_text=True)
    assert "Maria G." in roster and link not in roster


def watched(app: Flask, user: User, url: str = "/") -> str:
    page = client_for(app, user).get(url).get_data(as_text=True)
    return page.split('id="watch-h"')[1].split("</section>")[0] if 'id="watch-h"' in page else ""


def test_watch_list_reasons_clearing_and_acknowledgement(
    app: Flask, staff: dict[str, User], group: Group
) -> None:
    maria, sam, lee = group.participants  # type: ignore[attr-defined]
    facilitator = staff["facilitator"]
    with app.app_context():
        day = today()
    old = day - datetime.timedelta(days=30)
    # Maria: cravings 2, 3, 2 earlier (median 2), then 5 in the window (3 above: on the list).
    for offset, craving in ((0, 2), (2, 3), (4, 2)):
        record(app, group, facilitator, old + datetime.timedelta(days=offset),
               {maria.id: {"craving": craving}})
    # A voided log never counts: Sam's use there is ignored.
    voided = record(app, group, facilitator, day - datetime.timedelta(days=6),
                    {sam.id: {"use": SubstanceUse.YES, "use_days": 2}})
    with app.app_context():
        session = db.get_session()
        logbook.void(session, session.get(SessionLog, voided),
                     session.get(User, facilitator.id), "Wrong group.")
        session.commit()
    record(app, group, facilitator, day - datetime.timedelta(days=5), {
        maria.id: {"craving": 5}, lee.id: {"status": "absent"}})
    assert "Sam T." not in watched(app, facilitator)
    # Sam reports use on a draft; Lee misses a second session in a row (an excused one
    # between neither counts nor breaks the run).
    record(app, group, facilitator, day - datetime.timedelta(days=3),
           {lee.id: {"status": "excused"}})
    draft = record(app, group, facilitator, day - datetime.timedelta(days=1), {
        sam.id: {"use": SubstanceUse.YES, "use_days": 1}, lee.id: {"status": "absent"},
        maria.id: {"craving": 6}}, signed=False)
    shown = watched(app, facilitator)
    # Maria's latest, 6, against the median of 2, 3, 2 and 5 before it.
    assert "Craving above their usual" in shown and "craving 6 of 10" in shown
    assert "their median is 2.5" in shown
    assert "Reported use" in shown and "on 1 day" in shown
    assert "Missed two sessions in a row" in shown and "Lee K." in shown
    assert f'href="/participants/{maria.id}"' in shown
    # The supervisor's queue shows the same; another group's facilitator sees nothing.
    assert "Reported use" in watched(app, staff["supervisor"], "/review/")
    assert watched(app, staff["other"]) == ""
    assert events(app, "view-watch-list")[-2][3] == {
        "participants": [lee.id, maria.id, sam.id]}

    # Acknowledging needs a note; then Sam's use clears, audited, until a later log.
    client = client_for(app, facilitator)
    url = f"/participants/{sam.id}/watch-list/acknowledge"
    form = {"reason": "use", "back": "home", "csrf_token": csrf_token(client, "/")}
    assert client.post(url, data={**form, "note": "  "}).status_code == 302
    assert client.post(url, data={**form, "reason": "bogus", "note": "x"}).status_code == 400
    assert client.post(url, data={k: v for k, v in form.items() if k != "csrf_token"}
                       | {"note": "x"}).status_code == 400
    with app.app_context():
        assert db.get_session().scalars(select(WatchAcknowledgement)).all() == []
    response = client.post(url, data={**form, "note": "Talked with Sam; plan updated."})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Sam T." not in watched(app, facilitator)
    assert events(app, "acknowledge-watch")[-1] == (
        facilitator.id, str(sam.id), "ok", {"reason": "use", "logs": [draft]})
    record(app, group, facilitator, day, {sam.id: {"use": SubstanceUse.YES}, lee.id: {
        "status": "present"}, maria.id: {"craving": 2}}, signed=False)
    shown = watched(app, facilitator)
    # A new use shows again; Lee came back and Maria's latest craving is usual: both clear.
    assert "Sam T." in shown and "Lee K." not in shown and "Maria G." not in shown
    # Nothing raised: nothing to acknowledge (and no row written).
    client.post(f"/participants/{lee.id}/watch-list/acknowledge",
                data={**form, "reason": "missed", "note": "Called."})
    with app.app_context():
        assert len(db.get_session().scalars(select(WatchAcknowledgement)).all()) == 1
    # Staff of another group cannot acknowledge (404, audited).
    other = client_for(app, staff["other"])
    assert other.post(url, data={**form, "csrf_token": csrf_token(other, "/"),
                                 "note": "x"}).status_code == 404
    assert events(app, "acknowledge-watch")[-1][:3] == (staff["other"].id, str(sam.id),
                                                       "denied")
    with app.app_context():
        assert db.get_session().get(Participant, sam.id) is not None


def test_the_page_reads_the_same_statements_however_many_sessions(
    app: Flask, staff: dict[str, User], group: Group, two_groups: dict[str, Any]
) -> None:
    """Each session's log, signers, addenda and goal ticks come with the page's few
    statements, never one more per session (what a log column left unloaded would cost)."""
    maria = two_groups["maria"]
    client = client_for(app, staff["facilitator"])

    def statements_of_the_page() -> int:
        sent: list[str] = []
        engine = app.extensions["engine"]

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            sent.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/participants/{maria.id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(sent)

    before = statements_of_the_page()
    for day in (9, 11, 12):
        log_id = record(app, group, staff["facilitator"], datetime.date(2026, 3, day))
        with app.app_context():
            session = db.get_session()
            signed_records.add_addendum(session, session.get(SessionLog, log_id),
                                 session.get(User, staff["facilitator"].id), "Late entry.")
            session.commit()
    assert statements_of_the_page() == before

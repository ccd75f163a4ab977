"""The issue's "done when" journey, through the real forms: an admin sets up a group and
imports its roster; a facilitator logs a 3-hour session of 8, is stopped by the name check,
fixes it, signs, adds an addendum; another facilitator cannot reach the log."""

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import db
from models import Group, LogState, Role, SessionLog
from tests.helpers import PASSWORD, AuthActions, csrf_token

PEOPLE = ["Maria G.", "Devon T.", "Alicia R.", "Marcus B.", "Hannah L.", "Omar S.",
          "Tasha W.", "Ben C."]


class Counter:
    """Counts the page loads a user's browser would make (redirects included)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client, self.loads, self.submits = client, 0, 0

    def get(self, url: str) -> Any:
        response = self.client.get(url, follow_redirects=True)
        self.loads += 1 + len(response.history)
        return response

    def post(self, url: str, data: dict[str, Any]) -> Any:
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', self.last_page)
        response = self.client.post(url, data={**data, "csrf_token": token.group(1)},
                                    follow_redirects=True)
        self.loads += 1 + len(response.history)
        self.submits += 1
        return response

    last_page = ""

    def open(self, url: str) -> str:
        self.last_page = self.get(url).get_data(as_text=True)
        return self.last_page


def test_admin_sets_up_and_facilitator_logs_an_8_person_session(
    app: Flask, client: FlaskClient, make_user: Callable
) -> None:
    admin = make_user(Role.ADMIN)
    facilitator = make_user(Role.FACILITATOR, name="Jordan Reyes")
    supervisor = make_user(Role.SUPERVISOR, name="Robin Hale")
    other = make_user(Role.FACILITATOR, name="Priya Nair")

    AuthActions(client).login(admin.email)
    response = client.post("/admin/groups/new", data={
        "name": "Evening IOP", "meeting_days": ["mon", "wed", "thu"], "start_time": "18:00",
        "minutes": "180", "modality": "in-person", "note_format": "DAP", "track_slug": "core",
        "weekly_minimum_minutes": "540", "supervisor_id": str(supervisor.id),
        "facilitator_ids": [str(facilitator.id)], "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    with app.app_context():
        group_id = db.get_session().scalar(select(Group.id))
    roster = "display_name,record_number,admitted_on\n" + "".join(
        f"{name},R-{n},2026-03-02\n" for n, name in enumerate(PEOPLE, start=1))
    client.post(f"/admin/groups/{group_id}/roster/import",
                data={"csv_text": roster, "confirm": "1", "csrf_token": csrf_token(client, "/")})
    AuthActions(client).logout()

    AuthActions(client).login(facilitator.email)
    browser = Counter(client)
    browser.open("/")
    browser.open(f"/groups/{group_id}")
    edit_page = browser.post(f"/groups/{group_id}/logs",
                             {"session_date": "2026-03-04", "topics": ["coping-with-cravings"]})
    browser.last_page = edit_page.get_data(as_text=True)
    log_id = int(re.search(r'action="/logs/(\d+)/edit"', browser.last_page).group(1))
    version = re.search(r'name="version" value="(\d+)"', browser.last_page).group(1)
    ids = {name: pid for pid, name in re.findall(
        r'<fieldset class="panel participant" id="p(\d+)">\s*<legend>(?:<a [^>]+>)?([^<]+)',
        browser.last_page)}
    assert sorted(ids) == sorted(PEOPLE)

    form: dict[str, Any] = {"version": version, "start_time": "18:00", "minutes": "180",
                            "topics": ["coping-with-cravings"],
                            "interventions": "Psychoeducation on triggers\nCoping skills",
                            "summary": "Urge surfing practice and the three Ds."}
    for pid in ids.values():
        form.update({f"status_{pid}": "present", f"minutes_{pid}": "180",
                     f"engagement_{pid}": "4",
                     f"note_{pid}_data": "Named payday as a trigger; rated craving 6/10.",
                     f"note_{pid}_assessment": "Engaged; applied the skill to work stress.",
                     f"note_{pid}_plan": "Practise urge surfing daily; review next group."})
    maria, devon = ids["Maria G."], ids["Devon T."]
    form[f"note_{maria}_data"] = "Talked with Devon about cravings after work."  # the mistake
    stopped = browser.post(f"/logs/{log_id}/edit", {**form, "action": "sign",
                                                   "password": PASSWORD})
    assert stopped.status_code == 400
    assert "A note names Devon T." in stopped.get_data(as_text=True)
    browser.last_page = stopped.get_data(as_text=True)
    form["version"] = re.search(r'name="version" value="(\d+)"', browser.last_page).group(1)
    form[f"note_{maria}_data"] = "Talked about cravings after work; rated 7/10."
    signed = browser.post(f"/logs/{log_id}/edit", {**form, "action": "sign",
                                                  "password": PASSWORD})
    assert "Signed. The log is locked" in signed.get_data(as_text=True)
    browser.last_page = signed.get_data(as_text=True)
    late_entry = "Late entry: Maria G. left at 8:40 pm for a ride; minutes unchanged."
    added = browser.post(f"/logs/{log_id}/addenda", {"text": late_entry})
    assert "Addendum added." in added.get_data(as_text=True)

    with app.app_context():
        session_log = db.get_session().get(SessionLog, log_id)
        assert session_log.state == LogState.SIGNED and len(session_log.notes) == 8
        assert len(session_log.addenda) == 1
        assert session_log.compute_content_hash() == session_log.content_hash
        assert all(note.name_check_override is None for note in session_log.notes)
        assert devon in ids.values()

    # What it took, for the note: page loads and form submissions.
    print(f"\nlogging an 8-person session: {browser.loads} page loads, "
          f"{browser.submits} form submissions (including the name-check stop and an addendum)")
    assert browser.loads <= 10 and browser.submits <= 4

    AuthActions(client).logout()
    AuthActions(client).login(other.email)
    for url in (f"/logs/{log_id}", f"/logs/{log_id}/edit", f"/logs/{log_id}/log.pdf",
                f"/groups/{group_id}"):
        assert client.get(url).status_code == 404

"""A corpus of hostile inputs, each answered safely, with nothing else changed."""

import html
import io
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from curriculum import db
from curriculum.localtime import today
from curriculum.text import clean, clean_line
from models import (
    AuditEvent,
    CurriculumPermission,
    Group,
    Participant,
    Role,
    SessionLog,
    ShippedTopicReview,
    TreatmentGoal,
    WatchAcknowledgement,
)
from tests.helpers import (
    AuthActions,
    client_for,
    csrf_token,
    form_data,
    load_log,
    save_topic_draft,
    start_log,
    topic_editor,
    write_topic,
)

NOTE_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}",
    "${7*7} #{7*7}",
    "javascript:alert(document.cookie)",
    "<a href=\"javascript:alert(1)\">click</a>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<iframe src=\"http://127.0.0.1:5432\"></iframe>",
    "<style>@import url('file:///etc/passwd');</style>",
    "<link rel=attachment href=file:///etc/passwd>",
    "'; DROP TABLE participant_notes; --",
    "Robert'); DELETE FROM audit_events;--",
    "Normal text with a NUL\x00 in it",
    "Bell\x07 and escape\x1b[31m red",
    "Right-to-left \u202etxt.exe override",
    "Isolate \u2066hidden\u2069 text",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "x" * 4999,
]


@pytest.fixture
def facilitator_client(app: Flask, make_user: Callable, make_group: Callable) -> dict:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], supervisor=make_user(Role.SUPERVISOR),
                       people=["Maria G."])
    client = app.test_client()
    AuthActions(client).login(facilitator.email)
    return {"client": client, "group": group, "log": start_log(client, group)}


@pytest.mark.parametrize("payload", NOTE_PAYLOADS)
def test_note_text_is_stored_clean_and_shown_inert(
    app: Flask, facilitator_client: dict, payload: str
) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    maria = facilitator_client["group"].participants[0]
    data = form_data(app, client, log_id, **{f"note_{maria.id}_data": payload,
                                            "summary": payload})
    assert client.post(f"/logs/{log_id}/edit", data=data).status_code == 302
    saved = load_log(app, log_id)
    assert saved.note_for(maria.id).fields["data"] == clean(payload)
    assert "\x00" not in saved.summary and "\u202e" not in saved.summary
    for url in (f"/logs/{log_id}", f"/logs/{log_id}/edit"):
        page = client.get(url).get_data(as_text=True)
        for live in ("<script>alert", "<img src=x", "<iframe", "<style>@import", "<link rel=att",
                     "<a href=\"javascript"):
            assert live not in page
        if "{{" in payload:
            assert "{{ 7*7 }}" in page  # template syntax is shown as typed, never run
    pdf = client.get(f"/logs/{log_id}/log.pdf")
    assert pdf.status_code == 200
    assert b"root:x:" not in pdf.data and not PdfReader(io.BytesIO(pdf.data)).attachments
    with app.app_context():
        session = db.get_session()
        assert session.get(SessionLog, log_id) is not None
        assert session.scalar(select(func.count()).select_from(AuditEvent)) > 0


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "Ann\u202eB.", "=1+1",
                                  "Bob\x00 T.", "  Spaced   Out  "])
def test_hostile_names_through_the_roster(
    app: Flask, client: FlaskClient, make_user: Callable, make_group: Callable, name: str
) -> None:
    group = make_group(people=[])
    AuthActions(client).login(make_user(Role.ADMIN).email)
    client.post(f"/admin/groups/{group.id}/roster", data={
        "display_name": name, "record_number": "R-1", "admitted_on": "2026-03-02",
        "csrf_token": csrf_token(client, "/")})
    page = client.get(f"/admin/groups/{group.id}/roster").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    with app.app_context():
        stored = db.get_session().scalars(select(Participant)).one()
        assert stored.display_name == clean_line(name)


def test_hostile_group_name_is_escaped(app: Flask, client: FlaskClient,
                                       make_user: Callable) -> None:
    AuthActions(client).login(make_user(Role.ADMIN).email)
    client.post("/admin/groups/new", data={
        "name": "<img src=x onerror=alert(1)>", "meeting_days": ["mon"], "start_time": "18:00",
        "minutes": "180", "modality": "in-person", "note_format": "DAP", "track_slug": "",
        "weekly_minimum_minutes": "540", "supervisor_id": "0",
        "csrf_token": csrf_token(client, "/")})
    page = client.get("/admin/groups").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


@pytest.mark.parametrize("query", [
    "q=' OR 1=1 --", "q=%00", "q=" + "a" * 5000, "tag=' OR '1'='1", "q=\u202eevil",
    "q={{config}}", "q=<svg onload=alert(1)>",
])
def test_hostile_searches(client: FlaskClient, make_user: Callable, query: str) -> None:
    AuthActions(client).login(make_user().email)
    response = client.get(f"/topics?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg onload" not in page and "SECRET_KEY" not in page


@pytest.mark.parametrize("path", [
    "/logs/0", "/logs/-1", "/logs/99999999999", "/logs/1e3", "/logs/%00", "/logs/1%00",
    "/groups/2147483648", "/topics/%2e%2e%2fapp.py", "/topics/a%00b", "/topics/" + "x" * 300,
    "/handouts.pdf?topics=%00", "/coverage/groups/1/participants/-5/makeup.pdf",
    "/participants/0/goals", "/participants/99999999999/goals", "/participants/1/goals/%00/edit",
    "/participants/0", "/participants/-1", "/participants/99999999999", "/participants/1%00",
    "/participants/0/discharge/new", "/participants/1/discharge/99999999999",
    "/participants/1/discharge/%00/edit", "/participants/1/discharge/1e3.pdf",
])
def test_hostile_urls_and_ids(client: FlaskClient, make_user: Callable, path: str) -> None:
    AuthActions(client).login(make_user().email)
    assert client.get(path).status_code in (400, 404)


@pytest.mark.parametrize("filters", ["action=' OR '1'='1", "user=1 OR 1=1",
                                     "object_id=1;DROP TABLE users", "page=-1", "page=abc",
                                     "page=²", "user=²", "page=٣", "page=" + "9" * 5000])
def test_sql_in_filters_is_just_text(client: FlaskClient, make_user: Callable,
                                     filters: str) -> None:
    AuthActions(client).login(make_user(Role.ADMIN).email)
    assert client.get(f"/audit/?{filters}").status_code == 200
    assert client.get("/audit/").status_code == 200


# Digits str.isdigit() accepts and int() refuses, or reads as another number.
ODD_DIGITS = ["²", "٣", "1²", "9" * 5000, "-3"]


def test_odd_digits_get_a_clear_answer_not_a_server_error(
    app: Flask, facilitator_client: dict, make_user: Callable
) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    for odd in ODD_DIGITS:
        drop_in = client.post(f"/logs/{log_id}/participants", data={
            "participant_id": odd, "csrf_token": csrf_token(client, "/")})
        assert drop_in.status_code in (302, 400, 404), odd
    supervisor = app.test_client()
    AuthActions(supervisor).login(make_user(Role.SUPERVISOR).email)
    for odd in ODD_DIGITS:
        assert supervisor.get(f"/review/?page={odd}").status_code == 200, odd
        for field, value in (("size", odd), ("group_id", odd)):
            form = {"group_id": "1", "size": "5", "start": "2026-03-01", "end": "2026-03-31",
                    field: value, "csrf_token": csrf_token(supervisor, "/")}
            assert supervisor.post("/review/spot-checks/", data=form).status_code in (
                400, 404), (field, odd)


def test_oversized_body_is_refused(app: Flask, facilitator_client: dict) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    data = form_data(app, client, log_id, summary="x" * (3 * 1024 * 1024))
    assert client.post(f"/logs/{log_id}/edit", data=data).status_code == 413
    assert load_log(app, log_id).version == 1


def test_hidden_ids_of_other_groups_are_refused(
    app: Flask, facilitator_client: dict, make_group: Callable
) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    stranger = make_group(people=["Zed Q."]).participants[0]
    client.post(f"/logs/{log_id}/participants", data={
        "participant_id": str(stranger.id), "csrf_token": csrf_token(client, "/")})
    data = form_data(app, client, log_id, **{f"note_{stranger.id}_data": "injected",
                                            f"status_{stranger.id}": "present"})
    client.post(f"/logs/{log_id}/edit", data=data)
    assert load_log(app, log_id).note_for(stranger.id) is None


def test_foreign_host_header_is_refused(make_app: Callable, make_user: Callable) -> None:
    app = make_app(TRUSTED_HOSTS=["groupwork.example.org"])
    client = app.test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "groupwork.example.org"}).status_code == 200


def test_hostile_topic_markdown_in_an_extra_folder(
    make_app: Callable, content_dir: Path, tmp_path: Path, make_user: Callable
) -> None:
    extra = tmp_path / "program"
    write_topic(extra, "hostile-topic", title="Hostile Topic", handout=(
        "## Key ideas\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
        "[y](JAVASCRIPT:alert(1)) [z](data:text/html,<b>x</b>) ![i](http://127.0.0.1/x.png) "
        "<img src=file:///etc/passwd> <style>@import url(file:///etc/passwd);</style>\n\n"
        "[lines: 2]\n\n## Before next group\n\nTry.\n"))
    app = make_app(CONTENT_DIRS=[content_dir, extra])
    client = app.test_client()
    AuthActions(client).login(make_user().email)
    page = client.get("/topics/hostile-topic").get_data(as_text=True).lower()
    for live in ("<script>alert", "javascript:", "data:text", "<img", "@import", "127.0.0.1"):
        assert live not in page
    pdf = client.get("/topics/hostile-topic/handout.pdf")
    assert pdf.status_code == 200 and b"root:x:" not in pdf.data


def test_nothing_changed_by_a_refused_sign(app: Flask, facilitator_client: dict) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    data = form_data(app, client, log_id, action="sign", password="' OR '1'='1")
    assert client.post(f"/logs/{log_id}/edit", data=data).status_code == 400
    assert load_log(app, log_id).signed_at is None
    with app.app_context():
        assert db.get_session().get(Group, facilitator_client["group"].id) is not None


# Check-in answers and goal ticks no form could send; each is refused, and nothing is saved.
CHECK_IN_PAYLOADS = ["11", "-1", "1e1", "²", "0x5", "5.5", "<script>alert(1)</script>",
                     "9" * 5000, "\x00", "1 OR 1=1", "' OR '1'='1"]


@pytest.mark.engine_independent
def test_hostile_check_ins_and_goal_ticks_are_refused(
    app: Flask, facilitator_client: dict
) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    maria = facilitator_client["group"].participants[0]
    for payload in CHECK_IN_PAYLOADS:
        for field in ("craving", "mood", "use", "use_days", "goals"):
            data = form_data(app, client, log_id, **{f"{field}_{maria.id}": payload})
            response = client.post(f"/logs/{log_id}/edit", data=data)
            assert response.status_code == 400, (field, payload)
            assert "<script>alert" not in response.get_data(as_text=True)
    saved = load_log(app, log_id)
    note = saved.note_for(maria.id)
    assert saved.version == 1 and not note.has_check_in and note.goal_links == []


def test_hostile_goal_text_is_stored_clean_and_shown_inert(
    app: Flask, facilitator_client: dict
) -> None:
    client, log_id = facilitator_client["client"], facilitator_client["log"]
    maria = facilitator_client["group"].participants[0]
    url = f"/participants/{maria.id}/goals"
    for payload in NOTE_PAYLOADS[:3] + NOTE_PAYLOADS[13:17]:
        response = client.post(url, data={
            "problem": payload, "goal": payload, "objective": payload,
            "target_on": "2026-05-01", "plan_reference": payload[:120],
            "csrf_token": csrf_token(client, url)})
        assert response.status_code == 302, payload
    with app.app_context():
        stored = db.get_session().scalars(select(TreatmentGoal.goal)).all()
    assert stored == [clean(p) for p in NOTE_PAYLOADS[:3] + NOTE_PAYLOADS[13:17]]
    goal_ids = [str(i) for i in range(1, len(stored) + 1)]
    client.post(f"/logs/{log_id}/edit", data=form_data(app, client, log_id,
                                                       **{f"goals_{maria.id}": goal_ids}))
    for page_url in (url, f"{url}/1/edit", f"/logs/{log_id}/edit", f"/logs/{log_id}"):
        page = client.get(page_url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, page_url
        assert "\u202e" not in page and "\x00" not in page
    assert len(load_log(app, log_id).note_for(maria.id).goal_links) == len(stored)


@pytest.mark.parametrize("edited", ["coping-with-cravings", "coping-with-cravings/es"])
def test_hostile_markdown_from_the_topic_editor(app: Flask, make_user: Callable,
                                                edited: str) -> None:
    """An editor's text is untrusted, in a topic or its Spanish handout: script, images,
    frames, styles and script links never reach a page or a PDF as anything but inert text,
    and no preview fetches anything (a listener on loopback would see it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    hostile = (f"<script>alert(1)</script>\n\n<img src=http://127.0.0.1:{port}/i.png> "
               f"![x](http://127.0.0.1:{port}/j.png) [y](javascript:alert(1)) "
               f"<iframe src=\"http://127.0.0.1:{port}/\"></iframe> "
               f"<style>@import url(http://127.0.0.1:{port}/s.css);</style> "
               f"<link rel=attachment href=file:///etc/passwd> <a href=\"http://127.0.0.1:{port}/"
               f"\" onclick=\"alert(2)\">z</a> {{{{ 7*7 }}}}\n\n")
    editor = make_user(Role.FACILITATOR, curriculum_permission=CurriculumPermission.EDITOR)
    client = client_for(app, editor)
    source, base = topic_editor(client, edited)
    markdown = source.replace("## Before next group", hostile + "## Before next group")
    live = ("<script>alert", "<img", "<iframe", "<style", "<link rel=attachment",
            "href=\"javascript", "onclick=\"alert", f"href=\"http://127.0.0.1:{port}")
    pages = []
    for action in ("check", "preview"):
        answer = client.post(f"/topics/{edited}/edit", data={
            "markdown": markdown, "change_note": "x", "base": base, "action": action,
            "csrf_token": csrf_token(client, "/")})
        assert answer.status_code == 200
        pages.append(answer)
    number = save_topic_draft(client, edited, markdown, base)
    for text in (pages[0].get_data(as_text=True), client.get(
            f"/topics/{edited}/versions/{number}").get_data(as_text=True)):
        assert not [tag for tag in live if tag in text]
        assert "{{ 7*7 }}" in html.unescape(text)  # shown as typed, never run
    for pdf in (pages[1].data, client.get(
            f"/topics/{edited}/versions/{number}/handout.pdf").data):
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert "alert" not in text and not reader.attachments and b"/JavaScript" not in pdf
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing came to fetch
    listener.close()


def test_hostile_decisions_on_a_shipped_text(app: Flask, make_user: Callable) -> None:
    """Forged hashes, oversized comments, strange slugs and a missing token on the approvers'
    decisions about shipped texts: each refused, nothing recorded, nothing shown live."""
    approver = make_user(Role.SUPERVISOR, curriculum_permission=CurriculumPermission.APPROVER)
    client = client_for(app, approver)
    token = csrf_token(client, "/")
    for step in ("approve", "keep"):
        url = f"/topics/coping-with-cravings/{step}"
        assert client.post(url, data={"attest": "1", "shipped": "0" * 64}).status_code == 400
        for shipped in ("<script>alert(1)</script>", "../" * 30, "f" * 65, "", "\x00"):
            answer = client.post(url, data={"attest": "1", "shipped": shipped,
                                             "csrf_token": token})
            assert answer.status_code == 302, (step, shipped)
        answer = client.post(url, data={"attest": "1", "shipped": "0" * 64,
                                        "comment": "<script>x</script>" * 200,
                                        "csrf_token": token})
        assert answer.status_code == 302
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        assert "Not done" in page and "<script>" not in page
        for slug in ("%2e%2e%2fapp.py", "a%00b", "x" * 300, "no-such-topic"):
            assert client.post(f"/topics/{slug}/{step}", data={
                "attest": "1", "csrf_token": token}).status_code in (400, 404), slug
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(
            ShippedTopicReview)) == 0


def test_hostile_track_sources(app: Flask, make_user: Callable) -> None:
    """A track's YAML is untrusted: markup in its text stays inert on the editor, the version
    page and the tracks pages; Python tags, alias bombs, a document that is not a mapping and
    oversized text are problems or refusals, never a server error; strange slugs are 404s."""
    editor = make_user(Role.FACILITATOR, curriculum_permission=CurriculumPermission.EDITOR)
    client = client_for(app, editor)
    token = csrf_token(client, "/")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    marked = ("title: \"<script>alert(1)</script> Core\"\ndescription: \"<img src=x "
              "onerror=alert(2)> {{ 7*7 }}\"\ngroups_per_week: 3\n"
              "topics: [coping-with-cravings, talking-it-through]\n")
    sources = ["!!python/object/apply:os.system [echo hi]", bomb, "just a string", "[1, 2]",
               "title: \x00\u202e", marked]
    for source in sources:
        answer = client.post("/tracks/core/edit", data={
            "markdown": source, "change_note": "x", "base": "", "action": "check",
            "csrf_token": token})
        assert answer.status_code == 200, source
        assert "<script>alert" not in answer.text and "<img src=x" not in answer.text
    huge = client.post("/tracks/core/edit", data={
        "markdown": "title: x\n" + "#" * 100_001, "change_note": "x", "base": "",
        "action": "save", "csrf_token": token})
    assert huge.status_code == 400
    saved = client.post("/tracks/new", data={
        "slug": "marked", "markdown": marked, "change_note": "<b>x</b>", "base": "",
        "action": "save", "csrf_token": token})
    assert saved.status_code == 302
    approver = client_for(app, make_user(Role.SUPERVISOR,
                                         curriculum_permission=CurriculumPermission.APPROVER))
    assert approver.post("/tracks/marked/versions/1/approve", data={
        "attest": "1", "csrf_token": csrf_token(approver, "/")}).status_code == 302
    for url in ("/tracks/marked/versions/1", "/tracks", "/tracks/marked", "/topics/drafts"):
        text = client.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>x" not in text
        assert "{{ 7*7 }}" in html.unescape(text) or url == "/topics/drafts"
    for slug in ("%2e%2e%2fapp.py", "a%00b", "x" * 300, "NEW", "no-such-track"):
        assert client.get(f"/tracks/{slug}/edit").status_code == 404, slug
        assert client.get(f"/tracks/{slug}").status_code == 404, slug
        assert client.get(f"/tracks/{slug}/versions/1").status_code == 404, slug


def test_hostile_watch_list_acknowledgements(app: Flask, facilitator_client: dict) -> None:
    """A reason no form offers is a 400; an overlong note is refused; a note with markup is
    stored clean and the pages around it stay inert."""
    client, group = facilitator_client["client"], facilitator_client["group"]
    maria = group.participants[0]
    with app.app_context():
        log_id = start_log(client, group, today())  # the watch list reads the last 14 days
    assert client.post(f"/logs/{log_id}/edit", data=form_data(
        app, client, log_id, **{f"use_{maria.id}": "yes", f"use_days_{maria.id}": "2"})
    ).status_code == 302
    url = f"/participants/{maria.id}/watch-list/acknowledge"
    token = csrf_token(client, "/")
    for reason in ("' OR 1=1 --", "USE", "", "use\x00"):
        assert client.post(url, data={"reason": reason, "note": "x",
                                      "csrf_token": token}).status_code == 400
    form = {"reason": "use", "back": "https://evil.example/", "csrf_token": token}
    response = client.post(url, data={**form, "note": "x" * 1001})
    assert response.headers["Location"] == "/"  # never an address from the form
    with app.app_context():
        assert db.get_session().scalars(select(WatchAcknowledgement)).all() == []
    client.post(url, data={**form, "note": NOTE_PAYLOADS[0] + "\u202e"})
    with app.app_context():
        [stored] = db.get_session().scalars(select(WatchAcknowledgement)).all()
        assert stored.note == clean(NOTE_PAYLOADS[0] + "\u202e")
    for page in (client.get("/"), client.get(f"/participants/{maria.id}")):
        assert page.status_code == 200 and "<script>alert" not in page.get_data(as_text=True)


def test_hostile_discard_requests(app: Flask, facilitator_client: dict) -> None:
    """Odd ids on the discard route are a 404; only the exact confirmation discards a draft,
    and a draft named by markup in its fields is discarded without running it."""
    client, group = facilitator_client["client"], facilitator_client["group"]
    maria = group.participants[0]
    token = csrf_token(client, "/")
    made = client.post(f"/participants/{maria.id}/discharge", data={
        "reason": "completed", "discharged_on": "2026-01-05", "csrf_token": token,
        "recommendations": NOTE_PAYLOADS[0], "aftercare": NOTE_PAYLOADS[1]})
    base = made.headers["Location"].removesuffix("/edit")
    for path in ("/participants/0/discharge/1/discard", f"/participants/{maria.id}/discharge/"
                 "99999999999/discard", f"/participants/{maria.id}/discharge/%00/discard",
                 f"/participants/{maria.id}/discharge/1e3/discard",
                 f"/participants/-1{base.removeprefix(f'/participants/{maria.id}')}/discard"):
        assert client.post(path, data={"confirm": "1", "csrf_token": token}).status_code in (
            400, 404), path
    form = {"confirm": "1", "version": "1", "csrf_token": token}
    for field, value in (("confirm", "1' OR '1'='1"), ("confirm", "yes"), ("confirm", "1\x00"),
                         ("version", "1 OR 1=1"), ("version", "²"), ("version", "9" * 5000)):
        assert client.post(f"{base}/discard", data={**form, field: value}).status_code == 302
    assert "Discard the draft" in client.get(base).get_data(as_text=True)  # still a draft
    no_csrf = client.post(f"{base}/discard", data={"confirm": "1", "version": "1"})
    assert no_csrf.status_code == 400
    client.post(f"{base}/discard", data=form)
    page = client.get(base).get_data(as_text=True)
    assert "Discarded draft, never signed" in page and "<script>alert" not in page

"""Tracks edited in the browser (issue 15, stage 4), through the machinery topics use: the
track's YAML in the editor with the problems ``curriculum check`` reports for a track file, a
draft served to nobody, the two-person rule, and once approved the new track on the tracks
pages, in a group's suggested topic and coverage, here and on another app sharing the
database."""

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import db
from curriculum.handouts import Variant, cache_key
from curriculum.served_library import current_library
from models import AuditEvent, CurriculumVersion, Group, User, VersionState
from tests.helpers import BASE_RE, TEXTAREA_RE, client_for, csrf_token

REORDERED = ("title: Core, feelings first\ndescription: Test track.\ngroups_per_week: 3\n"
             "topics:\n  - naming-feelings\n  - coping-with-cravings\n  - talking-it-through\n")


def track_editor(client: FlaskClient, slug: str = "core") -> tuple[str, str]:
    page = client.get(f"/tracks/{slug}/edit")
    assert page.status_code == 200, page.status_code
    return html.unescape(TEXTAREA_RE.search(page.text).group(1)), BASE_RE.search(page.text)[1]


def post_track(client: FlaskClient, source: str, base: str, action: str = "save",
               slug: str = "core", note: str = "Feelings first.") -> Any:
    return client.post(f"/tracks/{slug}/edit", data={
        "markdown": source, "change_note": note, "base": base, "action": action,
        "csrf_token": csrf_token(client, "/")})


def decide(client: FlaskClient, number: int, step: str, slug: str = "core", **data: str) -> str:
    response = client.post(f"/tracks/{slug}/versions/{number}/{step}",
                           data={**data, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, (step, response.status_code)
    return client.get(response.headers["Location"]).text


def state(app: Flask, slug: str, number: int) -> VersionState:
    with app.app_context():
        return db.get_session().scalar(select(CurriculumVersion.state).where(
            CurriculumVersion.kind == "track", CurriculumVersion.slug == slug,
            CurriculumVersion.number == number))


def test_a_track_draft_is_served_once_another_approver_approves_it(
    app: Flask, people: dict[str, User], make_app: Callable[..., Flask],
    make_group: Callable[..., Group]
) -> None:
    group = make_group(facilitators=[people["facilitator"]])
    editor = client_for(app, people["editor"])
    facilitator = client_for(app, people["facilitator"])
    elsewhere = client_for(make_app(CURRICULUM_REFRESH_SECONDS=0), people["facilitator"])
    track_page = editor.get("/tracks/core").text
    assert "Edit this track" in track_page and "the file's text" in track_page
    assert "Edit this track" not in facilitator.get("/tracks/core").text
    source, base = track_editor(editor)
    assert source.startswith("title: Core\n") and len(base) == 64
    saved = post_track(editor, REORDERED, base)
    assert saved.status_code == 302 and saved.headers["Location"] == "/tracks/core/versions/1"
    # A draft is served to nobody.
    for client in (facilitator, elsewhere):
        assert "feelings first" not in client.get("/tracks").text
        assert "Suggested next in the track: <strong>Coping With Cravings" in \
            client.get(f"/groups/{group.id}").text
    drafts = editor.get("/topics/drafts").text
    assert 'Track: core</td>' in drafts and 'href="/tracks/core/versions/1"' in drafts
    assert editor.post("/tracks/core/versions/1/approve", data={
        "attest": "1", "csrf_token": csrf_token(editor, "/")}).status_code == 404
    approver = client_for(app, people["approver"])
    review = approver.get("/tracks/core/versions/1").text
    assert '<ins class="diff-ins">' in review and "Approve version 1" in review
    assert "Tick the box to attest" in decide(approver, 1, "approve")
    assert "Version 1 is approved" in decide(approver, 1, "approve", attest="1")
    assert state(app, "core", 1) == VersionState.APPROVED
    for client in (facilitator, elsewhere):
        assert "Core, feelings first" in client.get("/tracks").text
        page = client.get("/tracks/core").text
        assert page.index("Naming Feelings") < page.index("Coping With Cravings")
        assert "Suggested next in the track: <strong>Naming Feelings" in \
            client.get(f"/groups/{group.id}").text
        assert "Core, feelings first" in client.get(f"/coverage/groups/{group.id}").text
    assert "version 1</a>, approved by" in editor.get("/tracks/core").text
    with app.app_context():
        events = [(e.action, e.outcome) for e in db.get_session().scalars(
            select(AuditEvent).where(AuditEvent.object_type == "track-version")
            .order_by(AuditEvent.id))]
    assert events == [("save-track-draft", "ok"), ("approve-track-version", "refused"),
                      ("approve-track-version", "ok")]


def test_a_tracks_problems_are_shown_on_their_lines_and_block_approval(
    app: Flask, people: dict[str, User]
) -> None:
    editor = client_for(app, people["editor"])
    _, base = track_editor(editor)
    broken = ("title: Core\ndescription: Test track.\ngroups_per_week: 9\ntopics:\n"
              "  - coping-with-cravings\n  - no-such-topic\n  - no-such-topic\n")
    checked = post_track(editor, broken, base, action="check")
    assert checked.status_code == 200
    page = html.unescape(checked.text)
    assert 'Line 3</a>: <strong>groups_per_week</strong>' in page
    broken = broken.replace("groups_per_week: 9", "groups_per_week: 3")
    page = html.unescape(post_track(editor, broken, base, action="check").text)
    assert "Line 6</a>: <strong>topics[2]</strong>: no topic 'no-such-topic'" in page
    assert "Line 7</a>: <strong>topics[3]</strong>: 'no-such-topic' twice in a row" in page
    not_yaml = html.unescape(post_track(editor, "title: [unclosed", base, action="check").text)
    assert "not valid YAML" in not_yaml
    assert post_track(editor, broken, base).status_code == 302  # saved, problems and all
    approver = client_for(app, people["approver"])
    assert "3 problem(s) to fix first" in approver.get("/tracks/core/versions/1").text
    assert "Not done: It has 3 problem(s)" in decide(approver, 1, "approve", attest="1")
    assert state(app, "core", 1) == VersionState.DRAFT
    assert "is returned to its author" in decide(approver, 1, "return", comment="Fix it.")
    assert state(app, "core", 1) == VersionState.RETURNED


def test_a_new_track_needs_a_second_person(app: Flask, people: dict[str, User]) -> None:
    author = client_for(app, people["approver"])
    skeleton = html.unescape(TEXTAREA_RE.search(author.get("/tracks/new").text).group(1))
    assert skeleton.startswith("title: A New Track")
    source = ("title: Evening rotation\ndescription: Two evenings a week.\ngroups_per_week: 2\n"
              "topics: [talking-it-through, naming-feelings]\n")
    token = csrf_token(author, "/")
    for taken in ("core", "new"):
        answer = author.post("/tracks/new", data={"slug": taken, "markdown": source,
                                                  "change_note": "New.", "action": "save",
                                                  "csrf_token": token})
        assert answer.status_code == 400 and "is taken" in answer.text
    saved = author.post("/tracks/new", data={"slug": "evening", "markdown": source,
                                             "change_note": "New track.", "action": "save",
                                             "csrf_token": token})
    assert saved.headers["Location"] == "/tracks/evening/versions/1"
    facilitator = client_for(app, people["facilitator"])
    assert facilitator.get("/tracks/evening").status_code == 404
    assert "Not done: You wrote this version" in decide(author, 1, "approve", slug="evening",
                                                         attest="1")
    assert "A new track" in decide(client_for(app, people["approver2"]), 1, "approve",
                                   slug="evening", attest="1")
    assert "Evening rotation" in facilitator.get("/tracks/evening").text
    assert "Evening rotation" in facilitator.get("/tracks").text


@pytest.mark.engine_independent
def test_an_approved_track_has_its_packet_rendered_ahead(
    make_app: Callable[..., Flask], people: dict[str, User], tmp_path: Path
) -> None:
    app = make_app(PRERENDER_HANDOUTS=True)
    editor = client_for(app, people["editor"])
    _, base = track_editor(editor)
    saved = post_track(editor, REORDERED, base)
    number = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    decide(client_for(app, people["approver"]), number, "approve", attest="1")
    for thread in app.extensions["prerender_threads"]:
        thread.join(timeout=120)
    with app.app_context():
        library = current_library()
        packet = cache_key([library.get(s) for s in library.tracks["core"].topics], Variant())
    assert [path.stem for path in (tmp_path / "pdf-cache").glob("*.pdf")] == [packet]
    assert library.tracks["core"].topics[0] == "naming-feelings"
    # The facilitator's first print of the track's packet is the file rendered ahead.
    facilitator = client_for(app, people["facilitator"])
    link = html.unescape(re.search(r'href="(/handouts\.pdf\?topics=[^"]+)"',
                                   facilitator.get("/tracks/core").text)[1])
    printed = facilitator.get(link)
    assert printed.status_code == 200 and printed.headers["ETag"] == f'"{packet}"'

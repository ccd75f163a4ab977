"""Editing topics in the browser (issue 15, stage 1): curriculum permissions, the editor's
check, preview and save, a version's states under the two-person rule, what facilitators are
served before and after an approval (page and PDF, on this app and on another sharing the
database), and the topic texts a signed log records."""

import datetime
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import select

from curriculum import audit, db, logbook
from curriculum.handouts import Variant, cache_key
from curriculum.library import source_hash
from curriculum.served_library import current_library
from models import (
    AuditEvent,
    CurriculumPermission,
    CurriculumVersion,
    Group,
    Role,
    SessionLog,
    TaughtTopic,
    User,
    VersionLockedError,
    VersionState,
)
from tests.helpers import (
    CSRF_RE,
    TEXTAREA_RE,
    client_for,
    csrf_token,
    save_topic_draft,
    stored_user,
    topic_editor,
    user_events,
    write_spanish,
)

SLUG = "coping-with-cravings"
OLD = "Notice one trigger."
NEW = "Write down one trigger and one way you coped."



def submit(client: FlaskClient, markdown: str, base: str, action: str, slug: str = SLUG,
           note: str = "Clearer practice task.") -> Any:
    return client.post(f"/topics/{slug}/edit", data={
        "markdown": markdown, "change_note": note, "base": base, "action": action,
        "csrf_token": csrf_token(client, "/")})


def editor_form(client: FlaskClient, query: str = "") -> tuple[str, str]:
    return topic_editor(client, SLUG, query)


def save(client: FlaskClient, markdown: str, base: str) -> int:
    return save_topic_draft(client, SLUG, markdown, base)


def decide(client: FlaskClient, number: int, step: str, slug: str = SLUG, **data: str) -> str:
    """POST a review step; returns the version page it leads to (with its message)."""
    response = client.post(f"/topics/{slug}/versions/{number}/{step}",
                           data={**data, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, (step, response.status_code)
    return client.get(response.headers["Location"]).text


def version(app: Flask, number: int, slug: str = SLUG) -> CurriculumVersion:
    with app.app_context():
        return db.get_session().scalar(select(CurriculumVersion).where(
            CurriculumVersion.slug == slug, CurriculumVersion.number == number))


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
                    .split())


def version_events(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.outcome) for e in db.get_session().scalars(
            select(AuditEvent).where(AuditEvent.object_type == "topic-version")
            .order_by(AuditEvent.id))]


@pytest.mark.engine_independent
def test_admins_set_the_permission_on_the_accounts_page_and_the_command_line(
    app: Flask, make_user: Callable[..., User], runner: FlaskCliRunner
) -> None:
    admin = client_for(app, make_user(Role.ADMIN))
    user = make_user(Role.FACILITATOR)
    assert stored_user(app, user.id).curriculum_permission == CurriculumPermission.NONE
    page = admin.get("/admin/users").text
    assert f'id="curriculum-{user.id}"' in page and "Approver (also approves" in page
    answer = admin.post(f"/admin/users/{user.id}/curriculum", data={
        "curriculum": "approver", "csrf_token": csrf_token(admin, "/")})
    assert answer.status_code == 302
    assert stored_user(app, user.id).curriculum_permission == CurriculumPermission.APPROVER
    assert ("set-curriculum-permission", "ok", {"curriculum": "approver"}) in user_events(
        app, user.id)
    assert admin.post(f"/admin/users/{user.id}/curriculum", data={
        "curriculum": "owner", "csrf_token": csrf_token(admin, "/")}).status_code == 400
    created = admin.post("/admin/users", data={
        "name": "Ed Itor", "email": "ed@example.org", "role": "facilitator",
        "curriculum": "editor", "csrf_token": csrf_token(admin, "/")})
    assert created.status_code == 200
    result = runner.invoke(args=["create-user", "ap@example.org", "--role", "supervisor",
                                 "--name", "Ap Prover", "--curriculum", "approver",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0 and "(curriculum approver)" in result.output
    with app.app_context():
        stored = {u.email: u.curriculum_permission
                  for u in db.get_session().scalars(select(User))}
    assert stored["ed@example.org"] == CurriculumPermission.EDITOR
    assert stored["ap@example.org"] == CurriculumPermission.APPROVER
    # A permission applies from the account's next request.
    client = client_for(app, user)
    assert "Edit this topic" in client.get(f"/topics/{SLUG}").text
    admin.post(f"/admin/users/{user.id}/curriculum", data={
        "curriculum": "none", "csrf_token": csrf_token(admin, "/")})
    assert "Edit this topic" not in client.get(f"/topics/{SLUG}").text
    assert client.get(f"/topics/{SLUG}/edit").status_code == 404


def test_check_shows_each_problem_with_its_line_and_saving_keeps_problems(
    app: Flask, people: dict[str, User]
) -> None:
    client = client_for(app, people["editor"])
    source, base = editor_form(client)
    assert base == source_hash(source) and OLD in source
    changed = source.replace(OLD, "Call 555-201-7788 if an addict offers you a drink.")
    line = changed.split("\n").index("Call 555-201-7788 if an addict offers you a drink.") + 1
    page = submit(client, changed, base, "check")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f'href="#src-line-{line}">Line {line}</a>: <strong>body</strong>: phone number' in text
    assert f"Line {line}</a>: <strong>person-first</strong>" in text
    assert f'<li id="src-line-{line}" class="has-problem">' in page.text
    assert "555-201-7788" in text  # what was typed is kept
    broken = changed.replace("duration_minutes: 60", "duration_minutes: 7")
    text = html.unescape(submit(client, broken, base, "check").text)
    assert "Line 6</a>: <strong>duration_minutes</strong>" in text
    assert version_events(app) == []  # checking saves nothing
    number = save(client, changed, base)
    assert number == 1
    page = client.get(f"/topics/{SLUG}/versions/1").text
    assert "2 problems found" in page and "Draft" in page
    assert version_events(app) == [("save-topic-draft", "ok")]


def test_preview_pdf_is_the_edited_handout_and_never_cached(
    app: Flask, people: dict[str, User], tmp_path: Path
) -> None:
    client = client_for(app, people["editor"])
    source, base = editor_form(client)
    response = submit(client, source.replace(OLD, NEW), base, "preview")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert NEW in text and OLD not in text and "FACILITATOR SECRET" not in text
    assert not list((tmp_path / "pdf-cache").glob("*.pdf"))
    unloadable = submit(client, source.replace("# Participant handout", "# Handout"), base,
                        "preview")
    assert unloadable.status_code == 400 and "cannot be previewed" in unloadable.text


def test_drafts_wait_for_another_approver_then_facilitators_see_the_new_text(
    app: Flask, people: dict[str, User], make_app: Callable[..., Flask]
) -> None:
    editor = client_for(app, people["editor"])
    facilitator = client_for(app, people["facilitator"])
    approver = client_for(app, people["approver"])
    other_instance = make_app(CURRICULUM_REFRESH_SECONDS=0)
    elsewhere = client_for(other_instance, people["facilitator"])
    assert OLD in elsewhere.get(f"/topics/{SLUG}").text
    source, base = editor_form(editor)
    number = save(editor, source.replace(OLD, NEW), base)
    # A draft is never served.
    for client in (facilitator, elsewhere):
        page = client.get(f"/topics/{SLUG}").text
        assert OLD in page and NEW not in page and "Edit this topic" not in page
    # The editor cannot approve; the approver sees the differences.
    assert editor.post(f"/topics/{SLUG}/versions/1/approve", data={
        "attest": "1", "csrf_token": csrf_token(editor, "/")}).status_code == 404
    review = approver.get(f"/topics/{SLUG}/versions/{number}").text
    assert '<del class="diff-del">' in review and '<ins class="diff-ins">' in review
    assert "Approve version 1" in review
    assert "Tick the box to attest" in decide(approver, number, "approve")
    assert version(app, number).state == VersionState.DRAFT
    page = decide(approver, number, "approve", attest="1", approval_comment="Reads well.")
    assert "Version 1 is approved" in page
    approved = version(app, number)
    assert approved.state == VersionState.APPROVED and approved.approved_by_id == \
        people["approver"].id and "Approved by" in approved.attestation
    # Served at once here, and by another app on the same database.
    for client in (facilitator, elsewhere):
        page = client.get(f"/topics/{SLUG}").text
        assert NEW in page and OLD not in page and "The program's version 1" in page
    handout = facilitator.get(f"/topics/{SLUG}/handout.pdf")
    assert NEW in pdf_text(handout.data) and OLD not in pdf_text(handout.data)
    assert version_events(app) == [("save-topic-draft", "ok"), ("approve-topic-version",
                                                                "refused"),
                                   ("approve-topic-version", "ok")]


def test_the_topic_page_kept_per_permission_is_each_readers_and_moves_with_an_approval(
    make_app: Callable[..., Flask], people: dict[str, User]
) -> None:
    """The topic page is rendered once per role and curriculum permission in each worker: an
    editor's links and an approver's forms (with the approver's own form token) never reach a
    facilitator's page, and an approval here is served on the next request (no other worker
    refreshes this app within the test)."""
    app = make_app(CURRICULUM_REFRESH_SECONDS=3600)
    url = f"/topics/{SLUG}"
    editor, approver, facilitator = (client_for(app, people[name])
                                     for name in ("editor", "approver2", "facilitator"))
    assert "Edit this topic" in editor.get(url).text  # the same role as the facilitator's
    approving = approver.get(url).text
    assert "Approve the shipped text as it stands" in approving
    approvers_token = CSRF_RE.search(approving).group(1)  # in each of its forms
    assert approving.count(approvers_token) == len(CSRF_RE.findall(approving)) >= 2
    for _ in range(2):  # rendered, then kept
        page = facilitator.get(url).text
        assert OLD in page and "Not yet reviewed" in page
        assert "Edit this topic" not in page and "/edit" not in page and "<form" not in \
            page.split("</header>")[1]
        assert approvers_token not in page
    assert "Approve the shipped text" not in editor.get(url).text
    source, base = editor_form(editor)
    number = save(editor, source.replace(OLD, NEW), base)
    assert OLD in facilitator.get(url).text  # a draft is never served
    decide(approver, number, "approve", attest="1")
    page = facilitator.get(url).text
    assert NEW in page and OLD not in page and "The program's version 1" in page
    assert "Edit this topic" not in page


def test_the_author_never_approves_their_own_version(
    app: Flask, people: dict[str, User]
) -> None:
    author = client_for(app, people["approver"])
    source, base = editor_form(author)
    number = save(author, source.replace(OLD, NEW), base)
    page = author.get(f"/topics/{SLUG}/versions/{number}").text
    assert "You wrote this version, so you cannot approve it" in page
    assert "Approve version" not in page
    page = decide(author, number, "approve", attest="1")
    assert "Not done: You wrote this version, so you cannot approve it" in page
    assert version(app, number).state == VersionState.DRAFT
    decide(client_for(app, people["approver2"]), number, "approve", attest="1")
    assert version(app, number).state == VersionState.APPROVED


def test_approval_is_refused_while_problems_remain(app: Flask, people: dict[str, User]) -> None:
    editor = client_for(app, people["editor"])
    source, base = editor_form(editor)
    number = save(editor, source.replace(OLD, "Call 555-201-7788."), base)
    approver = client_for(app, people["approver"])
    assert "1 problem(s) to fix first" in approver.get(f"/topics/{SLUG}/versions/1").text
    page = decide(approver, number, "approve", attest="1")
    assert "Not done: It has 1 problem(s) to fix first" in page
    assert version(app, number).state == VersionState.DRAFT


def test_a_draft_on_a_superseded_base_is_refused_until_rebased(
    app: Flask, people: dict[str, User]
) -> None:
    editor = client_for(app, people["editor"])
    approver = client_for(app, people["approver"])
    source, base = editor_form(editor)
    first = save(editor, source.replace(OLD, NEW), base)
    second = save(editor, source.replace("Print handouts.", "Print large-print copies too."),
                  base)
    decide(approver, first, "approve", attest="1")
    page = decide(approver, second, "approve", attest="1")
    assert "Not done:" in page and "Start a new draft from the current text" in page
    assert f'href="/topics/{SLUG}/edit?from={second}"' in page
    assert version(app, second).state == VersionState.DRAFT
    # Editing again from the stale draft: its text, based on the text in force.
    carried, rebased_on = editor_form(editor, f"?from={second}")
    assert "large-print copies" in carried and rebased_on == version(app, first).content_hash
    merged = carried.replace(OLD, NEW)
    third = save(editor, merged, rebased_on)
    assert version(app, third).base_version_id == version(app, first).id
    assert "Approve version 3" in approver.get(f"/topics/{SLUG}/versions/{third}").text
    decide(approver, third, "approve", attest="1")
    assert version(app, first).state == VersionState.SUPERSEDED
    assert version(app, first).superseded_by_version_id == version(app, third).id
    assert version(app, third).state == VersionState.APPROVED
    page = client_for(app, people["facilitator"]).get(f"/topics/{SLUG}").text
    assert "large-print copies" in page and NEW in page
    listing = editor.get(f"/topics/{SLUG}/versions").text
    assert "Facilitators are served version 3" in listing
    assert [s in listing for s in ("Superseded", "Draft", "Approved")] == [True] * 3


def test_return_and_withdraw(app: Flask, people: dict[str, User]) -> None:
    editor = client_for(app, people["editor"])
    approver = client_for(app, people["approver"])
    source, base = editor_form(editor)
    first = save(editor, source.replace(OLD, NEW), base)
    assert "Not done: Say what the author should change." in decide(approver, first, "return",
                                                                  comment=" ")
    decide(approver, first, "return", comment="Say when to write it down.")
    returned = version(app, first)
    assert returned.state == VersionState.RETURNED and returned.return_comment == \
        "Say when to write it down."
    assert "Say when to write it down." in editor.get("/topics/drafts").text
    assert "only a draft can be approved" in decide(approver, first, "approve", attest="1")
    second = save(editor, source.replace(OLD, NEW + " Tonight."), base)
    assert "Only the author withdraws" in decide(approver, second, "withdraw")
    decide(editor, second, "withdraw", withdrawal_comment="Not needed.")
    assert version(app, second).state == VersionState.WITHDRAWN
    assert version(app, second).withdrawal_comment == "Not needed."
    assert "only a draft can be withdrawn" in decide(editor, second, "withdraw")
    assert ("withdraw-topic-version", "refused") in version_events(app)
    unchanged = submit(editor, source, base, "save")
    assert unchanged.status_code == 400 and "change something before saving" in unchanged.text


@pytest.mark.engine_independent
def test_a_version_never_changes_once_written(app: Flask, people: dict[str, User]) -> None:
    editor = client_for(app, people["editor"])
    source, base = editor_form(editor)
    number = save(editor, source.replace(OLD, NEW), base)
    with app.app_context():
        session = db.get_session()
        draft = session.scalar(select(CurriculumVersion).where(
            CurriculumVersion.number == number))
        draft.source = "rewritten"
        with pytest.raises(VersionLockedError):
            session.flush()
        session.rollback()
        draft.state = VersionState.SUPERSEDED
        with pytest.raises(VersionLockedError):
            session.flush()
        session.rollback()
        session.delete(draft)
        with pytest.raises(VersionLockedError):
            session.flush()


def test_new_topic_is_served_once_approved(app: Flask, people: dict[str, User]) -> None:
    editor = client_for(app, people["editor"])
    skeleton = editor.get("/topics/new").text
    assert "# Participant handout" in html.unescape(skeleton)
    source = html.unescape(TEXTAREA_RE.search(skeleton).group(1)).replace(
        "A New Topic", "Sleep in Early Recovery")
    token = csrf_token(editor, "/")
    taken = editor.post("/topics/new", data={"slug": SLUG, "markdown": source,
                                             "change_note": "New.", "action": "save",
                                             "csrf_token": token})
    assert taken.status_code == 400 and "is taken" in taken.text
    saved = editor.post("/topics/new", data={"slug": "sleep-in-recovery", "markdown": source,
                                             "change_note": "New topic.", "action": "save",
                                             "csrf_token": token})
    assert saved.headers["Location"] == "/topics/sleep-in-recovery/versions/1"
    facilitator = client_for(app, people["facilitator"])
    assert facilitator.get("/topics/sleep-in-recovery").status_code == 404
    assert "A new topic" in decide(client_for(app, people["approver"]), 1, "approve",
                                   slug="sleep-in-recovery", attest="1")
    assert "Sleep in Early Recovery" in facilitator.get("/topics/sleep-in-recovery").text


def test_a_signed_log_records_the_text_each_topic_had(
    app: Flask, people: dict[str, User], make_group: Callable[..., Group]
) -> None:
    facilitator = people["facilitator"]
    group = make_group(facilitators=[facilitator], people=["Ana P."])

    def sign_log(day: int) -> int:
        with app.app_context():
            session = db.get_session()
            session_log = logbook.start_log(session, session.get(Group, group.id),
                                            datetime.date(2026, 3, day),
                                            session.get(User, facilitator.id),
                                            [SLUG, "naming-feelings"], current_library())
            for note in session_log.notes:
                note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 3
            session.flush()
            logbook.sign(session, session_log, session.get(User, facilitator.id), {},
                         current_library())
            session.commit()
            return session_log.id

    before = sign_log(2)
    editor = client_for(app, people["editor"])
    source, base = editor_form(editor)
    decide(client_for(app, people["approver"]), save(editor, source.replace(OLD, NEW), base),
           "approve", attest="1")
    after = sign_log(4)
    with app.app_context():
        session = db.get_session()
        taught = {log_id: [(t.slug, t.content_hash, t.version_number) for t in
                           session.scalars(select(TaughtTopic).where(TaughtTopic.log_id == log_id)
                                           .order_by(TaughtTopic.id))]
                  for log_id in (before, after)}
        files = current_library().get("naming-feelings").content_hash
        assert taught[before] == [(SLUG, source_hash(source), None),
                                  ("naming-feelings", files, None)]
        assert taught[after] == [(SLUG, version(app, 1).content_hash, 1),
                                 ("naming-feelings", files, None)]
        assert audit.verify(session).problem is None
        signed = session.get(SessionLog, after)
        assert '"taught"' in signed.canonical_content()
        # A log whose signature recorded no texts (signed before they were) hashes as then.
        with session.no_autoflush:
            signed.taught_topics = []
            assert '"taught"' not in signed.canonical_content()
        session.rollback()
    page = client_for(app, facilitator).get(f"/logs/{after}").text
    assert "Version taught" in page and "the program's version 1" in page
    assert version(app, 1).content_hash in page


def test_csrf_and_size_limits(app: Flask, people: dict[str, User]) -> None:
    editor = client_for(app, people["editor"])
    source, base = editor_form(editor)
    no_token = editor.post(f"/topics/{SLUG}/edit", data={
        "markdown": source.replace(OLD, NEW), "change_note": "x", "base": base,
        "action": "save"})
    assert no_token.status_code == 400
    too_long = submit(editor, source + "x" * 100_001, base, "save")
    assert too_long.status_code == 400 and "100000" in too_long.text
    bad_base = submit(editor, source.replace(OLD, NEW), "f" * 64, "save")
    assert bad_base.status_code == 400 and "Open the editor again" in bad_base.text
    assert version_events(app) == []


@pytest.mark.engine_independent
def test_a_translation_left_behind_is_a_notice_not_a_problem(
    make_app: Callable[..., Flask], content_dir: Path, make_user: Callable[..., User]
) -> None:
    write_spanish(content_dir, SLUG)
    app = make_app()
    editor = client_for(app, make_user(curriculum_permission=CurriculumPermission.EDITOR))
    source, base = editor_form(editor)
    page = html.unescape(submit(editor, source.replace(OLD, NEW), base, "check").text)
    assert "The Spanish handout translates another version of the English handout" in page
    assert "No problems" in page


@pytest.mark.engine_independent
def test_an_approval_renders_its_handouts_into_the_cache_ahead(
    make_app: Callable[..., Flask], people: dict[str, User], tmp_path: Path
) -> None:
    """Stage 2: the approving worker renders the approved topic's handout variants and the
    packets of the tracks that hold it in the background; nobody asked for them."""
    app = make_app(PRERENDER_HANDOUTS=True)
    editor = client_for(app, people["editor"])
    source, base = editor_form(editor)
    decide(client_for(app, people["approver"]), save(editor, source.replace(OLD, NEW), base),
           "approve", attest="1")
    for thread in app.extensions["prerender_threads"]:
        thread.join(timeout=120)
    with app.app_context():
        library = current_library()
        topic = library.get(SLUG)
        singles = {cache_key([topic], Variant(size, large)): (size, large)
                   for size in ("letter", "a4") for large in (False, True)}
        packet = cache_key([library.get(s) for s in library.tracks["core"].topics], Variant())
    cached = {path.stem: path for path in (tmp_path / "pdf-cache").glob("*.pdf")}
    assert set(cached) == {*singles, packet}
    letter = next(key for key, variant in singles.items() if variant == ("letter", False))
    assert NEW in pdf_text(cached[letter].read_bytes())
    # The facilitator's first print is the file rendered ahead.
    served = client_for(app, people["facilitator"]).get(f"/topics/{SLUG}/handout.pdf")
    assert served.headers["ETag"] == f'"{letter}"'
    assert set(path.stem for path in (tmp_path / "pdf-cache").glob("*.pdf")) == set(cached)

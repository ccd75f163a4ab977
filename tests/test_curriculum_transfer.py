"""The program's curriculum as files (issue 15, stage 4): ``curriculum export DIR`` writes what
the program approved in the shipped layout, ``curriculum import DIR --author EMAIL`` turns
such files into drafts awaiting another person's approval, all or nothing, one line per
problem."""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from curriculum import db
from curriculum.library import source_hash
from curriculum.passwords import hash_password
from curriculum.served_library import current_library
from models import AuditEvent, CurriculumPermission, CurriculumVersion, Role, User, VersionState
from tests.helpers import (
    PASSWORD,
    client_for,
    csrf_token,
    english_hash,
    save_topic_draft,
    topic_editor,
    write_spanish,
    write_topic,
)

SLUG = "coping-with-cravings"
OLD = "Notice one trigger."
NEW = "Write down one trigger and one way you coped."
TRACK = ("title: Core, feelings first\ndescription: Test track.\ngroups_per_week: 3\n"
         "topics: [naming-feelings, coping-with-cravings, talking-it-through]\n")


def approve(app: Flask, approver: User, path: str) -> None:
    client = client_for(app, approver)
    response = client.post(f"{path}/approve", data={"attest": "1",
                                                     "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302


def run(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["curriculum", *args])
    return result.exit_code, result.stdout, result.stderr


def versions(app: Flask) -> list[tuple[str, str, int, VersionState, str]]:
    with app.app_context():
        return [(v.kind.value, v.slug, v.number, v.state, v.source) for v in db.get_session()
                .scalars(select(CurriculumVersion).order_by(CurriculumVersion.id))]


def approved_program(app: Flask, people: dict[str, User]) -> None:
    """A topic changed and approved, another approved as shipped, a track changed and
    approved; the third topic is not reviewed."""
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SLUG)
    save_topic_draft(editor, SLUG, source.replace(OLD, NEW), base)
    approve(app, people["approver"], f"/topics/{SLUG}/versions/1")
    shipped = (app_content(app) / "topics" / "talking-it-through.md").read_text()
    client = client_for(app, people["approver"])
    assert client.post("/topics/talking-it-through/approve", data={
        "attest": "1", "shipped": source_hash(shipped),
        "csrf_token": csrf_token(client, "/")}).status_code == 302
    track = editor.post("/tracks/core/edit", data={
        "markdown": TRACK, "change_note": "Feelings first.", "action": "save",
        "base": source_hash((app_content(app) / "tracks" / "core.yaml").read_text()),
        "csrf_token": csrf_token(editor, "/")})
    assert track.status_code == 302
    approve(app, people["approver"], "/tracks/core/versions/1")


def app_content(app: Flask) -> Path:
    return Path(app.config["CONTENT_DIRS"][0])


@pytest.mark.engine_independent  # two databases: the second is a SQLite file
def test_export_then_import_round_trips_the_program_curriculum(
    app: Flask, people: dict[str, User], make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    approved_program(app, people)
    out = tmp_path / "export"
    assert run(app, "export", str(out))[:2] == (
        0, f"Wrote 2 approved topics, 0 approved Spanish handouts and 1 approved tracks to "
        f"{out}\n")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        f"topics/{SLUG}.md", "topics/talking-it-through.md", "tracks/core.yaml"]
    exported = (out / "topics" / f"{SLUG}.md").read_text()
    assert NEW in exported and exported == versions(app)[0][4]
    assert (out / "tracks" / "core.yaml").read_text() == TRACK
    # Back into the same database: every file is the text in force, so nothing is written.
    before = versions(app)
    code, stdout, _ = run(app, "import", str(out), "--author", people["editor"].email)
    assert code == 0 and "0 draft(s) await" in stdout and "3 file(s) unchanged" in stdout
    assert versions(app) == before
    # Into another instance with the same shipped files (its own database).
    other = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.app_context():
        session = db.get_session()
        for key, permission in (("editor", CurriculumPermission.EDITOR),
                                ("approver2", CurriculumPermission.APPROVER)):
            session.add(User(email=people[key].email, name=key, role=Role.FACILITATOR,
                             password_hash=hash_password(PASSWORD),
                             curriculum_permission=permission))
        session.commit()
    code, stdout, _ = run(other, "import", str(out), "--author", people["editor"].email.upper())
    assert code == 0, stdout
    assert f"topics/{SLUG}.md: draft version 1\n" in stdout
    assert "tracks/core.yaml: draft version 1\n" in stdout
    assert "2 draft(s) await another person's approval; 1 file(s) unchanged" in stdout
    drafts = versions(other)
    assert [(kind, slug, state) for kind, slug, _, state, _ in drafts] == [
        ("topic", SLUG, VersionState.DRAFT), ("track", "core", VersionState.DRAFT)]
    assert drafts[0][4] == exported  # the imported draft's text is the exported one
    # The author (an editor) cannot approve; an approver can, then both instances serve the same.
    other_people = {u.email: u for u in users(other)}
    author = client_for(other, other_people[people["editor"].email])
    assert author.post(f"/topics/{SLUG}/versions/1/approve", data={
        "attest": "1", "csrf_token": csrf_token(author, "/")}).status_code == 404
    for path in (f"/topics/{SLUG}/versions/1", "/tracks/core/versions/1"):
        approve(other, other_people[people["approver2"].email], path)
    with app.app_context():
        here = current_library()
    with other.app_context():
        there = current_library()
    assert there.topics[SLUG].content_hash == here.topics[SLUG].content_hash
    assert dataclasses.replace(there.tracks["core"], path=Path()) == \
        dataclasses.replace(here.tracks["core"], path=Path())
    with other.app_context():
        events = db.get_session().scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(["import-curriculum", "save-topic-draft"]))).all()
    assert events == ["save-topic-draft", "import-curriculum"]


def users(app: Flask) -> list[User]:
    with app.app_context():
        return list(db.get_session().scalars(select(User)))


def test_import_refuses_bad_files_and_authors_with_a_line_each_and_writes_nothing(
    app: Flask, people: dict[str, User], make_user: Callable[..., User], tmp_path: Path,
    content_dir: Path
) -> None:
    folder = tmp_path / "incoming"
    write_topic(folder, "new-topic", title="A Topic Brought In")  # good on its own
    write_spanish(folder, "coping-with-cravings",  # good too: translates the English in force
                  translates=english_hash(content_dir, "coping-with-cravings"))
    (folder / "topics" / "naming-feelings.es.md").write_text("no front matter")
    (folder / "topics" / "Bad_Name.md").write_text("x")
    (folder / "topics" / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "tracks").mkdir()
    (folder / "tracks" / "core.yaml").write_text("title: [unclosed\n")
    (folder / "tracks" / "huge.yaml").write_text("#" * 100_001)
    code, stdout, stderr = run(app, "import", str(folder), "--author", people["editor"].email)
    assert code == 1 and stdout == ""
    assert stderr.splitlines() == [
        "topics/Bad_Name.md: the name must be a slug (1 to 64 of a-z, 0-9 and '-', not "
        "drafts, new).md",
        "topics/latin1.md: not UTF-8 text",
        "tracks/huge.yaml: larger than 100,000 characters",
        "topics/naming-feelings.es.md: line 1: front matter: missing (the file must start "
        "with ---)",
        "tracks/core.yaml: file: not valid YAML (ParserError)"]  # checked last
    for author, line in (
            ("nobody@example.org", "--author: no active account has the email "
                                   "'nobody@example.org'"),
            (people["facilitator"].email, f"--author: {people['facilitator'].email} has no "
                                          f"curriculum permission (editor or approver); an "
                                          f"admin sets it on the accounts page")):
        code, _, stderr = run(app, "import", str(folder), "--author", author)
        assert code == 1 and stderr.splitlines()[0] == line
    code, _, stderr = run(app, "import", str(tmp_path / "empty"), "--author",
                          people["editor"].email)
    assert code == 1 and stderr == f"{tmp_path / 'empty'}: not a folder\n"
    with app.app_context():
        session = db.get_session()
        assert session.scalar(select(func.count()).select_from(CurriculumVersion)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "import-curriculum")) == 0
    for path in ("topics/Bad_Name.md", "topics/latin1.md", "tracks/core.yaml",
                 "tracks/huge.yaml", "topics/naming-feelings.es.md"):
        (folder / path).unlink()
    code, stdout, _ = run(app, "import", str(folder), "--author", people["editor"].email)
    assert code == 0 and stdout.startswith("topics/new-topic.md: draft version 1")
    assert [(kind, slug, state) for kind, slug, _, state, _ in versions(app)] == [
        ("topic", "new-topic", VersionState.DRAFT),
        ("translation", "coping-with-cravings", VersionState.DRAFT)]
    assert client_for(app, people["facilitator"]).get("/topics/new-topic").status_code == 404


def test_export_writes_nothing_unapproved_and_is_audited(
    app: Flask, people: dict[str, User], tmp_path: Path
) -> None:
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SLUG)
    save_topic_draft(editor, SLUG, source.replace(OLD, NEW), base)  # a draft: not exported
    code, stdout, _ = run(app, "export", str(tmp_path / "out"))
    assert code == 0 and stdout.startswith("Wrote 0 approved topics, 0 approved Spanish")
    assert not list((tmp_path / "out").rglob("*.*"))
    (tmp_path / "a-file").write_text("x")
    code, _, stderr = run(app, "export", str(tmp_path / "a-file" / "below"))
    assert code == 1 and "cannot write there" in stderr
    with app.app_context():
        assert db.get_session().scalars(select(AuditEvent.action).where(
            AuditEvent.action == "export-curriculum")).all() == ["export-curriculum"]

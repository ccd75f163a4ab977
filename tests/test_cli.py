"""Every command of ``flask --app app`` with its exit codes."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import func, select

from app import create_app
from curriculum import db, schema
from curriculum.localtime import today
from curriculum.served_library import current_library
from curriculum.topic_coverage import group_coverage
from models import Role, User
from tests.helpers import password_matches, write_spanish, write_topic


def users(app: Flask) -> list[User]:
    with app.app_context():
        return list(db.get_session().scalars(select(User).order_by(User.id)))


def test_init_db_twice_creates_one_admin_with_a_one_time_password(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    password = first.output.split("One-time password")[1].split(":", 1)[1].strip()
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "One-time password" not in second.output
    [admin] = users(app)
    assert admin.role is Role.ADMIN and admin.is_password_temporary
    assert password_matches(app, admin.password_hash, password)


def test_create_user_reads_password_from_stdin(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "Sam@Example.org", "--role", "supervisor",
                                 "--name", "Sam Lee", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    [user] = users(app)
    assert (user.email, user.role, user.name) == ("sam@example.org", Role.SUPERVISOR, "Sam Lee")
    assert password_matches(app, user.password_hash, "a long enough password")
    assert not user.is_password_temporary


def test_create_user_prompts_for_the_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "pat@example.org", "--role", "facilitator",
                                 "--name", "Pat"], input="prompted password 1\n" * 2)
    assert result.exit_code == 0, result.output
    assert password_matches(app, users(app)[0].password_hash, "prompted password 1")


def test_create_user_reports_every_problem_and_saves_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["create-user", "taken@example.org", "--role", "admin", "--name", "A",
                        "--password-stdin"], input="a long enough password\n")
    result = runner.invoke(args=["create-user", "TAKEN@example.org", "--role", "admin",
                                 "--name", " ", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["name: give a name of 1 to 120 characters",
                     "password: Use 12 to 1024 characters.",
                     "email: TAKEN@example.org already has an account"]
    bad_email = runner.invoke(args=["create-user", "not-an-email", "--role", "admin", "--name",
                                    "B", "--password-stdin"], input="a long enough password\n")
    assert bad_email.exit_code == 1 and "email: 'not-an-email'" in bad_email.output
    bad_role = runner.invoke(args=["create-user", "c@example.org", "--role", "owner",
                                   "--name", "C", "--password-stdin"], input="x" * 20 + "\n")
    assert bad_role.exit_code == 2
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(User)) == 1


def test_curriculum_check_passes_on_a_good_library(
    make_app: Callable, content_dir: Path
) -> None:
    # Every topic has its Spanish handout (the conftest one's own handout is shorter).
    for slug in ("coping-with-cravings", "naming-feelings"):
        write_spanish(content_dir, slug)
    write_spanish(content_dir, "talking-it-through", handout=(
        "## Ideas clave\n\nDiga lo que necesita. Hable de usted mismo.\n\n[lines: 2]\n\n"
        "## Antes del próximo grupo\n\nPruebe una vez.\n"))
    result = make_app().test_cli_runner().invoke(args=["curriculum", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 topics, 1 tracks; reading grade median")
    assert "0 problem(s)" in result.output


def test_curriculum_check_prints_one_line_per_problem(
    make_app: Callable, content_dir: Path
) -> None:
    write_topic(content_dir, "bad-one", group_type="lecture", audience="kids")
    write_topic(content_dir, "hard-words", handout=(
        "## Key ideas\n\nPharmacological interventions notwithstanding, neurobiological "
        "adaptations characteristically necessitate comprehensive multidisciplinary "
        "individualized psychotherapeutic intervention strategies, contextualized "
        "epidemiologically.\n\nCall 555-123-4567 or 1-800-662-4357 any time.\n\n[lines: 2]\n\n"
        "## Before next group\n\nPractise.\n"))
    result = make_app().test_cli_runner().invoke(args=["curriculum", "check"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    problems = [line for line in lines if ": " in line and line.split(": ")[0].endswith(".md")]
    assert any(line.endswith("bad-one.md: group_type: Input should be 'psychoeducational', "
                             "'skills', 'cognitive-behavioral', 'support' or "
                             "'interpersonal-process'") for line in problems)
    assert any("bad-one.md: audience:" in line for line in problems)
    assert any("hard-words.md: handout: Flesch-Kincaid grade" in line for line in problems)
    assert any("hard-words.md: handout: SMOG grade" in line for line in problems)
    assert any("hard-words.md: body: phone number '555-123-4567'" in line for line in problems)
    assert not any("662-4357" in line for line in problems)
    assert lines[-1].endswith(f"{len(problems)} problem(s)")


def test_curriculum_grades_lists_every_handout(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["curriculum", "grades"])
    assert result.exit_code == 0
    assert "coping-with-cravings" in result.output and "naming-feelings" in result.output


def test_handouts_build_renders_every_handout(runner: FlaskCliRunner, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    result = runner.invoke(args=["handouts", "build", str(outdir), "--size", "a4"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 handouts" in result.output
    files = sorted(p.name for p in outdir.iterdir())
    assert files == ["coping-with-cravings.pdf", "naming-feelings.pdf", "talking-it-through.pdf"]
    reader = PdfReader(outdir / "naming-feelings.pdf")
    assert round(float(reader.pages[0].mediabox.width)) == 595
    assert "Naming Feelings" in reader.pages[0].extract_text()


def test_handouts_build_refuses_a_file_as_outdir(runner: FlaskCliRunner, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    assert runner.invoke(args=["handouts", "build", str(target)]).exit_code == 2


def test_seed_demo_adds_groups_logs_in_every_state(app: Flask, runner: FlaskCliRunner) -> None:
    from models import (
        Attendance,
        AuditEvent,
        DischargeSummary,
        GoalStatus,
        Group,
        HandoutLanguage,
        LogState,
        ParticipantNote,
        SessionLog,
        TreatmentGoal,
    )

    result = runner.invoke(args=["seed-demo", "--password-stdin"],
                           input="one demo password\n")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["admin", "supervisor", "facilitator",
                                                   "facilitator"]
    assert "password" not in result.output
    with app.app_context():
        session = db.get_session()
        groups = session.scalars(select(Group)).all()
        assert len(groups) == 2 and groups[0].supervisor_id == groups[1].supervisor_id
        assert groups[0].facilitators[0].id != groups[1].facilitators[0].id
        assert all(6 <= len(g.enrollments) <= 10 for g in groups)
        states = set(session.scalars(select(SessionLog.state)))
        assert states == set(LogState) - {LogState.DISCARDED}  # a summary's state, not a log's
        assert session.scalar(select(func.count()).select_from(ParticipantNote).where(
            ParticipantNote.is_safety_concern.is_(True))) == 1
        # Goals for everyone (one met, one revised into a new one, in each group); every
        # signed note has a check-in and ticks a goal; the evening group requires it.
        goals = session.scalars(select(TreatmentGoal)).all()
        assert len(goals) == 2 * 15 + 2 and all(goal.history for goal in goals)
        assert sorted(g.status.value for g in goals if g.status != GoalStatus.ACTIVE) == [
            "met", "met", "revised", "revised"]
        signed_notes = session.scalars(select(ParticipantNote).join(SessionLog).where(
            SessionLog.content_hash.is_not(None))).all()
        assert signed_notes and all(n.craving is not None and n.use_since_last_group
                                    and n.goal_links for n in signed_notes)
        assert {g.name.split()[0]: g.is_goal_link_required for g in groups} == {
            "Evening": True, "Morning": False}
        user = session.scalar(select(User).where(User.role == Role.FACILITATOR))
        assert password_matches(app, user.password_hash, "one demo password")
        # Spanish-speaking participants, with topics to make up in Spanish.
        spanish = [person for group in groups for person in group_coverage(
            session, group, current_library(), today()).people
            if person.participant.handout_language == HandoutLanguage.SPANISH]
        assert len(spanish) == 3 and any(person.missing for person in spanish)
        # Demo data goes through the app's own operations, so the trail tells its story too.
        for state, action in ((LogState.VOIDED, "void-log"), (LogState.COSIGNED, "cosign-log")):
            ids = {str(i) for i in session.scalars(select(SessionLog.id).where(
                SessionLog.state == state))}
            audited = set(session.scalars(select(AuditEvent.object_id).where(
                AuditEvent.action == action)))
            assert ids and ids == audited, (state, ids, audited)
        # One participant discharged with a co-signed summary; no later log lists them.
        summary = session.scalars(select(DischargeSummary)).one()
        assert summary.state == LogState.COSIGNED and summary.record["attended"] >= 2
        assert summary.enrollment.discharged_on == summary.discharged_on
        assert not session.scalars(select(SessionLog).join(SessionLog.attendance).where(
            Attendance.participant_id == summary.participant_id,
            SessionLog.session_date > summary.discharged_on)).all()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "1 signed discharge summaries match" in verified.output
    again = runner.invoke(args=["seed-demo", "--password-stdin"], input="one demo password\n")
    assert again.exit_code == 1 and "already present" in again.output


def test_seed_demo_prints_generated_password_and_refuses_production(
    make_app: Callable
) -> None:
    result = make_app().test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and result.output.count("password: ") == 4
    production = make_app(GROUPWORK_ENV="production").test_cli_runner()
    refused = production.invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "refused in production" in refused.output


RECORD_COMMANDS = [
    ["create-user", "sam@example.org", "--role", "facilitator", "--name", "Sam",
     "--password-stdin"],
    ["seed-demo", "--password-stdin"],
    ["audit", "verify"],
    ["reset-two-factor", "sam@example.org"],
    ["reseal-secrets"],
    ["curriculum", "export", "exported"],
    ["curriculum", "import", "exported", "--author", "sam@example.org"],
]


@pytest.mark.engine_independent
def test_record_commands_on_a_database_not_set_up_say_so_in_one_line(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"})
    runner = app.test_cli_runner()
    for args in RECORD_COMMANDS:
        result = runner.invoke(args=args, input="a long enough password\n")
        assert result.exit_code == 1, args
        assert result.output == ("database: it has no tables yet; run `flask --app app init-db` "
                                 "first\n"), args
    with app.app_context():
        schema.upgrade(db.engine(), "0014")
    behind = runner.invoke(args=["audit", "verify"])
    assert behind.exit_code == 1
    assert behind.output.startswith("database: its schema is at revision 0014; this version "
                                    f"needs {schema.head_revision()}; run")
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    app.extensions["engine"].dispose()

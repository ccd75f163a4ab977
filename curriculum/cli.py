"""Command line: ``flask --app app <command>``."""

import functools
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from curriculum import (
    accounts,
    audit,
    backup,
    curriculum_transfer,
    db,
    demo,
    pdf,
    quality,
    schema,
    second_factor,
)
from curriculum.handouts import LANGUAGES, SIZES, Variant, render_handouts
from curriculum.localtime import today
from curriculum.passwords import password_problem
from curriculum.served_library import current_library, file_library
from models import ContentKind, CurriculumPermission, Role, User

FIRST_ADMIN_EMAIL = "admin@groupwork.local"


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


def needs_current_schema(command: Callable[..., Any]) -> Callable[..., Any]:
    """For commands that read or write records: on a database without the schema this version
    needs (new, or not upgraded after an update) say so in one line and exit 1, rather than
    fail on a missing table or column."""
    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if problem := schema.not_current(db.engine()):
            _fail([problem])
        return command(*args, **kwargs)
    return checked


def add_user(email: str, name: str, role: Role, password: str, temporary: bool = False,
             curriculum: CurriculumPermission = CurriculumPermission.NONE) -> User:
    """Create an account, or exit 1 with one line per problem."""
    session = db.write_session()
    if problems := accounts.new_account_problems(session, email, name, password):
        session.rollback()
        _fail([f"{field}: {message}" for field, message in problems.items()])
    user = accounts.create_account(session, email, name, role, password, temporary, curriculum)
    session.commit()
    return user


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema (safe to run again); on a new database, add an admin."""
    engine = db.engine()
    before = schema.current_revision(engine)
    schema.upgrade(engine)
    after = schema.current_revision(engine)
    click.echo(f"Database at revision {after}" + ("" if before == after else f" (was {before})")
               + f": {engine.url.render_as_string(hide_password=True)}")
    if db.get_session().scalar(select(func.count()).select_from(User)) == 0:
        password = accounts.one_time_password()
        add_user(FIRST_ADMIN_EMAIL, "Administrator", Role.ADMIN, password, temporary=True)
        click.echo(f"Created the first admin account: {FIRST_ADMIN_EMAIL}")
        click.echo(f"One-time password (shown only now; you choose a new one at sign-in): "
                   f"{password}")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True, help="Full name as shown on signatures.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--curriculum", type=click.Choice([p.value for p in CurriculumPermission]),
              default=CurriculumPermission.NONE.value, show_default=True,
              help="editor: drafts topic changes; approver: also approves others' drafts.")
@needs_current_schema
def create_user(email: str, role: str, name: str, password_stdin: bool, curriculum: str) -> None:
    """Add an account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = add_user(email, name, Role(role), password,
                    curriculum=CurriculumPermission(curriculum))
    permission = user.curriculum_permission
    click.echo(f"Created {user.role.value} {user.email}"
               + ("" if permission == CurriculumPermission.NONE else f" (curriculum {permission})"))


curriculum_cli = AppGroup("curriculum", help="Check, export and import the curriculum.")


@curriculum_cli.command("check")
def curriculum_check() -> None:
    """Validate every topic and track; one line per problem, exit 1 on any."""
    report = quality.check(current_library())
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary(current_library()))
    if report.problems:
        sys.exit(1)


@curriculum_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@needs_current_schema
def curriculum_export(directory: Path) -> None:
    """Write every topic, Spanish handout and track the program approved to DIRECTORY as
    topics/<slug>.md, topics/<slug>.es.md and tracks/<slug>.yaml (the shipped layout)."""
    session = db.write_session()
    try:
        counts = curriculum_transfer.export(session, file_library(), directory)
    except OSError as error:
        session.rollback()
        _fail([f"{directory}: cannot write there ({error.strerror or error})"])
    session.commit()
    click.echo(f"Wrote {counts[ContentKind.TOPIC]} approved topics, "
               f"{counts[ContentKind.TRANSLATION]} approved Spanish handouts and "
               f"{counts[ContentKind.TRACK]} approved tracks to {directory}")


@curriculum_cli.command("import")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--author", "email", required=True,
              help="Email of the curriculum editor the drafts are written by.")
@needs_current_schema
def curriculum_import(directory: Path, email: str) -> None:
    """Turn DIRECTORY's topics/*.md, topics/*.es.md and tracks/*.yaml into draft versions by
    the author, each awaiting another person's approval; files identical to the text in force
    are skipped. Any bad file or author: one line per problem, exit 1, nothing imported."""
    session = db.write_session()
    result = curriculum_transfer.import_drafts(session, file_library(), current_library(),
                                               directory, email)
    if result.problems:
        session.rollback()
        _fail(result.problems)
    session.commit()
    for line in result.drafts:
        click.echo(line)
    click.echo(f"{len(result.drafts)} draft(s) await another person's approval; "
               f"{len(result.unchanged)} file(s) unchanged from the text in force")


@curriculum_cli.command("grades")
def curriculum_grades() -> None:
    """Print each handout's reading grade: English (Flesch-Kincaid and SMOG grade levels) and
    Spanish (Fernández-Huerta and Szigriszt-Pazos/INFLESZ reading ease; - without one)."""
    report = quality.check(current_library())
    click.echo(f"{'topic':40} {'FK':>5} {'SMOG':>5} {'F-H':>6} {'INFLESZ':>7}")
    for slug, grade in sorted(report.grades.items()):
        spanish = report.spanish_grades.get(slug)
        easy = (f"{spanish.fernandez_huerta:6.1f} {spanish.szigriszt_pazos:7.1f}" if spanish
                else f"{'-':>6} {'-':>7}")
        click.echo(f"{slug:40} {grade.flesch_kincaid:5.1f} {grade.smog:5.1f} {easy}")


handouts_cli = AppGroup("handouts", help="Participant handouts.")


@handouts_cli.command("build")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--size", type=click.Choice(list(SIZES)), default="letter", show_default=True)
@click.option("--large", is_flag=True, help="Large print.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="es: every Spanish handout, as <slug>.es.pdf.")
def handouts_build(outdir: Path, size: str, large: bool, lang: str) -> None:
    """Render every handout to OUTDIR as PDF."""
    if reason := pdf.unavailable_reason():
        _fail([f"PDF rendering is unavailable: {reason}"])
    topics = [t for t in current_library() if lang == "en" or lang in t.translations]
    outdir.mkdir(parents=True, exist_ok=True)
    variant = Variant(size=size, large=large, language=lang)
    suffix = "" if lang == "en" else f".{lang}"
    with click.progressbar(topics, label="Rendering handouts",
                           item_show_func=lambda t: t.slug if t else "") as bar:
        for topic in bar:
            (outdir / f"{topic.slug}{suffix}.pdf").write_bytes(render_handouts([topic], variant))
    untranslated = len(current_library()) - len(topics)
    click.echo(f"Wrote {len(topics)} handouts to {outdir}"
               + (f" ({untranslated} topics have none in this language yet)"
                  if untranslated else ""))


@click.command("seed-demo")
@click.option("--password-stdin", is_flag=True,
              help="Read one password for every demo account from standard input.")
@with_appcontext
@needs_current_schema
def seed_demo(password_stdin: bool) -> None:
    """Add fictional demo groups, participants and three weeks of logs."""
    if current_app.config["GROUPWORK_ENV"] == "production":
        _fail(["seed-demo: refused in production; demo data is for trying Groupwork out"])
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else secrets.token_urlsafe(12)
    if reason := password_problem(password):
        _fail([f"password: {reason}"])
    session = db.write_session()
    try:
        accounts = demo.seed(session, current_library(), password, today())
    except ValueError as error:
        session.rollback()
        _fail([f"seed-demo: {error}"])
    session.commit()
    for account in accounts:
        click.echo(f"{account.role.value:12} {account.email}"
                   + ("" if password_stdin else f"  password: {password}")
                   + ("" if account.curriculum == CurriculumPermission.NONE
                      else f"  (curriculum {account.curriculum})"))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH, while the app keeps serving."""
    try:
        backup.backup(db.engine(), path)
    except backup.BackupError as error:
        _fail([f"backup: {error}"])
    click.echo(f"Backed up the database to {path} ({path.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Load a backup from PATH into this empty instance, then check it."""
    engine = db.engine()
    try:
        backup.restore(engine, path)
    except backup.BackupError as error:
        _fail([f"restore: {error}"])
    schema.upgrade(engine)
    result = audit.verify(db.get_session())
    if result.problem:
        _fail([f"restore: restored, but the audit check failed: {result.problem}"])
    click.echo(f"Restored {path}: {result.events} audit events chained, "
               f"{result.signed_logs} signed logs match their hashes")


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@needs_current_schema
def audit_verify() -> None:
    """Check the audit hash chain and every signed log's and discharge summary's content hash;
    exit 1 at the first problem."""
    result = audit.verify(db.get_session())
    if result.problem:
        _fail([result.problem])
    click.echo(f"Audit trail intact: {result.events} events chained; "
               f"{result.signed_logs} signed logs and {result.signed_summaries} signed discharge "
               f"summaries match their signature hashes.")


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
@needs_current_schema
def reset_two_factor(email: str) -> None:
    """Remove an account's second factors (a sole admin who lost them); it adds one again at
    its next sign-in."""
    session = db.write_session()
    user = accounts.find_by_email(session, email)
    if user is None:
        session.rollback()
        _fail([f"email: no account has the email {email}"])
    second_factor.reset(session, user)
    session.commit()
    click.echo(f"Reset the second factors of {user.email}; they add one at their next sign-in.")


@click.command("reseal-secrets")
@with_appcontext
@needs_current_schema
def reseal_secrets() -> None:
    """After rotating SECRET_KEY (the old one in SECRET_KEY_FALLBACKS): re-encrypt every
    authenticator secret under the new key, so the old one can be dropped."""
    session = db.write_session()
    resealed, unreadable = second_factor.reseal_all(session)
    if unreadable:
        session.rollback()
        _fail([f"{email}: no key in SECRET_KEY or SECRET_KEY_FALLBACKS opens its authenticator "
               f"secret" for email in unreadable])
    session.commit()
    click.echo(f"Resealed {resealed} authenticator secrets under the current SECRET_KEY.")


def init_app(app: Flask) -> None:
    for command in (init_db, create_user, curriculum_cli, handouts_cli, audit_cli, seed_demo,
                    backup_command, restore_command, reset_two_factor, reseal_secrets):
        app.cli.add_command(command)


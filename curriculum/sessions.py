"""Blueprint: groups, rosters, and logging, signing and reading session logs."""

import datetime
from collections.abc import Callable

from flask import (
    Blueprint,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from curriculum import (
    audit,
    check_ins,
    log_form,
    logbook,
    pdf,
    signed_records,
    topic_coverage,
    treatment_goals,
)
from curriculum.access import (
    can_read,
    clinical_group_ids,
    deny,
    facilitates,
    get_group,
    get_log,
    openable_participants,
    read_group,
    read_log,
)
from curriculum.db import STALE, flush_unless_stale, get_session
from curriculum.localtime import now_local, today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import flash_redirect, pdf_response
from curriculum.served_library import current_library
from curriculum.step_up import step_up_problems
from curriculum.template_filters import clock
from curriculum.text import clean, whole_number
from models import (
    EDITABLE_STATES,
    NOTE_FIELDS,
    AttendanceStatus,
    Enrollment,
    Group,
    Participant,
    SessionLog,
)

bp = Blueprint("sessions", __name__)


@bp.get("/groups")
def groups() -> ResponseReturnValue:
    """The groups the signed-in user facilitates or supervises."""
    query = (select(Group).where(Group.id.in_(clinical_group_ids(current_user)),
                                 Group.is_archived.is_(False)).order_by(Group.name))
    return render_template("sessions/groups.html", groups=get_session().scalars(query).all())


@bp.get("/groups/<id:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    """One group: today's roster, how to log a session, and its logs, newest first."""
    session = get_session()
    found = read_group(group_id)  # audited: the roster is clinical data
    day = today()
    logs = logbook.log_list(session, found)
    suggested = logbook.suggested_topic(session, found, current_library())
    roster = logbook.roster_on(session, found, day)
    return render_template(
        "sessions/group.html", group=found, logs=logs, day=day, roster=roster,
        may_log=facilitates(current_user, found), suggested=suggested, library=current_library(),
        openable=openable_participants(current_user, (p.id for p in roster)),
        editable=EDITABLE_STATES,
        not_yet_had=topic_coverage.not_yet_had(session, found, suggested, day) if suggested else [])


@bp.post("/groups/<id:group_id>/logs")
def start(group_id: int) -> ResponseReturnValue:
    """Start a draft log for a date (or open the one already started: a double submit)."""
    session = get_session()
    found = get_group(group_id, action="create-log")
    if not facilitates(current_user, found):
        deny("group", group_id, "create-log")
    try:
        day = datetime.date.fromisoformat(request.form.get("session_date", ""))
    except ValueError:
        return flash_redirect("Enter the session date as a date, for example 2026-03-03.",
                              "sessions.group", group_id=found.id)
    if day > today():
        return flash_redirect("A session can be logged on or after the day it happens, not "
                              "before.", "sessions.group", group_id=found.id)
    topics = [s for s in request.form.getlist("topics") if current_library().get(s) is not None]
    existing = logbook.find_log(session, found, day, found.start_time)
    if existing is not None:
        session.commit()
        return redirect(url_for("sessions.edit", log_id=existing.id))
    session_log = logbook.start_log(session, found, day, current_user.account(), topics,
                                    current_library())
    session.commit()
    return redirect(url_for("sessions.edit", log_id=session_log.id))


def _render_edit(session_log: SessionLog, values: dict, errors: dict[str, str] | None = None,
                 name_hits: dict[str, list[str]] | None = None, conflict: dict | None = None,
                 status: int = 200) -> ResponseReturnValue:
    attended_ids = {r.participant_id for r in session_log.attendance}
    others = get_session().execute(
        select(Participant.id, Participant.display_name).join(Enrollment)
        .where(Enrollment.group_id == session_log.group_id, Participant.id.not_in(attended_ids))
        .order_by(Participant.display_name).distinct()).all()
    errors = errors or {}
    session = get_session()
    return render_template(
        "sessions/edit.html", log=session_log, values=values, errors=errors,
        name_hits=name_hits or {}, conflict=conflict, library=current_library(),
        fields=NOTE_FIELDS[session_log.group.note_format], statuses=list(AttendanceStatus),
        drop_ins=others, goal_choices=treatment_goals.goal_choices(session, session_log),
        recent=check_ins.recent_check_ins(session, session_log,
                                          clinical_group_ids(current_user)),
        chart=check_ins.chart, use_answers=check_ins.USE_CHOICES,
        max_use_days=logbook.MAX_USE_DAYS, openable=_openable(session_log),
        **_field_error_helpers(errors)), status


def _openable(session_log: SessionLog) -> set[int]:
    """The log's participants whose pages the reader may open (their names link)."""
    return openable_participants(current_user, (r.participant_id for r in session_log.attendance))


def _field_error_helpers(errors: dict[str, str]) -> dict[str, Callable[[str], Markup]]:
    """``err(name)``, a field's error message, and ``described(name)``, the attributes tying
    its input to that message: plain functions, as the form calls them for every field of
    every participant (Jinja macros cost several times more)."""

    def err(name: str) -> Markup:
        message = errors.get(name)
        return (Markup('<p class="error" id="{}-error">{}</p>').format(name, message)
                if message else Markup())

    def described(name: str) -> Markup:
        return (Markup(' aria-describedby="{}-error" aria-invalid="true"').format(name)
                if errors.get(name) else Markup())

    return {"err": err, "described": described}


@bp.get("/logs/<id:log_id>/edit")
def edit(log_id: int) -> ResponseReturnValue:
    """The whole log on one page: group part once, then a short note per participant."""
    session_log = read_log(log_id, action="view-log", allowed=facilitates)
    if not session_log.is_editable:
        return redirect(url_for("sessions.show", log_id=log_id))
    return _render_edit(session_log, log_form.values_from_log(session_log))


def _autosave_answer(status: int, message: str, session_log: SessionLog) -> ResponseReturnValue:
    return jsonify(message=message, version=session_log.version), status


@bp.post("/logs/<id:log_id>/edit")
def save(log_id: int) -> ResponseReturnValue:
    """Save the draft; with action=sign, also check it and sign it (step-up password).
    The page's script autosaves with the X-Autosave header and gets JSON back."""
    session = get_session()
    session_log = get_log(log_id, action="edit-log", allowed=facilitates)
    autosave = request.headers.get("X-Autosave") == "1"
    values = log_form.values_from_form(request.form, session_log)
    if not session_log.is_editable:
        session.commit()
        if autosave:
            return _autosave_answer(409, "This log is signed; nothing more is saved here.",
                                    session_log)
        return flash_redirect("This log is signed; add an addendum instead.", "sessions.show",
                              log_id=log_id)
    if values["version"] != str(session_log.version):
        session.commit()
        if log_form.same_content(values, session_log):  # a repeated submit
            if autosave:
                return _autosave_answer(200, "Draft saved.", session_log)
            return redirect(url_for("sessions.edit", log_id=log_id))
        if autosave:
            return _autosave_answer(409, "Someone else saved this log. Your text is still on "
                                         "this page: use Save draft to compare.", session_log)
        conflict = log_form.values_from_log(session_log)
        values["version"] = conflict["version"]
        return _render_edit(session_log, values, conflict=conflict, status=409)
    edit_values, errors = log_form.parse(values, session_log, current_library(),
                                         treatment_goals.goal_choices(session, session_log))
    if edit_values is None:
        session.commit()
        if autosave:
            return _autosave_answer(400, "Not saved automatically: "
                                    + next(iter(errors.values())), session_log)
        return _render_edit(session_log, values, errors=errors, status=400)
    if flush_unless_stale(session, lambda: logbook.apply_edit(session_log, edit_values)) is STALE:
        return _render_edit(session_log, values, conflict=log_form.values_from_log(
            get_log(log_id, action="edit-log", allowed=facilitates)), status=409)
    if autosave:
        session.commit()
        return _autosave_answer(200, f"Draft saved automatically at {clock(now_local().time())}.",
                                session_log)
    if request.form.get("action") != "sign":
        session.commit()
        return flash_redirect("Draft saved.", "sessions.edit", log_id=log_id)
    return _sign(session_log, values)


def _sign(session_log: SessionLog, values: dict) -> ResponseReturnValue:
    """Sign the saved (flushed) draft when it is complete, every name the check found is
    explained and the signer's step-up holds; else commit the draft with the refusal's audit
    event and show the editor with what stops signing."""
    session = get_session()
    problems = logbook.completeness_problems(session_log)
    hits = logbook.name_check(session_log)
    overrides = {key: clean(request.form.get(f"override_{key}", "")) for key in hits}
    unexplained = {key: names for key, names in hits.items() if not overrides[key]}
    signer = current_user.account()
    problems |= step_up_problems(session, signer, request.form, purpose="sign-log")
    if problems or unexplained:
        audit.record(session, "sign-log", "session-log", session_log.id, outcome="refused",
                     detail={"problems": len(problems), "name_hits": len(hits)})
        session.commit()
        values["version"] = str(session_log.version)
        return _render_edit(session_log, values, errors=problems, name_hits=hits, status=400)
    logbook.sign(session, session_log, signer, overrides, current_library())
    session.commit()
    return flash_redirect("Signed. The log is locked; corrections are added as addenda.",
                          "sessions.show", log_id=session_log.id)


@bp.get("/logs/<id:log_id>")
def show(log_id: int) -> ResponseReturnValue:
    """A log as it stands: group part, attendance, each note, signatures and addenda."""
    session_log = read_log(log_id)
    return render_template("sessions/show.html", log=session_log,
                           fields=NOTE_FIELDS[session_log.group.note_format],
                           may_edit=facilitates(current_user, session_log.group),
                           notice=REDISCLOSURE_NOTICE, openable=_openable(session_log))


@bp.post("/logs/<id:log_id>/addenda")
def add_addendum(log_id: int) -> ResponseReturnValue:
    """Add a correction or late entry to a signed log."""
    session = get_session()
    session_log = get_log(log_id, action="add-addendum", allowed=can_read)
    return _committed(signed_records.try_add_addendum(
        session, session_log, current_user.account(), request.form) or "Addendum added.", log_id)


@bp.post("/logs/<id:log_id>/void")
def void(log_id: int) -> ResponseReturnValue:
    """Void a log made by mistake, with a reason; it stays in the record."""
    session_log = get_log(log_id, action="void-log", allowed=can_read)
    reason = clean(request.form.get("reason", ""))
    message = logbook.void_refusal(session_log, reason)
    if message is None:
        logbook.void(get_session(), session_log, current_user.account(), reason)
        message = "The log is void. It stays in the record with your reason."
    return _committed(message, log_id)


@bp.post("/logs/<id:log_id>/participants")
def add_drop_in(log_id: int) -> ResponseReturnValue:
    """Add a participant of this group who is not on the log (a drop-in)."""
    session = get_session()
    session_log = get_log(log_id, action="edit-log", allowed=facilitates)
    participant = logbook.drop_in(session, session_log,
                                  whole_number(request.form.get("participant_id", "")))
    if participant is None:
        return _committed("Choose a participant of this group who is not on the log yet.",
                          log_id, "sessions.edit")
    logbook.add_drop_in(session, session_log, participant)
    return _committed(f"{participant.display_name} added to this session.", log_id,
                      "sessions.edit")


def _committed(message: str, log_id: int, page: str = "sessions.show") -> ResponseReturnValue:
    """Commit the change, or the audit event of the refused attempt, and say which."""
    get_session().commit()
    return flash_redirect(message, page, log_id=log_id)


@bp.get("/logs/<id:log_id>/log.pdf")
def log_pdf(log_id: int) -> ResponseReturnValue:
    """The log as a printable PDF, marked confidential, with the redisclosure notice."""
    session_log = read_log(log_id, action="export-log-pdf")
    html = render_template("pdf/log.html", log=session_log,
                           fields=NOTE_FIELDS[session_log.group.note_format],
                           notice=REDISCLOSURE_NOTICE)
    return pdf_response(pdf.render_pdf(html), f"session-log-{log_id}.pdf")


@bp.get("/logs/<id:log_id>/sign-in-sheet.pdf")
def sign_in_sheet(log_id: int) -> ResponseReturnValue:
    """A sign-in sheet for the session: display names and a signature column."""
    session_log = read_log(log_id, action="export-sign-in-sheet")
    html = render_template("pdf/sign_in_sheet.html", log=session_log, notice=REDISCLOSURE_NOTICE)
    return pdf_response(pdf.render_pdf(html), f"sign-in-sheet-{log_id}.pdf")

"""Blueprint: groups, their staff and rosters (admins only; no note text here). Staff accounts
have their own blueprint, ``staff_accounts``."""


from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from curriculum import audit, roster_import
from curriculum.access import admins_only, deny, managed_group, openable_participants
from curriculum.calendar_dates import WEEKDAY_NAMES
from curriculum.db import get_session, write_session
from curriculum.responses import flash_redirect
from curriculum.served_library import current_library
from curriculum.text import clean_line
from models import Enrollment, Group, HandoutLanguage, Modality, NoteFormat, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
DAYS = list(WEEKDAY_NAMES.items())


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


bp.before_request(admins_only)

# A participant's handout language; blank follows the group's.
PARTICIPANT_LANGUAGES = choices([("", "The group's language")] + [
    (language.value, language.label) for language in HandoutLanguage])


class GroupForm(FlaskForm):
    name = StringField("Group name", validators=[DataRequired(), Length(max=120)])
    meeting_days = SelectMultipleField("Meeting days", choices=choices(DAYS),
                                       validators=[DataRequired("Choose at least one day.")])
    start_time = TimeField("Start time", validators=[DataRequired()])
    minutes = IntegerField("Length in minutes", validators=[DataRequired(),
                                                            NumberRange(15, 720)])
    modality = SelectField("Modality",
                           choices=choices([(m.value, m.value.title()) for m in Modality]))
    note_format = SelectField("Note format",
                              choices=choices([(f.value, f.value) for f in NoteFormat]))
    track_slug = SelectField("Curriculum track")
    weekly_minimum_minutes = IntegerField(
        "Weekly minimum of services (minutes; ASAM 2.1 adult IOP: 540)",
        validators=[DataRequired(), NumberRange(0, 3000)], default=540)
    supervisor_id = SelectField("Supervisor", coerce=int)
    facilitator_ids = SelectMultipleField("Facilitators", coerce=int)
    handout_language = SelectField(
        "Handout language (participants can have their own)",
        choices=choices([(language.value, language.label) for language in HandoutLanguage]),
        default=HandoutLanguage.ENGLISH.value)
    is_goal_link_required = BooleanField(
        "Each present participant's note must tick a treatment goal before the log is signed")
    is_archived = BooleanField("Archived (no longer meets)")

    def set_choices(self) -> None:
        staff = get_session().scalars(select(User).where(User.is_active.is_(True))
                                      .order_by(User.name)).all()
        self.track_slug.choices = choices([("", "No track")] + [
            (slug, track.title) for slug, track in sorted(current_library().tracks.items())])
        self.supervisor_id.choices = choices([(0, "None yet")] + [
            (u.id, u.name) for u in staff if u.role == Role.SUPERVISOR])
        self.facilitator_ids.choices = choices([
            (u.id, u.name) for u in staff if u.role in (Role.FACILITATOR, Role.SUPERVISOR)])


class AdmitForm(FlaskForm):
    display_name = StringField("Display name (first name and last initial, e.g. Maria G.)",
                               validators=[DataRequired(), Length(max=60)])
    record_number = StringField("Program record number",
                                validators=[DataRequired(), Length(max=40)])
    admitted_on = DateField("Admitted on", validators=[DataRequired()])
    handout_language = SelectField("Handout language", choices=PARTICIPANT_LANGUAGES, default="")


class LanguageForm(FlaskForm):
    handout_language = SelectField("Handout language", choices=PARTICIPANT_LANGUAGES, default="")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Administration: accounts and groups."""
    return redirect(url_for("staff_accounts.users"))


@bp.get("/groups")
def groups() -> ResponseReturnValue:
    """Every group."""
    rows = get_session().scalars(select(Group).order_by(Group.is_archived, Group.name)).all()
    return render_template("admin/groups.html", groups=rows)


@bp.get("/groups/new")
def new_group() -> ResponseReturnValue:
    """The form for a new group."""
    form = GroupForm()
    form.set_choices()
    return render_template("admin/group_form.html", form=form, group=None)


@bp.get("/groups/<id:group_id>")
def edit_group(group_id: int) -> ResponseReturnValue:
    """A group's settings and staff."""
    found = managed_group(group_id)
    form = GroupForm(obj=found)
    form.set_choices()
    form.meeting_days.data = found.meeting_days.split(",")
    form.track_slug.data = found.track_slug or ""
    form.supervisor_id.data = found.supervisor_id or 0
    form.facilitator_ids.data = [u.id for u in found.facilitators]
    return render_template("admin/group_form.html", form=form, group=found)


@bp.post("/groups/new")
@bp.post("/groups/<id:group_id>")
def save_group(group_id: int | None = None) -> ResponseReturnValue:
    """Create or update a group and its staff."""
    session = write_session()
    found = managed_group(group_id) if group_id else Group()
    form = GroupForm()
    form.set_choices()
    if not form.validate_on_submit():
        session.rollback()
        return render_template("admin/group_form.html", form=form,
                               group=found if group_id else None), 400
    found.name = clean_line(form.name.data)
    found.meeting_days = ",".join(d for d, _ in DAYS if d in form.meeting_days.data)
    found.start_time = form.start_time.data
    found.minutes = form.minutes.data
    found.modality = Modality(form.modality.data)
    found.note_format = NoteFormat(form.note_format.data)
    found.track_slug = form.track_slug.data or None
    found.weekly_minimum_minutes = form.weekly_minimum_minutes.data
    found.supervisor_id = form.supervisor_id.data or None
    found.facilitators = [session.get(User, i) for i in form.facilitator_ids.data]
    found.handout_language = HandoutLanguage(form.handout_language.data)
    found.is_goal_link_required = form.is_goal_link_required.data
    found.is_archived = form.is_archived.data
    session.add(found)
    session.flush()
    audit.record(session, "update-group" if group_id else "create-group", "group", found.id,
                 detail={"facilitators": form.facilitator_ids.data,
                         "supervisor": found.supervisor_id,
                         "goal_link_required": found.is_goal_link_required})
    session.commit()
    return flash_redirect(f"Saved {found.name}.", "admin.roster", group_id=found.id)


def _roster_page(found: Group, admit: AdmitForm | None = None, preview=None,
                 csv_text: str = "", status: int = 200) -> ResponseReturnValue:
    enrollments = get_session().scalars(
        select(Enrollment).where(Enrollment.group_id == found.id)
        .order_by(Enrollment.discharged_on.is_not(None), Enrollment.admitted_on.desc())).all()
    return render_template("admin/roster.html", group=found, enrollments=enrollments,
                           admit=admit or AdmitForm(), preview=preview, csv_text=csv_text,
                           languages=PARTICIPANT_LANGUAGES,
                           openable=openable_participants(
                               current_user, (e.participant_id for e in enrollments))), status


@bp.get("/groups/<id:group_id>/roster")
def roster(group_id: int) -> ResponseReturnValue:
    """A group's roster: who is enrolled, admit, discharge, import."""
    session = write_session()
    found = managed_group(group_id)
    audit.record(session, "view-roster", "group", found.id)
    session.commit()
    return _roster_page(found)


@bp.post("/groups/<id:group_id>/roster")
def admit(group_id: int) -> ResponseReturnValue:
    """Admit a participant (new, or known by record number) to the group."""
    session = write_session()
    found = managed_group(group_id)
    form = AdmitForm()
    if not form.validate_on_submit():
        session.rollback()
        return _roster_page(found, admit=form, status=400)
    outcome = roster_import.admit(session, found, clean_line(form.display_name.data),
                                  form.record_number.data.strip(), form.admitted_on.data,
                                  _language(form.handout_language.data))
    if outcome.problem:
        session.rollback()
        form.record_number.errors = [outcome.problem]
        return _roster_page(found, admit=form, status=400)
    session.commit()
    return flash_redirect(f"Admitted {clean_line(form.display_name.data)}.", "admin.roster",
                          group_id=found.id)


def _refuse(found: Group, message: str) -> ResponseReturnValue:
    get_session().rollback()
    return flash_redirect(message, "admin.roster", group_id=found.id)


def _roster_enrollment(group_id: int, enrollment_id: int,
                       action: str) -> tuple[Group, Enrollment]:
    """For a change to one row of a roster: the group and the enrollment, in a write
    transaction; 404 (audited) for an enrollment of another group."""
    session = write_session()
    found = managed_group(group_id)
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.group_id != found.id:
        deny("enrollment", enrollment_id, action)
    return found, enrollment


@bp.post("/groups/<id:group_id>/roster/<id:enrollment_id>/discharge")
def discharge(group_id: int, enrollment_id: int) -> ResponseReturnValue:
    """Record a discharge date; the participant stays in past logs."""
    session = get_session()
    found, enrollment = _roster_enrollment(group_id, enrollment_id, "discharge")
    form = DischargeForm()
    if not form.validate_on_submit() or form.discharged_on.data < enrollment.admitted_on:
        return _refuse(found, "Enter a discharge date on or after the admission date.")
    enrollment.discharged_on = form.discharged_on.data
    audit.record(session, "discharge", "enrollment", enrollment.id)
    session.commit()
    return flash_redirect(f"Discharged {enrollment.participant.display_name}.", "admin.roster",
                          group_id=found.id)


def _language(choice: str | None) -> HandoutLanguage | None:
    return HandoutLanguage(choice) if choice else None


@bp.post("/groups/<id:group_id>/roster/<id:enrollment_id>/language")
def set_language(group_id: int, enrollment_id: int) -> ResponseReturnValue:
    """The language a participant's handouts print in (blank: the group's)."""
    session = get_session()
    found, enrollment = _roster_enrollment(group_id, enrollment_id, "set-handout-language")
    form = LanguageForm()
    if not form.validate_on_submit():
        return _refuse(found, "Choose a handout language.")
    participant = enrollment.participant
    participant.handout_language = _language(form.handout_language.data)
    audit.record(session, "set-handout-language", "participant", participant.id,
                 detail={"language": participant.handout_language})
    session.commit()
    return flash_redirect(f"{participant.display_name}'s handouts print in "
                          f"{participant.handout_language_in(found).label}.",
                          "admin.roster", group_id=found.id)


class DischargeForm(FlaskForm):
    discharged_on = DateField("Discharged on", validators=[DataRequired()])


class ImportForm(FlaskForm):
    csv_text = TextAreaField("Roster CSV (display_name,record_number,admitted_on)",
                             validators=[Optional(), Length(max=200_000)])


@bp.post("/groups/<id:group_id>/roster/import")
def import_roster(group_id: int) -> ResponseReturnValue:
    """Preview a CSV roster (bad rows by line number, nothing saved), then import on confirm."""
    session = write_session()
    found = managed_group(group_id)
    form = ImportForm()
    upload = request.files.get("csv_file")
    text = form.csv_text.data or ""
    if upload and upload.filename:
        text = upload.read(200_001).decode("utf-8-sig", errors="replace")
    if not form.validate_on_submit() or not text.strip():
        return _refuse(found, "Paste the roster CSV or choose a file.")
    preview = roster_import.preview(session, found, text)
    if request.form.get("confirm") != "1" or preview.problems:
        session.rollback()
        return _roster_page(found, preview=preview, csv_text=text,
                            status=400 if preview.problems else 200)
    count = roster_import.apply(session, found, preview)
    session.commit()
    return flash_redirect(f"Imported {count} participant(s) into {found.name}.", "admin.roster",
                          group_id=found.id)

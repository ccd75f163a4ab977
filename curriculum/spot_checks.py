"""Blueprint: supervisors draw a random sample of signed notes and record a short checklist
for each; results are kept and summarized per facilitator."""

import datetime
import random
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from curriculum import audit
from curriculum.access import (
    deny,
    get_group,
    get_spot_check,
    openable_participants,
    supervised_group_ids,
    supervises,
    supervisors_only,
)
from curriculum.calendar_dates import requested_range
from curriculum.db import get_session, write_session
from curriculum.localtime import today
from curriculum.responses import flash_redirect
from curriculum.text import clean, whole_number
from models import (
    NOTE_FIELDS,
    Group,
    LogState,
    ParticipantNote,
    SessionLog,
    SpotCheck,
    SpotCheckItem,
    utcnow,
)

bp = Blueprint("spot_checks", __name__, url_prefix="/review/spot-checks")
CRITERIA = (
    ("is_individualized", "Individualized: describes this person's own words and actions"),
    ("is_linked_to_topics", "Linked to the session's topics and interventions"),
    ("is_name_check_clean", "Names no other participant"),
    ("is_minutes_recorded", "Attendance and minutes recorded correctly"),
    ("is_tied_to_goal", "Tied to a goal: says how the session served a goal the note ticks"),
)
MAX_SAMPLE = 50
_sampler = random.SystemRandom()  # a sample the facilitator cannot predict


bp.before_request(supervisors_only)


@dataclass(frozen=True)
class FacilitatorSummary:
    name: str
    checked: int
    passed: dict[str, int]  # criterion → notes that met it
    # criterion → notes checked against it (fewer than ``checked`` for a criterion added
    # after some checklists were recorded)
    answered: dict[str, int]


def summary_by_facilitator(checks: list[SpotCheck]) -> list[FacilitatorSummary]:
    """For each facilitator whose notes were checked: how many met each criterion, of how
    many checked against it."""
    tallies: dict[str, FacilitatorSummary] = {}
    for check in checks:
        for item in check.items:
            if item.checked_at is None:
                continue
            name = item.note.log.signed_by.name
            tally = tallies.get(name) or FacilitatorSummary(
                name, 0, *(dict.fromkeys((key for key, _ in CRITERIA), 0) for _ in range(2)))
            for key, _ in CRITERIA:
                answer = getattr(item, key)
                tally.passed[key] += 1 if answer else 0
                tally.answered[key] += 0 if answer is None else 1
            tallies[name] = FacilitatorSummary(name, tally.checked + 1, tally.passed,
                                               tally.answered)
    return [tallies[name] for name in sorted(tallies)]


def _my_groups() -> list[Group]:
    return list(get_session().scalars(select(Group).where(
        Group.id.in_(supervised_group_ids(current_user))).order_by(Group.name)))


def _my_checks() -> list[SpotCheck]:
    return list(get_session().scalars(select(SpotCheck).where(
        SpotCheck.supervisor_id == current_user.id).order_by(SpotCheck.id.desc())))


@bp.get("/")
def index() -> ResponseReturnValue:
    """My spot-checks, the per-facilitator summary, and the form to draw a new sample."""
    checks = _my_checks()
    return render_template("spot_checks/index.html", checks=checks, groups=_my_groups(),
                           summary=summary_by_facilitator(checks), criteria=CRITERIA,
                           start=today() - datetime.timedelta(days=30), end=today())


@bp.post("/")
def draw() -> ResponseReturnValue:
    """Draw a random sample of signed notes from one of my groups and a period."""
    session = write_session()
    group_id = whole_number(request.form.get("group_id", ""))
    if group_id is None:
        deny("group", request.form.get("group_id", "")[:40], "draw-spot-check")
    group = get_group(group_id, action="draw-spot-check", allowed=supervises)
    start, end = requested_range(request.form)
    size = whole_number(request.form.get("size", ""), 1, MAX_SAMPLE)
    if size is None:
        abort(400, description=f"Choose a sample of 1 to {MAX_SAMPLE} notes.")
    candidates = list(session.scalars(
        select(ParticipantNote.id).join(SessionLog)
        .where(SessionLog.group_id == group.id, SessionLog.session_date.between(start, end),
               SessionLog.state.in_((LogState.SIGNED, LogState.COSIGNED)))
        .order_by(ParticipantNote.id)))
    if not candidates:
        session.rollback()
        return flash_redirect("No signed notes in that group and period.", "spot_checks.index")
    check = SpotCheck(supervisor_id=current_user.id, group=group, period_start=start,
                      period_end=end)
    check.items = [SpotCheckItem(note_id=note_id) for note_id in
                   sorted(_sampler.sample(candidates, min(size, len(candidates))))]
    session.add(check)
    session.flush()
    audit.record(session, "draw-spot-check", "spot-check", check.id,
                 detail={"group": group.id, "notes": len(check.items)})
    session.commit()
    return redirect(url_for("spot_checks.show", check_id=check.id))


@bp.get("/<id:check_id>")
def show(check_id: int) -> ResponseReturnValue:
    """The sampled notes, each with its checklist."""
    check = get_spot_check(check_id, "view-spot-check")
    get_session().commit()
    return render_template("spot_checks/show.html", check=check, criteria=CRITERIA,
                           fields=NOTE_FIELDS[check.group.note_format],
                           openable=openable_participants(
                               current_user, (item.note.participant_id for item in check.items)))


@bp.post("/<id:check_id>/items/<id:item_id>")
def record_item(check_id: int, item_id: int) -> ResponseReturnValue:
    """Record the checklist for one sampled note."""
    session = get_session()
    check = get_spot_check(check_id, "record-spot-check")
    item = next((i for i in check.items if i.id == item_id), None)
    if item is None:
        deny("spot-check-item", item_id, "record-spot-check")
    answers = {key: request.form.get(key) for key, _ in CRITERIA}
    if any(value not in ("yes", "no") for value in answers.values()):
        session.commit()
        return flash_redirect("Answer yes or no for each point of the checklist.",
                              "spot_checks.show", check_id=check_id, _anchor=f"item-{item_id}")
    for key, value in answers.items():
        setattr(item, key, value == "yes")
    item.comment = clean(request.form.get("comment", ""))[:1000]
    item.checked_at = utcnow()
    session.commit()
    return flash_redirect("Checklist saved.", "spot_checks.show", check_id=check_id,
                          _anchor=f"item-{item_id}")

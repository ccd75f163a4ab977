"""The one-page log form: read a draft into form values, and parse a submission back.

Values are kept as the user typed them, so a form with errors re-renders with nothing lost.
"""

import datetime
import enum
from typing import Any, TypeVar

from werkzeug.datastructures import MultiDict

from curriculum.library import Library
from curriculum.logbook import MAX_USE_DAYS, LogEdit, RowEdit
from curriculum.text import clean, whole_number
from models import (
    NOTE_FIELDS,
    AttendanceStatus,
    ParticipantNote,
    SessionLog,
    SubstanceUse,
    TreatmentGoal,
)

MAX_TEXT = 5000
MAX_SUMMARY = 10000
MAX_INTERVENTIONS = 20

_Choice = TypeVar("_Choice", bound=enum.Enum)


def values_from_log(session_log: SessionLog) -> dict[str, Any]:
    """The form's values for a saved log."""
    rows = {}
    for row in session_log.attendance:
        note = session_log.note_for(row.participant_id)
        rows[row.participant_id] = {
            "status": row.status.value, "minutes": str(row.minutes_attended),
            "fields": dict(note.fields) if note else {},
            "engagement": str(note.engagement) if note and note.engagement else "",
            "safety": bool(note and note.is_safety_concern),
            "follow_up": note.safety_follow_up if note else "",
            **_check_in_values(note),
        }
    return {
        "version": str(session_log.version),
        "start_time": session_log.start_time.strftime("%H:%M"),
        "minutes": str(session_log.minutes), "topics": list(session_log.topics),
        "interventions": "\n".join(session_log.interventions), "summary": session_log.summary,
        "rows": rows,
    }


def _check_in_values(note: ParticipantNote | None) -> dict[str, Any]:
    """A saved note's check-in and goal ticks as form values ("" where not asked)."""
    if note is None:
        return {"craving": "", "mood": "", "use": "", "use_days": "", "goals": []}
    return {
        "craving": "" if note.craving is None else str(note.craving),
        "mood": "" if note.mood is None else str(note.mood),
        "use": note.use_since_last_group.value if note.use_since_last_group else "",
        "use_days": "" if note.use_days is None else str(note.use_days),
        "goals": sorted(str(link.goal_id) for link in note.goal_links),
    }


def values_from_form(form: MultiDict[str, str], session_log: SessionLog) -> dict[str, Any]:
    """The form's values as submitted (only for participants on this log: ids in the form
    that are not on the log are ignored, never looked up)."""
    fields = NOTE_FIELDS[session_log.group.note_format]
    rows = {}
    for row in session_log.attendance:
        pid = row.participant_id
        rows[pid] = {
            "status": form.get(f"status_{pid}", ""), "minutes": form.get(f"minutes_{pid}", ""),
            "fields": {key: clean(form.get(f"note_{pid}_{key}", "")) for key, _ in fields},
            "engagement": form.get(f"engagement_{pid}", ""),
            "safety": form.get(f"safety_{pid}") == "1",
            "follow_up": clean(form.get(f"follow_up_{pid}", "")),
            "craving": form.get(f"craving_{pid}", "").strip(),
            "mood": form.get(f"mood_{pid}", "").strip(),
            "use": form.get(f"use_{pid}", ""),
            "use_days": form.get(f"use_days_{pid}", "").strip(),
            "goals": sorted(set(form.getlist(f"goals_{pid}"))),
        }
    return {
        "version": form.get("version", ""), "start_time": form.get("start_time", ""),
        "minutes": form.get("minutes", ""), "topics": form.getlist("topics"),
        "interventions": clean(form.get("interventions", "")),
        "summary": clean(form.get("summary", "")), "rows": rows,
    }


def _measure(row: dict[str, Any], key: str, pid: int, scale: str,
             errors: dict[str, str]) -> int | None:
    """A 0 to 10 check-in answer: blank is "not asked" (None), never 0; anything else but a
    whole number 0 to 10 is an error under the field's name, saying the ``scale``."""
    if not row[key]:
        return None
    number = whole_number(row[key], 0, 10)
    if number is None:
        errors[f"{key}_{pid}"] = f"{scale}; leave it blank if it was not asked."
    return number


def _choice(kind: type[_Choice], row: dict[str, Any], key: str, pid: int, message: str,
            errors: dict[str, str]) -> _Choice | None:
    """The enum member a choice field names; anything else (blank included) is None, with
    ``message`` under the field's name."""
    try:
        return kind(row[key])
    except ValueError:
        errors[f"{key}_{pid}"] = message
        return None


def _check_in(pid: int, row: dict[str, Any], choices: list[TreatmentGoal],
              errors: dict[str, str]) -> dict[str, Any]:
    """The row's check-in and goal ticks, validated (errors added under their field names)."""
    craving = _measure(row, "craving", pid, "Craving is 0 (none) to 10 (strongest)", errors)
    mood = _measure(row, "mood", pid, "Mood is 0 (worst) to 10 (best)", errors)
    use = (_choice(SubstanceUse, row, "use", pid,
                   "Choose an answer about use since the last group.", errors)
           if row["use"] else None)
    use_days = None
    if row["use_days"]:
        use_days = whole_number(row["use_days"], 1, MAX_USE_DAYS)
        if use_days is None or use != SubstanceUse.YES:
            errors[f"use_days_{pid}"] = (f"Days of use are 1 to {MAX_USE_DAYS}, and go with "
                                         f"'Yes, used'.")
    offered = {str(goal.id): goal.id for goal in choices}
    if any(goal_id not in offered for goal_id in row["goals"]):
        errors[f"goals_{pid}"] = "Tick goals from this participant's list."
    return {"craving": craving, "mood": mood, "use_since_last_group": use,
            "use_days": use_days,
            "goal_ids": sorted(offered[g] for g in row["goals"] if g in offered)}


def parse(values: dict[str, Any], session_log: SessionLog, library: Library,
          goal_choices: dict[int, list[TreatmentGoal]]) -> tuple[LogEdit | None, dict[str, str]]:
    """Validate form values into an edit, or return the errors keyed by field name.
    ``goal_choices`` holds the goals each participant's note may tick."""
    errors: dict[str, str] = {}
    try:
        start = datetime.time.fromisoformat(values["start_time"].strip())
    except ValueError:
        start = None
        errors["start_time"] = "Enter the start time as HH:MM, for example 18:00."
    minutes = whole_number(values["minutes"], 5, 720)
    if minutes is None:
        errors["minutes"] = "Enter the session length in minutes (5 to 720)."
    topics = [slug for slug in dict.fromkeys(values["topics"]) if slug]
    if any(library.get(slug) is None for slug in topics if slug not in session_log.topics):
        errors["topics"] = "Choose topics from the library."
    interventions = list(dict.fromkeys(
        line.strip() for line in values["interventions"].splitlines() if line.strip()))
    if len(interventions) > MAX_INTERVENTIONS or any(len(i) > 300 for i in interventions):
        errors["interventions"] = f"List at most {MAX_INTERVENTIONS} interventions, one a line."
    if len(values["summary"]) > MAX_SUMMARY:
        errors["summary"] = f"Keep the summary under {MAX_SUMMARY} characters."

    rows = {}
    session_minutes = minutes or session_log.minutes
    for pid, row in values["rows"].items():
        status = _choice(AttendanceStatus, row, "status", pid, "Choose an attendance status.",
                         errors)
        if status is None:
            continue
        attended_minutes = whole_number(row["minutes"] or "0", 0, session_minutes)
        if attended_minutes is None:
            errors[f"minutes_{pid}"] = f"Minutes attended must be 0 to {session_minutes}."
        engagement = None
        if row["engagement"]:
            engagement = whole_number(row["engagement"], 1, 5)
            if engagement is None:
                errors[f"engagement_{pid}"] = "Engagement is 1 to 5."
        for key, text in row["fields"].items():
            if len(text) > MAX_TEXT:
                errors[f"note_{pid}_{key}"] = f"Keep each part under {MAX_TEXT} characters."
        if len(row["follow_up"]) > MAX_TEXT:
            errors[f"follow_up_{pid}"] = f"Keep the follow-up under {MAX_TEXT} characters."
        rows[pid] = RowEdit(status=status, minutes=attended_minutes or 0,
                            fields={k: v.strip() for k, v in row["fields"].items()},
                            engagement=engagement, is_safety_concern=row["safety"],
                            safety_follow_up=row["follow_up"].strip(),
                            **_check_in(pid, row, goal_choices.get(pid, []), errors))
    if errors or start is None or minutes is None:
        return None, errors
    return LogEdit(start, minutes, topics, interventions, values["summary"].strip(), rows), {}


def same_content(values: dict[str, Any], session_log: SessionLog) -> bool:
    """Whether a submission only repeats what is saved (a double submit of the same form)."""
    saved = values_from_log(session_log)
    strip = {k: v for k, v in values.items() if k != "version"}
    return strip == {k: v for k, v in saved.items() if k != "version"}

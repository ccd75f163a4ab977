"""Admitting participants to a group, one at a time or from a CSV roster with a dry run."""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import audit
from curriculum.text import clean_line
from models import Enrollment, Group, HandoutLanguage, Participant

COLUMNS = ("display_name", "record_number", "admitted_on")
OPTIONAL_COLUMNS = ("language",)  # blank: the group's handout language
# What the language column accepts, as people write it.
LANGUAGE_NAMES = {"en": HandoutLanguage.ENGLISH, "english": HandoutLanguage.ENGLISH,
                  "inglés": HandoutLanguage.ENGLISH, "es": HandoutLanguage.SPANISH,
                  "spanish": HandoutLanguage.SPANISH, "español": HandoutLanguage.SPANISH}
RECORD_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_ROWS = 500


@dataclass(frozen=True)
class Outcome:
    problem: str | None = None


def _open_enrollment(session: Session, group: Group, participant: Participant) -> bool:
    return session.scalar(select(Enrollment.id).where(
        Enrollment.group_id == group.id, Enrollment.participant_id == participant.id,
        Enrollment.discharged_on.is_(None))) is not None


def admit(session: Session, group: Group, display_name: str, record_number: str,
          admitted_on: datetime.date, language: HandoutLanguage | None = None) -> Outcome:
    """Enroll a participant, creating their record if the record number is new; a language
    given becomes theirs (none given leaves a known participant's as it was)."""
    if not RECORD_NUMBER.match(record_number):
        return Outcome("Record numbers are letters, digits, '.', '_' or '-' (up to 40).")
    participant = session.scalar(select(Participant).where(
        Participant.record_number == record_number))
    if participant is None:
        participant = Participant(display_name=display_name, record_number=record_number)
        session.add(participant)
    elif participant.display_name != display_name:
        return Outcome(f"Record {record_number} belongs to {participant.display_name}.")
    elif _open_enrollment(session, group, participant):
        return Outcome(f"{display_name} is already enrolled in this group.")
    if language is not None:
        participant.handout_language = language
    enrollment = Enrollment(group=group, participant=participant, admitted_on=admitted_on)
    session.add(enrollment)
    session.flush()
    audit.record(session, "admit", "enrollment", enrollment.id,
                 detail={"group": group.id, "participant": participant.id,
                         **({"language": language} if language else {})})
    return Outcome()


@dataclass(frozen=True)
class Row:
    line: int
    display_name: str
    record_number: str
    admitted_on: datetime.date
    is_new: bool
    language: HandoutLanguage | None = None


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def preview(session: Session, group: Group, text: str) -> Preview:
    """Check every row; report problems by line number. Saves nothing."""
    result = Preview()
    reader = csv.reader(io.StringIO(text))
    header = tuple(h.strip().lower() for h in next(reader, []))
    if header not in (COLUMNS, COLUMNS + OPTIONAL_COLUMNS):
        result.problems.append((1, "the first line must be: " + ",".join(COLUMNS)
                                   + " (and optionally ," + ",".join(OPTIONAL_COLUMNS) + ")"))
        return result
    seen: set[str] = set()
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(result.rows) + len(result.problems) >= MAX_ROWS:
            result.problems.append((line, f"at most {MAX_ROWS} rows per import"))
            break
        checked = _checked_row(session, group, line, values, len(header), seen)
        if isinstance(checked, Row):
            result.rows.append(checked)
        else:
            result.problems.append((line, checked))
    return result


def _checked_row(session: Session, group: Group, line: int, values: list[str], columns: int,
                 seen: set[str]) -> Row | str:
    """One CSV row as a row to admit, or what is wrong with it (``seen``: the record numbers
    of the rows above)."""
    if len(values) != columns:
        return f"expected {columns} columns, found {len(values)}"
    name, number, admitted = clean_line(values[0]), values[1].strip(), values[2].strip()
    written = values[3].strip().lower() if len(values) > 3 else ""
    if written and written not in LANGUAGE_NAMES:
        return f"language '{written[:20]}' is not en or es (blank: the group's language)"
    if not 1 <= len(name) <= 60:
        return "display_name must be 1 to 60 characters"
    if not RECORD_NUMBER.match(number):
        return "record_number must be letters, digits, '.', '_' or '-' (up to 40)"
    try:
        admitted_on = datetime.date.fromisoformat(admitted)
    except ValueError:
        return f"admitted_on '{admitted[:20]}' is not a date like 2026-03-02"
    if number in seen:
        return f"record_number {number} appears twice"
    seen.add(number)
    existing = session.scalar(select(Participant).where(Participant.record_number == number))
    if existing is not None and existing.display_name != name:
        return f"record {number} belongs to {existing.display_name}"
    if existing is not None and _open_enrollment(session, group, existing):
        return f"{name} is already enrolled in this group"
    return Row(line, name, number, admitted_on, existing is None, LANGUAGE_NAMES.get(written))


def apply(session: Session, group: Group, checked: Preview) -> int:
    """Import a preview that has no problems, all in the caller's transaction."""
    for row in checked.rows:
        outcome = admit(session, group, row.display_name, row.record_number, row.admitted_on,
                        row.language)
        if outcome.problem:  # the preview ran in this same transaction, so this cannot happen
            raise RuntimeError(outcome.problem)
    audit.record(session, "import-roster", "group", group.id, detail={"rows": len(checked.rows)})
    return len(checked.rows)

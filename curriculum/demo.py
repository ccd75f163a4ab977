"""Fictional demo data (``seed-demo``): two groups, their staff and rosters, and three weeks of
logs in every state. Every name and record here is invented."""

import datetime
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import logbook
from curriculum.library import Library
from curriculum.passwords import hash_password
from models import (
    AttendanceStatus,
    CurriculumPermission,
    Enrollment,
    Group,
    Modality,
    NoteFormat,
    Participant,
    Role,
    User,
)

DEMO_DOMAIN = "demo.groupwork.invalid"
# Key, role, name, and what they may do to the curriculum: the supervisor approves what the
# first facilitator drafts (two people for every change).
STAFF = [
    ("admin", Role.ADMIN, "Avery Demo-Admin", CurriculumPermission.NONE),
    ("supervisor", Role.SUPERVISOR, "Dr. Robin Hale", CurriculumPermission.APPROVER),
    ("facilitator1", Role.FACILITATOR, "Jordan Reyes", CurriculumPermission.EDITOR),
    ("facilitator2", Role.FACILITATOR, "Priya Nair", CurriculumPermission.NONE),
]
GROUPS = [
    ("Evening IOP (Mon/Wed/Thu)", "mon,wed,thu", datetime.time(18, 0), "facilitator1",
     ["Maria G.", "Devon T.", "Alicia R.", "Marcus B.", "Hannah L.", "Omar S.", "Tasha W.",
      "Ben C."]),
    ("Morning IOP (Tue/Thu/Fri)", "tue,thu,fri", datetime.time(9, 30), "facilitator2",
     ["Carlos M.", "Jenna P.", "Luis F.", "Rachel K.", "Terrence J.", "Yolanda D.", "Chris E."]),
]
DATA = ["Described a strong craving after an argument at home and rated it {n} of 10.",
        "Shared that weekends are the hardest time and named two triggers.",
        "Said sleep has improved since the last group; reported no use.",
        "Practised the skill in a pair and gave an example from work.",
        "Spoke briefly; listened and nodded during the teaching points."]
ASSESSMENT = ["Insight into triggers is growing; motivation appears high.",
              "Engaged and able to apply the skill to a real situation.",
              "Guarded today; may benefit from an individual check-in.",
              "Makes progress toward the goal of daily coping practice."]
PLAN = ["Practise urge surfing once a day and report back next group.",
        "Call a support person before the weekend; review plan next session.",
        "Continue attending; counselor to check in individually this week."]


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    curriculum: CurriculumPermission = CurriculumPermission.NONE


def _note(rng: random.Random) -> dict[str, str]:
    return {"data": rng.choice(DATA).format(n=rng.randint(2, 8)),
            "assessment": rng.choice(ASSESSMENT), "plan": rng.choice(PLAN)}


def seed(session: Session, library: Library, password: str, today: datetime.date,
         seed_value: int = 7) -> list[DemoAccount]:
    """Add the demo data in the caller's transaction; refuses if it is already there."""
    if session.scalar(select(User).where(User.email.endswith("@" + DEMO_DOMAIN))):
        raise ValueError("demo data is already present")
    rng = random.Random(seed_value)  # noqa: S311 - repeatable fictional data, not secrets
    users = {}
    for key, role, name, curriculum in STAFF:
        users[key] = User(email=f"{key}@{DEMO_DOMAIN}", name=name, role=role,
                          password_hash=hash_password(password),
                          curriculum_permission=curriculum)
        session.add(users[key])
    track = "core-12-week" if "core-12-week" in library.tracks else next(iter(library.tracks),
                                                                          None)
    record = 1000
    for name, days, start, facilitator, people in GROUPS:
        group = Group(name=name, meeting_days=days, start_time=start, minutes=180,
                      modality=Modality.IN_PERSON, note_format=NoteFormat.DAP,
                      track_slug=track, supervisor=users["supervisor"],
                      facilitators=[users[facilitator]])
        session.add(group)
        for index, person in enumerate(people):
            record += 1
            participant = Participant(display_name=person, record_number=f"DEMO-{record}")
            # Rolling admission: people joined over the past seven weeks.
            admitted = today - datetime.timedelta(days=7 * (index % 7) + rng.randint(0, 6))
            session.add(Enrollment(group=group, participant=participant, admitted_on=admitted))
        session.flush()
        _seed_logs(session, group, users[facilitator], users["supervisor"], library, rng, today)
    return [DemoAccount(users[key].role, users[key].email, curriculum)
            for key, _, _, curriculum in STAFF]


def _seed_logs(session: Session, group: Group, facilitator: User, supervisor: User,
               library: Library, rng: random.Random, today: datetime.date) -> None:
    """Three weeks of this group's sessions: older ones co-signed, then signed, one returned,
    one voided, the latest still drafts; one log carries a safety flag."""
    weekdays = group.meeting_days.split(",")
    days = [today - datetime.timedelta(days=n) for n in range(21, 0, -1)
            if (today - datetime.timedelta(days=n)).strftime("%a").lower() in weekdays]
    for position, day in enumerate(days):
        topic = logbook.suggested_topic(session, group, library)
        session_log = logbook.start_log(session, group, day, facilitator,
                                        [topic] if topic else [], library)
        session_log.summary += "Members practised the skill in pairs and shared examples."
        for row in session_log.attendance:
            if rng.random() < 0.12:
                row.status = rng.choice([AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED])
                row.minutes_attended = 0
        for note in session_log.notes:
            row = next(r for r in session_log.attendance if r.participant_id == note.participant_id)
            if not row.attended:
                continue
            note.fields = _note(rng)
            note.engagement = rng.randint(2, 5)
        session.flush()
        remaining = len(days) - position
        if remaining <= 2:
            continue  # the two most recent stay drafts (one may be overdue)
        if position == len(days) - 4 and group.meeting_days.startswith("mon"):
            attended = {r.participant_id for r in session_log.attendance if r.attended}
            flagged = next(n for n in session_log.notes if n.participant_id in attended)
            flagged.is_safety_concern = True
            flagged.safety_follow_up = ("Disclosed passive suicidal thoughts; completed risk "
                                        "screen with counselor after group, safety plan made, "
                                        "988 reviewed, supervisor informed same day.")
            session.flush()
        # Signed the evening of the session, as a counselor would.
        logbook.sign(session, session_log, facilitator, {}, library, at=datetime.datetime.combine(
            day, datetime.time(23), tzinfo=datetime.UTC))
        session.flush()
        if position == len(days) - 3:
            logbook.return_to_facilitator(
                session, session_log, supervisor,
                "Please make each plan specific to the person: what will they do, and by when?")
        elif position == 1:
            logbook.void(session, session_log, facilitator,
                         "Logged under the wrong date by mistake (demo).")
        elif position < len(days) - 5:
            logbook.cosign(session, session_log, supervisor)
        session.flush()


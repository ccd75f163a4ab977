"""Fictional demo data (``seed-demo``): two groups, their staff and rosters, each participant's
treatment goals, three weeks of logs in every state, each present participant's note with a
check-in and the goals it addressed, and one participant discharged with a co-signed discharge
summary. Every name and record here is invented."""

import datetime
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import discharge_summaries, logbook, signed_records, treatment_goals
from curriculum.discharge_summaries import SummaryValues
from curriculum.library import Library
from curriculum.passwords import hash_password
from curriculum.treatment_goals import GoalValues
from models import (
    AttendanceStatus,
    CurriculumPermission,
    DischargeReason,
    Enrollment,
    GoalStatus,
    Group,
    HandoutLanguage,
    Modality,
    NoteFormat,
    NoteGoal,
    Participant,
    Role,
    SubstanceUse,
    TreatmentGoal,
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
# Stepped down to outpatient care after the last signed session of the morning group.
DISCHARGED = "Chris E."
# Their handouts print in Spanish (makeup packets included).
SPANISH_SPEAKING = {"Alicia R.", "Carlos M.", "Luis F."}
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


# Problem, goal and measurable objective ({n}: a number of days or times, drawn per person).
GOALS = [
    ("Drinks on the drive home after stressful shifts.", "Get home from work without drinking.",
     "Use a planned coping step (a call, music, urge surfing) on {n} of 5 workdays, tracked on "
     "a card."),
    ("Few people to call who support recovery.", "Build a sober support network.",
     "Go to {n} mutual-help meetings a week and add one recovery contact to the phone."),
    ("Irregular sleep and skipped mornings.", "Keep a steady daily routine.",
     "Get up by 8 am and follow the written day plan on {n} of 7 days for four weeks."),
    ("Arguments at home lead to using.", "Speak up at home without the argument growing.",
     "Use an I-statement in {n} hard conversations a week, reported at check-in."),
    ("Cravings peak on payday.", "Keep payday safe.",
     "Have pay deposited directly and carry no more than $20 in cash on {n} of 4 paydays."),
    ("Low mood in the evenings.", "Have something sober to do each evening.",
     "Plan and do one evening activity on {n} of 7 days, written in the weekly planner."),
    ("Misses doses of the medicine prescribed for alcohol use.", "Take the medicine as "
     "prescribed.", "Take the daily dose on {n} of 7 days, checked against the pill box."),
]


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    curriculum: CurriculumPermission = CurriculumPermission.NONE


def _note(rng: random.Random, craving: int) -> dict[str, str]:
    return {"data": rng.choice(DATA).format(n=craving),
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
        # The evening group ties every note to a goal before signing; the morning one does not.
        group = Group(name=name, meeting_days=days, start_time=start, minutes=180,
                      modality=Modality.IN_PERSON, note_format=NoteFormat.DAP,
                      track_slug=track, supervisor=users["supervisor"],
                      facilitators=[users[facilitator]],
                      is_goal_link_required=days.startswith("mon"))
        session.add(group)
        for index, person in enumerate(people):
            record += 1
            participant = Participant(
                display_name=person, record_number=f"DEMO-{record}",
                handout_language=HandoutLanguage.SPANISH if person in SPANISH_SPEAKING else None)
            # Rolling admission: people joined over the past seven weeks.
            admitted = today - datetime.timedelta(days=7 * (index % 7) + rng.randint(0, 6))
            session.add(Enrollment(group=group, participant=participant, admitted_on=admitted))
            session.flush()
            _seed_goals(session, participant, users[facilitator], admitted, record, rng)
        _seed_logs(session, group, users[facilitator], users["supervisor"], library, rng, today)
        _seed_goal_progress(session, group, users["supervisor"])
    return [DemoAccount(users[key].role, users[key].email, curriculum)
            for key, _, _, curriculum in STAFF]


def _seed_goals(session: Session, participant: Participant, facilitator: User,
                admitted: datetime.date, record: int, rng: random.Random) -> None:
    """Two goals from the participant's plan, each with its own measure."""
    for problem_number, bank in enumerate((record % len(GOALS), (record * 3 + 1) % len(GOALS)),
                                          start=1):
        problem, goal, objective = GOALS[bank]
        treatment_goals.add_goal(session, participant, facilitator, GoalValues(
            problem=problem, goal=goal, objective=objective.format(n=rng.randint(3, 5)),
            target_on=admitted + datetime.timedelta(weeks=8 + 2 * problem_number),
            plan_reference=f"Plan of {admitted.day} {admitted:%b}, problem {problem_number}"))


def _seed_goal_progress(session: Session, group: Group, supervisor: User) -> None:
    """The first person on the roster met a goal; the second's was revised into a new one."""
    first, second = (e.participant for e in group.enrollments[:2])
    met = first.goals[0]
    treatment_goals.change_goal(session, met, supervisor, _values(met, GoalStatus.MET))
    revised = second.goals[0]
    treatment_goals.change_goal(session, revised, supervisor,
                                _values(revised, GoalStatus.REVISED))
    treatment_goals.add_goal(session, second, supervisor, GoalValues(
        problem=revised.problem, goal=f"{revised.goal.rstrip('.')}, one week at a time.",
        objective=revised.objective, target_on=revised.target_on + datetime.timedelta(weeks=4),
        plan_reference=f"{revised.plan_reference}, revised"))


def _values(goal: TreatmentGoal, status: GoalStatus) -> GoalValues:
    return GoalValues(problem=goal.problem, goal=goal.goal, objective=goal.objective,
                      target_on=goal.target_on, plan_reference=goal.plan_reference,
                      status=status)


def _check_in(rng: random.Random, position: int, sessions: int) -> dict[str, Any]:
    """A check-in that eases over the weeks: cravings fall and mood rises; now and then a
    question was not asked, a person declined to say, or reported use."""
    progress = position / max(sessions - 1, 1)
    use_roll = rng.random()
    use = (SubstanceUse.YES if use_roll < 0.06 else SubstanceUse.DECLINED if use_roll < 0.1
           else SubstanceUse.NONE)
    return {
        "craving": max(0, min(10, round(6 - 4 * progress + rng.uniform(-2, 2)))),
        "mood": None if rng.random() < 0.08 else max(0, min(10, round(
            4 + 3 * progress + rng.uniform(-2, 2)))),
        "use_since_last_group": use,
        "use_days": rng.randint(1, 2) if use == SubstanceUse.YES else None,
    }


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
            for key, value in _check_in(rng, position, len(days)).items():
                setattr(note, key, value)
            note.fields = _note(rng, note.craving)
            note.engagement = rng.randint(2, 5)
            active = [g for g in row.participant.goals if g.status == GoalStatus.ACTIVE]
            note.goal_links = [NoteGoal(goal=goal) for goal in
                               rng.sample(active, min(len(active), rng.choice((1, 1, 2))))]
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
        logbook.sign(session, session_log, facilitator, {}, library,
                     at=datetime.datetime.combine(day, datetime.time(23), tzinfo=datetime.UTC))
        session.flush()
        if position == len(days) - 3:
            signed_records.return_to_author(
                session, session_log, supervisor,
                "Please make each plan specific to the person: what will they do, and by when?")
        elif position == 1:
            logbook.void(session, session_log, facilitator,
                         "Logged under the wrong date by mistake (demo).")
        elif position < len(days) - 5:
            signed_records.cosign(session, session_log, supervisor)
        session.flush()
        if position == len(days) - 4:  # the last signed session: later logs go without
            _seed_discharge(session, group, facilitator, supervisor, library, day)


def _seed_discharge(session: Session, group: Group, facilitator: User, supervisor: User,
                    library: Library, day: datetime.date) -> None:
    """The group's discharged participant: a summary drafted from their record, signed that
    evening (which ends their enrollment that day) and co-signed."""
    enrollment = next((e for e in group.enrollments if e.participant.display_name == DISCHARGED),
                      None)
    if enrollment is None:
        return
    summary = discharge_summaries.start_summary(session, enrollment, facilitator, SummaryValues(
        reason=DischargeReason.STEP_DOWN, discharged_on=day,
        recommendations="Continue the daily coping step and the weekly planner; keep two "
                        "mutual-help meetings a week.",
        aftercare="Standard outpatient group at the clinic, Tuesdays 6 pm, first visit next "
                  "week; a counselor check-in call in two weeks.",
        medications="None reported."), library, day)
    discharge_summaries.sign(session, summary, facilitator,
                             at=datetime.datetime.combine(day, datetime.time(23, 30),
                                                          tzinfo=datetime.UTC))
    session.flush()
    signed_records.cosign(session, summary, supervisor)
    session.flush()


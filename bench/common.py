"""What several benchmarks share: the staff password, a small group to log for, and the log
page filled in as a facilitator would."""

import datetime
import re
from typing import Any

from curriculum import db
from curriculum.cli import add_user
from models import Enrollment, Group, Modality, Participant, Role, User

PASSWORD = "bench password 2026"
NOTE = {"data": "Described a craving after a hard shift and rated it 6 of 10.",
        "assessment": "Engaged; linked the craving to fatigue and payday.",
        "plan": "Practise urge surfing daily; call a support before the weekend."}
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
PARTICIPANT_RE = re.compile(r'name="status_(\d+)"')


def small_group(email: str = "facilitator@bench.test") -> Group:
    """A facilitator (signing in with PASSWORD) and their group of eight; call it in an app
    context, and commit."""
    add_user(email, "Fran Bench", Role.FACILITATOR, PASSWORD)
    session = db.get_session()
    group = Group(name="Bench group", meeting_days="mon,wed,thu", start_time=datetime.time(18),
                  minutes=180, modality=Modality.IN_PERSON, track_slug="core-12-week")
    group.facilitators = [session.query(User).filter_by(email=email).one()]
    session.add(group)
    for seat in range(8):
        session.add(Enrollment(group=group, admitted_on=datetime.date(2026, 1, 5),
                               participant=Participant(display_name=f"Member {seat}",
                                                       record_number=f"B{seat:03d}")))
    session.flush()
    return group


def filled_log_form(page: str, token: str) -> dict[str, Any]:
    """The log page's form with everyone present, a note each and a group summary."""
    form: dict[str, Any] = {"csrf_token": token, "start_time": "18:00", "minutes": "180",
                            "version": VERSION_RE.search(page).group(1),
                            "summary": "Group practised urge surfing; each named a plan.",
                            "interventions": "Urge surfing\nRelapse prevention planning"}
    for pid in PARTICIPANT_RE.findall(page):
        form |= {f"status_{pid}": "present", f"minutes_{pid}": "180", f"engagement_{pid}": "4"}
        form |= {f"note_{pid}_{part}": text for part, text in NOTE.items()}
    return form

"""What several benchmarks share: the staff password, a small group to log for, the log page
filled in as a facilitator would, and the program's own approved texts."""

import datetime
import re
from typing import Any

from flask import current_app

from curriculum import curriculum_versions, db, shipped_reviews
from curriculum.cli import add_user
from models import CurriculumPermission, Enrollment, Group, Modality, Participant, Role, User

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


# A sentence the program's version adds to a topic's facilitator guide.
PROGRAM_WORDING = "Our program teaches this topic in its own words."


def curriculum_people() -> tuple[User, User]:
    """A curriculum editor and an approver (signing in with PASSWORD); call it in an app
    context."""
    return (add_user("editor@bench.test", "Eddie Editor", Role.FACILITATOR, PASSWORD,
                     curriculum=CurriculumPermission.EDITOR),
            add_user("approver@bench.test", "Abby Approver", Role.SUPERVISOR, PASSWORD,
                     curriculum=CurriculumPermission.APPROVER))


def approve_revision(slug: str, sentence: str, editor: User, approver: User) -> None:
    """A version of ``slug`` whose guide opens with ``sentence`` (before the text in force),
    saved by ``editor`` and approved by ``approver`` through the app's operations, and
    committed. Call it in an app context."""
    session = db.get_session()
    files = current_app.extensions["library"]
    current = curriculum_versions.current_text(session, files, slug)
    assert current is not None and "## Overview\n\n" in current.source, slug
    source = current.source.replace("## Overview\n\n", f"## Overview\n\n{sentence} ", 1)
    version = curriculum_versions.save_draft(session, files, slug, source,
                                             "The program's wording.", editor,
                                             current.content_hash)
    curriculum_versions.approve(session, version, approver, True, "", files, files)
    session.commit()


def approve_program_versions(revised: list[str], approved_as_shipped: list[str]) -> None:
    """The program's own texts in play: a version approved for each ``revised`` topic (its
    guide says PROGRAM_WORDING) and the shipped text approved as it stands for each of the
    others. Call it in an app context."""
    editor, approver = curriculum_people()
    for slug in revised:
        approve_revision(slug, PROGRAM_WORDING, editor, approver)
    session = db.get_session()
    files = current_app.extensions["library"]
    for slug in approved_as_shipped:
        shipped_reviews.approve_as_shipped(session, files, slug, approver, True,
                                           files.topics[slug].content_hash, "")
    session.commit()
